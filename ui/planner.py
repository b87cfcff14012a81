"""Widgets and caches of the Trial planner page.

What is shown (evidence-sourced p0/p1 and their sentences, design tables, curves, the protocol
export) is built by :mod:`findings.planner`; this module keeps bounded ``st.cache_data`` wrappers
around :mod:`synthesis.design` and draws the inputs and results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from charts.design import (
    en_vs_n_figure,
    ess_weight_figure,
    oc_figure,
    power_figure,
    predictive_figure,
)
from evidence.benchmarks import BenchmarkLibrary, load_benchmarks
from evidence.selection import (
    Selection,
)
from findings import appraisal as FA
from findings import planner as FP
from findings import pooled
from findings import text as T
from reports.docx import build_protocol_docx
from synthesis.design.bayes import (
    BetaMixture,
    bop2_search,
    map_prior,
    posterior_search,
    pp_search,
    robustify,
)
from synthesis.design.simon import (
    SimonDesign,
    SimonResult,
    operating_characteristics,
    simon_two_stage,
)
from synthesis.design.single_stage import SingleStageResult, single_stage_exact
from synthesis.design.tte import (
    CPHDesign,
    ExponentialDesign,
    TTEDesign,
    exponential_median_test,
    one_sample_logrank,
    two_arm_cph,
)
from synthesis.spec import Model
from ui import analysis as A
from ui import appraisal as U
from ui.analysis import HASH_FUNCS, shared_figure
from ui.evidence_view import fit_columns
from ui.widgets import csv_download, plot

# --------------------------------------------------------------------------------------------
# evidence sources for p0 and p1


# --------------------------------------------------------------------------------------------
# tables (display strings; never "nan")


# --------------------------------------------------------------------------------------------
# power curves for the survival designs (same formulas as synthesis.design.tte)


# --------------------------------------------------------------------------------------------
# exports


# --------------------------------------------------------------------------------------------
# cached synthesis calls (bounded: keys are user input)
@st.cache_data(max_entries=32, show_spinner="Searching Simon designs…")
def cached_simon(p0: float, p1: float, alpha: float, beta: float, constraint: str, n_max: int | None) -> SimonResult:
    return simon_two_stage(p0, p1, alpha, beta, n_max=n_max, constraint=constraint)


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_sources(sel: Selection, model: Model, groups: tuple[str, ...], key: str, version: str) -> dict[str, FP.Source]:
    """:func:`FP.evidence_sources` of the evidence analysed now (``key`` = ``ui.analysis.data_key()``).

    ~75 ms of pooling and row selection (2 endpoints × every histology group) that a rerun of the
    planner would otherwise repeat whenever any planner input changes. Shared read-only (frozen
    sources, no copy per rerun): callers must not change the dict.
    """
    return FP.evidence_sources(A.evidence_frames().outcomes, sel, model,
                            lambda f: pooled.pool(f, model), groups=groups, version=version)


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def planned_sources(sel: Selection | None, model: Model | None, groups: tuple[str, ...], key: str, version: str,
                    trial: FP.TrialPlan) -> dict[str, FP.Source]:
    """The candidates for p0 and p1 — the pooled values of the view (none when ``sel`` is ``None``)
    and the historical controls — each compared with the planned trial (:func:`FP.with_plan`).

    ~90 sources re-compared on every rerun otherwise; shared read-only like :func:`cached_sources`.
    """
    pooled_ = cached_sources(sel, model, groups, key, version) if sel is not None and model is not None else {}
    return {k: FP.with_plan(s, trial) for k, s in {**pooled_, **cached_benchmark_sources()}.items()}


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_view_counts(sel: Selection, key: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """:func:`FP.view_counts` of the evidence analysed now (the MAP prior's data; ``key`` =
    ``ui.analysis.data_key()``): a row selection that every rerun of the planner would repeat."""
    return FP.view_counts(A.evidence_frames().outcomes, sel)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_simon_table(p0: float, p1: float, alpha: float, beta: float, constraint: str, n_max: int | None,
                       outcome: FP.Outcome) -> pd.DataFrame:
    """:func:`FP.simon_table` of :func:`cached_simon` (keyed by the search's inputs, not its result)."""
    return FP.simon_table(cached_simon(p0, p1, alpha, beta, constraint, n_max), outcome)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_oc_table(design: SimonDesign, rate: str) -> pd.DataFrame:
    """:func:`FP.oc_table` of one Simon design (exact OCs at ~10 response rates)."""
    return FP.oc_table(design, rate=rate)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_paragraph(design, src0: str, src1: str, which: str | int, endpoint: str, protocol: FP.Protocol,
                     outcome: FP.Outcome) -> str:
    """:func:`FP.paragraph_for` (a Simon paragraph recomputes the single-stage comparison)."""
    return FP.paragraph_for(design, src0, src1, which=which, endpoint=endpoint, protocol=protocol, outcome=outcome)


@st.cache_resource(max_entries=64, show_spinner=False)
def shared_oc_figure(named: tuple[tuple[str, SimonDesign], ...], p0: float, p1: float, alpha: float,
                     power: float, rate: str = "response rate"):
    """The operating-characteristics figure of these designs, built once and shared read-only.

    Built for every rerun it cost ~40 ms (plotly shape and annotation validation); it depends only
    on the designs and the error rates. Callers must not change the returned figure.
    """
    grid = FP.oc_grid(p0, p1)
    curves = {k: operating_characteristics(d, grid) for k, d in named}
    return shared_figure(oc_figure(curves, p0=p0, p1=p1, alpha=alpha, power=power, rate=rate))


@st.cache_data(max_entries=32, show_spinner=False)
def cached_single(p0: float, p1: float, alpha: float, beta: float) -> SingleStageResult:
    return single_stage_exact(p0, p1, alpha, beta)


@st.cache_data(max_entries=16, show_spinner="Computing EN(p0) at each n…")
def cached_per_n(p0: float, p1: float, alpha: float, beta: float, constraint: str, n_lo: int, n_hi: int) -> pd.DataFrame:
    return FP.per_n_designs(p0, p1, alpha, beta, constraint, n_lo, n_hi)


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

    p0: FP.Source
    p1: FP.Source
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
        if a.key != FP.TYPED and b.key != FP.TYPED and b.key.rsplit(" · ", 1)[0] == pool:
            stat = b.phrase.split(" of the pooled")[0] if " of the pooled" in b.phrase else "the pooled estimate"
            return a.phrase, f"{stat} of the same meta-analysis ({100 * b.value:.1f}%)"
        return a.phrase, b.phrase



def check_power(power: float) -> float:
    """Power in [0.5, 1), i.e. type II error in (0, 0.5] (ValueError otherwise)."""
    if not (math.isfinite(power) and 0.5 <= power < 1.0):
        raise ValueError(f"power ({power!r}) must be in [0.5, 1): the type II error 1 − power must be in (0, 0.5].")
    return power


def _rate_input(name: str, label: str, sources: dict[str, FP.Source], default: float, help_: str) -> FP.Source:
    opts = [FP.TYPED, *sources]
    src = st.selectbox(f"{label} from", opts, key=f"{name}_src", bind=BIND, help=help_) or FP.TYPED
    if src != FP.TYPED and src in sources:
        s = sources[src]
        st.markdown(f"**{name} = {s.value:.3f}**")
        return s
    value = st.number_input(name, min_value=0.0, max_value=1.0, value=default, step=0.01, format="%.3f",
                            key=name, bind=BIND)
    note = st.text_input(f"Source of {name}", key=f"{name}_note", bind=BIND,
                         placeholder="e.g. doxorubicin + ifosfamide in EORTC 62012")
    return FP.typed_source(float(value if value is not None else default), note or "")


def binary_inputs(sources: dict[str, FP.Source], simon: bool, rate: str = "response rate") -> Binary:
    c = st.columns(4)
    with c[0]:
        p0 = _rate_input("p0", f"Null {rate} p0", sources, 0.2,
                         "The response rate that is not worth pursuing (H0: p ≤ p0). Pick a pooled "
                         "value of the current view (sidebar) or type one and state its source.")
    with c[1]:
        p1 = _rate_input("p1", f"Target {rate} p1", sources, 0.4,
                         "The response rate that would make the treatment promising (H1: p ≥ p1).")
    alpha = c[2].number_input("One-sided α", min_value=0.0, max_value=1.0, value=0.05, step=0.01,
                              format="%.3f", key="alpha", bind=BIND, help="Type I error, in (0, 0.5].")
    power = c[3].number_input("Power (1 − β)", min_value=0.0, max_value=1.0, value=0.80, step=0.05,
                              format="%.2f", key="power", bind=BIND, help="In [0.5, 1).")
    constraint, n_max = "<=", None
    if simon:
        with c[2].popover("Search options", icon=":material/tune:"):
            con = st.radio("Error constraints: attained α, β", list(FP.CONSTRAINTS), key="constraint", bind=BIND)
            constraint = FP.CONSTRAINTS.get(con or "", "<=")
            nm = st.selectbox("Search bound on n", ["auto", "50", "100", "200", "500", "1000"], key="nmax",
                              bind=BIND, help="auto: the search proves the optimum (no bound binding). "
                              "A fixed bound reproduces clinfun's nmax and may truncate the optimum.")
            n_max = None if nm in (None, "auto") else int(nm)
    for name, s in (("p0", p0), ("p1", p1)):
        st.caption(f":material/source: {T.md(s.sentence(name))}")
        if s.provenance:
            st.caption(f":material/info: {T.md(s.provenance)}")
        if s.caveat(name):
            st.warning(T.md(s.caveat(name)), icon=":material/warning:")
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
    plot(fig, key=key)


def show_simon(res: SimonResult, table: pd.DataFrame, outcome: FP.Outcome = FP.RESPONSE,
               rate: str = "response rate") -> tuple[SimonDesign, str | int]:
    """Metrics, the designs ``table`` (:func:`cached_simon_table`), the design picked for the protocol
    with its rule, and the OC / EN(p0)-against-n tabs; returns the picked design and its ``which``."""
    c = st.columns(3)
    off = {"delta_color": "off", "delta_arrow": "off", "border": True}
    c[0].metric("Optimal (min EN(p0))", res.optimal.boundary(), f"EN(p0) = {res.optimal.en0:.1f} under H0",
                help="r1/n1, r/n: stop if ≤ r1 of n1 respond; promising if > r of n respond.", **off)
    c[1].metric("Minimax (min n)", res.minimax.boundary(), f"EN(p0) = {res.minimax.en0:.1f} under H0", **off)
    c[2].metric("Search", "proved" if res.proven_optimal else "bounded", f"n ≤ {res.n_searched_max} examined",
                help=res.note, **off)
    (st.caption if res.proven_optimal else st.warning)(res.note)
    st.dataframe(table, hide_index=True, column_config=fit_columns(table))
    csv_download(table, "simon_designs.csv", key="dl_simon_csv", label="Designs (CSV)")
    opts = FP.pick_options(res)
    pick = st.radio("Design for the protocol", list(opts), horizontal=True, key="pick", bind=BIND,
                    captions=[v.split(": ")[1] for v in opts.values()])
    design, which = FP.pick_design(res, pick or "optimal")
    st.markdown(f"**Rule ({design.kind}, {design.boundary()}).** {design.rule_text(outcome.plural, outcome.singular, outcome.noun)}")
    tabs = st.tabs(["Operating characteristics", "EN(p0) against n"], key="pl_tab", on_change="rerun", bind=BIND)
    if tabs[0].open is not False:
        with tabs[0]:
            named = {f"{d.kind} {d.boundary()}": d for d in (res.optimal, res.minimax, design)}
            _plot(shared_oc_figure(tuple(named.items()), res.p0, res.p1, res.alpha, res.power, rate), "pl_oc")
            st.caption(f"Operating characteristics of the {design.kind} design {design.boundary()}; "
                       "EN = expected number of patients at that true response rate.")
            st.dataframe(cached_oc_table(design, rate), hide_index=True)
    if tabs[1].open:
        with tabs[1]:
            per_n = cached_per_n(res.p0, res.p1, res.alpha, res.beta, res.constraint,
                                 res.minimax.n, res.optimal.n + 5)
            _plot(en_vs_n_figure(per_n, FP.named_points(res)), "pl_en")
            st.caption("Grey: the best design (smallest EN(p0)) at each maximum n, from the minimax n "
                       "to the optimal n + 5; admissible designs minimise q·n + (1 − q)·EN(p0) for "
                       "some weight q (Jung et al. 2004).")
    return design, which


def show_single(res: SingleStageResult, outcome: FP.Outcome = FP.RESPONSE, rate: str = "response rate") -> None:
    c = st.columns(4)
    c[0].metric("Patients n", res.n, border=True, help=res.reported)
    c[1].metric(f"Promising if {outcome.count} ≥", res.r, border=True)
    c[2].metric("Attained α", f"{res.alpha:.4f}", border=True)
    c[3].metric("Attained power", f"{res.power:.4f}", border=True)
    st.markdown(f"**Rule.** {res.rule_text(outcome.plural)}")
    gaps = ", ".join(str(n) for n in res.infeasible_between)
    st.caption(
        "Reported n: the smallest feasible n (A'Hern 2001). Power is not monotone in n"
        + (f": n = {gaps} do not meet both constraints; every n from {res.n_all_feasible_from} to "
           f"{res.horizon} does." if gaps else f"; here every n from {res.n} to {res.horizon} is feasible.")
    )
    st.dataframe(FP.feasible_table(res, outcome), hide_index=True)
    left, right = st.columns(2)
    with left:
        p = FP.oc_grid(res.p0, res.p1)
        _plot(oc_figure({f"single stage {res.r}/{res.n}": FP.single_oc(res, p)}, p0=res.p0, p1=res.p1,
                        alpha=res.alpha_nominal, power=1 - res.beta_nominal, rate=rate), "pl_single_oc")
    with right:
        curve = FP.single_stage_curve(res, max(1, res.n - 20), res.n + 20)
        _plot(power_figure(curve, n_design=res.n, power_target=1 - res.beta_nominal,
                           series=("power", "attained α"), title="Attained power and α against n"), "pl_single_pw")


def _num(col, label: str, key: str, value: float, lo: float | None, step: float, help_: str, fmt: str = "%.2f") -> float:
    v = col.number_input(label, min_value=lo, value=value, step=step, format=fmt, key=key, bind=BIND, help=help_)
    return float(value if v is None else v)


def _note(col, label: str, key: str, default: str) -> str:
    txt = col.text_input(label, key=key, bind=BIND, placeholder=default)
    return (txt or "").strip().rstrip(".") or default


@st.cache_data(max_entries=1, show_spinner=False)
def cached_median_sources() -> dict[str, FP.Source]:
    """The historical-control library's PFS medians as candidate m0 values (with citations)."""
    return FP.median_sources(load_benchmarks())


def _median_input(col, trial: FP.TrialPlan | None) -> FP.Source | None:
    """The reference median from the historical-control library (``None``: typed), with its
    indirectness for the planned trial."""
    meds = cached_median_sources()
    key = col.selectbox("Reference median m0 from", [FP.TYPED, *meds], key="m0_src", bind=BIND,
                        help="A median PFS of the historical-control library (weeks converted to "
                        "months), or a value typed below with its source.") or FP.TYPED
    if key in meds:
        col.markdown(f"**m0 = {T.num(meds[key].value)} months**")
        return FP.with_plan(meds[key], trial) if trial is not None else meds[key]
    return None


def survival_inputs(plan: str, trial: FP.TrialPlan | None = None) -> dict:
    """Widgets of the survival designs; returns the keyword values (time unit: months). A
    reference median m0 from the library comes back as ``out["m0_source"]`` (compared with
    ``trial``: GRADE indirectness beside it)."""
    c = st.columns(4)
    out: dict = {}
    m0_src = None
    if plan in FP.M0_PLANS:
        m0_src = _median_input(c[0], trial)
        out["m0"] = m0_src.value if m0_src else _num(c[0], "Reference median m0 (months)", "m0", 6.0, 0.0, 0.5,
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
    if m0_src is not None:  # a benchmark: its citation and printed text, and where it was read
        out["src0"], out["m0_source"] = m0_src.phrase, m0_src
        n0.caption(f":material/source: m0 = {T.num(m0_src.value)} months: {T.md(m0_src.phrase)}")
        if m0_src.provenance:
            n0.caption(f":material/info: {T.md(m0_src.provenance)}")
        if m0_src.caveat("m0"):
            n0.warning(T.md(m0_src.caveat("m0")), icon=":material/warning:")
    else:
        out["src0"] = _note(n0, f"Source of the {src0}", "m0_note",
                            "the value specified by the investigators (source not stated)")
    out["src1"] = _note(n1, f"Source of the {src1}", "hr_note",
                        "the effect the investigators consider clinically worthwhile (source not stated)")
    return out


def protocol_inputs(plan: str, trial: FP.TrialPlan | None = None) -> FP.Protocol:
    """Regimen, assessment, non-evaluable fraction and (Simon) accrual pause, kept in the URL; the
    default assessment follows the planned endpoint (a PFS rate is assessed as progression)."""
    kind = trial.assessment_kind if trial is not None and plan in FP.BINARY else (
        "binary" if plan in FP.BINARY else "survival")
    c = st.columns([2.6, 2.6, 1.5, 2.1], vertical_alignment="bottom")
    typed = c[0].text_input("Treatment (regimen)", key="treatment", bind=BIND, placeholder=f"e.g. {FP.TREATMENT}",
                            help="Left empty, the paragraph shows a blank to fill; the example is never used.")
    treatment = FP.treatment_text(typed)
    assessment = _note(c[1], "Endpoint assessment", "assess", FP.ASSESSMENT[kind])
    what = "not evaluable" if plan in FP.BINARY else "lost to follow-up or not evaluable"
    drop = c[2].number_input("Not evaluable (%)", min_value=0.0, max_value=90.0, value=10.0, step=5.0,
                             format="%.0f", key="dropout", bind=BIND,
                             help=f"Expected percentage of enrolled patients {what}; the accrual "
                             "target is n / (1 − fraction), rounded up.")
    drop = 10.0 if drop is None else float(drop)
    pause = True
    if plan == "simon":
        pause = c[3].toggle("Pause accrual after stage 1", value=True, key="pause", bind=BIND,
                            help="Suspend accrual until the stage-1 responses have been assessed.")
    return FP.Protocol(treatment, assessment, drop / 100.0, bool(pause))


def survival_design(plan: str, v: dict):
    """The synthesis design for the survival inputs (ValueError on bad input)."""
    check_power(v["power"])
    if plan == "logrank":
        return cached_logrank(v["m0"], v["hr"], v["accrual"], v["follow"], v["shape"], v["alpha"], v["power"])
    if plan == "exponential":
        return cached_exponential(v["m0"], v["m1"], v["accrual"], v["follow"], v["alpha"], v["power"], bool(v["exact"]))
    return cached_cph(v["hr"], v["p_exp"], v["p_con"], v["power"], v["ratio"], v["alpha"])


def show_survival(d) -> None:
    n = d.n_total if isinstance(d, CPHDesign) else d.n
    ev = d.expected_events if isinstance(d, CPHDesign) else (
        d.events if isinstance(d, ExponentialDesign) else d.expected_events_h1)
    c = st.columns(3)
    c[0].metric("Patients", n, border=True)
    c[1].metric("Events" + (" required" if isinstance(d, ExponentialDesign) else " expected under H1"), f"{ev:.1f}", border=True)
    c[2].metric("Attained power", f"{d.power:.4f}", border=True)
    left, right = st.columns([2, 3])
    left.dataframe(FP.survival_summary(d), hide_index=True)
    curve = FP.cph_curve(d) if isinstance(d, CPHDesign) else (
        FP.exponential_curve(d) if isinstance(d, ExponentialDesign) else FP.logrank_curve(d))
    with right:
        _plot(power_figure(curve, n_design=n, power_target=d.power_target, x_title="Patients (total)"), "pl_surv_pw")


# --------------------------------------------------------------------------------------------
# Bayesian designs (posterior rule, predictive probability, BOP2)
@st.cache_data(max_entries=1, show_spinner=False)
def cached_benchmarks() -> BenchmarkLibrary:
    """The historical-control library (``data/benchmarks.yaml``)."""
    return load_benchmarks()


@st.cache_data(max_entries=1, show_spinner=False)
def cached_benchmark_sources() -> dict[str, FP.Source]:
    """The historical-control library as candidate p0/p1 values (with citations)."""
    return FP.benchmark_sources(cached_benchmarks())


@st.cache_data(max_entries=8, show_spinner=False)
def cached_benchmark_table(plan: FP.TrialPlan) -> pd.DataFrame:
    return FP.benchmark_table(load_benchmarks(), plan)


@st.cache_data(max_entries=1, show_spinner=False)
def cached_benchmark_notes() -> tuple[str, ...]:
    return FP.benchmark_notes(load_benchmarks())


def benchmark_library(plan: FP.TrialPlan) -> None:
    """The historical-control library for the planned trial: each benchmark with the option that
    picks it as p0 or p1, where it was read and how it differs from the plan."""
    box = st.expander("Historical controls: pick one as p0 or p1 by its option", icon=":material/history:",
                      key="pl_lib", bind=BIND)
    if not box.open:  # built and sent only when opened (a ~15 KB table on every rerun otherwise)
        return
    with box:
        df = cached_benchmark_table(plan)
        st.dataframe(df, hide_index=True, column_config=fit_columns(df))
        st.caption("Each value as printed in its source (abstract, or a report of the trial where the "
                   "stored abstract stops before its findings: see Read in and Note). Medians are "
                   "times, not rates: a median PFS is offered as the reference median m0 of the "
                   "one-sample log-rank and exponential designs, a median OS not at all. For the planned trial: how the "
                   "benchmark differs from the plan above (GRADE indirectness).")
        st.markdown("**Notes on provenance**")
        st.markdown("\n".join(f"- {T.md(n)}" for n in cached_benchmark_notes()))


@st.cache_data(max_entries=16, show_spinner="Computing the MAP prior (quadrature) and its beta-mixture fit…")
def cached_map(events: tuple[int, ...], totals: tuple[int, ...], tau_scale: float) -> tuple[BetaMixture, dict]:
    """The MAP prior's beta-mixture approximation and its summary (mean, sd, 95% interval)."""
    mp = map_prior(events, totals, tau_scale=tau_scale)
    lo, hi = mp.interval(0.95)
    return mp.mixture(), {"mean": mp.mean(), "sd": mp.sd(), "lo": lo, "hi": hi, "k": mp.k,
                          "n": int(sum(totals)), "tau": mp.tau_summary()["median"]}


@st.cache_data(max_entries=32, show_spinner="Searching the design…")
def cached_bayes(plan: str, prior: BetaMixture, p0: float, p1: float, alpha: float, beta: float,
                 c: float, nmax: int, n_looks: int, efficacy: bool):
    if plan == "posterior":
        return posterior_search(prior, p0, p1, c, alpha, beta)
    if plan == "pp":
        return pp_search(p0, p1, alpha, beta, prior=prior, n_range=(10, nmax), step=5)
    looks = tuple(int(round(nmax * (i + 1) / n_looks)) for i in range(n_looks))
    return bop2_search(p0, p1, looks, alpha, efficacy=efficacy, prior=prior)


@dataclass(frozen=True, slots=True)
class BayesInputs:
    prior: BetaMixture
    prior_source: str
    c: float
    nmax: int
    n_looks: int
    efficacy: bool
    map_summary: dict | None


def bayes_inputs(plan: str, p0: float, studies: tuple[tuple[int, ...], tuple[int, ...]] | None) -> BayesInputs:
    """Prior and design options of the Bayesian designs (kept in the URL)."""
    c = st.columns(4)
    opts = [k for k in FP.PRIORS if k != "map" or studies]
    key = c[0].selectbox("Prior", opts, format_func=FP.PRIORS.get, key="dprior", bind=BIND,
                         help="MAP: meta-analytic-predictive prior of a new study's rate from the studies "
                         "of the current view (binomial–normal model, HalfNormal(1) on τ), robustified.") or "weak"
    summary = None
    if key == "map" and studies:
        w = _num(c[1], "Robust weight", "robw", 0.2, 0.0, 0.05, "Weight of the Beta(1, 1) component "
                 "(RBesT robustify, mean 1/2).")
        mix, summary = cached_map(studies[0], studies[1], 1.0)
        prior = robustify(mix, weight=min(max(w, 0.0), 1.0))
        src = (f"MAP prior from {summary['k']} studies ({summary['n']} patients) of the current view, "
               f"mean {100 * summary['mean']:.1f}%, 95% interval {100 * summary['lo']:.1f}–"
               f"{100 * summary['hi']:.1f}%, robustified with weight {w:g} on Beta(1, 1)")
    elif key == "uniform":
        prior, src = BetaMixture([1.0], [1.0], [1.0]), "uniform prior"
    else:
        prior, src = BetaMixture([1.0], [p0], [1 - p0]), "weak prior centred on p0 with the weight of one patient"
    thr, nmax, looks, eff = 0.95, 40, 4, False
    if plan == "posterior":
        thr = _num(c[2], "Posterior threshold c", "pc", 0.95, 0.5, 0.01,
                   "Success if Pr(p > p0 | data) > c; n is the smallest meeting α and power.", "%.3f")
    elif plan == "pp":
        nmax = int(_num(c[2], "Largest N searched", "ppn", 60, 10, 5, "N from 10 to this; looks every 5 "
                        "patients from 10.", "%.0f"))
    else:
        nmax = int(_num(c[2], "Maximum sample size N", "bn", 40, 4, 1, "", "%.0f"))
        looks = int(_num(c[3], "Number of analyses", "blooks", 4, 1, 1, "Equally spaced, the last at N.", "%.0f"))
        eff = c[1].toggle("Efficacy stops", key="beff", bind=BIND,
                          help="BOP2-FE: stop early for efficacy with the power-type cut-off 1 − (1 − λ)(n/N)^η (Xu et al. 2025).")
    return BayesInputs(prior, src, thr, nmax, looks, bool(eff), summary)


def show_bayes(design, inp: BayesInputs, p0: float, p1: float, alpha: float, power: float,
               rate: str = "response rate", count: str = "responses") -> tuple[tuple[str, pd.DataFrame], ...]:
    """Metrics, boundary table, OC table and figure, prior ESS and prior–data conflict tabs;
    returns the (name, table) pairs of the protocol section."""
    o0, o1 = design.oc(p0), design.oc(p1)
    c = st.columns(4)
    c[0].metric("Maximum n", o0.max_n, border=True, help=FP.design_label(design))
    c[1].metric("Expected n under p0", f"{o0.expected_n:.1f}", border=True)
    c[2].metric("P(promising | p0)", f"{o0.reject:.4f}", f"target ≤ {alpha:g}", delta_color="off",
                delta_arrow="off", border=True)
    c[3].metric("P(promising | p1)", f"{o1.reject:.4f}", f"target ≥ {power:g}", delta_color="off",
                delta_arrow="off", border=True)
    st.markdown(f"**{FP.design_label(design)}**, prior {FP.prior_label(design.prior)}.")
    if getattr(design, "ties", 1) > 1:
        st.caption(f"{design.ties} grid points give these boundaries (identical operating characteristics); "
                   "the smallest λ, γ, η are reported.")
    bt = FP.boundary_table(design, count)
    st.dataframe(bt, hide_index=True, column_config=fit_columns(bt))
    oc = FP.bayes_oc_table(design, p0, p1, rate=rate)
    d1, d2, d3, _ = st.columns([1, 1.3, 1.3, 1])
    with d1:
        csv_download(bt, "boundaries.csv", key="dl_bayes_bounds", label="Boundaries (CSV)")
    with d2:
        csv_download(oc, "operating_characteristics.csv", key="dl_bayes_oc", label="Operating characteristics (CSV)")
    d3.download_button("Reproduce in R (.R)", FP.r_script(design, p0, p1).encode("utf-8"), file_name="design.R",
                       mime="text/plain", key="dl_bayes_r", on_click="ignore", icon=":material/code:",
                       help="RBesT (posterior rule), ph2bye (predictive probability) or BOP2FE (BOP2).")
    tabs = st.tabs(["Operating characteristics", "Prior and ESS", "Prior–data conflict"], key="pl_btab",
                   on_change="rerun", bind=BIND)
    if tabs[0].open is not False:
        with tabs[0]:
            grid = FP.oc_grid(p0, p1)
            _plot(oc_figure({FP.design_label(design): operating_characteristics(design, grid)}, p0=p0, p1=p1,
                            alpha=alpha, power=power, rate=rate), "pl_boc")
            st.dataframe(oc, hide_index=True)
            st.caption("Exact: dynamic programming over the looks (no simulation).")
    if tabs[1].open:
        with tabs[1]:
            base = design.prior if inp.map_summary is None else BetaMixture(
                design.prior.weights[:-1], design.prior.a[:-1], design.prior.b[:-1])
            table = FP.ess_by_weight(base)
            w = design.prior.weights[-1] if inp.map_summary is not None else None
            _plot(ess_weight_figure(table, weight=w), "pl_ess")
            st.caption("ELIR (Neuenschwander et al. 2020; predictively consistent) and moment-matching ESS "
                       "of the prior robustified with a Beta(1, 1) component of the given weight.")
    if tabs[2].open:
        with tabs[2]:
            n = o0.max_n
            pt = FP.prior_predictive_table(design.prior, n, p0, p1)
            marks = {f"p0: {round(n * p0)}": round(n * p0), f"p1: {round(n * p1)}": round(n * p1),
                     f"promising ≥ {design.rule.efficacy[-1] if hasattr(design, 'rule') else design.r_success}":
                     design.rule.efficacy[-1] if hasattr(design, "rule") else design.r_success}
            _plot(predictive_figure(pt, n=n, marks=marks, count=count), "pl_conflict")
            y1 = round(n * p1)
            st.caption(f"Under the prior, {y1} or more {count} among {n} patients (the count expected under p1) "
                       f"has probability {float(pt['P(Y ≥ y)'].iloc[y1]):.3f}; a count far in either tail "
                       "would conflict with the prior, and a robust component limits its influence.")
            if inp.map_summary:
                s = inp.map_summary
                st.caption(f"MAP prior: mean {100 * s['mean']:.1f}%, sd {100 * s['sd']:.1f}%, 95% interval "
                           f"{100 * s['lo']:.1f}–{100 * s['hi']:.1f}% from {s['k']} studies; posterior median "
                           f"τ {s['tau']:.2f} (logit scale).")
    return (("Boundaries", bt), ("Operating characteristics", oc))


def bayes_text(design, inp: BayesInputs, p0s: FP.Source, p1s: FP.Source, alpha: float, power: float,
               protocol: FP.Protocol, src0: str, src1: str, trial: FP.TrialPlan,
               notes: tuple[str, ...] = ()) -> str:
    caveats = tuple(s.caveat(n) for n, s in (("p0", p0s), ("p1", p1s))) + tuple(notes)
    return FP.bayes_paragraph(design, p0=p0s.value, p1=p1s.value, alpha=alpha, power=power, p0_source=src0,
                              p1_source=src1, treatment=protocol.treatment, prior_source=inp.prior_source,
                              caveats=caveats, endpoint=trial.endpoint_name, outcome=trial.outcome(),
                              assessment=protocol.assessment, dropout=protocol.dropout)


@st.cache_data(max_entries=16, show_spinner="Designs across the CI…")
def cached_across(pairs: tuple[tuple[str, tuple[float, float]], ...], alpha: float, beta: float, plan: str,
                  con: str, outcome: FP.Outcome) -> FP.AcrossCI | None:
    return FP.across_pairs(pairs, alpha, beta, plan, con, outcome)


def ci_effect(inp: Binary, plan: str, trial: FP.TrialPlan) -> FP.AcrossCI | None:
    """How the design changes across the CI of the sources of p0 and p1 (an expander; the same
    table goes into the exports of the protocol section)."""
    pairs = tuple(FP.across_ci_pairs(inp.p0, inp.p1).items())
    if not pairs:  # typed values and most benchmarks: nothing to vary
        return None
    across = cached_across(pairs, inp.alpha, inp.beta, plan, inp.constraint, trial.outcome())
    if across is not None:
        with st.expander(across.title, icon=":material/straighten:"):
            st.dataframe(across.table, hide_index=True)
            st.caption(across.caption)
    return across


def certainty_notes(inp: Binary, trial: FP.TrialPlan | None, model: Model | None, key: str) -> tuple[str, ...]:
    """The GRADE certainty of the pooled evidence behind p0/p1 (rated against the planned trial,
    p0 as threshold), shown with a link to its row on the Appraisal & certainty page; returns
    the sentences for the paragraph (none for typed values and benchmarks)."""
    if model is None or trial is None:
        return ()
    pools: dict[tuple, list[tuple[str, FP.Source]]] = {}
    for name, s in (("p0", inp.p0), ("p1", inp.p1)):
        if s.selection is not None:
            pools.setdefault((s.selection, s.endpoint), []).append((name, s))
    notes = []
    for items in pools.values():
        src = items[0][1]
        got = U.planned_certainty(src, inp.p0.value, model, key)
        if got is None:
            continue
        g, res = got
        note = FP.certainty_note(" and ".join(n for n, _ in items),
                                 FA.certainty_sentence(src.endpoint, res, g.words, n=g.n), inp.p0.value)
        notes.append(note)
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.markdown(T.md(note))
        with c2:  # a link, not switch_page: the planner's own URL keys (pl_*) are bound to its widgets
            st.page_link("pages/appraisal.py", label="Open its certainty row", icon=":material/open_in_new:",
                         query_params=U.certainty_link(src, trial, inp.p0.value, model),
                         help="The Appraisal & certainty page with this pool, this plan and p0 as threshold.")
    return tuple(notes)


def plan_inputs(groups: tuple[str, ...], survival: bool = False) -> FP.TrialPlan:
    """The planned trial (line, regimen and partners, histology, endpoint), kept in the URL: p0 and
    p1 (or a survival design's m0) are compared with it (GRADE indirectness). A survival design's
    endpoint is the median PFS (no endpoint choice)."""
    d = FP.TrialPlan()
    c = st.columns([1.1, 1.4, 1.7, 1.9, 1.1, 0.9], vertical_alignment="bottom")
    line = c[0].selectbox("Line", FP.PLAN_LINES, key=FP.PLAN_URL_KEYS["line"], bind=BIND) or d.line
    reg = c[1].selectbox("Regimen", FP.PLAN_REGIMENS, key=FP.PLAN_URL_KEYS["regimen"], bind=BIND) or d.regimen
    partner = c[2].text_input("Partner drugs", key=FP.PLAN_URL_KEYS["partner"], bind=BIND, disabled=reg != "combination",
                              placeholder="e.g. doxorubicin and ifosfamide")
    hist = c[3].selectbox("Histology", ("any", *groups), key=FP.PLAN_URL_KEYS["histology"], bind=BIND,
                          help="A histology group of the evidence.") or "any"
    if survival:
        c[4].markdown(f"Endpoint: **{FP.MEDIAN_PFS}**")
        return FP.TrialPlan(line, reg, (partner or "").strip(), hist, FP.MEDIAN_PFS)
    ep = c[4].selectbox("Endpoint", FP.PLAN_ENDPOINTS, key=FP.PLAN_URL_KEYS["endpoint"], bind=BIND) or d.endpoint
    months = c[5].number_input("At month", min_value=0.5, max_value=60.0, value=d.months, step=0.5,
                               format="%.1f", key=FP.PLAN_URL_KEYS["months"], bind=BIND, disabled=ep != "PFS rate")
    return FP.TrialPlan(line, reg, (partner or "").strip(), hist, ep, float(months or d.months))


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_survival_across(plan: str, m0: FP.Source, v: tuple[tuple[str, object], ...]) -> FP.AcrossCI | None:
    values = dict(v)
    return FP.survival_across_ci(plan, m0, lambda m: survival_design(plan, {**values, "m0": m}))


def survival_ci_effect(plan: str, values: dict) -> FP.AcrossCI | None:
    """How a survival design changes across the printed CI of its m0's benchmark (an expander)."""
    m0 = values.get("m0_source")
    if plan not in FP.M0_PLANS or m0 is None:
        return None
    v = tuple((k, x) for k, x in values.items() if k not in ("m0_source", "src0", "src1"))
    across = cached_survival_across(plan, m0, v)
    if across is not None:
        with st.expander(across.title, icon=":material/straighten:"):
            st.dataframe(across.table, hide_index=True)
            st.caption(across.caption)
    else:
        st.caption(FP.NO_CI_M0)
    return across


def section_downloads(section: FP.ProtocolSection) -> None:
    """The protocol section as text, Markdown and Word, and its references as RIS and BibTeX."""
    c = st.columns([1.3, 1.6, 1.6, 1.35, 1.45])
    stem = section.stem
    c[0].download_button("Paragraph (.txt)", section.paragraph.encode("utf-8"), file_name=f"{stem}.txt",
                         mime="text/plain", key="dl_par_txt", on_click="ignore", icon=":material/download:")
    c[1].download_button("Paragraph + tables (.md)", lambda: section.markdown().encode("utf-8"), file_name=f"{stem}.md",
                         mime="text/markdown", key="dl_par_md", on_click="ignore", icon=":material/download:")
    c[2].download_button("Protocol section (.docx)", lambda: build_protocol_docx(section), file_name=f"{stem}.docx",
                         mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         key="dl_par_docx", on_click="ignore", icon=":material/download:")
    n = len(section.references)
    for col, fmt in zip(c[3:], ("RIS", "BibTeX"), strict=True):
        name, data, mime = section.reference_file(fmt)
        col.download_button(f"References ({fmt})", data, file_name=name, mime=mime, key=f"dl_par_{fmt.lower()}",
                            on_click="ignore", icon=":material/format_quote:", disabled=not n,
                            help=f"The {n} reference(s) of the section: methods, historical controls and "
                            "pooled studies cited for p0 and p1.")
