"""Digitise a Kaplan–Meier figure: calibrate the axes, click the curve (or paste points), enter the
numbers at risk, and get the curve reconstructed from the published figure (Guyot) with its
accuracy; save the points with their provenance."""

from __future__ import annotations

import streamlit as st

from charts import survival as C
from findings import digitise as D
from findings.text import decimal, md
from ui import digitise_view as W
from ui.bootstrap import route_through_app
from ui.userdata_state import active_evidence
from ui.widgets import csv_download, plot

route_through_app()
st.title("Digitise a Kaplan–Meier figure")
st.caption(
    "For a paper you hold: read its survival curve off the figure, enter the numbers at risk "
    "printed under it, and get patient-level data reconstructed with Guyot's algorithm (as the R "
    "package IPDfromKM). Everything stays in this browser session; save the points with their "
    "source and export them."
)


def digitise() -> None:
    """The workflow: figure or pasted points, numbers at risk, reconstruction, saving."""
    source = st.radio("Points from", ["Clicks on the figure", "Pasted CSV"], horizontal=True, key="dg_mode")
    points = None
    image = extent = None
    if source == "Clicks on the figure":
        up = st.file_uploader("Figure (PNG or JPEG)", type=["png", "jpg", "jpeg"], key="dg_image")
        if up is None:
            st.info("Upload the figure. Then click, in this order: two ticks on the time axis, two ticks "
                    "on the survival axis, and the left end of each horizontal step of the curve, "
                    "from left to right.", icon=":material/ads_click:")
        else:
            img = W.load_image(up)
            if img is not None:
                shown, zoom = W.crop_and_zoom(img)
                x_val, y_val = W.axis_values()
                st.caption("Clicks 1–2: time-axis ticks; 3–4: survival-axis ticks; then the left end of each "
                           "step. The toolbar above the figure undoes (↶) or clears the clicks.")
                clicks = W.canvas_clicks(shown, key=f"dg_canvas_{up.file_id}_{shown.size}")
                st.caption(f"{len(clicks)} click(s) so far.")
                try:
                    cal, points = D.points_from_clicks(clicks, x_val, y_val)
                except ValueError as exc:
                    st.info(md(str(exc)), icon=":material/ads_click:")
                else:
                    image = shown
                    t_edge, s_edge = cal.to_data([0, shown.size[0]], [0, shown.size[1]])
                    extent = (float(t_edge[0]), float(t_edge[1]), float(s_edge[0]), float(s_edge[1]))
                    st.caption(f"One pixel is {cal.time_per_pixel:.3g} time units and "
                               f"{cal.survival_per_pixel:.3g} survival units at this zoom.")
    else:
        text = st.text_area("Points: time, survival (one per line; survival in % or 0–1)", key="dg_csv",
                            height=160, placeholder="0, 100\n1.2, 95.3\n...")
        if text.strip():
            try:
                points = D.points_from_csv(text)
            except ValueError as exc:
                st.error(md(str(exc)))

    st.subheader("Numbers at risk", anchor=False)
    try:
        risk = W.risk_inputs()
    except ValueError as exc:
        st.error(md(str(exc)))
        return

    if points is None or len(points) < 5:
        st.info("At least 5 points of the curve are needed for a reconstruction.")
        return
    if risk["total"] is None and not risk["n_risk"]:
        st.info("Enter the numbers at risk under the figure, or at least the number of patients.")
        return
    try:
        view = D.workbench_view(points["time"], points["survival"], risk_times=risk["risk_times"], n_risk=risk["n_risk"],
                                total=risk["total"], events=risk["events"])
    except ValueError as exc:
        st.error(f"No reconstruction: {md(str(exc))}")
        return

    st.subheader(f"Curve {D.RECONSTRUCTED_LABEL}", anchor=False)
    st.success(md(view.sentence))
    m = st.columns(4)
    m[0].metric("Patients / events", f"{view.reconstruction.total} / {view.reconstruction.events}", border=True)
    m[1].metric("Median (reconstructed)", view.median, border=True, help=view.median_ci)
    m[2].metric("Max absolute error", decimal(view.reconstruction.max_abs_error, 4), border=True,
                help="Largest gap between the reconstructed and the digitised survival.")
    m[3].metric("RMSE", decimal(view.reconstruction.rmse, 4), border=True)
    plot(C.reconstructed_km(view.km, view.reconstruction.points, label=view.label, image=image, extent=extent),
         key="dg_fig")
    c1, c2 = st.columns(2)
    c1.dataframe(view.summary, hide_index=True, width="stretch", key="dg_summary")
    c2.dataframe(view.accuracy, hide_index=True, width="stretch", key="dg_accuracy")
    st.markdown("**Numbers at risk: printed and reconstructed**")
    st.dataframe(view.at_risk, hide_index=True, width="stretch", key="dg_risk")
    for note in view.reconstruction.notes:
        st.caption(md(note))
    csv_download(view.reconstruction.ipd, "reconstructed_ipd.csv", key="dg_ipd",
                 label="Download the reconstructed patient data (CSV)")

    st.subheader("Save with provenance", anchor=False)
    W.save_form(points, risk, sorted({study.id for study in active_evidence().studies}))


tab_work, tab_saved = st.tabs(["Digitise", f"Saved curves ({len(W.saved())}) & summary curve"])
with tab_saved:
    W.saved_section()
with tab_work:
    digitise()
