"""Pseudo individual patient data from a published Kaplan–Meier figure (Guyot 2012).

:func:`reconstruct_ipd` takes the (time, survival) points read off a published Kaplan–Meier curve
— by clicking it in a digitiser — with the numbers at risk printed under the figure (or only the
number of patients, and the number of events when printed) and returns pseudo individual data
whose Kaplan–Meier curve retraces the figure. It is the modified iterative KM algorithm (iKM) of
Guyot et al. (2012) exactly as the R package IPDfromKM 0.1.10 implements it (``preprocess`` then
``getIPD``), including its preprocessing of digitised points. The data then go to lifelines for
everything else: Kaplan–Meier estimates with Greenwood intervals, medians, milestone rates,
restricted mean survival time, and for two arms the log-rank test and the Cox hazard ratio
(:func:`compare_arms`).

The result is labelled :data:`RECONSTRUCTED_LABEL` wherever it is shown. It is a
reconstruction: the event times are the clicked times, censoring is spread evenly within the
intervals between printed numbers at risk, and its precision is that of the figure and the clicks.
Checked against IPDfromKM and reconstructKM run in R on their own example data
(``tests/reference/km_reconstruction_reference.json``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis._survival_input import RECONSTRUCTED_LABEL
from synthesis.results import ConfidenceInterval, summary_frame
from synthesis.validation import check_level

if TYPE_CHECKING:
    from lifelines import KaplanMeierFitter

# lifelines is imported where it is used: at the top it costs every app start ~0.7 s CPU (it pulls
# scipy.stats, formulaic and autograd), and the pages that import this module mostly do not fit.

__all__ = [
    "RECONSTRUCTED_LABEL",
    "ArmComparison",
    "KMReconstruction",
    "compare_arms",
    "reconstruct_ipd",
]

#: Tukey-fence multiplier IPDfromKM uses to drop isolated jumps of the clicked curve.
_OUTLIER_K = 0.5


# ----------------------------------------------------------------------------------------------
# preprocessing of digitised points (IPDfromKM ``preprocess``)
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Prepared:
    time: np.ndarray  # preprocessed points, starting at (0, 1)
    surv: np.ndarray
    interval: np.ndarray  # 1-based interval of each point
    lower: np.ndarray  # per interval with points: first and last point (1-based ids)
    upper: np.ndarray
    t_risk: np.ndarray
    n_risk: np.ndarray
    endpts: float | None
    notes: tuple[str, ...]


def _as_vector(name: str, values: object) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers ({exc}).") from None
    return arr


def _tukey_outlier(x: np.ndarray, k: float) -> np.ndarray:
    q1, q3 = np.quantile(x, [0.25, 0.75])  # R quantile type 7 = numpy "linear"
    iqr = q3 - q1
    return (x <= q1 - k * iqr) | (x >= q3 + k * iqr)


def _preprocess(
    times: np.ndarray,
    survival: np.ndarray,
    risk_times: np.ndarray | None,
    n_risk: np.ndarray | None,
    total: float | None,
    percent: bool,
) -> _Prepared:
    notes: list[str] = []
    t = times.copy()
    s = survival / 100.0 if percent else survival.copy()
    keep = ~(np.isnan(t) | np.isnan(s))
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} point(s) with a missing time or survival dropped.")
    t, s = t[keep], s[keep]
    order = np.argsort(t, kind="stable")
    t, s = t[order], s[order]
    # isolated jumps ("ridiculous clicks"): Tukey fences on the absolute step between neighbours
    span = np.abs(s - np.concatenate(([s[0]], s[:-1])))
    out = _tukey_outlier(span, _OUTLIER_K)
    prev = np.concatenate(([False], out[:-1]))
    nxt = np.concatenate((out[1:], [True]))
    take = out & ~prev & nxt
    if take.any():
        notes.append(
            f"{int(take.sum())} isolated click(s) dropped as outlying jumps (Tukey fences, k = 0.5)."
        )
    t, s = t[~take], s[~take]
    # non-increasing survival: a click above the previous one is lowered to it
    raised = int(np.sum(s[1:] > np.minimum.accumulate(s)[:-1]))
    s = np.minimum.accumulate(s)
    if raised:
        notes.append(f"{raised} click(s) above an earlier one lowered to it (a KM curve cannot rise).")
    # distinct rows, then at most two reads per time (the highest and the lowest)
    rows = list(dict.fromkeys(zip(t.tolist(), s.tolist(), strict=True)))
    by_time: dict[float, list[float]] = {}
    for ti, si in rows:
        by_time.setdefault(ti, []).append(si)
    pts: list[tuple[float, float]] = []
    for ti in sorted(by_time):
        vals = sorted(by_time[ti], reverse=True)
        pts.append((ti, vals[0]))
        if len(vals) > 1 and vals[-1] != vals[0]:
            pts.append((ti, vals[-1]))
    n_before = len(pts)
    pts = [(ti, si) for ti, si in pts if 0.0 <= si <= 1.0 and ti >= 0.0]
    if len(pts) < n_before:
        notes.append(
            f"{n_before - len(pts)} point(s) with a negative time or a survival outside [0, 1] dropped."
        )
    if not pts:
        raise ValueError("no digitised point is left after preprocessing (times ≥ 0, survival in [0, 1]).")
    if pts[0] != (0.0, 1.0):
        pts.insert(0, (0.0, 1.0))
    time = np.array([p[0] for p in pts])
    surv = np.array([p[1] for p in pts])

    if n_risk is not None and risk_times is not None:
        nint = n_risk.size
        while nint > 1 and n_risk[nint - 1] == 0 and n_risk[nint - 2] == 0:
            nint -= 1
        nr = n_risk[:nint].copy()
        tr = risk_times[:nint].copy()
    else:
        nr = np.array([float(total)])  # type: ignore[arg-type]
        tr = np.array([0.0])
    # interval of each point: the last risk time at or before it (1-based)
    interval = np.ones(time.size, dtype=int)
    for j in range(1, tr.size):
        interval[time >= tr[j]] = j + 1
    ids = np.arange(1, time.size + 1)
    present = sorted(set(interval.tolist()))
    lower = np.array([ids[interval == i][0] for i in present])
    upper = np.array([ids[interval == i][-1] for i in present])
    t_risk = np.array([tr[i - 1] for i in present])
    n_r = np.array([nr[i - 1] for i in present], dtype=float)
    endpts = float(np.min(nr)) if t_risk.max() < tr.max() else None
    return _Prepared(time, surv, interval, lower, upper, t_risk, n_r, endpts, tuple(notes))


# ----------------------------------------------------------------------------------------------
# modified iKM (IPDfromKM ``getIPD``); arrays are 1-based (index 0 unused) as in the R source
# ----------------------------------------------------------------------------------------------
def _spread_censoring(ncen: float, i: int, low: np.ndarray, upp: np.ndarray, TT: np.ndarray,
                      total: int) -> np.ndarray:
    """Censoring counts of the points of interval ``i``: ``ncen`` times spread evenly over it."""
    k = int(upp[i] - low[i] + 1)
    cen = np.zeros(k)
    if ncen > 0:
        # R: cen.t[j] for j in 1:ncen (1:0.4 is 1; 1:2.7 is 1, 2), step over ncen + 1
        nj = max(1, math.floor(ncen))
        j = np.arange(1, nj + 1, dtype=float)
        cen_t = TT[low[i]] + j * (TT[upp[i]] - TT[low[i]]) / (ncen + 1.0)
        for m, jj in enumerate(range(int(low[i]), int(upp[i]) + 1)):
            if jj + 1 > total:
                cen[m] = np.sum(TT[jj] <= cen_t)
            else:
                cen[m] = np.sum((TT[jj] <= cen_t) & (cen_t < TT[jj + 1]))
    return cen


def _r_round(x: float) -> float:
    return float(np.round(x))  # R's round: IEC 60559, halves to even (as numpy)


def _ikm(prep: _Prepared, tot_events: float | None) -> dict[str, np.ndarray | float]:
    total = prep.time.size
    TT = np.concatenate(([np.nan], prep.time))
    SS = np.concatenate(([np.nan], prep.surv))
    lower = np.concatenate(([0], prep.lower)).astype(int)
    upper = np.concatenate(([0], prep.upper)).astype(int)
    t_risk = np.concatenate(([np.nan], prep.t_risk))
    n_risk = np.concatenate(([np.nan], prep.n_risk))
    nint = prep.lower.size
    ncensor = np.zeros(nint + 1)
    lasti = np.ones(nint + 1, dtype=int)
    cen = np.zeros(total + 2)
    nhat = np.full(total + 2, n_risk[1] + 1.0)
    d = np.zeros(total + 2)
    km = np.ones(total + 2)

    def events_of(k: int, las: int) -> int:
        if k == 1:
            d[k] = 0.0
            km[k] = 1.0
        else:
            d[k] = _r_round(nhat[k] * (1.0 - SS[k] / km[las])) if km[las] != 0 else 0.0
            with np.errstate(divide="ignore", invalid="ignore"):
                km[k] = km[las] * (1.0 - d[k] / nhat[k])
        return las

    las = 1
    for i in range(1, nint):
        ncensor[i] = _r_round(n_risk[i] * SS[lower[i + 1]] / SS[lower[i]] - n_risk[i + 1])
        while (nhat[lower[i + 1]] > n_risk[i + 1] and ncensor[i] < n_risk[i] - n_risk[i + 1] + 1) or (
            nhat[lower[i + 1]] < n_risk[i + 1] and ncensor[i] > 0
        ):
            c = _spread_censoring(ncensor[i], i, lower, upper, TT, total)
            cen[lower[i] : upper[i] + 1] = c
            ncensor[i] = c.sum()
            nhat[lower[i]] = n_risk[i]
            las = int(lasti[i])
            for k in range(int(lower[i]), int(upper[i]) + 1):
                events_of(k, las)
                nhat[k + 1] = nhat[k] - d[k] - cen[k]
                if d[k] != 0:
                    las = k
                if nhat[k + 1] < 0:
                    nhat[k + 1] = 0.0
            ncensor[i] = ncensor[i] + (nhat[lower[i + 1]] - n_risk[i + 1])
        n_risk[i + 1] = nhat[lower[i + 1]]
        lasti[i + 1] = las

    if nint > 1:
        if tot_events is None:
            leftd = 0.0
        else:
            leftd = max(0.0, tot_events - d[1 : upper[nint - 1] + 1].sum())
        mm = 0.0 if prep.endpts is None else prep.endpts
        ncensor[nint] = min(
            ncensor[1:nint].mean() * (TT[total] - t_risk[nint]) / (t_risk[nint] - t_risk[nint - 1]),
            n_risk[nint] - mm - leftd,
        )
    else:
        ncensor[nint] = 0.0 if tot_events is None else n_risk[nint] - tot_events
    c = _spread_censoring(ncensor[nint], nint, lower, upper, TT, total)
    cen[lower[nint] : upper[nint] + 1] = c
    nhat[lower[nint]] = n_risk[nint]
    las = int(lasti[nint])
    for k in range(int(lower[nint]), int(upper[nint]) + 1):
        events_of(k, las)
        nhat[k + 1] = nhat[k] - d[k] - cen[k]
        if nhat[k + 1] < 0:
            nhat[k + 1] = 0.0
            cen[k] = nhat[k] - d[k]
        if d[k] != 0:
            las = k
    return {"d": d[1 : total + 1], "cen": cen[1 : total + 1], "nhat": nhat[1 : total + 2],
            "n_risk": n_risk[1:]}


def _ipd_frame(time: np.ndarray, d: np.ndarray, cen: np.ndarray, remaining: float) -> pd.DataFrame:
    total = time.size
    t_out: list[np.ndarray] = []
    e_out: list[np.ndarray] = []
    for i in range(total):
        if d[i] > 0:
            t_out.append(np.full(int(d[i]), time[i]))
            e_out.append(np.ones(int(d[i]), dtype=int))
        if cen[i] > 0:
            tc = (time[i] + time[i + 1]) / 2.0 if i < total - 1 else time[i]
            t_out.append(np.full(int(cen[i]), tc))
            e_out.append(np.zeros(int(cen[i]), dtype=int))
    if remaining > 0:
        t_out.append(np.full(int(remaining), time[-1]))
        e_out.append(np.zeros(int(remaining), dtype=int))
    if not t_out:
        return pd.DataFrame({"time": np.empty(0), "event": np.empty(0, dtype=int)})
    return pd.DataFrame({"time": np.concatenate(t_out), "event": np.concatenate(e_out)})


def _km_step(ipd: pd.DataFrame, at: np.ndarray) -> np.ndarray:
    """Kaplan–Meier survival of ``ipd`` at ``at`` (right-continuous step, 1 before the first time)."""
    if ipd.empty:
        return np.ones(at.size)
    from lifelines import KaplanMeierFitter  # lazy: see the imports

    kmf = KaplanMeierFitter().fit(ipd["time"], ipd["event"])
    sf = kmf.survival_function_
    times = sf.index.to_numpy(dtype=float)
    vals = sf.iloc[:, 0].to_numpy(dtype=float)
    idx = np.searchsorted(times, at, side="right") - 1
    return np.where(idx >= 0, vals[np.clip(idx, 0, None)], 1.0)


# ----------------------------------------------------------------------------------------------
# result
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class KMReconstruction:
    """Pseudo individual data reconstructed from a digitised Kaplan–Meier curve.

    Attributes
    ----------
    ipd : pandas.DataFrame
        One row per patient: ``time`` and ``event`` (1 event, 0 censored).
    points : pandas.DataFrame
        The preprocessed digitised points (``time, survival``), the reconstructed survival at
        them (``reconstructed``), and per point the estimated number at risk, events and censored.
    intervals : pandas.DataFrame
        Per interval between printed numbers at risk: ``time``, ``n_risk_printed`` and
        ``n_risk_reconstructed``, ``events`` and ``censored``.
    rmse, mean_abs_error, max_abs_error, ks_distance : float
        Accuracy against the preprocessed points, as IPDfromKM reports it (RMSE with ``n - 1``
        in the denominator; Kolmogorov–Smirnov distance between the two sets of survival values),
        unrounded; the maximum is of the absolute differences.
    label : str
        :data:`RECONSTRUCTED_LABEL`.
    """

    ipd: pd.DataFrame
    points: pd.DataFrame
    intervals: pd.DataFrame
    rmse: float
    mean_abs_error: float
    max_abs_error: float
    ks_distance: float
    ks_pvalue: float
    total: int
    events: int
    level: float = 0.95
    label: str = RECONSTRUCTED_LABEL
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        return (f"KMReconstruction(n={self.total}, events={self.events}, "
                f"rmse={self.rmse:.4f}, max_abs_error={self.max_abs_error:.4f})")

    def kaplan_meier(self, label: str | None = None) -> KaplanMeierFitter:
        """A lifelines ``KaplanMeierFitter`` fitted to :attr:`ipd` (Greenwood, log–log CI)."""
        from lifelines import KaplanMeierFitter  # lazy: see the imports

        return KaplanMeierFitter(alpha=1.0 - self.level).fit(
            self.ipd["time"], self.ipd["event"], label=label or self.label
        )

    def survival_at(self, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Kaplan–Meier survival with its Greenwood (log–log) interval at ``times``.

        Columns ``time, survival, ci_low, ci_high, se``; the interval is lifelines' exponential
        Greenwood interval (R ``survfit(conf.type = "log-log")``).
        """
        t = _as_vector("times", times)
        kmf = self.kaplan_meier()
        s = kmf.survival_function_at_times(t).to_numpy(dtype=float)
        ci = kmf.confidence_interval_survival_function_
        ct = ci.index.to_numpy(dtype=float)
        idx = np.searchsorted(ct, t, side="right") - 1
        lo = np.where(idx >= 0, ci.iloc[np.clip(idx, 0, None), 0].to_numpy(dtype=float), 1.0)
        hi = np.where(idx >= 0, ci.iloc[np.clip(idx, 0, None), 1].to_numpy(dtype=float), 1.0)
        se = _greenwood_se(self.ipd, t)
        return pd.DataFrame({"time": t, "survival": s, "ci_low": lo, "ci_high": hi, "se": se})

    def median(self) -> tuple[float, float, float]:
        """Median survival time and its interval (``inf`` when not reached).

        R ``survival``'s convention (``quantile.survfit``): where the curve is exactly 0.5 over
        a stretch, the median is the middle of that stretch; the interval is where the log–log
        Greenwood bounds cross 0.5.
        """
        kmf = self.kaplan_meier()
        x = kmf.survival_function_.index.to_numpy(dtype=float)
        s = kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float)
        ci = kmf.confidence_interval_survival_function_
        return (
            _findq(x, 1.0 - s, 0.5),
            _findq(x, 1.0 - ci.iloc[:, 0].to_numpy(dtype=float), 0.5),
            _findq(x, 1.0 - ci.iloc[:, 1].to_numpy(dtype=float), 0.5),
        )

    def rmst(self, tau: float) -> float:
        """Restricted mean survival time up to ``tau`` (area under the KM curve)."""
        if not (math.isfinite(tau) and tau > 0):
            raise ValueError(f"tau ({tau!r}) must be a positive number.")
        from lifelines.utils import restricted_mean_survival_time  # lazy: see the imports

        return float(restricted_mean_survival_time(self.kaplan_meier(), t=tau))

    def summary(self) -> pd.DataFrame:
        """One row per quantity: ``quantity, value, ci_low, ci_high, note``."""
        m, lo, hi = self.median()
        rows = [
            ("patients", float(self.total), self.label),
            ("events", float(self.events), ""),
            ("median", m, lo, hi, f"{self.level:.0%} CI"),
            ("RMSE", self.rmse, "reconstructed vs digitised survival (n − 1 denominator)"),
            ("mean absolute error", self.mean_abs_error, ""),
            ("max absolute error", self.max_abs_error, ""),
            ("Kolmogorov–Smirnov distance", self.ks_distance, f"p = {self.ks_pvalue:.3g}"),
        ]
        rows += [("note", math.nan, n) for n in self.notes]
        return summary_frame(rows)


_TOL = math.sqrt(np.finfo(float).eps)


def _findq(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """Time at which the cumulative distribution ``y`` (= 1 − S, from 0 at ``x[0]``) reaches ``p``,
    as R survival's ``findq``: the middle of a stretch where ``y`` equals ``p`` (within
    sqrt(machine eps)); ``inf`` when never reached."""
    ok = ~np.isnan(y)
    if not ok.any() or np.max(y[ok]) < p:
        return math.inf
    xmax = float(x[-1])
    keep = np.ones(y.size, dtype=bool)
    seen: set[float] = set()
    for i, v in enumerate(y):  # R duplicated(): keep the first of equal values (NaN too)
        key = float("nan") if np.isnan(v) else float(v)
        if key in seen or (np.isnan(v) and any(np.isnan(k) for k in seen)):
            keep[i] = False
        seen.add(key)
    xs, ys = x[keep], y[keep]

    def first_at_or_above(level: np.ndarray) -> int | None:
        hit = np.flatnonzero(level >= p)
        return int(hit[0]) if hit.size else None

    with np.errstate(invalid="ignore"):
        i1 = first_at_or_above(ys + _TOL)
        i2 = first_at_or_above(ys - _TOL)
    if i1 is None:
        return math.inf
    if not np.isnan(ys[-1]) and abs(p - ys[-1]) < _TOL:
        return float((xs[i1] + xmax) / 2.0)
    if i2 is None:
        return math.inf
    return float((xs[i1] + xs[i2]) / 2.0)


def _greenwood_se(ipd: pd.DataFrame, t: np.ndarray) -> np.ndarray:
    """Greenwood standard error of S(t) (the SE R's ``summary.survfit`` prints)."""
    times = np.sort(ipd.loc[ipd["event"] == 1, "time"].unique())
    s, var_sum = 1.0, 0.0
    se_at = []
    t_all = ipd["time"].to_numpy()
    ev = ipd["event"].to_numpy()
    out_t = [0.0]
    out_s = [1.0]
    out_v = [0.0]
    for tj in times:
        n = float(np.sum(t_all >= tj))
        dj = float(np.sum((t_all == tj) & (ev == 1)))
        s *= 1.0 - dj / n
        var_sum += dj / (n * (n - dj)) if n > dj else math.inf
        out_t.append(tj)
        out_s.append(s)
        out_v.append(var_sum)
    ot = np.array(out_t)
    for x in t:
        j = int(np.searchsorted(ot, x, side="right") - 1)
        se_at.append(out_s[j] * math.sqrt(out_v[j]) if math.isfinite(out_v[j]) else math.nan)
    return np.array(se_at)


def reconstruct_ipd(
    times: Sequence[float] | np.ndarray,
    survival: Sequence[float] | np.ndarray,
    *,
    risk_times: Sequence[float] | np.ndarray | None = None,
    n_risk: Sequence[float] | np.ndarray | None = None,
    total: int | None = None,
    events: int | None = None,
    percent: bool | None = None,
    level: float = 0.95,
) -> KMReconstruction:
    r"""Reconstruct pseudo individual patient data from a digitised Kaplan–Meier curve.

    Parameters
    ----------
    times, survival : array_like
        The clicked points of one curve: times (any unit; the result is in the same unit) and
        survival as proportions or percentages. Clicks need not be sorted or clean: see Notes.
    risk_times, n_risk : array_like, optional
        The numbers at risk printed under the figure and the times they refer to (the first is
        usually 0 and the number of patients). Both or neither.
    total : int, optional
        Number of patients; required when no numbers at risk are given.
    events : int, optional
        Total number of events when the paper prints it (sharpens the last interval).
    percent : bool, optional
        Whether ``survival`` is in percent; default: percent when any value exceeds 1.5.
    level : float, default 0.95
        Level of the Kaplan–Meier intervals of the result.

    Returns
    -------
    KMReconstruction
        ``.ipd`` (``time, event``), accuracy (``rmse``, ``mean_abs_error``, ``max_abs_error``,
        ``ks_distance``), and lifelines-based ``survival_at``, ``median``, ``rmst``.

    Notes
    -----
    Exactly IPDfromKM 0.1.10 (``preprocess`` and ``getIPD``), Guyot's modified iKM:

    1. Preprocessing: rows with a missing value dropped; points sorted by time; an isolated jump
       (absolute step outside Tukey's fences with k = 0.5, not preceded by another such step but
       followed by one) dropped as a misclick; a click above an earlier one lowered to it; at most
       two reads per time (the highest and the lowest); points with negative time or survival
       outside [0, 1] dropped; ``(0, 1)`` added first.
    2. Within each interval between printed numbers at risk, the number censored is adjusted
       until the reconstructed number at risk at the start of the next interval equals the printed
       one; censoring times are spread evenly over the interval; events at each click are
       ``round(n_at_risk · (1 − S(t) / S_KM(last event)))``. The last interval takes the censoring
       rate of the earlier ones (or, with ``events``, what the total number of events leaves).
       With only ``total``, nobody is censored unless ``events`` says how many were.
    3. Events happen at the clicked times; the censored are placed midway to the next click.

    Accuracy compares the Kaplan–Meier survival of the reconstructed data with the preprocessed
    points, as IPDfromKM does, but unrounded (IPDfromKM rounds to 3 decimals first) and with the
    maximum of the *absolute* differences (IPDfromKM 0.1.10 prints the largest signed difference
    under that name).

    References
    ----------
    .. [1] Guyot P, Ades AE, Ouwens MJ, Welton NJ. Enhanced secondary analysis of survival data:
       reconstructing the data from published Kaplan-Meier survival curves. *BMC Med Res
       Methodol* 2012;12:9.
    .. [2] Liu N, Zhou Y, Lee JJ. IPDfromKM: reconstruct individual patient data from published
       Kaplan-Meier survival curves. *BMC Med Res Methodol* 2021;21:111.

    Examples
    --------
    >>> t = [0, 1, 2, 3, 4, 5, 6]
    >>> s = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    >>> r = reconstruct_ipd(t, s, total=10)
    >>> r.total, r.events, r.median()[0]
    (10, 6, 5.5)
    """
    lv = check_level(level)
    t = _as_vector("times", times)
    s = _as_vector("survival", survival)
    if t.size != s.size:
        raise ValueError(f"times and survival must have the same length (got {t.size} and {s.size}).")
    if t.size < 5:
        raise ValueError(f"at least 5 digitised points are needed (got {t.size}), as in IPDfromKM.")
    if np.isinf(t).any() or np.isinf(s).any():
        raise ValueError("times and survival must be finite numbers.")
    if (risk_times is None) != (n_risk is None):
        raise ValueError("give risk_times and n_risk together (the printed numbers at risk and their times).")
    tr = nr = None
    if n_risk is not None:
        tr = _as_vector("risk_times", risk_times)
        nr = _as_vector("n_risk", n_risk)
        if nr.size == 0:
            raise ValueError("n_risk is empty.")
        if tr.size < nr.size:
            raise ValueError(f"risk_times has {tr.size} times for {nr.size} numbers at risk.")
        tr = tr[: nr.size]
        for i in range(nr.size):
            if not (math.isfinite(nr[i]) and nr[i] >= 0 and nr[i] == round(nr[i])):
                raise ValueError(f"n_risk[{i}] ({nr[i]!r}) must be a whole number ≥ 0.")
            if not math.isfinite(tr[i]):
                raise ValueError(f"risk_times[{i}] ({tr[i]!r}) is not a finite number.")
        if np.any(np.diff(tr) <= 0):
            raise ValueError("risk_times must be strictly increasing.")
        if np.any(np.diff(nr) > 0):
            i = int(np.flatnonzero(np.diff(nr) > 0)[0]) + 1
            raise ValueError(f"n_risk[{i}] ({nr[i]:g}) exceeds n_risk[{i - 1}] ({nr[i - 1]:g}): "
                             "numbers at risk cannot rise.")
        if nr[0] <= 0:
            raise ValueError("n_risk[0] (the number at the start) must be positive.")
        if total is not None and total != nr[0] and tr[0] == 0:
            raise ValueError(f"total ({total}) differs from the number at risk at time 0 ({nr[0]:g}).")
    elif total is None:
        raise ValueError("without numbers at risk, total (the number of patients) is required.")
    if total is not None and not (isinstance(total, int | np.integer) and total > 0):
        raise ValueError(f"total ({total!r}) must be a positive whole number.")
    n0 = int(nr[0]) if nr is not None else int(total)  # type: ignore[arg-type]
    if events is not None and not (isinstance(events, int | np.integer) and 0 <= events <= n0):
        raise ValueError(f"events ({events!r}) must be a whole number between 0 and {n0}.")
    finite_s = s[np.isfinite(s)]
    pct = bool(finite_s.size and finite_s.max() > 1.5) if percent is None else bool(percent)

    prep = _preprocess(t, s, tr, nr, total, pct)
    if prep.time.size < 2:
        raise ValueError("fewer than 2 points remain after preprocessing: nothing to reconstruct.")
    est = _ikm(prep, None if events is None else float(events))
    d, cen, nhat = est["d"], est["cen"], est["nhat"]
    ipd = _ipd_frame(prep.time, d, cen, float(nhat[-1]))  # type: ignore[arg-type]
    recon = _km_step(ipd, prep.time)
    diff = recon - prep.surv
    n = diff.size
    with warnings.catch_warnings():  # ties: scipy falls back to the asymptotic p-value
        warnings.simplefilter("ignore", RuntimeWarning)
        ks = scipy.stats.ks_2samp(recon, prep.surv)
    points = pd.DataFrame({
        "time": prep.time, "survival": prep.surv, "reconstructed": recon,
        "at_risk": nhat[:-1], "events": d, "censored": cen,  # type: ignore[index]
    })
    grp = points.assign(interval=prep.interval).groupby("interval", sort=True)
    printed = dict(zip(range(1, prep.lower.size + 1), prep.n_risk, strict=True))
    intervals = pd.DataFrame({
        "time": prep.t_risk,
        "n_risk_printed": [printed[i + 1] for i in range(prep.lower.size)],
        "n_risk_reconstructed": grp["at_risk"].first().to_numpy(),
        "events": grp["events"].sum().to_numpy(),
        "censored": grp["censored"].sum().to_numpy(),
    })
    notes = list(prep.notes)
    if n_risk is None:
        notes.append("No numbers at risk: censoring cannot be placed"
                     + (" beyond what the total of events implies." if events is not None
                        else "; nobody is censored before the last click."))
    return KMReconstruction(
        ipd=ipd,
        points=points,
        intervals=intervals,
        rmse=float(math.sqrt(np.sum(diff**2) / (n - 1))),
        mean_abs_error=float(np.mean(np.abs(diff))),
        max_abs_error=float(np.max(np.abs(diff))),
        ks_distance=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
        total=int(len(ipd)),
        events=int(ipd["event"].sum()),
        level=lv,
        notes=tuple(notes),
    )


# ----------------------------------------------------------------------------------------------
# two arms
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ArmComparison:
    """Log-rank test and Cox hazard ratio (``arm`` vs ``control``) on reconstructed data."""

    hr: float
    hr_ci: ConfidenceInterval
    hr_pvalue: float
    logrank_chisq: float
    logrank_pvalue: float
    level: float
    ties: str = "efron"
    label: str = RECONSTRUCTED_LABEL

    def __repr__(self) -> str:
        return (f"ArmComparison(hr={self.hr:.3f} [{self.hr_ci.low:.3f}, {self.hr_ci.high:.3f}], "
                f"logrank_p={self.logrank_pvalue:.3g})")


def compare_arms(arm: KMReconstruction, control: KMReconstruction, *, level: float = 0.95) -> ArmComparison:
    """Log-rank test and Cox proportional-hazards HR of ``arm`` relative to ``control``.

    lifelines ``logrank_test`` and ``CoxPHFitter`` (Efron ties, Wald interval), R's ``survdiff``
    and ``coxph`` defaults.

    References
    ----------
    .. [1] Cox DR. Regression models and life-tables. *J R Stat Soc B* 1972;34:187–220.
    """
    from lifelines import CoxPHFitter  # lazy: see the imports
    from lifelines.statistics import logrank_test

    lv = check_level(level)
    a, c = arm.ipd, control.ipd
    lr = logrank_test(a["time"], c["time"], a["event"], c["event"])
    df = pd.concat([a.assign(arm=1), c.assign(arm=0)], ignore_index=True)
    cph = CoxPHFitter(alpha=1.0 - lv).fit(df, duration_col="time", event_col="event")
    s = cph.summary.loc["arm"]
    return ArmComparison(
        hr=float(s["exp(coef)"]),
        hr_ci=ConfidenceInterval(float(s[f"exp(coef) lower {lv:.0%}"]),
                                 float(s[f"exp(coef) upper {lv:.0%}"]), lv),
        hr_pvalue=float(s["p"]),
        logrank_chisq=float(lr.test_statistic),
        logrank_pvalue=float(lr.p_value),
        level=lv,
    )
