"""Present & export: one key figure per screen for a projector, and every export in one place.

The view (endpoint, model, filters) comes from the URL with the Pooled efficacy page's keys, e.g.
``/present?endpoint=DCR&method=DL``; ``?present=1`` starts in presentation mode (``app.py`` hides
the navigation). Exports are generated only when a button is clicked (callable ``data``,
``on_click="ignore"``).
"""

from __future__ import annotations

import streamlit as st

from charts import theme
from findings.query import CONTROLS
from findings.text import md
from reports.content import FIGURE_SECTIONS, ReportContent, build_content
from reports.docx import build_docx
from reports.html import build_html
from reports.pptx import build_pptx
from reports.view import View
from ui.bootstrap import route_through_app
from ui.controls import current_view, filter_choices, kept, show_link_problems
from ui.presentation import PRESENT_CSS, figure_buttons
from ui.userdata_state import active_evidence

route_through_app()

SHORT = CONTROLS["slide"].choices  # figure -> its short name (the URL holds the figure)


def _truthy(value: object) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


@st.cache_data(max_entries=8, show_spinner="Preparing the downloads…")
def content_for(_evidence, sha: str | None, path: str, view: View) -> ReportContent:
    return build_content(view, evidence=_evidence)


@st.cache_data(max_entries=32, show_spinner="Drawing this figure…")
def slide_content(_evidence, sha: str | None, path: str, view: View, key: str) -> ReportContent:
    """Only the section on screen (the pooled views it needs): the first figure comes first."""
    return build_content(view, evidence=_evidence, only=(key,))


def _on_present_toggle() -> None:
    if st.session_state.get("present_mode"):
        st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]


def _step(delta: int) -> None:
    i = FIGURE_SECTIONS.index(st.session_state.get("slide") or FIGURE_SECTIONS[0])
    st.session_state["slide"] = FIGURE_SECTIONS[(i + delta) % len(FIGURE_SECTIONS)]


def export_buttons(content: ReportContent) -> None:
    stem = f"apatinib_sarcoma_{content.view.endpoint.lower()}_{content.provenance.date}"
    cols = st.columns(5)
    cols[0].download_button(
        "PowerPoint deck", data=lambda: build_pptx(content), file_name=f"{stem}.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        on_click="ignore", icon=":material/slideshow:", type="primary", key="dl_pptx",
        help="16:9 deck: the forest plots first, then models, subgroups, survival, design, tables, "
        "methods, references. Takes about 10–20 s.",
    )
    cols[1].download_button(
        "HTML report", data=lambda: build_html(content), file_name=f"{stem}.html",
        mime="text/html", on_click="ignore", icon=":material/description:", key="dl_html",
        help="One self-contained file with interactive figures; opens offline.",
    )
    cols[2].download_button(
        "Word document", data=lambda: build_docx(content), file_name=f"{stem}.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        on_click="ignore", icon=":material/article:", key="dl_docx",
        help="The HTML report's sections and tables, editable in Word. Takes about 10–20 s.",
    )
    for col, ep in zip(cols[3:], ("ORR", "DCR"), strict=True):
        script = content.r_scripts.get(ep)
        col.download_button(
            f"R script: pooled {ep}", data=script or "", file_name=f"pooled_{ep.lower()}.R",
            mime="text/plain", on_click="ignore", icon=":material/code:", key=f"dl_r_{ep}",
            disabled=script is None, help="Standalone metafor script with the data inline.",
        )


present = _truthy(st.query_params.get("present"))
st.session_state.setdefault("present_mode", present)
if present:
    st.html(PRESENT_CSS)

ev = active_evidence()
view, origin, problems = current_view(filter_choices())
data_id, exports = (ev.sha256, str(ev.path)), None

if not present:
    st.title("Present & export")
    st.caption(
        ("Everything below uses the page defaults (Pooled efficacy before any change)."
         if not view.to_query() else
         f"Everything below uses {origin}; as a link: `?{view.to_query()}`.")
        + " Downloads are generated when clicked."
    )
show_link_problems(problems)  # below the title; on the projector too
if not present:
    exports = st.empty()  # filled after the figure: the full report is built last

bar = st.container(horizontal=True, vertical_alignment="center") if present else st.container()
with bar:
    slide = kept(
        st.segmented_control, "Figure", "slide", list(FIGURE_SECTIONS), format_func=SHORT.get,
        required=True, width="content" if present else "stretch",
        label_visibility="collapsed" if present else "visible",
    ) or FIGURE_SECTIONS[0]
    top = bar if present else st.columns([1, 1, 2, 3], vertical_alignment="center")
    nav = [top, top, top] if present else top[:3]
    nav[0].button("Previous", on_click=_step, args=(-1,), icon=":material/arrow_back:", key="prev")
    nav[1].button("Next", on_click=_step, args=(1,), icon=":material/arrow_forward:", key="next")
    nav[2].toggle("Presentation mode", key="present_mode", on_change=_on_present_toggle,
                  help="Hide the controls and sidebar; larger type and markers for a projector.")

slide_report = slide_content(ev, *data_id, view, slide)
section = slide_report.section(slide)
n = FIGURE_SECTIONS.index(slide) + 1
st.header(f"{section.title}  ·  {n}/{len(FIGURE_SECTIONS)}" if present else section.title,
          divider="red" if present else False)
if section.figure is not None:
    fig = theme.apply(type(section.figure)(section.figure), presentation=present, fit_height=520)
    if present:  # the figure fills what the screen leaves (16:9 at 1280x720 and 1920x1080)
        fig.update_layout(height=None, autosize=True)
    with st.container(key="slide_figure" if present else None):
        st.plotly_chart(fig, theme=None, width="stretch", height="stretch" if present else "content",
                        key=f"fig_{slide}", config={"displaylogo": False, "responsive": True})
else:
    st.info(md(f"{section.title}: {section.reason}"), icon=":material/hourglass_empty:")
if present and section.bullets:  # the answer in a line or two: the slide must fit the screen
    lead = section.lead or (section.bullets[:2] if sum(map(len, section.bullets[:2])) < 160
                            else section.bullets[:1])
    st.markdown(" · ".join(f"**{md(b)}**" for b in lead))
elif not present:
    for b in section.bullets:  # data-derived text: markdown-escaped, never HTML
        st.markdown(f"- {md(b)}")
if not present:
    if section.caption:
        st.caption(section.caption)
    if section.figure is not None:
        figure_buttons(section.figure, slide, present)
    if section.table is not None and not section.table.empty:
        with st.expander("Numbers behind this figure"):
            st.dataframe(section.table, hide_index=True, width="stretch")
if exports is not None:
    with exports.container():
        export_buttons(content_for(ev, *data_id, view))
    st.caption(slide_report.provenance.footer())
