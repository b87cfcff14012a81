"""Appraisal contract: MINORS totals/bands, the overall rule, named validation errors, data coverage."""

from __future__ import annotations

import copy

import pytest
import yaml

from evidence import MAX_BYTES, load_studies
from evidence.appraisal import (
    DEFAULT_APPRAISALS_PATH,
    JBI_QUESTIONS,
    MINORS_ITEMS,
    load_appraisals,
    load_appraisals_from_bytes,
    load_appraisals_from_text,
    minors_band,
    minors_total,
    overall_judgement,
)


@pytest.mark.parametrize(("items", "total", "band"), [
    ([0, 0, 0, 0, 0, 0, 0, 0], 0, "low"),
    ([2, 0, 1, 2, 0, 2, 0, 0], 7, "low"),
    ([2, 0, 2, 2, 0, 2, 0, 0], 8, "moderate"),
    ([2, 2, 2, 2, 1, 2, 2, 0], 13, "moderate"),
    ([2, 2, 2, 2, 2, 2, 2, 0], 14, "high"),
    ([2] * 8, 16, "high"),
])
def test_minors_total_and_band_from_item_vectors(items, total, band):
    assert minors_total(items) == total
    assert minors_band(minors_total(items)) == band


def test_minors_total_rejects_bad_vectors():
    with pytest.raises(ValueError, match="D3"):
        minors_total([2, 2, 3, 2, 2, 2, 2, 2])
    with pytest.raises(ValueError, match="8 item scores"):
        minors_total([2, 2, 2])
    with pytest.raises(ValueError, match="missing: D8"):
        minors_total({f"D{i}": 2 for i in range(1, 8)})
    with pytest.raises(ValueError, match="between 0 and 16"):
        minors_band(17)


@pytest.mark.parametrize(("items", "expected"), [
    # key items D2, D3, D5, D7 all adequate -> Low, whatever D8 says
    ([2, 2, 2, 2, 2, 2, 2, 0], "Low"),
    # one key item reported-but-inadequate -> High, even with a high total
    ([2, 2, 1, 2, 2, 2, 2, 2], "High"),
    ([2, 2, 2, 2, 2, 2, 1, 2], "High"),
    # key items not reported (0), none inadequate -> Some concerns
    ([2, 0, 2, 2, 0, 2, 2, 0], "Some concerns"),
    # non-key items do not decide: D1, D4, D6, D8 = 1 with key items all 2 -> Low
    ([1, 2, 2, 1, 2, 1, 2, 1], "Low"),
    # low total alone is not High (reporting, not bias)
    ([0, 0, 2, 0, 0, 0, 0, 0], "Some concerns"),
])
def test_overall_rule(items, expected):
    assert overall_judgement(items) == expected


def _one(study="S1"):
    item = {"score": 2, "reason": "stated in the abstract", "src": "X", "at": "abstract"}
    ans = {"answer": "Yes", "reason": "stated in the abstract", "src": "X", "at": "abstract"}
    return {"study": study, "appraiser": "automated first reviewer", "date": "2026-12-06",
            "basis": "abstract", "minors": {d: dict(item) for d in MINORS_ITEMS},
            "jbi": {q: dict(ans) for q in JBI_QUESTIONS}}


def _load(records):
    return load_appraisals_from_text(yaml.safe_dump({"schema_version": 1, "appraisals": records}),
                                     "test.yaml")


def test_valid_record_loads():
    a = _load([_one()])
    assert a.problems == ()
    assert a.get("S1").minors_total == 16
    assert a.get("S1").overall == "Low"


def test_item_outside_0_1_2_is_a_named_error():
    rec = _one("S7")
    rec["minors"]["D3"]["score"] = 3
    a = _load([rec])
    assert len(a.items) == 0
    (p,) = a.problems
    assert p.file == "test.yaml" and p.study_id == "S7"
    assert "D3" in p.field and "score" in p.field
    assert "0, 1 or 2" in p.message
    assert str(p).startswith("test.yaml: S7")


def test_missing_item_is_a_named_error():
    rec = _one("S2")
    del rec["minors"]["D5"]
    del rec["jbi"]["Q9"]
    a = _load([rec])
    msgs = {p.field: p.message for p in a.problems}
    assert any("D5" in m for m in msgs.values())
    assert any("Q9" in m for m in msgs.values())
    assert all(p.study_id == "S2" for p in a.problems)


def test_reasonless_judgement_is_a_named_error():
    rec = _one("S4")
    del rec["minors"]["D2"]["reason"]
    rec2 = _one("S5")
    rec2["jbi"]["Q4"]["reason"] = ""
    a = _load([rec, rec2])
    by_study = {p.study_id: p for p in a.problems}
    assert "without a reason" in by_study["S4"].message and "D2" in by_study["S4"].field
    assert "without a reason" in by_study["S5"].message and "Q4" in by_study["S5"].field


def test_unknown_field_and_bad_answer_are_named():
    rec = _one("S6")
    rec["jbi"]["Q1"]["answer"] = "Maybe"
    rec["minors"]["D1"]["extra"] = 1
    a = _load([rec])
    msgs = " | ".join(p.message for p in a.problems)
    assert "Yes, No, Unclear, NA" in msgs and "unknown field" in msgs


def test_bad_yaml_never_raises():
    a = load_appraisals_from_text("appraisals: [\n", "broken.yaml")
    assert a.items == () and a.problems[0].file == "broken.yaml"


def test_uploaded_bytes_too_large_or_not_utf8_are_one_named_problem():
    big = load_appraisals_from_bytes(b"#" * (MAX_BYTES + 1), "big.yaml")
    assert big.items == () and len(big.problems) == 1
    assert big.problems[0].file == "big.yaml" and big.problems[0].field == "<file>"
    assert big.problems[0].message == f"file is larger than {MAX_BYTES} bytes"
    assert big.problems[0].value == f"{MAX_BYTES + 1} bytes"
    bad = load_appraisals_from_bytes(b"appraiser: \xff\n", "latin.yaml")
    assert bad.problems[0].message == "not UTF-8 text (invalid start byte at byte 11)"


def test_uploaded_bytes_validate_like_the_file():
    data = DEFAULT_APPRAISALS_PATH.read_bytes()
    assert load_appraisals_from_bytes(data, "a.yaml") == load_appraisals_from_text(data.decode(), "a.yaml")


def test_duplicate_study_keeps_first():
    a = _load([_one("S1"), _one("S1")])
    assert len(a.items) == 1 and "duplicate" in a.problems[0].message


# --------------------------------------------------------------------------- the shipped data


@pytest.fixture(scope="module")
def shipped():
    return load_appraisals()


def test_shipped_file_is_clean(shipped):
    assert shipped.problems == ()


def test_every_included_study_is_appraised(shipped):
    base = load_studies()
    included = [s.id for s in base.studies if s.record_kind == "study"]
    assert included, "no included studies?"
    assert shipped.missing_for(included) == ()
    assert set(shipped.study_ids) <= set(included)


def test_every_judgement_cites_a_known_source(shipped):
    base = load_studies()
    known = {s.id for s in base.sources}
    for a in shipped.items:
        for d in MINORS_ITEMS:
            assert a.minors_item(d).source in known, (a.study, d)
        for q in JBI_QUESTIONS:
            assert a.jbi_item(q).source in known, (a.study, q)


def test_shipped_appraiser_is_not_a_fake_person(shipped):
    for a in shipped.items:
        assert "automated" in a.appraiser and "not a human" in a.appraiser


def test_robvis_frame_layout(shipped):
    df = shipped.robvis_frame(weights={"S1": 0.5, "S2": 0.5})
    assert list(df.columns) == ["Study", *MINORS_ITEMS, "Overall", "Weight"]
    assert len(df) == 2
    assert set(df.loc[:, "D1":"D8"].to_numpy().ravel()) <= {"Low", "High", "No information"}


def test_raw_file_has_no_computed_totals():
    raw = yaml.safe_load(DEFAULT_APPRAISALS_PATH.read_text(encoding="utf-8"))
    for rec in raw["appraisals"]:
        assert "total" not in rec and "overall" not in rec and "band" not in rec


def test_models_are_frozen(shipped):
    a = copy.copy(shipped.items[0])
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen
        a.study = "X"


def test_attach_second_review_compares_only_studies_both_appraised():
    from evidence.appraisal import SecondReview, attach_second_review, load_appraisals

    first = load_appraisals()
    one = first.items[0]
    other = one.model_copy(update={"study": "NOT-IN-FIRST", "appraiser": "Someone Else"})
    mine = one.model_copy(update={"appraiser": "Someone Else"})
    second = type(first)("r2.yaml", (mine, other), ())
    merged, problems = attach_second_review(first, second)
    assert [a.study for a in merged.items if a.second is not None] == [one.study]
    got = merged.get(one.study).second
    assert got.reviewer == "Someone Else" and got.minors == one.minors_scores and got.jbi == one.jbi_answers
    assert merged.get(one.study).minors_scores == one.minors_scores  # first reviewer's kept
    assert [(p.study_id, p.file, p.severity) for p in problems] == [("NOT-IN-FIRST", "r2.yaml", "warning")]
    assert "not compared" in problems[0].message
    # a second review already in the file is replaced, and said so
    had = type(first)(first.file, tuple(a.model_copy(update={"second": SecondReview(
        reviewer="File Reviewer", date=a.date)}) for a in first.items), ())
    _, problems = attach_second_review(had, type(first)("r2.yaml", (mine,), ()))
    assert [p.field for p in problems] == ["second"] and "replaces" in problems[0].message


def test_kappa_interval_is_clipped_to_its_range():
    from evidence.appraisal import attach_second_review, load_appraisals
    from findings.appraisal import reviewer_agreement

    first = load_appraisals()
    changed = []
    for a in first.items:
        if a.study == "S1":  # 22 studies compared: the Wald upper bound of κ is 1.007
            continue
        d2 = a.minors.D2.model_copy(update={"score": 2}) if a.study in ("S2", "S3") else a.minors.D2
        changed.append(a.model_copy(update={"appraiser": "Other Reviewer",
                                            "minors": a.minors.model_copy(update={"D2": d2})}))
    merged, _ = attach_second_review(first, type(first)("r2.yaml", tuple(changed), ()))
    table = reviewer_agreement(merged)
    bounds = [float(b) for cell in table["Cohen's κ (95% CI)"] if "(" in cell and "–" not in cell
              for b in cell.split("(")[1].rstrip(")").split(" to ")]
    assert bounds and all(-1.0 <= b <= 1.0 for b in bounds)
    # the 'all items' row of MINORS has an unclipped upper bound above 1 (κ ≈ 0.98, 0.96 to 1.007)
    assert table[(table["Tool"] == "MINORS") & (table["Item"] == "all items")]["Cohen's κ (95% CI)"].iloc[0].endswith("to 1)")
