"""Studies: browse every record, open a study card (``?study=S1``), compare trial designs."""

from __future__ import annotations

import streamlit as st

from evidence.references import FORMATS
from findings import review as R
from ui import evidence_view as V
from ui.bootstrap import route_through_app
from ui.userdata_state import active_evidence, active_label, user_ids

route_through_app()

st.title("Studies")
st.caption(
    "Every record of the evidence base with its numbers, where each number comes from, and the "
    "data-quality flags beside the numbers they concern. " + active_label()
)

st.page_link("pages/checks.py", label="Data checks: load problems and every flag", icon=":material/rule:")

base = active_evidence()
if not base.studies:
    st.error(
        f"No study could be loaded ({len(base.problems)} problem(s) in the data file). "
        "The Data checks page lists what could not be loaded and why."
    )
    st.stop()
if base.problems:
    n_err = sum(p.severity == "error" for p in base.problems)
    st.warning(f"{len(base.problems)} problem(s) while loading the data ({n_err} error(s)); the studies that "
               "validated are shown. See Data checks.", icon=":material/warning:")

fr = V.frames(base)
uids = user_ids()
browser = V.browser(fr, uids)  # cached per data content: the table and its filter options (read-only)
table = browser.table
ids = list(base.ids)
labels = {s.id: f"{s.id} — {s.label}" for s in base.studies}

# ------------------------------------------------------------------ browser
st.subheader("Browse", anchor=False)
c = st.columns([2, 2, 2, 2, 3])
hist = c[0].multiselect("Histology group", browser.options["histology"], key="f_hist")
design = c[1].multiselect("Design", browser.options["design"], key="f_design")
regimen = c[2].multiselect("Regimen", browser.options["regimen"], key="f_regimen")
kind = c[3].multiselect("Record kind", browser.options["kind"], key="f_kind")
search = c[4].text_input("Search", key="f_search", placeholder="id, label, histology, endpoint…")
year_range = None
if browser.years is not None:
    first, last = browser.years
    year_range = st.slider("Year", first, last, (first, last), key="f_years")
origin = None
if uids:
    origin = st.pills("Origin", ["built-in", "user"], selection_mode="multi", key="f_origin")

shown = V.browser_rows(fr, uids, histology=hist, design=design, regimen=regimen, kind=kind, years=year_range,
                       search=search, origin=origin)  # cached, read-only
st.session_state["_studies_shown_ids"] = list(shown["id"])


def _on_pick() -> None:
    sel = st.session_state.get("study_table")
    rows = list(getattr(getattr(sel, "selection", None), "rows", []) or [])
    shown_ids = st.session_state.get("_studies_shown_ids", [])
    if rows and 0 <= rows[0] < len(shown_ids):
        V.open_study(shown_ids[rows[0]])


if shown.empty:
    st.info("No record matches these filters. Clear a filter to see more.", icon=":material/filter_alt_off:")
else:
    st.caption(f"{len(shown)} of {len(table)} records. Click a row to open its card below.")
    st.dataframe(
        V.arrow(shown), hide_index=True, width="stretch", key="study_table", on_select=_on_pick,
        selection_mode="single-row",
        column_config={
            **V.fit_columns(shown),
            "flags": st.column_config.NumberColumn("flags", help="Data-quality flags for this record"),
            "origin": st.column_config.TextColumn("origin", help="built-in data file or user-supplied"),
        },
    )
    V.csv_download(shown, "studies.csv", key="dl_studies")
    shown_ids = tuple(shown["id"])
    st.caption("References of the records shown, with DOI and PMID where the data has them:")
    cols = st.columns(len(FORMATS))
    for col, (fmt, (ext, mime)) in zip(cols, FORMATS.items(), strict=True):
        col.download_button(
            fmt, data=lambda fmt=fmt: R.reference_files(base, shown_ids)[fmt][1],
            file_name=f"apatinib_sarcoma_references.{ext}", mime=mime, key=f"dl_refs_{ext}",
            on_click="ignore", icon=":material/menu_book:",
        )

# ------------------------------------------------------------------ card


@st.fragment
def study_card() -> None:
    """A fragment: choosing another study redraws only the card."""
    st.subheader("Study card", anchor=False)
    if st.session_state.get("study") not in (None, *ids):
        st.session_state.pop("study")
    chosen = st.selectbox(
        "Study (id)", ids, index=None, key="study", bind="query-params",
        placeholder="Choose a study id, or click a row of the table above…",
        help="Ids as in the table above; the card's title gives the study label. The URL keeps the choice.",
    )
    if chosen is None:
        st.info("Pick a study to see its card: citation, design, outcomes with the provenance of every number, "
                "survival, toxicity, related reports and flags.", icon=":material/touch_app:")
    else:
        V.render_card(base, fr, base.study(chosen), uids)


study_card()

# ------------------------------------------------------------------ comparison
st.subheader("Compare trial designs", anchor=False)
default = [i for i in ("S2", "S4", "S5") if i in ids]
pick = st.multiselect(
    "Studies to compare side by side", ids, default=default, format_func=lambda i: labels.get(i, i),
    key="compare", placeholder="Choose studies…",
)
if len(pick) == 0:
    st.info("Choose at least one study to compare.")
else:
    cmp = V.comparison(fr, pick)  # cached, read-only
    st.dataframe(V.arrow(cmp), width="stretch", height=35 * (len(cmp) + 1) + 3)
    if len(pick) == 1:
        st.caption("Add a second study to compare designs side by side.")
    V.csv_download(lambda: cmp.reset_index(names="attribute"), "design_comparison.csv", key="dl_compare")
