"""Route every run through ``app.py``'s ``st.navigation``.

Streamlit 1.67 keeps a legacy path for apps with a ``pages/`` folder (the layout this project must
keep): on the very first run of a fresh server ``PagesManager.uses_pages_directory`` is true and the
requested page file is executed directly (``_mpa_v1``), without ``app.py`` — so without the page
configuration, the navigation sections and the wide layout. The first ``st.navigation`` call clears
the flag. A page that finds the flag still set clears it and reruns, so the rerun goes through
``app.py`` and reaches the same URL path through ``st.navigation``.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

_DRAWN = "_widgets_drawn"  # widget key -> the page whose last completed run drew it
_PENDING = "_widgets_drawing"  # widget key -> this page, for the widgets the running run draws


def route_through_app() -> None:
    """Call first in every page: rerun through ``app.py`` if Streamlit took the legacy path."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


# --------------------------------------------------------------------------------------------
# Which view widgets the last completed run drew on this page (ui.controls.assign reads it).
# A view widget keeps one key across pages (``persist_state="session"``), but Streamlit gives it a
# new id on each page, so its value must be assigned in its first run on a page; assigning it in
# every run would mark the value new each time and make the browser set every view widget again
# after each click. A run that is stopped or interrupted commits nothing, so a widget it did not
# reach is assigned again in the next run.
def _page() -> str:
    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx is not None else ""


def begin_run() -> None:
    """Call at the top of ``app.py``: forget the marks of a run that did not complete."""
    st.session_state.pop(_PENDING, None)


def will_draw(key: str) -> None:
    """Mark the widget ``key`` as drawn by this run on this page (committed by :func:`run_completed`)."""
    st.session_state.setdefault(_PENDING, {})[key] = _page()


def drawn_here(key: str) -> bool:
    """True when the last completed run on this page drew the widget ``key``."""
    return st.session_state.get(_DRAWN, {}).get(key) == _page()


def run_completed() -> None:
    """Call after the page ran to its end (``app.py``, after ``nav.run()``): commit its marks."""
    st.session_state.setdefault(_DRAWN, {}).update(st.session_state.pop(_PENDING, {}))
