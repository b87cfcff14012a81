"""Trial planner under AppTest: the published design, controls and URL change it, evidence
sources feed the paragraph, bad input shows an error (never an exception), no 'nan'."""

from __future__ import annotations

import re

import pytest

from synthesis.design.simon import simon_two_stage
from synthesis.design.single_stage import single_stage_exact
from synthesis.design.tte import exponential_median_test, one_sample_logrank, two_arm_cph

pytestmark = pytest.mark.app
PAGE = "pages/planner.py"
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def visible_text(at) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "text", "error",
                 "warning", "info", "success", "code"):
        parts += [str(el.value) for el in getattr(at, kind, [])]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.astype(str).to_string() for d in at.dataframe]
    return "\n".join(parts)


def check_clean(at) -> str:
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    assert not NAN.search(text), NAN.search(text)
    return text


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label.startswith(label):
            return m.value
    raise AssertionError(f"no metric {label!r} in {[m.label for m in at.metric]}")


def test_published_design_by_default(app_test) -> None:
    at = app_test(page=PAGE)
    text = check_clean(at)
    assert metric(at, "Optimal") == "3/13, 12/43"
    assert metric(at, "Minimax") == "4/18, 10/33"
    assert metric(at, "Search") == "proved"
    code = at.code[0].value
    assert "Simon's optimal two-stage design" in code and "EN(p0) = 20.6" in code
    assert "under the null hypothesis" in code
    # the seed protocol's assessment by default; 10% not evaluable; accrual paused
    # an empty regimen field leaves a visible blank, never the example regimen (issue 14)
    assert "trial of [regimen: to be completed] is the objective response rate" in code
    assert "apatinib plus doxorubicin" not in code
    assert "based on best overall response per RECIST 1.1 in evaluable patients" in code
    assert "the accrual target is 48 patients (43/0.90, rounded up), about 15 of them in stage 1" in code
    assert "Accrual will be suspended once 13 evaluable patients have been enrolled" in code
    assert "((" not in code and "[2] A'Hern" in code and "Jung" not in code
    assert "3 or fewer" in text and len(at.get("plotly_chart")) == 1
    assert {b.label for b in at.get("download_button")} >= {"Paragraph (.txt)", "Paragraph + tables (.md)"}


def test_controls_change_the_design(app_test) -> None:
    at = app_test(page=PAGE)
    at.number_input(key="p1").set_value(0.35).run()
    check_clean(at)
    res = simon_two_stage(0.2, 0.35, 0.05, 0.2)
    assert metric(at, "Optimal") == res.optimal.boundary() != "3/13, 12/43"
    at.radio(key="pick").set_value("minimax").run()
    check_clean(at)
    assert "minimax two-stage design" in at.code[0].value and at.query_params["pick"] == "minimax"
    admissible = [o for o in at.radio(key="pick").options if o.startswith("admissible")]
    assert admissible  # an admissible design's token has no spaces
    token = admissible[0].replace(" n = ", "_n_")
    at.radio(key="pick").set_value(token).run()
    check_clean(at)
    assert at.query_params["pick"] == token and "admissible" in at.code[0].value
    at.segmented_control(key="plan").set_value("single").run()
    check_clean(at)
    assert metric(at, "Patients n") == str(single_stage_exact(0.2, 0.35, 0.05, 0.2).n)


def test_url_reproduces_a_design_with_evidence_sources(app_test) -> None:
    at = app_test(page=PAGE, query={
        "p0_src": "ORR · current view · CI low", "p1_src": "ORR · current view · pooled",
        "power": "0.9", "constraint": "< (clinfun)", "pl_tab": "EN(p0) against n",
    })
    text = check_clean(at)
    caps = [c.value.replace("\\", "") for c in at.caption if "p0 = " in c.value.replace("\\", "")]
    assert caps and "lower bound of the 95% confidence interval of the pooled objective response rate" in caps[0]
    p0 = float(re.search(r"p0 = (0\.\d{3})", caps[0]).group(1))
    p1 = float(re.search(r"p1 = (0\.\d{3})", text).group(1))
    res = simon_two_stage(p0, p1, 0.05, 0.1, constraint="<")
    assert metric(at, "Optimal") == res.optimal.boundary()
    code = at.code[0].value
    assert "lower bound of the 95% confidence interval" in code and "studies" in code
    assert "attained α < 0.05 and attained power > 0.90" in code
    assert len(at.get("plotly_chart")) == 1  # the EN(p0) against n tab
    assert at.query_params["constraint"] == "lt" and at.query_params["pl_tab"] == "en"  # old labels -> tokens


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"p0": "0.5"}, "p0 (0.5) must be smaller than p1"),
        ({"p0": "0"}, "strictly between 0 and 1"),
        ({"alpha": "0.6"}, "alpha"),
        ({"power": "0.3"}, "power"),
        ({"p1": "0.21", "power": "0.99", "alpha": "0.001", "nmax": "50"}, "No feasible"),
    ],
)
def test_bad_input_shows_an_error(app_test, query, message) -> None:
    at = app_test(page=PAGE, query=query)
    check_clean(at)
    assert at.error and message in at.error[0].value
    assert not at.metric and not at.code  # the design is cleared, not left stale
    assert "No design is shown until the inputs are valid" in at.info[0].value


def test_bad_input_after_a_valid_design_names_it(app_test) -> None:
    at = app_test(page=PAGE)
    at.number_input(key="p0").set_value(0.45).run()
    check_clean(at)
    assert "must be smaller than p1" in at.error[0].value
    assert "3/13, 12/43" in at.info[0].value


@pytest.mark.parametrize("plan", ["One-sample log-rank", "Exponential median", "Two-arm Cox"])
def test_survival_designs(app_test, plan) -> None:
    at = app_test(page=PAGE, query={"plan": plan})
    check_clean(at)
    if plan == "One-sample log-rank":
        d = one_sample_logrank(6.0, 0.6, 24.0, 12.0, shape=1.0)
        assert "Wu" in at.code[0].value
        n = d.n
    elif plan == "Exponential median":
        d = exponential_median_test(6.0, 9.0, 24.0, 12.0)
        n = d.n
    else:
        d = two_arm_cph(0.6, 0.7, 0.8)
        n = d.n_total
        assert "two-sided" in at.code[0].value
    assert metric(at, "Patients") == str(n)
    assert len(at.get("plotly_chart")) == 1


def test_survival_bad_input(app_test) -> None:
    at = app_test(page=PAGE, query={"plan": "One-sample log-rank", "hr": "1.2"})
    check_clean(at)
    assert "hazard_ratio" in at.error[0].value


def test_a_binding_search_bound_is_stated(app_test) -> None:
    # clinfun's silent truncation (clinfun 1.1.5 ph2simon's search): nmax = 100 cuts the true optimum 11/50, 28/109
    at = app_test(page=PAGE, query={"p1": "0.35", "power": "0.95", "nmax": "100"})
    check_clean(at)
    assert metric(at, "Search") == "bounded"
    assert metric(at, "Optimal") == "11/53, 26/99"
    assert any("Search stopped at n_max = 100" in w.value for w in at.warning)
    code = at.code[0].value
    assert "the search was limited to n ≤ 100 and this limit was binding" in code
    assert "may not be optimal" in code


def test_protocol_details_from_the_url(app_test) -> None:
    at = app_test(page=PAGE, query={
        "treatment": "apatinib plus ifosfamide", "assess": "best overall response per RECIST 1.1",
        "dropout": "20", "pause": "false", "p0": "0.26", "p1": "0.41",
    })
    check_clean(at)
    code = at.code[0].value
    res = simon_two_stage(0.26, 0.41, 0.05, 0.2)
    assert metric(at, "Optimal") == res.optimal.boundary() == "7/25, 24/72"
    assert "trial of apatinib plus ifosfamide is the objective response rate (ORR), based on best " \
        "overall response per RECIST 1.1." in code
    assert "apatinib plus ifosfamide will be declared promising if more than 24 of the 72" in code
    assert "the accrual target is 90 patients (72/0.80, rounded up), about 32 of them in stage 1" in code
    assert "Accrual will not be suspended" in code
    at.text_input(key="treatment").set_value("apatinib alone").run()
    check_clean(at)
    assert "trial of apatinib alone is" in at.code[0].value


def test_survival_paragraph_names_pfs_in_months(app_test) -> None:
    at = app_test(page=PAGE, query={"plan": "One-sample log-rank"})
    check_clean(at)
    code = at.code[0].value
    assert "progression-free survival (PFS)" in code and "median PFS m0 = 6 months" in code
    assert "target median PFS of m1 = m0·δ^(−1/shape) = 10.0 months" in code
    assert "median survival" not in code and "time units" not in code
    assert not [t for t in at.toggle if t.key == "pause"]


@pytest.mark.parametrize(
    ("plan", "extra", "expect"),
    [
        ("Bayesian posterior", {}, "33 patients will be enrolled"),
        ("Predictive probability", {"ppn": "40"}, "Lee JJ, Liu DD. A predictive probability design"),
        ("BOP2", {}, "Zhou H, Lee JJ, Yuan Y. BOP2"),
        ("BOP2", {"beff": "true"}, "Xu X, Hashimoto A, Yimer B, Takeda K. BOP2-FE"),
    ],
)
def test_bayesian_designs(app_test, plan: str, extra: dict, expect: str) -> None:
    """Each Bayesian design type: exact OCs meeting the targets, a boundary table, the paragraph."""
    at = app_test(page=PAGE, query={"plan": plan, "alpha": "0.1", **extra})
    text = check_clean(at)
    assert float(metric(at, "P(promising | p0)")) <= 0.1
    assert float(metric(at, "P(promising | p1)")) >= 0.8
    assert any("Stop (futility) if responses ≤" in d.value.columns for d in at.dataframe)
    code = at.code[0].value
    assert expect in code and "[regimen: to be completed]" in code
    assert "Exact operating characteristics" in code
    assert "apatinib plus doxorubicin" not in text


def test_map_prior_from_the_current_view(app_test) -> None:
    """MAP prior from the studies of the view, robustified: ESS plot and conflict view render."""
    at = app_test(page=PAGE, query={"plan": "BOP2", "alpha": "0.1", "pl_btab": "Prior and ESS"})
    at.selectbox(key="dprior").select("map").run(timeout=300)
    text = check_clean(at)
    code = at.code[0].value
    assert "MAP prior from" in code and "robustified with weight 0.2 on Beta(1, 1)" in code
    assert "effective sample size" in code
    assert "Beta(1, 1)" in text


def test_small_pool_caveat_beside_p1_and_in_the_paragraph(app_test) -> None:
    """p1 from the soft-tissue pool (few studies, wide CI): said beside the value and in the text."""
    at = app_test(page=PAGE, query={"p1_src": "ORR · soft-tissue sarcoma · pooled", "p0": "0.1"})
    check_clean(at)
    warn = " ".join(str(w.value) for w in at.warning)
    assert "p1 comes from a pool of" in warn and "CI is" in warn
    code = at.code[0].value
    assert "p1 comes from a pool of" in code
    across = next(d.value for d in at.dataframe if "value from" in d.value.columns)  # n across the CI
    assert "p1 at its source's 95% CI low" in list(across["value from"])
    assert {b.label for b in at.get("download_button")} >= {"References (RIS)", "References (BibTeX)",
                                                             "Protocol section (.docx)"}


def test_typed_source_note_is_shown_as_text_not_markdown(app_test) -> None:
    """A note the user types for p0 is data text: its markdown is shown literally, never rendered."""
    at = app_test(page=PAGE)
    at.text_input(key="p0_note").set_value("**bold** [link](https://x.example) <b>tag</b>").run()
    check_clean(at)
    shown = [c.value for c in at.caption if "p0 = " in c.value.replace("\\", "")]
    assert shown and all("\\*\\*bold\\*\\*" in c and "\\[link\\]" in c and "\\<b\\>" in c for c in shown), shown
