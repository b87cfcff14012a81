"""The Designs & subtypes view: subgroups, meta-regression, study designs and compositions.

Which rows form each subgroup (:func:`subgroup_frame`), the numeric moderators of the
meta-regression (:func:`moderator_frame`), and the tables and sentences of both analyses, the
side-by-side design table, the histology composition of each study and the results reported for
subgroups inside studies. The Overview's design contrast (:func:`design_contrast_lines`) is the
same subgroup analysis, one line per endpoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from evidence.selection import (
    ENDPOINTS,
    FILTER_COLUMNS,
    MISSING,
    TIMEPOINTS,
    Selection,
    select_outcomes,
)
from evidence.selection import text_value as _text
from findings import text
from findings.frames import Frames, counts
from synthesis import LABELS, subgroup_analysis
from synthesis.spec import Model
from synthesis.transforms import back_transform, harmonic_mean

COMPARE_BY = {
    "design": "Design (prospective vs retrospective)",
    "histology": "Histology group",
    "regimen": "Regimen",
    "line": "Line of therapy",
    "dose": "Apatinib dose",
    "timepoint": "Timepoint of the readout",
}


#: comparison variables the main forest can be grouped by (Pooled efficacy's "Group by")
GROUP_BY = {"none": "No grouping", "design": "Design", "histology": "Histology",
            "regimen": "Regimen", "line": "Line", "dose": "Dose"}
GROUPED_FOREST_NOTE = ("Grey diamonds: each group's own pooled estimate (own τ²); weights are those "
                       "of the overall model. Comparisons between groups are observational, not "
                       "randomised.")
MODERATORS = {
    "year": "Publication year",
    "dose_mg": "Apatinib dose (mg/day)",
    "prospective": "Prospective design (vs retrospective)",
    "sarcoma_only": "Sarcoma-only population",
    "monotherapy": "Monotherapy (vs combination/mixed)",
    "n_centres": "Number of centres",
}


def dose_group(mg: object) -> str:
    try:
        v = float(mg)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return MISSING
    if not math.isfinite(v):
        return MISSING
    return "≤ 500 mg/day" if v <= 500 else "> 500 mg/day"


def subgroup_frame(outcomes: pd.DataFrame, sel: Selection, by: str) -> pd.DataFrame:
    """Selected rows with a ``group`` column for a subgroup comparison.

    ``by="timepoint"`` stacks the rows of every timepoint (the same study may then appear in
    several groups: the groups are not independent, which the page states).
    """
    if by not in COMPARE_BY:
        raise ValueError(f"by ({by!r}) must be one of {', '.join(COMPARE_BY)}.")
    if by == "timepoint":
        parts = []
        for tp in ("best_overall", "week_12", "final"):
            f = select_outcomes(outcomes, replace(sel, timepoint=tp)).frame
            parts.append(f.assign(group=TIMEPOINTS[tp]))
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return out
    f = select_outcomes(outcomes, sel).frame.copy()
    if by == "dose":
        f["group"] = f["dose_mg"].map(dose_group) if "dose_mg" in f else MISSING
    else:
        col = FILTER_COLUMNS[by]
        f["group"] = f[col].map(lambda v: _text(v) or MISSING) if col in f else MISSING
    return f


def moderator_frame(frame: pd.DataFrame, moderator: str) -> pd.DataFrame:
    """One numeric moderator column (named ``moderator``) for meta-regression; NaN where missing."""
    if moderator not in MODERATORS:
        raise ValueError(f"moderator ({moderator!r}) must be one of {', '.join(MODERATORS)}.")
    if moderator == "prospective":
        vals = frame.get("design", pd.Series(index=frame.index, dtype=object)).map(
            lambda v: {"prospective": 1.0, "retrospective": 0.0}.get(_text(v), np.nan)
        )
    elif moderator == "monotherapy":
        vals = frame.get("regimen", pd.Series(index=frame.index, dtype=object)).map(
            lambda v: np.nan if not _text(v) else float(_text(v) == "monotherapy")
        )
    elif moderator == "sarcoma_only":
        vals = frame.get("sarcoma_only", pd.Series(index=frame.index, dtype=object)).map(
            lambda v: np.nan if v is None or (isinstance(v, float) and math.isnan(v)) else float(bool(v))
        )
    else:
        vals = pd.to_numeric(frame.get(moderator, pd.Series(index=frame.index, dtype=float)), errors="coerce")
    return pd.DataFrame({moderator: vals.astype(float).to_numpy()}, index=frame.index)


DESIGN_COLUMNS = {
    "label": "Study",
    "year": "Year",
    "design_label": "Design",
    "phase": "Phase",
    "report_type": "Report",
    "n_centres": "Centres",
    "histology": "Histology",
    "histology_group": "Group",
    "regimen": "Regimen",
    "partner": "Partner",
    "dose": "Dose",
    "line": "Line",
    "events": "Events",
    "total": "Evaluable",
    "timepoint": "Timepoint",
    "status": "Count status",
    "flag_count": "Flags",
}


def design_table(frame: pd.DataFrame, studies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Side-by-side design table of the studies in view (display strings, no NaN)."""
    df = frame.copy()
    if studies is not None and not studies.empty and "study_id" in studies:
        extra = [c for c in studies.columns if c not in df.columns]
        if extra:
            df = df.merge(studies[["study_id", *extra]].drop_duplicates("study_id"), on="study_id", how="left")
    cols = [c for c in DESIGN_COLUMNS if c in df.columns]
    out = df[cols].rename(columns=DESIGN_COLUMNS)
    for c in out.columns:
        if out[c].dtype == object or not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].map(lambda v: _text(v) or "–")
        elif pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].map(lambda v: "–" if not math.isfinite(v) else (f"{int(v)}" if float(v).is_integer() else f"{v:g}"))
    return out.reset_index(drop=True)


def subtype_results(outcomes: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """Subgroup rows reported inside studies (histology, dose group, ...) for the endpoint.

    These rows are never pooled with study-level rows; they are shown as reported.
    """
    cols = ["study_id", "label", "subgroup_kind", "subgroup", "events", "total", "timepoint",
            "status", "source", "location", "exclusion_reason"]
    if outcomes.empty or "subgroup" not in outcomes:
        return pd.DataFrame(columns=cols)
    df = outcomes[(outcomes["endpoint"] == sel.endpoint) & (outcomes["subgroup"].map(_text) != "")]
    ev = pd.to_numeric(df["events"], errors="coerce")
    tot = pd.to_numeric(df["total"], errors="coerce")
    df = df[ev.notna() & tot.notna() & (tot > 0)].copy()
    df["events"] = df["events"].astype(int)
    df["total"] = df["total"].astype(int)
    return df.reindex(columns=[c for c in cols if c in df.columns]).reset_index(drop=True)


def composition_rows(subtypes: pd.DataFrame, study_ids: list[str]) -> pd.DataFrame:
    """``label, subtype, n`` for the studies in view (from ``EvidenceBase.subtypes_frame()``)."""
    if subtypes is None or subtypes.empty or not {"study_id", "subtype", "n"} <= set(subtypes.columns):
        return pd.DataFrame(columns=["study_id", "label", "subtype", "n"])
    df = subtypes[subtypes["study_id"].astype(str).isin(set(study_ids))].copy()
    df["n"] = pd.to_numeric(df["n"], errors="coerce")
    df = df[df["n"].notna() & (df["n"] > 0)]
    if "label" not in df:
        df["label"] = df["study_id"]
    df["subtype"] = df["subtype"].map(lambda v: _text(v) or "unspecified")
    return df[["study_id", "label", "subtype", "n"]].reset_index(drop=True)


def subgroup_result_rows(sub: pd.DataFrame, study_ci) -> pd.DataFrame:
    """Forest-plot rows (``charts.forest`` contract) for within-study subgroup results."""
    low, high = study_ci["ci_low"].to_numpy(float), study_ci["ci_high"].to_numpy(float)
    labels = [
        f"{_text(g)} · {_text(lab)}" for lab, g in zip(sub["label"], sub["subgroup"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "study_id": sub["study_id"].astype(str).to_numpy(),
            "label": labels,
            "events": sub["events"].astype(int).to_numpy(),
            "total": sub["total"].astype(int).to_numpy(),
        }
    )
    out["proportion"] = out["events"] / out["total"]
    out["ci_low"], out["ci_high"] = low, high
    out["weight"] = np.nan
    for col in ("subgroup_kind", "timepoint", "status", "source", "location"):
        if col in sub:
            out[col] = sub[col].to_numpy()
    return out


def subgroup_results_caption(model: Model) -> str:
    """Under the forest of results reported for subgroups inside studies (never pooled)."""
    return (f"As reported; {model.level:.0%} {LABELS[model.study_ci_method]} intervals. These "
            "rows are never pooled with whole-study rows. Click a row to open the study card.")


def subgroup_rows(frame: pd.DataFrame, study_ci) -> pd.DataFrame:
    low, high = study_ci["ci_low"].to_numpy(float), study_ci["ci_high"].to_numpy(float)
    return pd.DataFrame(
        {
            "group": frame["group"].to_numpy(),
            "study_id": frame["study_id"].astype(str).to_numpy(),
            "label": frame["label"].map(_text).to_numpy(),
            "events": frame["events"].astype(int).to_numpy(),
            "total": frame["total"].astype(int).to_numpy(),
            "proportion": (frame["events"] / frame["total"]).to_numpy(float),
            "ci_low": low,
            "ci_high": high,
        }
    )


def subgroup_test_text(res) -> str:
    """``"Test for subgroup differences: Q = …, df = …, p = … (τ² …)"``: :func:`findings.text.subgroup_test`."""
    return f"Test for subgroup differences: {text.subgroup_test(res)}"


#: why a between-timepoint test is descriptive only (the timepoint comparison)
TIMEPOINT_NOTE = ("Readouts of the same trial at different timepoints are not independent; the "
                  "between-timepoint test is descriptive only.")


def subgroup_caption(res) -> str:
    """What the subgroup forest shows and how to read its test (subgroups of fewer than 3 studies named)."""
    small = [g for g, r in zip(res.groups, res.results, strict=True) if r.k < 3]
    return (
        "Diamonds: pooled estimate of each subgroup with its CI. A small p-value suggests the "
        "response rate differs between subgroups; with few studies per subgroup the test has "
        "little power and a large p-value is not evidence of no difference."
        + (f" Fewer than 3 studies in: {', '.join(small)}." if small else "")
    )


def subgroup_table(res, level: float) -> pd.DataFrame:
    f = res.to_frame()
    lvl = f"{level:.0%}"
    return pd.DataFrame(
        {
            "Subgroup": f["group"].map(_text),
            "Studies": f["k"].astype(int),
            "Events / patients": [f"{int(e)} / {int(n)}" for e, n in zip(f["events"], f["total"], strict=True)],
            "Pooled": [text.pct(v) for v in f["estimate"]],
            f"{lvl} CI": [text.interval(a, b) for a, b in zip(f["ci_low"], f["ci_high"], strict=True)],
            f"{lvl} PI": [text.interval(a, b) for a, b in zip(f["pi_low"], f["pi_high"], strict=True)],
            "I²": [text.i2(v) for v in f["i2"].astype(float)],
            "Note": [f"fell back: {_text(fb)}" if _text(fb) else "" for fb in f["fallback"]],
        }
    )


def moderator_centre(values: np.ndarray) -> float:
    """Where a continuous moderator is centred for meta-regression: its mean (0 for a 0/1 moderator).

    Centring makes the intercept the fitted value at the average study (an uncentred year gives an
    intercept at year 0: 145, SE 287); the slope is unchanged.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size or set(np.unique(v)) <= {0.0, 1.0}:
        return 0.0
    return float(np.mean(v))


def centre_note(moderator: str, centre: float) -> str:
    """What the centring means ("" for an uncentred moderator)."""
    if not centre:
        return ""
    return (f"{MODERATORS[moderator]} is centred at its mean over these studies ({text.num(centre, 4)}): "
            "the intercept is the fitted value of a study at that mean; the slope is per unit of the "
            "moderator.")


@dataclass(frozen=True, slots=True, eq=False)
class MetaregData:
    """The studies a meta-regression on one moderator can use (``rows``, their ``values``, the
    ``centre``), the labels of those without the moderator, and why not when too few (``too_few``)."""

    moderator: str
    rows: pd.DataFrame
    values: np.ndarray
    centre: float
    missing: tuple[str, ...]
    too_few: str

    @property
    def binary(self) -> bool:
        return set(np.unique(self.values)) <= {0.0, 1.0}

    def tick_labels(self) -> dict[int, str] | None:
        """Axis labels of a 0/1 moderator (``None`` for a continuous one)."""
        return {0: "no", 1: "yes"} if self.binary else None

    def points(self) -> pd.DataFrame:
        """The bubble plot's studies: label, moderator, observed proportion, patients."""
        ev, n, labels = counts(self.rows)
        return pd.DataFrame({"label": labels, "x": self.values, "proportion": np.array(ev) / np.array(n),
                             "size": np.array(n, dtype=float)})


def metareg_data(frame: pd.DataFrame, moderator: str) -> MetaregData:
    """The rows of ``frame`` with ``moderator`` known; a meta-regression needs 3 studies and 2 values."""
    mods = moderator_frame(frame, moderator)[moderator].to_numpy(float)
    ok = np.isfinite(mods)
    values = mods[ok]
    k, distinct = int(ok.sum()), len(np.unique(values))
    too_few = "" if k >= 3 and distinct >= 2 else (
        f"{MODERATORS[moderator]} is known for {k} studies "
        f"with {distinct} distinct value(s): too few for a meta-regression.")
    return MetaregData(moderator, frame[ok], values, moderator_centre(values),
                       tuple(frame.loc[~ok, "label"].map(str)), too_few)


def metareg_test_text(res) -> str:
    """The moderator test, residual I², R² and k in one line (after "Moderator test:")."""
    qm = "F" if len(res.qm_df) == 2 else "QM"
    return (f"{qm} = {text.num(res.qm, 3)}, p = {text.pval(res.qm_pvalue)}; "
            f"residual I² = {text.i2(res.i2)}; R² = {text.num(res.r2, 3)}% (k = {res.k}).")


def metareg_caption(res, model: Model, missing: tuple[str, ...] = ()) -> str:
    """The model behind the bubble plot, its caveat, the GLMM stand-in and the studies left out."""
    return (
        f"Mixed-effects meta-regression on the {res.transform} scale (REML τ², {res.ci_method} "
        "tests); bubble size ∝ patients; line: fitted proportion. Across-study associations are "
        "observational and prone to ecological bias."
        + (" The GLMM has no meta-regression here; IV logit REML was used." if model.method == "GLMM" else "")
        + (f" Moderator not reported for: {', '.join(missing)}." if missing else "")
    )


def metareg_line(res, values: np.ndarray, totals: np.ndarray, n_points: int = 60,
                 centre: float = 0.0) -> pd.DataFrame:
    """Fitted proportion along the moderator (single moderator, fitted on ``values - centre``)."""
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    xs = np.unique(values) if len(np.unique(values)) <= 2 else np.linspace(lo, hi, n_points)
    fit_t = res.coef[0] + res.coef[1] * (xs - centre)
    nhm = harmonic_mean(totals) if res.transform == "freeman-tukey" else None
    fit = np.asarray(back_transform(fit_t, res.transform, nhm), dtype=float)
    return pd.DataFrame({"x": xs, "fit": fit, "ci_low": np.nan, "ci_high": np.nan})


def metareg_table(res) -> pd.DataFrame:
    f = res.to_frame()
    lvl = f"{res.level:.0%}"
    return pd.DataFrame(
        {
            "Term": f["term"].map(_text),
            f"Coefficient ({res.transform} scale)": [text.num(v, 3) for v in f["estimate"]],
            "SE": [text.num(v, 3) for v in f["se"]],
            f"{lvl} CI": [f"{text.num(a, 3)} to {text.num(b, 3)}" for a, b in zip(f["ci_low"], f["ci_high"], strict=True)],
            "p": [text.pval(v) for v in f["pvalue"]],
        }
    )



#: under the Overview's design contrast
DESIGN_CONTRAST_CAPTION = (
    "Prospective trials assess response at pre-specified times; retrospective series may "
    "over- or under-state it. Few studies per design: a large p-value is not evidence of no "
    "difference. More comparisons (histology, regimen, line, dose) on Designs & subtypes."
)


def design_contrast_lines(frames: Frames, model: Model) -> tuple[str, ...]:
    """ORR and DCR by study design with the between-subgroup p (markdown lines, data escaped)."""
    lines = []
    for endpoint in ENDPOINTS:
        frame = subgroup_frame(frames.outcomes, Selection(endpoint=endpoint), "design")
        groups = [str(g) for g in frame["group"]]
        if len(set(groups)) < 2:
            continue
        ev, n, _ = counts(frame)
        try:
            res = subgroup_analysis(list(ev), list(n), groups, tau2_mode="separate", **model.pool_kwargs())
        except ValueError:
            continue
        parts = [
            f"{g}: {text.pct(r.estimate)} ({text.interval(r.ci.low, r.ci.high)}; "
            f"{text.count(r.k, 'study', 'studies')})"
            for g, r in zip(res.groups, res.results, strict=True)
        ]
        lines.append(f"**{endpoint}** — " + text.md("; ".join(parts))
                     + f" — difference p = {text.pval(res.q_between_pvalue)}")
    return tuple(lines)
