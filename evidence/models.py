"""Pydantic models of the apatinib sarcoma evidence base.

Every model is immutable (``frozen=True``) and rejects unknown fields (``extra="forbid"``).
Every number carries its provenance (:class:`Num`): the source it comes from, where in the
source, whether it is printed there (``reported``), computed from printed figures
(``derived``) or reconstructed from a percentage (``inferred``), and how.

Compact YAML form of a number::

    pr: {v: 35, src: S1-pmc, at: "abstract, results", pct: "62.5%"}

``v``/``value``, ``src``/``source``, ``at``/``location``, ``how``/``derivation``,
``printed``/``as_printed`` and ``pct``/``percent_printed`` are accepted spellings of the
same fields.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "ENDPOINTS",
    "HISTOLOGY_GROUPS",
    "RECORD_KINDS",
    "TIMEPOINTS",
    "Citation",
    "Counts",
    "Design",
    "EXCLUSION_REASONS",
    "EvidenceFile",
    "Exclusion",
    "FollowUp",
    "Interval",
    "LineCount",
    "Median",
    "Milestone",
    "Num",
    "Outcomes",
    "OverlapGroup",
    "Planned",
    "Population",
    "PooledEstimate",
    "Quoted",
    "Rate",
    "RecordedFlag",
    "Regimen",
    "ResponseCounts",
    "Source",
    "Study",
    "Subtype",
    "Toxicity",
]

Status = Literal["reported", "derived", "inferred"]
Severity = Literal["error", "warning", "info"]
Timepoint = Literal["best_overall", "week_12", "final", "interim"]
RateEndpoint = Literal["ORR", "DCR"]
SurvivalEndpoint = Literal["PFS", "TTP", "OS", "DoR"]
IntervalKind = Literal["95% CI", "IQR", "range", "not stated"]
MilestoneMethod = Literal["Kaplan–Meier", "crude", "not stated"]
RecordKind = Literal["study", "secondary_report", "untraced_claim", "planned", "external_meta_analysis"]
HistologyGroup = Literal[
    "osteosarcoma", "soft-tissue sarcoma", "Ewing sarcoma", "ASPS", "chondrosarcoma", "chordoma",
    "mixed",
]
RegimenKind = Literal["monotherapy", "combination", "mixed"]
TimeUnit = Literal["months", "weeks"]

TIMEPOINTS: tuple[str, ...] = ("best_overall", "week_12", "final", "interim")
ENDPOINTS: tuple[str, ...] = ("ORR", "DCR")
RECORD_KINDS: tuple[str, ...] = (
    "study",
    "secondary_report",
    "untraced_claim",
    "planned",
    "external_meta_analysis",
)
HISTOLOGY_GROUPS: tuple[str, ...] = (
    "osteosarcoma",
    "soft-tissue sarcoma",
    "Ewing sarcoma",
    "ASPS",
    "chondrosarcoma",
    "chordoma",
    "mixed",
)

_ID = r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$"
_PCT_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def parse_percent_text(text: str | None) -> tuple[float, int] | None:
    """``"60.0%"`` -> ``(60.0, 1)``: the value and its printed decimals (None if unparsable)."""
    if text is None:
        return None
    m = _PCT_RE.match(text)
    if not m:
        return None
    digits = m.group(1)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return float(digits), decimals


# --------------------------------------------------------------------------- provenance


class Num(_Frozen):
    """A number with its provenance.

    ``status`` is ``reported`` (printed in the source), ``derived`` (computed from printed
    figures; ``derivation`` says how, e.g. ``"PR + SD = 35 + 11"``) or ``inferred``
    (reconstructed, e.g. a count back-calculated from a percentage). ``as_printed`` keeps the
    exact printed text; ``percent_printed`` the percentage printed next to a count
    (``"35 (62.5%)"`` -> ``"62.5%"``), checked against the count's denominator.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    value: StrictInt | StrictFloat = Field(validation_alias=_alias("value", "v"))
    status: Status = "reported"
    source: str = Field(validation_alias=_alias("source", "src"), min_length=1, max_length=60)
    location: str | None = Field(default=None, validation_alias=_alias("location", "at"))
    derivation: str | None = Field(default=None, validation_alias=_alias("derivation", "how"))
    as_printed: str | None = Field(default=None, validation_alias=_alias("as_printed", "printed"))
    percent_printed: str | None = Field(
        default=None, validation_alias=_alias("percent_printed", "pct")
    )
    unverified: StrictBool = False

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if isinstance(v, float) and not math.isfinite(v):
            raise PydanticCustomError("not_finite", "value must be a finite number, got {v}", {"v": v})
        return v

    @field_validator("percent_printed")
    @classmethod
    def _pct_parsable(cls, v: str | None) -> str | None:
        if v is not None and parse_percent_text(v) is None:
            raise PydanticCustomError(
                "bad_percent", "percent_printed must look like '62.5%', got {v}", {"v": v}
            )
        return v

    @model_validator(mode="after")
    def _derivation_required(self) -> Num:
        if self.status != "reported" and not (self.derivation and self.derivation.strip()):
            raise PydanticCustomError(
                "derivation_missing",
                "derivation: required when status is {status}",
                {"status": self.status, "field": "derivation"},
            )
        if self.percent_printed is not None:
            pv = parse_percent_text(self.percent_printed)
            if pv is not None and pv[0] > 100:
                raise PydanticCustomError(
                    "percent_over_100",
                    "percent_printed: {v} exceeds 100%",
                    {"v": self.percent_printed, "field": "percent_printed"},
                )
        return self

    @property
    def is_int(self) -> bool:
        return isinstance(self.value, int) or float(self.value).is_integer()


class Quoted(_Frozen):
    """A piece of text (that may contain numbers) with its provenance, e.g. an age summary."""

    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    location: str | None = None
    unverified: StrictBool = False


class Interval(_Frozen):
    """An interval around an estimate, copied as printed.

    ``None`` for a bound means not estimable / not printed (``as_printed`` shows which).
    """

    low: StrictInt | StrictFloat | None = None
    high: StrictInt | StrictFloat | None = None
    kind: IntervalKind = "not stated"
    as_printed: str | None = None
    source: str = Field(min_length=1)
    location: str | None = None
    status: Status = "reported"
    derivation: str | None = None
    unverified: StrictBool = False
    note: str | None = None

    @field_validator("low", "high")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if isinstance(v, float) and not math.isfinite(v):
            raise PydanticCustomError("not_finite", "bound must be finite, got {v}", {"v": v})
        return v

    @model_validator(mode="after")
    def _derivation_required(self) -> Interval:
        if self.status != "reported" and not self.derivation:
            raise PydanticCustomError(
                "derivation_missing",
                "derivation: required when status is {status}",
                {"status": self.status, "field": "derivation"},
            )
        return self


# --------------------------------------------------------------------------- sources


class Source(_Frozen):
    id: str = Field(pattern=_ID)
    kind: Literal[
        "publication",
        "conference_abstract",
        "registry",
        "thesis",
        "seed_document",
        "dossier",
        "journal_record",
    ]
    citation: str = Field(min_length=1)
    urls: tuple[str, ...] = ()


class Citation(_Frozen):
    authors: str | None = None
    title: str | None = None
    journal: str | None = None
    year: StrictInt | None = Field(default=None, ge=1990, le=2100)
    year_note: str | None = None
    volume_pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    registration: str | None = None
    note: str | None = None


# --------------------------------------------------------------------------- study parts


class Design(_Frozen):
    design: Literal["prospective", "retrospective", "not applicable", "not stated"]
    phase: str | None = None
    centres: Literal["single", "multi", "not stated"] = "not stated"
    n_centres: Num | None = None
    report_type: Literal[
        "journal_article",
        "conference_abstract",
        "case_report",
        "thesis",
        "registry",
        "seed_document",
        "journal_record",
        "meta_analysis",
    ]
    description: str | None = None
    enrolment: str | None = None
    country: str | None = None
    institutions: tuple[str, ...] = ()
    response_criteria: str | None = None


class Subtype(_Frozen):
    subtype: str = Field(min_length=1)
    n: Num


class LineCount(_Frozen):
    line: str = Field(min_length=1)
    n: Num


class Population(_Frozen):
    description: str
    histology: str
    histology_group: HistologyGroup
    sarcoma_only: StrictBool
    composition: tuple[Subtype, ...] = ()
    composition_denominator: Num | None = None
    age: Quoted | None = None
    sex: Quoted | None = None
    stage: str | None = None
    line: str | None = None
    line_counts: tuple[LineCount, ...] = ()


class Regimen(_Frozen):
    kind: RegimenKind
    partners: tuple[str, ...] = ()
    dose: str | None = None
    dose_mg: Num | None = None
    monotherapy_n: Num | None = None
    note: str | None = None


class Counts(_Frozen):
    enrolled: Num | None = None
    evaluable_efficacy: Num | None = None
    evaluable_safety: Num | None = None


#: Largest plausible patient count in one study (larger values are typos, e.g. 10**12).
MAX_COUNT = 100_000


def _check_events_total(events: Num | None, total: Num | None, percent: Num | None,
                        ev_name: str = "events") -> None:
    for name, num in ((ev_name, events), ("total", total)):
        if num is not None and not num.is_int:
            raise PydanticCustomError(
                "not_integer",
                "{name}: {v} is not a whole number",
                {"name": name, "v": num.value, "field": name},
            )
        if num is not None and num.value > MAX_COUNT:
            raise PydanticCustomError(
                "count_too_large",
                "{name}: {v} exceeds the largest plausible count ({m})",
                {"name": name, "v": num.value, "m": MAX_COUNT, "field": name},
            )
    if total is not None and total.value <= 0:
        raise PydanticCustomError(
            "total_not_positive", "total: {t} must be positive", {"t": total.value, "field": "total"}
        )
    if events is not None and events.value < 0:
        raise PydanticCustomError(
            "events_negative", "{name}: {e} is negative", {"name": ev_name, "e": events.value, "field": ev_name}
        )
    if events is not None and total is not None and events.value > total.value:
        raise PydanticCustomError(
            "events_exceed_total",
            "{name}: {e} exceeds total {t}",
            {"name": ev_name, "e": events.value, "t": total.value, "field": ev_name},
        )
    if percent is not None and not (0 <= percent.value <= 100):
        raise PydanticCustomError(
            "percent_range",
            "percent: {p} is outside 0–100",
            {"p": percent.value, "field": "percent"},
        )


class ResponseCounts(_Frozen):
    """Best-response category counts at one timepoint (``None`` = not reported)."""

    timepoint: Timepoint = "best_overall"
    timepoint_note: str | None = None
    subgroup: str | None = None
    cr: Num | None = None
    pr: Num | None = None
    sd: Num | None = None
    pd: Num | None = None
    total: Num | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _sane(self) -> ResponseCounts:
        # the total first: with a non-positive total, "0 exceeds total -28" would name the wrong field
        if self.total is not None and self.total.value <= 0:
            raise PydanticCustomError(
                "total_not_positive", "total: {t} must be positive",
                {"t": self.total.value, "field": "total"},
            )
        for name in ("cr", "pr", "sd", "pd"):
            num = getattr(self, name)
            if num is None:
                continue
            if num.value < 0 or not num.is_int:
                raise PydanticCustomError(
                    "bad_count", "{name}: {v} is not a non-negative whole number",
                    {"name": name, "v": num.value, "field": name},
                )
            if self.total is not None and num.value > self.total.value:
                raise PydanticCustomError(
                    "events_exceed_total",
                    "{name}: {v} exceeds total {t}",
                    {"name": name, "v": num.value, "t": self.total.value, "field": name},
                )
        return self


class Rate(_Frozen):
    """ORR or DCR at one timepoint: events / total and the percentage as printed."""

    endpoint: RateEndpoint
    timepoint: Timepoint = "best_overall"
    timepoint_note: str | None = None
    events: Num | None = None
    total: Num | None = None
    percent: Num | None = None
    ci: Interval | None = None
    definition: str | None = None
    subgroup: str | None = None
    subgroup_kind: str | None = None
    headline: StrictBool | None = None
    headline_reason: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _sane(self) -> Rate:
        _check_events_total(self.events, self.total, self.percent)
        if self.events is None and self.percent is None:
            raise PydanticCustomError(
                "rate_empty", "events: a rate needs events or a percent", {"field": "events"}
            )
        return self


class Median(_Frozen):
    endpoint: SurvivalEndpoint
    estimate: Num | None = None
    not_reached: StrictBool = False
    ci: Interval | None = None
    subgroup: str | None = None
    subgroup_kind: str | None = None
    n: Num | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _sane(self) -> Median:
        if self.estimate is None and not self.not_reached:
            raise PydanticCustomError(
                "median_empty", "estimate: give an estimate or not_reached: true",
                {"field": "estimate"},
            )
        if self.estimate is not None and self.estimate.value < 0:
            raise PydanticCustomError(
                "negative", "estimate: {v} is negative", {"v": self.estimate.value, "field": "estimate"}
            )
        return self


class Milestone(_Frozen):
    endpoint: SurvivalEndpoint
    time: Num
    unit: TimeUnit = "months"
    rate: Num
    method: MilestoneMethod = "not stated"
    ci: Interval | None = None
    events: Num | None = None
    total: Num | None = None
    subgroup: str | None = None
    subgroup_kind: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _sane(self) -> Milestone:
        if not (0 <= self.rate.value <= 100):
            raise PydanticCustomError(
                "percent_range", "rate: {p} is outside 0–100", {"p": self.rate.value, "field": "rate"}
            )
        if self.time.value <= 0:
            raise PydanticCustomError(
                "time_not_positive", "time: {t} must be positive", {"t": self.time.value, "field": "time"}
            )
        _check_events_total(self.events, self.total, None)
        return self

    @property
    def time_months(self) -> float:
        return months(self.time.value, self.unit)


def months(value: float, unit: str) -> float:
    """Convert a duration to months (1 month = 30.4375 days; 1 week = 7 days)."""
    return float(value) if unit == "months" else float(value) * 7.0 / 30.4375


class FollowUp(_Frozen):
    median: Num
    unit: TimeUnit = "months"
    interval: Interval | None = None
    note: str | None = None

    @property
    def median_months(self) -> float:
        return months(self.median.value, self.unit)


class Toxicity(_Frozen):
    event: str = Field(min_length=1)
    grade: str = "≥3"
    #: as printed by the source; None = the source does not say (never pooled with either kind)
    attribution: Literal["treatment-related", "all-cause"] | None = None
    count: Num | None = None
    total: Num | None = None
    percent: Num | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _sane(self) -> Toxicity:
        _check_events_total(self.count, self.total, self.percent, "count")
        return self


class Outcomes(_Frozen):
    responses: tuple[ResponseCounts, ...] = ()
    rates: tuple[Rate, ...] = ()
    medians: tuple[Median, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    follow_up: FollowUp | None = None
    toxicity: tuple[Toxicity, ...] = ()


class PooledEstimate(_Frozen):
    """A pooled estimate printed by an external meta-analysis (never re-pooled here)."""

    measure: str
    scale: Literal["proportion", "months"]
    estimate: Num
    ci: Interval | None = None


class Planned(_Frozen):
    planned_n: Num | None = None
    arms: tuple[str, ...] = ()
    start: str | None = None
    endpoints: str | None = None
    sponsor: str | None = None
    results: str | None = None
    results_in: str | None = None


class RecordedFlag(_Frozen):
    """A data-quality flag recorded by hand (from dossier §4), optionally confirmed by a check."""

    dossier_flag: StrictInt | None = Field(default=None, ge=1, le=99)
    kind: str
    severity: Severity = "warning"
    field: str
    message: str
    check: str | None = None


class Study(_Frozen):
    """One record of the evidence base: a study, a secondary report, a claim, a plan or a
    meta-analysis (``record_kind``)."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1, max_length=120)
    record_kind: RecordKind
    secondary_of: str | None = None
    mapping_confidence: Literal["high", "moderate", "low", "none"] | None = None
    overlap_group: str | None = None
    citation: Citation = Citation()
    sources: tuple[str, ...] = Field(min_length=1)
    design: Design
    population: Population
    regimen: Regimen | None = None
    n: Counts = Counts()
    outcomes: Outcomes = Outcomes()
    pooled_estimates: tuple[PooledEstimate, ...] = ()
    n_studies: Num | None = None
    scope: str | None = None
    planned: Planned | None = None
    flags: tuple[RecordedFlag, ...] = ()
    pooling_exclusion: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _links(self) -> Study:
        if self.record_kind == "secondary_report" and not self.secondary_of:
            raise PydanticCustomError(
                "secondary_without_link",
                "secondary_of: a secondary_report must name the study it describes",
                {"field": "secondary_of"},
            )
        if self.secondary_of == self.id:
            raise PydanticCustomError(
                "self_link", "secondary_of: a record cannot be a report of itself",
                {"field": "secondary_of"},
            )
        return self


class OverlapGroup(_Frozen):
    """Records that may describe the same patients; only ``pooled_by_default`` enter pooling."""

    id: str = Field(pattern=_ID)
    label: str
    members: tuple[str, ...] = Field(min_length=2)
    pooled_by_default: tuple[str, ...] = ()
    reason: str
    dossier_flag: StrictInt | None = None

    @model_validator(mode="after")
    def _subset(self) -> OverlapGroup:
        extra = [m for m in self.pooled_by_default if m not in self.members]
        if extra:
            raise PydanticCustomError(
                "not_member", "pooled_by_default: {extra} not in members",
                {"extra": extra, "field": "pooled_by_default"},
            )
        return self


ExclusionReason = Literal[
    "not advanced disease",
    "apatinib effect not separable",
    "apatinib not confirmed",
    "case report (n < 5)",
    "review",
    "meta-analysis not apatinib-specific",
    "registered trial without results",
    "secondary publication without new cohort",
    "no extractable outcomes",
    "source not identifiable",
]
#: Why a considered record is not in the evidence base (PRISMA 2020 "reports excluded, with reasons").
EXCLUSION_REASONS: tuple[str, ...] = ExclusionReason.__args__  # type: ignore[attr-defined]


class Exclusion(_Frozen):
    """A record that was considered and excluded, with its reason (an exclusion is data).

    ``stage`` is the PRISMA 2020 box it leaves from: ``screening`` (excluded on the record's
    title/abstract) or ``eligibility`` (a report assessed and excluded). ``related`` names
    records of the evidence base it bears on (e.g. the cohort a secondary paper reports).
    """

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1, max_length=120)
    citation: Citation = Citation()
    sources: tuple[str, ...] = Field(min_length=1)
    stage: Literal["screening", "eligibility"] = "eligibility"
    reason: ExclusionReason
    detail: str = Field(min_length=1)
    n: Num | None = None
    related: tuple[str, ...] = ()
    found_by: Literal["previous version", "other methods"] = "other methods"


class EvidenceFile(_Frozen):
    """Top level of ``studies.yaml`` (studies are validated one by one by the loader)."""

    schema_version: StrictInt = 1
    title: str | None = None
    sources: tuple[Source, ...] = ()
    overlap_groups: tuple[OverlapGroup, ...] = ()
    studies: tuple[Study, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
