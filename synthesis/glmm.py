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
from typing import Literal

import numpy as np
from scipy import special

from synthesis.results import (
    Computation,
    ConfidenceInterval,
    Fit,
    Heterogeneity,
    Intervals,
    PooledProportion,
    StudyData,
)
from synthesis.transforms import transform_proportions
from synthesis.validation import as_counts, check_level, readonly
from synthesis.vocabulary import CI_METHODS, I2_DEFINITIONS, PI_METHODS, check_choice

__all__ = ["GLMMFitError", "fit_glmm", "glmm_heterogeneity", "glmm_loglik"]

#: Number of adaptive Gauss–Hermite nodes (lme4 ``nAGQ``; metafor's default for ``rma.glmm``).
N_AGQ = 7
_GH_T, _GH_W = np.polynomial.hermite.hermgauss(N_AGQ)  # physicists' rule, weight exp(-t^2)
_LOG_GH_W = np.log(_GH_W) + _GH_T**2  # weights after absorbing exp(t^2)
_HALF_LOG2 = 0.5 * math.log(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: Newton iterations before giving up (5–8 are typical from the inverse-variance start).
_MAX_ITER = 60

#: Upper bound for tau (logit scale) before a fit is declared degenerate.
_TAU_MAX = 10.0
#: |mu| beyond this (logit scale) indicates separation (e.g. every study 0/n or n/n).
_MU_MAX = 15.0


class GLMMFitError(RuntimeError):
    """The ML fit of the GLMM failed (separation, divergence, a singular Hessian, k < 2).

    :func:`fit_glmm` raises it; :func:`synthesis.meta.pool_proportions` with ``method="GLMM"``
    catches it and falls back to the inverse-variance logit model, saying so in the result.
    """


# ------------------------------------------------------------------------------------------
# likelihood: adaptive Gauss–Hermite quadrature with exact first and second derivatives
# ------------------------------------------------------------------------------------------
def _log_binom_coef(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)


def _cond_mode(mu: float, tau: float, x: np.ndarray, n: np.ndarray,
               u0: np.ndarray | None = None) -> np.ndarray:
    """Conditional modes of u_i (vectorised Newton; h(u) = log f(x | u) - u²/2 is strictly concave).

    ``u0`` is a start (the modes at nearby parameters, as in the optimiser's iterations);
    without it the normal approximation around the empirical logit is used.
    """
    if u0 is None:
        y0 = np.log((x + 0.5) / (n - x + 0.5))
        w0 = (x + 0.5) * (n - x + 0.5) / (n + 1.0)
        u = tau * w0 * (y0 - mu) / (tau * tau * w0 + 1.0)
    else:
        u = u0.copy()
    for _ in range(100):
        p = special.expit(mu + tau * u)
        step = (tau * (x - n * p) - u) / (tau * tau * n * p * (1.0 - p) + 1.0)
        np.clip(step, -5.0, 5.0, out=step)
        u += step
        if np.max(np.abs(step)) < 1e-12:
            break
    return u


def _agq(mu: float, tau: float, x: np.ndarray, n: np.ndarray, lbc: np.ndarray,
         derivs: bool = True, u0: np.ndarray | None = None
         ) -> tuple[float, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """AGQ(7) log-likelihood and its exact gradient and Hessian in (mu, tau).

    For study i, with h(u) = x·eta − n·log(1 + e^eta) − u²/2 and eta = mu + tau·u, the adaptive
    rule (lme4 ``nAGQ``) is ``log L_i = log Σ_j W_j exp(h(û + s t_j)) + log s − ½ log 2π`` where û is
    the conditional mode, s = √2 · (−h''(û))^(−1/2), t_j and W_j = w_j exp(t_j²) the Gauss–Hermite
    nodes and weights. û and s depend on (mu, tau); their first and second derivatives follow
    from the implicit function theorem applied to h'(û) = 0, so the gradient and Hessian returned
    are those of the quadrature formula itself (not of the exact integral), as the optimiser of
    lme4 sees it. All studies and nodes are handled as (k,) and (k, 7) arrays. The conditional
    modes are returned last (a start for the next call).
    """
    t = _GH_T
    if tau == 0.0 and not derivs:
        eta = np.full_like(x, mu)
        return float(np.sum(lbc + x * eta - n * np.logaddexp(0.0, eta))), None, None, None
    uh = _cond_mode(mu, tau, x, n, u0)
    p = special.expit(mu + tau * uh)
    q = 1.0 - p
    v = n * p * q
    c = tau * tau * v + 1.0
    ls = _HALF_LOG2 - 0.5 * np.log(c)  # log s
    s = np.exp(ls)
    uj = uh[:, None] + s[:, None] * t[None, :]
    eta = mu + tau * uj
    g = x[:, None] * eta - n[:, None] * np.logaddexp(0.0, eta) - 0.5 * uj * uj + _LOG_GH_W
    gmax = g.max(axis=1, keepdims=True)
    e = np.exp(g - gmax)
    tot = e.sum(axis=1, keepdims=True)
    ll_i = lbc + (gmax[:, 0] + np.log(tot[:, 0])) + ls - _HALF_LOG_2PI
    ll = float(np.sum(ll_i))
    if not derivs:
        return ll, None, None, uh
    pi = e / tot  # normalised node weights (k, 7)

    # -- derivatives of the mode û and of log s (implicit function theorem on Φ = h'(û) = 0)
    r = x - n * p
    v1 = v * (q - p)  # dv/deta
    v2 = v * (1.0 - 6.0 * p * q)  # d²v/deta²
    t2, t3 = tau * tau, tau * tau * tau
    # Φ = tau·r − u ; Φ_u = −c ; partial derivatives at û
    phi_th = np.stack([-tau * v, r - tau * uh * v])  # (2, k)
    phi_uu = -t3 * v1
    phi_uth = np.stack([-t2 * v1, -2.0 * tau * v - t2 * v1 * uh])
    phi_thth = np.empty((2, 2) + uh.shape)
    phi_thth[0, 0] = -tau * v1
    phi_thth[0, 1] = phi_thth[1, 0] = -v - tau * uh * v1
    phi_thth[1, 1] = -2.0 * uh * v - tau * uh * uh * v1
    du = phi_th / c  # (2, k)
    dudu = du[:, None] * du[None, :]
    cross = phi_uth[:, None] * du[None, :]
    d2u = (phi_thth + cross + cross.transpose(1, 0, 2) + phi_uu * dudu) / c
    # c = −Φ_u(û(θ), θ)
    phi_uuu = -t2 * t2 * v2
    phi_uuth = np.stack([-t3 * v2, -3.0 * t2 * v1 - t3 * v2 * uh])
    phi_uthth = np.empty_like(phi_thth)
    phi_uthth[0, 0] = -t2 * v2
    phi_uthth[0, 1] = phi_uthth[1, 0] = -2.0 * tau * v1 - t2 * v2 * uh
    phi_uthth[1, 1] = -2.0 * v - 4.0 * tau * uh * v1 - t2 * uh * uh * v2
    dc = -(phi_uu * du + phi_uth)
    cross = phi_uuth[:, None] * du[None, :]
    d2c = -(phi_uuu * dudu + cross + cross.transpose(1, 0, 2) + phi_uthth + phi_uu * d2u)
    dls = -0.5 * dc / c
    d2ls = -0.5 * (d2c / c - dc[:, None] * dc[None, :] / (c * c))
    ds = s * dls
    d2s = s * (d2ls + dls[:, None] * dls[None, :])

    # -- derivatives of h at the nodes
    pj = special.expit(eta)
    rj = x[:, None] - n[:, None] * pj
    vj = n[:, None] * pj * (1.0 - pj)
    duj = du[:, :, None] + ds[:, :, None] * t  # (2, k, 7)
    h_u = tau * rj - uj
    dg = np.stack([rj, uj * rj]) + h_u * duj  # (2, k, 7)
    h_uth = np.stack([-tau * vj, rj - tau * uj * vj])
    h_uu = -t2 * vj - 1.0
    d2uj = d2u[..., None] + d2s[..., None] * t  # (2, 2, k, 7)
    cross = h_uth[:, None] * duj[None, :]
    d2g = (cross + cross.transpose(1, 0, 2, 3) + h_uu * duj[:, None] * duj[None, :]
           + h_u * d2uj)
    d2g[0, 0] -= vj
    d2g[0, 1] -= uj * vj
    d2g[1, 0] -= uj * vj
    d2g[1, 1] -= uj * uj * vj
    mg = np.sum(pi * dg, axis=2)  # (2, k)
    grad = mg + dls
    hess = (np.sum(pi * d2g, axis=3) + np.einsum("ikj,lkj->ilk", dg * pi, dg)
            - mg[:, None] * mg[None, :] + d2ls)
    return ll, grad.sum(axis=1), hess.sum(axis=2), uh


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
    ll = _agq(float(mu), abs(float(tau)), x, n, _log_binom_coef(x, n), derivs=False)[0]
    return ll


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
        pw = float(special.chdtrc(df, q_wald))
        pl = float(special.chdtrc(df, q_lrt))
    else:
        pw = pl = math.nan
    return {"q_wald": q_wald, "q_wald_pvalue": pw, "q_lrt": q_lrt, "q_lrt_pvalue": pl, "df": df}


# ------------------------------------------------------------------------------------------
# fitting
# ------------------------------------------------------------------------------------------
def _iv_start(x: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Inverse-variance logit start: DerSimonian–Laird tau and the random-effects mean."""
    tp = transform_proportions(x, n, "logit")
    w = 1.0 / tp.vi
    ybar = float(np.sum(w * tp.yi) / w.sum())
    q = float(np.sum(w * (tp.yi - ybar) ** 2))
    denom = w.sum() - np.sum(w * w) / w.sum()
    tau2 = max(0.0, (q - (x.size - 1)) / denom) if denom > 0 else 0.0
    wr = 1.0 / (tp.vi + tau2)
    return float(np.sum(wr * tp.yi) / wr.sum()), math.sqrt(tau2)


def _newton(x, n, lbc, mu, tau, boundary=None) -> tuple[np.ndarray, float, np.ndarray]:
    """Damped Newton ascent on the AGQ log-likelihood from (mu, tau); tau is kept >= 0.

    The likelihood is even in tau, so tau = 0 is a stationary point and the iteration reaches the
    boundary on its own when that is the maximum. Directions use the exact Hessian, with its
    eigenvalues made negative where it is not negative definite (far from the optimum).
    ``boundary`` = (mu, loglik) of the tau = 0 fit when that is a local maximum: a step that
    would cross tau = 0 from a point no better than it ends the iteration there.
    """
    theta = np.array([mu, tau], dtype=float)
    ll, g, H, uh = _agq(theta[0], theta[1], x, n, lbc)
    for _ in range(_MAX_ITER):
        if not (math.isfinite(ll) and np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            raise GLMMFitError("the likelihood could not be evaluated")
        ev, vec = np.linalg.eigh(H)
        ev = -np.maximum(np.abs(ev), 1e-8)
        step = -(vec @ ((vec.T @ g) / ev))
        if boundary is not None and theta[1] + step[1] <= 0.0 and boundary[1] >= ll:
            return np.array([boundary[0], 0.0]), boundary[1], H
        big = np.max(np.abs(step))
        if big > 2.0:
            step *= 2.0 / big
        a = 1.0
        while True:
            cand = theta + a * step
            cand[1] = abs(cand[1])
            ll_c, _, _, uc = _agq(cand[0], cand[1], x, n, lbc, derivs=False, u0=uh)
            if ll_c >= ll - 1e-12 * (1.0 + abs(ll)):
                break
            a *= 0.5
            if a < 1e-10:
                return theta, ll, H
        theta = cand
        if theta[1] > _TAU_MAX + 5.0 or abs(theta[0]) > _MU_MAX + 5.0:
            break
        ll, g, H, uh = _agq(theta[0], theta[1], x, n, lbc, u0=uc)
        if np.max(np.abs(a * step)) < 1e-10 or float(np.max(np.abs(g))) < 1e-10:
            break
    return theta, ll, H


def _fit_ml(x: np.ndarray, n: np.ndarray) -> tuple[float, float, float, float]:
    """ML fit; returns (mu, tau, var(mu), loglik). Raises GLMMFitError on failure.

    Newton's method with the exact gradient and Hessian of the AGQ(7) likelihood, started at the
    inverse-variance (DerSimonian–Laird) fit; the boundary fit tau = 0 (the common-effect logistic
    model, closed form) is compared and kept when it is at least as good.
    """
    if np.all(x == 0) or np.all(x == n):
        which = "0" if np.all(x == 0) else "n"
        raise GLMMFitError(f"every study has {which} events of n, the logit MLE is infinite")
    lbc = _log_binom_coef(x, n)
    xs, ns = float(x.sum()), float(n.sum())
    p_ce = xs / ns
    mu_ce = math.log(xs / (ns - xs))
    ll_ce = float(np.sum(lbc) + special.xlogy(xs, p_ce) + special.xlogy(ns - xs, 1.0 - p_ce))

    mu_iv, tau_iv = _iv_start(x, n)
    # curvature in tau at the boundary fit: > 0 means tau = 0 is a saddle (the maximum is
    # interior); <= 0 means tau = 0 is a local maximum, and as the profile likelihood can be
    # bimodal for small k, a second start at a large tau looks for an interior maximum
    local_max = _agq(mu_ce, 0.0, x, n, lbc)[2][1, 1] <= 0
    boundary = (mu_ce, ll_ce) if local_max else None
    theta, ll, H = _newton(x, n, lbc, mu_iv, max(tau_iv, 0.25), boundary)
    if theta[1] < 1e-4 and local_max:
        theta2, ll2, H2 = _newton(x, n, lbc, mu_iv, max(2.0 * tau_iv, 1.5))
        if ll2 > ll + 1e-9:
            theta, ll, H = theta2, ll2, H2
    mu, tau = float(theta[0]), float(theta[1])
    if not (math.isfinite(mu) and math.isfinite(tau)):
        raise GLMMFitError("non-finite estimates")
    if abs(mu) > _MU_MAX:
        raise GLMMFitError(f"the mean logit diverged (|mu| = {abs(mu):.3g})")
    if tau > _TAU_MAX:
        raise GLMMFitError(f"tau diverged (tau = {tau:.3g} on the logit scale)")
    if ll_ce >= ll - 1e-10 or tau < 1e-6:
        # boundary: the GLMM is the common-effect logistic model
        return mu_ce, 0.0, 1.0 / (ns * p_ce * (1.0 - p_ce)), ll_ce
    if not np.all(np.isfinite(H)) or np.any(np.linalg.eigvalsh(H) >= 0):
        raise GLMMFitError("the Hessian at the optimum is not negative definite")
    var_mu = float(np.linalg.inv(-H)[0, 0])
    if not (math.isfinite(var_mu) and var_mu > 0):
        raise GLMMFitError("the standard error of the mean logit is not finite")
    return mu, tau, var_mu, ll


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
        ``fit.method="GLMM"``, ``fit.transform="logit"``, ``data.weights`` NaN,
        ``heterogeneity.q`` = Wald-type Q and ``heterogeneity.q_lrt`` the likelihood-ratio test
        (both also in ``computation.notes``); ``intervals.tau2`` is NaN (no Q-profile interval
        exists for the GLMM).

    Raises
    ------
    GLMMFitError
        When the fit fails (k < 2, every study 0/n or n/n, divergence, a singular Hessian).
        :func:`synthesis.meta.pool_proportions` (``method="GLMM"``) catches it and returns the
        inverse-variance logit REML model with ``computation.converged=False`` and
        ``computation.fallback`` set.

    Notes
    -----
    The fit is Newton's method on the AGQ(7) likelihood with its exact gradient and Hessian
    (derivatives of the conditional modes and curvatures by the implicit function theorem),
    started at the inverse-variance DerSimonian–Laird fit; the equal-effects (tau = 0) and
    saturated models behind the heterogeneity tests have closed forms. The standard error of
    ``mu`` is taken from the inverse of the full Hessian of the negative log-likelihood in
    (mu, tau), as lme4 ``vcov()`` does for GLMMs (lme4 by finite differences). When the ML estimate
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
    except GLMMFitError:
        raise
    except (ArithmeticError, np.linalg.LinAlgError) as exc:
        raise GLMMFitError(f"{type(exc).__name__}: {exc}") from exc

    return _build(x, n, mu, tau, var_mu, used_ci, pi_method, level, i2_definition, labels,
                  notes, model)


def _build(x, n, mu, tau, var_mu, ci_method, pi_method, level, i2_definition, labels, notes, model):
    k = x.size
    tau2 = tau * tau
    se = math.sqrt(var_mu)
    yi, vi, _ = transform_proportions(x, n, "logit")[:3]
    het = glmm_heterogeneity(x, n)

    df_ci = k - 1 if ci_method == "t" else math.inf
    alpha2 = (1 - level) / 2
    if ci_method == "t":
        crit = -float(special.stdtrit(df_ci, alpha2)) if df_ci > 0 else math.nan
    else:
        crit = -float(special.ndtri(alpha2))
    stat = mu / se
    if ci_method == "t":
        pval = 2 * float(special.stdtr(df_ci, -abs(stat))) if df_ci > 0 else math.nan
    else:
        pval = 2 * float(special.ndtr(-abs(stat)))
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
        pcrit = -float(special.ndtri(alpha2) if math.isinf(pi_df) else special.stdtrit(pi_df, alpha2))
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
        data=StudyData(
            k=k, labels=labels, events=readonly(x), totals=readonly(n), yi=readonly(yi),
            vi=readonly(vi), weights=readonly(np.full(k, np.nan)),
            corrected=np.array(np.zeros(k, dtype=bool)),  # no correction enters the GLMM fit
        ),
        fit=Fit(
            transform="logit", method="GLMM", ci_method=ci_method, pi_method=pi_method, level=level,
            estimate=float(expit(mu)), estimate_t=mu, se_t=se, statistic=stat, pvalue=float(pval),
            df=float(df_ci),
        ),
        heterogeneity=Heterogeneity(
            tau2=tau2, i2=float(i2), i2_definition=i2_definition, h2=float(h2), q=q,
            q_df=int(het["df"]), q_pvalue=het["q_wald_pvalue"], q_lrt=het["q_lrt"],
            q_lrt_pvalue=het["q_lrt_pvalue"],
        ),
        intervals=Intervals(
            ci=ConfidenceInterval(float(expit(ci_lo_t)), float(expit(ci_hi_t)), level),
            pi=ConfidenceInterval(float(expit(pi_lo_t)), float(expit(pi_hi_t)), level),
            tau2=ConfidenceInterval(math.nan, math.nan, level),
            i2=ConfidenceInterval(math.nan, math.nan, level),
            h2=ConfidenceInterval(math.nan, math.nan, level),
            ci_t=ConfidenceInterval(ci_lo_t, ci_hi_t, level),
            pi_t=ConfidenceInterval(pi_lo_t, pi_hi_t, level),
        ),
        computation=Computation(correction_add=0.0, correction_to="none", notes=tuple(notes)),
    )
