"""Glue for the Appraisal & certainty page: second review, pooled outcomes, GRADE panel, planned trial.

The appraisal file and the GRADE question carried by the URL are read by :mod:`ui.certainty`.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from evidence import Problem
from evidence.appraisal import (
    Appraisals,
    attach_second_review,
    load_appraisals_from_bytes,
)
from findings import appraisal as FA
from findings import planner as FP
from findings import text
from findings.query import CONTROLS, url_values
from findings.safety import safety_view
from findings.text import md
from reports.view import View
from synthesis.grade import DOMAINS, RATINGS, RULES, Override
from ui import analysis as A
from ui import controls
from ui.certainty import THRESHOLD_KEYS, appraisals, current_inputs, overrides, set_overrides
from ui.userdata_state import active_evidence
from ui.userdata_view import problems_table
from ui.widgets import csv_download

#: session key of an uploaded second reviewer's appraisal (validated ``Appraisals``)
SECOND_KEY = "_second_review"
_UPLOAD_KEY = "second_up"


def _on_second_upload() -> None:
    up = st.session_state.get(_UPLOAD_KEY)
    if up is not None:
        st.session_state[SECOND_KEY] = load_appraisals_from_bytes(up.getvalue(), up.name)


def with_second(first: Appraisals) -> tuple[Appraisals, tuple[Problem, ...]]:
    """The appraisals with the uploaded second review attached (and its problems), or as loaded."""
    second = st.session_state.get(SECOND_KEY)
    if second is None:
        return first, ()
    return attach_second_review(first, second)


def second_review_panel(ap: Appraisals, problems: tuple[Problem, ...], labels: dict[str, str]) -> None:
    """Agreement of the two reviewers (or why not), the upload of a second reviewer's file with
    its named problems, and a blank template for that reviewer."""
    st.markdown("**Agreement of two reviewers (per item and Cohen's κ)**")
    agree = FA.reviewer_agreement(ap)
    if agree.empty:
        st.info(f"Cohen's κ: {FA.AGREEMENT_UNAVAILABLE}. Every judgement on this page is one "
                "reviewer's; upload a second reviewer's independent appraisal to compare them.",
                icon=":material/person:")
    else:
        st.dataframe(agree, hide_index=True, width="stretch")
        st.caption(md(FA.KAPPA_INTERVAL))
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    c1.file_uploader("Second reviewer's appraisal (YAML, the layout of the appraisal file)", type=["yaml", "yml"],
                     key=_UPLOAD_KEY, on_change=_on_second_upload,
                     help="Validated like the appraisal file: every item with its judgement, reason and "
                     "source. Kept for this session only; the first reviewer's judgements stay in use.")
    c2.download_button("Blank template for a second reviewer", FA.second_review_template(ap, labels).encode("utf-8"),
                       file_name="second_review_template.yaml", mime="application/x-yaml",
                       key="dl_second_tpl", on_click="ignore", icon=":material/download:")
    second = st.session_state.get(SECOND_KEY)
    if second is None:
        return
    n = sum(a.second is not None for a in ap.items)
    st.caption(md(f"Uploaded {second.file}: {text.count(len(second.items), 'valid study appraisal', 'valid study appraisals')}, "
                  f"{text.count(n, 'study', 'studies')} compared with the first reviewer."))
    if problems:
        st.warning(f"{text.count(len(problems), 'problem')} in the uploaded file (studies with an error are left out):",
                   icon=":material/warning:")
        problems_table(problems, key="second_problems")
    if st.button("Remove the second review", key="rm_second", icon=":material/delete:"):
        del st.session_state[SECOND_KEY]
        st.rerun()


def outcome_results(sel, model, key: str) -> dict[str, tuple[object, pd.DataFrame]]:
    """Pooled result and forest rows of each GRADE outcome for the current selection and model.

    ORR and DCR: the Pooled efficacy engine on the same filters; median PFS and OS: the Survival
    page's inverse-variance pooling of log medians. An outcome that cannot be pooled is left out.
    """
    out: dict[str, tuple[object, pd.DataFrame]] = {}
    for ep in ("ORR", "DCR"):
        s = replace(sel, endpoint=ep)
        if A.cached_selection(s, key).k == 0:
            continue
        try:
            view = A.pooled_view(s, model, key)
        except ValueError:
            continue
        out[ep] = (view.result, view.rows)
    frames = A.evidence_frames()
    for ep, name in (("PFS", "median PFS"), ("OS", "median OS")):
        res, rows = FA.median_rows(frames.survival, ep, sel.reports)
        if res is not None:
            out[name] = (res, rows)
    res, rows = FA.ae_grade3_rows(_safety(active_evidence(), sel.reports))
    if res is not None:
        out[FA.AE_GRADE3_OUTCOME] = (res, rows)
    return out


@st.cache_resource(max_entries=8, show_spinner=False)
def _safety_cached(path: str, sha: str | None, reports: str, _ev):
    return safety_view(_ev, reports=reports)


def _safety(ev, reports: str):
    return _safety_cached(str(getattr(ev, "path", "")), getattr(ev, "sha256", None), reports, ev)


def study_labels() -> dict[str, str]:
    """Study id -> label of the evidence analysed."""
    return {s.id: s.label for s in getattr(active_evidence(), "studies", ())}


KEEP = controls.PERSIST


def _threshold(box, label: str, key: str, step: float, fmt: str, **kw) -> float | None:
    """A decision threshold kept in the link (``findings.query.CONTROLS[key]``: bounds, default)."""
    lo, hi = CONTROLS[key].bounds
    value = box.number_input(label, min_value=lo, max_value=hi, step=step, format=fmt,
                             key=controls.linked(key), persist_state=KEEP, **kw)
    controls.write_link({key: value})
    return value


def _thresholds() -> dict[str, float | None]:
    c = st.columns(4)
    orr = _threshold(c[0], "ORR threshold p0 (%)", "p0_orr", 1.0, "%.0f",
                     help="The response rate below which apatinib would not be worth it for your "
                     "question. Default 20%, the Trial planner's default p0: set your own.")
    dcr = _threshold(c[1], "DCR threshold (%)", "p0_dcr", 1.0, "%.0f", value=None, placeholder="not set")
    pfs = _threshold(c[2], "Median PFS threshold (months)", "thr_pfs", 0.5, "%.1f", value=None,
                     placeholder="not set")
    os_ = _threshold(c[3], "Median OS threshold (months)", "thr_os", 0.5, "%.1f", value=None,
                     placeholder="not set")
    return {"ORR": None if orr is None else orr / 100, "DCR": None if dcr is None else dcr / 100,
            "median PFS": pfs, "median OS": os_}


def grade_panel(sel, model, key: str, ap: Appraisals) -> None:
    """Thresholds and question, the summary of findings, footnotes, sentences, profile, overrides."""
    ov, err = overrides()
    if err:
        st.warning(err, icon=":material/warning:")
    st.markdown("**Your question.** GRADE rates certainty against a decision threshold: set the "
                "value that would change your decision.")
    thresholds = _thresholds()
    q1, q2 = st.columns(2)
    regimen = q1.radio("Regimen asked about", list(CONTROLS["q_regimen"].choices), key=controls.linked("q_regimen"),
                       persist_state=KEEP, horizontal=True, help="Monotherapy: pooled combination or "
                       "mixed regimens are indirect evidence (indirectness).")
    opts = A.cached_options("histology_group", key)
    hist = q2.multiselect("Histology asked about", opts, key=controls.linked("q_histology", opts),
                          persist_state=KEEP, placeholder="Any sarcoma")
    controls.write_link({"q_regimen": regimen, "q_histology": hist})
    inputs = FA.GradeInputs(thresholds=thresholds, histology=tuple(hist), regimen=regimen, overrides=ov)
    results = outcome_results(sel, model, key)
    if not results:
        st.info("No outcome can be pooled for this selection.")
        return
    inputs = _with_plan(inputs, sel, model, key)
    grades = [FA.grade_outcome(o, r, rows, ap, inputs, transform=model.transform)
              for o, (r, rows) in results.items()]
    res_only = {o: r for o, (r, _) in results.items()}
    st.subheader("Summary of findings")
    sof = FA.sof_table(grades, res_only)
    st.dataframe(sof, hide_index=True, width="stretch")
    notes, _ = FA.footnotes(grades)
    for n in notes:
        st.caption(md(n))
    st.markdown("**Sentences for the text**")
    for g in grades:
        st.markdown(f"- {md(FA.certainty_sentence(g.outcome, res_only[g.outcome], g.words, n=g.n))}")
    prof = FA.profile_table(grades, res_only)
    with st.expander("Evidence profile (every domain, with the rule that proposed it)"):
        st.dataframe(prof, hide_index=True, width="stretch")
        for g in grades:
            st.dataframe(g.summary(), hide_index=True, width="stretch")
    a, b = st.columns(2)
    with a:
        csv_download(sof, "summary_of_findings.csv", key="dl_sof", label="Download summary of findings (CSV)")
    with b:
        csv_download(prof, "evidence_profile.csv", key="dl_profile", label="Download evidence profile (CSV)")
    st.subheader("Override a rating")
    with st.form("grade_override", clear_on_submit=True):
        c = st.columns([1, 1, 1, 3])
        outcome = c[0].selectbox("Outcome", list(results))
        domain = c[1].selectbox("Domain", list(DOMAINS))
        rating = c[2].selectbox("Rating", list(RATINGS))
        reason = c[3].text_input("Reason (printed in the footnotes)", max_chars=300)
        if st.form_submit_button("Apply override"):
            try:
                new = Override(domain, rating, reason)
            except ValueError as exc:
                st.error(md(str(exc)))
            else:
                ov.setdefault(outcome, {})[domain] = new
                set_overrides(ov)
                st.rerun()
    for outcome, doms in list(ov.items()):
        for domain, o in list(doms.items()):
            c1, c2 = st.columns([5, 1])
            c1.caption(md(f"{outcome}, {domain}: {o.rating} — {o.reason}"))
            if c2.button("Remove", key=f"rm_{outcome}_{domain}"):
                del ov[outcome][domain]
                set_overrides(ov)
                st.rerun()
    st.caption("Overrides travel in the link (URL key `grade`): copy the address to share them.")


def planned() -> tuple[tuple[FP.TrialPlan, str] | None, tuple[str, ...]]:
    """The planned trial carried by the link (from the Trial planner) and the outcome (ORR or
    DCR) that gave its p0/p1, or ``None``; plus what in the link could not be used."""
    qp = st.query_params
    plan, bad = FP.TrialPlan.from_query({k: qp.get(k) for k in FP.PLAN_LINK_KEYS.values() if k in qp})
    outcome = qp.get(FP.PLAN_OUTCOME_KEY)
    if plan is None or outcome is None:
        return None, bad
    if outcome not in ("ORR", "DCR"):
        return None, (*bad, f"{FP.PLAN_OUTCOME_KEY} {outcome[:20]!r} is not ORR or DCR; the plan is not applied")
    return (plan, outcome), bad


def apply_planner_view() -> None:
    """Before the page's controls are drawn: the pool of a planner's link (``trial_view``) is set
    on them once, and the key is removed (the controls then carry it in their own URL keys)."""
    raw = st.query_params.get(FP.PLAN_VIEW_KEY)
    if raw is None:
        return
    del st.query_params[FP.PLAN_VIEW_KEY]
    for p in controls.preset_view(raw):
        st.warning(md(f"The Trial planner's link: {p.message}"), icon=":material/link_off:")


def _clear_plan() -> None:
    for k in (*FP.PLAN_LINK_KEYS.values(), FP.PLAN_OUTCOME_KEY):
        if k in st.query_params:
            del st.query_params[k]


def _with_plan(inputs: FA.GradeInputs, sel, model, key: str) -> FA.GradeInputs:
    """Rate the indirectness of the outcome that gave p0/p1 against the planned trial in the
    link (the Trial planner's reasons for the same pooled studies), and say so."""
    got, bad = planned()
    for b in bad:
        st.warning(md(f"Planned trial in this link: {b}."), icon=":material/warning:")
    if got is None:
        return inputs
    plan, outcome = got
    try:
        frame = A.pooled_view(replace(sel, endpoint=outcome), model, key).selected.frame
    except ValueError:
        return inputs
    reasons = FP.pool_reasons(frame, plan, outcome)
    c1, c2 = st.columns([5, 1], vertical_alignment="center")
    c1.info(md(f"Planned trial from the Trial planner: {plan.phrase()}. {outcome} gave its p0/p1, so "
               f"{outcome}'s indirectness is rated against this plan (instead of the question above): "
               + ("; ".join(reasons) if reasons else "nothing differs") + "."), icon=":material/science:")
    c2.button("Clear the plan", key="clear_plan", on_click=_clear_plan, icon=":material/close:")
    return replace(inputs, planned={**inputs.planned, outcome: reasons})


def certainty_link(source: FP.Source, plan: FP.TrialPlan, p0: float, model) -> dict[str, list[str]]:
    """Query of the Appraisal & certainty page showing the certainty row of ``source``'s pooled
    evidence as the planner rates it: its selection and model (a view query under
    ``trial_view``, set on the page's controls by :func:`apply_planner_view`), the plan, the
    outcome it rates and p0 as that outcome's threshold."""
    sel = source.selection
    kw = {f: getattr(sel, f) for f in ("endpoint", "timepoint", "reports", "histology", "design", "regimen", "line")}
    kw |= {f: getattr(model, f) for f in ("method", "transform", "ci_method", "pi_method", "i2_definition",
                                           "level", "study_ci_method", "prior_scale")}
    out = {FP.PLAN_VIEW_KEY: [View(**kw).to_query()]} if View(**kw).to_query() else {}
    out |= {k: [v] for k, v in plan.to_query().items()}
    out[FP.PLAN_OUTCOME_KEY] = [source.endpoint]
    out |= url_values({THRESHOLD_KEYS[source.endpoint]: 100 * p0, "atab": "grade"})
    return out


def planned_certainty(source: FP.Source, p0: float, model, key: str):
    """``(assessment, result)`` of the pooled evidence behind a planner source, rated against its
    plan (indirectness: :func:`findings.planner.grade_reasons`) with p0 as the decision threshold
    and the link's other GRADE choices (overrides); ``None`` for a typed value or a benchmark."""
    if source.selection is None or source.endpoint not in FA.OUTCOMES:
        return None
    try:
        view = A.pooled_view(source.selection, model, key)
    except ValueError:
        return None
    base = current_inputs()
    inputs = replace(base, thresholds={**base.thresholds, source.endpoint: p0},
                     planned={source.endpoint: FP.grade_reasons(source)})
    return FA.grade_outcome(source.endpoint, view.result, view.rows, appraisals(), inputs,
                            transform=model.transform), view.result


def grade_methods() -> None:
    st.subheader("GRADE rules")
    for name, rule in RULES.items():
        st.markdown(f"- **{md(name)}**: {md(rule.format(ois=100))}")
