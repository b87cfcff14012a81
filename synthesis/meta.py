"""Inverse-variance pooling of single-arm proportions, reproducing R metafor 3.8-1 exactly.

:func:`pool_proportions` is the entry point used by the dashboard: ``escalc`` + ``rma.uni`` +
``predict`` + ``confint`` in one call, returning a :class:`synthesis.results.PooledProportion`.
:func:`pool_effects` pools arbitrary ``yi``/``vi`` on the transformed scale (for subgroups,
leave-one-out and similar callers).

Everything is vectorised over studies with memory linear in ``k``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import special

from synthesis.glmm import GLMMFitError, fit_glmm
from synthesis.heterogeneity import (
    DEFAULT_CONTROL,
    cochran_q,
    estimate_tau2,
    tau2_qprofile_ci,
    typical_variance,
)
from synthesis.results import (
    Computation,
    ConfidenceInterval,
    Fit,
    Heterogeneity,
    Intervals,
    PooledProportion,
    StudyData,
)
from synthesis.transforms import (
    CORRECTION_TARGETS,
    back_transform,
    harmonic_mean,
    transform_proportions,
)
from synthesis.validation import as_counts, check_level
from synthesis.vocabulary import (
    CI_METHODS,
    I2_DEFINITIONS,
    METHODS,
    PI_METHODS,
    TRANSFORMS,
    CIMethod,
    I2Definition,
    Method,
    PIMethod,
    Transform,
    check_choice,
)

__all__ = ["EffectsFit", "pool_effects", "pool_proportions"]

FT_WARNING = (
    "Freeman–Tukey double arcsine: the back-transform uses the harmonic mean of the study sizes "
    "(Miller 1978; metafor transf.ipft.hm), so the pooled proportion can move when the set of "
    "sample sizes changes, and the inversion can be misleading or non-monotone (Schwarzer et al. "
    "2019, Res Synth Methods 10:476–483; Röver & Friede 2022). Prefer logit or the GLMM."
)


@dataclass(frozen=True, slots=True)
class EffectsFit:
    """Random-effects (or common-effect) fit on the transformed scale (metafor ``rma.uni``).

    Flat on purpose: this is the engine's internal record, read field by field by the results
    built on it. The public results nest it into groups with :class:`~synthesis.results.ConfidenceInterval`
    s (:class:`~synthesis.results.PooledProportion`, ``PooledMedian``, ``PooledRate``).
    """

    k: int
    method: str
    ci_method: str
    pi_method: str
    i2_definition: str
    level: float
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    pi_df: float  # inf for z, NaN when no PI
    statistic: float
    pvalue: float
    df: float
    tau2: float
    tau2_ci_low: float
    tau2_ci_high: float
    i2: float
    h2: float
    i2_tau2: float  # metafor's tau²-based I² (CE: the Q-based value, as metafor)
    i2_q: float  # max(0, (Q - df)/Q) * 100
    i2_ci_low: float
    i2_ci_high: float
    h2_ci_low: float
    h2_ci_high: float
    q: float
    q_df: int
    q_pvalue: float
    weights: np.ndarray  # percent
    s2w: float  # Knapp–Hartung scaling factor (1 for z/t)
    typical_vi: float
    converged: bool
    iterations: int
    notes: tuple[str, ...]


def _readonly(a: np.ndarray, dtype: type = float, copy: bool = True) -> np.ndarray:
    """Read-only array; ``copy=False`` only for arrays created here and referenced nowhere else."""
    out = np.array(a, dtype=dtype, copy=True) if copy else np.asarray(a, dtype=dtype)
    out.setflags(write=False)
    return out


#: the continuity-correction targets (metafor escalc ``to=``) in words, for notes shown to users
CORRECTION_WORDS = {
    "only0": "only studies with 0% or 100% events, metafor's default",
    "all": "every study",
    "if0all": "every study, because at least one had 0% or 100% events",
    "none": "no study",
}


#: A Knapp–Hartung scaling factor counts as below 1 in the notes only below ``1 - S2W_TOLERANCE``
#: (the notes print it to 4 significant digits; closer to 1 it would read "1 < 1").
S2W_TOLERANCE = 5e-5


def _crit(level: float, df: float) -> float:
    a = (1.0 - level) / 2.0
    if math.isinf(df):
        return float(-special.ndtri(a))
    if not df > 0:
        return math.nan
    return float(special.stdtrit(df, 1.0 - a))


def _pval(stat: float, df: float) -> float:
    if math.isnan(stat):
        return math.nan
    if math.isinf(df):
        return float(2.0 * special.ndtr(-abs(stat)))
    if not df > 0:
        return math.nan
    return float(2.0 * special.stdtr(df, -abs(stat)))


def pool_effects(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    *,
    method: Method = "REML",
    ci_method: CIMethod = "z",
    pi_method: PIMethod = "metafor",
    level: float = 0.95,
    i2_definition: I2Definition = "tau2",
    tau2_ci: bool = True,
    control: dict | None = None,
) -> EffectsFit:
    """Pool effect sizes ``yi`` with known variances ``vi`` (metafor ``rma.uni``, intercept only).

    Parameters
    ----------
    yi, vi : array_like
        Estimates and sampling variances on the transformed scale (``vi > 0``).
    method : {"CE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB"}
    ci_method : {"z", "t", "hksj", "hksj-adhoc"}
        metafor ``test="z"``, ``"t"``, ``"knha"``, ``"adhoc"`` (t with ``k - 1`` df for all but z).
    pi_method : {"metafor", "z", "t(k-1)", "t(k-2)"}
        ``"metafor"``: z, or t(k − 1) when ``ci_method`` is not ``"z"`` (``predict.rma``).
        ``"t(k-2)"`` is metafor ``pi.type="riley"``. Every variant uses ``sqrt(se^2 + tau2)`` with the
        standard error of the chosen CI method (Knapp–Hartung-scaled under HKSJ), as metafor.
    level : float
    i2_definition : {"tau2", "Q"}
    tau2_ci : bool
        Compute the Q-profile interval for tau² (and the matching I²/H² intervals).
    control : dict, optional
        ``threshold`` (Fisher scoring, default 1e-5 as metafor), ``maxiter`` (100), ``tol``
        (ll0check, eps^0.25), ``root_tol`` (1e-12; PM and Q-profile roots), ``tau2_max``.

    Returns
    -------
    EffectsFit
    """
    check_choice("method", method, tuple(m for m in METHODS if m != "GLMM"))
    check_choice("ci_method", ci_method, CI_METHODS)
    check_choice("pi_method", pi_method, PI_METHODS)
    check_choice("i2_definition", i2_definition, I2_DEFINITIONS)
    level = check_level(level)
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.shape != v.shape:
        raise ValueError(f"yi and vi must have the same length (got {y.size} and {v.size}).")
    if y.size == 0:
        raise ValueError("yi and vi are empty: at least one study is needed.")
    for name, arr in (("yi", y), ("vi", v)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}] ({arr[i]!r}) is not a finite number.")
    bad = np.flatnonzero(v <= 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"vi[{i}] ({v[i]!r}) must be positive.")
    ctl = {**DEFAULT_CONTROL, **(control or {})}
    k = int(y.size)
    notes: list[str] = []
    nan = math.nan

    if k == 1:
        se = math.sqrt(v[0])
        crit = _crit(level, math.inf)
        notes.append(
            "k = 1: the 'pooled' value is the single study, with its own Wald z interval; "
            "tau², heterogeneity statistics and the prediction interval are not estimable."
        )
        i2 = nan
        return EffectsFit(
            k=1,
            method=method,
            ci_method=ci_method,
            pi_method=pi_method,
            i2_definition=i2_definition,
            level=level,
            estimate=float(y[0]),
            se=se,
            ci_low=float(y[0] - crit * se),
            ci_high=float(y[0] + crit * se),
            pi_low=nan,
            pi_high=nan,
            pi_df=nan,
            statistic=float(y[0] / se),
            pvalue=_pval(float(y[0] / se), math.inf),
            df=math.inf,
            tau2=0.0 if method == "CE" else nan,
            tau2_ci_low=nan,
            tau2_ci_high=nan,
            i2=i2,
            h2=nan,
            i2_tau2=nan,
            i2_q=nan,
            i2_ci_low=nan,
            i2_ci_high=nan,
            h2_ci_low=nan,
            h2_ci_high=nan,
            q=0.0,
            q_df=0,
            q_pvalue=nan,
            weights=_readonly([100.0]),
            s2w=1.0,
            typical_vi=nan,
            converged=True,
            iterations=0,
            notes=tuple(notes),
        )

    fit = estimate_tau2(y, v, method, ctl)
    notes.extend(fit.notes)
    tau2 = fit.tau2
    w = 1.0 / (v + tau2)
    sw = w.sum()
    est = float(np.dot(w, y) / sw)
    vb = 1.0 / sw
    s2w = 1.0
    df = math.inf
    if ci_method in ("hksj", "hksj-adhoc"):
        r = y - est
        rss = float(np.dot(w, r * r))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - 1)
        if method == "CE":
            notes.append("Knapp–Hartung is not meant for common-effect models (metafor warns).")
        # metafor raises any factor below 1; the notes speak only of a factor that is below 1
        # beyond rounding (a factor of 1 - 1e-12 is 1 for every reader).
        below = s2w < 1.0 - S2W_TOLERANCE
        if ci_method == "hksj-adhoc" and s2w < 1.0:
            if below:
                notes.append(
                    f"HKSJ scaling factor {s2w:.4g} < 1 raised to 1 (ad hoc: never narrower than Wald)."
                )
            s2w = 1.0
        elif ci_method == "hksj" and below:
            notes.append(
                f"HKSJ scaling factor {s2w:.4g} < 1: this interval is narrower than the Wald "
                "interval (Wiksten et al. 2016); consider ci_method='hksj-adhoc'."
            )
    vb *= s2w
    if ci_method != "z":
        df = float(k - 1)
    se = math.sqrt(vb)
    crit = _crit(level, df)
    ci_low, ci_high = est - crit * se, est + crit * se
    stat = est / se if se > 0 else (math.copysign(math.inf, est) if est != 0 else nan)
    pval = _pval(stat, df)

    # prediction interval
    if pi_method == "metafor":
        pi_df = math.inf if ci_method == "z" else float(k - 1)
    elif pi_method == "z":
        pi_df = math.inf
    elif pi_method == "t(k-1)":
        pi_df = float(k - 1)
    else:
        pi_df = float(k - 2)
    if method == "CE":
        pi_low = pi_high = nan
        pi_df = nan
        notes.append("Common-effect model: no prediction interval (tau² is assumed 0).")
    elif not pi_df > 0:
        pi_low = pi_high = nan
        notes.append(
            f"Prediction interval with t(k − 2) needs k ≥ 3 (k = {k}); not computed "
            "(metafor would floor the df at 1)."
        )
        pi_df = nan
    else:
        pcrit = _crit(level, pi_df)
        pse = math.sqrt(vb + tau2)
        pi_low, pi_high = est - pcrit * pse, est + pcrit * pse

    # heterogeneity
    q, q_p = cochran_q(y, v)
    q_df = k - 1
    vt = typical_variance(v)
    i2_q = max(0.0, 100.0 * (q - q_df) / q) if q > 0 else 0.0
    h2_q = q / q_df
    if method == "CE":
        i2_tau2, h2_tau2 = i2_q, h2_q
        if i2_definition == "tau2":
            notes.append("Common-effect model: I² and H² are Q-based, as metafor reports them.")
    else:
        i2_tau2 = 100.0 * tau2 / (vt + tau2)
        h2_tau2 = tau2 / vt + 1.0
    i2, h2 = (i2_tau2, h2_tau2) if i2_definition == "tau2" else (i2_q, h2_q)

    t_lo = t_hi = i2_lo = i2_hi = h2_lo = h2_hi = nan
    if tau2_ci and method != "CE":
        tci = tau2_qprofile_ci(y, v, tau2, level, root_tol=float(ctl["root_tol"]))
        t_lo, t_hi = tci.low, tci.high
        notes.extend(tci.notes)
        i2_lo, i2_hi = 100.0 * t_lo / (vt + t_lo), 100.0 * t_hi / (vt + t_hi)
        h2_lo, h2_hi = t_lo / vt + 1.0, t_hi / vt + 1.0
        if i2_definition == "Q":
            i2_lo = i2_hi = h2_lo = h2_hi = nan

    weights = 100.0 * w / sw
    return EffectsFit(
        k=k,
        method=method,
        ci_method=ci_method,
        pi_method=pi_method,
        i2_definition=i2_definition,
        level=level,
        estimate=est,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        pi_low=pi_low,
        pi_high=pi_high,
        pi_df=pi_df,
        statistic=stat,
        pvalue=pval,
        df=df,
        tau2=tau2,
        tau2_ci_low=t_lo,
        tau2_ci_high=t_hi,
        i2=i2,
        h2=h2,
        i2_tau2=i2_tau2,
        i2_q=i2_q,
        i2_ci_low=i2_lo,
        i2_ci_high=i2_hi,
        h2_ci_low=h2_lo,
        h2_ci_high=h2_hi,
        q=q,
        q_df=q_df,
        q_pvalue=q_p,
        weights=_readonly(weights, copy=False),
        s2w=s2w,
        typical_vi=vt,
        converged=fit.converged,
        iterations=fit.iterations,
        notes=tuple(notes),
    )


def pool_proportions(
    events: Sequence[float] | np.ndarray,
    totals: Sequence[float] | np.ndarray,
    *,
    transform: Transform = "logit",
    method: Method = "REML",
    ci_method: CIMethod = "z",
    pi_method: PIMethod = "metafor",
    level: float = 0.95,
    i2_definition: I2Definition = "tau2",
    add: float = 0.5,
    to: str = "only0",
    labels: Sequence[str] | None = None,
    tau2_ci: bool = True,
    control: dict | None = None,
) -> PooledProportion:
    """Pool single-arm proportions by inverse variance, exactly as R metafor 3.8-1.

    Equivalent R: ``dat <- escalc(measure, xi=events, ni=totals, add=add, to=to)``;
    ``res <- rma(yi, vi, data=dat, method=method, test=test)``; ``predict(res, transf=...)``;
    ``confint(res)``.

    Parameters
    ----------
    events, totals : array_like
        Responders and evaluable patients per study. Validated by
        :func:`synthesis.validation.as_counts` (``ValueError`` naming index and value).
    transform : {"logit", "freeman-tukey", "arcsine", "raw", "log"}, default "logit"
        metafor ``PLO``, ``PFT``, ``PAS``, ``PR``, ``PLN``.
    method : {"CE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB", "GLMM"}, default "REML"
        tau² estimator; ``"CE"`` is the common-effect model. ``"GLMM"`` is delegated to
        :func:`synthesis.glmm.fit_glmm` (binomial–normal model; ``transform``, ``add`` and ``to``
        do not apply). When that fit fails (:class:`synthesis.glmm.GLMMFitError`: k < 2, every
        study 0/n or n/n, divergence) the inverse-variance logit REML model is returned with
        ``computation.converged=False`` and ``computation.fallback`` saying why, honouring ``ci_method`` (HKSJ included).
    ci_method : {"z", "t", "hksj", "hksj-adhoc"}, default "z"
        metafor ``test="z"``, ``"t"``, ``"knha"``, ``"adhoc"``.
    pi_method : {"metafor", "z", "t(k-1)", "t(k-2)"}, default "metafor"
        See :func:`pool_effects`.
    level : float, default 0.95
    i2_definition : {"tau2", "Q"}, default "tau2"
        metafor's tau²-based I² with the "typical" within-study variance, or ``(Q - df)/Q``.
    add : float, default 0.5
        Continuity correction (never for freeman-tukey/arcsine).
    to : {"only0", "all", "if0all", "none"}, default "only0"
    labels : sequence of str, optional
        Study labels (default ``"Study 1"``, ...).
    tau2_ci : bool, default True
        Q-profile interval for tau² (metafor ``confint`` default).
    control : dict, optional
        Numerical controls, see :func:`pool_effects`; defaults are metafor's.

    Returns
    -------
    PooledProportion

    Notes
    -----
    Back-transforms use :func:`synthesis.transforms.back_transform` (freeman-tukey: harmonic mean
    of the study sizes, metafor ``transf.ipft.hm``); raw/log values are clipped to [0, 1] on the
    proportion scale (``intervals.ci_t``/``pi_t`` keep the unclipped values).

    References
    ----------
    Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
    random-effects model. *J Educ Behav Stat* 30:261–293. Viechtbauer W (2007). Confidence
    intervals for the amount of heterogeneity in meta-analysis. *Stat Med* 26:37–52.
    Knapp G, Hartung J (2003). *Stat Med* 22:2693–2710.

    Examples
    --------
    >>> res = pool_proportions([4, 3, 2, 1], [10, 20, 30, 40])
    >>> round(res.estimate, 4), round(res.tau2, 4)
    (0.121, 1.194)
    >>> res.ci.format(1), res.intervals.tau2.format(3, percent=False), res.fit.method
    ('[3.6%, 33.5%]', '[0.002, 25.922]', 'REML')
    """
    check_choice("transform", transform, TRANSFORMS)
    check_choice("method", method, METHODS)
    check_choice("ci_method", ci_method, CI_METHODS)
    check_choice("pi_method", pi_method, PI_METHODS)
    check_choice("i2_definition", i2_definition, I2_DEFINITIONS)
    check_choice("to", to, CORRECTION_TARGETS)
    level = check_level(level)
    x, n = as_counts(events, totals)
    k = int(x.size)
    if labels is None:
        labs = tuple([f"Study {i}" for i in range(1, k + 1)])
    else:
        labs = tuple(str(s) for s in labels)
        if len(labs) != k:
            raise ValueError(f"labels must have one entry per study (got {len(labs)} for k = {k}).")

    if method == "GLMM":
        try:
            return fit_glmm(
                x, n, ci_method=ci_method, pi_method=pi_method, level=level,
                i2_definition=i2_definition, labels=labs,
            )
        except GLMMFitError as exc:
            text = f"IV logit REML (GLMM did not converge: {exc})"
            res = pool_proportions(
                x, n, transform="logit", method="REML", ci_method=ci_method,
                pi_method=pi_method, level=level, i2_definition=i2_definition, labels=labs,
                tau2_ci=tau2_ci, control=control,
            )
            comp = replace(res.computation, converged=False, fallback=text,
                           notes=(*res.computation.notes, text))
            return replace(res, computation=comp)

    tp = transform_proportions(x, n, transform, add=add, to=to)
    bad = np.flatnonzero(~np.isfinite(tp.yi) | ~np.isfinite(tp.vi) | (tp.vi <= 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"events[{i}] ({int(x[i])}) of totals[{i}] ({int(n[i])}) gives no finite positive "
            f"variance on the {transform} scale without a continuity correction "
            f"(correction {add:g} applied to {CORRECTION_WORDS.get(to, to)})."
        )
    fit = pool_effects(
        tp.yi,
        tp.vi,
        method=method,
        ci_method=ci_method,
        pi_method=pi_method,
        level=level,
        i2_definition=i2_definition,
        tau2_ci=tau2_ci,
        control=control,
    )
    nhm = harmonic_mean(n) if transform == "freeman-tukey" else None
    notes = list(fit.notes)
    if transform == "freeman-tukey":
        notes.append(FT_WARNING)
    if tp.corrected.any():
        notes.append(
            f"Continuity correction {tp.add:g} added to events and non-events of "
            f"{int(tp.corrected.sum())} of {k} studies ({CORRECTION_WORDS.get(to, to)})."
        )

    def bt(v: float) -> float:
        return float(back_transform(v, transform, nhm))

    if transform in ("raw", "log"):
        raw_vals = np.array([fit.ci_low, fit.ci_high, fit.pi_low, fit.pi_high])
        raw_vals = raw_vals if transform == "raw" else np.exp(raw_vals)
        if np.any((raw_vals < 0) | (raw_vals > 1)):
            notes.append(
                "Interval bounds outside [0, 1] on the proportion scale were clipped "
                "(metafor prints them unclipped; see intervals.ci_t and intervals.pi_t)."
            )

    return PooledProportion(
        data=StudyData(
            k=k, labels=labs, events=_readonly(x), totals=_readonly(n),
            yi=_readonly(tp.yi, copy=False), vi=_readonly(tp.vi, copy=False), weights=fit.weights,
            corrected=_readonly(tp.corrected, bool, copy=False),
        ),
        fit=Fit(
            transform=transform, method=method, ci_method=ci_method, pi_method=pi_method, level=level,
            estimate=bt(fit.estimate), estimate_t=fit.estimate, se_t=fit.se,
            statistic=fit.statistic, pvalue=fit.pvalue, df=fit.df, pi_df=fit.pi_df,
        ),
        heterogeneity=Heterogeneity(
            tau2=fit.tau2, i2=fit.i2, i2_definition=i2_definition, h2=fit.h2, q=fit.q,
            q_df=fit.q_df, q_pvalue=fit.q_pvalue, i2_tau2=fit.i2_tau2, i2_q=fit.i2_q,
        ),
        intervals=Intervals(
            ci=ConfidenceInterval(bt(fit.ci_low), bt(fit.ci_high), level),
            pi=ConfidenceInterval(bt(fit.pi_low), bt(fit.pi_high), level),
            tau2=ConfidenceInterval(fit.tau2_ci_low, fit.tau2_ci_high, level),
            i2=ConfidenceInterval(fit.i2_ci_low, fit.i2_ci_high, level),
            h2=ConfidenceInterval(fit.h2_ci_low, fit.h2_ci_high, level),
            ci_t=ConfidenceInterval(fit.ci_low, fit.ci_high, level),
            pi_t=ConfidenceInterval(fit.pi_low, fit.pi_high, level),
        ),
        computation=Computation(
            correction_add=tp.add, correction_to=to, converged=fit.converged, fallback=None,
            notes=tuple(notes), iterations=fit.iterations, s2w=fit.s2w,
            typical_vi=fit.typical_vi, n_harmonic=math.nan if nhm is None else nhm,
        ),
    )
