"""Parametric survival curves drawn through reported (time, survival) points.

Published single-arm sarcoma studies rarely give patient-level data; they print a median with an
interval and sometimes a few milestone rates ("PFS 46.3% at 4 months"). This module draws a
parametric curve through such reported points:

* :func:`fit_exponential` and :func:`fit_weibull` put a parametric curve through the reported
  (time, survival) points. The result is a **curve under a distributional assumption, not a
  Kaplan–Meier curve**, and says so in its ``assumption`` field.
* :func:`reported_points` turns the rows of a survival table (the columns of
  ``EvidenceBase.survival_frame()``; this module never imports ``evidence``) into the points of one
  study and endpoint, leaving out crude proportions, NR medians and 0%/100% rates with reasons;
  :func:`fit_parametric_curves` fits every model those points allow and says why the others were
  not fitted.
* :func:`implied_median_bounds` states what reported Kaplan–Meier milestones imply about the median.

Reconstruction of patient-level data from a digitised Kaplan–Meier figure (Guyot 2012) is a
different idea and lives in :mod:`synthesis.km_reconstruction`; pooling of medians lives in
:mod:`synthesis.survival_medians`.

Parametrisation follows lifelines: ``WeibullFitter`` has ``S(t) = exp(-(t / lambda_) ** rho_)`` and
``ExponentialFitter`` has ``S(t) = exp(-t / lambda_)`` (so ``lambda_`` is a *scale*, the mean
survival time, and the hazard rate is ``1 / lambda_``). lifelines itself is not called: its fitters
need patient-level durations, while the fits here are closed-form least squares (numpy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthesis._survival_input import as_labels, is_missing
from synthesis.results import ResultRepr, summary_frame
from synthesis.validation import fmt_count as _fmt
from synthesis.validation import readonly

__all__ = [
    "MedianBounds",
    "ReportedPoints",
    "SurvivalCurveFit",
    "fit_exponential",
    "fit_parametric_curves",
    "fit_weibull",
    "implied_median_bounds",
    "reported_points",
]

LOG2 = math.log(2.0)

_ASSUMPTION = (
    "parametric curve through reported points under an {model} assumption — not a Kaplan–Meier "
    "curve"
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


# parametric curves
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, repr=False)
class SurvivalCurveFit(ResultRepr):
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
        """One row per parameter: ``quantity, value, ci_low, ci_high, note``."""
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
        return summary_frame(rows)


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
    lab = as_labels(labels, t.size, prefix="point")
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
    lab = as_labels(labels, t.size, prefix="point")
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
    .. [1] The evidence checks (``evidence/checks.py``, ``docs/ARCHITECTURE.md``): Kaplan–Meier
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
            df = df[[is_missing(v) for v in df["subgroup"]]]
        else:
            df = df[df["subgroup"] == subgroup]
    rows: list[tuple[float, float, str, str]] = []
    skipped: list[tuple[str, str]] = []
    notes: list[str] = []
    for _, r in df.iterrows():
        stat = r["statistic"]
        nr = bool(r.get("not_reached", False)) if not is_missing(r.get("not_reached")) else False
        if stat == "median":
            label = f"median {endpoint}"
            if nr:
                skipped.append((label, "median not reached"))
                continue
            m = float(r["estimate"]) if not is_missing(r["estimate"]) else math.nan
            if not (math.isfinite(m) and m > 0):
                skipped.append((label, "no median value"))
                continue
            rows.append((m, 0.5, label, "median"))
        elif stat == "milestone":
            t = float(r["time_months"]) if not is_missing(r["time_months"]) else math.nan
            rate = float(r["estimate"]) if not is_missing(r["estimate"]) else math.nan
            method = r.get("milestone_method")
            method = "not stated" if is_missing(method) else str(method)
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


def fit_parametric_curves(
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
    >>> fits, why = fit_parametric_curves([(18.53, 0.5), (24.0, 0.5)])
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
