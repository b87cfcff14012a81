"""findings.planner: Bayesian design views, provenance caveats and the regimen blank."""

from __future__ import annotations

import io
import math
from dataclasses import replace

import pandas as pd
import pytest
from docx import Document

from evidence.benchmarks import load_benchmarks
from findings import planner_inputs as FI
from findings.planner import (
    BLANK_TREATMENT,
    TREATMENT,
    Protocol,
    ProtocolSection,
    Source,
    TrialPlan,
    grade_reasons,
    n_across_ci,
    pool_caveat,
    treatment_text,
    typed_source,
    with_plan,
)
from findings.planner_bayes import (
    bayes_oc_table,
    bayes_paragraph,
    boundary_table,
    ess_by_weight,
    prior_predictive_table,
    r_script,
)
from findings.selection_notes import pooled_scope
from reports.docx import build_protocol_docx
from synthesis.design.bayes import BetaMixture, bop2_design, posterior_search, pp_design
from synthesis.design.paragraph import REFERENCES
from synthesis.design.tte import exponential_median_test, one_sample_logrank, two_arm_cph
from synthesis.grade import assess


def test_empty_regimen_is_a_visible_blank_never_the_example() -> None:
    assert treatment_text("") == BLANK_TREATMENT
    assert treatment_text(None) == BLANK_TREATMENT
    assert treatment_text(" apatinib. ") == "apatinib"
    # the protocol default is the blank, not the seed protocol's regimen
    assert Protocol().treatment == BLANK_TREATMENT
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0)
    text = bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="typed", p1_source="typed",
                           treatment="", prior_source="BOP2 default")
    assert BLANK_TREATMENT in text and TREATMENT not in text


def test_soft_tissue_pool_caveat() -> None:
    """3 studies, CI 10–64%, 123 patients: the caveat names all three."""
    c = pool_caveat("p1", 3, 123, 0.10, 0.64)
    assert "3 studies" in c and "123 patients" in c and "10.0–64.0%" in c
    assert "few studies" in c and "wide interval" in c
    assert pool_caveat("p1", 11, 349, 0.20, 0.38) == ""
    assert pool_caveat("p1", None, None, None, None) == ""
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0)
    text = bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                           treatment="x", prior_source="y", caveats=(c,))
    assert "pool of 3 studies" in text


def test_boundary_table_matches_design() -> None:
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0, 1.0)
    t = boundary_table(d)
    assert t["Stop (futility) if responses ≤"].tolist() == [str(v) for v in d.futility]
    assert t["Efficacy if responses ≥"].iloc[0] == f"{d.efficacy[0]} (stop)"
    assert t["Efficacy if responses ≥"].iloc[-1] == f"{d.efficacy[-1]} (promising)"
    nofe = boundary_table(bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0))
    assert nofe["Efficacy if responses ≥"].iloc[0] == "no stop"


def test_oc_table_marks_p0_p1_and_never_nan() -> None:
    d = posterior_search((0.2, 0.8), 0.2, 0.4, 0.95, 0.1, 0.2)
    t = bayes_oc_table(d, 0.2, 0.4)
    assert set(t["Marker"]) >= {"p0 (null)", "p1 (alternative)"}
    assert not t.astype(str).apply(lambda c: c.str.contains("nan")).any().any()
    row = t[t["Marker"] == "p0 (null)"].iloc[0]
    assert float(row["P(declare promising)"]) == pytest.approx(d.oc(0.2).reject, abs=5e-5)


def test_ess_by_weight_decreases_and_starts_at_prior_ess() -> None:
    t = ess_by_weight(BetaMixture([1], [11], [32]))
    assert t["ESS (ELIR)"].iloc[0] == pytest.approx(43.0)
    assert t["ESS (ELIR)"].is_monotonic_decreasing
    bad = ess_by_weight(BetaMixture([1], [0.5], [2]))  # a < 1: ELIR undefined, moment shown
    assert math.isnan(bad["ESS (ELIR)"].iloc[0]) and bad["ESS (moment)"].notna().all()


def test_prior_predictive_sums_to_one() -> None:
    t = prior_predictive_table(BetaMixture([0.8, 0.2], [11, 1], [32, 1]), 40, 0.2, 0.4)
    assert t["probability"].sum() == pytest.approx(1.0)
    assert t["P(Y ≥ y)"].iloc[0] == pytest.approx(1.0)
    assert (t["expected under"] == "p1").sum() == 1


def test_n_across_ci() -> None:
    t = n_across_ci(0.2, {"estimate": 0.3, "CI low": 0.1, "CI high": 0.64}, 0.1, 0.1)
    assert t.loc[1, "rule"] == "no design: p1 (10.0%) must exceed p0 (20.0%)"
    assert int(t.loc[0, "n"]) > int(t.loc[2, "n"])


def test_pp_design_paragraph_cites_lee_liu() -> None:
    d = pp_design(0.2, 40, 0.9, 0.05, prior=(0.2, 0.8), looks=(10, 20, 30, 40))
    text = bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                           treatment="apatinib", prior_source="weak")
    assert "predictive probability design [" in text and f"{d.rule.efficacy[-1]} or more of 40" in text
    assert text.endswith(REFERENCES["leeliu"]) and "References: [1]" in text


def test_protocol_docx_has_paragraph_inputs_and_tables() -> None:
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0, 1.0)
    para = bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                           treatment="", prior_source="weak")
    section = ProtocolSection("Sample size justification", para, (("p0", "0.2: a"),),
                              (("Boundaries", boundary_table(d)), ("Operating characteristics",
                                                                   bayes_oc_table(d, 0.2, 0.4))))
    doc = Document(io.BytesIO(build_protocol_docx(section)))
    texts = [p.text for p in doc.paragraphs]
    assert para in texts and BLANK_TREATMENT in para
    assert len(doc.tables) == 3
    assert doc.tables[1].rows[0].cells[2].text == "Stop (futility) if responses ≤"
    assert doc.tables[1].rows[1].cells[2].text == str(d.futility[0])


def test_r_scripts_name_the_reference_call_and_expected_numbers() -> None:
    """The exported R reproduces the design (checked by running them with BOP2FE 1.0.3 and RBesT
    1.8-2: futility 1 4 7 12, efficacy 6 9 11 13; boundary 10, OC 0.0508 / 0.8310)."""
    b = r_script(bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0, 1.0), 0.2, 0.4)
    assert "n = c(10, 10, 10, 10), lambda = 0.95, gamma = 1, eta = c(1, 1)" in b
    assert "expect 1, 4, 7, 12" in b and "expect 6, 9, 11, 13" in b
    p = r_script(posterior_search((0.2, 0.8), 0.2, 0.4, 0.95, 0.1, 0.2), 0.2, 0.4)
    assert "decision1S(0.95, 0.2, lower.tail = FALSE)" in p and "expect 10" in p
    assert "0.050837 at p0" in p


# ---- indirectness of p0/p1 for the planned trial (GRADE) -------------------------------------
def _pooled(**cols) -> Source:
    frame = pd.DataFrame(cols)
    return Source("ORR · current view · pooled", "x", 0.3, "the pooled ORR", "ORR", len(frame),
                  scope=pooled_scope(frame))


LATER_MONO = {"regimen": ["monotherapy"] * 4, "histology_group": ["osteosarcoma"] * 4,
              "line_group": ["after prior therapy"] * 4, "design": ["prospective"] * 2 + ["retrospective"] * 2}


def test_no_statement_when_the_plan_matches_the_source() -> None:
    src = _pooled(regimen=["monotherapy"] * 2, histology_group=["osteosarcoma"] * 2,
                  line_group=["after prior therapy"] * 2, design=["prospective"] * 2)
    s = with_plan(src, TrialPlan("later line", "monotherapy", "", "osteosarcoma", "ORR"))
    assert s.indirect == () and s.note == "" and s.caveat("p1") == "" and grade_reasons(s) == ()
    assert with_plan(typed_source(0.2, "mine"), TrialPlan()).note == ""  # a typed value is not compared


def test_first_line_combination_plan_against_later_line_monotherapy_pool() -> None:
    mixed = {**LATER_MONO, "regimen": ["monotherapy"] * 3 + ["combination"]}
    s = with_plan(_pooled(**mixed), TrialPlan(partner="doxorubicin and ifosfamide"))
    assert [i.kind for i in s.indirect] == ["line", "regimen"]
    assert s.note.startswith("comes from later-line, mostly monotherapy cohorts; the plan is a first-line "
                             "combination (with doxorubicin and ifosfamide), endpoint ORR")
    assert "regimen monotherapy 3, combination 1 of 4 studies" in s.note
    assert s.caveat("p1").startswith("p1 comes from later-line")
    assert grade_reasons(s)[0] == "line: line after prior therapy 4 of 4 studies (planned: first line)"


@pytest.mark.parametrize(("plan", "kind", "words"), [
    (TrialPlan("later line", "monotherapy", histology="soft-tissue sarcoma"), "histology", "osteosarcoma cohorts"),
    (TrialPlan("later line", "monotherapy", endpoint="PFS rate", months=3), "endpoint",
     "measures ORR, not the planned PFS rate at 3 months; the plan is a later-line monotherapy, endpoint PFS "
     "rate at 3 months"),
    (TrialPlan("later line", "combination"), "regimen", "monotherapy cohorts; the plan is a later-line combination"),
    (TrialPlan("first line", "monotherapy"), "line", "later-line cohorts"),
])
def test_each_mismatch_kind_alone(plan: TrialPlan, kind: str, words: str) -> None:
    s = with_plan(_pooled(**LATER_MONO), plan)
    assert [i.kind for i in s.indirect] == [kind] and words in s.note


def test_mostly_retrospective_pool_is_indirect_for_a_prospective_trial() -> None:
    cols = {**LATER_MONO, "design": ["retrospective"] * 3 + ["prospective"]}
    s = with_plan(_pooled(**cols), TrialPlan("later line", "monotherapy"))
    assert [i.kind for i in s.indirect] == ["design"] and "mostly retrospective" in s.note


def test_benchmark_time_and_histology_against_the_plan() -> None:
    b = next(b for b in load_benchmarks().benchmarks if b.endpoint == "progression-free rate"
             and b.time_months and abs(b.time_months - 3) < 0.1)
    src = Source("k", "k", b.value, "p", "", benchmark=b)
    line = "first line" if b.line.lower().startswith("first") else "later line"
    same = TrialPlan(line, "monotherapy", endpoint="PFS rate", months=3)
    assert "endpoint" not in [i.kind for i in with_plan(src, same).indirect]
    later = with_plan(src, replace(same, months=6, histology="osteosarcoma"))
    assert {"endpoint", "histology"} <= {i.kind for i in later.indirect}
    assert "PFS rate at 6 months" in later.note


def test_n_across_ci_for_simon() -> None:
    t = n_across_ci(0.2, {"estimate": 0.4, "CI low": 0.15}, 0.05, 0.2, "simon")
    assert t.iloc[0]["optimal r1/n1, r/n"] == "3/13, 12/43" and t.iloc[0]["minimax r1/n1, r/n"] == "4/18, 10/33"
    assert t.iloc[1]["minimax r1/n1, r/n"] == "no design: p1 (15.0%) must exceed p0 (20.0%)"


def test_grade_reasons_feed_the_indirectness_domain() -> None:
    s = with_plan(_pooled(**LATER_MONO), TrialPlan())
    kw = {"question": "event rate", "k": 4, "n": 120, "estimate": 0.3, "ci": (0.2, 0.4), "pi": None, "i2": 10.0,
              "threshold": 0.2, "weight_high": 0.0}
    serious = assess("ORR", indirect=grade_reasons(s), **kw).domain("indirectness")
    assert serious.rating == "serious" and "planned: first line" in serious.reason
    direct = with_plan(s, TrialPlan("later line", "monotherapy"))
    assert assess("ORR", indirect=grade_reasons(direct), **kw).domain("indirectness").rating == "not serious"


def test_plan_travels_in_the_url_and_bad_values_are_named() -> None:
    plan = TrialPlan("later line", "monotherapy", "", "osteosarcoma", "PFS rate", 3.0)
    assert TrialPlan.from_query(plan.to_query()) == (plan, ())
    assert TrialPlan.from_query({"q_regimen": "any"}) == (None, ())
    got, bad = TrialPlan.from_query({"trial_line": "third line", "trial_months": "nan", "trial_ep": "DCR"})
    assert got == TrialPlan(endpoint="DCR")
    assert [b.split(" ", 1)[0] for b in bad] == ["trial_line", "trial_months"] and "'third line'" in bad[0]
    # the link's keys are not the planner widgets' (a page's widget-bound keys are dropped when
    # Streamlit navigates to another page)
    from findings.planner import PLAN_LINK_KEYS, PLAN_OUTCOME_KEY, PLAN_URL_KEYS

    assert not set(PLAN_LINK_KEYS.values()) & set(PLAN_URL_KEYS.values()) and PLAN_OUTCOME_KEY == "trial_for"
    assert TrialPlan.from_query(plan.to_query(PLAN_URL_KEYS), PLAN_URL_KEYS) == (plan, ())


def test_pool_reasons_are_the_reasons_of_a_source_from_that_pool() -> None:
    from evidence import load_studies
    from evidence.selection import Selection, select_outcomes
    from findings import pooled
    from findings.frames import frames_of
    from findings.planner import evidence_sources, pool_reasons
    from synthesis.spec import Model

    outcomes = frames_of(load_studies()).outcomes
    srcs = evidence_sources(outcomes, Selection(), Model(), lambda f: pooled.pool(f, Model()))
    plan = TrialPlan(partner="doxorubicin and ifosfamide")
    for key in ("ORR · current view · pooled", "DCR · current view · CI low"):
        s = srcs[key]
        assert s.selection == Selection(endpoint=s.endpoint)  # the rows behind the value
        frame = select_outcomes(outcomes, s.selection).frame
        assert pool_reasons(frame, plan, s.endpoint) == grade_reasons(with_plan(s, plan)) != ()


def test_planned_reasons_replace_the_question_for_their_outcome_only() -> None:
    from evidence import load_studies
    from evidence.appraisal import load_appraisals
    from evidence.selection import Selection
    from findings import appraisal as fa
    from findings import pooled
    from findings.frames import frames_of
    from synthesis.spec import Model

    v = pooled.pooled_view(frames_of(load_studies()), Selection(), Model())
    ap = load_appraisals()
    base = fa.GradeInputs(thresholds=fa.DEFAULT_THRESHOLDS)
    plain = fa.grade_outcome("ORR", v.result, v.rows, ap, base).domain("indirectness")
    reasons = ("line: line after prior therapy 9 of 11 studies (planned: first line)",)
    planned = fa.grade_outcome("ORR", v.result, v.rows, ap, replace(base, planned={"ORR": reasons}))
    assert plain.rating == "not serious"
    assert planned.domain("indirectness").rating == "serious" and planned.domain("indirectness").reason == reasons[0]
    assert planned.level == fa.grade_outcome("ORR", v.result, v.rows, ap, base).level - 1 or planned.level == 1
    other = fa.grade_outcome("ORR", v.result, v.rows, ap, replace(base, planned={"DCR": reasons}))
    assert other.domain("indirectness").rating == "not serious"


def test_survival_fields_feed_the_design_dispatch() -> None:
    """Every survival design built from its fields' defaults is the synthesis design of those values,
    and the inputs come back in the fields' order (the protocol section lists them so)."""
    direct = {"logrank": lambda v: one_sample_logrank(6.0, 0.6, 24.0, 12.0, shape=1.0, alpha=0.05, power=0.8),
              "exponential": lambda v: exponential_median_test(6.0, 9.0, 24.0, 12.0, alpha=0.05, power=0.8, exact=False),
              "cph": lambda v: two_arm_cph(0.6, 0.7, 0.8, power=0.8, ratio=1.0, alpha=0.05)}
    for plan, make in direct.items():
        v = {"m0": FI.M0_FIELD.default} if plan in ("logrank", "exponential") else {}
        v |= {f.name: (False if f.toggle else f.default) for f in FI.SURVIVAL_FIELDS[plan]}
        v |= {"src0": "a", "src1": "b"}
        assert FI.survival_design(plan, v) == make(v)
        assert [k for k, _ in FI.design_values(v)] == [k for k in v if k not in ("src0", "src1")]
    with pytest.raises(ValueError, match="power"):
        FI.survival_design("cph", {**v, "power": 0.3})


def test_binary_design_key_and_search_bound() -> None:
    b = FI.Binary(typed_source(0.2, ""), typed_source(0.4, ""), 0.05, 0.8, "<", 100)
    assert b.design_key("simon") == (0.2, 0.4, 0.05, 0.2, "<", 100)
    assert b.design_key("single") == (0.2, 0.4, 0.05, 0.2)
    assert [FI.search_bound(x) for x in ("auto", None, "50")] == [None, None, 50]
    assert FI.assessment_kind("logrank", TrialPlan()) == "survival"
