"""Pooling of published median survival times across studies.

* :func:`pool_log_medians` pools log medians by inverse variance with the engine of
  :func:`synthesis.meta.pool_effects` (any τ² estimator, Wald z, t or Hartung–Knapp–Sidik–Jonkman
  intervals, prediction interval, Q-profile interval for τ²), using standard errors recovered from
  reported 95% CIs, and records which studies were left out and why.
* :func:`median_of_medians` gives the simple or n-weighted median of study medians with a
  distribution-free (binomial order-statistic) interval.
* :func:`headline_pool_method` picks the method a headline shows: the one that uses the most
  studies (ties: inverse variance), and none when no method can use two studies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)
from scipy import special

from synthesis._survival_input import as_float_array, as_labels
from synthesis.meta import pool_effects
from synthesis.results import (
    ConfidenceInterval,
    Heterogeneity,
    Intervals,
    PooledShortcuts,
    PoolingComputation,
    ResultRepr,
    summary_frame,
)
from synthesis.validation import check_level, readonly
from synthesis.validation import fmt_count as _fmt
from synthesis.vocabulary import CI_METHODS, LABELS, METHODS, PI_METHODS, check_choice

__all__ = [
    "MIN_STUDIES_TO_POOL",
    "MedianData",
    "MedianFit",
    "PooledMedian",
    "headline_pool_method",
    "median_of_medians",
    "pool_log_medians",
]

#: z of the two-sided 95% interval that published medians report (for the SE of a log median).
Z_STUDY_CI = float(special.ndtri(0.975))  # = scipy.stats.norm.ppf(0.975), without importing scipy.stats
#: τ² estimators available to :func:`pool_log_medians` (every inverse-variance method).
POOL_METHODS: tuple[str, ...] = tuple(m for m in METHODS if m != "GLMM")
USABLE_INTERVAL = "95% CI"
#: A pooled value needs at least this many studies; with fewer there is nothing to pool.
MIN_STUDIES_TO_POOL = 2


# ----------------------------------------------------------------------------------------------
# pooling of medians
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MedianData:
    """The studies a pooled median used (arrays read-only, one entry per study used) and those
    left out.

    ``medians`` are the reported medians (months), ``ci_low``/``ci_high`` their reported 95% CIs
    (NaN for a median of medians, which does not use them), ``weights`` percent summing to 100
    (a median of medians: the normalised weights), ``yi`` the log medians and ``sei`` their SEs
    from the 95% CIs (NaN for a median of medians); ``excluded`` is ``(label, reason)`` for every
    study left out.
    """

    k: int
    labels: tuple[str, ...]
    medians: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    weights: np.ndarray
    yi: np.ndarray
    sei: np.ndarray
    excluded: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class MedianFit:
    """The method and the pooled median.

    ``method`` is a τ² estimator (``"REML"``, ``"DL"``, ...: inverse variance on log medians) or
    ``"median of medians"``/``"n-weighted median of medians"``; ``ci_method`` names the pooled
    interval in words (``"Wald z (95%)"``, or the order-statistic interval with its exact
    coverage); ``pi_method`` the prediction-interval convention (``""`` when there is none).
    ``estimate`` is in months, ``estimate_log``/``se_log`` on the log scale (``se_log`` NaN for a
    median of medians); ``df`` the degrees of freedom of the pooled interval (``inf`` for z);
    ``coverage`` the achieved coverage of an order-statistic interval (NaN otherwise).
    """

    method: str
    ci_method: str
    pi_method: str
    level: float
    estimate: float
    estimate_log: float
    se_log: float
    df: float = math.inf
    coverage: float = math.nan

    @property
    def inverse_variance(self) -> bool:
        """Whether this is inverse-variance pooling of log medians (not a median of medians)."""
        return self.method in POOL_METHODS


@dataclass(frozen=True, slots=True, repr=False)
class PooledMedian(PooledShortcuts, ResultRepr):
    """A pooled median survival time (months), in five groups.

    Produced by :func:`pool_log_medians` (inverse-variance pooling of log medians) and by
    :func:`median_of_medians`. Quantities that do not exist for a method (τ² and the prediction
    interval of a median of medians, for instance) are NaN, never omitted.

    Attributes
    ----------
    data : MedianData
        ``k``, ``labels``, ``medians``, the studies' ``ci_low``/``ci_high``, ``weights`` (%),
        ``yi``, ``sei`` and the studies left out (``excluded``, with reasons).
    fit : MedianFit
        ``method``, ``ci_method``, ``pi_method``, ``level``, ``estimate`` (months),
        ``estimate_log``, ``se_log``, ``df``, ``coverage`` (and ``inverse_variance``).
    heterogeneity : ~synthesis.results.Heterogeneity
        τ² (log scale), I², H², Cochran's Q (NaN for a median of medians).
    intervals : ~synthesis.results.Intervals
        :class:`~synthesis.results.ConfidenceInterval` s: ``ci``, ``pi`` (months), ``tau2``,
        ``i2``, ``h2``, and ``ci_t``, ``pi_t`` on the log scale.
    computation : ~synthesis.results.PoolingComputation
        ``converged``, ``iterations``, ``notes``.

    Seven shortcuts, as on :class:`~synthesis.results.PooledProportion`: ``estimate``, ``ci``,
    ``pi``, ``k``, ``labels``, ``tau2``, ``i2``.

    Examples
    --------
    >>> r = pool_log_medians([7.89, 3.5, 6.0], [4.56, 2.5, 4.1], [11.21, 4.8, 8.8], method="DL")
    >>> round(r.estimate, 2), r.ci.format(2, percent=False), r.k, r.fit.method
    (5.39, '[3.34, 8.72]', 3, 'DL')
    >>> round(r.heterogeneity.q, 3), r.intervals.ci_t.level, r.data.excluded
    (9.417, 0.95, ())
    """

    data: MedianData
    fit: MedianFit
    heterogeneity: Heterogeneity
    intervals: Intervals
    computation: PoolingComputation = field(default_factory=PoolingComputation)

    def _title(self) -> str:
        return f"PooledMedian({self.fit.method}; k={self.k}, {len(self.data.excluded)} left out)"

    def method_label(self) -> str:
        """One line naming the method, for captions."""
        f = self.fit
        if f.inverse_variance:
            return (
                f"{LABELS.get(f.method, f.method)}, inverse variance on log medians; "
                f"SE from reported 95% CIs; {f.ci_method}"
            )
        return f"{f.method}; {f.ci_method}"

    def summary(self) -> pd.DataFrame:
        """One row per pooled quantity: ``quantity, value, ci_low, ci_high, note``."""
        f, h, iv, d = self.fit, self.heterogeneity, self.intervals, self.data
        lv = f"{f.level:.0%}"
        rows = [
            ("Pooled median (months)", f.estimate, *iv.ci, f"{lv} CI; {self.method_label()}"),
            ("Prediction interval (months)", math.nan, *iv.pi,
             f"{LABELS.get(f.pi_method, f.pi_method)}, on the log scale"
             if math.isfinite(iv.pi.low) else "not applicable"),
            ("tau² (log scale)", h.tau2, *iv.tau2,
             "Q-profile interval" if math.isfinite(iv.tau2.low) else ""),
            ("I² (%)", h.i2, *iv.i2, LABELS["tau2"] if f.inverse_variance else ""),
            ("Q", h.q, f"df = {h.q_df}, p = {h.q_pvalue:.4g}" if math.isfinite(h.q_pvalue) else ""),
            ("Studies used (k)", float(d.k), ", ".join(d.labels)),
            ("Studies left out", float(len(d.excluded)),
             "; ".join(f"{lab}: {why}" for lab, why in d.excluded)),
        ]
        rows += [("Note", math.nan, n) for n in self.computation.notes]
        return summary_frame(rows)

    def to_frame(self) -> pd.DataFrame:
        """One row per study used (``used=True``) and per study left out (with its reason)."""
        d = self.data
        used = pd.DataFrame(
            {
                "label": list(d.labels),
                "median": d.medians,
                "ci_low": d.ci_low,
                "ci_high": d.ci_high,
                "yi": d.yi,
                "sei": d.sei,
                "weight": d.weights,
                "used": True,
                "reason": "",
            }
        )
        if not d.excluded:
            return used
        left = pd.DataFrame(
            {
                "label": [lab for lab, _ in d.excluded],
                "used": False,
                "reason": [why for _, why in d.excluded],
            }
        )
        return pd.concat([used, left], ignore_index=True)

    def excluded_frame(self) -> pd.DataFrame:
        """``label, reason`` for every study left out."""
        return pd.DataFrame(list(self.data.excluded), columns=["label", "reason"])


def _nan_ci(level: float) -> ConfidenceInterval:
    return ConfidenceInterval(math.nan, math.nan, level)


def _log_ci(ci: ConfidenceInterval) -> ConfidenceInterval:
    """The same interval on the log scale (NaN bounds stay NaN)."""
    return ConfidenceInterval(*(math.log(b) if b > 0 else math.nan for b in ci), ci.level)


def pool_log_medians(
    medians: Sequence[float] | np.ndarray,
    ci_low: Sequence[float] | np.ndarray,
    ci_high: Sequence[float] | np.ndarray,
    *,
    level: float = 0.95,
    method: str = "REML",
    ci_method: str = "z",
    pi_method: str = "metafor",
    labels: Sequence[str] | None = None,
    interval_kind: Sequence[str] | None = None,
    not_reached: Sequence[bool] | np.ndarray | None = None,
    include_unlabelled: bool = False,
) -> PooledMedian:
    r"""Inverse-variance pooling of log median survival times with SEs from reported 95% CIs.

    Parameters
    ----------
    medians, ci_low, ci_high : array_like
        Reported medians and interval bounds (months). NaN bounds mean "not reported" (or NE for
        an upper bound); a NaN median needs ``not_reached``.
    level : float, default 0.95
        Level of the pooled confidence and prediction intervals. The *study* intervals must be
        95% CIs whatever ``level`` is.
    method : {"REML", "DL", "PM", "ML", "HE", "SJ", "EB", "CE"}, default "REML"
        τ² estimator (``"CE"``: common effect, τ² = 0), as :func:`synthesis.meta.pool_effects`.
    ci_method : {"z", "t", "hksj", "hksj-adhoc"}, default "z"
        Interval of the pooled log median (metafor ``test=``; ``"hksj-adhoc"`` is never narrower
        than the Wald interval).
    pi_method : {"metafor", "z", "t(k-1)", "t(k-2)"}, default "metafor"
        Prediction-interval convention (see :func:`synthesis.meta.pool_effects`).
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
        Back-transformed with ``exp``; ``data.excluded`` lists each left-out study with its reason.
        With no usable study the estimate is NaN and a note says why (no exception: the caller
        shows the reasons). With one usable study the "pooled" value is that study (τ² = 0) and a
        note says that nothing was pooled.

    Notes
    -----
    ``y_i = log(median_i)`` and ``se_i = (log(hi_i) - log(lo_i)) / (2 · 1.959964)``; the pooling
    itself is :func:`synthesis.meta.pool_effects` (metafor ``rma.uni`` reproduced: τ², weights
    ``1 / (se_i² + τ²)``, z/t/HKSJ interval, prediction interval, Q, I² τ²-based as metafor and
    the Q-profile interval for τ²). Checked against metafor ``rma(yi, sei=sei, method=...)``
    (``tests/reference/survival_reference.json``).

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
    >>> r.k, r.data.excluded
    (2, (('S9', 'upper bound not estimable (NE)'),))
    >>> pool_log_medians([7.89, 3.5], [4.56, 2.5], [11.21, 4.8], ci_method="hksj-adhoc").fit.df
    1.0
    """
    check_choice("method", method, POOL_METHODS)
    check_choice("ci_method", ci_method, CI_METHODS)
    check_choice("pi_method", pi_method, PI_METHODS)
    lv = check_level(level)
    m = as_float_array("medians", medians)
    k_all = m.size
    if k_all == 0:
        raise ValueError("medians is empty: at least one study is needed.")
    lo = as_float_array("ci_low", ci_low, k_all)
    hi = as_float_array("ci_high", ci_high, k_all)
    lab = as_labels(labels, k_all)
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
    k = int(idx.size)
    nan = math.nan
    ci_label = f"{LABELS[ci_method]} ({lv:.0%})"

    if k == 0:
        notes.append("No study had a usable 95% CI: nothing was pooled.")
        empty = readonly(np.empty(0))
        return PooledMedian(
            data=MedianData(k=0, labels=(), medians=empty, ci_low=empty, ci_high=empty,
                            weights=empty, yi=empty, sei=empty, excluded=tuple(excluded)),
            fit=MedianFit(method=method, ci_method=ci_label, pi_method="", level=lv,
                          estimate=nan, estimate_log=nan, se_log=nan),
            heterogeneity=Heterogeneity(tau2=nan, i2=nan, i2_definition="tau2", h2=nan, q=nan,
                                        q_df=0, q_pvalue=nan),
            intervals=Intervals(*[_nan_ci(lv)] * 7),
            computation=PoolingComputation(notes=tuple(notes)),
        )

    # metafor's default threshold (1e-5) stops REML early; the reference uses 1e-12
    fit = pool_effects(y, se**2, method=method, ci_method=ci_method, pi_method=pi_method,
                       level=lv, control={"threshold": 1e-12, "maxiter": 1000})
    tau2 = fit.tau2
    if k == 1:
        tau2 = 0.0
        notes.append(
            "Only one usable study: nothing was pooled (the value is that study's median) and τ² "
            "cannot be estimated (set to 0)."
        )
        ci_label = f"{LABELS['z']} ({lv:.0%})"
    else:
        notes.extend(fit.notes)
    if 1 < k < 5 and method != "CE":
        notes.append(f"k = {k}: τ² is very imprecise with fewer than 5 studies.")
    nan_exp = lambda b: math.exp(b) if math.isfinite(b) else nan  # noqa: E731
    pi_t = ConfidenceInterval(fit.pi_low, fit.pi_high, lv)
    return PooledMedian(
        data=MedianData(
            k=k,
            labels=tuple(lab[i] for i in use),
            medians=readonly(m[idx]),
            ci_low=readonly(lo[idx]),
            ci_high=readonly(hi[idx]),
            weights=readonly(fit.weights),
            yi=readonly(y),
            sei=readonly(se),
            excluded=tuple(excluded),
        ),
        fit=MedianFit(
            method=method,
            ci_method=ci_label,
            pi_method=pi_method if math.isfinite(fit.pi_low) else "",
            level=lv,
            estimate=math.exp(fit.estimate),
            estimate_log=fit.estimate,
            se_log=fit.se,
            df=fit.df,
        ),
        heterogeneity=Heterogeneity(
            tau2=float(tau2), i2=fit.i2, i2_definition=fit.i2_definition, h2=fit.h2, q=fit.q,
            q_df=fit.q_df, q_pvalue=fit.q_pvalue, i2_tau2=fit.i2_tau2, i2_q=fit.i2_q,
        ),
        intervals=Intervals(
            ci=ConfidenceInterval(math.exp(fit.ci_low), math.exp(fit.ci_high), lv),
            pi=ConfidenceInterval(nan_exp(pi_t.low), nan_exp(pi_t.high), lv),
            tau2=ConfidenceInterval(fit.tau2_ci_low, fit.tau2_ci_high, lv),
            i2=ConfidenceInterval(fit.i2_ci_low, fit.i2_ci_high, lv),
            h2=ConfidenceInterval(fit.h2_ci_low, fit.h2_ci_high, lv),
            ci_t=ConfidenceInterval(fit.ci_low, fit.ci_high, lv),
            pi_t=pi_t,
        ),
        computation=PoolingComputation(converged=fit.converged, iterations=fit.iterations,
                                       notes=tuple(notes)),
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
        ``fit.method`` is ``"median of medians"`` or ``"n-weighted median of medians"``;
        ``fit.coverage`` is the exact coverage of the interval (≥ ``level``), NaN when ``k`` is too
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
    >>> r.estimate, r.ci.low, r.ci.high, round(r.fit.coverage, 4)
    (5.9, 3.5, 8.84, 0.9922)
    """
    lv = check_level(level)
    m = as_float_array("medians", medians)
    k = m.size
    if k == 0:
        raise ValueError("medians is empty: at least one study is needed.")
    for i in range(k):
        if not math.isfinite(m[i]) or m[i] <= 0:
            raise ValueError(f"medians[{i}] ({_fmt(m[i])}) must be a finite number > 0 months.")
    lab = as_labels(labels, k)
    notes: list[str] = []
    if weights is None:
        w = np.ones(k)
        est = float(np.median(m))
        method = "median of medians"
    else:
        w = as_float_array("weights", weights, k)
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
        cov = 1.0 - 2.0 * float(scipy.stats.binom.cdf(r - 1, k, 0.5))
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
    ci = ConfidenceInterval(lo_ci, hi_ci, lv)
    return PooledMedian(
        data=MedianData(k=k, labels=lab, medians=readonly(m), ci_low=empty, ci_high=empty,
                        weights=readonly(100.0 * w / np.sum(w)), yi=empty, sei=empty),
        fit=MedianFit(method=method, ci_method=ci_method, pi_method="", level=lv, estimate=est,
                      estimate_log=math.log(est), se_log=nan, coverage=cov_best),
        heterogeneity=Heterogeneity(tau2=nan, i2=nan, i2_definition="", h2=nan, q=nan, q_df=k - 1,
                                    q_pvalue=nan),
        intervals=Intervals(ci=ci, pi=_nan_ci(lv), tau2=_nan_ci(lv), i2=_nan_ci(lv), h2=_nan_ci(lv),
                            ci_t=_log_ci(ci), pi_t=_nan_ci(lv)),
        computation=PoolingComputation(notes=tuple(notes)),
    )


def headline_pool_method(results: Mapping[str, PooledMedian | None]) -> str | None:
    """The method whose pooled median a headline shows, or ``None`` when nothing can be pooled.

    Parameters
    ----------
    results : mapping of str to PooledMedian or None
        Every method's result on the same candidate studies (``None``: the method could use no
        study), in the order the methods are offered.

    Returns
    -------
    str or None
        The key of the result that uses the most studies; on a tie, an inverse-variance result
        (it uses the studies' precision) before a median of medians, then the first offered.
        ``None`` when no method uses at least :data:`MIN_STUDIES_TO_POOL` studies: a "pooled"
        value from one study is that study, not a synthesis.

    Examples
    --------
    >>> iv = pool_log_medians([7.89, 3.5, 4.0], [4.56, 2.5, 2.6], [11.21, 4.8, math.nan])
    >>> mom = median_of_medians([7.89, 3.5, 4.0])
    >>> headline_pool_method({"REML": iv, "median": mom})
    'median'
    >>> headline_pool_method({"REML": pool_log_medians([7.89], [4.56], [11.21]), "median": None})
    """
    best: str | None = None
    best_key: tuple[int, int, int] | None = None
    for pos, (name, res) in enumerate(results.items()):
        if res is None or res.k < MIN_STUDIES_TO_POOL or not math.isfinite(res.estimate):
            continue
        key = (res.k, int(res.fit.inverse_variance), -pos)
        if best_key is None or key > best_key:
            best, best_key = name, key
    return best
