"""AppTest fixtures: clean caches between tests and fail on Streamlit deprecation warnings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _clean_streamlit() -> Iterator[None]:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    # Streamlit loggers do not propagate, so caplog misses deprecations: listen directly.
    logger = logging.getLogger("streamlit.deprecation_util")
    handler = _Collector()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.records:
        msgs = "; ".join(r.getMessage()[:200] for r in handler.records)
        pytest.fail(f"Streamlit deprecation warning(s): {msgs}")


@pytest.fixture(autouse=True)
def _route_like_a_running_server(monkeypatch) -> None:
    """Every AppTest run goes through ``app.py``'s ``st.navigation``, as on a running server.

    AppTest resets ``PagesManager.uses_pages_directory`` before *every* run, so each run would take
    Streamlit's legacy ``pages/`` path, which a real server takes only for its very first run (no
    widget has been used then). On that path the page file runs directly, ``ui.bootstrap`` reruns it
    through ``app.py``, and the rerun drops button clicks. The first-run path itself is tested in a
    real browser on a fresh server (``tests/e2e/test_pages_browser.py``).
    """
    from streamlit.runtime.pages_manager import PagesManager

    init = PagesManager.__init__

    def server_like_init(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", server_like_init)


@pytest.fixture
def app_test():
    """Factory: ``app_test(page=None, query=None)`` returns a run AppTest on that page."""
    from streamlit.testing.v1 import AppTest

    def make(page: str | None = None, query: dict[str, str] | None = None, timeout: float = 60):
        at = AppTest.from_file(APP, default_timeout=timeout)
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
        if page is not None:
            at.switch_page(page)
            at.run()
        return at

    return make
