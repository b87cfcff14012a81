"""Page controls in the link under AppTest (findings.query.CONTROLS through ui.controls.linked):
a link's token or old label reaches the widget and the address is rewritten to the token; a
changed control is written as its token; an unknown value gives the default without a crash; after
the browser's back/forward button a key the restored link lacks gives the default."""

from __future__ import annotations

import pytest

from ui import controls

pytestmark = pytest.mark.app
COMPARE, POOLED, SAFETY, APPRAISAL = ("pages/compare.py", "pages/pooled.py", "pages/safety.py",
                                      "pages/appraisal.py")


def test_old_label_links_reach_the_widgets_and_are_rewritten_to_tokens(app_test) -> None:
    at = app_test(page=COMPARE, query={"by": "Histology", "tau2_mode": "Common"})
    assert not at.exception
    assert at.button_group(key="by").value == "histology" and at.radio(key="tau2_mode").value == "common"
    assert at.query_params == {"by": "histology", "tau2_mode": "common"}

    # the control of a tab not open (by) is rewritten too; its widget reads it when drawn
    at = app_test(page=COMPARE, query={"ctab": "Meta-regression", "by": "Histology",
                                       "moderator": "Prospective design (vs retrospective)"})
    assert not at.exception
    assert at.selectbox(key="moderator").value == "prospective"
    assert at.query_params == {"ctab": "metareg", "moderator": "prospective", "by": "histology"}


def test_a_changed_control_is_written_as_its_token_and_the_default_leaves(app_test) -> None:
    at = app_test(page=POOLED)
    assert not at.exception and at.query_params == {}
    at.selectbox(key="group_by").set_value("regimen").run()
    assert at.query_params == {"group_by": "regimen"}
    at.selectbox(key="group_by").set_value("none").run()
    assert at.query_params == {}
    at = app_test(page=COMPARE)
    at.button_group(key="by").set_value("line").run()
    at.radio(key="tau2_mode").set_value("common").run()
    assert not at.exception and at.query_params == {"by": "line", "tau2_mode": "common"}


def test_tabs_from_a_token_or_a_label_link(app_test) -> None:
    for spelling in ("sensitivity", "Sensitivity", "SENSITIVITY"):
        at = app_test(page=POOLED, query={"ptab": spelling})
        assert not at.exception
        assert at.session_state["ptab"] == "Sensitivity" and at.query_params == {"ptab": "sensitivity"}
        assert any("Leave-one-out" in str(s.value) or "leave-one-out" in str(s.value).lower()
                   for s in [*at.subheader, *at.markdown, *at.caption]), "the Sensitivity tab ran"


def test_unknown_values_give_the_defaults_without_a_crash(app_test) -> None:
    at = app_test(page=COMPARE, query={"by": "<script>", "ctab": "nonsense", "tau2_mode": ""})
    assert not at.exception
    assert at.button_group(key="by").value == "design" and at.session_state["ctab"] == "Subgroups"
    assert at.query_params == {}
    assert not [w for w in at.warning if "link" in str(w.value)]  # page controls are not view problems


def test_safety_controls_from_an_old_link(app_test) -> None:
    at = app_test(page=SAFETY, query={"stab": "Forest per term", "s_grade": "grade ≥3", "s_level": "90%",
                                      "s_reports": "All reports (overlapping cohorts)"})
    assert not at.exception
    assert at.session_state["s_tab"] == "Forest per term"
    assert at.multiselect(key="s_grade").value == ["ge3"]
    assert at.radio(key="s_reports").value == "all" and at.select_slider(key="s_level").value == "0.9"
    assert at.query_params == {"s_tab": "forest", "s_grade": "ge3", "s_level": "0.9", "s_reports": "all"}
    at.multiselect(key="s_grade").set_value(["any"]).run()
    assert not at.exception and at.query_params["s_grade"] == "any"


def test_appraisal_controls_from_a_link(app_test) -> None:
    at = app_test(page=APPRAISAL, query={"atab": "Certainty (GRADE)", "p0_orr": "15", "thr_pfs": "6",
                                         "q_regimen": "Monotherapy", "rob_cb": "true"})
    assert not at.exception
    assert at.number_input(key="p0_orr").value == 15 and at.number_input(key="thr_pfs").value == 6
    assert at.radio(key="q_regimen").value == "monotherapy"
    assert at.query_params == {"atab": "grade", "p0_orr": "15", "thr_pfs": "6", "q_regimen": "monotherapy",
                               "rob_cb": "true"}
    at.number_input(key="p0_orr").set_value(20.0).run()  # the default: the key leaves the link
    assert not at.exception and "p0_orr" not in at.query_params


def test_back_button_to_a_link_without_the_key_gives_the_default(app_test, monkeypatch) -> None:
    at = app_test(page=COMPARE, query={"by": "histology", "method": "pm"})
    assert at.button_group(key="by").value == "histology" and at.selectbox(key="method").value == "PM"
    # the address loses the keys without a back/forward step (a page change): the session's values stay
    at.query_params.clear()
    at.run()
    assert at.button_group(key="by").value == "histology" and at.selectbox(key="method").value == "PM"
    assert at.query_params == {"by": "histology", "method": "pm"}
    # back to an entry without the keys: the defaults, and the address stays without them
    at.query_params.clear()
    monkeypatch.setattr(controls, "history_navigation", lambda: True)
    at.run()
    assert not at.exception
    assert at.button_group(key="by").value == "design" and at.selectbox(key="method").value == "REML"
    assert at.query_params == {}


def test_survival_controls_from_an_old_label_link(app_test) -> None:
    at = app_test(page="pages/survival.py", query={"stab": "Pooled medians", "endpoints": "PFS",
                                                   "pool_method": "DL", "unstated": "true"})
    assert not at.exception
    assert at.session_state["stab"] == "Pooled medians" and at.multiselect(key="endpoints").value == ["pfs"]
    assert at.radio(key="pool_method").value == "dl" and at.toggle(key="unstated").value is True
    assert at.query_params == {"stab": "medians", "endpoints": "pfs", "pool_method": "dl", "unstated": "true"}
    at = app_test(page="pages/survival.py", query={"stab": "milestones", "ms_scale": "Logit", "ms_unstated": "false"})
    assert not at.exception and at.radio(key="ms_scale").value == "logit"
    assert at.query_params == {"stab": "milestones", "ms_scale": "logit", "ms_unstated": "false"}


def test_overview_scope_and_present_slide(app_test) -> None:
    for spelling in ("monotherapy", "Apatinib alone (monotherapy)"):  # README's link and the old label
        at = app_test(query={"scope": spelling})
        assert not at.exception
        assert at.segmented_control(key="scope").value == "monotherapy" and at.query_params == {"scope": "monotherapy"}
    at = app_test(page="pages/present.py", query={"slide": "Risk of bias"})
    assert not at.exception and at.query_params == {"slide": "rob"}
    assert at.button_group(key="slide").value == "rob"


PLANNER = "pages/planner.py"


def test_planner_controls_from_an_old_label_link_are_rewritten_to_tokens(app_test) -> None:
    """The Trial planner's design, prior, sources and planned trial: old label links (as Streamlit's
    binding wrote them) reach the widgets; the address then carries tokens only."""
    at = app_test(page=PLANNER, query={
        "plan": "Bayesian posterior", "dprior": "Beta(1, 1): uniform",
        "p0_src": "ORR · current view · CI low", "p1_src": "ORR · current view · CI high",
        "pl_line": "later line", "pl_ep": "DCR", "pl_btab": "Prior and ESS", "pl_lib": "true"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.segmented_control(key="plan").value == "posterior" and at.selectbox(key="dprior").value == "uniform"
    assert at.selectbox(key="p0_src").value == "orr.current_view.ci_low"
    assert at.query_params == {"plan": "posterior", "dprior": "uniform", "p0_src": "orr.current_view.ci_low",
                               "p1_src": "orr.current_view.ci_high", "pl_line": "later", "pl_ep": "dcr",
                               "pl_btab": "ess", "pl_lib": "true"}
    assert any("moment-matching ESS" in str(c.value) for c in at.caption), "the Prior and ESS tab ran"


def test_planner_changed_controls_are_tokens_and_unknown_values_give_defaults(app_test) -> None:
    at = app_test(page=PLANNER)
    assert not at.exception and at.query_params == {}
    at.segmented_control(key="plan").set_value("single").run()
    at.selectbox(key="p0_src").set_value("orr.current_view.ci_low").run()
    at.selectbox(key="pl_hist").set_value("osteosarcoma").run()
    assert not at.exception
    assert at.query_params == {"plan": "single", "p0_src": "orr.current_view.ci_low", "pl_hist": "osteosarcoma"}
    at.segmented_control(key="plan").set_value("simon").run()
    assert "plan" not in at.query_params  # the default leaves the link
    at = app_test(page=PLANNER, query={"plan": "<b>x</b>", "p0_src": "nonexistent", "pl_tab": "nonsense",
                                       "m0_src": "geddis2017-doxorubicin"})
    assert not at.exception
    assert at.segmented_control(key="plan").value == "simon" and at.selectbox(key="p0_src").value == "typed"
    assert at.query_params == {"m0_src": "geddis2017-doxorubicin"}  # m0_src: its own design's key, kept
