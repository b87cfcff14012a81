"""Small Streamlit building blocks for the synthesis pages (metrics, downloads, charts, clicks)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui import analysis

STUDIES_PAGE = "pages/studies.py"
PLOT_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


@st.cache_data(max_entries=64, show_spinner=False)
def _csv(df: pd.DataFrame) -> bytes:
    return analysis.csv_bytes(df)


def csv_download(df: pd.DataFrame, file_name: str, *, key: str, label: str = "Download CSV") -> None:
    """A CSV download of ``df`` (cached bytes; formula injection neutralised)."""
    st.download_button(
        label, data=_csv(df), file_name=file_name, mime="text/csv", key=key,
        on_click="ignore", icon=":material/download:",
    )


def plot(fig: go.Figure, *, key: str, clickable: bool = False):
    """Render a figure with the project template (``theme=None``) and PNG download in the toolbar.

    With ``clickable=True`` a click on a study point opens its card on the Studies page
    (``customdata[0]`` is the study id).
    """
    if not clickable:
        st.plotly_chart(fig, theme=None, width="stretch", key=key, config=PLOT_CONFIG)
        return
    event = st.plotly_chart(
        fig, theme=None, width="stretch", key=key, config=PLOT_CONFIG,
        on_select="rerun", selection_mode="points",
    )
    study = clicked_study(event)
    if study:
        open_study(study)


def clicked_study(event) -> str | None:
    """Study id of the first selected point carrying one (``None`` otherwise)."""
    try:
        points = event.selection.points if hasattr(event, "selection") else event["selection"]["points"]
    except (KeyError, TypeError, AttributeError):
        return None
    for p in points or []:
        cd = p.get("customdata") if isinstance(p, dict) else None
        if cd:
            sid = cd[0] if isinstance(cd, list | tuple) else cd
            if isinstance(sid, str) and sid:
                return sid
    return None


def open_study(study_id: str) -> None:
    """Go to the study card (the Studies page reads ``?study=ID``)."""
    try:
        st.switch_page(STUDIES_PAGE, query_params={"study": study_id})
    except st.errors.StreamlitAPIException:
        st.info(f"Study card of {study_id}: the Studies page is not available yet.")


def pooled_metrics(result, *, label: str = "Pooled") -> None:
    """Pooled estimate, CI, PI, k/N and I² as metrics (display strings; never ``nan``)."""
    lvl = f"{result.level:.0%}"
    c = st.columns(4)
    c[0].metric(label, analysis.fmt_pct(result.estimate), border=True,
                help=result.model_label())
    c[1].metric(f"{lvl} confidence interval", analysis.fmt_interval(result.ci_low, result.ci_high),
                border=True, help="Uncertainty about the average response rate.")
    c[2].metric(f"{lvl} prediction interval", analysis.fmt_interval(result.pi_low, result.pi_high),
                border=True, help="Where the response rate of a new, similar study is expected to fall.")
    c[3].metric("Studies / patients", f"{result.k} / {result.total_n}", border=True,
                help=f"{result.total_events} responders in total.")


def notes(result) -> None:
    """The model's own notes (fallbacks, corrections, FT warning) as captions."""
    if getattr(result, "fallback", None):
        st.warning(f"The requested model could not be fitted: {result.fallback}")
    for note in getattr(result, "notes", ()):
        st.caption(str(note))


def na(what: str) -> None:
    st.info(f"{what} is not available yet in this build.", icon=":material/hourglass_empty:")
