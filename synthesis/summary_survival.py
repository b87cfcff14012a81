"""Summary survival curve across studies (Combescure, Foucher & Jackson 2014), as metaSurvival.

:func:`summary_survival_curve` pools survival probabilities read at common times in several
studies, with the numbers at risk at those times: conditional survival from one time to the next,
arcsine-square-root transformed, pooled by a multivariate DerSimonian–Laird random-effects model
(and a fixed-effect one); the pooled curve is the product of the back-transformed conditional
survivals. It reproduces metaSurvival 0.1.0's ``msurv`` (checked on its ``exampleData`` in R,
``tests/reference/summary_survival_reference.json``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis.results import ConfidenceInterval
from synthesis.validation import check_level
from synthesis.vocabulary import check_choice

__all__ = ["SUMMARY_CONFIDENCE", "SummarySurvivalCurve", "summary_survival_curve"]

#: Interval methods for the pooled survival: delta method on log S ("greenwood", metaSurvival's
#: name) or Monte Carlo quantiles of simulated curves.
SUMMARY_CONFIDENCE: tuple[str, ...] = ("greenwood", "monte-carlo")
_MISSING_VAR = 1e12  # metaSurvival's variance for a time a study does not reach


@dataclass(frozen=True, slots=True)
class SummarySurvivalCurve:
    """Fixed- and random-effects summary survival curves with heterogeneity.

    ``fixed`` and ``random`` are frames with columns ``time, survival, ci_low, ci_high, n_risk``
    (``n_risk``: the numbers at risk summed over studies). Medians are interpolated linearly
    between the times around 50% (NaN when the pooled curve stays above 50%); means are the
    areas under the pooled curves up to the last time (restricted means). Their intervals are
    Monte Carlo percentiles of ``n_sim`` simulated curves drawn with ``seed``. ``q``, ``h2`` and
    ``i2`` (percent) measure heterogeneity of the conditional survivals.
    """

    fixed: pd.DataFrame
    random: pd.DataFrame
    median_fixed: float
    median_random: float
    median_fixed_ci: ConfidenceInterval
    median_random_ci: ConfidenceInterval
    mean_fixed: float
    mean_random: float
    mean_fixed_ci: ConfidenceInterval
    mean_random_ci: ConfidenceInterval
    q: float
    h2: float
    i2: float
    k: int
    times: np.ndarray
    confidence: str
    level: float
    n_sim: int
    seed: int
    tau2: np.ndarray  # truncated between-study covariance of the transformed conditional survivals
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        return (f"SummarySurvivalCurve(k={self.k}, times={self.times.size}, "
                f"median_random={self.median_random:.4g}, i2={self.i2:.1f}%)")

    def summary(self) -> pd.DataFrame:
        """One row per quantity: ``quantity, value, ci_low, ci_high, note``."""
        nan = math.nan
        rows = [
            ("median, random effects", self.median_random, *self.median_random_ci, "Monte Carlo"),
            ("median, fixed effect", self.median_fixed, *self.median_fixed_ci, "Monte Carlo"),
            ("restricted mean, random effects", self.mean_random, *self.mean_random_ci,
             f"up to {self.times[-1]:g}"),
            ("restricted mean, fixed effect", self.mean_fixed, *self.mean_fixed_ci,
             f"up to {self.times[-1]:g}"),
            ("Q", self.q, nan, nan, "conditional survivals, arcsine scale"),
            ("H²", self.h2, nan, nan, ""),
            ("I² (%)", self.i2, nan, nan, "max(0, (H² − 1) / H²)"),
            ("studies", float(self.k), nan, nan, ""),
        ]
        rows += [("note", nan, nan, nan, n) for n in self.notes]
        return pd.DataFrame(rows, columns=["quantity", "value", "ci_low", "ci_high", "note"])


def _interp_median(times: np.ndarray, s: np.ndarray) -> float:
    if s[-1] > 0.5:
        return math.nan
    if s[-1] == 0.5:
        return float(times[-1])
    above = np.flatnonzero(s > 0.5)
    below = np.flatnonzero(s < 0.5)
    j = int(below[0])
    if above.size == 0:  # below 50% at the first time: interpolate from (0, 1)
        return float(times[j] - times[j] * (s[j] - 0.5) / (s[j] - 1.0))
    i = int(above[-1])
    return float(times[j] - (times[j] - times[i]) * (s[j] - 0.5) / (s[j] - s[i]))


def _restricted_mean(times: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Trapezoids under the curve from (0, 1); ``s`` is (times,) or (times, draws)."""
    dt = np.diff(times)
    first = times[0] * (1.0 + s[0]) / 2.0
    return first + np.tensordot(dt, (s[:-1] + s[1:]) / 2.0, axes=(0, 0))


def summary_survival_curve(
    study: Sequence[object] | np.ndarray,
    time: Sequence[float] | np.ndarray,
    n_risk: Sequence[float] | np.ndarray,
    survival: Sequence[float] | np.ndarray,
    *,
    confidence: str = "greenwood",
    correction: tuple[float, float] | None = (0.25, 0.5),
    level: float = 0.95,
    n_sim: int = 10_000,
    seed: int = 20140301,
) -> SummarySurvivalCurve:
    r"""Summary survival curve from survival probabilities and numbers at risk at common times.

    Parameters
    ----------
    study : array_like
        Study identifier of each row (any hashable values; repeated per time).
    time : array_like
        Time of each row. Every study must report every time up to its own last time (the
        method pools conditional survival between consecutive common times).
    n_risk : array_like
        Number at risk in that study at that time (positive).
    survival : array_like
        Survival probability (proportion in [0, 1]) in that study at that time.
    confidence : {"greenwood", "monte-carlo"}, default "greenwood"
        Interval of the pooled survival: delta method on ``log S`` (metaSurvival's
        ``"Greenwood"``) or percentiles of simulated curves (``"MonteCarlo"``).
    correction : (float, float) or None, default (0.25, 0.5)
        Continuity correction ``(a, b)``: the transformed conditional survival is
        ``asin(sqrt((n·c + a) / (n + b)))`` with variance ``a / (n + b)``; ``None`` uses
        ``asin(sqrt(c))`` with variance ``1 / n`` as metaSurvival's ``correctionFlag = FALSE``.
    level : float, default 0.95
    n_sim : int, default 10000
        Simulated curves for the Monte Carlo intervals (medians, means, and the survival when
        ``confidence="monte-carlo"``).
    seed : int
        Seed of numpy's default generator for the simulation (R's streams cannot be shared, so
        Monte Carlo intervals agree with R's only up to simulation error).

    Returns
    -------
    SummarySurvivalCurve

    Notes
    -----
    Conditional survival at time ``t_j`` is ``S(t_j) / S(t_{j-1})`` (``S(t_1)`` at the first
    time). A study that stops before the last time gets, at the later times, the mean of the
    other studies' transformed values with variance 10¹², as metaSurvival does. The between-study
    covariance is the multivariate DerSimonian–Laird moment estimator (Jackson, White & Riley
    2010), its negative eigenvalues truncated at 0. The pooled curve is
    ``prod_j sin²(β_j)``. Q sums the fixed-effect residuals of the observed cells; ``H² = Q /
    (cells − studies)`` and ``I² = max(0, 100 (H² − 1) / H²)``. Where metaSurvival would return
    NA (a study missing an intermediate time; a pooled curve below 50% at the first time) this
    function raises with the reason, or interpolates the median from (0, 1), respectively. The
    normal quantile is exact (metaSurvival uses 1.96).

    References
    ----------
    .. [1] Combescure C, Foucher Y, Jackson D. Meta-analysis of single-arm survival studies: a
       distribution-free approach for estimating summary survival curves with random effects.
       *Stat Med* 2014;33:2521–2537.
    .. [2] Jackson D, White IR, Thompson SG. Extending DerSimonian and Laird's methodology to
       perform multivariate random effects meta-analyses. *Stat Med* 2010;29:1282–1297.

    Examples
    --------
    >>> r = summary_survival_curve(["A"] * 3 + ["B"] * 3, [1, 2, 3] * 2,
    ...                            [40, 30, 20, 50, 40, 30], [0.8, 0.6, 0.45, 0.85, 0.7, 0.5])
    >>> list(r.random.columns)
    ['time', 'survival', 'ci_low', 'ci_high', 'n_risk']
    >>> 2.5 < r.median_random < 3.0
    True
    """
    check_choice("confidence", confidence, SUMMARY_CONFIDENCE)
    lv = check_level(level)
    if not (isinstance(n_sim, int | np.integer) and n_sim >= 100):
        raise ValueError(f"n_sim ({n_sim!r}) must be a whole number ≥ 100.")
    sid = np.asarray(list(study), dtype=object)
    t = np.asarray(time, dtype=float).ravel()
    n = np.asarray(n_risk, dtype=float).ravel()
    s = np.asarray(survival, dtype=float).ravel()
    m = sid.size
    if m == 0:
        raise ValueError("no rows: at least two studies with survival at common times are needed.")
    for name, arr in (("time", t), ("n_risk", n), ("survival", s)):
        if arr.size != m:
            raise ValueError(f"{name} must have one value per row of study (got {arr.size} for {m}).")
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ValueError(f"{name}[{int(bad[0])}] ({arr[bad[0]]!r}) is not a finite number.")
    for i in range(m):
        if t[i] <= 0:
            raise ValueError(f"time[{i}] ({t[i]:g}) must be > 0 (S(0) = 1 is implied).")
        if n[i] <= 0:
            raise ValueError(f"n_risk[{i}] ({n[i]:g}) must be positive.")
        if not 0.0 <= s[i] <= 1.0:
            raise ValueError(f"survival[{i}] ({s[i]:g}) must be a proportion in [0, 1].")
    if correction is not None and (len(correction) != 2 or min(correction) <= 0):
        raise ValueError(f"correction ({correction!r}) must be two positive numbers, or None.")

    keys = list(dict.fromkeys(sid.tolist()))
    try:
        keys = sorted(keys)
    except TypeError:
        pass
    order = np.lexsort((t, np.array([keys.index(x) for x in sid.tolist()])))
    sid, t, n, s = sid[order], t[order], n[order], s[order]
    times = np.unique(t)
    k, nt = len(keys), times.size
    if k < 2:
        raise ValueError(f"{k} study: a summary curve needs at least 2 studies.")
    if nt < 2:
        raise ValueError("only one time: use a pooled proportion at that time instead.")
    rows_of = {key: np.flatnonzero(sid == key) for key in keys}
    for key, rows in rows_of.items():
        st = t[rows]
        if np.unique(st).size != st.size:
            raise ValueError(f"study {key!s} has two rows at the same time.")
        expected = times[times <= st.max()]
        if st.size != expected.size or np.any(st != expected):
            missing = sorted(set(expected.tolist()) - set(st.tolist()))
            raise ValueError(
                f"study {key!s} has no survival/number at risk at time(s) {missing}: the method "
                "needs every study at every common time up to its last (impute them, stating the "
                "rule, or leave the study out)."
            )
    # conditional survival and its arcsine transform
    cond = np.empty(t.size)
    for rows in rows_of.values():
        ss = s[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            cond[rows] = np.concatenate(([ss[0]], ss[1:] / ss[:-1]))
    if np.any(~np.isfinite(cond)):
        i = int(np.flatnonzero(~np.isfinite(cond))[0])
        raise ValueError(f"study {sid[i]!s} reaches 0% before time {t[i]:g}: conditional survival "
                         "after 0% is undefined; stop that study's rows at its first 0%.")
    if correction is None:
        y_row = np.arcsin(np.sqrt(np.clip(cond, 0.0, 1.0)))
        v_row = 1.0 / n
    else:
        a, b = correction
        y_row = np.arcsin(np.sqrt((n * cond + a) / (n + b)))
        v_row = a / (n + b)
    ys = np.full((k, nt), np.nan)
    vs = np.full((k, nt), _MISSING_VAR)
    for i, rows in enumerate(rows_of.values()):
        ys[i, : rows.size] = y_row[rows]
        vs[i, : rows.size] = v_row[rows]
    real = ~np.isnan(ys)
    for j in range(nt):
        ys[~real[:, j], j] = ys[real[:, j], j].mean()

    # multivariate DerSimonian–Laird (metaSurvival's moment estimator)
    est = np.zeros((nt, nt))
    for i in range(nt - 1):
        for j in range(i + 1, nt):
            cs = np.sqrt(vs[:, i] * vs[:, j])
            w = 1.0 / cs
            m1 = np.sum(ys[:, i] * w) / w.sum()
            m2 = np.sum(ys[:, j] * w) / w.sum()
            qij = np.sum((ys[:, i] - m1) * (ys[:, j] - m2) * w)
            est[i, j] = qij / (w.sum() - np.sum(w**2) / w.sum())
    est = est + est.T
    for j in range(nt):
        w = 1.0 / vs[:, j]
        m1 = np.sum(ys[:, j] * w) / w.sum()
        qj = np.sum((ys[:, j] - m1) ** 2 * w)
        rho = real[:, j].astype(float)
        aa = rho.sum() - np.sum(rho * w) / w.sum()
        bb = w.sum() - np.sum(w**2) / w.sum()
        est[j, j] = (qj - aa) / bb
    lam, vec = np.linalg.eigh(est)
    tau2 = (vec * np.maximum(lam, 0.0)) @ vec.T

    prec_re = np.zeros((nt, nt))
    y_re = np.zeros(nt)
    prec_fe = np.zeros(nt)
    y_fe = np.zeros(nt)
    for i in range(k):
        inv = np.linalg.inv(np.diag(vs[i]) + tau2)
        prec_re += inv
        y_re += inv @ ys[i]
        prec_fe += 1.0 / vs[i]
        y_fe += ys[i] / vs[i]
    cov_re = np.linalg.inv(prec_re)
    beta_re = cov_re @ y_re
    cov_fe = np.diag(1.0 / prec_fe)
    beta_fe = y_fe / prec_fe
    q = float(np.sum(((ys - beta_fe) ** 2 / vs)[real]))
    h2 = q / (int(real.sum()) - k)
    i2 = max(0.0, 100.0 * (h2 - 1.0) / h2)

    s_fe = np.cumprod(np.sin(beta_fe) ** 2)
    s_re = np.cumprod(np.sin(beta_re) ** 2)
    z = float(scipy.stats.norm.ppf(0.5 + lv / 2.0))
    rng = np.random.default_rng(seed)
    sim_fe = np.cumprod(np.sin(rng.multivariate_normal(beta_fe, cov_fe, size=n_sim)) ** 2, axis=1).T
    sim_re = np.cumprod(np.sin(rng.multivariate_normal(beta_re, cov_re, size=n_sim)) ** 2, axis=1).T
    a_lo, a_hi = (1.0 - lv) / 2.0, 1.0 - (1.0 - lv) / 2.0
    if confidence == "greenwood":
        cot_fe = np.cos(beta_fe) / np.sin(beta_fe)
        var_fe = np.cumsum(4.0 * cot_fe**2 * np.diag(cov_fe))
        cot_re = np.cos(beta_re) / np.sin(beta_re)
        v_cond = np.outer(cot_re, cot_re) * cov_re
        tri = np.triu(np.ones((nt, nt)))
        var_re = np.diag(4.0 * tri.T @ v_cond @ tri)
        ci_fe = (np.exp(np.log(s_fe) - z * np.sqrt(var_fe)), np.exp(np.log(s_fe) + z * np.sqrt(var_fe)))
        ci_re = (np.exp(np.log(s_re) - z * np.sqrt(var_re)), np.exp(np.log(s_re) + z * np.sqrt(var_re)))
    else:
        ci_fe = tuple(np.quantile(sim_fe, [a_lo, a_hi], axis=1))
        ci_re = tuple(np.quantile(sim_re, [a_lo, a_hi], axis=1))
    pooled_n = np.array([np.round(n[t == tj].sum()) for tj in times])

    def frame(surv: np.ndarray, ci: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
        return pd.DataFrame({"time": times, "survival": surv, "ci_low": ci[0], "ci_high": ci[1],
                             "n_risk": pooled_n})

    def median_ci(sim: np.ndarray) -> ConfidenceInterval:
        meds = np.array([_interp_median(times, sim[:, d]) if sim[-1, d] < 0.5 else math.nan
                         for d in range(sim.shape[1])])
        if np.isnan(meds).any():
            return ConfidenceInterval(math.nan, math.nan, lv)
        lo, hi = np.quantile(meds, [a_lo, a_hi])
        return ConfidenceInterval(float(lo), float(hi), lv)

    def mean_ci(sim: np.ndarray) -> ConfidenceInterval:
        lo, hi = np.quantile(_restricted_mean(times, sim), [a_lo, a_hi])
        return ConfidenceInterval(float(lo), float(hi), lv)

    notes: list[str] = []
    if np.any(~real):
        notes.append(
            f"{int((~real).sum())} study-time cell(s) beyond a study's follow-up filled with the "
            "mean of the others and variance 10¹² (metaSurvival's rule)."
        )
    if k < 5:
        notes.append(f"k = {k}: the between-study covariance is very imprecise with fewer than 5 studies.")
    return SummarySurvivalCurve(
        fixed=frame(s_fe, ci_fe),
        random=frame(s_re, ci_re),
        median_fixed=_interp_median(times, s_fe),
        median_random=_interp_median(times, s_re),
        median_fixed_ci=median_ci(sim_fe),
        median_random_ci=median_ci(sim_re),
        mean_fixed=float(_restricted_mean(times, s_fe)),
        mean_random=float(_restricted_mean(times, s_re)),
        mean_fixed_ci=mean_ci(sim_fe),
        mean_random_ci=mean_ci(sim_re),
        q=q,
        h2=float(h2),
        i2=float(i2),
        k=k,
        times=times,
        confidence=confidence,
        level=lv,
        n_sim=int(n_sim),
        seed=int(seed),
        tau2=tau2,
        notes=tuple(notes),
    )
