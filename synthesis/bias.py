"""Small-study (funnel-plot asymmetry) tests: Egger-type regression and Begg's rank correlation.

Both tests have low power with few studies; below 10 studies the results carry
``reliable=False`` and a caution message (meta's ``k.min = 10``; Sterne et al. 2011).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis.metareg import fit_mixed_effects
from synthesis.results import ResultRepr, summary_frame
from synthesis.transforms import transform_proportions
from synthesis.validation import as_counts
from synthesis.vocabulary import Transform, check_choice

__all__ = ["SmallStudyTest", "begg_test", "egger_test"]

MIN_K = 10
CAUTION = ("fewer than 10 studies: test has low power; interpret with caution / not recommended "
           "(Sterne et al. 2011; meta k.min = 10).")


@dataclass(frozen=True, slots=True, repr=False)
class SmallStudyTest(ResultRepr):
    """Result of a funnel-plot asymmetry test."""

    test: str
    model: str
    transform: str
    k: int
    statistic: float
    df: float  # inf for z
    pvalue: float
    estimate: float  # Egger: slope on SE (bias); Begg: Kendall's tau
    se: float
    limit_estimate: float  # Egger: intercept = estimate as SE -> 0 (transformed scale); NaN for Begg
    reliable: bool
    message: str

    def summary(self) -> pd.DataFrame:
        """``quantity, value, ci_low, ci_high, note`` rows: statistic, p-value, estimate, k."""
        return summary_frame([
            ("statistic", self.statistic, f"{self.test}; df = {self.df:g}" if math.isfinite(self.df) else self.test),
            ("p-value", self.pvalue, self.message if not self.reliable else ""),
            ("estimate", self.estimate, f"SE {self.se:.4g}" if math.isfinite(self.se) else ""),
            ("studies (k)", float(self.k), self.model),
        ])

    def to_frame(self) -> pd.DataFrame:
        """The test as one row (every field)."""
        return pd.DataFrame([{"test": self.test, "model": self.model, "k": self.k,
                              "statistic": self.statistic, "df": self.df, "pvalue": self.pvalue,
                              "estimate": self.estimate, "se": self.se,
                              "reliable": self.reliable, "message": self.message}])


def _effects(events, totals, transform, add, to):
    x, n = as_counts(events, totals)
    tp = transform_proportions(x, n, transform, add=add, to=to)
    return np.asarray(tp.yi, float), np.asarray(tp.vi, float)


def _reliability(k: int) -> tuple[bool, str]:
    if k < MIN_K:
        return False, f"k = {k}: {CAUTION}"
    return True, ""


def egger_test(
    events,
    totals,
    *,
    model: Literal["rma", "lm"] = "rma",
    transform: Transform = "logit",
    add: float = 0.5,
    to: str = "only0",
) -> SmallStudyTest:
    """Egger-type regression test for funnel-plot asymmetry, with the SE as predictor.

    Parameters
    ----------
    events, totals : array_like of int
    model : {"rma", "lm"}
        ``"rma"`` (metafor ``regtest`` default): mixed-effects model ``yi ~ sei`` with REML tau²,
        z test of the slope. ``"lm"``: classical Egger test (meta ``metabias(method="linreg")``,
        metafor ``regtest(model="lm")``): weighted least squares with weights 1/vi and a
        multiplicative dispersion, t test with k − 2 df.
    transform, add, to
        Scale of the study estimates (as in :func:`synthesis.meta.pool_proportions`).

    Returns
    -------
    SmallStudyTest
        ``estimate`` is the slope on the SE (Egger's "bias"), ``limit_estimate`` the intercept.

    References
    ----------
    .. [1] Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis detected by
       a simple, graphical test. BMJ 315:629–634.
    .. [2] Sterne JAC et al. (2011). Recommendations for examining and interpreting funnel plot
       asymmetry in meta-analyses of randomised controlled trials. BMJ 343:d4002.

    Examples
    --------
    >>> r = egger_test([4, 3, 2, 1], [10, 20, 30, 40])
    >>> r.reliable
    False
    """
    check_choice("model", model, ("rma", "lm"))
    y, v = _effects(events, totals, transform, add, to)
    k = y.size
    if k < 3:
        raise ValueError(f"Egger's test needs at least 3 studies (k = {k}).")
    sei = np.sqrt(v)
    X = np.column_stack([np.ones(k), sei])
    if model == "rma":
        fit = fit_mixed_effects(y, v, X, ("intercept", "sei"), ci_method="z", transform=transform)
        stat, p, b, se, lim, df = (float(fit.statistic[1]), float(fit.pvalue[1]),
                                   float(fit.coef[1]), float(fit.se[1]), float(fit.coef[0]),
                                   math.inf)
    else:
        w = 1.0 / v
        XtW = X.T * w
        cov = np.linalg.inv(XtW @ X)
        beta = cov @ XtW @ y
        res = y - X @ beta
        df = float(k - 2)
        s2 = float(np.sum(w * res**2) / df)
        se_all = np.sqrt(np.diag(cov) * s2)
        b, se, lim = float(beta[1]), float(se_all[1]), float(beta[0])
        stat = b / se
        p = float(2 * scipy.stats.t.sf(abs(stat), df))
    ok, msg = _reliability(k)
    return SmallStudyTest(test="Egger", model=model, transform=transform, k=k, statistic=stat,
                          df=df, pvalue=p, estimate=b, se=se, limit_estimate=lim, reliable=ok,
                          message=msg)


def begg_test(events, totals, *, transform: Transform = "logit", add: float = 0.5,
              to: str = "only0") -> SmallStudyTest:
    """Begg & Mazumdar rank correlation test (metafor ``ranktest``).

    Kendall's tau between the standardised deviates ``(yi − b)/sqrt(vi − vb)`` (b, vb from the
    common-effect model) and the variances ``vi``. The p-value is exact without ties and k < 50,
    otherwise the normal approximation with the tie-corrected variance (R ``cor.test``).

    References
    ----------
    .. [1] Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test for
       publication bias. Biometrics 50:1088–1101.

    Examples
    --------
    >>> round(begg_test([4, 3, 2, 1], [10, 20, 30, 40]).estimate, 4)
    -0.6667
    """
    y, v = _effects(events, totals, transform, add, to)
    k = y.size
    if k < 3:
        raise ValueError(f"Begg's test needs at least 3 studies (k = {k}).")
    w = 1.0 / v
    b = float(np.sum(w * y) / np.sum(w))
    vb = 1.0 / float(np.sum(w))
    ystar = (y - b) / np.sqrt(v - vb)
    ties = len(np.unique(ystar)) < k or len(np.unique(v)) < k
    method = "asymptotic" if (ties or k >= 50) else "exact"
    res = scipy.stats.kendalltau(ystar, v, method=method)
    ok, msg = _reliability(k)
    return SmallStudyTest(test="Begg", model="rank correlation", transform=transform, k=k,
                          statistic=float(res.statistic), df=math.inf, pvalue=float(res.pvalue),
                          estimate=float(res.statistic), se=math.nan, limit_estimate=math.nan,
                          reliable=ok, message=msg)
