"""Fixtures shared by every tier."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser and export tests fail (never skip) when the browser is missing and required.

    A skip looks like a pass in a CI log (PyMARE's ``PYMARE_REQUIRE_CMDSTAN`` reasoning), so with
    ``REQUIRE_BROWSER=1`` (set by ``scripts/test.sh``) a missing chromium is a failure.
    """
    have_browser = Path(CHROMIUM).exists()
    required = os.environ.get("REQUIRE_BROWSER") == "1"
    for item in items:
        if not ({"browser", "export"} & {m.name for m in item.iter_markers()}):
            continue
        if have_browser:
            continue
        if required:
            # the autouse fixture below turns this into an error for the test
            item.user_properties.append(("missing_browser", CHROMIUM))
        else:
            item.add_marker(pytest.mark.skip(reason=f"chromium not found at {CHROMIUM}"))


@pytest.fixture(autouse=True)
def _fail_when_browser_missing(request: pytest.FixtureRequest) -> None:
    for key, value in request.node.user_properties:
        if key == "missing_browser":
            pytest.fail(f"REQUIRE_BROWSER=1 but chromium is missing at {value}")
