"""One parser of a *view* (a link's query string, a mapping or a view file) for the app and the CLI.

:func:`parse_view` turns ``"endpoint=DCR&method=reml&histology=Osteosarcoma"`` into the rows to pool
(:class:`evidence.selection.Selection`), the statistical choices (:class:`synthesis.spec.Model`),
the display/design settings and a list of :class:`Problem` — every key or value it could not use,
worded for the reader (``this link asked for histology 'nonexistent', which is not in the data;
showing all histologies``). Nothing is dropped silently: the pages show the problems above the
analysis, ``python -m reports --view`` exits non-zero naming them.

Every spelling a link may carry is read: the stable lowercase URL tokens of
:mod:`synthesis.vocabulary` (``method=reml``, ``timepoint=week_12``, ``reports=all``; the one
spelling written back, by the pages and the CLI, is :func:`url_values`), the
literals (``method=REML``), the labels the page widgets write (``timepoint=Week 12``,
``reports=All reports (overlapping cohorts)``, ``level=95%``) and the long field names
(``ci_method=`` for ``ci=``). Problems carry plain text; values from the URL are cut to
:data:`VALUE_MAX` characters and must be escaped by whoever renders them.

Examples
--------
>>> sel, model, problems = parse_view("endpoint=DCR&method=reml&timepoint=Week 12&ci_method=t")
>>> sel.endpoint, sel.timepoint, model.method, model.ci_method, problems
('DCR', 'week_12', 'REML', 't', ())
>>> parse_view("level=nan").problems[0].message
"this link asked for level 'nan', which is not one of 95%, 90% or 99%; showing 95%."
>>> parse_view("histology=Nope", options={"histology": ["Osteosarcoma"]}).problems[0].message
"this link asked for histology 'Nope', which is not in the data; showing all histologies."
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import yaml

from evidence.ae_terms import ANY_GRADE, GRADE_3_PLUS
from evidence.selection import (
    ENDPOINTS,
    FILTER_COLUMNS,
    REPORTS,
    TIMEPOINTS,
    Selection,
    filter_options,
)
from findings import text
from findings.appraisal import DEFAULT_THRESHOLDS, ROB_PALETTES
from findings.compare import GROUP_BY, MODERATORS
from findings.selection_notes import MONOTHERAPY
from findings.survival import POOL_METHODS
from findings.survival_evidence import ENDPOINTS as SURVIVAL_ENDPOINTS
from findings.survival_evidence import RESPONSES
from synthesis.spec import LEVELS, PRIOR_SCALES, Model
from synthesis.vocabulary import CHOICES, URL_KEYS, parse_choice, url_token

__all__ = [
    "ALIASES", "CONTROLS", "DESIGN_DEFAULTS", "FILTER_KEYS", "IGNORED_KEYS", "PLANS", "PLAN_ENDPOINTS",
    "PLAN_LINES", "PLAN_REGIMENS", "PRIORS", "QUERY_KEYS", "SIMON_CONSTRAINTS", "SORTS", "TYPED", "VALUE_MAX", "VIEW_CONTROLS",
    "Control", "ParsedView", "Problem", "control_rewrites", "data_options", "parse_view", "read_view_file",
    "slug", "source_tokens", "url_values",
]

#: Longest piece of a URL value quoted in a message (the rest is cut with "…").
VALUE_MAX = 60
#: Forest-plot orders (URL token -> label written by the page widget).
SORTS = {"year": "Year", "estimate": "Estimate", "weight": "Weight", "label": "Name"}
#: Design-slide settings and their defaults (the Trial planner's).
DESIGN_DEFAULTS = {"p0": 0.2, "p1": 0.4, "alpha": 0.05, "power": 0.8}
FILTER_KEYS = tuple(FILTER_COLUMNS)  # ("histology", "design", "regimen", "line")
_FILTER_PLURAL = {"histology": "histologies", "design": "designs", "regimen": "regimens",
                  "line": "lines of therapy"}
_SELECTION = Selection()
_MODEL = Model()

#: URL key -> field of Selection, Model or the display/design settings.
QUERY_KEYS: dict[str, str] = {
    "endpoint": "endpoint", "timepoint": "timepoint", "reports": "reports",
    **{k: k for k in FILTER_KEYS},
    **{key: name for name, key in URL_KEYS.items()},
    "forest_sort": "forest_sort",
    **{k: k for k in DESIGN_DEFAULTS},
}
#: other spellings of keys accepted on input: long field names, an older forest panel's ``sort``
ALIASES: dict[str, str] = {"sort": "forest_sort",
                           **{name: key for name, key in URL_KEYS.items() if name != key}}
#: keys of the app's other widgets: they may appear in a link but do not change the view
#: (``tests/unit/test_query.py`` checks that every key a page binds to the URL is listed here, in
#: :data:`QUERY_KEYS` or in :data:`CONTROLS`, so a new widget key cannot be reported as unknown)
IGNORED_KEYS = frozenset({
    "present", "study", "embed", "embed_options", "tab",
    # Trial planner (notes, search options, survival designs; its choices are in CONTROLS)
    "p0_note", "p1_note",
    "nmax", "exact", "dropout", "m0", "m1", "m0_note", "hr", "hr_note", "shape", "accrual",
    "follow", "ratio", "pcon", "pexp", "src0", "src1", "treatment", "assess",
    # the planned trial (partner drugs, PFS-rate time)
    "pl_partner", "pl_months",
    # Bayesian designs (robust weight, threshold, N, looks, efficacy stopping)
    "robw", "pc", "ppn", "bn", "blooks", "beff",
    # Data checks page; the Trial planner's accrual pause
    "pause", "cd_pct", "cd_nmax", "cd_nmin",
    # the GRADE overrides (synthesis.grade.encode_overrides, read by ui.appraisal.current_inputs)
    "grade",
    # ... and the planned trial in the planner's link to it (findings.planner.PLAN_LINK_KEYS) with
    # the outcome whose pooled evidence gave p0/p1
    "trial_line", "trial_reg", "trial_partner", "trial_hist", "trial_ep", "trial_months", "trial_for",
    "trial_view",
})


# --------------------------------------------------------------------------------------------
# Page controls kept in the link: tabs and chart-local choices (one table, read and written here)
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


@dataclass(frozen=True, slots=True)
class Control:
    """A page control kept in the link: its URL key, its choices and its default.

    ``choices`` maps each stable lowercase URL token to the label the widget shows (in the order
    shown); it is empty for a control whose values are the data's own (a term, a histology group,
    a study id) or a number. ``kind``: ``"one"`` (one choice; the widget's value is the token),
    ``"tab"`` (one choice; ``st.tabs`` holds the label), ``"many"`` (the key repeated),
    ``"flag"`` (a toggle, ``true`` when on) or ``"number"`` (within ``bounds``). ``aliases`` are
    older keys of the same control, read when the key itself is absent.

    :meth:`read` is the one reader (tokens in any case and the labels old links carry; an
    unknown, absent or empty value gives the default), :meth:`tokens` the one writer (``[]`` at
    the default: the key leaves the URL).

    >>> c = CONTROLS["by"]
    >>> c.read(["Histology"]), c.read(["histology"]), c.read(["nonsense"]), c.read([])
    ('histology', 'histology', 'design', 'design')
    >>> c.tokens("Histology"), c.tokens("design")
    (['histology'], [])
    >>> CONTROLS["ptab"].read(["Methods & literature"]), CONTROLS["ptab"].label("methods")
    ('methods', 'Methods & literature')
    """

    key: str
    choices: Mapping[str, str] = field(default_factory=dict)
    default: Any = None
    kind: Literal["one", "tab", "many", "flag", "number"] = "one"
    bounds: tuple[float, float] = (-math.inf, math.inf)
    aliases: tuple[str, ...] = ()

    def token(self, value: object) -> str | None:
        """The URL token ``value`` spells (a token or a label, any case), or ``None``."""
        if not self.choices:
            return None
        v = str(value).strip()
        if v in self.choices:
            return v
        low = v.lower()
        for tok, label in self.choices.items():
            if low in (tok.lower(), label.lower()):
                return tok
        return None

    def label(self, token: str) -> str:
        """What the widget shows for ``token``."""
        return self.choices.get(token, token)

    def read(self, values: Sequence[str], options: Sequence[str] | None = None,
             labels: Mapping[str, str] | None = None) -> Any:
        """The control's value for the URL values of its key; the default when absent or unknown.

        ``options`` limits a control without ``choices`` to the values in the data (``None``
        accepts any); ``labels`` (option -> the label a widget shows it with) reads the labels of
        such options that older links carry. Never raises.
        """
        by_label = {str(v).strip().lower(): str(k) for k, v in (labels or {}).items()}
        vals = [by_label.get(str(v).strip().lower(), str(v).strip()) for v in values if str(v).strip()]
        if self.kind == "many":
            out = [self._one(v, options) for v in vals]
            kept = tuple(dict.fromkeys(v for v in out if v is not None))
            return kept if kept else self.default
        if not vals:
            return self.default
        v = vals[-1]
        if self.kind == "flag":
            return True if v.lower() in _TRUE else False if v.lower() in _FALSE else self.default
        if self.kind == "number":
            x = _float(v.removesuffix("%"))
            lo, hi = self.bounds
            return x if x is not None and lo <= x <= hi else self.default
        got = self._one(v, options)
        return self.default if got is None else got

    def tokens(self, value: Any) -> list[str]:
        """The URL values of a widget's value (token or label): ``[]`` at the default."""
        if value is None or (self.kind != "flag" and value == self.default):
            return []
        if self.kind == "many":
            out = [self.token(v) or str(v) for v in value] if self.choices else [str(v) for v in value]
            return [] if tuple(out) == tuple(self.default or ()) else out
        if self.kind == "flag":
            return [] if bool(value) == bool(self.default) else ["true" if value else "false"]
        if self.kind == "number":
            x = float(value)
            return [] if self.default is not None and math.isclose(x, self.default) else [f"{x:g}"]
        tok = self.token(value) if self.choices else str(value)
        return [] if tok is None or tok == self.default else [tok]

    def widget_value(self, value: Any, options: Sequence[Any] | None = None) -> Any:
        """``value`` (as :meth:`read` returns it) as the widget holds it: a tab's label, a list for
        a multiselect, one of ``options`` (the widget's options from the data; a value outside
        them gives the default, else the first option)."""
        if self.kind == "tab":
            return self.label(value)
        if self.kind == "many":
            chosen = {str(v) for v in value or ()}
            return list(value or ()) if options is None else [o for o in options if str(o) in chosen]
        if options is not None and self.kind == "one":
            by_text = {str(o): o for o in options}
            if value is None or str(value) not in by_text:
                return by_text.get(str(self.default), next(iter(options), None))
            return by_text[str(value)]
        return value

    def _one(self, v: str, options: Sequence[str] | None) -> str | None:
        if self.choices:
            return self.token(v)
        if options is None or v in options:
            return v
        return next((o for o in options if o.lower() == v.lower()), None)  # a token in another case


#: survival endpoints: token -> the name the widgets show ("pfs" -> "PFS")
_SURVIVAL_ENDPOINTS = {k.lower(): k for k in SURVIVAL_ENDPOINTS}


def control_rewrites(query: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The page controls of a URL (key -> its values) not spelled as their tokens, with their
    tokens (``[]``: the key leaves the URL). Older keys of a control (``stab`` on Safety) are left
    to the control's page, where the same key may belong to another control.

    >>> control_rewrites({"by": ["Histology"], "ptab": ["sensitivity"], "ctab": ["Subgroups"], "method": ["REML"]})
    {'by': ['histology'], 'ctab': []}
    """
    out: dict[str, list[str]] = {}
    for key, values in query.items():
        c = CONTROLS.get(key)
        if c is None or key in _ALIASES:
            continue
        tokens = c.tokens(c.read(list(values)))
        if list(values) != tokens:
            out[key] = tokens
    return out


# Trial planner: its designs, priors and planned trial (token -> label; findings.planner and
# findings.planner_bayes take the labels from here)
#: design types
PLANS = {"simon": "Simon two-stage", "single": "Single stage", "posterior": "Bayesian posterior",
         "pp": "Predictive probability", "bop2": "BOP2", "logrank": "One-sample log-rank",
         "exponential": "Exponential median", "cph": "Two-arm Cox"}
#: priors of the Bayesian designs
PRIORS = {
    "weak": "Beta(p0, 1 − p0): weak, centred on p0 (BOP2's prior)",
    "uniform": "Beta(1, 1): uniform",
    "map": "MAP prior from the studies of the current view (robustified)",
}
#: the planned trial's line, regimen and endpoint (the labels are TrialPlan's values)
PLAN_LINES = {"first": "first line", "later": "later line"}
PLAN_REGIMENS = {"combination": "combination", "monotherapy": "monotherapy"}
PLAN_ENDPOINTS = {"orr": "ORR", "dcr": "DCR", "pfs_rate": "PFS rate"}
#: Simon's error constraints on the attained α and β (the search's operator: findings.planner.CONSTRAINTS)
SIMON_CONSTRAINTS = {"le": "≤ (Simon 1989)", "lt": "< (clinfun)"}
#: the token of a typed p0, p1 or m0 (the other sources' tokens: :func:`source_tokens`)
TYPED = "typed"


def slug(text: object) -> str:
    """A stable lowercase URL token of a name from the data (letters, digits and ``-`` kept,
    other runs become ``_``).

    >>> slug("soft-tissue sarcoma"), slug("CI low"), slug("Osteosarcoma, Ewing")
    ('soft-tissue_sarcoma', 'ci_low', 'osteosarcoma_ewing')
    """
    return re.sub(r"[^a-z0-9-]+", "_", str(text).lower()).strip("_")


def source_tokens(keys: Sequence[str]) -> dict[str, str]:
    """URL token -> key of the planner's candidate sources of p0, p1 or m0 (in order): a pooled
    value's endpoint, scope and statistic joined by dots, a benchmark's id.

    >>> source_tokens(["ORR · current view · CI low", "benchmark · eortc62012-doxifo-orr", "geddis2017-doxorubicin"])
    {'orr.current_view.ci_low': 'ORR · current view · CI low', 'eortc62012-doxifo-orr': 'benchmark · eortc62012-doxifo-orr', 'geddis2017-doxorubicin': 'geddis2017-doxorubicin'}
    """
    out: dict[str, str] = {}
    for key in keys:
        parts = [p for p in str(key).split(" · ") if p.strip()]
        if len(parts) > 1 and parts[0] == "benchmark":
            parts = parts[1:]
        out.setdefault(".".join(slug(p) for p in parts) or slug(key), key)
    return out


def _tabs(key: str, labels: Mapping[str, str], aliases: tuple[str, ...] = ()) -> Control:
    return Control(key, dict(labels), next(iter(labels)), "tab", aliases=aliases)


def _data(key: str) -> Control:
    return Control(key, {}, (), "many")


#: URL key -> page control (tabs and chart-local choices of the pages; the view's own keys are
#: :data:`QUERY_KEYS`). Tokens are lowercase and stable; labels are what the widgets show.
CONTROLS: dict[str, Control] = {c.key: c for c in (
    # Pooled efficacy
    _tabs("ptab", {"forest": "Forest plot", "heterogeneity": "Heterogeneity & models",
                   "sensitivity": "Sensitivity", "small_study": "Small-study effects",
                   "methods": "Methods & literature"}),
    Control("group_by", dict(GROUP_BY), "none"),
    # Designs & subtypes
    _tabs("ctab", {"subgroups": "Subgroups", "metareg": "Meta-regression", "subtypes": "Subtypes",
                   "designs": "Design table"}),
    Control("by", {"design": "Design", "histology": "Histology", "regimen": "Regimen", "line": "Line",
                   "dose": "Dose", "timepoint": "Timepoint"}, "design"),
    Control("tau2_mode", {"separate": "separate", "common": "common"}, "separate"),
    Control("moderator", dict(MODERATORS), next(iter(MODERATORS))),
    # Safety (the tab key was ``stab``, which the Survival page also uses)
    _data("s_regimen"), _data("s_histology"), _data("s_design"),
    Control("s_reports", dict(REPORTS), _SELECTION.reports),
    Control("s_level", {f"{x:g}": text.level(x) for x in (0.9, 0.95, 0.99)}, "0.95"),
    _data("s_term"), _data("s_attr"),
    Control("s_grade", {"any": ANY_GRADE, "ge3": GRADE_3_PLUS}, (), "many"),
    _tabs("s_tab", {"table": "Table", "incidence": "Incidence by term", "forest": "Forest per term",
                    "methods": "Methods"}, aliases=("stab",)),
    # Appraisal & certainty (tab, palette, grouping, study shown; the GRADE question, read by
    # every page that states a certainty)
    _tabs("atab", {"rob": "Risk of bias", "appraisals": "Study appraisals",
                   "rob_pooling": "RoB-aware pooling", "grade": "Certainty (GRADE)", "methods": "Methods"}),
    Control("rob_cb", default=False, kind="flag"),
    Control("rob_group", default=False, kind="flag"),
    Control("appraised"),
    Control("p0_orr", default=100 * DEFAULT_THRESHOLDS["ORR"], kind="number", bounds=(0.0, 100.0)),
    Control("p0_dcr", kind="number", bounds=(0.0, 100.0)),
    Control("thr_pfs", kind="number", bounds=(0.0, 120.0)),
    Control("thr_os", kind="number", bounds=(0.0, 240.0)),
    Control("q_regimen", {"any": "any", "monotherapy": "monotherapy"}, "any"),
    _data("q_histology"),
    # Survival (tab; endpoints; subgroup rows; curve, crude points; pooled median: endpoint, method,
    # unstated intervals; milestones: endpoint, time, scale, unstated method; response measure)
    _tabs("stab", {"table": "Table & medians", "curves": "Approximate curves", "medians": "Pooled medians",
                   "milestones": "Pooled milestones", "response": "Response vs PFS"}),
    Control("endpoints", _SURVIVAL_ENDPOINTS, (), "many"),
    Control("subgroups", default=True, kind="flag"),
    Control("curve"),  # a study id and endpoint ("s01:PFS"), the data's own
    Control("crude", default=False, kind="flag"),
    Control("pool_endpoint", _SURVIVAL_ENDPOINTS),  # default: the first endpoint with data
    Control("pool_method", {m.lower(): m for m in POOL_METHODS}),  # default: the data's (page)
    Control("unstated", default=False, kind="flag"),
    Control("ms_endpoint", _SURVIVAL_ENDPOINTS),
    Control("ms_time"),  # months, the data's own ("6", "12")
    Control("ms_scale", {"cloglog": "cloglog", "logit": "logit"}, "cloglog"),
    Control("ms_unstated", default=True, kind="flag"),
    Control("response", {k.lower(): k for k in RESPONSES}, "orr"),
    # Trial planner (design; sources of p0, p1 and m0: source_tokens; tabs of the Simon and
    # Bayesian results; prior; the planned trial; the historical-control library, open or not)
    Control("plan", PLANS, "simon"),
    Control("p0_src", default=TYPED), Control("p1_src", default=TYPED), Control("m0_src", default=TYPED),
    _tabs("pl_tab", {"oc": "Operating characteristics", "en": "EN(p0) against n"}),
    _tabs("pl_btab", {"oc": "Operating characteristics", "ess": "Prior and ESS", "conflict": "Prior–data conflict"}),
    Control("dprior", PRIORS, "weak"),
    Control("pl_line", PLAN_LINES, "first"), Control("pl_reg", PLAN_REGIMENS, "combination"),
    Control("pl_hist", default="any"),  # a histology group of the data (slug)
    Control("pl_ep", PLAN_ENDPOINTS, "orr"),
    Control("pl_lib", default=False, kind="flag"),
    Control("constraint", SIMON_CONSTRAINTS, "le"),
    Control("pick", default="optimal"),  # the Simon design in the paragraph: optimal, minimax, admissible_n_25
    # Overview (regimens pooled) and Present & export (the figure shown)
    Control("scope", {"all": "All apatinib regimens", MONOTHERAPY: "Apatinib alone (monotherapy)"}, "all"),
    Control("slide", {"orr_forest": "ORR forest", "dcr_forest": "DCR forest", "rob": "Risk of bias",
                      "sof": "Certainty (SoF)", "agreement": "Method agreement", "subgroups": "By histology",
                      "survival": "Survival medians", "safety": "Adverse events", "design": "Sample size"},
            "orr_forest"),
)}

#: page controls a report's view holds too (``reports.view.View`` has a field of the same name):
#: the Appraisal page's colour-blind palette of the risk-of-bias figures
VIEW_CONTROLS = ("rob_cb",)


@dataclass(frozen=True, slots=True)
class Problem:
    """A key or value of a view that was not used, and what is shown instead (plain text)."""

    key: str
    value: str
    reason: str  # "this link asked for histology 'x', which is not in the data"
    showing: str = ""  # what is used instead: "all histologies"

    @property
    def message(self) -> str:
        """The reason and what is shown instead, as one sentence for the page."""
        return f"{self.reason}; {self.showing}." if self.showing else f"{self.reason}."

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class ParsedView:
    """What a view asks for; unpacks as ``selection, model, problems``."""

    selection: Selection = field(default_factory=Selection)
    model: Model = field(default_factory=Model)
    forest_sort: str = "year"
    design: Mapping[str, float] = field(default_factory=lambda: dict(DESIGN_DEFAULTS))
    #: the Appraisal page's colour-blind toggle (:data:`VIEW_CONTROLS`): the reports' RoB palette
    rob_cb: bool = CONTROLS["rob_cb"].default
    problems: tuple[Problem, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        yield self.selection
        yield self.model
        yield self.problems

    @property
    def ok(self) -> bool:
        return not self.problems

    def error(self) -> str:
        """All problems in one line, without the fallbacks (for ``ValueError`` and the CLI)."""
        return " ".join(p.reason[0].upper() + p.reason[1:] + "." for p in self.problems)


def cut(value: object, limit: int = VALUE_MAX) -> str:
    """``value`` as text of at most ``limit`` characters (``…`` marks a cut; newlines shown as spaces)."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def data_options(outcomes: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Values each filter key can take in ``outcomes`` (``EvidenceBase.outcomes_frame()``)."""
    return {key: tuple(filter_options(outcomes, col)) for key, col in FILTER_COLUMNS.items()}


def parse_view(
    query: str | Mapping[str, Any] | Sequence[tuple[str, str]] | None,
    *,
    options: Mapping[str, Sequence[str]] | None = None,
    source: str = "link",
) -> ParsedView:
    """Parse a view; every key or value that cannot be used becomes a :class:`Problem`.

    Parameters
    ----------
    query
        A URL query (``"a=1&b=2"``, with or without ``?``), a full app URL, a mapping of keys to a
        value or a list of values (``st.query_params``, a YAML view file), or ``(key, value)``
        pairs. With a repeated scalar key the last value wins, as in Streamlit; an empty value
        means the default.
    options
        Values each filter key (``histology``, ``design``, ``regimen``, ``line``) can take in the
        data (:func:`data_options`). Values outside them are problems and left out; when none is
        left the filter is off. ``None`` accepts every value.
    source
        The word for the view in messages (``"link"``, ``"view"``, ``"view file"``).

    Returns
    -------
    ParsedView
        Unpacks as ``selection, model, problems``; a problem's field keeps its default.
    """
    pairs = _pairs(query)
    problems: list[Problem] = []

    def problem(key: str, value: str, why: str, showing: str) -> None:
        problems.append(Problem(key, cut(value), f"this {source} asked for {key} '{cut(value)}', "
                                                 f"which {why}", f"showing {showing}"))

    values: dict[str, list[str]] = {}
    for key, value in pairs:
        k = ALIASES.get(key, key)
        if k in QUERY_KEYS or k in VIEW_CONTROLS:
            values.setdefault(k, []).append(value)
        elif k not in IGNORED_KEYS and k not in _CONTROL_KEYS:
            problems.append(Problem(cut(key), cut(value), f"this {source} has an unknown view key "
                                    f"'{cut(key)}'", "it was ignored"))

    sel: dict[str, Any] = {}
    mod: dict[str, Any] = {}
    sort = "year"
    design = dict(DESIGN_DEFAULTS)
    rob_cb = CONTROLS["rob_cb"].default
    for key, vals in values.items():
        if key in FILTER_KEYS:
            sel[key] = _filter(key, vals, options, problem)
            continue
        raw = vals[-1]
        v = raw.strip()
        if not v:
            continue
        if key == "endpoint":
            got = _lookup(v, ENDPOINTS)
            if got is None:
                problem(key, raw, f"is not one of {_names(ENDPOINTS)}", _SELECTION.endpoint)
            else:
                sel[key] = got
        elif key == "timepoint":
            got = _lookup(v, TIMEPOINTS)
            if got is None:
                problem(key, raw, f"is not one of {_names(TIMEPOINTS, labels=True)}",
                        TIMEPOINTS[_SELECTION.timepoint].lower())
            else:
                sel[key] = got
        elif key == "reports":
            got = _lookup(v, REPORTS)
            if got is None:
                problem(key, raw, f"is not one of {_names(REPORTS)}", REPORTS[_SELECTION.reports].lower())
            else:
                sel[key] = got
        elif key == "forest_sort":
            got = _lookup(v, SORTS)
            if got is None:
                problem(key, raw, f"is not one of {_names(SORTS)}", "the order by year")
            else:
                sort = got
        elif key == "rob_cb":  # a toggle: its tokens (Control.read), anything else is a problem
            if v.lower() not in _TRUE + _FALSE:
                problem(key, raw, "is not one of true or false",
                        f"robvis' {ROB_PALETTES[CONTROLS[key].default]} palette")
            else:
                rob_cb = CONTROLS[key].read([v])
        elif key in DESIGN_DEFAULTS:
            x = _float(v)
            if x is None or not 0 < x < 1:
                problem(key, raw, "is not a number in (0, 1)", f"{DESIGN_DEFAULTS[key]:g}")
            else:
                design[key] = x
        else:  # a Model field
            name = QUERY_KEYS[key]
            default = getattr(_MODEL, name)
            if name in CHOICES:
                got = parse_choice(name, v)
                if got is None:
                    problem(key, raw, f"is not one of {_names(CHOICES[name])}", str(default))
                else:
                    mod[name] = got
            elif name == "level":
                got = _pick_number(v, LEVELS, percent=True)
                if got is None:
                    problem(key, raw, f"is not one of {_names([f'{x:.0%}' for x in LEVELS])}",
                            f"{default:.0%}")
                else:
                    mod[name] = got
            else:  # prior_scale
                got = _pick_number(v.removeprefix("half-normal(").removesuffix(")"), PRIOR_SCALES)
                if got is None:
                    problem(key, raw, f"is not one of {_names([f'{x:.1f}' for x in PRIOR_SCALES])}",
                            f"{default:.1f}")
                else:
                    mod[name] = got
    _check_design(design, problem)
    return ParsedView(
        selection=replace(_SELECTION, **sel),
        model=replace(_MODEL, **mod),
        forest_sort=sort,
        design=design,
        rob_cb=rob_cb,
        problems=tuple(problems),
    )


def url_values(fields: Mapping[str, Any]) -> dict[str, list[str]]:
    """The one URL spelling of a view: each URL key of the given fields -> its values as tokens.

    ``fields`` maps field names (``endpoint``, ``ci_method``, ``histology``, ``forest_sort``,
    ``p0`` ...; those of :class:`ParsedView`'s selection, model and settings) to values. A value
    equal to its default gives ``[]`` (the key leaves the URL, as Streamlit's binding does); the
    others are stable lowercase tokens (``method=reml``, ``endpoint=dcr``, ``timepoint=week_12``,
    ``reports=all``, ``forest_sort=estimate``, ``level=0.9``, ``prior=1.0``), the filters their
    data values, repeated. :func:`parse_view` reads every one back to the same view. Used by the
    pages (after every interaction) and by ``python -m reports`` (``View.to_query``). A page
    control's key (:data:`CONTROLS`: ``ptab``, ``by``, ``s_grade`` ...) is written as its tokens
    (``by=histology``, ``ptab=sensitivity``, ``rob_group=true``), read back by
    :meth:`Control.read`.

    >>> url_values({"method": "PM", "ci_method": "hksj-adhoc", "timepoint": "week_12", "histology": ("A", "B")})
    {'timepoint': ['week_12'], 'histology': ['A', 'B'], 'method': ['pm'], 'ci': []}
    >>> url_values({"ptab": "Heterogeneity & models", "by": "design", "p0_orr": 15.0})
    {'ptab': ['heterogeneity'], 'by': [], 'p0_orr': ['15']}
    """
    defaults = {**{f: getattr(_SELECTION, f) for f in ("endpoint", "timepoint", "reports", *FILTER_KEYS)},
                **{f: getattr(_MODEL, f) for f in URL_KEYS}, "forest_sort": "year", **DESIGN_DEFAULTS}
    out: dict[str, list[str]] = {}
    for key, name in QUERY_KEYS.items():
        if name not in fields:
            continue
        value = fields[name]
        if key in FILTER_KEYS:
            out[key] = [str(v) for v in value or ()]
        elif value is None or value == defaults[name]:
            out[key] = []
        elif key == "level":
            out[key] = [f"{float(value):g}"]
        elif key == "prior":
            out[key] = [f"{float(value):.1f}"]  # the page's options are "0.5" and "1.0"
        elif key in DESIGN_DEFAULTS:
            out[key] = [repr(float(value))]
        else:  # vocabulary: endpoint, timepoint, reports, forest_sort and the Model choices
            out[key] = [url_token(str(value))]
    for key, value in fields.items():
        if key in CONTROLS:  # a page control: its tokens (Control.tokens)
            out[key] = CONTROLS[key].tokens(value)
    return out


def read_view_file(path: str | Path) -> Mapping[str, Any]:
    """The mapping of view keys in a YAML (or JSON) view file (``yaml.safe_load`` only)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({cut(exc, 200)}).") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: a view file must hold a mapping of view keys to values.")
    return data


# --------------------------------------------------------------------------------------------
_ALIASES = frozenset(a for c in CONTROLS.values() for a in c.aliases)
_CONTROL_KEYS = frozenset(CONTROLS) | _ALIASES


def _pairs(query: object) -> list[tuple[str, str]]:
    if query is None:
        return []
    if isinstance(query, str):
        q = query.strip()
        if "://" in q or q.startswith("/"):
            q = urlsplit(q).query
        return parse_qsl(q.lstrip("?"), keep_blank_values=True)
    if isinstance(query, Mapping):
        out: list[tuple[str, str]] = []
        for key, value in query.items():
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                out.extend((str(key), _scalar(v)) for v in value)
            else:
                out.append((str(key), _scalar(value)))
        return out
    if isinstance(query, Sequence):
        return [(str(k), _scalar(v)) for k, v in query]
    raise ValueError(f"a view must be a query string or a mapping (got {type(query).__name__}).")


def _scalar(v: object) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    return "" if v is None else str(v)


def _lookup(text: str, vocabulary: Mapping[str, str]) -> str | None:
    """The key of ``vocabulary`` spelled by ``text``: the key or its label, in any case."""
    low = text.strip().lower()
    for key, label in vocabulary.items():
        if low in (key.lower(), label.lower()):
            return key
    return None


def _names(vocabulary: Mapping[str, str] | Sequence[str], labels: bool = False) -> str:
    names = list(vocabulary.values() if labels and isinstance(vocabulary, Mapping) else vocabulary)
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"


def _float(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _pick_number(text: str, offered: Sequence[float], percent: bool = False) -> float | None:
    t = text.strip()
    x = _float(t[:-1]) / 100 if percent and t.endswith("%") and _float(t[:-1]) is not None else _float(t)
    if x is None:
        return None
    return next((o for o in offered if math.isclose(x, o)), None)


def _filter(key: str, vals: list[str], options, problem) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(v.strip() for v in vals if v.strip()))
    if options is None or key not in options:
        return chosen
    known = set(options[key])
    kept = tuple(v for v in chosen if v in known)
    for v in chosen:
        if v not in known:
            showing = ("the others" if kept else f"all {_FILTER_PLURAL[key]}")
            problem(key, v, "is not in the data", showing)
    return kept


def _check_design(design: dict[str, float], problem) -> None:
    if not design["p0"] < design["p1"]:
        problem("p1", f"{design['p1']:g}", f"is not above p0 ({design['p0']:g})",
                f"p0 {DESIGN_DEFAULTS['p0']:g} and p1 {DESIGN_DEFAULTS['p1']:g}")
        design["p0"], design["p1"] = DESIGN_DEFAULTS["p0"], DESIGN_DEFAULTS["p1"]
    if not design["alpha"] <= 0.5:
        problem("alpha", f"{design['alpha']:g}", "is above 0.5", f"{DESIGN_DEFAULTS['alpha']:g}")
        design["alpha"] = DESIGN_DEFAULTS["alpha"]
    if not design["power"] >= 0.5:
        problem("power", f"{design['power']:g}", "is below 0.5", f"{DESIGN_DEFAULTS['power']:g}")
        design["power"] = DESIGN_DEFAULTS["power"]


