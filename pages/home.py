"""Overview: the clinician's answer on one screen, with a way in for every kind of user."""

from __future__ import annotations

import streamlit as st

from findings import review, text
from findings.pooled import model_caption
from findings.selection_notes import MONOTHERAPY
from ui import analysis as A
from ui import certainty, controls, safety_view, widgets
from ui.bootstrap import route_through_app
from ui.userdata_state import active_evidence

route_through_app()

st.title("Apatinib in advanced sarcoma")
st.markdown(
    "**What response rate can I expect from apatinib in my patient's sarcoma, how sure is that, "
    "and does it depend on the kind of study?**"
)

ev = active_evidence()
st.caption(text.md("Evidence base: " + review.evidence_summary(ev).sentence))
model, check_model = A.DEFAULT_MODEL, A.CHECK_MODEL
results = {}
scope = controls.kept(
    st.segmented_control, "Regimens pooled", "scope", required=True,
    help="All regimens pools apatinib alone, apatinib with chemotherapy and cohorts that mixed "
    "both (the Pooled efficacy default). Monotherapy keeps only cohorts treated with apatinib alone.",
) or "all"
regimen = (MONOTHERAPY,) if scope == MONOTHERAPY else ()
cols = st.columns(2)
key = A.data_key()
for col, endpoint in zip(cols, A.ENDPOINTS, strict=True):
    with col:
        view = A.headline(A.Selection(endpoint=endpoint, regimen=regimen), model, check_model, key)
        if view.k == 0:
            st.info(f"No {endpoint} data to pool yet.")
            continue
        if view.error is not None:
            st.error(f"{endpoint} could not be pooled: {view.error}")
            continue
        results[endpoint] = view
        widgets.headline_card(A.ENDPOINTS[endpoint], view)

lines = certainty.certainty_sentences([A.Selection(endpoint=ep, regimen=regimen) for ep in results], model, key)
if any(lines):
    st.markdown("**With GRADE certainty:** " + "; ".join(text.md(x) for x in lines if x) + ".")
    st.caption("Certainty from study appraisals (MINORS) and GRADE rules at the default threshold "
               "(ORR p0 = 20%); see Appraisal & certainty for the ratings, footnotes and overrides.")
st.markdown("**Safety:** " + text.md(safety_view.overview_line(key, regimen)))
st.caption(
    f"{model_caption(model)}; one report per cohort, each study's headline timepoint. The "
    "prediction interval is where the response rate of a new, similar study is expected to fall "
    "— the better guide for an individual setting."
)

st.subheader("Does it depend on the kind of study?")
widgets.design_contrast(model, key)

if results:
    st.subheader("Read this before using the numbers")
    notes: list[str] = []
    for endpoint, view in results.items():
        for c in view.caveats:
            line = f"{endpoint}: {c}"
            if line not in notes:
                notes.append(line)
    for line in notes:
        st.markdown(f"- {text.md(line)}")
    if ev.problems:
        st.markdown(f"- The data file has {len(ev.problems)} validation problem(s); see Data checks.")

st.subheader("Where to go next")
widgets.page_links(
    [
        ("pages/studies.py", "Studies", "Every study with its numbers, sources and flags."),
        ("pages/pooled.py", "Pooled efficacy", "Forest plot, models, sensitivity, methods text."
         + (" Set Regimen = monotherapy in its sidebar for apatinib alone." if regimen else "")),
        ("pages/compare.py", "Designs & subtypes", "Prospective vs retrospective, histology, regimen."),
        ("pages/appraisal.py", "Appraisal & certainty", "Risk of bias per study, GRADE certainty, summary of findings."),
        ("pages/planner.py", "Trial planner", "Sample size for a new phase II study."),
        ("pages/present.py", "Present & export", "Slides, figures and tables for a meeting."),
    ]
)
