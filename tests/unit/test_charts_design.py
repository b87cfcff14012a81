"""charts.design: OC curves, EN(p0) against n, power curves (pure plotly)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from charts import design as D
from findings import planner as FP
from synthesis.design.simon import operating_characteristics, simon_two_stage


@pytest.fixture(scope="module")
def res():
    return simon_two_stage(0.2, 0.4, 0.05, 0.2)


def test_oc_figure_two_panels(res) -> None:
    grid = FP.oc_grid(0.2, 0.4)
    curves = {"optimal 3/13, 12/43": operating_characteristics(res.optimal, grid),
              "minimax 4/18, 10/33": operating_characteristics(res.minimax, grid)}
    fig = D.oc_figure(curves, p0=0.2, p1=0.4, alpha=0.05, power=0.8)
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    assert "optimal 3/13, 12/43: P(declare promising)" in names
    assert "minimax 4/18, 10/33: PET (early stop)" in names
    assert sum(t.xaxis == "x2" for t in fig.data) == 2  # EN panel
    assert fig.data[0].line.color == D.KIND_STYLE["optimal"][0]
    texts = [a.text for a in fig.layout.annotations]
    assert "p0 20.0%" in texts and "p1 40.0%" in texts
    assert "nan" not in fig.to_json().lower().replace("nanos", "")


def test_oc_figure_single_panel_without_en() -> None:
    df = pd.DataFrame({"p": [0.1, 0.2, 0.3], "P(declare promising)": [0.01, 0.05, 0.3]})
    fig = D.oc_figure({"single stage": df}, p0=0.1, p1=0.3)
    assert len(fig.data) == 1 and "xaxis2" not in fig.to_dict()["layout"]
    with pytest.raises(ValueError):
        D.oc_figure({}, p0=0.1, p1=0.3)


def test_oc_and_predictive_figures_name_the_planned_rate_and_count() -> None:
    df = pd.DataFrame({"p": [0.1, 0.2, 0.3], "P(declare promising)": [0.01, 0.05, 0.3]})
    assert D.oc_figure({"x": df}, p0=0.1, p1=0.3).layout.xaxis.title.text == "True response rate"
    fig = D.oc_figure({"x": df}, p0=0.1, p1=0.3, rate="6-month PFS rate")
    assert fig.layout.xaxis.title.text == "True 6-month PFS rate"
    pt = pd.DataFrame({"responses": [0, 1, 2], "probability": [0.2, 0.5, 0.3]})
    assert D.predictive_figure(pt, n=2, marks={}).layout.xaxis.title.text == "Responses among 2 patients"
    fig = D.predictive_figure(pt, n=2, marks={}, count="progression-free at 6 months")
    assert fig.layout.xaxis.title.text == "Progression-free at 6 months among 2 patients"
    assert "progression-free at 6 months" in fig.data[0].hovertemplate


def test_en_vs_n_figure_marks_named_designs(res) -> None:
    per = FP.per_n_designs(0.2, 0.4, 0.05, 0.2, "<=", 33, 48)
    fig = D.en_vs_n_figure(per, FP.named_points(res))
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) >= {"best design at each n", "minimax (M)", "optimal (O)", "admissible (A)"}
    assert list(by_name["optimal (O)"].x) == [43] and list(by_name["minimax (M)"].x) == [33]
    assert by_name["optimal (O)"].text == ("O",)
    # without the per-n rows the named designs are still drawn
    fig2 = D.en_vs_n_figure(pd.DataFrame(columns=["n", "EN(p0)", "boundary"]), FP.named_points(res))
    assert "best design at each n" not in {t.name for t in fig2.data}
    with pytest.raises(ValueError):
        D.en_vs_n_figure(per, pd.DataFrame())


def test_power_figure() -> None:
    t = pd.DataFrame({"n": [10, 11, 12], "power": [0.7, 0.79, 0.81], "attained α": [0.04, 0.05, 0.03]})
    fig = D.power_figure(t, n_design=12, power_target=0.8, series=("power", "attained α"))
    names = [tr.name for tr in fig.data]
    assert names == ["power", "attained α", "design"]
    assert list(fig.data[2].x) == [12]
    with pytest.raises(ValueError):
        D.power_figure(t, n_design=12, power_target=0.8, x="events")
