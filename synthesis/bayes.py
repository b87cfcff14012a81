"""Bayesian normal–normal random-effects pooling of logit proportions (bayesmeta-style).

Model (Röver 2020, the ``bayesmeta`` R package)::

    y_i | theta_i ~ N(theta_i, v_i)       y_i = logit escalc values (metafor continuity correction)
    theta_i | mu, tau ~ N(mu, tau^2)
    mu ~ N(mu_prior_mean, mu_prior_sd^2),  tau ~ half-normal(tau_prior_scale)

evaluated by direct numerical integration, no MCMC: the marginal posterior of tau is computed on a
fine grid (mu integrated out analytically), and mu | tau, y is normal, so the posterior of mu and
the posterior predictive distribution of a new study's logit are finite normal mixtures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)
from scipy import special

from synthesis.results import (
    ConfidenceInterval,
    ResultRepr,
    StudyData,
    StudyShortcuts,
    summary_frame,
)
from synthesis.transforms import transform_proportions
from synthesis.validation import as_counts, check_level, readonly
from synthesis.vocabulary import check_choice

__all__ = [
    "BayesComputation",
    "BayesianPooledProportion",
    "CredibleIntervals",
    "Posterior",
    "Prior",
    "bayes_pool",
]

_N_GRID = 4001


@dataclass(frozen=True, slots=True)
class Prior:
    """The priors of the normal–normal model on logits: τ ~ half-normal(``tau_scale``),
    μ ~ N(``mu_mean``, ``mu_sd``²)."""

    tau_scale: float
    mu_mean: float
    mu_sd: float

    @property
    def label(self) -> str:
        """``"Bayes HN(0.5)"``: the short name of the model by its prior on τ."""
        return f"Bayes HN({self.tau_scale:g})"


@dataclass(frozen=True, slots=True)
class Posterior:
    """Posterior summaries of the pooled logit μ and of τ.

    ``estimate`` is the posterior median of the pooled proportion (the inverse logit of
    ``estimate_t``, the posterior median of μ: quantiles are invariant under the monotone
    back-transform); ``mean_t``/``sd_t`` are μ's posterior mean and SD on the logit scale;
    ``tau_median``/``tau_mean`` summarise τ. ``level`` and ``interval`` (``"central"`` or
    ``"shortest"``) say which :class:`CredibleIntervals` were computed.
    """

    level: float
    interval: str
    estimate: float
    estimate_t: float
    mean_t: float
    sd_t: float
    tau_median: float
    tau_mean: float


@dataclass(frozen=True, slots=True)
class CredibleIntervals:
    """Every interval of a Bayesian pooled proportion as a :class:`ConfidenceInterval` of the
    posterior's ``level`` (credible intervals, central or shortest).

    ``ci`` (pooled proportion) and ``pi`` (posterior predictive proportion of a new study) on the
    proportion scale; ``ci_t`` and ``pi_t`` the same on the logit scale; ``tau`` the interval of τ.
    """

    ci: ConfidenceInterval
    pi: ConfidenceInterval
    tau: ConfidenceInterval
    ci_t: ConfidenceInterval
    pi_t: ConfidenceInterval


@dataclass(frozen=True, slots=True)
class BayesComputation:
    """How the posterior was computed: the continuity correction of 0/n and n/n studies
    (``correction_add``, metafor ``to="only0"``), the τ grid (``grid_points`` over
    [0, ``tau_upper``]) and the ``notes`` a reader should see."""

    correction_add: float
    grid_points: int
    tau_upper: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, repr=False)
class BayesianPooledProportion(StudyShortcuts, ResultRepr):
    """A Bayesian random-effects pooled proportion (logit-scale model), in five groups.

    Attributes
    ----------
    data : StudyData
        The studies: ``k``, ``labels``, ``events``, ``totals``, logit ``yi``/``vi``,
        ``corrected`` (``weights`` are NaN: a Bayesian model has no inverse-variance weights).
    prior : Prior
        ``tau_scale``, ``mu_mean``, ``mu_sd`` (and ``label``).
    posterior : Posterior
        ``level``, ``interval``, ``estimate``, ``estimate_t``, ``mean_t``, ``sd_t``,
        ``tau_median``, ``tau_mean``.
    intervals : CredibleIntervals
        :class:`ConfidenceInterval` s: ``ci``, ``pi``, ``tau``, ``ci_t``, ``pi_t``.
    computation : BayesComputation
        Continuity correction, the τ grid, ``notes``.

    Five shortcuts, as on :class:`~synthesis.results.PooledProportion`: ``estimate`` (posterior
    median), ``ci`` (credible interval), ``pi`` (posterior predictive interval for a new study),
    ``k`` and ``labels``. There is no ``tau2`` or ``i2`` shortcut: the model summarises τ by its
    posterior (``posterior.tau_median``, ``intervals.tau``), not by a point estimate of τ².

    Examples
    --------
    >>> res = bayes_pool([4, 3, 2, 1], [10, 20, 30, 40], tau_prior_scale=0.5)
    >>> res.ci.format(1), res.intervals.tau.level, res.prior.label
    ('[5.6%, 28.5%]', 0.95, 'Bayes HN(0.5)')
    """

    data: StudyData
    prior: Prior
    posterior: Posterior
    intervals: CredibleIntervals
    computation: BayesComputation

    @property
    def estimate(self) -> float:
        return self.posterior.estimate

    def _title(self) -> str:
        d = self.data
        return f"BayesianPooledProportion({self.prior.label}; k={d.k}, {d.total_events}/{d.total_n} events)"

    def model_label(self) -> str:
        """One line naming the model, its priors and its intervals."""
        p, post = self.prior, self.posterior
        return (
            f"Bayesian normal–normal model on logits; tau ~ half-normal({p.tau_scale:g}), "
            f"mu ~ N({p.mu_mean:g}, {p.mu_sd:g}²); {post.interval} "
            f"{post.level:.0%} credible intervals"
        )

    def summary(self) -> pd.DataFrame:
        """One row per quantity: ``quantity, value, ci_low, ci_high, note``."""
        post, iv = self.posterior, self.intervals
        rows = [
            ("Pooled proportion (posterior median)", post.estimate, *iv.ci,
             f"{post.level:.0%} {post.interval} credible interval"),
            ("Predictive proportion, new study", math.nan, *iv.pi,
             "posterior predictive interval"),
            ("tau (posterior median)", post.tau_median, *iv.tau,
             f"half-normal({self.prior.tau_scale:g}) prior"),
            ("Studies (k)", float(self.data.k), ""),
            ("Patients", float(self.data.total_n), ""),
        ]
        return summary_frame(rows)

    def to_frame(self) -> pd.DataFrame:
        """One row per study: label, events, total, logit yi and variance vi used in the model."""
        d = self.data
        return pd.DataFrame({"label": list(d.labels), "events": d.events.astype(int),
                             "total": d.totals.astype(int), "yi": d.yi, "vi": d.vi,
                             "corrected": d.corrected})


class _Mixture:
    """A normal mixture sum_j w_j N(m_j, s_j^2) with quantile and shortest-interval helpers."""

    def __init__(self, w: np.ndarray, m: np.ndarray, s: np.ndarray) -> None:
        keep = w > 1e-300
        self.w, self.m, self.s = w[keep] / w[keep].sum(), m[keep], s[keep]

    def cdf(self, x: float) -> float:
        return float(np.sum(self.w * special.ndtr((x - self.m) / self.s)))

    def ppf(self, q: float) -> float:
        lo = float(np.min(self.m - 40 * self.s))
        hi = float(np.max(self.m + 40 * self.s))
        return scipy.optimize.brentq(lambda x: self.cdf(x) - q, lo, hi, xtol=1e-12, rtol=1e-14)

    def mean(self) -> float:
        return float(np.sum(self.w * self.m))

    def sd(self) -> float:
        mu = self.mean()
        return float(math.sqrt(np.sum(self.w * (self.s**2 + (self.m - mu) ** 2))))

    def interval(self, level: float, kind: str) -> tuple[float, float]:
        a = 1 - level
        if kind == "central":
            return self.ppf(a / 2), self.ppf(1 - a / 2)
        r = scipy.optimize.minimize_scalar(lambda p: self.ppf(p + level) - self.ppf(p),
                                     bounds=(1e-10, a - 1e-10), method="bounded",
                                     options={"xatol": 1e-9})
        return self.ppf(r.x), self.ppf(r.x + level)


def _tau_posterior(yi, vi, scale, m0, s0):
    """Grid over tau with normalised trapezoid weights, and mu | tau normal moments."""
    upper = max(12.0 * scale, 1e-6)
    tau = np.linspace(0.0, upper, _N_GRID)
    V = vi[None, :] + tau[:, None] ** 2
    W = 1.0 / V
    P = 1.0 / s0**2 + W.sum(axis=1)
    M = (m0 / s0**2 + (W * yi[None, :]).sum(axis=1)) / P
    logml = (-0.5 * np.log(V).sum(axis=1) - 0.5 * np.log(s0**2 * P)
             - 0.5 * ((W * yi[None, :] ** 2).sum(axis=1) + m0**2 / s0**2 - P * M**2))
    logprior = scipy.stats.halfnorm.logpdf(tau, scale=scale)
    lp = logml + logprior
    dens = np.exp(lp - lp.max())
    h = tau[1] - tau[0]
    wts = dens * h
    wts[0] *= 0.5
    wts[-1] *= 0.5
    wts /= wts.sum()
    cdf = scipy.integrate.cumulative_trapezoid(dens, tau, initial=0.0)
    cdf /= cdf[-1]
    return tau, wts, M, 1.0 / P, cdf


def bayes_pool(
    events,
    totals,
    *,
    tau_prior_scale: float = 0.5,
    mu_prior_sd: float = 4.0,
    mu_prior_mean: float = 0.0,
    level: float = 0.95,
    interval: Literal["central", "shortest"] = "central",
    add: float = 0.5,
    labels: Sequence[str] | None = None,
) -> BayesianPooledProportion:
    """Bayesian random-effects pooled proportion with a half-normal prior on tau.

    Parameters
    ----------
    events, totals : array_like of int
        Events and sample sizes.
    tau_prior_scale : float
        Scale of the half-normal prior on tau (logit scale); HN(0.5) and HN(1.0) are the usual
        weakly informative choices (Röver et al. 2021).
    mu_prior_sd, mu_prior_mean : float
        Normal prior on the mean logit (bayesmeta examples use N(0, 4²)).
    level : float
        Credible-interval level.
    interval : {"central", "shortest"}
        Equal-tailed or shortest (highest posterior density for unimodal posteriors) intervals;
        bayesmeta's default is "shortest".
    add : float
        Continuity correction for 0/n and n/n studies (metafor ``add``, ``to="only0"``).
    labels : sequence of str, optional
        Study labels (default ``"Study 1"``, ...).

    Returns
    -------
    BayesianPooledProportion

    Notes
    -----
    The marginal posterior of tau is evaluated on a grid of 4001 points over
    [0, 12 × scale] (beyond which the half-normal prior mass is < 1e-30); mu | tau, y is normal
    with precision ``1/mu_prior_sd² + sum 1/(v_i + tau²)``. The pooled proportion's posterior is
    a mixture of these normals; the predictive distribution of a new study's logit adds tau² to
    each component's variance.

    References
    ----------
    .. [1] Röver C (2020). Bayesian random-effects meta-analysis using the bayesmeta R package.
       J Stat Softw 93(6). doi:10.18637/jss.v093.i06
    .. [2] Röver C, Bender R, Dias S, et al. (2021). On weakly informative prior distributions for
       the heterogeneity parameter in Bayesian random-effects meta-analysis. Res Synth Methods
       12:448–474. doi:10.1002/jrsm.1475

    Examples
    --------
    >>> res = bayes_pool([4, 3, 2, 1], [10, 20, 30, 40], tau_prior_scale=0.5)
    >>> round(res.estimate, 3)
    0.137
    """
    x, n = as_counts(events, totals)
    level = check_level(level)
    check_choice("interval", interval, ("central", "shortest"))
    for name, val in (("tau_prior_scale", tau_prior_scale), ("mu_prior_sd", mu_prior_sd)):
        if not (isinstance(val, int | float) and math.isfinite(val) and val > 0):
            raise ValueError(f"{name} ({val!r}) must be a positive number.")
    if not math.isfinite(mu_prior_mean):
        raise ValueError(f"mu_prior_mean ({mu_prior_mean!r}) must be finite.")
    if not (add > 0 and math.isfinite(add)):
        raise ValueError(f"add ({add!r}) must be positive: 0/n studies have an infinite logit.")

    k = int(x.size)
    if labels is None:
        labs = tuple(f"Study {i}" for i in range(1, k + 1))
    else:
        labs = tuple(str(s) for s in labels)
        if len(labs) != k:
            raise ValueError(f"labels must have one entry per study (got {len(labs)} for k = {k}).")
    yi, vi, corrected = transform_proportions(x, n, "logit", add=float(add))[:3]
    tau, wts, M, Vm, cdf_tau = _tau_posterior(yi, vi, float(tau_prior_scale), float(mu_prior_mean),
                                     float(mu_prior_sd))
    mu_mix = _Mixture(wts, M, np.sqrt(Vm))
    pred_mix = _Mixture(wts, M, np.sqrt(Vm + tau**2))

    med = mu_mix.ppf(0.5)
    lo, hi = mu_mix.interval(level, interval)
    plo, phi = pred_mix.interval(level, interval)

    def tau_q(q: float) -> float:
        return float(np.interp(q, cdf_tau, tau))

    if interval == "central":
        tlo, thi = tau_q((1 - level) / 2), tau_q(1 - (1 - level) / 2)
    else:
        starts = np.linspace(0.0, 1 - level, 2001)
        widths = [tau_q(s + level) - tau_q(s) for s in starts]
        s = starts[int(np.argmin(widths))]
        tlo, thi = tau_q(s), tau_q(s + level)

    notes = []
    if x.size < 5:
        notes.append("Very few studies: the posterior of tau is dominated by its prior.")
    ex = special.expit
    return BayesianPooledProportion(
        data=StudyData(k=int(x.size), labels=labs, events=readonly(x), totals=readonly(n),
                       yi=readonly(yi), vi=readonly(vi), weights=readonly(np.full(x.size, math.nan)),
                       corrected=readonly(corrected)),
        prior=Prior(tau_scale=float(tau_prior_scale), mu_mean=float(mu_prior_mean),
                    mu_sd=float(mu_prior_sd)),
        posterior=Posterior(level=level, interval=interval, estimate=float(ex(med)), estimate_t=med,
                            mean_t=mu_mix.mean(), sd_t=mu_mix.sd(), tau_median=tau_q(0.5),
                            tau_mean=float(np.sum(wts * tau))),
        intervals=CredibleIntervals(
            ci=ConfidenceInterval(float(ex(lo)), float(ex(hi)), level),
            pi=ConfidenceInterval(float(ex(plo)), float(ex(phi)), level),
            tau=ConfidenceInterval(tlo, thi, level),
            ci_t=ConfidenceInterval(lo, hi, level),
            pi_t=ConfidenceInterval(plo, phi, level),
        ),
        computation=BayesComputation(correction_add=float(add), grid_points=_N_GRID,
                                     tau_upper=float(tau[-1]), notes=tuple(notes)),
    )
