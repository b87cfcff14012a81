"""synthesis.glmm against metafor 3.8-1 rma.glmm / lme4 1.1-31 (tests/reference/metafor_glmm_extras.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from synthesis import glmm as glmm_mod
from synthesis.glmm import fit_glmm, glmm_heterogeneity, glmm_loglik
from synthesis.meta import pool_proportions

REF = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "metafor_glmm_extras.json").read_text()
)["glmm"]

# Tolerances: see tests/reference/README_glmm.md (lme4's optimiser stops ~1e-5 relative).
ATOL_LOGIT = 5e-5
RTOL_SE = 1e-4
ATOL_TAU2 = 5e-5
ATOL_I2 = 5e-3  # percent

CASES = [(name, test) for name, d in REF.items() for test in ("z", "t") if d[test]["ok"]]


@pytest.mark.parametrize(("name", "test"), CASES)
def test_matches_rma_glmm(name: str, test: str) -> None:
    d = REF[name]
    r = d[test]
    res = fit_glmm(d["xi"], d["ni"], ci_method=test)
    assert res.computation.converged and res.computation.fallback is None
    assert res.fit.method == "GLMM" and res.fit.transform == "logit"
    assert res.fit.estimate_t == pytest.approx(r["b"], abs=ATOL_LOGIT)
    assert res.fit.se_t == pytest.approx(r["se"], rel=RTOL_SE)
    assert res.tau2 == pytest.approx(r["tau2"], abs=ATOL_TAU2, rel=1e-4)
    assert res.intervals.ci_t.low == pytest.approx(r["ci_lb"], abs=1e-4)
    assert res.intervals.ci_t.high == pytest.approx(r["ci_ub"], abs=1e-4)
    assert res.intervals.pi_t.low == pytest.approx(r["pi_lb"], abs=1e-4)
    assert res.intervals.pi_t.high == pytest.approx(r["pi_ub"], abs=1e-4)
    assert res.i2 == pytest.approx(r["I2"], abs=ATOL_I2)
    assert res.heterogeneity.h2 == pytest.approx(r["H2"], abs=1e-3)
    assert res.fit.pvalue == pytest.approx(r["pval"], abs=1e-4, rel=1e-3)
    assert res.heterogeneity.q == pytest.approx(r["QE_Wld"], rel=1e-5, abs=1e-4)
    assert res.heterogeneity.q_df == r["QE_df"]
    assert np.all(np.isnan(res.data.weights))


@pytest.mark.parametrize("name", [n for n, d in REF.items() if d["z"]["ok"]])
def test_heterogeneity_tests_match(name: str) -> None:
    d = REF[name]
    het = glmm_heterogeneity(d["xi"], d["ni"])
    assert het["q_lrt"] == pytest.approx(d["z"]["QE_LRT"], rel=1e-6, abs=1e-6)
    assert het["q_lrt_pvalue"] == pytest.approx(d["z"]["QEp_LRT"], rel=1e-5, abs=1e-9)
    assert het["q_wald"] == pytest.approx(d["z"]["QE_Wld"], rel=1e-5, abs=1e-4)


@pytest.mark.parametrize("name", [n for n, d in REF.items() if d["ce"]["ok"]])
def test_common_effect_logistic(name: str) -> None:
    d = REF[name]
    r = d["ce"]
    res = fit_glmm(d["xi"], d["ni"], model="common")
    assert res.tau2 == 0.0
    assert res.fit.estimate_t == pytest.approx(r["b"], abs=1e-8)
    assert res.fit.se_t == pytest.approx(r["se"], rel=1e-5)
    assert math.isnan(res.pi.low) and math.isnan(res.pi.high)


def test_published_pritz1997() -> None:
    # dat.pritz1997 (metadat) (package documentation: metafor rma.glmm docs; metafor 3.8-1): 0.7984, logit 1.3766 (SE 0.2884),
    # CI [0.6924, 0.8746], PI [0.4426, 0.9518], tau² 0.5893, I² 67.79 %; meta I² 48.20 %.
    xi = [16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6]
    ni = [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]
    res = fit_glmm(xi, ni)
    assert res.estimate == pytest.approx(0.7984, abs=5e-5)
    assert res.fit.estimate_t == pytest.approx(1.3766, abs=5e-5)
    assert res.fit.se_t == pytest.approx(0.2884, abs=5e-5)
    assert (res.ci.low, res.ci.high) == pytest.approx((0.6924, 0.8746), abs=5e-5)
    assert (res.pi.low, res.pi.high) == pytest.approx((0.4426, 0.9518), abs=5e-5)
    assert res.tau2 == pytest.approx(0.5893, abs=5e-5)
    assert res.i2 == pytest.approx(67.79, abs=5e-3)
    assert fit_glmm(xi, ni, i2_definition="Q").i2 == pytest.approx(48.20, abs=5e-3)
    # GLMM, t(13): [0.6800, 0.8808], PI [0.4025, 0.9588]
    rt = fit_glmm(xi, ni, ci_method="t")
    assert (rt.ci.low, rt.ci.high, rt.pi.low, rt.pi.high) == pytest.approx(
        (0.6800, 0.8808, 0.4025, 0.9588), abs=5e-5
    )


def test_published_small_examples() -> None:
    # dat.debruin2009 (metadat) debruin2009 GLMM: 0.4721 [0.3822, 0.5638], tau² 0.3787, Wald Q 95.9587,
    # LRT 108.7653; §2.3 metaprop(4:1, 10*1:4): 0.1045 (logit -2.1486, SE 0.5979), tau² 0.9067;
    # §2.5 nielweise2007 control arms (Stijnen 2010 Table II): -3.4964 (0.2570), tau² 0.8124.
    db = fit_glmm([11, 24, 179, 82, 60, 11, 99, 9, 88, 17, 26, 23, 40],
                  [29, 33, 326, 240, 110, 29, 244, 17, 215, 26, 138, 55, 54])
    assert (db.estimate, db.ci.low, db.ci.high) == pytest.approx((0.4721, 0.3822, 0.5638), abs=5e-5)
    assert db.tau2 == pytest.approx(0.3787, abs=5e-5)
    assert db.heterogeneity.q == pytest.approx(95.9587, abs=5e-5)
    k4 = fit_glmm([4, 3, 2, 1], [10, 20, 30, 40])
    assert k4.estimate == pytest.approx(0.1045, abs=5e-5)
    assert (k4.fit.estimate_t, k4.fit.se_t, k4.tau2) == pytest.approx((-2.1486, 0.5979, 0.9067), abs=5e-5)
    nw = fit_glmm([3, 3, 9, 7, 6, 4, 3, 2, 19, 2, 7, 1, 5, 11, 0, 1, 3, 1],
                  [117, 35, 195, 136, 157, 139, 177, 39, 103, 122, 64, 58, 175, 180, 105, 262, 362, 69])
    assert (nw.fit.estimate_t, nw.fit.se_t, nw.tau2) == pytest.approx((-3.4964, 0.2570, 0.8124), abs=5e-5)
    # debruin rows 1-3 (§2.6): 0.5558 [0.4222, 0.6818], tau² 0.1472
    k3 = fit_glmm([11, 24, 179], [29, 33, 326])
    assert (k3.estimate, k3.ci.low, k3.ci.high, k3.tau2) == pytest.approx(
        (0.5558, 0.4222, 0.6818, 0.1472), abs=5e-5
    )


def test_loglik_equals_brute_force_integral(monkeypatch) -> None:
    # Independent check of the adaptive quadrature: adaptive scipy.quad over the random effect.
    x = np.array([4.0, 3, 2, 1, 0, 12])
    n = np.array([10.0, 20, 30, 40, 9, 12])
    mu, tau = -1.7, 0.9

    def one(xi, ni):
        def f(u):
            eta = mu + tau * u
            return np.exp(xi * eta - ni * np.logaddexp(0, eta)) * stats.norm.pdf(u)

        val, _ = integrate.quad(f, -12, 12, epsabs=0, epsrel=1e-12, limit=200)
        return math.log(val) + special.gammaln(ni + 1) - special.gammaln(xi + 1) - special.gammaln(ni - xi + 1)

    brute = sum(one(a, b) for a, b in zip(x, n, strict=True))
    # AGQ(7) is an approximation (as in lme4); skewed 0/n and n/n studies cost ~4e-5 here.
    assert glmm_loglik(mu, tau, x, n) == pytest.approx(brute, abs=1e-4)
    # With more nodes the same adaptive rule converges to the exact integral.
    t31, w31 = np.polynomial.hermite.hermgauss(31)
    monkeypatch.setattr(glmm_mod, "_GH_T", t31)
    monkeypatch.setattr(glmm_mod, "_LOG_GH_W", np.log(w31) + t31**2)
    assert glmm_loglik(mu, tau, x, n) == pytest.approx(brute, abs=1e-8)


def test_hksj_maps_to_t_with_note() -> None:
    res = fit_glmm([4, 3, 2, 1], [10, 20, 30, 40], ci_method="hksj")
    ref = fit_glmm([4, 3, 2, 1], [10, 20, 30, 40], ci_method="t")
    assert res.fit.ci_method == "t"
    assert res.ci.low == pytest.approx(ref.ci.low)
    assert any("no GLMM analogue" in s for s in res.computation.notes)


def test_lrt_reported_in_notes() -> None:
    res = fit_glmm([4, 3, 2, 1], [10, 20, 30, 40])
    assert any("likelihood-ratio test = 10.5996" in s for s in res.computation.notes)


def test_validation_errors() -> None:
    with pytest.raises(ValueError, match=r"events\[1\] \(5\) exceeds totals\[1\] \(4\)"):
        fit_glmm([1, 5], [3, 4])
    with pytest.raises(ValueError, match="ci_method"):
        fit_glmm([1, 2], [3, 4], ci_method="kr")


@pytest.mark.parametrize(
    ("xi", "ni", "reason"),
    [([0, 0, 0], [10, 12, 9], "every study has 0"), ([5, 7], [5, 7], "every study has n"),
     ([3], [20], "at least 2 studies")],
)
def test_fit_glmm_raises_and_pool_proportions_falls_back(xi, ni, reason) -> None:
    with pytest.raises(glmm_mod.GLMMFitError, match=reason):
        fit_glmm(xi, ni)
    res = pool_proportions(xi, ni, method="GLMM")
    assert res.computation.converged is False
    assert res.computation.fallback.startswith("IV logit REML (GLMM did not converge: ")
    assert reason in res.computation.fallback
    assert res.fit.method == "REML"


def test_fallback_when_optimiser_fails(monkeypatch) -> None:
    def boom(x, n):
        raise glmm_mod.GLMMFitError("simulated failure")

    monkeypatch.setattr(glmm_mod, "_fit_ml", boom)
    res = pool_proportions([4, 3, 2, 1], [10, 20, 30, 40], method="GLMM")
    assert not res.computation.converged
    assert res.computation.fallback == "IV logit REML (GLMM did not converge: simulated failure)"
    # meta's help example metaprop(4:1, 10*1:4) (metafor 3.8-1): IV PLOGIT REML z 0.1210, tau² 1.1940
    assert res.estimate == pytest.approx(0.1210, abs=5e-5)


def test_glmm_does_not_import_meta() -> None:
    # meta owns the fallback: the GLMM module imports nothing from the inverse-variance module,
    # not even lazily inside a function (the old meta <-> glmm cycle)
    import ast

    tree = ast.parse(Path(glmm_mod.__file__).read_text())
    names = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "synthesis.meta" not in names
    assert not any("_escalc" in node.name for node in ast.walk(tree)
                   if isinstance(node, ast.FunctionDef))  # one logit escalc: synthesis.transforms


@settings(max_examples=5, deadline=None, database=None)
@given(st.lists(st.tuples(st.integers(5, 60), st.floats(0, 1)), min_size=2, max_size=6))
def test_properties_never_crash_and_symmetry(rows) -> None:
    n = np.array([r[0] for r in rows], dtype=float)
    x = np.round(n * np.array([r[1] for r in rows]))
    if np.all(x == 0) or np.all(x == n):
        return
    res = pool_proportions(x, n, method="GLMM")
    flip = pool_proportions(n - x, n, method="GLMM")
    assert 0 <= res.estimate <= 1
    if res.computation.converged and flip.computation.converged:
        assert res.fit.estimate_t == pytest.approx(-flip.fit.estimate_t, abs=1e-4)
        assert res.tau2 == pytest.approx(flip.tau2, abs=1e-4)
        perm = np.arange(x.size)[::-1]
        again = pool_proportions(x[perm], n[perm], method="GLMM")
        assert again.fit.estimate_t == pytest.approx(res.fit.estimate_t, abs=1e-5)


def test_numerical_error_also_falls_back(monkeypatch) -> None:
    def boom(x, n):
        raise FloatingPointError("overflow in exp")

    monkeypatch.setattr(glmm_mod, "_fit_ml", boom)
    res = pool_proportions([4, 3, 2, 1], [10, 20, 30, 40], method="GLMM", ci_method="hksj")
    assert not res.computation.converged
    assert "FloatingPointError: overflow in exp" in res.computation.fallback
    assert res.fit.ci_method == "hksj"  # the IV fallback honours HKSJ


def test_glmm_result_carries_lrt_and_labels_missing_tau2_ci() -> None:
    # LRT stored as fields (not only in notes); the tau² row says why it has no interval.
    from synthesis.glmm import fit_glmm, glmm_heterogeneity

    x, n = [4, 3, 2, 1], [10, 20, 30, 40]
    res = fit_glmm(x, n)
    het = glmm_heterogeneity(x, n)
    assert res.heterogeneity.q_lrt == pytest.approx(het["q_lrt"], rel=1e-12)
    assert 0 < res.heterogeneity.q_lrt_pvalue < 1
    summ = res.summary().set_index("quantity")
    assert "no Q-profile CI for the GLMM" in summ.loc["tau²", "note"]
    assert "likelihood-ratio" in summ.loc["Q", "note"]


@pytest.mark.parametrize(("mu", "tau"), [(-1.2, 0.8), (0.3, 2.0), (-2.0, 0.05), (-1.0, 0.0)])
def test_analytic_gradient_and_hessian_match_finite_differences(mu, tau) -> None:
    # the Newton fit relies on the exact derivatives of the AGQ(7) formula (incl. 0/n and n/n)
    x = np.array([0.0, 2, 5, 1, 0, 10])
    n = np.array([12.0, 30, 41, 15, 9, 10])
    lbc = glmm_mod._log_binom_coef(x, n)
    _, grad, hess, _ = glmm_mod._agq(mu, tau, x, n, lbc)
    h = 1e-5

    def f(a, b):
        return glmm_mod._agq(a, b, x, n, lbc, derivs=False)[0]

    def g(a, b):
        return glmm_mod._agq(a, b, x, n, lbc)[1]

    num_g = [(f(mu + h, tau) - f(mu - h, tau)) / (2 * h), (f(mu, tau + h) - f(mu, tau - h)) / (2 * h)]
    num_h = np.column_stack([(g(mu + h, tau) - g(mu - h, tau)) / (2 * h),
                             (g(mu, tau + h) - g(mu, tau - h)) / (2 * h)])
    assert grad == pytest.approx(num_g, abs=1e-7)
    assert hess.ravel() == pytest.approx(num_h.ravel(), abs=1e-6)
    assert hess[0, 1] == pytest.approx(hess[1, 0], abs=1e-12)


def test_ml_fit_is_a_maximum_of_the_quadrature_likelihood() -> None:
    # independent of the optimiser: no point on a grid around the fit has a higher likelihood
    x, n = [4, 3, 2, 1], [10, 20, 30, 40]
    res = fit_glmm(x, n)
    mu, tau = res.fit.estimate_t, math.sqrt(res.tau2)
    best = glmm_loglik(mu, tau, x, n)
    for dm in (-0.01, 0.0, 0.01):
        for dt in (-0.01, 0.0, 0.01):
            assert glmm_loglik(mu + dm, tau + dt, x, n) <= best + 1e-12
