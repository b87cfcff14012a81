"""The Trial planner view: evidence-sourced p0/p1 with the sentences that say where they came from,
design tables, operating-characteristic and power-curve tables, and the protocol text export.

:func:`evidence_sources` turns every pooled estimate, CI and PI bound of the current view (and of
each histology group) into a candidate p0/p1 (:class:`Source`) with its provenance sentence;
the rest formats the results of :mod:`synthesis.design` (every design number comes from there).
No Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from evidence.base import EvidenceBase
from evidence.benchmarks import Benchmark, BenchmarkLibrary
from evidence.references import FORMATS as REFERENCE_FORMATS
from evidence.references import Reference, citation_reference, export_files, references
from evidence.selection import (
    ENDPOINTS,
    FILTER_COLUMNS,
    REPORTS,
    TIMEPOINTS,
    Selection,
    select_outcomes,
)
from findings import query as Q
from findings import text as T
from findings.selection_notes import PooledScope, pooled_scope
from synthesis.design.paragraph import (
    REFERENCES,
    RESPONSE,
    Outcome,
    protocol_paragraph,
)
from synthesis.design.simon import (
    HARD_CAP,
    SimonDesign,
    SimonResult,
    en_by_n,
    operating_characteristics,
    simon_two_stage,
)
from synthesis.design.single_stage import SingleStageResult, attained_by_n, single_stage_exact
from synthesis.design.tte import (
    CPHDesign,
    ExponentialDesign,
    TTEDesign,
    power_curve,
)
from synthesis.spec import Model
from synthesis.vocabulary import LABELS

#: design types: token -> label (the link's ``?plan=single``; findings.query.CONTROLS)
PLANS = Q.PLANS


PLAN_KEYS = {v: k for k, v in PLANS.items()}
BINARY = ("simon", "single", "posterior", "pp", "bop2")
BAYES = ("posterior", "pp", "bop2")


TYPED = "typed value"


#: Simon's error constraints: token (findings.query.SIMON_CONSTRAINTS) -> the search's operator
CONSTRAINTS = dict(zip(Q.SIMON_CONSTRAINTS, ("<=", "<"), strict=True))
STATS = ("est", "ci_low", "ci_high", "pi_low", "pi_high")


ENDPOINT_NAMES = {"ORR": "objective response rate (ORR)", "DCR": "disease control rate (DCR)"}


TIME_UNIT = "months"  # every survival input of the page is in months


#: the seed protocol's regimen: shown as the example in the empty field, never written into the
#: paragraph (an empty field gives BLANK_TREATMENT); assessments are used when left empty
TREATMENT = "apatinib plus doxorubicin and ifosfamide"
#: what the paragraph says when the regimen field is empty: a visible blank, never a guess
BLANK_TREATMENT = "[regimen: to be completed]"
#: a pool with fewer studies than this, or a CI wider than WIDE_CI, gets a caveat beside p0/p1
FEW_STUDIES = 5
WIDE_CI = 0.30


ASSESSMENT = {
    "binary": "best overall response per RECIST 1.1 in evaluable patients",
    "survival": "progression per RECIST 1.1 or death from any cause, whichever occurs first",
}


# --------------------------------------------------------------------------------------------
# the planned trial and the indirectness of p0/p1 for it (GRADE's indirectness domain)

PLAN_LINES = tuple(Q.PLAN_LINES.values())  # ("first line", "later line"): labels and TrialPlan values
PLAN_REGIMENS = tuple(Q.PLAN_REGIMENS.values())
PLAN_ENDPOINTS = tuple(Q.PLAN_ENDPOINTS.values())
#: the endpoint of the survival designs (one-sample log-rank, exponential median): their reference
#: value m0 is a median PFS
MEDIAN_PFS = "median PFS"
#: survival designs whose reference median m0 can come from a historical control (compared with
#: the plan, varied across its CI); the two-arm Cox design has a concurrent randomised control
M0_PLANS = ("logrank", "exponential")
#: the evidence's line groups (evidence.selection.line_group) that match each planned line
_LINE_MATCH = {"first line": "first line", "later line": "after prior therapy"}
_LINE_WORD = {"first line": "first-line", "after prior therapy": "later-line", "mixed lines": "mixed-line"}
_BENCH_ENDPOINT = {"objective response rate": "ORR", "progression-free rate": "PFS rate"}


#: TrialPlan field -> URL key of the planner's widgets
PLAN_URL_KEYS = {"line": "pl_line", "regimen": "pl_reg", "partner": "pl_partner", "histology": "pl_hist",
                 "endpoint": "pl_ep", "months": "pl_months"}
#: TrialPlan field -> URL key of the plan in the planner's link to the Appraisal & certainty page,
#: which rates the indirectness of the outcome that gave p0/p1 against it (other keys than the
#: widgets': Streamlit drops a page's widget-bound keys when it navigates to another page)
PLAN_LINK_KEYS = {name: "trial_" + key.removeprefix("pl_") for name, key in PLAN_URL_KEYS.items()}
#: URL key naming the outcome (ORR or DCR) whose pooled evidence gave p0/p1 for the plan
PLAN_OUTCOME_KEY = "trial_for"
#: URL key of the pooled view (selection and model, as a view query) behind p0/p1 in that link
PLAN_VIEW_KEY = "trial_view"


@dataclass(frozen=True, slots=True)
class TrialPlan:
    """The trial the protocol plans: line, regimen (and partner drugs), histology group, endpoint.

    ``histology`` is a histology group of the evidence or ``"any"``; ``months`` is the time of a
    PFS rate. The default is the seed protocol's first-line combination with ORR as endpoint.

    >>> TrialPlan(partner="doxorubicin and ifosfamide", histology="soft-tissue sarcoma").phrase()
    'a first-line combination (with doxorubicin and ifosfamide) in soft-tissue sarcoma, endpoint ORR'
    """

    line: str = "first line"
    regimen: str = "combination"
    partner: str = ""
    histology: str = "any"
    endpoint: str = "ORR"
    months: float = 6.0

    @property
    def endpoint_label(self) -> str:
        return f"PFS rate at {T.num(self.months)} months" if self.endpoint == "PFS rate" else self.endpoint

    @property
    def endpoint_name(self) -> str:
        """The planned endpoint as the paragraph names it, its short form in parentheses.

        >>> TrialPlan(endpoint="PFS rate", months=6).endpoint_name
        'progression-free survival rate at 6 months (6-month PFS rate)'
        """
        if self.endpoint == "PFS rate":
            m = T.num(self.months)
            return f"progression-free survival rate at {m} months ({m}-month PFS rate)"
        if self.endpoint == MEDIAN_PFS:
            return "progression-free survival (PFS)"
        return ENDPOINT_NAMES[self.endpoint]

    @property
    def rate_label(self) -> str:
        """The planned rate as table headers and input labels name it ("True {rate_label}").

        >>> TrialPlan(endpoint="PFS rate", months=6).rate_label, TrialPlan().rate_label
        ('6-month PFS rate', 'response rate')
        """
        if self.endpoint == "PFS rate":
            return f"{T.num(self.months)}-month PFS rate"
        return {"DCR": "disease control rate", MEDIAN_PFS: "median PFS"}.get(self.endpoint, "response rate")

    def outcome(self) -> Outcome:
        """How a success of the planned endpoint is worded in the paragraph."""
        if self.endpoint == "PFS rate":
            at = f"alive and progression-free at {T.num(self.months)} months"
            return Outcome(f"are {at}", f"is {at}", f"patients {at}",
                           f"evaluable for progression at {T.num(self.months)} months",
                           f"progression-free at {T.num(self.months)} months")
        if self.endpoint == "DCR":
            return Outcome("achieve disease control", "achieves disease control", "patients with disease control",
                           "evaluable for response", "patients with disease control")
        return RESPONSE

    @property
    def assessment_kind(self) -> str:
        """The key of :data:`ASSESSMENT` for this endpoint."""
        return "survival" if self.endpoint in ("PFS rate", MEDIAN_PFS) else "binary"

    def to_query(self, keys: dict[str, str] = PLAN_LINK_KEYS) -> dict[str, str]:
        """The plan as URL keys (default :data:`PLAN_LINK_KEYS`, the link to the certainty table).

        >>> TrialPlan.from_query(TrialPlan(line="later line", months=3.0).to_query())[0]
        TrialPlan(line='later line', regimen='combination', partner='', histology='any', endpoint='ORR', months=3.0)
        """
        return {key: (f"{float(self.months):.1f}" if name == "months" else str(getattr(self, name)))
                for name, key in keys.items()}

    @classmethod
    def from_query(cls, params, keys: dict[str, str] = PLAN_LINK_KEYS) -> tuple[TrialPlan | None, tuple[str, ...]]:
        """The plan carried by a link (``None`` when no plan key is present) and what in it could
        not be used (a value outside the planner's options keeps the default, and is named)."""
        if not any(k in params for k in keys.values()):
            return None, ()
        d, kw, bad = cls(), {}, []
        allowed = {"line": PLAN_LINES, "regimen": PLAN_REGIMENS, "endpoint": PLAN_ENDPOINTS}
        for name, key in keys.items():
            raw = params.get(key)
            if raw is None:
                continue
            raw = str(raw).strip()[:80]
            if name == "months":
                try:
                    v = float(raw)
                except ValueError:
                    v = math.nan
                if not 0.5 <= v <= 60:
                    bad.append(f"{key} {raw!r} is not a time from 0.5 to 60 months; using {T.num(d.months)}")
                    continue
                kw[name] = v
            elif name in allowed and raw not in allowed[name]:
                bad.append(f"{key} {raw!r} is not one of {', '.join(allowed[name])}; using {getattr(d, name)!r}")
            else:
                kw[name] = raw or getattr(d, name)
        return cls(**kw), tuple(bad)

    def phrase(self) -> str:
        partner = f" (with {self.partner})" if self.regimen == "combination" and self.partner else ""
        hist = "" if self.histology == "any" else f" in {self.histology}"
        return f"a {self.line.replace(' ', '-')} {self.regimen}{partner}{hist}, endpoint {self.endpoint_label}"


@dataclass(frozen=True, slots=True)
class Indirectness:
    """One way the source of p0/p1 differs from the plan (``kind``: line, regimen, histology,
    design or endpoint): ``source`` describes the source (an adjective before "cohorts" unless
    the kind is the endpoint), ``detail`` its counts, ``plan`` the planned value."""

    kind: str
    source: str
    detail: str
    plan: str

    def reason(self) -> str:
        """The reason as :func:`synthesis.grade.assess` takes it (``indirect=``)."""
        return f"{self.kind}: {self.detail} (planned: {self.plan})"


def _counts(values: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{v} {n}" for v, n in values)


def _share(values: tuple[tuple[str, int], ...], k: int, word: Callable[[str], str], kind: str) -> str:
    top, n = values[0]
    return word(top) if n == k else f"mostly {word(top)}" if 2 * n > k else f"mixed-{kind}"


def _scope_indirectness(scope: PooledScope, plan: TrialPlan) -> list[Indirectness]:
    out: list[Indirectness] = []
    k = scope.k
    checks = (
        ("line", lambda v: v == _LINE_MATCH[plan.line], lambda v: _LINE_WORD.get(v, "line-not-stated"), plan.line),
        ("regimen", lambda v: v == plan.regimen, lambda v: v if v in PLAN_REGIMENS else "mixed-regimen",
         plan.regimen + (f" with {plan.partner}" if plan.regimen == "combination" and plan.partner else "")),
        ("histology", lambda v: plan.histology in ("any", v), str, plan.histology),
        # a single-arm phase II trial is prospective: mostly retrospective sources are indirect too
        ("design", lambda v: v == "prospective", lambda v: v, "prospective"),
    )
    for kind, ok, word, planned in checks:
        values = scope.of(kind)
        if not values or k == 0:
            continue
        matching = sum(n for v, n in values if ok(v))
        if matching == k or (kind == "design" and 2 * matching >= k):
            continue
        out.append(Indirectness(kind, _share(values, k, word, kind), f"{kind} {_counts(values)} of {T.count(k, 'study', 'studies')}", planned))
    return out


def _regimen_of(text: str) -> str:
    t = text.lower()
    if " plus " in t or "+" in t or "combination" in t:
        return "combination"
    return "monotherapy" if " mg" in t else ""


def _benchmark_indirectness(b: Benchmark, plan: TrialPlan) -> list[Indirectness]:
    out: list[Indirectness] = []
    line = "first line" if b.line.lower().startswith("first") else "later line"
    if line != plan.line:
        out.append(Indirectness("line", line.replace(" ", "-"), f"line {b.line}", plan.line))
    reg = _regimen_of(b.regimen)
    if reg and reg != plan.regimen:
        out.append(Indirectness("regimen", reg, f"regimen {b.regimen}", plan.regimen))
    if plan.histology != "any" and plan.histology.lower() not in b.histology.lower():
        out.append(Indirectness("histology", b.histology, f"histology {b.histology}", plan.histology))
    ep = _BENCH_ENDPOINT.get(b.endpoint, b.endpoint)
    time_differs = ep == "PFS rate" == plan.endpoint and abs((b.time_months or 0) - plan.months) > 0.25
    if ep != plan.endpoint or time_differs:
        label = f"{b.endpoint} at {b.time_label}" if b.time_label else b.endpoint
        out.append(Indirectness("endpoint", label, f"endpoint {label}", plan.endpoint_label))
    return out


def indirectness(source: Source, plan: TrialPlan) -> tuple[Indirectness, ...]:
    """Every way the source of a p0/p1 differs from the planned trial (GRADE indirectness).

    A pooled source is compared by the lines, regimens, histologies and designs of its studies
    (:func:`findings.selection_notes.pooled_scope`) and by its endpoint; a benchmark by its
    line, regimen, histology and endpoint/time; a typed value is not compared (``()``).
    """
    if source.benchmark is not None:
        return tuple(_benchmark_indirectness(source.benchmark, plan))
    if source.scope is None:
        return ()
    out = _scope_indirectness(source.scope, plan)
    if source.endpoint and source.endpoint != plan.endpoint:
        out.append(Indirectness("endpoint", source.endpoint, f"endpoint {source.endpoint}", plan.endpoint_label))
    return tuple(out)


def indirectness_note(items: tuple[Indirectness, ...], plan: TrialPlan) -> str:
    """``"comes from later-line, mostly monotherapy cohorts; the plan is a first-line combination
    (indirect: line after prior therapy 9 of 9 studies; …)."`` ('' when nothing differs)."""
    if not items:
        return ""
    adj = [i.source for i in items if i.kind != "endpoint"]
    ep = [i.source for i in items if i.kind == "endpoint"]
    what = (f"{', '.join(adj)} cohorts" if adj else "its source") + (f" and measures {ep[0]}, not the planned {plan.endpoint_label}" if ep else "")
    return (f"comes from {what}; the plan is {plan.phrase()} (indirect evidence, GRADE: "
            + "; ".join(i.detail for i in items) + ").")


def with_plan(source: Source, plan: TrialPlan) -> Source:
    """The source with its indirectness for ``plan`` (``indirect`` and the ``note`` shown beside
    the value and in the paragraph); :func:`grade_reasons` gives the reasons for GRADE.

    >>> from evidence.benchmarks import load_benchmarks
    >>> b = next(x for x in load_benchmarks().benchmarks if x.id == "vanglabbeke2002-rule-inactive")
    >>> s = with_plan(Source("k", "k", b.value, "p", "", benchmark=b), TrialPlan())
    >>> [i.kind for i in s.indirect]
    ['line', 'endpoint']
    """
    items = indirectness(source, plan)
    return replace(source, indirect=items, note=indirectness_note(items, plan))


def add_caveats(text: str, caveats: tuple[str, ...]) -> str:
    """The paragraph with the caveats on p0/p1 placed before its reference list (at the end when
    it has none).

    >>> add_caveats("Design. References: [1] Simon.", ("p1 comes from X.", ""))
    'Design. p1 comes from X. References: [1] Simon.'
    """
    tail = "".join(f" {c}" for c in caveats if c)
    head, sep, refs = text.partition(" References: ")
    return f"{head}{tail}{sep}{refs}" if sep else text + tail


def grade_reasons(source: Source) -> tuple[str, ...]:
    """The indirectness reasons of a planned source, as ``synthesis.grade.assess(indirect=...)``
    takes them (an empty tuple rates indirectness not serious)."""
    return tuple(i.reason() for i in source.indirect)


def pool_reasons(frame: pd.DataFrame, plan: TrialPlan, endpoint: str) -> tuple[str, ...]:
    """The indirectness reasons of the pooled rows ``frame`` (one row per study, as selected for
    ``endpoint``) for ``plan``: the reasons :func:`grade_reasons` gives for a source taken from
    that pool, so the certainty table and the planner rate the same evidence alike."""
    src = Source("", "", 0.0, "", endpoint, scope=pooled_scope(frame))
    return grade_reasons(with_plan(src, plan))


def certainty_note(names: str, sentence: str, p0: float) -> str:
    """The certainty of the pooled evidence behind p0/p1, for the paragraph (GRADE rated against
    the planned trial, with p0 as the decision threshold); ``sentence`` is
    :func:`findings.appraisal.certainty_sentence`'s.

    >>> certainty_note("p1", "ORR 28% (95% CI 20–38%; 11 studies, 349 patients; very low certainty)", 0.2)
    'Certainty of the pooled evidence behind p1 (GRADE, rated against the planned trial with p0 = 20.0% as threshold): ORR 28% (95% CI 20–38%; 11 studies, 349 patients; very low certainty).'
    """
    return (f"Certainty of the pooled evidence behind {names} (GRADE, rated against the planned trial "
            f"with p0 = {T.pct(p0)} as threshold): {sentence}.")


@dataclass(frozen=True, slots=True)
class Protocol:
    """Protocol details of the paragraph: regimen, assessment, non-evaluable fraction, pause."""

    treatment: str = BLANK_TREATMENT
    assessment: str = ""
    dropout: float = 0.0  # fraction of enrolled patients not evaluable (or lost)
    pause_accrual: bool = True

    def rows(self, simon: bool) -> list[tuple[str, str]]:
        """(input, value) rows for the Markdown export."""
        out = [("Treatment", self.treatment), ("Assessment", self.assessment or "not stated"),
               ("Not evaluable or lost", f"{100 * self.dropout:g}%")]
        if simon:
            out.append(("Accrual paused until stage-1 responses are assessed", "yes" if self.pause_accrual else "no"))
        return out


@dataclass(frozen=True, slots=True)
class Source:
    """A candidate value for p0 or p1 and the phrase saying where it came from."""

    key: str  # "ORR · current view · CI low" (the option, also the URL value)
    label: str  # short option label
    value: float  # rounded to 0.001
    phrase: str  # noun phrase for the protocol paragraph ("the lower bound of ...")
    endpoint: str = "ORR"
    k: int | None = None  # studies in the source pool
    total_n: int | None = None
    ci_low: float | None = None  # CI of the source pool's estimate
    ci_high: float | None = None
    level: float = 0.95
    estimate: float | None = None
    note: str = ""  # indirectness for the planned trial ("comes from ...; the plan is ..."), see with_plan
    scope: PooledScope | None = None  # regimens, histologies, lines, designs of the pooled studies
    benchmark: Benchmark | None = None
    indirect: tuple[Indirectness, ...] = ()  # each way the source differs from the plan
    study_ids: tuple[str, ...] = ()  # the pooled studies (cited in the section's references)
    selection: Selection | None = None  # the rows pooled for this source (None: typed or benchmark)

    def caveat(self, name: str) -> str:
        """A warning when the source pool has few studies or a wide CI, or when the source is
        indirect for the planned trial ('' otherwise)."""
        parts = [pool_caveat(name, self.k, self.total_n, self.ci_low, self.ci_high, self.level),
                 f"{name} {self.note}" if self.note else ""]
        return " ".join(p for p in parts if p)

    def sentence(self, name: str) -> str:
        """``"p0 = 0.199: the lower bound of ..."``."""
        return f"{name} = {self.value:.3f}: {self.phrase}"

    @property
    def provenance(self) -> str:
        """What a reader must know about where a benchmark's value was read (a secondary report,
        a slip, a disagreement between reports; '' when nothing is flagged)."""
        b = self.benchmark
        return f"Provenance of the value: {b.flag}" if b is not None and b.flag else ""


def typed_source(value: float, note: str) -> Source:
    """A value typed by the user with their own description (never empty)."""
    note = (note or "").strip().rstrip(".") or "a value set by the investigators (source not stated)"
    return Source(TYPED, "typed value", float(value), note, "")


def model_phrase(model: Model) -> str:
    """Short description of the pooling model, e.g. ``"random-effects model with REML τ² on the logit
    scale, Hartung–Knapp–Sidik–Jonkman confidence interval"``."""
    ci = LABELS.get(model.ci_method, model.ci_method)
    # no parentheses: the phrase is itself quoted inside parentheses (never doubled)
    if model.method == "GLMM":
        core = "binomial–normal GLMM with logit link, fitted by maximum likelihood"
        if model.ci_method in ("hksj", "hksj-adhoc"):
            ci = "t(k−1)"
    elif model.method == "CE":
        core = f"common-effect model on the {LABELS.get(model.transform, model.transform)} scale"
    else:
        est = LABELS.get(model.method, model.method)
        est = est[est.find("(") + 1 : est.find(")")] if "(" in est else est
        core = f"random-effects model with {est} τ² on the {LABELS.get(model.transform, model.transform)} scale"
    return f"{core}, {ci} confidence interval"


def _scope(sel: Selection, group: str) -> str:
    hist = group if group != "all" else (", ".join(sel.histology) if sel.histology else "")
    scope = f"advanced {hist}" if hist else "advanced sarcoma (all histologies)"
    extra = [f"{n} {', '.join(getattr(sel, n))}" for n in FILTER_COLUMNS if n != "histology" and getattr(sel, n)]
    return scope + (f", restricted to {'; '.join(extra)}" if extra else "")


def _phrase(stat: str, result, sel: Selection, model: Model, group: str, endpoint: str, version: str = "") -> str:
    lvl = f"{result.fit.level:.0%}"
    what = {
        "est": "pooled estimate",
        "ci_low": f"lower bound of the {lvl} confidence interval",
        "ci_high": f"upper bound of the {lvl} confidence interval",
        "pi_low": f"lower bound of the {lvl} prediction interval",
        "pi_high": f"upper bound of the {lvl} prediction interval",
    }[stat]
    of = "" if stat == "est" else " of the pooled"
    head = f"the {what}{of} {ENDPOINT_NAMES[endpoint]} of apatinib in {_scope(sel, group)}"
    if stat == "est":
        head = f"the pooled {ENDPOINT_NAMES[endpoint]} of apatinib in {_scope(sel, group)}"
    k = int(result.k)
    nums = f"pooled {_p(result.estimate)}, {lvl} CI {_p(result.ci.low)}–{_p(result.ci.high)}"
    if stat.startswith("pi"):
        nums += f", {lvl} PI {_p(result.pi.low)}–{_p(result.pi.high)}"
    tp = TIMEPOINTS[sel.timepoint].lower()
    return (
        f"{head} in this dashboard's meta-analysis ({nums}; {k} {'study' if k == 1 else 'studies'}, "
        f"{int(result.data.total_n)} patients; {model_phrase(model)}; {tp}; {REPORTS[sel.reports].lower()}"
        + (f"; evidence file SHA-256 {version[:12]}" if version else "") + ")"
    )


def _p(x: float) -> str:
    return f"{100 * float(x):.1f}%"


def evidence_sources(
    outcomes: pd.DataFrame,
    sel: Selection,
    model: Model,
    pool: Callable[[pd.DataFrame], object],
    *,
    groups: tuple[str, ...] = (),
    version: str = "",
) -> dict[str, Source]:
    """Candidate p0/p1 values from the pooled results of the current view.

    For ORR and DCR, the view's pooled estimate and its CI and PI bounds, then the same for each
    histology group in ``groups`` (the view's other filters kept).  ``pool(frame)`` returns a
    ``synthesis`` pooled result (e.g. :func:`findings.pooled.pool`); pools that fail
    (``ValueError``) or values outside (0, 1) are left out.  Values are rounded to 0.001.
    ``version`` (the evidence file's SHA-256) is quoted so that the value can be traced.
    """
    out: dict[str, Source] = {}
    for ep in ENDPOINTS:
        for group in ("all", *groups):
            s = replace(sel, endpoint=ep, histology=(group,) if group != "all" else sel.histology)
            frame = select_outcomes(outcomes, s).frame
            if frame.empty:
                continue
            try:
                res = pool(frame)
            except ValueError:
                continue
            where = group if group != "all" else ("current view" if not sel.histology else ", ".join(sel.histology))
            values = dict(zip(STATS, (res.estimate, *res.ci, *res.pi), strict=True))
            for stat in STATS:
                v = float(values[stat])
                if not math.isfinite(v) or not 0.0 < round(v, 3) < 1.0:
                    continue
                v = round(v, 3)
                name = {"est": "pooled", "ci_low": "CI low", "ci_high": "CI high",
                        "pi_low": "PI low", "pi_high": "PI high"}[stat]
                key = f"{ep} · {where} · {name}"
                out[key] = Source(
                    key, f"{key} = {v:.3f} (k = {int(res.k)})", v,
                    _phrase(stat, res, s, model, group, ep, version), ep,
                    int(res.k), int(res.data.total_n), float(res.ci.low), float(res.ci.high),
                    float(res.fit.level), float(res.estimate), scope=pooled_scope(frame), selection=s,
                    study_ids=tuple(dict.fromkeys(frame["study_id"].astype(str))) if "study_id" in frame else (),
                )
    return out


def _q(d: SimonDesign) -> str:
    if not (math.isfinite(d.q_low) and math.isfinite(d.q_high)):
        return "–"
    return f"{d.q_low:.3f}–{d.q_high:.3f}"


@dataclass(frozen=True, slots=True)
class Metric:
    """A headline number of a design: label, value, and an optional delta line (shown uncoloured)
    and help text."""

    label: str
    value: str | int
    delta: str | None = None
    help: str | None = None


def simon_metrics(res: SimonResult) -> tuple[Metric, ...]:
    """Optimal and minimax boundaries with their EN(p0), and whether the search proved the optimum."""
    return (Metric("Optimal (min EN(p0))", res.optimal.boundary(), f"EN(p0) = {res.optimal.en0:.1f} under H0",
                   "r1/n1, r/n: stop if ≤ r1 of n1 respond; promising if > r of n respond."),
            Metric("Minimax (min n)", res.minimax.boundary(), f"EN(p0) = {res.minimax.en0:.1f} under H0"),
            Metric("Search", "proved" if res.proven_optimal else "bounded", f"n ≤ {res.n_searched_max} examined",
                   res.note))


def simon_oc_caption(d: SimonDesign) -> str:
    return (f"Operating characteristics of the {d.kind} design {d.boundary()}; "
            "EN = expected number of patients at that true response rate.")


def single_metrics(res: SingleStageResult, outcome: Outcome = RESPONSE) -> tuple[Metric, ...]:
    return (Metric("Patients n", res.n, help=res.reported), Metric(f"Promising if {outcome.count} ≥", res.r),
            Metric("Attained α", f"{res.alpha:.4f}"), Metric("Attained power", f"{res.power:.4f}"))


def simon_designs(res: SimonResult) -> list[SimonDesign]:
    """Minimax, admissible and optimal designs, once each, by increasing n."""
    seen: dict[tuple[int, int, int, int], SimonDesign] = {}
    for d in (*res.admissible, res.minimax, res.optimal):
        seen.setdefault((d.r1, d.n1, d.r, d.n), d)
    return sorted(seen.values(), key=lambda d: (d.n, d.n1))


def simon_table(res: SimonResult, outcome: Outcome = RESPONSE) -> pd.DataFrame:
    """One row per design: boundary, EN(p0), PET(p0), attained α and power, q-range, rule."""
    rows = [
        {
            "Design": d.kind,
            "Stage 1: r1/n1": f"{d.r1}/{d.n1}",
            "Overall: r/n": f"{d.r}/{d.n}",
            "EN(p0) under H0": round(d.en0, 2),
            "PET(p0)": round(d.pet0, 4),
            "EN(p1)": round(d.en1, 2),
            "Attained α": round(d.alpha, 4),
            "Attained power": round(d.power, 4),
            "q-range (admissible)": _q(d),
            "Rule": d.rule_text(outcome.plural, outcome.singular, outcome.noun),
        }
        for d in simon_designs(res)
    ]
    return pd.DataFrame(rows)


def pick_options(res: SimonResult) -> dict[str, str]:
    """Radio options for the design described in the paragraph: value -> label."""
    out = {"optimal": res.optimal, "minimax": res.minimax}
    for d in res.admissible:
        if d.kind == "admissible":
            out[f"admissible n = {d.n}"] = d
    return {k: f"{k}: {d.boundary()}" for k, d in out.items()}


def pick_design(res: SimonResult, pick: str) -> tuple[SimonDesign, str | int]:
    """The chosen design and the ``which`` argument of ``protocol_paragraph``."""
    if pick.startswith("admissible n = ") and pick[15:].isdigit():
        for i, d in enumerate(res.admissible):
            if d.n == int(pick[15:]) and d.kind == "admissible":
                return d, i
    if pick == "minimax":
        return res.minimax, "minimax"
    return res.optimal, "optimal"


def oc_grid(p0: float, p1: float, step: float = 0.01) -> np.ndarray:
    """A grid over [0, 1] that contains p0 and p1 exactly."""
    g = np.round(np.arange(0.0, 1.0 + step / 2, step), 6)
    return np.unique(np.concatenate([g, [p0, p1]]))


def oc_table(design: SimonDesign, *, step: float = 0.05, rate: str = "response rate") -> pd.DataFrame:
    """Operating characteristics at 5% steps around p0..p1 (and at p0, p1), display-ready."""
    lo, hi = max(0.0, design.p0 - 0.15), min(1.0, design.p1 + 0.25)
    g = np.round(np.arange(0.0, 1.0 + 1e-9, step), 6)
    g = np.unique(np.concatenate([g[(g >= lo - 1e-9) & (g <= hi + 1e-9)], [design.p0, design.p1]]))
    oc = operating_characteristics(design, g)
    mark = np.where(np.isclose(g, design.p0), "p0 (null)", np.where(np.isclose(g, design.p1), "p1 (alternative)", ""))
    return pd.DataFrame(
        {
            f"True {rate}": [f"{100 * v:.1f}%" for v in g],
            "Marker": mark,
            "PET (stop after stage 1)": oc["PET"].round(4),
            "P(declare promising)": oc["P(declare promising)"].round(4),
            "EN (patients)": oc["EN"].round(2),
        }
    )


def single_oc(res: SingleStageResult, p: np.ndarray) -> pd.DataFrame:
    """P(declare promising) = P(X >= r | n, p) of the single-stage design over ``p`` (no early
    stopping, so only that column: the figure then has one panel)."""
    return operating_characteristics(res, p)[["p", "P(declare promising)"]]


def single_stage_curve(res: SingleStageResult, n_lo: int, n_hi: int) -> pd.DataFrame:
    """Attained α and power of the best cut-off at each n (the non-monotone saw-tooth)."""
    return attained_by_n(res, n_lo, n_hi)


def single_stage_note(res: SingleStageResult) -> str:
    """Why the reported n is the smallest feasible one and which n around it also are."""
    gaps = ", ".join(str(n) for n in res.infeasible_between)
    return ("Reported n: the smallest feasible n (A'Hern 2001). Power is not monotone in n"
            + (f": n = {gaps} do not meet both constraints; every n from {res.n_all_feasible_from} to "
               f"{res.horizon} does." if gaps else f"; here every n from {res.n} to {res.horizon} is feasible."))


def per_n_args(res: SimonResult) -> tuple:
    """The arguments of :func:`per_n_designs` for the EN(p0)-against-n view of ``res``: its inputs
    and the maximum n from the minimax n to the optimal n + 5 (:data:`EN_BY_N_CAPTION`)."""
    return res.p0, res.p1, res.alpha, res.beta, res.constraint, res.minimax.n, res.optimal.n + 5


def oc_designs(res: SimonResult, chosen: SimonDesign) -> tuple[tuple[str, SimonDesign], ...]:
    """The designs of the OC figure by name ("optimal 3/13, 12/43"): optimal, minimax and the one chosen."""
    return tuple({f"{d.kind} {d.boundary()}": d for d in (res.optimal, res.minimax, chosen)}.items())


EN_BY_N_CAPTION = ("Grey: the best design (smallest EN(p0)) at each maximum n, from the minimax n to the "
                   "optimal n + 5; admissible designs minimise q·n + (1 − q)·EN(p0) for some weight q "
                   "(Jung et al. 2004).")
BENCHMARK_CAPTION = (
    "Each value as printed in its source (abstract, or a report of the trial where the stored abstract "
    "stops before its findings: see Read in and Note). Medians are times, not rates: a median PFS is "
    "offered as the reference median m0 of the one-sample log-rank and exponential designs, a median OS "
    "not at all. For the planned trial: how the benchmark differs from the plan above (GRADE indirectness).")


def feasible_table(res: SingleStageResult, outcome: Outcome = RESPONSE) -> pd.DataFrame:
    df = res.to_frame()
    df.insert(2, "Rule", [f"promising if ≥ {r} of {n} {outcome.plural}" for n, r in zip(df["n"], df.iloc[:, 1], strict=True)])
    df["reported"] = np.where(df["n"] == res.n, "reported (smallest feasible n)", "")
    return df.round({"alpha": 4, "power": 4})


def per_n_designs(
    p0: float, p1: float, alpha: float, beta: float, constraint: str, n_lo: int, n_hi: int,
) -> pd.DataFrame:
    """Best design (smallest EN(p0)) at each maximum n in [n_lo, n_hi] (clinfun's rows).

    Uses the public :func:`synthesis.design.simon.en_by_n` on the designs searched up to
    ``n_hi`` (so the rows run from the minimax n to ``n_hi``).  Returns columns ``n``,
    ``EN(p0)``, ``boundary``; an empty frame if no design with n <= ``n_hi`` exists.
    """
    cols = ["n", "EN(p0)", "boundary"]
    try:
        cap = min(max(2, int(n_hi)), HARD_CAP)
        res = simon_two_stage(p0, p1, alpha, beta, n_max=cap, constraint=constraint)
    except ValueError:
        return pd.DataFrame(columns=cols)
    df = en_by_n(res, extra=max(0, int(n_hi) - res.optimal.n))
    df = df[(df["n"] >= n_lo) & (df["n"] <= n_hi)]
    return pd.DataFrame(
        {
            "n": df["n"].astype(int).tolist(),
            "EN(p0)": df["EN(p0)"].astype(float).tolist(),
            "boundary": [f"{r1}/{n1}, {r}/{n}" for r1, n1, r, n in zip(df["r1"], df["n1"], df["r"], df["n"], strict=True)],
        },
        columns=cols,
    )


def named_points(res: SimonResult) -> pd.DataFrame:
    return pd.DataFrame(
        [{"kind": d.kind, "n": d.n, "EN(p0)": d.en0, "boundary": d.boundary()} for d in simon_designs(res)]
    )


def logrank_curve(d: TTEDesign) -> pd.DataFrame:
    return power_curve(d, np.arange(max(2, d.n // 3), 2 * d.n + 1))


def exponential_curve(d: ExponentialDesign) -> pd.DataFrame:
    """Power against n: events = n · P(event) (Wald), or its integer part (exact χ²)."""
    return power_curve(d, np.arange(max(2, d.n // 3), 2 * d.n + 1))


def cph_curve(d: CPHDesign) -> pd.DataFrame:
    tot = d.n_total
    ns = np.arange(max(4, tot // 3), 2 * tot + 1, max(1, tot // 100))
    return power_curve(d, np.unique(np.append(ns, tot)))


def _md_table(df: pd.DataFrame) -> list[str]:
    cols = [str(c) or " " for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    return lines + ["| " + " | ".join(str(v).replace("|", "/") for v in row) + " |"
                    for row in df.itertuples(index=False)]


#: the groups of the protocol section's references, in their order
REFERENCE_GROUPS = {
    "method": "Methods cited in the paragraph",
    "benchmark": "Historical controls cited for the design's reference values (p0, p1 or m0)",
    "study": "Studies pooled for p0 or p1",
    "prior": "Studies behind the MAP prior (those not listed above)",
}


@dataclass(frozen=True, slots=True)
class CitedReference:
    """One reference of the protocol section: its group (a key of :data:`REFERENCE_GROUPS`), the
    line printed in the section and the record exported as RIS/BibTeX."""

    group: str
    text: str
    record: Reference


def section_references(paragraph: str, sources: tuple[Source, ...], base: EvidenceBase | None = None,
                       library: BenchmarkLibrary | None = None,
                       prior_study_ids: Sequence[str] = ()) -> tuple[CitedReference, ...]:
    """The references of the protocol section, in the order they are listed.

    The methods the paragraph cites (its numbered "References:", in that order), the publication
    of every benchmark chosen as p0 or p1 (once per source; its fullest citation in ``library``),
    the studies pooled for a p0 or p1 taken from the evidence (records of ``base``), then the
    studies behind a MAP prior (``prior_study_ids``) not already listed — each study once.
    """
    out: list[CitedReference] = []
    at = {k: paragraph.find(v) for k, v in REFERENCES.items() if v in paragraph}
    for k in sorted(at, key=at.__getitem__):
        out.append(CitedReference("method", REFERENCES[k], citation_reference(
            f"method-{k}", REFERENCES[k], note="Method cited in the sample-size paragraph")))
    seen: set[str] = set()
    for s in sources:
        b = s.benchmark
        if b is None or b.url in seen:
            continue
        seen.add(b.url)
        full = max([x.source for x in (library.benchmarks if library else ()) if x.url == b.url] or [b.source],
                   key=len)
        out.append(CitedReference("benchmark", full, citation_reference(
            b.id, full, urls=(b.url,), note=f"Historical control {b.id} cited for p0/p1 in the sample-size paragraph")))
    ids = list(dict.fromkeys(i for s in sources for i in s.study_ids))
    if base is not None and ids:
        out += [CitedReference("study", r.text(), r) for r in references(base, ids)]
    prior = [i for i in dict.fromkeys(prior_study_ids) if i not in ids]
    if base is not None and prior:
        out += [CitedReference("prior", r.text(), r) for r in references(base, prior)]
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Download:
    """A file offered for download: button label and key, the bytes (or a callable writing them on
    demand), file name, MIME type, icon, help and whether the button is disabled."""

    label: str
    key: str
    data: bytes | Callable[[], bytes]
    file_name: str
    mime: str
    icon: str = ":material/download:"
    help: str | None = None
    disabled: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class ProtocolSection:
    """The sample-size section of a protocol: the paragraph, the inputs with their sources, the
    design tables, the design across the CI of the source estimate and the references; laid out
    as Markdown here, as Word by ``reports.docx.build_protocol_docx``, the references also as
    RIS and BibTeX (:mod:`evidence.references`)."""

    title: str
    paragraph: str
    inputs: tuple[tuple[str, str], ...]
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    across: AcrossCI | None = None
    references: tuple[CitedReference, ...] = ()
    stem: str = "sample_size"

    def reference_groups(self) -> list[tuple[str, list[tuple[int, str]]]]:
        """(heading, [(number, line)]) per group, numbered through the section in listing order."""
        out: list[tuple[str, list[tuple[int, str]]]] = []
        n = 0
        for key, heading in REFERENCE_GROUPS.items():
            lines = []
            for r in self.references:
                if r.group == key:
                    n += 1
                    lines.append((n, r.text))
            if lines:
                out.append((heading, lines))
        return out

    def reference_files(self) -> dict[str, tuple[str, bytes, str]]:
        """``format -> (file name, bytes, MIME type)`` of the references (RIS, BibTeX, CSL-JSON)."""
        return export_files([r.record for r in self.references], f"{self.stem}_references")

    def reference_file(self, fmt: str) -> tuple[str, Callable[[], bytes], str]:
        """``(file name, bytes on demand, MIME type)`` of one format of :meth:`reference_files`: the
        bytes are written only when called (a download button's deferred data)."""
        ext, mime = REFERENCE_FORMATS[fmt]
        return f"{self.stem}_references.{ext}", lambda: self.reference_files()[fmt][1], mime

    def downloads(self, docx: Callable[[], bytes]) -> tuple[Download, ...]:
        """The section's files: the paragraph (.txt), the Markdown section, Word (``docx`` writes it:
        ``reports.docx.build_protocol_docx``), the references as RIS and BibTeX; every file but the
        paragraph is written only when asked for."""
        n = len(self.references)
        refs = tuple(Download(f"References ({fmt})", f"dl_par_{fmt.lower()}", data, name, mime, ":material/format_quote:",
                              f"The {n} reference(s) of the section: methods, historical controls, studies pooled "
                              "for p0 and p1 and those behind a MAP prior.", not n)
                     for fmt in ("RIS", "BibTeX") for name, data, mime in [self.reference_file(fmt)])
        return (Download("Paragraph (.txt)", "dl_par_txt", self.paragraph.encode("utf-8"), f"{self.stem}.txt", "text/plain"),
                Download("Paragraph + tables (.md)", "dl_par_md", lambda: self.markdown().encode("utf-8"),
                         f"{self.stem}.md", "text/markdown"),
                Download("Protocol section (.docx)", "dl_par_docx", docx, f"{self.stem}.docx",
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), *refs)

    def markdown(self) -> str:
        """The section as Markdown: paragraph, inputs, tables, the across-CI table, references."""
        lines = [f"# {self.title}", "", self.paragraph, "", "## Inputs", ""]
        lines += [f"- **{k}**: {v}" for k, v in self.inputs]
        for name, df in self.tables:
            if df is not None and not df.empty:
                lines += ["", f"## {name}", "", *_md_table(df)]
        if self.across is not None:
            lines += ["", f"## {self.across.title}", "", self.across.caption, "", *_md_table(self.across.table)]
        if self.references:
            lines += ["", "## References"]
            for heading, refs in self.reference_groups():
                lines += ["", f"### {heading}", ""] + [f"{n}. {t}" for n, t in refs]
            lines += ["", f"The same references as RIS and BibTeX: {self.stem}_references.ris, "
                      f"{self.stem}_references.bib."]
        return "\n".join(lines) + "\n"


def paragraph_for(
    result, p0_src: str, p1_src: str, which: str | int = "optimal", endpoint: str = "",
    protocol: Protocol | None = None, outcome: Outcome = RESPONSE,
) -> str:
    """``protocol_paragraph`` with the endpoint name and the wording of a success (``outcome``)
    only for binary designs, and the protocol details (regimen, assessment, non-evaluable
    fraction, accrual pause; times in months)."""
    binary = isinstance(result, SimonResult | SingleStageResult)
    kw: dict = {"endpoint": endpoint} if endpoint and binary else {}
    if binary:
        kw["outcome"] = outcome
    if isinstance(result, SimonResult):
        kw["which"] = which
    if protocol is not None:
        kw |= {"treatment": protocol.treatment, "assessment": protocol.assessment, "dropout": protocol.dropout}
        if isinstance(result, SimonResult):
            kw["pause_accrual"] = protocol.pause_accrual
    if not binary:
        kw["time_unit"] = TIME_UNIT
    return protocol_paragraph(result, p0_source=p0_src, p1_source=p1_src, **kw)


def survival_summary(d) -> pd.DataFrame:
    """Inputs and results of a survival design as (quantity, value) display rows."""
    if isinstance(d, TTEDesign):
        m1 = d.m0 * d.hazard_ratio ** (-1.0 / d.shape)
        rows = [("Reference median m0", f"{d.m0:g} months"), ("Weibull shape", f"{d.shape:g}"),
                ("Hazard ratio under H1", f"{d.hazard_ratio:.3f} (target median {m1:.1f} months)"),
                ("Accrual / follow-up", f"{d.accrual:g} / {d.follow_up:g} months"),
                ("One-sided α / target power", f"{d.alpha:g} / {d.power_target:g}"),
                ("Patients n (raw)", f"{d.n} ({d.n_raw:.2f})"), ("Approximate power at n", f"{d.power:.4f}"),
                ("Expected events under H1 / H0", f"{d.expected_events_h1:.1f} / {d.expected_events_h0:.1f}"),
                ("Test", d.statistic)]
    elif isinstance(d, ExponentialDesign):
        rows = [("Medians m0 → m1", f"{d.m0:g} → {d.m1:g} months"),
                ("Accrual / follow-up", f"{d.accrual:g} / {d.follow_up:g} months"),
                ("One-sided α / target power", f"{d.alpha:g} / {d.power_target:g}"),
                ("Events required", f"{d.events:.1f}"), ("P(event) under H1", f"{d.p_event:.3f}"),
                ("Patients n (raw)", f"{d.n} ({d.n_raw:.1f})"), ("Attained power", f"{d.power:.4f}"),
                ("Test", d.method)]
    else:
        rows = [("Hazard ratio", f"{d.hazard_ratio:g}"), ("Allocation ratio", f"{d.ratio:g} : 1"),
                ("P(event) experimental / control", f"{d.p_exp:.3f} / {d.p_con:.3f}"),
                ("Two-sided α / target power", f"{d.alpha:g} / {d.power_target:g}"),
                ("Patients experimental / control (total)", f"{d.n_exp} / {d.n_con} ({d.n_total})"),
                ("Expected events", f"{d.expected_events:.1f}"), ("Attained power", f"{d.power:.4f}"),
                ("Method", d.method)]
    return pd.DataFrame(rows, columns=["Quantity", "Value"])


def survival_headline(d) -> tuple[int, tuple[Metric, ...], pd.DataFrame]:
    """Patients, the metrics (patients, events, attained power) and the power curve of a survival design."""
    if isinstance(d, CPHDesign):
        n, events, ev, curve = d.n_total, "Events expected under H1", d.expected_events, cph_curve(d)
    elif isinstance(d, ExponentialDesign):
        n, events, ev, curve = d.n, "Events required", d.events, exponential_curve(d)
    else:
        n, events, ev, curve = d.n, "Events expected under H1", d.expected_events_h1, logrank_curve(d)
    return n, (Metric("Patients", n), Metric(events, f"{ev:.1f}"), Metric("Attained power", f"{d.power:.4f}")), curve


# --------------------------------------------------------------------------------------------
# provenance caveats, the regimen blank and the Bayesian designs
def treatment_text(typed: str | None) -> str:
    """The regimen as typed, or :data:`BLANK_TREATMENT` (the example in the field is never used).

    >>> treatment_text("  ")
    '[regimen: to be completed]'
    """
    t = (typed or "").strip().rstrip(".")
    return t or BLANK_TREATMENT


def pool_caveat(name: str, k: int | None, total_n: int | None, ci_low: float | None,
                ci_high: float | None, level: float = 0.95) -> str:
    """A warning when p0/p1 comes from a pool of few studies or with a wide CI ('' otherwise).

    >>> pool_caveat("p1", 3, 123, 0.10, 0.64)
    'p1 comes from a pool of 3 studies (123 patients) whose 95% CI is 10.0–64.0%: few studies and a wide interval; see how the sample size changes across the CI.'
    """
    if k is None or ci_low is None or ci_high is None:
        return ""
    few = int(k) < FEW_STUDIES
    wide = math.isfinite(ci_high - ci_low) and (ci_high - ci_low) > WIDE_CI
    if not (few or wide):
        return ""
    why = " and ".join(w for w, on in (("few studies", few), ("a wide interval", wide)) if on)
    pts = f" ({T.count(int(total_n), 'patient')})" if total_n else ""
    return (f"{name} comes from a pool of {T.count(int(k), 'study', 'studies')}{pts} whose "
            f"{T.level(level)} CI is {T.interval(ci_low, ci_high)}: {why}; see how the sample size "
            "changes across the CI.")


def n_across_ci(p0: float, p1_values: dict[str, float], alpha: float, beta: float, design: str = "single",
                constraint: str = "<=") -> pd.DataFrame:
    """The design at p1 = the estimate and the CI bounds of its source, for the chosen design type.

    ``design="single"``: exact single-stage n (A'Hern); ``"simon"``: Simon's optimal and minimax
    designs (``simon_two_stage`` with ``constraint``). Rows whose p1 does not exceed p0 say so (no
    design tests p1 <= p0), and rows without a feasible design say why.
    """
    t = n_across({k: (p0, v) for k, v in p1_values.items()}, alpha, beta, design, constraint)
    return t.drop(columns="p0").rename(columns={"value from": "p1 from"})


def n_across(pairs: dict[str, tuple[float, float]], alpha: float, beta: float, design: str = "single",
             constraint: str = "<=", verb: str = "respond") -> pd.DataFrame:
    """The design at each (p0, p1) pair: ``design="single"`` gives the exact single-stage n and
    rule, ``"simon"`` Simon's optimal and minimax designs; a pair with p1 <= p0 or without a
    feasible design says why in its last column."""
    simon = design == "simon"
    cols = (["value from", "p0", "p1", "optimal r1/n1, r/n", "EN(p0) optimal", "minimax r1/n1, r/n"] if simon
            else ["value from", "p0", "p1", "n", "rule"])
    rows = []
    for label, (p0, p1) in pairs.items():
        head = [label, T.pct(p0), T.pct(p1)]
        if not (p1 > p0 and p1 < 1 and p0 > 0):
            why = f"no design: p1 ({T.pct(p1)}) must exceed p0 ({T.pct(p0)})" if p1 <= p0 else "no design"
            rows.append(head + ["–"] * (len(cols) - 4) + [why])
            continue
        try:
            if simon:
                r = simon_two_stage(p0, p1, alpha, beta, constraint=constraint)
                rows.append(head + [r.optimal.boundary(), T.decimal(r.optimal.en0, 1), r.minimax.boundary()])
            else:
                st_ = single_stage_exact(p0, p1, alpha, beta)
                rows.append(head + [str(st_.n), f"promising if ≥ {st_.r} of {st_.n} {verb}"])
        except ValueError as exc:
            rows.append(head + ["–"] * (len(cols) - 4) + [str(exc).split(";")[0][:80]])
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True, slots=True)
class AcrossCI:
    """How the sample size changes across the CI of the source of p0 or p1 (shown on the page
    and in the Markdown and Word exports of the protocol section)."""

    title: str
    table: pd.DataFrame
    caption: str


def same_pool(p0: Source, p1: Source) -> bool:
    """True when p0 and p1 are two values of one pooled estimate (say its CI low and its estimate)."""
    return (p0.selection is not None and p0.selection == p1.selection and p0.endpoint == p1.endpoint
            and (p0.estimate, p0.ci_low, p0.ci_high) == (p1.estimate, p1.ci_low, p1.ci_high))


#: the across-CI caption's sentence when p0 and p1 come from one pool
SAME_POOL_NOTE = ("p0 and p1 are two values of the same pooled estimate, so only p1 is moved across "
                  "its CI: moving p0 across the same interval only puts it at or above p1.")


def across_ci_pairs(p0: Source, p1: Source) -> dict[str, tuple[float, float]]:
    """(p0, p1) at the values chosen, then p1 and p0 each moved to the estimate and the CI bounds
    of its source (a pool, or a benchmark with a printed CI; the other value kept); a source without
    a CI (a typed value, most benchmarks) is not varied, nor p0 when it comes from p1's pool
    (:func:`same_pool`). Empty when neither source has a CI."""
    out: dict[str, tuple[float, float]] = {}
    for name, s in (("p1", p1), ("p0", p0)):
        if s.ci_low is None or s.ci_high is None or (name == "p0" and same_pool(p0, p1)):
            continue
        out.setdefault("as chosen", (p0.value, p1.value))
        lvl = T.level(s.level)
        est = "benchmark estimate" if s.benchmark is not None else "pool estimate"
        for what, v in ((est, s.estimate), (f"{lvl} CI low", s.ci_low), (f"{lvl} CI high", s.ci_high)):
            if v is None:
                continue
            v = round(float(v), 3)
            out[f"{name} at its source's {what}"] = (p0.value, v) if name == "p1" else (v, p1.value)
    return out


def across_ci(p0: Source, p1: Source, alpha: float, beta: float, plan: str, constraint: str = "<=",
              outcome: Outcome = RESPONSE) -> AcrossCI | None:
    """The design at the CI bounds of the sources of p0 and p1 (``None`` when neither has a CI).

    Simon plans show Simon's optimal and minimax designs; every other binary plan the exact
    single-stage n (for a Bayesian plan, its frequentist benchmark) at the same α and power.
    """
    return across_pairs(tuple(across_ci_pairs(p0, p1).items()), alpha, beta, plan, constraint, outcome,
                        same_pool(p0, p1))


def across_pairs(pairs: tuple[tuple[str, tuple[float, float]], ...], alpha: float, beta: float, plan: str,
                 constraint: str = "<=", outcome: Outcome = RESPONSE, one_pool: bool = False) -> AcrossCI | None:
    """:func:`across_ci` from the ``(label, (p0, p1))`` pairs of :func:`across_ci_pairs` (a cache
    key of plain values; ``None`` when there are none); ``one_pool``: p0 and p1 come from one pool
    (:func:`same_pool`; the caption says why p0 is not moved)."""
    if not pairs:
        return None
    design = "simon" if plan == "simon" else "single"
    what = ("Simon optimal and minimax designs" if design == "simon" else "Exact single-stage n (A'Hern 2001)"
            + ("" if plan == "single" else ", the frequentist benchmark of the Bayesian design"))
    caption = (f"{what} at the same α and power, with p0 or p1 moved across the confidence interval of its "
               "source (the pool or the benchmark): the spread shows how much the sample size rests on where "
               "in that interval the true rate lies." + (f" {SAME_POOL_NOTE}" if one_pool else ""))
    return AcrossCI("Sample size across the CI of the source estimate", n_across(
        dict(pairs), alpha, beta, design, constraint, outcome.plural), caption)


#: short endpoint names of the benchmark options ("PFS rate at 3 months", "ORR")
_BENCH_SHORT = {"objective response rate": "ORR", "progression-free rate": "PFS rate",
                "overall survival rate": "OS rate", "event-free rate": "EFS rate"}


def _head(text: str) -> str:
    """The text before its first parenthesis or comma ("osteosarcoma (measurable disease)" -> "osteosarcoma")."""
    return text.split(" (", maxsplit=1)[0].split(",", maxsplit=1)[0].strip()


def benchmark_label(b: Benchmark) -> str:
    """The option shown for a benchmark: study, endpoint and time, arm, value.

    >>> from evidence.benchmarks import load_benchmarks
    >>> b = next(x for x in load_benchmarks().benchmarks if x.id == "lagmay2016-efs4")
    >>> benchmark_label(b)
    'Lagmay 2016 · EFS rate at 4 months · inactive agents, osteosarcoma = 12.0%'
    """
    at = f" at {b.time_label}" if b.time_label else ""
    regimen = {"p0": "inactivity threshold", "p1": "activity threshold"}.get(b.role or "", _head(b.regimen))
    arm = f"{regimen}, {_head(b.histology)}"
    return f"{b.short} · {_BENCH_SHORT.get(b.endpoint, b.endpoint)}{at} · {arm} = {T.pct(b.value, 1)}"


def _benchmark_phrase(b: Benchmark) -> str:
    """The benchmark as the paragraph cites it: what, with which regimen, where, and as printed."""
    at = f" at {b.time_label}" if b.time_label else ""
    return (f"the {b.endpoint}{at} with {b.regimen} in {b.histology} (line: {b.line}; "
            f"{b.design}) reported by {b.source} ({b.location}: \u201c{b.printed}\u201d"
            + (f"; {b.derived}" if b.derived else "") + ")")


#: why the survival plan comparison is absent (the page says so)
NO_CI_M0 = ("This benchmark's median was printed without a confidence interval, so the design cannot be "
            "shown across it; the table appears for a median printed with its CI (e.g. PALETTE).")
CPH_NO_PLAN = ("The two-arm Cox design randomises a concurrent control arm: no historical value enters the "
               "design as a reference, so there is no source to compare with the planned trial (indirectness) "
               "nor a source CI to vary; the control-arm event probability depends on accrual and follow-up "
               "and is stated with its source below.")


def m0_sentence(s: Source) -> str:
    """``"m0 = 7.4 months: the median PFS with ..."``."""
    return f"m0 = {T.num(s.value, 3)} months: {s.phrase}"


def survival_across_ci(plan: str, m0: Source, design: Callable[[float], object]) -> AcrossCI | None:
    """The survival design with m0 at its source's estimate and printed CI bounds (``None`` when
    the source has no CI); ``design(m0)`` returns the :mod:`synthesis.design.tte` design with every
    other input kept (``ValueError`` on an impossible one, e.g. m0 ≥ m1)."""
    if plan not in M0_PLANS or m0.ci_low is None or m0.ci_high is None:
        return None
    lvl = T.level(m0.level)
    rows = []
    for what, v in (("as chosen", m0.value), ("benchmark estimate", m0.estimate),
                    (f"{lvl} CI low", m0.ci_low), (f"{lvl} CI high", m0.ci_high)):
        if v is None:
            continue
        head = [what, f"{T.num(v, 3)} months"]
        try:
            d = design(float(v))
        except ValueError as exc:
            rows.append(head + ["–", "–", str(exc).split(";")[0][:80]])
            continue
        if isinstance(d, TTEDesign):
            target = f"m1 {T.decimal(d.m0 * d.hazard_ratio ** (-1.0 / d.shape), 1)} months"
            rows.append(head + [str(d.n), T.decimal(d.expected_events_h1, 1), target])
        else:
            rows.append(head + [str(d.n), T.decimal(d.events, 1), f"hazard ratio {T.decimal(d.m0 / d.m1, 3)}"])
    events = "events expected under H1" if plan == "logrank" else "events required"
    table = pd.DataFrame(rows, columns=["m0 from", "m0", "patients n", events, "alternative"])
    what = ("hazard ratio kept (the target median moves with m0)" if plan == "logrank"
            else "target median m1 kept (the hazard ratio m0/m1 moves with m0)")
    caption = (f"The design at the same α and power with the reference median m0 at its source's estimate and "
               f"printed CI bounds, {what}: the spread shows how much the sample size rests on where in that "
               "interval the control median lies.")
    return AcrossCI("Sample size across the CI of the source estimate", table, caption)


def benchmark_sources(lib: BenchmarkLibrary) -> dict[str, Source]:
    """Every proportion benchmark as a candidate p0/p1 with its citation and printed text
    (medians are times, not rates: they are left out)."""
    out: dict[str, Source] = {}
    for b in lib.benchmarks:
        if b.unit != "proportion":
            continue
        key = f"benchmark · {b.id}"
        phrase = _benchmark_phrase(b)
        # a printed interval goes with the value (the design across it is shown); no pool: k = None
        out[key] = with_plan(Source(key, benchmark_label(b), round(b.value, 3), phrase, "", None, b.n,
                                    b.ci_low, b.ci_high, b.level or 0.95, b.value, benchmark=b), TrialPlan())
    return out


def _bench_value(b: Benchmark, low: float | None = None, high: float | None = None) -> str:
    if b.unit == "proportion":
        return T.pct(b.value, 1) if low is None else T.interval(low, high, 0)
    if low is None:
        return f"{T.num(b.value)} {b.unit}"
    return f"{T.num(low)}–{T.num(high)} {b.unit}"


def benchmark_table(lib: BenchmarkLibrary, plan: TrialPlan) -> pd.DataFrame:
    """The historical-control library as the planner shows it: one row a benchmark, the option
    that picks it as p0/p1 (rates only: a median is a time), what it measures and where it was
    read, and how it differs from the planned trial (GRADE indirectness).

    >>> from evidence.benchmarks import load_benchmarks
    >>> t = benchmark_table(load_benchmarks(), TrialPlan())
    >>> row = t[t["Option"] == "benchmark · eortc62012-doxifo-orr"].iloc[0]
    >>> row["Value"], row["For the planned trial"]
    ('26.4%', 'direct')
    >>> list(t[t["Study"] == "Judson 2014"]["Option"].iloc[2:4])
    ['eortc62012-doxorubicin (as m0)', 'eortc62012-doxifo (as m0)']
    """
    rows = []
    for b in lib.benchmarks:
        rate = b.unit == "proportion"
        kinds = [i.kind for i in _benchmark_indirectness(b, plan)] if rate else []
        rows.append({
            "Study": b.short,
            "Endpoint": b.endpoint + (f" at {b.time_label}" if b.time_label else ""),
            "Value": _bench_value(b),
            "Interval as printed": f"{b.ci_kind} {_bench_value(b, b.ci_low, b.ci_high)}" if b.ci_kind else "",
            "n": str(b.n) if b.n is not None else "",
            "For the planned trial": ("indirect: " + ", ".join(kinds) if kinds else "direct") if rate else "",
            "Arm": f"{_head(b.regimen)}, {_head(b.histology)}" if not b.role else f"reference rule ({b.role})",
            "Line": b.line,
            "Option": f"benchmark · {b.id}" if rate else (
                f"{b.id.removesuffix('-median-pfs')} (as m0)" if b.endpoint == "median PFS" else "median OS: not offered"),
            "Read in": b.location,
            "Note": b.flag or "",
        })
    return pd.DataFrame(rows)


def median_sources(lib: BenchmarkLibrary) -> dict[str, Source]:
    """Every median-PFS benchmark as a candidate reference median m0 of a survival design, in
    months (a median printed in weeks converted at 30.44 days a month, and said so); ``value`` is
    the median in months, ``ci_low``/``ci_high`` its printed CI (in months) for
    :func:`survival_across_ci`; :func:`with_plan` adds its indirectness for the planned trial.
    Median OS is never offered: the designs' reference is a PFS median.

    >>> from evidence.benchmarks import load_benchmarks
    >>> s = median_sources(load_benchmarks())["geddis2017-doxorubicin"]
    >>> s.value, s.label
    (5.36, 'Seddon 2017 · median PFS · doxorubicin 75 mg/m2 every 3 weeks, high-grade soft-tissue sarcoma = 23.3 weeks')
    """
    out: dict[str, Source] = {}
    for b in lib.benchmarks:
        if b.endpoint != "median PFS" or b.months is None:
            continue
        key = b.id.removesuffix("-median-pfs")  # short: the m0 picker is a narrow column
        shown = f"{T.num(b.value)} {b.unit}"
        months = round(b.months, 2)
        conv = "" if b.unit == "months" else f" ({T.num(months)} months at 30.44 days a month)"
        phrase = (f"the median progression-free survival of {shown}{conv} with {b.regimen} in {b.histology} "
                  f"(line: {b.line}; {b.design}) reported by {b.source} ({b.location}: \u201c{b.printed}\u201d)")
        label = f"{b.short} · median PFS · {_head(b.regimen)}, {_head(b.histology)} = {shown}"
        f = b.months / b.value  # a printed CI in the median's unit, in months
        lo, hi = (b.ci_low * f, b.ci_high * f) if b.ci_low is not None and b.ci_high is not None else (None, None)
        out[key] = Source(key, label, months, phrase, "", None, b.n, lo, hi, b.level or 0.95, b.months, benchmark=b)
    return out


def benchmark_notes(lib: BenchmarkLibrary) -> tuple[str, ...]:
    """The provenance notes of the library, once each with the benchmarks they concern (the
    table's Note column is too narrow to read them).

    >>> from evidence.benchmarks import load_benchmarks
    >>> [n for n in benchmark_notes(load_benchmarks()) if "73 ½ weeks" in n][0][:61]
    'Seddon 2017 (geddis2017-doxorubicin-median-os): Conflict: the'
    """
    by_flag: dict[tuple[str, str], list[str]] = {}
    for b in lib.benchmarks:
        if b.flag:
            by_flag.setdefault((b.short, b.flag), []).append(b.id)
    return tuple(f"{study} ({', '.join(ids)}): {flag}" for (study, flag), ids in by_flag.items())
