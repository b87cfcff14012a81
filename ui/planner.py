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

from charts.design import en_vs_n_figure, oc_figure, power_figure
from evidence.selection import (
    Selection,
)
from findings import planner as FP
from findings import pooled
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
from ui.analysis import HASH_FUNCS, shared_figure
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


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_sources(sel: Selection, model: Model, groups: tuple[str, ...], key: str, version: str) -> dict[str, FP.Source]:
    """:func:`FP.evidence_sources` of the evidence analysed now (``key`` = ``ui.analysis.data_key()``).

    ~75 ms of pooling and row selection (2 endpoints × every histology group) that a rerun of the
    planner would otherwise repeat whenever any planner input changes.
    """
    return FP.evidence_sources(A.evidence_frames().outcomes, sel, model,
                            lambda f: pooled.pool(f, model), groups=groups, version=version)


@st.cache_resource(max_entries=64, show_spinner=False)
def shared_oc_figure(named: tuple[tuple[str, SimonDesign], ...], p0: float, p1: float, alpha: float,
                     power: float):
    """The operating-characteristics figure of these designs, built once and shared read-only.

    Built for every rerun it cost ~40 ms (plotly shape and annotation validation); it depends only
    on the designs and the error rates. Callers must not change the returned figure.
    """
    grid = FP.oc_grid(p0, p1)
    curves = {k: operating_characteristics(d, grid) for k, d in named}
    return shared_figure(oc_figure(curves, p0=p0, p1=p1, alpha=alpha, power=power))


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

    @property
    def endpoint(self) -> str:
        eps = {s.endpoint for s in (self.p0, self.p1) if s.endpoint}
        return FP.ENDPOINT_NAMES[eps.pop()] if len(eps) == 1 else FP.ENDPOINT_NAMES["ORR"]


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


def binary_inputs(sources: dict[str, FP.Source], simon: bool) -> Binary:
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
            con = st.radio("Error constraints: attained α, β", list(FP.CONSTRAINTS), key="constraint", bind=BIND)
            constraint = FP.CONSTRAINTS.get(con or "", "<=")
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
    plot(fig, key=key)


def show_simon(res: SimonResult) -> tuple[SimonDesign, str | int]:
    c = st.columns(3)
    off = {"delta_color": "off", "delta_arrow": "off", "border": True}
    c[0].metric("Optimal (min EN(p0))", res.optimal.boundary(), f"EN(p0) = {res.optimal.en0:.1f} under H0",
                help="r1/n1, r/n: stop if ≤ r1 of n1 respond; promising if > r of n respond.", **off)
    c[1].metric("Minimax (min n)", res.minimax.boundary(), f"EN(p0) = {res.minimax.en0:.1f} under H0", **off)
    c[2].metric("Search", "proved" if res.proven_optimal else "bounded", f"n ≤ {res.n_searched_max} examined",
                help=res.note, **off)
    (st.caption if res.proven_optimal else st.warning)(res.note)
    table = FP.simon_table(res)
    st.dataframe(table, hide_index=True, column_config={"Rule": st.column_config.TextColumn(width="large")})
    csv_download(table, "simon_designs.csv", key="dl_simon_csv", label="Designs (CSV)")
    opts = FP.pick_options(res)
    pick = st.radio("Design for the protocol", list(opts), horizontal=True, key="pick", bind=BIND,
                    captions=[v.split(": ")[1] for v in opts.values()])
    design, which = FP.pick_design(res, pick or "optimal")
    st.markdown(f"**Rule ({design.kind}, {design.boundary()}).** {design.rule_text()}")
    tabs = st.tabs(["Operating characteristics", "EN(p0) against n"], key="pl_tab", on_change="rerun", bind=BIND)
    if tabs[0].open is not False:
        with tabs[0]:
            named = {f"{d.kind} {d.boundary()}": d for d in (res.optimal, res.minimax, design)}
            _plot(shared_oc_figure(tuple(named.items()), res.p0, res.p1, res.alpha, res.power), "pl_oc")
            st.caption(f"Operating characteristics of the {design.kind} design {design.boundary()}; "
                       "EN = expected number of patients at that true response rate.")
            st.dataframe(FP.oc_table(design), hide_index=True)
    if tabs[1].open:
        with tabs[1]:
            per_n = cached_per_n(res.p0, res.p1, res.alpha, res.beta, res.constraint,
                                 res.minimax.n, res.optimal.n + 5)
            _plot(en_vs_n_figure(per_n, FP.named_points(res)), "pl_en")
            st.caption("Grey: the best design (smallest EN(p0)) at each maximum n, from the minimax n "
                       "to the optimal n + 5; admissible designs minimise q·n + (1 − q)·EN(p0) for "
                       "some weight q (Jung et al. 2004).")
    return design, which


def show_single(res: SingleStageResult) -> None:
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
    st.dataframe(FP.feasible_table(res), hide_index=True)
    left, right = st.columns(2)
    with left:
        p = FP.oc_grid(res.p0, res.p1)
        _plot(oc_figure({f"single stage {res.r}/{res.n}": FP.single_oc(res, p)}, p0=res.p0, p1=res.p1,
                        alpha=res.alpha_nominal, power=1 - res.beta_nominal), "pl_single_oc")
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


def protocol_inputs(plan: str) -> FP.Protocol:
    """Regimen, assessment, non-evaluable fraction and (Simon) accrual pause, kept in the URL."""
    kind = "binary" if plan in ("simon", "single") else "survival"
    c = st.columns([2.6, 2.6, 1.5, 2.1], vertical_alignment="bottom")
    treatment = _note(c[0], "Treatment (regimen)", "treatment", FP.TREATMENT)
    assessment = _note(c[1], "Endpoint assessment", "assess", FP.ASSESSMENT[kind])
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
