"""Side-by-side comparison of the main pooling models, with plain-language warnings.

With few studies the pooled proportion depends on the model (one-step GLMM vs two-step inverse
variance, tau² estimator, CI method, transformation, prior). This module runs the usual candidates
on the same data and says when they disagree, when k is too small for reliable intervals, and when
the data are in the region where two-step and one-step methods are known to diverge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthesis.bayes import BayesianPooledProportion, bayes_pool
from synthesis.meta import pool_proportions
from synthesis.results import PooledProportion, ResultRepr, summary_frame
from synthesis.validation import as_counts, check_level

__all__ = ["MODELS", "AgreementResult", "method_agreement"]

#: name -> (kind, keyword arguments)
MODELS: dict[str, tuple[str, dict]] = {
    "GLMM (ML), z": ("glmm", {"ci_method": "z"}),
    "IV logit REML, z": ("iv", {"transform": "logit", "method": "REML", "ci_method": "z"}),
    "IV logit REML, HKSJ": ("iv", {"transform": "logit", "method": "REML", "ci_method": "hksj"}),
    "IV logit PM, HKSJ ad hoc": ("iv", {"transform": "logit", "method": "PM",
                                        "ci_method": "hksj-adhoc"}),
    "IV logit DL, z": ("iv", {"transform": "logit", "method": "DL", "ci_method": "z"}),
    "IV Freeman–Tukey REML, z": ("iv", {"transform": "freeman-tukey", "method": "REML",
                                        "ci_method": "z"}),
    "Bayes HN(0.5)": ("bayes", {"tau_prior_scale": 0.5}),
    "Bayes HN(1.0)": ("bayes", {"tau_prior_scale": 1.0}),
}

SPREAD_WARN_PP = 5.0  # percentage points
WIDTH_RATIO_WARN = 2.0


@dataclass(frozen=True, slots=True, repr=False)
class AgreementResult(ResultRepr):
    """Estimates of several models on the same data, their spread and warnings."""

    level: float
    k: int
    total_events: int
    total_n: int
    models: tuple[str, ...]
    results: tuple[PooledProportion | BayesianPooledProportion, ...]  # per model
    spread_pp: float  # max − min of the point estimates, percentage points
    ci_overlap: bool  # every pair of intervals overlaps
    width_ratio: float  # widest / narrowest interval (proportion scale)
    warnings: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per model: estimate, CI, PI, tau² (Bayes: squared posterior median of tau;
        on the scale named in ``tau2_scale``), I², interval type and fallback."""
        rows = []
        for name, r in zip(self.models, self.results, strict=True):
            bayes = isinstance(r, BayesianPooledProportion)
            rows.append({
                "model": name,
                "estimate": r.estimate,
                "ci_low": r.ci.low,
                "ci_high": r.ci.high,
                "pi_low": r.pi.low,
                "pi_high": r.pi.high,
                "tau2": r.posterior.tau_median**2 if bayes else r.tau2,
                "tau2_scale": "logit" if bayes else r.fit.transform,
                "i2": math.nan if bayes else r.i2,
                "interval": f"credible ({r.posterior.interval})" if bayes else f"{r.fit.ci_method} CI",
                "converged": True if bayes else r.computation.converged,
                "fallback": None if bayes else r.computation.fallback,
            })
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """Spread, overlap and every warning as rows."""
        rows = [("Spread of estimates (percentage points)", self.spread_pp, ""),
                ("All intervals overlap", float(self.ci_overlap), "1 = yes, 0 = no"),
                ("Widest / narrowest interval", self.width_ratio, "")]
        rows += [("Warning", math.nan, w) for w in self.warnings]
        return summary_frame(rows)


def _run(kind, kw, x, n, level):
    if kind == "glmm":
        return pool_proportions(x, n, method="GLMM", level=level, **kw)
    if kind == "bayes":
        return bayes_pool(x, n, level=level, **kw)
    return pool_proportions(x, n, level=level, **kw)


def method_agreement(events, totals, *, level: float = 0.95,
                     models: Sequence[str] | None = None,
                     spread_warn_pp: float = SPREAD_WARN_PP) -> AgreementResult:
    """Run the main pooling models side by side and report how much they disagree.

    Parameters
    ----------
    events, totals : array_like of int
    level : float
        Interval level for every model.
    models : sequence of str, optional
        Names from :data:`MODELS` (default: all): the GLMM; IV logit REML with z and HKSJ CIs;
        IV logit PM with ad hoc HKSJ; IV logit DL; Freeman–Tukey REML; Bayesian half-normal
        priors 0.5 and 1.0.
    spread_warn_pp : float
        Warn when the estimates span more than this many percentage points.

    Returns
    -------
    AgreementResult

    Notes
    -----
    Warnings are issued when: the spread exceeds ``spread_warn_pp``; intervals do not overlap
    or the widest is more than twice the narrowest; k < 5 (Bender et al. 2018: prediction
    intervals unreliable, consider a qualitative synthesis); the data fall where two-step and
    one-step methods diverge (Lin, Xu & Chu 2022: total n < 50, crude rate 10–20 % or
    90–95 %, fewer than 10 events); a GLMM fell back to the IV model.

    References
    ----------
    .. [1] Bender R, Friede T, Koch A, et al. (2018). Methods for evidence synthesis in the case
       of very few studies. Res Synth Methods 9:382–392. doi:10.1002/jrsm.1297
    .. [2] Lin L, Xu C, Chu H (2022). Empirical comparisons of 12 meta-analysis methods for
       synthesizing proportions of binary outcomes. J Gen Intern Med 37:308–317.
    .. [3] Schulz A, Schürmann C, Skipka G, Bender R (2022). Performing meta-analyses with very
       few studies. Methods Mol Biol 2345:91–102.

    Examples
    --------
    >>> res = method_agreement([4, 3, 2, 1], [10, 20, 30, 40], models=["IV logit REML, z",
    ...                        "IV logit DL, z"])
    >>> res.models
    ('IV logit REML, z', 'IV logit DL, z')
    """
    x, n = as_counts(events, totals)
    level = check_level(level)
    names = tuple(MODELS) if models is None else tuple(models)
    for m in names:
        if m not in MODELS:
            raise ValueError(f"models entry ({m!r}) must be one of {', '.join(map(repr, MODELS))}.")
    if not names:
        raise ValueError("models must name at least one model.")
    results = []
    warnings: list[str] = []
    for m in names:
        kind, kw = MODELS[m]
        r = _run(kind, kw, x, n, level)
        results.append(r)
        if isinstance(r, PooledProportion) and r.computation.fallback:
            warnings.append(f"{m}: {r.computation.fallback}.")
    est = np.array([r.estimate for r in results], float)
    lo = np.array([r.ci.low for r in results], float)
    hi = np.array([r.ci.high for r in results], float)
    spread = float(100 * (np.nanmax(est) - np.nanmin(est)))
    overlap = bool(np.nanmax(lo) <= np.nanmin(hi))
    widths = hi - lo
    ratio = float(np.nanmax(widths) / np.nanmin(widths)) if np.nanmin(widths) > 0 else math.inf
    k = x.size
    if spread > spread_warn_pp:
        warnings.append(
            f"The models disagree: pooled estimates span {spread:.1f} percentage points "
            f"({100 * np.nanmin(est):.1f}% to {100 * np.nanmax(est):.1f}%). Report the "
            "primary model and show the others as sensitivity analyses (Schulz et al. 2022)."
        )
    if not overlap or ratio > WIDTH_RATIO_WARN:
        warnings.append(
            "The intervals disagree materially "
            + ("(some do not overlap)" if not overlap else f"(widest is {ratio:.1f}× the narrowest)")
            + ": the uncertainty depends on the method."
        )
    if k < 5:
        warnings.append(
            f"Very few studies (k = {k}): prediction intervals and tau² are unreliable; "
            "consider a qualitative synthesis (Bender et al. 2018)."
        )
    total_n, total_x = int(n.sum()), int(x.sum())
    rate = total_x / total_n
    reasons = []
    if total_n < 50:
        reasons.append(f"total n = {total_n} < 50")
    if 0.10 <= rate <= 0.20 or 0.90 <= rate <= 0.95:
        reasons.append(f"crude rate {100 * rate:.1f}% (in 10–20 % or 90–95 %)")
    if total_x < 10:
        reasons.append(f"{total_x} events < 10")
    if reasons:
        warnings.append(
            "Two-step (inverse-variance) and one-step (GLMM) results are likely to diverge here ("
            + "; ".join(reasons) + "); prefer the GLMM (Lin, Xu & Chu 2022)."
        )
    return AgreementResult(level=level, k=k, total_events=total_x, total_n=total_n, models=names,
                           results=tuple(results), spread_pp=spread, ci_overlap=overlap,
                           width_ratio=ratio, warnings=tuple(warnings))
