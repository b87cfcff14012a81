"""Present & export helpers: the presentation-mode CSS and the figure downloads.

Presentation mode (``?present=1``) is static CSS for a 16:9 projector.

No text from data goes into it. The app chrome (header, toolbar, sidebar) and the slide picker
are hidden (Previous/Next step through the slides); the figure takes the height the screen
leaves (``.st-key-slide_figure``), so a slide fits 1280x720 and 1920x1080 without scrolling
(``tests/e2e/test_layout_browser.py`` measures it).
"""

from __future__ import annotations

import streamlit as st

from charts.export import export_available, to_png, to_svg

__all__ = ["PRESENT_CSS", "figure_buttons"]

PRESENT_CSS = """<style>
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 1rem !important;
  padding-bottom: 0.5rem !important; max-width: 100% !important; }
[data-testid="stMain"] h1 { font-size: 2.6rem !important; }
[data-testid="stMain"] h2 { font-size: 1.9rem !important; padding: 0 !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.35rem !important; }
/* the slide: no picker on screen (Previous/Next step through the slides), the figure takes the
   height the screen leaves, so nothing scrolls on a 16:9 projector */
.st-key-slide { display: none !important; }
[data-testid="stLayoutWrapper"]:has(> .st-key-slide_figure), .st-key-slide_figure {
  height: calc(100vh - 14.5rem) !important; min-height: 18rem; flex-shrink: 0 !important; }
.st-key-slide_figure > div, .st-key-slide_figure [data-testid="stPlotlyChart"] { height: 100% !important; }
</style>"""


def figure_buttons(fig, key: str, present: bool) -> None:
    """PNG and SVG downloads of the figure on screen (built when clicked)."""
    ok, reason = export_available()
    c1, c2 = st.columns(2)
    c1.download_button(
        "Figure PNG", data=lambda: to_png(fig, presentation=present), file_name=f"{key}.png",
        mime="image/png", on_click="ignore", disabled=not ok, key="dl_png",
        icon=":material/image:",
    )
    c2.download_button(
        "Figure SVG", data=lambda: to_svg(fig, presentation=present), file_name=f"{key}.svg",
        mime="image/svg+xml", on_click="ignore", disabled=not ok, key="dl_svg",
        icon=":material/image:",
    )
    if not ok:
        st.caption(reason)
