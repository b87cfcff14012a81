"""Shared links under AppTest: the page reads its URL with the CLI's parser (findings.query) and
says what it could not use; every spelling the parser accepts reaches the widgets."""

from __future__ import annotations

import pytest

from findings import text as ft
from findings.query import VALUE_MAX
from ui import analysis as A
from ui.data import get_evidence

pytestmark = pytest.mark.app
PAGE = "pages/pooled.py"


def warnings(at) -> list[str]:
    return [str(w.value) for w in at.warning]


def expected(sel: A.Selection, model: A.Model = A.DEFAULT_MODEL):
    import synthesis

    frame = A.select_outcomes(get_evidence().outcomes_frame(), sel).frame
    return synthesis.pool_proportions(frame["events"].tolist(), frame["total"].tolist(),
                                      **model.pool_kwargs())


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def test_a_histology_not_in_the_data_is_named_and_all_are_shown(app_test) -> None:
    at = app_test(page=PAGE, query={"histology": "nonexistent"})
    assert not at.exception
    shown = warnings(at)
    assert any("histology 'nonexistent'" in w.replace("\\", "") and "not in the data" in w
               and "showing all histologies" in w for w in shown), shown
    res = expected(A.Selection())
    assert metric(at, "Studies / patients") == f"{res.k} / {res.data.total_n}"


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"method": "<script>"}, "method '<script>'"),
        ({"level": "nan"}, "level 'nan'"),
        ({"no_such_key": "1"}, "unknown view key 'no_such_key'"),
    ],
)
def test_bad_values_and_keys_are_reported_not_dropped(app_test, query, says) -> None:
    at = app_test(page=PAGE, query=query)
    assert not at.exception
    shown = [w.replace("\\", "") for w in warnings(at)]
    assert any(says in w for w in shown), shown
    assert not at.html or all("<script>" not in str(h.value) for h in at.html)


def test_url_text_is_escaped_and_cut_in_the_message(app_test) -> None:
    long = "**bold**" + "x" * 500
    at = app_test(page=PAGE, query={"method": long})
    shown = warnings(at)
    assert len(shown) == 1
    assert "\\*\\*bold\\*\\*" in shown[0]  # markdown from the URL is inert
    assert "x" * VALUE_MAX not in shown[0] and "…" in shown[0]


@pytest.mark.parametrize(
    ("query", "sel", "model"),
    [
        ({"reports": "all"}, A.Selection(reports="all"), A.DEFAULT_MODEL),
        ({"reports": "All reports (overlapping cohorts)"}, A.Selection(reports="all"), A.DEFAULT_MODEL),
        ({"timepoint": "week_12"}, A.Selection(timepoint="week_12"), A.DEFAULT_MODEL),
        ({"timepoint": "Week 12"}, A.Selection(timepoint="week_12"), A.DEFAULT_MODEL),
        ({"method": "dl", "ci_method": "z"}, A.Selection(), A.Model(method="DL", ci_method="z")),
    ],
)
def test_tokens_labels_and_long_keys_reach_the_widgets(app_test, query, sel, model) -> None:
    at = app_test(page=PAGE, query=query)
    assert not at.exception
    assert warnings(at) == [] or all("link" not in w for w in warnings(at))
    res = expected(sel, model)
    assert metric(at, "Studies / patients") == f"{res.k} / {res.data.total_n}"
    assert metric(at, "95% confidence interval") == ft.interval(res.ci.low, res.ci.high)


def test_the_planner_keeps_its_own_design_keys(app_test) -> None:
    # p0/p1 are the Trial planner's widgets: the view parser does not second-guess them there
    at = app_test(page="pages/planner.py", query={"p0": "0.5", "p1": "0.3", "method": "bogus"})
    assert not at.exception
    shown = [w.replace("\\", "") for w in warnings(at)]
    assert any("method 'bogus'" in w for w in shown), shown
    assert not any("asked for p1" in w or "asked for p0" in w for w in shown), shown
