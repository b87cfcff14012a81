"""The Studies and Data checks views: study browser, study card tables, flags and candidates.

Pure functions of the evidence tables and models (no Streamlit): the browser table and its
filters, citation links (validated DOI, PubMed, PMC and registry ids only), the tables of a study
card (outcomes with their flags, best response, survival, toxicity, subtypes, design and
population facts, relations), the side-by-side comparison, the flag tables and the candidate
fractions behind a printed percentage. Cells are display strings: never ``nan`` or ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd

from evidence import EvidenceBase, Study, candidate_fractions, design_label
from evidence.models import parse_percent_text
from evidence.userdata import is_user_study

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


def flag_view(flags: pd.DataFrame, *, severity: Sequence[str] = (), kinds: Sequence[str] = (),
              studies: Sequence[str] = (), search: str = "") -> FlagView:
    """:func:`filter_flags` and :func:`flag_kinds` of ``flags``: what the Data checks page shows."""
    sel = filter_flags(flags, severity=list(severity), kinds=list(kinds), studies=list(studies), search=search)
    by_kind = flag_kinds(sel)
    counts = sel["severity"].value_counts() if "severity" in sel else pd.Series(dtype=int)
    return FlagView(
        flags=sel,
        kinds=display_frame(by_kind),
        kind_rows=tuple(zip(by_kind["kind"], (int(n) for n in by_kind["flags"]), by_kind["worst"], strict=True)),
        counts={str(k): int(v) for k, v in counts.items()},
        study_ids=tuple(dict.fromkeys(sel["study_id"])) if "study_id" in sel else (),
    )


def overlap_members(base: EvidenceBase, group) -> pd.DataFrame:
    """The records of an overlap group: label (when in the data) and whether it is pooled by default."""
    return pd.DataFrame({
        "record": list(group.members),
        "label": [base.by_id[m].label if m in base.by_id else "(not in this data set)" for m in group.members],
        "pooled by default": ["yes" if m in group.pooled_by_default else "no" for m in group.members],
    })


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


def is_user(study: Study, user_ids: frozenset[str]) -> bool:
    return study.id in user_ids or is_user_study(study)


def _section_flags(f: pd.DataFrame, section: str) -> pd.DataFrame:
    if f.empty:
        return f
    return f[[flag_section(x) == section for x in f["field"]]]
