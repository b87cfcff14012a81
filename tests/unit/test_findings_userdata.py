"""findings.userdata: the Your studies state transitions and captions, without a page."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import evidence
from evidence import userdata as U
from findings import userdata as FU


def _template() -> evidence.EvidenceBase:
    return U.import_bytes(U.template_bytes("csv"), "t.csv")


def _mine() -> evidence.EvidenceBase:
    head = "id,label,histology_group,orr_events,orr_total"
    return U.import_bytes(f"{head}\nV1,Mine 2020,osteosarcoma,3,10\n".encode(), "mine.csv")


def test_table_csv_text_writes_cells_as_typed_and_drops_blank_rows() -> None:
    df = pd.DataFrame({"id": ["U1", None, "U2"], "n": [10.0, math.nan, 2.5], "flag": [True, None, False]})
    assert FU.table_csv_text(df) == "id,n,flag\nU1,10,true\nU2,2.5,false\n"


def test_validate_table_of_an_empty_table_has_no_study_and_no_problem() -> None:
    base = FU.validate_table(FU.empty_table())
    assert base.studies == () and not base.problems
    assert list(FU.empty_table().columns) == list(U.COLUMN_NAMES)


def test_first_import_is_used_and_the_next_one_waits() -> None:
    s = FU.with_import(FU.UserState(), _mine(), "mine.csv")
    assert [x.id for x in s.base.studies] == ["V1"] and s.origin == "file mine.csv" and s.pending is None
    assert s.editor_version == 1 and len(s.table) == 1
    s2 = FU.with_import(s, _template(), "t.csv")
    assert s2.base is s.base and s2.pending is not None and s2.pending_name == "t.csv"


@pytest.mark.parametrize(("how", "ids"), [("keep", ["V1"]), ("replace", ["U1", "U2"]), ("add", ["V1", "U1", "U2"])])
def test_resolve_pending(how: str, ids: list[str]) -> None:
    s = FU.with_import(FU.with_import(FU.UserState(), _mine(), "mine.csv"), _template(), "t.csv")
    out = FU.resolve_pending(s, how)
    assert [x.id for x in out.base.studies] == ids and out.pending is None
    if how == "add":
        assert out.origin == "file mine.csv + file t.csv"


def test_resolve_pending_rejects_an_unknown_choice_and_ignores_no_pending() -> None:
    s = FU.with_import(FU.with_import(FU.UserState(), _mine(), "mine.csv"), _template(), "t.csv")
    with pytest.raises(ValueError, match="how \\('merge'\\) must be one of 'replace', 'add', 'keep'"):
        FU.resolve_pending(s, "merge")
    done = FU.resolve_pending(s, "keep")
    assert FU.resolve_pending(done, "replace") is done


def test_with_table_keeps_the_table_as_typed_and_validates_it() -> None:
    s = FU.with_import(FU.UserState(), _mine(), "mine.csv")
    table = FU.apply_delta(s.table, {"added_rows": [{"id": "V2", "label": "Second 2021",
                                                      "histology_group": "ASPS"}]})
    out = FU.with_table(s, table)
    assert out.table is table and out.origin == "table" and out.editor_version == s.editor_version + 1
    assert [x.id for x in FU.studies_of(out)] == ["V1", "V2"]
    assert FU.studies_of(FU.UserState()) == ()


def test_active_label_names_the_mode_and_the_count() -> None:
    one = _mine()
    assert FU.active_label(None, "merged") == "Built-in studies."
    assert FU.active_label(one, "builtin") == "Built-in studies."
    assert FU.active_label(one, "user") == "Your 1 study only (built-in studies left out)."
    assert FU.active_label(_template(), "merged") == "Built-in studies + your 2 studies (marked “(user)”)."
