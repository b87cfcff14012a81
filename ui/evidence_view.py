"""Logic and small renderers behind the Studies and Data checks pages.

Pure helpers (filters, link building, flag placement, comparison table, candidate fractions) come
first and take DataFrames or models; the ``render_*`` functions at the end draw with Streamlit.
Text from the data file is never rendered as HTML: it goes through ``st.dataframe``/``st.text``,
or through :func:`md` (markdown special characters escaped) when it must sit in a sentence.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st

from evidence import EvidenceBase, Study, candidate_fractions, design_label
from evidence.models import parse_percent_text
from evidence.userdata import is_user_study
from findings import text
from findings.study_flags import merge_confirmed

STUDIES_PAGE = "pages/studies.py"
SEVERITY_ICON = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
RECORD_KIND_LABEL = {
    "study": "Study",
    "secondary_report": "Secondary report",
    "untraced_claim": "Untraced claim",
    "planned": "Registered / planned trial",
    "external_meta_analysis": "Meta-analysis",
}
_DOI = re.compile(r"^10\.\d{4,9}/[^\s\"<>]{1,200}$")
_PMID = re.compile(r"^\d{1,9}$")
_PMCID = re.compile(r"^PMC\d{1,9}$")
_NCT = re.compile(r"^NCT\d{8}$")


def show(v: Any, missing: str = "—") -> str:
    """Display string of a cell: never 'nan' / 'None' / '<NA>'."""
    if v is None:
        return missing
    try:
        if pd.isna(v):
            return missing
    except (TypeError, ValueError):
        pass
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    out = str(v).strip()
    return out if out else missing


def display_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy with every cell as a display string (no nan/None/<NA> on screen)."""
    out = df.copy()
    for c in out.columns:
        out[c] = [show(v) for v in out[c]]
    return out


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


@dataclass(frozen=True)
class Frames:
    studies: pd.DataFrame
    outcomes: pd.DataFrame
    flags: pd.DataFrame
    survival: pd.DataFrame
    toxicity: pd.DataFrame
    subtypes: pd.DataFrame
    #: content identity of the base these tables come from (path, sha256, count); the derived
    #: caches below key on it, so they can never serve tables of other (e.g. user) data.
    key: str = ""


def _safe(fn) -> pd.DataFrame:
    try:
        out = fn()
        return out if isinstance(out, pd.DataFrame) else pd.DataFrame()
    except Exception:  # a table that cannot be built is shown as empty, never as a traceback
        return pd.DataFrame()


def frames_key(base: EvidenceBase) -> str:
    """Content identity of ``base`` (its data file or upload: path and SHA-256, and its size)."""
    return f"{base.path}:{base.sha256}:{len(base.studies)}"


def frames_of(base: EvidenceBase) -> Frames:
    return Frames(
        studies=_safe(base.studies_frame), outcomes=_safe(base.outcomes_frame), flags=_safe(base.flags_frame),
        survival=_safe(base.survival_frame), toxicity=_safe(base.toxicity_frame),
        subtypes=_safe(base.subtypes_frame), key=frames_key(base),
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def _frames(_base: EvidenceBase, key: str) -> Frames:
    return frames_of(_base)


def frames(base: EvidenceBase) -> Frames:
    """The tables of ``base`` (shared, read-only: copy before changing)."""
    return _frames(base, frames_key(base))


# --------------------------------------------------------------------------- study browser


def browser_table(studies: pd.DataFrame, user_ids: frozenset[str] = frozenset()) -> pd.DataFrame:
    """One display row per record for the browser table."""
    cols = ["id", "label", "year", "record_kind", "design_label", "histology_group", "regimen",
            "n_enrolled", "n_evaluable_efficacy", "endpoints_reported", "flag_count", "sources"]
    if studies.empty:
        return pd.DataFrame(columns=["id", "label", "year", "kind", "design", "histology", "regimen", "N",
                                     "evaluable", "endpoints", "flags", "origin"])
    df = studies.reindex(columns=cols).copy()
    origin = ["user" if (i in user_ids or "user" in str(src).split(", ")[:1]) else "built-in"
              for i, src in zip(df["id"], df["sources"], strict=True)]
    out = pd.DataFrame({
        "id": df["id"].astype(str),
        "label": df["label"].astype(str),
        "year": [show(x) for x in df["year"]],
        "kind": [RECORD_KIND_LABEL.get(k, show(k)) for k in df["record_kind"]],
        "design": [show(x) for x in df["design_label"]],
        "histology": [show(x) for x in df["histology_group"]],
        "regimen": [show(x) for x in df["regimen"]],
        "N": [show(x) for x in df["n_enrolled"]],
        "evaluable": [show(x) for x in df["n_evaluable_efficacy"]],
        "endpoints": [show(x) for x in df["endpoints_reported"]],
        "flags": df["flag_count"].fillna(0).astype(int),
        "origin": origin,
    })
    return out


def filter_options(table: pd.DataFrame, column: str) -> list[str]:
    if table.empty or column not in table:
        return []
    return sorted({str(v) for v in table[column] if show(v) != "—"})


def filter_browser(table: pd.DataFrame, *, histology: list[str] | None = None, design: list[str] | None = None,
                   regimen: list[str] | None = None, kind: list[str] | None = None,
                   years: tuple[int, int] | None = None, search: str = "",
                   origin: list[str] | None = None) -> pd.DataFrame:
    """Rows matching every non-empty filter; ``search`` matches id, label and endpoints (case-insensitive)."""
    if table.empty:
        return table
    mask = pd.Series(True, index=table.index)
    for col, allowed in (("histology", histology), ("design", design), ("regimen", regimen), ("kind", kind),
                         ("origin", origin)):
        if allowed:
            mask &= table[col].astype(str).isin(allowed)
    if years is not None:
        y = pd.to_numeric(table["year"], errors="coerce")
        mask &= y.isna() | ((y >= years[0]) & (y <= years[1]))
    q = (search or "").strip().lower()
    if q:
        hay = (table["id"].astype(str) + " " + table["label"].astype(str) + " " + table["endpoints"].astype(str)
               + " " + table["histology"].astype(str) + " " + table["design"].astype(str)).str.lower()
        mask &= hay.str.contains(q, regex=False)
    return table[mask.astype(bool)]


@dataclass(frozen=True)
class Browser:
    """The browser table of a base and what its filter controls offer (shared, read-only)."""

    table: pd.DataFrame
    options: dict[str, list[str]]
    years: tuple[int, int] | None  # (first, last) publication year; None when fewer than two


@st.cache_resource(max_entries=32, show_spinner=False)
def _browser(_fr: Frames, key: str, user_ids: tuple[str, ...]) -> Browser:
    table = browser_table(_fr.studies, frozenset(user_ids))
    years = [int(y) for y in _fr.studies["year"].dropna()] if "year" in _fr.studies else []
    return Browser(
        table=table,
        options={c: filter_options(table, c) for c in ("histology", "design", "regimen", "kind")},
        years=(min(years), max(years)) if years and min(years) < max(years) else None,
    )


def browser(fr: Frames, user_ids: frozenset[str] = frozenset()) -> Browser:
    """:func:`browser_table` and its filter options, cached per data content and user ids."""
    return _browser(fr, fr.key, tuple(sorted(user_ids)))


def _tuple(values: Any) -> tuple | None:
    return None if values is None else tuple(values)


@st.cache_resource(max_entries=64, show_spinner=False)
def _browser_rows(_table: pd.DataFrame, key: str, user_ids: tuple[str, ...], histology: tuple | None,
                  design: tuple | None, regimen: tuple | None, kind: tuple | None,
                  years: tuple | None, search: str, origin: tuple | None) -> pd.DataFrame:
    return filter_browser(_table, histology=_list(histology), design=_list(design), regimen=_list(regimen),
                          kind=_list(kind), years=years, search=search, origin=_list(origin))


def _list(values: tuple | None) -> list | None:
    return None if values is None else list(values)


def browser_rows(fr: Frames, user_ids: frozenset[str], *, histology: list[str] | None = None,
                 design: list[str] | None = None, regimen: list[str] | None = None,
                 kind: list[str] | None = None, years: tuple[int, int] | None = None, search: str = "",
                 origin: list[str] | None = None) -> pd.DataFrame:
    """:func:`filter_browser` on :func:`browser`'s table, cached per data content and filters
    (shared, read-only)."""
    uids = tuple(sorted(user_ids))
    return _browser_rows(_browser(fr, fr.key, uids).table, fr.key, uids, _tuple(histology), _tuple(design),
                         _tuple(regimen), _tuple(kind), _tuple(years), search or "", _tuple(origin))


# --------------------------------------------------------------------------- citation links


def citation_links(study: Study) -> list[tuple[str, str]]:
    """(label, URL) for the DOI, PMID, PMCID and NCT registration; only ids that validate."""
    c = study.citation
    links: list[tuple[str, str]] = []
    doi = (c.doi or "").strip()
    if _DOI.match(doi):
        links.append((f"DOI {doi}", "https://doi.org/" + quote(doi, safe="/:;()._-")))
    pmid = (c.pmid or "").strip()
    if _PMID.match(pmid):
        links.append((f"PubMed {pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"))
    pmcid = (c.pmcid or "").strip()
    if _PMCID.match(pmcid):
        links.append((pmcid, f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"))
    reg = (c.registration or "").strip()
    if _NCT.match(reg):
        links.append((reg, f"https://clinicaltrials.gov/study/{reg}"))
    return links


def citation_text(study: Study) -> str:
    c = study.citation
    parts = [c.authors, c.title, c.journal, str(c.year) if c.year else None, c.volume_pages]
    joined = ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip())
    return (joined + ".") if joined else "No citation recorded."


# --------------------------------------------------------------------------- flags beside numbers


def flag_tokens(field: str) -> list[str]:
    """``"outcomes.rates.ORR"`` and ``"outcomes › rates › ORR (week_12)"`` -> token lists."""
    path = str(field or "")
    parts = path.split(" › ") if " › " in path else path.split(".")
    return [p.strip() for p in parts if p.strip()]


def flag_section(field: str) -> str:
    """Which part of the card a flag concerns: rates, responses, survival, toxicity, population,
    regimen, design, citation, relations or study."""
    t = flag_tokens(field)
    if not t:
        return "study"
    head = t[0]
    if head == "outcomes" and len(t) > 1:
        sub = t[1]
        if sub in ("medians", "milestones", "follow_up"):
            return "survival"
        if sub in ("rates", "responses", "toxicity"):
            return sub
        return "rates"
    if head == "outcomes":
        return "rates"
    if head in ("overlap_group", "secondary_of", "mapping_confidence"):
        return "relations"
    if head in ("population", "regimen", "design", "citation"):
        return head
    if head in ("n", "counts"):
        return "population"
    return "study"


def flags_for_rate(flags: pd.DataFrame, endpoint: str, timepoint: str, subgroup: Any = None) -> pd.DataFrame:
    """Flags that concern one ORR/DCR row (its endpoint and, when named, its timepoint)."""
    if flags.empty:
        return flags
    keep = []
    for f in flags["field"]:
        t = flag_tokens(f)
        if flag_section(f) not in ("rates", "responses"):
            keep.append(False)
            continue
        if len(t) < 3 or t[0] != "outcomes":
            keep.append(True)  # "outcomes" or "outcomes › rates": every rate of the study
            continue
        item = t[2]
        ok = item.split(" ")[0].upper() in (endpoint, "CR", "PR", "SD", "PD") if t[1] == "responses" else \
            item.split(" ")[0] == endpoint
        if ok and "(" in item:
            inner = item[item.index("(") + 1: item.rindex(")") if ")" in item else None]
            ok = timepoint in inner or (subgroup is not None and str(subgroup) in inner)
        keep.append(ok)
    return flags[pd.Series(keep, index=flags.index, dtype=bool)]


def flag_summary(flags: pd.DataFrame) -> str:
    if flags.empty:
        return ""
    return "; ".join(f"{k} ({s})" for k, s in zip(flags["kind"], flags["severity"], strict=True))


def outcome_rows(outcomes: pd.DataFrame, flags: pd.DataFrame, study_id: str) -> pd.DataFrame:
    """ORR/DCR rows of one study with the provenance of each number and the flags beside it."""
    o = outcomes[outcomes["study_id"] == study_id] if not outcomes.empty else outcomes
    f = flags[flags["study_id"] == study_id] if not flags.empty else flags
    rows = []
    for _, r in o.iterrows():
        fr = flags_for_rate(f, r["endpoint"], r["timepoint"], r["subgroup"])
        k, n = r["events"], r["total"]
        rows.append({
            "endpoint": r["endpoint"], "timepoint": show(r["timepoint"]).replace("_", " "),
            "subgroup": show(r["subgroup"], "whole cohort"),
            "k / N": f"{show(k, '?')} / {show(n, '?')}",
            "as printed": show(r["percent_printed"]),
            "status": show(r["status"]), "source": show(r["source"]), "location": show(r["location"]),
            "derivation": show(r["derivation"]), "headline": "yes" if r["headline"] else "no",
            "pooled by default": "yes" if r["pooled_by_default"] else f"no: {show(r['exclusion_reason'])}",
            "flags": flag_summary(fr) or "—",
        })
    return pd.DataFrame(rows, columns=["endpoint", "timepoint", "subgroup", "k / N", "as printed", "status",
                                       "source", "location", "derivation", "headline", "pooled by default",
                                       "flags"])


def response_rows(study: Study) -> pd.DataFrame:
    """CR/PR/SD/PD counts with their provenance, one row per category and timepoint."""
    rows = []
    for rc in study.outcomes.responses:
        for cat in ("cr", "pr", "sd", "pd", "total"):
            num = getattr(rc, cat)
            if num is None:
                continue
            rows.append({
                "timepoint": rc.timepoint.replace("_", " ") + (f" ({rc.subgroup})" if rc.subgroup else ""),
                "category": cat.upper() if cat != "total" else "evaluable (N)",
                "value": show(num.value), "% printed": show(num.percent_printed),
                "status": num.status, "source": num.source, "location": show(num.location),
                "derivation": show(num.derivation), "as printed": show(num.as_printed),
            })
    return pd.DataFrame(rows, columns=["timepoint", "category", "value", "% printed", "status", "source",
                                       "location", "derivation", "as printed"])


def survival_rows(survival: pd.DataFrame, study_id: str) -> pd.DataFrame:
    s = survival[survival["study_id"] == study_id] if not survival.empty else survival
    rows = []
    for _, r in s.iterrows():
        if r["statistic"] == "median":
            what = f"median {r['endpoint']}"
            value = "not reached" if r["not_reached"] else f"{show(r['estimate'])} months"
        else:
            what = f"{r['endpoint']} at {show(round(r['time_months'], 2))} months"
            value = f"{show(r['estimate'])}%"
        ci = "—"
        if show(r["interval_as_printed"]) != "—":
            ci = show(r["interval_as_printed"])
        elif show(r["ci_low"]) != "—" or show(r["ci_high"]) != "—":
            ci = f"{show(r['ci_low'], 'NE')}–{show(r['ci_high'], 'NE')} ({show(r['interval_kind'])})"
        rows.append({
            "statistic": what, "value": value, "interval": ci,
            "method": show(r["milestone_method"]) if r["statistic"] == "milestone" else "—",
            "subgroup": show(r["subgroup"], "whole cohort"), "status": show(r["status"]),
            "source": show(r["source"]), "location": show(r["location"]), "derivation": show(r["derivation"]),
            "as printed": show(r["as_printed"]),
        })
    return pd.DataFrame(rows, columns=["statistic", "value", "interval", "method", "subgroup", "status", "source",
                                       "location", "derivation", "as printed"])


def toxicity_rows(toxicity: pd.DataFrame, study_id: str) -> pd.DataFrame:
    t = toxicity[toxicity["study_id"] == study_id] if not toxicity.empty else toxicity
    cols = ["event", "grade", "count", "total", "percent_printed", "status", "source", "location", "derivation",
            "note"]
    return display_frame(t.reindex(columns=cols)).rename(columns={"percent_printed": "% printed"})


def subtype_rows(subtypes: pd.DataFrame, study_id: str) -> pd.DataFrame:
    s = subtypes[subtypes["study_id"] == study_id] if not subtypes.empty else subtypes
    cols = ["subtype", "n", "percent_printed", "status", "source", "location"]
    return display_frame(s.reindex(columns=cols)).rename(columns={"percent_printed": "% printed"})


def design_facts(study: Study) -> pd.DataFrame:
    d, p, r = study.design, study.population, study.regimen
    facts = [
        ("Design", design_label(study)), ("Design (as recorded)", d.design), ("Phase", d.phase),
        ("Centres", d.centres + (f" ({show(d.n_centres.value)})" if d.n_centres else "")),
        ("Report type", d.report_type.replace("_", " ")), ("Enrolment", d.enrolment), ("Country", d.country),
        ("Institutions", "; ".join(d.institutions) or None), ("Response criteria", d.response_criteria),
        ("Description", d.description),
        ("Regimen", None if r is None else r.kind + (f" + {', '.join(r.partners)}" if r.partners else "")),
        ("Dose", None if r is None else r.dose),
        ("Dose (mg/day)", None if r is None or r.dose_mg is None else r.dose_mg.value),
        ("Line of therapy", p.line),
        ("Enrolled", None if study.n.enrolled is None else study.n.enrolled.value),
        ("Evaluable (efficacy)", None if study.n.evaluable_efficacy is None else study.n.evaluable_efficacy.value),
        ("Evaluable (safety)", None if study.n.evaluable_safety is None else study.n.evaluable_safety.value),
    ]
    return pd.DataFrame([(k, show(v)) for k, v in facts if show(v) != "—"], columns=["", "value"])


def population_facts(study: Study) -> pd.DataFrame:
    p = study.population
    facts = [("Population", p.description), ("Histology", p.histology), ("Histology group", p.histology_group),
             ("Sarcoma only", p.sarcoma_only), ("Stage", p.stage),
             ("Age", None if p.age is None else p.age.text), ("Sex", None if p.sex is None else p.sex.text)]
    return pd.DataFrame([(k, show(v)) for k, v in facts if show(v) != "—"], columns=["", "value"])


def relations(base: EvidenceBase, study: Study) -> dict[str, Any]:
    """Secondary reports, the primary study, and the overlap group of ``study``."""
    secondary = [s for s in base.studies if s.secondary_of == study.id]
    primary = base.by_id.get(study.secondary_of) if study.secondary_of else None
    group = base.overlap_group(study.overlap_group) if study.overlap_group else None
    return {"primary": primary, "primary_id": study.secondary_of, "secondary": secondary, "group": group}


# --------------------------------------------------------------------------- design comparison


COMPARE_FIELDS: tuple[tuple[str, str], ...] = (
    ("label", "Study"), ("year", "Year"), ("record_kind", "Record"), ("design_label", "Design"),
    ("phase", "Phase"), ("centres", "Centres"), ("n_centres", "Number of centres"), ("country", "Country"),
    ("histology", "Histology"), ("n_enrolled", "N enrolled"), ("n_evaluable_efficacy", "N evaluable"),
    ("line", "Line of therapy"), ("regimen", "Regimen"), ("partner", "Partner drugs"), ("dose", "Dose"),
    ("dose_mg", "Dose (mg/day)"), ("response_criteria", "Response criteria"),
    ("endpoints_reported", "Endpoints reported"), ("enrolment", "Enrolment"), ("flag_count", "Flags"),
)


def comparison_table(studies: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Attributes in rows, the chosen studies in columns (display strings)."""
    if studies.empty or not ids:
        return pd.DataFrame()
    sub = studies.set_index("id").reindex([i for i in ids if i in set(studies["id"])])
    data = {}
    for sid, row in sub.iterrows():
        data[str(sid)] = [show(row.get(c)) if c != "record_kind" else RECORD_KIND_LABEL.get(row.get(c), show(row.get(c)))
                          for c, _ in COMPARE_FIELDS]
    return pd.DataFrame(data, index=[label for _, label in COMPARE_FIELDS])


# --------------------------------------------------------------------------- data checks


def flag_kinds(flags: pd.DataFrame) -> pd.DataFrame:
    """Per kind: count, worst severity, studies concerned (sorted by severity then count)."""
    if flags.empty:
        return pd.DataFrame(columns=["kind", "worst", "flags", "studies", "checks"])
    rows = []
    for kind, g in flags.groupby("kind", sort=False):
        worst = min(g["severity"], key=lambda s: SEVERITY_RANK.get(s, 9))
        rows.append({"kind": kind, "worst": worst, "flags": len(g),
                     "studies": ", ".join(dict.fromkeys(g["study_id"].astype(str))),
                     "checks": ", ".join(dict.fromkeys(g["check"].astype(str)))})
    df = pd.DataFrame(rows)
    df["_r"] = df["worst"].map(SEVERITY_RANK)
    return df.sort_values(["_r", "flags"], ascending=[True, False]).drop(columns="_r").reset_index(drop=True)


def filter_flags(flags: pd.DataFrame, *, severity: list[str] | None = None, kinds: list[str] | None = None,
                 studies: list[str] | None = None, search: str = "") -> pd.DataFrame:
    if flags.empty:
        return flags
    m = pd.Series(True, index=flags.index)
    if severity:
        m &= flags["severity"].isin(severity)
    if kinds:
        m &= flags["kind"].isin(kinds)
    if studies:
        m &= flags["study_id"].isin(studies)
    q = (search or "").strip().lower()
    if q:
        hay = (flags["message"].astype(str) + " " + flags["field"].astype(str) + " " + flags["label"].astype(str)
               + " " + flags["kind"].astype(str)).str.lower()
        m &= hay.str.contains(q, regex=False)
    return flags[m.astype(bool)]


def flag_table(flags: pd.DataFrame) -> pd.DataFrame:
    cols = ["study_id", "label", "severity", "field", "message", "dossier_flag", "check"]
    if "confirmed_by" in flags:
        cols.append("confirmed_by")
    out = display_frame(flags.reindex(columns=cols))
    return out.rename(columns={"study_id": "study", "dossier_flag": "dossier flag"}).reset_index(drop=True)


@dataclass(frozen=True)
class FlagView:
    """The flags a Data checks filter keeps, with the tables the page draws (shared, read-only)."""

    flags: pd.DataFrame  # the kept rows of the flags table
    kinds: pd.DataFrame  # display_frame(flag_kinds(flags))
    kind_rows: tuple[tuple[str, int, str], ...]  # (kind, number of flags, worst severity), as ``kinds``
    counts: dict[str, int]  # flags per severity
    study_ids: tuple[str, ...]  # flagged studies, first appearance first


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
               studies: tuple[str, ...], search: str) -> FlagView:
    sel = filter_flags(_flags, severity=list(severity), kinds=list(kinds), studies=list(studies), search=search)
    by_kind = flag_kinds(sel)
    counts = sel["severity"].value_counts() if "severity" in sel else pd.Series(dtype=int)
    return FlagView(
        flags=sel,
        kinds=display_frame(by_kind),
        kind_rows=tuple(zip(by_kind["kind"], (int(n) for n in by_kind["flags"]), by_kind["worst"], strict=True)),
        counts={str(k): int(v) for k, v in counts.items()},
        study_ids=tuple(dict.fromkeys(sel["study_id"])) if "study_id" in sel else (),
    )


def flag_view(fr: Frames, *, severity: list[str] | None = None, kinds: list[str] | None = None,
              studies: list[str] | None = None, search: str = "") -> FlagView:
    """:func:`filter_flags` and :func:`flag_kinds` for the Data checks page, cached per data
    content and filters."""
    return _flag_view(fr.flags, fr.key, tuple(severity or ()), tuple(kinds or ()), tuple(studies or ()),
                      search or "")


def problem_line(p) -> str:
    """``could not load: file › study › field: message (value: ...)``."""
    who = p.label or p.study_id or (f"row {p.row + 1}" if p.row is not None else None)
    where = " › ".join(x for x in (p.file, who, p.field) if x)
    pos = f" (line {p.line})" if p.line else ""
    val = f" (value: {p.value})" if p.value is not None else ""
    verb = "could not load" if p.severity == "error" else "warning"
    return f"{verb}: {where}{pos}: {p.message}{val}"


@dataclass(frozen=True)
class Candidates:
    pairs: pd.DataFrame
    message: str
    ok: bool


def candidates(percent_text: str, decimals: int | None, n_max: int, n_min: int = 1,
               rounding: str = "half-up", limit: int = 500) -> Candidates:
    """Every k/N with ``n_min <= N <= n_max`` printing as the percentage (wraps
    :func:`evidence.candidate_fractions`); errors come back as a message, never raised."""
    empty = pd.DataFrame(columns=["k", "N", "exact %", "k/N"])
    parsed = parse_percent_text((percent_text or "").strip())
    if parsed is None:
        return Candidates(empty, "Type a percentage such as 24.3 or 24.3% (0–100).", False)
    value, dec_text = parsed
    dec = dec_text if decimals is None else int(decimals)
    try:
        pairs = candidate_fractions(percent_text.strip().rstrip("%").strip(), dec, int(n_max), rounding=rounding,
                                    n_min=int(n_min))
    except ValueError as exc:
        return Candidates(empty, str(exc), False)
    rows = [{"k": k, "N": n, "exact %": round(100 * k / n, 4), "k/N": f"{k}/{n}"} for k, n in pairs[:limit]]
    df = pd.DataFrame(rows, columns=empty.columns)
    dens = sorted({n for _, n in pairs})
    rule = "rounded half-up" if rounding == "half-up" else "truncated"
    if not pairs:
        msg = f"No k/N with {n_min} ≤ N ≤ {n_max} prints as {value:.{dec}f}% ({rule} to {dec} decimals)."
    else:
        msg = (f"{len(pairs)} pair(s) print as {value:.{dec}f}% ({rule} to {dec} decimals) with {n_min} ≤ N ≤ "
               f"{n_max}; smallest N = {dens[0]}; {len(dens)} possible denominators."
               + (f" First {limit} shown." if len(pairs) > limit else ""))
    return Candidates(df, msg, bool(pairs))


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_candidates(percent_text: str, decimals: int | None, n_max: int, n_min: int = 1,
                      rounding: str = "half-up") -> Candidates:
    """:func:`candidates` (pure, keyed by its arguments; the result is shared and read-only)."""
    return candidates(percent_text, decimals, n_max, n_min, rounding)


@st.cache_resource(max_entries=64, show_spinner=False)
def _comparison(_studies: pd.DataFrame, key: str, ids: tuple[str, ...]) -> pd.DataFrame:
    return comparison_table(_studies, list(ids))


def comparison(fr: Frames, ids: list[str]) -> pd.DataFrame:
    """:func:`comparison_table` of ``fr.studies``, cached per data content and ids (read-only)."""
    return _comparison(fr.studies, fr.key, tuple(ids))


# --------------------------------------------------------------------------- renderers


def open_study(study_id: str) -> None:
    """Callback-safe: select a study on the Studies page (the page reads the ``study`` key)."""
    st.session_state["study"] = study_id


def render_flags(flags: pd.DataFrame, *, empty: str | None = None) -> None:
    """Flags as alert boxes (data text escaped)."""
    if flags.empty:
        if empty:
            st.caption(empty)
        return
    order = sorted(flags.itertuples(index=False), key=lambda f: SEVERITY_RANK.get(f.severity, 9))
    for f in order:
        dossier = f" (dossier flag {int(f.dossier_flag)})" if show(f.dossier_flag) != "—" else ""
        confirmed = getattr(f, "confirmed_by", "")
        also = f"  \n*Confirmed by the {text.md(confirmed)} check.*" if confirmed else ""
        msg = f"**{text.md(f.kind)}**{dossier} · {text.md(f.field)}  \n{text.md(f.message)}{also}"
        if f.severity == "error":
            st.error(msg, icon=":material/error:")
        elif f.severity == "warning":
            st.warning(msg, icon=":material/warning:")
        else:
            st.info(msg, icon=":material/info:")


def render_links(study: Study) -> None:
    links = citation_links(study)
    if not links:
        st.caption("No validated DOI, PubMed, PMC or registry id recorded.")
        return
    cols = st.columns(len(links))
    for col, (label, url) in zip(cols, links, strict=True):
        col.link_button(label, url, icon=":material/open_in_new:", width="stretch")


def table(df: pd.DataFrame, *, key: str | None = None, empty: str = "Not reported.", height: Any = "auto") -> None:
    if df.empty:
        st.caption(empty)
        return
    st.dataframe(df, hide_index=True, width="stretch", key=key, height=height)


def is_user(study: Study, user_ids: frozenset[str]) -> bool:
    return study.id in user_ids or is_user_study(study)


def _section_flags(f: pd.DataFrame, section: str) -> pd.DataFrame:
    if f.empty:
        return f
    return f[[flag_section(x) == section for x in f["field"]]]


def render_card(base: EvidenceBase, fr: Frames, study: Study, user_ids: frozenset[str]) -> None:
    """The study card: citation, design, population, outcomes with provenance, survival,
    toxicity, relations, and each flag beside the numbers it concerns."""
    f = fr.flags[fr.flags["study_id"] == study.id] if not fr.flags.empty else fr.flags
    f = merge_confirmed(f, {(r.kind, r.field): r.check for r in study.flags if r.check})
    with st.container(border=True):
        st.subheader(f"{study.label} · {study.id}", anchor=False)
        badges = st.columns([1, 1, 1, 3])
        badges[0].badge(RECORD_KIND_LABEL.get(study.record_kind, study.record_kind), color="blue")
        badges[1].badge(design_label(study), color="gray")
        if is_user(study, user_ids):
            badges[2].badge("user-supplied", icon=":material/person:", color="orange")
        n_err = int((f["severity"] == "error").sum()) if not f.empty else 0
        badges[3].caption(f"{len(f)} flag(s), {n_err} error(s). Numbers carry their provenance: reported "
                          "(printed in the source), derived (computed from printed figures) or inferred.")
        st.text(citation_text(study))
        render_links(study)
        if study.citation.registration and not _NCT.match(study.citation.registration.strip()):
            st.caption("Registration / ethics: " + text.md(study.citation.registration))
        if study.notes:
            st.caption("Notes: " + text.md(study.notes))
        if study.pooling_exclusion:
            st.caption("Pooling: " + text.md(study.pooling_exclusion))
    tabs = st.tabs(["Outcomes", "Design & population", "Survival", "Toxicity", "Relations", f"All flags ({len(f)})"])
    with tabs[0]:
        st.markdown("**Response rates (ORR / DCR)**")
        table(outcome_rows(fr.outcomes, f, study.id), empty="No ORR or DCR reported.")
        render_flags(_section_flags(f, "rates"))
        st.markdown("**Best-response categories**")
        table(response_rows(study), empty="No CR/PR/SD/PD counts reported.")
        render_flags(_section_flags(f, "responses"))
    with tabs[1]:
        c1, c2 = st.columns(2)
        with c1:
            st.markdown("**Design**")
            table(design_facts(study))
            render_flags(pd.concat([_section_flags(f, "design"), _section_flags(f, "regimen")]))
        with c2:
            st.markdown("**Population**")
            table(population_facts(study))
            st.markdown("**Subtype composition**")
            table(subtype_rows(fr.subtypes, study.id), empty="Subtype composition not reported.")
            render_flags(_section_flags(f, "population"))
    with tabs[2]:
        table(survival_rows(fr.survival, study.id), empty="No survival figures reported.")
        fu = study.outcomes.follow_up
        if fu is not None:
            st.caption(f"Median follow-up: {show(fu.median.value)} {fu.unit}"
                       + (f" ({text.md(fu.interval.as_printed)})" if fu.interval and fu.interval.as_printed else ""))
        render_flags(_section_flags(f, "survival"))
    with tabs[3]:
        table(toxicity_rows(fr.toxicity, study.id), empty="No toxicity figures reported.")
        render_flags(_section_flags(f, "toxicity"))
    with tabs[4]:
        render_relations(base, study)
        render_flags(_section_flags(f, "relations"))
    with tabs[5]:  # an index: each flag is drawn once, beside the numbers it concerns
        if f.empty:
            st.caption("No flags for this study.")
        else:
            st.caption("Every flag of this study; each one is shown once, beside the numbers it "
                       "concerns (flags of the record as a whole below).")
            st.dataframe(flag_table(f), hide_index=True, width="stretch")
            render_flags(f[[flag_section(x) in ("study", "citation") for x in f["field"]]])


def render_relations(base: EvidenceBase, study: Study) -> None:
    rel = relations(base, study)
    shown = False
    if rel["primary_id"]:
        shown = True
        st.markdown(f"Secondary report of **{text.md(rel['primary_id'])}**"
                    + (f" (mapping confidence: {text.md(study.mapping_confidence)})" if study.mapping_confidence else ""))
        if rel["primary"] is not None:
            st.button(f"Open {rel['primary'].id} — {rel['primary'].label}", key=f"rel_p_{study.id}",
                      on_click=open_study, args=(rel["primary"].id,))
    if rel["secondary"]:
        shown = True
        st.markdown("Reported again in:")
        cols = st.columns(min(4, len(rel["secondary"])))
        for i, s in enumerate(rel["secondary"]):
            cols[i % len(cols)].button(f"{s.id} — {s.label}", key=f"rel_s_{study.id}_{s.id}",
                                       on_click=open_study, args=(s.id,))
    g = rel["group"]
    if g is not None:
        shown = True
        st.markdown(f"**Overlap group: {text.md(g.label)}** — records that may describe the same patients.")
        st.caption(text.md(g.reason))
        members = pd.DataFrame({
            "record": list(g.members),
            "label": [base.by_id[m].label if m in base.by_id else "(not in this data set)" for m in g.members],
            "pooled by default": ["yes" if m in g.pooled_by_default else "no" for m in g.members],
        })
        table(members)
        others = [m for m in g.members if m != study.id and m in base.by_id]
        if others:
            cols = st.columns(min(5, len(others)))
            for i, m in enumerate(others):
                cols[i % len(cols)].button(f"Open {m}", key=f"rel_g_{study.id}_{m}", on_click=open_study, args=(m,))
    if not shown:
        st.caption("No secondary reports and no overlapping cohorts recorded.")


def render_download(df: pd.DataFrame | Callable[[], pd.DataFrame], file_name: str, *, key: str,
                    label: str = "Download CSV") -> None:
    """A CSV download of ``df`` (or of the table a zero-argument callable returns).

    The CSV is built only when the button is clicked (Streamlit's deferred ``data`` callable), not
    on every rerun; ``df`` must not be changed after the call (the pages pass fresh or cached,
    read-only tables).
    """
    def payload() -> bytes:
        return text.csv_bytes(df() if callable(df) else df)

    st.download_button(label, data=payload, file_name=file_name, mime="text/csv", key=key,
                       on_click="ignore", icon=":material/download:")
