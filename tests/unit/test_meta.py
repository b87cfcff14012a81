"""Unit and property tests for synthesis.meta.pool_proportions (no R values needed)."""

from __future__ import annotations

import math
import re
from operator import attrgetter

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from synthesis import PooledProportion
from synthesis import meta as meta_mod
from synthesis.meta import pool_effects, pool_proportions
from synthesis.vocabulary import CI_METHODS, METHODS, PI_METHODS, TRANSFORMS

IV_METHODS = tuple(m for m in METHODS if m != "GLMM")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def studies(draw, min_k: int = 2, max_k: int = 12, max_n: int = 200):
    k = draw(st.integers(min_k, max_k))
    n = draw(st.lists(st.integers(1, max_n), min_size=k, max_size=k))
    x = [draw(st.integers(0, ni)) for ni in n]
    return np.array(x, dtype=float), np.array(n, dtype=float)


choices = st.fixed_dictionaries(
    {
        "transform": st.sampled_from(TRANSFORMS),
        "method": st.sampled_from(IV_METHODS),
        "ci_method": st.sampled_from(CI_METHODS),
    }
)


# ---------------------------------------------------------------------------- properties
@SETTINGS
@given(data=studies(), opts=choices, seed=st.integers(0, 2**32 - 1))
def test_permutation_invariance(data, opts, seed) -> None:
    x, n = data
    perm = np.random.default_rng(seed).permutation(x.size)
    a = pool_proportions(x, n, **opts)
    b = pool_proportions(x[perm], n[perm], **opts)
    for name in ("fit.estimate_t", "fit.se_t", "tau2", "heterogeneity.q", "i2",
                 "intervals.ci_t.low", "intervals.ci_t.high"):
        va, vb = attrgetter(name)(a), attrgetter(name)(b)
        assert va == pytest.approx(vb, rel=1e-7, abs=1e-9, nan_ok=True), name
    np.testing.assert_allclose(a.data.weights[perm], b.data.weights, rtol=1e-7, atol=1e-9)


@SETTINGS
@given(data=studies(min_k=1), opts=choices)
def test_invariants(data, opts) -> None:
    x, n = data
    r = pool_proportions(x, n, **opts)
    assert isinstance(r, PooledProportion)
    if r.k > 1:
        assert r.tau2 >= 0
        assert 0.0 <= r.i2 <= 100.0
        assert 0.0 <= r.heterogeneity.i2_q <= 100.0
        # tau²-based H² = 1 + tau²/vt >= 1; the Q-based H² = Q/df (CE, as metafor) can be < 1
        assert r.heterogeneity.h2 >= (1.0 - 1e-12 if opts["method"] != "CE" else 0.0)
        assert r.heterogeneity.q >= 0.0
        assert r.data.weights.sum() == pytest.approx(100.0)
        assert np.all(r.data.weights > 0)
    assert r.intervals.ci_t.low <= r.fit.estimate_t <= r.intervals.ci_t.high
    assert r.ci.low <= r.estimate <= r.ci.high
    assert 0.0 <= r.ci.low and r.ci.high <= 1.0
    if not math.isnan(r.intervals.pi_t.low):
        assert r.intervals.pi_t.low <= r.intervals.ci_t.low + 1e-12 and r.intervals.pi_t.high >= r.intervals.ci_t.high - 1e-12
    if not math.isnan(r.intervals.tau2.low):
        assert 0.0 <= r.intervals.tau2.low <= r.intervals.tau2.high


@SETTINGS
@given(data=studies(min_k=2), method=st.sampled_from(IV_METHODS))
def test_adhoc_never_narrower_than_wald(data, method) -> None:
    x, n = data
    z = pool_proportions(x, n, method=method, ci_method="z")
    adhoc = pool_proportions(x, n, method=method, ci_method="hksj-adhoc")
    assert adhoc.fit.se_t >= z.fit.se_t * (1 - 1e-12)
    assert adhoc.computation.s2w >= 1.0


@SETTINGS
@given(data=studies(min_k=2, max_n=60), c=st.integers(2, 10))
def test_scaling_events_and_totals(data, c) -> None:
    """Multiplying x and n by c: logit yi unchanged, vi / c, so Q x c and the CE estimate fixed."""
    x, n = data
    assume(np.all((x > 0) & (x < n)))  # no continuity correction involved
    a = pool_proportions(x, n, method="CE")
    b = pool_proportions(c * x, c * n, method="CE")
    assert b.fit.estimate_t == pytest.approx(a.fit.estimate_t, rel=1e-9, abs=1e-12)
    assert b.fit.se_t == pytest.approx(a.fit.se_t / math.sqrt(c), rel=1e-9)
    assert b.heterogeneity.q == pytest.approx(c * a.heterogeneity.q, rel=1e-7, abs=1e-9)
    assert b.heterogeneity.i2_q >= a.heterogeneity.i2_q - 1e-9
    ra = pool_proportions(x, n, method="DL")
    rb = pool_proportions(c * x, c * n, method="DL")
    assert rb.i2 >= ra.i2 - 1e-9  # more precise studies: heterogeneity share cannot fall


@SETTINGS
@given(x=st.integers(0, 50), extra=st.integers(0, 50), opts=choices)
def test_k1_returns_the_study(x, extra, opts) -> None:
    n = x + max(extra, 1)
    r = pool_proportions([x], [n], **opts)
    assert r.k == 1
    assert r.fit.estimate_t == r.data.yi[0]
    assert r.fit.se_t == pytest.approx(math.sqrt(r.data.vi[0]))
    assert math.isnan(r.pi.low) and math.isnan(r.pi.high)
    assert any("k = 1" in note for note in r.computation.notes)
    if opts["method"] == "CE":
        assert r.tau2 == 0.0
    else:
        assert math.isnan(r.tau2)
    if opts["transform"] in ("logit", "arcsine") and 0 < x < n:
        assert r.estimate == pytest.approx(x / n)


# ---------------------------------------------------------------------------- behaviour
PRITZ_X = [16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6]
PRITZ_N = [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]


@pytest.mark.parametrize("method", IV_METHODS)
@pytest.mark.parametrize("pi_method", PI_METHODS)
def test_k2_works(method, pi_method) -> None:
    r = pool_proportions([11, 24], [29, 33], method=method, pi_method=pi_method, ci_method="t")
    assert r.k == 2 and r.fit.df == 1
    assert math.isfinite(r.estimate) and math.isfinite(r.ci.low)
    if method == "CE" or pi_method == "t(k-2)":
        assert math.isnan(r.pi.low)
        assert r.computation.notes
    else:
        assert math.isfinite(r.pi.low)


def test_pi_methods_order_by_tail_weight() -> None:
    res = {pm: pool_proportions(PRITZ_X, PRITZ_N, pi_method=pm) for pm in PI_METHODS}
    width = {pm: r.intervals.pi_t.high - r.intervals.pi_t.low for pm, r in res.items()}
    assert width["metafor"] == pytest.approx(width["z"])
    assert width["z"] < width["t(k-1)"] < width["t(k-2)"]
    assert res["t(k-2)"].fit.pi_df == len(PRITZ_X) - 2
    hk = pool_proportions(PRITZ_X, PRITZ_N, ci_method="hksj")
    assert hk.fit.pi_df == len(PRITZ_X) - 1


def test_i2_definitions() -> None:
    a = pool_proportions(PRITZ_X, PRITZ_N, i2_definition="tau2")
    b = pool_proportions(PRITZ_X, PRITZ_N, i2_definition="Q")
    assert a.i2 == a.heterogeneity.i2_tau2 and b.i2 == b.heterogeneity.i2_q
    assert a.heterogeneity.i2_q == b.heterogeneity.i2_q
    assert b.i2 == pytest.approx(max(0.0, (b.heterogeneity.q - b.heterogeneity.q_df) / b.heterogeneity.q) * 100)
    assert b.heterogeneity.h2 == pytest.approx(b.heterogeneity.q / b.heterogeneity.q_df)
    assert a.i2 != pytest.approx(b.i2)


def test_continuity_correction_bookkeeping() -> None:
    x, n = [0, 5, 10], [10, 10, 10]
    r = pool_proportions(x, n, transform="logit")
    assert r.data.corrected.tolist() == [True, False, True]
    assert r.computation.correction_add == 0.5
    assert pool_proportions(x, n, to="all").data.corrected.all()
    assert pool_proportions(x, n, to="if0all").data.corrected.all()
    assert not pool_proportions([1, 5], [10, 10], to="if0all").data.corrected.any()
    for t in ("freeman-tukey", "arcsine"):
        ft = pool_proportions(x, n, transform=t, add=0.5, to="all")
        assert not ft.data.corrected.any() and ft.computation.correction_add == 0.0
    with pytest.raises(ValueError, match=r"events\[0\] \(0\)"):
        pool_proportions(x, n, transform="logit", to="none")
    with pytest.raises(ValueError, match=r"events\[0\] \(0\)"):
        pool_proportions(x, n, transform="raw", add=0.0)


def test_freeman_tukey_note_and_harmonic_mean() -> None:
    r = pool_proportions(PRITZ_X, PRITZ_N, transform="freeman-tukey")
    assert any("Schwarzer" in note and "Röver" in note for note in r.computation.notes)
    assert r.computation.n_harmonic == pytest.approx(1 / np.mean(1 / np.array(PRITZ_N, float)))
    assert not any("Schwarzer" in note for note in pool_proportions(PRITZ_X, PRITZ_N).computation.notes)


def test_raw_clipping_is_noted() -> None:
    r = pool_proportions(PRITZ_X, PRITZ_N, transform="raw")
    assert r.intervals.pi_t.high > 1.0 and r.pi.high == 1.0
    assert any("clipped" in note for note in r.computation.notes)


def test_hksj_narrower_than_wald_is_flagged() -> None:
    x, n = [10, 11, 12, 10], [100, 100, 100, 100]
    r = pool_proportions(x, n, ci_method="hksj")
    assert r.computation.s2w < 1
    assert any("narrower than the Wald" in note for note in r.computation.notes)
    z = pool_proportions(x, n, ci_method="z")
    adhoc = pool_proportions(x, n, ci_method="hksj-adhoc")
    assert adhoc.fit.se_t == pytest.approx(z.fit.se_t)  # floored at the Wald SE, with t(k - 1)
    assert adhoc.fit.df == 3 and adhoc.intervals.ci_t.width > z.intervals.ci_t.width


def test_results_are_read_only_and_echo_choices() -> None:
    r = pool_proportions(PRITZ_X, PRITZ_N, method="PM", ci_method="hksj", pi_method="t(k-2)")
    for arr in (r.data.events, r.data.totals, r.data.yi, r.data.vi, r.data.weights, r.data.corrected):
        with pytest.raises(ValueError):
            arr[0] = 0
    assert (r.fit.method, r.fit.ci_method, r.fit.pi_method, r.fit.transform) == ("PM", "hksj", "t(k-2)", "logit")
    assert r.labels[0] == "Study 1"
    assert len(r.to_frame()) == r.k
    summ = r.summary().set_index("quantity")
    assert summ.loc["Pooled proportion", "value"] == r.estimate
    assert summ.loc["I² (%)", "ci_low"] == r.intervals.i2.low and summ.loc["H²", "ci_high"] == r.intervals.h2.high
    assert "Paule" in r.model_label()


def test_tau2_ci_can_be_skipped() -> None:
    r = pool_proportions(PRITZ_X, PRITZ_N, tau2_ci=False)
    assert math.isnan(r.intervals.tau2.low) and math.isnan(r.intervals.tau2.high)


def test_homogeneous_data_gives_zero_interval() -> None:
    x, n = [10, 10, 10, 10], [50, 50, 50, 50]
    r = pool_proportions(x, n)
    assert r.tau2 == 0.0 and r.heterogeneity.q == pytest.approx(0.0, abs=1e-20)
    assert r.intervals.tau2.low == 0.0 and r.intervals.tau2.high == 0.0
    assert r.i2 == 0.0 and r.heterogeneity.i2_q == 0.0


def test_non_convergence_is_reported() -> None:
    r = pool_proportions(PRITZ_X, PRITZ_N, control={"maxiter": 0, "threshold": 1e-300})
    assert not r.computation.converged
    assert any("did not converge" in note for note in r.computation.notes)


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("events", "totals", "pattern"),
    [
        ([3, 40], [10, 37], r"events[1] (40) exceeds totals[1] (37)."),
        ([3, -1], [10, 37], r"events[1] (-1) is negative."),
        ([3, 1.5], [10, 37], r"events[1] (1.5) is not a whole number."),
        ([3, 1], [10, 0], r"totals[1] (0) must be at least 1."),
        ([3, float("nan")], [10, 5], r"events[1] (nan) is not a finite number."),
        ([3, 1], [10], r"same length"),
        ([], [], r"empty"),
    ],
)
def test_bad_input_names_index_and_value(events, totals, pattern) -> None:
    with pytest.raises(ValueError, match=re.escape(pattern)):
        pool_proportions(events, totals)


@SETTINGS
@given(data=studies(min_k=1, max_k=8), idx=st.data())
def test_bad_input_property(data, idx) -> None:
    x, n = data
    i = idx.draw(st.integers(0, x.size - 1))
    x = x.copy()
    x[i] = n[i] + idx.draw(st.integers(1, 5))
    with pytest.raises(ValueError, match=re.escape(f"events[{i}] ({int(x[i])}) exceeds")):
        pool_proportions(x, n)


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"transform": "probit"}, "transform"),
        ({"method": "XYZ"}, "method"),
        ({"ci_method": "kr"}, "ci_method"),
        ({"pi_method": "t(k-3)"}, "pi_method"),
        ({"i2_definition": "H"}, "i2_definition"),
        ({"to": "some"}, "to"),
        ({"level": 95}, "level"),
    ],
)
def test_bad_choices(kw, name) -> None:
    with pytest.raises(ValueError, match=rf"^{name} \("):
        pool_proportions(PRITZ_X, PRITZ_N, **kw)


def test_bad_labels_and_add() -> None:
    with pytest.raises(ValueError, match="labels"):
        pool_proportions([1, 2], [5, 5], labels=["a"])
    with pytest.raises(ValueError, match=r"add \(-1.0\)"):
        pool_proportions([1, 2], [5, 5], add=-1)
    with pytest.raises(ValueError, match=r"vi\[1\]"):
        pool_effects([0.1, 0.2], [0.1, 0.0])


# ---------------------------------------------------------------------------- GLMM dispatch
def test_glmm_is_delegated(monkeypatch) -> None:
    calls = {}

    def fit_glmm(events, totals, **kw):
        calls["args"] = (list(events), list(totals))
        calls["kw"] = kw
        return "sentinel"

    monkeypatch.setattr(meta_mod, "fit_glmm", fit_glmm)
    out = pool_proportions([1, 2], [5, 6], method="GLMM", ci_method="t", labels=["a", "b"])
    assert out == "sentinel"
    assert calls["args"] == ([1.0, 2.0], [5.0, 6.0])
    assert calls["kw"] == {
        "ci_method": "t",
        "pi_method": "metafor",
        "level": 0.95,
        "i2_definition": "tau2",
        "labels": ("a", "b"),
    }


# ---------------------------------------------------------------------------- scale
def test_large_k_is_linear_and_fast() -> None:
    rng = np.random.default_rng(1)
    k = 200_000
    n = rng.integers(10, 200, k).astype(float)
    p = 1 / (1 + np.exp(-rng.normal(-1, 0.7, k)))
    x = rng.binomial(n.astype(int), p).astype(float)
    r = pool_proportions(x, n, ci_method="hksj")
    assert r.computation.converged and 0.3 < r.tau2 < 0.7
    assert 0.0 < r.intervals.tau2.low < r.intervals.tau2.high
    # the PM estimate solves Q = k - 1, which always lies inside the Q-profile interval
    pm = pool_proportions(x, n, method="PM")
    assert pm.intervals.tau2.low < pm.tau2 < pm.intervals.tau2.high


@pytest.mark.fuzz
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=studies(min_k=1, max_k=30, max_n=2000), opts=choices, pi=st.sampled_from(PI_METHODS))
def test_fuzz_never_crashes_and_keeps_invariants(data, opts, pi) -> None:
    x, n = data
    r = pool_proportions(x, n, pi_method=pi, **opts)
    assert r.ci_low <= r.estimate <= r.ci_high
    assert r.k == 1 or (r.tau2 >= 0 and 0 <= r.i2 <= 100)
    if not math.isnan(r.tau2_ci_low):
        assert 0.0 <= r.tau2_ci_low <= r.tau2_ci_high
