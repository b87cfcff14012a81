"""The search log of the living review (``data/search_log.yaml``) and its PRISMA 2020 counts.

Every search that was made is one entry: where and when, the query, how many results it
returned and how they were classified (records already known, off-topic results, records new to
the review). A count that is not known is ``null`` and stays unknown; it is never estimated.

:func:`prisma_counts` computes every box of the PRISMA 2020 flow diagram for updated reviews
(previous version + other methods; no bibliographic database can be queried here) from the log,
the current data file and the previous version's data file. Each box is also checked against an
independent count; a failed check raises :class:`PrismaError` naming the box.

References
----------
Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated guideline for
reporting systematic reviews. BMJ 2021;372:n71 (flow diagram for updated reviews, other methods).
Haddaway NR, Page MJ, Pritchard CC, McGuinness LA. PRISMA2020: an R package and Shiny app for
producing PRISMA 2020-compliant flow diagrams. Campbell Syst Rev 2022;18:e1230.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, ValidationError

from evidence.base import EvidenceBase, Problem
from evidence.selection import Selection, select_outcomes

__all__ = [
    "DEFAULT_LOG_PATH",
    "PrismaCounts",
    "PrismaError",
    "SearchEntry",
    "SearchLog",
    "load_search_log",
    "prisma_counts",
]

DEFAULT_LOG_PATH = Path(__file__).resolve().parents[1] / "data" / "search_log.yaml"
_ROOT = DEFAULT_LOG_PATH.parents[1]
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _iso_date(v: str) -> str:
    if not _DATE.match(v):
        raise ValueError(f"date must be YYYY-MM-DD or YYYY-MM, got {v!r}")
    return v


#: A search's or a version's date as the log records it (a day, or a month when only that is known).
IsoDate = Annotated[str, AfterValidator(_iso_date)]
_INCLUDED_KINDS = ("study", "secondary_report")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SearchEntry(_Frozen):
    """One search (or one batch of reading, when its query and counts are not known)."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")
    date: IsoDate
    source: str = Field(min_length=1)
    method: Literal["other methods"] = "other methods"
    query: str | None = None
    language: Literal["en", "zh", "not known"] = "en"
    hits: StrictInt | None = Field(default=None, ge=0)
    already_known: StrictInt | None = Field(default=None, ge=0)
    off_topic: StrictInt | None = Field(default=None, ge=0)
    new_records: tuple[str, ...] = ()
    not_retrieved: tuple[str, ...] = ()
    note: str | None = None


class PreviousVersion(_Frozen):
    label: str
    file: str
    date: str | None = None
    note: str | None = None


class CurrentVersion(_Frozen):
    label: str
    date: IsoDate


class SearchLog(_Frozen):
    schema_version: StrictInt = 1
    review: str
    current_version: CurrentVersion
    previous_version: PreviousVersion
    searches: tuple[SearchEntry, ...] = Field(min_length=1)

    def previous_path(self) -> Path:
        p = Path(self.previous_version.file)
        return p if p.is_absolute() else _ROOT / p


def load_search_log(path: str | Path | None = None) -> tuple[SearchLog | None, tuple[Problem, ...]]:
    """Read and validate the search log; never raises on bad content (problems name the field)."""
    p = Path(path) if path is not None else DEFAULT_LOG_PATH
    name = str(p)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        return None, (Problem(name, None, None, "<file>", None, f"cannot read file: {exc.strerror or exc}"),)
    except yaml.YAMLError as exc:
        return None, (Problem(name, None, None, "<file>", None, f"not valid YAML: {exc}"),)
    try:
        return SearchLog.model_validate(raw), ()
    except ValidationError as exc:
        probs = []
        for err in exc.errors():
            loc = list(err["loc"])
            row = loc[1] if len(loc) > 1 and loc[0] == "searches" and isinstance(loc[1], int) else None
            sid = None
            if row is not None and isinstance(raw, dict):
                item = (raw.get("searches") or [None] * (row + 1))[row]
                sid = item.get("id") if isinstance(item, dict) else None
            probs.append(Problem(name, sid, row, " › ".join(str(x) for x in loc), None, err["msg"]))
        return None, tuple(probs)


class PrismaError(ValueError):
    """A PRISMA box whose count does not add up; ``box`` names it."""

    def __init__(self, box: str, message: str) -> None:
        self.box = box
        super().__init__(f"PRISMA box '{box}': {message}")


@dataclass(frozen=True, slots=True)
class PrismaCounts:
    """Every count of the PRISMA 2020 flow diagram (updated review, other methods).

    ``results_*`` add up the entries whose counts are known; ``searches_without_counts`` says how
    many entries (e.g. a batch of reading) logged no result counts (not known, never estimated). ``reports_excluded`` is ``((reason, n), ...)``; ``meta_analysis`` maps an endpoint to
    the number of studies in its default pool (the optional box PRISMA2020 draws).
    """

    previous_studies: int
    previous_reports: int
    searches: int
    searches_without_counts: int
    results_returned: int
    results_already_known: int
    results_off_topic: int
    records_identified: int
    records_screened_out: int
    reports_sought: int
    reports_not_retrieved: int
    reports_assessed: int
    reports_excluded: tuple[tuple[str, int], ...]
    registered_trials: int
    new_studies: int
    new_reports: int
    reclassified_reports: int
    total_studies: int
    total_reports: int
    meta_analysis: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    @property
    def reports_excluded_total(self) -> int:
        return sum(n for _, n in self.reports_excluded)

    def __repr__(self) -> str:
        return (f"PrismaCounts(previous={self.previous_studies}/{self.previous_reports}, "
                f"identified={self.records_identified}, assessed={self.reports_assessed}, "
                f"new={self.new_studies}/{self.new_reports}, total={self.total_studies}/{self.total_reports})")

    def boxes(self) -> tuple[tuple[str, int], ...]:
        """(box, count) in the order of the PRISMA 2020 diagram."""
        rows: list[tuple[str, int]] = [
            ("Studies included in previous version of review", self.previous_studies),
            ("Reports of studies included in previous version of review", self.previous_reports),
            ("Searches of stored copies of the literature (other methods)", self.searches),
            ("Entries without result counts (not known)", self.searches_without_counts),
            ("Results returned by the searches with known counts", self.results_returned),
            ("Results already known (previous version or an earlier search)", self.results_already_known),
            ("Results off topic", self.results_off_topic),
            ("Records identified (new to the review)", self.records_identified),
            ("Records excluded at screening", self.records_screened_out),
            ("Reports sought for retrieval", self.reports_sought),
            ("Reports not retrieved", self.reports_not_retrieved),
            ("Reports assessed for eligibility", self.reports_assessed),
        ]
        rows += [(f"Reports excluded: {reason}", n) for reason, n in self.reports_excluded]
        rows += [
            ("Registered trials without results (ongoing)", self.registered_trials),
            ("New studies included in review", self.new_studies),
            ("Reports of new included studies", self.new_reports),
            ("Previous-version records now linked to an included study", self.reclassified_reports),
            ("Total studies included in review", self.total_studies),
            ("Reports of total included studies", self.total_reports),
        ]
        rows += [(f"Studies in the default {ep} meta-analysis", k) for ep, k in self.meta_analysis]
        return tuple(rows)


def _sum_known(values: list[int | None]) -> int:
    return sum(v for v in values if v is not None)


def _included(base: EvidenceBase) -> tuple[set[str], set[str]]:
    studies = {s.id for s in base.studies if s.record_kind == "study"}
    reports = {s.id for s in base.studies if s.record_kind == "secondary_report"
               and s.secondary_of in studies}
    return studies, studies | reports


def prisma_counts(log: SearchLog, current: EvidenceBase, previous: EvidenceBase) -> PrismaCounts:
    """Compute and check every PRISMA 2020 count; raise :class:`PrismaError` naming a failing box."""
    box = "Records identified (new to the review)"
    for e in log.searches:
        parts = (e.already_known, e.off_topic)
        if e.hits is not None and None not in parts:
            total = e.already_known + e.off_topic + len(e.new_records)  # type: ignore[operator]
            if total != e.hits:
                raise PrismaError(
                    f"{box}, search {e.id}",
                    f"{e.hits} results returned but {e.already_known} already known + {e.off_topic} "
                    f"off topic + {len(e.new_records)} new = {total}")
    new = [r for e in log.searches for r in e.new_records]
    dup = sorted(r for r, n in Counter(new).items() if n > 1)
    if dup:
        raise PrismaError(box, f"records listed as new by more than one search: {', '.join(dup)}")
    prev_ids = set(previous.ids) | {x.id for x in previous.exclusions}
    again = sorted(set(new) & prev_ids)
    if again:
        raise PrismaError(box, f"records of the previous version logged as new: {', '.join(again)}")
    kinds = {s.id: s.record_kind for s in current.studies}
    excl = {x.id: x for x in current.exclusions}
    unknown = sorted(r for r in new if r not in kinds and r not in excl)
    if unknown:
        raise PrismaError(box, f"logged records that are neither a record nor an exclusion of the data: "
                               f"{', '.join(unknown)}")
    unlogged = sorted((set(kinds) - set(previous.ids) - set(new))
                      | {x.id for x in current.exclusions if x.found_by == "other methods"} - set(new))
    if unlogged:
        raise PrismaError(box, f"records new to the data but in no search of the log: {', '.join(unlogged)}")

    not_retrieved = {r for e in log.searches for r in e.not_retrieved}
    if not_retrieved - set(new):
        raise PrismaError("Reports not retrieved", "ids not among the records identified: "
                          + ", ".join(sorted(not_retrieved - set(new))))
    screened_out = [r for r in new if r in excl and excl[r].stage == "screening"]
    sought = len(new) - len(screened_out)
    assessed = sought - len(not_retrieved)
    excluded = Counter(excl[r].reason for r in new
                       if r in excl and excl[r].stage == "eligibility" and r not in not_retrieved)
    cur_studies, cur_reports = _included(current)
    new_studies = [r for r in new if r in cur_studies]
    new_reports = [r for r in new if r in cur_reports]
    trials = [r for r in new if kinds.get(r) == "planned"]
    left = assessed - sum(excluded.values()) - len(new_reports) - len(trials)
    if left != 0:
        stray = sorted(r for r in new if r not in screened_out and r not in not_retrieved
                       and r not in cur_reports and kinds.get(r) != "planned"
                       and not (r in excl and excl[r].stage == "eligibility"))
        raise PrismaError("Reports assessed for eligibility",
                          f"{assessed} assessed but {sum(excluded.values())} excluded + {len(new_reports)} "
                          f"included + {len(trials)} registered trials leaves {left} unaccounted "
                          f"({', '.join(stray) or 'none named'})")

    prev_studies, prev_reports = _included(previous)
    reclassified = sorted((cur_reports - cur_studies) & (set(previous.ids) - prev_reports))
    if len(cur_studies) != len(prev_studies) + len(new_studies):
        raise PrismaError("Total studies included in review",
                          f"{len(cur_studies)} in the data but {len(prev_studies)} previous + "
                          f"{len(new_studies)} new = {len(prev_studies) + len(new_studies)}")
    expect = len(prev_reports) + len(new_reports) + len(reclassified)
    if len(cur_reports) != expect:
        raise PrismaError("Reports of total included studies",
                          f"{len(cur_reports)} in the data but {len(prev_reports)} previous + "
                          f"{len(new_reports)} new + {len(reclassified)} reclassified = {expect}")

    outcomes = current.outcomes_frame()
    meta = tuple((ep, select_outcomes(outcomes, Selection(endpoint=ep)).k) for ep in ("ORR", "DCR"))
    return PrismaCounts(
        previous_studies=len(prev_studies), previous_reports=len(prev_reports),
        searches=len(log.searches),
        searches_without_counts=sum(1 for e in log.searches if e.hits is None),
        results_returned=_sum_known([e.hits for e in log.searches]),
        results_already_known=_sum_known([e.already_known for e in log.searches]),
        results_off_topic=_sum_known([e.off_topic for e in log.searches]),
        records_identified=len(new), records_screened_out=len(screened_out),
        reports_sought=sought, reports_not_retrieved=len(not_retrieved), reports_assessed=assessed,
        reports_excluded=tuple(sorted(excluded.items())), registered_trials=len(trials),
        new_studies=len(new_studies), new_reports=len(new_reports),
        reclassified_reports=len(reclassified),
        total_studies=len(cur_studies), total_reports=len(cur_reports), meta_analysis=meta,
    )
