"""Risk-of-bias figures (charts.robvis): palettes, traffic light, summary shares, paired forest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from charts import robvis
from synthesis import pool_proportions


def _frame():
    return pd.DataFrame({
        "Study": ["A", "B", "C"],
        "D1": ["Low", "High", "No information"],
        "D2": ["Low", "Low", "Some concerns"],
        "Overall": ["Low", "High", "Some concerns"],
        "Weight": [50.0, 30.0, 20.0],
    })


def test_robvis_palettes_are_robvis_colours():
    assert robvis.PALETTES["cochrane"] == {
        "Low": "#02C100", "Some concerns": "#E2DF07", "High": "#BF0000", "Critical": "#820000",
        "No information": "#4EA1F7", "NA": "#cccccc"}
    assert robvis.PALETTES["colourblind"]["Low"] == "#fed98e"


@pytest.mark.parametrize("palette", ["cochrane", "colourblind"])
def test_traffic_light_colours_and_cells(palette):
    fig = robvis.traffic_light_figure(_frame(), palette=palette, domain_names={"D1": "a", "D2": "b"})
    cells = sum(len(t.x) for t in fig.data)
    assert cells == 3 * 3  # 3 studies x (2 domains + overall)
    for t in fig.data:
        assert t.marker.color == robvis.PALETTES[palette][t.name]
    high = next(t for t in fig.data if t.name == "High")
    assert sorted(zip(high.x, high.y, strict=True)) == [(0.0, 1.0), (2.4, 1.0)]


def test_unknown_judgement_is_named():
    f = _frame()
    f.loc[0, "D1"] = "Dunno"
    with pytest.raises(ValueError, match="Dunno"):
        robvis.traffic_light_figure(f)
    with pytest.raises(ValueError, match="palette"):
        robvis.traffic_light_figure(_frame(), palette="neon")


def test_summary_shares_weighted_and_unweighted():
    s = robvis.summary_shares(_frame(), weighted=True)
    overall = s[s.domain == "Overall"].set_index("judgement")["share"]
    assert overall["Low"] == pytest.approx(0.5) and overall["High"] == pytest.approx(0.3)
    u = robvis.summary_shares(_frame(), weighted=False)
    assert u[u.domain == "Overall"].set_index("judgement")["share"]["Low"] == pytest.approx(1 / 3)
    for d, grp in s.groupby("domain"):
        assert grp["share"].sum() == pytest.approx(1.0), d


def test_summary_axis_ends_at_100_percent_with_room_for_its_label():
    fig = robvis.summary_figure(_frame(), weighted=True)
    assert tuple(fig.layout.xaxis.range) == (0, 1) and fig.layout.xaxis.tickformat == ".0%"
    # the "100%" tick label is centred on the plot's right edge: half of it (about 17 px at the
    # figures' 13 px font, 23 px at the projector's 18 px) must fit in the right margin, or it is cut
    assert fig.layout.margin.r >= 25


def _rows():
    ev, n = [3, 10, 5, 8], [10, 40, 12, 30]
    res = pool_proportions(ev, n, labels=["S1", "S2", "S3", "S4"])
    rows = pd.DataFrame({"study_id": ["s1", "s2", "s3", "s4"], "label": ["One", "Two", "Three", "Four"],
                         "events": ev, "total": n})
    rows["proportion"] = rows.events / rows.total
    rows["ci_low"], rows["ci_high"] = rows.proportion - 0.1, rows.proportion + 0.1
    rows["weight"] = res.data.weights
    return rows, res


def test_paired_figure_one_rob_row_per_study_in_forest_order():
    rows, res = _rows()
    rob = pd.DataFrame({"D1": ["Low", "High", "Low", "No information"],
                        "Overall": ["Low", "High", "Some concerns", "High"]},
                       index=["s1", "s2", "s3", "s4"])
    order = rows.iloc[[2, 0, 3, 1]].reset_index(drop=True)  # a display order other than the data's
    fig = robvis.paired_forest_figure(order, res, rob)
    studies = next(t for t in fig.data if t.name == "studies")
    study_y = dict(zip(np.asarray(studies.customdata).ravel(), studies.y, strict=True))
    grid = [t for t in fig.data if getattr(t, "xaxis", None) == "x2"]
    seen: dict[str, set] = {}
    for t in grid:
        for sid, y, x in zip(t.customdata, t.y, t.x, strict=True):
            assert y == study_y[sid]  # same height as the study's forest row
            seen.setdefault(sid, set()).add(x)
            judgement = rob.loc[sid, "Overall" if x == 1.5 else "D1"]
            assert judgement == t.name
    assert set(seen) == set(rows.study_id) and all(len(v) == 2 for v in seen.values())
    # top to bottom, the grid rows follow the forest order
    ys = sorted({(y, sid) for t in grid for sid, y in zip(t.customdata, t.y, strict=True)}, reverse=True)
    assert [sid for _, sid in ys] == order.study_id.tolist()


def test_paired_figure_needs_a_row_per_study():
    rows, res = _rows()
    rob = pd.DataFrame({"D1": ["Low"], "Overall": ["Low"]}, index=["s1"])
    with pytest.raises(ValueError, match="s2"):
        robvis.paired_forest_figure(rows, res, rob)


def test_paired_figure_grouped_by_overall_judgement():
    from synthesis import subgroup_analysis

    rows, res = _rows()
    overall = ["Low", "High", "Low", "High"]
    rob = pd.DataFrame({"D1": ["Low", "High", "Low", "High"], "Overall": overall}, index=rows.study_id)
    rows = rows.assign(group=overall)
    sub = subgroup_analysis(rows.events.tolist(), rows.total.tolist(), overall)
    fig = robvis.paired_forest_figure(rows, res, rob, groups=sub, test_text="Q = 1, p = 0.3")
    assert any(t.name == "pooled: Low" for t in fig.data) and any(t.name == "pooled: High" for t in fig.data)
    studies = next(t for t in fig.data if t.name == "studies")
    study_y = dict(zip(np.asarray(studies.customdata).ravel(), studies.y, strict=True))
    for t in (t for t in fig.data if getattr(t, "xaxis", None) == "x2"):
        for sid, y in zip(t.customdata, t.y, strict=True):
            assert y == study_y[sid]
