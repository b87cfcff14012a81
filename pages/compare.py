"""Designs & subtypes: does the response rate depend on the kind of study or patient?"""

from __future__ import annotations

import streamlit as st

from ui import analysis as A
from ui import controls, widgets
from ui.bootstrap import route_through_app

route_through_app()

st.title("Designs & subtypes")
st.caption(
    "Does the response rate depend on the kind of study (prospective or retrospective), the "
    "sarcoma subtype, the regimen, the line or the dose? Subgroup and meta-regression results "
    "are observational comparisons across studies, not randomised contrasts."
)

F = A.evidence_frames()
if F.outcomes.empty:
    st.error("The evidence base has no outcome table; see Data checks.")
    st.stop()
sel = controls.selection_controls()
model = controls.model_controls()
selected = A.cached_selection(sel, A.data_key())
for note in selected.notes:
    st.warning(note, icon=":material/warning:")

tabs = controls.tabs("ctab")
if tabs[0].open is not False:
    with tabs[0]:
        widgets.subgroup_panel(F.outcomes, sel, model)
if tabs[1].open:
    with tabs[1]:
        if selected.k == 0:
            st.warning("No study matches this selection.")
        else:
            widgets.metareg_panel(selected.frame, model)
if tabs[2].open:
    with tabs[2]:
        widgets.composition_panel(F.subtypes, F.outcomes, selected.frame, sel, model)
if tabs[3].open:
    with tabs[3]:
        if selected.k == 0:
            st.warning("No study matches this selection.")
        else:
            widgets.design_panel(selected.frame, F.studies, F.flags)
