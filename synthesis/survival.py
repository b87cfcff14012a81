"""Survival evidence from published summaries: curve reconstruction and pooling of medians.

Published single-arm sarcoma studies rarely give patient-level data; they print a median with an
interval and sometimes a few milestone rates ("PFS 46.3% at 4 months"). This module works only with
such reported points:

* :func:`fit_exponential` and :func:`fit_weibull` put a parametric curve through the reported
  (time, survival) points. The result is a **reconstruction under a distributional assumption, not
  a Kaplan–Meier curve**, and says so in its ``assumption`` field.
* :func:`pool_log_medians` pools log medians by inverse variance (random effects, REML or
  DerSimonian–Laird), using standard errors recovered from reported 95% CIs, and records which
  studies were left out and why.
* :func:`median_of_medians` gives the simple or n-weighted median of study medians with a
  distribution-free (binomial order-statistic) interval.
* :func:`implied_median_bounds` states what reported Kaplan–Meier milestones imply about the median.
* :func:`reported_points` turns the rows of a survival table (the columns of
  ``EvidenceBase.survival_frame()``; this module never imports ``evidence``) into the points of one
  study and endpoint, leaving out crude proportions, NR medians and 0%/100% rates with reasons;
  :func:`reconstruct` fits every model those points allow and says why the others were not fitted.

Parametrisation follows lifelines: ``WeibullFitter`` has ``S(t) = exp(-(t / lambda_) ** rho_)`` and
``ExponentialFitter`` has ``S(t) = exp(-t / lambda_)`` (so ``lambda_`` is a *scale*, the mean
survival time, and the hazard rate is ``1 / lambda_``). lifelines itself is not called: its fitters
need patient-level durations, while the fits here are closed-form least squares (numpy) and the
intervals use :mod:`scipy.stats`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from synthesis.results import ConfidenceInterval
from synthesis.validation import check_level, readonly
from synthesis.validation import fmt_count as _fmt
from synthesis.vocabulary import LABELS, check_choice

__all__ = [
    "MedianBounds",
    "PooledMedian",
    "ReportedPoints",
    "SurvivalCurveFit",
    "fit_exponential",
    "fit_weibull",
    "implied_median_bounds",
    "median_of_medians",
    "pool_log_medians",
    "reconstruct",
    "reported_points",
]

LOG2 = math.log(2.0)
#: z of the two-sided 95% interval that published medians report (for the SE of a log median).
Z_STUDY_CI = float(stats.norm.ppf(0.975))
POOL_METHODS: tuple[str, ...] = ("CE", "DL", "REML")
USABLE_INTERVAL = "95% CI"

_ASSUMPTION = (
    "reconstruction from reported points under an {model} assumption — not a Kaplan–Meier curve"
)


# ----------------------------------------------------------------------------------------------
# input validation
# ----------------------------------------------------------------------------------------------
def _as_points(points: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate (time, survival) pairs; return times and survival proportions as float arrays."""
    try:
        arr = np.asarray(points, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"points must be (time_months, survival) pairs ({exc}).") from None
    if arr.size == 0:
        raise ValueError("points is empty: at least one (time_months, survival) pair is needed.")
    if arr.ndim == 1 and arr.size == 2:
        arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"points must be a sequence of (time_months, survival) pairs (got shape {arr.shape})."
        )
    t, s = arr[:, 0].copy(), arr[:, 1].copy()
    for i in range(t.size):
        if not math.isfinite(t[i]):
            raise ValueError(f"points[{i}] time ({_fmt(t[i])}) is not a finite number.")
        if t[i] <= 0:
            raise ValueError(f"points[{i}] time ({_fmt(t[i])}) must be > 0 months.")
        if not math.isfinite(s[i]) or not (0.0 < s[i] < 1.0):
            raise ValueError(
                f"points[{i}] survival ({_fmt(s[i])}) must be a proportion in (0, 1) "
                "(a median m is the point (m, 0.5); a milestone rate of 46.3% is 0.463)."
            )
    for i in range(1, t.size):
        if t[i] <= t[i - 1]:
            raise ValueError(
                f"points[{i}] time ({_fmt(t[i])}) is not greater than points[{i - 1}] time "
                f"({_fmt(t[i - 1])}): times must be strictly increasing."
            )
        if s[i] > s[i - 1]:
            raise ValueError(
                f"points[{i}] survival ({_fmt(s[i])}) exceeds points[{i - 1}] survival "
                f"({_fmt(s[i - 1])}): a survival curve cannot rise."
            )
    return t, s


def _as_labels(labels: Sequence[str] | None, k: int, prefix: str = "study") -> tuple[str, ...]:
    if labels is None:
        return tuple(f"{prefix} {i + 1}" for i in range(k))
    out = tuple(
        f"{prefix} {i + 1}" if _is_missing(lab) or not str(lab).strip() else str(lab)
        for i, lab in enumerate(labels)
    )
    if len(out) != k:
        raise ValueError(f"labels must have one entry per study (got {len(out)} for {k}).")
    return out


def _as_float_array(name: str, values: object, k: int | None = None) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array ({exc}).") from None
    if k is not None and arr.size != k:
        raise ValueError(f"{name} must have the same length as medians (got {arr.size} for {k}).")
    return arr


# ----------------------------------------------------------------------------------------------
# parametric reconstruction
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SurvivalCurveFit:
    """A parametric survival curve reconstructed from reported (time, survival) points.

    ``S(t) = exp(-(t / scale) ** shape)``, lifelines' ``WeibullFitter`` parametrisation with
    ``lambda_ = scale`` and ``rho_ = shape``; the exponential is ``shape = 1`` (lifelines'
    ``ExponentialFitter`` ``lambda_ = scale``, hazard ``rate = 1 / scale`` per month).

    Attributes
    ----------
    model : {"exponential", "weibull"}
    fit_method : str
        ``"exact"`` (the curve passes through every point) or the least-squares description.
    assumption : str
        Plain-language statement that this is a model-based reconstruction, not a KM curve.
    rate, shape, scale, median : float
        Hazard rate of the exponential (``1 / scale``; for the Weibull the rate ``1 / scale`` of
        ``H(t) = (rate * t) ** shape``), shape, scale (months) and implied median (months).
    times, observed, fitted, residuals : numpy.ndarray
        The input points, the fitted survival at them and ``fitted - observed`` (read-only).
    point_labels : tuple of str
    """

    model: str
    fit_method: str
    assumption: str
    rate: float
    shape: float
    scale: float
    median: float
    times: np.ndarray
    observed: np.ndarray
    fitted: np.ndarray
    residuals: np.ndarray
    point_labels: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def k(self) -> int:
        """Number of reported points used."""
        return int(self.times.size)

    @property
    def max_abs_residual(self) -> float:
        """Largest absolute difference between fitted and reported survival."""
        return float(np.max(np.abs(self.residuals)))

    def survival(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """Model survival ``S(t)``; ``S(0) = 1``; negative times raise ``ValueError``."""
        tt = np.asarray(t, dtype=float)
        if np.any(tt < 0) or np.any(~np.isfinite(tt)):
            raise ValueError("t must be finite and >= 0.")
        return np.exp(-np.power(tt / self.scale, self.shape))

    def quantile(self, p: float) -> float:
        """Time at which model survival falls to ``p`` (``p = 0.5`` gives the median)."""
        if not (0.0 < p < 1.0):
            raise ValueError(f"p ({p!r}) must be in (0, 1).")
        return float(self.scale * (-math.log(p)) ** (1.0 / self.shape))

    def default_grid(self, n: int = 121) -> np.ndarray:
        """0 to the later of 1.5 × the last point and the model's 10% survival time."""
        t_max = max(1.5 * float(self.times.max()), self.quantile(0.10))
        return np.linspace(0.0, t_max, n)

    def to_frame(self, t_grid: Sequence[float] | np.ndarray | None = None) -> pd.DataFrame:
        """The curve on ``t_grid`` (default :meth:`default_grid`): ``time_months, survival, model``."""
        grid = self.default_grid() if t_grid is None else np.asarray(t_grid, dtype=float).ravel()
        return pd.DataFrame(
            {"time_months": grid, "survival": self.survival(grid), "model": self.model}
        )

    def points_frame(self) -> pd.DataFrame:
        """The reported points with the fitted values and residuals."""
        return pd.DataFrame(
            {
                "label": list(self.point_labels),
                "time_months": self.times,
                "observed": self.observed,
                "fitted": self.fitted,
                "residual": self.residuals,
            }
        )

    def summary(self) -> pd.DataFrame:
        """One row per parameter: ``quantity, value, note``."""
        rows = [
            ("model", self.model, self.assumption),
            ("fit", self.fit_method, f"{self.k} reported point(s)"),
            ("rate (1/months)", self.rate, "1 / scale"),
            ("shape", self.shape, "1 for the exponential; lifelines rho_"),
            ("scale (months)", self.scale, "lifelines lambda_"),
            ("implied median (months)", self.median, "scale · (log 2)^(1/shape)"),
            ("max |residual|", self.max_abs_residual, "survival scale, at the reported points"),
        ]
        rows += [("note", n, "") for n in self.notes]
        return pd.DataFrame(rows, columns=["quantity", "value", "note"])


def _finish_fit(
    model: str,
    fit_method: str,
    scale: float,
    shape: float,
    t: np.ndarray,
    s: np.ndarray,
    labels: tuple[str, ...],
    notes: tuple[str, ...] = (),
) -> SurvivalCurveFit:
    fitted = np.exp(-np.power(t / scale, shape))
    return SurvivalCurveFit(
        model=model,
        fit_method=fit_method,
        assumption=_ASSUMPTION.format(model=model.capitalize() if model == "weibull" else model),
        rate=1.0 / scale,
        shape=float(shape),
        scale=float(scale),
        median=float(scale * LOG2 ** (1.0 / shape)),
        times=readonly(t),
        observed=readonly(s),
        fitted=readonly(fitted),
        residuals=readonly(fitted - s),
        point_labels=labels,
        notes=notes,
    )


def fit_exponential(
    points: Sequence[tuple[float, float]] | np.ndarray,
    *,
    labels: Sequence[str] | None = None,
) -> SurvivalCurveFit:
    r"""Fit an exponential survival curve ``S(t) = exp(-rate * t)`` to reported points.

    Parameters
    ----------
    points : sequence of (time_months, survival) pairs
        Reported points with strictly increasing times > 0 and non-increasing survival
        proportions in (0, 1). A median ``m`` is the point ``(m, 0.5)``; a milestone rate of
        46.3% at 4 months is ``(4, 0.463)``.
    labels : sequence of str, optional
        A label per point (e.g. ``"median"``, ``"PFS at 4 mo (KM)"``), echoed in the result.

    Returns
    -------
    SurvivalCurveFit
        ``shape = 1``; ``scale`` is lifelines' ``ExponentialFitter.lambda_``.

    Notes
    -----
    One point ``(t, S)`` gives the exact rate ``-log(S) / t``; a median ``m`` gives
    ``rate = log 2 / m`` and ``S(m) = 0.5``. With several points the rate is the least-squares
    fit on the log cumulative hazard scale with the slope fixed at 1,

    .. math:: \log(-\log S_i) = \log t_i + \log \text{rate},

    so ``log rate`` is the mean of ``log(-log S_i) - log t_i`` (the geometric mean of the
    per-point rates). Unweighted: every reported point counts equally, whatever its precision.
    The points usually come from one Kaplan–Meier curve, so they are not independent; this is a
    descriptive reconstruction, not an estimate with a standard error. Computed with numpy;
    lifelines is used for its parametrisation only.

    References
    ----------
    .. [1] Collett D. *Modelling Survival Data in Medical Research*, 3rd ed. CRC Press, 2015,
       §5.2 (exponential and Weibull models; log-cumulative-hazard plots).
    .. [2] Davidson-Pilon C. lifelines: survival analysis in Python. *JOSS* 2019;4(40):1317
       (``ExponentialFitter``: ``S(t) = exp(-t / lambda_)``).

    Examples
    --------
    >>> fit = fit_exponential([(7.89, 0.5)])
    >>> round(float(fit.survival(7.89)), 12)
    0.5
    >>> round(fit.rate, 4)
    0.0879
    """
    t, s = _as_points(points)
    lab = _as_labels(labels, t.size, prefix="point")
    per_point_rate = -np.log(s) / t
    if t.size == 1:
        rate = float(per_point_rate[0])
        how = "exact (one point)"
        scale = 1.0 / rate
        if s[0] == 0.5:
            # a median: use log 2 / m directly so that S(m) = exp(-log 2) = 0.5 to the last bit
            scale = float(t[0] / LOG2)
    else:
        rate = float(np.exp(np.mean(np.log(per_point_rate))))
        scale = 1.0 / rate
        how = "least squares on log(−log S) with slope 1 (unweighted)"
    return _finish_fit("exponential", how, scale, 1.0, t, s, lab)


def fit_weibull(
    points: Sequence[tuple[float, float]] | np.ndarray,
    *,
    labels: Sequence[str] | None = None,
) -> SurvivalCurveFit:
    r"""Fit a Weibull survival curve ``S(t) = exp(-(t / scale) ** shape)`` to reported points.

    Parameters
    ----------
    points : sequence of (time_months, survival) pairs
        At least two points with strictly increasing times > 0 and survival proportions in (0, 1)
        that are non-increasing and not all equal (see :func:`fit_exponential`).
    labels : sequence of str, optional
        A label per point, echoed in the result.

    Returns
    -------
    SurvivalCurveFit
        ``scale`` and ``shape`` are lifelines' ``WeibullFitter.lambda_`` and ``rho_``.

    Notes
    -----
    On the log cumulative hazard scale the Weibull is a straight line,

    .. math:: \log(-\log S(t)) = \text{shape} \cdot \log t - \text{shape} \cdot \log \text{scale}.

    Two points determine it exactly; with more points the line is the unweighted ordinary
    least-squares fit of ``log(-log S_i)`` on ``log t_i`` (Collett 2015, §4.4 and §5.2). With
    strictly increasing times and non-increasing survival that is not constant, the slope (shape)
    is positive. Computed with numpy.

    References
    ----------
    .. [1] Collett D. *Modelling Survival Data in Medical Research*, 3rd ed. CRC Press, 2015.
    .. [2] Davidson-Pilon C. lifelines: survival analysis in Python. *JOSS* 2019;4(40):1317
       (``WeibullFitter``: ``S(t) = exp(-(t / lambda_) ** rho_)``).

    Examples
    --------
    >>> fit = fit_weibull([(4.0, 0.463), (6.0, 0.365)])
    >>> fit.max_abs_residual < 1e-12
    True
    >>> round(fit.median, 2)
    3.41
    """
    t, s = _as_points(points)
    lab = _as_labels(labels, t.size, prefix="point")
    if t.size < 2:
        raise ValueError(
            f"fit_weibull needs at least 2 points with distinct times (got {t.size}); "
            "use fit_exponential for a single point."
        )
    if np.all(s == s[0]):
        raise ValueError(
            f"all {t.size} points have the same survival ({_fmt(s[0])}): the Weibull shape is "
            "not identifiable (it would be 0)."
        )
    x = np.log(t)
    y = np.log(-np.log(s))
    if t.size == 2:
        shape = float((y[1] - y[0]) / (x[1] - x[0]))
        intercept = float(y[0] - shape * x[0])
        how = "exact (two points)"
    else:
        xc = x - x.mean()
        shape = float(np.sum(xc * (y - y.mean())) / np.sum(xc * xc))
        intercept = float(y.mean() - shape * x.mean())
        how = "least squares of log(−log S) on log t (unweighted)"
    if not shape > 0:  # cannot happen for validated input; kept as a guard
        raise ValueError(f"the fitted Weibull shape ({shape!r}) is not positive.")
    scale = float(math.exp(-intercept / shape))
    notes: tuple[str, ...] = ()
    if t.size == 2:
        notes = ("Two points determine the Weibull exactly: the fit cannot show lack of fit.",)
    return _finish_fit("weibull", how, scale, shape, t, s, lab, notes)


# ----------------------------------------------------------------------------------------------
# reported points from a survival table
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReportedPoints:
    """(time, survival) points of one study and endpoint, ready for the fitters.

    ``points`` are sorted by time; ``methods`` says where each came from (``"median"``,
    ``"Kaplan–Meier"``, ``"not stated"``, ``"crude"``); ``skipped`` lists rows left out with the
    reason.
    """

    endpoint: str
    times: tuple[float, ...]
    survival: tuple[float, ...]
    labels: tuple[str, ...]
    methods: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def points(self) -> list[tuple[float, float]]:
        return list(zip(self.times, self.survival, strict=True))

    @property
    def k(self) -> int:
        return len(self.times)

    def to_frame(self) -> pd.DataFrame:
        """``time_months, survival, label, method`` (the points frame of the curve chart)."""
        return pd.DataFrame(
            {
                "time_months": list(self.times),
                "survival": list(self.survival),
                "label": list(self.labels),
                "method": list(self.methods),
            }
        )


def _is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def reported_points(
    frame: pd.DataFrame,
    endpoint: str = "PFS",
    *,
    study_id: str | None = None,
    subgroup: str | None = None,
    include_crude: bool = False,
) -> ReportedPoints:
    """Collect the reported median and milestone rates of one study as (time, survival) points.

    Parameters
    ----------
    frame : pandas.DataFrame
        A survival table with the columns of ``EvidenceBase.survival_frame()`` (at least
        ``endpoint, statistic, time_months, estimate, not_reached, milestone_method``; ``study_id``
        and ``subgroup`` when filtering on them). This module never imports ``evidence``.
    endpoint : str, default "PFS"
    study_id : str, optional
        Keep only this study's rows (the frame may already be one study).
    subgroup : str, optional
        Keep this subgroup's rows; default: rows without a subgroup (the whole cohort).
    include_crude : bool, default False
        Use crude milestone proportions too. By default they are left out: a crude share
        progression-free at t is not a point on the Kaplan–Meier curve (dossier flag 8).

    Returns
    -------
    ReportedPoints
        A median ``m`` becomes ``(m, 0.5)``; a milestone of ``r`` percent at ``t`` months becomes
        ``(t, r / 100)``. Left out, with the reason: medians not reached, rates of 0% or 100%
        (no finite log cumulative hazard), crude rates (unless asked), a second point at the same
        time, and a point whose survival is above an earlier one. Milestones whose method is
        not stated are used and noted as assumed to be Kaplan–Meier estimates.

    Notes
    -----
    Only points that can lie on one survival curve are returned: times strictly increasing,
    survival non-increasing, as :func:`fit_exponential` and :func:`fit_weibull` require. When two
    rows contradict each other (a median after a milestone below 50%, dossier flag 1), the later
    one is skipped and the reason names the earlier point; the contradiction itself is reported
    by the evidence checks, not here.

    References
    ----------
    .. [1] Evidence dossier, flags 1 and 8 (``/work/shared/evidence/dossier.md``): Kaplan–Meier
       milestones and medians of one curve must be consistent; crude proportions are not KM
       estimates.

    Examples
    --------
    >>> df = pd.DataFrame({"endpoint": ["PFS", "PFS"], "statistic": ["milestone"] * 2,
    ...                    "time_months": [6.0, 4.0], "estimate": [36.5, 46.3],
    ...                    "not_reached": [False, False],
    ...                    "milestone_method": ["Kaplan–Meier"] * 2})
    >>> reported_points(df).points
    [(4.0, 0.463), (6.0, 0.365)]
    """
    need = ("endpoint", "statistic", "time_months", "estimate")
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ValueError(f"frame is missing column(s) {missing}.")
    df = frame[frame["endpoint"] == endpoint]
    if study_id is not None:
        if "study_id" not in df.columns:
            raise ValueError("frame has no study_id column to filter on.")
        df = df[df["study_id"] == study_id]
    if "subgroup" in df.columns:
        if subgroup is None:
            df = df[[_is_missing(v) for v in df["subgroup"]]]
        else:
            df = df[df["subgroup"] == subgroup]
    rows: list[tuple[float, float, str, str]] = []
    skipped: list[tuple[str, str]] = []
    notes: list[str] = []
    for _, r in df.iterrows():
        stat = r["statistic"]
        nr = bool(r.get("not_reached", False)) if not _is_missing(r.get("not_reached")) else False
        if stat == "median":
            label = f"median {endpoint}"
            if nr:
                skipped.append((label, "median not reached"))
                continue
            m = float(r["estimate"]) if not _is_missing(r["estimate"]) else math.nan
            if not (math.isfinite(m) and m > 0):
                skipped.append((label, "no median value"))
                continue
            rows.append((m, 0.5, label, "median"))
        elif stat == "milestone":
            t = float(r["time_months"]) if not _is_missing(r["time_months"]) else math.nan
            rate = float(r["estimate"]) if not _is_missing(r["estimate"]) else math.nan
            method = r.get("milestone_method")
            method = "not stated" if _is_missing(method) else str(method)
            label = f"{endpoint} {rate:g}% at {t:.3g} mo ({method})"
            if not (math.isfinite(t) and t > 0 and math.isfinite(rate)):
                skipped.append((label, "no time or rate"))
                continue
            if method == "crude" and not include_crude:
                skipped.append((label, "crude proportion, not a Kaplan–Meier estimate (flag 8)"))
                continue
            if not (0.0 < rate < 100.0):
                skipped.append((label, f"a rate of {rate:g}% has no finite log cumulative hazard"))
                continue
            if method == "not stated":
                notes.append(f"{label}: method not stated; treated as a Kaplan–Meier estimate.")
            # round away the last-bit noise of the division (46.3 / 100 -> 0.463)
            rows.append((t, round(rate / 100.0, 12), label, method))
    rank = {"Kaplan–Meier": 0, "median": 1, "not stated": 2, "crude": 3}
    rows.sort(key=lambda x: (x[0], rank.get(x[3], 4)))
    kept: list[tuple[float, float, str, str]] = []
    for row in rows:
        if kept and row[0] == kept[-1][0]:
            skipped.append((row[2], f"a second point at {row[0]:g} months ({kept[-1][2]} kept)"))
            continue
        if kept and row[1] > kept[-1][1]:
            skipped.append(
                (row[2], f"survival {row[1]:.1%} is above the earlier {kept[-1][1]:.1%} "
                 f"({kept[-1][2]}): not on one survival curve")
            )
            continue
        kept.append(row)
    return ReportedPoints(
        endpoint=endpoint,
        times=tuple(x[0] for x in kept),
        survival=tuple(x[1] for x in kept),
        labels=tuple(x[2] for x in kept),
        methods=tuple(x[3] for x in kept),
        skipped=tuple(skipped),
        notes=tuple(notes),
    )


def reconstruct(
    points: Sequence[tuple[float, float]] | np.ndarray | ReportedPoints,
    *,
    labels: Sequence[str] | None = None,
) -> tuple[dict[str, SurvivalCurveFit], tuple[tuple[str, str], ...]]:
    """Fit every model the points allow: the exponential always, the Weibull when identifiable.

    Parameters
    ----------
    points : sequence of (time_months, survival) pairs, or ReportedPoints
    labels : sequence of str, optional
        Point labels (taken from ``ReportedPoints`` when given one).

    Returns
    -------
    fits : dict
        ``{"exponential": ..., "weibull": ...}`` for the models that could be fitted.
    not_fitted : tuple of (model, reason)
        E.g. ``("weibull", "needs at least 2 points ...")``.

    Notes
    -----
    The exponential needs one point; the Weibull needs two points with different survival (two
    points at 50%, as S9's median 18.53 months and 50% at 24 months, leave the shape undefined).

    References
    ----------
    .. [1] Collett D. *Modelling Survival Data in Medical Research*, 3rd ed. CRC Press, 2015, §5.2.

    Examples
    --------
    >>> fits, why = reconstruct([(18.53, 0.5), (24.0, 0.5)])
    >>> sorted(fits), why[0][0]
    (['exponential'], 'weibull')
    """
    if isinstance(points, ReportedPoints):
        labels = points.labels if labels is None else labels
        pts: object = points.points
    else:
        pts = points
    fits: dict[str, SurvivalCurveFit] = {}
    why: list[tuple[str, str]] = []
    for name, fitter in (("exponential", fit_exponential), ("weibull", fit_weibull)):
        try:
            fits[name] = fitter(pts, labels=labels)  # type: ignore[arg-type]
        except ValueError as exc:
            why.append((name, str(exc)))
    return fits, tuple(why)


# ----------------------------------------------------------------------------------------------
# what Kaplan–Meier milestones say about the median
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MedianBounds:
    """Bounds on a Kaplan–Meier median implied by milestone rates of the same curve.

    ``lower < median`` (strict) and ``median <= upper``; NaN where the points give no bound.
    """

    lower: float
    upper: float
    text: str

    def contains(self, median: float) -> bool:
        """Whether a claimed median is compatible with the milestones."""
        lo_ok = math.isnan(self.lower) or median > self.lower
        hi_ok = math.isnan(self.upper) or median <= self.upper
        return bool(lo_ok and hi_ok)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"lower": [self.lower], "upper": [self.upper], "text": [self.text]})


def implied_median_bounds(points: Sequence[tuple[float, float]] | np.ndarray) -> MedianBounds:
    """Bounds on the KM median implied by milestone rates read off the same KM curve.

    The KM median is the earliest time at which estimated survival is at or below 50%. So a
    milestone ``S(t) <= 0.5`` puts the median at or before ``t``, and ``S(t) > 0.5`` puts it after
    ``t``. Valid only for Kaplan–Meier milestones of the same curve (not crude proportions).

    Parameters
    ----------
    points : sequence of (time_months, survival) pairs
        Milestone rates as proportions in (0, 1), strictly increasing times.

    Returns
    -------
    MedianBounds

    References
    ----------
    .. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
       *J Am Stat Assoc* 1958;53:457–481.

    Examples
    --------
    >>> b = implied_median_bounds([(4, 0.463), (6, 0.365)])
    >>> b.text
    'KM median ≤ 4 months'
    >>> b.contains(6.6)
    False
    """
    t, s = _as_points(points)
    above = t[s > 0.5]
    below = t[s <= 0.5]
    lower = float(above.max()) if above.size else math.nan
    upper = float(below.min()) if below.size else math.nan
    if above.size and below.size:
        text = f"{_num(lower)} < KM median ≤ {_num(upper)} months"
    elif below.size:
        text = f"KM median ≤ {_num(upper)} months"
    else:
        text = f"KM median > {_num(lower)} months"
    return MedianBounds(lower=lower, upper=upper, text=text)


def _num(x: float) -> str:
    return f"{x:g}"


# ----------------------------------------------------------------------------------------------
# pooling of medians
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PooledMedian:
    """A pooled median survival time (months) with the studies used and those left out.

    Produced by :func:`pool_log_medians` (inverse-variance pooling of log medians) and by
    :func:`median_of_medians`. Quantities that do not exist for a method (τ² and the prediction
    interval of a median of medians, for instance) are NaN, never omitted.
    """

    method: str
    ci_method: str
    level: float
    k: int
    labels: tuple[str, ...]
    medians: np.ndarray
    study_ci_low: np.ndarray
    study_ci_high: np.ndarray
    weights: np.ndarray  # percent, summing to 100 (median of medians: normalised weights)
    yi: np.ndarray  # log medians (NaN for median of medians)
    sei: np.ndarray  # their SEs from the 95% CIs (NaN for median of medians)
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    estimate_log: float
    se_log: float
    tau2: float
    i2: float
    q: float
    q_df: int
    q_pvalue: float
    excluded: tuple[tuple[str, str], ...]  # (label, reason)
    coverage: float = math.nan  # achieved coverage of an order-statistic interval
    converged: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ci(self) -> ConfidenceInterval:
        return ConfidenceInterval(self.ci_low, self.ci_high, self.level)

    @property
    def pi(self) -> ConfidenceInterval:
        return ConfidenceInterval(self.pi_low, self.pi_high, self.level)

    def method_label(self) -> str:
        """One line naming the method, for captions."""
        if self.method in POOL_METHODS:
            return (
                f"{LABELS.get(self.method, self.method)}, inverse variance on log medians; "
                f"SE from reported 95% CIs; {self.ci_method}"
            )
        return f"{self.method}; {self.ci_method}"

    def summary(self) -> pd.DataFrame:
        """One row per pooled quantity: ``quantity, value, ci_low, ci_high, note``."""
        nan = math.nan
        lv = f"{self.level:.0%}"
        rows = [
            ("Pooled median (months)", self.estimate, self.ci_low, self.ci_high,
             f"{lv} CI; {self.method_label()}"),
            ("Prediction interval (months)", nan, self.pi_low, self.pi_high,
             "z, on the log scale" if self.method in ("DL", "REML") else "not applicable"),
            ("tau² (log scale)", self.tau2, nan, nan, ""),
            ("I² (%)", self.i2, nan, nan, LABELS["tau2"] if self.method in POOL_METHODS else ""),
            ("Q", self.q, nan, nan,
             f"df = {self.q_df}, p = {self.q_pvalue:.4g}" if math.isfinite(self.q_pvalue) else ""),
            ("Studies used (k)", float(self.k), nan, nan, ", ".join(self.labels)),
            ("Studies left out", float(len(self.excluded)), nan, nan,
             "; ".join(f"{lab}: {why}" for lab, why in self.excluded)),
        ]
        rows += [("Note", nan, nan, nan, n) for n in self.notes]
        return pd.DataFrame(rows, columns=["quantity", "value", "ci_low", "ci_high", "note"])

    def to_frame(self) -> pd.DataFrame:
        """One row per study used (``used=True``) and per study left out (with its reason)."""
        used = pd.DataFrame(
            {
                "label": list(self.labels),
                "median": self.medians,
                "ci_low": self.study_ci_low,
                "ci_high": self.study_ci_high,
                "yi": self.yi,
                "sei": self.sei,
                "weight": self.weights,
                "used": True,
                "reason": "",
            }
        )
        if not self.excluded:
            return used
        left = pd.DataFrame(
            {
                "label": [lab for lab, _ in self.excluded],
                "used": False,
                "reason": [why for _, why in self.excluded],
            }
        )
        return pd.concat([used, left], ignore_index=True)

    def excluded_frame(self) -> pd.DataFrame:
        """``label, reason`` for every study left out."""
        return pd.DataFrame(list(self.excluded), columns=["label", "reason"])


def _tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / v
    mu = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - mu) ** 2))
    c = float(np.sum(w) - np.sum(w * w) / np.sum(w))
    return max(0.0, (q - (y.size - 1)) / c) if c > 0 else 0.0


def _tau2_reml(y: np.ndarray, v: np.ndarray, tol: float = 1e-10, maxiter: int = 200) -> tuple[float, bool]:
    """REML τ² by Fisher scoring with step halving, as metafor ``rma.uni`` (truncated at 0)."""
    tau2 = _tau2_dl(y, v)  # start; metafor starts from a Hedges-type value, the target is the same
    for _ in range(maxiter):
        w = 1.0 / (v + tau2)
        sw = np.sum(w)
        # P = W - w w' / sum(w); P y and tr(P), tr(PP) in closed form for the intercept-only model
        py = w * y - w * np.sum(w * y) / sw
        tr_p = sw - np.sum(w * w) / sw
        tr_pp = np.sum(w * w) - 2.0 * np.sum(w**3) / sw + (np.sum(w * w) / sw) ** 2
        adj = (float(py @ py) - tr_p) / tr_pp
        while tau2 + adj < 0:
            adj /= 2.0
            if abs(adj) < tol:
                adj = -tau2
                break
        tau2 += adj
        if abs(adj) < tol:
            return max(tau2, 0.0), True
    return max(tau2, 0.0), False


def pool_log_medians(
    medians: Sequence[float] | np.ndarray,
    ci_low: Sequence[float] | np.ndarray,
    ci_high: Sequence[float] | np.ndarray,
    *,
    level: float = 0.95,
    method: str = "REML",
    labels: Sequence[str] | None = None,
    interval_kind: Sequence[str] | None = None,
    not_reached: Sequence[bool] | np.ndarray | None = None,
    include_unlabelled: bool = False,
) -> PooledMedian:
    r"""Random-effects pooling of log median survival times with SEs from reported 95% CIs.

    Parameters
    ----------
    medians, ci_low, ci_high : array_like
        Reported medians and interval bounds (months). NaN bounds mean "not reported" (or NE for
        an upper bound); a NaN median needs ``not_reached``.
    level : float, default 0.95
        Level of the pooled confidence and prediction intervals. The *study* intervals must be
        95% CIs whatever ``level`` is.
    method : {"REML", "DL", "CE"}, default "REML"
        τ² estimator (``"CE"``: common effect, τ² = 0).
    labels : sequence of str, optional
    interval_kind : sequence of str, optional
        Per study, as in the evidence survival frame: ``"95% CI"``, ``"IQR"``, ``"range"`` or
        ``"not stated"``. Default: every interval is a 95% CI.
    not_reached : sequence of bool, optional
        Median not reached (the study is left out: it has no point estimate).
    include_unlabelled : bool, default False
        Also use intervals whose kind is ``"not stated"`` as 95% CIs (a sensitivity analysis; the
        result notes it). IQRs and ranges are never used.

    Returns
    -------
    PooledMedian
        Back-transformed with ``exp``; ``excluded`` lists each left-out study with its reason.
        With no usable study the estimate is NaN and a note says why (no exception: the caller
        shows the reasons).

    Notes
    -----
    ``y_i = log(median_i)`` and ``se_i = (log(hi_i) - log(lo_i)) / (2 · 1.959964)``. Pooling is
    inverse variance with ``w_i = 1 / (se_i² + τ²)``, a Wald z interval at ``level`` and the
    prediction interval ``μ ± z · sqrt(SE² + τ²)`` (metafor's default for ``test="z"``).
    REML is computed by Fisher scoring (metafor's algorithm), DL is the truncated
    DerSimonian–Laird moment estimator; I² is τ²-based (metafor). Checked against metafor
    ``rma(yi, sei=sei, method=...)`` (``tests/reference/survival_reference.json``).

    Many published CIs for medians are symmetric on the month scale (Brookmeyer–Crowley with a
    plain Wald SE, as SPSS prints them), so the log-scale SE is an approximation. Medians from
    single-arm studies of different populations estimate different quantities: read the pooled
    value as a summary of the reported medians, not as the median of any one population.

    References
    ----------
    .. [1] Viechtbauer W. Conducting meta-analyses in R with the metafor package.
       *J Stat Softw* 2010;36(3):1–48.
    .. [2] DerSimonian R, Laird N. Meta-analysis in clinical trials. *Control Clin Trials*
       1986;7:177–188.
    .. [3] McGrath S, Zhao X, Qin ZZ, Steele R, Benedetti A. One-sample aggregate data
       meta-analysis of medians. *Stat Med* 2019;38:969–984.

    Examples
    --------
    >>> r = pool_log_medians([7.89, 3.5, 18.53], [4.56, 2.5, 12.23], [11.21, 4.8, math.nan],
    ...                      labels=["S4", "S6", "S9"])
    >>> r.k, r.excluded
    (2, (('S9', 'upper bound not estimable (NE)'),))
    """
    check_choice("method", method, POOL_METHODS)
    lv = check_level(level)
    m = _as_float_array("medians", medians)
    k_all = m.size
    if k_all == 0:
        raise ValueError("medians is empty: at least one study is needed.")
    lo = _as_float_array("ci_low", ci_low, k_all)
    hi = _as_float_array("ci_high", ci_high, k_all)
    lab = _as_labels(labels, k_all)
    kinds = (
        tuple([USABLE_INTERVAL] * k_all)
        if interval_kind is None
        else tuple("not stated" if x is None else str(x) for x in interval_kind)
    )
    if len(kinds) != k_all:
        raise ValueError(f"interval_kind must have the same length as medians (got {len(kinds)}).")
    nr = (
        np.zeros(k_all, dtype=bool)
        if not_reached is None
        else np.asarray(pd.array(list(not_reached), dtype="boolean").fillna(False), dtype=bool)
    )
    if nr.size != k_all:
        raise ValueError(f"not_reached must have the same length as medians (got {nr.size}).")
    for i in range(k_all):
        if not nr[i] and not math.isfinite(m[i]):
            raise ValueError(
                f"medians[{i}] ({_fmt(m[i])}) is not a finite number (set not_reached for NR)."
            )
        if not nr[i] and m[i] <= 0:
            raise ValueError(f"medians[{i}] ({_fmt(m[i])}) must be > 0 months.")

    usable_kinds = {USABLE_INTERVAL} | ({"not stated"} if include_unlabelled else set())
    use: list[int] = []
    excluded: list[tuple[str, str]] = []
    for i in range(k_all):
        reason = _exclusion_reason(m[i], lo[i], hi[i], kinds[i], bool(nr[i]), usable_kinds)
        if reason:
            excluded.append((lab[i], reason))
        else:
            use.append(i)

    notes: list[str] = []
    if include_unlabelled and any(kinds[i] == "not stated" for i in use):
        notes.append(
            "Intervals of unstated kind were treated as 95% CIs (sensitivity analysis)."
        )
    idx = np.array(use, dtype=int)
    y = np.log(m[idx])
    se = (np.log(hi[idx]) - np.log(lo[idx])) / (2.0 * Z_STUDY_CI)
    v = se**2
    k = int(idx.size)
    z = float(stats.norm.ppf(0.5 + lv / 2.0))
    nan = math.nan
    ci_label = f"Wald z ({lv:.0%})"

    if k == 0:
        notes.append("No study had a usable 95% CI: nothing was pooled.")
        return PooledMedian(
            method=method, ci_method=ci_label, level=lv, k=0, labels=(),
            medians=readonly(np.empty(0)), study_ci_low=readonly(np.empty(0)),
            study_ci_high=readonly(np.empty(0)), weights=readonly(np.empty(0)),
            yi=readonly(np.empty(0)), sei=readonly(np.empty(0)),
            estimate=nan, ci_low=nan, ci_high=nan, pi_low=nan, pi_high=nan,
            estimate_log=nan, se_log=nan, tau2=nan, i2=nan, q=nan, q_df=0, q_pvalue=nan,
            excluded=tuple(excluded), notes=tuple(notes),
        )

    converged = True
    if method == "CE" or k == 1:
        tau2 = 0.0
        if k == 1 and method != "CE":
            notes.append("Only one usable study: τ² cannot be estimated and is set to 0.")
    elif method == "DL":
        tau2 = _tau2_dl(y, v)
    else:
        tau2, converged = _tau2_reml(y, v)
        if not converged:
            notes.append("REML did not converge in 200 iterations; τ² is the last iterate.")

    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    se_mu = float(math.sqrt(1.0 / np.sum(w)))
    # heterogeneity (from the common-effect weights, as metafor)
    w0 = 1.0 / v
    mu0 = np.sum(w0 * y) / np.sum(w0)
    q = float(np.sum(w0 * (y - mu0) ** 2))
    q_df = k - 1
    q_p = float(stats.chi2.sf(q, q_df)) if q_df > 0 else nan
    s2 = (k - 1) * np.sum(w0) / (np.sum(w0) ** 2 - np.sum(w0**2)) if k > 1 else nan
    i2 = float(100.0 * tau2 / (tau2 + s2)) if k > 1 else nan
    if method == "CE" and k > 1:
        i2 = float(max(0.0, 100.0 * (q - q_df) / q)) if q > 0 else 0.0  # metafor CE: Q-based
    if method == "CE" or k == 1:  # no heterogeneity to predict from (metafor would repeat the CI)
        pi_lo = pi_hi = nan
    else:
        half = z * math.sqrt(se_mu**2 + tau2)
        pi_lo, pi_hi = math.exp(mu - half), math.exp(mu + half)
    if 1 < k < 5 and method != "CE":
        notes.append(f"k = {k}: τ² is very imprecise with fewer than 5 studies.")
    return PooledMedian(
        method=method,
        ci_method=ci_label,
        level=lv,
        k=k,
        labels=tuple(lab[i] for i in use),
        medians=readonly(m[idx]),
        study_ci_low=readonly(lo[idx]),
        study_ci_high=readonly(hi[idx]),
        weights=readonly(100.0 * w / np.sum(w)),
        yi=readonly(y),
        sei=readonly(se),
        estimate=math.exp(mu),
        ci_low=math.exp(mu - z * se_mu),
        ci_high=math.exp(mu + z * se_mu),
        pi_low=pi_lo,
        pi_high=pi_hi,
        estimate_log=mu,
        se_log=se_mu,
        tau2=float(tau2),
        i2=i2,
        q=q,
        q_df=q_df,
        q_pvalue=q_p,
        excluded=tuple(excluded),
        converged=converged,
        notes=tuple(notes),
    )


def _exclusion_reason(
    median: float, lo: float, hi: float, kind: str, nr: bool, usable_kinds: set[str]
) -> str:
    if nr:
        return "median not reached"
    if kind in ("IQR", "range"):
        return f"interval is an {kind}, not a 95% CI" if kind == "IQR" else "interval is a range, not a 95% CI"
    if not math.isfinite(lo) and not math.isfinite(hi):
        return "no CI reported"
    if math.isfinite(lo) and not math.isfinite(hi):
        return "upper bound not estimable (NE)"
    if not math.isfinite(lo):
        return "lower bound not reported"
    if kind not in usable_kinds:
        return f"interval kind '{kind}' is not a stated 95% CI"
    if lo <= 0:
        return f"lower bound ({_fmt(lo)}) is not positive: no log-scale SE"
    if not (lo <= median <= hi) or hi <= lo:
        return f"median ({_fmt(median)}) lies outside its CI ({_fmt(lo)}–{_fmt(hi)})"
    return ""


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Weighted median: the smallest x whose cumulative weight reaches half the total; the mean of
    two neighbours when the cumulative weight equals exactly half (the unweighted convention)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum = np.cumsum(ws) / np.sum(ws)
    j = int(np.searchsorted(cum, 0.5 - 1e-12))
    if abs(cum[j] - 0.5) < 1e-12 and j + 1 < xs.size:
        return float((xs[j] + xs[j + 1]) / 2.0)
    return float(xs[j])


def median_of_medians(
    medians: Sequence[float] | np.ndarray,
    weights: Sequence[float] | np.ndarray | None = None,
    *,
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> PooledMedian:
    r"""The simple or n-weighted median of study medians, with a distribution-free interval.

    Parameters
    ----------
    medians : array_like
        Finite, positive study medians (months). Leave out NR medians before calling.
    weights : array_like, optional
        Positive weights (usually the study sizes n) for a weighted median; ``None`` gives the
        ordinary median.
    level : float, default 0.95
        Level of the order-statistic interval.
    labels : sequence of str, optional

    Returns
    -------
    PooledMedian
        ``method`` is ``"median of medians"`` or ``"n-weighted median of medians"``;
        ``coverage`` is the exact coverage of the interval (≥ ``level``), NaN when ``k`` is too
        small for ``level`` (then the interval is NaN and a note says so).

    Notes
    -----
    The interval is ``[x_(r), x_(k-r+1)]`` over the sorted study medians, with the largest ``r``
    such that ``1 - 2 · P(Bin(k, 1/2) ≤ r - 1) ≥ level``: a distribution-free confidence interval
    for the median of the distribution from which the study medians are drawn (Conover 1999,
    §3.2). The smallest ``k`` possible has ``1 - 2^(1-k) ≥ level``: ``k ≥ 6`` for 95%, ``k ≥ 5``
    for 90%. It treats the studies as exchangeable draws; with weights the point estimate is the
    weighted median but the interval stays the unweighted order-statistic interval (no
    distribution-free interval exists for a weighted median), and a note says so.

    References
    ----------
    .. [1] Conover WJ. *Practical Nonparametric Statistics*, 3rd ed. Wiley, 1999, §3.2.
    .. [2] McGrath S, Sohn H, Steele R, Benedetti A. Meta-analysis of the difference of medians.
       *Biom J* 2020;62:69–98 (median of medians).

    Examples
    --------
    >>> r = median_of_medians([7.93, 8.84, 7.89, 4.5, 3.5, 6.0, 5.8, 4.0])
    >>> r.estimate, r.ci_low, r.ci_high, round(r.coverage, 4)
    (5.9, 3.5, 8.84, 0.9922)
    """
    lv = check_level(level)
    m = _as_float_array("medians", medians)
    k = m.size
    if k == 0:
        raise ValueError("medians is empty: at least one study is needed.")
    for i in range(k):
        if not math.isfinite(m[i]) or m[i] <= 0:
            raise ValueError(f"medians[{i}] ({_fmt(m[i])}) must be a finite number > 0 months.")
    lab = _as_labels(labels, k)
    notes: list[str] = []
    if weights is None:
        w = np.ones(k)
        est = float(np.median(m))
        method = "median of medians"
    else:
        w = _as_float_array("weights", weights, k)
        for i in range(k):
            if not math.isfinite(w[i]) or w[i] <= 0:
                raise ValueError(f"weights[{i}] ({_fmt(w[i])}) must be a finite number > 0.")
        est = _weighted_median(m, w)
        method = "n-weighted median of medians"
        notes.append(
            "The interval is the unweighted order-statistic interval: no distribution-free "
            "interval exists for a weighted median."
        )
    # order-statistic interval
    xs = np.sort(m)
    r_best = 0
    cov_best = math.nan
    for r in range(1, k // 2 + 1):
        cov = 1.0 - 2.0 * float(stats.binom.cdf(r - 1, k, 0.5))
        if cov >= lv - 1e-12:
            r_best, cov_best = r, cov
        else:
            break
    if r_best == 0:
        k_min = math.ceil(1.0 + math.log2(1.0 / (1.0 - lv)) - 1e-12)
        notes.append(
            f"k = {k} is too small for a {lv:.0%} distribution-free interval "
            f"(needs k ≥ {k_min}); no interval is given."
        )
        lo_ci = hi_ci = math.nan
    else:
        lo_ci, hi_ci = float(xs[r_best - 1]), float(xs[k - r_best])
    ci_method = (
        f"binomial order-statistic interval [x({r_best}), x({k - r_best + 1})], "
        f"exact coverage {cov_best:.4f}"
        if r_best
        else "binomial order-statistic interval (not available at this k)"
    )
    nan = math.nan
    empty = readonly(np.full(k, nan))
    return PooledMedian(
        method=method,
        ci_method=ci_method,
        level=lv,
        k=k,
        labels=lab,
        medians=readonly(m),
        study_ci_low=empty,
        study_ci_high=empty,
        weights=readonly(100.0 * w / np.sum(w)),
        yi=empty,
        sei=empty,
        estimate=est,
        ci_low=lo_ci,
        ci_high=hi_ci,
        pi_low=nan,
        pi_high=nan,
        estimate_log=math.log(est),
        se_log=nan,
        tau2=nan,
        i2=nan,
        q=nan,
        q_df=k - 1,
        q_pvalue=nan,
        excluded=(),
        coverage=cov_best,
        notes=tuple(notes),
    )
