"""The shared template, and presentation mode keeping size-encoded markers proportional."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from charts import theme


def test_presentation_scales_marker_sizes_and_keeps_ratios() -> None:
    fig = go.Figure([
        go.Scatter(x=[1, 2, 3], y=[1, 2, 3], mode="markers", marker={"size": [4, 8, 16]}),
        go.Scatter(x=[1], y=[1], mode="markers", marker={"size": 10}),
        go.Scatter(x=[1, 2], y=[1, 2], mode="lines"),
    ])
    theme.apply(fig, presentation=True)
    sizes = list(fig.data[0].marker.size)
    assert sizes == pytest.approx([6, 12, 24])
    assert sizes[2] / sizes[0] == pytest.approx(4.0)
    assert fig.data[1].marker.size == pytest.approx(15)
    assert fig.data[2].marker.size is None
    assert fig.layout.font.size == theme.PRESENTATION_FONT


def test_screen_mode_leaves_markers_alone() -> None:
    fig = go.Figure([go.Scatter(x=[1], y=[1], marker={"size": 7})])
    theme.apply(fig)
    assert fig.data[0].marker.size == 7
    assert fig.layout.template.layout.font.family.startswith("DejaVu")


def test_shorten_keeps_short_text_and_marks_cuts() -> None:
    assert theme.shorten("Xie 2019") == "Xie 2019"
    cut = theme.shorten("Wang 2018 (JCO abstract, Ewing) extra words", 20)
    assert len(cut) <= 20 and cut.endswith("…")
    # cut before escaping: an entity is never split
    from charts.forest import _hover_escape

    assert "&amp" not in _hover_escape(theme.shorten("A & B " * 10, 5)).replace("&amp;", "")


def test_presentation_scales_sizes_of_a_figure_rebuilt_from_json() -> None:
    # cached/exported figures come back from JSON with numpy arrays as {"dtype", "bdata"}
    import numpy as np

    fig = go.Figure([go.Scatter(x=[1, 2], y=[1, 2], mode="markers", marker={"size": np.array([4.0, 8.0])})])
    rebuilt = go.Figure(fig.to_plotly_json())
    assert isinstance(rebuilt.data[0].marker.size, dict)  # plotly 7: base64 typed array
    theme.apply(rebuilt, presentation=True)
    assert list(np.asarray(rebuilt.data[0].marker.size, dtype=float)) == pytest.approx([6.0, 12.0])
    # the same through the page's path: type(fig)(fig)
    again = theme.apply(type(fig)(fig.to_dict()), presentation=True)
    assert list(np.asarray(again.data[0].marker.size, dtype=float)) == pytest.approx([6.0, 12.0])
