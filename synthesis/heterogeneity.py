"""Between-study variance estimators, Cochran's Q, I²/H² and the Q-profile interval.

Intercept-only (``p = 1``) versions of metafor 3.8-1 ``rma.uni`` / ``confint.rma.uni``, written
with sums over the studies only: memory is linear in ``k`` (no ``k x k`` matrices).

For the intercept-only model with weights ``w_i``, ``S_j = sum(w_i^j)``, pooled mean
``mu = sum(w y)/S_1`` and residuals ``r = y - mu``, metafor's projection matrix
``P = W - w w'/S_1`` satisfies ``P y = w r``, ``y'Py = sum(w r^2)``, ``tr(P) = S_1 - S_2/S_1`` and
``tr(PP) = S_2 - 2 S_3/S_1 + S_2^2/S_1^2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

#: metafor ``rma.uni`` control defaults (3.8-1).
DEFAULT_CONTROL: dict[str, float] = {
    "threshold": 1e-5,  # Fisher scoring convergence (|change in tau2|)
    "maxiter": 100,  # Fisher scoring iterations
    "tol": np.finfo(float).eps ** 0.25,  # ll0check tolerance (metafor con$tol)
    "root_tol": 1e-12,  # root finding (PM, EB-free, Q-profile); metafor: uniroot tol eps^0.25
    "tau2_max": 100.0,  # upper end of the PM search (metafor: max(100, 10 mad(y)^2))
}

TAU2_METHODS: tuple[str, ...] = ("CE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB")


@dataclass(slots=True)
class Tau2Fit:
    tau2: float
    converged: bool = True
    iterations: int = 0
    notes: list[str] = field(default_factory=list)


def weighted_q(tau2: float, yi: np.ndarray, vi: np.ndarray) -> float:
    """Generalised Q: ``sum(w (y - mu_w)^2)`` with ``w = 1/(v + tau2)`` (metafor ``.QE.func``)."""
    w = np.add(vi, tau2)
    np.divide(1.0, w, out=w)
    r = np.subtract(yi, np.dot(w, yi) / w.sum())
    np.multiply(w, r, out=w)
    return float(np.dot(w, r))


def cochran_q(yi: np.ndarray, vi: np.ndarray) -> tuple[float, float]:
    """Cochran's Q with ``k - 1`` df and its p-value (metafor ``QE``, ``QEp``)."""
    k = yi.shape[0]
    if k < 2:
        return 0.0, math.nan
    q = max(0.0, weighted_q(0.0, yi, vi))
    return q, float(special.chdtrc(k - 1, q))


def typical_variance(vi: np.ndarray) -> float:
    """metafor's "typical" within-study variance ``(k - 1)/tr(P)`` with ``w = 1/v``."""
    w = 1.0 / vi
    s1 = w.sum()
    s2 = np.dot(w, w)
    return float((vi.shape[0] - 1) / (s1 - s2 / s1))


def _mad2(yi: np.ndarray) -> float:
    med = np.median(yi)
    return float((1.4826 * np.median(np.abs(yi - med))) ** 2)


def _he(yi: np.ndarray, vi: np.ndarray) -> float:
    k = yi.shape[0]
    r = yi - yi.mean()
    return float((np.dot(r, r) - vi.sum() * (k - 1) / k) / (k - 1))


def _dl(yi: np.ndarray, vi: np.ndarray) -> float:
    k = yi.shape[0]
    w = 1.0 / vi
    s1 = w.sum()
    mu = np.dot(w, yi) / s1
    r = yi - mu
    q = float(np.dot(w, r * r))
    return float((q - (k - 1)) / (s1 - np.dot(w, w) / s1))


def _sj(yi: np.ndarray, vi: np.ndarray) -> float:
    k = yi.shape[0]
    r0 = yi - yi.mean()
    tau2_0 = float(np.dot(r0, r0) / k)
    return tau2_0 * weighted_q(tau2_0, yi, vi) / (k - 1)


def _q_and_slope(tau2: float, yi: np.ndarray, vi: np.ndarray) -> tuple[float, float]:
    """Generalised Q and minus its derivative in tau², ``sum(w^2 r^2)`` (envelope theorem)."""
    w = np.add(vi, tau2)
    np.divide(1.0, w, out=w)
    r = np.subtract(yi, np.dot(w, yi) / w.sum())
    np.multiply(w, r, out=w)  # w now holds w * r
    return float(np.dot(w, r)), float(np.dot(w, w))


def solve_q(
    yi: np.ndarray, vi: np.ndarray, target: float, lo: float, hi: float, xtol: float = 1e-12
) -> float:
    """Root of ``Q(tau2) = target`` in ``[lo, hi]`` where ``Q(lo) >= target >= Q(hi)``.

    Safeguarded Newton iteration on ``1/Q(tau2)``, which is exactly linear in tau² when all ``vi``
    are equal and nearly linear otherwise (a handful of O(k) passes); a step leaving the current
    bracket is replaced by bisection. Stops when the step or the bracket is below ``xtol``.
    """
    t = lo
    for _ in range(500):
        q, slope = _q_and_slope(t, yi, vi)
        f = q - target
        if f == 0.0:
            return t
        if f > 0.0:
            lo = t
        else:
            hi = t
        if slope > 0.0 and q > 0.0:
            t_new = t - (1.0 / q - 1.0 / target) * q * q / slope
        else:
            t_new = math.nan
        if not (lo < t_new < hi):
            t_new = 0.5 * (lo + hi)
        if abs(t_new - t) <= xtol or hi - lo <= xtol:
            return float(t_new)
        t = t_new
    return float(t)


def _pm(yi: np.ndarray, vi: np.ndarray, control: dict) -> Tau2Fit:
    k = yi.shape[0]
    target = k - 1.0
    fit = Tau2Fit(0.0)
    if weighted_q(0.0, yi, vi) < target:
        return fit
    hi = max(float(control["tau2_max"]), 10.0 * _mad2(yi))
    while weighted_q(hi, yi, vi) > target:
        fit.notes.append(
            f"Paule–Mandel: Q(tau² = {hi:g}) still above k − 1; search range extended "
            "(metafor would stop with 'tau2.max too low')."
        )
        hi *= 10.0
        if hi > 1e12:
            fit.converged = False
            fit.tau2 = math.nan
            return fit
    fit.tau2 = solve_q(yi, vi, target, 0.0, hi, float(control["root_tol"]))
    return fit


def _loglik_drop(tau2: float, yi: np.ndarray, vi: np.ndarray, reml: bool) -> float:
    """``ll(0) - ll(tau2)`` of the (restricted) log-likelihood (metafor's ``ll0check``).

    Computed as one difference, ``sum(log1p(tau2/v))/2 + (RSS(tau2) - RSS(0))/2`` plus, for REML,
    ``(log S1(tau2) - log S1(0))/2``: one logarithm pass instead of two and no cancellation of two
    large log-likelihoods.
    """

    def rss_s1(t: float) -> tuple[float, float]:
        w = 1.0 / (vi + t)
        s1 = w.sum()
        r = yi - np.dot(w, yi) / s1
        return float(np.dot(w, r * r)), float(s1)

    rss0, s10 = rss_s1(0.0)
    rss, s1 = rss_s1(tau2)
    drop = 0.5 * float(np.log1p(tau2 / vi).sum()) + 0.5 * (rss - rss0)
    if reml:
        drop += 0.5 * (math.log(s1) - math.log(s10))
    return drop


def _fisher_scoring(yi: np.ndarray, vi: np.ndarray, method: str, control: dict) -> Tau2Fit:
    """metafor's ML/REML/EB iteration: start at max(0, HE), step until |change| <= threshold."""
    k = yi.shape[0]
    threshold = float(control["threshold"])
    maxiter = int(control["maxiter"])
    tau2 = max(0.0, _he(yi, vi))
    fit = Tau2Fit(tau2)
    change = threshold + 1.0
    it = 0
    # work buffers reused across iterations (no per-iteration allocation of O(k) temporaries)
    w, r, wr, w2 = (np.empty_like(yi) for _ in range(4))
    while change > threshold:
        it += 1
        old = tau2
        np.add(vi, tau2, out=w)
        np.divide(1.0, w, out=w)
        s1 = w.sum()
        mu = np.dot(w, yi) / s1
        np.subtract(yi, mu, out=r)
        np.multiply(w, r, out=wr)
        if method == "ML":
            adj = (np.dot(wr, wr) - s1) / np.dot(w, w)
        elif method == "REML":
            s2 = np.dot(w, w)
            np.multiply(w, w, out=w2)
            s3 = np.dot(w2, w)
            tr_p = s1 - s2 / s1
            tr_pp = s2 - 2.0 * s3 / s1 + (s2 / s1) ** 2
            adj = (np.dot(wr, wr) - tr_p) / tr_pp
        else:  # EB
            adj = (np.dot(wr, r) * k / (k - 1) - k) / s1
        adj = float(adj)
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < 0.0:
            adj /= 2.0
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if it > maxiter:
            fit.converged = False
            fit.notes.append(
                f"Fisher scoring for {method} did not converge in {maxiter} iterations "
                f"(last |change| = {change:.3g}); metafor would stop with an error."
            )
            break
    fit.iterations = it
    if fit.converged and method in ("ML", "REML"):
        # metafor's ll0check: fall back to tau2 = 0 when it has a higher (restricted) likelihood
        if tau2 > threshold and _loglik_drop(tau2, yi, vi, method == "REML") > float(
            control["tol"]
        ):
            fit.notes.append(
                "Fisher scoring may have gotten stuck at a local maximum; tau² set to 0 "
                "(as metafor)."
            )
            tau2 = 0.0
    fit.tau2 = max(0.0, tau2)
    return fit


def estimate_tau2(
    yi: np.ndarray, vi: np.ndarray, method: str, control: dict | None = None
) -> Tau2Fit:
    """Estimate tau² exactly as metafor 3.8-1 ``rma.uni(method=...)`` for an intercept-only model.

    DL, HE and SJ are closed forms (DL and HE truncated at 0); PM solves ``Q(tau2) = k - 1`` by
    root finding; ML, REML and EB use metafor's Fisher scoring, started at ``max(0, HE)`` and
    stopped when the change in tau² is at most ``control["threshold"]``.
    """
    ctl = {**DEFAULT_CONTROL, **(control or {})}
    if method == "CE":
        return Tau2Fit(0.0)
    if method == "DL":
        return Tau2Fit(max(0.0, _dl(yi, vi)))
    if method == "HE":
        return Tau2Fit(max(0.0, _he(yi, vi)))
    if method == "SJ":
        return Tau2Fit(max(0.0, _sj(yi, vi)))
    if method == "PM":
        return _pm(yi, vi, ctl)
    if method in ("REML", "ML", "EB"):
        return _fisher_scoring(yi, vi, method, ctl)
    raise ValueError(f"method ({method!r}) has no tau² estimator here.")


@dataclass(slots=True)
class Tau2Interval:
    low: float
    high: float
    notes: list[str] = field(default_factory=list)


def tau2_qprofile_ci(
    yi: np.ndarray,
    vi: np.ndarray,
    tau2: float,
    level: float = 0.95,
    *,
    tau2_max: float | None = None,
    root_tol: float = 1e-12,
) -> Tau2Interval:
    """Q-profile interval for tau² (Viechtbauer 2007), as metafor ``confint.rma.uni(type="QP")``.

    The bounds solve ``Q(tau2) = chi2_{k-1}`` quantiles on ``[0, tau2_max]`` with
    ``tau2_max = max(100, 10 tau2)`` (metafor). When ``Q(0)`` is below the lower quantile the
    interval is ``[0, 0]``; when ``Q(0)`` is below the upper quantile the lower bound is 0; a bound
    that would exceed ``tau2_max`` is reported as ``tau2_max`` with a note (metafor prints ">").
    """
    k = yi.shape[0]
    out = Tau2Interval(math.nan, math.nan)
    if k < 2:
        return out
    df = k - 1
    a = (1.0 - level) / 2.0
    crit_u = float(special.chdtri(df, a))  # upper quantile
    crit_l = float(special.chdtri(df, 1.0 - a))  # lower quantile
    lo_t = min(0.0, tau2)
    hi_t = max(100.0, 10.0 * tau2, lo_t * 10.0) if tau2_max is None else float(tau2_max)
    q_min = weighted_q(lo_t, yi, vi)
    q_max = weighted_q(hi_t, yi, vi)

    if q_min < crit_l:
        out.low = out.high = lo_t
        out.notes.append("Q-profile: Q(0) is below the lower chi² quantile; interval is [0, 0].")
    else:
        if q_max > crit_l:
            out.high = hi_t
            out.notes.append(
                f"The upper limit of the τ² confidence interval (Q-profile) lies above {hi_t:g}, the "
                f"largest value searched: it is shown as {hi_t:g} but is in fact unbounded here.")
        else:
            out.high = solve_q(yi, vi, crit_l, lo_t, hi_t, root_tol)
    if q_max > crit_u:
        out.low = out.high = hi_t
        out.notes.append(
            f"Even the lower limit of the τ² confidence interval (Q-profile) lies above {hi_t:g}, "
            "the largest value searched: the interval cannot be located.")
    elif q_min < crit_u:
        out.low = lo_t
    else:
        out.low = solve_q(yi, vi, crit_u, lo_t, hi_t, root_tol)
    return out
