"""charts.forest.grouped_forest_figure: the main forest grouped as meta's forest(subgroup=)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import synthesis
from charts import forest, meta_plots, theme

EV = [9, 3, 7, 6, 9, 6, 10, 16, 9]
N = [37, 6, 27, 6, 21, 33, 59, 37, 43]
GROUP = ["retro"] * 6 + ["pro"] * 3


def _rows(res) -> pd.DataFrame:
    ci = synthesis.study_intervals(EV, N, method="clopper-pearson")
    return pd.DataFrame({
        "study_id": [f"S{i}" for i in range(len(EV))], "label": [f"Study {i}" for i in range(len(EV))],
        "events": EV, "total": N, "proportion": np.array(EV) / np.array(N),
        "ci_low": ci["ci_low"], "ci_high": ci["ci_high"], "weight": res.data.weights, "group": GROUP,
    })


@pytest.fixture(scope="module")
def fitted():
    res = synthesis.pool_proportions(EV, N, ci_method="hksj-adhoc")
    sg = synthesis.subgroup_analysis(EV, N, GROUP, ci_method="hksj-adhoc")
    return res, sg


def test_group_diamonds_pis_and_the_overall_at_the_foot(fitted) -> None:
    res, sg = fitted
    fig = forest.grouped_forest_figure(_rows(res), sg, res, group_title="Design",
                                       test_text="Test for subgroup differences: Q = 0.1, p = 0.75")
    names = [t.name for t in fig.data]
    assert names[0] == "studies" and names[-2:] == ["pooled", "prediction interval"]
    for g in sg.groups:
        d = next(t for t in fig.data if t.name == f"pooled: {g}")
        assert d.x[1] == pytest.approx(sg[g].estimate) and d.x[0] == pytest.approx(sg[g].ci.low)
        assert f"prediction interval: {g}" in names  # k > 1 in both groups
        assert d.fillcolor == theme.COLORS["subgroup"] != theme.COLORS["pooled"]
    overall = next(t for t in fig.data if t.name == "pooled")
    assert overall.x[1] == pytest.approx(res.estimate)
    # every group sits above the overall diamond; studies sit under their own heading
    ys = {t.name: min(t.y) for t in fig.data}
    assert all(ys[f"pooled: {g}"] > ys["pooled"] for g in sg.groups)
    texts = [a.text for a in fig.layout.annotations]
    assert sum("Test for subgroup differences" in t for t in texts) == 1  # once, at the foot
    # a group's weight is the sum of its studies' weights under the overall model
    retro_w = sum(res.data.weights[:6])
    assert f"<b>{retro_w:.1f}%</b>" in texts
    assert fig.data[0].customdata[:, 0].tolist() == [f"S{i}" for i in range(9)]


def test_single_study_group_has_no_prediction_interval(fitted) -> None:
    res, _ = fitted
    groups = ["a"] * 8 + ["b"]
    sg = synthesis.subgroup_analysis(EV, N, groups)
    fig = forest.grouped_forest_figure(_rows(res).assign(group=groups), sg, res)
    names = [t.name for t in fig.data]
    assert "pooled: b" in names and "prediction interval: b" not in names


def test_rows_must_match_the_subgroups(fitted) -> None:
    res, sg = fitted
    with pytest.raises(ValueError, match="group"):
        forest.grouped_forest_figure(_rows(res).drop(columns="group"), sg, res)
    with pytest.raises(ValueError, match="'x'"):
        forest.grouped_forest_figure(_rows(res).assign(group="x"), sg, res)


def test_subgroup_forest_diamonds_are_not_red() -> None:
    rows = pd.DataFrame({"group": ["a", "b"], "study_id": ["1", "2"], "label": ["x", "y"],
                         "events": [1, 2], "total": [10, 10], "proportion": [0.1, 0.2],
                         "ci_low": [0.0, 0.0], "ci_high": [0.4, 0.5]})
    groups = pd.DataFrame({"group": ["a", "b"], "estimate": [0.1, 0.2], "ci_low": [0.0, 0.0],
                           "ci_high": [0.4, 0.5], "k": [1, 1], "n": [10, 10]})
    fig = meta_plots.subgroup_forest_figure(rows, groups)
    colors = {t.fillcolor for t in fig.data if t.name.startswith("pooled: ")}
    assert colors == {theme.COLORS["subgroup"]}


def test_report_subgroup_section_states_the_test_once() -> None:
    from reports.content import build_content

    s = build_content(only=("subgroups",)).section("subgroups")
    texts = [s.caption, *s.bullets, *(a.text or "" for a in s.figure.layout.annotations)]
    assert sum("Test for subgroup differences" in t for t in texts) == 1
