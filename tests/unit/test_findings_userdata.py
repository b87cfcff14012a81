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


def test_import_messages_say_what_was_loaded_kept_or_left_out() -> None:
    s = FU.with_import(FU.UserState(), _mine(), "mine.csv")
    assert FU.import_messages(s) == [("success", "Loaded 1 study from mine\\.csv.")]
    bad = U.import_bytes(b"", "*empty*.csv")
    failed = FU.with_import(s, bad, "*empty*.csv")
    assert FU.import_messages(failed) == [("error", "Nothing could be loaded from \\*empty\\*\\.csv. "
                                                    "Your previous 1 study is kept.")]
    assert FU.import_messages(FU.with_import(FU.UserState(), bad, "e.csv")) == [
        ("error", "Nothing could be loaded from e\\.csv. ")]
    head = "id,label,histology_group,orr_events,orr_total"
    part = U.import_bytes(f"{head}\nV1,Good 2020,osteosarcoma,3,10\nV2,Bad,osteosarcoma,30,10\n".encode(), "p.csv")
    kinds = [k for k, _ in FU.import_messages(FU.with_import(FU.UserState(), part, "p.csv"))]
    assert kinds == ["success", "warning"]
    waiting = FU.with_import(s, _template(), "t.csv")
    assert FU.import_messages(waiting) == [] and FU.import_messages(FU.with_table(s, s.table)) == []
    assert FU.pending_message(waiting, U.preview_import(waiting.base, waiting.pending)) == (
        "t\\.csv has 2 valid studies; you already have 1. Nothing has changed yet: choose what to do.")


def test_columns_table_and_export_caption() -> None:
    cols = FU.columns_table()
    assert cols["column"].tolist() == list(U.COLUMN_NAMES)
    assert cols.loc[cols["column"] == "id", "required"].item() == "yes"
    assert "holds them completely too" in FU.export_caption([])
    assert "every field of S1, S2: use YAML" in FU.export_caption(["S1", "S2"])
