"""Presentation mode in headless Debian chromium: chrome hidden, figures step, deck downloads."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from reports.content import FIGURE_SECTIONS
from tests.e2e.conftest import expect_no_exception, shot, wait_for_app

pytestmark = pytest.mark.browser


def test_present_page_downloads_the_deck_in_one_click(app_url, page) -> None:
    page.goto(f"{app_url}/present")
    wait_for_app(page, timeout=120_000)
    # the first run pools and draws every figure: wait for the chart itself
    expect(page.locator("[data-testid='stPlotlyChart']")).to_have_count(1, timeout=120_000)
    expect_no_exception(page)
    assert page.locator("[data-testid='stSidebarNavLink']").count() >= 2  # normal mode: menu
    shot(page, "present-normal")
    button = page.locator(".st-key-dl_pptx [data-testid='stDownloadButton'] button").first
    with page.expect_download(timeout=180_000) as dl:
        button.click()
    download = dl.value
    assert download.suggested_filename.endswith(".pptx")
    data = open(download.path(), "rb").read()
    from pptx import Presentation

    titles = [s.shapes.title.text for s in Presentation(io.BytesIO(data)).slides if s.shapes.title]
    assert "Pooled ORR: forest plot" in titles


def test_presentation_mode_hides_chrome_and_steps(app_url, page) -> None:
    page.goto(f"{app_url}/present?present=1")
    wait_for_app(page, timeout=120_000)
    expect(page.locator("[data-testid='stPlotlyChart']")).to_have_count(1, timeout=120_000)
    expect_no_exception(page)
    # app.py asks st.navigation for position="hidden"; with the pages/ folder Streamlit 1.67 then
    # still ships the legacy page list, so the page's static CSS hides the whole sidebar
    expect(page.locator("[data-testid='stSidebar']")).to_be_hidden(timeout=30_000)
    for link in page.locator("[data-testid='stSidebarNavLink']").all():
        assert not link.is_visible()
    assert not page.locator("[data-testid='stHeader']").is_visible()
    assert page.locator(".st-key-dl_pptx").count() == 0
    expect(page.locator("[data-testid='stHeading']").first).to_contain_text(f"1/{len(FIGURE_SECTIONS)}")
    shot(page, "present-mode-1")
    page.locator(".st-key-next button").click()
    wait_for_app(page)
    expect(page.locator("[data-testid='stHeading']").first).to_contain_text(f"2/{len(FIGURE_SECTIONS)}", timeout=60_000)
    assert "slide=" in page.url  # the current figure is in the URL
    expect_no_exception(page)
    shot(page, "present-mode-2")
    # leaving presentation mode brings the menu back
    page.locator(".st-key-present_mode label").click()
    wait_for_app(page)
    assert "present=1" not in page.url
    expect(page.locator("[data-testid='stSidebar']")).to_be_visible(timeout=30_000)
    expect(page.locator(".st-key-dl_pptx")).to_have_count(1, timeout=30_000)
    expect_no_exception(page)
