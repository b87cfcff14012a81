"""Digitising workbench in headless chromium: a generated Kaplan–Meier image of known data is
calibrated and clicked like a user would; the reconstructed median equals the true one within
what one pixel of the image is worth."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.e2e.conftest import expect_no_exception, shot, wait_for_app

pytestmark = pytest.mark.browser

# image geometry: t = 0..20 months on x pixels 60..560, S = 0..1 on y pixels 350..50
X0, X1, T1 = 60, 560, 20.0
Y0, Y1 = 350, 50
# 21 patients, every one an event at a distinct time: the KM median is the 11th time
EVENTS = np.array([0.8, 1.5, 2.1, 2.9, 3.6, 4.4, 5.1, 5.9, 6.6, 7.3, 8.1, 9.0, 9.8, 10.7, 11.5,
                   12.6, 13.4, 14.5, 15.8, 17.0, 18.6])
N = EVENTS.size
TRUE_MEDIAN = float(EVENTS[10])
MONTHS_PER_PIXEL = T1 / (X1 - X0)


def px(t: float) -> float:
    return X0 + t * (X1 - X0) / T1


def py(s: float) -> float:
    return Y0 + s * (Y1 - Y0)


def km_image(path) -> None:
    img = Image.new("RGB", (620, 400), "white")
    d = ImageDraw.Draw(img)
    d.line([(X0, Y0), (X1 + 10, Y0)], fill="black", width=1)
    d.line([(X0, Y0), (X0, Y1 - 10)], fill="black", width=1)
    for t in (0, 5, 10, 15, 20):
        d.line([(px(t), Y0), (px(t), Y0 + 5)], fill="black")
        d.text((px(t) - 4, Y0 + 8), str(t), fill="black")
    for s in (0, 0.5, 1):
        d.line([(X0 - 5, py(s)), (X0, py(s))], fill="black")
        d.text((X0 - 30, py(s) - 5), f"{s:.1f}", fill="black")
    s, t_prev = 1.0, 0.0
    for i, t in enumerate(EVENTS):
        d.line([(px(t_prev), py(s)), (px(t), py(s))], fill="#1f5f8b", width=2)
        s_new = 1 - (i + 1) / N
        d.line([(px(t), py(s)), (px(t), py(s_new))], fill="#1f5f8b", width=2)
        s, t_prev = s_new, t
    img.save(path)


def test_digitise_generated_figure_recovers_the_median(app_url, page, tmp_path) -> None:
    png = tmp_path / "km.png"
    km_image(png)
    page.goto(f"{app_url}/digitise")
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(png))
    page.wait_for_selector("canvas", timeout=60_000)
    page.wait_for_timeout(1500)
    for key, value in (("dg_x0", "0"), ("dg_x1", "20"), ("dg_y0", "0"), ("dg_y1", "1")):
        box = page.locator(f".st-key-{key} input")
        box.fill(value)
        box.press("Enter")
        wait_for_app(page, timeout=60_000)
    total = page.locator(".st-key-dg_total input")
    total.fill(str(N))
    total.press("Enter")
    wait_for_app(page, timeout=60_000)
    canvas = page.locator("canvas.upper-canvas").first
    # calibration: two time ticks, two survival ticks; then the left end of every step
    clicks = [(px(0), Y0), (px(20), Y0), (X0, py(0)), (X0, py(1)), (px(0), py(1))]
    clicks += [(px(t), py(1 - (i + 1) / N)) for i, t in enumerate(EVENTS)]
    for x, y in clicks:
        canvas.click(position={"x": x, "y": y})
        page.wait_for_timeout(250)
    page.wait_for_timeout(1500)
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Median (reconstructed)").first
    metric.wait_for(timeout=60_000)
    value = metric.locator("[data-testid='stMetricValue']").inner_text()
    median = float(re.search(r"[\d.]+", value).group())
    assert abs(median - TRUE_MEDIAN) <= MONTHS_PER_PIXEL + 1e-9, (median, TRUE_MEDIAN)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "reconstructed from the published Kaplan–Meier figure (Guyot)" in body
    assert f"{N} patients and {N} events" in body
    assert "nan" not in body.lower().split()
    shot(page, "digitise-reconstructed")
