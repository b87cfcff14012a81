"""Layout at 1280x720 in headless Debian chromium: every page and three presentation slides.

Each page is screenshotted (``artifacts/screenshots/layout-*.png``) and measured: no element is
wider than its container, nothing scrolls sideways. A presentation slide fits the screen (no
vertical scrolling at 1280x720 and 1920x1080), the slide picker is not on screen, and the x-axis
title does not overlap the tick labels.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import expect_no_exception, shot, wait_for_app
from ui.pages import PAGES

pytestmark = pytest.mark.browser

OVERFLOW_JS = """() => {
  const bad = [];
  const doc = document.scrollingElement || document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) bad.push(`page scrolls sideways (${doc.scrollWidth}px)`);
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollWidth > main.clientWidth + 1) bad.push(`main scrolls sideways (${main.scrollWidth} > ${main.clientWidth})`);
  for (const el of document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const p = el.parentElement.getBoundingClientRect();
    const name = (el.className.match(/st-key-[^ ]+/) || [el.innerText.slice(0, 40)])[0];
    if (r.right > p.right + 2 || r.left < p.left - 2) bad.push(`${name}: ${Math.round(r.left)}-${Math.round(r.right)} outside ${Math.round(p.left)}-${Math.round(p.right)}`);
    // visible content beyond the element (not clipped by a scrolling or clipping ancestor)
    const walk = (node) => {
      for (const c of node.children) {
        const st = getComputedStyle(c);
        if (st.display === 'none' || st.visibility === 'hidden' || st.opacity === '0') continue;
        const cr = c.getBoundingClientRect();
        if (cr.width && cr.height && cr.right > r.right + 2) {
          bad.push(`${name}: ${c.tagName.toLowerCase()} ${c.getAttribute('data-testid') || ''} ends ${Math.round(cr.right - r.right)}px beyond it`);
          return;
        }
        // a data grid's resize handles sit just outside it on purpose: check the grid's box only
        if (c.getAttribute('data-testid') === 'stDataFrame') continue;
        if (st.overflowX === 'visible' && st.overflow === 'visible') walk(c);
      }
    };
    walk(el);
  }
  // text cut with an ellipsis (metric values, captions): the value cannot be read
  for (const el of document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetricValue"] *, [data-testid="stMain"] [data-testid="stMetricValue"]')) {
    if (getComputedStyle(el).textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1)
      bad.push(`metric value cut: ${el.innerText.slice(0, 40)}`);
  }
  return bad;
}"""

SCROLL_JS = """() => {
  const els = [document.scrollingElement, document.querySelector('[data-testid="stMain"]'),
               document.querySelector('[data-testid="stAppViewContainer"]')].filter(Boolean);
  return Math.max(...els.map(e => e.scrollHeight - e.clientHeight));
}"""

_TITLE_OVERLAP = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('.js-plotly-plot .main-svg')) {
    const title = svg.querySelector('.g-xtitle text, .xtitle');
    if (!title) continue;
    const t = title.getBoundingClientRect();
    for (const el of svg.querySelectorAll('SELECTOR')) {
      const r = el.getBoundingClientRect();
      if (r.width && !(r.bottom <= t.top + 1 || r.top >= t.bottom - 1 || r.right <= t.left || r.left >= t.right))
        out.push(MESSAGE);
    }
  }
  return out;
}"""


def title_overlap_js(selector: str, message: str) -> str:
    """JavaScript listing, for every plotly figure, the elements matching ``selector`` whose box
    overlaps the figure's x-axis title (``message``: a JS template literal over ``el``)."""
    return _TITLE_OVERLAP.replace("SELECTOR", selector).replace("MESSAGE", message)


#: tick labels over the x-axis title
AXIS_JS = title_overlap_js(".xtick text", "`${el.textContent} overlaps the axis title`")
#: text annotations under a plot (a forest's heterogeneity line, its between-group test) that the
#: x-axis title overlaps
FOOTER_JS = title_overlap_js(".annotation", '`the axis title overlaps "${el.textContent.slice(0, 60)}"`')


@pytest.fixture
def small(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    yield page
    ctx.close()


def test_every_page_fits_1280x720(app_url, small) -> None:
    problems = {}
    for spec in PAGES:
        small.goto(f"{app_url}/{'' if spec.default else spec.url_path}")
        wait_for_app(small, timeout=120_000)
        expect_no_exception(small)
        shot(small, f"layout-{spec.url_path}")
        bad = small.evaluate(OVERFLOW_JS)
        if bad:
            problems[spec.url_path] = bad[:5]
    assert not problems, problems


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_presentation_slides_fit_the_screen(app_url, browser, size) -> None:
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = ctx.new_page()
    # the slide picker writes its labels to the URL
    slides = ("ORR forest", "Method agreement", "By histology") if size[0] == 1280 else ("ORR forest", "Sample size")
    try:
        for slide in slides:
            page.goto(f"{app_url}/present?present=1&slide={slide.replace(' ', '+')}")
            wait_for_app(page, timeout=120_000)
            page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=120_000)
            page.wait_for_timeout(500)
            expect_no_exception(page)
            shot(page, f"slide-{slide.replace(' ', '-')}-{size[0]}x{size[1]}")
            assert page.evaluate(SCROLL_JS) <= 1, f"{slide} scrolls at {size}"
            assert not page.locator(".st-key-slide").is_visible(), "the slide picker is on screen"
            assert page.evaluate(AXIS_JS) == []
            assert page.evaluate(OVERFLOW_JS) == []
            box = page.locator("[data-testid='stPlotlyChart']").bounding_box()
            assert box and box["height"] >= 0.5 * size[1]  # the figure fills the slide
    finally:
        ctx.close()
