"""Glue for the Trial planner page: evidence-sourced p0/p1, design tables, curves, exports.

Two layers in one module (as :mod:`ui.analysis`):

* pure helpers, no ``st`` call (unit-tested): :func:`evidence_sources` (every pooled estimate,
  CI and PI bound of the current view — and of each histology group — as a candidate p0/p1 with
  the sentence that says where it came from), :func:`simon_table`, :func:`oc_table`,
  :func:`per_n_designs`, the power-curve tables and :func:`markdown_export`;
* bounded ``st.cache_data`` wrappers around :mod:`synthesis.design` (``cached_*``).

Every design number comes from :mod:`synthesis.design`; this module only formats it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from evidence.selection import (
    ENDPOINTS,
    FILTER_COLUMNS,
    REPORTS,
    TIMEPOINTS,
    Selection,
    select_outcomes,
)
from findings import pooled
from synthesis.design.paragraph import protocol_paragraph
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
    exponential_median_test,
    one_sample_logrank,
    power_curve,
    two_arm_cph,
)
from synthesis.spec import Model
from synthesis.vocabulary import LABELS
from ui import analysis as A
from ui.analysis import HASH_FUNCS, shared_figure

#: design types (URL value -> label)
#: design types: key -> label (the label is the URL value, ``?plan=Single+stage``)
PLANS = {
    "simon": "Simon two-stage",
    "single": "Single stage",
    "logrank": "One-sample log-rank",
    "exponential": "Exponential median",
    "cph": "Two-arm Cox",
}
PLAN_KEYS = {v: k for k, v in PLANS.items()}
TYPED = "typed value"
CONSTRAINTS = {"≤ (Simon 1989)": "<=", "< (clinfun)": "<"}
STATS = ("est", "ci_low", "ci_high", "pi_low", "pi_high")
ENDPOINT_NAMES = {"ORR": "objective response rate (ORR)", "DCR": "disease control rate (DCR)"}
TIME_UNIT = "months"  # every survival input of the page is in months
#: the seed protocol's regimen and assessments (used when the inputs are left empty)
TREATMENT = "apatinib plus doxorubicin and ifosfamide"
ASSESSMENT = {
    "binary": "best overall response per RECIST 1.1 in evaluable patients",
    "survival": "progression per RECIST 1.1 or death from any cause, whichever occurs first",
}


@dataclass(frozen=True, slots=True)
class Protocol:
    """Protocol details of the paragraph: regimen, assessment, non-evaluable fraction, pause."""

    treatment: str = TREATMENT
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


# --------------------------------------------------------------------------------------------
# evidence sources for p0 and p1
@dataclass(frozen=True, slots=True)
class Source:
    """A candidate value for p0 or p1 and the phrase saying where it came from."""

    key: str  # "ORR · current view · CI low" (the option, also the URL value)
    label: str  # short option label
    value: float  # rounded to 0.001
    phrase: str  # noun phrase for the protocol paragraph ("the lower bound of ...")
    endpoint: str = "ORR"

    def sentence(self, name: str) -> str:
        """``"p0 = 0.199: the lower bound of ..."``."""
        return f"{name} = {self.value:.3f}: {self.phrase}"


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
    lvl = f"{result.level:.0%}"
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
    nums = f"pooled {_p(result.estimate)}, {lvl} CI {_p(result.ci_low)}–{_p(result.ci_high)}"
    if stat.startswith("pi"):
        nums += f", {lvl} PI {_p(result.pi_low)}–{_p(result.pi_high)}"
    tp = TIMEPOINTS[sel.timepoint].lower()
    return (
        f"{head} in this dashboard's meta-analysis ({nums}; {k} {'study' if k == 1 else 'studies'}, "
        f"{int(result.total_n)} patients; {model_phrase(model)}; {tp}; {REPORTS[sel.reports].lower()}"
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
            for stat in STATS:
                v = float(getattr(res, "estimate" if stat == "est" else stat, math.nan))
                if not math.isfinite(v) or not 0.0 < round(v, 3) < 1.0:
                    continue
                v = round(v, 3)
                name = {"est": "pooled", "ci_low": "CI low", "ci_high": "CI high",
                        "pi_low": "PI low", "pi_high": "PI high"}[stat]
                key = f"{ep} · {where} · {name}"
                out[key] = Source(
                    key, f"{key} = {v:.3f} (k = {int(res.k)})", v,
                    _phrase(stat, res, s, model, group, ep, version), ep,
                )
    return out


# --------------------------------------------------------------------------------------------
# tables (display strings; never "nan")
def _q(d: SimonDesign) -> str:
    if not (math.isfinite(d.q_low) and math.isfinite(d.q_high)):
        return "–"
    return f"{d.q_low:.3f}–{d.q_high:.3f}"


def simon_designs(res: SimonResult) -> list[SimonDesign]:
    """Minimax, admissible and optimal designs, once each, by increasing n."""
    seen: dict[tuple[int, int, int, int], SimonDesign] = {}
    for d in (*res.admissible, res.minimax, res.optimal):
        seen.setdefault((d.r1, d.n1, d.r, d.n), d)
    return sorted(seen.values(), key=lambda d: (d.n, d.n1))


def simon_table(res: SimonResult) -> pd.DataFrame:
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
            "Rule": d.rule_text(),
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


def oc_table(design: SimonDesign, *, step: float = 0.05) -> pd.DataFrame:
    """Operating characteristics at 5% steps around p0..p1 (and at p0, p1), display-ready."""
    lo, hi = max(0.0, design.p0 - 0.15), min(1.0, design.p1 + 0.25)
    g = np.round(np.arange(0.0, 1.0 + 1e-9, step), 6)
    g = np.unique(np.concatenate([g[(g >= lo - 1e-9) & (g <= hi + 1e-9)], [design.p0, design.p1]]))
    oc = operating_characteristics(design, g)
    mark = np.where(np.isclose(g, design.p0), "p0 (null)", np.where(np.isclose(g, design.p1), "p1 (alternative)", ""))
    return pd.DataFrame(
        {
            "True response rate": [f"{100 * v:.1f}%" for v in g],
            "Marker": mark,
            "PET (stop after stage 1)": oc["PET"].round(4),
            "P(declare promising)": oc["P(declare promising)"].round(4),
            "EN (patients)": oc["EN"].round(2),
        }
    )


def single_oc(res: SingleStageResult, p: np.ndarray) -> pd.DataFrame:
    """P(declare promising) = P(X >= r | n, p) of the single-stage design over ``p``."""
    return operating_characteristics(res, p)


def single_stage_curve(res: SingleStageResult, n_lo: int, n_hi: int) -> pd.DataFrame:
    """Attained α and power of the best cut-off at each n (the non-monotone saw-tooth)."""
    return attained_by_n(res, n_lo, n_hi)


def feasible_table(res: SingleStageResult) -> pd.DataFrame:
    df = res.to_frame()
    df.insert(2, "Rule", [f"promising if ≥ {r} of {n} respond" for n, r in zip(df["n"], df.iloc[:, 1], strict=True)])
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


# --------------------------------------------------------------------------------------------
# power curves for the survival designs (same formulas as synthesis.design.tte)
def logrank_curve(d: TTEDesign) -> pd.DataFrame:
    return power_curve(d, np.arange(max(2, d.n // 3), 2 * d.n + 1))


def exponential_curve(d: ExponentialDesign) -> pd.DataFrame:
    """Power against n: events = n · P(event) (Wald), or its integer part (exact χ²)."""
    return power_curve(d, np.arange(max(2, d.n // 3), 2 * d.n + 1))


def cph_curve(d: CPHDesign) -> pd.DataFrame:
    tot = d.n_total
    ns = np.arange(max(4, tot // 3), 2 * tot + 1, max(1, tot // 100))
    return power_curve(d, np.unique(np.append(ns, tot)))


# --------------------------------------------------------------------------------------------
# exports
def markdown_export(title: str, paragraph: str, inputs: list[tuple[str, str]], table: pd.DataFrame | None) -> str:
    """A Markdown document: the paragraph, every input with its source, and the design table."""
    lines = [f"# {title}", "", paragraph, "", "## Inputs", ""]
    lines += [f"- **{k}**: {v}" for k, v in inputs]
    if table is not None and not table.empty:
        cols = [str(c) or " " for c in table.columns]
        lines += ["", "## Designs", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for row in table.itertuples(index=False):
            lines.append("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |")
    return "\n".join(lines) + "\n"


def paragraph_for(
    result, p0_src: str, p1_src: str, which: str | int = "optimal", endpoint: str = "",
    protocol: Protocol | None = None,
) -> str:
    """``protocol_paragraph`` with the endpoint name only for binary designs and the protocol
    details (regimen, assessment, non-evaluable fraction, accrual pause; times in months)."""
    binary = isinstance(result, SimonResult | SingleStageResult)
    kw: dict = {"endpoint": endpoint} if endpoint and binary else {}
    if isinstance(result, SimonResult):
        kw["which"] = which
    if protocol is not None:
        kw |= {"treatment": protocol.treatment, "assessment": protocol.assessment, "dropout": protocol.dropout}
        if isinstance(result, SimonResult):
            kw["pause_accrual"] = protocol.pause_accrual
    if not binary:
        kw["time_unit"] = TIME_UNIT
    return protocol_paragraph(result, p0_source=p0_src, p1_source=p1_src, **kw)


# --------------------------------------------------------------------------------------------
# cached synthesis calls (bounded: keys are user input)
@st.cache_data(max_entries=32, show_spinner="Searching Simon designs…")
def cached_simon(p0: float, p1: float, alpha: float, beta: float, constraint: str, n_max: int | None) -> SimonResult:
    return simon_two_stage(p0, p1, alpha, beta, n_max=n_max, constraint=constraint)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_sources(sel: Selection, model: Model, groups: tuple[str, ...], key: str, version: str) -> dict[str, Source]:
    """:func:`evidence_sources` of the evidence analysed now (``key`` = ``ui.analysis.data_key()``).

    ~75 ms of pooling and row selection (2 endpoints × every histology group) that a rerun of the
    planner would otherwise repeat whenever any planner input changes.
    """
    return evidence_sources(A.evidence_frames().outcomes, sel, model,
                            lambda f: pooled.pool(f, model), groups=groups, version=version)


@st.cache_resource(max_entries=64, show_spinner=False)
def shared_oc_figure(named: tuple[tuple[str, SimonDesign], ...], p0: float, p1: float, alpha: float,
                     power: float):
    """The operating-characteristics figure of these designs, built once and shared read-only.

    Built for every rerun it cost ~40 ms (plotly shape and annotation validation); it depends only
    on the designs and the error rates. Callers must not change the returned figure.
    """
    from charts.design import oc_figure

    grid = oc_grid(p0, p1)
    curves = {k: operating_characteristics(d, grid) for k, d in named}
    return shared_figure(oc_figure(curves, p0=p0, p1=p1, alpha=alpha, power=power))


@st.cache_data(max_entries=32, show_spinner=False)
def cached_single(p0: float, p1: float, alpha: float, beta: float) -> SingleStageResult:
    return single_stage_exact(p0, p1, alpha, beta)


@st.cache_data(max_entries=16, show_spinner="Computing EN(p0) at each n…")
def cached_per_n(p0: float, p1: float, alpha: float, beta: float, constraint: str, n_lo: int, n_hi: int) -> pd.DataFrame:
    return per_n_designs(p0, p1, alpha, beta, constraint, n_lo, n_hi)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_logrank(m0: float, hr: float, accrual: float, follow: float, shape: float, alpha: float, power: float) -> TTEDesign:
    return one_sample_logrank(m0, hr, accrual, follow, shape=shape, alpha=alpha, power=power)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_exponential(m0: float, m1: float, accrual: float, follow: float, alpha: float, power: float, exact: bool) -> ExponentialDesign:
    return exponential_median_test(m0, m1, accrual, follow, alpha=alpha, power=power, exact=exact)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_cph(hr: float, p_exp: float, p_con: float, power: float, ratio: float, alpha: float) -> CPHDesign:
    return two_arm_cph(hr, p_exp, p_con, power=power, ratio=ratio, alpha=alpha)


# --------------------------------------------------------------------------------------------
# Streamlit rendering (inputs and results; the page only sequences these)
BIND = "query-params"
LAST = "_planner_last_design"


@dataclass(frozen=True, slots=True)
class Binary:
    """Inputs of a binary-endpoint design, with the source of p0 and p1."""

    p0: Source
    p1: Source
    alpha: float
    power: float
    constraint: str = "<="
    n_max: int | None = None

    @property
    def beta(self) -> float:
        return round(1.0 - self.power, 12)

    def phrases(self) -> tuple[str, str]:
        """Source phrases of p0 and p1; the second is shortened when both come from one pool."""
        a, b = self.p0, self.p1
        pool = a.key.rsplit(" · ", 1)[0]
        if a.key != TYPED and b.key != TYPED and b.key.rsplit(" · ", 1)[0] == pool:
            stat = b.phrase.split(" of the pooled")[0] if " of the pooled" in b.phrase else "the pooled estimate"
            return a.phrase, f"{stat} of the same meta-analysis ({100 * b.value:.1f}%)"
        return a.phrase, b.phrase

    @property
    def endpoint(self) -> str:
        eps = {s.endpoint for s in (self.p0, self.p1) if s.endpoint}
        return ENDPOINT_NAMES[eps.pop()] if len(eps) == 1 else ENDPOINT_NAMES["ORR"]


def check_power(power: float) -> float:
    """Power in [0.5, 1), i.e. type II error in (0, 0.5] (ValueError otherwise)."""
    if not (math.isfinite(power) and 0.5 <= power < 1.0):
        raise ValueError(f"power ({power!r}) must be in [0.5, 1): the type II error 1 − power must be in (0, 0.5].")
    return power


def _rate_input(name: str, label: str, sources: dict[str, Source], default: float, help_: str) -> Source:
    opts = [TYPED, *sources]
    src = st.selectbox(f"{label} from", opts, key=f"{name}_src", bind=BIND, help=help_) or TYPED
    if src != TYPED and src in sources:
        s = sources[src]
        st.markdown(f"**{name} = {s.value:.3f}**")
        return s
    value = st.number_input(name, min_value=0.0, max_value=1.0, value=default, step=0.01, format="%.3f",
                            key=name, bind=BIND)
    note = st.text_input(f"Source of {name}", key=f"{name}_note", bind=BIND,
                         placeholder="e.g. doxorubicin + ifosfamide in EORTC 62012")
    return typed_source(float(value if value is not None else default), note or "")


def binary_inputs(sources: dict[str, Source], simon: bool) -> Binary:
    c = st.columns(4)
    with c[0]:
        p0 = _rate_input("p0", "Null response rate p0", sources, 0.2,
                         "The response rate that is not worth pursuing (H0: p ≤ p0). Pick a pooled "
                         "value of the current view (sidebar) or type one and state its source.")
    with c[1]:
        p1 = _rate_input("p1", "Target response rate p1", sources, 0.4,
                         "The response rate that would make the treatment promising (H1: p ≥ p1).")
    alpha = c[2].number_input("One-sided α", min_value=0.0, max_value=1.0, value=0.05, step=0.01,
                              format="%.3f", key="alpha", bind=BIND, help="Type I error, in (0, 0.5].")
    power = c[3].number_input("Power (1 − β)", min_value=0.0, max_value=1.0, value=0.80, step=0.05,
                              format="%.2f", key="power", bind=BIND, help="In [0.5, 1).")
    constraint, n_max = "<=", None
    if simon:
        with c[2].popover("Search options", icon=":material/tune:"):
            con = st.radio("Error constraints: attained α, β", list(CONSTRAINTS), key="constraint", bind=BIND)
            constraint = CONSTRAINTS.get(con or "", "<=")
            nm = st.selectbox("Search bound on n", ["auto", "50", "100", "200", "500", "1000"], key="nmax",
                              bind=BIND, help="auto: the search proves the optimum (no bound binding). "
                              "A fixed bound reproduces clinfun's nmax and may truncate the optimum.")
            n_max = None if nm in (None, "auto") else int(nm)
    for name, s in (("p0", p0), ("p1", p1)):
        st.caption(f":material/source: {s.sentence(name)}")
    return Binary(p0, p1, float(alpha or 0.0), float(power or 0.0), constraint, n_max)


def invalid(exc: Exception) -> None:
    """Bad input: the message, and the design shown before is cleared (and named)."""
    st.error(f"No design for these inputs: {exc}", icon=":material/error:")
    last = st.session_state.get(LAST)
    st.info("No design is shown until the inputs are valid."
            + (f" The last valid design was {last}." if last else ""), icon=":material/info:")


def remember(text: str) -> None:
    st.session_state[LAST] = text


def _plot(fig, key: str) -> None:
    from ui.widgets import plot

    plot(fig, key=key)


def show_simon(res: SimonResult) -> tuple[SimonDesign, str | int]:
    from charts.design import en_vs_n_figure
    from ui.widgets import csv_download

    c = st.columns(3)
    off = {"delta_color": "off", "delta_arrow": "off", "border": True}
    c[0].metric("Optimal (min EN(p0))", res.optimal.boundary(), f"EN(p0) = {res.optimal.en0:.1f} under H0",
                help="r1/n1, r/n: stop if ≤ r1 of n1 respond; promising if > r of n respond.", **off)
    c[1].metric("Minimax (min n)", res.minimax.boundary(), f"EN(p0) = {res.minimax.en0:.1f} under H0", **off)
    c[2].metric("Search", "proved" if res.proven_optimal else "bounded", f"n ≤ {res.n_searched_max} examined",
                help=res.note, **off)
    (st.caption if res.proven_optimal else st.warning)(res.note)
    table = simon_table(res)
    st.dataframe(table, hide_index=True, column_config={"Rule": st.column_config.TextColumn(width="large")})
    csv_download(table, "simon_designs.csv", key="dl_simon_csv", label="Designs (CSV)")
    opts = pick_options(res)
    pick = st.radio("Design for the protocol", list(opts), horizontal=True, key="pick", bind=BIND,
                    captions=[v.split(": ")[1] for v in opts.values()])
    design, which = pick_design(res, pick or "optimal")
    st.markdown(f"**Rule ({design.kind}, {design.boundary()}).** {design.rule_text()}")
    tabs = st.tabs(["Operating characteristics", "EN(p0) against n"], key="pl_tab", on_change="rerun", bind=BIND)
    if tabs[0].open is not False:
        with tabs[0]:
            named = {f"{d.kind} {d.boundary()}": d for d in (res.optimal, res.minimax, design)}
            _plot(shared_oc_figure(tuple(named.items()), res.p0, res.p1, res.alpha, res.power), "pl_oc")
            st.caption(f"Operating characteristics of the {design.kind} design {design.boundary()}; "
                       "EN = expected number of patients at that true response rate.")
            st.dataframe(oc_table(design), hide_index=True)
    if tabs[1].open:
        with tabs[1]:
            per_n = cached_per_n(res.p0, res.p1, res.alpha, res.beta, res.constraint,
                                 res.minimax.n, res.optimal.n + 5)
            _plot(en_vs_n_figure(per_n, named_points(res)), "pl_en")
            st.caption("Grey: the best design (smallest EN(p0)) at each maximum n, from the minimax n "
                       "to the optimal n + 5; admissible designs minimise q·n + (1 − q)·EN(p0) for "
                       "some weight q (Jung et al. 2004).")
    return design, which


def show_single(res: SingleStageResult) -> None:
    from charts.design import oc_figure, power_figure

    c = st.columns(4)
    c[0].metric("Patients n", res.n, border=True, help=res.reported)
    c[1].metric("Promising if responses ≥", res.r, border=True)
    c[2].metric("Attained α", f"{res.alpha:.4f}", border=True)
    c[3].metric("Attained power", f"{res.power:.4f}", border=True)
    st.markdown(f"**Rule.** {res.rule_text()}")
    gaps = ", ".join(str(n) for n in res.infeasible_between)
    st.caption(
        "Reported n: the smallest feasible n (A'Hern 2001). Power is not monotone in n"
        + (f": n = {gaps} do not meet both constraints; every n from {res.n_all_feasible_from} to "
           f"{res.horizon} does." if gaps else f"; here every n from {res.n} to {res.horizon} is feasible.")
    )
    st.dataframe(feasible_table(res), hide_index=True)
    left, right = st.columns(2)
    with left:
        p = oc_grid(res.p0, res.p1)
        _plot(oc_figure({f"single stage {res.r}/{res.n}": single_oc(res, p)}, p0=res.p0, p1=res.p1,
                        alpha=res.alpha_nominal, power=1 - res.beta_nominal), "pl_single_oc")
    with right:
        curve = single_stage_curve(res, max(1, res.n - 20), res.n + 20)
        _plot(power_figure(curve, n_design=res.n, power_target=1 - res.beta_nominal,
                           series=("power", "attained α"), title="Attained power and α against n"), "pl_single_pw")


def _num(col, label: str, key: str, value: float, lo: float | None, step: float, help_: str, fmt: str = "%.2f") -> float:
    v = col.number_input(label, min_value=lo, value=value, step=step, format=fmt, key=key, bind=BIND, help=help_)
    return float(value if v is None else v)


def _note(col, label: str, key: str, default: str) -> str:
    txt = col.text_input(label, key=key, bind=BIND, placeholder=default)
    return (txt or "").strip().rstrip(".") or default


def survival_inputs(plan: str) -> dict:
    """Widgets of the survival designs; returns the keyword values (time unit: months)."""
    c = st.columns(4)
    out: dict = {}
    if plan in ("logrank", "exponential"):
        out["m0"] = _num(c[0], "Reference median m0 (months)", "m0", 6.0, 0.0, 0.5,
                         "Median PFS expected without the new treatment (historical control).")
    if plan == "logrank":
        out["hr"] = _num(c[1], "Hazard ratio under H1", "hr", 0.6, 0.0, 0.05, "δ < 1; S1 = S0^δ.")
        out["shape"] = _num(c[1], "Weibull shape", "shape", 1.0, 0.0, 0.1, "1 = exponential.")
    if plan == "exponential":
        out["m1"] = _num(c[1], "Target median m1 (months)", "m1", 9.0, 0.0, 0.5, "m1 > m0.")
        out["exact"] = c[1].toggle("Exact χ² test", key="exact", bind=BIND,
                                   help="Off: Wald test on the log rate (desmon surv1samp).")
    if plan in ("logrank", "exponential"):
        out["accrual"] = _num(c[2], "Accrual period (months)", "accrual", 24.0, 0.0, 1.0, "Uniform accrual.")
        out["follow"] = _num(c[2], "Follow-up after accrual (months)", "follow", 12.0, 0.0, 1.0, "")
    if plan == "cph":
        out["hr"] = _num(c[0], "Hazard ratio (experimental / control)", "hr", 0.6, 0.0, 0.05, "≠ 1.")
        out["ratio"] = _num(c[2], "Allocation ratio (exp : control)", "ratio", 1.0, 0.0, 0.5, "")
        out["p_con"] = _num(c[1], "P(event) control arm", "pcon", 0.8, 0.0, 0.05,
                            "Probability of a PFS event during the study, chemotherapy alone.", "%.3f")
        out["p_exp"] = _num(c[1], "P(event) experimental arm", "pexp", 0.7, 0.0, 0.05,
                            "Probability of a PFS event during the study, the combination.", "%.3f")
    a_label = "Two-sided α" if plan == "cph" else "One-sided α"
    out["alpha"] = _num(c[3], a_label, "alpha", 0.05, 0.0, 0.01, "Type I error.", "%.3f")
    out["power"] = _num(c[3], "Power (1 − β)", "power", 0.80, 0.0, 0.05, "In [0.5, 1).")
    src0 = {"cph": "control-arm event probability", "logrank": "reference median m0",
            "exponential": "reference median m0"}[plan]
    src1 = {"cph": "hazard ratio", "logrank": "hazard ratio", "exponential": "target median m1"}[plan]
    n0, n1 = st.columns(2)
    out["src0"] = _note(n0, f"Source of the {src0}", "m0_note",
                        "the value specified by the investigators (source not stated)")
    out["src1"] = _note(n1, f"Source of the {src1}", "hr_note",
                        "the effect the investigators consider clinically worthwhile (source not stated)")
    return out


def protocol_inputs(plan: str) -> Protocol:
    """Regimen, assessment, non-evaluable fraction and (Simon) accrual pause, kept in the URL."""
    kind = "binary" if plan in ("simon", "single") else "survival"
    c = st.columns([2.6, 2.6, 1.5, 2.1], vertical_alignment="bottom")
    treatment = _note(c[0], "Treatment (regimen)", "treatment", TREATMENT)
    assessment = _note(c[1], "Endpoint assessment", "assess", ASSESSMENT[kind])
    what = "not evaluable for response" if kind == "binary" else "lost to follow-up or not evaluable"
    drop = c[2].number_input("Not evaluable (%)", min_value=0.0, max_value=90.0, value=10.0, step=5.0,
                             format="%.0f", key="dropout", bind=BIND,
                             help=f"Expected percentage of enrolled patients {what}; the accrual "
                             "target is n / (1 − fraction), rounded up.")
    drop = 10.0 if drop is None else float(drop)
    pause = True
    if plan == "simon":
        pause = c[3].toggle("Pause accrual after stage 1", value=True, key="pause", bind=BIND,
                            help="Suspend accrual until the stage-1 responses have been assessed.")
    return Protocol(treatment, assessment, drop / 100.0, bool(pause))


def survival_design(plan: str, v: dict):
    """The synthesis design for the survival inputs (ValueError on bad input)."""
    check_power(v["power"])
    if plan == "logrank":
        return cached_logrank(v["m0"], v["hr"], v["accrual"], v["follow"], v["shape"], v["alpha"], v["power"])
    if plan == "exponential":
        return cached_exponential(v["m0"], v["m1"], v["accrual"], v["follow"], v["alpha"], v["power"], bool(v["exact"]))
    return cached_cph(v["hr"], v["p_exp"], v["p_con"], v["power"], v["ratio"], v["alpha"])


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


def show_survival(d) -> None:
    from charts.design import power_figure

    n = d.n_total if isinstance(d, CPHDesign) else d.n
    ev = d.expected_events if isinstance(d, CPHDesign) else (
        d.events if isinstance(d, ExponentialDesign) else d.expected_events_h1)
    c = st.columns(3)
    c[0].metric("Patients", n, border=True)
    c[1].metric("Events" + (" required" if isinstance(d, ExponentialDesign) else " expected under H1"), f"{ev:.1f}", border=True)
    c[2].metric("Attained power", f"{d.power:.4f}", border=True)
    left, right = st.columns([2, 3])
    left.dataframe(survival_summary(d), hide_index=True)
    curve = cph_curve(d) if isinstance(d, CPHDesign) else (
        exponential_curve(d) if isinstance(d, ExponentialDesign) else logrank_curve(d))
    with right:
        _plot(power_figure(curve, n_design=n, power_target=d.power_target, x_title="Patients (total)"), "pl_surv_pw")
