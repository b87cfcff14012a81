"""End-to-end: the survival functions and charts on the project's own evidence base.

Data-robust checks only (no exceptions, no ``nan`` text, every exclusion explained), plus the
dossier's flag 1 on S1, which the survival code must reproduce from the encoded milestones.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from charts.survival import median_dot_whisker, parametric_curves, pooled_median_panel
from synthesis.survival_curves import fit_parametric_curves, implied_median_bounds, reported_points
from synthesis.survival_medians import median_of_medians, pool_log_medians

evidence = pytest.importorskip("evidence")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return evidence.load_studies().survival_frame()


def _texts(fig) -> list[str]:
    js = fig.to_plotly_json()
    out = [str(t.get("name", "")) for t in js["data"]]
    for t in js["data"]:
        for key in ("text", "customdata", "y"):
            v = t.get(key)
            if v is not None:
                # None is plotly's "no point" (legend-only traces), not text
                out += [str(x) for x in pd.Series(list(v)).explode().tolist() if x is not None]
    out += [str(a.get("text", "")) for a in js["layout"].get("annotations", [])]
    return out


def _assert_no_nan_text(fig) -> None:
    for s in _texts(fig):
        assert not re.search(r"\bnan\b|<NA>|\bNone\b", s, flags=re.IGNORECASE), s


def test_dot_whisker_on_the_evidence(frame: pd.DataFrame) -> None:
    fig = median_dot_whisker(frame)
    medians = frame[(frame["statistic"] == "median")
                    & (frame["estimate"].notna() | frame["not_reached"].astype(bool))]
    drawn = sum(len(t.x) for t in fig.data if t.x is not None and t.x[0] is not None)
    assert drawn == len(medians)
    _assert_no_nan_text(fig)


@pytest.mark.parametrize("endpoint", ["PFS", "OS"])
def test_every_study_reconstructs_or_says_why(frame: pd.DataFrame, endpoint: str) -> None:
    for sid in frame["study_id"].unique():
        rp = reported_points(frame, endpoint, study_id=sid)
        if rp.k == 0:
            continue
        fits, why = fit_parametric_curves(rp)
        assert "exponential" in fits  # any valid point set allows the exponential
        assert set(fits) | {m for m, _ in why} == {"exponential", "weibull"}
        fig = parametric_curves({f"{sid} {k}": v for k, v in fits.items()}, rp.to_frame())
        _assert_no_nan_text(fig)


def test_flag_1_on_s1(frame: pd.DataFrame) -> None:
    rp = reported_points(frame, "PFS", study_id="S1")
    assert rp.points == [(4.0, 0.463), (6.0, 0.365)]
    assert not implied_median_bounds(rp.points).contains(6.6)
    fits, _ = fit_parametric_curves(rp)
    assert fits["weibull"].median < 4.0 and fits["exponential"].median < 4.0


@pytest.mark.parametrize("endpoint", ["PFS", "OS"])
@pytest.mark.parametrize("unlabelled", [False, True])
def test_pooling_the_evidence_explains_every_exclusion(
    frame: pd.DataFrame, endpoint: str, unlabelled: bool
) -> None:
    med = frame[(frame["statistic"] == "median") & (frame["endpoint"] == endpoint)
                & frame["pooled_by_default"].astype(bool)]
    res = pool_log_medians(
        med["estimate"], med["ci_low"], med["ci_high"], interval_kind=med["interval_kind"],
        not_reached=med["not_reached"], labels=med["label"], include_unlabelled=unlabelled,
    )
    assert res.k + len(res.data.excluded) == len(med)
    assert all(why for _, why in res.data.excluded)
    if res.k:
        assert res.ci.low <= res.estimate <= res.ci.high
    _assert_no_nan_text(pooled_median_panel(res, endpoint=endpoint))
    reached = med[~med["not_reached"].astype(bool) & med["estimate"].notna()]
    if len(reached):
        mm = median_of_medians(reached["estimate"], labels=reached["label"])
        assert math.isfinite(mm.estimate)
        _assert_no_nan_text(pooled_median_panel(mm, endpoint=endpoint))


@pytest.mark.parametrize("response", ["ORR", "DCR"])
def test_response_vs_pfs_on_the_evidence(response: str) -> None:
    from charts.survival import response_pfs_table, response_vs_pfs

    base = evidence.load_studies()
    t = response_pfs_table(base.outcomes_frame(), base.survival_frame(), response=response)
    assert len(t) >= 3 and t["study_id"].is_unique
    assert t["response_percent"].between(0, 100).all()
    fig = response_vs_pfs(t, response=response)
    assert sum(len(tr.x) for tr in fig.data) == len(t)
    _assert_no_nan_text(fig)
