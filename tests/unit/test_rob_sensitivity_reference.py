"""Risk-of-bias-aware pooling equals metafor on the subset (rma(..., subset = )), and the rest of
findings.appraisal: robvis CSV layout, weight shares, the certainty sentence, GRADE rows."""

from __future__ import annotations

import json
from operator import attrgetter
from pathlib import Path

import pandas as pd
import pytest

from evidence.appraisal import (
    JBI_QUESTIONS,
    MINORS_ITEMS,
    Appraisals,
    StudyAppraisal,
    minors_total,
    overall_judgement,
)
from findings import appraisal as fa
from findings import compare, text
from synthesis import pool_proportions
from synthesis.spec import Model

REF = json.loads((Path(__file__).parents[1] / "reference" / "rob_subset_reference.json").read_text())
MODEL = Model(transform="logit", method="REML", ci_method="hksj", pi_method="metafor")  # rma(test="knha")
TOL = 1e-6  # same REML stopping rule on both sides (metafor defaults)


def _vector(overall: str, total: int) -> list[int]:
    """MINORS D1..D8 with the given overall judgement and total."""
    s = dict.fromkeys(MINORS_ITEMS, 0)
    if overall == "High":
        s["D3"], free = 1, ["D1", "D4", "D6", "D8", "D2", "D5", "D7"]
    elif overall == "Some concerns":
        s["D3"], free = 2, ["D2", "D5", "D1", "D4", "D6", "D8"]
    else:
        s.update({"D2": 2, "D3": 2, "D5": 2, "D7": 2})
        free = ["D1", "D4", "D6", "D8"]
    need = total - sum(s.values())
    for d in free:  # non-key items take 1s; key items only 2s (a 1 there would make it High)
        step = 2 if d in ("D2", "D5", "D7") and overall != "High" else 1
        add = min(2 - s[d], need) if step == 1 else (2 if need >= 2 and s[d] == 0 else 0)
        s[d] += add
        need -= add
    assert need == 0, (overall, total)
    vec = [s[d] for d in MINORS_ITEMS]
    assert overall_judgement(vec) == overall and minors_total(vec) == total
    return vec


def _appraisals(ids, overall, totals) -> Appraisals:
    items = []
    for sid, o, t in zip(ids, overall, totals, strict=True):
        vec = _vector(o, t)
        items.append(StudyAppraisal.model_validate({
            "study": sid, "appraiser": "test fixture", "date": "2026-12-06", "basis": "constructed",
            "minors": {d: {"score": v, "reason": "constructed", "src": "X", "at": "x"}
                       for d, v in zip(MINORS_ITEMS, vec, strict=True)},
            "jbi": {q: {"answer": "Unclear", "reason": "constructed", "src": "X", "at": "x"}
                    for q in JBI_QUESTIONS}}))
    return Appraisals("test", tuple(items))


def _rows():
    ids = [f"s{i}" for i in range(len(REF["xi"]))]
    rows = pd.DataFrame({"study_id": ids, "label": [f"Study {i}" for i in range(len(ids))],
                         "events": REF["xi"], "total": REF["ni"]})
    rows["weight"] = pool_proportions(REF["xi"], REF["ni"], **MODEL.pool_kwargs()).data.weights
    return rows


def _close(res, ref):
    assert res.k == ref["k"]
    for ours, theirs in (("estimate", "estimate"), ("ci.low", "ci_low"), ("ci.high", "ci_high"),
                         ("pi.low", "pi_low"), ("pi.high", "pi_high"), ("fit.estimate_t", "estimate_t"),
                         ("fit.se_t", "se_t"), ("tau2", "tau2"), ("i2", "i2")):
        assert attrgetter(ours)(res) == pytest.approx(ref[theirs], rel=TOL, abs=1e-9), ours


@pytest.mark.parametrize("scenario", sorted(REF["scenarios"]))
def test_rob_sensitivity_matches_metafor_subset(scenario):
    sc = REF["scenarios"][scenario]
    rows = _rows()
    ap = _appraisals(rows.study_id, sc["overall"], sc["minors"])
    m = MODEL  # the fixture's model, whatever the page default is
    sens = fa.rob_sensitivity(rows, ap, m.pool_kwargs(), m.regression_kwargs())
    _close(sens.without_high, sc["without_high"])
    assert sens.k_high == sc["overall"].count("High")
    for g, r in zip(sens.by_overall.groups, sens.by_overall.results, strict=True):
        _close(r, sc["groups"][g])
    assert sens.by_overall.q_between == pytest.approx(sc["q_between"], rel=TOL)
    assert sens.by_overall.q_between_df == sc["q_between_df"]
    assert sens.by_overall.q_between_pvalue == pytest.approx(sc["q_between_p"], rel=TOL)
    reg = sens.on_minors
    assert list(reg.coef) == pytest.approx(sc["metareg"]["coef"], rel=TOL)
    assert list(reg.se) == pytest.approx(sc["metareg"]["se"], rel=TOL)
    assert reg.tau2 == pytest.approx(sc["metareg"]["tau2"], rel=TOL, abs=1e-10)
    assert reg.qm == pytest.approx(sc["metareg"]["qm"], rel=TOL)
    table = sens.table()
    assert table["Analysis"].iloc[1] == "Excluding high risk of bias"


@pytest.mark.parametrize("scenario", sorted(REF["scenarios"]))
def test_rob_groups_words_the_between_group_test(scenario):
    sc = REF["scenarios"][scenario]
    rows = _rows()
    ap = _appraisals(rows.study_id, sc["overall"], sc["minors"])
    groups, test = fa.rob_groups(rows, ap, MODEL)
    assert list(groups.groups) == list(fa.rob_sensitivity(rows, ap, MODEL.pool_kwargs(),
                                                          MODEL.regression_kwargs()).by_overall.groups)
    assert groups.q_between == pytest.approx(sc["q_between"], rel=TOL)
    assert test == (f"Test for subgroup differences: Q = {text.num(groups.q_between, 3)}, "
                    f"df = {sc['q_between_df']}, p = {text.pval(groups.q_between_pvalue)} "
                    f"(τ² {groups.tau2_mode})")
    assert test == compare.subgroup_test_text(groups)  # one wording with Designs & subtypes


def test_rob_groups_says_why_not():
    rows = _rows()
    ap = _appraisals(rows.study_id, ["Low"] * len(rows), [14] * len(rows))
    groups, why = fa.rob_groups(rows, ap, Model())
    assert groups is None and "one overall judgement" in why
    assert fa.rob_sensitivity(rows, ap, Model().pool_kwargs(), Model().regression_kwargs()).group_test() == ""


def test_rob_sensitivity_says_why_when_nothing_to_exclude():
    rows = _rows()
    ap = _appraisals(rows.study_id, ["Low"] * len(rows), [14] * len(rows))
    m = Model()
    sens = fa.rob_sensitivity(rows, ap, m.pool_kwargs(), m.regression_kwargs())
    assert sens.without_high is None and sens.by_overall is None and sens.on_minors is None
    assert any("changes nothing" in n for n in sens.notes)
    assert any("one overall judgement" in n for n in sens.notes)


def test_weight_share_and_robvis_table():
    rows = _rows()
    sc = REF["scenarios"]["shipped"]
    ap = _appraisals(rows.study_id, sc["overall"], sc["minors"])
    share = fa.weight_share(rows, ap)
    w = rows["weight"].to_numpy()
    high = [o == "High" for o in sc["overall"]]
    assert share == pytest.approx(w[high].sum() / w.sum())
    tab = fa.robvis_table(rows, ap)
    assert list(tab.columns) == ["Study", *MINORS_ITEMS, "Overall", "Weight"]
    assert tab["Weight"].tolist() == pytest.approx(w.tolist())
    assert tab["Overall"].tolist() == sc["overall"]


def test_unappraised_study_is_grey_not_dropped():
    rows = _rows()
    sc = REF["scenarios"]["shipped"]
    ap = _appraisals(rows.study_id[1:], sc["overall"][1:], sc["minors"][1:])
    idx = fa.rob_index(ap, rows.study_id.tolist())
    assert (idx.loc["s0"] == "NA").all() and len(idx) == len(rows)


def test_certainty_sentence_format():
    res = pool_proportions(REF["xi"], REF["ni"], **Model().pool_kwargs())
    s = fa.certainty_sentence("ORR", res, "low")
    assert s.startswith("ORR ") and s.endswith("; 11 studies, 349 patients; low certainty)")
    assert "(95% CI " in s and "–" in s and "%" in s
    assert fa.certainty_sentence("ORR", res, None).endswith("349 patients)")


def test_grade_row_and_sof_from_a_pooled_result():
    rows = _rows()
    sc = REF["scenarios"]["shipped"]
    ap = _appraisals(rows.study_id, sc["overall"], sc["minors"])
    res = pool_proportions(REF["xi"], REF["ni"], **Model().pool_kwargs())
    g = fa.grade_outcome("ORR", res, rows, ap, fa.GradeInputs(thresholds={"ORR": 0.20}))
    assert g.start == 2 and g.k == 11 and g.n == 349
    assert g.domain("risk of bias").rating == "serious"  # most weight is from high-risk studies
    assert g.domain("inconsistency").rating == ("serious" if res.pi.low < 0.2 < res.pi.high else "not serious")
    sof = fa.sof_table([g], {"ORR": res})
    assert list(sof.columns) == ["Outcome", "Pooled estimate with apatinib (CI)", "Participants (studies)",
                                 "Certainty", "Importance"]
    assert sof["Participants (studies)"].iloc[0] == "349 (11 studies)"
    notes, marks = fa.footnotes([g])
    assert marks[("ORR", "risk of bias")] == "a" and notes[0].startswith("a. ORR, risk of bias: serious")
    prof = fa.profile_table([g], {"ORR": res})
    assert prof["Risk of bias"].iloc[0] == "serious (a)"


def test_indirectness_from_the_question():
    rows = _rows().assign(regimen=["monotherapy"] * 10 + ["combination"],
                          histology_group=["osteosarcoma"] * 11)
    r = fa.indirectness_reasons(rows, fa.GradeInputs(regimen="monotherapy", histology=("osteosarcoma",)))
    assert r == ("question is monotherapy; pooled studies include combination regimens",)


def test_minors_distribution_of_shipped_data_and_sentence():
    from evidence.appraisal import load_appraisals

    d = fa.minors_distribution(load_appraisals())
    assert len(d.totals) == len(load_appraisals().items)
    assert sum(d.counts.values()) == len(d.totals) and sum(d.bands.values()) == len(d.totals)
    assert "Long 2021 reported 10.48 ± 1.75 (range 7–13)" in d.sentence()


def test_reviewer_agreement_per_item_and_kappa():
    from synthesis.interrater import agreement

    rows = _rows()
    ap = _appraisals(rows.study_id[:4], ["High", "High", "Some concerns", "Low"], [5, 6, 8, 14])
    firsts = [a.minors_scores for a in ap.items]
    seconds = [dict(f) for f in firsts]
    seconds[0]["D1"] = (seconds[0]["D1"] + 1) % 3  # one disagreement on D1
    items = tuple(
        a.model_copy(update={"second": {"reviewer": "second reviewer (test)", "date": "2026-12-06",
                                        "minors": s, "jbi": {"Q1": "Yes"}}})
        for a, s in zip(ap.items, seconds, strict=True))
    from evidence.appraisal import SecondReview
    items = tuple(a.model_copy(update={"second": SecondReview.model_validate(a.second)}) for a in items)
    tab = fa.reviewer_agreement(Appraisals("t", items))
    d1 = tab[(tab.Tool == "MINORS") & (tab.Item == "D1")].iloc[0]
    assert d1["Pairs"] == 4 and d1["Agreement"] == "75%"
    allm = tab[(tab.Tool == "MINORS") & (tab.Item == "all items")].iloc[0]
    assert allm["Pairs"] == 32 and allm["Agreement"] == "97%"
    k = agreement([v for f in firsts for v in f.values()], [v for s in seconds for v in s.values()],
                  categories=(0, 1, 2))
    assert allm["Cohen's κ (95% CI)"].startswith(f"{k.kappa:.2f}")
    jbi = tab[(tab.Tool == "JBI") & (tab.Item == "Q1")].iloc[0]
    assert jbi["Pairs"] == 4 and jbi["Agreement"] == "0%"  # first reviewer said Unclear
    assert fa.reviewer_agreement(ap).empty
