"""The December 2026 update of the evidence base: new cohorts, exclusions as data, interval kinds.

The previous version of the data file is kept in ``data/versions/``; these tests compare the two.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from evidence import load_studies
from evidence.base import EvidenceBase
from evidence.loader import load_studies_from_text
from evidence.models import EXCLUSION_REASONS, Interval

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS = ROOT / "data" / "versions" / "studies-2026-11.yaml"


@pytest.fixture(scope="module")
def base() -> EvidenceBase:
    return load_studies()


@pytest.fixture(scope="module")
def previous() -> EvidenceBase:
    return load_studies(PREVIOUS)


def _intervals(base: EvidenceBase) -> list[tuple[str, Interval]]:
    out: list[tuple[str, Interval]] = []

    def walk(obj: object, path: str) -> None:
        if isinstance(obj, Interval):
            out.append((path, obj))
        elif isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                walk(getattr(obj, name), f"{path}.{name}")
        elif isinstance(obj, tuple):
            for i, x in enumerate(obj):
                walk(x, f"{path}[{i}]")

    for s in base.studies:
        walk(s, s.id)
    return out


def test_not_stated_intervals_before_and_after(base: EvidenceBase, previous: EvidenceBase) -> None:
    before = [p for p, iv in _intervals(previous) if iv.kind == "not stated"]
    after = [(p, iv) for p, iv in _intervals(base) if iv.kind == "not stated"]
    # recorded in README ("Interval kinds"): 29 of 43 intervals before, 5 of 52 after (S8's
    # follow-up quartiles were added when its abstract was re-read)
    assert (len(before), len(after)) == (29, 5)
    for path, iv in after:
        assert iv.note and "Re-read" in iv.note, f"{path}: a 'not stated' interval needs a re-read note"


def test_reread_intervals_keep_their_printed_text(base: EvidenceBase) -> None:
    s5 = base.study("S5")
    pfs = next(m for m in s5.outcomes.medians if m.endpoint == "PFS")
    assert pfs.ci is not None and pfs.ci.kind == "95% CI" and "95% CI" in (pfs.ci.as_printed or "")
    m2 = base.study("M2")
    assert {p.ci.kind for p in m2.pooled_estimates if p.ci} == {"95% CI"}
    s4_os = next(m for m in base.study("S4").outcomes.medians if m.endpoint == "OS")
    assert (s4_os.ci.kind, s4_os.ci.as_printed) == ("95% CI", "(95% CI: 10.85-24.37)")
    s8 = base.study("S8").outcomes
    s8_pfs = next(m for m in s8.medians if m.endpoint == "PFS")
    assert s8_pfs.ci.kind == "IQR" and "(Q1, Q3, 7.0, 21.2)" in s8_pfs.ci.as_printed
    fu = s8.follow_up.interval
    assert (fu.low, fu.high, fu.kind) == (14.6, 23.0, "IQR") and "Q1, Q3" in fu.as_printed
    for sid in ("S3", "S14"):  # labelled earlier, not seen again: the interval says so
        notes = [iv.note or "" for p, iv in _intervals(base) if p.startswith(sid + ".")]
        assert any("not seen again" in n for n in notes), sid


def test_new_cohorts_and_links(base: EvidenceBase) -> None:
    kinds = {s.id: s.record_kind for s in base.studies}
    assert {kinds[i] for i in ("N1", "N2", "N4", "N5", "N6")} == {"study"}
    assert kinds["N3"] == "secondary_report" and base.study("N3").secondary_of == "N2"
    assert base.study("C-a").secondary_of == "N5"
    groups = {g.id: g for g in base.overlap_groups}
    assert set(groups["WCH-osteosarcoma"].members) == {"N2", "N3"}
    assert groups["WCH-osteosarcoma"].reason
    assert {kinds[r] for r in ("R8", "R9", "R10")} == {"planned"}
    assert {base.study(r).citation.registration for r in ("R8", "R9", "R10")} == {
        "NCT04126993", "NCT04447274", "NCT03868852"}


def test_flags_the_audit_asked_for(base: EvidenceBase) -> None:
    msgs = {(f.study_id, f.kind): f.message for f in base.flags}
    assert "4.6" in msgs[("C-a", "secondary_disagreement")] and "4.3" in msgs[("C-a", "secondary_disagreement")]
    assert "48" in msgs[("N2", "denominator_mismatch")]
    assert ("N3", "percent_truncated") in msgs  # 20.5% printed for 7/34
    assert ("N2", "population_scope") in msgs


def test_unverified_and_out_of_scope_cohorts_stay_out_of_default_pooling(base: EvidenceBase) -> None:
    of = base.outcomes_frame()
    for sid in ("N1", "N2", "N3", "N4", "N5", "N6"):
        rows = of[of["study_id"] == sid]
        assert not rows.empty and not rows["pooled_by_default"].any(), sid
    n6 = base.study("N6")
    assert n6.population.histology_group == "chordoma" and not n6.population.sarcoma_only
    # RECIST and Choi responses are separate rows; RECIST is the headline
    orr = [r for r in n6.outcomes.rates if r.endpoint == "ORR"]
    assert [(r.definition, r.headline) for r in orr] == [("RECIST 1.1", True), ("Choi criteria", False)]


def test_every_audit_item_is_a_record(base: EvidenceBase) -> None:
    ids = set(base.ids) | {x.id for x in base.exclusions}
    audit = {"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N10", "N11", "N12",
             "M4", "M5", "R8", "R9", "R10", "X-S5ae", "X-cssg", "X-li2018"}
    assert audit <= ids
    cases = [x for x in base.exclusions if x.reason == "case report (n < 5)"]
    assert len(cases) == 7
    for x in base.exclusions:
        assert x.reason in EXCLUSION_REASONS and x.detail
        assert set(x.sources) <= {s.id for s in base.sources}


def test_exclusion_cannot_reuse_a_study_id() -> None:
    text = (ROOT / "data" / "studies.yaml").read_text(encoding="utf-8")
    text = text.replace("  - {id: N8, label:", "  - {id: S1, label:", 1)
    b = load_studies_from_text(text, "bad.yaml")
    assert any(p.study_id == "S1" and "both a study and an exclusion" in p.message for p in b.problems)
    assert "S1" not in {x.id for x in b.exclusions}


def test_bad_exclusion_reason_is_named() -> None:
    text = (ROOT / "data" / "studies.yaml").read_text(encoding="utf-8")
    text = text.replace('reason: "apatinib not confirmed"', 'reason: "too small"', 1)
    b = load_studies_from_text(text, "bad.yaml")
    probs = [p for p in b.problems if p.study_id == "N12"]
    assert probs and "reason" in probs[0].field
