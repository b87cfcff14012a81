"""The Survival page's reported-evidence view: filters, table rows, flags, curve inputs.

Pure functions of ``EvidenceBase.survival_frame()``, ``outcomes_frame()`` and ``flags_frame()``:
the filters, the table of reported medians and milestone rates with their provenance and flags
(each flag placed beside the number it concerns), the inputs and sentences of the curves drawn
through reported points, and the response-vs-PFS table. Every number comes from the evidence table,
:mod:`synthesis.survival_curves` or :mod:`findings.survival`. No Streamlit, no plotly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evidence.selection import text_value
from findings.survival import (
    finite,
    truthy,
)
from findings.text import MISSING as DASH
from findings.text import decimal
from synthesis.survival_curves import (
    ReportedPoints,
    SurvivalCurveFit,
    fit_parametric_curves,
    implied_median_bounds,
    reported_points,
)

ENDPOINTS = {
    "PFS": "Progression-free survival (PFS)",
    "TTP": "Time to progression (TTP)",
    "OS": "Overall survival (OS)",
    "DoR": "Duration of response (DoR)",
}


FILTER_COLUMNS = {"histology": "histology_group", "design": "design", "regimen": "regimen"}


FILTER_LABELS = {"histology": "Histology group", "design": "Design", "regimen": "Regimen"}


REPORTS = {"one": "One report per cohort", "all": "All reports (overlapping cohorts)"}


RESPONSES = {"ORR": "Objective response rate (ORR)", "DCR": "Disease control rate (DCR)"}


MISSING = "not reported"


FLAG = "⚑"


EDUCATOR_LINE = (
    "Response and durability tell different stories: a response rate counts tumours that shrink, "
    "a median PFS says how long disease stays controlled — a drug that mostly stabilises disease "
    "can give a long PFS with few responses, and a high response rate does not promise a long PFS."
)


PARAMETRIC_NOTE = (
    "These are **parametric curves** drawn through the reported median and milestone rates "
    "under an assumed exponential (constant hazard) or Weibull model. They are **not Kaplan–Meier "
    "curves**: no patient-level data were available, and between and beyond the reported points "
    "the shape is the model's assumption, not data."
)


text = text_value  # plain text of a value; empty for None/NaN/NA (never ``nan``)


def filter_options(frame: pd.DataFrame, column: str) -> list[str]:
    """Sorted values of a filter column (missing values as ``not reported``, listed last)."""
    if column not in frame:
        return []
    vals = {text(v) or MISSING for v in frame[column]}
    return sorted(vals - {MISSING}) + ([MISSING] if MISSING in vals else [])


def apply_filters(
    frame: pd.DataFrame,
    *,
    endpoints: tuple[str, ...] = (),
    histology: tuple[str, ...] = (),
    design: tuple[str, ...] = (),
    regimen: tuple[str, ...] = (),
    subgroups: bool = True,
) -> pd.DataFrame:
    """Rows of the survival table passing the filters (empty tuple = no restriction)."""
    keep = pd.Series(True, index=frame.index)
    if endpoints:
        keep &= frame["endpoint"].isin(list(endpoints))
    for name, allowed in (("histology", histology), ("design", design), ("regimen", regimen)):
        col = FILTER_COLUMNS[name]
        if allowed and col in frame:
            keep &= frame[col].map(lambda v: text(v) or MISSING).isin(list(allowed))
    if not subgroups and "subgroup" in frame:
        keep &= frame["subgroup"].map(text) == ""
    return frame[keep]


_FIELD = re.compile(
    r"^(?P<ep>PFS|TTP|OS|DoR)(?:\s+(?P<t>[\d.]+)\s+(?P<unit>weeks|months))?(?:\s+\((?P<sub>.*)\))?$"
)


def _field_parts(field_text: str) -> tuple[str, str]:
    """``"outcomes › medians › PFS (ASPS)"`` or ``"outcomes.medians.PFS (ASPS)"`` -> (section, rest)."""
    f = text(field_text).replace(" › ", ".")
    if not f.startswith("outcomes"):
        return "", ""
    parts = f.split(".", 2)
    if len(parts) == 1:
        return "outcomes", ""
    return parts[1], parts[2] if len(parts) > 2 else ""


_SURVIVAL_WORDS = re.compile(r"\b(m?PFS|m?OS|TTP|DoR|PFR|median|follow-up|survival)\b")


def flag_applies(field_text: str, row: pd.Series, message: str = "", kind: str = "") -> bool:
    """Whether a flag on ``field_text`` concerns this survival row (same study assumed).

    Flags on a median or milestone match by endpoint, subgroup and time; flags on the follow-up
    concern every row of the study; a flag on the whole ``outcomes`` block only when it is about
    survival (unverified results, or its message names a survival quantity).
    """
    section, rest = _field_parts(field_text)
    if section == "follow_up":
        return True
    if section == "outcomes":
        return rest == "" and (kind == "unverified_results" or bool(_SURVIVAL_WORDS.search(message)))
    if section not in ("medians", "milestones"):
        return False
    if row["statistic"] != section[:-1]:
        return False
    m = _FIELD.match(rest.strip())
    if not m or m["ep"] != row["endpoint"]:
        return False
    sub = text(row.get("subgroup"))
    if (m["sub"] or "") != sub:
        return False
    if m["t"] and finite(row.get("time_months")):
        t = float(m["t"]) * (7.0 / 30.4375 if m["unit"] == "weeks" else 1.0)
        return abs(t - float(row["time_months"])) < 1e-6
    return True


def row_flags(frame: pd.DataFrame, flags: pd.DataFrame) -> dict[object, list[dict]]:
    """``row index -> [flag dicts]`` for every survival row some flag concerns (messages deduplicated)."""
    out: dict[object, list[dict]] = {}
    if flags is None or flags.empty or frame.empty:
        return out
    by_study = dict(list(flags.groupby("study_id", sort=False)))
    for idx, row in frame.iterrows():
        g = by_study.get(row["study_id"])
        if g is None:
            continue
        seen: set[str] = set()
        for _, f in g.iterrows():
            msg = text(f.get("message"))
            if msg and msg not in seen and flag_applies(f.get("field"), row, msg, text(f.get("kind"))):
                seen.add(msg)
                out.setdefault(idx, []).append(f.to_dict())
    return out


def _dossier(f: dict) -> str:
    d = f.get("dossier_flag")
    return f"dossier flag {int(d)}" if finite(d) else ""


def flag_messages(frame: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """One row per (study, message) for the rows shown: ``study, where, severity, dossier, message``."""
    rows, seen = [], set()
    fmap = row_flags(frame, flags)
    for idx, fl in fmap.items():
        r = frame.loc[idx]
        for f in fl:
            key = (r["study_id"], text(f.get("message")))
            if key in seen:
                continue
            seen.add(key)
            rows.append({
                "study": text(r.get("label")) or text(r["study_id"]),
                "where": _where(r),
                "severity": text(f.get("severity")) or "info",
                "dossier": _dossier(f),
                "message": text(f.get("message")),
            })
    order = {"error": 0, "warning": 1, "info": 2}
    df = pd.DataFrame(rows, columns=["study", "where", "severity", "dossier", "message"])
    return df.sort_values("severity", key=lambda s: s.map(order).fillna(3), kind="stable").reset_index(drop=True)


def _where(r: pd.Series) -> str:
    sub = text(r.get("subgroup"))
    if r["statistic"] == "median":
        base = f"median {r['endpoint']}"
    else:
        base = f"{r['endpoint']} at {decimal(r.get('time_months'))} mo"
    return f"{base} ({sub})" if sub else base


def _estimate_text(r: pd.Series) -> str:
    if r["statistic"] == "median":
        if truthy(r.get("not_reached")):
            return "not reached"
        return f"{decimal(r.get('estimate'))} months" if finite(r.get("estimate")) else DASH
    return f"{decimal(r.get('estimate'))}%" if finite(r.get("estimate")) else DASH


def _interval_text(r: pd.Series) -> str:
    lo, hi = r.get("ci_low"), r.get("ci_high")
    if not finite(lo) and not finite(hi):
        return DASH
    unit = "" if r["statistic"] == "median" else "%"
    lo_t = decimal(lo) + unit if finite(lo) else "NE"
    hi_t = decimal(hi) + unit if finite(hi) else "NE"
    return f"{lo_t}–{hi_t}"


def _method_text(r: pd.Series) -> str:
    if r["statistic"] == "median":
        return DASH  # how a median was estimated is not recorded; not claimed here
    m = text(r.get("milestone_method"))
    return {"Kaplan–Meier": "Kaplan–Meier", "crude": "crude proportion"}.get(m, "KM or crude not stated")


def provenance(r: pd.Series) -> str:
    """``source · location · status · derivation · printed as`` (the parts that exist)."""
    parts = [text(r.get("source")), text(r.get("location")), text(r.get("status"))]
    if text(r.get("derivation")):
        parts.append("derived: " + text(r.get("derivation")))
    if text(r.get("as_printed")):
        parts.append(f"printed as “{text(r.get('as_printed'))}”")
    if text(r.get("interval_as_printed")):
        parts.append(f"interval printed as “{text(r.get('interval_as_printed'))}”")
    return " · ".join(p for p in parts if p) or DASH


def table_rows(frame: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """The on-screen table: text cells only (``–`` for missing; never ``nan``), one row per value."""
    fmap = row_flags(frame, flags)
    rows = []
    for idx, r in frame.iterrows():
        fl = fmap.get(idx, [])
        rows.append({
            FLAG: FLAG if fl else "",
            "Study": text(r.get("label")) or text(r["study_id"]),
            "Subgroup": text(r.get("subgroup")) or "whole cohort",
            "Endpoint": text(r["endpoint"]),
            "What": "median" if r["statistic"] == "median" else f"rate at {decimal(r.get('time_months'))} months",
            "Estimate": _estimate_text(r),
            "Interval": _interval_text(r),
            "Interval kind": text(r.get("interval_kind")) or "not stated",
            "Method": _method_text(r),
            "Median follow-up (months)": decimal(r.get("follow_up_months"), 1),
            "n": decimal(r.get("n"), 0),
            "Design": text(r.get("design")) or MISSING,
            "Histology": text(r.get("histology_group")) or MISSING,
            "Regimen": text(r.get("regimen")) or MISSING,
            "Pooled by default": "yes" if truthy(r.get("pooled_by_default")) else f"no: {text(r.get('exclusion_reason')) or 'not eligible'}",
            "Provenance": provenance(r),
            "Flags": " | ".join(
                f"{text(f.get('severity'))}: {text(f.get('message'))}" + (f" ({_dossier(f)})" if _dossier(f) else "")
                for f in fl
            ),
        })
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


TABLE_COLUMNS = (
    FLAG, "Study", "Subgroup", "Endpoint", "What", "Estimate", "Interval", "Interval kind", "Method",
    "Median follow-up (months)", "n", "Design", "Histology", "Regimen", "Pooled by default",
    "Provenance", "Flags",
)


def export_rows(frame: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """The CSV: the evidence columns (numbers as numbers) plus the flag marker and messages."""
    fmap = row_flags(frame, flags)
    out = frame.reset_index(drop=True).copy()
    idx = list(frame.index)
    out.insert(0, "flag", [FLAG if fmap.get(i) else "" for i in idx])
    out["flags"] = [" | ".join(text(f.get("message")) for f in fmap.get(i, [])) for i in idx]
    return out


def chart_frame(frame: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """The medians for the dot-and-whisker plot, flagged rows labelled ``… ⚑``."""
    fmap = row_flags(frame, flags)
    df = frame.copy()
    df["label"] = [
        (f"{FLAG} " if fmap.get(i) else "") + (text(r.get("label")) or text(r["study_id"]))
        for i, r in df.iterrows()
    ]
    return df


def curve_choices(frame: pd.DataFrame) -> dict[str, str]:
    """``"study_id:endpoint" -> display label`` for whole-cohort study/endpoint pairs with data."""
    df = frame[frame["subgroup"].map(text) == ""] if "subgroup" in frame else frame
    out: dict[str, str] = {}
    for (sid, ep), g in df.groupby(["study_id", "endpoint"], sort=False):
        pts = reported_points(g, ep, include_crude=True)
        if pts.k == 0:
            continue
        label = text(g["label"].iloc[0]) or str(sid)
        out[f"{sid}:{ep}"] = f"{label} · {ep} · {pts.k} point{'s' if pts.k != 1 else ''}"
    return out


def default_curve(choices: dict[str, str]) -> str | None:
    """S1 PFS (the flag 1 example) when available, else the first pair with ≥2 points."""
    if "S1:PFS" in choices:
        return "S1:PFS"
    for k, lab in choices.items():
        if not lab.endswith(" 1 point"):
            return k
    return next(iter(choices), None)


@dataclass(frozen=True)
class CurveView:
    study_id: str
    endpoint: str
    label: str
    points: ReportedPoints
    fits: dict[str, SurvivalCurveFit]
    not_fitted: tuple[tuple[str, str], ...]
    bounds_text: str = ""
    checks: tuple[tuple[bool, str], ...] = ()  # (compatible, sentence)
    claims: tuple[tuple[str, float], ...] = ()  # (label, median) of secondary reports


def curve_view(frame: pd.DataFrame, key: str, *, include_crude: bool = False,
               secondary_of: dict[str, str] | None = None) -> CurveView:
    """Reported points, fits and the median check of one ``"study_id:endpoint"`` pair."""
    sid, _, ep = key.partition(":")
    g = frame[(frame["study_id"] == sid)]
    label = text(g["label"].iloc[0]) if len(g) else sid
    pts = reported_points(g, ep, include_crude=include_crude)
    fits, why = fit_parametric_curves(pts) if pts.k else ({}, (("exponential", "no usable reported point"),
                                                    ("weibull", "no usable reported point")))
    whole = g[(g["endpoint"] == ep) & (g["subgroup"].map(text) == "")]
    km = whole[(whole["statistic"] == "milestone") & (whole["milestone_method"].map(text) != "crude")]
    km = km[pd.to_numeric(km["estimate"], errors="coerce").between(0, 100, inclusive="neither")]
    km = km.sort_values("time_months").drop_duplicates("time_months")
    bounds_text, checks = "", []
    medians = [(label, float(r["estimate"])) for _, r in whole.iterrows()
               if r["statistic"] == "median" and finite(r["estimate"])]
    claims = []
    for other, primary in (secondary_of or {}).items():
        if primary == sid:
            o = frame[(frame["study_id"] == other) & (frame["endpoint"] == ep)
                      & (frame["statistic"] == "median") & (frame["subgroup"].map(text) == "")]
            claims += [(text(r["label"]) or other, float(r["estimate"])) for _, r in o.iterrows()
                       if finite(r["estimate"])]
    b = None
    if len(km):
        try:
            b = implied_median_bounds(list(zip(km["time_months"], km["estimate"] / 100.0, strict=True)))
        except ValueError as exc:  # milestones that rise over time are not one KM curve
            checks.append((False, f"The milestone rates cannot lie on one Kaplan–Meier curve: {exc}"))
    if b is not None:
        bounds_text = bounds_sentence(b.lower, b.upper)
        for who, m in medians + claims:
            ok = b.contains(m)
            checks.append((ok, f"{who}: median {ep} {decimal(m)} months is "
                           + ("compatible with" if ok else "incompatible with")
                           + f" the reported milestone rates ({bounds_text})."))
    return CurveView(sid, ep, label, pts, fits, tuple(why), bounds_text, tuple(checks), tuple(claims))


def bounds_sentence(lower: float, upper: float) -> str:
    """``"KM median ≤ 4 months"`` etc. with tidy numbers (12 weeks shows as 2.76 months)."""
    if finite(lower) and finite(upper):
        return f"{decimal(lower)} < KM median ≤ {decimal(upper)} months"
    if finite(upper):
        return f"KM median ≤ {decimal(upper)} months"
    return f"KM median > {decimal(lower)} months"


def why_not_fitted(reason: str) -> str:
    """Plain-language reason a model was not fitted (the fitter's own message kept after it)."""
    if "at least 2 points" in reason:
        return ("the Weibull has two parameters and needs at least two reported points; this "
                "study reports one")
    if "same survival" in reason:
        return ("the reported points all have the same survival, so the Weibull shape is not "
                f"identifiable ({reason})")
    return reason


def point_provenance(frame: pd.DataFrame, view: CurveView) -> list[str]:
    """Provenance of each reported point of ``view`` (matched on time and survival)."""
    g = frame[(frame["study_id"] == view.study_id) & (frame["endpoint"] == view.endpoint)
              & (frame["subgroup"].map(text) == "")]
    out = []
    for t, s in zip(view.points.times, view.points.survival, strict=True):
        hit = ""
        for _, r in g.iterrows():
            if r["statistic"] == "median" and finite(r["estimate"]) and abs(float(r["estimate"]) - t) < 1e-9 and s == 0.5:
                hit = provenance(r)
            elif (r["statistic"] == "milestone" and finite(r["time_months"])
                  and abs(float(r["time_months"]) - t) < 1e-9 and abs(float(r["estimate"]) / 100 - s) < 1e-9):
                hit = provenance(r)
            if hit:
                break
        out.append(hit or DASH)
    return out


def fits_table(view: CurveView) -> pd.DataFrame:
    """One row per model (fitted or not) with the implied median and the reason when not fitted."""
    rows = []
    for name in ("exponential", "weibull"):
        f = view.fits.get(name)
        if f is not None:
            rows.append({"model": name, "fitted": "yes", "fit": f.fit_method,
                         "implied median (months)": decimal(f.median),
                         "shape": decimal(f.shape, 3),
                         "largest gap to a reported point": f"{f.max_abs_residual:.1%}",
                         "why not fitted": ""})
        else:
            why = why_not_fitted(dict(view.not_fitted).get(name, "not attempted"))
            rows.append({"model": name, "fitted": "no", "fit": DASH, "implied median (months)": DASH,
                         "shape": DASH, "largest gap to a reported point": DASH, "why not fitted": why})
    return pd.DataFrame(rows)


def median_provenance(cands: pd.DataFrame) -> dict[str, str]:
    """Study label -> :func:`provenance` of each candidate median (the pooled-median panel's hover)."""
    return {text(r["label"]): provenance(r) for _, r in cands.iterrows()}


def response_table(df: pd.DataFrame, response: str) -> pd.DataFrame:
    return pd.DataFrame({
        "Study": [text(x) for x in df["label"]],
        "Median PFS (months)": [decimal(x) for x in df["median_months"]],
        f"{response} (%)": [decimal(x, 1) for x in df["response_percent"]],
        "n": [decimal(x, 0) for x in df.get("n", pd.Series([np.nan] * len(df)))],
        "Response timepoint": [(text(x) or "not stated").replace("_", " ") for x in df.get("timepoint", [""] * len(df))],
        "Source": [text(x) or DASH for x in df.get("source", [""] * len(df))],
    })
