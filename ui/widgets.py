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


@st.fragment
def forest_panel(sel, model, view, *, file_stem: str) -> None:
    """Forest plot with its chart-local sort control (a fragment: sorting does not re-pool)."""
    from ui.controls import sort_control

    order = sort_control()
    result, ci_label = view.result, f"{model.level:.0%} CI"
    fig = analysis.forest_figure_for(sel, model, order, analysis.data_key(), pooled_label(result))
    plot(fig, key="forest", clickable=True)
    st.caption(
        f"{result.model_label()}. Squares: observed proportion (size ∝ weight, or patients for the "
        f"GLMM); bars: {ci_label} of each study; diamond: pooled estimate and its CI; orange bar: "
        "prediction interval. ⚑ marks studies with data-quality flags (hover for the messages). "
        "Click a study to open its card."
    )
    csv_download(view.rows, f"{file_stem}.csv", key="dl_forest", label="Download study table (CSV)")


def pooled_label(result) -> str:
    if result.method == "GLMM":
        return "GLMM (one-step)"
    if result.method == "CE":
        return "Common effect"
    return f"Random effects ({result.method})"


def excluded_table(selected, *, key: str) -> None:
    """What was left out of the pool and why."""
    if len(selected.excluded):
        with st.expander(f"Not pooled: {len(selected.excluded)} report(s) and why"):
            st.dataframe(selected.excluded, hide_index=True, width="stretch")
            csv_download(selected.excluded, "not_pooled.csv", key=key)


# --------------------------------------------------------------------------------------------
# panels of the Pooled efficacy page (each one self-contained; errors become messages)
def heterogeneity(result) -> None:
    st.subheader("Heterogeneity")
    table = analysis.heterogeneity_table(result)
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, "heterogeneity.csv", key="dl_het")
    st.caption(
        "I² is the share of the observed spread not explained by chance; with few studies it is "
        "imprecise. τ² is the variance of the true study response rates on the analysis scale; its "
        "interval shows how poorly it is determined here."
    )


def methods(sel, model, result, selected) -> None:
    st.subheader("Methods paragraph")
    text = analysis.methods_paragraph(sel, model, result, selected)
    st.caption("Ready to paste into a protocol or report (plain text).")
    st.code(text, language=None, wrap_lines=True)


def headline_card(title: str, result, check, *, endpoint: str) -> None:
    """One endpoint on the home page: estimate, CI, PI, k/N and the one-step check."""
    lvl = f"{result.level:.0%}"
    with st.container(border=True):
        st.subheader(title)
        st.metric(
            f"Pooled {endpoint}",
            f"{analysis.fmt_pct(result.estimate)}",
            help=result.model_label(),
        )
        st.markdown(
            f"**{lvl} CI** {analysis.fmt_interval(result.ci_low, result.ci_high)} · "
            f"**{lvl} prediction interval** {analysis.fmt_interval(result.pi_low, result.pi_high)}"
        )
        k = result.k
        st.caption(
            f"{k} {'study' if k == 1 else 'studies'}, {result.total_n} patients, "
            f"{result.total_events} {'responders' if endpoint == 'ORR' else 'with disease control'}."
            + (f" I² = {result.i2:.0f}%." if k > 1 and analysis.fmt_num(result.i2) != "–" else "")
            + (" A single study: this is its own result, not a pooled estimate." if k == 1 else "")
        )
        if check is not None:
            st.caption(
                f"Check with the one-step GLMM: {analysis.fmt_pct(check.estimate)} "
                f"({analysis.fmt_interval(check.ci_low, check.ci_high)})."
            )


def page_links(items: list[tuple[str, str, str]]) -> None:
    """``(page file, label, who it is for)`` links; pages not yet registered are skipped."""
    from pathlib import Path

    from ui.pages import PAGES

    root = Path(__file__).resolve().parents[1]
    specs = {p.file: p for p in PAGES}
    per_row = 3
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, (file, label, who) in zip(cols, items[start : start + per_row], strict=False):
            with col, st.container(border=True):
                spec = specs.get(file)
                if spec is not None and (root / file).exists():
                    st.page_link(file, label=label, icon=spec.icon, width="stretch")
                else:
                    st.markdown(f"**{label}** (coming soon)")
                st.caption(who)


def agreement(frame: pd.DataFrame, model) -> None:
    st.subheader("Do the models agree?")
    if not analysis.available("method_agreement"):
        na("The method-agreement panel")
        return
    _agreement_body(frame, model)


def sensitivity(frame: pd.DataFrame, model, result) -> None:
    st.subheader("Leave-one-out and cumulative analyses")
    if not analysis.available("leave_one_out"):
        na("Leave-one-out, cumulative and influence analyses")
        return
    _sensitivity_body(frame, model, result)


def small_study(frame: pd.DataFrame, model, result) -> None:
    st.subheader("Small-study effects (funnel plot)")
    if not analysis.available("egger_test"):
        na("The funnel plot with Egger's and Begg's tests")
        return
    _small_study_body(frame, model, result)


def published(table: pd.DataFrame, sel, model, outcomes: pd.DataFrame) -> None:
    st.subheader("Published pooled estimates beside this app's")
    rows = analysis.published_comparison(table, sel, model, outcomes)
    if rows.empty:
        st.info("No published pooled estimate for this endpoint is in the evidence base yet.")
        return
    st.dataframe(rows, hide_index=True, width="stretch")
    csv_download(rows, "published_vs_app.csv", key="dl_published")
    st.caption(
        "Published estimates are copied from the meta-analyses (their own study sets, which "
        "overlap with but differ from this app's, and their own methods). This app's estimate "
        "uses the model chosen in the sidebar on the matching histology scope."
    )


def _agreement_body(frame: pd.DataFrame, model) -> None:  # filled in when synthesis.agreement lands
    na("The method-agreement panel")


def _sensitivity_body(frame: pd.DataFrame, model, result) -> None:
    na("Leave-one-out, cumulative and influence analyses")


def _small_study_body(frame: pd.DataFrame, model, result) -> None:
    na("The funnel plot with Egger's and Begg's tests")


# --------------------------------------------------------------------------------------------
# panels of the Designs & subtypes page
BY_LABELS = {
    "design": "Design", "histology": "Histology", "regimen": "Regimen",
    "line": "Line", "dose": "Dose", "timepoint": "Timepoint",
}


def subgroup_panel(outcomes: pd.DataFrame, sel, model) -> None:
    by = st.segmented_control(
        "Compare by", list(BY_LABELS), default="design", required=True, key="by",
        format_func=BY_LABELS.get, bind="query-params",
    ) or "design"
    st.subheader(f"Subgroups: {analysis.COMPARE_BY[by].lower()}")
    frame = analysis.subgroup_frame(outcomes, sel, by)
    if by == "timepoint":
        st.caption(
            "Readouts of the same trial at different timepoints are not independent; the "
            "between-timepoint test is descriptive only."
        )
    if frame.empty:
        st.warning("No study matches this selection.")
        return
    if not analysis.available("subgroup_analysis"):
        na("The subgroup analysis (between-subgroup test)")
        return
    _subgroup_body(frame, model, by)


def _subgroup_body(frame: pd.DataFrame, model, by: str) -> None:
    na("The subgroup analysis (between-subgroup test)")


def metareg_panel(frame: pd.DataFrame, model) -> None:
    st.subheader("Meta-regression")
    moderator = st.selectbox(
        "Moderator", list(analysis.MODERATORS), format_func=analysis.MODERATORS.get,
        key="moderator", bind="query-params",
    )
    if not analysis.available("meta_regression"):
        na("Meta-regression")
        return
    _metareg_body(frame, model, moderator)


def _metareg_body(frame: pd.DataFrame, model, moderator: str) -> None:
    na("Meta-regression")


def composition_panel(subtypes: pd.DataFrame, outcomes: pd.DataFrame, frame: pd.DataFrame, sel, model) -> None:
    from charts import meta_plots

    st.subheader("Histology composition of each study")
    comp = analysis.composition_rows(subtypes, frame["study_id"].astype(str).tolist())
    if comp.empty:
        st.info("None of the studies in view reports its subtype breakdown.")
    else:
        plot(meta_plots.composition_figure(comp), key="composition")
        missing = sorted(set(frame["label"].map(str)) - set(comp["label"].map(str)))
        if missing:
            st.caption("No subtype breakdown reported: " + ", ".join(missing))
        csv_download(comp, "composition.csv", key="dl_comp")
    st.subheader("Results reported for subgroups inside studies")
    sub = analysis.subtype_results(outcomes, sel)
    if sub.empty:
        st.info(f"No study reports {sel.endpoint} by subtype or subgroup.")
        return
    ci = analysis.cached_study_ci(tuple(sub["events"]), tuple(sub["total"]), model.study_ci_method, model.level)
    rows = analysis.subgroup_result_rows(sub, ci)
    from charts import forest

    fig = forest.forest_figure(
        rows, None, title=f"{sel.endpoint} within studies, by reported subgroup (not pooled)",
        ci_label=f"{model.level:.0%} CI",
    )
    plot(fig, key="subgroup_rows", clickable=True)
    st.caption(
        f"As reported; {model.level:.0%} {analysis.LABELS[model.study_ci_method]} intervals. These "
        "rows are never pooled with whole-study rows. Click a row to open the study card."
    )
    csv_download(rows, "subgroup_results.csv", key="dl_subres")


def design_panel(frame: pd.DataFrame, studies: pd.DataFrame, flags: pd.DataFrame) -> None:
    st.subheader("Studies in view, side by side")
    f = frame.copy()
    ft = analysis.flag_text(flags)
    f["flag_count"] = [ft.get(str(s), (0, ""))[0] for s in f["study_id"]]
    table = analysis.design_table(f, None)
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, "design_table.csv", key="dl_design")
