"""Rerun caches (Overview, Data checks, Studies) key on the evidence content: never stale.

The pages cache what they derive from the evidence (headline pools, the design contrast, the flag
views, the study browser) across reruns and sessions. Switching the same session between the
built-in studies and the user's studies must change what each page shows, and switching back must
show the built-in view again.
"""

from __future__ import annotations

import pytest

from evidence import userdata as U
from tests.app.test_smoke import visible_text

pytestmark = pytest.mark.app
MINE = "pages/my-studies.py"


def _mode(at, mode: str):
    at.switch_page(MINE).run()
    at.radio(key="ud_mode_widget").set_value(mode).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _with_user_studies(app_test):
    at = app_test(page=MINE)
    at.file_uploader(key="ud_upload").set_value(("mine.csv", U.template_bytes("csv"), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _home(at) -> tuple[dict[str, str], str]:
    at.switch_page("pages/home.py").run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    return metrics, visible_text(at)


def test_overview_follows_the_evidence_analysed(app_test) -> None:
    at = _with_user_studies(app_test)
    builtin, text_builtin = _home(_mode(at, "builtin"))
    assert "difference p =" in text_builtin  # the design contrast of the built-in studies
    user, text_user = _home(_mode(at, "user"))
    assert user != builtin  # two user studies: other pooled numbers (or none)
    assert text_user != text_builtin
    merged, _ = _home(_mode(at, "merged"))
    assert merged not in (builtin, user)
    again, text_again = _home(_mode(at, "builtin"))
    assert (again, text_again) == (builtin, text_builtin)


def _checks(at) -> dict[str, str]:
    at.switch_page("pages/checks.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return {m.label: m.value for m in at.metric}


def test_data_checks_follow_the_evidence_analysed(app_test) -> None:
    at = _with_user_studies(app_test)
    builtin = _checks(_mode(at, "builtin"))
    user = _checks(_mode(at, "user"))
    assert user["Flags shown"] != builtin["Flags shown"]
    assert _checks(_mode(at, "builtin")) == builtin
    # the filters of the cached view apply to the evidence now analysed
    at.multiselect(key="fc_sev").set_value(["error"]).run()
    # the page opens with the summary table (findings.checks_summary); the kinds table has 'worst'
    kinds = next(d.value for d in at.dataframe if "worst" in d.value.columns)
    assert set(kinds["worst"]) == {"error"}
    shown, total = at.metric[0].value.split(" of ")
    assert int(shown) == int(at.metric[1].value) and total == builtin["Flags shown"].split(" of ")[1]


def test_studies_browser_follows_the_evidence_analysed(app_test) -> None:
    at = _with_user_studies(app_test)
    _mode(at, "builtin").switch_page("pages/studies.py").run()
    builtin = at.dataframe[0].value
    assert "U1" not in set(builtin["id"])
    _mode(at, "user").switch_page("pages/studies.py").run()
    assert list(at.dataframe[0].value["id"]) == ["U1", "U2"]
    _mode(at, "merged").switch_page("pages/studies.py").run()
    merged = at.dataframe[0].value
    assert {"U1", "U2"} < set(merged["id"]) and set(merged.loc[merged["origin"] == "user", "id"]) == {"U1", "U2"}
    _mode(at, "builtin").switch_page("pages/studies.py").run()
    assert at.dataframe[0].value.equals(builtin)


def test_pages_never_change_the_shared_selection_and_pooled_view(app_test) -> None:
    # cached_selection and pooled_view are shared between reruns and sessions (st.cache_resource):
    # drawing every tab of Pooled efficacy and Designs & subtypes must leave them as they were.
    import copy

    from ui import analysis as A
    from ui.data import get_evidence

    ev = get_evidence()
    key = f"{ev.path}:{ev.sha256}"  # = A.data_key() for the built-in studies
    sel = A.Selection()
    selected, view = A.cached_selection(sel, key), A.pooled_view(sel, A.DEFAULT_MODEL, key)  # made here
    before = copy.deepcopy((selected.frame, selected.excluded, view.rows, view.study_ci, view.caveats))
    for tab in ("Forest plot", "Heterogeneity & models", "Sensitivity", "Small-study effects",
                "Methods & literature"):
        at = app_test(page="pages/pooled.py", query={"ptab": tab})
        assert not at.exception, (tab, [e.value for e in at.exception])
    for tab in ("Subgroups", "Meta-regression", "Subtypes", "Design table"):
        at = app_test(page="pages/compare.py", query={"ctab": tab})
        assert not at.exception, (tab, [e.value for e in at.exception])
    assert A.cached_selection(sel, key) is selected and A.pooled_view(sel, A.DEFAULT_MODEL, key) is view
    after = (selected.frame, selected.excluded, view.rows, view.study_ci, view.caveats)
    for a, b in zip(before, after, strict=True):
        assert a.equals(b) if hasattr(a, "equals") else a == b
