"""Time-to-event designs against Wu (2015), the exponential median test and lifelines' CPH sample size."""

from __future__ import annotations

import math

import pytest

from synthesis.design.tte import (
    exponential_median_test,
    median_from_landmark,
    one_sample_logrank,
    one_sample_logrank_power,
    two_arm_cph,
)


@pytest.mark.parametrize(
    ("power", "n", "n_raw", "attained"),
    [
        # Wu (2015) PBC example; logRank1s vignette, tests/testthat/test_sample.R, test_power.R
        (0.80, 88, 87.32, 0.8031),
        (0.85, 100, 99.72, 0.8510),
        (0.90, 117, 116.51, 0.9012),
    ],
)
def test_wu_2015_example(power, n, n_raw, attained) -> None:
    d = one_sample_logrank(9, 1 / 1.75, 5, 3, shape=1.22, alpha=0.05, power=power)
    assert d.n == n
    assert abs(d.n_raw - n_raw) < 0.005
    assert abs(d.power - attained) < 0.00005
    assert abs(one_sample_logrank_power(n, 9, 1 / 1.75, 5, 3, shape=1.22) - attained) < 0.00005
    assert abs(d.power_at(n) - attained) < 0.00005
    assert d.study_duration == 8
    assert 0 < d.expected_events_h1 < d.expected_events_h0 < n


@pytest.mark.parametrize(
    ("shape", "s0", "x0", "hr", "tf", "rate", "beta", "n", "ta"),
    [
        # OneArm2stage man/phase2.TTE.Rd example 1: nsingle 45, tasingle 9 (ceiling of 8.945)
        (0.5, 0.6, 3, 0.5, 1, 5, 0.15, 45, 8.945),
        # OneArm2stage 1.1.5 man/Optimal.KJ.Rd: nsingle 25, tasingle 5 (ceiling of 4.899)
        (1.0, 0.62, 2, 0.467, 2, 5, 0.20, 25, 4.899),
    ],
)
def test_onearm2stage_single_stage(shape, s0, x0, hr, tf, rate, beta, n, ta) -> None:
    m0 = median_from_landmark(s0, x0, shape)
    d = one_sample_logrank(m0, hr, None, tf, shape=shape, power=1 - beta, accrual_rate=rate)
    assert d.n == n
    assert abs(d.accrual - ta) < 0.0005
    assert math.ceil(d.accrual) == math.ceil(ta)
    assert d.accrual_rate == rate


def test_exponential_median_test() -> None:
    # the exponential median (hazard) test: m0 4 -> m1 6, alpha .05, power .8, A 24, F 12: d 37.6, P 0.915, n 41.1
    d = exponential_median_test(4, 6, 24, 12, alpha=0.05, power=0.8)
    assert abs(d.events - 37.6) < 0.05
    assert abs(d.p_event - 0.915) < 0.0005
    assert abs(d.n_raw - 41.1) < 0.05
    assert d.n == 42 and not d.exact


def test_exponential_exact_variant() -> None:
    d = exponential_median_test(4, 6, 24, 12, alpha=0.05, power=0.8, exact=True)
    assert d.exact and d.events == int(d.events)
    assert d.power >= 0.8
    # one event fewer does not reach the power (smallest d)
    from scipy import stats

    k = int(d.events) - 1
    crit = stats.chi2.ppf(0.95, 2 * k)
    assert stats.chi2.sf(crit * 4 / 6, 2 * k) < 0.8


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        # lifelines docstring
        ((0.7, 0.25, 0.35), {"power": 0.8}, (421, 421)),
        # lifelines/tests/test_statistics.py
        ((0.139, 0.8, 0.2), {"power": 0.8}, (14, 14)),
        ((1.2, 0.5, 0.5), {"power": 0.8}, (950, 950)),
        ((1.2, 0.5, 0.5), {"power": 0.8, "ratio": 1.5}, (1231, 821)),
        ((1.2, 0.5, 0.5), {"power": 0.8, "ratio": 1.5, "alpha": 0.01}, (1832, 1221)),
    ],
)
def test_two_arm_cph_anchors(args, kwargs, expected) -> None:
    d = two_arm_cph(*args, **kwargs)
    assert (d.n_exp, d.n_con) == expected
    assert d.power >= d.power_target
    assert any("Two-sided" in a for a in d.assumptions)


def test_two_arm_cph_power_anchor() -> None:
    from lifelines.statistics import power_under_cph

    # lifelines tests: power(12, 12, 0.8, 0.2, 0.139) = 0.744937
    assert abs(power_under_cph(12, 12, 0.8, 0.2, 0.139) - 0.744937) < 1e-6
    d = two_arm_cph(0.139, 0.8, 0.2)
    assert d.n_total == 28


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: one_sample_logrank(9, 1.2, 5, 3), r"hazard_ratio \(1.2\) must be below 1"),
        (lambda: one_sample_logrank(-1, 0.5, 5, 3), r"m0 \(-1\)"),
        (lambda: one_sample_logrank(9, 0.5, 0, 3), r"accrual \(0\)"),
        (lambda: one_sample_logrank(9, 0.5, 5, 3, alpha=0.7), r"alpha \(0.7\)"),
        (lambda: one_sample_logrank(9, 0.5, 5, 3, power=1.0), r"power \(1.0\)"),
        (lambda: one_sample_logrank(9, 0.5, None, 3), r"accrual \(None\)"),
        (lambda: exponential_median_test(6, 4, 24, 12), r"m1 \(4.0\) must exceed m0"),
        (lambda: two_arm_cph(1.0, 0.5, 0.5), r"hazard_ratio \(1.0\)"),
        (lambda: two_arm_cph(0.7, 1.5, 0.5), r"p_exp \(1.5\)"),
        (lambda: median_from_landmark(1.2, 3), r"survival \(1.2\)"),
    ],
)
def test_bad_input(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()
