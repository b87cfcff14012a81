"""Transforms and their single back-transforms (metafor escalc / transf.* conventions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthesis.transforms import (
    back_transform,
    correction_mask,
    harmonic_mean,
    transform_proportions,
)
from synthesis.vocabulary import TRANSFORMS

SETTINGS = settings(max_examples=80, deadline=None)


@SETTINGS
@given(
    x=st.integers(1, 500),
    extra=st.integers(1, 500),
    transform=st.sampled_from(("logit", "arcsine", "raw", "log")),
)
def test_round_trip_without_correction(x, extra, transform) -> None:
    n = x + extra
    tp = transform_proportions([x], [n], transform)
    assert not tp.corrected[0]
    assert back_transform(tp.yi[0], transform) == pytest.approx(x / n, rel=1e-12, abs=1e-15)


@SETTINGS
@given(x=st.integers(0, 300), extra=st.integers(0, 300))
def test_freeman_tukey_inverts_at_its_own_n(x, extra) -> None:
    """Miller's inversion is exact for a single study when n_harmonic = n."""
    n = x + extra
    if n == 0:
        n = 1
    tp = transform_proportions([x], [n], "freeman-tukey")
    p = back_transform(tp.yi[0], "freeman-tukey", n_harmonic=n)
    assert p == pytest.approx(x / n, abs=1e-9)


@SETTINGS
@given(
    y=st.lists(st.floats(-20, 20, allow_nan=False), min_size=1, max_size=20),
    transform=st.sampled_from(TRANSFORMS),
    nhm=st.floats(1, 1000),
)
def test_back_transform_stays_in_unit_interval_and_is_monotone(y, transform, nhm) -> None:
    y = np.sort(np.asarray(y))
    p = back_transform(y, transform, n_harmonic=nhm)
    assert np.all((p >= 0) & (p <= 1))
    if transform in ("logit", "raw", "log"):
        assert np.all(np.diff(p) >= 0)


def test_back_transform_clipping_and_nan() -> None:
    assert back_transform([-0.1, 2.0], "arcsine").tolist() == [0.0, 1.0]
    assert back_transform([-0.2, 1.3], "raw").tolist() == [0.0, 1.0]
    assert back_transform(0.5, "log") == 1.0
    assert math.isnan(back_transform(math.nan, "logit"))
    assert math.isnan(back_transform(math.nan, "freeman-tukey", n_harmonic=10))
    assert back_transform(-1.0, "freeman-tukey", n_harmonic=10) == 0.0
    assert back_transform(2.0, "freeman-tukey", n_harmonic=10) == 1.0
    assert isinstance(back_transform(0.1, "logit"), float)
    assert back_transform([0.1], "logit").shape == (1,)


def test_freeman_tukey_needs_n_harmonic() -> None:
    with pytest.raises(ValueError, match="n_harmonic"):
        back_transform(0.5, "freeman-tukey")
    with pytest.raises(ValueError, match="n_harmonic"):
        back_transform(0.5, "freeman-tukey", n_harmonic=0)


def test_harmonic_mean() -> None:
    n = np.array([10.0, 20.0, 40.0])
    assert harmonic_mean(n) == pytest.approx(len(n) / np.sum(1 / n))


def test_correction_targets() -> None:
    x = np.array([0.0, 3.0, 5.0])
    n = np.array([5.0, 5.0, 5.0])
    assert correction_mask(x, n, "logit", 0.5, "only0").tolist() == [True, False, True]
    assert correction_mask(x, n, "logit", 0.5, "all").tolist() == [True, True, True]
    assert correction_mask(x, n, "logit", 0.5, "if0all").tolist() == [True, True, True]
    assert correction_mask(x, n, "logit", 0.5, "none").tolist() == [False] * 3
    assert correction_mask(x, n, "logit", 0.0, "all").tolist() == [False] * 3
    assert correction_mask(x, n, "arcsine", 0.5, "all").tolist() == [False] * 3
    assert correction_mask(x, n, "freeman-tukey", 0.5, "only0").tolist() == [False] * 3


def test_correction_changes_only_corrected_studies() -> None:
    a = transform_proportions([0, 3, 5], [5, 5, 5], "logit", add=0.5, to="only0")
    b = transform_proportions([0, 3, 5], [5, 5, 5], "logit", add=0.25, to="only0")
    assert a.yi[1] == b.yi[1] and a.vi[1] == b.vi[1]
    assert a.yi[0] != b.yi[0]
    assert np.all(np.isfinite(a.yi))


def test_transform_validation() -> None:
    with pytest.raises(ValueError, match=r"events\[1\] \(6\) exceeds totals\[1\] \(5\)"):
        transform_proportions([1, 6], [5, 5])
    with pytest.raises(ValueError, match=r"^transform \('probit'\)"):
        transform_proportions([1], [5], "probit")
    with pytest.raises(ValueError, match=r"^to \('x'\)"):
        transform_proportions([1], [5], to="x")
    with pytest.raises(ValueError, match=r"^add"):
        transform_proportions([1], [5], add=float("nan"))
