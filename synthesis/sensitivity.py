"""Sensitivity analyses: leave-one-out, cumulative meta-analysis, influence diagnostics, Baujat.

Leave-one-out and cumulative analyses refit :func:`synthesis.meta.pool_proportions` (any model,
including the GLMM) on subsets; influence diagnostics follow metafor ``influence.rma.uni`` and
``baujat`` for inverse-variance models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis.meta import pool_effects, pool_proportions
from synthesis.results import ResultRepr, summary_frame
from synthesis.transforms import transform_proportions
from synthesis.validation import as_counts

__all__ = ["InfluenceResult", "cumulative", "influence", "leave_one_out"]

_COLUMNS = ["label", "k", "estimate", "ci_low", "ci_high", "pi_low", "pi_high", "estimate_t",
            "se_t", "statistic", "pvalue", "ci_low_t", "ci_high_t", "tau2", "i2", "h2", "q",
            "q_pvalue", "method", "fallback"]


def _labels(labels, k):
    if labels is None:
        return [f"Study {i + 1}" for i in range(k)]
    labels = [str(s) for s in labels]
    if len(labels) != k:
        raise ValueError(f"labels must have {k} entries (got {len(labels)}).")
    return labels


def _row(label, r):
    f, h = r.fit, r.heterogeneity
    return {"label": label, "k": r.k, "estimate": r.estimate, "ci_low": r.ci.low,
            "ci_high": r.ci.high, "pi_low": r.pi.low, "pi_high": r.pi.high,
            "estimate_t": f.estimate_t, "se_t": f.se_t, "statistic": f.statistic,
            "pvalue": f.pvalue, "ci_low_t": r.intervals.ci_t.low, "ci_high_t": r.intervals.ci_t.high,
            "tau2": r.tau2, "i2": r.i2, "h2": h.h2, "q": h.q, "q_pvalue": h.q_pvalue,
            "method": f.method, "fallback": r.computation.fallback}


def leave_one_out(events, totals, *, labels=None, **pool_kwargs) -> pd.DataFrame:
    """Refit the model k times, each time omitting one study (metafor ``leave1out``).

    Parameters
    ----------
    events, totals : array_like of int
    labels : sequence of str, optional
    **pool_kwargs
        Passed to :func:`synthesis.meta.pool_proportions`.

    Returns
    -------
    pandas.DataFrame
        One row per omitted study (``label`` names the omitted study): pooled estimate and CI/PI
        on both scales, tau², I², H², Q.

    References
    ----------
    .. [1] Viechtbauer W, Cheung MWL (2010). Outlier and influence diagnostics for meta-analysis.
       Res Synth Methods 1:112–125.

    Examples
    --------
    >>> leave_one_out([4, 3, 2, 1], [10, 20, 30, 40]).shape[0]
    4
    """
    x, n = as_counts(events, totals)
    labs = _labels(labels, x.size)
    if x.size < 2:
        raise ValueError("leave-one-out needs at least 2 studies.")
    rows = []
    for i in range(x.size):
        keep = np.arange(x.size) != i
        r = pool_proportions(x[keep], n[keep], **pool_kwargs)
        rows.append(_row(labs[i], r))
    return pd.DataFrame(rows, columns=_COLUMNS)


def cumulative(events, totals, order=None, *, labels=None, **pool_kwargs) -> pd.DataFrame:
    """Cumulative meta-analysis: add studies one at a time in ``order`` (metafor ``cumul``).

    Parameters
    ----------
    events, totals : array_like of int
    order : sequence of int, optional
        Indices of the studies in the order in which they are added (e.g. by publication year);
        default: the given order.
    labels : sequence of str, optional
    **pool_kwargs
        Passed to :func:`synthesis.meta.pool_proportions`.

    Returns
    -------
    pandas.DataFrame
        Row j is the analysis of the first j + 1 studies; ``label`` names the study added.

    Examples
    --------
    >>> cumulative([4, 3, 2, 1], [10, 20, 30, 40], order=[3, 2, 1, 0])["k"].tolist()
    [1, 2, 3, 4]
    """
    x, n = as_counts(events, totals)
    labs = _labels(labels, x.size)
    idx = np.arange(x.size) if order is None else np.asarray(order, dtype=int)
    if sorted(idx.tolist()) != list(range(x.size)):
        raise ValueError(f"order must be a permutation of 0..{x.size - 1}.")
    rows = []
    for j in range(1, x.size + 1):
        sel = idx[:j]
        r = pool_proportions(x[sel], n[sel], **pool_kwargs)
        rows.append(_row(labs[idx[j - 1]], r))
    return pd.DataFrame(rows, columns=_COLUMNS)


@dataclass(frozen=True, slots=True, repr=False)
class InfluenceResult(ResultRepr):
    """metafor ``influence()`` diagnostics and Baujat coordinates, one row per study."""

    labels: tuple[str, ...]
    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    qe_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    dfbetas: np.ndarray
    influential: np.ndarray
    baujat_x: np.ndarray
    baujat_y: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"label": list(self.labels), "rstudent": self.rstudent,
                             "dffits": self.dffits, "cook_d": self.cook_d, "cov_r": self.cov_r,
                             "tau2_del": self.tau2_del, "qe_del": self.qe_del, "hat": self.hat,
                             "weight": self.weight, "dfbetas": self.dfbetas,
                             "influential": self.influential, "baujat_x": self.baujat_x,
                             "baujat_y": self.baujat_y})

    def summary(self) -> pd.DataFrame:
        """One row per study flagged as influential (metafor's criteria); empty when none."""
        f = self.to_frame()
        f = f[f["influential"]]
        return summary_frame([(f"influential: {lab}", cook, f"rstudent {rs:.3g}; DFFITS {dff:.3g}; Cook's D")
                              for lab, cook, rs, dff in zip(f["label"], f["cook_d"], f["rstudent"],
                                                            f["dffits"], strict=True)])

    def influential_frame(self) -> pd.DataFrame:
        """Every diagnostic of the studies flagged as influential."""
        f = self.to_frame()
        return f[f["influential"]].reset_index(drop=True)


def influence(events, totals, *, transform="logit", method="REML", ci_method="z", add=0.5,
              to="only0", labels=None) -> InfluenceResult:
    """Case-deletion diagnostics of an inverse-variance model (metafor ``influence``, ``baujat``).

    Parameters
    ----------
    events, totals : array_like of int
    transform, method, ci_method, add, to
        As in :func:`synthesis.meta.pool_proportions` (``method="GLMM"`` is not supported).
    labels : sequence of str, optional

    Returns
    -------
    InfluenceResult
        Externally standardised residuals, DFFITS, Cook's distance, covariance ratio, tau² and QE
        after deletion, hat values, weights (%), DFBETAS, metafor's "influential" flag
        (|DFFITS| > 3√(p/(k−p)), P(χ²₁ ≤ Cook) > 0.5, hat > 3p/k or |DFBETAS| > 1) and the Baujat
        coordinates (x: contribution to Q; y: influence on the pooled estimate).

    References
    ----------
    .. [1] Viechtbauer W, Cheung MWL (2010). Res Synth Methods 1:112–125.
    .. [2] Baujat B, Mahé C, Pignon JP, Hill C (2002). A graphical method for exploring
       heterogeneity in meta-analyses. Stat Med 21:2641–2652.

    Examples
    --------
    >>> inf = influence([4, 3, 2, 1, 9], [10, 20, 30, 40, 12])
    >>> len(inf.hat)
    5
    """
    if method == "GLMM":
        raise ValueError("influence diagnostics need an inverse-variance model (method != 'GLMM').")
    x, n = as_counts(events, totals)
    k = x.size
    if k < 3:
        raise ValueError("influence diagnostics need at least 3 studies.")
    labs = tuple(_labels(labels, k))
    tp = transform_proportions(x, n, transform, add=add, to=to)
    y, v = np.asarray(tp.yi, float), np.asarray(tp.vi, float)
    full = pool_effects(y, v, method=method, ci_method=ci_method, tau2_ci=False)
    beta, vb, tau2 = full.estimate, full.se**2, full.tau2
    w = 1.0 / (v + tau2)
    hat = w / w.sum()
    out = {name: np.full(k, np.nan) for name in
           ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "dfbetas", "by")}
    for i in range(k):
        keep = np.arange(k) != i
        r = pool_effects(y[keep], v[keep], method=method, ci_method=ci_method, tau2_ci=False)
        s2w = r.s2w if math.isfinite(r.s2w) else 1.0
        vb_i = r.se**2
        out["tau2_del"][i] = r.tau2
        out["qe_del"][i] = r.q
        out["dffits"][i] = (beta - r.estimate) / math.sqrt(s2w * hat[i] * (r.tau2 + v[i]))
        vb_del = 1.0 / np.sum(1.0 / (v + r.tau2))
        out["dfbetas"][i] = (beta - r.estimate) / math.sqrt(s2w * vb_del)
        out["cook_d"][i] = (beta - r.estimate) ** 2 / vb
        out["cov_r"][i] = vb_i / vb
        out["rstudent"][i] = (y[i] - r.estimate) / math.sqrt(v[i] * s2w + vb_i + r.tau2 * s2w)
        out["by"][i] = (r.estimate - beta) ** 2 / vb_i
    p = 1
    infl = ((np.abs(out["dffits"]) > 3 * math.sqrt(p / (k - p)))
            | (scipy.stats.chi2.cdf(out["cook_d"], p) > 0.5) | (hat > 3 * p / k)
            | (np.abs(out["dfbetas"]) > 1))
    bx = (y - beta) ** 2 / (tau2 + v)

    def ro(a, dtype=float):
        a = np.array(a, dtype=dtype)
        a.setflags(write=False)
        return a

    return InfluenceResult(
        labels=labs, rstudent=ro(out["rstudent"]), dffits=ro(out["dffits"]),
        cook_d=ro(out["cook_d"]), cov_r=ro(out["cov_r"]), tau2_del=ro(out["tau2_del"]),
        qe_del=ro(out["qe_del"]), hat=ro(hat), weight=ro(100 * hat), dfbetas=ro(out["dfbetas"]),
        influential=ro(infl, bool), baujat_x=ro(bx), baujat_y=ro(out["by"]),
    )
