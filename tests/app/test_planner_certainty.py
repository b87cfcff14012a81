"""The planned trial reaches the certainty table: the planner's paragraph states the GRADE
certainty of the pooled evidence behind p0/p1 (one sentence builder, rated against the plan with
p0 as threshold), and the link it offers opens the Appraisal & certainty page with the same pool,
the same plan and the same certainty, the indirectness footnote carrying the planner's reasons."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.app
PLANNER = "pages/planner.py"
APPRAISAL = "pages/appraisal.py"
POOLED = "ORR · current view · pooled"
PLAN = {"pl_line": "first line", "pl_reg": "combination", "pl_partner": "doxorubicin and ifosfamide"}
SENTENCE = re.compile(r"Certainty of the pooled evidence behind p1 \(GRADE, rated against the planned trial "
                      r"with p0 = 10\.0% as threshold\): (ORR \d+% \(95% CI \d+–\d+%; \d+ studies, \d+ patients; "
                      r"(high|moderate|low|very low) certainty\))\.")


@pytest.fixture(scope="module")
def source():
    from evidence import load_studies
    from evidence.selection import Selection
    from findings import planner as FP
    from findings import pooled
    from findings.frames import frames_of
    from synthesis.spec import Model

    outcomes = frames_of(load_studies()).outcomes
    srcs = FP.evidence_sources(outcomes, Selection(endpoint="ORR"), Model(), lambda f: pooled.pool(f, Model()))
    plan = FP.TrialPlan(partner="doxorubicin and ifosfamide")
    return FP.with_plan(srcs[POOLED], plan), plan


def test_paragraph_states_the_certainty_of_the_pooled_source(app_test, source):
    at = app_test(page=PLANNER, query={"p1_src": POOLED, "p0": "0.1", **PLAN})
    assert not at.exception, [e.value for e in at.exception]
    code = at.code[0].value
    m = SENTENCE.search(code)
    assert m, code
    assert code.index(m.group(0)) < code.index("References:")
    assert any("Certainty of the pooled evidence behind p1" in md.value for md in at.markdown)
    # typed p0/p1 have no pooled evidence: no certainty sentence
    typed = app_test(page=PLANNER, query=PLAN)
    assert "Certainty of the pooled evidence" not in typed.code[0].value


def test_the_link_opens_the_same_certainty_with_the_plan_as_indirectness(app_test, source):
    from findings import planner as FP
    from synthesis.spec import Model
    from tests.app.page_text import visible_text
    from ui.appraisal import certainty_link

    src, plan = source
    reasons = FP.grade_reasons(src)
    assert reasons and reasons[0].startswith("line: ")  # later-line evidence, first-line plan
    planner = app_test(page=PLANNER, query={"p1_src": POOLED, "p0": "0.1", **PLAN})
    words = SENTENCE.search(planner.code[0].value).group(2)

    link = certainty_link(src, plan, 0.1, Model())
    assert link["trial_for"] == ["ORR"] and link["p0_orr"] == ["10"] and link["trial_line"] == ["first line"]
    at = app_test(page=APPRAISAL, query=link)
    assert not at.exception, [e.value for e in at.exception]
    sof = next(d.value for d in at.dataframe if "Participants (studies)" in d.value.columns)
    orr = sof[sof["Outcome"] == "ORR"].iloc[0]
    assert orr["Certainty"].split(" ", 1)[1].split(" (")[0] == words  # the planner's certainty
    text = visible_text(at)
    assert f"ORR, indirectness: serious — {'; '.join(reasons)}" in text  # the footnote
    assert "Planned trial from the Trial planner" in text
    assert not [w.value for w in at.warning if "trial_" in w.value]  # every link key is understood
    at.button(key="clear_plan").click().run()
    assert "Planned trial from the Trial planner" not in visible_text(at)
    # without the plan the same pool is not indirect for the page's default question
    bare = {k: v for k, v in link.items() if not k.startswith("trial_")}
    text = visible_text(app_test(page=APPRAISAL, query=bare))
    assert "ORR, indirectness: serious" not in text


def test_a_histology_group_source_opens_its_own_pool(app_test):
    """The pool behind p0/p1 travels too (under a key of its own, set on the page's controls)."""
    from evidence import load_studies
    from evidence.selection import Selection
    from findings import planner as FP
    from findings import pooled
    from findings.frames import frames_of
    from synthesis.spec import Model
    from tests.app.page_text import visible_text
    from ui.appraisal import certainty_link

    outcomes = frames_of(load_studies()).outcomes
    srcs = FP.evidence_sources(outcomes, Selection(), Model(), lambda f: pooled.pool(f, Model()),
                               groups=("osteosarcoma",))
    plan = FP.TrialPlan()
    src = FP.with_plan(srcs["ORR · osteosarcoma · pooled"], plan)
    link = certainty_link(src, plan, 0.1, Model())
    assert link["trial_view"] == ["histology=osteosarcoma"]
    at = app_test(page=APPRAISAL, query=link)
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="histology").value == ["osteosarcoma"]
    sof = next(d.value for d in at.dataframe if "Participants (studies)" in d.value.columns)
    orr = sof[sof["Outcome"] == "ORR"].iloc[0]
    assert orr["Participants (studies)"] == f"{src.total_n} ({src.k} studies)"
    assert f"ORR, indirectness: serious — {'; '.join(FP.grade_reasons(src))}" in visible_text(at)


def test_p0_and_p1_from_one_pool_get_one_sentence(app_test):
    at = app_test(page=PLANNER, query={"p0_src": "ORR · current view · CI low",
                                       "p1_src": "ORR · current view · CI high", **PLAN})
    assert not at.exception, [e.value for e in at.exception]
    code = at.code[0].value
    assert code.count("Certainty of the pooled evidence behind") == 1
    assert "Certainty of the pooled evidence behind p0 and p1 (GRADE" in code
