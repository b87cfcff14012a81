"""Page controls in chromium's address bar: after each change the URL holds the control's lowercase
token (findings.query.CONTROLS), never its label; an old label link is rewritten to the token; the
browser's back button to an address without a key, and a link without it, show the default."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import expect_no_exception, shot, wait_for_app
from tests.e2e.test_pooled_browser import choose

pytestmark = pytest.mark.browser
SLOW = 90_000


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def settle(page) -> None:
    wait_for_app(page, timeout=SLOW)
    expect_no_exception(page)


def open_page(page, url: str) -> None:
    page.goto(url)
    settle(page)


def pressed(page, key: str) -> str:
    """Label of the selected option of a segmented control (``st-key-<key>``)."""
    return page.locator(f".st-key-{key} button[aria-checked='true']").first.inner_text().strip()


def selected(page, key: str) -> str:
    """The option a selectbox shows."""
    return page.locator(f".st-key-{key} input[role='combobox']").first.input_value()


def open_tab(page) -> str:
    return page.locator("[data-testid='stTabs'] [role='tab'][aria-selected='true']").first.inner_text().strip()


def back(page) -> None:
    page.go_back()
    settle(page)


def test_compare_controls_write_tokens_and_back_restores_defaults(app_url, page) -> None:
    open_page(page, f"{app_url}/compare")
    page.locator(".st-key-by button", has_text="Histology").first.click()
    settle(page)
    assert query(page) == {"by": ["histology"]}
    page.locator(".st-key-tau2_mode label", has_text="common").first.click()
    settle(page)
    assert query(page) == {"by": ["histology"], "tau2_mode": ["common"]}
    page.get_by_role("tab", name="Meta-regression").click()
    settle(page)
    choose(page, "moderator", "Prospective design (vs retrospective)")
    settle(page)
    assert query(page) == {"by": ["histology"], "tau2_mode": ["common"], "ctab": ["metareg"],
                           "moderator": ["prospective"]}
    shot(page, "links-compare-metareg")
    back(page)  # the address before the moderator: the default moderator, the same tab
    assert "moderator" not in query(page) and open_tab(page) == "Meta-regression"
    assert selected(page, "moderator") == "Publication year"
    back(page)  # before the tab: the first tab and its controls as the address says
    assert query(page) == {"by": ["histology"], "tau2_mode": ["common"]} and open_tab(page) == "Subgroups"
    assert pressed(page, "by") == "Histology"
    back(page)
    back(page)  # the address without any key: every control at its default
    assert query(page) == {} and pressed(page, "by") == "Design" and open_tab(page) == "Subgroups"
    assert page.locator(".st-key-tau2_mode input[type='radio']").first.is_checked()
    shot(page, "links-compare-back-to-defaults")
    page.go_forward()  # forward again: the address, and so the control, as it was
    settle(page)
    assert query(page) == {"by": ["histology"]} and pressed(page, "by") == "Histology"
    # another page and back through the menu: the session's choice stays and is written again
    page.locator("[data-testid='stSidebarNavLink']", has_text="Pooled efficacy").click()
    settle(page)
    page.locator("[data-testid='stSidebarNavLink']", has_text="Designs & subtypes").click()
    settle(page)
    assert query(page) == {"by": ["histology"]} and pressed(page, "by") == "Histology"


def test_old_label_link_is_rewritten_and_a_link_without_the_key_is_the_default(app_url, page) -> None:
    open_page(page, f"{app_url}/compare?by=Histology&ctab=Meta-regression")
    assert query(page) == {"by": ["histology"], "ctab": ["metareg"]} and open_tab(page) == "Meta-regression"
    open_page(page, f"{app_url}/compare?ctab=subgroups")
    assert pressed(page, "by") == "Design" and query(page) == {}  # the default tab leaves the address


def test_pooled_tab_and_group_by(app_url, page) -> None:
    open_page(page, f"{app_url}/pooled")
    choose(page, "group_by", "Regimen")
    settle(page)
    assert query(page) == {"group_by": ["regimen"]}
    page.get_by_role("tab", name="Sensitivity").click()
    settle(page)
    assert query(page) == {"group_by": ["regimen"], "ptab": ["sensitivity"]}
    back(page)
    assert query(page) == {"group_by": ["regimen"]} and open_tab(page) == "Forest plot"
    back(page)
    assert query(page) == {} and selected(page, "group_by") == "No grouping"


def test_safety_controls(app_url, page) -> None:
    open_page(page, f"{app_url}/safety?stab=Forest+per+term")  # the tab's older key and label
    assert query(page) == {"s_tab": ["forest"]} and open_tab(page) == "Forest per term"
    choose(page, "s_grade", "grade ≥3")
    page.keyboard.press("Escape")
    settle(page)
    assert query(page) == {"s_tab": ["forest"], "s_grade": ["ge3"]}
    page.locator(".st-key-s_reports label", has_text="All reports").first.click()
    settle(page)
    assert query(page) == {"s_tab": ["forest"], "s_grade": ["ge3"], "s_reports": ["all"]}
    shot(page, "links-safety")
    back(page)
    assert "s_reports" not in query(page)
    assert page.locator(".st-key-s_reports input[type='radio']").first.is_checked()


def test_appraisal_controls(app_url, page) -> None:
    open_page(page, f"{app_url}/appraisal")
    page.locator(".st-key-rob_group label").first.click()
    settle(page)
    assert query(page) == {"rob_group": ["true"]}
    page.get_by_role("tab", name="Certainty (GRADE)").click()
    settle(page)
    page.locator(".st-key-q_regimen label", has_text="monotherapy").first.click()
    settle(page)
    assert query(page) == {"rob_group": ["true"], "atab": ["grade"], "q_regimen": ["monotherapy"]}
    shot(page, "links-appraisal-grade")
    back(page)
    assert query(page) == {"rob_group": ["true"], "atab": ["grade"]}
    assert page.locator(".st-key-q_regimen input[type='radio']").first.is_checked()  # "any"
    back(page)
    back(page)
    assert query(page) == {} and open_tab(page) == "Risk of bias"
    assert not page.locator(".st-key-rob_group input").first.is_checked()


def test_survival_overview_and_present(app_url, page) -> None:
    open_page(page, f"{app_url}/survival?stab=Approximate+curves&curve=Wang+2020+(synovial)+·+PFS+·+3+points")
    q = query(page)
    assert q["stab"] == ["curves"] and len(q["curve"]) == 1 and ":PFS" in q["curve"][0], q  # id, not label
    page.get_by_role("tab", name="Pooled milestones").click()
    settle(page)
    page.locator(".st-key-ms_scale label", has_text="logit").first.click()
    settle(page)
    assert query(page)["stab"] == ["milestones"] and query(page)["ms_scale"] == ["logit"]
    back(page)
    assert "ms_scale" not in query(page)
    assert page.locator(".st-key-ms_scale input[type='radio']").first.is_checked()  # cloglog
    open_page(page, f"{app_url}/?scope=Apatinib+alone+(monotherapy)")
    assert query(page) == {"scope": ["monotherapy"]}
    open_page(page, f"{app_url}/present")
    page.locator(".st-key-next button").click()
    settle(page)
    assert query(page) == {"slide": ["dcr_forest"]}
    back(page)
    assert query(page) == {} and pressed(page, "slide") == "ORR forest"


def test_planner_design_and_prior_are_tokens_and_back_restores_the_default(app_url, page) -> None:
    open_page(page, f"{app_url}/planner")
    page.locator(".st-key-plan button", has_text="Bayesian posterior").first.click()
    settle(page)
    assert query(page) == {"plan": ["posterior"]} and pressed(page, "plan") == "Bayesian posterior"
    choose(page, "dprior", "Beta(1, 1): uniform")
    settle(page)
    assert query(page) == {"plan": ["posterior"], "dprior": ["uniform"]}
    shot(page, "links-planner-posterior-uniform")
    back(page)  # before the prior: the default prior
    assert query(page) == {"plan": ["posterior"]} and selected(page, "dprior").startswith("Beta(p0, 1 − p0)")
    back(page)  # the address without plan: the default design
    assert query(page) == {} and pressed(page, "plan") == "Simon two-stage"
    # an old label link (as Streamlit's binding wrote it) is rewritten to tokens
    open_page(page, f"{app_url}/planner?plan=Single+stage&pl_ep=PFS+rate&pl_line=later+line")
    assert query(page) == {"plan": ["single"], "pl_ep": ["pfs_rate"], "pl_line": ["later"]}
    assert pressed(page, "plan") == "Single stage" and selected(page, "pl_ep") == "PFS rate"
    # the historical-control library: opened, the address says so; closed, the key leaves
    page.locator(".st-key-pl_lib summary").first.click()
    settle(page)
    assert query(page)["pl_lib"] == ["true"] and page.locator(".st-key-pl_lib [data-testid='stDataFrame']").count() == 1
    page.locator(".st-key-pl_lib summary").first.click()
    settle(page)
    assert "pl_lib" not in query(page)
