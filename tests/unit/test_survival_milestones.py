"""synthesis.survival_milestones and findings.survival's milestone view: Kaplan–Meier rates at a
common time pooled on the cloglog/logit scale with SEs from printed CIs; crude proportions never
pooled with them; EORTC reference lines at 3 months for PFS."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from charts.survival import milestone_panel
from evidence.digitised import DigitisedCurve
from findings import digitise as FD
from findings import survival as FS
from findings.digitise import greenwood_se_at
from synthesis.meta import pool_effects
from synthesis.survival_milestones import pool_km_rates
from synthesis.vocabulary import LABELS

Z = 1.959963984540054


@pytest.mark.parametrize("scale", ["cloglog", "logit"])
def test_pool_km_rates_is_pool_effects_on_the_scale(scale: str) -> None:
    s, lo, hi = np.array([0.509, 0.762, 0.5676]), np.array([0.346, 0.60, 0.3943]), np.array([0.65, 0.968, 0.7084])
    g = (lambda p: np.log(-np.log(p))) if scale == "cloglog" else (lambda p: np.log(p / (1 - p)))
    y, se = g(s), np.abs(g(hi) - g(lo)) / (2 * Z)
    fit = pool_effects(y, se**2, method="REML", ci_method="hksj-adhoc", tau2_ci=False)
    r = pool_km_rates(s, lo, hi, scale=scale, time=6)
    inv = (lambda v: math.exp(-math.exp(v))) if scale == "cloglog" else (lambda v: 1 / (1 + math.exp(-v)))
    assert_allclose(r.data.yi, y, rtol=1e-14) and assert_allclose(r.data.sei, se, rtol=1e-14)
    assert r.estimate == pytest.approx(inv(fit.estimate), rel=1e-12)
    assert sorted([r.ci.low, r.ci.high]) == pytest.approx(sorted([inv(fit.ci_low), inv(fit.ci_high)]), rel=1e-12)
    assert r.ci.low <= r.estimate <= r.ci.high
    assert np.all(r.data.ci_low <= r.data.rates) and np.all(r.data.rates <= r.data.ci_high)


def test_given_se_uses_the_delta_method_and_exclusions_say_why() -> None:
    r = pool_km_rates([0.5, 0.6, 1.0, 0.4, 0.7], [math.nan, 0.5, 0.9, math.nan, 0.75],
                      [math.nan, 0.7, 1.0, math.nan, 0.8], se=[0.05, math.nan, math.nan, math.nan, math.nan],
                      labels=["A", "B", "C", "D", "E"])
    assert r.labels == ("A", "B")
    assert r.data.se_source == ("given SE (delta method)", "printed 95% CI")
    assert r.data.sei[0] == pytest.approx(0.05 / abs(0.5 * math.log(0.5)), rel=1e-12)
    why = dict(r.data.excluded)
    assert "no finite cloglog" in why["C"] and "no 95% CI printed" in why["D"]
    assert "does not bracket" in why["E"]
    none = pool_km_rates([0.5], [math.nan], [math.nan])
    assert none.k == 0 and math.isnan(none.estimate) and none.computation.notes
    with pytest.raises(ValueError, match="scale"):
        pool_km_rates([0.5], [0.4], [0.6], scale="probit")


def test_the_interval_is_named_as_computed() -> None:
    """With 2-4 studies the interval is the requested one (HKSJ ad hoc by default), and says so;
    one study keeps its own Wald z interval."""
    s, lo, hi = [0.509, 0.762, 0.6], [0.346, 0.60, 0.45], [0.65, 0.968, 0.73]
    adhoc, wald = pool_km_rates(s, lo, hi), pool_km_rates(s, lo, hi, ci_method="z")
    assert adhoc.ci.width > wald.ci.width
    assert adhoc.fit.ci_method == f"{LABELS['hksj-adhoc']} (95%)" != wald.fit.ci_method
    assert wald.fit.ci_method == f"{LABELS['z']} (95%)"
    assert pool_km_rates(s[:1], lo[:1], hi[:1]).fit.ci_method == f"{LABELS['z']} (95%)"


def _frame(rows):
    cols = ["study_id", "label", "endpoint", "statistic", "time_months", "estimate", "ci_low", "ci_high",
            "milestone_method", "subgroup", "pooled_by_default", "exclusion_reason"]
    return pd.DataFrame(rows, columns=cols)


def test_milestone_view_never_pools_crude_with_km_and_aligns_12_weeks() -> None:
    f = _frame([
        ("A", "A 2020", "PFS", "milestone", 6.0, 50.9, 34.6, 65.0, "Kaplan–Meier", None, True, None),
        ("A", "A 2020", "PFS", "milestone", 6.0, 30.23, 17.2, 40.1, "crude", None, True, None),
        ("B", "B 2021", "PFS", "milestone", 6.0, 76.2, 60.0, 96.8, "not stated", None, True, None),
        ("C", "C 2019", "PFS", "milestone", 12 / 4.345, 74.0, 60.0, 85.0, "not stated", None, True, None),
        ("D", "D 2019", "PFS", "milestone", 3.0, 45.0, 30.0, 60.0, "Kaplan–Meier", None, True, None),
    ])
    assert FS.milestone_times(f, "PFS") == [3.0, 6.0]
    v6 = FS.milestone_view(f, "PFS", 6.0)
    assert v6.result.k == 2 and set(v6.result.labels) == {"A 2020", "B 2021"}
    crude = v6.rows[v6.rows["method"] == "crude"].iloc[0]
    assert crude["used"] == "no" and "never" not in crude["why not"] and "crude proportion" in crude["why not"]
    assert "Kaplan–Meier rates of 2 of 3 studies" in v6.headline and v6.reference == ()
    strict = FS.milestone_view(f, "PFS", 6.0, include_unstated=False)
    assert strict.result.k == 1 and "not pooled" in strict.headline
    v3 = FS.milestone_view(f, "PFS", 3.0)
    assert v3.result.k == 2 and any("12 weeks = 2.76 months" in n for n in v3.notes)
    assert v3.reference == FS.EORTC_3_MONTH_PFR and [x for x, _ in v3.reference] == [0.40, 0.20]
    fig = milestone_panel(v3.result, reference=v3.reference)
    assert {tr.name for tr in fig.data} >= {"studies", "pooled"}
    assert len(fig.layout.shapes) == 2  # the two EORTC lines


def test_rates_without_ci_use_the_reconstructed_greenwood_se() -> None:
    f = _frame([
        ("C", "C 2019", "PFS", "milestone", 12 / 4.345, 74.0, math.nan, math.nan, "not stated", None, True, None),
        ("D", "D 2019", "PFS", "milestone", 3.0, 45.0, 30.0, 60.0, "Kaplan–Meier", None, True, None),
    ])
    plain = FS.milestone_view(f, "PFS", 3.0)
    assert plain.result.k == 1 and "no 95% CI printed" in plain.rows.iloc[0]["why not"]
    seen = []

    def lookup(study_id, time):
        seen.append((study_id, round(time, 2)))
        return 0.06 if study_id == "C" else math.nan

    v = FS.milestone_view(f, "PFS", 3.0, reconstructed_se=lookup)
    assert v.result.k == 2 and ("C", 2.76) in seen  # the SE is read at the printed time
    assert v.result.data.se_source[0].startswith("given SE") and v.rows.iloc[0]["used"] == "yes"
    assert any("Greenwood SE of the curve reconstructed from the published" in n for n in v.notes)


def test_greenwood_se_at_reads_the_saved_curve() -> None:
    c = DigitisedCurve(study_id="S2", endpoint="PFS", source="x", figure="2", digitised_by="me",
                       date=dt.date(2026, 12, 6), times=(0, 1, 2, 3, 4, 5, 6),
                       survival=(1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4), total=10)
    se = greenwood_se_at([c], "S2", 2.76)
    assert se == pytest.approx(math.sqrt(0.8 * 0.2 / 10), rel=1e-12)  # no censoring: binomial SE
    assert math.isnan(greenwood_se_at([c], "S9", 2.76))


def test_a_curve_that_cannot_be_reconstructed_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Greenwood SE, medians and arm comparisons skip a saved curve whose reconstruction fails
    (they raised: a second, raising ``_reconstruct`` had replaced the one that returns None)."""
    def fails(*args, **kwargs):
        raise ValueError("cannot reconstruct")

    monkeypatch.setattr(FD, "reconstruct_ipd", fails)
    arms = [DigitisedCurve(study_id="S2", endpoint="PFS", source="x", figure="2", digitised_by="me",
                           date=dt.date(2026, 12, 6), times=(0, 1, 2, 3, 4, 5, 6),
                           survival=(1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4), total=10, arm=arm)
            for arm in ("apatinib", "control")]
    assert math.isnan(greenwood_se_at(arms, "S2", 2.76))
    assert FD.reconstructed_medians(arms, "PFS") == []
    assert FD.arm_comparisons(arms).empty
