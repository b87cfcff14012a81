"""Streamlit caches and renderers of the Studies and Data checks pages.

What is shown is built by :mod:`findings.studies` (pure); this module caches it per evidence
content (``st.cache_resource``) and draws the study card, flags and downloads. Text from the data
file is never rendered as HTML: it goes through ``st.dataframe``/``st.text``, or through
:func:`findings.text.md` when it must sit in a sentence.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from evidence import EvidenceBase, Study, design_label
from findings import studies as S
from findings import text
from findings.checks_summary import ChecksSummary, checks_summary
from findings.frames import Frames, frames_key, frames_of
from findings.study_flags import merge_confirmed

STUDIES_PAGE = "pages/studies.py"
SEVERITY_ICON = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}


# --------------------------------------------------------------------------- shared tables as Arrow

_ARROW: dict[int, tuple[weakref.ref, Any]] = {}


def arrow(df: pd.DataFrame):
    """``df`` as the Arrow table ``st.dataframe`` would build from it, converted once per object.

    Only for the shared, read-only frames the cached views return (never changed after they are
    made): the conversion is remembered for as long as that frame object lives, so a rerun showing
    the same cached frame skips Streamlit's pandas-to-Arrow step (same converter, same bytes).
    Any other frame is simply converted.
    """
    from streamlit import dataframe_util

    ident = id(df)
    hit = _ARROW.get(ident)
    if hit is not None and hit[0]() is df:
        return hit[1]
    table = dataframe_util.convert_pandas_df_to_arrow_table(df)
    try:  # the entry goes when the frame goes (before its id can be reused)
        ref = weakref.ref(df, lambda _r: _ARROW.pop(ident, None))
    except TypeError:  # not weak-referenceable: nothing to remember it by
        return table
    _ARROW[ident] = (ref, table)
    return table


# --------------------------------------------------------------------------- frames (cached)


@st.cache_resource(max_entries=16, show_spinner=False)
def _frames(_base: EvidenceBase, key: str) -> Frames:
    return frames_of(_base)


def frames(base: EvidenceBase) -> Frames:
    """The tables of ``base`` (shared, read-only: copy before changing)."""
    return _frames(base, frames_key(base))


# --------------------------------------------------------------------------- study browser


@st.cache_resource(max_entries=32, show_spinner=False)
def _browser(_fr: Frames, key: str, user_ids: tuple[str, ...]) -> S.Browser:
    table = S.browser_table(_fr.studies, frozenset(user_ids))
    years = [int(y) for y in _fr.studies["year"].dropna()] if "year" in _fr.studies else []
    return S.Browser(
        table=table,
        options={c: S.filter_options(table, c) for c in ("histology", "design", "regimen", "kind")},
        years=(min(years), max(years)) if years and min(years) < max(years) else None,
    )


def browser(fr: Frames, user_ids: frozenset[str] = frozenset()) -> S.Browser:
    """:func:`S.browser_table` and its filter options, cached per data content and user ids."""
    return _browser(fr, fr.key, tuple(sorted(user_ids)))


def _tuple(values: Any) -> tuple | None:
    return None if values is None else tuple(values)


@st.cache_resource(max_entries=64, show_spinner=False)
def _browser_rows(_table: pd.DataFrame, key: str, user_ids: tuple[str, ...], histology: tuple | None,
                  design: tuple | None, regimen: tuple | None, kind: tuple | None,
                  years: tuple | None, search: str, origin: tuple | None) -> pd.DataFrame:
    return S.filter_browser(_table, histology=_list(histology), design=_list(design), regimen=_list(regimen),
                          kind=_list(kind), years=years, search=search, origin=_list(origin))


def _list(values: tuple | None) -> list | None:
    return None if values is None else list(values)


def browser_rows(fr: Frames, user_ids: frozenset[str], *, histology: list[str] | None = None,
                 design: list[str] | None = None, regimen: list[str] | None = None,
                 kind: list[str] | None = None, years: tuple[int, int] | None = None, search: str = "",
                 origin: list[str] | None = None) -> pd.DataFrame:
    """:func:`S.filter_browser` on :func:`browser`'s table, cached per data content and filters
    (shared, read-only)."""
    uids = tuple(sorted(user_ids))
    return _browser_rows(_browser(fr, fr.key, uids).table, fr.key, uids, _tuple(histology), _tuple(design),
                         _tuple(regimen), _tuple(kind), _tuple(years), search or "", _tuple(origin))


# --------------------------------------------------------------------------- citation links


# --------------------------------------------------------------------------- flags beside numbers


# --------------------------------------------------------------------------- design comparison


# --------------------------------------------------------------------------- data checks


@st.cache_resource(max_entries=16, show_spinner=False)
def _flag_options(_flags: pd.DataFrame, key: str) -> tuple[list[str], list[str]]:
    if _flags.empty:
        return [], []
    return sorted(_flags["kind"].unique()), sorted(_flags["study_id"].unique())


def flag_options(fr: Frames) -> tuple[list[str], list[str]]:
    """Sorted flag kinds and flagged study ids of ``fr`` (the Data checks filter choices)."""
    return _flag_options(fr.flags, fr.key)


@st.cache_resource(max_entries=64, show_spinner=False)
def _flag_view(_flags: pd.DataFrame, key: str, severity: tuple[str, ...], kinds: tuple[str, ...],
               studies: tuple[str, ...], search: str) -> S.FlagView:
    return S.flag_view(_flags, severity=severity, kinds=kinds, studies=studies, search=search)


def flag_view(fr: Frames, *, severity: list[str] | None = None, kinds: list[str] | None = None,
              studies: list[str] | None = None, search: str = "") -> S.FlagView:
    """:func:`S.flag_view` for the Data checks page, cached per data content and filters."""
    return _flag_view(fr.flags, fr.key, tuple(severity or ()), tuple(kinds or ()), tuple(studies or ()),
                      search or "")


@st.cache_resource(max_entries=16, show_spinner=False)
def _summary(_base: EvidenceBase, _flags: pd.DataFrame, key: str) -> ChecksSummary:
    return checks_summary(records=len(_base.studies), problems=_base.problems, flags=_flags)


def summary(base: EvidenceBase, fr: Frames) -> ChecksSummary:
    """:func:`findings.checks_summary.checks_summary` of ``base``, cached per data content
    (the Data checks page states it on every rerun; shared, read-only)."""
    return _summary(base, fr.flags, fr.key)


@st.cache_resource(max_entries=64, show_spinner=False)
def _candidates(args: tuple) -> S.Candidates:
    return S.candidates(*args)


def cached_candidates(percent_text: str, decimals: int | None, n_max: int, n_min: int = 1,
                      rounding: str = "half-up") -> S.Candidates:
    """:func:`S.candidates` (pure, keyed by its arguments as one tuple: Streamlit looks up each
    argument's name per call; the result is shared and read-only)."""
    return _candidates((percent_text, decimals, n_max, n_min, rounding))


@st.cache_resource(max_entries=64, show_spinner=False)
def _comparison(_studies: pd.DataFrame, key: str, ids: tuple[str, ...]) -> pd.DataFrame:
    return S.comparison_table(_studies, list(ids))


def comparison(fr: Frames, ids: list[str]) -> pd.DataFrame:
    """:func:`S.comparison_table` of ``fr.studies``, cached per data content and ids (read-only)."""
    return _comparison(fr.studies, fr.key, tuple(ids))


# --------------------------------------------------------------------------- renderers


def open_study(study_id: str) -> None:
    """Callback-safe: select a study on the Studies page (the page reads the ``study`` key)."""
    st.session_state["study"] = study_id


def flag_messages(flags: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """``(severity, markdown)`` of each flag, worst first (data text escaped)."""
    order = sorted(flags.itertuples(index=False), key=lambda f: S.SEVERITY_RANK.get(f.severity, 9))
    out = []
    for f in order:
        dossier = f" (dossier flag {int(f.dossier_flag)})" if S.show(f.dossier_flag) != "—" else ""
        confirmed = getattr(f, "confirmed_by", "")
        also = f"  \n*Confirmed by the {text.md(confirmed)} check.*" if confirmed else ""
        out.append((f.severity, f"**{text.md(f.kind)}**{dossier} · {text.md(f.field)}  \n{text.md(f.message)}{also}"))
    return tuple(out)


def render_flags(flags: pd.DataFrame | tuple[tuple[str, str], ...], *, empty: str | None = None) -> None:
    """Flags (a frame, or its :func:`flag_messages`) as alert boxes (data text escaped)."""
    messages = flag_messages(flags) if isinstance(flags, pd.DataFrame) else flags
    if not messages:
        if empty:
            st.caption(empty)
        return
    for severity, msg in messages:
        if severity == "error":
            st.error(msg, icon=":material/error:")
        elif severity == "warning":
            st.warning(msg, icon=":material/warning:")
        else:
            st.info(msg, icon=":material/info:")


def render_links(study: Study) -> None:
    links = S.citation_links(study)
    if not links:
        st.caption("No validated DOI, PubMed, PMC or registry id recorded.")
        return
    cols = st.columns(len(links))
    for col, (label, url) in zip(cols, links, strict=True):
        col.link_button(label, url, icon=":material/open_in_new:", width="stretch")


#: Width of one character in a dataframe cell (Source Sans, 14 px), rounded up, and the padding
#: of a cell: a text column is drawn as wide as its longest value (or its heading) needs, up to
#: ``MAX_COLUMN_PX`` (Streamlit's "large"); longer prose is cut there and read in full on hover
#: or in the CSV.
CHAR_PX, PAD_PX, MAX_COLUMN_PX = 8, 28, 400


def fit_columns(df: pd.DataFrame, *, help: dict[str, str] | None = None,
                max_px: int = MAX_COLUMN_PX) -> dict[str, Any]:
    """Column widths so every value can be read ("KM or crude not stated", "10.85–24.37" were cut
    when a wide table was squeezed into the page): a text column is as wide as its longest value or
    heading, up to ``max_px``, and the table scrolls sideways when its columns are wider than the
    page; ``help`` adds a column tooltip."""
    help = help or {}
    cfg: dict[str, Any] = {}
    for c in df.columns:
        name = str(c)
        if df[c].dtype != object:
            if name in help:
                cfg[name] = st.column_config.Column(name, help=help[name])
            continue
        n = max([len(name)] + [len(str(v)) for v in df[c] if v is not None])
        px = min(max_px, n * CHAR_PX + PAD_PX)
        cfg[name] = st.column_config.TextColumn(name, width=px, help=help.get(name))
    return cfg


_FIT: dict[int, tuple[weakref.ref, dict[str, Any]]] = {}


def _fit_once(df: pd.DataFrame) -> dict[str, Any]:
    """:func:`fit_columns` of a shared, read-only frame, computed once per frame object (as
    :func:`arrow`)."""
    ident = id(df)
    hit = _FIT.get(ident)
    if hit is not None and hit[0]() is df:
        return hit[1]
    cfg = fit_columns(df)
    _FIT[ident] = (weakref.ref(df, lambda _r: _FIT.pop(ident, None)), cfg)
    return cfg


def table(df: pd.DataFrame, *, key: str | None = None, empty: str = "Not reported.", height: Any = "auto") -> None:
    """A read-only table, its text columns as wide as their values (the frame must not change
    after the call: its Arrow form and widths are remembered while it lives)."""
    if df.empty:
        st.caption(empty)
        return
    st.dataframe(arrow(df), hide_index=True, width="stretch", key=key, height=height,
                 column_config=_fit_once(df))


@dataclass(frozen=True)
class Card:
    """What a study card shows, built once per study and data content (shared, read-only)."""

    flags: pd.DataFrame
    n_errors: int
    tables: dict[str, pd.DataFrame]
    #: section -> :func:`flag_messages` of the flags shown beside it
    messages: dict[str, tuple[tuple[str, str], ...]]
    relations: dict[str, Any]
    overlap: pd.DataFrame | None


@st.cache_resource(max_entries=64, show_spinner=False)
def _card(_fr: Frames, _base: EvidenceBase, _study: Study, key: str, study_id: str) -> Card:
    fr, study = _fr, _study
    f = fr.flags[fr.flags["study_id"] == study.id] if not fr.flags.empty else fr.flags
    f = merge_confirmed(f, {(r.kind, r.field): r.check for r in study.flags if r.check})
    sec = {name: S._section_flags(f, name) for name in
           ("rates", "responses", "design", "regimen", "population", "survival", "toxicity", "relations")}
    whole = f[[S.flag_section(x) in ("study", "citation") for x in f["field"]]] if not f.empty else f
    messages = {name: flag_messages(g) for name, g in sec.items() if name not in ("design", "regimen")}
    messages["design"] = flag_messages(pd.concat([sec["design"], sec["regimen"]]))
    messages["study"] = flag_messages(whole)
    rel = S.relations(_base, study)
    return Card(
        flags=f,
        n_errors=int((f["severity"] == "error").sum()) if not f.empty else 0,
        tables={
            "outcomes": S.outcome_rows(fr.outcomes, f, study.id),
            "responses": S.response_rows(study),
            "design": S.design_facts(study),
            "population": S.population_facts(study),
            "subtypes": S.subtype_rows(fr.subtypes, study.id),
            "survival": S.survival_rows(fr.survival, study.id),
            "toxicity": S.toxicity_rows(fr.toxicity, study.id),
            "flags": S.flag_table(f) if not f.empty else pd.DataFrame(),
        },
        messages=messages,
        relations=rel,
        overlap=S.overlap_members(_base, rel["group"]) if rel["group"] is not None else None,
    )


def card(base: EvidenceBase, fr: Frames, study: Study) -> Card:
    """The :class:`Card` of ``study``, cached per data content and study id (read-only)."""
    return _card(fr, base, study, fr.key, study.id)


def render_card(base: EvidenceBase, fr: Frames, study: Study, user_ids: frozenset[str]) -> None:
    """The study card: citation, design, population, outcomes with provenance, survival,
    toxicity, S.relations, and each flag beside the numbers it concerns."""
    c = card(base, fr, study)
    f, t, m = c.flags, c.tables, c.messages
    with st.container(border=True):
        st.subheader(f"{text.md(study.label)} · {text.md(study.id)}", anchor=False)
        badges = st.columns([1, 1, 1, 3])
        badges[0].badge(S.RECORD_KIND_LABEL.get(study.record_kind, study.record_kind), color="blue")
        badges[1].badge(design_label(study), color="gray")
        if S.is_user(study, user_ids):
            badges[2].badge("user-supplied", icon=":material/person:", color="orange")
        badges[3].caption(f"{len(f)} flag(s), {c.n_errors} error(s). Numbers carry their provenance: reported "
                          "(printed in the source), derived (computed from printed figures) or inferred.")
        st.text(S.citation_text(study))
        render_links(study)
        if study.citation.registration and not S._NCT.match(study.citation.registration.strip()):
            st.caption("Registration / ethics: " + text.md(study.citation.registration))
        if study.notes:
            st.caption("Notes: " + text.md(study.notes))
        if study.pooling_exclusion:
            st.caption("Pooling: " + text.md(study.pooling_exclusion))
    tabs = st.tabs(["Outcomes", "Design & population", "Survival", "Toxicity", "Relations", f"All flags ({len(f)})"])
    with tabs[0]:
        st.markdown("**Response rates (ORR / DCR)**")
        table(t["outcomes"], empty="No ORR or DCR reported.")
        render_flags(m["rates"])
        st.markdown("**Best-response categories**")
        table(t["responses"], empty="No CR/PR/SD/PD counts reported.")
        render_flags(m["responses"])
    with tabs[1]:
        c1, c2 = st.columns(2)
        with c1:
            st.markdown("**Design**")
            table(t["design"])
            render_flags(m["design"])
        with c2:
            st.markdown("**Population**")
            table(t["population"])
            st.markdown("**Subtype composition**")
            table(t["subtypes"], empty="Subtype composition not reported.")
            render_flags(m["population"])
    with tabs[2]:
        table(t["survival"], empty="No survival figures reported.")
        fu = study.outcomes.follow_up
        if fu is not None:
            st.caption(f"Median follow-up: {S.show(fu.median.value)} {fu.unit}"
                       + (f" ({text.md(fu.interval.as_printed)})" if fu.interval and fu.interval.as_printed else ""))
        render_flags(m["survival"])
    with tabs[3]:
        table(t["toxicity"], empty="No toxicity figures reported.")
        render_flags(m["toxicity"])
    with tabs[4]:
        render_relations(base, study, c)
        render_flags(m["relations"])
    with tabs[5]:  # an index: each flag is drawn once, beside the numbers it concerns
        if f.empty:
            st.caption("No flags for this study.")
        else:
            st.caption("Every flag of this study; each one is shown once, beside the numbers it "
                       "concerns (flags of the record as a whole below).")
            st.dataframe(arrow(t["flags"]), hide_index=True, width="stretch")
            render_flags(m["study"])


def render_relations(base: EvidenceBase, study: Study, c: Card | None = None) -> None:
    c = c or card(base, frames(base), study)
    rel = c.relations
    shown = False
    if rel["primary_id"]:
        shown = True
        st.markdown(f"Secondary report of **{text.md(rel['primary_id'])}**"
                    + (f" (mapping confidence: {text.md(study.mapping_confidence)})" if study.mapping_confidence else ""))
        if rel["primary"] is not None:
            st.button(f"Open {text.md(rel['primary'].id)} — {text.md(rel['primary'].label)}", key=f"rel_p_{study.id}",
                      on_click=open_study, args=(rel["primary"].id,))
    if rel["secondary"]:
        shown = True
        st.markdown("Reported again in:")
        cols = st.columns(min(4, len(rel["secondary"])))
        for i, s in enumerate(rel["secondary"]):
            cols[i % len(cols)].button(f"{text.md(s.id)} — {text.md(s.label)}", key=f"rel_s_{study.id}_{s.id}",
                                       on_click=open_study, args=(s.id,))
    g = rel["group"]
    if g is not None:
        shown = True
        st.markdown(f"**Overlap group: {text.md(g.label)}** — records that may describe the same patients.")
        st.caption(text.md(g.reason))
        table(c.overlap)
        others = [m for m in g.members if m != study.id and m in base.by_id]
        if others:
            cols = st.columns(min(5, len(others)))
            for i, m in enumerate(others):
                cols[i % len(cols)].button(f"Open {text.md(m)}", key=f"rel_g_{study.id}_{m}", on_click=open_study, args=(m,))
    if not shown:
        st.caption("No secondary reports and no overlapping cohorts recorded.")


def csv_download(df: pd.DataFrame | Callable[[], pd.DataFrame], file_name: str, *, key: str,
                 label: str = "Download CSV") -> None:
    """A CSV download of ``df`` (or of the table a zero-argument callable returns; formula
    injection neutralised).

    The CSV is built only when the button is clicked (Streamlit's deferred ``data`` callable), not
    on every rerun; ``df`` must not be changed after the call (the pages pass fresh or cached,
    read-only tables).
    """
    def payload() -> bytes:
        return text.csv_bytes(df() if callable(df) else df)

    st.download_button(label, data=payload, file_name=file_name, mime="text/csv", key=key,
                       on_click="ignore", icon=":material/download:")
