"""Exact single-stage designs (A'Hern 2001) against published rows (clinfun vignette, PhIIdesign) and an exact search."""

from __future__ import annotations

import pytest
from scipy import stats

from synthesis.design.single_stage import single_stage_exact


@pytest.mark.parametrize(
    ("p0", "p1", "alpha", "beta", "n", "r", "a_att", "b_att"),
    [
        # clinfun vignette (Zucali 2018 everolimus): n 41, promising if > 20, 0.0965 / 0.0965
        (0.40, 0.60, 0.10, 0.10, 41, 21, "0.0965", "0.0965"),
        # PhIIdesign inst/tinytest/test-fleming1stage.R: n 25, r = 15 (>= 16), 0.04396 / 0.18944
        (0.45, 0.70, 0.05, 0.20, 25, 16, "0.04396", "0.18944"),
        # exact smallest-n search (DesignPower's 29 / 43 do not fit the exact definition)
        (0.05, 0.20, 0.05, 0.20, 27, 4, "0.0437", "0.1823"),
        (0.20, 0.40, 0.05, 0.20, 35, 12, "0.0344", "0.1952"),
    ],
)
def test_published_single_stage(p0, p1, alpha, beta, n, r, a_att, b_att) -> None:
    res = single_stage_exact(p0, p1, alpha, beta)
    assert (res.n, res.r) == (n, r)
    tol = 0.5 * 10.0 ** -len(a_att.split(".")[1]) + 1e-12
    assert abs(res.alpha - float(a_att)) <= tol
    assert abs(res.beta - float(b_att)) <= tol
    assert res.alpha <= alpha and res.beta <= beta
    # the cut-off is the smallest r meeting alpha at this n
    assert stats.binom.sf(r - 2, n, p0) > alpha


def test_non_monotone_power() -> None:
    # clinfun vignette: feasible n = 41, 43, 45, 47, 49; n = 42 is not feasible
    res = single_stage_exact(0.4, 0.6, 0.1, 0.1)
    listed = [f[0] for f in res.feasible]
    assert listed[:5] == [41, 43, 45, 47, 49]
    assert 42 not in listed and 42 in res.infeasible_between
    assert res.n_all_feasible_from == 49
    assert "smallest feasible n" in res.reported
    assert res.horizon >= 2 * res.n


def test_rule_text_and_frame() -> None:
    res = single_stage_exact(0.45, 0.70, 0.05, 0.20)
    assert "Enrol 25 patients" in res.rule_text() and "16 or more respond" in res.rule_text()
    df = res.to_frame()
    assert df.iloc[0]["n"] == 25 and len(df) == len(res.feasible)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.6, 0.4), r"p0 \(0.6\) must be smaller than p1 \(0.4\)"),
        ((0.2, 0.4, 0.7), r"alpha \(0.7\)"),
        ((0.2, 0.4, 0.05, 0.0), r"beta \(0.0\)"),
        ((-0.1, 0.4), r"p0 \(-0.1\)"),
    ],
)
def test_bad_input(args, match) -> None:
    with pytest.raises(ValueError, match=match):
        single_stage_exact(*args)


def test_no_feasible_design_within_cap() -> None:
    with pytest.raises(ValueError, match="No feasible single-stage design"):
        single_stage_exact(0.5, 0.5005, 0.01, 0.01)


def test_all_larger_feasible_is_proved() -> None:
    from scipy import stats as st

    res = single_stage_exact(0.4, 0.6, 0.1, 0.1)
    assert res.all_larger_proved
    # the Hoeffding threshold ((sqrt(ln 10 / 2) * 2) / 0.2)^2 = 116 lies inside the exact check
    assert res.horizon >= 116
    # spot check far beyond the horizon: n = 1000 is feasible
    n = 1000
    r = int(st.binom.isf(0.1, n, 0.4)) + 1
    while st.binom.sf(r - 2, n, 0.4) <= 0.1:
        r -= 1
    while st.binom.sf(r - 1, n, 0.4) > 0.1:
        r += 1
    assert st.binom.sf(r - 1, n, 0.6) >= 0.9
