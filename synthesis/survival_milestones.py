"""Pooling of Kaplan–Meier milestone rates (e.g. progression-free at 6 months) across studies.

:func:`pool_km_rates` pools Kaplan–Meier survival probabilities read at one time in several
studies. Each rate's standard error comes from its printed 95% CI (or is given, e.g. the
Greenwood SE of a curve reconstructed by :func:`synthesis.reconstruct_ipd`), on the
complementary log–log or logit scale, and the pooling is :func:`synthesis.meta.pool_effects`
(τ² estimators, z/t/HKSJ intervals, prediction interval). Crude proportions ("13 of 43 patients
progression-free at 6 months") estimate a different quantity under censoring and are never
pooled with Kaplan–Meier rates: pool them as proportions (:func:`synthesis.pool_proportions`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
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
from synthesis.vocabulary import CI_METHODS, LABELS, METHODS, PI_METHODS, check_choice

__all__ = ["RATE_SCALES", "PooledRate", "RateData", "RateFit", "pool_km_rates"]

#: Scales on which Kaplan–Meier rates are pooled.
RATE_SCALES: tuple[str, ...] = ("cloglog", "logit")
_Z95 = float(special.ndtri(0.975))  # = scipy.stats.norm.ppf(0.975), without importing scipy.stats


def _g(scale: str, s: np.ndarray | float) -> np.ndarray:
    s = np.asarray(s, dtype=float)
    return np.log(-np.log(s)) if scale == "cloglog" else np.log(s / (1.0 - s))


def _g_inv(scale: str, y: float) -> float:
    if not math.isfinite(y):
        return math.nan
    return math.exp(-math.exp(y)) if scale == "cloglog" else 1.0 / (1.0 + math.exp(-y))


def _g_prime(scale: str, s: np.ndarray) -> np.ndarray:
    return 1.0 / (s * np.log(s)) if scale == "cloglog" else 1.0 / (s * (1.0 - s))


@dataclass(frozen=True, slots=True)
class RateData:
    """The rates a pooled rate used (arrays read-only, one entry per study used) and those left
    out.

    ``time`` is the common time (months) the rates were read at; ``rates`` are proportions,
    ``ci_low``/``ci_high`` each study's 95% CI back-transformed from ``yi ± z·sei``; ``yi``/``sei``
    are on the pooling scale; ``se_source`` says where each SE came from (a printed 95% CI, or a
    given SE by the delta method); ``weights`` are percent; ``excluded`` is ``(label, reason)``
    for every study left out.
    """

    time: float
    k: int
    labels: tuple[str, ...]
    rates: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    yi: np.ndarray
    sei: np.ndarray
    se_source: tuple[str, ...]
    weights: np.ndarray
    excluded: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RateFit:
    """The choices and the pooled rate.

    ``scale`` is the pooling scale (``"cloglog"`` or ``"logit"``), ``method`` the τ² estimator,
    ``ci_method`` the pooled interval in words (``"Hartung–Knapp ... (95%)"``), ``pi_method`` the
    prediction-interval convention (``""`` when there is none). ``estimate`` is a proportion;
    ``estimate_t``/``se_t`` are on ``scale`` (on cloglog a larger value is a *lower* survival);
    ``df`` are the degrees of freedom of the pooled interval (``inf`` for z).
    """

    scale: str
    method: str
    ci_method: str
    pi_method: str
    level: float
    estimate: float
    estimate_t: float
    se_t: float
    df: float = math.inf


@dataclass(frozen=True, slots=True, repr=False)
class PooledRate(PooledShortcuts, ResultRepr):
    """A pooled Kaplan–Meier rate at one time, in five groups.

    ``estimate``, intervals and ``data.rates`` are proportions; the back-transformed intervals
    are ordered low to high survival (on the cloglog scale a larger value is a *lower* survival).

    Attributes
    ----------
    data : RateData
        ``time``, ``k``, ``labels``, ``rates``, the studies' ``ci_low``/``ci_high``, ``yi``,
        ``sei``, ``se_source``, ``weights`` (%) and the studies left out (``excluded``).
    fit : RateFit
        ``scale``, ``method``, ``ci_method``, ``pi_method``, ``level``, ``estimate``,
        ``estimate_t``, ``se_t``, ``df``.
    heterogeneity : ~synthesis.results.Heterogeneity
        τ² (on ``fit.scale``), I², H², Cochran's Q.
    intervals : ~synthesis.results.Intervals
        :class:`~synthesis.results.ConfidenceInterval` s: ``ci``, ``pi`` (proportions), ``ci_t``,
        ``pi_t`` (on ``fit.scale``); ``tau2``, ``i2``, ``h2`` have NaN bounds (no Q-profile
        interval is computed for rates).
    computation : ~synthesis.results.PoolingComputation
        ``converged``, ``iterations``, ``notes``.

    Seven shortcuts, as on :class:`~synthesis.results.PooledProportion`: ``estimate``, ``ci``,
    ``pi``, ``k``, ``labels``, ``tau2``, ``i2``.

    Examples
    --------
    >>> r = pool_km_rates([0.509, 0.762], [0.346, 0.60], [0.65, 0.968], time=6)
    >>> r.k, r.data.time, r.fit.scale, r.ci.level
    (2, 6.0, 'cloglog', 0.95)
    """

    data: RateData
    fit: RateFit
    heterogeneity: Heterogeneity
    intervals: Intervals
    computation: PoolingComputation = field(default_factory=PoolingComputation)

    def _title(self) -> str:
        f = self.fit
        return (f"PooledRate({f.method}, {f.scale}; time={self.data.time:g}, k={self.k}, "
                f"{len(self.data.excluded)} left out)")

    def method_label(self) -> str:
        f = self.fit
        return (f"{LABELS.get(f.method, f.method)} on the {f.scale} scale; SE from the "
                f"printed 95% CIs; {f.ci_method}")

    def summary(self) -> pd.DataFrame:
        """One row per pooled quantity: ``quantity, value, ci_low, ci_high, note``."""
        f, h, iv, d = self.fit, self.heterogeneity, self.intervals, self.data
        rows = [
            (f"Pooled rate at {d.time:g} months", f.estimate, *iv.ci,
             f"{f.level:.0%} CI; {self.method_label()}"),
            ("Prediction interval", math.nan, *iv.pi,
             f"{LABELS.get(f.pi_method, f.pi_method)}, on the {f.scale} scale"
             if math.isfinite(iv.pi.low) else "not applicable"),
            (f"tau² ({f.scale} scale)", h.tau2, ""),
            ("I² (%)", h.i2, LABELS.get(h.i2_definition, "")),
            ("Q", h.q, f"df = {h.q_df}, p = {h.q_pvalue:.4g}" if math.isfinite(h.q_pvalue) else ""),
            ("Studies used (k)", float(d.k), ", ".join(d.labels)),
            ("Studies left out", float(len(d.excluded)),
             "; ".join(f"{lab}: {why}" for lab, why in d.excluded)),
        ]
        rows += [("Note", math.nan, n) for n in self.computation.notes]
        return summary_frame(rows)

    def to_frame(self) -> pd.DataFrame:
        """One row per study used and per study left out (with its reason)."""
        d = self.data
        used = pd.DataFrame({"label": list(d.labels), "rate": d.rates, "ci_low": d.ci_low,
                             "ci_high": d.ci_high, "yi": d.yi, "sei": d.sei,
                             "se_from": list(d.se_source), "weight": d.weights, "used": True,
                             "reason": ""})
        left = pd.DataFrame({"label": [lab for lab, _ in d.excluded], "used": False,
                             "reason": [why for _, why in d.excluded]})
        return pd.concat([used, left], ignore_index=True) if len(left) else used


def pool_km_rates(
    rates: Sequence[float] | np.ndarray,
    ci_low: Sequence[float] | np.ndarray | None = None,
    ci_high: Sequence[float] | np.ndarray | None = None,
    *,
    se: Sequence[float] | np.ndarray | None = None,
    time: float = math.nan,
    scale: str = "cloglog",
    method: str = "REML",
    ci_method: str = "hksj-adhoc",
    pi_method: str = "metafor",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> PooledRate:
    r"""Pool Kaplan–Meier survival probabilities at one time by inverse variance.

    Parameters
    ----------
    rates : array_like
        Kaplan–Meier survival at ``time`` per study, as proportions in (0, 1).
    ci_low, ci_high : array_like, optional
        Printed 95% CI bounds (proportions; NaN when not printed).
    se : array_like, optional
        Standard error of the rate on the probability scale (e.g. the Greenwood SE of a
        reconstructed curve), used where no CI is printed.
    time : float
        The common time (for labels only).
    scale : {"cloglog", "logit"}, default "cloglog"
        Scale of pooling. cloglog ``log(−log S)`` is the scale of the log–log KM interval; logit
        is symmetric in S and 1 − S.
    method, ci_method, pi_method, level
        As :func:`synthesis.meta.pool_effects` (default REML with the ad hoc HKSJ interval, never
        narrower than Wald, and the prediction interval on t(k − 1)).
    labels : sequence of str, optional

    Returns
    -------
    PooledRate
        ``data.excluded`` lists each left-out study with its reason; with no usable study the
        estimate is NaN and a note says why.

    Notes
    -----
    The SE on the pooling scale is ``|g(hi) − g(lo)| / (2 · 1.959964)`` from a printed CI (exact
    for an interval symmetric on that scale, an approximation otherwise), or ``|g'(S)| · SE(S)``
    (delta method) from a given SE. Rates of 0 or 1 have no finite transform and are left out.

    References
    ----------
    .. [1] Combescure C, Foucher Y, Jackson D. Meta-analysis of single-arm survival studies.
       *Stat Med* 2014;33:2521–2537 (pooling survival at fixed times).
    .. [2] Borgan Ø, Liestøl K. A note on confidence intervals and bands for the survival function
       based on transformations. *Scand J Stat* 1990;17:35–41.

    Examples
    --------
    >>> r = pool_km_rates([0.509, 0.762], [0.346, 0.60], [0.65, 0.968], time=6)
    >>> r.k, 0.5 < r.estimate < 0.8
    (2, True)
    """
    check_choice("scale", scale, RATE_SCALES)
    check_choice("method", method, tuple(m for m in METHODS if m != "GLMM"))
    check_choice("ci_method", ci_method, CI_METHODS)
    check_choice("pi_method", pi_method, PI_METHODS)
    lv = check_level(level)
    r = as_float_array("rates", rates)
    k_all = r.size
    if k_all == 0:
        raise ValueError("rates is empty: at least one study is needed.")
    nan_k = np.full(k_all, math.nan)
    lo = nan_k if ci_low is None else as_float_array("ci_low", ci_low, k_all)
    hi = nan_k if ci_high is None else as_float_array("ci_high", ci_high, k_all)
    sg = nan_k if se is None else as_float_array("se", se, k_all)
    lab = as_labels(labels, k_all)
    use: list[int] = []
    yi: list[float] = []
    sei: list[float] = []
    src: list[str] = []
    excluded: list[tuple[str, str]] = []
    for i in range(k_all):
        s = r[i]
        if not math.isfinite(s):
            excluded.append((lab[i], "no rate"))
            continue
        if not 0.0 < s < 1.0:
            excluded.append((lab[i], f"a rate of {s:.0%} has no finite {scale}"))
            continue
        if math.isfinite(lo[i]) and math.isfinite(hi[i]):
            if not (0.0 < lo[i] <= s <= hi[i] < 1.0):
                excluded.append((lab[i], f"CI {lo[i]:.1%}–{hi[i]:.1%} does not bracket {s:.1%} "
                                 f"inside (0, 1): no {scale} SE"))
                continue
            g = _g(scale, np.array([lo[i], hi[i]]))
            se_i = abs(float(g[1] - g[0])) / (2.0 * _Z95)
            how = "printed 95% CI"
        elif math.isfinite(sg[i]) and sg[i] > 0:
            se_i = abs(float(_g_prime(scale, np.array([s]))[0])) * sg[i]
            how = "given SE (delta method)"
        else:
            excluded.append((lab[i], "no 95% CI printed and no SE (e.g. from a reconstructed curve)"))
            continue
        if not se_i > 0:
            excluded.append((lab[i], "zero-width interval: no SE"))
            continue
        use.append(i)
        yi.append(float(_g(scale, s)))
        sei.append(se_i)
        src.append(how)
    notes: list[str] = []
    k = len(use)
    ci_label = f"{LABELS[ci_method]} ({lv:.0%})"
    nan = math.nan
    if k == 0:
        notes.append("No study had a usable rate with a 95% CI or SE: nothing was pooled.")
        empty = readonly(np.empty(0))
        nan_ci = ConfidenceInterval(nan, nan, lv)
        return PooledRate(
            data=RateData(time=float(time), k=0, labels=(), rates=empty, ci_low=empty,
                          ci_high=empty, yi=empty, sei=empty, se_source=(), weights=empty,
                          excluded=tuple(excluded)),
            fit=RateFit(scale=scale, method=method, ci_method=ci_label, pi_method="", level=lv,
                        estimate=nan, estimate_t=nan, se_t=nan),
            heterogeneity=Heterogeneity(tau2=nan, i2=nan, i2_definition="tau2", h2=nan, q=nan,
                                        q_df=0, q_pvalue=nan),
            intervals=Intervals(*[nan_ci] * 7),
            computation=PoolingComputation(notes=tuple(notes)),
        )
    y = np.array(yi)
    s_e = np.array(sei)
    fit = pool_effects(y, s_e**2, method=method, ci_method=ci_method, pi_method=pi_method, level=lv,
                       tau2_ci=False)
    notes.extend(fit.notes)
    if k == 1:
        notes.append("Only one usable study: nothing was pooled (the value is that study's rate).")
        ci_label = f"{LABELS['z']} ({lv:.0%})"  # one study: its own Wald z interval
    elif k < 5:
        notes.append(f"k = {k}: τ² is very imprecise with fewer than 5 studies"
                     + ("; the t interval has only 1 degree of freedom (t = 12.7), so it spans "
                        "almost every rate." if k == 2 and ci_method != "z" else "."))

    def back(a: float, b: float) -> tuple[float, float]:
        x, z = _g_inv(scale, a), _g_inv(scale, b)
        return (min(x, z), max(x, z)) if math.isfinite(x) and math.isfinite(z) else (nan, nan)

    study = [back(a - _Z95 * b, a + _Z95 * b) for a, b in zip(y, s_e, strict=True)]
    ci = back(fit.ci_low, fit.ci_high)
    pi = back(fit.pi_low, fit.pi_high)
    return PooledRate(
        data=RateData(
            time=float(time), k=k, labels=tuple(lab[i] for i in use), rates=readonly(r[use]),
            ci_low=readonly(np.array([a for a, _ in study])),
            ci_high=readonly(np.array([b for _, b in study])),
            yi=readonly(y), sei=readonly(s_e), se_source=tuple(src), weights=readonly(fit.weights),
            excluded=tuple(excluded),
        ),
        fit=RateFit(scale=scale, method=method, ci_method=ci_label,
                    pi_method=pi_method if math.isfinite(fit.pi_low) else "", level=lv,
                    estimate=_g_inv(scale, fit.estimate), estimate_t=fit.estimate, se_t=fit.se,
                    df=fit.df),
        heterogeneity=Heterogeneity(
            tau2=0.0 if k == 1 else fit.tau2, i2=fit.i2, i2_definition=fit.i2_definition,
            h2=fit.h2, q=fit.q, q_df=fit.q_df, q_pvalue=fit.q_pvalue, i2_tau2=fit.i2_tau2,
            i2_q=fit.i2_q,
        ),
        intervals=Intervals(
            ci=ConfidenceInterval(*ci, lv), pi=ConfidenceInterval(*pi, lv),
            tau2=ConfidenceInterval(fit.tau2_ci_low, fit.tau2_ci_high, lv),
            i2=ConfidenceInterval(fit.i2_ci_low, fit.i2_ci_high, lv),
            h2=ConfidenceInterval(fit.h2_ci_low, fit.h2_ci_high, lv),
            ci_t=ConfidenceInterval(fit.ci_low, fit.ci_high, lv),
            pi_t=ConfidenceInterval(fit.pi_low, fit.pi_high, lv),
        ),
        computation=PoolingComputation(converged=fit.converged, iterations=fit.iterations,
                                       notes=tuple(notes)),
    )
