"""Simon two-stage designs against published rows (Simon (1989), clinfun 1.1.5 and published design rows) and an exhaustive search."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from synthesis.design._reference import exhaustive_per_n, exhaustive_simon
from synthesis.design.simon import (
    _admissible,
    _count_r,
    _local_tails,
    _pmf_block,
    _Search,
    operating_characteristics,
    simon_two_stage,
)

# (p0, p1, alpha, beta, kind, r1, n1, r, n, EN0, PET0 or None); EN0 and PET0 as printed.
# Sources (published Simon design rows, row numbers there):
PUBLISHED = [
    # 1-2 openpharma/mtdesign README.md
    (0.05, 0.25, 0.05, 0.20, "optimal", 0, 9, 2, 17, "12.0", "0.63"),
    (0.05, 0.25, 0.05, 0.20, "minimax", 0, 12, 2, 16, "13.8", "0.54"),
    # 3 kkmann/BinaryTwoStageDesigns test_SampleSize.jl (Simon 1989 p. 4); PhIIdesign EN 15.014
    (0.10, 0.30, 0.05, 0.20, "optimal", 1, 10, 5, 29, "15.014", "0.7361"),
    # 4-5 chipmanj/SeqSGPV README (clinfun output)
    (0.20, 0.40, 0.05, 0.20, "optimal", 3, 13, 12, 43, "20.58", "0.7473"),
    (0.20, 0.40, 0.05, 0.20, "minimax", 4, 18, 10, 33, "22.25", "0.7164"),
    # 6-10 kkmann test_SampleSize.jl (Simon 1989 p. 4)
    (0.30, 0.50, 0.05, 0.20, "optimal", 5, 15, 18, 46, "23.6", None),
    (0.40, 0.60, 0.05, 0.20, "optimal", 7, 16, 23, 46, "24.5", None),
    (0.50, 0.70, 0.05, 0.20, "optimal", 8, 15, 26, 43, "23.5", None),
    (0.60, 0.80, 0.05, 0.20, "optimal", 7, 11, 30, 43, "20.5", None),
    (0.70, 0.90, 0.05, 0.20, "optimal", 4, 6, 22, 27, "14.8", None),
    # 11 raredd/rawr R/stat.R (desmon code)
    (0.10, 0.30, 0.10, 0.10, "optimal", 1, 12, 5, 35, "19.84", "0.6590"),
    # 12-13 veseshan/clinfun reference/ph2simon.md
    (0.20, 0.40, 0.10, 0.10, "minimax", 3, 19, 10, 36, "28.26", "0.4551"),
    (0.20, 0.40, 0.10, 0.10, "optimal", 3, 17, 10, 37, "26.02", "0.5489"),
    # 14-17 clinfun vignette (lenvatinib example; 0.25 -> 0.45)
    (0.05, 0.20, 0.10, 0.10, "minimax", 0, 18, 3, 32, "26.44", "0.3972"),
    (0.05, 0.20, 0.10, 0.10, "optimal", 0, 12, 3, 37, "23.49", "0.5404"),
    (0.25, 0.45, 0.05, 0.10, "minimax", 6, 26, 17, 49, "37.15", "0.5154"),
    (0.25, 0.45, 0.05, 0.10, "optimal", 6, 22, 19, 57, "32.52", "0.6994"),
    # 18-19 cran/VisualizeSimon2Stage inst/doc/intro.html
    (0.20, 0.40, 0.05, 0.10, "minimax", 5, 24, 13, 45, "31.23", "0.6559"),
    (0.20, 0.40, 0.05, 0.10, "optimal", 4, 19, 15, 54, "30.43", "0.6733"),
    # 20-21 cran/UnplanSimon vignette; YunheLiuMCMC/ClinSimon README
    (0.25, 0.45, 0.10, 0.10, "minimax", 5, 23, 13, 39, "31.50", "0.4685"),
    (0.25, 0.45, 0.10, 0.10, "optimal", 3, 14, 14, 44, "28.36", "0.5213"),
    # 22-23 veseshan/clinfun reference/twostage.admissible.md
    (0.50, 0.70, 0.05, 0.10, "minimax", 14, 27, 32, 53, "36.11", "0.6494"),
    (0.50, 0.70, 0.05, 0.10, "optimal", 13, 24, 36, 61, "34.01", "0.7294"),
    # 24-25 veseshan/clinfun reference/ph2simon.md (25: with nmax = 150)
    (0.20, 0.35, 0.05, 0.05, "minimax", 15, 68, 25, 95, "75.44", "0.7244"),
    (0.20, 0.35, 0.05, 0.05, "optimal", 11, 50, 28, 109, "67.07", "0.7107"),
    # 26-27 mtdesign tests ("Mander & Thompson Section 3.2")
    (0.10, 0.30, 0.05, 0.15, "optimal", 1, 11, 6, 35, "18.26", "0.6974"),
    (0.10, 0.30, 0.05, 0.15, "minimax", 2, 18, 5, 27, "20.40", "0.7338"),
    # minimax rows for the kkmann parameter sets (published Simon design rows, clinfun 1.1.5) incl. n1/n > 0.85
    (0.10, 0.30, 0.05, 0.20, "minimax", 1, 15, 5, 25, "19.51", "0.549"),
    (0.30, 0.50, 0.05, 0.20, "minimax", 6, 19, 16, 39, "25.69", "0.666"),
    (0.40, 0.60, 0.05, 0.20, "minimax", 17, 34, 20, 39, "34.44", "0.913"),
    (0.50, 0.70, 0.05, 0.20, "minimax", 12, 23, 23, 37, "27.74", "0.661"),
    (0.60, 0.80, 0.05, 0.20, "minimax", 8, 13, 25, 35, "20.77", "0.647"),
    (0.70, 0.90, 0.05, 0.20, "minimax", 19, 23, 21, 26, "23.16", "0.946"),
]


def _tol(printed: str) -> float:
    """Half a unit in the last printed digit (EN0 1-decimal values: 0.05)."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0**-decimals + 1e-9


@pytest.mark.parametrize(
    ("p0", "p1", "alpha", "beta", "kind", "r1", "n1", "r", "n", "en0", "pet0"), PUBLISHED
)
def test_published_rows(p0, p1, alpha, beta, kind, r1, n1, r, n, en0, pet0) -> None:
    res = simon_two_stage(p0, p1, alpha, beta)
    d = getattr(res, kind)
    assert (d.r1, d.n1, d.r, d.n) == (r1, n1, r, n)
    assert abs(d.en0 - float(en0)) <= _tol(en0)
    if pet0 is not None:
        assert abs(d.pet0 - float(pet0)) <= _tol(pet0)
    assert res.proven_optimal
    assert d.alpha <= alpha and 1 - d.power <= beta


@pytest.mark.parametrize(
    ("args", "kind", "alpha", "beta", "en1"),
    [
        # mtdesign README: attained alpha 0.047 / beta 0.188 and 0.043 / 0.199
        ((0.05, 0.25, 0.05, 0.2), "optimal", "0.047", "0.188", None),
        ((0.05, 0.25, 0.05, 0.2), "minimax", "0.043", "0.199", None),
        # raredd/rawr (desmon): size 0.0977, type II 0.0986
        ((0.1, 0.3, 0.1, 0.1), "optimal", "0.0977", "0.0986", None),
        # mtdesign tests: 0.0861 / 0.0976 and 0.0948 / 0.0967
        ((0.2, 0.4, 0.1, 0.1), "minimax", "0.0861", "0.0976", None),
        ((0.2, 0.4, 0.1, 0.1), "optimal", "0.0948", "0.0967", None),
        # mtdesign tests (Mander & Thompson 3.2): alpha, beta, EN under the alternative
        ((0.1, 0.3, 0.05, 0.15), "optimal", "0.0422", "0.1490", "32.29"),
        ((0.1, 0.3, 0.05, 0.15), "minimax", "0.0444", "0.1495", "26.46"),
    ],
)
def test_attained_errors(args, kind, alpha, beta, en1) -> None:
    d = getattr(simon_two_stage(*args), kind)
    assert abs(d.alpha - float(alpha)) <= _tol(alpha)
    assert abs(d.beta - float(beta)) <= _tol(beta)
    if en1 is not None:
        assert abs(d.en1 - float(en1)) <= _tol(en1)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # clinfun vignette: admissible 0/15 3/33 (24.66, .4633) and 0/13 3/35 (23.71, .5133)
        (
            (0.05, 0.2, 0.1, 0.1),
            [(0, 15, 3, 33, "24.66", "0.4633"), (0, 13, 3, 35, "23.71", "0.5133")],
        ),
        # clinfun vignette: 7/26 17/50 (33.56, .6852)
        ((0.25, 0.45, 0.05, 0.1), [(7, 26, 17, 50, "33.56", "0.6852")]),
        # VisualizeSimon2Stage intro: 4/20 14/49 (30.74, .6296)
        ((0.2, 0.4, 0.05, 0.1), [(4, 20, 14, 49, "30.74", "0.6296")]),
        # UnplanSimon vignette: 3/15 13/40 (28.47, .4613)
        ((0.25, 0.45, 0.1, 0.1), [(3, 15, 13, 40, "28.47", "0.4613")]),
        # clinfun twostage.admissible.md: 12/23 34/57 (34.52, .6612)
        ((0.5, 0.7, 0.05, 0.1), [(12, 23, 34, 57, "34.52", "0.6612")]),
        # clinfun ph2simon.md (nmax 150): 11/53 26/99 (69.88, .6330), 11/51 27/104 (67.68, .6852)
        (
            (0.2, 0.35, 0.05, 0.05),
            [(11, 53, 26, 99, "69.88", "0.6330"), (11, 51, 27, 104, "67.68", "0.6852")],
        ),
    ],
)
def test_admissible_designs(args, expected) -> None:
    res = simon_two_stage(*args)
    adm = [d for d in res.admissible if d.kind == "admissible"]
    got = {(d.r1, d.n1, d.r, d.n): d for d in adm}
    assert len(adm) == len(expected)
    for r1, n1, r, n, en0, pet0 in expected:
        d = got[(r1, n1, r, n)]
        assert abs(d.en0 - float(en0)) <= _tol(en0)
        assert abs(d.pet0 - float(pet0)) <= _tol(pet0)
        assert 0 <= d.q_low < d.q_high <= 1
    # weight intervals tile [0, 1]: optimal from 0, minimax up to 1
    ordered = sorted(res.admissible, key=lambda d: d.q_low)
    assert ordered[0].kind == "optimal" and ordered[0].q_low == 0
    assert ordered[-1].kind == "minimax" and ordered[-1].q_high == 1
    for a, b in zip(ordered[:-1], ordered[1:], strict=True):
        assert math.isclose(a.q_high, b.q_low, abs_tol=1e-12)


def test_admissible_matches_exhaustive_hull() -> None:
    """q intervals agree with those computed from the exhaustive per-n table (clinfun style)."""
    from synthesis.design.simon import _admissible

    res = simon_two_stage(0.2, 0.35, 0.05, 0.05)
    per_n = exhaustive_per_n(0.2, 0.35, 0.05, 0.05, 109)
    cand = sorted((v for k, v in per_n.items() if 95 <= k <= 109), key=lambda v: v[1])
    ref = [(cand[i][1], lo, hi) for i, lo, hi in _admissible(cand)]
    mine = [(d.n, d.q_low, d.q_high) for d in res.admissible]
    assert [x[0] for x in ref] == [x[0] for x in mine]
    np.testing.assert_allclose([x[1:] for x in ref], [x[1:] for x in mine], atol=1e-12)


# ---- silent truncation in clinfun (clinfun 1.1.5 ph2simon's search) --------------------------------------


@pytest.mark.parametrize(
    ("n_max", "boundary", "en0"),
    [
        (105, "11/51, 27/104", "67.68"),  # clinfun nmax = 105 (cf)
        (100, "11/53, 26/99", "69.88"),  # veseshan/clinfun reference/ph2simon.md
    ],
)
def test_reproduces_clinfun_truncation_and_flags_it(n_max, boundary, en0) -> None:
    res = simon_two_stage(0.2, 0.35, 0.05, 0.05, n_max=n_max, constraint="<")
    assert res.optimal.boundary() == boundary
    assert abs(res.optimal.en0 - float(en0)) <= _tol(en0)
    assert not res.proven_optimal
    assert f"n_max = {n_max}" in res.note and "Increase n_max" in res.note
    assert res.n_searched_max == n_max


def test_truncation_seqsgpv_nmax40() -> None:
    # chipmanj/SeqSGPV examples/one-arm-bernoulli/README.md: clinfun nmax = 40 gives 3/14, 11/38
    res = simon_two_stage(0.2, 0.4, 0.05, 0.2, n_max=40, constraint="<")
    assert res.optimal.boundary() == "3/14, 11/38"
    assert abs(res.optimal.en0 - 21.24) < 0.005
    assert not res.proven_optimal


def test_true_optimum_beyond_clinfun_default() -> None:
    res = simon_two_stage(0.2, 0.35, 0.05, 0.05)
    assert res.optimal.boundary() == "11/50, 28/109"
    assert abs(res.optimal.en0 - 67.07) < 0.005
    assert res.proven_optimal and "proved" in res.note
    assert res.n_searched_max >= 109
    # with a generous bound the same design is found and proved
    res150 = simon_two_stage(0.2, 0.35, 0.05, 0.05, n_max=150)
    assert res150.optimal.boundary() == "11/50, 28/109" and res150.proven_optimal


def test_strict_and_non_strict_agree_on_published_rows() -> None:
    a = simon_two_stage(0.2, 0.4, 0.1, 0.1, constraint="<")
    b = simon_two_stage(0.2, 0.4, 0.1, 0.1, constraint="<=")
    assert a.optimal.boundary() == b.optimal.boundary() == "3/17, 10/37"
    assert a.constraint == "<" and b.constraint == "<="


# ---- operating characteristics ---------------------------------------------------------------


def test_operating_characteristics_visualize_simon() -> None:
    # cran/VisualizeSimon2Stage inst/doc/intro.html: minimax 5/24, 13/45 (p0 .2, p1 .4, a .05, b .1)
    d = simon_two_stage(0.2, 0.4, 0.05, 0.1).minimax
    assert d.boundary() == "5/24, 13/45"
    oc = operating_characteristics(d, [0.2, 0.3, 0.4])
    expected = [  # E(N), P(early termination), P(fail), P(success)
        (31.2, 0.656, 0.296, 0.048),
        (40.2, 0.229, 0.303, 0.468),
        (44.2, 0.040, 0.060, 0.900),
    ]
    for i, (en, pet, fail, succ) in enumerate(expected):
        assert abs(oc["EN"][i] - en) < 0.05
        assert abs(oc["PET"][i] - pet) < 0.0005
        assert abs(oc["P(fail)"][i] - fail) < 0.0005
        assert abs(oc["P(declare promising)"][i] - succ) < 0.0005
    assert abs(oc["EN"][2] - 44.16) < 0.005
    assert abs(oc["P(declare promising)"][2] - 0.9001) < 0.00005


def test_operating_characteristics_optimal_table() -> None:
    # same vignette, optimal 4/19, 15/54: EN(pu) 30.4, EN(pa) 51.6, PET 67.3 % / 7.0 %, a 4.8 %, b 9.6 %
    d = simon_two_stage(0.2, 0.4, 0.05, 0.1).optimal
    assert abs(d.en0 - 30.4) < 0.05 and abs(d.en1 - 51.6) < 0.05
    assert abs(d.pet0 - 0.673) < 0.0005 and abs(d.pet1 - 0.070) < 0.0005
    assert abs(d.alpha - 0.048) < 0.0005 and abs(d.beta - 0.096) < 0.0005
    oc = operating_characteristics(d, np.array([0.2, 0.4]))
    np.testing.assert_allclose(oc["EN"], [d.en0, d.en1])
    np.testing.assert_allclose(oc["P(declare promising)"], [d.alpha, d.power])


def test_operating_characteristics_bad_grid() -> None:
    d = simon_two_stage(0.2, 0.4).optimal
    with pytest.raises(ValueError, match=r"p_grid\[1\] \(1.5\)"):
        operating_characteristics(d, [0.2, 1.5])


# ---- rule in words ---------------------------------------------------------------------------


def test_rule_text() -> None:
    d = simon_two_stage(0.2, 0.4, 0.05, 0.2).minimax  # 4/18, 10/33
    text = d.rule_text()
    assert "stop for futility after 18 patients if 4 or fewer respond" in text
    assert "15 further patients" in text
    assert "more than 10 respond among the 33 patients" in text
    d0 = simon_two_stage(0.05, 0.2, 0.1, 0.1).minimax  # 0/18, 3/32
    assert "if no patient responds" in d0.rule_text()


def test_summary_frame() -> None:
    res = simon_two_stage(0.05, 0.2, 0.1, 0.1)
    df = res.summary()
    assert list(df["design"]) == ["minimax", "admissible", "admissible", "optimal"]
    assert {"EN(p0)", "PET(p0)", "attained alpha", "attained power"} <= set(df.columns)


# ---- agreement with the exhaustive search ----------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    p0=st.sampled_from([0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.75]),
    delta=st.sampled_from([0.2, 0.25, 0.3]),
    alpha=st.sampled_from([0.025, 0.05, 0.1]),
    beta=st.sampled_from([0.1, 0.2]),
    constraint=st.sampled_from(["<=", "<"]),
)
def test_matches_exhaustive_search(p0, delta, alpha, beta, constraint) -> None:
    p1 = round(min(p0 + delta, 0.95), 2)
    res = simon_two_stage(p0, p1, alpha, beta, constraint=constraint)
    if res.optimal.n > 45:
        return
    bound = res.optimal.n + 12
    opt, mm = exhaustive_simon(p0, p1, alpha, beta, bound, constraint)
    assert (opt[1], opt[2], opt[3], opt[4]) == (
        res.optimal.n,
        res.optimal.n1,
        res.optimal.r1,
        res.optimal.r,
    )
    assert (mm[1], mm[2], mm[3], mm[4]) == (
        res.minimax.n,
        res.minimax.n1,
        res.minimax.r1,
        res.minimax.r,
    )
    assert math.isclose(opt[0], res.optimal.en0, rel_tol=1e-12)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    p0=st.floats(0.03, 0.75),
    delta=st.floats(0.18, 0.35),
    alpha=st.sampled_from([0.025, 0.05, 0.1]),
    beta=st.sampled_from([0.1, 0.15, 0.2]),
    constraint=st.sampled_from(["<=", "<"]),
)
def test_batched_search_equals_exhaustive_including_admissible(
    p0, delta, alpha, beta, constraint
) -> None:
    # the batched branch and bound (envelope, necessary condition, two passes) against a plain
    # exhaustive search over every (n, n1, r1, r): minimax, optimal and the whole admissible set
    p0 = round(p0, 3)
    p1 = round(min(p0 + delta, 0.95), 3)
    res = simon_two_stage(p0, p1, alpha, beta, constraint=constraint)
    if res.optimal.n > 40:
        return
    _assert_equals_exhaustive(res, constraint)


@pytest.mark.parametrize(
    "args",
    [(0.05, 0.2, 0.025, 0.2, "<="), (0.05, 0.2, 0.025, 0.2, "<"), (0.2, 0.4, 0.025, 0.2, "<=")],
)
def test_designs_found_in_the_second_pass_equal_exhaustive(args) -> None:
    # optimal n (47, 55) beyond the first pass (n <= minimax n + 10 here): the pairs it cut are
    # resumed with the hull it built, and the result is still the exhaustive one
    *rates, constraint = args
    res = simon_two_stage(*rates, constraint=constraint)
    assert res.optimal.n > res.minimax.n + 10
    _assert_equals_exhaustive(res, constraint)


def _assert_equals_exhaustive(res, constraint: str) -> None:
    p0, p1, alpha, beta = res.p0, res.p1, res.alpha, res.beta
    per_n = exhaustive_per_n(p0, p1, alpha, beta, res.optimal.n + 6, constraint)
    n_mm = min(per_n)
    assert per_n[n_mm][1:] == (res.minimax.n, res.minimax.n1, res.minimax.r1, res.minimax.r)
    best = min(per_n.values(), key=lambda d: (d[0], d[1], d[2], -d[3]))
    assert best[1:] == (res.optimal.n, res.optimal.n1, res.optimal.r1, res.optimal.r)
    cand = [per_n[k] for k in sorted(per_n) if n_mm <= k <= best[1]]
    ref = [cand[i][1:] for i, _, _ in _admissible(cand)]
    assert [(d.n, d.n1, d.r1, d.r) for d in res.admissible] == ref
    assert res.proven_optimal


@pytest.mark.parametrize("p", [0.003, 0.2, 0.37, 0.5, 0.97])
def test_pmf_block_is_scipy_binom_pmf_exactly(p) -> None:
    # the search's binomial tables must hold scipy's numbers bit for bit (designs at the
    # alpha / beta boundaries depend on the last digits), including zeros beyond k = n
    k, ns = np.arange(320), np.arange(320)
    assert np.array_equal(_pmf_block(k, ns, p), stats.binom.pmf(k[None, :], ns[:, None], p))


def test_probe_bounds_hold_against_exact_evaluation() -> None:
    # probe's envelope is the exact one (to rounding) and its necessary condition never rejects
    # a feasible design: the two facts the batched search relies on
    feasible = 0
    for p0, p1, alpha, beta, strict in [
        (0.2, 0.4, 0.05, 0.2, False),
        (0.3, 0.37, 0.05, 0.1, False),
        (0.05, 0.25, 0.1, 0.1, True),
    ]:
        s = _Search(p0, p1, alpha, beta, strict)
        n1, r1, n2 = np.meshgrid(np.arange(5, 60, 3), np.arange(0, 20), np.arange(5, 90, 7))
        n1, r1, n2 = n1.ravel(), r1.ravel(), n2.ravel()
        keep = r1 < n1
        n1, r1, n2 = n1[keep], r1[keep], n2[keep]
        g, _ = s.probe(n1, r1, n2)
        maybe, c = s.probe(n1, r1, n2, envelope=False)
        # a bracket for c is only a guess: wrong ones (too low, too high) give the same answers
        for guess in (np.zeros_like(c), n1 + n2, c - 3, c + 2):
            g2, c2 = s.probe(n1, r1, n2, guess, guess)
            assert np.array_equal(c2, c) and np.array_equal(g2, g)
        for i in range(n1.size):
            ok, _, g_exact = s.eval_pair(int(n1[i]), int(r1[i]), int(n2[i]))
            assert g[i] >= g_exact - 1e-13
            assert abs(g[i] - g_exact) <= 1e-9
            if ok:
                feasible += 1
                assert maybe[i]
        assert not maybe.all()
    assert feasible > 0


def test_large_optimum_is_proved() -> None:
    res = simon_two_stage(0.2, 0.28, 0.05, 0.1)
    assert res.proven_optimal
    assert res.optimal.n > 250
    d = res.optimal
    assert d.alpha <= 0.05 and d.beta <= 0.1 and d.pet0 > 0


# ---- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((0.4, 0.2), {}, r"p0 \(0.4\) must be smaller than p1 \(0.2\)"),
        ((0.3, 0.3), {}, r"p0 \(0.3\) must be smaller"),
        ((0.0, 0.2), {}, r"p0 \(0.0\) must be strictly between 0 and 1"),
        ((0.2, 1.0), {}, r"p1 \(1.0\)"),
        ((0.2, float("nan")), {}, r"p1 \(nan\)"),
        ((0.2, 0.4, 0.0), {}, r"alpha \(0.0\) must be in \(0, 0.5\]"),
        ((0.2, 0.4, 0.05, 0.6), {}, r"beta \(0.6\)"),
        ((0.2, 0.4), {"constraint": "<<"}, r"constraint \('<<'\)"),
        ((0.2, 0.4), {"n_max": 1}, r"n_max \(1\)"),
        ((0.2, 0.4), {"n_max": 2.5}, r"n_max \(2.5\)"),
        (
            (0.2, 0.35, 0.05, 0.05),
            {"n_max": 60},
            r"No feasible design with n <= 60: even the most powerful",
        ),
        ((0.2, 0.35, 0.05, 0.05), {"n_max": 94}, r"No feasible two-stage design with n <= 94"),
        (("a", 0.4), {}, r"p0 \('a'\) must be a number"),
    ],
)
def test_bad_input(args, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        simon_two_stage(*args, **kwargs)


def test_hard_cap_message_is_fast_and_clear() -> None:
    # p0 .3 vs p1 .33 needs thousands of patients: refused at once, naming the cap
    with pytest.raises(ValueError, match=r"more than 1000 patients for p0 = 0.3, p1 = 0.33"):
        simon_two_stage(0.3, 0.33, 0.05, 0.1)
    with pytest.raises(ValueError, match=r"n_max \(5000\) must not exceed 1000"):
        simon_two_stage(0.2, 0.4, n_max=5000)


def test_en_by_n_matches_exhaustive_per_n() -> None:
    from synthesis.design.simon import en_by_n

    res = simon_two_stage(0.2, 0.35, 0.05, 0.05)
    df = en_by_n(res, extra=2)
    assert df["n"].iloc[0] == 95 and df["n"].iloc[-1] <= 111
    ref = exhaustive_per_n(0.2, 0.35, 0.05, 0.05, 111)
    for row in df.itertuples(index=False):
        en, n, n1, r1, r = ref[row.n]
        assert (row.n1, row.r1, row.r) == (n1, r1, r)
        assert math.isclose(row[4], en, rel_tol=1e-12)
    # the published admissible and optimal rows appear at their n (clinfun ph2simon.md)
    at = df.set_index("n")
    assert (at.loc[99, "r1"], at.loc[99, "n1"], at.loc[99, "r"]) == (11, 53, 26)
    assert (at.loc[109, "r1"], at.loc[109, "n1"], at.loc[109, "r"]) == (11, 50, 28)
    assert at["EN(p0)"].min() == pytest.approx(res.optimal.en0)
    with pytest.raises(ValueError, match=r"extra \(-1\)"):
        en_by_n(res, extra=-1)


@pytest.mark.parametrize(
    ("args", "kind", "boundary", "en0"),
    [
        # clinfun 1.1.5's Fortran search (f2bdry) (clinfun 1.1.5), rows where DesignPower is wrong
        ((0.05, 0.30, 0.05, 0.20), "optimal", "0/5, 2/18", "7.94"),
        ((0.05, 0.30, 0.05, 0.20), "minimax", "0/7, 2/14", "9.11"),
        ((0.10, 0.35, 0.10, 0.10), "optimal", "1/11, 3/19", "13.42"),
        ((0.01, 0.10, 0.05, 0.20), "optimal", "0/17, 1/39", "20.46"),
    ],
)
def test_rows_that_designpower_gets_wrong(args, kind, boundary, en0) -> None:
    d = getattr(simon_two_stage(*args), kind)
    assert d.boundary() == boundary
    assert abs(d.en0 - float(en0)) <= _tol(en0)


def _designs_at_n_full_tables(s: _Search, n: int) -> list[tuple[float, int, int, int]]:
    """designs_at_n without the r bounds: every total r from the full tail tables."""
    found = []
    for n1 in range(1, n):
        lo, hi = s.r1_range(n1)
        if lo > hi:
            continue
        r1s = np.arange(lo, hi + 1)
        rc0, off0 = _local_tails(s.b0, n1, n - n1, r1s)
        rc1, off1 = _local_tails(s.b1, n1, n - n1, r1s)
        c = _count_r(np.count_nonzero(s.alpha_bad(rc0), axis=1), off0, n)
        r_hi = _count_r(np.count_nonzero(s.power_ok(rc1), axis=1), off1, n) - 1
        en = n1 + s.q0(n1, r1s) * (n - n1)
        for i in np.flatnonzero((np.maximum(c, r1s) <= r_hi) & (en < n)):
            found.append((float(en[i]), n1, int(r1s[i]), int(r_hi[i])))
    return found


@pytest.mark.parametrize(
    ("p0", "p1", "alpha", "beta", "strict", "ns"),
    [
        (0.2, 0.4, 0.05, 0.2, False, range(30, 50)),
        (0.2, 0.4, 0.05, 0.2, True, range(30, 50)),
        (0.05, 0.25, 0.05, 0.2, False, range(12, 24)),
        (0.7, 0.9, 0.1, 0.1, False, range(20, 40)),
        (0.3, 0.37, 0.05, 0.1, False, (388, 389, 400)),
    ],
)
def test_designs_at_n_r_bounds_drop_no_design(p0, p1, alpha, beta, strict, ns):
    # the likelihood-ratio bound on r and the P0(X1 > r) <= alpha cut are proofs: the designs
    # (and their largest feasible r) equal those read from the full tail tables
    s = _Search(p0, p1, alpha, beta, strict)
    for n in ns:
        assert s.designs_at_n(n) == _designs_at_n_full_tables(s, n), n
