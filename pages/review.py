"""Living review: what is new in this version, the PRISMA 2020 flow, the search log, exclusions."""

from __future__ import annotations

import streamlit as st

from findings import review as R
from findings import text
from ui import review_view as RV
from ui import widgets
from ui.bootstrap import route_through_app
from ui.data import get_evidence
from ui.evidence_view import fit_columns

route_through_app()

st.title("Living review")
base = get_evidence()  # the built-in data: the search log describes how it was assembled
summary = R.evidence_summary(base)
st.caption(text.md(summary.sentence))

view, news, report = RV.living_review(base.sha256 or "", base)

st.subheader("What's new", anchor=False)
if news is None:
    st.info("The previous version of the data could not be loaded, so no comparison is shown.")
else:
    st.markdown(text.md(news.summary))
    st.dataframe(news.table, hide_index=True, width="stretch", column_config=fit_columns(news.table))
    widgets.csv_download(news.table, "whats_new.csv", key="dl_news", label="Download What's new (CSV)")
    with st.expander("Every change, line by line (as printed by `python -m evidence diff`)"):
        st.code(report, language=None)

st.subheader("PRISMA 2020 flow diagram", anchor=False)
if view.counts is None:
    st.error(f"The PRISMA counts could not be computed: {view.error}")
else:
    widgets.plot(RV.figure(base.sha256 or "", view), key="prisma")
    st.caption(
        "Updated review, other methods only: no bibliographic database could be queried, so every "
        "search is a search of stored copies of the literature. Every count is computed from the "
        "search log, this version's data file and the previous version's; each box is checked "
        "against an independent count. The camera icon of the figure saves a PNG."
    )
    with st.expander("Counts of every box"):
        st.dataframe(view.table, hide_index=True, width="stretch")
        widgets.csv_download(view.table, "prisma_counts.csv", key="dl_prisma")

st.subheader("Search log", anchor=False)
st.caption("Only searches that were made, with their real counts; a count that is not known is shown "
           "as not known.")
st.dataframe(view.searches, hide_index=True, width="stretch", column_config=fit_columns(view.searches))
widgets.csv_download(view.searches, "search_log.csv", key="dl_log")

st.subheader("Records considered and excluded", anchor=False)
excl = RV.exclusions_table(base)
if excl.empty:
    st.info("No exclusion is recorded in the data file.")
else:
    st.dataframe(excl, hide_index=True, width="stretch", column_config=fit_columns(excl))
    widgets.csv_download(excl, "exclusions.csv", key="dl_excl")
