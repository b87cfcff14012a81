"""evidence.loader: bad input never raises; each problem names file, study (id or row), field."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence import MAX_BYTES, EvidenceBase, Problem, load_studies, load_studies_from_text
from evidence.loader import DEFAULT_PATH, load_studies_from_bytes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _load(name: str) -> EvidenceBase:
    return load_studies(FIXTURES / name)


def _only_error(base: EvidenceBase) -> Problem:
    errors = [p for p in base.problems if p.severity == "error"]
    assert len(errors) == 1, [str(p) for p in base.problems]
    return errors[0]


def test_default_path_is_package_relative_not_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = load_studies()
    assert Path(base.path) == DEFAULT_PATH
    assert DEFAULT_PATH.name == "studies.yaml" and DEFAULT_PATH.parent.name == "data"
    assert len(base.studies) > 0
    assert base.sha256 is not None and len(base.sha256) == 64


def test_valid_fixture_loads_without_problems() -> None:
    base = _load("valid_minimal.yaml")
    assert base.problems == ()
    assert base.ids == ("T1", "OK1")
    assert base.ok


# (fixture, study id, row, text that must be in the field path, text in the message, value)
CONTENT_CASES = [
    ("bad_events_exceed_total.yaml", "T1", 0, "ORR › events", "40 exceeds total 37", "40"),
    ("bad_total_zero.yaml", "T1", 0, "ORR › total", "must be positive", "0"),
    ("bad_total_negative.yaml", "T1", 0, "ORR › total", "must be positive", "-5"),
    ("bad_absurd_total.yaml", "T1", 0, "ORR › total", "largest plausible count", "1000000000000"),
    ("bad_nan.yaml", "T1", 0, "ORR › events", "finite", "nan"),
    ("bad_inf.yaml", "T1", 0, "ORR › total", "finite", "inf"),
    ("bad_percent_over_100.yaml", "T1", 0, "ORR › percent", "outside 0–100", "143.24"),
    ("bad_unknown_field.yaml", "T1", 0, "sample_size", "unknown field", "37"),
    ("bad_wrong_type.yaml", "T1", 0, "ORR › events", "valid number", "'sixteen'"),
    ("bad_bare_number.yaml", "T1", 0, "ORR › events", "provenance", "16"),
    ("bad_derivation_missing.yaml", "T1", 0, "events › derivation", "required when status is derived", None),
    ("bad_record_kind.yaml", "T1", 0, "record_kind", "'study'", "'trial'"),
    ("bad_missing_id.yaml", None, 0, "id", "required field is missing", None),
    ("bad_duplicate_key.yaml", "T1", 0, "label", "appears twice", None),
]


@pytest.mark.parametrize(("fixture", "sid", "row", "field", "message", "value"), CONTENT_CASES)
def test_content_problem_names_file_study_field(fixture: str, sid: str | None, row: int, field: str,
                                                message: str, value: str | None) -> None:
    base = _load(fixture)
    p = _only_error(base)
    assert Path(p.file).name == fixture
    assert p.study_id == sid
    assert p.row == row
    assert field in p.field
    assert message in p.message
    if value is not None:
        assert p.value == value
    text = str(p)
    assert fixture in text and field in text
    # the study is named by its label when it has one
    assert "Xie 2019" in text
    # the other, valid study is kept; the bad one is not
    assert base.ids == ("OK1",)


def test_example_message_format() -> None:
    p = _only_error(_load("bad_events_exceed_total.yaml"))
    assert p.where == "Xie 2019 › outcomes › rates › ORR › events"
    assert str(p).endswith("Xie 2019 › outcomes › rates › ORR › events: 40 exceeds total 37 (value: 40)")


def test_duplicate_ids_keep_first() -> None:
    base = _load("bad_duplicate_ids.yaml")
    p = _only_error(base)
    assert p.study_id == "T1" and p.row == 1 and p.field == "id"
    assert "duplicate" in p.message
    assert base.ids == ("T1",)
    assert base.study("T1").label == "Xie 2019"


# (fixture, text in message, line or None)
FILE_CASES = [
    ("bad_syntax.yaml", "YAML syntax error", 5),
    ("bad_top_level_list.yaml", "top level is a list", None),
    ("bad_top_level_scalar.yaml", "top level must be a mapping", None),
    ("bad_empty.yaml", "empty", None),
    ("bad_comments_only.yaml", "no data", None),
    ("bad_studies_not_list.yaml", "must be a list", None),
    ("bad_alias_bomb.yaml", "anchors", 2),
    ("bad_python_tag.yaml", "tags", 2),
    ("bad_non_utf8.yaml", "not valid UTF-8", 7),
    ("bad_utf16.yaml", "UTF-16", None),
]


@pytest.mark.parametrize(("fixture", "message", "line"), FILE_CASES)
def test_file_level_problems(fixture: str, message: str, line: int | None) -> None:
    base = _load(fixture)
    p = _only_error(base)
    assert Path(p.file).name == fixture
    assert message in p.message
    assert p.field  # always a field ("<file>" or the key)
    if line is not None:
        assert p.line == line
        assert f"{fixture}:{line}" in str(p)
    assert base.studies == ()
    assert not base.ok


def test_syntax_error_reports_column() -> None:
    p = _only_error(_load("bad_syntax.yaml"))
    assert p.column is not None and p.column > 0
    assert "line 5" in p.message


def test_bom_is_stripped_with_a_warning() -> None:
    base = _load("bom_utf8.yaml")
    assert base.ids == ("T1", "OK1")
    assert [p.severity for p in base.problems] == ["warning"]
    assert "byte-order mark" in base.problems[0].message
    assert base.ok


def test_oversize_file_rejected(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (MAX_BYTES + 10) + b"\n")
    base = load_studies(big)
    p = _only_error(base)
    assert "limit" in p.message and str(MAX_BYTES) in p.message
    # the same through the bytes entry point (uploads)
    p2 = _only_error(load_studies_from_bytes(big.read_bytes(), "upload.yaml"))
    assert p2.file == "upload.yaml"


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    base = load_studies(tmp_path / "nope.yaml")
    assert "cannot read" in _only_error(base).message


def test_alias_bomb_is_rejected_quickly() -> None:
    import time

    t0 = time.perf_counter()
    base = _load("bad_alias_bomb.yaml")
    assert time.perf_counter() - t0 < 2.0
    assert base.studies == ()


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    text = "studies: " + "[" * 5000 + "]" * 5000 + "\n"
    base = load_studies_from_text(text, "deep.yaml")
    assert base.studies == ()
    assert base.problems and base.problems[0].file == "deep.yaml"


def test_text_and_bytes_entry_points_agree() -> None:
    raw = (FIXTURES / "valid_minimal.yaml").read_bytes()
    a = load_studies_from_text(raw.decode(), "a.yaml")
    b = load_studies_from_bytes(raw, "a.yaml")
    assert a.ids == b.ids == ("T1", "OK1")
    assert a.sha256 == b.sha256


def test_unknown_source_reference_is_a_warning() -> None:
    text = (FIXTURES / "valid_minimal.yaml").read_text().replace("{v: 16, src: src1", "{v: 16, src: nowhere", 1)
    base = load_studies_from_text(text, "refs.yaml")
    warns = [p for p in base.problems if p.severity == "warning"]
    assert warns and warns[0].study_id == "T1" and warns[0].value == "'nowhere'"
    assert "source" in warns[0].field
    assert base.ids == ("T1", "OK1")


def test_unknown_top_level_key_reported() -> None:
    text = "studyz: []\n" + (FIXTURES / "valid_minimal.yaml").read_text()
    base = load_studies_from_text(text, "top.yaml")
    assert any(p.field == "studyz" and "unknown top-level key" in p.message for p in base.problems)


def test_secondary_of_unknown_study_is_reported() -> None:
    text = (FIXTURES / "valid_minimal.yaml").read_text().replace(
        "    record_kind: study\n", "    record_kind: secondary_report\n    secondary_of: ZZ9\n", 1)
    base = load_studies_from_text(text, "sec.yaml")
    assert any(p.field == "secondary_of" and p.study_id == "T1" for p in base.problems)


def test_problems_frame_columns() -> None:
    df = _load("bad_events_exceed_total.yaml").problems_frame()
    assert list(df.columns) == ["file", "study_id", "row", "label", "field", "value", "message",
                                "severity", "line", "column", "text"]
    assert df.loc[0, "study_id"] == "T1"
