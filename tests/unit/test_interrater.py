"""synthesis.interrater.agreement: Cohen's kappa against a hand computation and edge cases."""

from __future__ import annotations

import math

import pytest

from synthesis.interrater import agreement


def test_kappa_matches_hand_computation():
    # 2x2 table [[20, 5], [10, 15]]: po = 0.7, pe = (25*30 + 25*20)/50**2 = 0.5, kappa = 0.4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    r = agreement(a, b)
    assert r.kappa == pytest.approx(0.4) and r.proportion == pytest.approx(0.7)
    assert r.ci.low < 0.4 < r.ci.high and r.ci.high - 0.4 == pytest.approx(0.4 - r.ci.low)


def test_three_categories_and_perfect_agreement():
    r = agreement([0, 1, 2, 2, 1, 0], [0, 1, 2, 2, 1, 0], categories=(0, 1, 2))
    assert r.kappa == pytest.approx(1.0) and r.agree == 6


def test_kappa_undefined_when_chance_agreement_is_one():
    r = agreement(["Unclear"] * 5, ["Unclear"] * 5)
    assert math.isnan(r.kappa) and r.proportion == 1.0


def test_validation():
    with pytest.raises(ValueError, match="same length"):
        agreement([1, 2], [1])
    with pytest.raises(ValueError, match="not among the categories"):
        agreement([0, 3], [0, 1], categories=(0, 1, 2))
