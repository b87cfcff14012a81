"""synthesis.design.bayes against RBesT 1.8-2, ph2bye and BOP2FE 1.0.3 run in R.

Fixture: tests/reference/bayes_design_reference.json, made by
tests/reference/make_bayes_design_reference.R; tolerances in tests/reference/README_bayes_design.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synthesis.design.bayes import (
    BetaMixture,
    bop2_design,
    ess,
    map_prior,
    oc_single,
    pos_single,
    postmix,
    pp_design,
    predictive_probability,
    robustify,
    success_boundary,
)
from synthesis.design.oc import SequentialBinary
from synthesis.design.simon import simon_two_stage

REF = json.loads((Path(__file__).parents[1] / "reference" / "bayes_design_reference.json").read_text())
MIX = {m["name"]: BetaMixture(m["w"], m["a"], m["b"]) for m in REF["mixtures"]}


def _ids(cases: list[dict], key: str) -> list[str]:
    return [str(c[key]) for c in cases]


@pytest.mark.parametrize("case", REF["mixtures"], ids=_ids(REF["mixtures"], "name"))
def test_mixture_summaries_and_ess(case: dict) -> None:
    m = MIX[case["name"]]
    assert m.mean() == pytest.approx(case["mean"], abs=1e-12)
    assert m.sd() == pytest.approx(case["sd"], abs=1e-12)
    # RBesT's qmix inverts a mixture's cdf numerically with a loose tolerance (differences up to
    # 3e-5 seen); ours is exact to 1e-12 on the cdf scale
    q = m.quantile([0.025, 0.5, 0.975])
    np.testing.assert_allclose(q, case["q"], atol=5e-5)
    np.testing.assert_allclose(m.cdf(q), [0.025, 0.5, 0.975], atol=1e-12)
    np.testing.assert_allclose(m.cdf(case["cdf_x"]), case["cdf"], atol=1e-12)
    np.testing.assert_allclose(m.pdf(case["cdf_x"]), case["pdf"], rtol=1e-10)
    assert ess(m, "moment") == pytest.approx(case["ess_moment"], rel=1e-10)
    # ELIR: both integrate numerically (R integrate vs scipy quad, rel. tol ~1e-6)
    assert ess(m, "elir") == pytest.approx(case["ess_elir"], rel=1e-5)
    # Morita: RBesT locates the mode with optimize() (tol ~1e-5 on the mode)
    assert ess(m, "morita") == pytest.approx(case["ess_morita"], rel=2e-3)


@pytest.mark.parametrize("case", REF["robustify"], ids=[f"w{c['weight']}-m{c['mean']}-n{c['n']}" for c in REF["robustify"]])
def test_robustify(case: dict) -> None:
    r = robustify(MIX["single"], weight=case["weight"], mean=case["mean"], n=case["n"])
    np.testing.assert_allclose(r.weights, case["w"], atol=1e-14)
    np.testing.assert_allclose(r.a, case["a"], atol=1e-14)
    np.testing.assert_allclose(r.b, case["b"], atol=1e-14)
    assert ess(r, "moment") == pytest.approx(case["ess_moment"], rel=1e-10)
    if case["ess_elir"] is not None:
        assert ess(r, "elir") == pytest.approx(case["ess_elir"], rel=1e-5)
    else:  # a component with a or b < 1: RBesT refuses, and so do we
        with pytest.raises(ValueError, match="ELIR"):
            ess(r, "elir")


def test_elir_of_a_uniform_is_zero_as_rbest() -> None:
    # RBesT 1.8-2: ess(mixbeta(c(1, 1, 1)), "elir") = 0; ess(mixbeta(c(1, 2, 2)), "elir") = 4
    assert ess(BetaMixture([1], [1], [1])) == 0.0
    assert ess(BetaMixture([1], [2], [2])) == 4.0


def test_robust_default_is_uniform() -> None:
    r = robustify(MIX["single"])
    assert (r.a[-1], r.b[-1], r.weights[-1]) == (1.0, 1.0, pytest.approx(0.2))


def test_ess_against_robust_weight() -> None:
    for case in REF["ess_vs_weight"]:
        r = robustify(MIX["single"], weight=case["weight"])
        assert ess(r) == pytest.approx(case["ess_elir"], rel=1e-5)


@pytest.mark.parametrize("case", REF["postmix"], ids=_ids(REF["postmix"], "prior"))
def test_postmix(case: dict) -> None:
    p = postmix(MIX[case["prior"]], case["r"], case["n"])
    np.testing.assert_allclose(p.weights, case["w"], atol=1e-12)
    np.testing.assert_allclose(p.a, case["a"])
    np.testing.assert_allclose(p.b, case["b"])


@pytest.mark.parametrize("case", REF["decision"], ids=_ids(REF["decision"], "prior"))
def test_decision_boundary_oc_and_pos(case: dict) -> None:
    prior = MIX[case["prior"]]
    args = (prior, case["n"], case["p0"], case["c"])
    # RBesT's decision1S_boundary is the largest failing count; ours the smallest success
    assert success_boundary(*args) == case["crit"] + 1
    np.testing.assert_allclose(oc_single(*args, np.array(case["theta"])), case["oc"], atol=1e-12)
    dp = case["pos_design"]
    assert pos_single(*args, BetaMixture([dp["w"]], [dp["a"]], [dp["b"]])) == pytest.approx(case["pos"], abs=1e-10)


@pytest.mark.parametrize("case", REF["predprob"], ids=[f"x{c['x']}n{c['n']}" for c in REF["predprob"]])
def test_predictive_probability(case: dict) -> None:
    pp = predictive_probability(case["x"], case["n"], case["nmax"], case["p0"], case["theta_t"],
                                (case["a"], case["b"]))
    assert pp == pytest.approx(case["pp"], abs=1e-12)


@pytest.mark.parametrize("case", REF["pp_design"], ids=[f"{c['type']}-{c['nmax']}-{c['theta']}" for c in REF["pp_design"]])
def test_pp_boundaries_every_patient(case: dict) -> None:
    """ph2bye PredP.design: the bound at every n (futility: PP <= θ; efficacy: PP >= θ)."""
    nmax, prior = case["nmax"], (case["a"], case["b"])
    if case["type"] == "futility":
        d = pp_design(case["p0"], nmax, case["theta_t"], case["theta"], prior=prior, looks=range(1, nmax + 1))
        ours = list(d.futility[:-1])
        ref = case["bound"][:-1]  # the last bound of PredP.design is the final analysis
    else:
        d = pp_design(case["p0"], nmax, case["theta_t"], 0.0, case["theta"], prior=prior,
                      looks=range(1, nmax + 1))
        ours = list(d.efficacy[:-1])
        ref = case["bound"][:-1]
    for n, o, r in zip(range(1, nmax), ours, ref, strict=True):
        if case["type"] == "futility":
            assert o == (-1 if r == -99 else r), f"n = {n}"
        else:
            assert o == (n + 1 if r == -99 else r), f"n = {n}"


@pytest.mark.parametrize("case", REF["bop2fe"], ids=[f"{c['method']}-{c['lambda']}" for c in REF["bop2fe"]])
def test_bop2fe_boundaries_and_exact_oc(case: dict) -> None:
    looks = tuple(np.cumsum(case["n"]).tolist())
    eta = case["eta"] if case["method"] == "power" else None
    d = bop2_design(case["H0"], looks, case["lambda"], case["gamma"], eta, method=case["method"])
    assert list(d.futility) == case["futility"]
    assert list(d.efficacy) == case["efficacy"]
    for p in (case["H0"], case["H1"]):
        key = f"{p:g}"
        ex = case[f"exact_{key}"]
        oc = d.oc(p)
        # the exact OC of an independent dynamic programme written in R: to rounding
        assert oc.reject == pytest.approx(ex["reject"], abs=1e-12)
        assert oc.early_futility == pytest.approx(ex["early_futility"], abs=1e-12)
        assert oc.early_efficacy == pytest.approx(ex["early_efficacy"], abs=1e-12)
        assert oc.expected_n == pytest.approx(ex["expected_n"], abs=1e-10)
        # BOP2FE's own simulation (nsim runs): within 4.5 binomial standard errors
        sim = case[f"sim_{key}"]
        for field in ("reject", "early_futility", "early_efficacy"):
            got = getattr(oc, field)
            se = np.sqrt(max(got * (1 - got), 1e-4) / sim["nsim"])
            assert abs(sim[field] - got) < 4.5 * se, field


@pytest.mark.parametrize("case", REF["map"], ids=[f"{c['data']}-tau{c['tau_scale']}" for c in REF["map"]])
def test_map_prior_against_independent_quadrature(case: dict) -> None:
    mp = map_prior(case["r"], case["n"], tau_scale=case["tau_scale"], mu_sd=case["mu_sd"])
    # two different quadratures of the same integral (R: fine logit grid, h = 0.005)
    assert mp.mean() == pytest.approx(case["mean"], abs=5e-4)
    assert mp.sd() == pytest.approx(case["sd"], abs=5e-4)
    np.testing.assert_allclose(mp.quantile([0.025, 0.5, 0.975]), case["q"], atol=1e-3)


@pytest.mark.parametrize("case", REF["map"], ids=[f"{c['data']}-tau{c['tau_scale']}" for c in REF["map"]])
def test_map_mixture_ess_within_two(case: dict) -> None:
    """RBesT's automixfit on quantiles of the R quadrature vs our EM with the same number of
    components: ELIR ESS within 2 (it depends on the fit)."""
    mp = map_prior(case["r"], case["n"], tau_scale=case["tau_scale"], mu_sd=case["mu_sd"])
    k = len(case["rbest_mixfit"]["w"])
    assert ess(mp.mixture(n_components=k)) == pytest.approx(case["rbest_mixfit_ess_elir"], abs=2.0)


def test_sequential_binary_matches_simon_oc() -> None:
    """A Simon design written as a two-look SequentialBinary gives the same exact OC."""
    d = simon_two_stage(0.2, 0.4, 0.05, 0.2).optimal
    seq = SequentialBinary((d.n1, d.n), (d.r1, d.r), (d.n1 + 1, d.r + 1))
    for p in (0.1, 0.2, 0.4):
        a, b = d.oc(p), seq.oc(p)
        assert a.reject == pytest.approx(b.reject, abs=1e-13)
        assert a.expected_n == pytest.approx(b.expected_n, abs=1e-10)
        assert a.early_futility == pytest.approx(b.early_futility, abs=1e-13)
