"""Your studies: upload CSV/YAML or type rows, validated like the built-in data, merged or alone."""

from __future__ import annotations

import streamlit as st

from evidence import userdata as U
from ui import userdata_state as S
from ui import userdata_view as W
from ui.bootstrap import route_through_app

route_through_app()

st.title("Your studies")
st.caption(
    "Add studies that are not in the built-in data (a new paper, your own cohort): upload a CSV or "
    "YAML file, or type them in the table. They are checked by the same rules as the built-in data, "
    "kept only in this browser session (never stored on the server), and used by every analysis page "
    "if you wish."
)

# ------------------------------------------------------------------ add studies
st.subheader("Add studies", anchor=False)
tab_up, tab_edit, tab_tpl = st.tabs(["Upload a file", "Edit in a table", "Templates & columns"])
with tab_up:
    st.caption(f"CSV (template columns) or YAML (schema of the built-in data file); at most "
               f"{U.MAX_BYTES // (1024 * 1024)} MB and {U.MAX_ROWS} rows. A file that loads no valid "
               "study never replaces the studies you already have.")
    # no type= filter: Streamlit raises on a forged extension; the importer reports it instead
    up = st.file_uploader("CSV (.csv) or YAML (.yaml, .yml) file", key="ud_upload", max_upload_size=2)
    if up is not None:
        W.handle_upload(up)
    W.render_pending(S.state())
    W.render_last_import(S.state())
with tab_edit:
    W.render_editor(S.state())
with tab_tpl:
    W.render_templates()

# ------------------------------------------------------------------ what you have
state = S.state()
n_user = len(state.base.studies) if state.base is not None else 0
st.subheader("Use in the analyses", anchor=False)
st.radio(
    "Studies analysed on every page", list(S.MODES), format_func=S.MODES.get, horizontal=True,
    index=list(S.MODES).index(S.mode()), key="ud_mode_widget", on_change=W.mode_changed,
    disabled=n_user == 0, help="Your studies are marked “(user)” in tables and plots when merged.",
)
st.caption(S.active_label() if n_user else "You have not added any study yet: the built-in studies are analysed.")

st.subheader("Your studies now", anchor=False)
W.render_undo()
W.render_keep_reminder(state)
if state.base is None or not state.base.studies:
    st.info("No study of yours yet. Upload a file or add rows in the table above.", icon=":material/upload_file:")
else:
    W.render_user_studies(state)
    W.render_exports(state)
    st.button("Remove all my studies", key="ud_clear", on_click=W.clear, icon=":material/delete:")
