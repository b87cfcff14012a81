"""Your studies under AppTest: upload, bad input, merge, user-only mode on every page, export/re-import."""

from __future__ import annotations

import pytest

from evidence import userdata as U
from findings.text import md as escape_md
from ui.pages import PAGES

pytestmark = pytest.mark.app
PAGE = "pages/my-studies.py"
HEAD = "id,label,histology_group,design,regimen,n_evaluable,cr,pr,sd,pd,orr_events,orr_total,dcr_events,dcr_total"


def upload(at, name: str, data: bytes):
    at.file_uploader(key="ud_upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def state(at):
    return at.session_state["_userdata_state"]


def test_upload_template_merges_and_marks(app_test) -> None:
    at = upload(app_test(page=PAGE), "mine.csv", U.template_bytes("csv"))
    assert any("Loaded 2 studies" in s.value for s in at.success)
    assert [s.id for s in state(at).base.studies] == ["U1", "U2"]
    at.switch_page("pages/studies.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table.loc[table["origin"] == "user", "id"]) == {"U1", "U2"}
    assert "Example 2021 (user)" in set(table["label"])
    at.selectbox(key="study").set_value("U1").run()
    assert any(h.value == f"{escape_md('Example 2021 (user)')} · U1" for h in at.subheader)  # escaped


def test_failed_upload_keeps_previous_studies(app_test) -> None:
    at = upload(app_test(page=PAGE), "mine.csv", U.template_bytes("csv"))
    upload(at, "broken.csv", b"id,label,histology_group\nX1,Bad,sarcoma\n")
    assert any("Nothing could be loaded from broken\\.csv" in e.value and "previous 2 studies are kept" in e.value
               for e in at.error)
    assert [s.id for s in state(at).base.studies] == ["U1", "U2"]
    assert any("broken.csv" in t.value and "histology_group" in t.value and "line 2" in t.value for t in at.text)


@pytest.mark.parametrize(("name", "data", "needle"), [
    ("empty.csv", b"", "file is empty"),
    ("bom.csv", b"\xef\xbb\xbf" + b"id,label,histology_group\nB1,Bom,mixed\n", None),
    ("latin1.csv", b"id,label,histology_group\nL1,Caf\xe9,mixed\n", "not valid UTF-8"),
    ("bomb.yaml", b"a: &a [1, 2]\nb: [*a, *a]\n", "anchors"),
    ("big.csv", b"id,label\n" + b"x" * (U.MAX_BYTES + 10), "larger than"),
    ("script.csv", b"id,label,histology_group\nH1,<script>alert(1)</script>,mixed\n", None),
    ("sheet.xlsx", b"PK\x03\x04", "unsupported"),
])
def test_bad_uploads_are_reported_not_raised(app_test, name: str, data: bytes, needle: str | None) -> None:
    at = upload(app_test(page=PAGE), name, data)
    if needle is None:
        assert state(at).base.studies
    else:
        assert any(needle in t.value for t in at.text), [t.value for t in at.text]
    for md in at.markdown:
        assert "<script>" not in md.value


def _one_study(rows: str) -> bytes:
    return (HEAD + "\n" + rows + "\n").encode()


@pytest.mark.parametrize("rows", [
    "Z1,All zero,osteosarcoma,prospective,monotherapy,20,0,0,0,20,0,20,0,20",
    "C1,All complete,ASPS,retrospective,monotherapy,6,1,5,0,0,6,6,6,6",
    "Z1,Zero,osteosarcoma,prospective,monotherapy,20,0,0,0,20,0,20,0,20\n"
    "Z2,Zero too,osteosarcoma,prospective,monotherapy,10,0,0,0,10,0,10,0,10",
])
@pytest.mark.parametrize("spec", [p for p in PAGES if p.file != PAGE], ids=lambda p: p.url_path)
def test_every_page_survives_user_only_edge_cases(app_test, rows: str, spec) -> None:
    at = upload(app_test(page=PAGE), "edge.csv", _one_study(rows))
    assert state(at).base.studies, [str(p) for p in state(at).last.problems]
    at.radio(key="ud_mode_widget").set_value("user").run()
    assert at.session_state["_userdata_mode"] == "user"
    at.switch_page(spec.file).run()
    assert not at.exception, (spec.file, [e.value for e in at.exception])


def test_mode_survives_page_changes(app_test) -> None:
    at = upload(app_test(page=PAGE), "mine.csv", U.template_bytes("csv"))
    at.radio(key="ud_mode_widget").set_value("user").run()
    at.switch_page("pages/studies.py").run()
    assert "Your 2 studies only" in at.caption[0].value
    assert list(at.dataframe[0].value["id"]) == ["U1", "U2"]
    at.switch_page(PAGE).run()
    assert at.radio(key="ud_mode_widget").value == "user"
    assert [s.id for s in state(at).base.studies] == ["U1", "U2"]


def test_export_then_reimport_is_identical(app_test) -> None:
    at = upload(app_test(page=PAGE), "mine.csv", U.template_bytes("csv"))
    labels = [b.label for b in at.get("download_button")]
    assert "Export as YAML (complete)" in labels and "Export as CSV" in labels
    before = state(at).base.studies
    for name, data in (("again.yaml", U.to_yaml(before).encode()), ("again.csv", U.to_csv(before))):
        upload(at, name, data)
        assert state(at).base.studies == before, name
        assert not state(at).last.problems


def test_template_rows_in_the_table_and_clear(app_test) -> None:
    at = app_test(page=PAGE)
    at.button(key="ud_from_template").click().run()
    assert not at.exception
    assert [s.id for s in state(at).base.studies] == ["U1", "U2"]
    at.button(key="ud_clear").click().run()
    assert not at.exception
    assert state(at).base is None
    assert any("No study of yours yet" in i.value for i in at.info)


def _studies_metric(at) -> str:
    return next(m.value for m in at.metric if m.label.startswith("Studies"))


def test_merged_user_studies_reach_the_pooled_analysis(app_test) -> None:
    # issue 8: user studies merged with the built-in ones are analysed on the Pooled efficacy page
    builtin = _studies_metric(app_test(page="pages/pooled.py"))
    at = upload(app_test(page=PAGE), "mine.csv", U.template_bytes("csv"))
    at.radio(key="ud_mode_widget").set_value("merged").run()
    at.switch_page("pages/pooled.py").run()
    assert not at.exception, [e.value for e in at.exception]
    merged = _studies_metric(at)
    k_builtin, k_merged = (int(v.split("/")[0]) for v in (builtin, merged))
    assert k_merged > k_builtin, (builtin, merged)


def _five_studies() -> bytes:
    rows = [f"V{i},Valid {i},mixed,retrospective,monotherapy,20,0,{i},5,10,{i},20,{i + 5},20" for i in range(1, 6)]
    return (HEAD + "\n" + "\n".join(rows) + "\n").encode()


def test_partly_valid_upload_never_discards_earlier_studies(app_test) -> None:
    """5 valid studies, then a file with one bad and one good row: nothing is lost unasked."""
    at = upload(app_test(page=PAGE), "five.csv", _five_studies())
    assert [s.id for s in state(at).base.studies] == ["V1", "V2", "V3", "V4", "V5"]
    mixed = (HEAD + "\nW1,Good,mixed,retrospective,monotherapy,20,0,2,5,10,2,20,7,20\n"
             "W2,Bad,sarcoma,retrospective,monotherapy,20,0,2,5,10,2,20,7,20\n").encode()
    upload(at, "mixed.csv", mixed)
    assert [s.id for s in state(at).base.studies] == ["V1", "V2", "V3", "V4", "V5"]  # unchanged
    warn = " ".join(w.value for w in at.warning)
    assert "Nothing has changed yet" in warn
    said = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Replace: your 5 studies would be dropped" in said and "Add: you would have 6 studies" in said
    assert any("Bad" in t.value and "line 3" in t.value for t in at.text)  # the rejected row is named
    at.button(key="ud_pending_add").click().run()
    assert [s.id for s in state(at).base.studies] == ["V1", "V2", "V3", "V4", "V5", "W1"]
    at.button(key="ud_undo").click().run()  # undo the last change
    assert [s.id for s in state(at).base.studies] == ["V1", "V2", "V3", "V4", "V5"]


def test_pending_import_replace_and_keep(app_test) -> None:
    at = upload(app_test(page=PAGE), "five.csv", _five_studies())
    upload(at, "tpl.csv", U.template_bytes("csv"))
    at.button(key="ud_pending_keep").click().run()
    assert [s.id for s in state(at).base.studies] == ["V1", "V2", "V3", "V4", "V5"]
    assert state(at).pending is None
    upload(at, "tpl2.csv", U.template_bytes("csv") + b"\n")
    at.button(key="ud_pending_replace").click().run()
    assert [s.id for s in state(at).base.studies] == ["U1", "U2"]
    at.button(key="ud_undo").click().run()
    assert [s.id for s in state(at).base.studies] == ["V1", "V2", "V3", "V4", "V5"]
    # removing everything is one click away from coming back too
    at.button(key="ud_clear").click().run()
    assert state(at).base is None
    at.button(key="ud_undo").click().run()
    assert len(state(at).base.studies) == 5
    assert any("reloading the page (F5)" in i.value for i in at.info)  # the keep-your-work note
