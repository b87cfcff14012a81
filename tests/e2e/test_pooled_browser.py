"""Pooled efficacy in headless chromium: estimator change redraws, deep links, CSV download."""

from __future__ import annotations

import pytest

import synthesis
from findings import text as ft
from tests.e2e.conftest import expect_no_exception, shot, wait_for_app
from ui import analysis as A
from ui.data import get_evidence

pytestmark = pytest.mark.browser


def metric_value(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


def choose(page, key: str, option: str) -> None:
    # A rerun that redraws the sidebar can close an open list: open it again (at most 3 times).
    item = page.get_by_role("option", name=option, exact=True)
    for attempt in range(3):
        page.locator(f".st-key-{key} input[role='combobox']").first.click()
        try:
            item.wait_for(timeout=10_000)
            break
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_for_app(page, timeout=90_000)
    item.click()
    wait_for_app(page, timeout=90_000)


def expected(sel: A.Selection, model: A.Model):
    frame = A.select_outcomes(get_evidence().outcomes_frame(), sel).frame
    return synthesis.pool_proportions(frame["events"].tolist(), frame["total"].tolist(),
                                      **model.pool_kwargs())


def test_estimator_change_redraws_and_updates_url(app_url, page) -> None:
    page.goto(f"{app_url}/pooled")
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=90_000)
    before = metric_value(page, "95% confidence interval")
    assert before == ft.interval(*expected(A.Selection(), A.DEFAULT_MODEL).ci)
    choose(page, "ci", "z")
    choose(page, "method", "DL")
    expect_no_exception(page)
    res = expected(A.Selection(), A.Model(method="DL", ci_method="z"))
    assert metric_value(page, "Pooled ORR") == ft.pct(res.estimate)
    assert metric_value(page, "95% confidence interval") == ft.interval(res.ci.low, res.ci.high)
    assert "method=dl" in page.url and "ci=z" in page.url  # the CLI's tokens, not the widget's "DL"
    choose(page, "timepoint", "Week 12")  # a choice shown by its label is written as its token
    page.wait_for_url("**timepoint=week_12**", timeout=30_000)
    assert "Week" not in page.url and "method=dl" in page.url
    shot(page, "pooled-dl")


def test_deep_link_reproduces_the_view(app_url, page) -> None:
    page.goto(f"{app_url}/pooled?endpoint=DCR&method=PM&level=0.9&histology=soft-tissue+sarcoma")
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    model = A.Model(method="PM", level=0.9)
    res = expected(A.Selection(endpoint="DCR", histology=("soft-tissue sarcoma",)), model)
    assert metric_value(page, "Pooled DCR") == ft.pct(res.estimate)
    assert metric_value(page, "90% confidence interval") == ft.interval(res.ci.low, res.ci.high)
    assert metric_value(page, "Studies / patients") == f"{res.k} / {res.data.total_n}"
    assert "endpoint=dcr" in page.url and "method=pm" in page.url  # rewritten to tokens
    shot(page, "pooled-deeplink")


def test_csv_download(app_url, page) -> None:
    page.goto(f"{app_url}/pooled")
    wait_for_app(page, timeout=90_000)
    button = page.get_by_role("button", name="Download study table (CSV)")
    button.wait_for(timeout=90_000)
    with page.expect_download(timeout=90_000) as d:
        button.click()
    dl = d.value
    assert dl.suggested_filename == "forest_ORR.csv"
    text = open(dl.path(), encoding="utf-8-sig").read()
    assert text.startswith("study_id,label,events,total,proportion")
    assert "nan" not in text.lower().replace("nan,", "")  # empty cells, never the word


def test_methods_tab_and_published(app_url, page) -> None:
    page.goto(f"{app_url}/pooled?ptab=Methods+%26+literature")
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    code = page.locator("[data-testid='stCode']").first
    code.wait_for(timeout=90_000)
    assert "Hartung–Knapp–Sidik–Jonkman" in code.inner_text()
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "Methods paragraph" in body
    assert " nan" not in body.lower()
    shot(page, "pooled-methods")


def test_clicking_a_study_opens_its_card(app_url, page) -> None:
    page.goto(f"{app_url}/pooled")
    wait_for_app(page, timeout=90_000)
    points = page.locator("[data-testid='stPlotlyChart'] .scatterlayer .trace").first.locator("path.point")
    points.first.wait_for(timeout=90_000)
    points.nth(2).click(force=True)
    page.wait_for_url("**/studies?study=*", timeout=60_000)
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    assert "study=" in page.url
    shot(page, "pooled-click-study-card")
