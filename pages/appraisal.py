"""Appraisal & certainty: study risk of bias (MINORS, JBI), RoB-aware pooling and GRADE certainty."""

from __future__ import annotations

import streamlit as st

from charts import forest, robvis
from evidence.appraisal import MINORS_ITEMS
from findings import appraisal as FA
from findings import text
from ui import analysis as A
from ui import appraisal as U
from ui import controls, widgets
from ui.bootstrap import route_through_app

route_through_app()

st.title("Appraisal & certainty")
st.caption(
    "How far to trust the pooled results: each study's risk of bias (MINORS items 1–8 and the JBI "
    "case-series checklist, item by item with the source text it rests on), the pooled result "
    "re-run with risk of bias in view, and the GRADE certainty of each outcome."
)

AP = U.appraisals()
for p in AP.problems:
    st.error(text.md(str(p)), icon=":material/error:")
AP, SECOND_PROBLEMS = U.with_second(AP)
st.caption(text.md(FA.reviewers_sentence(AP)))
key = A.data_key()
U.apply_planner_view()
sel = controls.selection_controls()
model = controls.model_controls()
selected = A.cached_selection(sel, key)
if selected.k == 0:
    st.warning("No study matches this selection. Widen the filters in the sidebar.")
    st.stop()
try:
    view = A.pooled_view(sel, model, key)
except ValueError as exc:
    st.error(f"These studies cannot be pooled with this model: {text.md(str(exc))}")
    st.stop()
missing = AP.missing_for(view.rows["study_id"].astype(str).tolist())
if missing:
    st.info(f"{text.count(len(missing), 'pooled study', 'pooled studies')} without an appraisal "
            f"(drawn grey, 'NA'): {text.md(', '.join(missing))}.", icon=":material/info:")

tabs = controls.tabs("atab")

if tabs[0].open is not False:
    with tabs[0]:
        c1, c2, c3 = st.columns([2, 2, 3])
        cb = c1.toggle("Colour-blind palette", key=controls.linked("rob_cb"), persist_state=controls.PERSIST,
                       help="robvis' colour-blind scheme instead of the Cochrane colours.")
        grouped = c2.toggle("Group by overall risk of bias", key=controls.linked("rob_group"),
                            persist_state=controls.PERSIST,
                            help="A pooled estimate per overall judgement and the between-group test.")
        controls.write_link({"rob_cb": cb, "rob_group": grouped})
        palette = FA.ROB_PALETTES[bool(cb)]  # the reports read the same toggle (View.rob_cb)
        with c3:
            order = controls.sort_control()
        rows = forest.sort_rows(view.rows, order)
        rob = FA.rob_index(AP, rows["study_id"].astype(str).tolist())
        st.subheader(f"{sel.endpoint} with risk of bias")
        sub, test = FA.rob_groups(view.rows, AP, model) if grouped else (None, "")
        if grouped and sub is None:
            st.info(text.md(test), icon=":material/info:")
        widgets.plot(robvis.paired_forest_figure(
            rows.assign(group=rob["Overall"].to_numpy()), view.result, rob, domain_names=MINORS_ITEMS,
            palette=palette, ci_label=f"{model.level:.0%} CI", pooled_label=text.pooled_label(view.result),
            groups=sub, test_text=test), key="paired", clickable=True)
        st.caption(f"{view.result.model_label()}. Right: MINORS items D1–D8 and the overall judgement "
                   f"per study, in the forest's order. {text.md(FA.CONVENTIONS[1])}")
        table = FA.robvis_table(rows, AP)
        left, right = st.columns(2)
        with left:
            st.subheader("Traffic light")
            widgets.plot(robvis.traffic_light_figure(table.drop(columns="Weight"), palette=palette,
                                                     domain_names=MINORS_ITEMS), key="traffic")
        with right:
            st.subheader("Summary, weighted")
            widgets.plot(robvis.summary_figure(table, weighted=True, palette=palette,
                                               domain_names=MINORS_ITEMS), key="summary")
            st.caption(FA.SUMMARY_CAPTION)
        widgets.csv_download(table, f"rob_{sel.endpoint}.csv", key="dl_robvis",
                             label="Download in robvis layout (Study, D1…D8, Overall, Weight)")

if tabs[1].open:
    with tabs[1]:
        labels = U.study_labels()
        st.dataframe(FA.study_table(AP, labels), hide_index=True, width="stretch",
                     column_config={"study_id": None})
        st.caption("MINORS: 0 not reported, 1 reported but inadequate, 2 reported and adequate. JBI: "
                   "Yes / No / Unclear / NA, never summed. Every included study is appraised, "
                   "whether pooled in this view or not.")
        ids = list(AP.study_ids)
        chosen = st.selectbox("Study", ids, format_func=lambda s: labels.get(s, s),
                              key=controls.linked("appraised", ids), persist_state=controls.PERSIST)
        controls.write_link({"appraised": chosen if ids and chosen != ids[0] else None})
        a = AP.get(chosen)
        if a is not None:
            st.markdown(f"**{text.md(labels.get(chosen, chosen))}** — MINORS {a.minors_total}/16 "
                        f"({a.minors_band}), overall risk of bias **{a.overall}**.")
            st.caption(f"Appraiser: {text.md(a.appraiser)}. Date: {a.date.isoformat()}. Basis: "
                       f"{text.md(a.basis)}." + (f" {text.md(a.note)}" if a.note else ""))
            st.dataframe(FA.item_table(a), hide_index=True, width="stretch",
                         column_config={"Reason": st.column_config.TextColumn(width="large"),
                                        "Question": st.column_config.TextColumn(width="medium")})
        widgets.csv_download(FA.study_table(AP, labels), "appraisals.csv", key="dl_appr")
        U.second_review_panel(AP, SECOND_PROBLEMS, labels)

if tabs[2].open:
    with tabs[2]:
        try:
            sens = FA.rob_sensitivity(view.rows, AP, model.pool_kwargs(), model.regression_kwargs())
        except ValueError as exc:
            st.error(f"Not estimable: {text.md(str(exc))}")
        else:
            st.dataframe(sens.table(), hide_index=True, width="stretch")
            if sens.by_overall is not None:
                st.markdown(f"Between-group test (overall judgement): {sens.group_test()}.")
            if sens.on_minors is not None:
                st.markdown("**Meta-regression on the MINORS total** (logit scale)")
                st.dataframe(sens.on_minors.to_frame(), hide_index=True, width="stretch")
            for n in sens.notes:
                st.caption(f":material/info: {text.md(n)}")
            st.caption("Each row is the same model as the main analysis on a subset of studies "
                       "(metafor `rma(..., subset = )`).")

if tabs[3].open:
    with tabs[3]:
        U.grade_panel(sel, model, key, AP)

if tabs[4].open:
    with tabs[4]:
        for c in FA.CONVENTIONS:
            st.markdown(f"- {text.md(c)}")
        dist = FA.minors_distribution(AP)
        st.markdown(text.md(dist.sentence()))
        U.grade_methods()
