"""Open every page in headless Debian chromium: no Streamlit exception, something rendered."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import expect_no_exception, shot, wait_for_app
from ui.pages import PAGES

pytestmark = pytest.mark.browser


def test_cold_start_deep_link_to_non_home_page(app_url, page) -> None:
    # first request of the run goes straight to a non-home page (st.navigation + pages/ hybrid)
    target = next(p for p in PAGES if not p.default)
    page.goto(f"{app_url}/{target.url_path}")
    wait_for_app(page)
    expect_no_exception(page)
    assert page.locator("[data-testid='stSidebarNavLink']").count() >= 2


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_renders(app_url, page, spec) -> None:
    page.goto(f"{app_url}/{'' if spec.default else spec.url_path}")
    wait_for_app(page)
    expect_no_exception(page)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert len(body.strip()) > 50, f"{spec.url_path} looks empty"
    assert " nan" not in body.lower().replace("\n", " "), f"'nan' on {spec.url_path}"
    shot(page, f"page-{spec.url_path}")
