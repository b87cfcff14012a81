"""synthesis.km_reconstruction: Guyot's modified iKM as IPDfromKM implements it, against R.

The reference (``tests/reference/km_reconstruction_reference.json``, made by
``make_km_reconstruction_reference.R`` with IPDfromKM 0.1.10 and reconstructKM 0.3.0 sourced in
R 4.2.2, survival 3.5-3) holds the packages' own example data run through their own code. The
algorithm is deterministic integer arithmetic on the clicks, so the preprocessed points, the
events and censored at every point and the reconstructed patient times must agree exactly; the
Kaplan–Meier summaries of the reconstructed data (lifelines vs R survival) agree to floating-point
rounding (rtol 1e-9; the log-log Greenwood interval and the Cox fit are iterative or use
different summation orders: 1e-6). reconstructKM is a second, slightly different implementation
of Guyot's algorithm; it is compared at the precision a paper prints (HR to 2 decimals, events
within 2%).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from synthesis import compare_arms, reconstruct_ipd
from synthesis.km_reconstruction import RECONSTRUCTED_LABEL

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "km_reconstruction_reference.json").read_text())
INP = json.loads((REF_DIR / "km_reconstruction_inputs.json").read_text())
RAD, KN = INP["radiation"], INP["keynote189"]

CASES = {
    "radio_nrisk": (RAD["radio"], {"risk_times": RAD["trisk"], "n_risk": RAD["nrisk_radio"]}),
    "radioplus_nrisk": (RAD["radioplus"], {"risk_times": RAD["trisk"], "n_risk": RAD["nrisk_radioplus"]}),
    "radio_total": (RAD["radio"], {"total": 213}),
    "radio_nrisk_events": (RAD["radio"], {"risk_times": RAD["trisk"], "n_risk": RAD["nrisk_radio"],
                                          "events": REF["radio_nrisk"]["km"]["events"]}),
    "radio_total_events": (RAD["radio"], {"total": 213, "events": REF["radio_nrisk"]["km"]["events"]}),
    "keynote189_pembro": (KN["pembro"], {"risk_times": KN["pembro_nar"]["time"], "n_risk": KN["pembro_nar"]["nar"]}),
    "keynote189_pbo": (KN["pbo"], {"risk_times": KN["pbo_nar"]["time"], "n_risk": KN["pbo_nar"]["nar"]}),
}


def _none_inf(x):
    return math.inf if x is None else x


@pytest.fixture(scope="module")
def fits():
    return {k: reconstruct_ipd(d["time"], d["survival"], **kw) for k, (d, kw) in CASES.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_reconstruction_equals_ipdfromkm(fits, case: str) -> None:
    r, R = fits[case], REF[case]
    # preprocessing (negative time dropped, non-monotone clicks lowered, (0, 1) added)
    assert_allclose(r.points["time"], R["preprocessed"]["time"], rtol=0, atol=0)
    assert_allclose(r.points["survival"], R["preprocessed"]["surv"], rtol=1e-15)
    # the iKM itself: events, censored and numbers at risk at every point, exactly
    assert_array_equal(r.points["events"], R["points"]["event"])
    assert_array_equal(r.points["censored"], R["points"]["censor"])
    assert_array_equal(r.points["at_risk"], R["points"]["risk"])
    assert_allclose(np.sort(r.ipd["time"]), np.sort(R["ipd"]["time"]), rtol=1e-15)
    assert r.events == R["km"]["events"] and r.total == R["km"]["n"]
    assert_array_equal(r.intervals["events"], R["riskmat"]["event.hat"])
    assert_array_equal(r.intervals["censored"], R["riskmat"]["censor.hat"])
    assert_array_equal(r.intervals["n_risk_reconstructed"], R["riskmat"]["nrisk.hat"])
    # accuracy as IPDfromKM computes it, unrounded; and at IPDfromKM's printed precision
    acc = R["accuracy_unrounded"]
    assert_allclose([r.rmse, r.mean_abs_error, r.max_abs_error, r.ks_distance],
                    [acc["rmse"], acc["mean_abs"], acc["max_abs"], acc["ks_d"]], rtol=1e-10)
    assert r.ks_distance == pytest.approx(R["kstest"]["D"], rel=1e-12)
    assert abs(r.rmse - R["precision"]["RMSE"]) <= 0.0015  # R rounds S to 3 decimals first


@pytest.mark.parametrize("case", sorted(CASES))
def test_kaplan_meier_summaries_equal_r_survival(fits, case: str) -> None:
    r, km = fits[case], REF[case]["km"]
    sa = r.survival_at(km["milestones"])
    assert_allclose(sa["survival"], km["surv"], rtol=1e-12)
    assert_allclose(sa["se"], km["std_err"], rtol=1e-9)
    assert_allclose(sa["ci_low"], km["lower"], rtol=1e-6)
    assert_allclose(sa["ci_high"], km["upper"], rtol=1e-6)
    m, lo, hi = r.median()
    assert m == pytest.approx(_none_inf(km["median"]), rel=1e-12)
    assert lo == pytest.approx(_none_inf(km["median_lower"]), rel=1e-12)
    assert hi == pytest.approx(_none_inf(km["median_upper"]), rel=1e-12)
    assert r.rmst(km["rmst_tau"]) == pytest.approx(km["rmst"], rel=1e-10)


@pytest.mark.parametrize(("arm", "control", "key"), [
    ("radioplus_nrisk", "radio_nrisk", "radiation_two_arms"),
    ("keynote189_pembro", "keynote189_pbo", "keynote189_two_arms"),
])
def test_two_arms_equal_r(fits, arm, control, key) -> None:
    c, R = compare_arms(fits[arm], fits[control]), REF[key]
    assert_allclose([c.hr, *c.hr_ci], [R["hr"], R["hr_lower"], R["hr_upper"]], rtol=1e-6)
    assert c.hr_pvalue == pytest.approx(R["hr_p"], rel=1e-5)
    assert c.logrank_chisq == pytest.approx(R["logrank_chisq"], rel=1e-9)
    assert c.logrank_pvalue == pytest.approx(R["logrank_p"], rel=1e-8)


def test_keynote189_agrees_with_reconstructkm_and_the_paper(fits) -> None:
    c = compare_arms(fits["keynote189_pembro"], fits["keynote189_pbo"])
    other = REF["reconstructkm_two_arms"]
    assert abs(c.hr - other["hr"]) < 0.01  # 0.492 vs 0.497
    # published OS HR 0.49 (95% CI 0.38-0.64), Gandhi et al. NEJM 2018
    assert (round(c.hr, 2), round(c.hr_ci.low, 2), round(c.hr_ci.high, 2)) == (0.49, 0.38, 0.64)
    for arm in ("pembro", "pbo"):
        ours, theirs = fits[f"keynote189_{arm}"].events, REF[f"reconstructkm_{arm}"]["km"]["events"]
        assert abs(ours - theirs) <= 0.02 * theirs


def test_exact_data_without_censoring_is_recovered() -> None:
    # 20 patients, all events at distinct times: clicking each step's corner recovers them
    times = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    s = 1.0 - np.arange(1, 21) / 20.0
    r = reconstruct_ipd(np.r_[0.0, times], np.r_[1.0, s], total=20)
    assert_array_equal(np.sort(r.ipd["time"]), times)
    assert r.events == 20 and r.max_abs_error == pytest.approx(0.0, abs=1e-12)
    # S = 0.5 from 10 to 11: the middle of the stretch, as R survival's quantile.survfit
    assert r.median() == tuple(REF["median_convention"]["twenty_events"])
    r6 = reconstruct_ipd([0, 1, 2, 3, 4, 5, 6], [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4], total=10)
    m, lo, hi = r6.median()
    assert [m, lo] == REF["median_convention"]["six_of_ten"][:2] and hi == math.inf  # R: NA


def test_percent_and_proportion_give_the_same_data() -> None:
    d, kw = CASES["radio_nrisk"]
    a = reconstruct_ipd(d["time"], d["survival"], **kw)
    b = reconstruct_ipd(d["time"], np.asarray(d["survival"]) / 100.0, **kw)
    c = reconstruct_ipd(d["time"], d["survival"], percent=True, **kw)
    assert_allclose(np.sort(a.ipd["time"]), np.sort(b.ipd["time"]))
    assert a.events == b.events == c.events


def test_preprocessing_notes_say_what_was_changed(fits) -> None:
    notes = " ".join(fits["radio_nrisk"].notes)
    assert "negative time" in notes  # the first click of Radiationdata is at −0.512 months
    assert fits["radio_total"].notes[-1].startswith("No numbers at risk")
    assert RECONSTRUCTED_LABEL == "reconstructed from the published Kaplan–Meier figure (Guyot)"
    assert fits["radio_nrisk"].label == RECONSTRUCTED_LABEL
    s = fits["radio_nrisk"].summary()
    assert list(s.columns) == ["quantity", "value", "ci_low", "ci_high", "note"] and s.loc[1, "value"] == 134
    assert "n=213" in repr(fits["radio_nrisk"])


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"times": [0, 1, 2], "survival": [1, 0.9, 0.8], "total": 10}, "at least 5"),
    ({"times": [0, 1, 2, 3, 4], "survival": [1, 0.9, 0.8, 0.7], "total": 10}, "same length"),
    ({"times": [0, 1, 2, 3, 4], "survival": [1, 0.9, 0.8, 0.7, 0.6]}, "total"),
    ({"times": [0, 1, 2, 3, 4], "survival": [1, 0.9, 0.8, 0.7, 0.6], "n_risk": [10, 5]}, "together"),
    ({"times": [0, 1, 2, 3, 4], "survival": [1, 0.9, 0.8, 0.7, 0.6], "risk_times": [0, 2],
      "n_risk": [10, 12]}, r"n_risk\[1\] \(12\) exceeds"),
    ({"times": [0, 1, 2, 3, 4], "survival": [1, 0.9, 0.8, 0.7, 0.6], "risk_times": [0, 2],
      "n_risk": [10, 5.5]}, "whole number"),
    ({"times": [0, 1, 2, 3, 4], "survival": [1, 0.9, 0.8, 0.7, 0.6], "total": 10, "events": 11},
     "between 0 and 10"),
    ({"times": [0, 1, 2, 3, 4], "survival": [1, 0.9, 0.8, 0.7, 0.6], "total": 0}, "positive whole"),
    ({"times": [0, 1, 2, 3, math.inf], "survival": [1, 0.9, 0.8, 0.7, 0.6], "total": 10}, "finite"),
])
def test_bad_input_says_which_argument(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        reconstruct_ipd(**kwargs)


def test_ipd_frame_shape(fits) -> None:
    ipd = fits["keynote189_pbo"].ipd
    assert list(ipd.columns) == ["time", "event"] and set(ipd["event"]) <= {0, 1}
    assert isinstance(ipd, pd.DataFrame) and len(ipd) == 206
