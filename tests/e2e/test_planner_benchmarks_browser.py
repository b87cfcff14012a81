"""Trial planner in headless chromium: a historical control picked by typing part of its option,
and a benchmark median as m0 from a deep link; the page stays free of 'nan' and of sideways overflow."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.e2e.conftest import expect_no_exception, shot, wait_for_app

pytestmark = pytest.mark.browser
TIMEOUT = 180_000


def _open(page, app_url: str, query: str) -> None:
    page.goto(f"{app_url}/planner{query}")
    wait_for_app(page, timeout=TIMEOUT)
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=TIMEOUT)
    expect_no_exception(page)


def _clean(page) -> str:
    body = page.locator("[data-testid='stMain']").inner_text()
    assert " nan " not in f" {body.lower()} ".replace("\n", " ")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    return body


def test_pick_a_benchmark_by_typing(app_url, page) -> None:
    _open(page, app_url, "")
    page.locator(".st-key-p0_src").click()
    page.keyboard.type("lagmay2016-efs4")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.body.innerText.includes('p0 = 0.120')", timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    assert "lagmay2016-efs4" in page.url
    body = _clean(page)
    assert "measures event-free rate at 4 months" in body  # endpoint and time differ from the ORR plan
    shot(page, "planner-benchmark-p0")


def test_benchmark_median_as_m0(app_url, page) -> None:
    _open(page, app_url, f"?plan=Exponential+median&m1=8&m0_src={quote('eortc62012-doxorubicin')}")
    body = _clean(page)
    assert "m0 = 4.6 months" in body
    code = page.locator("[data-testid='stCode']").inner_text()
    assert "the median progression-free survival of 4.6 months with doxorubicin 75 mg/m2" in code
    shot(page, "planner-benchmark-m0")
