"""Small Streamlit building blocks for the synthesis pages (metrics, downloads, charts, clicks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts import forest, meta_plots
from findings import compare, pooled, robustness, text
from findings.pooled import Headline, PooledView
from findings.query import CONTROLS
from synthesis import LABELS
from ui import analysis
from ui.controls import PERSIST, linked, sort_control, write_link
from ui.evidence_view import arrow, csv_download
from ui.pages import PAGES

STUDIES_PAGE = "pages/studies.py"
PLOT_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


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


def metric_row(items, widths: list[float] | int | None = None) -> None:
    """``(label, value, help)`` metrics side by side, bordered (``widths``: relative column widths)."""
    for col, (label, value, help_) in zip(st.columns(widths or len(items), gap="small"), items, strict=True):
        col.metric(label, value, border=True, help=help_)


def pooled_metrics(result, *, label: str = "Pooled") -> None:
    """Pooled estimate, CI, PI and k/N as metrics (display strings; never ``nan``)."""
    # intervals need the room ("19.9–38.…" was cut at 1280 px): widths follow the values' lengths
    metric_row(pooled.metrics(result, label), [0.7, 1.2, 1.2, 1.0])


def notes(result) -> None:
    """The model's own notes (fallbacks, corrections, FT warning) as captions."""
    if result.computation.fallback:
        st.warning(f"The requested model could not be fitted: {result.computation.fallback}")
    for note in result.computation.notes:
        st.caption(str(note))


@st.fragment
def forest_panel(sel, model, view: PooledView, *, file_stem: str) -> None:
    """Forest plot with its chart-local sort control (a fragment: sorting does not re-pool)."""
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        order = sort_control()
    with right:
        by = st.selectbox("Group by", list(compare.GROUP_BY), format_func=compare.GROUP_BY.get,
                          key=linked("group_by"), persist_state=PERSIST,
                          help="Group the studies by a comparison variable: a diamond and a "
                          "prediction interval per group, the overall diamond and the test for "
                          "subgroup differences at the foot (as R meta's forest(subgroup = ...)).") or "none"
    write_link({"group_by": by})
    fig = None
    if by != "none":
        try:
            fig = analysis.grouped_forest_for(sel, model, order, by, analysis.data_key())
        except ValueError as exc:
            st.warning(f"The studies cannot be grouped by {compare.GROUP_BY[by].lower()}: {exc}")
    grouped = fig is not None
    if fig is None:
        fig = analysis.forest_figure_for(sel, model, order, analysis.data_key())
    plot(fig, key="forest", clickable=True)
    st.caption(f"{view.caption} Hover a ⚑ for the messages; click a study to open its card."
               + (f" {compare.GROUPED_FOREST_NOTE}" if grouped else ""))
    csv_download(view.rows, f"{file_stem}.csv", key="dl_forest", label="Download study table (CSV)")


def excluded_table(selected, *, key: str) -> None:
    """What was left out of the pool and why."""
    if len(selected.excluded):
        with st.expander(f"Not pooled: {len(selected.excluded)} report(s) and why"):
            st.dataframe(arrow(selected.excluded), hide_index=True, width="stretch")
            csv_download(selected.excluded, "not_pooled.csv", key=key)


# --------------------------------------------------------------------------------------------
# panels of the Pooled efficacy page (each one self-contained; errors become messages)
def heterogeneity(view: PooledView) -> None:
    st.subheader("Heterogeneity")
    table = view.heterogeneity
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, "heterogeneity.csv", key="dl_het")
    st.caption(pooled.HETEROGENEITY_CAPTION)


def methods(view: PooledView) -> None:
    st.subheader("Methods paragraph")
    st.caption("Ready to paste into a protocol or report (plain text).")
    st.code(view.methods, language=None, wrap_lines=True)


SCOPE_HELP = ("What the estimate pools, counted by study: regimens, histologies, lines of therapy "
              "and designs. A pool that mixes them answers a broader question than any one patient's.")


def headline_card(title: str, view: Headline) -> None:
    """One endpoint on the home page: estimate, CI, PI, k/N, what is pooled and the GLMM check."""
    result = view.result
    lvl = text.level(result.ci.level)
    with st.container(border=True):
        st.subheader(title)
        st.metric(f"Pooled {view.endpoint}", text.pct(result.estimate), help=result.model_label())
        st.markdown(
            f"**{lvl} CI** {text.interval(*result.ci)} · "
            f"**{lvl} prediction interval** {text.interval(*result.pi)}"
        )
        st.caption(view.summary)
        if view.scope is not None:
            st.caption(text.md(view.scope.sentence()), help=SCOPE_HELP)
        if view.check_sentence:
            st.caption(view.check_sentence)


def page_links(items: list[tuple[str, str, str]]) -> None:
    """``(page file, label, who it is for)`` links to registered pages."""
    specs = {p.file: p for p in PAGES}
    per_row = 3
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, (file, label, who) in zip(cols, items[start : start + per_row], strict=False):
            with col, st.container(border=True):
                st.page_link(file, label=label, icon=specs[file].icon, width="stretch")
                st.caption(who)


def agreement(frame: pd.DataFrame, model, result=None) -> None:
    st.subheader("Do the models agree?")
    _agreement_body(frame, model, result)


def sensitivity(frame: pd.DataFrame, model, result) -> None:
    st.subheader("Leave-one-out and cumulative analyses")
    _sensitivity_body(frame, model, result)


def small_study(frame: pd.DataFrame, model, result) -> None:
    st.subheader("Small-study effects (funnel plot)")
    _small_study_body(frame, model, result)


def published(sel, model) -> None:
    st.subheader("Published pooled estimates beside this app's")
    rows = analysis.published_comparison(sel, model, analysis.data_key())
    if rows.empty:
        st.info("No published pooled estimate for this endpoint is in the evidence base yet.")
        return
    st.dataframe(rows, hide_index=True, width="stretch")
    csv_download(rows, "published_vs_app.csv", key="dl_published")
    st.caption(pooled.PUBLISHED_CAPTION)


def _agreement_body(frame: pd.DataFrame, model, result) -> None:
    ev, n, _ = analysis.counts(frame)
    try:
        agr = analysis.cached_agreement(ev, n, model.level)
    except ValueError as exc:
        st.warning(f"Method agreement is not available for these studies: {exc}")
        return
    view = robustness.agreement_view(frame, model, result, agr)
    kind, sentence = view.verdict
    if kind == "warning":
        st.warning(sentence, icon=":material/warning:")
    elif kind == "info":
        st.info(sentence, icon=":material/info:")
    else:
        st.success(sentence, icon=":material/check_circle:")
    fig = meta_plots.interval_rows_figure(
        view.rows, reference=result.estimate, reference_band=tuple(result.ci),
        title="Pooled estimate under each model", reference_label="Chosen model",
    )
    plot(fig, key="agreement")
    st.caption(view.caption)
    st.dataframe(view.table, hide_index=True, width="stretch")
    csv_download(view.table, "method_agreement.csv", key="dl_agree")


def _sensitivity_body(frame: pd.DataFrame, model, result) -> None:
    ev, n, labels = analysis.counts(frame)
    if len(ev) < 3:
        st.info("Leave-one-out and influence analyses need at least 3 studies.")
        return
    try:
        loo = analysis.cached_loo(ev, n, labels, model)
        order = robustness.year_order(frame)
        cum = analysis.cached_cumulative(ev, n, labels, order, model)
    except ValueError as exc:
        st.warning(f"Sensitivity analyses are not available for these studies: {exc}")
        return
    ref = {"reference": result.estimate, "reference_band": tuple(result.ci)}
    left, right = st.container(), st.container()
    with left:
        rows = robustness.loo_rows(loo, result)
        plot(meta_plots.interval_rows_figure(rows, title="Leave one study out", **ref), key="loo")
        st.caption(robustness.loo_caption(rows))
        csv_download(robustness.interval_table(rows, model.level), "leave_one_out.csv", key="dl_loo")
    with right:
        crow = robustness.cumulative_rows(cum, frame, order)
        plot(meta_plots.interval_rows_figure(crow, title="Cumulative, by publication year", **ref),
             key="cumulative")
        st.caption(robustness.CUMULATIVE_CAPTION)
        csv_download(robustness.interval_table(crow, model.level), "cumulative.csv", key="dl_cum")
    st.subheader("Influence (Baujat plot)")
    try:
        inf = analysis.cached_influence(ev, n, labels, model)
    except ValueError as exc:
        st.warning(f"Influence diagnostics are not available: {exc}")
        return
    f = inf.to_frame()
    plot(meta_plots.baujat_figure(pd.DataFrame({"label": f["label"], "x": f["baujat_x"],
                                                "y": f["baujat_y"]})), key="baujat")
    st.caption(robustness.influence_caption(model))
    st.markdown(robustness.influential_text(f))
    shown = f.round(3)
    st.dataframe(shown, hide_index=True, width="stretch")
    csv_download(shown, "influence.csv", key="dl_inf")


def _small_study_body(frame: pd.DataFrame, model, result) -> None:
    ev, n, labels = analysis.counts(frame)
    if len(ev) < 3:
        st.info("Small-study tests need at least 3 studies.")
        return
    iv = robustness.iv_model(model)
    try:
        egger, begg = analysis.cached_bias(ev, n, iv.transform)
    except ValueError as exc:
        st.warning(f"Small-study tests are not available: {exc}")
        return
    reliable = bool(egger.reliable and begg.reliable)
    if not reliable:
        st.info(robustness.small_study_note(len(ev)), icon=":material/info:")
    table = robustness.small_study_table(egger, begg)
    with st.container() if reliable else st.expander("Funnel plot and tests (descriptive only)"):
        fig = meta_plots.funnel_figure(
            np.asarray(result.data.yi), np.sqrt(np.asarray(result.data.vi)), list(result.labels),
            center=result.fit.estimate_t, x_title=f"{LABELS.get(iv.transform, iv.transform)} proportion",
            level=model.level, reliable=reliable,
            note="" if reliable else f"k = {len(ev)} < 10: not interpretable",
        )
        plot(fig, key="funnel")
        st.dataframe(table, hide_index=True, width="stretch")
        if str(egger.message).strip():
            st.caption(str(egger.message))
        csv_download(table, "small_study_tests.csv", key="dl_bias")


# --------------------------------------------------------------------------------------------
# panels of the Designs & subtypes page
BY = CONTROLS["by"]


def subgroup_panel(outcomes: pd.DataFrame, sel, model) -> None:
    by = st.segmented_control(
        "Compare by", list(BY.choices), required=True, key=linked("by"),
        format_func=BY.label, persist_state=PERSIST,
    ) or BY.default
    write_link({"by": by})
    st.subheader(f"Subgroups: {compare.COMPARE_BY[by].lower()}")
    if outcomes is analysis.evidence_frames().outcomes:  # the evidence analysed: cached per content
        frame = analysis.cached_subgroup_frame(sel, by, analysis.data_key())
    else:
        frame = compare.subgroup_frame(outcomes, sel, by)
    if by == "timepoint":
        st.caption(compare.TIMEPOINT_NOTE)
    if frame.empty:
        st.warning("No study matches this selection.")
        return
    _subgroup_body(frame, model, by)


def _subgroup_body(frame: pd.DataFrame, model, by: str) -> None:
    modes = ["separate", "common"] if model.method != "GLMM" else ["separate"]
    tau2_mode = st.radio(
        "Between-study variance", modes, key=linked("tau2_mode", modes), persist_state=PERSIST,
        horizontal=True, captions=["own τ² in each subgroup", "one τ² shared by all subgroups"][: len(modes)],
    ) or "separate"
    write_link({"tau2_mode": tau2_mode})
    groups = tuple(str(g) for g in frame["group"])
    if len(set(groups)) < 2:
        st.info(f"All studies in view fall into one group ({groups[0]}); nothing to compare.")
    ev, n, _ = analysis.counts(frame)
    try:
        res = analysis.cached_subgroups(ev, n, groups, tau2_mode, model)
        ci = analysis.cached_study_ci(ev, n, model.study_ci_method, model.level)
    except ValueError as exc:
        st.warning(f"The subgroup analysis cannot be run for these studies: {exc}")
        return
    gtab = res.to_frame()
    gtab = gtab[gtab["group"] != "Overall"]
    test = compare.subgroup_test_text(res) if len(res.groups) > 1 else ""
    fig = meta_plots.subgroup_forest_figure(
        compare.subgroup_rows(frame, ci), gtab.rename(columns={"total": "n"}),
    )  # the test is printed once, below the figure
    plot(fig, key="subgroup_forest", clickable=True)
    if test:
        st.markdown(f"**{text.md(test)}**")
    st.caption(compare.subgroup_caption(res))
    for note in res.notes:
        st.caption(str(note))
    table = compare.subgroup_table(res, model.level)
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, f"subgroups_{by}.csv", key="dl_sub")


def metareg_panel(frame: pd.DataFrame, model) -> None:
    st.subheader("Meta-regression")
    moderator = st.selectbox(
        "Moderator", list(compare.MODERATORS), format_func=compare.MODERATORS.get,
        key=linked("moderator"), persist_state=PERSIST,
    )
    write_link({"moderator": moderator})
    _metareg_body(frame, model, moderator)


def _metareg_body(frame: pd.DataFrame, model, moderator: str) -> None:
    data = compare.metareg_data(frame, moderator)
    if data.too_few:
        st.info(data.too_few)
        return
    ev, n, _ = analysis.counts(data.rows)
    try:
        res = analysis.cached_metareg(ev, n, tuple(float(v - data.centre) for v in data.values), moderator, model)
    except ValueError as exc:
        st.warning(f"The meta-regression cannot be fitted: {exc}")
        return
    line = compare.metareg_line(res, data.values, np.array(n, dtype=float), centre=data.centre)
    fig = meta_plots.bubble_figure(
        data.points(), line, x_title=compare.MODERATORS[moderator], tick_labels=data.tick_labels(),
    )
    plot(fig, key="bubble")
    st.markdown(f"**Moderator test:** {compare.metareg_test_text(res)}")
    st.caption(compare.metareg_caption(res, model, data.missing))
    table = compare.metareg_table(res)
    st.dataframe(table, hide_index=True, width="stretch")
    if data.centre:
        st.caption(compare.centre_note(moderator, data.centre))
    csv_download(table, f"metaregression_{moderator}.csv", key="dl_mr")


def composition_panel(subtypes: pd.DataFrame, outcomes: pd.DataFrame, frame: pd.DataFrame, sel, model) -> None:
    st.subheader("Histology composition of each study")
    comp = compare.composition_rows(subtypes, frame["study_id"].astype(str).tolist())
    if comp.empty:
        st.info("None of the studies in view reports its subtype breakdown.")
    else:
        plot(meta_plots.composition_figure(comp), key="composition")
        missing = sorted(set(frame["label"].map(str)) - set(comp["label"].map(str)))
        if missing:
            st.caption("No subtype breakdown reported: " + ", ".join(missing))
        csv_download(comp, "composition.csv", key="dl_comp")
    st.subheader("Results reported for subgroups inside studies")
    sub = compare.subtype_results(outcomes, sel)
    if sub.empty:
        st.info(f"No study reports {sel.endpoint} by subtype or subgroup.")
        return
    ci = analysis.cached_study_ci(tuple(sub["events"]), tuple(sub["total"]), model.study_ci_method, model.level)
    rows = compare.subgroup_result_rows(sub, ci)
    fig = forest.forest_figure(
        rows, None, title=f"{sel.endpoint} within studies, by reported subgroup (not pooled)",
        ci_label=f"{model.level:.0%} CI",
    )
    plot(fig, key="subgroup_rows", clickable=True)
    st.caption(compare.subgroup_results_caption(model))
    csv_download(rows, "subgroup_results.csv", key="dl_subres")


def design_panel(frame: pd.DataFrame, studies: pd.DataFrame, flags: pd.DataFrame) -> None:
    st.subheader("Studies in view, side by side")
    f = frame.copy()
    ft = pooled.flag_text(flags)
    f["flag_count"] = [ft.get(str(s), (0, ""))[0] for s in f["study_id"]]
    table = compare.design_table(f, None)
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, "design_table.csv", key="dl_design")


def bayes(frame: pd.DataFrame, model) -> None:
    st.subheader(f"Bayesian sensitivity: half-normal({model.prior_scale:g}) prior on τ")
    ev, n, _ = analysis.counts(frame)
    try:
        b = analysis.cached_bayes(ev, n, model.prior_scale, model.level)
    except ValueError as exc:
        st.warning(f"The Bayesian model cannot be fitted: {exc}")
        return
    metric_row(robustness.bayes_metrics(b, model))
    st.caption(robustness.bayes_caption(b, model))


def design_contrast(model, key: str) -> None:
    """Home page: ORR/DCR by study design with the between-subgroup test (one line each).

    ``key``: :func:`analysis.data_key`.
    """
    lines = analysis.design_contrast_lines(model, key)
    if not lines:
        st.caption("Not enough studies of each design to compare.")
        return
    for line in lines:
        st.markdown(line)
    st.caption(compare.DESIGN_CONTRAST_CAPTION)
