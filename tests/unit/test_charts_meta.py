"""Chart builders: expected traces, percentage axes, diamond at result.estimate, no 'nan' text."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import synthesis
from charts import forest, meta_plots


@pytest.fixture(scope="module")
def pooled():
    ev, n = [35, 9, 0, 16, 7, 6], [56, 59, 33, 37, 27, 6]
    labels = ["Xie 2018", "Liao <b>2019</b>", "Liao 2020", "Xie 2019", "Tian 2019", "Wang 2019"]
    res = synthesis.pool_proportions(ev, n, labels=labels, ci_method="hksj", pi_method="t(k-1)")
    ci = synthesis.study_intervals(ev, n)
    rows = pd.DataFrame(
        {
            "study_id": ["S1", "S2", "S4", "S5", "S6", "S9"],
            "label": labels,
            "events": ev,
            "total": n,
            "proportion": np.array(ev) / np.array(n),
            "ci_low": ci["ci_low"],
            "ci_high": ci["ci_high"],
            "weight": res.data.weights,
            "flag_count": [1, 0, 2, 0, 0, 0],
            "flag_text": ["ORR counts PR only", "", "timepoints <disagree>", "", "", ""],
            "status": ["reported", "derived", "reported", "reported", "reported", "reported"],
            "source": ["S1-pmc", "S2", "S4", "S5", "S6", "S9"],
            "location": ["abstract", "table 2", None, np.nan, "", "text"],
            "derivation": [None, "35/56 from 62.5%", None, None, None, None],
            "year": [2018, 2019, 2020, 2019, 2019, 2019],
        }
    )
    return res, rows


def _text(fig) -> str:
    return json.dumps(fig.to_plotly_json(), default=str)


def test_forest_traces_axis_and_diamond(pooled) -> None:
    res, rows = pooled
    fig = forest.forest_figure(rows, res, title="ORR")
    names = [t.name for t in fig.data]
    assert names == ["studies", "pooled", "prediction interval"]
    assert fig.layout.xaxis.tickformat.endswith("%")
    assert fig.layout.template.layout.font.family.startswith("DejaVu")  # the project template
    studies = fig.data[0]
    assert list(studies.customdata[:, 0]) == rows["study_id"].tolist()
    np.testing.assert_allclose(studies.x, rows["proportion"])
    diamond = fig.data[1]
    xs = np.array(diamond.x, dtype=float)
    # apex (widest y) at the estimate, ends at the CI bounds
    assert xs[1] == pytest.approx(res.estimate) and xs[3] == pytest.approx(res.estimate)
    assert xs.min() == pytest.approx(res.ci.low) and xs.max() == pytest.approx(res.ci.high)
    pi = fig.data[2]
    assert tuple(pi.x) == pytest.approx((res.pi.low, res.pi.high))
    # error bars reproduce the study CIs
    np.testing.assert_allclose(studies.x + studies.error_x.array, rows["ci_high"])
    np.testing.assert_allclose(studies.x - studies.error_x.arrayminus, rows["ci_low"])


def _column(fig, x: float) -> dict[float, str]:
    """Text of one annotation column of a forest figure, by row (y)."""
    return {a.y: a.text for a in fig.layout.annotations if a.x == x and a.yref == "y"}


def test_forest_number_column_prints_the_pages_interval_words(pooled) -> None:
    # one convention: the figure's "% (CI)" column uses the formatter of every page and report text
    from findings import text

    res, rows = pooled
    fig = forest.forest_figure(rows, res)
    col = set(_column(fig, forest._COLS["estimate"]).values())
    for p, lo, hi in zip(rows["proportion"], rows["ci_low"], rows["ci_high"], strict=True):
        assert text.estimate_interval(p, lo, hi) in col  # e.g. "62.5% (48.5–75.1%)"
    assert f"<b>{text.estimate_interval(res.estimate, res.ci.low, res.ci.high)}</b>" in col
    assert text.interval(res.pi.low, res.pi.high) in col
    assert not any("[" in c or "%, " in c for c in col)  # no second spelling "[a%, b%]"
    assert text.estimate_interval(0.243, 0.118, 0.412) == "24.3% (11.8–41.2%)"


def test_forest_hover_has_numbers_provenance_and_flags(pooled) -> None:
    res, rows = pooled
    fig = forest.forest_figure(rows, res)
    hover = fig.data[0].hovertext
    assert "35/56 = 62.5%" in hover[0] and "Status: reported" in hover[0]
    assert "Derivation: 35/56 from 62.5%" in hover[1] and "Location: table 2" in hover[1]
    assert "⚑ timepoints &lt;disagree&gt;" in hover[2]  # data text escaped, never HTML
    assert "&lt;b&gt;2019" in hover[1]
    labels = [a.text for a in fig.layout.annotations]
    assert any("⚑" in t and "Xie 2018" in t for t in labels)
    assert not any("⚑" in t and "Xie 2019" in t for t in labels)
    assert "nan" not in " ".join(hover).lower()
    assert "nan" not in " ".join(labels).lower()


def test_forest_glmm_has_no_weights_and_no_nan(pooled) -> None:
    _, rows = pooled
    res = synthesis.pool_proportions(rows["events"], rows["total"], method="GLMM", ci_method="t")
    r2 = rows.assign(weight=np.nan)
    fig = forest.forest_figure(r2, res)
    texts = [a.text for a in fig.layout.annotations]
    assert "nan" not in " ".join(texts).lower()
    assert fig.data[1].x[1] == pytest.approx(res.estimate)


def test_forest_without_result_and_sorting(pooled) -> None:
    _, rows = pooled
    fig = forest.forest_figure(rows, None)
    assert [t.name for t in fig.data] == ["studies"]
    assert forest.sort_rows(rows, "estimate")["proportion"].is_monotonic_decreasing
    assert forest.sort_rows(rows, "year")["year"].is_monotonic_increasing
    with pytest.raises(ValueError, match="order"):
        forest.sort_rows(rows, "colour")
    with pytest.raises(ValueError, match="missing"):
        forest.forest_figure(rows.drop(columns="ci_low"), None)


def test_interval_rows_and_reference() -> None:
    df = pd.DataFrame({"label": ["omit A", "omit B"], "estimate": [0.2, 0.3], "ci_low": [0.1, 0.2],
                       "ci_high": [0.3, 0.45], "highlight": [True, False]})
    fig = meta_plots.interval_rows_figure(df, reference=0.25, title="LOO")
    assert fig.layout.xaxis.tickformat == ".0%"
    est = next(t for t in fig.data if t.name == "estimates")
    np.testing.assert_allclose(est.x, [0.2, 0.3])
    assert any(s.x0 == 0.25 for s in fig.layout.shapes)


def test_funnel_deemphasised_when_unreliable() -> None:
    fig = meta_plots.funnel_figure(np.array([0.1, -0.4, 0.3]), np.array([0.2, 0.4, 0.3]), ["a", "b", "c"],
                                   center=0.0, x_title="logit", reliable=False, note="k < 10")
    pts = next(t for t in fig.data if t.name == "studies")
    assert pts.marker.opacity < 1
    assert fig.layout.yaxis.autorange == "reversed"
    assert any("k &lt; 10" in a.text for a in fig.layout.annotations)


def test_subgroup_forest_diamonds_at_group_estimates() -> None:
    rows = pd.DataFrame({"group": ["pro", "pro", "retro"], "study_id": ["S2", "S5", "S1"],
                         "label": ["a", "b", "c"], "events": [9, 16, 35], "total": [59, 37, 56],
                         "proportion": [9 / 59, 16 / 37, 35 / 56], "ci_low": [0.07, 0.27, 0.49],
                         "ci_high": [0.27, 0.6, 0.75]})
    groups = pd.DataFrame({"group": ["pro", "retro"], "estimate": [0.25, 0.625], "ci_low": [0.1, 0.49],
                           "ci_high": [0.5, 0.75], "k": [2, 1], "n": [96, 56]})
    fig = meta_plots.subgroup_forest_figure(rows, groups, test_text="Q_between = 3.1, p = 0.08")
    names = [t.name for t in fig.data]
    assert names == ["studies", "pooled: retro", "pooled: pro"]
    for t in fig.data[1:]:
        g = t.name.split(": ")[1]
        assert t.x[1] == pytest.approx(float(groups.set_index("group").loc[g, "estimate"]))
    assert fig.layout.xaxis.tickformat == ".0%"
    # study points keep the input order, each on its group's rows (pro above retro)
    assert list(fig.data[0].customdata[:, 0]) == ["S2", "S5", "S1"]
    y = dict(zip(fig.data[0].customdata[:, 0], fig.data[0].y, strict=True))
    assert y["S2"] > y["S5"] > fig.data[2].y[0] > y["S1"] > fig.data[1].y[0]


def test_bubble_baujat_composition() -> None:
    pts = pd.DataFrame({"label": ["a", "b"], "x": [2018, 2020], "proportion": [0.2, 0.4], "size": [10, 30]})
    line = pd.DataFrame({"x": [2018, 2020], "fit": [0.22, 0.38], "ci_low": [0.1, 0.2], "ci_high": [0.4, 0.6]})
    fig = meta_plots.bubble_figure(pts, line, x_title="Year")
    assert fig.layout.yaxis.tickformat == ".0%"
    assert [t.name for t in fig.data] == ["CI", "fitted", "studies"]
    b = meta_plots.baujat_figure(pd.DataFrame({"label": ["a"], "x": [1.0], "y": [0.5]}))
    assert b.data[0].name == "studies"
    comp = pd.DataFrame({"label": ["S1", "S1", "S2"], "subtype": ["osteo", "Ewing", "osteo"], "n": [22, 5, 30]})
    c = meta_plots.composition_figure(comp)
    assert c.layout.barmode == "stack" and {t.name for t in c.data} == {"osteo", "Ewing"}


def test_funnel_axis_titles_stand_off_the_ticks() -> None:
    """The funnel's axis titles overlapped their tick labels: margins grow and titles stand off."""
    import numpy as np

    fig = meta_plots.funnel_figure(np.array([-1.0, -0.5, 0.2]), np.array([0.3, 0.5, 0.8]),
                                   ["a", "b", "c"], center=-0.4, x_title="Logit proportion")
    for ax in (fig.layout.xaxis, fig.layout.yaxis):
        assert ax.automargin is True and ax.title.standoff >= 8
