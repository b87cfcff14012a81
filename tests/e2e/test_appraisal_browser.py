"""Appraisal & certainty in a real browser: the paired forest + risk-of-bias figure has one grid
row per study, the GRADE tab shows the summary of findings, and the risk-of-bias and SoF slides
fit a 1280x720 screen (no scrolling, nothing overflowing, no tick label over an axis title)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import expect_no_exception, shot, wait_for_app
from tests.e2e.test_layout_browser import AXIS_JS, FOOTER_JS, OVERFLOW_JS, SCROLL_JS

pytestmark = pytest.mark.browser


def test_paired_figure_and_sof(app_url, page) -> None:
    page.goto(f"{app_url}/appraisal")
    wait_for_app(page, timeout=120_000)
    expect_no_exception(page)
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=120_000)
    shot(page, "appraisal-rob")
    rows = page.evaluate("""() => {
      const gd = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
      const full = gd._fullData;  // decoded traces (typed arrays as arrays)
      const study = full.find(t => t.name === 'studies');
      const grid = full.filter(t => t.xaxis === 'x2');
      const ys = new Set(); grid.forEach(t => Array.from(t.y).forEach(y => ys.add(y)));
      return {studies: Array.from(study.y).length, gridRows: ys.size};
    }""")
    assert rows["studies"] >= 2 and rows["gridRows"] == rows["studies"]
    assert page.evaluate(AXIS_JS) == [] and page.evaluate(FOOTER_JS) == []
    page.goto(f"{app_url}/appraisal?rob_group=true")  # two footer lines: heterogeneity, the test
    wait_for_app(page, timeout=120_000)
    page.get_by_text("Test for subgroup differences").first.wait_for(timeout=60_000)
    expect_no_exception(page)
    assert page.evaluate(AXIS_JS) == [] and page.evaluate(FOOTER_JS) == []
    page.goto(f"{app_url}/appraisal?atab=Certainty+%28GRADE%29")
    wait_for_app(page, timeout=120_000)
    expect_no_exception(page)
    page.get_by_text("Summary of findings").first.wait_for(timeout=60_000)
    assert page.get_by_text("certainty)").count() >= 1
    shot(page, "appraisal-sof")


@pytest.mark.parametrize("slide", ["Risk of bias", "Certainty (SoF)"])
def test_appraisal_slides_fit_1280x720(app_url, browser, slide) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    try:
        page.goto(f"{app_url}/present?present=1&slide={slide.replace(' ', '+')}")
        wait_for_app(page, timeout=120_000)
        page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=120_000)
        page.wait_for_timeout(500)
        expect_no_exception(page)
        shot(page, f"slide-{slide.split()[0]}-1280x720")
        assert page.evaluate(SCROLL_JS) <= 1
        assert page.evaluate(AXIS_JS) == [] and page.evaluate(FOOTER_JS) == []
        assert page.evaluate(OVERFLOW_JS) == []
    finally:
        ctx.close()
