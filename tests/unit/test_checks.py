"""evidence.checks: every dossier example of every check, both ways (consistent / inconsistent)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from evidence import Flag, Study, candidate_fractions, percent_fits, rounded_percent, run_checks
from evidence.checks import (
    check_candidate_denominators,
    check_citation_completeness,
    check_interval_consistency,
    check_median_vs_follow_up,
    check_median_vs_milestone,
    check_milestone_method,
    check_orr_composition,
    check_overlap_groups,
    check_percent_consistency,
    check_pooling_tags,
    check_response_arithmetic,
    check_secondary_disagreement,
    check_timepoint_consistency,
)
from evidence.models import OverlapGroup

# --------------------------------------------------------------------------- helpers


def n(v: float, **kw: Any) -> dict[str, Any]:
    return {"v": v, "src": "t", "at": "test", **kw}


def pct(v: float, printed: str) -> dict[str, Any]:
    return n(v, printed=printed)


BASE: dict[str, Any] = {
    "id": "T1",
    "label": "Test 2020",
    "record_kind": "study",
    "citation": {"authors": "A B", "title": "T", "year": 2020},
    "sources": ["t"],
    "design": {"design": "retrospective", "report_type": "journal_article"},
    "population": {"description": "x", "histology": "osteosarcoma", "histology_group": "osteosarcoma",
                   "sarcoma_only": True},
    "regimen": {"kind": "monotherapy"},
}


def study(**parts: Any) -> Study:
    d = copy.deepcopy(BASE)
    for key, value in parts.items():
        d[key] = value
    return Study.model_validate(d)


def rate(endpoint: str, k: int | None, total: int | None, percent: float | None, printed: str | None = None,
         **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"endpoint": endpoint, **kw}
    if k is not None:
        r["events"] = n(k)
    if total is not None:
        r["total"] = n(total)
    if percent is not None:
        r["percent"] = pct(percent, printed or f"{percent}%")
    return r


def kinds(flags: list[Flag]) -> list[str]:
    return [f.kind for f in flags]


# --------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(("percent", "decimals", "n_max", "rounding", "expected"), [
    (24.3, 1, 60, "half-up", [(9, 37)]),
    (24.3, 1, 100, "half-up", [(9, 37), (17, 70), (18, 74)]),
    (13.95, 2, 100, "half-up", [(6, 43), (12, 86)]),
    (81.39, 2, 200, "half-up", []),
    (81.39, 2, 100, "truncate", [(35, 43), (70, 86)]),
    (15.25, 2, 100, "half-up", [(9, 59)]),
    (57.63, 2, 100, "half-up", [(34, 59)]),
    (75, 0, 31, "half-up", [(3, 4), (6, 8), (9, 12), (12, 16), (15, 20), (18, 24), (21, 28)]),
    (33.3, 1, 31, "half-up", [(1, 3), (2, 6), (3, 9), (4, 12), (5, 15), (6, 18), (7, 21), (8, 24), (9, 27), (10, 30)]),
])
def test_candidate_fractions_dossier_tables(percent: float, decimals: int, n_max: int, rounding: str,
                                            expected: list[tuple[int, int]]) -> None:
    assert candidate_fractions(percent, decimals, n_max, rounding) == expected  # type: ignore[arg-type]


def test_claim_a_shared_denominators_are_12_and_24() -> None:
    orr = {n for _, n in candidate_fractions(33.3, 1, 31)}
    dcr = {n for _, n in candidate_fractions(75, 0, 31)}
    assert sorted(orr & dcr) == [12, 24]
    assert 31 not in orr and 31 not in dcr


def test_candidate_fractions_validation() -> None:
    with pytest.raises(ValueError, match="decimals"):
        candidate_fractions(10, -1, 10)
    with pytest.raises(ValueError, match="n_max"):
        candidate_fractions(10, 1, 0)
    with pytest.raises(ValueError, match="rounding"):
        candidate_fractions(10, 1, 10, "banker")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="percent"):
        candidate_fractions(101, 1, 10)


def test_candidate_fractions_agree_with_brute_force() -> None:
    from decimal import ROUND_HALF_UP, Decimal

    for p in ("18.2", "60.0", "3.1", "39.3", "0.0", "100.0"):
        brute = [(k, m) for m in range(1, 61) for k in range(m + 1)
                 if (Decimal(100 * k) / Decimal(m)).quantize(Decimal("0.1"), ROUND_HALF_UP) == Decimal(p)]
        assert candidate_fractions(p, 1, 60) == brute


def test_rounded_percent_and_fits() -> None:
    assert str(rounded_percent(20, 33, 1)) == "60.6"
    assert str(rounded_percent(1, 16, 1)) == "6.3"          # 6.25 rounds half-up
    assert str(rounded_percent(3, 16, 1, "truncate")) == "18.7"
    assert percent_fits(1, 16, 6.3, 1) and not percent_fits(1, 16, 6.3, 1, "truncate")
    assert percent_fits(3, 16, 18.7, 1, "truncate") and not percent_fits(3, 16, 18.7, 1)


# --------------------------------------------------------------------------- percent_consistency


def test_s8_composition_percentages_flagged_and_consistent_ones_not() -> None:
    s = study(
        n={"evaluable_efficacy": n(33)},
        population={**BASE["population"], "histology": "chondrosarcoma", "histology_group": "chondrosarcoma",
                    "composition": [
                        {"subtype": "conventional", "n": n(20, pct="60.0%")},
                        {"subtype": "dedifferentiated", "n": n(5, pct="15.2%")},
                        {"subtype": "clear cell", "n": n(1, pct="3.1%")},
                    ]},
    )
    flags = check_percent_consistency([s])
    bad = {f.field.split(" › ")[-1]: f for f in flags}
    assert set(bad) == {"conventional", "clear cell"}
    assert "60.6" in bad["conventional"].message and bad["conventional"].severity == "error"
    assert "3.0" in bad["clear cell"].message


def test_s8_toxicity_11_of_33_is_not_39_3_percent() -> None:
    s = study(outcomes={"toxicity": [{"event": "grade>=3", "count": n(11), "total": n(33),
                                      "percent": pct(39.3, "39.3%")}]})
    (f,) = check_percent_consistency([s])
    assert f.kind == "percent_mismatch" and "33.3" in f.message and "11/28" in f.message
    ok = study(outcomes={"toxicity": [{"event": "grade>=3", "count": n(11), "total": n(33),
                                       "percent": pct(33.3, "33.3%")}]})
    assert check_percent_consistency([ok]) == []


def test_s3_truncation_vs_half_up_is_inconsistent_rounding() -> None:
    tox = [{"event": "hypertension", "count": n(3), "total": n(16), "percent": pct(18.7, "18.7%")},
           {"event": "proteinuria", "count": n(1), "total": n(16), "percent": pct(6.3, "6.3%")}]
    flags = check_percent_consistency([study(outcomes={"toxicity": tox})])
    assert sorted(kinds(flags)) == ["inconsistent_rounding", "percent_truncated"]
    trunc = next(f for f in flags if f.kind == "percent_truncated")
    assert "only truncation fits" in trunc.message and "18.8" in trunc.message
    # consistently half-up: no flag
    tox[0]["percent"] = pct(18.8, "18.8%")
    assert check_percent_consistency([study(outcomes={"toxicity": tox})]) == []


def test_s13_cr_1_of_54_printed_1_8() -> None:
    resp = [{"cr": n(1, pct="1.8%"), "pr": n(10, pct="18.5%"), "total": n(54)}]
    flags = check_percent_consistency([study(outcomes={"responses": resp})])
    assert "percent_truncated" in kinds(flags)
    assert any("1.9" in f.message for f in flags)
    resp[0]["cr"] = n(1, pct="1.9%")
    assert check_percent_consistency([study(outcomes={"responses": resp})]) == []


def test_claim_c_81_39_is_truncation_of_35_43() -> None:
    r = [rate("DCR", 35, 43, 81.39, "81.39%", timepoint="interim")]
    (f,) = check_percent_consistency([study(outcomes={"rates": r})])
    assert f.kind == "percent_truncated" and "81.40" in f.message
    r = [rate("ORR", 6, 43, 13.95, "13.95%", timepoint="interim")]
    assert check_percent_consistency([study(outcomes={"rates": r})]) == []


def test_printed_decimals_matter() -> None:
    # "60.0%" (1 decimal) does not fit 20/33, but "61%" would (60.6 -> 61)
    s = study(outcomes={"rates": [rate("ORR", 20, 33, 61, "61%")]})
    assert check_percent_consistency([s]) == []
    s = study(outcomes={"rates": [rate("ORR", 20, 33, 60.0, "60.0%")]})
    assert kinds(check_percent_consistency([s])) == ["percent_mismatch"]


# --------------------------------------------------------------------------- candidate denominators


def test_claim_a_candidates_and_not_achievable_with_31() -> None:
    s = study(n={"enrolled": n(31)},
              outcomes={"rates": [rate("ORR", None, None, 33.3, "33.3%"), rate("DCR", None, None, 75, "75%")]})
    flags = check_candidate_denominators([s])
    shared = next(f for f in flags if f.kind == "shared_denominators")
    assert shared.message.endswith(": 12, 24.")
    per = [f for f in flags if f.kind == "candidate_denominators"]
    assert len(per) == 2 and all("not achievable with N = 31" in f.message for f in per)
    assert "4/12" in per[0].message and "8/24" in per[0].message


def test_claim_d_24_3_gives_9_of_37() -> None:
    s = study(outcomes={"rates": [rate("ORR", None, None, 24.3, "24.3%")]})
    (f,) = check_candidate_denominators([s])
    assert "N ≤ 60: 9/37;" in f.message and "17/70, 18/74" in f.message


def test_candidates_not_listed_when_counts_reported() -> None:
    s = study(outcomes={"rates": [rate("ORR", 9, 37, 24.3, "24.3%")]})
    assert check_candidate_denominators([s]) == []


# --------------------------------------------------------------------------- responses


def test_response_categories_exceeding_denominator() -> None:
    bad = study(outcomes={"responses": [{"pr": n(5), "sd": n(4), "pd": n(3), "total": n(10)}]})
    assert kinds(check_response_arithmetic([bad])) == ["response_sum"]
    good = study(outcomes={"responses": [{"cr": n(0), "pr": n(2), "sd": n(6), "pd": n(2), "total": n(10)}]})
    assert check_response_arithmetic([good]) == []


def test_orr_and_dcr_must_match_categories() -> None:
    resp = [{"cr": n(1), "pr": n(10), "sd": n(34), "total": n(54)}]
    good = study(outcomes={"responses": resp, "rates": [rate("ORR", 11, 54, 20.4, "20.4%"),
                                                        rate("DCR", 45, 54, 83.3, "83.3%")]})
    assert check_response_arithmetic([good]) == []
    bad = study(outcomes={"responses": resp, "rates": [rate("ORR", 12, 54, 22.2, "22.2%"),
                                                       rate("DCR", 44, 54, 81.5, "81.5%")]})
    flags = check_response_arithmetic([bad])
    assert len(flags) == 2 and all(f.severity == "error" for f in flags)
    assert "CR + PR = 1 + 10 = 11" in flags[0].message


def test_orr_pr_only_s1() -> None:
    resp = [{"pr": n(35), "sd": n(11), "total": n(56)}]
    s = study(outcomes={"responses": resp, "rates": [rate("ORR", 35, 56, 62.5, "62.5%")]})
    (f,) = check_orr_composition([s])
    assert f.kind == "orr_pr_only"
    resp_cr = [{"cr": n(0), "pr": n(35), "sd": n(11), "total": n(56)}]
    s = study(outcomes={"responses": resp_cr, "rates": [rate("ORR", 35, 56, 62.5, "62.5%")]})
    assert check_orr_composition([s]) == []


# --------------------------------------------------------------------------- survival


def _milestone(endpoint: str, t: float, r: float, method: str = "Kaplan–Meier", unit: str = "months") -> dict:
    return {"endpoint": endpoint, "time": n(t), "unit": unit, "rate": n(r, printed=f"{r}%"), "method": method}


def test_claim_b_median_incompatible_with_s1_milestones() -> None:
    s1 = study(id="S1", outcomes={"milestones": [_milestone("PFS", 4, 46.3), _milestone("PFS", 6, 36.5)]})
    cb = study(id="C-b", record_kind="secondary_report", secondary_of="S1",
               outcomes={"medians": [{"endpoint": "PFS", "estimate": n(6.6)}]})
    flags = check_median_vs_milestone([s1, cb], by_id={"S1": s1, "C-b": cb})
    assert {f.study_id for f in flags} == {"C-b"}
    assert any("≤ 4 months" in f.message for f in flags)
    assert all(f.severity == "error" for f in flags)
    ok = study(id="C-b", record_kind="secondary_report", secondary_of="S1",
               outcomes={"medians": [{"endpoint": "PFS", "estimate": n(3.9)}]})
    assert check_median_vs_milestone([s1, ok], by_id={"S1": s1, "C-b": ok}) == []


def test_median_vs_milestone_above_50_percent_and_not_reached() -> None:
    s = study(outcomes={"medians": [{"endpoint": "PFS", "estimate": n(3.0)}],
                        "milestones": [_milestone("PFS", 4, 56.76, "not stated")]})
    (f,) = check_median_vs_milestone([s], by_id={})
    assert "≥ 4" in f.message and f.severity == "warning"
    s = study(outcomes={"medians": [{"endpoint": "OS", "not_reached": True}],
                        "milestones": [_milestone("OS", 24, 100)]})
    assert check_median_vs_milestone([s], by_id={}) == []
    s = study(outcomes={"medians": [{"endpoint": "OS", "not_reached": True}],
                        "milestones": [_milestone("OS", 24, 40)]})
    assert len(check_median_vs_milestone([s], by_id={})) == 1
    # crude proportions do not bound a Kaplan–Meier median
    s = study(outcomes={"medians": [{"endpoint": "PFS", "estimate": n(9.0)}],
                        "milestones": [_milestone("PFS", 6, 30.23, "crude")]})
    assert check_median_vs_milestone([s], by_id={}) == []


def test_median_beyond_follow_up() -> None:
    s = study(outcomes={"medians": [{"endpoint": "PFS", "estimate": n(24.3), "subgroup": "ASPS"}],
                        "follow_up": {"median": n(8.6)}})
    (f,) = check_median_vs_follow_up([s])
    assert f.severity == "info" and "8.6" in f.message
    s = study(outcomes={"medians": [{"endpoint": "PFS", "estimate": n(20)}],
                        "follow_up": {"median": n(6), "interval": {"low": 0.7, "high": 18.0, "kind": "range",
                                                                    "source": "t"}}})
    (f,) = check_median_vs_follow_up([s])
    assert f.severity == "warning" and "18" in f.message
    s = study(outcomes={"medians": [{"endpoint": "PFS", "estimate": n(5)}], "follow_up": {"median": n(6)}})
    assert check_median_vs_follow_up([s]) == []


def test_interval_checks() -> None:
    def med(est: float, lo: float, hi: float) -> Study:
        return study(outcomes={"medians": [{"endpoint": "OS", "estimate": n(est),
                                            "ci": {"low": lo, "high": hi, "kind": "95% CI", "source": "t"}}]})
    assert check_interval_consistency([med(9.9, 7.6, 12.2)]) == []
    assert kinds(check_interval_consistency([med(13.0, 7.6, 12.2)])) == ["interval_excludes_estimate"]
    assert kinds(check_interval_consistency([med(9.9, 12.2, 7.6)])) == ["interval_order"]
    # open upper bound (NE)
    s = study(outcomes={"medians": [{"endpoint": "PFS", "estimate": n(18.53),
                                     "ci": {"low": 12.23, "high": None, "kind": "95% CI", "source": "t"}}]})
    assert check_interval_consistency([s]) == []


# --------------------------------------------------------------------------- secondary reports


def _s1() -> Study:
    return study(
        id="S1",
        population={**BASE["population"], "histology": "mixed", "histology_group": "mixed",
                    "composition": [{"subtype": "osteosarcoma", "n": n(22)}, {"subtype": "Ewing sarcoma", "n": n(10)},
                                    {"subtype": "chondrosarcoma", "n": n(3)},
                                    {"subtype": "soft-tissue sarcoma", "n": n(21)}]},
        regimen={"kind": "mixed"}, n={"enrolled": n(56)},
        outcomes={"rates": [rate("ORR", 35, 56, 62.5, "62.5%")],
                  "medians": [{"endpoint": "OS", "estimate": n(9.9)}]},
    )


def test_claim_b_vs_s1() -> None:
    s1 = _s1()
    cb = study(id="C-b", record_kind="secondary_report", secondary_of="S1",
               population={**BASE["population"], "histology": "osteosarcoma and soft tissue sarcoma",
                           "histology_group": "mixed"},
               regimen={"kind": "mixed", "monotherapy_n": n(44)}, n={"enrolled": n(56)},
               outcomes={"rates": [rate("ORR", None, None, 62.5, "62.5%")],
                         "medians": [{"endpoint": "PFS", "estimate": n(6.6)}, {"endpoint": "OS", "estimate": n(9.9)}]})
    flags = check_secondary_disagreement([s1, cb], by_id={"S1": s1, "C-b": cb})
    text = " | ".join(f.message for f in flags)
    assert "44" in text and "Ewing sarcoma (10)" in text and "median PFS 6.6" in text
    assert "OS" not in text and "62.5" not in text  # agreeing figures are not flagged
    faithful = study(id="C-b", record_kind="secondary_report", secondary_of="S1",
                     population=s1.population.model_dump(), regimen={"kind": "mixed"}, n={"enrolled": n(56)},
                     outcomes={"rates": [rate("ORR", None, None, 62.5, "62.5%")],
                               "medians": [{"endpoint": "OS", "estimate": n(9.9)}]})
    assert check_secondary_disagreement([s1, faithful], by_id={"S1": s1, "C-b": faithful}) == []


def test_claim_c_interim_vs_s2_week12_and_population() -> None:
    s2 = study(id="S2", population={**BASE["population"], "histology": "stage IV sarcoma", "histology_group": "mixed"},
               outcomes={"rates": [rate("ORR", 10, 59, 16.95, "16.95%", timepoint="week_12"),
                                   rate("ORR", 9, 59, 15.25, "15.25%", timepoint="final")]})
    cc = study(id="C-c", record_kind="secondary_report", secondary_of="S2",
               outcomes={"rates": [rate("ORR", None, None, 13.95, "13.95%", timepoint="interim"),
                                   rate("ORR", None, None, 15.25, "15.25%", timepoint="final")]})
    flags = check_secondary_disagreement([s2, cc], by_id={"S2": s2, "C-c": cc})
    fields = sorted(f.field for f in flags)
    assert fields == ["outcomes › rates › ORR (interim)", "population › histology_group"]
    assert "16.95%" in flags[-1].message or "16.95%" in flags[0].message


def test_claim_d_seven_asps_responders_vs_seven_included() -> None:
    s16 = study(id="S16", population={**BASE["population"], "histology": "mixed", "histology_group": "mixed",
                                      "composition": [{"subtype": "ASPS", "n": n(7)}]},
                outcomes={"rates": [rate("ORR", 9, 37, 24.3, "24.3%")]})
    cd = study(id="C-d", record_kind="secondary_report", secondary_of="S16",
               population={**BASE["population"], "histology": "advanced sarcoma", "histology_group": "mixed"},
               outcomes={"rates": [rate("ORR", None, None, 24.3, "24.3%"),
                                   {"endpoint": "ORR", "subgroup": "ASPS", "events": n(7, printed="seven")}]})
    (f,) = check_secondary_disagreement([s16, cd], by_id={"S16": s16, "C-d": cd})
    assert "included, not a responder count" in f.message
    cd_ok = study(id="C-d", record_kind="secondary_report", secondary_of="S16",
                  population={**BASE["population"], "histology": "advanced sarcoma", "histology_group": "mixed"},
                  outcomes={"rates": [rate("ORR", None, None, 24.3, "24.3%")]})
    assert check_secondary_disagreement([s16, cd_ok], by_id={"S16": s16, "C-d": cd_ok}) == []


def test_claim_e_doxorubicin_vs_pirarubicin() -> None:
    r1 = study(id="R1", record_kind="planned", regimen={"kind": "combination", "partners": ["pirarubicin", "ifosfamide"]})
    ce = study(id="C-e", record_kind="planned", secondary_of="R1",
               regimen={"kind": "combination", "partners": ["doxorubicin", "ifosfamide"]})
    (f,) = check_secondary_disagreement([r1, ce], by_id={"R1": r1, "C-e": ce})
    assert "doxorubicin, pirarubicin" in f.message
    same = study(id="C-e", record_kind="planned", secondary_of="R1",
                 regimen={"kind": "combination", "partners": ["Pirarubicin", "ifosfamide"]})
    assert check_secondary_disagreement([r1, same], by_id={"R1": r1, "C-e": same}) == []


# --------------------------------------------------------------------------- cohort level


def test_overlap_group_flags_each_member() -> None:
    a, b = study(id="S9", overlap_group="G"), study(id="S9a", overlap_group="G")
    g = OverlapGroup(id="G", label="WCH", members=("S9", "S9a"), pooled_by_default=("S9",), reason="r",
                     dossier_flag=10)
    flags = check_overlap_groups([a, b], groups=[g], by_id={"S9": a, "S9a": b})
    assert {(f.study_id, f.severity, f.dossier_flag) for f in flags} == {("S9", "info", 10), ("S9a", "warning", 10)}
    lone = study(id="S9", overlap_group="nowhere")
    assert kinds(check_overlap_groups([lone], groups=[], by_id={"S9": lone})) == ["overlap_group_mismatch"]
    assert check_overlap_groups([study(id="X")], groups=[], by_id={}) == []


def test_milestone_method_crude_vs_km_and_pfr_vs_dcr() -> None:
    s7 = study(outcomes={"milestones": [_milestone("PFS", 6, 30.23, "crude"), _milestone("PFS", 6, 50.9)]})
    assert kinds(check_milestone_method([s7])) == ["milestone_methods_differ"]
    s2 = study(outcomes={"milestones": [_milestone("PFS", 12, 74, "not stated", "weeks")],
                         "rates": [rate("DCR", 51, 59, 86.44, "86.44%", timepoint="week_12")]})
    assert kinds(check_milestone_method([s2])) == ["milestone_vs_dcr"]
    same = study(outcomes={"milestones": [_milestone("PFS", 12, 86.44, "not stated", "weeks")],
                           "rates": [rate("DCR", 51, 59, 86.44, "86.44%", timepoint="week_12")]})
    assert kinds(check_milestone_method([same])) == ["milestone_method_unknown"]
    km = study(outcomes={"milestones": [_milestone("PFS", 4, 46.3)]})
    assert check_milestone_method([km]) == []


def test_s4_responses_lost_between_timepoints() -> None:
    s4 = study(outcomes={"rates": [rate("ORR", 2, 33, 6.06, "6.06%", timepoint="week_12"),
                                   rate("ORR", 0, 33, 0, "0", timepoint="final")]})
    (f,) = check_timepoint_consistency([s4])
    assert f.severity == "warning" and "2/33" in f.message and "0/33" in f.message
    grows = study(outcomes={"rates": [rate("ORR", 6, 43, 13.95, "13.95%", timepoint="interim"),
                                      rate("ORR", 9, 59, 15.25, "15.25%", timepoint="final")]})
    assert check_timepoint_consistency([grows]) == []


def test_pooling_tags() -> None:
    s14 = study(population={**BASE["population"], "histology": "paediatric solid tumours", "histology_group": "mixed",
                            "sarcoma_only": False}, regimen={"kind": "mixed"})
    assert sorted(kinds(check_pooling_tags([s14]))) == ["not_sarcoma_only", "regimen_not_monotherapy"]
    assert check_pooling_tags([study()]) == []


def test_citation_completeness_s15() -> None:
    s15 = study(citation={"journal": "CMA record", "year_note": "labelled 2022"})
    (f,) = check_citation_completeness([s15])
    assert "year" in f.message and f.severity == "warning"
    assert check_citation_completeness([study()]) == []


def test_recorded_flags_link_dossier_numbers_and_unconfirmed_ones_are_reported() -> None:
    flag = {"dossier_flag": 5, "kind": "arith", "field": "x", "message": "m", "check": "percent_consistency"}
    bad = study(outcomes={"rates": [rate("ORR", 20, 33, 60.0, "60.0%")]}, flags=[flag])
    flags = run_checks([bad])
    computed = [f for f in flags if f.check == "percent_consistency"]
    assert computed and all(f.dossier_flag == 5 for f in computed)
    assert not [f for f in flags if f.check == "flag_confirmation"]
    fine = study(outcomes={"rates": [rate("ORR", 20, 33, 60.6, "60.6%")]}, flags=[flag])
    unconfirmed = [f for f in run_checks([fine]) if f.check == "flag_confirmation"]
    assert len(unconfirmed) == 1 and unconfirmed[0].dossier_flag == 5
