"""Small Streamlit building blocks for the synthesis pages (metrics, downloads, charts, clicks)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from findings import text
from ui import analysis
from ui.evidence_view import arrow

STUDIES_PAGE = "pages/studies.py"
PLOT_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def csv_download(df: pd.DataFrame, file_name: str, *, key: str, label: str = "Download CSV") -> None:
    """A CSV download of ``df`` (formula injection neutralised).

    The bytes are built only when the button is clicked (Streamlit's deferred ``data`` callable),
    not on every rerun; ``df`` must not be changed after the call.
    """
    st.download_button(
        label, data=lambda: text.csv_bytes(df), file_name=file_name, mime="text/csv", key=key,
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
    c[0].metric(label, text.pct(result.estimate), border=True,
                help=result.model_label())
    c[1].metric(f"{lvl} confidence interval", text.interval(result.ci_low, result.ci_high),
                border=True, help="Uncertainty about the average response rate.")
    c[2].metric(f"{lvl} prediction interval", text.interval(result.pi_low, result.pi_high),
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

    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        order = sort_control()
    with right:
        by = st.selectbox("Group by", list(analysis.GROUP_BY), format_func=analysis.GROUP_BY.get,
                          key="group_by", bind="query-params",
                          help="Group the studies by a comparison variable: a diamond and a "
                          "prediction interval per group, the overall diamond and the test for "
                          "subgroup differences at the foot (as R meta's forest(subgroup = ...)).") or "none"
    result, ci_label = view.result, f"{model.level:.0%} CI"
    label = text.pooled_label(result)
    fig = None
    if by != "none":
        try:
            fig = analysis.grouped_forest_for(sel, model, order, by, analysis.data_key(), label)
        except ValueError as exc:
            st.warning(f"The studies cannot be grouped by {analysis.GROUP_BY[by].lower()}: {exc}")
    if fig is None:
        fig = analysis.forest_figure_for(sel, model, order, analysis.data_key(), label)
    plot(fig, key="forest", clickable=True)
    st.caption(
        f"{result.model_label()}. Squares: observed proportion (size ∝ weight, or patients for the "
        f"GLMM); bars: {ci_label} of each study; red diamond: pooled estimate and its CI; orange bar: "
        "prediction interval. ⚑ marks studies with data-quality flags (hover for the messages). "
        "Click a study to open its card."
        + (" Grey diamonds: each group's own pooled estimate (own τ²); weights are those of the "
           "overall model. Comparisons between groups are observational, not randomised."
           if fig is not None and by != "none" else "")
    )
    csv_download(view.rows, f"{file_stem}.csv", key="dl_forest", label="Download study table (CSV)")


def excluded_table(selected, *, key: str) -> None:
    """What was left out of the pool and why."""
    if len(selected.excluded):
        with st.expander(f"Not pooled: {len(selected.excluded)} report(s) and why"):
            st.dataframe(arrow(selected.excluded), hide_index=True, width="stretch")
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
    paragraph = analysis.methods_paragraph(sel, model, result, selected)
    st.caption("Ready to paste into a protocol or report (plain text).")
    st.code(paragraph, language=None, wrap_lines=True)


SCOPE_HELP = ("What the estimate pools, counted by study: regimens, histologies, lines of therapy "
              "and designs. A pool that mixes them answers a broader question than any one patient's.")


def headline_card(title: str, result, check, *, endpoint: str, scope=None) -> None:
    """One endpoint on the home page: estimate, CI, PI, k/N, what is pooled and the GLMM check."""
    lvl = f"{result.level:.0%}"
    with st.container(border=True):
        st.subheader(title)
        st.metric(
            f"Pooled {endpoint}",
            f"{text.pct(result.estimate)}",
            help=result.model_label(),
        )
        st.markdown(
            f"**{lvl} CI** {text.interval(result.ci_low, result.ci_high)} · "
            f"**{lvl} prediction interval** {text.interval(result.pi_low, result.pi_high)}"
        )
        k = result.k
        st.caption(
            f"{k} {'study' if k == 1 else 'studies'}, {result.total_n} patients, "
            f"{result.total_events} {'responders' if endpoint == 'ORR' else 'with disease control'}."
            + (f" I² = {result.i2:.0f}%." if k > 1 and text.num(result.i2) != "–" else "")
            + (" A single study: this is its own result, not a pooled estimate." if k == 1 else "")
        )
        if scope is not None:
            st.caption(text.md(scope.sentence()), help=SCOPE_HELP)
        if check is not None:
            st.caption(
                f"Check with the one-step GLMM: {text.pct(check.estimate)} "
                f"({text.interval(check.ci_low, check.ci_high)})."
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


def agreement(frame: pd.DataFrame, model, result=None) -> None:
    st.subheader("Do the models agree?")
    if not analysis.available("method_agreement"):
        na("The method-agreement panel")
        return
    _agreement_body(frame, model, result)


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


def _agreement_body(frame: pd.DataFrame, model, result=None) -> None:
    from charts import meta_plots

    ev, n, _ = analysis.counts(frame)
    try:
        agr = analysis.cached_agreement(ev, n, model.level)
    except ValueError as exc:
        st.warning(f"Method agreement is not available for these studies: {exc}")
        return
    material = (not agr.ci_overlap) or agr.spread_pp > 10 or agr.width_ratio > 2
    if agr.warnings and material:
        st.warning(
            "**The models disagree materially; read the estimate with caution.** "
            + " ".join(str(w) for w in agr.warnings),
            icon=":material/warning:",
        )
    elif agr.warnings:
        st.info(" ".join(str(w) for w in agr.warnings), icon=":material/info:")
    else:
        st.success(
            f"The usual models agree: point estimates span {agr.spread_pp:.1f} percentage points "
            "and every interval overlaps.", icon=":material/check_circle:"
        )
    rows = analysis.agreement_rows(agr, result, text.pooled_label(result) if result is not None else "")
    fig = meta_plots.interval_rows_figure(
        rows, reference=result.estimate if result is not None else None,
        reference_band=(result.ci_low, result.ci_high) if result is not None else None,
        title="Pooled estimate under each model", reference_label="This page",
    )
    plot(fig, key="agreement")
    st.caption(
        f"Spread of point estimates: {agr.spread_pp:.1f} percentage points; widest interval "
        f"{agr.width_ratio:.1f}× the narrowest. Bars: {model.level:.0%} CI (credible interval for "
        "the Bayesian models); orange: prediction interval. The shaded band is this page's CI."
    )
    table = analysis.interval_table(rows, model.level)
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, "method_agreement.csv", key="dl_agree")


def _sensitivity_body(frame: pd.DataFrame, model, result) -> None:
    from charts import meta_plots

    ev, n, labels = analysis.counts(frame)
    if len(ev) < 3:
        st.info("Leave-one-out and influence analyses need at least 3 studies.")
        return
    try:
        loo = analysis.cached_loo(ev, n, labels, model)
        order = analysis.year_order(frame)
        cum = analysis.cached_cumulative(ev, n, labels, order, model)
    except ValueError as exc:
        st.warning(f"Sensitivity analyses are not available for these studies: {exc}")
        return
    ref = {"reference": result.estimate, "reference_band": (result.ci_low, result.ci_high)}
    left, right = st.container(), st.container()
    with left:
        rows = analysis.loo_rows(loo, result)
        plot(meta_plots.interval_rows_figure(rows, title="Leave one study out", **ref), key="loo")
        moved = rows.loc[rows["highlight"], "label"].tolist()
        st.caption(
            "Each row re-pools without one study. "
            + (f"Outside the full CI (red): {', '.join(moved)}." if moved
               else "No single study moves the estimate outside the full analysis' CI.")
        )
        csv_download(analysis.interval_table(rows, model.level), "leave_one_out.csv", key="dl_loo")
    with right:
        crow = analysis.cumulative_rows(cum, frame, order)
        plot(meta_plots.interval_rows_figure(crow, title="Cumulative, by publication year", **ref),
             key="cumulative")
        st.caption("Studies are added in order of publication; a drifting estimate suggests "
                   "early studies were more (or less) favourable.")
        csv_download(analysis.interval_table(crow, model.level), "cumulative.csv", key="dl_cum")
    st.subheader("Influence (Baujat plot)")
    try:
        inf = analysis.cached_influence(ev, n, labels, model)
    except ValueError as exc:
        st.warning(f"Influence diagnostics are not available: {exc}")
        return
    f = inf.to_frame()
    plot(meta_plots.baujat_figure(pd.DataFrame({"label": f["label"], "x": f["baujat_x"],
                                                "y": f["baujat_y"]})), key="baujat")
    iv = analysis.iv_model(model)
    st.caption(
        "Top right: studies that both add much heterogeneity and move the pooled result."
        + (" Computed with IV logit REML (a GLMM has no case-deletion diagnostics)."
           if model.method == "GLMM" else f" Model: {iv.method}, {iv.transform} scale.")
    )
    flagged = f.loc[f["influential"].astype(bool), "label"].tolist()
    st.markdown("Influential by metafor's criteria: " + (text.md(", ".join(flagged)) if flagged else "none"))
    shown = f.round(3)
    st.dataframe(shown, hide_index=True, width="stretch")
    csv_download(shown, "influence.csv", key="dl_inf")


def _small_study_body(frame: pd.DataFrame, model, result) -> None:
    import numpy as np

    from charts import meta_plots

    ev, n, labels = analysis.counts(frame)
    if len(ev) < 3:
        st.info("Small-study tests need at least 3 studies.")
        return
    iv = analysis.iv_model(model)
    try:
        egger, begg = analysis.cached_bias(ev, n, iv.transform)
    except ValueError as exc:
        st.warning(f"Small-study tests are not available: {exc}")
        return
    reliable = bool(egger.reliable and begg.reliable)
    if not reliable:
        st.info(
            f"With {len(ev)} studies (fewer than 10) funnel-plot tests have very little power and "
            "an asymmetric-looking funnel is expected by chance; the plot is greyed and the tests "
            "are descriptive only (Sterne et al. 2011; meta's k.min = 10).", icon=":material/info:"
        )
    table = pd.DataFrame(
        {
            "Test": ["Egger regression (SE as predictor)", "Begg rank correlation"],
            "Statistic": [text.num(egger.statistic, 3), text.num(begg.statistic, 3)],
            "p": [text.pval(egger.pvalue), text.pval(begg.pvalue)],
            "Estimate": [f"slope {text.num(egger.estimate, 3)}",
                         f"Kendall τ {text.num(begg.estimate, 3)}"],
            "Interpretable": ["yes" if egger.reliable else "no (k < 10)",
                              "yes" if begg.reliable else "no (k < 10)"],
        }
    )
    with st.container() if reliable else st.expander("Funnel plot and tests (descriptive only)"):
        fig = meta_plots.funnel_figure(
            np.asarray(result.yi), np.sqrt(np.asarray(result.vi)), list(result.labels),
            center=result.estimate_t, x_title=f"{analysis.LABELS.get(iv.transform, iv.transform)} proportion",
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
    if outcomes is analysis.evidence_frames().outcomes:  # the evidence analysed: cached per content
        frame = analysis.cached_subgroup_frame(sel, by, analysis.data_key())
    else:
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
    from charts import meta_plots

    modes = ["separate", "common"] if model.method != "GLMM" else ["separate"]
    tau2_mode = st.radio(
        "Between-study variance", modes, key="tau2_mode", bind="query-params", horizontal=True,
        captions=["own τ² in each subgroup", "one τ² shared by all subgroups"][: len(modes)],
    ) or "separate"
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
    test = analysis.subgroup_test_text(res) if len(res.groups) > 1 else ""
    fig = meta_plots.subgroup_forest_figure(
        analysis.subgroup_rows(frame, ci), gtab.rename(columns={"total": "n"}),
    )  # the test is printed once, below the figure
    plot(fig, key="subgroup_forest", clickable=True)
    if test:
        st.markdown(f"**{text.md(test)}**")
    small = [g for g, r in zip(res.groups, res.results, strict=True) if r.k < 3]
    st.caption(
        "Diamonds: pooled estimate of each subgroup with its CI. A small p-value suggests the "
        "response rate differs between subgroups; with few studies per subgroup the test has "
        "little power and a large p-value is not evidence of no difference."
        + (f" Fewer than 3 studies in: {', '.join(small)}." if small else "")
    )
    for note in res.notes:
        st.caption(str(note))
    table = analysis.subgroup_table(res, model.level)
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, f"subgroups_{by}.csv", key="dl_sub")


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
    import numpy as np

    from charts import meta_plots

    mods = analysis.moderator_frame(frame, moderator)[moderator].to_numpy(float)
    ok = np.isfinite(mods)
    missing = frame.loc[~ok, "label"].map(str).tolist()
    sub = frame[ok]
    values = mods[ok]
    if len(sub) < 3 or len(np.unique(values)) < 2:
        st.info(
            f"{analysis.MODERATORS[moderator]} is known for {len(sub)} studies "
            f"with {len(np.unique(values))} distinct value(s): too few for a meta-regression."
        )
        return
    ev, n, labels = analysis.counts(sub)
    centre = analysis.moderator_centre(values)
    try:
        res = analysis.cached_metareg(ev, n, tuple(float(v - centre) for v in values), moderator, model)
    except ValueError as exc:
        st.warning(f"The meta-regression cannot be fitted: {exc}")
        return
    binary = set(np.unique(values)) <= {0.0, 1.0}
    points = pd.DataFrame({"label": labels, "x": values, "proportion": np.array(ev) / np.array(n),
                           "size": np.array(n, dtype=float)})
    line = analysis.metareg_line(res, values, np.array(n, dtype=float), centre=centre)
    fig = meta_plots.bubble_figure(
        points, line, x_title=analysis.MODERATORS[moderator],
        tick_labels={0: "no", 1: "yes"} if binary else None,
    )
    plot(fig, key="bubble")
    qm = "F" if len(res.qm_df) == 2 else "QM"
    st.markdown(
        f"**Moderator test:** {qm} = {text.num(res.qm, 3)}, p = {text.pval(res.qm_pvalue)}; "
        f"residual I² = {text.num(res.i2, 3)}%; R² = {text.num(res.r2, 3)}% "
        f"(k = {res.k})."
    )
    st.caption(
        f"Mixed-effects meta-regression on the {res.transform} scale (REML τ², {res.ci_method} "
        "tests); bubble size ∝ patients; line: fitted proportion. Across-study associations are "
        "observational and prone to ecological bias."
        + (" The GLMM has no meta-regression here; IV logit REML was used." if model.method == "GLMM" else "")
        + (f" Moderator not reported for: {', '.join(missing)}." if missing else "")
    )
    table = analysis.metareg_table(res)
    st.dataframe(table, hide_index=True, width="stretch")
    if centre:
        st.caption(f"{analysis.MODERATORS[moderator]} is centred at its mean over these studies "
                   f"({text.num(centre, 4)}): the intercept is the fitted value of a study at that "
                   "mean; the slope is per unit of the moderator.")
    csv_download(table, f"metaregression_{moderator}.csv", key="dl_mr")


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


def bayes(frame: pd.DataFrame, model) -> None:
    st.subheader(f"Bayesian sensitivity: half-normal({model.prior_scale:g}) prior on τ")
    if not analysis.available("bayes_pool"):
        na("The Bayesian model")
        return
    ev, n, _ = analysis.counts(frame)
    try:
        b = analysis.cached_bayes(ev, n, model.prior_scale, model.level)
    except ValueError as exc:
        st.warning(f"The Bayesian model cannot be fitted: {exc}")
        return
    lvl = f"{model.level:.0%}"
    c = st.columns(3)
    c[0].metric("Posterior median", text.pct(b.estimate), border=True, help=b.model_label())
    c[1].metric(f"{lvl} credible interval", text.interval(b.ci_low, b.ci_high), border=True)
    c[2].metric(f"{lvl} predictive interval", text.interval(b.pi_low, b.pi_high), border=True,
                help="For the response rate of a new, similar study.")
    st.caption(
        f"{b.model_label()}. τ posterior median {text.num(b.tau_median, 3)} "
        f"({lvl} interval {text.num(b.tau_low, 3)} to {text.num(b.tau_high, 3)}). "
        "Weakly informative priors on τ stabilise the estimate with few studies (Röver et al. 2021)."
    )


def design_contrast(model, key: str | None = None) -> None:
    """Home page: ORR/DCR by study design with the between-subgroup test (one line each).

    ``key``: :func:`analysis.data_key` when the caller has it already.
    """
    if not analysis.available("subgroup_analysis"):
        na("The comparison by study design")
        return
    lines = design_contrast_lines(model, key or analysis.data_key())
    if not lines:
        st.caption("Not enough studies of each design to compare.")
        return
    for line in lines:
        st.markdown(line)
    st.caption(
        "Prospective trials assess response at pre-specified times; retrospective series may "
        "over- or under-state it. Few studies per design: a large p-value is not evidence of no "
        "difference. More comparisons (histology, regimen, line, dose) on Designs & subtypes."
    )


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=analysis.HASH_FUNCS)
def design_contrast_lines(model, key: str) -> tuple[str, ...]:
    """The markdown lines of :func:`design_contrast` (``key`` = :func:`analysis.data_key`: the
    lines depend only on the evidence analysed and the model)."""
    frames = analysis.evidence_frames()
    lines = []
    for endpoint in analysis.ENDPOINTS:
        sel = analysis.Selection(endpoint=endpoint)
        frame = analysis.subgroup_frame(frames.outcomes, sel, "design")
        groups = tuple(str(g) for g in frame["group"])
        if len(set(groups)) < 2:
            continue
        ev, n, _ = analysis.counts(frame)
        try:
            res = analysis.cached_subgroups(ev, n, groups, "separate", model)
        except ValueError:
            continue
        parts = [
            f"{g}: {text.pct(r.estimate)} ({text.interval(r.ci_low, r.ci_high)}; "
            f"{r.k} {'study' if r.k == 1 else 'studies'})"
            for g, r in zip(res.groups, res.results, strict=True)
        ]
        lines.append(
            f"**{endpoint}** — " + text.md("; ".join(parts))
            + f" — difference p = {text.pval(res.q_between_pvalue)}"
        )
    return tuple(lines)
