"""Survival: how long disease control lasts — reported medians and milestones, parametric curves through them,
pooled medians, consistency flags and the cross-check with response."""

from __future__ import annotations

import streamlit as st

from charts import survival as C
from charts.labels import spread_labels
from findings import survival_evidence as SE
from findings.query import CONTROLS
from findings.text import md
from ui import controls
from ui import survival_view as V
from ui.bootstrap import route_through_app
from ui.evidence_view import fit_columns
from ui.userdata_state import active_evidence, active_label
from ui.widgets import csv_download, plot

route_through_app()
EP, METHOD = CONTROLS["endpoints"], CONTROLS["pool_method"]
st.title("Survival")
st.caption(
    "How long does disease control last on apatinib? Every reported median and milestone rate, "
    "what can and cannot be combined, and where the numbers contradict each other. "
    f"Every control is kept in the URL. {active_label()}"
)
F = V.cached_frames(active_evidence())
if F.survival.empty:
    st.info("No study in the evidence base reports a survival median or milestone rate.")
    st.stop()

options = {name: SE.filter_options(F.survival, col) for name, col in SE.FILTER_COLUMNS.items()}
controls.read_link(options, keys=("reports", *options))  # the pooled pages' keys, tokens in the URL
for name in options:
    controls.start(name, [])
controls.start("reports", next(iter(SE.REPORTS)))  # its first option
with st.sidebar:
    st.subheader("Which survival figures")
    endpoints = [EP.label(e) for e in controls.kept(
        st.multiselect, "Endpoint", "endpoints", placeholder="All",
        help="\n".join(f"- {k}: {v}" for k, v in SE.ENDPOINTS.items()))]
    chosen = {
        name: tuple(st.multiselect(SE.FILTER_LABELS[name], opts, key=name, persist_state=controls.PERSIST,
                                   placeholder="All", help="Empty = no restriction."))
        for name, opts in options.items()
    }
    subgroups = controls.kept(st.toggle, "Show subgroup rows", "subgroups",
                              help="Medians of dose groups, histologies or adverse-event groups within a study.")
    reports = st.radio("Overlapping cohorts (pooling)", list(SE.REPORTS), format_func=SE.REPORTS.get,
                       key="reports", persist_state=controls.PERSIST,
                       help="By default one report per cohort is pooled (no secondary reports, "
                       "case reports or non-sarcoma cohorts).")
controls.write_link({"reports": reports, **chosen})
frame = SE.apply_filters(F.survival, endpoints=tuple(endpoints), subgroups=subgroups, **chosen)
if frame.empty:
    st.warning("No survival figure matches these filters. Widen them in the sidebar.")
    st.stop()

tabs = controls.tabs("stab")

SURVIVAL_HELP = {SE.FLAG: "A consistency flag concerns this value.",
                 "Interval kind": "95% CI, IQR, range, or kind not stated by the source.",
                 "Method": "Milestone rates only: Kaplan–Meier estimate, crude share, or not stated.",
                 "Provenance": "Source · location · status · derivation · as printed."}
if tabs[0].open is not False:
    with tabs[0], V.guard("The survival table"):
        table = SE.table_rows(frame, F.flags)
        n_flag = int((table[SE.FLAG] != "").sum())
        st.caption(f"{len(table)} reported values from {frame['study_id'].nunique()} records; "
                   f"{n_flag} carry a consistency flag ({SE.FLAG}, explained under the chart). "
                   "Milestone rates are marked Kaplan–Meier, crude proportion, or not stated.")
        st.dataframe(table, hide_index=True, width="stretch", height=min(420, 40 + 35 * len(table)), key="surv_table",
                     column_config=fit_columns(table, help=SURVIVAL_HELP, max_px=240))
        csv_download(SE.export_rows(frame, F.flags), "survival_table.csv", key="dl_survival",
                     label="Download the table (CSV)")
        plot(C.median_dot_whisker(SE.chart_frame(frame, F.flags)), key="fig_medians")
        msgs = SE.flag_messages(frame, F.flags)
        errs = msgs[msgs["severity"] == "error"]
        for (study, where), g in errs.groupby(["study", "where"], sort=False):
            head = f"{SE.FLAG} **{md(study)}, {md(where)}** ({', '.join(sorted(set(g['dossier']) - {''})) or 'check'}):"
            st.error("\n".join([head, *(f"- {md(x)}" for x in g["message"])]))
        if len(msgs):
            with st.expander(f"{SE.FLAG} All consistency flags on the values shown ({len(msgs)})",
                             expanded=True):
                st.dataframe(msgs, hide_index=True, width="stretch", key="surv_flags")

if tabs[1].open:
    with tabs[1], V.guard("The parametric curves"):
        choices = SE.curve_choices(frame)
        if not choices:
            st.info("No whole-cohort median or milestone rate matches the filters.")
        else:
            default = SE.default_curve(choices)
            key = controls.kept(st.selectbox, "Study and endpoint", "curve", list(choices),
                                format_func=choices.get, default=default)
            crude = controls.kept(st.toggle, "Use crude milestone proportions too (sensitivity)", "crude",
                                  help="A crude share progression-free at t is not a point on the "
                              "Kaplan–Meier curve (dossier flag 8); left out by default.")
            view = SE.curve_view(F.survival, key, include_crude=crude, secondary_of=F.secondary_of)
            st.info(SE.PARAMETRIC_NOTE, icon=":material/warning:")
            if view.fits:
                fig = C.parametric_curves(view.fits, view.points.to_frame(),
                                             title=f"{view.label} — {view.endpoint}: parametric curves through reported points, not Kaplan–Meier")
                plot(C.annotate_curves(fig, SE.point_provenance(F.survival, view), view.claims), key="fig_curves")
            st.dataframe(SE.fits_table(view), hide_index=True, width="stretch", key="fits")
            for label, why in view.points.skipped:
                st.caption(f"Point left out: {md(label)} — {md(why)}.")
            for note in view.points.notes:
                st.caption(md(note))
            if view.bounds_text:
                st.markdown(f"**What the milestones say about the median:** {md(view.bounds_text)} "
                            "(a Kaplan–Meier median is the first time the curve reaches 50%).")
            for ok, sentence in view.checks:
                (st.success if ok else st.error)(md(sentence))
            sub = frame[(frame["study_id"] == view.study_id) & (frame["endpoint"] == view.endpoint)]
            msgs = SE.flag_messages(sub, F.flags)
            for _, m in msgs.iterrows():
                st.warning(f"{SE.FLAG} {md(m['where'])}: {md(m['message'])}")

if tabs[2].open:
    with tabs[2], V.guard("The pooled median"):
        eps = [e for e in SE.ENDPOINTS if ((frame["endpoint"] == e) & (frame["statistic"] == "median")).any()]
        if not eps:
            st.info("No median matches the filters.")
        else:
            c1, c2, c3 = st.columns([1, 2, 2])
            ep = EP.label(controls.kept(c1.selectbox, "Endpoint to pool", "pool_endpoint",
                                        [e.lower() for e in eps], format_func=EP.label, default=eps[0].lower()))
            cands, pre = V.pool_candidates(frame, ep, reports)
            method = METHOD.label(controls.kept(
                c2.radio, "Method", "pool_method", captions=list(V.POOL_METHODS.values()),
                default=V.default_pool_method(cands).lower(),
                help="Opens on the method that uses the most studies (ties: inverse variance)."))
            unstated = controls.kept(c3.toggle, "Unstated intervals as 95% CIs (sensitivity)", "unstated",
                                     help="Inverse-variance methods only. IQRs and ranges are never used.")
            if reports == "all" and V.overlap_note(cands):
                st.warning(md(V.overlap_note(cands)), icon=":material/warning:")
            try:
                res = V.run_pool(cands, method, include_unstated=unstated)
                comparison = V.method_comparison(cands, include_unstated=unstated, n_pre=len(pre),
                                                reconstructed=V.reconstructed_medians(ep))
            except ValueError as exc:
                st.error(f"These medians cannot be pooled: {md(str(exc))}")
                st.stop()
            head = V.pooled_headline(res, ep, method, len(cands) + len(pre))
            m = st.columns(3)
            m[0].metric(f"Pooled median {ep}", head.value, border=True)
            m[1].metric(head.interval_name or "Interval", head.interval, border=True,
                        help=res.fit.ci_method if res is not None else None)
            m[2].metric("Studies used / candidates", f"{head.k} / {head.candidates}", border=True)
            (st.success if head.pooled else st.warning)(md(head.sentence))
            if res is not None:
                for line in V.result_lines(res)[1:]:
                    st.caption(md(line))
                plot(C.annotate_pooled(C.pooled_median_panel(res, endpoint=ep), SE.median_provenance(cands)),
                     key="fig_pooled")
            st.markdown("**Every method side by side** — how many studies each could use:")
            st.dataframe(comparison, hide_index=True, width="stretch", key="pool_compare")
            st.markdown("**Left out, and why**")
            excl = V.exclusions(cands, pre, method, res)
            if excl.empty:
                st.caption("No candidate was left out.")
            else:
                st.dataframe(excl, hide_index=True, width="stretch", key="pool_excluded")
                csv_download(excl, f"pooled_median_{ep}_left_out.csv", key="dl_left_out")
            st.caption(
                "Medians of single-arm studies of different populations estimate different "
                "quantities: read a pooled value as a summary of the reported medians, not as the "
                "median of any one population. Inverse-variance pooling needs a stated 95% CI (SE "
                "from its log width); the median of medians needs only the medians and gives a "
                "distribution-free order-statistic interval."
            )

if tabs[3].open:
    with tabs[3], V.guard("The pooled milestone rates"):
        V.show_milestones(frame, reports)

if tabs[4].open:
    with tabs[4], V.guard("The response cross-check"):
        resp = CONTROLS["response"].label(controls.kept(
            st.radio, "Response measure", "response", captions=list(SE.RESPONSES.values()), horizontal=True))
        st.info(SE.EDUCATOR_LINE, icon=":material/school:")
        rf = C.response_frame(F.outcomes, frame, resp)
        plot(spread_labels(C.response_vs_pfs(rf, response=resp)), key="fig_response")
        if len(rf):
            st.dataframe(SE.response_table(rf, resp), hide_index=True, width="stretch", key="resp_table")
        st.caption("Whole-cohort headline response of primary study records joined to the whole-cohort "
                   "median PFS of the same study; case reports, claims and secondary reports are left out.")
