"""synthesis.survival_curves and synthesis.survival_medians: parametric curves through reported points, pooling of log medians, median of medians.

Numbers are published medians and intervals of the included studies (sources cited in
``data/studies.yaml``). Pooling is checked against metafor
``rma(yi, sei=...)`` in ``tests/reference/survival_reference.json`` (made by
``tests/reference/make_survival_reference.R``, R 4.2.2, metafor 3.8.1; also REML and PM with
``test="knha"``/``"adhoc"``, our ``hksj``/``hksj-adhoc``). Tolerances: DL and CE are
closed forms, so they agree to rounding (rtol 1e-10); REML is iterative and metafor stops at its
own convergence threshold, so the REML values agree to about 1e-10 relative; rtol 1e-7 leaves room
for a different number of iterations without hiding a wrong algorithm (a wrong update moves τ² by
far more than 1e-7).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import ExponentialFitter, WeibullFitter
from numpy.testing import assert_allclose
from scipy import stats

from synthesis.survival_curves import (
    SurvivalCurveFit,
    fit_exponential,
    fit_parametric_curves,
    fit_weibull,
    implied_median_bounds,
    reported_points,
)
from synthesis.survival_medians import PooledMedian, median_of_medians, pool_log_medians

REF = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "survival_reference.json").read_text()
)


# ---------------------------------------------------------------------------------------------
# exponential
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("m", [7.89, 4.5, 3.5, 18.53, 0.37, 123.0])
def test_exponential_through_a_median_is_exact(m: float) -> None:
    fit = fit_exponential([(m, 0.5)])
    assert fit.survival(m) == pytest.approx(0.5, abs=1e-15)
    assert fit.median == pytest.approx(m, rel=1e-15)
    assert fit.rate == pytest.approx(math.log(2) / m, rel=1e-15)
    assert fit.shape == 1.0
    assert fit.max_abs_residual < 1e-15


def test_exponential_one_milestone_exact() -> None:
    fit = fit_exponential([(4.0, 0.5676)])  # S5: 4-month PFS 56.76%
    assert_allclose(fit.survival(4.0), 0.5676, rtol=1e-14)
    assert_allclose(fit.rate, -math.log(0.5676) / 4.0, rtol=1e-14)


def test_exponential_several_points_is_log_cumhaz_least_squares() -> None:
    # S10 PFS: median 13.1, 76.2% at 6 mo, 55.4% at 12 mo
    pts = [(6.0, 0.762), (12.0, 0.554), (13.1, 0.5)]
    fit = fit_exponential(pts)
    t = np.array([p[0] for p in pts])
    s = np.array([p[1] for p in pts])
    # hand calculation: log rate = mean(log(-log S) - log t)
    rate = math.exp(np.mean(np.log(-np.log(s)) - np.log(t)))
    assert_allclose(fit.rate, rate, rtol=1e-13)
    assert "least squares" in fit.fit_method
    # minimises the sum of squares on log(-log S) with slope 1
    def ss(lr: float) -> float:
        return float(np.sum((np.log(-np.log(s)) - np.log(t) - lr) ** 2))
    lr = math.log(fit.rate)
    assert ss(lr) < ss(lr + 1e-3) and ss(lr) < ss(lr - 1e-3)
    assert fit.max_abs_residual < 0.05  # these three points are nearly exponential
    assert_allclose(fit.residuals, fit.fitted - s)


def test_exponential_parametrisation_matches_lifelines() -> None:
    fit = fit_exponential([(7.89, 0.5)])
    grid = np.array([0.5, 3.0, 7.89, 20.0])
    lf = ExponentialFitter()._survival_function(np.array([fit.scale]), grid)
    assert_allclose(fit.survival(grid), lf, rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# Weibull
# ---------------------------------------------------------------------------------------------
def test_weibull_two_points_exact_s1() -> None:
    # S1: PFS 46.3% at 4 months and 36.5% at 6 months (Kaplan–Meier)
    fit = fit_weibull([(4.0, 0.463), (6.0, 0.365)])
    assert_allclose(fit.survival([4.0, 6.0]), [0.463, 0.365], rtol=1e-12)
    assert fit.shape > 0
    # hand calculation of the line through the two points
    y = np.log(-np.log([0.463, 0.365]))
    x = np.log([4.0, 6.0])
    shape = (y[1] - y[0]) / (x[1] - x[0])
    assert_allclose(fit.shape, shape, rtol=1e-13)
    assert_allclose(fit.median, fit.scale * math.log(2) ** (1 / fit.shape), rtol=1e-14)
    assert fit.median < 4.0  # consistent with flag 1: the KM median is at most 4 months
    assert "exact" in fit.fit_method


def test_weibull_least_squares_several_points() -> None:
    pts = [(6.0, 0.762), (12.0, 0.554), (13.1, 0.5)]
    fit = fit_weibull(pts)
    x = np.log([p[0] for p in pts])
    y = np.log(-np.log([p[1] for p in pts]))
    slope, intercept, *_ = stats.linregress(x, y)
    assert_allclose(fit.shape, slope, rtol=1e-12)
    assert_allclose(fit.scale, math.exp(-intercept / slope), rtol=1e-12)
    assert fit.max_abs_residual < 0.03  # passes near every reported point
    assert "least squares" in fit.fit_method


def test_weibull_parametrisation_matches_lifelines() -> None:
    fit = fit_weibull([(4.0, 0.463), (6.0, 0.365)])
    grid = np.array([0.5, 3.0, 7.0, 20.0])
    lf = WeibullFitter()._survival_function(np.array([fit.scale, fit.shape]), grid)
    assert_allclose(fit.survival(grid), lf, rtol=1e-14)


@settings(max_examples=60, deadline=None)
@given(
    scale=st.floats(0.5, 60.0),
    shape=st.floats(0.3, 4.0),
    times=st.lists(st.floats(0.2, 40.0), min_size=2, max_size=6, unique=True),
)
def test_weibull_recovers_an_exact_weibull(scale: float, shape: float, times: list[float]) -> None:
    t = np.sort(np.array(times))
    if np.min(np.diff(t)) < 1e-3:
        return
    s = np.exp(-((t / scale) ** shape))
    if np.any(s <= 1e-9) or np.any(s >= 1 - 1e-9) or np.any(np.diff(s) >= 0):
        return
    fit = fit_weibull(list(zip(t, s, strict=True)))
    assert fit.shape > 0
    assert_allclose(fit.shape, shape, rtol=1e-6)
    assert_allclose(fit.scale, scale, rtol=1e-6)
    assert fit.max_abs_residual < 1e-8


def test_fit_result_is_frozen_and_frames() -> None:
    fit = fit_weibull([(4.0, 0.463), (6.0, 0.365)], labels=["PFS 4 mo (KM)", "PFS 6 mo (KM)"])
    assert isinstance(fit, SurvivalCurveFit)
    with pytest.raises(AttributeError):
        fit.shape = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        fit.times[0] = 1.0
    assert "not a Kaplan–Meier curve" in fit.assumption
    assert "Weibull" in fit.assumption
    assert "exponential" in fit_exponential([(5, 0.5)]).assumption
    df = fit.to_frame([0, 2, 4, 6])
    assert list(df.columns) == ["time_months", "survival", "model"]
    assert df["survival"].iloc[0] == 1.0
    assert np.all(np.diff(df["survival"]) < 0)
    assert list(fit.points_frame()["label"]) == ["PFS 4 mo (KM)", "PFS 6 mo (KM)"]
    summ = fit.summary()
    assert {"shape", "scale (months)", "implied median (months)"} <= set(summ["quantity"])
    assert fit.to_frame().shape[0] == 121


# ---------------------------------------------------------------------------------------------
# bad inputs
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fitter", [fit_exponential, fit_weibull])
@pytest.mark.parametrize(
    ("points", "match"),
    [
        ([(4.0, 0.5), (6.0, 1.2)], r"points\[1\] survival \(1\.2\)"),
        ([(4.0, 0.5), (6.0, 0.0)], r"points\[1\] survival \(0\)"),
        ([(4.0, 1.0), (6.0, 0.3)], r"points\[0\] survival \(1\)"),
        ([(4.0, 46.3), (6.0, 36.5)], r"points\[0\] survival \(46\.3\)"),
        ([(0.0, 0.5), (6.0, 0.3)], r"points\[0\] time \(0\)"),
        ([(-2.0, 0.5), (6.0, 0.3)], r"points\[0\] time \(-2\)"),
        ([(6.0, 0.5), (4.0, 0.3)], r"points\[1\] time \(4\) is not greater"),
        ([(6.0, 0.5), (6.0, 0.3)], r"points\[1\] time \(6\) is not greater"),
        ([(4.0, 0.3), (6.0, 0.5)], r"points\[1\] survival \(0\.5\) exceeds"),
        ([(math.nan, 0.3), (6.0, 0.2)], r"points\[0\] time \(nan\)"),
        ([], r"empty"),
        ([(1.0, 0.5, 3.0)], r"pairs"),
    ],
)
def test_bad_points_raise_naming_the_value(fitter, points, match) -> None:
    with pytest.raises(ValueError, match=match):
        fitter(points)


def test_weibull_needs_two_points_and_varying_survival() -> None:
    with pytest.raises(ValueError, match="at least 2 points"):
        fit_weibull([(4.0, 0.5)])
    with pytest.raises(ValueError, match="same survival"):
        fit_weibull([(4.0, 0.5), (6.0, 0.5)])


def test_labels_length_checked() -> None:
    with pytest.raises(ValueError, match="labels"):
        fit_exponential([(4.0, 0.5)], labels=["a", "b"])


# ---------------------------------------------------------------------------------------------
# implied median bounds (flag 1)
# ---------------------------------------------------------------------------------------------
def test_implied_median_bounds_flag_1() -> None:
    b = implied_median_bounds([(4.0, 0.463), (6.0, 0.365)])
    assert b.upper == 4.0 and math.isnan(b.lower)
    assert not b.contains(6.6)  # the seed's 6.6 months is incompatible
    assert b.contains(3.9) and b.contains(4.0)
    b2 = implied_median_bounds([(6.0, 0.762), (12.0, 0.554)])  # S10
    assert b2.lower == 12.0 and math.isnan(b2.upper)
    assert b2.contains(13.1) and not b2.contains(12.0)
    b3 = implied_median_bounds([(6.0, 0.762), (12.0, 0.554), (24.0, 0.5)])
    assert (b3.lower, b3.upper) == (12.0, 24.0)
    assert "12 < KM median ≤ 24" in b3.text


# ---------------------------------------------------------------------------------------------
# pooling of log medians
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(k for k in REF if not k.startswith("_")))
def test_pool_log_medians_matches_metafor(key: str) -> None:
    r = REF[key]
    res = pool_log_medians(r["medians"], r["ci_low"], r["ci_high"], method=r["method"],
                           level=r["level"], labels=r["labels"], ci_method=r.get("ci_method", "z"))
    rtol = 1e-7 if r["method"] in ("REML", "PM") else 1e-10
    assert res.k == len(r["medians"]) and res.data.excluded == ()
    assert_allclose(res.fit.estimate_log, r["estimate_log"], rtol=rtol)
    assert_allclose(res.fit.se_log, r["se_log"], rtol=rtol)
    assert_allclose([res.estimate, res.ci.low, res.ci.high],
                    [r["estimate"], r["ci_low_pooled"], r["ci_high_pooled"]], rtol=rtol)
    assert_allclose(res.tau2, r["tau2"], rtol=rtol, atol=1e-12)
    assert_allclose(res.i2, r["i2"], rtol=rtol, atol=1e-9)
    assert_allclose(res.heterogeneity.q, r["q"], rtol=1e-10)
    assert_allclose(res.heterogeneity.q_pvalue, r["q_pvalue"], rtol=1e-8)
    assert_allclose(res.data.weights, r["weights"], rtol=rtol)
    if r["pi_low"] is None:
        assert math.isnan(res.pi.low)
    else:
        assert_allclose([res.pi.low, res.pi.high], [r["pi_low"], r["pi_high"]], rtol=rtol)


def test_pool_log_medians_hand_calculation_two_studies() -> None:
    # S4 7.89 (4.56–11.21) and S6 3.5 (2.5–4.8), both 95% CIs; DL by hand
    z = stats.norm.ppf(0.975)
    y = np.log([7.89, 3.5])
    se = np.array([np.log(11.21 / 4.56), np.log(4.8 / 2.5)]) / (2 * z)
    w = 1 / se**2
    mu0 = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - mu0) ** 2)
    tau2 = max(0.0, (q - 1) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    ws = 1 / (se**2 + tau2)
    mu = np.sum(ws * y) / np.sum(ws)
    res = pool_log_medians([7.89, 3.5], [4.56, 2.5], [11.21, 4.8], method="DL")
    assert_allclose(res.tau2, tau2, rtol=1e-12)
    assert_allclose(res.estimate, math.exp(mu), rtol=1e-12)
    assert_allclose(res.ci.high, math.exp(mu + z / math.sqrt(np.sum(ws))), rtol=1e-12)
    assert tau2 > 0  # S4 and S6 clearly differ


def test_pool_log_medians_exclusions_say_why() -> None:
    # PFS rows as they will come from the evidence frame
    res = pool_log_medians(
        medians=[7.89, 4.50, 3.5, 12.4, 18.53, 13.1, 7.93, math.nan],
        ci_low=[4.56, 3.47, 2.5, 7.0, 12.23, 6.7, math.nan, math.nan],
        ci_high=[11.21, 6.27, 4.8, 21.2, math.nan, math.nan, math.nan, math.nan],
        interval_kind=["95% CI", "not stated", "95% CI", "IQR", "95% CI", "not stated",
                       "not stated", "not stated"],
        not_reached=[False, False, False, False, False, False, False, True],
        labels=["S4", "S5", "S6", "S8", "S9", "S10", "S2", "X"],
    )
    assert res.labels == ("S4", "S6")
    why = dict(res.data.excluded)
    assert why["S8"] == "interval is an IQR, not a 95% CI"
    assert why["S9"] == "upper bound not estimable (NE)"
    assert why["S10"] == "upper bound not estimable (NE)"
    assert why["S2"] == "no CI reported"
    assert why["X"] == "median not reached"
    assert "not a stated 95% CI" in why["S5"]
    frame = res.to_frame()
    assert frame["used"].sum() == 2 and len(frame) == 8
    assert set(res.excluded_frame()["label"]) == {"S5", "S8", "S9", "S10", "S2", "X"}
    assert "range" in pool_log_medians([5.0], [1.0], [9.0], interval_kind=["range"]).data.excluded[0][1]
    # the sensitivity switch admits S5 but never the IQR
    res2 = pool_log_medians(
        [7.89, 4.50, 12.4], [4.56, 3.47, 7.0], [11.21, 6.27, 21.2],
        interval_kind=["95% CI", "not stated", "IQR"], include_unlabelled=True,
    )
    assert res2.labels == ("study 1", "study 2")
    assert any("sensitivity" in n for n in res2.computation.notes)


def test_pool_log_medians_degenerate_cases() -> None:
    none = pool_log_medians([12.4], [7.0], [21.2], interval_kind=["IQR"])
    assert none.k == 0 and math.isnan(none.estimate) and none.computation.notes
    one = pool_log_medians([7.89], [4.56], [11.21])
    assert one.k == 1 and one.tau2 == 0.0 and one.estimate == pytest.approx(7.89)
    z = stats.norm.ppf(0.975)
    assert one.ci.low == pytest.approx(math.exp(math.log(7.89) - math.log(11.21 / 4.56) / 2), rel=1e-12)
    assert z > 0
    outside = pool_log_medians([20.0, 5.0], [4.56, 3.0], [11.21, 7.0])
    assert "outside its CI" in outside.data.excluded[0][1]
    assert isinstance(one, PooledMedian)
    with pytest.raises(AttributeError):
        one.fit.estimate = 3.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        one.fit = None  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "GLMM"}, r"method \(.GLMM.\) must be one of"),
        ({"level": 95}, r"level \(95\)"),
    ],
)
def test_pool_log_medians_bad_choices(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        pool_log_medians([7.89], [4.56], [11.21], **kwargs)


def test_pool_log_medians_bad_values() -> None:
    with pytest.raises(ValueError, match=r"medians\[1\] \(-3\)"):
        pool_log_medians([7.89, -3.0], [4.56, 1.0], [11.21, 5.0])
    with pytest.raises(ValueError, match=r"medians\[0\] \(nan\)"):
        pool_log_medians([math.nan], [4.56], [11.21])
    with pytest.raises(ValueError, match="same length"):
        pool_log_medians([7.89, 3.5], [4.56], [11.21, 4.8])


def test_pooled_summary_lists_choices() -> None:
    res = pool_log_medians([7.89, 3.5], [4.56, 2.5], [11.21, 4.8], labels=["S4", "S6"])
    s = res.summary()
    assert s.loc[0, "quantity"] == "Pooled median (months)"
    assert "restricted maximum likelihood" in s.loc[0, "note"]
    assert res.ci.level == 0.95 and res.ci.contains(res.estimate)


# ---------------------------------------------------------------------------------------------
# median of medians
# ---------------------------------------------------------------------------------------------
def _coverage(k: int, r: int) -> float:
    return 1 - 2 * stats.binom.cdf(r - 1, k, 0.5)


@pytest.mark.parametrize("k", range(1, 30))
@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_median_of_medians_order_statistic_rank(k: int, level: float) -> None:
    x = np.arange(1.0, k + 1.0)
    res = median_of_medians(x, level=level)
    feasible = [r for r in range(1, k // 2 + 1) if _coverage(k, r) >= level]
    if not feasible:
        assert math.isnan(res.ci.low) and math.isnan(res.fit.coverage)
        assert any("too small" in n for n in res.computation.notes)
        assert 1 - 2 * 0.5**k < level
    else:
        r = max(feasible)
        assert (res.ci.low, res.ci.high) == (float(r), float(k - r + 1))
        assert res.fit.coverage >= level
        assert_allclose(res.fit.coverage, _coverage(k, r), rtol=1e-12)
        # the next narrower interval would not reach the level
        assert r + 1 > k // 2 or _coverage(k, r + 1) < level


def test_median_of_medians_k_thresholds() -> None:
    five = median_of_medians([7.89, 4.5, 3.5, 6.0, 4.0])
    assert math.isnan(five.ci.low)
    assert "needs k ≥ 6" in five.computation.notes[0]
    six = median_of_medians([7.89, 4.5, 3.5, 6.0, 4.0, 8.84])
    assert (six.ci.low, six.ci.high) == (3.5, 8.84)
    assert six.fit.coverage == pytest.approx(1 - 2 / 64)
    assert "needs k ≥ 5" in median_of_medians([1, 2, 3, 4], level=0.90).computation.notes[0]


def test_median_of_medians_estimates() -> None:
    pfs = [7.93, 8.84, 7.89, 4.5, 3.5, 6.0, 5.8, 4.0]
    res = median_of_medians(pfs)
    assert res.estimate == pytest.approx(5.9)
    n = [59, 10, 33, 37, 27, 26, 54, 49]
    wres = median_of_medians(pfs, weights=n)
    # by hand: sorted 3.5(27) 4.0(49) 4.5(37) 5.8(54) 6.0(26) ... total 295, half 147.5
    # cumulative 27, 76, 113, 167 -> 5.8
    assert wres.estimate == 5.8
    assert wres.fit.method == "n-weighted median of medians"
    assert any("unweighted" in note for note in wres.computation.notes)
    assert_allclose(wres.data.weights.sum(), 100.0)
    assert median_of_medians([1.0, 2.0], weights=[1, 1]).estimate == 1.5


def test_median_of_medians_bad_inputs() -> None:
    with pytest.raises(ValueError, match=r"medians\[2\] \(nan\)"):
        median_of_medians([1.0, 2.0, math.nan])
    with pytest.raises(ValueError, match=r"weights\[1\] \(0\)"):
        median_of_medians([1.0, 2.0], weights=[3, 0])
    with pytest.raises(ValueError, match="empty"):
        median_of_medians([])


# ---------------------------------------------------------------------------------------------
# reported points from a survival table, and fit_parametric_curves()
# ---------------------------------------------------------------------------------------------
def _frame(rows: list[dict]) -> pd.DataFrame:
    base = {"study_id": "S", "subgroup": None, "not_reached": False, "milestone_method": None,
            "time_months": math.nan}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_reported_points_s7_crude_left_out_by_default() -> None:
    df = _frame([
        {"endpoint": "PFS", "statistic": "milestone", "time_months": 6.0, "estimate": 30.23,
         "milestone_method": "crude"},
        {"endpoint": "PFS", "statistic": "milestone", "time_months": 6.0, "estimate": 50.9,
         "milestone_method": "Kaplan–Meier"},
    ])
    rp = reported_points(df, "PFS")
    assert rp.points == [(6.0, 0.509)]
    assert rp.methods == ("Kaplan–Meier",)
    assert "flag 8" in rp.skipped[0][1]
    both = reported_points(df, "PFS", include_crude=True)
    assert both.points == [(6.0, 0.509)]  # the KM point wins at the same time
    assert "second point at 6 months" in both.skipped[0][1]


def test_reported_points_s10_and_subgroups() -> None:
    df = _frame([
        {"endpoint": "PFS", "statistic": "median", "estimate": 13.1},
        {"endpoint": "PFS", "statistic": "milestone", "time_months": 12.0, "estimate": 55.4},
        {"endpoint": "PFS", "statistic": "milestone", "time_months": 6.0, "estimate": 76.2},
        {"endpoint": "OS", "statistic": "median", "estimate": 15.5},
        {"endpoint": "PFS", "statistic": "median", "estimate": 24.3, "subgroup": "ASPS"},
        {"endpoint": "OS", "statistic": "milestone", "time_months": 24.0, "estimate": 100.0},
        {"endpoint": "OS", "statistic": "median", "estimate": math.nan, "not_reached": True,
         "subgroup": "ASPS"},
    ])
    rp = reported_points(df, "PFS")
    assert rp.points == [(6.0, 0.762), (12.0, 0.554), (13.1, 0.5)]
    assert rp.methods == ("not stated", "not stated", "median")
    assert len(rp.notes) == 2 and "treated as a Kaplan–Meier" in rp.notes[0]
    assert list(rp.to_frame().columns) == ["time_months", "survival", "label", "method"]
    assert reported_points(df, "PFS", subgroup="ASPS").points == [(24.3, 0.5)]
    os_ = reported_points(df, "OS")
    assert os_.points == [(15.5, 0.5)]
    assert "100%" in os_.skipped[0][1]
    assert reported_points(df, "OS", subgroup="ASPS").skipped == (("median OS", "median not reached"),)


def test_reported_points_inconsistent_rise_is_skipped() -> None:
    # seed claim (b): a 6.6-month median with 46.3% at 4 months cannot lie on one curve (flag 1)
    df = _frame([
        {"endpoint": "PFS", "statistic": "milestone", "time_months": 4.0, "estimate": 46.3,
         "milestone_method": "Kaplan–Meier"},
        {"endpoint": "PFS", "statistic": "median", "estimate": 6.6},
    ])
    rp = reported_points(df)
    assert rp.points == [(4.0, 0.463)]
    assert "not on one survival curve" in rp.skipped[0][1]
    with pytest.raises(ValueError, match="missing column"):
        reported_points(df.drop(columns=["estimate"]))


def test_reconstruct_reports_what_could_not_be_fitted() -> None:
    fits, why = fit_parametric_curves([(4.0, 0.463), (6.0, 0.365)])
    assert set(fits) == {"exponential", "weibull"} and why == ()
    fits, why = fit_parametric_curves([(7.89, 0.5)])
    assert set(fits) == {"exponential"}
    assert why[0][0] == "weibull" and "at least 2 points" in why[0][1]
    df = _frame([
        {"endpoint": "PFS", "statistic": "median", "estimate": 18.53},
        {"endpoint": "PFS", "statistic": "milestone", "time_months": 24.0, "estimate": 50.0},
    ])
    fits, why = fit_parametric_curves(reported_points(df))
    assert set(fits) == {"exponential"} and "same survival" in why[0][1]
    assert fits["exponential"].point_labels == ("median PFS", "PFS 50% at 24 mo (not stated)")


def test_reference_covers_every_combination() -> None:
    keys = {k for k in REF if not k.startswith("_")}
    want = {f"{d}_{m}_{lv}" for d in ("pfs", "os", "pfs2", "homog")
            for m in ("REML", "DL", "CE") for lv in (95, 90)}
    want |= {f"{d}_{m}_{t}_95" for d in ("pfs", "os", "pfs2", "homog")
             for m in ("REML", "PM") for t in ("knha", "adhoc")}
    assert keys == want
    assert REF["homog_REML_95"]["tau2"] == 0  # the boundary case is in the fixture


_median_sets = st.lists(
    st.tuples(st.floats(1.0, 40.0), st.floats(0.05, 0.6), st.floats(0.05, 0.9)),
    min_size=2, max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(rows=_median_sets, scale=st.floats(0.1, 10.0), method=st.sampled_from(["REML", "DL", "CE"]))
def test_pooling_properties(rows: list[tuple[float, float, float]], scale: float, method: str) -> None:
    m = np.array([r[0] for r in rows])
    lo = m * np.exp(-np.array([r[1] for r in rows]))
    hi = m * np.exp(np.array([r[2] for r in rows]))
    res = pool_log_medians(m, lo, hi, method=method)
    assert res.k == len(rows)
    assert m.min() * (1 - 1e-9) <= res.estimate <= m.max() * (1 + 1e-9)
    assert res.ci.low <= res.estimate <= res.ci.high
    assert res.tau2 >= 0 and (method != "CE" or res.tau2 == 0)
    # months -> weeks: every median and interval scales, tau2 and weights do not
    res_s = pool_log_medians(m * scale, lo * scale, hi * scale, method=method)
    assert_allclose(res_s.estimate, res.estimate * scale, rtol=1e-6)
    assert_allclose(res_s.tau2, res.tau2, rtol=1e-6, atol=1e-9)
    # order of the studies does not matter
    perm = np.arange(len(rows))[::-1]
    res_p = pool_log_medians(m[perm], lo[perm], hi[perm], method=method)
    assert_allclose(res_p.estimate, res.estimate, rtol=1e-8)
    assert_allclose(res_p.data.weights, res.data.weights[perm], rtol=1e-6, atol=1e-9)


def test_nullable_pandas_inputs_and_missing_labels() -> None:
    m = pd.Series([7.89, pd.NA, 3.5], dtype="Float64")
    lo = pd.Series([4.56, pd.NA, 2.5], dtype="Float64")
    hi = pd.Series([11.21, pd.NA, 4.8], dtype="Float64")
    res = pool_log_medians(m, lo, hi, not_reached=pd.Series([False, pd.NA, False], dtype="boolean")
                           | pd.Series([False, True, False]), labels=pd.Series(["S4", None, "S6"]))
    assert res.labels == ("S4", "S6")
    assert res.data.excluded == (("study 2", "median not reached"),)
    ref = pool_log_medians([7.89, 3.5], [4.56, 2.5], [11.21, 4.8])
    assert res.estimate == pytest.approx(ref.estimate, rel=1e-14)
