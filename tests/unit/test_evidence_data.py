"""The shipped data file: loads cleanly, every number traceable, dossier figures and flags present."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from evidence import EvidenceBase, Interval, Num, Study, load_studies


@pytest.fixture(scope="module")
def base() -> EvidenceBase:
    return load_studies()


def _walk(obj: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, BaseModel):
        yield path, obj
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, tuple):
        for i, x in enumerate(obj):
            yield from _walk(x, f"{path}[{i}]")


def test_default_file_loads_with_zero_problems(base: EvidenceBase) -> None:
    assert base.problems == (), [str(p) for p in base.problems]
    assert not [f for f in base.flags if f.check in ("flag_confirmation", "check_failed")]


def test_expected_records(base: EvidenceBase) -> None:
    studies = {f"S{i}" for i in range(1, 17)} | {"S9a", "S9b", "S9c", "S11a"}
    claims = {"C-a", "C-b", "C-c", "C-d", "C-e"}
    assert studies | claims | {"M1", "M2", "M3", "R1"} <= set(base.ids)
    kinds = {s.id: s.record_kind for s in base.studies}
    # C-a was traced to N5 (JCO e22502) in the December 2026 update
    assert {kinds[c] for c in ("C-a", "C-b", "C-c", "C-d")} == {"secondary_report"}
    assert kinds["C-e"] == kinds["R1"] == "planned"
    assert {kinds[m] for m in ("M1", "M2", "M3")} == {"external_meta_analysis"}
    links = {s.id: s.secondary_of for s in base.studies}
    assert (links["C-a"], links["C-b"], links["C-c"], links["C-d"], links["C-e"]) == ("N5", "S1", "S2", "S16", "R1")
    assert (links["S9a"], links["S9b"]) == ("S9", "S9")


def test_every_number_has_provenance(base: EvidenceBase) -> None:
    source_ids = {s.id for s in base.sources}
    count = 0
    for s in base.studies:
        for path, obj in _walk(s):
            if isinstance(obj, (Num, Interval)):
                count += 1
                assert obj.source in source_ids, f"{s.id}{path}: unknown source {obj.source!r}"
                assert obj.location, f"{s.id}{path}: no location"
                if obj.status != "reported":
                    assert obj.derivation and len(obj.derivation) > 5, f"{s.id}{path}: no derivation"
    assert count > 400


def test_no_bare_numbers_in_yaml_text() -> None:
    """Every numeric scalar in studies: sits under a provenance key (v / low / high / year ...)."""
    import yaml

    from evidence.loader import DEFAULT_PATH

    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    allowed_keys = {"v", "value", "low", "high", "year", "dossier_flag", "schema_version"}

    def walk(node: Any, key: str | None, where: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, key, f"{where}[{i}]")
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            assert key in allowed_keys, f"bare number {node!r} at {where}"

    walk(raw, None, "")


def test_s3_results_are_unverified_but_its_n_is_not(base: EvidenceBase) -> None:
    s3 = base.study("S3")
    nums = [obj for _, obj in _walk(s3.outcomes) if isinstance(obj, Num)]
    assert nums and all(x.unverified for x in nums)
    assert s3.n.evaluable_efficacy is not None and s3.n.evaluable_efficacy.unverified
    assert s3.n.enrolled is not None and not s3.n.enrolled.unverified
    fu = s3.outcomes.follow_up
    assert fu is not None and fu.interval is not None and fu.interval.unverified
    assert s3.regimen is not None and s3.regimen.dose_mg is not None and not s3.regimen.dose_mg.unverified


def _rate(s: Study, endpoint: str, timepoint: str = "best_overall", subgroup: str | None = None):
    (r,) = [r for r in s.outcomes.rates
            if r.endpoint == endpoint and r.timepoint == timepoint and r.subgroup == subgroup]
    return r


@pytest.mark.parametrize(("sid", "endpoint", "timepoint", "events", "total", "printed"), [
    ("S1", "ORR", "best_overall", 35, 56, "62.5%"),
    ("S1", "DCR", "best_overall", 46, 56, "82.1%"),
    ("S2", "ORR", "week_12", 10, 59, "16.95%"),
    ("S2", "ORR", "final", 9, 59, "15.25%"),
    ("S2", "DCR", "week_12", 51, 59, "86.44%"),
    ("S2", "DCR", "final", 34, 59, "57.63%"),
    ("S3", "ORR", "best_overall", 2, 10, "20.0%"),
    ("S4", "ORR", "week_12", 2, 33, "6.06%"),
    ("S4", "DCR", "week_12", 26, 33, "78.79%"),
    ("S4", "DCR", "final", 6, 33, "18.18%"),
    ("S5", "ORR", "best_overall", 16, 37, "43.24%"),
    ("S6", "ORR", "best_overall", 7, 27, "25.93%"),
    ("S6", "DCR", "best_overall", 18, 27, "66.67%"),
    ("S7", "ORR", "best_overall", 9, 43, "20.9%"),
    ("S8", "ORR", "best_overall", 6, 33, "18.2%"),
    ("S10", "ORR", "best_overall", 9, 21, "42.9%"),
    ("S10", "DCR", "best_overall", 17, 21, "81.0%"),
    ("S12", "ORR", "best_overall", 9, 26, "34.62%"),
    ("S12", "DCR", "best_overall", 22, 26, "84.62%"),
    ("S13", "ORR", "best_overall", 11, 54, "20.4%"),
    ("S13", "DCR", "best_overall", 45, 54, "83.3%"),
    ("S14", "ORR", "best_overall", 13, 49, "26.5%"),
    ("S14", "DCR", "best_overall", 39, 49, "79.6%"),
    ("S15", "ORR", "best_overall", 8, 30, "26.7%"),
    ("S15", "DCR", "best_overall", 27, 30, "90.0%"),
    ("S16", "ORR", "best_overall", 9, 37, "24.3%"),
    ("S16", "DCR", "best_overall", 30, 37, "81.1%"),
    ("S11a", "ORR", "best_overall", 3, 6, "50%"),
    ("C-c", "ORR", "interim", 6, 43, "13.95%"),
    ("C-c", "DCR", "interim", 35, 43, "81.39%"),
])
def test_dossier_rates(base: EvidenceBase, sid: str, endpoint: str, timepoint: str, events: int, total: int,
                       printed: str) -> None:
    r = _rate(base.study(sid), endpoint, timepoint)
    assert (r.events.value, r.total.value) == (events, total)
    assert r.percent.as_printed == printed


@pytest.mark.parametrize(("sid", "field", "status"), [
    ("S1", "DCR", "derived"), ("S16", "ORR", "derived"), ("S6", "ORR", "inferred"), ("S14", "DCR", "inferred"),
    ("C-d", "ORR", "inferred"), ("S13", "ORR", "reported"),
])
def test_status_of_event_counts(base: EvidenceBase, sid: str, field: str, status: str) -> None:
    assert _rate(base.study(sid), field).events.status == status


def test_seed_numbers_as_printed(base: EvidenceBase) -> None:
    ca = base.study("C-a")
    assert [r.percent.as_printed for r in ca.outcomes.rates] == ["33.3%", "75%"]
    assert all(r.events is None and r.total is None for r in ca.outcomes.rates)
    assert ca.n.enrolled.value == 31
    assert sum(lc.n.value for lc in ca.population.line_counts) == 31
    cb = base.study("C-b")
    assert cb.regimen.monotherapy_n.value == 44
    assert {m.endpoint: m.estimate.value for m in cb.outcomes.medians} == {"PFS": 6.6, "OS": 9.9}
    cd = base.study("C-d")
    asps = _rate(cd, "ORR", subgroup="ASPS")
    assert asps.events.value == 7 and asps.total is None
    ce = base.study("C-e")
    assert ce.regimen.partners == ("doxorubicin", "ifosfamide")
    assert base.study("R1").regimen.partners == ("pirarubicin", "ifosfamide")


def test_meta_analyses_keep_pooled_estimates_and_are_never_pooled(base: EvidenceBase) -> None:
    m2 = base.study("M2")
    est = {p.measure: (p.estimate.value, p.ci.low, p.ci.high) for p in m2.pooled_estimates}
    assert est["ORR"] == (0.27, 0.18, 0.38) and est["DCR"] == (0.57, 0.42, 0.72)
    assert est["median PFS"] == (5.18, 4.03, 6.33) and est["median OS"] == (10.87, 9.40, 12.33)
    df = base.outcomes_frame()
    assert not df["record_kind"].eq("external_meta_analysis").any()
    pe = base.pooled_estimates_frame()
    assert set(pe["study_id"]) == {"M2"} and len(pe) == 6


@pytest.mark.parametrize("number", range(1, 14))
def test_every_dossier_flag_appears_in_flags_frame(base: EvidenceBase, number: int) -> None:
    ff = base.flags_frame()
    assert (ff["dossier_flag"] == number).any(), f"dossier flag {number} missing"


@pytest.mark.parametrize(("number", "study_id", "check"), [
    (1, "C-b", "median_vs_milestone"),
    (2, "C-c", "secondary_disagreement"),
    (3, "C-d", "secondary_disagreement"),
    (4, "C-e", "secondary_disagreement"),
    (5, "S8", "percent_consistency"),
    (6, "S3", "percent_consistency"),
    (7, "S13", "percent_consistency"),
    (8, "S7", "milestone_method"),
    (8, "S2", "milestone_method"),
    (8, "S4", "milestone_method"),
    (9, "S4", "timepoint_consistency"),
    (10, "S9a", "overlap_groups"),
    (10, "S15", "overlap_groups"),
    (11, "S14", "pooling_tags"),
    (12, "S1", "orr_composition"),
    (13, "S15", "citation_completeness"),
])
def test_dossier_flags_are_raised_by_checks_not_only_recorded(base: EvidenceBase, number: int, study_id: str,
                                                              check: str) -> None:
    ff = base.flags_frame()
    hit = ff[(ff["dossier_flag"] == number) & (ff["study_id"] == study_id) & (ff["check"] == check)]
    assert len(hit) >= 1


def test_s8_flags_name_all_three_errors(base: EvidenceBase) -> None:
    msgs = [f.message for f in base.flags_for("S8") if f.check == "percent_consistency"]
    assert any("60.0%" in m and "20/33" in m for m in msgs)
    assert any("3.1%" in m and "1/33" in m for m in msgs)
    assert any("39.3%" in m and "11/28" in m for m in msgs)


def test_overlap_groups_from_dossier_flag_10(base: EvidenceBase) -> None:
    groups = {g.id: set(g.members) for g in base.overlap_groups}
    assert groups["WCH-ASPS"] == {"S9", "S9a", "S9b", "S9c"}
    assert groups["WCH-Ewing"] == {"S11", "S11a"}
    assert {"S2", "S3", "S4", "R1"} <= groups["Tianjin"]
    assert groups["PKU"] == {"S1", "S5", "S8", "N1"}  # N1 added December 2026
    assert groups["Union-Wuhan"] == {"S13", "S15"}
    for g in base.overlap_groups:
        for m in g.members:
            assert base.study(m).overlap_group == g.id


def test_s13_and_thesis_are_one_study(base: EvidenceBase) -> None:
    s13 = base.study("S13")
    assert set(s13.sources) == {"S13-wnwk", "S13-thesis"}
    assert sum(1 for s in base.studies if "S13-thesis" in s.sources) == 1
