"""What the digitising workbench shows, without Streamlit: axis calibration, clicked or pasted
points, the Kaplan–Meier reconstruction (Guyot) and its accuracy, and the summary rows.

Clicks arrive in image pixels. The first four are the calibration: two ticks on the time axis and
two on the survival axis, each with the value printed at it; every later click is a point of the
curve (the left end of each horizontal step, as Guyot's method expects). :class:`Calibration`
maps pixels to data linearly on each axis.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import ValidationError

from evidence.digitised import DigitisedCurve
from findings.text import decimal, interval, pct
from findings.text import pval as pval_text
from synthesis.km_reconstruction import (
    RECONSTRUCTED_LABEL,
    KMReconstruction,
    compare_arms,
    reconstruct_ipd,
)
from synthesis.summary_survival import SummarySurvivalCurve, summary_survival_curve

__all__ = [
    "CALIBRATION_CLICKS",
    "RECONSTRUCTED_LABEL",
    "MILESTONES",
    "Calibration",
    "WorkbenchView",
    "clicks_from_canvas",
    "crop_box",
    "new_curve",
    "parse_numbers",
    "risk_inputs",
    "saved_table",
    "points_from_clicks",
    "points_from_csv",
    "reconstructed_medians",
    "summary_from_curves",
    "greenwood_se_at",
    "arm_comparisons",
    "SAVED_CURVES",
    "SummaryView",
    "workbench_view",
]

#: The four calibration clicks, in order.
CALIBRATION_CLICKS = ("time axis, first tick", "time axis, second tick",
                      "survival axis, first tick", "survival axis, second tick")
#: Session key of the saved :class:`evidence.digitised.DigitisedCurve` list.
SAVED_CURVES = "digitised_curves"
#: Milestones (months) reported for every reconstruction.
MILESTONES = (3.0, 4.0, 6.0, 12.0)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Linear pixel → data map from two reference ticks per axis.

    ``x_px``/``x_val``: pixel x and printed time of the two time-axis ticks; ``y_px``/``y_val``:
    pixel y and printed survival of the two survival-axis ticks (any scale, e.g. 0 and 100).
    """

    x_px: tuple[float, float]
    x_val: tuple[float, float]
    y_px: tuple[float, float]
    y_val: tuple[float, float]

    def __post_init__(self) -> None:
        if abs(self.x_px[1] - self.x_px[0]) < 1:
            raise ValueError("the two time-axis clicks are less than a pixel apart: click two ticks far apart.")
        if abs(self.y_px[1] - self.y_px[0]) < 1:
            raise ValueError("the two survival-axis clicks are less than a pixel apart: click two ticks far apart.")
        if self.x_val[0] == self.x_val[1]:
            raise ValueError("the two time-axis ticks have the same value: enter the printed values.")
        if self.y_val[0] == self.y_val[1]:
            raise ValueError("the two survival-axis ticks have the same value: enter the printed values.")

    @property
    def time_per_pixel(self) -> float:
        return abs((self.x_val[1] - self.x_val[0]) / (self.x_px[1] - self.x_px[0]))

    @property
    def survival_per_pixel(self) -> float:
        return abs((self.y_val[1] - self.y_val[0]) / (self.y_px[1] - self.y_px[0]))

    def to_data(self, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        px, py = np.asarray(px, dtype=float), np.asarray(py, dtype=float)
        t = self.x_val[0] + (px - self.x_px[0]) * (self.x_val[1] - self.x_val[0]) / (self.x_px[1] - self.x_px[0])
        s = self.y_val[0] + (py - self.y_px[0]) * (self.y_val[1] - self.y_val[0]) / (self.y_px[1] - self.y_px[0])
        return t, s

    def to_pixel(self, t: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t, s = np.asarray(t, dtype=float), np.asarray(s, dtype=float)
        px = self.x_px[0] + (t - self.x_val[0]) * (self.x_px[1] - self.x_px[0]) / (self.x_val[1] - self.x_val[0])
        py = self.y_px[0] + (s - self.y_val[0]) * (self.y_px[1] - self.y_px[0]) / (self.y_val[1] - self.y_val[0])
        return px, py


def clicks_from_canvas(json_data: dict | None, *, scale: float = 1.0) -> list[tuple[float, float]]:
    """Click centres (image pixels) from a drawable canvas' ``json_data`` in point mode.

    A point is a fabric.js circle whose ``left`` is its left edge (``left + radius +
    strokeWidth / 2`` is the centre) and whose ``top`` is its centre; ``scale`` converts display
    pixels to image pixels.
    """
    out = []
    for obj in (json_data or {}).get("objects", []) or []:
        if obj.get("type") not in ("circle", "Circle"):
            continue
        r = float(obj.get("radius", 0.0)) * float(obj.get("scaleX", 1.0))
        sw = float(obj.get("strokeWidth", 0.0))
        x = float(obj["left"]) + (r + sw / 2.0 if str(obj.get("originX", "left")) == "left" else 0.0)
        y = float(obj["top"]) + (r + sw / 2.0 if str(obj.get("originY", "center")) == "top" else 0.0)
        out.append((x * scale, y * scale))
    return out


def points_from_clicks(clicks: Sequence[tuple[float, float]], x_val: tuple[float, float],
                       y_val: tuple[float, float]) -> tuple[Calibration, pd.DataFrame]:
    """Calibration from the first four clicks and the curve points (time, survival) from the rest."""
    if len(clicks) < 4:
        raise ValueError(f"{len(clicks)} of the 4 calibration clicks made: next, click the "
                         f"{CALIBRATION_CLICKS[len(clicks)]}.")
    cal = Calibration(x_px=(clicks[0][0], clicks[1][0]), x_val=x_val,
                      y_px=(clicks[2][1], clicks[3][1]), y_val=y_val)
    rest = np.array(clicks[4:], dtype=float).reshape(-1, 2)
    t, s = cal.to_data(rest[:, 0], rest[:, 1])
    return cal, pd.DataFrame({"time": t, "survival": s})


def parse_numbers(text: str, field: str, *, whole: bool = False) -> list[float]:
    """Numbers separated by commas, semicolons or spaces; errors name the field and the item."""
    items = [x for x in text.replace(";", ",").replace("\n", ",").replace(" ", ",").split(",") if x.strip()]
    out = []
    for i, x in enumerate(items):
        try:
            v = float(x)
        except ValueError:
            raise ValueError(f"{field}, item {i + 1} ({x.strip()!r}) is not a number.") from None
        if not math.isfinite(v):
            raise ValueError(f"{field}, item {i + 1} ({x.strip()!r}) is not a finite number.")
        if whole and v != round(v):
            raise ValueError(f"{field}, item {i + 1} ({x.strip()!r}) is not a whole number.")
        out.append(v)
    return out


def risk_inputs(times: str, numbers: str, total: int = 0, events: int = 0) -> dict:
    """The numbers at risk as typed (times and counts, one count per time) with the total and
    events (0 = not printed); errors name the field and the item."""
    risk_times = parse_numbers(times, "Times of the numbers at risk")
    n_risk = parse_numbers(numbers, "Numbers at risk", whole=True)
    if len(risk_times) != len(n_risk):
        raise ValueError(f"{len(risk_times)} times but {len(n_risk)} numbers at risk: give one number per time.")
    return {"risk_times": risk_times, "n_risk": [int(x) for x in n_risk],
            "total": int(total) or None, "events": int(events) or None}


def crop_box(size: tuple[int, int], keep_x: tuple[float, float], keep_y: tuple[float, float]) -> tuple[int, int, int, int]:
    """Pixel box ``(left, top, right, bottom)`` keeping the given percent ranges of an image of
    ``size`` (at least 10 pixels each way)."""
    w, h = size
    (x0, x1), (y0, y1) = keep_x, keep_y
    return (int(w * x0 / 100), int(h * y0 / 100), max(int(w * x1 / 100), int(w * x0 / 100) + 10),
            max(int(h * y1 / 100), int(h * y0 / 100) + 10))


def new_curve(points: pd.DataFrame, risk: dict, *, study_id: str, endpoint: str, arm: str, source: str,
              figure: str, digitised_by: str, date: dt.date) -> DigitisedCurve:
    """The digitised curve with its provenance, validated (survival in percent is read as such);
    ``ValueError`` naming the first field that fails."""
    s = points["survival"].to_numpy(dtype=float)
    if s.max() > 1.5:
        s = s / 100.0
    try:
        return DigitisedCurve(
            study_id=study_id, endpoint=endpoint, arm=arm, source=source,
            figure=figure, digitised_by=digitised_by, date=date, times=tuple(points["time"].astype(float)),
            survival=tuple(np.round(s, 6)), risk_times=tuple(risk["risk_times"]),
            n_risk=tuple(risk["n_risk"]), total=risk["total"], events=risk["events"],
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"field {'.'.join(map(str, err['loc'])) or 'curve'}: {err['msg']}") from None


def saved_table(curves: Sequence[DigitisedCurve]) -> pd.DataFrame:
    """One row per saved curve: study, endpoint, arm, figure, points, who, when, source."""
    return pd.DataFrame([{"study": c.study_id, "endpoint": c.endpoint, "arm": c.arm,
                          "figure": c.figure, "points": len(c.times), "digitised by": c.digitised_by,
                          "date": c.date.isoformat(), "source": c.source} for c in curves])


def points_from_csv(text: str, *, name: str = "pasted points") -> pd.DataFrame:
    """``time, survival`` points from CSV text (a header row is optional; survival in % or 0–1)."""
    try:
        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{name}: not CSV ({exc}).") from None
    if raw.shape[1] < 2:
        raise ValueError(f"{name}: each row needs two columns, time and survival.")
    start = 0
    try:
        float(raw.iloc[0, 0]), float(raw.iloc[0, 1])
    except (TypeError, ValueError):
        start = 1  # header
    rows = []
    for i in range(start, len(raw)):
        vals = []
        for j, field in enumerate(("time", "survival")):
            cell = str(raw.iloc[i, j]).strip()
            try:
                v = float(cell)
            except ValueError:
                raise ValueError(f"{name}, row {i + 1}, field {field}: {cell!r} is not a number.") from None
            if not math.isfinite(v):
                raise ValueError(f"{name}, row {i + 1}, field {field}: {cell!r} is not finite.")
            vals.append(v)
        rows.append(vals)
    return pd.DataFrame(rows, columns=["time", "survival"])


@dataclass(frozen=True, slots=True)
class WorkbenchView:
    """A reconstruction and what the workbench shows about it."""

    reconstruction: KMReconstruction
    summary: pd.DataFrame  # quantity, value
    accuracy: pd.DataFrame  # measure, value
    at_risk: pd.DataFrame  # time, printed, reconstructed, events, censored
    km: pd.DataFrame  # time, survival, ci_low, ci_high (the step curve of the reconstruction)
    median: str  # "9.1 months" or "not reached"
    median_ci: str
    label: str
    sentence: str


def workbench_view(times: Sequence[float], survival: Sequence[float], *,
                   risk_times: Sequence[float] = (), n_risk: Sequence[float] = (),
                   total: int | None = None, events: int | None = None,
                   unit: str = "months") -> WorkbenchView:
    """Reconstruct and summarise: median with CI, milestone rates, RMST, accuracy, numbers at risk."""
    r = reconstruct_ipd(times, survival, risk_times=list(risk_times) or None,
                        n_risk=list(n_risk) or None, total=total, events=events)
    m, lo, hi = r.median()

    def t_txt(x: float) -> str:
        return "not reached" if not math.isfinite(x) else f"{decimal(x)} {unit}"

    ci_txt = (f"95% CI {decimal(lo)}–{decimal(hi)} {unit}" if math.isfinite(lo) and math.isfinite(hi)
              else f"95% CI {t_txt(lo)} to {t_txt(hi)}")
    rows = [("patients", str(r.total)), ("events", str(r.events)), ("median", f"{t_txt(m)} ({ci_txt})")]
    horizon = float(r.ipd["time"].max()) if len(r.ipd) else 0.0
    ms = r.survival_at([t for t in MILESTONES if t <= horizon])
    for _, row in ms.iterrows():
        rows.append((f"survival at {decimal(row['time'])} {unit}",
                     f"{pct(row['survival'])} (95% CI {interval(row['ci_low'], row['ci_high'])})"))
    if horizon > 0:
        rows.append((f"restricted mean to {decimal(horizon)} {unit}", f"{decimal(r.rmst(horizon))} {unit}"))
    acc = pd.DataFrame([
        ("RMSE", decimal(r.rmse, 4)), ("mean absolute error", decimal(r.mean_abs_error, 4)),
        ("max absolute error", decimal(r.max_abs_error, 4)),
        ("Kolmogorov–Smirnov distance", decimal(r.ks_distance, 4)),
    ], columns=["measure (survival scale)", "value"])
    risk = r.intervals.rename(columns={"time": f"time ({unit})", "n_risk_printed": "printed at risk",
                                       "n_risk_reconstructed": "reconstructed at risk"})
    sentence = (f"{r.total} patients and {r.events} events {RECONSTRUCTED_LABEL}; median {t_txt(m)}; "
                f"largest gap to the digitised curve {pct(r.max_abs_error)}.")
    off = r.intervals[r.intervals["n_risk_printed"] != r.intervals["n_risk_reconstructed"]]
    if len(off):
        sentence += (" The reconstructed numbers at risk differ from the printed ones at "
                     + ", ".join(f"{decimal(t)} {unit} ({int(a)} vs {int(b)} printed)" for t, a, b in
                                 zip(off["time"], off["n_risk_reconstructed"], off["n_risk_printed"], strict=True))
                     + ": check the clicks and the numbers at risk.")
    else:
        sentence += " The reconstructed numbers at risk equal the printed ones."
    kmf = r.kaplan_meier()
    ci = kmf.confidence_interval_survival_function_
    km = pd.DataFrame({"time": kmf.survival_function_.index.to_numpy(dtype=float),
                       "survival": kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float),
                       "ci_low": ci.iloc[:, 0].to_numpy(dtype=float),
                       "ci_high": ci.iloc[:, 1].to_numpy(dtype=float)})
    return WorkbenchView(r, pd.DataFrame(rows, columns=["quantity", "value"]), acc, risk, km,
                         t_txt(m), ci_txt, RECONSTRUCTED_LABEL, sentence)


def _reconstructions(curves: Sequence[object], endpoint: str) -> list[tuple[object, str, KMReconstruction]]:
    """(curve, label, Guyot reconstruction) of each saved curve of ``endpoint``; a curve whose
    reconstruction fails is skipped (the workbench showed why when it was saved)."""
    out = []
    for c in curves:
        if getattr(c, "endpoint", None) != endpoint or (r := _reconstruct(c)) is None:
            continue
        out.append((c, f"{c.study_id} ({c.arm})" if c.arm else c.study_id, r))
    return out


def _reconstruct(c: object) -> KMReconstruction | None:
    """Guyot reconstruction of one saved curve (``None`` when its points cannot be reconstructed)."""
    try:
        return reconstruct_ipd(c.times, c.survival, risk_times=list(c.risk_times) or None,
                               n_risk=list(c.n_risk) or None, total=c.total, events=c.events)
    except ValueError:
        return None


def reconstructed_medians(curves: Sequence[object], endpoint: str) -> list[tuple[str, float]]:
    """(study, median) of each saved curve of ``endpoint`` reconstructed with Guyot's algorithm.

    ``curves`` are :class:`evidence.digitised.DigitisedCurve`; a curve whose reconstruction fails
    is skipped (the workbench showed why when it was saved). ``inf`` marks a median not reached.
    """
    return [(label, r.median()[0]) for _, label, r in _reconstructions(curves, endpoint)]


@dataclass(frozen=True, slots=True)
class SummaryView:
    """Summary survival curve of saved curves of one endpoint, with the study curves it pooled."""

    summary: SummarySurvivalCurve
    studies: pd.DataFrame  # study, time, survival (each reconstruction's KM step curve)
    grid: str  # the rule that chose the common times
    sentence: str
    table: pd.DataFrame  # the summary's quantities as text (never NaN)


def summary_from_curves(curves: Sequence[object], endpoint: str, *, step: float = 1.0) -> SummaryView | None:
    """Combescure's summary curve from saved curves of ``endpoint`` (``None`` with fewer than 2).

    Each curve is reconstructed (Guyot); its Kaplan–Meier survival and number at risk are read
    every ``step`` months up to its last follow-up time — a stated grid, no imputation — and
    :func:`synthesis.summary_survival_curve` pools them.
    """
    rows, study_curves = [], []
    for c, label, r in _reconstructions(curves, endpoint):
        if label in {row[0] for row in rows}:
            label = f"{label}, figure {c.figure}"
        t_all = r.ipd["time"].to_numpy(dtype=float)
        grid = np.arange(step, t_all.max() + 1e-9, step)
        s = r.survival_at(grid)["survival"].to_numpy(dtype=float)
        n = np.array([np.sum(t_all >= g) for g in grid])
        keep = (n > 0) & (s > 0)
        last = int(np.argmin(keep)) if not keep.all() else keep.size  # stop at the first gap
        for g, sv, nv in zip(grid[:last], s[:last], n[:last], strict=True):
            rows.append((label, float(g), int(nv), float(sv)))
        kmf = r.kaplan_meier()
        study_curves.append(pd.DataFrame({"study": label,
                                          "time": kmf.survival_function_.index.to_numpy(dtype=float),
                                          "survival": kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float)}))
    labels = {row[0] for row in rows}
    if len(labels) < 2:
        return None
    df = pd.DataFrame(rows, columns=["study", "time", "n_risk", "survival"])
    summ = summary_survival_curve(df["study"], df["time"], df["n_risk"], df["survival"])
    med = summ.median_random
    med_txt = (f"{decimal(med)} months (95% CI {decimal(summ.median_random_ci.low)}–"
               f"{decimal(summ.median_random_ci.high)}, Monte Carlo)" if math.isfinite(med) else "not reached")
    sentence = (f"Summary {endpoint} curve (Combescure, random effects) of {summ.k} curves "
                f"{RECONSTRUCTED_LABEL}: median {med_txt}; I² = {decimal(summ.i2, 1)}%.")
    raw = summ.summary()
    table = pd.DataFrame({
        "quantity": raw["quantity"],
        "value": [decimal(v, 3) if q != "note" else "" for q, v in zip(raw["quantity"], raw["value"], strict=True)],
        "95% interval": [f"{decimal(a, 3)}–{decimal(b, 3)}" if math.isfinite(a) and math.isfinite(b) else ""
                         for a, b in zip(raw["ci_low"], raw["ci_high"], strict=True)],
        "note": raw["note"],
    })
    return SummaryView(summ, pd.concat(study_curves, ignore_index=True),
                       f"survival and numbers at risk read every {decimal(step)} month(s) from each "
                       "reconstruction up to its last follow-up (no imputation)", sentence, table)


def greenwood_se_at(curves: Sequence[object], study_id: str, time: float) -> float:
    """Greenwood SE at ``time`` of the first saved curve of ``study_id`` (NaN when there is none)."""
    for c in curves:
        if getattr(c, "study_id", None) != study_id or (r := _reconstruct(c)) is None:
            continue
        return float(r.survival_at([time])["se"].iloc[0])
    return math.nan


def arm_comparisons(curves: Sequence[object]) -> pd.DataFrame:
    """Cox HR and log-rank test for each study and endpoint saved with exactly two arms.

    The first saved arm is compared with the second (HR < 1: fewer events in the first arm).
    """
    groups: dict[tuple[str, str], list[object]] = {}
    for c in curves:
        if getattr(c, "arm", ""):
            groups.setdefault((c.study_id, c.endpoint), []).append(c)  # type: ignore[attr-defined]
    rows = []
    for (sid, ep), cs in groups.items():
        if len(cs) != 2:
            continue
        first, second = _reconstruct(cs[0]), _reconstruct(cs[1])
        if first is None or second is None:
            continue
        try:
            cmp = compare_arms(first, second)
        except ValueError:
            continue
        rows.append({"study": sid, "endpoint": ep, "arm vs control": f"{cs[0].arm} vs {cs[1].arm}",
                     "hazard ratio (95% CI)": f"{decimal(cmp.hr)} ({decimal(cmp.hr_ci.low)}–{decimal(cmp.hr_ci.high)})",
                     "log-rank p": pval_text(cmp.logrank_pvalue),
                     "data": f"Cox (Efron ties) and log-rank on data {RECONSTRUCTED_LABEL}"})
    return pd.DataFrame(rows, columns=["study", "endpoint", "arm vs control", "hazard ratio (95% CI)",
                                       "log-rank p", "data"])
