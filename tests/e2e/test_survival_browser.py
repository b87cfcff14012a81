"""Survival page in headless chromium: charts render, flag 1 shows, deep links reproduce the view,
the pooled-median method switch is written to the URL."""

from __future__ import annotations

import pytest

from findings import survival_evidence as SE
from findings import text as ft
from findings.frames import frames_of
from tests.e2e.conftest import expect_no_exception, shot, wait_for_app
from ui import survival_view as V
from ui.data import get_evidence

pytestmark = pytest.mark.browser


def wait_for_charts(page, n: int = 1) -> None:
    page.wait_for_function(
        f"document.querySelectorAll(\"[data-testid='stPlotlyChart'] .main-svg\").length >= {n}",
        timeout=90_000,
    )


def y_labels(page) -> list[str]:
    return page.locator("[data-testid='stPlotlyChart'] .ytick text").evaluate_all(
        "els => els.map(e => e.textContent || '')")


def metric_value(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_page_renders_medians_and_flag_1(app_url, page) -> None:
    page.goto(f"{app_url}/survival")
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    wait_for_charts(page)
    labels = y_labels(page)
    assert any(t.startswith(SE.FLAG) and "Seed claim (b)" in t for t in labels), labels
    alert = page.locator("[data-testid='stAlert']").filter(has_text="dossier flag 1").first
    assert "6.6 months" in alert.inner_text()
    assert page.locator("[data-testid='stDataFrame']").count() >= 2
    assert "nan" not in page.locator("[data-testid='stMain']").inner_text().lower().split()
    shot(page, "survival-table")


def test_deep_link_with_filter_reproduces_the_view(app_url, page) -> None:
    page.goto(f"{app_url}/survival?histology=osteosarcoma&endpoints=OS")
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    wait_for_charts(page)
    labels = [t for t in y_labels(page) if t.strip()]
    expected = SE.apply_filters(frames_of(get_evidence()).survival, endpoints=("OS",),
                               histology=("osteosarcoma",))
    n_medians = int((expected["statistic"] == "median").sum())
    assert len(labels) == n_medians and all(t.endswith("(OS)") for t in labels), labels
    assert "osteosarcoma" in page.locator(".st-key-histology").inner_text()
    shot(page, "survival-deeplink-osteosarcoma-os")


def test_pooled_method_switch_goes_to_the_url(app_url, page) -> None:
    page.goto(f"{app_url}/survival?stab=Pooled+medians")
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    wait_for_charts(page)
    cands, _ = V.pool_candidates(frames_of(get_evidence()).survival, "PFS", "one")
    mom = V.run_pool(cands, "median")
    # opens on the method that uses the most studies (the median of medians for PFS)
    assert V.default_pool_method(cands) == "median"
    assert metric_value(page, "Pooled median PFS") == f"{ft.decimal(mom.estimate)} months"
    assert metric_value(page, "Studies used") == f"{mom.k} / {len(cands) + len(_)}"
    shot(page, "survival-pooled-median-of-medians")
    page.locator(".st-key-pool_method").get_by_text("REML", exact=True).click()
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    reml = V.run_pool(cands, "REML")
    expected = V.pooled_headline(reml, "PFS", "REML", len(cands) + len(_)).value
    assert metric_value(page, "Pooled median PFS") == expected
    assert "pool_method=reml" in page.url  # the token, not the option as shown
    url = page.url
    page.goto(url)
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    assert metric_value(page, "Pooled median PFS") == expected


def test_curves_deep_link(app_url, page) -> None:
    # an older link carries the label shown (Streamlit's binding wrote it): still read
    page.goto(f"{app_url}/survival?stab=Approximate+curves&curve=Wang+2020+(synovial)+·+PFS+·+3+points")
    wait_for_app(page, timeout=90_000)
    expect_no_exception(page)
    wait_for_charts(page)
    legend = " ".join(page.locator("[data-testid='stPlotlyChart'] .legendtext").evaluate_all(
        "els => els.map(e => e.textContent || '')"))
    assert "assumed model, not KM" in legend and "reported points" in legend
    title = page.locator("[data-testid='stPlotlyChart'] .gtitle").first.text_content() or ""
    assert title.startswith("Wang 2020 (synovial) — PFS"), title
    shot(page, "survival-curves-s10")
