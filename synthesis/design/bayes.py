"""Bayesian single-arm designs for a response rate: priors from historical data, exact OCs.

Deterministic throughout (no MCMC, no simulation):

* :class:`BetaMixture` — a finite mixture of beta densities (RBesT's ``mixbeta``).
* :func:`map_prior` — the meta-analytic-predictive (MAP) prior of a new study's rate under the
  binomial–normal hierarchical model, by adaptive Gauss–Hermite quadrature over the study
  effects and a product grid over (μ, τ); :meth:`MAPPrior.mixture` approximates it by a beta
  mixture (EM, number of components by AIC) for conjugate use.
* :func:`ess` (ELIR, moment, Morita), :func:`robustify`, :func:`postmix`.
* The posterior rule "success if Pr(p > p0 | data) > c": :func:`success_boundary`,
  :func:`oc_single`, :func:`pos_single`, :func:`posterior_design`.
* Predictive probability designs (Lee & Liu 2008): :func:`predictive_probability`,
  :func:`pp_design`, :func:`pp_search`.
* BOP2 (Zhou, Lee & Yuan 2017) and BOP2-FE (Xu et al. 2025): :func:`bop2_design`,
  :func:`bop2_search`.

Every multi-look design is a :class:`synthesis.design.oc.SequentialBinary`, so ``design.oc(p)``
gives exact operating characteristics (dynamic programming over the looks).

References
----------
Neuenschwander B, Capkun-Niggli G, Branson M, Spiegelhalter DJ (2010). Summarizing historical
information on controls in clinical trials. *Clin Trials* 7:5–18.
Schmidli H, Gsteiger S, Roychoudhury S, et al. (2014). Robust meta-analytic-predictive priors in
clinical trials with historical control information. *Biometrics* 70:1023–1032.
Neuenschwander B, Weber S, Schmidli H, O'Hagan A (2020). Predictively consistent prior effective
sample sizes. *Biometrics* 76:578–587.
Morita S, Thall PF, Müller P (2008). Determining the effective sample size of a parametric prior.
*Biometrics* 64:595–602.
Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H (2021). Applying meta-analytic-predictive priors
with the R Bayesian evidence synthesis tools. *J Stat Softw* 100(19).
Lee JJ, Liu DD (2008). A predictive probability design for phase II cancer clinical trials.
*Clin Trials* 5:93–106.
Zhou H, Lee JJ, Yuan Y (2017). BOP2: Bayesian optimal design for phase II clinical trials with
simple and complex endpoints. *Stat Med* 36:3302–3314.
Xu X, Hashimoto A, Yimer B, Takeda K (2025). BOP2-FE: Bayesian optimal phase II design with
futility and efficacy stopping boundaries. *J Biopharm Stat*, doi:10.1080/10543406.2025.2558142.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)
from scipy import special

from synthesis.design._validate import check_error_rate, check_positive, check_prob
from synthesis.design.oc import OC, SequentialBinary

__all__ = [
    "BOP2Design",
    "BetaMixture",
    "MAPPrior",
    "PosteriorDesign",
    "PredictiveDesign",
    "bop2_design",
    "bop2_search",
    "ess",
    "map_prior",
    "oc_single",
    "pos_single",
    "postmix",
    "posterior_design",
    "posterior_search",
    "pp_design",
    "pp_search",
    "predictive_probability",
    "robustify",
    "success_boundary",
]

#: equality tolerance of the predictive-probability rule (ph2bye/ph2bayes count
#: Pr >= θ_T within machine epsilon as success)
PP_EPS = float(np.finfo(float).eps)


# ---------------------------------------------------------------------------------------------
# beta mixtures


def _as_mixture(prior: object) -> BetaMixture:
    if isinstance(prior, BetaMixture):
        return prior
    if isinstance(prior, tuple | list) and len(prior) == 2:
        return BetaMixture([1.0], [prior[0]], [prior[1]])
    raise ValueError(f"prior ({prior!r}) must be a BetaMixture or an (a, b) pair.")


@dataclass(frozen=True, slots=True, repr=False)
class BetaMixture:
    """A finite mixture of beta densities, ``sum_k w_k Beta(a_k, b_k)``.

    Parameters
    ----------
    weights : sequence of float
        Non-negative component weights (normalised to sum to 1).
    a, b : sequence of float
        Positive shape parameters of each component.

    Examples
    --------
    >>> m = BetaMixture([0.8, 0.2], [11, 1], [32, 1])
    >>> m
    BetaMixture(0.800·Beta(11, 32) + 0.200·Beta(1, 1))
    >>> round(m.mean(), 4), round(m.sd(), 4)
    (0.3047, 0.1722)
    >>> round(float(m.quantile(0.5)), 4)
    0.262
    """

    weights: tuple[float, ...]
    a: tuple[float, ...]
    b: tuple[float, ...]

    def __init__(self, weights: object, a: object, b: object) -> None:
        w = np.atleast_1d(np.asarray(weights, dtype=float)).ravel()
        aa = np.atleast_1d(np.asarray(a, dtype=float)).ravel()
        bb = np.atleast_1d(np.asarray(b, dtype=float)).ravel()
        if not (w.size == aa.size == bb.size) or w.size == 0:
            raise ValueError(
                f"weights, a and b must have the same positive length (got {w.size}, {aa.size}, "
                f"{bb.size})."
            )
        for name, v in (("a", aa), ("b", bb)):
            bad = np.flatnonzero(~np.isfinite(v) | (v <= 0))
            if bad.size:
                raise ValueError(f"{name}[{bad[0]}] ({v[bad[0]]!r}) must be a finite positive number.")
        bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
        if bad.size or w.sum() <= 0:
            raise ValueError(f"weights ({w.tolist()!r}) must be non-negative with a positive sum.")
        w = w / w.sum()
        object.__setattr__(self, "weights", tuple(float(x) for x in w))
        object.__setattr__(self, "a", tuple(float(x) for x in aa))
        object.__setattr__(self, "b", tuple(float(x) for x in bb))

    def __repr__(self) -> str:
        parts = [f"{w:.3f}·Beta({a:.4g}, {b:.4g})" for w, a, b in zip(self.weights, self.a, self.b, strict=True)]
        return "BetaMixture(" + " + ".join(parts) + ")"

    # arrays
    @property
    def _w(self) -> np.ndarray:
        return np.asarray(self.weights)

    @property
    def _a(self) -> np.ndarray:
        return np.asarray(self.a)

    @property
    def _b(self) -> np.ndarray:
        return np.asarray(self.b)

    @property
    def n_components(self) -> int:
        return len(self.weights)

    # moments
    def mean(self) -> float:
        """Mixture mean."""
        return float(np.sum(self._w * self._a / (self._a + self._b)))

    def var(self) -> float:
        """Mixture variance."""
        a, b, w = self._a, self._b, self._w
        m = a / (a + b)
        second = m * (a + 1) / (a + b + 1)
        return float(np.sum(w * second) - self.mean() ** 2)

    def sd(self) -> float:
        """Mixture standard deviation."""
        return math.sqrt(max(self.var(), 0.0))

    # distribution functions
    def pdf(self, x: object) -> np.ndarray | float:
        """Density at ``x``."""
        xx = np.asarray(x, dtype=float)
        out = np.sum(self._w * scipy.stats.beta.pdf(xx[..., None], self._a, self._b), axis=-1)
        return float(out) if out.ndim == 0 else out

    def logpdf(self, x: object) -> np.ndarray | float:
        xx = np.asarray(x, dtype=float)
        lw = np.log(np.where(self._w > 0, self._w, 1e-300))
        out = special.logsumexp(lw + scipy.stats.beta.logpdf(xx[..., None], self._a, self._b), axis=-1)
        return float(out) if np.ndim(out) == 0 else out

    def cdf(self, x: object) -> np.ndarray | float:
        """P(p <= x)."""
        xx = np.asarray(x, dtype=float)
        out = np.sum(self._w * special.betainc(self._a, self._b, np.clip(xx, 0, 1)[..., None]), axis=-1)
        return float(out) if out.ndim == 0 else out

    def sf(self, x: object) -> np.ndarray | float:
        """P(p > x), computed from the upper regularised incomplete beta (no cancellation)."""
        xx = np.asarray(x, dtype=float)
        out = np.sum(self._w * special.betaincc(self._a, self._b, np.clip(xx, 0, 1)[..., None]), axis=-1)
        return float(out) if out.ndim == 0 else out

    def quantile(self, q: object) -> np.ndarray | float:
        """Quantile function (root of the cdf, to 1e-12)."""
        qq = np.atleast_1d(np.asarray(q, dtype=float))
        if np.any((qq < 0) | (qq > 1) | ~np.isfinite(qq)):
            raise ValueError(f"q ({q!r}) must be in [0, 1].")
        out = np.empty_like(qq)
        for i, v in enumerate(qq):
            if v <= 0 or v >= 1:
                out[i] = float(v > 0)
                continue
            if self.n_components == 1:
                out[i] = special.betaincinv(self.a[0], self.b[0], v)
                continue
            out[i] = scipy.optimize.brentq(lambda x, v=v: self.cdf(x) - v, 0.0, 1.0, xtol=1e-14, rtol=1e-14)
        return float(out[0]) if np.ndim(q) == 0 else out

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed interval."""
        lo = (1 - level) / 2
        return float(self.quantile(lo)), float(self.quantile(1 - lo))

    def mode(self) -> float:
        """The (largest) mode, by a grid search refined with a bounded optimiser."""
        x = np.linspace(1e-6, 1 - 1e-6, 4001)
        lp = self.logpdf(x)
        i = int(np.argmax(lp))
        lo, hi = x[max(i - 1, 0)], x[min(i + 1, x.size - 1)]
        res = scipy.optimize.minimize_scalar(lambda t: -self.logpdf(t), bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-12})
        return float(res.x)

    def predictive_pmf(self, n: int) -> np.ndarray:
        """Prior predictive probabilities of 0..n responses in n patients (beta-binomial mixture)."""
        n = _check_n("n", n, allow_zero=True)
        y = np.arange(n + 1)[:, None]
        a, b = self._a, self._b
        logp = (special.gammaln(n + 1) - special.gammaln(y + 1) - special.gammaln(n - y + 1)
                + special.betaln(a + y, b + n - y) - special.betaln(a, b))
        return np.sum(self._w * np.exp(logp), axis=1)

    def summary(self) -> pd.DataFrame:
        """One row per component (weight, a, b, mean, n = a + b) and the mixture's moments."""
        rows = [{"component": k + 1, "weight": w, "a": a, "b": b, "mean": a / (a + b), "a + b": a + b}
                for k, (w, a, b) in enumerate(zip(self.weights, self.a, self.b, strict=True))]
        return pd.DataFrame(rows)


def _check_n(name: str, n: object, *, allow_zero: bool = False) -> int:
    try:
        v = int(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} ({n!r}) must be a whole number.") from None
    if v != n or v < (0 if allow_zero else 1):
        raise ValueError(f"{name} ({n!r}) must be a whole number >= {0 if allow_zero else 1}.")
    return v


def postmix(prior: BetaMixture | tuple[float, float], r: int, n: int) -> BetaMixture:
    """Posterior mixture after ``r`` responses in ``n`` patients (conjugate update, RBesT ``postmix``).

    Component weights are updated by each component's marginal likelihood,
    ``w_k B(a_k + r, b_k + n - r) / B(a_k, b_k)``.

    Examples
    --------
    >>> postmix(BetaMixture([0.5, 0.5], [1, 10], [1, 10]), 3, 10)
    BetaMixture(0.420·Beta(4, 8) + 0.580·Beta(13, 17))
    """
    m = _as_mixture(prior)
    n = _check_n("n", n, allow_zero=True)
    r = _check_n("r", r, allow_zero=True)
    if r > n:
        raise ValueError(f"r ({r}) must not exceed n ({n}).")
    a, b = m._a, m._b
    lw = np.log(np.maximum(m._w, 1e-300)) + special.betaln(a + r, b + n - r) - special.betaln(a, b)
    w = np.exp(lw - lw.max())
    return BetaMixture(w, a + r, b + n - r)


def robustify(prior: BetaMixture | tuple[float, float], weight: float = 0.2, mean: float = 0.5,
              n: float = 1.0) -> BetaMixture:
    """Add a weakly informative component: ``(1 − weight) prior + weight Beta(mean (n+1), (1 − mean)(n+1))``.

    As RBesT (1.8-2 and 1.9): the robust component has mean ``mean`` and "sample size" n + 1, so
    for the default mean 1/2 and n = 1 it is **Beta(1, 1)** (uniform).  It is appended as the
    last component.

    Examples
    --------
    >>> robustify(BetaMixture([1], [11], [32]), weight=0.2)
    BetaMixture(0.800·Beta(11, 32) + 0.200·Beta(1, 1))
    """
    m = _as_mixture(prior)
    w = float(weight)
    if not (0.0 <= w <= 1.0) or not math.isfinite(w):
        raise ValueError(f"weight ({weight!r}) must be in [0, 1].")
    mu = float(mean)
    if not (0.0 < mu < 1.0):
        raise ValueError(f"mean ({mean!r}) must be strictly between 0 and 1.")
    nn = check_positive("n", n, allow_zero=True)
    return BetaMixture(
        [*(np.asarray(m.weights) * (1 - w)), w],
        [*m.a, mu * (nn + 1)],
        [*m.b, (1 - mu) * (nn + 1)],
    )


# ---------------------------------------------------------------------------------------------
# effective sample size


def _mix_info(m: BetaMixture, x: np.ndarray) -> np.ndarray:
    """−d²/dx² log f(x) of the mixture (RBesT ``betaMixInfo``)."""
    x = np.clip(x, np.finfo(float).eps, 1 - np.finfo(float).eps)[:, None]
    a, b = m._a, m._b
    lw = np.log(np.maximum(m._w, 1e-300)) + scipy.stats.beta.logpdf(x, a, b)
    wp = np.exp(lw - special.logsumexp(lw, axis=1, keepdims=True))
    g = (a - 1) / x - (b - 1) / (1 - x)
    h = -(a - 1) / x**2 - (b - 1) / (1 - x) ** 2
    return np.sum(wp * g, axis=1) ** 2 - np.sum(wp * (h + g**2), axis=1)


def ess(prior: BetaMixture | tuple[float, float], method: str = "elir", *, s: float = 100.0) -> float:
    """Effective sample size of a beta-mixture prior, in patients.

    Parameters
    ----------
    prior : BetaMixture or (a, b)
    method : {"elir", "moment", "morita"}
        ``"elir"`` (default): expected local information ratio, the prior-weighted average of
        i(θ)/i_F(θ) with i the prior's information and i_F = 1/(θ(1−θ)) the Fisher information of
        one Bernoulli observation — the only predictively consistent ESS (Neuenschwander et al.
        2020); requires every a, b >= 1.  ``"moment"``: a + b of the beta matching the mixture's
        mean and variance (conservative).  ``"morita"``: Morita, Thall & Müller (2008) at the
        mixture's mode, with RBesT's flattened prior (mode/s, (1 − mode)/s), s = 100 (liberal for
        mixtures).
    s : float
        Flattening constant of the Morita method.

    Notes
    -----
    For one Beta(a, b) with a, b > 1 the ELIR and moment ESS are both a + b; a component with
    a = 1 (or b = 1) contributes no information on that side, so ELIR(Beta(1, 1)) = 0, as RBesT.  Computations follow RBesT
    ``ess.betaMix`` (integration per component on its quantile scale).

    Examples
    --------
    >>> ess(BetaMixture([1], [11], [32]))
    43.0
    >>> m = BetaMixture([0.8, 0.2], [11, 1], [32, 1])
    >>> round(ess(m, "moment"), 2), round(ess(m), 2)
    (6.14, 27.91)
    """
    m = _as_mixture(prior)
    if method not in ("elir", "moment", "morita"):
        raise ValueError(f"method ({method!r}) must be one of 'elir', 'moment', 'morita'.")
    if method == "moment":
        mu, v = m.mean(), m.var()
        return float(mu * (1 - mu) / v - 1.0)
    if method == "elir":
        if min(m.a) < 1 or min(m.b) < 1:
            raise ValueError(
                "ELIR ESS is undefined when a component has a < 1 or b < 1 (the defining integral "
                "diverges); use method='moment' or fit the mixture with a, b >= 1."
            )
        if m.n_components == 1:  # closed form of the integral: b·[a > 1] + a·[b > 1]
            a1, b1 = m.a[0], m.b[0]
            return float((b1 if a1 > 1 else 0.0) + (a1 if b1 > 1 else 0.0))

        def lir(x: np.ndarray) -> np.ndarray:
            return _mix_info(m, x) * x * (1 - x)

        total = 0.0
        for w, a, b in zip(m.weights, m.a, m.b, strict=True):
            if w <= 0:
                continue
            # integral over the component's quantile scale, as RBesT integrate_density
            val, _ = scipy.integrate.quad(lambda u, a=a, b=b: float(lir(np.array([special.betaincinv(a, b, u)]))[0]),
                                    0.0, 1.0, limit=200, epsabs=1e-10, epsrel=1e-8)
            total += w * val
        return float(total)
    mode = m.mode()
    d2 = float(_mix_info(m, np.array([mode]))[0])
    a0, b0 = mode / s, (1 - mode) / s
    x = min(max(mode, np.finfo(float).eps), 1 - np.finfo(float).eps)
    info0 = (a0 - 1) / x**2 + (b0 - 1) / (1 - x) ** 2
    pd0 = float(m.predictive_pmf(1)[0])
    e_info = pd0 / (1 - x) ** 2 + (1 - pd0) / x**2
    return float((d2 - info0) / e_info)


# ---------------------------------------------------------------------------------------------
# MAP prior by quadrature

_GH_X, _GH_W = np.polynomial.hermite.hermgauss(12)
_N_MU, _N_TAU = 201, 160  # fine (mu, tau) grid of the MAP posterior


@dataclass(frozen=True, slots=True, repr=False)
class MAPPrior:
    """Meta-analytic-predictive prior of a new study's response rate (deterministic quadrature).

    ``mu``, ``tau`` and ``weight`` are the nodes and posterior weights of the (μ, τ) grid; the
    predictive distribution of the new rate is ``sum weight · logit-normal(mu, tau)``.
    """

    events: tuple[int, ...]
    totals: tuple[int, ...]
    tau_scale: float
    mu_sd: float
    mu: np.ndarray = field(compare=False)
    tau: np.ndarray = field(compare=False)
    weight: np.ndarray = field(compare=False)
    grid: np.ndarray = field(compare=False)  # logit grid of the tabulated predictive cdf
    grid_cdf: np.ndarray = field(compare=False)

    def __repr__(self) -> str:
        lo, hi = self.interval(0.95)
        return (f"MAPPrior(k={len(self.events)}, mean={self.mean():.4f}, sd={self.sd():.4f}, "
                f"95% interval {lo:.4f}–{hi:.4f})")

    @property
    def k(self) -> int:
        return len(self.events)

    def _moment(self, power: int) -> float:
        z = np.sqrt(2.0) * _GH_X40
        vals = special.expit(self.mu[:, None] + self.tau[:, None] * z[None, :]) ** power
        return float(np.sum(self.weight * (vals @ _GH_W40) / math.sqrt(math.pi)))

    def mean(self) -> float:
        """Predictive mean of the new study's rate."""
        return self._moment(1)

    def sd(self) -> float:
        """Predictive standard deviation."""
        return math.sqrt(max(self._moment(2) - self.mean() ** 2, 0.0))

    def cdf(self, p: object) -> np.ndarray | float:
        pp = np.clip(np.asarray(p, dtype=float), 1e-300, 1 - 1e-16)
        out = np.sum(self.weight * scipy.stats.norm.cdf((special.logit(pp)[..., None] - self.mu) / self.tau), axis=-1)
        return float(out) if np.ndim(out) == 0 else out

    def pdf(self, p: object) -> np.ndarray | float:
        pp = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
        lg = special.logit(pp)[..., None]
        dens = np.sum(self.weight * scipy.stats.norm.pdf((lg - self.mu) / self.tau) / self.tau, axis=-1)
        out = dens / (pp * (1 - pp))
        return float(out) if np.ndim(out) == 0 else out

    def quantile(self, q: object) -> np.ndarray | float:
        """Predictive quantiles: monotone cubic interpolation of the cdf tabulated on a fine logit
        grid (801 points spanning the mixture's support), refined by two Newton steps when at most
        16 quantiles are asked for (the cdf is a sum over every grid node of the posterior)."""
        qq = np.atleast_1d(np.asarray(q, dtype=float))
        if np.any((qq <= 0) | (qq >= 1)):
            raise ValueError(f"q ({q!r}) must be strictly between 0 and 1.")
        inv = scipy.interpolate.PchipInterpolator(self.grid_cdf, self.grid)
        t = inv(qq)
        for _ in range(2 if qq.size <= 16 else 0):
            p = special.expit(t)
            dens = np.asarray(self.pdf(p)) * p * (1 - p)
            t = t - (np.asarray(self.cdf(p)) - qq) / np.maximum(dens, 1e-300)
        out = special.expit(t)
        return float(out[0]) if np.ndim(q) == 0 else out

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        lo = (1 - level) / 2
        return float(self.quantile(lo)), float(self.quantile(1 - lo))

    def tau_summary(self) -> dict[str, float]:
        """Posterior mean and median of the between-study sd τ (logit scale)."""
        order = np.argsort(self.tau)
        cw = np.cumsum(self.weight[order])
        med = float(self.tau[order][np.searchsorted(cw, 0.5)])
        return {"mean": float(np.sum(self.weight * self.tau)), "median": med}

    def mixture(self, max_components: int = 4, n_points: int = 4000, n_components: int | None = None) -> BetaMixture:
        """Beta-mixture approximation (EM; number of components 1..max by AIC with RBesT's penalty 6).

        The EM is run on ``n_points`` deterministic quantiles ``Q((i − ½)/n_points)`` of the MAP
        prior (a quasi-sample the size of RBesT's default 4,000 MCMC draws); every a, b >= 1
        (RBesT ``constrain_gt1``) so that the ELIR ESS is defined. fixes the number of components instead.
        """
        x = np.asarray(self.quantile((np.arange(n_points) + 0.5) / n_points))
        if n_components is not None:
            return fit_beta_mixture(x, max_components=int(n_components), min_components=int(n_components))
        return fit_beta_mixture(x, max_components=max_components)


_GH_X40, _GH_W40 = np.polynomial.hermite.hermgauss(40)


def _study_loglik(r: np.ndarray, n: np.ndarray, mu: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """log ∫ Bin(r | n, expit θ) N(θ | μ, τ²) dθ for every (μ, τ) node and study (AGHQ, 12 nodes).

    Shapes: mu (M, 1), tau (1, T); returns (M, T) summed over the studies.
    """
    total = np.zeros(np.broadcast_shapes(mu.shape, tau.shape))
    prec = 1.0 / tau**2
    for ri, ni in zip(r.tolist(), n.tolist(), strict=True):
        y = math.log((ri + 0.5) / (ni - ri + 0.5))
        w_l = ni * 0.25
        th = (w_l * y + prec * mu) / (w_l + prec)
        for _ in range(30):  # Newton on the concave log integrand
            pr = special.expit(th)
            g = ri - ni * pr - (th - mu) * prec
            h = -ni * pr * (1 - pr) - prec
            step = g / h
            th = th - step
            if np.max(np.abs(step)) < 1e-12:
                break
        pr = special.expit(th)
        sig = 1.0 / np.sqrt(ni * pr * (1 - pr) + prec)
        nodes = th[..., None] + math.sqrt(2.0) * sig[..., None] * _GH_X
        logf = (ri * nodes - ni * np.logaddexp(0.0, nodes)
                - 0.5 * (nodes - mu[..., None]) ** 2 * prec[..., None] - np.log(tau[..., None])
                - 0.5 * math.log(2 * math.pi))
        val = special.logsumexp(logf + _GH_X**2 + np.log(_GH_W), axis=-1) + np.log(math.sqrt(2.0) * sig)
        total = total + val + (special.gammaln(ni + 1) - special.gammaln(ri + 1) - special.gammaln(ni - ri + 1))
    return total


def map_prior(events: object, totals: object, tau_scale: float = 1.0, mu_sd: float = 2.0) -> MAPPrior:
    """Meta-analytic-predictive prior of a new study's response rate.

    Model (RBesT ``gMAP`` with ``family=binomial``, ``tau.dist="HalfNormal"``)::

        r_i ~ Binomial(n_i, expit(θ_i)),   θ_i ~ N(μ, τ²),
        μ ~ N(0, mu_sd²),   τ ~ HalfNormal(tau_scale);   θ_new ~ N(μ, τ²).

    The posterior of (μ, τ) is computed on a product grid (201 μ nodes over the posterior support
    found by a coarse first pass, 160 midpoint nodes for τ in [0, 6 · tau_scale]), each study's
    marginal likelihood
    by adaptive Gauss–Hermite quadrature (12 nodes, as lme4's nAGQ); no MCMC, so the result is
    reproducible to the last digit.  The MAP prior is the mixture of logit-normal(μ, τ) over that
    posterior.

    Parameters
    ----------
    events, totals : sequence of int
        Responders and patients in each historical study.
    tau_scale : float
        Scale of the half-normal prior on τ (RBesT's ``tau.prior``; 1 is "conservative" for
        rates between 20% and 80%, 0.5 "substantial" heterogeneity).
    mu_sd : float
        Standard deviation of the normal prior on μ, centred at 0 (logit scale).

    Examples
    --------
    >>> mp = map_prior([23, 12, 19, 9, 39, 6, 9, 10], [107, 44, 51, 39, 139, 20, 78, 35])
    >>> round(mp.mean(), 3), round(mp.sd(), 3)
    (0.258, 0.087)
    """
    r = np.asarray(events, dtype=float).ravel()
    n = np.asarray(totals, dtype=float).ravel()
    if r.size == 0 or r.size != n.size:
        raise ValueError(f"events and totals must have the same positive length (got {r.size}, {n.size}).")
    if np.any(r != np.round(r)) or np.any(n != np.round(n)) or np.any(r < 0) or np.any(n < 1) or np.any(r > n):
        raise ValueError("events and totals must be whole numbers with 0 <= events <= totals and totals >= 1.")
    ts = check_positive("tau_scale", tau_scale)
    ms = check_positive("mu_sd", mu_sd)
    y = np.log((r + 0.5) / (n - r + 0.5))

    def posterior(mu: np.ndarray, tau: np.ndarray) -> np.ndarray:
        ll = _study_loglik(r, n, mu[:, None], tau[None, :])
        lp = ll + scipy.stats.norm.logpdf(mu, 0.0, ms)[:, None] + scipy.stats.halfnorm.logpdf(tau, scale=ts)[None, :]
        w = np.exp(lp - lp.max())
        return w / w.sum()

    # pass 1: a coarse grid locates the posterior support of mu; pass 2: a fine grid over it
    tau = (np.arange(_N_TAU) + 0.5) * (6.0 * ts / _N_TAU)
    mu = np.linspace(float(y.min()) - 6.0, float(y.max()) + 6.0, 121)
    w1 = posterior(mu, tau[::4]).sum(axis=1)
    inside = np.flatnonzero(w1 > 1e-12 * w1.max())
    step = mu[1] - mu[0]
    mu = np.linspace(mu[inside[0]] - step, mu[inside[-1]] + step, _N_MU)
    w = posterior(mu, tau)
    mm, tt = np.meshgrid(mu, tau, indexing="ij")
    keep = w > 1e-12 * w.max()
    ww = w[keep] / w[keep].sum()
    mk, tk = mm[keep], tt[keep]
    # predictive cdf tabulated on a logit grid
    grid = np.linspace(max(float(np.min(mk - 9 * tk)), -25.0), min(float(np.max(mk + 9 * tk)), 25.0), 801)
    cdf = np.zeros(grid.size)
    for i in range(0, grid.size, 200):
        g = grid[i : i + 200, None]
        cdf[i : i + 200] = special.ndtr((g - mk) / tk) @ ww
    cdf = np.maximum.accumulate(np.clip(cdf, 0.0, 1.0))
    sel = np.concatenate([[True], np.diff(cdf) > 1e-15])
    return MAPPrior(tuple(int(v) for v in r), tuple(int(v) for v in n), ts, ms, mk, tk, ww,
                    grid[sel], cdf[sel])


# ---------------------------------------------------------------------------------------------
# EM fit of a beta mixture


def _beta_mle(x: np.ndarray, w: np.ndarray, start: tuple[float, float] | None = None) -> tuple[float, float]:
    """Weighted ML of Beta(a, b) with a, b >= 1 (Newton on the digamma equations)."""
    sw = w.sum()
    l1 = float(np.sum(w * np.log(x)) / sw)
    l2 = float(np.sum(w * np.log1p(-x)) / sw)
    if start is None:
        m = float(np.sum(w * x) / sw)
        v = float(np.sum(w * (x - m) ** 2) / sw)
        c = max(m * (1 - m) / max(v, 1e-12) - 1, 0.5)
        start = (max(m * c, 1.0), max((1 - m) * c, 1.0))
    t = np.log(np.asarray(start, dtype=float))
    for _ in range(50):  # Newton in log(a), log(b)
        a, b = np.exp(t)
        dab, tab = special.digamma(a + b), special.polygamma(1, a + b)
        g = np.array([special.digamma(a) - dab - l1, special.digamma(b) - dab - l2])
        jac = np.array([[(special.polygamma(1, a) - tab) * a, -tab * b],
                        [-tab * a, (special.polygamma(1, b) - tab) * b]])
        step = np.linalg.solve(jac, g)
        step = np.clip(step, -1.0, 1.0)
        t = t - step
        if np.max(np.abs(step)) < 1e-10:
            break
    a, b = (float(v) for v in np.exp(t))
    if a >= 1 and b >= 1:
        return a, b

    def one(fixed: float, lv: float) -> float:
        # solve psi(y) - psi(y + fixed) = lv for y >= 1 (monotone increasing in y)
        def f(y: float) -> float:
            return special.digamma(y) - special.digamma(y + fixed) - lv
        if f(1.0) >= 0:
            return 1.0
        hi = 2.0
        while f(hi) < 0:
            hi *= 2
        return scipy.optimize.brentq(f, 1.0, hi, xtol=1e-12)

    if a < 1 and b < 1:
        return 1.0, 1.0
    if a < 1:
        return 1.0, one(1.0, l2)
    return one(1.0, l1), 1.0


def fit_beta_mixture(x: np.ndarray, max_components: int = 4, max_iter: int = 300,
                     penalty: float = 6.0, min_components: int = 1) -> BetaMixture:
    """EM fit of beta mixtures with 1..``max_components`` components; the best by AIC.

    AIC is −2 log L + ``penalty`` × (3K − 1) with the penalty per parameter 6, as RBesT's
    ``automixfit`` (``k = 6``), which favours fewer components than the textbook 2.

    Every shape parameter is kept >= 1.  Initialisation: the sorted sample split into equal
    groups, each fitted by maximum likelihood.  Deterministic.
    """
    x = np.clip(np.asarray(x, dtype=float), 1e-10, 1 - 1e-10)
    lx, l1x = np.log(x)[:, None], np.log1p(-x)[:, None]

    def comp_logpdf(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a - 1) * lx + (b - 1) * l1x - special.betaln(a, b)

    best: tuple[float, BetaMixture] | None = None
    for k in range(min_components, max_components + 1):
        groups = np.array_split(np.sort(x), k)
        params = [_beta_mle(g, np.ones(g.size)) for g in groups]
        w = np.full(k, 1.0 / k)
        prev = -np.inf
        for _ in range(max_iter if k > 1 else 0):
            a = np.array([p[0] for p in params])
            b = np.array([p[1] for p in params])
            lw = np.log(np.maximum(w, 1e-300)) + comp_logpdf(a, b)
            norm = special.logsumexp(lw, axis=1, keepdims=True)
            ll = float(norm.sum())
            if ll - prev < 1e-7 * abs(ll) + 1e-9:
                break
            prev = ll
            resp = np.exp(lw - norm)
            w = resp.mean(axis=0)
            params = [_beta_mle(x, resp[:, j], params[j]) if w[j] > 1e-8 else params[j] for j in range(k)]
        a = np.array([p[0] for p in params])
        b = np.array([p[1] for p in params])
        lw = np.log(np.maximum(w, 1e-300)) + comp_logpdf(a, b)
        ll = float(np.sum(special.logsumexp(lw, axis=1)))
        aic = -2 * ll + penalty * (3 * k - 1)
        if best is None or aic < best[0] - 1e-9:
            best = (aic, BetaMixture(w, a, b))
    assert best is not None
    return best[1]


# ---------------------------------------------------------------------------------------------
# the posterior rule "success if Pr(p > p0 | data) > c"


def success_boundary(prior: BetaMixture | tuple[float, float], n: int, p0: float, c: float) -> int:
    """Smallest number of responses r out of n with Pr(p > p0 | r, n) > c (n + 1 if none).

    RBesT's ``decision1S_boundary(prior, n, decision1S(c, p0, lower.tail=FALSE))`` returns the
    largest *failing* count, i.e. this value minus 1.

    Examples
    --------
    >>> success_boundary(BetaMixture([1], [1], [1]), 40, 0.2, 0.95)
    13
    """
    m = _as_mixture(prior)
    n = _check_n("n", n)
    p0 = check_prob("p0", p0)
    c = check_prob("c", c)
    post = np.array([postmix(m, r, n).sf(p0) for r in range(n + 1)])
    ok = np.flatnonzero(post > c)
    return int(ok[0]) if ok.size else n + 1


def oc_single(prior: BetaMixture | tuple[float, float], n: int, p0: float, c: float,
              theta: object) -> np.ndarray | float:
    """Exact probability of success (Pr(p > p0 | data) > c) when the true rate is ``theta``."""
    r = success_boundary(prior, n, p0, c)
    th = np.asarray(theta, dtype=float)
    out = scipy.stats.binom.sf(r - 1, n, th)
    return float(out) if out.ndim == 0 else out


def pos_single(prior: BetaMixture | tuple[float, float], n: int, p0: float, c: float,
               design_prior: BetaMixture | tuple[float, float]) -> float:
    """Probability of success (assurance) averaged over a design prior of the true rate."""
    r = success_boundary(prior, n, p0, c)
    pmf = _as_mixture(design_prior).predictive_pmf(n)
    return float(pmf[r:].sum())


@dataclass(frozen=True, slots=True)
class PosteriorDesign:
    """Single-stage Bayesian design: success if Pr(p > p0 | r, n) > c."""

    prior: BetaMixture
    n: int
    p0: float
    c: float
    r_success: int  # smallest r with success

    def oc(self, p: float) -> OC:
        return OC(float(p), float(scipy.stats.binom.sf(self.r_success - 1, self.n, p)), 0.0, 0.0,
                  float(self.n), self.n)

    def rule_text(self) -> str:
        return (f"Enrol {self.n} patients; the treatment is declared promising if Pr(p > {self.p0:g} | "
                f"data) > {self.c:g}, i.e. if {self.r_success} or more respond.")


def posterior_design(prior: BetaMixture | tuple[float, float], n: int, p0: float, c: float) -> PosteriorDesign:
    """The single-stage posterior-rule design (see :func:`success_boundary`)."""
    m = _as_mixture(prior)
    return PosteriorDesign(m, int(n), float(p0), float(c), success_boundary(m, n, p0, c))


def posterior_search(prior: BetaMixture | tuple[float, float], p0: float, p1: float, c: float,
                     alpha: float, beta: float, n_max: int = 300) -> PosteriorDesign:
    """Smallest n whose posterior rule has P(success | p0) <= α and P(success | p1) >= 1 − β.

    Like A'Hern's exact design, feasibility is not monotone in n; the smallest feasible n is
    reported.

    Examples
    --------
    >>> d = posterior_search((0.2, 0.8), 0.2, 0.4, 0.95, 0.1, 0.2)
    >>> d.n, d.r_success
    (33, 11)
    """
    m = _as_mixture(prior)
    p0, p1 = check_prob("p0", p0), check_prob("p1", p1)
    alpha, beta = check_error_rate("alpha", alpha), check_error_rate("beta", beta)
    for n in range(1, int(n_max) + 1):
        r = success_boundary(m, n, p0, c)
        if r > n:
            continue
        a, pw = scipy.stats.binom.sf(r - 1, n, [p0, p1])
        if a <= alpha and 1 - pw <= beta:
            return PosteriorDesign(m, n, p0, float(c), r)
    raise ValueError(f"No n <= {n_max} meets alpha = {alpha} and power = {1 - beta} with the rule "
                     f"Pr(p > {p0} | data) > {c}.")


# ---------------------------------------------------------------------------------------------
# predictive probability (Lee & Liu 2008)


def _post_sf_all(m: BetaMixture, nmax: int, p0: float) -> np.ndarray:
    """Pr(p > p0 | z, nmax) for z = 0..nmax."""
    return np.array([postmix(m, z, nmax).sf(p0) for z in range(nmax + 1)])


def _final_threshold(m: BetaMixture, nmax: int, p0: float, theta_t: float) -> int:
    """Smallest total z with Pr(p > p0 | z, nmax) >= θ_T (within machine epsilon); nmax + 1 if none."""
    q = _post_sf_all(m, nmax, p0)
    ok = np.flatnonzero((q > theta_t) | (np.abs(q - theta_t) < PP_EPS))
    return int(ok[0]) if ok.size else nmax + 1


def _pp_given_threshold(m: BetaMixture, x: np.ndarray, n: int, nmax: int, zstar: int) -> np.ndarray:
    """PP(x, n) = P(Y >= zstar − x), Y ~ posterior predictive beta-binomial of nmax − n patients."""
    mm = nmax - n
    y = np.arange(mm + 1)
    out = np.zeros(x.size)
    for xi, xv in enumerate(x.tolist()):
        post = postmix(m, xv, n)
        pmf = post.predictive_pmf(mm) if mm > 0 else np.array([1.0])
        out[xi] = float(pmf[y >= zstar - xv].sum())
    return out


def predictive_probability(x: int, n: int, nmax: int, p0: float, theta_t: float,
                           prior: BetaMixture | tuple[float, float] = (1.0, 1.0)) -> float:
    """Predictive probability of success at the end of the trial (Lee & Liu 2008).

    ``PP = sum_y P(Y = y | x, n) · 1[Pr(p > p0 | x + y, nmax) >= θ_T]`` with Y the responses among
    the remaining nmax − n patients (beta-binomial posterior predictive).  **Equality**: a final
    posterior probability equal to θ_T within machine epsilon (2.2e-16) counts as success, as in
    ph2bye ``PredP`` and ph2bayes ``predprob``.

    Examples
    --------
    Lee & Liu (2008), section 2: 16 responses in 23 patients, nmax = 40, Beta(0.6, 0.4) prior,
    p0 = 0.6, θ_T = 0.9:

    >>> round(predictive_probability(16, 23, 40, 0.6, 0.9, (0.6, 0.4)), 4)
    0.5656
    """
    m = _as_mixture(prior)
    nmax = _check_n("nmax", nmax)
    n = _check_n("n", n, allow_zero=True)
    x = _check_n("x", x, allow_zero=True)
    if not (x <= n <= nmax):
        raise ValueError(f"need x <= n <= nmax (got x = {x}, n = {n}, nmax = {nmax}).")
    p0 = check_prob("p0", p0)
    theta_t = check_prob("theta_t", theta_t)
    zstar = _final_threshold(m, nmax, p0, theta_t)
    return float(_pp_given_threshold(m, np.array([x]), n, nmax, zstar)[0])


@dataclass(frozen=True, slots=True)
class PredictiveDesign:
    """A predictive-probability design with its boundaries (a :class:`SequentialBinary`)."""

    p0: float
    nmax: int
    theta_t: float
    theta_l: float
    theta_u: float
    prior: BetaMixture
    rule: SequentialBinary

    @property
    def looks(self) -> tuple[int, ...]:
        return self.rule.looks

    @property
    def futility(self) -> tuple[int, ...]:
        return self.rule.futility

    @property
    def efficacy(self) -> tuple[int, ...]:
        return self.rule.efficacy

    def oc(self, p: float) -> OC:
        return self.rule.oc(p)


def _looks(nmax: int, first: int, step: int) -> tuple[int, ...]:
    looks = list(range(first, nmax, step)) + [nmax]
    return tuple(sorted({v for v in looks if 1 <= v <= nmax}))


def pp_design(p0: float, nmax: int, theta_t: float, theta_l: float, theta_u: float = 1.0,
              prior: BetaMixture | tuple[float, float] = (1.0, 1.0), *, looks: object = None,
              first_look: int = 10, step: int = 1) -> PredictiveDesign:
    """Predictive-probability design: stop for futility if PP < θ_L, for efficacy if PP > θ_U.

    Boundaries at each interim look n (default: every ``step`` patients from ``first_look``):
    futility ``max{x: PP(x) < θ_L}`` and efficacy ``min{x: PP(x) > θ_U}`` (none when θ_U >= 1);
    at nmax the treatment is declared promising if Pr(p > p0 | x, nmax) >= θ_T.  PP is
    non-decreasing in x, so the boundaries are counts.  ph2bye's ``PredP.design`` uses PP <= θ
    for its futility table; the two differ only when PP equals θ_L exactly.

    Examples
    --------
    >>> d = pp_design(0.2, 40, 0.9, 0.05, prior=(0.2, 0.8), looks=(10, 20, 30, 40))
    >>> d.futility, d.efficacy[-1]
    ((1, 3, 6, 11), 12)
    """
    m = _as_mixture(prior)
    nmax = _check_n("nmax", nmax)
    p0 = check_prob("p0", p0)
    theta_t = check_prob("theta_t", theta_t)
    if not (0.0 <= float(theta_l) < 1.0):
        raise ValueError(f"theta_l ({theta_l!r}) must be in [0, 1).")
    if not (float(theta_l) < float(theta_u) <= 1.0):
        raise ValueError(f"theta_u ({theta_u!r}) must be in (theta_l, 1].")
    lk = _looks(nmax, first_look, step) if looks is None else tuple(int(v) for v in looks)
    if not lk or lk[-1] != nmax:
        raise ValueError(f"looks ({lk!r}) must end at nmax ({nmax}).")
    zstar = _final_threshold(m, nmax, p0, theta_t)
    fut, eff = _pp_bounds(_pp_arrays(m, lk, nmax, zstar), zstar, float(theta_l), float(theta_u))
    rule = SequentialBinary(lk, fut, eff)
    return PredictiveDesign(p0, nmax, float(theta_t), float(theta_l), float(theta_u), m, rule)


def _pp_arrays(m: BetaMixture, lk: tuple[int, ...], nmax: int, zstar: int) -> list[np.ndarray]:
    """PP(x, n) for x = 0..n at each interim look n."""
    return [_pp_given_threshold(m, np.arange(n + 1), n, nmax, zstar) for n in lk[:-1]]


def _pp_bounds(pps: list[np.ndarray], zstar: int, theta_l: float,
               theta_u: float) -> tuple[tuple[int, ...], tuple[int, ...]]:
    fut, eff = [], []
    for pp in pps:
        f = np.flatnonzero(pp < theta_l)
        e = np.flatnonzero(pp > theta_u) if theta_u < 1.0 else np.array([], dtype=int)
        fut.append(int(f[-1]) if f.size else -1)
        eff.append(int(e[0]) if e.size else pp.size)
    return (*fut, zstar - 1), (*eff, zstar)


def pp_search(p0: float, p1: float, alpha: float, beta: float, *,
              prior: BetaMixture | tuple[float, float] | None = None, n_range: tuple[int, int] = (10, 60),
              theta_t_grid: object = None, theta_l_grid: object = None, first_look: int = 10,
              step: int = 1) -> PredictiveDesign:
    """Search (N, θ_L, θ_T) for a predictive-probability design meeting α at p0 and power at p1.

    θ_U = 1 (no efficacy stop, as Lee & Liu 2008).  Grids: θ_T in 0.80, 0.81, …, 0.99 and θ_L in
    0.001, 0.01, 0.05, 0.10, 0.15, 0.20 unless given.  **Rule**: the smallest N with a design
    meeting both constraints; among those the smallest EN(p0), then the largest power, then the
    smallest θ_T and θ_L.

    Examples
    --------
    >>> d = pp_search(0.2, 0.4, 0.1, 0.2, prior=(0.2, 0.8), n_range=(20, 40), step=5)
    >>> d.nmax, d.theta_t, d.theta_l
    (24, 0.84, 0.01)
    """
    p0, p1 = check_prob("p0", p0), check_prob("p1", p1)
    alpha, beta = check_error_rate("alpha", alpha), check_error_rate("beta", beta)
    m = _as_mixture(prior if prior is not None else (p0, 1 - p0))
    tt = np.round(np.arange(0.80, 0.995, 0.01), 2) if theta_t_grid is None else np.asarray(theta_t_grid, float)
    tl = np.array([0.001, 0.01, 0.05, 0.10, 0.15, 0.20]) if theta_l_grid is None else np.asarray(theta_l_grid, float)
    for nmax in range(int(n_range[0]), int(n_range[1]) + 1):
        lk = _looks(nmax, min(first_look, nmax), step)
        q = _post_sf_all(m, nmax, p0)
        cands = []
        cache: dict[int, list[np.ndarray]] = {}
        for t in tt.tolist():
            ok = np.flatnonzero((q > t) | (np.abs(q - t) < PP_EPS))
            zstar = int(ok[0]) if ok.size else nmax + 1
            if zstar not in cache:
                cache[zstar] = _pp_arrays(m, lk, nmax, zstar)
            for l_ in tl.tolist():
                fut, eff = _pp_bounds(cache[zstar], zstar, l_, 1.0)
                rule = SequentialBinary(lk, fut, eff)
                o0 = rule.oc(p0)
                if o0.reject > alpha:
                    continue
                o1 = rule.oc(p1)
                if 1 - o1.reject <= beta:
                    cands.append((o0.expected_n, -o1.reject, t, l_, rule))
        if cands:
            cands.sort(key=lambda c: c[:4])
            en, _, t, l_, rule = cands[0]
            return PredictiveDesign(p0, nmax, float(t), float(l_), 1.0, m, rule)
    raise ValueError(f"No predictive-probability design with N in {n_range} meets alpha = {alpha} "
                     f"and power = {1 - beta} on the stated grid.")


# ---------------------------------------------------------------------------------------------
# BOP2 / BOP2-FE


@dataclass(frozen=True, slots=True)
class BOP2Design:
    """BOP2 (futility) or BOP2-FE (futility and efficacy) design with its boundaries."""

    p0: float
    looks: tuple[int, ...]
    lam: float
    gamma: float
    eta: float | None
    method: str  # "power" or "OF" (efficacy cut-off), "none" without efficacy stopping
    prior: BetaMixture
    rule: SequentialBinary
    ties: int = 1  # grid points of the search with these boundaries (1 outside a search)

    @property
    def futility(self) -> tuple[int, ...]:
        """Stop for futility at look k if responses <= futility[k] (−1: no stop possible)."""
        return self.rule.futility

    @property
    def efficacy(self) -> tuple[int, ...]:
        """Stop for efficacy at interim k if responses >= efficacy[k] (> n_k: none); final: promising."""
        return self.rule.efficacy

    @property
    def nmax(self) -> int:
        return self.rule.max_n

    def oc(self, p: float) -> OC:
        """Exact OCs (dynamic programming over the looks; no simulation)."""
        return self.rule.oc(p)

    def cutoffs(self) -> pd.DataFrame:
        """The posterior-probability cut-offs at each look."""
        cf, cs = _bop2_cutoffs(self.looks, self.lam, self.gamma, self.eta, self.method)
        return pd.DataFrame({"n": self.looks, "futility cut-off": cf, "efficacy cut-off": cs})


def _bop2_cutoffs(looks: tuple[int, ...], lam: float, gamma: float, eta: float | None,
                  method: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(looks, dtype=float) / looks[-1]
    cf = lam * t**gamma
    if method == "OF":
        cs = 2 * scipy.stats.norm.cdf(scipy.stats.norm.ppf((1 + lam) / 2) / np.sqrt(t)) - 1
    elif method == "power" and eta is not None:
        cs = 1 - (1 - lam) * t**eta
    else:
        cs = np.full(t.size, np.inf)
        cs[-1] = lam
    return cf, cs


def _bop2_boundaries(postp: list[np.ndarray], cf: np.ndarray, cs: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
    fut, eff = [], []
    for k, q in enumerate(postp):
        f = np.flatnonzero(q < cf[k])
        e = np.flatnonzero(q >= cs[k])
        fut.append(int(f[-1]) if f.size else -1)
        eff.append(int(e[0]) if e.size else q.size)
    return tuple(fut), tuple(eff)


def _check_looks(looks: object) -> tuple[int, ...]:
    try:
        lk = tuple(int(v) for v in np.atleast_1d(np.asarray(looks)).ravel())
    except (TypeError, ValueError):
        raise ValueError(f"looks ({looks!r}) must be increasing cumulative sample sizes.") from None
    if not lk or any(b <= a for a, b in zip((0, *lk), lk, strict=False)):
        raise ValueError(f"looks ({looks!r}) must be increasing positive cumulative sample sizes.")
    return lk


def _postp(m: BetaMixture, looks: tuple[int, ...], p0: float) -> list[np.ndarray]:
    return [np.array([postmix(m, x, n).sf(p0) for x in range(n + 1)]) for n in looks]


def bop2_design(p0: float, looks: object, lam: float, gamma: float, eta: float | None = None,
                prior: BetaMixture | tuple[float, float] | None = None, *, method: str = "power") -> BOP2Design:
    """BOP2 / BOP2-FE boundaries for given parameters.

    With ``q = Pr(p > p0 | x, n_k)`` under the prior (default Beta(p0, 1 − p0), as BOP2 and
    BOP2FE), at look k with n_k of N patients:

    * futility: stop if ``q < λ (n_k/N)^γ`` — boundary ``max{x: q < cut-off}``;
    * efficacy (BOP2-FE, interim looks): stop if ``q >= 1 − (1 − λ)(n_k/N)^η`` (``method="power"``,
      needs ``eta``) or ``q >= 2Φ(z_{(1+λ)/2} / √(n_k/N)) − 1`` (``method="OF"``);
    * at N: promising if ``q >= λ``.

    Cumulative sample sizes are given (BOP2FE's ``n`` holds the increments).  Where BOP2FE's
    code floors the futility boundary at 0 responses and caps the efficacy boundary at n_k when no
    count meets the cut-off, this function reports −1 / n_k + 1 (no stop possible); the two
    agree whenever some count meets each cut-off.

    Examples
    --------
    >>> d = bop2_design(0.2, (10, 20, 30, 40), lam=0.95, gamma=1.0)
    >>> d.futility, d.efficacy[-1]
    ((1, 4, 7, 12), 13)
    """
    p0 = check_prob("p0", p0)
    lk = _check_looks(looks)
    lam = check_prob("lam", lam)
    g = check_positive("gamma", gamma, allow_zero=True)
    if method not in ("power", "OF"):
        raise ValueError(f"method ({method!r}) must be 'power' or 'OF'.")
    e = None if eta is None else check_positive("eta", eta, allow_zero=True)
    meth = "OF" if method == "OF" else ("power" if e is not None else "none")
    m = _as_mixture(prior if prior is not None else (p0, 1 - p0))
    cf, cs = _bop2_cutoffs(lk, lam, g, e, meth)
    fut, eff = _bop2_boundaries(_postp(m, lk, p0), cf, cs)
    return BOP2Design(p0, lk, lam, g, e, meth, m, SequentialBinary(lk, fut, eff))


def bop2_search(p0: float, p1: float, looks: object, alpha: float, efficacy: bool = False, *,
                method: str = "power", prior: BetaMixture | tuple[float, float] | None = None,
                lam_grid: object = None, gamma_grid: object = None, eta_grid: object = None) -> BOP2Design:
    """Parameters (λ, γ[, η]) maximising power at p1 subject to type I error <= α at p0 (exact OCs).

    Grid (unless given): λ = 0.50, 0.51, …, 0.99; γ = 0.05, 0.10, …, 2.00; η (BOP2-FE, power
    method) = 0.05, 0.10, …, 3.00.  Many grid points give identical boundaries and hence identical
    OCs; the result reports the boundaries and ``ties`` (how many grid points share them).
    **Tie rule**: largest power; then smallest EN(p0); then smallest λ, γ, η.

    Examples
    --------
    >>> d = bop2_search(0.2, 0.4, (10, 20, 30, 40), alpha=0.1)
    >>> d.futility, d.efficacy[-1], round(d.oc(0.2).reject, 4), round(d.oc(0.4).reject, 4)
    ((0, 2, 6, 11), 12, 0.0851, 0.9231)
    """
    p0, p1 = check_prob("p0", p0), check_prob("p1", p1)
    alpha = check_error_rate("alpha", alpha)
    lk = _check_looks(looks)
    m = _as_mixture(prior if prior is not None else (p0, 1 - p0))
    lams = np.round(np.arange(0.50, 0.995, 0.01), 2) if lam_grid is None else np.asarray(lam_grid, float)
    gams = np.round(np.arange(0.05, 2.001, 0.05), 2) if gamma_grid is None else np.asarray(gamma_grid, float)
    if efficacy and method == "power":
        etas = np.round(np.arange(0.05, 3.001, 0.05), 2) if eta_grid is None else np.asarray(eta_grid, float)
    else:
        etas = np.array([np.nan])
    postp = _postp(m, lk, p0)
    groups: dict[tuple[tuple[int, ...], tuple[int, ...]], list[tuple[float, float, float]]] = {}
    for lam, g, e in itertools.product(lams.tolist(), gams.tolist(), etas.tolist()):
        eta = None if not efficacy else (0.0 if method == "OF" else e)
        meth = ("OF" if method == "OF" else "power") if efficacy else "none"
        cf, cs = _bop2_cutoffs(lk, lam, g, eta, meth)
        key = _bop2_boundaries(postp, cf, cs)
        groups.setdefault(key, []).append((lam, g, e))
    best = None
    for (fut, eff), params in groups.items():
        rule = SequentialBinary(lk, fut, eff)
        o0 = rule.oc(p0)
        if o0.reject > alpha:
            continue
        o1 = rule.oc(p1)
        params.sort()
        key = (-round(o1.reject, 12), round(o0.expected_n, 12), params[0])
        if best is None or key < best[0]:
            best = (key, rule, params)
    if best is None:
        raise ValueError(f"No BOP2 design on the grid meets alpha = {alpha} for these looks {lk}.")
    _, rule, params = best
    lam, g, e = params[0]
    eta = None if not efficacy or method == "OF" else float(e)
    meth = ("OF" if method == "OF" else "power") if efficacy else "none"
    return BOP2Design(p0, lk, float(lam), float(g), eta, meth, m, rule, ties=len(params))
