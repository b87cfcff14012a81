"""Mixed-effects meta-regression of transformed proportions (metafor ``rma.uni`` with ``mods``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis.results import ResultRepr, summary_frame
from synthesis.transforms import transform_proportions
from synthesis.validation import as_counts, check_level, readonly
from synthesis.vocabulary import TRANSFORMS, CIMethod, Transform, check_choice

__all__ = ["MetaRegressionResult", "meta_regression", "fit_mixed_effects", "design_matrix"]

_THRESHOLD = 1e-5  # metafor control$threshold
_MAXITER = 100


@dataclass(frozen=True, slots=True, repr=False)
class MetaRegressionResult(ResultRepr):
    """Coefficients and model statistics of a mixed-effects meta-regression."""

    transform: str
    method: str
    ci_method: str
    level: float
    k: int
    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: float  # residual df for t/F (k − p), inf for z
    tau2: float
    tau2_null: float  # tau² of the intercept-only model (for R²)
    r2: float  # percent, metafor pseudo-R², truncated at 0
    i2: float
    qe: float
    qe_df: int
    qe_pvalue: float
    qm: float  # chi² (z) or F (hksj) for all moderators
    qm_df: tuple[int, ...]  # (m,) for chi², (m, k − p) for F
    qm_pvalue: float
    converged: bool
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient: term, estimate, se, statistic, pvalue, ci_low, ci_high."""
        return pd.DataFrame({"term": list(self.terms), "estimate": self.coef, "se": self.se,
                             "statistic": self.statistic, "pvalue": self.pvalue,
                             "ci_low": self.ci_low, "ci_high": self.ci_high})

    def summary(self) -> pd.DataFrame:
        """Model statistics: tau², R², I², QE and QM (or F)."""
        qm_name = "F (moderators)" if len(self.qm_df) == 2 else "QM (moderators)"
        rows = [
            ("tau² (residual)", self.tau2, ""),
            ("R² (%)", self.r2, "metafor pseudo-R², truncated at 0"),
            ("I² (%) (residual)", self.i2, "τ²-based"),
            ("QE (residual heterogeneity)", self.qe, f"df = {self.qe_df}, p = {self.qe_pvalue:.4g}"),
            (qm_name, self.qm, f"df = {self.qm_df}, p = {self.qm_pvalue:.4g}"),
        ]
        return summary_frame(rows)


def design_matrix(moderators: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...]]:
    """Intercept plus moderators; categorical columns dummy-coded against their first level.

    Levels of a ``category`` column keep their order; other non-numeric columns use sorted levels
    (as R ``factor``). Dummy columns are named ``"<column>[<level>]"``.
    """
    cols = [np.ones(len(moderators))]
    names = ["intercept"]
    for c in moderators.columns:
        s = moderators[c]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or s.dtype == bool:
            levels = list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype) else sorted(s.unique())
            if s.isna().any():
                raise ValueError(f"moderator {c!r} has missing values.")
            for lev in levels[1:]:
                cols.append((s == lev).to_numpy(dtype=float))
                names.append(f"{c}[{lev}]")
        else:
            v = s.to_numpy(dtype=float)
            bad = np.flatnonzero(~np.isfinite(v))
            if bad.size:
                raise ValueError(f"moderator {c!r}[{int(bad[0])}] ({v[bad[0]]!r}) is not finite.")
            cols.append(v)
            names.append(str(c))
    return np.column_stack(cols), tuple(names)


def _reml_tau2(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[float, bool, int]:
    """metafor's REML Fisher scoring (start: max(0, HE); stop when |change| <= 1e-5)."""
    k, p = X.shape
    # Hedges (HE) start with moderators
    P_ols = np.eye(k) - X @ np.linalg.solve(X.T @ X, X.T)
    rss = float(y @ P_ols @ y)
    tau2 = max(0.0, (rss - float(np.trace(P_ols @ np.diag(v)))) / (k - p))
    change, it = math.inf, 0
    while change > _THRESHOLD:
        it += 1
        if it > _MAXITER:
            return tau2, False, it
        old = tau2
        W = np.diag(1.0 / (v + tau2))
        P = W - W @ X @ np.linalg.solve(X.T @ W @ X, X.T @ W)
        PP = P @ P
        adj = (float(y @ PP @ y) - float(np.trace(P))) / float(np.trace(PP))
        while tau2 + adj < 0:
            adj /= 2
        tau2 += adj
        change = abs(old - tau2)
    return tau2, True, it


def fit_mixed_effects(y, v, X, names=None, *, ci_method="z", level=0.95, transform="logit"):
    """Fit ``y ~ X`` with known sampling variances ``v`` and REML tau² (metafor ``rma.uni``).

    Returns a :class:`MetaRegressionResult`. Exposed for :mod:`synthesis.subgroups`.
    """
    y = np.asarray(y, float)
    v = np.asarray(v, float)
    X = np.asarray(X, float)
    k, p = X.shape
    if names is None:
        names = tuple(f"x{j}" for j in range(p))
    if k <= p:
        raise ValueError(f"meta-regression needs more studies than coefficients (k = {k}, p = {p}).")
    if np.linalg.matrix_rank(X) < p:
        raise ValueError("moderators are collinear (design matrix is rank deficient).")
    tau2, conv, _ = _reml_tau2(y, v, X)
    W = np.diag(1.0 / (v + tau2))
    XtWX_inv = np.linalg.inv(X.T @ W @ X)
    b = XtWX_inv @ X.T @ W @ y
    vb = XtWX_inv
    knha = ci_method in ("hksj", "hksj-adhoc")
    notes = []
    if knha:
        P = W - W @ X @ XtWX_inv @ X.T @ W
        s2 = float(y @ P @ y) / (k - p)
        if ci_method == "hksj-adhoc":
            s2 = max(1.0, s2)
        vb = vb * s2
        df = float(k - p)
    elif ci_method == "t":
        df = float(k - p)
    else:
        df = math.inf
    se = np.sqrt(np.diag(vb))
    stat = b / se
    a2 = (1 - level) / 2
    if math.isinf(df):
        pv = 2 * scipy.stats.norm.sf(np.abs(stat))
        crit = scipy.stats.norm.isf(a2)
    else:
        pv = 2 * scipy.stats.t.sf(np.abs(stat), df)
        crit = scipy.stats.t.isf(a2, df)
    # moderators test (all but intercept)
    m = p - 1
    if m > 0:
        bb = b[1:]
        qm = float(bb @ np.linalg.solve(vb[1:, 1:], bb))
        if math.isinf(df):
            qm_df, qm_p = (m,), float(scipy.stats.chi2.sf(qm, m))
        else:
            qm = qm / m
            qm_df, qm_p = (m, int(k - p)), float(scipy.stats.f.sf(qm, m, k - p))
    else:
        qm, qm_df, qm_p = math.nan, (0,), math.nan
    # residual heterogeneity
    W0 = np.diag(1.0 / v)
    P0 = W0 - W0 @ X @ np.linalg.solve(X.T @ W0 @ X, X.T @ W0)
    qe = float(y @ P0 @ y)
    qe_p = float(scipy.stats.chi2.sf(qe, k - p)) if k > p else math.nan
    vt = (k - p) / float(np.trace(P0))
    i2 = 100 * tau2 / (vt + tau2)
    # R² relative to the intercept-only model
    tau2_null, _, _ = _reml_tau2(y, v, np.ones((k, 1)))
    r2 = max(0.0, 100 * (tau2_null - tau2) / tau2_null) if tau2_null > 0 else 0.0
    if not conv:
        notes.append("Fisher scoring did not converge in 100 iterations.")
    return MetaRegressionResult(
        transform=transform, method="REML", ci_method=ci_method, level=level, k=k,
        terms=tuple(names), coef=readonly(b), se=readonly(se), statistic=readonly(stat),
        pvalue=readonly(pv), ci_low=readonly(b - crit * se), ci_high=readonly(b + crit * se),
        df=df, tau2=tau2, tau2_null=tau2_null, r2=r2, i2=i2, qe=qe, qe_df=k - p, qe_pvalue=qe_p,
        qm=qm, qm_df=qm_df, qm_pvalue=qm_p, converged=conv, notes=tuple(notes),
    )


def meta_regression(
    events,
    totals,
    moderators: pd.DataFrame,
    *,
    transform: Transform = "logit",
    method: Literal["REML"] = "REML",
    ci_method: CIMethod = "z",
    level: float = 0.95,
    add: float = 0.5,
    to: str = "only0",
) -> MetaRegressionResult:
    """Mixed-effects meta-regression of proportions on study-level moderators.

    Parameters
    ----------
    events, totals : array_like of int
    moderators : pandas.DataFrame
        One row per study; numeric columns enter as they are, categorical/object columns are
        dummy-coded against their first level.
    transform : {"logit", "freeman-tukey", "arcsine", "raw", "log"}
        Scale of the regression (metafor ``escalc`` measure).
    method : {"REML"}
        tau² estimator (REML by Fisher scoring, as metafor).
    ci_method : {"z", "t", "hksj", "hksj-adhoc"}
        ``"hksj"`` = metafor ``test="knha"`` (t and F tests with k − p df).
    level : float

    Returns
    -------
    MetaRegressionResult
        Coefficients on the transformed scale; QM (chi²) or F for the moderators; QE; tau²;
        pseudo-R² ``max(0, (tau²_RE − tau²_ME)/tau²_RE)``.

    References
    ----------
    .. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat
       Softw 36(3).
    .. [2] Raudenbush SW (2009). Analyzing effect sizes: random-effects models. In: The Handbook
       of Research Synthesis and Meta-Analysis, 2nd ed.

    Examples
    --------
    >>> import pandas as pd
    >>> res = meta_regression([11, 24, 179, 82, 60], [29, 33, 326, 240, 110],
    ...                       pd.DataFrame({"x": [1.0, 2, 3, 4, 5]}))
    >>> res.terms
    ('intercept', 'x')
    """
    x, n = as_counts(events, totals)
    check_choice("transform", transform, TRANSFORMS)
    check_choice("method", method, ("REML",))
    check_choice("ci_method", ci_method, ("z", "t", "hksj", "hksj-adhoc"))
    level = check_level(level)
    if not isinstance(moderators, pd.DataFrame):
        moderators = pd.DataFrame(moderators)
    if len(moderators) != x.size:
        raise ValueError(f"moderators must have {x.size} rows (got {len(moderators)}).")
    tp = transform_proportions(x, n, transform, add=add, to=to)
    X, names = design_matrix(moderators.reset_index(drop=True))
    return fit_mixed_effects(tp.yi, tp.vi, X, names, ci_method=ci_method, level=level,
                             transform=transform)
