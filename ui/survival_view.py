"""Glue for the Survival page: tables, flags, curve inputs and pooled-median inputs.

Pure functions (no ``st`` call; unit-tested in ``tests/unit/test_ui_survival_view.py``) turn the
evidence tables (``EvidenceBase.survival_frame()``, ``outcomes_frame()``, ``flags_frame()``) into
what the page shows; every number shown comes from :mod:`synthesis.survival_curves`, :mod:`findings.survival` or straight from the
evidence table. A few bounded ``st.cache_data`` wrappers at the end keep reruns cheap.

Vocabulary of the page controls (URL values are the keys):

* ``endpoints`` — PFS, TTP, OS, DoR; ``histology``, ``design``, ``regimen`` — the filters of the
  other synthesis pages (same URL keys, same values);
* ``reports`` — ``one`` (one report per cohort: ``pooled_by_default``) or ``all``;
* ``pool_method`` — ``REML``, ``DL`` (inverse variance on log medians), ``median``,
  ``weighted`` (median of medians, plain or n-weighted).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts import theme
from charts.survival import milestone_panel, response_pfs_table
from evidence.selection import text_value
from findings.digitise import SAVED_CURVES, greenwood_se_at
from findings.survival import (  # noqa: F401  (re-exported for the page)
    EORTC_SOURCE,
    POOL_METHODS,
    SESSION_RECONSTRUCTED,
    default_pool_method,
    exclusions,
    finite,
    interval_name,
    method_comparison,
    milestone_times,
    milestone_view,
    overlap_note,
    pool_candidates,
    pool_results,
    pooled_headline,
    result_lines,
    run_pool,
    truthy,
)
from findings.text import MISSING as DASH
from findings.text import decimal, html, md
from synthesis.survival_curves import (
    ReportedPoints,
    SurvivalCurveFit,
    fit_parametric_curves,
    implied_median_bounds,
    reported_points,
)
from ui.widgets import plot

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


# --------------------------------------------------------------------------------------------
# small text helpers
text = text_value  # plain text of a value; empty for None/NaN/NA (never ``nan``)


# --------------------------------------------------------------------------------------------
# frames
@dataclass(frozen=True)
class Frames:
    survival: pd.DataFrame
    outcomes: pd.DataFrame
    flags: pd.DataFrame
    secondary_of: dict[str, str] = field(default_factory=dict)


def frames_of(ev) -> Frames:
    """Pull the tables the page needs from an ``EvidenceBase`` (empty frames when absent)."""

    def table(name: str) -> pd.DataFrame:
        fn = getattr(ev, name, None)
        try:
            out = fn() if fn is not None else None
        except (AttributeError, NotImplementedError, ValueError, KeyError):
            out = None
        return out if isinstance(out, pd.DataFrame) else pd.DataFrame()

    sec = {s.id: s.secondary_of for s in getattr(ev, "studies", ()) if getattr(s, "secondary_of", None)}
    return Frames(table("survival_frame"), table("outcomes_frame"), table("flags_frame"), sec)


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


# --------------------------------------------------------------------------------------------
# consistency flags attached to the rows they concern
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


# --------------------------------------------------------------------------------------------
# the survival table (display and CSV)
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


# --------------------------------------------------------------------------------------------
# approximate curves
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


def decorate_curves(fig: go.Figure, view: CurveView, prov: list[str]) -> go.Figure:
    """Provenance in the hover of the reported points; claimed medians of secondary reports as ×."""
    for tr in fig.data:
        if tr.name == "reported points" and tr.x is not None and len(prov) == len(tr.x):
            cd = [list(c) + [html(p)] for c, p in zip(tr.customdata, prov, strict=True)]
            tr.customdata = cd
            tr.hovertemplate = (
                "%{customdata[0]}<br>%{y:.1%} at %{x:.2f} months<br>method: %{customdata[1]}"
                "<br>%{customdata[2]}<extra>reported</extra>"
            )
    h = fig.layout.height or 460
    top = 160 if view.claims else 125
    fig.update_layout(margin={"t": top}, height=h + top - 90,
                      title={"y": 0.99, "yanchor": "top", "yref": "container"})
    if view.claims:
        fig.add_trace(go.Scatter(
            x=[m for _, m in view.claims], y=[0.5] * len(view.claims), mode="markers+text",
            name="claimed median of a secondary report (not used in the fit)",
            text=[f"{html(lab.split(':')[0])}: median {decimal(m)} mo?" for lab, m in view.claims],
            textposition="top right",
            marker={"symbol": "x", "size": 13, "color": theme.COLORS["flag"]},
            hovertemplate="%{text}<br>claimed median, checked against the milestones<extra>claim</extra>",
        ))
    return fig


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


# --------------------------------------------------------------------------------------------
# pooled medians
def decorate_pooled(fig: go.Figure, cands: pd.DataFrame) -> go.Figure:
    """Provenance of each study median in the hover of the pooled-median panel."""
    prov = {text(r["label"]): provenance(r) for _, r in cands.iterrows()}
    for tr in fig.data:
        if tr.name == "studies" and tr.customdata is not None:
            tr.customdata = [list(c) + [html(prov.get(_unesc(str(c[0])), DASH))] for c in tr.customdata]
            tr.hovertemplate = tr.hovertemplate.replace("<extra>", "<br>%{customdata[5]}<extra>")
    return fig


def _unesc(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --------------------------------------------------------------------------------------------
# response vs PFS
def response_frame(outcomes: pd.DataFrame, survival: pd.DataFrame, response: str = "ORR") -> pd.DataFrame:
    """Studies with both a headline response and a whole-cohort median PFS (charts' own join)."""
    if outcomes.empty or survival.empty:
        return pd.DataFrame(columns=["label", "median_months", "response_percent"])
    ids = set(survival["study_id"])
    return response_pfs_table(outcomes[outcomes["study_id"].isin(ids)], survival, response=response)


def spread_labels(fig: go.Figure, *, plot_px: tuple[float, float] = (820.0, 380.0)) -> go.Figure:
    """Place each scatter label above, below, right or left of its marker, whichever overlaps the
    labels and markers already placed least (greedy, label boxes estimated from the text length
    and the axis ranges); widen the x-axis so that right-hand labels fit."""
    pts = []
    for ti, tr in enumerate(fig.data):
        if tr.type == "scatter" and tr.x is not None and tr.text is not None and len(tr.x):
            pts += [(float(x), float(y), str(t), ti, j)
                    for j, (x, y, t) in enumerate(zip(tr.x, tr.y, tr.text, strict=True))]
    if not pts:
        return fig
    x_max = max(p[0] for p in pts) * 1.25 + 0.5
    y_max = 108.0
    ux, uy = x_max / plot_px[0], y_max / plot_px[1]  # data units per pixel
    char_w, line_h, gap = 6.8 * ux, 15 * uy, 7

    def box(x: float, y: float, label: str, where: str) -> tuple[float, float, float, float]:
        w = len(label) * char_w
        if where == "top center":
            return x - w / 2, y + gap * uy, x + w / 2, y + gap * uy + line_h
        if where == "bottom center":
            return x - w / 2, y - gap * uy - line_h, x + w / 2, y - gap * uy
        if where == "middle right":
            return x + gap * ux, y - line_h / 2, x + gap * ux + w, y + line_h / 2
        return x - gap * ux - w, y - line_h / 2, x - gap * ux, y + line_h / 2

    def overlap(a, b) -> float:
        dx = min(a[2], b[2]) - max(a[0], b[0])
        dy = min(a[3], b[3]) - max(a[1], b[1])
        return dx * dy if dx > 0 and dy > 0 else 0.0

    markers = [(x - 6 * ux, y - 6 * uy, x + 6 * ux, y + 6 * uy) for x, y, *_ in pts]
    placed: list[tuple[float, float, float, float]] = []
    pos = {ti: list(["top center"] * len(fig.data[ti].x)) for *_, ti, _ in pts}
    for x, y, label, ti, j in sorted(pts, key=lambda p: (p[0], -p[1])):
        best, best_cost = "top center", math.inf
        for where in ("top center", "bottom center", "middle right", "middle left"):
            b = box(x, y, label, where)
            cost = sum(overlap(b, o) for o in placed + markers)
            cost += 1e3 * max(0.0, -b[0]) + 1e3 * max(0.0, b[2] - x_max) + 1e3 * max(0.0, b[3] - y_max)
            if cost < best_cost - 1e-12:
                best, best_cost = where, cost
        pos[ti][j] = best
        placed.append(box(x, y, label, best))
    for ti, lst in pos.items():
        fig.data[ti].textposition = lst
    fig.update_xaxes(range=[0, x_max])
    return fig


def response_table(df: pd.DataFrame, response: str) -> pd.DataFrame:
    return pd.DataFrame({
        "Study": [text(x) for x in df["label"]],
        "Median PFS (months)": [decimal(x) for x in df["median_months"]],
        f"{response} (%)": [decimal(x, 1) for x in df["response_percent"]],
        "n": [decimal(x, 0) for x in df.get("n", pd.Series([np.nan] * len(df)))],
        "Response timepoint": [(text(x) or "not stated").replace("_", " ") for x in df.get("timepoint", [""] * len(df))],
        "Source": [text(x) or DASH for x in df.get("source", [""] * len(df))],
    })


# --------------------------------------------------------------------------------------------
# cached wrappers (bounded)
@st.cache_data(max_entries=4, show_spinner=False)
def _cached_frames(_ev, path: str, sha: str | None) -> Frames:
    return frames_of(_ev)


def cached_frames(ev) -> Frames:
    """The page's tables for an evidence base (cached by path and content hash)."""
    return _cached_frames(ev, str(getattr(ev, "path", "")), getattr(ev, "sha256", None))



@contextmanager
def guard(what: str) -> Iterator[None]:
    """Show a plain error instead of a traceback when a part of the page cannot be computed."""
    try:
        yield
    except (ValueError, KeyError, TypeError, IndexError, ZeroDivisionError) as exc:

        st.error(f"{what} could not be shown for this selection: {md(str(exc))}")


def show_milestones(frame: pd.DataFrame, reports: str, bind: str) -> None:
    """The pooled-milestones tab: endpoint, common time, scale; headline, panel, every candidate."""
    eps = [e for e in ENDPOINTS if milestone_times(frame, e)]
    if not eps:
        st.info("No whole-cohort milestone rate matches the filters.")
        return
    c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
    ep = c1.selectbox("Endpoint", eps, key="ms_endpoint", bind=bind)
    times = milestone_times(frame, ep)
    t = c2.selectbox("At (months)", times, format_func=decimal, key="ms_time", bind=bind)
    scale = c3.radio("Scale", ["cloglog", "logit"], key="ms_scale", bind=bind,
                     help="Pooling scale of the Kaplan–Meier rates (SE from the printed 95% CI).")
    unstated = c4.toggle("Rates of unstated method as Kaplan–Meier", value=True, key="ms_unstated",
                         bind=bind, help="Crude proportions are never pooled with Kaplan–Meier rates.")
    view = milestone_view(frame, ep, float(t), reports, include_unstated=unstated, scale=scale,
                          reconstructed_se=reconstructed_se_lookup(ep))
    (st.success if view.result is not None and view.result.k >= 2 else st.warning)(md(view.headline))
    for note in view.notes:
        st.caption(md(note))
    if view.reference:
        st.caption(md(f"Reference lines: {EORTC_SOURCE}."))
    if view.result is not None and view.result.k:
        plot(milestone_panel(view.result, endpoint=ep, reference=view.reference), key="fig_milestone")
    st.dataframe(view.rows, hide_index=True, width="stretch", key="ms_rows")


def reconstructed_medians(endpoint: str) -> list[tuple[str, float]]:
    """Medians of the curves reconstructed in this session's digitising workbench (``endpoint``)."""
    return [(label, m) for ep, label, m in st.session_state.get(SESSION_RECONSTRUCTED, []) if ep == endpoint]


def reconstructed_se_lookup(endpoint: str):
    """``(study_id, time) -> Greenwood SE`` from curves digitised in this session (NaN if none)."""
    curves = [c for c in st.session_state.get(SAVED_CURVES, []) if c.endpoint == endpoint]
    if not curves:
        return None
    return lambda study_id, time: greenwood_se_at(curves, study_id, time)
