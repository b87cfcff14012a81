"""Streamlit glue of the digitising workbench: the figure canvas, the inputs, the saved curves.

What is computed and shown comes from :mod:`findings.digitise`; the curves are validated by
:class:`evidence.digitised.DigitisedCurve` and kept in the session (``st.session_state``), never on
the server; they are exported and re-imported as JSON.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import streamlit as st
from PIL import Image, UnidentifiedImageError
from streamlit_drawable_canvas import st_canvas

from charts.survival import summary_curve
from evidence.digitised import ENDPOINTS, DigitisedCurve, curves_from_json, curves_to_json
from findings import digitise as D
from findings.survival import SESSION_RECONSTRUCTED
from findings.text import md
from ui.widgets import plot

SAVED = D.SAVED_CURVES
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_SIDE = 4000


def load_image(upload) -> Image.Image | None:
    """The uploaded figure as RGB, or ``None`` after an error message naming the file."""
    data = upload.getvalue()
    if len(data) > MAX_IMAGE_BYTES:
        st.error(f"{md(upload.name)}: larger than {MAX_IMAGE_BYTES // 2**20} MB.")
        return None
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        st.error(f"{md(upload.name)}: not a PNG or JPEG image ({md(str(exc))}).")
        return None
    if max(img.size) > MAX_SIDE:
        st.error(f"{md(upload.name)}: {img.size[0]}×{img.size[1]} pixels; at most {MAX_SIDE} per side.")
        return None
    return img.convert("RGB")


def crop_and_zoom(img: Image.Image) -> tuple[Image.Image, float]:
    """Crop (percent of each side) and display width chosen in the sidebar; returns image and zoom."""
    with st.sidebar:
        st.subheader("Crop and zoom")
        x0, x1 = st.slider("Keep horizontally (%)", 0, 100, (0, 100), key="dg_crop_x")
        y0, y1 = st.slider("Keep vertically (%)", 0, 100, (0, 100), key="dg_crop_y")
        width = st.slider("Display width (pixels)", 300, 1400, min(img.size[0], 900), step=50, key="dg_zoom",
                          help="Zoom in for precise clicks; changing crop or zoom starts the clicks again.")
    box = D.crop_box(img.size, (x0, x1), (y0, y1))
    cropped = img.crop(box)
    zoom = width / cropped.size[0]
    shown = cropped.resize((width, max(1, round(cropped.size[1] * zoom))))
    return shown, zoom


def canvas_clicks(shown: Image.Image, key: str) -> list[tuple[float, float]]:
    """The click centres (display pixels) on the figure."""
    res = st_canvas(background_image=shown, drawing_mode="point", point_display_radius=3,
                    stroke_width=1, stroke_color="#c0392b", fill_color="#c0392b",
                    width=shown.size[0], height=shown.size[1], key=key, background_image_fit="stretch")
    return D.clicks_from_canvas(None if res is None else res.json_data)


def axis_values() -> tuple[tuple[float, float], tuple[float, float]]:
    """The printed values at the four calibration ticks."""
    c = st.columns(4)
    x0 = c[0].number_input("Time at click 1", value=0.0, key="dg_x0", help=D.CALIBRATION_CLICKS[0])
    x1 = c[1].number_input("Time at click 2", value=12.0, key="dg_x1", help=D.CALIBRATION_CLICKS[1])
    y0 = c[2].number_input("Survival at click 3", value=0.0, key="dg_y0",
                           help=D.CALIBRATION_CLICKS[2] + " (0–1 or 0–100)")
    y1 = c[3].number_input("Survival at click 4", value=1.0, key="dg_y1", help=D.CALIBRATION_CLICKS[3])
    return (float(x0), float(x1)), (float(y0), float(y1))


def risk_inputs() -> dict:
    """Numbers at risk (or the total, and events) as typed; errors name the field."""
    c = st.columns([2, 2, 1, 1])
    rt = c[0].text_input("Times of the numbers at risk", key="dg_rt", placeholder="0, 3, 6, 9, 12")
    nr = c[1].text_input("Numbers at risk", key="dg_nr", placeholder="43, 30, 21, 12, 5")
    total = c[2].number_input("Patients (no risk table)", min_value=0, value=0, step=1, key="dg_total")
    events = c[3].number_input("Events (if printed)", min_value=0, value=0, step=1, key="dg_events")
    return D.risk_inputs(rt, nr, total, events)


def saved() -> list[DigitisedCurve]:
    return st.session_state.setdefault(SAVED, [])


def _remember_medians(curves: list[DigitisedCurve]) -> None:
    """(endpoint, study, reconstructed median) for the Survival page's method comparison."""
    store = st.session_state.setdefault(SESSION_RECONSTRUCTED, [])
    for ep in {c.endpoint for c in curves}:
        store.extend((ep, label, m) for label, m in D.reconstructed_medians(
            [c for c in curves if c.endpoint == ep], ep))


def save_form(points: pd.DataFrame, risk: dict, study_ids: list[str]) -> None:
    """Provenance form; the curve is validated before it joins the session's saved curves."""
    with st.form("dg_save"):
        c = st.columns(3)
        sid = c[0].selectbox("Study", study_ids + ["(another study)"], key="dg_study")
        other = c[0].text_input("Study id if another", key="dg_study_other")
        ep = c[1].selectbox("Endpoint", list(ENDPOINTS), key="dg_ep")
        arm = c[1].text_input("Arm (if the figure has several)", key="dg_arm")
        fig_no = c[2].text_input("Figure", key="dg_figure_no", placeholder="2A")
        who = c[2].text_input("Digitised by", key="dg_who")
        source = st.text_input("Source (citation or DOI of the figure)", key="dg_source_ref")
        when = st.date_input("Date digitised", value=dt.date.today(), key="dg_date")
        if not st.form_submit_button("Save this curve with its provenance", icon=":material/save:"):
            return
    try:
        curve = D.new_curve(points, risk, study_id=other if sid == "(another study)" else sid, endpoint=ep,
                            arm=arm, source=source, figure=fig_no, digitised_by=who, date=when)
    except ValueError as exc:
        st.error(f"Not saved — {md(str(exc))}.")
        return
    saved().append(curve)
    _remember_medians([curve])
    st.toast(f"Saved: {md(curve.study_id)} {md(curve.endpoint)}, figure {md(curve.figure)} "
             f"({len(curve.times)} points).", icon=":material/save:")
    st.rerun()  # the saved-curves tab was drawn before this save


def saved_section() -> None:
    """The session's saved curves: table, JSON export, JSON import (errors name curve and field)."""
    curves = saved()
    up = st.file_uploader("Add curves from a JSON export", type=["json"], key="dg_import")
    if up is not None and st.session_state.get("dg_import_done") != up.file_id:
        try:
            new = curves_from_json(up.getvalue().decode("utf-8", "replace"), name=up.name)
        except ValueError as exc:
            st.error(md(str(exc)))
        else:
            curves.extend(new)
            _remember_medians(new)
            st.session_state["dg_import_done"] = up.file_id
            st.success(f"{len(new)} curve(s) added from {md(up.name)}.")
    if not curves:
        st.caption("No saved curve in this session yet.")
        return
    st.dataframe(D.saved_table(curves), hide_index=True, width="stretch", key="dg_saved")
    arms = D.arm_comparisons(curves)
    if len(arms):
        st.markdown("**Two arms of one figure**")
        st.dataframe(arms, hide_index=True, width="stretch", key="dg_arms")
    for ep in sorted({c.endpoint for c in curves}):
        try:
            view = D.summary_from_curves(curves, ep)
        except ValueError as exc:
            st.warning(f"No summary {md(ep)} curve: {md(str(exc))}")
            continue
        if view is None:
            continue
        with st.expander(f"Summary {ep} curve of the saved curves (Combescure)", expanded=True):
            st.markdown(md(view.sentence))
            st.caption(md(f"Common times: {view.grid}."))
            plot(summary_curve(view.summary.random, view.studies, study_label=D.RECONSTRUCTED_LABEL,
                               fixed=view.summary.fixed, endpoint=ep), key=f"dg_summary_fig_{ep}")
            st.dataframe(view.table, hide_index=True, width="stretch", key=f"dg_summary_tab_{ep}")
    st.download_button("Download the saved curves (JSON)", curves_to_json(curves), "digitised_curves.json",
                       mime="application/json", key="dg_export", icon=":material/download:")
