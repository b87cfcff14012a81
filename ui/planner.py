"""Widgets and caches of the Trial planner page.

What is shown (evidence-sourced p0/p1 and their sentences, the inputs of each design, design
tables, curves, captions, the protocol export) is built by :mod:`findings.planner` and, for the
Bayesian designs, :mod:`findings.planner_bayes`; this module keeps bounded ``st.cache_*``
wrappers around them and :mod:`synthesis.design`, and draws the inputs and results.
"""

from __future__ import annotations

from dataclasses import replace

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
from evidence.selection import Selection
from findings import appraisal as FA
from findings import planner as FP
from findings import planner_bayes as FB
from findings import planner_inputs as FI
from findings import pooled
from findings import query as Q
from findings import text as T
from reports.docx import build_protocol_docx
from synthesis.design.simon import (
    SimonDesign,
    SimonResult,
    operating_characteristics,
    simon_two_stage,
)
from synthesis.design.single_stage import SingleStageResult, single_stage_exact
from synthesis.spec import Model
from ui import analysis as A
from ui import appraisal as U
from ui import controls
from ui.analysis import HASH_FUNCS, shared_figure
from ui.evidence_view import fit_columns
from ui.widgets import csv_download, plot

# --------------------------------------------------------------------------------------------
# cached synthesis calls (bounded: keys are user input); small frozen inputs keyed by their full repr
PLAN_HASH = {**HASH_FUNCS, FP.Protocol: repr, FP.Outcome: repr, FP.TrialPlan: repr, SimonDesign: repr}


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


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=PLAN_HASH)
def planned_sources(sel: Selection | None, model: Model | None, groups: tuple[str, ...], key: str, version: str,
                    trial: FP.TrialPlan) -> dict[str, FP.Source]:
    """The candidates for p0 and p1 — the pooled values of the view (none when ``sel`` is ``None``)
    and the historical controls — each compared with the planned trial (:func:`FP.with_plan`).

    ~90 sources re-compared on every rerun otherwise; shared read-only like :func:`cached_sources`.
    """
    pooled_ = cached_sources(sel, model, groups, key, version) if sel is not None and model is not None else {}
    return {k: FP.with_plan(s, trial) for k, s in {**pooled_, **cached_benchmark_sources()}.items()}


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_view_counts(sel: Selection, key: str) -> FB.ViewCounts | None:
    """:func:`FB.view_counts` of the evidence analysed now (the MAP prior's data; ``key`` =
    ``ui.analysis.data_key()``): a row selection that every rerun of the planner would repeat."""
    return FB.view_counts(A.evidence_frames().outcomes, sel)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=PLAN_HASH)
def cached_simon_table(p0: float, p1: float, alpha: float, beta: float, constraint: str, n_max: int | None,
                       outcome: FP.Outcome) -> pd.DataFrame:
    """:func:`FP.simon_table` of :func:`cached_simon` (keyed by the search's inputs, not its result)."""
    return FP.simon_table(cached_simon(p0, p1, alpha, beta, constraint, n_max), outcome)


cached_oc_table = st.cache_data(max_entries=64, show_spinner=False, hash_funcs=PLAN_HASH)(FP.oc_table)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=PLAN_HASH)
def cached_paragraph(plan: str, key: tuple, src0: str, src1: str, protocol: FP.Protocol, which: str | int = "optimal",
                     endpoint: str = "", outcome: FP.Outcome = FP.RESPONSE) -> str:
    """:func:`FP.paragraph_for` of the design of ``plan`` with inputs ``key`` (``Binary.design_key``,
    ``FI.design_values``): keyed by them, not by the design (a Simon paragraph recomputes the single stage)."""
    design = cached_simon(*key) if plan == "simon" else cached_single(*key) if plan == "single" else cached_survival(plan, key)
    return FP.paragraph_for(design, src0, src1, which=which, endpoint=endpoint, protocol=protocol, outcome=outcome)


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=PLAN_HASH)
def shared_oc_figure(named: tuple[tuple[str, SimonDesign], ...], p0: float, p1: float, alpha: float,
                     power: float, rate: str = "response rate"):
    """The operating-characteristics figure of these designs, built once and shared read-only.

    Built for every rerun it cost ~40 ms (plotly shape and annotation validation); it depends only
    on the designs and the error rates. Callers must not change the returned figure.
    """
    grid = FP.oc_grid(p0, p1)
    curves = {k: operating_characteristics(d, grid) for k, d in named}
    return shared_figure(oc_figure(curves, p0=p0, p1=p1, alpha=alpha, power=power, rate=rate))


cached_single = st.cache_data(max_entries=32, show_spinner=False)(single_stage_exact)
cached_per_n = st.cache_data(max_entries=16, show_spinner="Computing EN(p0) at each n…")(FP.per_n_designs)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_survival(plan: str, values: tuple[tuple[str, float], ...]):
    """:func:`FI.survival_design` of the survival inputs (ValueError on bad input, not cached)."""
    return FI.survival_design(plan, dict(values))


# --------------------------------------------------------------------------------------------
# Streamlit rendering (inputs and results; the page only sequences these)
BIND = "query-params"
LAST = "_planner_last_design"


def _metrics(rows: tuple[FP.Metric, ...]) -> None:
    """One bordered metric a column; a delta line is context, never coloured."""
    for col, m in zip(st.columns(len(rows)), rows, strict=True):
        off = {"delta_color": "off", "delta_arrow": "off"} if m.delta else {}
        col.metric(m.label, m.value, m.delta, help=m.help, border=True, **off)


def _source_notes(box, name: str, s: FP.Source, shown: str) -> None:
    """Where a source of ``name`` comes from (``shown``), its provenance and its caveat."""
    box.caption(f":material/source: {shown}")
    if s.provenance:
        box.caption(f":material/info: {T.md(s.provenance)}")
    if s.caveat(name):
        box.warning(T.md(s.caveat(name)), icon=":material/warning:")


def _rate_input(col, f: FI.Field, sources: dict[str, FP.Source], rate: str) -> FP.Source:
    """p0 or p1 (:data:`FI.RATE_FIELDS`): a source of the view or the library, or a typed value with its source."""
    name, shown = f.name, {Q.TYPED: FP.TYPED, **Q.source_tokens(list(sources))}
    key = "p0_src" if name == "p0" else "p1_src"
    src = shown.get(controls.kept(col.selectbox, f"{f.label} {rate} {name} from", key, list(shown),
                                  format_func=shown.get, help=f.help) or Q.TYPED, FP.TYPED)
    if src != FP.TYPED and src in sources:
        col.markdown(f"**{name} = {sources[src].value:.3f}**")
        return sources[src]
    value = _num(col, replace(f, label=name, help=""))  # the help sits on the choice of source
    note = col.text_input(f"Source of {name}", key=f"{name}_note", bind=BIND, placeholder=FI.SOURCE_EXAMPLE)
    return FP.typed_source(value, note or "")


def binary_inputs(sources: dict[str, FP.Source], simon: bool, rate: str = "response rate") -> FI.Binary:
    c = st.columns(4)
    p0, p1 = (_rate_input(c[f.column], f, sources, rate) for f in FI.RATE_FIELDS)
    alpha, power = (_num(c[f.column], f) for f in FI.BINARY_ERRORS)
    constraint, n_max = "<=", None
    if simon:
        with c[2].popover("Search options", icon=":material/tune:"):
            con = controls.kept(st.radio, "Error constraints: attained α, β", "constraint")
            constraint = FP.CONSTRAINTS.get(con or "", "<=")
            nm = st.selectbox("Search bound on n", FI.SEARCH_BOUNDS, key="nmax", bind=BIND, help=FI.SEARCH_BOUND_HELP)
            n_max = FI.search_bound(nm)
    for name, s in (("p0", p0), ("p1", p1)):
        _source_notes(st, name, s, T.md(s.sentence(name)))
    return FI.Binary(p0, p1, alpha, power, constraint, n_max)


def invalid(exc: Exception) -> None:
    """Bad input: the message, and the design shown before is cleared (and named)."""
    st.error(f"No design for these inputs: {exc}", icon=":material/error:")
    st.info(FI.no_design_note(st.session_state.get(LAST)), icon=":material/info:")


def remember(text: str) -> None:
    st.session_state[LAST] = text


def show_simon(res: SimonResult, table: pd.DataFrame, outcome: FP.Outcome = FP.RESPONSE,
               rate: str = "response rate") -> tuple[SimonDesign, str | int]:
    """Metrics, the designs ``table`` (:func:`cached_simon_table`), the design picked for the protocol
    with its rule, and the OC / EN(p0)-against-n tabs; returns the picked design and its ``which``."""
    _metrics(FP.simon_metrics(res))
    (st.caption if res.proven_optimal else st.warning)(res.note)
    st.dataframe(table, hide_index=True, column_config=fit_columns(table))
    csv_download(table, "simon_designs.csv", key="dl_simon_csv", label="Designs (CSV)")
    opts = FP.pick_options(res)
    picks = {Q.slug(k): k for k in opts}  # admissible_n_25 -> "admissible n = 25"
    pick = controls.kept(st.radio, "Design for the protocol", "pick", list(picks), format_func=picks.get,
                         horizontal=True, captions=[v.split(": ")[1] for v in opts.values()])
    design, which = FP.pick_design(res, picks.get(pick, "optimal"))
    st.markdown(f"**Rule ({design.kind}, {design.boundary()}).** {design.rule_text(outcome.plural, outcome.singular, outcome.noun)}")
    tabs = controls.tabs("pl_tab")
    if tabs[0].open is not False:
        with tabs[0]:
            plot(shared_oc_figure(FP.oc_designs(res, design), res.p0, res.p1, res.alpha, res.power, rate), key="pl_oc")
            st.caption(FP.simon_oc_caption(design))
            st.dataframe(cached_oc_table(design, rate=rate), hide_index=True)
    if tabs[1].open:
        with tabs[1]:
            per_n = cached_per_n(*FP.per_n_args(res))
            plot(en_vs_n_figure(per_n, FP.named_points(res)), key="pl_en")
            st.caption(FP.EN_BY_N_CAPTION)
    return design, which


def show_single(res: SingleStageResult, outcome: FP.Outcome = FP.RESPONSE, rate: str = "response rate") -> None:
    _metrics(FP.single_metrics(res, outcome))
    st.markdown(f"**Rule.** {res.rule_text(outcome.plural)}")
    st.caption(FP.single_stage_note(res))
    st.dataframe(FP.feasible_table(res, outcome), hide_index=True)
    left, right = st.columns(2)
    with left:
        p = FP.oc_grid(res.p0, res.p1)
        plot(oc_figure({f"single stage {res.r}/{res.n}": FP.single_oc(res, p)}, p0=res.p0, p1=res.p1,
                       alpha=res.alpha_nominal, power=1 - res.beta_nominal, rate=rate), key="pl_single_oc")
    with right:
        curve = FP.single_stage_curve(res, max(1, res.n - 20), res.n + 20)
        plot(power_figure(curve, n_design=res.n, power_target=1 - res.beta_nominal,
                          series=("power", "attained α"), title="Attained power and α against n"), key="pl_single_pw")


def _num(col, f: FI.Field) -> float:
    v = col.number_input(f.label, min_value=f.lo, max_value=f.hi, value=f.default, step=f.step, format=f.fmt,
                         key=f.key, bind=BIND, help=f.help or None)
    return float(f.default if v is None else v)


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
    shown = {Q.TYPED: FP.TYPED, **Q.source_tokens(list(meds))}
    key = shown.get(controls.kept(col.selectbox, "Reference median m0 from", "m0_src", list(shown),
                                  format_func=shown.get, help=FI.M0_SOURCE_HELP) or Q.TYPED, FP.TYPED)
    if key in meds:
        col.markdown(f"**m0 = {T.num(meds[key].value)} months**")
        return FP.with_plan(meds[key], trial) if trial is not None else meds[key]
    return None


def survival_inputs(plan: str, trial: FP.TrialPlan | None = None) -> dict:
    """Widgets of the survival designs (:data:`FI.SURVIVAL_FIELDS`); returns the keyword values
    (time unit: months). A reference median m0 from the library comes back as
    ``out["m0_source"]`` (compared with ``trial``: GRADE indirectness beside it)."""
    c = st.columns(4)
    out: dict = {}
    m0_src = None
    if plan in FP.M0_PLANS:
        m0_src = _median_input(c[0], trial)
        out["m0"] = m0_src.value if m0_src else _num(c[0], FI.M0_FIELD)
    for f in FI.SURVIVAL_FIELDS[plan]:
        out[f.name] = (c[f.column].toggle(f.label, key=f.key, bind=BIND, help=f.help) if f.toggle
                       else _num(c[f.column], f))
    src0, src1 = FI.SURVIVAL_SOURCES[plan]
    n0, n1 = st.columns(2)
    if m0_src is not None:  # a benchmark: its citation and printed text, and where it was read
        out["src0"], out["m0_source"] = m0_src.phrase, m0_src
        _source_notes(n0, "m0", m0_src, f"m0 = {T.num(m0_src.value)} months: {T.md(m0_src.phrase)}")
    else:
        out["src0"] = _note(n0, f"Source of the {src0}", "m0_note", FI.UNSTATED_REFERENCE)
    out["src1"] = _note(n1, f"Source of the {src1}", "hr_note", FI.UNSTATED_EFFECT)
    return out


def protocol_inputs(plan: str, trial: FP.TrialPlan | None = None) -> FP.Protocol:
    """Regimen, assessment, non-evaluable fraction and (Simon) accrual pause, kept in the URL; the
    default assessment follows the planned endpoint (a PFS rate is assessed as progression)."""
    kind = FI.assessment_kind(plan, trial)
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


def show_survival(d) -> None:
    n, metrics, curve = FP.survival_headline(d)
    _metrics(metrics)
    left, right = st.columns([2, 3])
    left.dataframe(FP.survival_summary(d), hide_index=True)
    with right:
        plot(power_figure(curve, n_design=n, power_target=d.power_target, x_title="Patients (total)"), key="pl_surv_pw")


# --------------------------------------------------------------------------------------------
# the historical-control library
@st.cache_resource(max_entries=1, show_spinner=False)
def cached_benchmarks() -> BenchmarkLibrary:
    """The historical-control library (``data/benchmarks.yaml``; frozen, shared read-only)."""
    return load_benchmarks()


@st.cache_data(max_entries=1, show_spinner=False)
def cached_benchmark_sources() -> dict[str, FP.Source]:
    """The historical-control library as candidate p0/p1 values (with citations)."""
    return FP.benchmark_sources(cached_benchmarks())


@st.cache_data(max_entries=8, show_spinner=False)
def cached_benchmark_table(plan: FP.TrialPlan) -> pd.DataFrame:
    return FP.benchmark_table(load_benchmarks(), plan)


def benchmark_library(plan: FP.TrialPlan) -> None:
    """The historical-control library for the planned trial: each benchmark with the option that
    picks it as p0 or p1, where it was read and how it differs from the plan."""
    box = st.expander("Historical controls: pick one as p0 or p1 by its option", icon=":material/history:",
                      key=controls.linked("pl_lib"), on_change="rerun")
    controls.write_link({"pl_lib": box.open})
    if not box.open:  # built and sent only when opened (a ~15 KB table on every rerun otherwise)
        return
    with box:
        df = cached_benchmark_table(plan)
        st.dataframe(df, hide_index=True, column_config=fit_columns(df))
        st.caption(FP.BENCHMARK_CAPTION)
        st.markdown("**Notes on provenance**")
        st.markdown("\n".join(f"- {T.md(n)}" for n in FP.benchmark_notes(cached_benchmarks())))


# --------------------------------------------------------------------------------------------
# Bayesian designs (posterior rule, predictive probability, BOP2)
cached_map = st.cache_data(max_entries=16, show_spinner="Computing the MAP prior (quadrature) and its "
                           "beta-mixture fit…")(FB.map_mixture)
cached_bayes = st.cache_data(max_entries=32, show_spinner="Searching the design…")(FB.search_design)


def bayes_inputs(plan: str, p0: float, studies: FB.ViewCounts | None) -> FB.BayesInputs:
    """Prior and design options of the Bayesian designs (kept in the URL)."""
    c = st.columns(4)
    opts = [k for k in FB.PRIORS if k != "map" or studies]
    key = controls.kept(c[0].selectbox, "Prior", "dprior", opts, format_func=FB.PRIORS.get,
                        help="MAP: meta-analytic-predictive prior of a new study's rate from the studies "
                         "of the current view (binomial–normal model, HalfNormal(1) on τ), robustified.") or "weak"
    mp = cached_map(studies.events, studies.totals, 1.0, studies.study_ids) if key == "map" and studies else None
    w = _num(c[1], FB.ROBUST_WEIGHT) if mp else 0.2
    prior, src = FB.prior_choice(key, p0, mp, w)
    o = {f.name: _num(c[f.column], f) for f in FB.DESIGN_FIELDS[plan]}
    eff = plan == "bop2" and c[1].toggle("Efficacy stops", key="beff", bind=BIND, help="BOP2-FE: stop early for "
                                         "efficacy with the power-type cut-off 1 − (1 − λ)(n/N)^η (Xu et al. 2025).")
    return FB.BayesInputs(prior, src, o.get("c", 0.95), int(o.get("nmax", 40)), int(o.get("n_looks", 4)), bool(eff),
                          mp[1] if mp else None)


def show_bayes(design, inp: FB.BayesInputs, p0: float, p1: float, alpha: float, power: float,
               rate: str = "response rate", count: str = "responses") -> tuple[tuple[str, pd.DataFrame], ...]:
    """Metrics, boundary table, OC table and figure, prior ESS and prior–data conflict tabs;
    returns the (name, table) pairs of the protocol section."""
    _metrics(FB.bayes_metrics(design, p0, p1, alpha, power))
    st.markdown(f"**{FB.design_label(design)}**, prior {FB.prior_label(design.prior)}.")
    if FB.ties_note(design):
        st.caption(FB.ties_note(design))
    bt = FB.boundary_table(design, count)
    st.dataframe(bt, hide_index=True, column_config=fit_columns(bt))
    oc = FB.bayes_oc_table(design, p0, p1, rate=rate)
    d1, d2, d3, _ = st.columns([1, 1.3, 1.3, 1])
    with d1:
        csv_download(bt, "boundaries.csv", key="dl_bayes_bounds", label="Boundaries (CSV)")
    with d2:
        csv_download(oc, "operating_characteristics.csv", key="dl_bayes_oc", label="Operating characteristics (CSV)")
    d3.download_button("Reproduce in R (.R)", lambda: FB.r_script(design, p0, p1).encode("utf-8"), file_name="design.R",
                       mime="text/plain", key="dl_bayes_r", on_click="ignore", icon=":material/code:",
                       help="RBesT (posterior rule), ph2bye (predictive probability) or BOP2FE (BOP2).")
    tabs = controls.tabs("pl_btab")
    if tabs[0].open is not False:
        with tabs[0]:
            grid = FP.oc_grid(p0, p1)
            plot(oc_figure({FB.design_label(design): operating_characteristics(design, grid)}, p0=p0, p1=p1,
                           alpha=alpha, power=power, rate=rate), key="pl_boc")
            st.dataframe(oc, hide_index=True)
            st.caption(FB.OC_CAPTION)
    if tabs[1].open:
        with tabs[1]:
            table, w = FB.ess_view(design, robust=inp.map_summary is not None)
            plot(ess_weight_figure(table, weight=w), key="pl_ess")
            st.caption(FB.ESS_CAPTION)
    if tabs[2].open:
        with tabs[2]:
            pt, marks, caption = FB.conflict_view(design, p0, p1, count)
            plot(predictive_figure(pt, n=design.oc(p0).max_n, marks=marks, count=count), key="pl_conflict")
            st.caption(caption)
            if inp.map_summary:
                st.caption(inp.map_summary.caption())
    return (("Boundaries", bt), ("Operating characteristics", oc))


# --------------------------------------------------------------------------------------------
# the planned trial, the certainty behind p0/p1, the design across their CI, the downloads
cached_across = st.cache_data(max_entries=16, show_spinner="Designs across the CI…", hash_funcs=PLAN_HASH)(FP.across_pairs)


def _across(across: FP.AcrossCI) -> None:
    with st.expander(across.title, icon=":material/straighten:"):
        st.dataframe(across.table, hide_index=True)
        st.caption(across.caption)


def ci_effect(inp: FI.Binary, plan: str, trial: FP.TrialPlan) -> FP.AcrossCI | None:
    """How the design changes across the CI of the sources of p0 and p1 (an expander; the same
    table goes into the exports of the protocol section)."""
    pairs = tuple(FP.across_ci_pairs(inp.p0, inp.p1).items())
    if not pairs:  # typed values and most benchmarks: nothing to vary
        return None
    across = cached_across(pairs, inp.alpha, inp.beta, plan, inp.constraint, trial.outcome(),
                           FP.same_pool(inp.p0, inp.p1))
    if across is not None:
        _across(across)
    return across


def certainty_notes(inp: FI.Binary, trial: FP.TrialPlan | None, model: Model | None, key: str) -> tuple[str, ...]:
    """The GRADE certainty of the pooled evidence behind p0/p1 (rated against the planned trial,
    p0 as threshold), shown with a link to its row on the Appraisal & certainty page; returns
    the sentences for the paragraph (none for typed values and benchmarks)."""
    if model is None or trial is None:
        return ()
    notes = []
    for names, src in inp.certainty_pools():
        got = U.planned_certainty(src, inp.p0.value, model, key)
        if got is None:
            continue
        g, res = got
        note = FP.certainty_note(names, FA.certainty_sentence(src.endpoint, res, g.words, n=g.n), inp.p0.value)
        notes.append(note)
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.markdown(T.md(note))
        with c2:  # a link, not switch_page: the planner's own URL keys (pl_*) belong to its widgets
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
    line = Q.PLAN_LINES.get(controls.kept(c[0].selectbox, "Line", "pl_line"), d.line)
    reg = Q.PLAN_REGIMENS.get(controls.kept(c[1].selectbox, "Regimen", "pl_reg"), d.regimen)
    partner = c[2].text_input("Partner drugs", key=FP.PLAN_URL_KEYS["partner"], bind=BIND, disabled=reg != "combination",
                              placeholder="e.g. doxorubicin and ifosfamide")
    hists = {"any": "any", **{Q.slug(g): g for g in groups}}
    hist = hists.get(controls.kept(c[3].selectbox, "Histology", "pl_hist", list(hists), format_func=hists.get,
                                   help="A histology group of the evidence."), "any")
    if survival:
        c[4].markdown(f"Endpoint: **{FP.MEDIAN_PFS}**")
        return FP.TrialPlan(line, reg, (partner or "").strip(), hist, FP.MEDIAN_PFS)
    ep = Q.PLAN_ENDPOINTS.get(controls.kept(c[4].selectbox, "Endpoint", "pl_ep"), d.endpoint)
    months = c[5].number_input("At month", min_value=0.5, max_value=60.0, value=d.months, step=0.5,
                               format="%.1f", key=FP.PLAN_URL_KEYS["months"], bind=BIND, disabled=ep != "PFS rate")
    return FP.TrialPlan(line, reg, (partner or "").strip(), hist, ep, float(months or d.months))


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_survival_across(plan: str, m0: FP.Source, v: tuple[tuple[str, object], ...]) -> FP.AcrossCI | None:
    values = dict(v)
    return FP.survival_across_ci(plan, m0, lambda m: FI.survival_design(plan, {**values, "m0": m}))


def survival_ci_effect(plan: str, values: dict) -> FP.AcrossCI | None:
    """How a survival design changes across the printed CI of its m0's benchmark (an expander)."""
    m0 = values.get("m0_source")
    if plan not in FP.M0_PLANS or m0 is None:
        return None
    across = cached_survival_across(plan, m0, FI.design_values(values))
    if across is not None:
        _across(across)
    else:
        st.caption(FP.NO_CI_M0)
    return across


def section_downloads(section: FP.ProtocolSection) -> None:
    """The protocol section as text, Markdown and Word, and its references as RIS and BibTeX
    (each file but the paragraph is written only when its button is clicked)."""
    files = section.downloads(lambda: build_protocol_docx(section))
    for col, d in zip(st.columns([1.3, 1.6, 1.6, 1.35, 1.45]), files, strict=True):
        col.download_button(d.label, d.data, file_name=d.file_name, mime=d.mime, key=d.key, on_click="ignore",
                            icon=d.icon, help=d.help, disabled=d.disabled)
