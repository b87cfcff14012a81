"""findings.survival: the pooled-median headline uses the method with the most studies, never
pools fewer than two, names its interval and says how many studies it used."""

from __future__ import annotations

import datetime as dt
import math

import pytest

import evidence
from evidence.digitised import DigitisedCurve
from findings import survival as FS
from findings.digitise import reconstructed_medians
from findings.frames import frames_of
from findings.text import decimal
from synthesis.meta import pool_effects
from synthesis.survival_medians import headline_pool_method, median_of_medians, pool_log_medians


@pytest.fixture(scope="module")
def pfs():
    cands, pre = FS.pool_candidates(frames_of(evidence.load_studies()).survival, "PFS", "one")
    return cands, pre


def test_headline_uses_the_method_with_most_studies(pfs) -> None:
    cands, pre = pfs
    results = FS.pool_results(cands)
    best = max(r.k for r in results.values() if r is not None)
    method = FS.default_pool_method(cands)
    assert results[method].k == best >= 2
    # inverse variance uses far fewer PFS medians (only stated 95% CIs) than the median of medians
    assert results["REML"].k < best
    head = FS.pooled_headline(results[method], "PFS", method, len(cands) + len(pre))
    assert head.pooled and head.k == best
    assert f"from {best} of {len(cands) + len(pre)} studies" in head.sentence
    assert "order-statistic interval" in head.interval_name
    assert head.value == f"{decimal(results[method].estimate)} months"


def test_headline_never_pools_one_study() -> None:
    one = pool_log_medians([7.89, 3.5], [4.56, 2.5], [11.21, math.nan])  # one usable 95% CI
    assert one.k == 1
    head = FS.pooled_headline(one, "PFS", "REML", 15)
    assert not head.pooled and head.value == "not pooled" and head.interval == FS.DASH
    assert "could use 1 of 15" in head.sentence and "at least 2" in head.sentence
    none = FS.pooled_headline(None, "OS", "DL", 4)
    assert not none.pooled and "could use 0 of 4" in none.sentence
    two = FS.pooled_headline(median_of_medians([7.89, 3.5]), "PFS", "median", 15)
    assert two.pooled and "from 2 of 15 studies" in two.sentence
    assert "no 95% order-statistic interval at k = 2" in two.sentence


def test_headline_pool_method_rule() -> None:
    iv = pool_log_medians([7.89, 3.5], [4.56, 2.5], [11.21, 4.8])
    mom2 = median_of_medians([7.89, 3.5])
    mom3 = median_of_medians([7.89, 3.5, 4.0])
    assert headline_pool_method({"median": mom2, "REML": iv}) == "REML"  # tie: inverse variance
    assert headline_pool_method({"REML": iv, "median": mom3}) == "median"  # more studies
    one = pool_log_medians([7.89], [4.56], [11.21])
    assert headline_pool_method({"REML": one, "median": median_of_medians([7.89])}) is None
    assert headline_pool_method({"REML": None}) is None


def test_pool_log_medians_uses_pool_effects_with_hksj() -> None:
    m, lo, hi = [7.89, 3.5, 6.0, 4.0], [4.56, 2.5, 2.42, 2.6], [11.21, 4.8, 9.58, 5.4]
    y = [math.log(x) for x in m]
    v = [((math.log(h) - math.log(low)) / (2 * 1.959963984540054)) ** 2 for low, h in zip(lo, hi, strict=True)]
    for ci in ("t", "hksj", "hksj-adhoc"):
        res = pool_log_medians(m, lo, hi, method="PM", ci_method=ci)
        fit = pool_effects(y, v, method="PM", ci_method=ci, control={"threshold": 1e-12, "maxiter": 1000})
        assert res.estimate == pytest.approx(math.exp(fit.estimate), rel=1e-12)
        assert res.ci.low == pytest.approx(math.exp(fit.ci_low), rel=1e-12)
        assert res.fit.df == 3.0 and res.intervals.tau2.high == pytest.approx(fit.tau2_ci_high, rel=1e-9)
    wald = pool_log_medians(m, lo, hi, method="PM")
    adhoc = pool_log_medians(m, lo, hi, method="PM", ci_method="hksj-adhoc")
    assert adhoc.ci.high - adhoc.ci.low >= wald.ci.high - wald.ci.low


def test_method_comparison_adds_reconstruction_based_row(pfs) -> None:
    cands, pre = pfs
    base = FS.method_comparison(cands, n_pre=len(pre))
    assert FS.RECONSTRUCTED_ROW not in set(base["method"])
    rec = [("S7", 6.1), ("S10", 13.3), ("S5", math.inf)]
    comp = FS.method_comparison(cands, n_pre=len(pre), reconstructed=rec)
    row = comp[comp["method"] == FS.RECONSTRUCTED_ROW].iloc[0]
    assert row["studies used"] == 2 and row["left out"] == 1  # NR median left out
    assert row["pooled median (months)"] == "9.7"
    one = FS.method_comparison(cands, n_pre=len(pre), reconstructed=[("S7", 6.1)])
    assert one.iloc[-1]["pooled median (months)"] == "not pooled (fewer than 2)"


def test_reconstructed_medians_from_saved_curves() -> None:
    c = DigitisedCurve(study_id="S7", endpoint="PFS", source="x", figure="2", digitised_by="me",
                       date=dt.date(2026, 12, 6), times=(0, 1, 2, 3, 4, 5, 6),
                       survival=(1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4), total=10)
    assert reconstructed_medians([c], "OS") == []
    (label, m), = reconstructed_medians([c], "PFS")
    assert label == "S7" and m == 5.5  # S = 0.5 from 5 to 6: R's midpoint


def test_survival_headlines_for_the_reports() -> None:
    frame = frames_of(evidence.load_studies()).survival
    lines = FS.survival_headlines(frame)
    cands, pre = FS.pool_candidates(frame, "PFS", "one")
    method = FS.default_pool_method(cands)
    assert lines[0] == FS.pooled_headline(FS.run_pool(cands, method), "PFS", method, len(cands) + len(pre)).sentence
    assert any(x.startswith("PFS at 6 months") for x in lines)
    assert any(x.startswith("Pooled median OS") for x in lines)
