"""Safety: pooled adverse-event incidence per CTCAE term and grade, four methods side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts import forest
from charts.safety import incidence_dot_figure
from evidence.selection import REPORTS
from findings import appraisal as FA
from findings import safety as FS
from findings import text
from findings.query import CONTROLS
from ui import analysis as A
from ui import certainty, controls, widgets
from ui import safety_view as V
from ui.bootstrap import route_through_app
from ui.evidence_view import fit_columns

route_through_app()

st.title("Safety")
st.caption(
    "What apatinib costs the patient: adverse events pooled per CTCAE v5 term and grade "
    "(any grade; grade ≥3), with treatment-related and all-cause counts kept apart. Every "
    "number opens its studies below."
)
key = A.data_key()
F = A.evidence_frames()
LEVEL, GRADE, KEEP = CONTROLS["s_level"], CONTROLS["s_grade"], controls.PERSIST
with st.sidebar:
    st.subheader("Studies")
    chosen = {}
    for name, label, column in (("s_regimen", "Regimen", "regimen"),
                                ("s_histology", "Histology", "histology_group"), ("s_design", "Design", "design")):
        opts = A.cached_options(column, key)
        chosen[name] = st.multiselect(label, opts, key=controls.linked(name, opts), persist_state=KEEP)
    reports = st.radio("Reports", list(REPORTS), format_func=REPORTS.get, key=controls.linked("s_reports"),
                       persist_state=KEEP,
                       help="One report per overlapping cohort and term (secondary reports, case "
                            "reports and non-sarcoma populations left out), or every report.")
    level = st.select_slider("Interval level", list(LEVEL.choices), key=controls.linked("s_level"),
                             format_func=LEVEL.label, persist_state=KEEP)
controls.write_link({**chosen, "s_reports": reports, "s_level": level})
level = float(level)
view = V.cached_safety(key, level, reports, *(tuple(v) for v in chosen.values()))
if view.table.empty:
    st.warning("No adverse-event count can be pooled in this selection. Widen the filters.")
    st.stop()

c1, c2, c3 = st.columns(3)
term_opts, attr_opts = sorted(view.table["Term"].unique()), sorted(view.table["attribution"].unique())
terms = c1.multiselect("Term", term_opts, key=controls.linked("s_term", term_opts), persist_state=KEEP)
grades = c2.multiselect("Grade", list(GRADE.choices), format_func=GRADE.label, key=controls.linked("s_grade"),
                        persist_state=KEEP)
attrs = c3.multiselect("Attribution", attr_opts, key=controls.linked("s_attr", attr_opts), persist_state=KEEP)
controls.write_link({"s_term": terms, "s_grade": grades, "s_attr": attrs})
strata = [GRADE.label(g) for g in grades]
table = view.table
for col, chosen in (("Term", terms), ("stratum", strata), ("attribution", attrs)):
    if chosen:
        table = table[table[col].isin(chosen)]

tabs = controls.tabs("s_tab")
if tabs[0].open is not False:
    with tabs[0]:
        disp = FS.display_table(table)
        st.dataframe(disp, hide_index=True, width="stretch", column_config=fit_columns(disp))
        st.caption(FS.TABLE_CAPTION)
        if ((table["Term"] == "Any adverse event") & (table["stratum"] == "grade ≥3")).any():
            line = FA.ae_certainty_line(view, certainty.appraisals(), certainty.current_inputs())
            if line:
                st.markdown(text.md(line))
        widgets.csv_download(disp, "safety_pooled.csv", key="dl_safety")
if tabs[1].open:
    with tabs[1]:
        pub = V.cached_published(key)
        widgets.plot(incidence_dot_figure(table, pub), key="dots")
        st.caption("Dots: the headline method with its interval; shapes: attribution as printed. "
                   "Open markers: published pooled estimates (Yao 2021, osteosarcoma; Peng 2018, all "
                   "solid tumours, no intervals printed), not re-pooled here.")
        pshow = pub[pub["term"].isin(table["term"])]
        st.dataframe(pshow.assign(Estimate=[text.pct(e) + (f" ({text.interval(lo, hi)})" if pd.notna(hi) else
                                                           " (no interval printed)")
                                            for e, lo, hi in zip(pshow["estimate"], pshow["ci_low"],
                                                                 pshow["ci_high"], strict=True)])
                     [["term", "stratum", "source", "Estimate", "scope", "where"]],
                     hide_index=True, width="stretch")
if tabs[2].open:
    with tabs[2]:
        keys = list(zip(table["term"], table["stratum"], table["attribution"], strict=True))
        labels = {k: f"{t} · {s} · {a} (k = {n})" for k, t, s, a, n in zip(
            keys, table["Term"], table["stratum"], table["attribution"], table["k"], strict=True)}
        start = int(table["k"].to_numpy().argmax())  # the best-supported row first
        pick = st.selectbox("Term and grade", keys, index=start, format_func=labels.get, key="s_forest")
        pool = view.pools[pick]
        rows = view.study_rows(pick)
        widgets.plot(forest.forest_figure(rows, pool.glmm, ci_label=f"{text.level(level)} CI",
                                          x_title="Patients with the event",
                                          pooled_label="Pooled (GLMM, z)"),
                     key="s_forest_fig", clickable=True)
        st.dataframe(pool.summary().assign(
            interval=lambda d: [text.interval(a, b) for a, b in zip(d["ci_low"], d["ci_high"], strict=True)],
            estimate=lambda d: d["estimate"].map(text.pct))[["method", "estimate", "interval", "flag"]],
            hide_index=True, width="stretch")
        for note in pool.notes:
            st.info(note, icon=":material/info:")
        st.caption("Study rows: exact (Clopper–Pearson) intervals; click a study to open its card. "
                   "The sources of every pooled count:")
        st.dataframe(rows[["study_id", "label", "source_term", "grade", "attribution", "events", "total",
                           "status", "source", "location", "flag_text"]],
                     hide_index=True, width="stretch")
        st.caption("Rows not pooled and why:")
        left = view.studies[~view.studies["pooled"]]
        st.dataframe(left[["study_id", "source_term", "grade", "attribution", "count", "total", "reason"]]
                     .astype({"count": object, "total": object}).fillna("not reported"),
                     hide_index=True, width="stretch")
if tabs[3].open:
    with tabs[3]:
        st.markdown(text.md(FS.METHODS_TEXT))
        st.markdown(text.md(view.overview_line()))
