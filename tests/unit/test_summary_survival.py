"""synthesis.summary_survival: Combescure's summary survival curve, as metaSurvival's msurv.

Reference: ``tests/reference/summary_survival_reference.json`` (``make_summary_survival_reference.R``,
metaSurvival 0.1.0 sourced in R 4.2.2 on its exampleData, 27 studies). Point values (pooled
curves, medians, restricted means, Q, H², I², pooled numbers at risk) are closed-form linear
algebra: rtol 1e-10. The Greenwood-type intervals differ only by metaSurvival's rounded 1.96 (we
use the exact normal quantile): relative difference ≤ 0.04·SE(log S), well under 5e-5 here. Monte
Carlo intervals cannot share R's random stream: compared with R's only for sanity (5%), and with
themselves for reproducibility under a seed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from synthesis import summary_survival_curve

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "summary_survival_reference.json").read_text())
INP = json.loads((REF_DIR / "summary_survival_inputs.json").read_text())
RUNS = {"greenwood": ("greenwood", (0.25, 0.5)), "montecarlo": ("monte-carlo", (0.25, 0.5)),
        "greenwood_uncorrected": ("greenwood", None)}


@pytest.fixture(scope="module")
def fits():
    return {key: summary_survival_curve(INP["study"], INP["time"], INP["n_risk"], INP["survival"],
                                        confidence=conf, correction=corr)
            for key, (conf, corr) in RUNS.items()}


@pytest.mark.parametrize("key", sorted(RUNS))
def test_point_values_equal_metasurvival(fits, key: str) -> None:
    r, R = fits[key], REF[key]
    assert_allclose(r.times, R["time"])
    assert_allclose(r.fixed["survival"], R["fixed"]["survival"], rtol=1e-10)
    assert_allclose(r.random["survival"], R["random"]["survival"], rtol=1e-10)
    assert_allclose(r.fixed["n_risk"], R["fixed"]["n_risk"], rtol=0)
    assert r.median_fixed == pytest.approx(R["median_fixed"][0], rel=1e-10)
    assert r.median_random == pytest.approx(R["median_random"][0], rel=1e-10)
    assert r.mean_fixed == pytest.approx(R["mean_fixed"][0], rel=1e-10)
    assert r.mean_random == pytest.approx(R["mean_random"][0], rel=1e-10)
    assert_allclose([r.q, r.h2, r.i2], R["heterogeneity"], rtol=1e-10, atol=1e-12)
    assert r.k == 27


@pytest.mark.parametrize("key", ["greenwood", "greenwood_uncorrected"])
def test_greenwood_intervals_equal_metasurvival(fits, key: str) -> None:
    r, R = fits[key], REF[key]
    for part in ("fixed", "random"):
        assert_allclose(getattr(r, part)["ci_low"], R[part]["ci_low"], rtol=5e-5)
        assert_allclose(getattr(r, part)["ci_high"], R[part]["ci_high"], rtol=5e-5)


def test_monte_carlo_intervals_are_seeded_and_near_r(fits) -> None:
    r, R = fits["montecarlo"], REF["montecarlo"]
    assert_allclose(r.random["ci_low"], R["random"]["ci_low"], rtol=0.05)
    assert_allclose(r.random["ci_high"], R["random"]["ci_high"], rtol=0.05)
    assert_allclose(list(r.median_random_ci), R["median_random"][1:], rtol=0.05)
    assert_allclose(list(r.mean_random_ci), R["mean_random"][1:], rtol=0.05)
    again = summary_survival_curve(INP["study"], INP["time"], INP["n_risk"], INP["survival"],
                                   confidence="monte-carlo")
    assert_allclose(again.random["ci_low"], r.random["ci_low"], rtol=0)
    other = summary_survival_curve(INP["study"], INP["time"], INP["n_risk"], INP["survival"],
                                   confidence="monte-carlo", seed=1)
    assert not np.allclose(other.random["ci_low"], r.random["ci_low"], rtol=1e-9)
    assert other.median_random == r.median_random  # the point value does not depend on the seed


def test_result_shape_and_summary(fits) -> None:
    r = fits["greenwood"]
    assert list(r.random.columns) == ["time", "survival", "ci_low", "ci_high", "n_risk"]
    assert (r.random["ci_low"] <= r.random["survival"]).all()
    assert (r.random["survival"] <= r.random["ci_high"]).all()
    assert np.all(np.diff(r.random["survival"]) <= 0)
    s = r.summary()
    assert s.loc[0, "quantity"] == "median, random effects" and s.loc[0, "value"] == r.median_random
    assert "k=27" in repr(r)
    assert any("10¹²" in n for n in r.notes)  # studies stop at different times


def test_study_missing_an_intermediate_time_is_named() -> None:
    with pytest.raises(ValueError, match=r"study B has no survival/number at risk at time\(s\) \[2.0\]"):
        summary_survival_curve(["A", "A", "A", "B", "B"], [1, 2, 3, 1, 3], [40, 30, 20, 50, 30],
                               [0.8, 0.6, 0.45, 0.85, 0.5])


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"study": ["A"] * 2, "time": [1, 2], "n_risk": [10, 8], "survival": [0.9, 0.8]}, "at least 2 studies"),
    ({"study": ["A", "B"], "time": [1, 1], "n_risk": [10, 8], "survival": [0.9, 0.8]}, "only one time"),
    ({"study": ["A", "B"], "time": [1, 1], "n_risk": [10, 8], "survival": [0.9, 80]}, "proportion"),
    ({"study": ["A", "B"], "time": [0, 1], "n_risk": [10, 8], "survival": [0.9, 0.8]}, "must be > 0"),
    ({"study": ["A", "B"], "time": [1, 1], "n_risk": [0, 8], "survival": [0.9, 0.8]}, "positive"),
    ({"study": ["A", "B"], "time": [1], "n_risk": [10, 8], "survival": [0.9, 0.8]}, "one value per row"),
    ({"study": ["A", "A", "B", "B"], "time": [1, 2, 1, 2], "n_risk": [10, 8, 9, 7],
      "survival": [0.9, 0.8, 0.7, 0.6], "confidence": "bootstrap"}, "confidence"),
])
def test_bad_input(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        summary_survival_curve(**kwargs)


def test_zero_survival_before_the_end_is_explained() -> None:
    with pytest.raises(ValueError, match="reaches 0%"):
        summary_survival_curve(["A"] * 3 + ["B"] * 3, [1, 2, 3] * 2, [10, 5, 1, 10, 8, 6],
                               [0.5, 0.0, 0.0, 0.9, 0.8, 0.7])
    assert math.isnan(summary_survival_curve(["A"] * 2 + ["B"] * 2, [1, 2] * 2, [50, 45, 60, 55],
                                             [0.95, 0.9, 0.97, 0.92]).median_random)
