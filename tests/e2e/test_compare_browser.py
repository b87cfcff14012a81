"""Designs & subtypes and Overview in headless chromium: every tab renders, nothing shows nan."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import expect_no_exception, shot, wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("tab", ["Subgroups", "Meta-regression", "Subtypes", "Design table"])
def test_compare_tabs(app_url, page, tab) -> None:
    page.goto(f"{app_url}/compare?ctab={tab.replace(' ', '+')}")
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    page.locator("[data-testid='stMain'] h2, [data-testid='stMain'] h3").first.wait_for(timeout=90_000)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert " nan" not in body.lower().replace("\n", " ")
    shot(page, f"compare-{tab.lower().replace(' ', '-')}")


def test_home_links_to_pooled(app_url, page) -> None:
    page.goto(app_url)
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    assert page.locator("[data-testid='stMetric']").count() >= 2
    shot(page, "home")
    page.locator("[data-testid='stPageLink']").filter(has_text="Pooled efficacy").first.click()
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    assert "/pooled" in page.url
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
