"""Trial planner in headless chromium: changing p1 changes the design, the URL follows, and a
deep link reproduces a design (including p0/p1 taken from the pooled evidence)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from synthesis.design.simon import simon_two_stage
from synthesis.design.single_stage import single_stage_exact
from tests.e2e.conftest import expect_no_exception, shot, wait_for_app

pytestmark = pytest.mark.browser
TIMEOUT = 180_000


def metrics(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-testid='stMetricValue']").all_inner_texts()]


def wait_for_metrics(page, expected: list[str]) -> None:
    """Wait until the first metric values are ``expected`` (the run has finished)."""
    page.wait_for_function(
        "exp => { const v = [...document.querySelectorAll(\"[data-testid='stMetricValue']\")]"
        ".map(e => e.innerText.trim()); return exp.every((x, i) => v[i] === x); }",
        arg=expected, timeout=TIMEOUT,
    )


def open_planner(page, app_url: str, query: str = "") -> None:
    page.goto(f"{app_url}/planner{query}")
    wait_for_app(page, timeout=TIMEOUT)
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=TIMEOUT)
    expect_no_exception(page)


def test_changing_p1_changes_the_design_and_the_url(app_url, page) -> None:
    open_planner(page, app_url)
    assert "3/13, 12/43" in metrics(page)
    box = page.locator(".st-key-p1 input")
    box.fill("0.35")
    box.press("Enter")
    expected = simon_two_stage(0.2, 0.35, 0.05, 0.2).optimal.boundary()
    page.wait_for_function(
        "b => [...document.querySelectorAll(\"[data-testid='stMetricValue']\")]"
        ".some(e => e.innerText.trim() === b)", arg=expected, timeout=TIMEOUT,
    )
    wait_for_app(page, timeout=TIMEOUT)
    expect_no_exception(page)
    assert "p1=0.35" in page.url
    body = page.locator("[data-testid='stMain']").inner_text()
    assert " nan" not in body.lower().replace("\n", " ")
    shot(page, "planner-p1-changed")


def test_deep_link_reproduces_a_design(app_url, page) -> None:
    open_planner(page, app_url, "?plan=Single+stage&p1=0.35&alpha=0.1")
    d = single_stage_exact(0.2, 0.35, 0.1, 0.2)
    wait_for_metrics(page, [str(d.n), str(d.r)])
    assert metrics(page)[:2] == [str(d.n), str(d.r)]
    src = quote("ORR · current view · CI low")
    open_planner(page, app_url, f"?p0_src={src}&p1=0.45")
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "lower bound of the 95% confidence interval of the pooled objective response rate" in body
    code = page.locator("[data-testid='stCode']").inner_text()
    assert "The null value p0 is the lower bound" in code
    shot(page, "planner-deep-link-evidence")


def test_protocol_details_reach_the_paragraph_and_the_url(app_url, page) -> None:
    open_planner(page, app_url, "?dropout=20")
    wait_for_metrics(page, ["3/13, 12/43"])
    box = page.locator(".st-key-treatment input")
    box.fill("apatinib alone")
    box.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"[data-testid='stCode']\")]"
        ".some(e => e.innerText.includes('trial of apatinib alone is'))", timeout=TIMEOUT,
    )
    wait_for_app(page, timeout=TIMEOUT)
    expect_no_exception(page)
    assert "treatment=apatinib" in page.url and "dropout=20" in page.url
    code = " ".join(page.locator("[data-testid='stCode']").inner_text().split())
    # optimal 3/13, 12/43 with 20% not evaluable: ceil(43 / 0.8) = 54, ceil(13 / 0.8) = 17
    assert "the accrual target is 54 patients (43/0.80, rounded up), about 17 of them in stage 1" in code
    assert "apatinib alone will be declared promising if more than 12 of the 43 patients" in code
    shot(page, "planner-protocol-details")
