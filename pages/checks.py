"""Data checks: what could not be loaded, every consistency flag, and a candidate-denominator tool."""

from __future__ import annotations

import streamlit as st

from findings import studies as study_views
from findings import text
from ui import evidence_view as V
from ui.bootstrap import route_through_app
from ui.userdata_state import active_evidence, active_label

route_through_app()
SUMMARY_ICON = {"success": ":material/check_circle:", "warning": ":material/warning:",
                "error": ":material/error:"}

st.title("Data checks")
st.caption(
    "What the data file could not load, what the consistency checks found in the studies that did "
    "load, and a tool to find which k/N fit a printed percentage. " + active_label()
)

st.page_link("pages/studies.py", label="Studies: browse and open the study cards", icon=":material/library_books:")

base = active_evidence()
fr = V.frames(base)

# ------------------------------------------------------------------ summary (loading + checks)
summary = V.summary(base, fr)  # cached, read-only
getattr(st, summary.level)(summary.sentence, icon=SUMMARY_ICON[summary.level])
st.dataframe(V.arrow(summary.table), hide_index=True, width="content")

# ------------------------------------------------------------------ load problems
st.subheader("Loading the data", anchor=False)
errors = [p for p in base.problems if p.severity == "error"]
warnings = [p for p in base.problems if p.severity != "error"]
if not base.problems:
    st.caption(f"No load problem: {len(base.studies)} records loaded.")
else:
    if errors:
        st.error(f"{len(errors)} item(s) could not be loaded; {len(base.studies)} record(s) were loaded and are "
                 "used everywhere else. Fix the data file and reload.", icon=":material/error:")
        for p in errors[:15]:
            st.text(study_views.problem_line(p))
        if len(errors) > 15:
            st.caption(f"… and {len(errors) - 15} more in the table below.")
    if warnings:
        st.warning(f"{len(warnings)} warning(s) while loading (the records concerned were kept).",
                   icon=":material/warning:")
    with st.expander(f"All {len(base.problems)} load problem(s) as a table", expanded=not errors):
        probs = study_views.display_frame(base.problems_frame().drop(columns=["text"], errors="ignore"))
        st.dataframe(probs, hide_index=True, width="stretch")
        V.csv_download(probs, "load_problems.csv", key="dl_problems")

# ------------------------------------------------------------------ flags
st.subheader("Consistency flags", anchor=False)
flags = fr.flags
if flags.empty:
    st.info("No consistency flag: either every check passed or no study could be loaded.")
else:
    kind_options, study_options = V.flag_options(fr)
    c = st.columns([2, 3, 3, 3])
    sev = c[0].multiselect("Severity", ["error", "warning", "info"], key="fc_sev")
    kinds = c[1].multiselect("Kind", kind_options, key="fc_kind")
    who = c[2].multiselect("Study", study_options, key="fc_study")
    q = c[3].text_input("Search the messages", key="fc_q")
    view = V.flag_view(fr, severity=sev, kinds=kinds, studies=who, search=q)  # cached, read-only
    sel = view.flags
    m = st.columns(4)
    m[0].metric("Flags shown", f"{len(sel)} of {len(flags)}")
    for col, s in zip(m[1:], ("error", "warning", "info"), strict=True):
        col.metric(s.capitalize(), view.counts.get(s, 0))
    if sel.empty:
        st.info("No flag matches these filters.", icon=":material/filter_alt_off:")
    else:
        st.markdown("**By kind** (worst severity first)")
        st.dataframe(V.arrow(view.kinds), hide_index=True, width="stretch")
        st.caption("Open a kind to see its flags and jump to the study cards.")
        for kind, n_flags, worst in view.kind_rows:
            exp = st.expander(f"{text.md(kind)} — {n_flags} flag(s), worst: {worst}",
                              icon=V.SEVERITY_ICON.get(worst), key=f"fx_{kind}", on_change="rerun")
            if exp.open:  # drawn only when open: the page stays light
                g = sel[sel["kind"] == kind]
                with exp:
                    st.dataframe(study_views.flag_table(g), hide_index=True, width="stretch")
                    ids = list(dict.fromkeys(g["study_id"]))
                    cols = st.columns(min(6, len(ids)))
                    for i, sid in enumerate(ids):
                        if cols[i % len(cols)].button(f"Open {text.md(sid)}", key=f"open_{kind}_{sid}",
                                                      icon=":material/library_books:"):
                            st.switch_page("pages/studies.py", query_params={"study": sid})
        c = st.columns([3, 1])
        target = c[0].selectbox("Open the study card of", list(view.study_ids), index=None,
                                key="fc_open", placeholder="Choose a flagged study…")
        if c[1].button("Open study card", key="fc_open_btn", disabled=target is None,
                       icon=":material/library_books:"):
            st.switch_page("pages/studies.py", query_params={"study": target})
        V.csv_download(lambda: study_views.flag_table(sel), "flags.csv", key="dl_flags")  # built on click

# ------------------------------------------------------------------ candidate denominators


@st.fragment
def candidate_tool() -> None:
    """A fragment: typing a percentage reruns only this tool."""
    st.subheader("Candidate denominators", anchor=False)
    st.caption(
        "Which counts k out of N print as a given percentage? Useful when a source gives only a "
        "percentage, or to test whether a printed percentage fits its count (dossier §3)."
    )
    c = st.columns([2, 1, 1, 1, 2])
    pct = c[0].text_input("Printed percentage", value="24.3%", key="cd_pct", bind="query-params")
    dec = c[1].number_input("Decimals", min_value=0, max_value=6, value=None, step=1, key="cd_dec",
                            placeholder="auto", help="Decimals printed; empty = as typed in the percentage.")
    n_min = c[2].number_input("Smallest N", min_value=1, max_value=100_000, value=1, step=1, key="cd_nmin")
    n_max = c[3].number_input("Largest N", min_value=1, max_value=100_000, value=60, step=1, key="cd_nmax",
                              bind="query-params")
    rounding = c[4].radio("Rounding in the source", ["half-up", "truncate"], horizontal=True, key="cd_round")
    res = V.cached_candidates(pct, None if dec is None else int(dec), int(n_max), int(n_min), rounding)
    if res.ok:
        st.success(res.message, icon=":material/calculate:")
        st.dataframe(V.arrow(res.pairs), hide_index=True, width="stretch",
                     height=min(400, 35 * (len(res.pairs) + 1) + 3))
    else:
        st.warning(res.message, icon=":material/warning:")


candidate_tool()
