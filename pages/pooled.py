"""Pooled efficacy: what response rate to expect from apatinib, how sure, and how robust."""

from __future__ import annotations

import streamlit as st

from findings import text
from ui import analysis as A
from ui import certainty, controls, widgets
from ui.bootstrap import route_through_app

route_through_app()

st.title("Pooled efficacy")
st.caption(
    "What response rate can be expected from apatinib in advanced sarcoma, how certain is it, and "
    "does it survive other reasonable analysis choices? Every control is kept in the URL."
)

F = A.evidence_frames()
if F.outcomes.empty:
    st.error("The evidence base has no outcome table; see Data checks.")
    st.stop()
key = A.data_key()
sel = controls.selection_controls()
model = controls.model_controls(expanded=True)
selected = A.cached_selection(sel, key)
for note in selected.notes:
    st.warning(note, icon=":material/warning:")
if selected.k == 0:
    st.warning("No study matches this selection. Widen the filters in the sidebar.")
    widgets.excluded_table(selected, key="dl_excluded")
    st.stop()
try:
    view = A.pooled_view(sel, model, key)
except ValueError as exc:
    st.error(f"These studies cannot be pooled with this model: {exc}")
    st.stop()
result = view.result

widgets.pooled_metrics(result, label=f"Pooled {sel.endpoint}")
st.caption(text.md(view.scope.sentence()), help=widgets.SCOPE_HELP)
for c in view.caveats:
    st.caption(f":material/info: {c}")
widgets.notes(result)

tabs = controls.tabs("ptab")
if tabs[0].open is not False:
    with tabs[0]:
        widgets.forest_panel(sel, model, view, file_stem=f"forest_{sel.endpoint}")
        widgets.excluded_table(selected, key="dl_excluded")
if tabs[1].open:
    with tabs[1]:
        widgets.heterogeneity(view)
        widgets.agreement(selected.frame, model, result)
        widgets.bayes(selected.frame, model)
if tabs[2].open:
    with tabs[2]:
        widgets.sensitivity(selected.frame, model, result)
if tabs[3].open:
    with tabs[3]:
        widgets.small_study(selected.frame, model, result)
if tabs[4].open:
    with tabs[4]:
        widgets.methods(view)
        certainty.methods_block(sel, model, key)
        widgets.published(sel, model)
