"""The planner's cached evidence sources follow the evidence analysed (built-in, then merged)."""

from __future__ import annotations

import pytest

from evidence import userdata as U

pytestmark = pytest.mark.app


def _pooled_orr_p0(at) -> float:
    """p0 taken from the pooled ORR of the current view (differs when studies are added)."""
    at.selectbox(key="p0_src").set_value("orr.current_view.pooled").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [m.value for m in at.markdown if m.value.startswith("**p0 = ")]
    assert len(shown) == 1, shown
    return float(shown[0].strip("*").split("= ")[1])


def test_planner_sources_follow_user_studies(app_test) -> None:
    at = app_test(page="pages/planner.py")
    assert not at.exception, [e.value for e in at.exception]
    p_builtin = _pooled_orr_p0(at)
    at.switch_page("pages/my-studies.py").run()
    at.file_uploader(key="ud_upload").set_value(("mine.csv", U.template_bytes("csv"), "text/csv")).run()
    at.radio(key="ud_mode_widget").set_value("merged").run()
    at.switch_page("pages/planner.py").run()
    assert not at.exception, [e.value for e in at.exception]
    p_merged = _pooled_orr_p0(at)
    assert p_merged != p_builtin, (p_builtin, p_merged)
    at.switch_page("pages/my-studies.py").run()
    at.radio(key="ud_mode_widget").set_value("builtin").run()
    at.switch_page("pages/planner.py").run()
    assert _pooled_orr_p0(at) == p_builtin
