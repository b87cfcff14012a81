"""Analysis-ready pandas tables built from an :class:`~evidence.base.EvidenceBase`.

Every frame is rebuilt on each call (callers may modify their copy freely).

``outcomes_frame()`` — one row per study × endpoint (ORR/DCR) × timepoint × subgroup:
    study_id, label, year, design, phase, design_label, report_type, n_centres, histology,
    histology_group, sarcoma_only, regimen, partner, dose, dose_mg, line, endpoint, timepoint,
    timepoint_note, headline, headline_reason, events, total, percent_reported, percent_printed,
    status, derivation, source, location, unverified, definition, ci_low, ci_high, subgroup,
    subgroup_kind, overlap_group, record_kind, secondary_of, pooled_by_default,
    exclusion_reason, flag_count, overlap_role

    ``overlap_role``: ``"default"`` (a report its overlap group pools by default), ``"alternate"``
    (a member left out only because its cohort is already represented: it may stand in for the
    group when no default report passes a view's filters, see ``evidence.selection``) or ``""``.

``flags_frame()`` — study_id, label, kind, severity, field, message, dossier_flag, check

``survival_frame()`` — study_id, label, year, design, histology_group, regimen, endpoint,
    statistic, time_months, estimate, ci_low, ci_high, interval_kind, interval_as_printed,
    not_reached, milestone_method, follow_up_months, n, subgroup, subgroup_kind, status, source,
    location, derivation, as_printed, record_kind, overlap_group, pooled_by_default,
    exclusion_reason

``studies_frame()`` — one row per record: id, label, year, citation, authors, title, journal,
    doi, pmid, pmcid, registration, record_kind, secondary_of, mapping_confidence,
    overlap_group, design, phase, design_label, report_type, centres, n_centres, enrolment,
    country, institutions, histology, histology_group, sarcoma_only, n_enrolled,
    n_evaluable_efficacy, n_evaluable_safety, line, regimen, partner, dose, dose_mg,
    response_criteria, endpoints_reported, sources, flag_count, notes

``toxicity_frame()`` — study_id, label, event, grade, attribution, count, total, percent_reported,
    percent_printed, status, unverified, source, location, derivation, note, record_kind

``problems_frame()`` — file, study_id, row, label, field, value, message, severity, line,
    column, text

``subtypes_frame()`` — study_id, label, subtype, n, percent_printed, status, source, location

``pooled_estimates_frame()`` — study_id, label, measure, scale, estimate, ci_low, ci_high,
    interval_kind, source, location, scope
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evidence.models import Num, Rate, Study, months

if TYPE_CHECKING:
    from evidence.base import EvidenceBase

__all__ = [
    "FLAGS_COLUMNS",
    "OUTCOMES_COLUMNS",
    "SURVIVAL_COLUMNS",
    "design_label",
    "flags_frame",
    "outcomes_frame",
    "pooled_estimates_frame",
    "problems_frame",
    "studies_frame",
    "subtypes_frame",
    "survival_frame",
    "toxicity_frame",
]

OUTCOMES_COLUMNS: tuple[str, ...] = (
    "study_id", "label", "year", "design", "phase", "design_label", "report_type", "n_centres",
    "histology", "histology_group", "sarcoma_only", "regimen", "partner", "dose", "dose_mg", "line",
    "endpoint", "timepoint", "timepoint_note", "headline", "headline_reason", "events", "total",
    "percent_reported", "percent_printed", "status", "derivation", "source", "location", "unverified",
    "definition", "ci_low", "ci_high", "subgroup", "subgroup_kind", "overlap_group", "record_kind",
    "secondary_of", "pooled_by_default", "exclusion_reason", "flag_count", "overlap_role",
)
FLAGS_COLUMNS: tuple[str, ...] = (
    "study_id", "label", "kind", "severity", "field", "message", "dossier_flag", "check",
)
SURVIVAL_COLUMNS: tuple[str, ...] = (
    "study_id", "label", "year", "design", "histology_group", "regimen", "endpoint", "statistic",
    "time_months", "estimate", "ci_low", "ci_high", "interval_kind", "interval_as_printed",
    "not_reached", "milestone_method", "follow_up_months", "n", "subgroup", "subgroup_kind",
    "status", "source", "location", "derivation", "as_printed", "record_kind", "overlap_group",
    "pooled_by_default", "exclusion_reason",
)
_STATUS_RANK = {"reported": 0, "derived": 1, "inferred": 2}


def design_label(study: Study) -> str:
    """Short design description: "Prospective phase II", "Retrospective cohort", ..."""
    d = study.design
    if study.record_kind == "external_meta_analysis" or d.report_type == "meta_analysis":
        return "Meta-analysis"
    if study.record_kind == "planned" or d.report_type == "registry":
        return "Registered trial (no results)"
    if d.report_type == "seed_document":
        return "Secondary citation (seed)"
    if d.report_type == "conference_abstract":
        return "Conference abstract"
    if d.report_type == "case_report":
        return "Case report"
    if d.design == "prospective":
        return f"Prospective phase {d.phase}" if d.phase else "Prospective cohort"
    if d.design == "retrospective":
        return "Retrospective cohort"
    return "Design not stated"


def _val(num: Num | None) -> Any:
    return None if num is None else num.value


def _int(num: Num | None) -> Any:
    return pd.NA if num is None else int(num.value)


def _float(num: Num | None) -> float:
    return float("nan") if num is None else float(num.value)


def _worst_status(*nums: Num | None) -> str:
    present = [n.status for n in nums if n is not None]
    return max(present, key=lambda s: _STATUS_RANK[s]) if present else "reported"


def _join(items: list[str | None], sep: str = "; ") -> str | None:
    seen: list[str] = []
    for i in items:
        if i and i not in seen:
            seen.append(i)
    return sep.join(seen) if seen else None


def _group_default(base: EvidenceBase, study: Study) -> tuple[bool, str | None]:
    """Whether the study's overlap group lets it into default pooling, and why not."""
    if not study.overlap_group:
        return True, None
    g = base.overlap_group(study.overlap_group)
    if g is None or study.id in g.pooled_by_default:
        return True, None
    return False, (study.pooling_exclusion
                   or f"overlapping cohort ({g.label}); pooled by default instead: {', '.join(g.pooled_by_default) or 'none'}")


def _overlap_role(base: EvidenceBase, s: Study) -> str:
    """``"default"``, ``"alternate"`` (excluded only by the overlap) or ``""`` (see module doc)."""
    if not s.overlap_group or base.overlap_group(s.overlap_group) is None:
        return ""
    if _hard_exclusion(s) is not None:
        return ""
    ok, _ = _group_default(base, s)
    if ok:
        return "" if s.pooling_exclusion else "default"
    return "alternate"


def _hard_exclusion(s: Study) -> str | None:
    """Exclusions that no view's filters can lift (the record is not a pooled cohort)."""
    if s.record_kind == "secondary_report":
        return f"secondary report of {s.secondary_of}"
    if s.record_kind == "untraced_claim":
        return "untraced claim (no matching study)"
    if s.record_kind == "planned":
        return "planned trial (no results)"
    if s.record_kind == "external_meta_analysis":
        return "external meta-analysis (never re-pooled)"
    if s.design.report_type == "case_report":
        return "case report"
    if not s.population.sarcoma_only:
        return f"not sarcoma-only ({s.population.histology})"
    return None


def _study_exclusion(base: EvidenceBase, s: Study) -> str | None:
    """Why a study's rows are not pooled by default (None: eligible).

    A ``pooling_exclusion`` on a member its overlap group does not pool by default words the
    overlap (``overlap_role == "alternate"``); anywhere else it is a hard exclusion.
    """
    hard = _hard_exclusion(s)
    if hard is not None:
        return hard
    ok, why = _group_default(base, s)
    if not ok:
        return why
    return s.pooling_exclusion


def _headline_map(s: Study) -> dict[int, tuple[bool, str | None]]:
    """Index of each rate -> (headline, reason)."""
    out: dict[int, tuple[bool, str | None]] = {}
    for ep in ("ORR", "DCR"):
        idx = [i for i, r in enumerate(s.outcomes.rates) if r.endpoint == ep and r.subgroup is None]
        if not idx:
            continue
        marked = [i for i in idx if s.outcomes.rates[i].headline]
        if marked:
            chosen = marked[0]
            reason = s.outcomes.rates[chosen].headline_reason or "marked headline in the data file"
        elif len(idx) == 1:
            chosen, reason = idx[0], "only whole-cohort row"
        else:
            bo = [i for i in idx if s.outcomes.rates[i].timepoint == "best_overall"]
            chosen = bo[0] if bo else idx[0]
            reason = "best overall response preferred (no row marked headline)"
        for i in idx:
            out[i] = (i == chosen, reason if i == chosen else None)
    return out


def _flag_counts(base: EvidenceBase) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in base.flags:
        counts[f.study_id] = counts.get(f.study_id, 0) + 1
    return counts


def _regimen_cols(s: Study) -> dict[str, Any]:
    r = s.regimen
    return {
        "regimen": None if r is None else r.kind,
        "partner": None if r is None or not r.partners else " + ".join(r.partners),
        "dose": None if r is None else r.dose,
        "dose_mg": float("nan") if r is None or r.dose_mg is None else float(r.dose_mg.value),
    }


def _rate_row(base: EvidenceBase, s: Study, r: Rate, headline: bool, reason: str | None,
              study_excl: str | None, flag_count: int, role: str = "") -> dict[str, Any]:
    nums = (r.events, r.total, r.percent)
    srcs = _join([n.source for n in nums if n is not None], "; ")
    locs = _join([n.location for n in nums if n is not None], "; ")
    derivs = _join([f"{name}: {n.derivation}" for name, n in zip(("events", "total", "percent"), nums, strict=True)
                    if n is not None and n.derivation])
    reasons: list[str | None] = [study_excl]
    if r.events is None or r.total is None:
        reasons.append("counts unknown: percentages only")
    if r.subgroup is not None:
        reasons.append(f"subgroup row ({r.subgroup_kind or 'subgroup'}: {r.subgroup})")
    elif not headline:
        reasons.append(f"not the headline timepoint ({r.timepoint})")
    excl = _join(reasons)
    d = s.design
    return {
        "study_id": s.id,
        "label": s.label,
        "year": s.citation.year,
        "design": d.design,
        "phase": d.phase,
        "design_label": design_label(s),
        "report_type": d.report_type,
        "n_centres": _int(d.n_centres),
        "histology": s.population.histology,
        "histology_group": s.population.histology_group,
        "sarcoma_only": s.population.sarcoma_only,
        **_regimen_cols(s),
        "line": s.population.line,
        "endpoint": r.endpoint,
        "timepoint": r.timepoint,
        "timepoint_note": r.timepoint_note,
        "headline": headline,
        "headline_reason": reason,
        "events": _int(r.events),
        "total": _int(r.total),
        "percent_reported": _float(r.percent),
        "percent_printed": None if r.percent is None else (r.percent.as_printed or f"{r.percent.value}%"),
        "status": _worst_status(*nums),
        "derivation": derivs,
        "source": srcs,
        "location": locs,
        "unverified": any(n.unverified for n in nums if n is not None),
        "definition": r.definition,
        "ci_low": float("nan") if r.ci is None or r.ci.low is None else float(r.ci.low),
        "ci_high": float("nan") if r.ci is None or r.ci.high is None else float(r.ci.high),
        "subgroup": r.subgroup,
        "subgroup_kind": r.subgroup_kind,
        "overlap_group": s.overlap_group,
        "record_kind": s.record_kind,
        "secondary_of": s.secondary_of,
        "pooled_by_default": excl is None,
        "exclusion_reason": excl,
        "flag_count": flag_count,
        "overlap_role": role,
    }


def outcomes_frame(base: EvidenceBase) -> pd.DataFrame:
    """ORR/DCR rows (see module docstring for the columns)."""
    counts = _flag_counts(base)
    rows: list[dict[str, Any]] = []
    for s in base.studies:
        excl = _study_exclusion(base, s)
        role = _overlap_role(base, s)
        hl = _headline_map(s)
        for i, r in enumerate(s.outcomes.rates):
            headline, reason = hl.get(i, (False, None))
            rows.append(_rate_row(base, s, r, headline, reason, excl, counts.get(s.id, 0), role))
    df = pd.DataFrame(rows, columns=list(OUTCOMES_COLUMNS))
    for col in ("year", "n_centres", "events", "total", "flag_count"):
        df[col] = df[col].astype("Int64")
    df["flag_count"] = df["flag_count"].fillna(0).astype(int)
    for col in ("dose_mg", "percent_reported", "ci_low", "ci_high"):
        df[col] = df[col].astype(float)
    for col in ("headline", "sarcoma_only", "pooled_by_default", "unverified"):
        df[col] = df[col].astype(bool)
    return df


def flags_frame(base: EvidenceBase) -> pd.DataFrame:
    labels = {s.id: s.label for s in base.studies}
    rows = [
        {
            "study_id": f.study_id, "label": labels.get(f.study_id, f.study_id), "kind": f.kind,
            "severity": f.severity, "field": f.field, "message": f.message,
            "dossier_flag": f.dossier_flag, "check": f.check,
        }
        for f in base.flags
    ]
    df = pd.DataFrame(rows, columns=list(FLAGS_COLUMNS))
    df["dossier_flag"] = df["dossier_flag"].astype("Int64")
    return df


def survival_frame(base: EvidenceBase) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for s in base.studies:
        excl = _study_exclusion(base, s)
        o = s.outcomes
        fu = o.follow_up.median_months if o.follow_up is not None else float("nan")
        cohort_n = s.n.evaluable_efficacy or s.n.enrolled
        common = {
            "study_id": s.id, "label": s.label, "year": s.citation.year, "design": s.design.design,
            "histology_group": s.population.histology_group,
            "regimen": None if s.regimen is None else s.regimen.kind,
            "follow_up_months": fu, "record_kind": s.record_kind, "overlap_group": s.overlap_group,
        }
        for med in o.medians:
            ci = med.ci
            rows.append({
                **common, "endpoint": med.endpoint, "statistic": "median", "time_months": float("nan"),
                "estimate": _float(med.estimate),
                "ci_low": float("nan") if ci is None or ci.low is None else float(ci.low),
                "ci_high": float("nan") if ci is None or ci.high is None else float(ci.high),
                "interval_kind": "not stated" if ci is None else ci.kind,
                "interval_as_printed": None if ci is None else ci.as_printed,
                "not_reached": med.not_reached, "milestone_method": None,
                "n": _int(med.n if med.n is not None or med.subgroup else cohort_n),
                "subgroup": med.subgroup, "subgroup_kind": med.subgroup_kind,
                "status": "reported" if med.estimate is None else med.estimate.status,
                "source": med.estimate.source if med.estimate else (ci.source if ci else (s.sources[0])),
                "location": med.estimate.location if med.estimate else (ci.location if ci else None),
                "derivation": med.estimate.derivation if med.estimate else None,
                "as_printed": med.estimate.as_printed if med.estimate else ("not reached" if med.not_reached else None),
                "pooled_by_default": excl is None and med.subgroup is None,
                "exclusion_reason": excl or (f"subgroup row ({med.subgroup})" if med.subgroup else None),
            })
        for m in o.milestones:
            ci = m.ci
            rows.append({
                **common, "endpoint": m.endpoint, "statistic": "milestone",
                "time_months": months(m.time.value, m.unit), "estimate": float(m.rate.value),
                "ci_low": float("nan") if ci is None or ci.low is None else float(ci.low),
                "ci_high": float("nan") if ci is None or ci.high is None else float(ci.high),
                "interval_kind": "not stated" if ci is None else ci.kind,
                "interval_as_printed": None if ci is None else ci.as_printed,
                "not_reached": False, "milestone_method": m.method,
                "n": _int(m.total if m.total is not None or m.subgroup else cohort_n),
                "subgroup": m.subgroup, "subgroup_kind": m.subgroup_kind,
                "status": _worst_status(m.rate, m.time), "source": m.rate.source,
                "location": m.rate.location,
                "derivation": _join([m.rate.derivation, m.time.derivation]),
                "as_printed": m.rate.as_printed,
                "pooled_by_default": excl is None and m.subgroup is None,
                "exclusion_reason": excl or (f"subgroup row ({m.subgroup})" if m.subgroup else None),
            })
    df = pd.DataFrame(rows, columns=list(SURVIVAL_COLUMNS))
    df["year"] = df["year"].astype("Int64")
    df["n"] = df["n"].astype("Int64")
    for col in ("time_months", "estimate", "ci_low", "ci_high", "follow_up_months"):
        df[col] = df[col].astype(float)
    for col in ("not_reached", "pooled_by_default"):
        df[col] = df[col].astype(bool)
    return df


def studies_frame(base: EvidenceBase) -> pd.DataFrame:
    counts = _flag_counts(base)
    rows: list[dict[str, Any]] = []
    for s in base.studies:
        c, d, o = s.citation, s.design, s.outcomes
        endpoints: list[str] = []
        for r in o.rates:
            endpoints.append(r.endpoint)
        for m in o.medians:
            endpoints.append(f"m{m.endpoint}")
        for m in o.milestones:
            endpoints.append(f"{m.endpoint} milestone")
        if o.toxicity:
            endpoints.append("toxicity")
        if s.pooled_estimates:
            endpoints.append("pooled estimates")
        cit = _join([c.authors, c.title, c.journal, str(c.year) if c.year else None, c.volume_pages], ". ")
        rows.append({
            "id": s.id, "label": s.label, "year": c.year, "citation": cit, "authors": c.authors,
            "title": c.title, "journal": c.journal, "doi": c.doi, "pmid": c.pmid, "pmcid": c.pmcid,
            "registration": c.registration, "record_kind": s.record_kind, "secondary_of": s.secondary_of,
            "mapping_confidence": s.mapping_confidence, "overlap_group": s.overlap_group,
            "design": d.design, "phase": d.phase, "design_label": design_label(s),
            "report_type": d.report_type, "centres": d.centres, "n_centres": _int(d.n_centres),
            "enrolment": d.enrolment, "country": d.country,
            "institutions": "; ".join(d.institutions) or None,
            "histology": s.population.histology, "histology_group": s.population.histology_group,
            "sarcoma_only": s.population.sarcoma_only,
            "n_enrolled": _int(s.n.enrolled), "n_evaluable_efficacy": _int(s.n.evaluable_efficacy),
            "n_evaluable_safety": _int(s.n.evaluable_safety), "line": s.population.line,
            **_regimen_cols(s), "response_criteria": d.response_criteria,
            "endpoints_reported": ", ".join(dict.fromkeys(endpoints)) or None,
            "sources": ", ".join(s.sources), "flag_count": counts.get(s.id, 0), "notes": s.notes,
        })
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    for col in ("year", "n_centres", "n_enrolled", "n_evaluable_efficacy", "n_evaluable_safety"):
        df[col] = df[col].astype("Int64")
    return df


def toxicity_frame(base: EvidenceBase) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for s in base.studies:
        for t in s.outcomes.toxicity:
            nums = (t.count, t.total, t.percent)
            rows.append({
                "study_id": s.id, "label": s.label, "event": t.event, "grade": t.grade,
                "attribution": t.attribution or "not stated",
                "count": _int(t.count), "total": _int(t.total), "percent_reported": _float(t.percent),
                "percent_printed": (t.percent.as_printed if t.percent is not None and t.percent.as_printed
                                    else (t.count.percent_printed if t.count is not None else None)),
                "status": _worst_status(*nums),
                "unverified": any(n.unverified for n in nums if n is not None),
                "source": _join([n.source for n in nums if n is not None]),
                "location": _join([n.location for n in nums if n is not None]),
                "derivation": _join([n.derivation for n in nums if n is not None]),
                "note": t.note, "record_kind": s.record_kind,
            })
    cols = ["study_id", "label", "event", "grade", "attribution", "count", "total", "percent_reported",
            "percent_printed",
            "status", "unverified", "source", "location", "derivation", "note", "record_kind"]
    df = pd.DataFrame(rows, columns=cols)
    df["count"] = df["count"].astype("Int64")
    df["total"] = df["total"].astype("Int64")
    df["percent_reported"] = df["percent_reported"].astype(float)
    return df


def problems_frame(base: EvidenceBase) -> pd.DataFrame:
    cols = ["file", "study_id", "row", "label", "field", "value", "message", "severity", "line", "column", "text"]
    df = pd.DataFrame([p.as_dict() for p in base.problems], columns=cols)
    for col in ("row", "line", "column"):
        df[col] = df[col].astype("Int64")
    return df


def subtypes_frame(base: EvidenceBase) -> pd.DataFrame:
    rows = [
        {"study_id": s.id, "label": s.label, "subtype": sub.subtype, "n": int(sub.n.value),
         "percent_printed": sub.n.percent_printed, "status": sub.n.status, "source": sub.n.source,
         "location": sub.n.location}
        for s in base.studies for sub in s.population.composition
    ]
    cols = ["study_id", "label", "subtype", "n", "percent_printed", "status", "source", "location"]
    return pd.DataFrame(rows, columns=cols)


def pooled_estimates_frame(base: EvidenceBase) -> pd.DataFrame:
    rows = [
        {"study_id": s.id, "label": s.label, "measure": pe.measure, "scale": pe.scale,
         "estimate": float(pe.estimate.value),
         "ci_low": np.nan if pe.ci is None or pe.ci.low is None else float(pe.ci.low),
         "ci_high": np.nan if pe.ci is None or pe.ci.high is None else float(pe.ci.high),
         "interval_kind": None if pe.ci is None else pe.ci.kind, "source": pe.estimate.source,
         "location": pe.estimate.location, "scope": s.scope}
        for s in base.studies for pe in s.pooled_estimates
    ]
    cols = ["study_id", "label", "measure", "scale", "estimate", "ci_low", "ci_high", "interval_kind",
            "source", "location", "scope"]
    return pd.DataFrame(rows, columns=cols)
