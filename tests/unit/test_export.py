"""charts.export: PNG/SVG through kaleido and Debian chromium (marker ``export``)."""

from __future__ import annotations

import struct
import threading
import time
import xml.etree.ElementTree as ET

import plotly.graph_objects as go
import pytest

from charts import export


def _fig() -> go.Figure:
    return go.Figure(go.Scatter(x=[0.1, 0.2, 0.3], y=[1, 2, 3], mode="markers", name="<b>x</b>"))


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    return w, h


def test_export_available_names_the_path_tried(monkeypatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium-xyz")
    ok, reason = export.export_available()
    assert not ok
    assert "/nonexistent/chromium-xyz" in reason


def test_missing_browser_raises_export_error_not_a_hang(monkeypatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium-xyz")
    t0 = time.perf_counter()
    with pytest.raises(export.ExportError, match="/nonexistent/chromium-xyz"):
        export.to_png(_fig())
    assert time.perf_counter() - t0 < 2


def test_bad_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="fmt"):
        export.to_images([_fig()], "gif")  # type: ignore[arg-type]


def test_browser_path_prefers_env(monkeypatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/opt/x/chromium")
    assert export.browser_path() == "/opt/x/chromium"


def test_caller_figure_is_not_modified() -> None:
    fig = _fig()
    before = fig.to_json()
    export._prepared(fig, presentation=True)
    assert fig.to_json() == before


@pytest.mark.export
def test_png_real_kaleido_chromium() -> None:
    t0 = time.perf_counter()
    png = export.to_png(_fig(), scale=2, width=600, height=400)
    took = time.perf_counter() - t0
    assert _png_size(png) == (1200, 800)
    assert 5_000 < len(png) < 5_000_000
    assert took < 60


@pytest.mark.export
def test_svg_parses_as_xml() -> None:
    svg = export.to_svg(_fig(), width=500, height=300)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"http://www.w3.org/2000/svg" in svg


@pytest.mark.export
def test_batch_and_concurrent_exports_are_serialised() -> None:
    figs = [_fig(), go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))]
    out: list = []

    def work() -> None:
        out.append(export.to_images(figs, "png", scale=1, width=300, height=200))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 2
    for images in out:
        assert [_png_size(b) for b in images] == [(300, 200), (300, 200)]
    # the same figure gives the same image whichever thread asked
    assert out[0][0] == out[1][0] and out[0][1] == out[1][1]
