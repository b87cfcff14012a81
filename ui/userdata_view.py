"""Renderers and callbacks of the "Your studies" page (state in :mod:`ui.userdata_state`)."""

from __future__ import annotations

import streamlit as st

from evidence import EvidenceBase, Problem
from evidence import userdata as U
from findings import studies as study_views
from findings import text
from findings import userdata as FU
from findings.frames import frames_of
from ui import userdata_state as S

_FILE_KEY = "_ud_last_file"


def mode_changed() -> None:
    S.set_mode(st.session_state.get("ud_mode_widget", S.DEFAULT_MODE))


def clear() -> None:
    old = S.state()
    S.set_state(FU.UserState(editor_version=old.editor_version + 1))
    S.set_mode(S.DEFAULT_MODE)
    # the upload already imported stays marked as done: the file still shown in the uploader is
    # not imported again on the next run (a new upload of the same file has a new file id)


def handle_upload(up) -> None:
    """Import an uploaded file once (a rerun with the same upload does nothing)."""
    ident = (getattr(up, "file_id", None), up.name, up.size)
    if st.session_state.get(_FILE_KEY) == ident:
        return
    st.session_state[_FILE_KEY] = ident
    if up.size > U.MAX_BYTES:
        new = EvidenceBase(studies=(), path=up.name, problems=(Problem(
            up.name, None, None, "<file>", f"{up.size} bytes", f"file is larger than {U.MAX_BYTES} bytes"),))
    else:
        with st.status(f"Checking {text.md(up.name)} ({up.size:,} bytes)…", expanded=False) as box:
            new = U.import_bytes(up.getvalue(), up.name)
            box.update(label=f"Checked {text.md(up.name)}: {len(new.studies)} valid stud"
                       f"{'y' if len(new.studies) == 1 else 'ies'}.", state="complete")
    S.set_state(FU.with_import(S.state(), new, up.name))


def choose_pending(how: str) -> None:
    S.set_state(FU.resolve_pending(S.state(), how))


def render_pending(state: FU.UserState) -> None:
    """A valid import that would change the user's studies: what would change, and the choice."""
    if state.pending is None:
        return
    prev = U.preview_import(state.base, state.pending)
    st.warning(FU.pending_message(state, prev), icon=":material/merge_type:")
    for sentence in prev.sentences().values():
        st.markdown(f"- {text.md(sentence)}")
    cols = st.columns(3)
    for col, (how, label) in zip(cols, FU.IMPORT_CHOICES.items(), strict=True):
        col.button(label, key=f"ud_pending_{how}", on_click=choose_pending, args=(how,),
                   type="primary" if how == "keep" else "secondary", width="stretch")


def render_undo() -> None:
    if S.can_undo():
        st.button("Undo the last change to my studies", key="ud_undo", on_click=S.undo,
                  icon=":material/undo:")


def render_keep_reminder(state: FU.UserState) -> None:
    """Your studies live in this browser tab only: a reload (F5) or closing it loses them."""
    if state.base is None or not state.base.studies:
        return
    st.info("Your studies live only in this browser tab: reloading the page (F5) or closing the tab "
            "loses them, and nothing is stored on the server or in the browser. Download them as YAML "
            "to keep them; uploading that file restores exactly these studies.",
            icon=":material/save:")


def problems_table(problems, *, key: str) -> None:
    df = study_views.display_frame(FU.problems_frame(problems))
    st.dataframe(df, hide_index=True, width="stretch", key=key,
                 column_config={"message": st.column_config.TextColumn(width="large")})


#: how each kind of message about an import is shown
ALERTS = {"success": (st.success, ":material/check_circle:"), "warning": (st.warning, ":material/warning:"),
          "error": (st.error, ":material/error:")}


def render_last_import(state: FU.UserState) -> None:
    last = state.last
    if last is None or state.last_name == "table":
        return
    for kind, message in FU.import_messages(state):
        show, icon = ALERTS[kind]
        show(message, icon=icon)
    if last.problems:
        for p in last.problems[:5]:
            st.text(study_views.problem_line(p))
        problems_table(last.problems, key="ud_import_problems")


def _column_config() -> dict:
    cfg = {}
    for c in U.CSV_COLUMNS:
        if c.kind == "choice":
            cfg[c.name] = st.column_config.SelectboxColumn(c.name, help=c.help, options=list(c.choices))
        elif c.kind == "bool":
            cfg[c.name] = st.column_config.SelectboxColumn(c.name, help=c.help, options=["true", "false"])
        else:
            cfg[c.name] = st.column_config.TextColumn(c.name, help=c.help, max_chars=U.MAX_TEXT)
    return cfg


def _edited(key: str) -> None:
    delta = st.session_state.get(key)
    state = S.state()
    df = FU.apply_delta(state.table, delta if isinstance(delta, dict) else None)
    S.set_state(FU.with_table(state, df))


def _start_from_template() -> None:
    base = U.import_bytes(U.template_bytes("csv"), "template.csv")
    S.set_state(FU.with_table(S.state(), FU.rows_table(base.studies)))


def render_editor(state: FU.UserState) -> None:
    st.caption("One row per study; hover a column title for its meaning. Every change is checked at once; "
               "rows with problems are listed below the table and left out until fixed. Add a row with the "
               "+ at the bottom; delete rows by selecting them and pressing the bin icon.")
    if state.lossy:
        st.warning(f"{len(state.lossy)} of your studies came from a YAML file with fields this table cannot hold "
                   f"({', '.join(state.lossy[:8])}). Editing here keeps only the table's columns for them.",
                   icon=":material/warning:")
        if not st.toggle("Edit them in the table anyway", key="ud_edit_lossy"):
            st.dataframe(study_views.display_frame(state.table), hide_index=True, width="stretch")
            return
    key = f"ud_editor_{state.editor_version}"
    st.data_editor(state.table, key=key, num_rows="dynamic", hide_index=True, width="stretch",
                   column_config=_column_config(), on_change=_edited, args=(key,))
    if state.table.empty:
        st.button("Start from the template's two example rows", key="ud_from_template",
                  on_click=_start_from_template, icon=":material/post_add:")
    if state.last is not None and state.last_name == "table" and state.last.problems:
        st.warning(f"{len(state.last.problems)} problem(s) in the table:", icon=":material/warning:")
        problems_table(state.last.problems, key="ud_table_problems")


def render_templates() -> None:
    c = st.columns(2)
    c[0].download_button("CSV template", data=U.template_bytes("csv"), file_name="user_studies_template.csv",
                         mime="text/csv", key="ud_tpl_csv", on_click="ignore", icon=":material/download:")
    c[1].download_button("YAML template", data=U.template_bytes("yaml"), file_name="user_studies_template.yaml",
                         mime="application/x-yaml", key="ud_tpl_yaml", on_click="ignore",
                         icon=":material/download:")
    st.caption("CSV: one row per study with the columns below (id, label and histology_group required). Every "
               "number takes the provenance of the row's source and location columns. YAML: the schema of the "
               "built-in data file, with the provenance of each number (see the comments in the template).")
    st.dataframe(FU.columns_table(), hide_index=True, width="stretch")


def render_user_studies(state: FU.UserState) -> None:
    base = state.base
    fr = frames_of(base)
    table = study_views.browser_table(fr.studies, frozenset(base.ids))
    st.caption(f"{len(base.studies)} valid stud{'y' if len(base.studies) == 1 else 'ies'} from {text.md(state.origin)}; "
               f"{len(fr.flags)} consistency flag(s). " + S.active_label())
    st.dataframe(table, hide_index=True, width="stretch")
    if not fr.flags.empty:
        with st.expander(f"Consistency flags for your studies ({len(fr.flags)})"):
            st.dataframe(study_views.flag_table(fr.flags), hide_index=True, width="stretch")
    c = st.columns([3, 1])
    pick = c[0].selectbox("Open the card of", list(base.ids), key="ud_open", index=None,
                          placeholder="Choose one of your studies…")
    if c[1].button("Open study card", key="ud_open_btn", disabled=pick is None, icon=":material/library_books:"):
        if S.mode() == "builtin":
            S.set_mode(S.DEFAULT_MODE)
        st.switch_page("pages/studies.py", query_params={"study": pick})


def render_exports(state: FU.UserState) -> None:
    studies = list(state.base.studies)
    lossy = U.csv_lossless(studies)
    c = st.columns(2)
    c[0].download_button("Export as YAML (complete)", data=U.to_yaml(studies).encode("utf-8"),
                         file_name="my_studies.yaml", mime="application/x-yaml", key="ud_export_yaml",
                         on_click="ignore", icon=":material/download:")
    c[1].download_button("Export as CSV", data=U.to_csv(studies), file_name="my_studies.csv", mime="text/csv",
                         key="ud_export_csv", on_click="ignore", icon=":material/download:")
    st.caption(FU.export_caption(lossy))
