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


# ---- the address bar after every interaction: the CLI's lowercase tokens, never widget labels ----
def _histologies() -> list[str]:
    from ui.controls import filter_choices

    return filter_choices(get_evidence().outcomes_frame())["histology"]


def test_a_changed_choice_is_written_to_the_url_as_its_token(app_test) -> None:
    at = app_test(page=PAGE)
    assert not at.exception and at.query_params == {}
    at.selectbox(key="method").set_value("PM").run()
    assert at.query_params == {"method": "pm"}
    at.selectbox(key="timepoint").set_value("week_12").run()
    at.radio(key="reports").set_value("all").run()
    at.selectbox(key="ci").set_value("z").run()
    at.selectbox(key="level").set_value("0.9").run()
    at.button_group(key="endpoint").set_value("DCR").run()
    assert not at.exception
    assert at.query_params == {"method": "pm", "timepoint": "week_12", "reports": "all", "ci": "z",
                               "level": "0.9", "endpoint": "dcr"}
    at.selectbox(key="method").set_value("REML").run()  # back to the default: the key leaves
    assert "method" not in at.query_params and at.query_params["timepoint"] == "week_12"


def test_a_token_link_is_written_back_unchanged(app_test) -> None:
    hist = _histologies()[:2]
    query = {"endpoint": "dcr", "timepoint": "week_12", "reports": "all", "method": "pm",
             "transform": "freeman-tukey", "ci": "z", "pi": "t(k-2)", "i2": "q", "level": "0.9",
             "study_ci": "wilson", "prior": "1.0", "histology": hist}
    at = app_test(page=PAGE, query=query)
    assert not at.exception and warnings(at) == [] or all("link" not in w for w in warnings(at))
    assert at.query_params == query
    assert at.multiselect(key="histology").value == hist
    assert at.selectbox(key="pi").value == "t(k-2)" and at.radio(key="i2").value == "Q"


def test_a_label_link_is_rewritten_to_tokens(app_test) -> None:
    at = app_test(page=PAGE, query={
        "timepoint": "Week 12", "reports": "All reports (overlapping cohorts)", "endpoint": "DCR",
        "method": "PM — Paule–Mandel", "ci_method": "Wald z", "level": "90%", "study_ci": "Wilson score",
    })
    assert not at.exception
    assert at.query_params == {"timepoint": "week_12", "reports": "all", "endpoint": "dcr",
                               "method": "pm", "ci": "z", "level": "0.9", "study_ci": "wilson"}
    res = expected(A.Selection(endpoint="DCR", timepoint="week_12", reports="all"),
                   A.Model(method="PM", ci_method="z", level=0.9, study_ci_method="wilson"))
    assert metric(at, "Studies / patients") == f"{res.k} / {res.data.total_n}"
    assert metric(at, "90% confidence interval") == ft.interval(res.ci.low, res.ci.high)


def test_a_value_outside_the_vocabulary_is_named_then_dropped_from_the_url(app_test) -> None:
    at = app_test(page=PAGE, query={"method": "bogus", "ci": "z"})
    assert any("method 'bogus'" in w for w in warnings(at))
    assert at.query_params == {"ci": "z"}  # the default is shown, so the URL says nothing of it


def test_the_view_survives_a_page_switch_and_is_written_there(app_test) -> None:
    at = app_test(page=PAGE)
    at.selectbox(key="method").set_value("DL").run()
    at.radio(key="reports").set_value("all").run()
    at.query_params.clear()  # as in the browser: a page change starts without the old query string
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert at.selectbox(key="method").value == "DL"
    assert at.query_params == {"method": "dl", "reports": "all"}


# --------------------------------------------------------------------------------------------
# A view widget's value is handed over only when needed. An assignment through st.session_state
# makes Streamlit send the widget with set_value, and the browser then sets it again: done for
# every view widget in every run, that cost ~70 ms of browser script per click (bench/bench_ui.py).
VIEW_WIDGETS = ("endpoint", "timepoint", "histology", "design", "regimen", "line", "reports",
                "method", "transform", "ci", "pi", "i2", "level", "study_ci", "prior",
                "forest_sort", "group_by", "ptab")


def _set_value(at) -> dict[str, bool]:
    """``set_value`` of each keyed view widget drawn by the last run."""
    out = {}
    for kind in ("selectbox", "radio", "multiselect", "button_group", "tabs"):
        for w in at.get(kind):
            key = getattr(w, "key", None)
            proto = getattr(w, "proto", None)
            if key in VIEW_WIDGETS and proto is not None and hasattr(proto, "set_value"):
                out[key] = proto.set_value
    return out


def test_an_ordinary_click_does_not_hand_any_view_widget_its_value_again(app_test) -> None:
    at = app_test(page=PAGE)
    at.selectbox(key="method").set_value("DL").run()
    at.selectbox(key="level").set_value("0.9").run()
    assert not at.exception
    flags = _set_value(at)
    assert {"method", "level", "timepoint", "reports", "ci", "pi"} <= set(flags), flags
    assert not any(flags.values()), {k for k, v in flags.items() if v}
    assert at.selectbox(key="method").value == "DL"
    assert at.query_params["method"] == "dl" and at.query_params["level"] == "0.9"


def test_a_link_opened_in_the_session_hands_its_values_over(app_test) -> None:
    at = app_test(page=PAGE)
    at.selectbox(key="method").set_value("DL").run()
    at.query_params["method"] = "pm"  # a link opened in the same session
    at.run()
    assert not at.exception
    assert at.selectbox(key="method").value == "PM"
    assert _set_value(at)["method"] is True
