"""Binomial–normal random-intercept logistic model (one-step GLMM) for single proportions.

The model is the one behind metafor ``rma.glmm(measure="PLO", method="ML")`` and meta's default
``metaprop`` analysis::

    x_i | theta_i ~ Binomial(n_i, expit(theta_i)),   theta_i = mu + tau * u_i,   u_i ~ N(0, 1)

fitted by maximum likelihood with the marginal likelihood of each study approximated by adaptive
Gauss–Hermite quadrature with 7 nodes, exactly as lme4 ``glmer(..., nAGQ = 7)`` does (nodes
centred at the conditional mode of ``u_i`` and scaled by the curvature there).

No continuity correction enters the fit; 0/n and n/n studies contribute their exact binomial
likelihood. The continuity-corrected inverse-variance logit values (metafor ``escalc``) are used
only for the τ²-based I² (metafor's "typical within-study variance"), as metafor does.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal

import numpy as np
from scipy import optimize, special, stats

from synthesis.results import PooledProportion
from synthesis.validation import as_counts, check_level, readonly
from synthesis.vocabulary import CI_METHODS, I2_DEFINITIONS, PI_METHODS, check_choice

__all__ = ["fit_glmm", "glmm_heterogeneity", "glmm_loglik"]

#: Number of adaptive Gauss–Hermite nodes (lme4 ``nAGQ``; metafor's default for ``rma.glmm``).
N_AGQ = 7
_GH_T, _GH_W = np.polynomial.hermite.hermgauss(N_AGQ)  # physicists' rule, weight exp(-t^2)
_LOG_GH_W = np.log(_GH_W) + _GH_T**2  # weights after absorbing exp(t^2)

#: Upper bound for tau (logit scale) before a fit is declared degenerate.
_TAU_MAX = 10.0
#: |mu| beyond this (logit scale) indicates separation (e.g. every study 0/n or n/n).
_MU_MAX = 15.0


class GLMMFitError(RuntimeError):
    """Raised internally when the ML fit fails; :func:`fit_glmm` turns it into a fallback."""


# ------------------------------------------------------------------------------------------
# likelihood
# ------------------------------------------------------------------------------------------
def _log_binom_coef(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)


def _cond_mode(mu: float, tau: float, x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Conditional modes of u_i and the curvature -h''(u_i) (vectorised Newton, h strictly concave)."""
    # start from the normal approximation around the empirical logit (few Newton steps needed)
    y0 = np.log((x + 0.5) / (n - x + 0.5))
    w0 = (x + 0.5) * (n - x + 0.5) / (n + 1.0)
    u = tau * w0 * (y0 - mu) / (tau * tau * w0 + 1.0)
    for _ in range(100):
        eta = mu + tau * u
        p = special.expit(eta)
        g = tau * (x - n * p) - u
        h2 = tau * tau * n * p * (1.0 - p) + 1.0
        step = np.clip(g / h2, -5.0, 5.0)
        u = u + step
        if np.max(np.abs(step)) < 1e-11:
            break
    eta = mu + tau * u
    p = special.expit(eta)
    return u, tau * tau * n * p * (1.0 - p) + 1.0


def _study_loglik(mu: float, tau: float, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """AGQ(7) log marginal likelihood of each study (binomial coefficient included)."""
    tau = abs(tau)  # the likelihood is symmetric in tau
    lbc = _log_binom_coef(x, n)
    if tau == 0.0:
        eta = np.full_like(x, mu)
        return lbc + x * eta - n * np.logaddexp(0.0, eta)
    u_hat, curv = _cond_mode(mu, tau, x, n)
    sigma = 1.0 / np.sqrt(curv)
    u = u_hat[:, None] + math.sqrt(2.0) * sigma[:, None] * _GH_T[None, :]
    eta = mu + tau * u
    h = x[:, None] * eta - n[:, None] * np.logaddexp(0.0, eta) - 0.5 * u * u
    log_int = special.logsumexp(h + _LOG_GH_W[None, :], axis=1)
    return lbc + log_int + np.log(math.sqrt(2.0) * sigma) - 0.5 * math.log(2.0 * math.pi)


def glmm_loglik(mu: float, tau: float, events, totals) -> float:
    """Marginal log-likelihood of the binomial–normal model (adaptive GH quadrature, 7 nodes).

    Parameters
    ----------
    mu : float
        Mean logit.
    tau : float
        Between-study standard deviation on the logit scale (>= 0).
    events, totals : array_like
        Event counts and sample sizes.

    Returns
    -------
    float
        Log-likelihood including the binomial coefficients (as R ``logLik`` of a ``glm``).

    Examples
    --------
    >>> round(glmm_loglik(0.0, 0.0, [5], [10]), 6) == round(math.log(252 / 1024), 6)
    True
    """
    x, n = as_counts(events, totals)
    return float(np.sum(_study_loglik(float(mu), float(tau), x, n)))


# ------------------------------------------------------------------------------------------
# heterogeneity statistics (metafor's Wald-type and likelihood-ratio tests)
# ------------------------------------------------------------------------------------------
def glmm_heterogeneity(events, totals) -> dict[str, float]:
    """Wald-type and likelihood-ratio tests for heterogeneity as in metafor ``rma.glmm``.

    metafor compares the common-effect logistic model with the saturated model (one logit per
    study). The Wald-type statistic tests the k − 1 study contrasts of the saturated model; studies
    with 0 or n events have an infinite MLE and an infinite variance in that model and drop out, so
    the statistic equals Cochran's Q of the *uncorrected* logits of the remaining studies. The LRT
    is twice the log-likelihood difference between the saturated and common-effect models.

    Returns
    -------
    dict
        ``q_wald``, ``q_wald_pvalue``, ``q_lrt``, ``q_lrt_pvalue``, ``df`` (k − 1).

    Examples
    --------
    >>> round(glmm_heterogeneity([4, 3, 2, 1], [10, 20, 30, 40])["q_lrt"], 4)
    10.5996
    """
    x, n = as_counts(events, totals)
    k = x.size
    df = k - 1
    inner = (x > 0) & (x < n)
    if k < 2:
        q_wald = math.nan
    elif inner.sum() >= 2:
        y = np.log(x[inner] / (n[inner] - x[inner]))
        w = 1.0 / (1.0 / x[inner] + 1.0 / (n[inner] - x[inner]))
        ybar = np.sum(w * y) / np.sum(w)
        q_wald = float(np.sum(w * (y - ybar) ** 2))
    else:
        q_wald = 0.0
    p_all = x.sum() / n.sum()
    ll_ce = float(np.sum(special.xlogy(x, p_all) + special.xlogy(n - x, 1.0 - p_all)))
    phat = x / n
    ll_sat = float(np.sum(special.xlogy(x, phat) + special.xlogy(n - x, 1.0 - phat)))
    q_lrt = max(2.0 * (ll_sat - ll_ce), 0.0) if k > 1 else math.nan
    q_wald = max(q_wald, 0.0) if k > 1 else math.nan
    if df > 0:
        pw = float(stats.chi2.sf(q_wald, df))
        pl = float(stats.chi2.sf(q_lrt, df))
    else:
        pw = pl = math.nan
    return {"q_wald": q_wald, "q_wald_pvalue": pw, "q_lrt": q_lrt, "q_lrt_pvalue": pl, "df": df}


# ------------------------------------------------------------------------------------------
# fitting
# ------------------------------------------------------------------------------------------
def _escalc_plo(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """metafor ``escalc("PLO")`` with ``add=1/2, to="only0"`` (used for I² and the fallback)."""
    corrected = (x == 0) | (x == n)
    xc = np.where(corrected, x + 0.5, x)
    nc = np.where(corrected, n + 1.0, n)
    yi = np.log(xc / (nc - xc))
    vi = 1.0 / xc + 1.0 / (nc - xc)
    return yi, vi, corrected


def _num_grad_hess(f, theta: np.ndarray, h: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference gradient and Hessian of a scalar function of 2 parameters."""
    d = theta.size
    g = np.zeros(d)
    H = np.zeros((d, d))
    f0 = f(theta)
    e = np.eye(d) * h
    fp = [f(theta + e[i]) for i in range(d)]
    fm = [f(theta - e[i]) for i in range(d)]
    for i in range(d):
        g[i] = (fp[i] - fm[i]) / (2 * h)
        H[i, i] = (fp[i] - 2 * f0 + fm[i]) / (h * h)
    for i in range(d):
        for j in range(i + 1, d):
            fpp = f(theta + e[i] + e[j])
            fpm = f(theta + e[i] - e[j])
            fmp = f(theta - e[i] + e[j])
            fmm = f(theta - e[i] - e[j])
            H[i, j] = H[j, i] = (fpp - fpm - fmp + fmm) / (4 * h * h)
    return g, H


def _fit_ml(x: np.ndarray, n: np.ndarray) -> tuple[float, float, float, float]:
    """ML fit; returns (mu, tau, var(mu), loglik). Raises GLMMFitError on failure."""
    if np.all(x == 0) or np.all(x == n):
        which = "0" if np.all(x == 0) else "n"
        raise GLMMFitError(f"every study has {which} events of n, the logit MLE is infinite")

    def nll(theta: np.ndarray) -> float:
        return -float(np.sum(_study_loglik(theta[0], theta[1], x, n)))

    mu_ce = math.log(x.sum() / (n.sum() - x.sum()))

    def profile(tau: float, mu_start: float, tol: float = 1e-7) -> tuple[float, float]:
        """min over mu of nll(mu, tau); the marginal likelihood is log-concave in mu."""
        r = optimize.minimize_scalar(
            lambda m: nll(np.array([m, tau])), bracket=(mu_start - 0.3, mu_start + 0.3),
            tol=tol,
        )
        return float(r.x), float(r.fun)

    # coarse profile over tau (global search), then Brent around the best grid point
    grid = np.concatenate(([0.0], np.geomspace(0.03, _TAU_MAX + 2.0, 14)))
    prof = []
    m = mu_ce
    for t in grid:
        m, f = profile(float(t), m, 1e-4)
        if not math.isfinite(f):
            raise GLMMFitError("the likelihood could not be evaluated")
        prof.append((f, m))
    fs = np.array([p[0] for p in prof])
    # refine around every local minimum of the coarse profile (it can be bimodal, e.g. k = 3)
    cand = []
    for i in range(grid.size):
        left = fs[i - 1] if i > 0 else math.inf
        right = fs[i + 1] if i + 1 < grid.size else math.inf
        if not (fs[i] <= left and fs[i] <= right):
            continue
        cand.append((prof[i][0], prof[i][1], float(grid[i])))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        mu_at = {"m": prof[i][1]}

        def outer(t: float, mu_at=mu_at) -> float:
            mu_at["m"], f = profile(t, mu_at["m"], 1e-5)
            return f

        r = optimize.minimize_scalar(outer, bounds=(lo, hi), method="bounded",
                                     options={"xatol": 1e-4})
        if math.isfinite(r.fun):
            mu_r, f_r = profile(float(r.x), mu_at["m"])
            cand.append((f_r, mu_r, float(r.x)))
    f_best, mu_b, tau_b = min(cand)
    theta = np.array([mu_b, tau_b], dtype=float)
    # polish with Newton steps on central differences (interior solutions only)
    if theta[1] > 1e-3:
        for _ in range(20):
            g, H = _num_grad_hess(nll, theta, h=1e-4)
            try:
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)) or np.any(np.linalg.eigvalsh(H) <= 0):
                break
            t = 1.0
            while t > 1e-4 and nll(theta - t * step) > nll(theta) + 1e-12:
                t /= 2
            theta = theta - t * step
            theta[1] = abs(theta[1])
            if np.max(np.abs(t * step)) < 1e-10:
                break
    # boundary check: is tau = 0 at least as good?
    mu0 = optimize.minimize_scalar(
        lambda m: nll(np.array([m, 0.0])), bracket=(mu_ce - 1, mu_ce + 1)
    ).x
    if nll(np.array([mu0, 0.0])) <= nll(theta) + 1e-10:
        theta = np.array([mu0, 0.0])
    mu, tau = float(theta[0]), float(theta[1])
    if not (math.isfinite(mu) and math.isfinite(tau)):
        raise GLMMFitError("non-finite estimates")
    if abs(mu) > _MU_MAX:
        raise GLMMFitError(f"the mean logit diverged (|mu| = {abs(mu):.3g})")
    if tau > _TAU_MAX:
        raise GLMMFitError(f"tau diverged (tau = {tau:.3g} on the logit scale)")
    if tau > 0:
        _, H = _num_grad_hess(nll, theta, h=1e-4)
        if not np.all(np.isfinite(H)) or np.any(np.linalg.eigvalsh(H) <= 0):
            raise GLMMFitError("the Hessian at the optimum is not positive definite")
        var_mu = float(np.linalg.inv(H)[0, 0])
    else:
        p = x.sum() / n.sum()
        var_mu = 1.0 / (n.sum() * p * (1 - p))
    if not (math.isfinite(var_mu) and var_mu > 0):
        raise GLMMFitError("the standard error of the mean logit is not finite")
    return mu, tau, var_mu, -nll(theta)


def fit_glmm(
    events,
    totals,
    *,
    ci_method: str = "z",
    pi_method: str = "metafor",
    level: float = 0.95,
    i2_definition: str = "tau2",
    labels=None,
    model: Literal["random", "common"] = "random",
) -> PooledProportion:
    """Pool proportions with the binomial–normal GLMM (logit link, ML, adaptive GH with 7 nodes).

    Parameters
    ----------
    events, totals : array_like of int
        Events and sample sizes of the k studies (0/n and n/n studies are used as they are).
    ci_method : {"z", "t", "hksj", "hksj-adhoc"}
        ``"z"`` (metafor ``test="z"``) or ``"t"`` (t with k − 1 df, metafor ``test="t"``). The GLMM
        has no Hartung–Knapp adjustment: ``"hksj"``/``"hksj-adhoc"`` are mapped to ``"t"`` and a
        note says so.
    pi_method : {"metafor", "z", "t(k-1)", "t(k-2)"}
        ``"metafor"`` = z, or t(k − 1) when the CI uses t. The PI is
        ``mu ± crit * sqrt(SE² + tau²)`` on the logit scale.
    level : float
        Interval level.
    i2_definition : {"tau2", "Q"}
        ``"tau2"``: metafor's ``100 tau²/(tau² + s²)`` with s² the typical within-study variance
        of the continuity-corrected logits; ``"Q"``: ``(Q − df)/Q`` from the Wald-type Q (meta).
    labels : sequence of str, optional
        Study labels.
    model : {"random", "common"}
        ``"common"`` fits the common-effect (one-step, binomial) logistic model, tau² = 0; the
        result then has NaN prediction limits and ``method="GLMM"`` with a note.

    Returns
    -------
    PooledProportion
        ``method="GLMM"``, ``transform="logit"``, ``weights`` NaN, ``q`` = Wald-type Q; the LRT is
        given in ``notes``. ``tau2_ci_*`` are NaN (no Q-profile interval exists for the GLMM).
        If the fit fails the result is the inverse-variance logit REML model from
        :func:`synthesis.meta.pool_proportions`, with ``converged=False`` and ``fallback`` set.

    Notes
    -----
    The standard error of ``mu`` is taken from the inverse of the full numerical Hessian of the
    negative log-likelihood in (mu, tau), as lme4 ``vcov()`` does for GLMMs. When the ML estimate
    of tau is 0 the model equals the common-effect logistic model (lme4 reports the boundary fit).
    Results agree with metafor 3.8-1 / lme4 1.1-31 to the optimiser tolerance of lme4
    (see ``tests/reference/README_glmm.md``).

    References
    ----------
    .. [1] Stijnen T, Hamza TH, Ozdemir P (2010). Random effects meta-analysis of event outcome
       in the framework of the generalized linear mixed model. Stat Med 29:3046–3067.
    .. [2] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
       J Stat Softw 36(3). (``rma.glmm``)
    .. [3] Bates D, Mächler M, Bolker B, Walker S (2015). Fitting linear mixed-effects models using
       lme4. J Stat Softw 67(1).

    Examples
    --------
    >>> res = fit_glmm([16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6],
    ...                [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10])
    >>> round(res.estimate, 4), round(res.tau2, 3)
    (0.7984, 0.589)
    """
    x, n = as_counts(events, totals)
    check_choice("ci_method", ci_method, CI_METHODS)
    check_choice("pi_method", pi_method, PI_METHODS)
    check_choice("i2_definition", i2_definition, I2_DEFINITIONS)
    check_choice("model", model, ("random", "common"))
    level = check_level(level)
    k = x.size
    if labels is None:
        labels = tuple(f"Study {i + 1}" for i in range(k))
    else:
        labels = tuple(str(s) for s in labels)
        if len(labels) != k:
            raise ValueError(f"labels must have {k} entries (got {len(labels)}).")

    notes: list[str] = []
    used_ci = ci_method
    if ci_method in ("hksj", "hksj-adhoc"):
        used_ci = "t"
        notes.append(
            f"ci_method '{ci_method}' has no GLMM analogue (metafor rma.glmm offers only z and t); "
            "t with k − 1 df was used."
        )

    try:
        if model == "random":
            if k < 2:
                raise GLMMFitError("a random-effects GLMM needs at least 2 studies")
            mu, tau, var_mu, _ = _fit_ml(x, n)
        else:
            if np.all(x == 0) or np.all(x == n):
                raise GLMMFitError("every study has 0 (or n) events, the logit MLE is infinite")
            p = x.sum() / n.sum()
            mu, tau, var_mu = math.log(p / (1 - p)), 0.0, 1.0 / (n.sum() * p * (1 - p))
    except GLMMFitError as exc:
        return _fallback(x, n, str(exc), ci_method, pi_method, level, i2_definition, labels, notes)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        return _fallback(x, n, reason, ci_method, pi_method, level, i2_definition, labels, notes)

    return _build(x, n, mu, tau, var_mu, used_ci, pi_method, level, i2_definition, labels,
                  notes, model)


def _build(x, n, mu, tau, var_mu, ci_method, pi_method, level, i2_definition, labels, notes, model):
    k = x.size
    tau2 = tau * tau
    se = math.sqrt(var_mu)
    yi, vi, corrected = _escalc_plo(x, n)
    het = glmm_heterogeneity(x, n)

    df_ci = k - 1 if ci_method == "t" else math.inf
    alpha2 = (1 - level) / 2
    if ci_method == "t":
        crit = stats.t.isf(alpha2, df_ci) if df_ci > 0 else math.nan
    else:
        crit = stats.norm.isf(alpha2)
    stat = mu / se
    if ci_method == "t":
        pval = 2 * stats.t.sf(abs(stat), df_ci) if df_ci > 0 else math.nan
    else:
        pval = 2 * stats.norm.sf(abs(stat))
    ci_lo_t, ci_hi_t = mu - crit * se, mu + crit * se

    pi_m = pi_method
    if pi_m == "metafor":
        pi_df = df_ci
    elif pi_m == "z":
        pi_df = math.inf
    elif pi_m == "t(k-1)":
        pi_df = k - 1
    else:
        pi_df = k - 2
    if model == "common":
        pi_lo_t = pi_hi_t = math.nan
    elif pi_df <= 0:
        pi_lo_t = pi_hi_t = math.nan
        notes.append(f"Prediction interval not available: {pi_method} needs more studies (k = {k}).")
    else:
        pcrit = stats.norm.isf(alpha2) if math.isinf(pi_df) else stats.t.isf(alpha2, pi_df)
        half = pcrit * math.sqrt(var_mu + tau2)
        pi_lo_t, pi_hi_t = mu - half, mu + half

    # metafor: typical within-study variance of the (continuity-corrected) escalc values
    w = 1.0 / vi
    if k > 1:
        s2 = (k - 1) * w.sum() / (w.sum() ** 2 - np.sum(w**2))
    else:
        s2 = math.nan
    q = het["q_wald"]
    if i2_definition == "tau2":
        i2 = 100 * tau2 / (s2 + tau2) if k > 1 else math.nan
        h2 = tau2 / s2 + 1 if k > 1 else math.nan
    else:
        df = het["df"]
        i2 = 100 * max(0.0, (q - df) / q) if (df > 0 and q > 0) else 0.0
        h2 = q / df if df > 0 else math.nan

    notes.append(
        f"Heterogeneity tests (df = {het['df']}): Wald-type Q = {q:.4f} (p = {het['q_wald_pvalue']:.4g}); "
        f"likelihood-ratio test = {het['q_lrt']:.4f} (p = {het['q_lrt_pvalue']:.4g})."
    )
    if model == "common":
        notes.append("Common-effect (one-step binomial) logistic model: tau² fixed at 0.")
    if model == "random" and tau2 == 0.0:
        notes.append("ML estimate of tau² is 0 (boundary): the GLMM equals the common-effect logistic model.")

    expit = special.expit
    return PooledProportion(
        transform="logit",
        method="GLMM",
        ci_method=ci_method,
        pi_method=pi_method,
        i2_definition=i2_definition,
        level=level,
        k=k,
        events=readonly(x),
        totals=readonly(n),
        labels=labels,
        yi=readonly(yi),
        vi=readonly(vi),
        weights=readonly(np.full(k, np.nan)),
        corrected=np.array(np.zeros(k, dtype=bool)),  # no correction enters the GLMM fit
        estimate=float(expit(mu)),
        ci_low=float(expit(ci_lo_t)),
        ci_high=float(expit(ci_hi_t)),
        pi_low=float(expit(pi_lo_t)),
        pi_high=float(expit(pi_hi_t)),
        estimate_t=mu,
        se_t=se,
        ci_low_t=ci_lo_t,
        ci_high_t=ci_hi_t,
        pi_low_t=pi_lo_t,
        pi_high_t=pi_hi_t,
        statistic=stat,
        pvalue=float(pval),
        df=float(df_ci),
        tau2=tau2,
        tau2_ci_low=math.nan,
        tau2_ci_high=math.nan,
        i2=float(i2),
        h2=float(h2),
        q=q,
        q_df=int(het["df"]),
        q_pvalue=het["q_wald_pvalue"],
        q_lrt=het["q_lrt"],
        q_lrt_pvalue=het["q_lrt_pvalue"],
        correction_add=0.0,
        correction_to="none",
        converged=True,
        fallback=None,
        notes=tuple(notes),
    )


def _fallback(x, n, reason, ci_method, pi_method, level, i2_definition, labels, notes):
    from synthesis.meta import pool_proportions  # lazy: meta dispatches GLMM back to this module

    text = f"IV logit REML (GLMM did not converge: {reason})"
    res = pool_proportions(
        x, n, transform="logit", method="REML", ci_method=ci_method, pi_method=pi_method,
        level=level, i2_definition=i2_definition, labels=labels,
    )
    return replace(res, converged=False, fallback=text, notes=(*notes, *res.notes, text))
