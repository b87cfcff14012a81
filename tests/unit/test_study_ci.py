"""Per-study intervals: properties (R reference values are checked in test_meta_reference.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthesis.study_ci import study_intervals


@settings(max_examples=80, deadline=None)
@given(
    n=st.lists(st.integers(1, 400), min_size=1, max_size=10),
    data=st.data(),
    method=st.sampled_from(("clopper-pearson", "wilson")),
    level=st.floats(0.5, 0.999),
)
def test_intervals_contain_the_proportion(n, data, method, level) -> None:
    x = [data.draw(st.integers(0, ni)) for ni in n]
    df = study_intervals(x, n, method=method, level=level)
    assert list(df.columns) == ["events", "total", "proportion", "ci_low", "ci_high", "method"]
    assert np.all(df["ci_low"] <= df["proportion"]) and np.all(df["proportion"] <= df["ci_high"])
    assert np.all(df["ci_low"] >= 0) and np.all(df["ci_high"] <= 1)
    assert np.all(df.loc[df["events"] == 0, "ci_low"] == 0)
    assert np.all(df.loc[df["events"] == df["total"], "ci_high"] == 1)
    wider = study_intervals(x, n, method=method, level=min(level + 0.0005, 0.9995))
    assert np.all(wider["ci_high"] - wider["ci_low"] >= df["ci_high"] - df["ci_low"] - 1e-12)


def test_clopper_pearson_is_wider_than_wilson_in_the_middle() -> None:
    cp = study_intervals([15], [30])
    ws = study_intervals([15], [30], method="wilson")
    assert cp["ci_low"][0] < ws["ci_low"][0] and cp["ci_high"][0] > ws["ci_high"][0]


def test_validation() -> None:
    with pytest.raises(ValueError, match=re.escape("events[0] (5) exceeds totals[0] (4).")):
        study_intervals([5], [4])
    with pytest.raises(ValueError, match=r"^method \('exact'\)"):
        study_intervals([1], [4], method="exact")
    with pytest.raises(ValueError, match=r"^level"):
        study_intervals([1], [4], level=1.5)
