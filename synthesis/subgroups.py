"""Subgroup analysis of pooled proportions with a test for subgroup differences."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis.meta import pool_proportions
from synthesis.metareg import fit_mixed_effects
from synthesis.results import PooledProportion, ResultRepr, summary_frame
from synthesis.transforms import transform_proportions
from synthesis.validation import as_counts
from synthesis.vocabulary import check_choice

__all__ = ["SubgroupResult", "subgroup_analysis"]


@dataclass(frozen=True, slots=True, repr=False)
class SubgroupResult(ResultRepr):
    """Per-subgroup pooled proportions, the overall result and the between-subgroup test."""

    tau2_mode: str
    groups: tuple[str, ...]
    results: tuple[PooledProportion, ...]
    overall: PooledProportion
    q_between: float
    q_between_df: int
    q_between_pvalue: float
    test: str  # "chi2" or "F"
    notes: tuple[str, ...] = ()

    def __getitem__(self, group: str) -> PooledProportion:
        return self.results[self.groups.index(group)]

    def to_frame(self) -> pd.DataFrame:
        """One row per subgroup plus an "Overall" row: k, estimate, CI, PI, tau², I²."""
        rows = []
        for g, r in (*zip(self.groups, self.results, strict=True), ("Overall", self.overall)):
            rows.append({"group": g, "k": r.k, "events": r.data.total_events, "total": r.data.total_n,
                         "estimate": r.estimate, "ci_low": r.ci.low, "ci_high": r.ci.high,
                         "pi_low": r.pi.low, "pi_high": r.pi.high, "tau2": r.tau2, "i2": r.i2,
                         "method": r.fit.method, "fallback": r.computation.fallback})
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """The between-subgroup test: ``quantity, value, ci_low, ci_high, note`` rows."""
        return summary_frame([
            ("Q between subgroups", self.q_between, f"{self.test}; df = {self.q_between_df}; "
             f"τ² {self.tau2_mode}"),
            ("p-value", self.q_between_pvalue, ""),
        ])


def subgroup_analysis(
    events,
    totals,
    groups,
    *,
    tau2_mode: Literal["separate", "common"] = "separate",
    **pool_kwargs,
) -> SubgroupResult:
    """Pool each subgroup and test for differences between subgroups.

    Parameters
    ----------
    events, totals : array_like of int
    groups : array_like of str
        Subgroup label of each study (order of first appearance is kept).
    tau2_mode : {"separate", "common"}
        ``"separate"``: each subgroup has its own tau² and the between-subgroup statistic is
        Cochran's Q of the subgroup estimates with their standard errors (meta ``subgroup``,
        metafor ``rma(estimates, sei, method="FE")``). ``"common"``: one tau² across subgroups,
        tested as the moderator test QM (or F under HKSJ) of ``rma(yi, vi, mods = ~ group)``
        (only for inverse-variance models; per-subgroup results then still use separate tau²).
    **pool_kwargs
        Passed to :func:`synthesis.meta.pool_proportions` (``transform``, ``method``,
        ``ci_method``, ...).

    Returns
    -------
    SubgroupResult

    References
    ----------
    .. [1] Borenstein M, Higgins JPT (2013). Meta-analysis and subgroups. Prev Sci 14:134–143.
    .. [2] Schwarzer G, Carpenter JR, Rücker G (2015). Meta-Analysis with R. Springer, ch. 3.

    Examples
    --------
    >>> res = subgroup_analysis([11, 24, 179, 82, 60, 11], [29, 33, 326, 240, 110, 29],
    ...                         ["a", "b", "b", "a", "b", "a"])
    >>> res.groups
    ('a', 'b')
    """
    x, n = as_counts(events, totals)
    check_choice("tau2_mode", tau2_mode, ("separate", "common"))
    g = np.asarray([str(v) for v in groups], dtype=object)
    if g.size != x.size:
        raise ValueError(f"groups must have {x.size} entries (got {g.size}).")
    labels = pool_kwargs.pop("labels", None)
    levels = tuple(dict.fromkeys(g.tolist()))
    if len(levels) < 2:
        raise ValueError("groups must contain at least 2 different subgroups.")
    results = []
    for lev in levels:
        idx = np.flatnonzero(g == lev)
        lab = None if labels is None else [labels[i] for i in idx]
        results.append(pool_proportions(x[idx], n[idx], labels=lab, **pool_kwargs))
    overall = pool_proportions(x, n, labels=labels, **pool_kwargs)
    notes: list[str] = []
    if tau2_mode == "separate":
        est = np.array([r.fit.estimate_t for r in results])
        se = np.array([r.fit.se_t for r in results])
        w = 1 / se**2
        mu = np.sum(w * est) / np.sum(w)
        qb = float(np.sum(w * (est - mu) ** 2))
        df = len(levels) - 1
        p = float(scipy.stats.chi2.sf(qb, df))
        test = "chi2"
    else:
        method = pool_kwargs.get("method", "REML")
        if method != "REML":
            raise ValueError("tau2_mode='common' is available for method='REML' only.")
        transform = pool_kwargs.get("transform", "logit")
        tp = transform_proportions(x, n, transform, add=pool_kwargs.get("add", 0.5),
                                   to=pool_kwargs.get("to", "only0"))
        X = np.column_stack([np.ones(x.size)] + [(g == lev).astype(float) for lev in levels[1:]])
        fit = fit_mixed_effects(tp.yi, tp.vi, X, ci_method=pool_kwargs.get("ci_method", "z"),
                                level=pool_kwargs.get("level", 0.95), transform=transform)
        qb, p = fit.qm, fit.qm_pvalue
        df = fit.qm_df[0]
        test = "F" if len(fit.qm_df) == 2 else "chi2"
        notes.append(f"Common tau² across subgroups: {fit.tau2:.4g} (mixed-effects model).")
    if any(r.k < 3 for r in results):
        notes.append("At least one subgroup has fewer than 3 studies: its tau² is unreliable.")
    if math.isnan(qb):
        notes.append("Between-subgroup test not available.")
    return SubgroupResult(tau2_mode=tau2_mode, groups=levels, results=tuple(results),
                          overall=overall, q_between=qb, q_between_df=int(df),
                          q_between_pvalue=p, test=test, notes=tuple(notes))
