"""Trial planner under AppTest: the planned trial (line, regimen, histology, endpoint) is compared
with the source of p0/p1, the indirectness is said beside the value and in the paragraph, and the
plan round-trips through the URL."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.app
PAGE = "pages/planner.py"
POOLED = "ORR · current view · pooled"


def test_first_line_combination_plan_flags_the_pooled_source(app_test) -> None:
    at = app_test(page=PAGE, query={"p1_src": POOLED, "p0": "0.1", "pl_line": "first line",
                                    "pl_reg": "combination", "pl_partner": "doxorubicin and ifosfamide"})
    assert not at.exception, [e.value for e in at.exception]
    warn = " ".join(str(w.value) for w in at.warning).replace("\\", "")
    plan = "the plan is a first-line combination (with doxorubicin and ifosfamide), endpoint ORR"
    assert "p1 comes from" in warn and plan in warn and "indirect evidence, GRADE" in warn
    assert "later-line" in warn or "line-not-stated" in warn or "mixed-line" in warn
    code = at.code[0].value
    assert "p1 comes from" in code and plan in code
    assert code.index(plan) < code.index("References:")  # before the reference list
    across = [d.value for d in at.dataframe if "value from" in d.value.columns]
    assert across and "optimal r1/n1, r/n" in across[0].columns  # Simon across the CI, not single stage


def test_plan_that_matches_says_nothing_and_typed_values_are_not_compared(app_test) -> None:
    at = app_test(page=PAGE)
    assert not at.exception
    assert "the plan is" not in " ".join(str(w.value) for w in at.warning) + at.code[0].value


def test_plan_round_trips_through_the_url(app_test) -> None:
    q = {"pl_line": "later line", "pl_reg": "monotherapy", "pl_hist": "osteosarcoma", "pl_ep": "PFS rate",
         "pl_months": "3.0", "p1_src": POOLED, "p0": "0.1"}
    at = app_test(page=PAGE, query=q)
    assert not at.exception, [e.value for e in at.exception]
    # an old link's labels reach the widgets, whose values are the link's tokens
    assert at.selectbox(key="pl_hist").value == "osteosarcoma" and at.selectbox(key="pl_ep").value == "pfs_rate"
    assert at.selectbox(key="pl_line").value == "later" and at.selectbox(key="pl_ep").format_func("pfs_rate") == "PFS rate"
    assert at.number_input(key="pl_months").value == 3.0
    code = at.code[0].value
    assert "the plan is a later-line monotherapy in osteosarcoma, endpoint PFS rate at 3 months" in code
    # the planned endpoint, not the sources' ORR, is the paragraph's endpoint; the source says it differs
    assert "is the progression-free survival rate at 3 months (3-month PFS rate), based on progression" in code
    assert "measures ORR, not the planned PFS rate at 3 months" in code and " respond " not in code
    assert at.selectbox(key="p0_src").label == "Null 3-month PFS rate p0 from"
    assert any("True 3-month PFS rate" in d.value.columns for d in at.dataframe)
    at.selectbox(key="pl_reg").select("combination").run()
    at.text_input(key="pl_partner").input("ifosfamide").run()
    para = at.code[0].value
    assert "later-line combination (with ifosfamide) in osteosarcoma" in para
    # the widgets' values, written back as a link, reproduce the same paragraph
    keys = ("pl_line", "pl_reg", "pl_hist", "pl_ep")
    link = {**{k: at.selectbox(key=k).value for k in keys}, "pl_partner": at.text_input(key="pl_partner").value,
            "pl_months": str(at.number_input(key="pl_months").value), "p1_src": POOLED, "p0": "0.1"}
    assert link["pl_line"] == "later" and link["pl_ep"] == "pfs_rate"
    again = app_test(page=PAGE, query=link)
    assert not again.exception and again.code[0].value == para
    # written back as tokens (the default regimen leaves the link)
    assert {k: again.query_params.get(k) for k in keys} == {"pl_line": "later", "pl_reg": None,
                                                             "pl_hist": "osteosarcoma", "pl_ep": "pfs_rate"}


def test_survival_m0_from_a_median_benchmark_is_compared_and_varied(app_test) -> None:
    """One-sample log-rank with m0 from PALETTE (later line, printed CI): indirectness beside m0 and
    in the paragraph, the design across the CI, the publication among the references."""
    at = app_test(page=PAGE, query={"plan": "One-sample log-rank", "m0_src": "palette2012-pazopanib"})
    assert not at.exception, [e.value for e in at.exception]
    warn = " ".join(str(w.value) for w in at.warning).replace("\\", "")
    assert "m0 comes from later-line, monotherapy cohorts; the plan is a first-line combination" in warn
    code = at.code[0].value
    assert "the reference median is the median progression-free survival of 4.6 months with pazopanib" in code and "m0 comes from" in code
    across = next(d.value for d in at.dataframe if "m0 from" in d.value.columns)
    assert list(across["m0 from"]) == ["as chosen", "benchmark estimate", "95% CI low", "95% CI high"]
    assert {b.label for b in at.get("download_button")} >= {"References (RIS)", "References (BibTeX)"}


def test_two_arm_cox_says_why_there_is_no_plan_comparison(app_test) -> None:
    at = app_test(page=PAGE, query={"plan": "Two-arm Cox"})
    assert not at.exception
    assert any("randomises a concurrent control arm" in c.value for c in at.caption)
    assert not any("m0 from" in d.value.columns for d in at.dataframe)


def test_single_stage_counts_what_the_planned_endpoint_counts(app_test) -> None:
    at = app_test(page=PAGE, query={"pl_ep": "PFS rate", "pl_months": "3.0", "plan": "Single stage"})
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.label == "Promising if progression-free at 3 months ≥" for m in at.metric), [m.label for m in at.metric]
