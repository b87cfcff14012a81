"""evidence.userdata and findings.userdata (the Your studies state): import, export, merge, bad input."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

import evidence
from evidence import userdata as U
from findings import userdata as S

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOOD = "U1,Good 2020,osteosarcoma,3,10,30.0"
HEAD = "id,label,histology_group,orr_events,orr_total,orr_percent"


def csv_of(*rows: str, head: str = HEAD) -> bytes:
    return ("\n".join([head, *rows]) + "\n").encode()


def only(base, **match):
    hits = [p for p in base.problems if all(getattr(p, k) == v for k, v in match.items())]
    assert hits, f"no problem with {match}: {[str(p) for p in base.problems]}"
    return hits[0]


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("kind", ["csv", "yaml"])
def test_templates_load_cleanly(kind: str) -> None:
    base = U.import_bytes(U.template_bytes(kind), f"template.{kind}")
    assert base.studies and not base.problems, [str(p) for p in base.problems]
    assert base.studies[0].id == "U1"


def test_template_csv_has_every_column() -> None:
    head = next(csv.reader(io.StringIO(U.template_bytes("csv").decode())))
    assert head == list(U.COLUMN_NAMES)


# --------------------------------------------------------------------------- round trips


def test_yaml_export_reimport_is_identical_for_the_builtin_data() -> None:
    base = evidence.load_studies()
    again = U.import_yaml(U.to_yaml(base.studies).encode(), "export.yaml")
    assert not again.problems, [str(p) for p in again.problems]
    assert again.studies == base.studies


def test_csv_export_reimport_is_identical_for_csv_data() -> None:
    base = U.import_bytes(U.template_bytes("csv"), "t.csv")
    assert U.csv_lossless(base.studies) == []
    again = U.import_bytes(U.to_csv(base.studies), "export.csv")
    assert again.studies == base.studies
    assert not again.problems


def test_csv_lossless_names_rich_studies() -> None:
    base = evidence.load_studies()
    lossy = U.csv_lossless(base.studies)
    assert "S1" in lossy  # provenance per number, milestones, toxicity: not in the flat layout


def test_editor_table_round_trip() -> None:
    base = U.import_bytes(U.template_bytes("csv"), "t.csv")
    table = S.rows_table(base.studies)
    again = S.validate_table(table)
    assert again.studies == base.studies


def test_apply_delta_edits_adds_and_deletes() -> None:
    base = U.import_bytes(U.template_bytes("csv"), "t.csv")
    table = S.rows_table(base.studies)
    delta = {"edited_rows": {0: {"label": "Renamed 2021"}}, "added_rows": [{"id": "U3", "label": "New",
             "histology_group": "ASPS"}], "deleted_rows": [1]}
    out = S.apply_delta(table, delta)
    assert list(out["id"]) == ["U1", "U3"]
    assert out.loc[0, "label"] == "Renamed 2021"
    v = S.validate_table(out)
    assert [s.id for s in v.studies] == ["U1", "U3"] and not v.problems


# --------------------------------------------------------------------------- formula injection


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "'=x", "''@y", "plain", "'quoted"])
def test_escape_round_trip(text: str) -> None:
    esc = U.escape_cell(text)
    assert esc[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert U.unescape_cell(esc) == text


def test_exported_csv_neutralises_formulas_and_reimports_identically() -> None:
    rows = csv_of('U1,"=HYPERLINK(""http://x"",""y"")",osteosarcoma,3,10,30.0',
                  "U2,@SUM(1),mixed,,,", "U3,+cmd|' /C calc'!A0,mixed,,,")
    base = U.import_bytes(rows, "f.csv")
    assert len(base.studies) == 3, [str(p) for p in base.problems]
    out = U.to_csv(base.studies).decode("utf-8-sig")
    cells = [r[1] for r in csv.reader(io.StringIO(out))][1:]
    assert all(c.startswith("'") for c in cells), cells
    assert U.import_bytes(U.to_csv(base.studies), "again.csv").studies == base.studies


# --------------------------------------------------------------------------- bad input


def test_valid_rows_are_kept_and_each_problem_names_line_field_value() -> None:
    data = csv_of(GOOD, "U2,Over,osteosarcoma,12,10,", "U3,Neg,osteosarcoma,-1,10,", "U4,NaN,mixed,nan,10,",
                  "U5,Inf,mixed,inf,10,", "U6,Pct,mixed,1,10,120", "U7,Big,mixed,1,99999999999,",
                  "U8,Zero,mixed,0,0,", "U9,Word,mixed,three,10,", "U1,Dup,mixed,1,10,", "U10,Half,mixed,1.5,10,")
    base = U.import_bytes(data, "mine.csv")
    assert [s.id for s in base.studies] == ["U1"]
    expect = {3: "orr_events", 4: "orr_events", 5: "orr_events", 6: "orr_events", 7: "orr_percent",
              8: "orr_total", 9: "orr_total", 10: "orr_events", 11: "id", 12: "orr_events"}
    for line, column in expect.items():
        p = only(base, line=line)
        assert p.file == "mine.csv" and p.field == column, str(p)
        assert p.value is not None and p.message
    assert "exceeds" in only(base, line=3).message
    assert "positive" in only(base, line=9).message
    assert "duplicate" in only(base, line=11).message and "line 2" in only(base, line=11).message


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (HEAD.encode() + b"\n", "no study rows"),
        (b"label,histology_group\nX,mixed\n", "required column"),
        (b"id,id,label\nA,B,C\n", "appears twice"),
        (b'id,label\n"U1,unclosed\n', "CSV syntax"),
        (b"\xff\xfeid,label\n", "UTF-16"),
        (b"id,label\nU1,Caf\xe9\n", "UTF-8"),
        (b"id,label\x00\n", "NUL"),
        (b"x" * (U.MAX_BYTES + 1), "limit"),
    ],
)
def test_file_level_problems(data: bytes, needle: str) -> None:
    base = U.import_bytes(data, "f.csv")
    assert not base.studies
    assert any(needle in p.message for p in base.problems), [str(p) for p in base.problems]
    assert all(p.file == "f.csv" and p.field for p in base.problems)


def test_bom_is_accepted() -> None:
    base = U.import_bytes(b"\xef\xbb\xbf" + csv_of(GOOD), "bom.csv")
    assert [s.id for s in base.studies] == ["U1"] and not base.problems


def test_unknown_column_and_ragged_row() -> None:
    base = U.import_bytes(csv_of(GOOD + ",extra", "U2,Short", head=HEAD + ",colour"), "f.csv")
    assert [s.id for s in base.studies] == ["U1"]
    assert only(base, field="colour").severity == "warning"
    assert only(base, line=3).field == "<row>"


def test_wrong_choice_names_the_column() -> None:
    base = U.import_bytes(csv_of("U1,X,sarcoma,,,"), "f.csv")
    p = only(base, field="histology_group")
    assert p.value == "'sarcoma'" and p.line == 2


def test_html_and_js_are_kept_as_text() -> None:
    base = U.import_bytes(csv_of("U1,<script>alert(1)</script>,mixed,,,"), "f.csv")
    assert base.studies[0].label == "<script>alert(1)</script>"


def test_row_cap() -> None:
    rows = [f"U{i},L{i},mixed,,," for i in range(U.MAX_ROWS + 5)]
    base = U.import_bytes(csv_of(*rows), "many.csv")
    assert len(base.studies) == U.MAX_ROWS
    assert any("only the first" in p.message for p in base.problems)


def test_unsupported_extension() -> None:
    base = U.import_bytes(b"id,label\n", "data.xlsx")
    assert not base.studies and "unsupported" in base.problems[0].message


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("bad_*.yaml")))
def test_bad_yaml_fixtures_never_raise_and_name_a_field(fixture: str) -> None:
    base = U.import_bytes((FIXTURES / fixture).read_bytes(), fixture)
    assert base.problems, fixture
    for p in base.problems:
        assert p.file == fixture and p.field and p.message


def test_alias_bomb_is_rejected_quickly() -> None:
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n".encode() for i in range(8))
    base = U.import_bytes(bomb, "bomb.yaml")
    assert not base.studies
    assert any(w in base.problems[0].message for w in ("alias", "anchor")), str(base.problems[0])


# --------------------------------------------------------------------------- state and merge


def test_failed_import_never_replaces() -> None:
    good = U.import_bytes(U.template_bytes("csv"), "t.csv")
    s = S.with_import(S.UserState(), good, "t.csv")
    bad = U.import_bytes(b"", "empty.csv")
    s2 = S.with_import(s, bad, "empty.csv")
    assert s2.base is good and not s2.last_replaced and s2.last is bad


def test_merge_marks_user_studies_and_reports_id_clash() -> None:
    builtin = evidence.load_studies()
    user = U.import_bytes(csv_of(GOOD, "S1,Clash,mixed,,,", "U2,Second of S1,mixed,,,",
                                 head=HEAD), "mine.csv")
    merged = U.merge(builtin, user)
    assert len(merged.studies) == len(builtin.studies) + 2
    u1 = merged.study("U1")
    assert U.is_user_study(u1) and u1.label.endswith(U.USER_MARK)
    assert merged.study("S1") == builtin.study("S1")
    assert any(p.study_id == "S1" and "built-in" in p.message for p in merged.problems)
    assert merged.sha256 and merged.sha256 != builtin.sha256
    frame = merged.outcomes_frame()
    assert "U1" in set(frame["study_id"])


def test_choose_modes() -> None:
    builtin = evidence.load_studies()
    user = U.import_bytes(U.template_bytes("csv"), "t.csv")
    assert S.choose(builtin, None, "merged") is builtin
    assert S.choose(builtin, user, "builtin") is builtin
    assert S.choose(builtin, user, "user") is user
    assert len(S.choose(builtin, user, "merged").studies) == len(builtin.studies) + len(user.studies)


def test_problems_frame_has_no_nan() -> None:
    base = U.import_bytes(csv_of("U1,X,sarcoma,,,"), "f.csv")
    df = S.problems_frame(base.problems)
    assert isinstance(df, pd.DataFrame) and len(df) == len(base.problems)


def _rows_csv(n: int, location_chars: int = 0) -> bytes:
    head = ("id,label,histology_group,design,regimen,n_evaluable,cr,pr,sd,pd,orr_events,orr_total,"
            "dcr_events,dcr_total,location")
    loc = "p" * location_chars
    rows = [f"R{i},Row {i},mixed,retrospective,monotherapy,20,0,{i % 5},5,{15 - i % 5},{i % 5},20,"
            f"{i % 5 + 5},20,{loc}" for i in range(n)]
    return (head + "\n" + "\n".join(rows) + "\n").encode()


def test_limits_apply_to_what_the_user_sent() -> None:
    """110 valid rows with 1,990-character locations (225 KB) load: the 2 MB limit is on the
    uploaded bytes, not on the YAML the rows used to be turned into (2.3 MB, every row lost)."""
    data = _rows_csv(110, 1990)
    assert len(data) < U.MAX_BYTES // 8
    base = U.import_csv(data, "long.csv")
    assert len(base.studies) == 110, [str(p) for p in base.problems][:3]
    assert not [p for p in base.problems if "limit" in p.message or "larger" in p.message]
    too_big = U.import_csv(_rows_csv(1100, 1990), "big.csv")
    assert not too_big.studies and "the limit is" in too_big.problems[0].message  # the bytes sent


def test_rejected_rows_are_named() -> None:
    data = _rows_csv(3).replace(b"R1,Row 1,mixed", b"R1,Row 1,sarcoma")
    base = U.import_csv(data, "bad.csv")
    assert [s.id for s in base.studies] == ["R0", "R2"]
    bad = [p for p in base.problems if p.severity == "error"]
    assert bad and bad[0].label == "Row 1" and bad[0].line == 3 and bad[0].field == "histology_group"
