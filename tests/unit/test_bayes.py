"""synthesis.bayes against published bayesmeta 3.4 outputs and a brute-force 2-D integration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from synthesis.bayes import bayes_pool

K4 = ([4, 3, 2, 1], [10, 20, 30, 40])
DB3 = ([11, 24, 179], [29, 33, 326])
DB5 = ([11, 24, 179, 82, 60], [29, 33, 326, 240, 110])

# bayesmeta evaluates the posterior with its DIRECT mixture approximation (accuracy settings
# delta = 0.01, epsilon = 1e-4), so its printed credible/predictive limits carry errors of a few
# 1e-4; our exact grid integration is checked separately against brute force below.
TOL = 5e-4
TOL_TAIL = 1e-3


@pytest.mark.parametrize(
    ("data", "scale", "est", "ci", "pi"),
    [
        # meta's help example metaprop(4:1, 10*1:4) (bayesmeta 3.4: logit NNHM, mu ~ N(0, 4²), central intervals)
        (K4, 0.5, 0.1374, (0.0557, 0.2847), (0.0283, 0.4356)),
        (K4, 1.0, 0.1331, (0.0389, 0.3462), (0.0108, 0.6589)),
        # subsets of dat.debruin2009 (bayesmeta 3.4): debruin2009 rows 1-3 and 1-5
        (DB3, 0.5, 0.5528, (0.3769, 0.7196), (0.2438, 0.8281)),
        (DB3, 1.0, 0.5533, (0.3004, 0.7828), (0.1336, 0.9093)),
        (DB5, 0.5, 0.5006, (0.3642, 0.6449), (0.2114, 0.7955)),
        (DB5, 1.0, 0.5021, (0.3322, 0.6801), None),
    ],
)
def test_published_bayesmeta(data, scale, est, ci, pi) -> None:
    res = bayes_pool(*data, tau_prior_scale=scale, mu_prior_sd=4.0, interval="central")
    assert res.estimate == pytest.approx(est, abs=TOL)
    assert tuple(res.ci) == pytest.approx(ci, abs=TOL)
    if pi is not None:
        assert tuple(res.pi) == pytest.approx(pi, abs=TOL_TAIL)


def test_published_tau_summaries() -> None:
    # meta's help example metaprop(4:1, 10*1:4) (bayesmeta 3.4): tau median 0.5135 [0.0309, 1.2317] (HN 0.5); 0.8770 [0.0796, 2.0773]
    r = bayes_pool(*K4, tau_prior_scale=0.5)
    assert (r.posterior.tau_median, *r.intervals.tau) == pytest.approx((0.5135, 0.0309, 1.2317), abs=TOL)
    r = bayes_pool(*K4, tau_prior_scale=1.0)
    assert (r.posterior.tau_median, *r.intervals.tau) == pytest.approx((0.8770, 0.0796, 2.0773), abs=TOL)


def _brute(events, totals, scale, sd=4.0):
    """Joint posterior on a dense (mu, tau) grid, integrating nothing analytically."""
    x = np.asarray(events, float)
    n = np.asarray(totals, float)
    y = np.log(x / (n - x))
    v = 1 / x + 1 / (n - x)
    mu = np.linspace(-7, 5, 1201)
    tau = np.linspace(0, 10 * scale, 801)
    M, T = np.meshgrid(mu, tau, indexing="ij")
    ll = np.zeros_like(M)
    for yi, vi in zip(y, v, strict=True):
        ll += stats.norm.logpdf(yi, M, np.sqrt(vi + T**2))
    lp = ll + stats.norm.logpdf(M, 0, sd) + stats.halfnorm.logpdf(T, scale=scale)
    p = np.exp(lp - lp.max())
    pm = p.sum(axis=1)
    cdf = np.cumsum(pm) / pm.sum()
    q = lambda a: np.interp(a, cdf, mu)  # noqa: E731
    dmu = mu[1] - mu[0]
    # cumsum puts each cell's mass at its centre: the CDF value at mu_i covers mu_i + dmu/2
    return tuple(special.expit(q(a) + dmu / 2) for a in (0.5, 0.025, 0.975))


@pytest.mark.parametrize(("data", "scale"), [(K4, 0.5), (K4, 1.0), (DB5, 0.5)])
def test_matches_brute_force_2d(data, scale) -> None:
    med, lo, hi = _brute(*data, scale)
    res = bayes_pool(*data, tau_prior_scale=scale)
    assert (res.estimate, *res.ci) == pytest.approx((med, lo, hi), abs=2e-4)


def test_shortest_is_not_wider_than_central() -> None:
    c = bayes_pool(*K4, interval="central")
    s = bayes_pool(*K4, interval="shortest")
    assert s.intervals.ci_t.width <= c.intervals.ci_t.width + 1e-9
    assert s.intervals.tau.width <= c.intervals.tau.width + 1e-6


def test_prior_scale_widens_interval_and_zero_cells() -> None:
    a = bayes_pool(*K4, tau_prior_scale=0.5)
    b = bayes_pool(*K4, tau_prior_scale=1.0)
    assert b.intervals.ci_t.width > a.intervals.ci_t.width
    z = bayes_pool([0, 3, 5], [10, 12, 20])
    assert z.data.yi[0] == pytest.approx(np.log(0.5 / 10.5))
    assert 0 < z.estimate < 1
    assert list(z.summary()["quantity"])[0].startswith("Pooled proportion")


def test_validation() -> None:
    with pytest.raises(ValueError, match="tau_prior_scale"):
        bayes_pool(*K4, tau_prior_scale=0)
    with pytest.raises(ValueError, match="interval"):
        bayes_pool(*K4, interval="hpd")
