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


def route_through_app() -> None:
    """Call first in every page: rerun through ``app.py`` if Streamlit took the legacy path."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
