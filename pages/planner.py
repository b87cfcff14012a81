"""Trial planner: a phase II sample size justified by the pooled evidence, with its protocol paragraph."""

from __future__ import annotations

import streamlit as st

from findings import planner as FP
from findings import planner_bayes as FB
from findings import planner_inputs as FI
from ui import analysis as A
from ui import controls
from ui import planner as P
from ui.bootstrap import route_through_app
from ui.userdata_state import active_evidence

route_through_app()

st.title("Trial planner")
st.caption(
    "Justify a phase II sample size from the evidence: take p0 and p1 from the pooled results of "
    "the current view (sidebar) or type them, choose a design, and copy the protocol paragraph. "
    "Every input is kept in the URL, so a link reproduces the design."
)

plan = controls.kept(
    st.segmented_control, "Design", "plan", required=True, help="Binary endpoint (response): Simon, exact single stage, or a Bayesian design "
    "(posterior rule, predictive probability, BOP2) with a prior that can borrow from the studies "
    "of the current view. Time to event "
    "(PFS): one-sample log-rank against a reference curve, exponential test of a median, or a "
    "randomised comparison with chemotherapy alone (Cox model).",
) or "simon"

sources: dict[str, FP.Source] = {}
F = A.evidence_frames() if plan in FP.BINARY or plan in FP.M0_PLANS else None
studies, groups, trial, model, pooled_sel = None, (), None, None, None
ev = active_evidence()
key, version = A.data_key(), ev.sha256 or ""
if F is not None and not F.outcomes.empty:
    groups = tuple(sorted((g for g in A.cached_options("histology_group", key) if g not in ("mixed", A.MISSING)),
                          key=lambda g: (g not in ("soft-tissue sarcoma", "osteosarcoma"), g)))
if plan in FP.BINARY and F is not None and not F.outcomes.empty:
    sel = controls.selection_controls(F.outcomes, endpoint=False)
    model = controls.model_controls()
    try:
        P.cached_sources(sel, model, groups, key, version)
        studies, pooled_sel = P.cached_view_counts(sel, key), sel
    except ValueError as exc:
        st.warning(f"Pooled values are unavailable for this view: {exc}")
elif plan in FP.BINARY and F is not None:
    st.warning("The evidence base has no outcome table: p0 and p1 can only be typed.")
if plan in FP.BINARY:
    st.markdown("**Planned trial**: where p0 or p1 comes from other settings, the planner says so (GRADE indirectness).")
    trial = P.plan_inputs(groups)
    P.benchmark_library(trial)
    sources = P.planned_sources(pooled_sel, model, groups, key, version, trial)  # pooled + historical controls

design = which = across = None
cited: tuple[FP.Source, ...] = ()
if plan in FP.BAYES:
    inp = P.binary_inputs(sources, simon=False, rate=trial.rate_label)
    binp = P.bayes_inputs(plan, inp.p0.value, studies)
    try:
        FI.check_power(inp.power)
        design = P.cached_bayes(plan, binp.prior, inp.p0.value, inp.p1.value, inp.alpha, inp.beta, binp.c,
                                binp.nmax, binp.n_looks, binp.efficacy)
    except ValueError as exc:
        P.invalid(exc)
        st.stop()
    st.subheader("Design")
    (src0, src1), cited = inp.phrases(), (inp.p0, inp.p1)
    tables = P.show_bayes(design, binp, inp.p0.value, inp.p1.value, inp.alpha, inp.power, trial.rate_label,
                          trial.outcome().count)
    across = P.ci_effect(inp, plan, trial)
    label = f"{FB.design_label(design)} (p0 = {inp.p0.value:.3f}, p1 = {inp.p1.value:.3f})"
    inputs = [("p0", inp.p0.sentence("p0")), ("p1", inp.p1.sentence("p1")), ("Prior", binp.prior_source),
              ("One-sided alpha", f"{inp.alpha:g}"), ("Power", f"{inp.power:g}")]
elif plan in ("simon", "single"):
    inp = P.binary_inputs(sources, simon=plan == "simon", rate=trial.rate_label)
    if inp.p0.endpoint and inp.p1.endpoint and inp.p0.endpoint != inp.p1.endpoint:
        st.warning("p0 and p1 come from different endpoints (ORR and DCR).", icon=":material/warning:")
    try:
        FI.check_power(inp.power)
        if plan == "simon":
            design = P.cached_simon(*inp.design_key(plan))
        else:
            design = P.cached_single(*inp.design_key(plan))
    except ValueError as exc:
        P.invalid(exc)
        st.stop()
    st.subheader("Design")
    (src0, src1), cited = inp.phrases(), (inp.p0, inp.p1)
    if plan == "simon":
        table = P.cached_simon_table(*inp.design_key(plan), trial.outcome())
        chosen, which = P.show_simon(design, table, trial.outcome(), trial.rate_label)
        tables = (("Designs", table), ("Operating characteristics", P.cached_oc_table(chosen, rate=trial.rate_label)))
        label = f"Simon {chosen.kind} {chosen.boundary()}"
    else:
        P.show_single(design, trial.outcome(), trial.rate_label)
        tables = (("Feasible designs", FP.feasible_table(design, trial.outcome())),)
        label = f"exact single stage, {design.r}/{design.n}"
    across = P.ci_effect(inp, plan, trial)
    label += f" (p0 = {inp.p0.value:.3f}, p1 = {inp.p1.value:.3f}, α = {inp.alpha:g}, power = {inp.power:g})"
    inputs = [("p0", inp.p0.sentence("p0")), ("p1", inp.p1.sentence("p1")),
              ("One-sided alpha", f"{inp.alpha:g}"), ("Power", f"{inp.power:g}")]
else:
    if plan in FP.M0_PLANS:
        st.markdown("**Planned trial**: where m0 comes from another setting, the planner says so (GRADE indirectness).")
        trial = P.plan_inputs(groups, survival=True)
    else:
        st.caption(FP.CPH_NO_PLAN)
    values = P.survival_inputs(plan, trial)
    try:
        design = P.cached_survival(plan, FI.design_values(values))
    except ValueError as exc:
        P.invalid(exc)
        st.stop()
    st.subheader("Design")
    P.show_survival(design)
    across = P.survival_ci_effect(plan, values)
    m0s = values.pop("m0_source", None)
    cited = (m0s,) if m0s is not None else ()
    src0, src1 = values["src0"], values["src1"]
    tables = (("Design", FP.survival_summary(design)),)
    n = design.n_total if plan == "cph" else design.n
    label = f"{FP.PLANS[plan]}, n = {n}"
    inputs = [(k, str(v)) for k, v in values.items() if k not in ("src0", "src1", "m0_source")]
    inputs += [("Source of the reference value", src0), ("Source of the effect", src1)]

notes = P.certainty_notes(inp, trial, model, key) if plan in FP.BINARY else ()
P.remember(label)
st.subheader("Protocol paragraph")
proto = P.protocol_inputs(plan, trial)
inputs += proto.rows(plan == "simon") + ([("Planned trial", trial.phrase())] if trial else [])
try:
    if plan in FP.BAYES:
        text = FB.bayes_text(design, binp, inp.p0, inp.p1, inp.alpha, inp.power, proto, src0, src1, trial, notes)
    elif plan in ("simon", "single"):
        text = FP.add_caveats(P.cached_paragraph(plan, inp.design_key(plan), src0, src1, proto, which or "optimal",
                                                   trial.endpoint_name, trial.outcome()),
                              (inp.p0.caveat("p0"), inp.p1.caveat("p1"), *notes))
    else:
        text = FP.add_caveats(P.cached_paragraph(plan, FI.design_values(values), src0, src1, proto), tuple(s.caveat("m0") for s in cited))
except ValueError as exc:
    st.error(f"The paragraph cannot be written: {exc}")
    st.stop()
st.caption("Copy with the button at the top right of the box, or download it. EN(p0) is the expected "
           "sample size under the null hypothesis.")
st.code(text, language=None, wrap_lines=True)
section = FP.ProtocolSection(
    "Sample size justification", text, tuple(inputs), tables, across,
    FP.section_references(text, cited, ev, P.cached_benchmarks(),
                          binp.map_summary.study_ids if plan in FP.BAYES and binp.map_summary else ()))
P.section_downloads(section)
