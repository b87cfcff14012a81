"""Digitising workbench under AppTest (pasted points; the canvas path is the browser test's)."""

from __future__ import annotations

import datetime as dt

import pytest

from evidence.digitised import DigitisedCurve

PAGE = "pages/digitise.py"
CSV = "time,survival\n0,100\n1,90\n2,80\n3,70\n4,60\n5,50\n6,40\n7,30\n8,20\n"


def texts(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "title", "subheader", "error", "warning", "info", "success"):
        parts += [str(e.value) for e in getattr(at, kind, [])]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts).replace("\\", "")


@pytest.fixture
def pasted(app_test):
    at = app_test(page=PAGE)
    at.radio(key="dg_mode").set_value("Pasted CSV").run()
    at.text_area(key="dg_csv").set_value(CSV).run()
    return at


def test_pasted_points_with_total_reconstruct(pasted) -> None:
    at = pasted
    assert "number of patients" in texts(at)  # asks for numbers at risk or the total
    at.number_input(key="dg_total").set_value(10).run()
    assert not at.exception
    text = texts(at)
    assert "reconstructed from the published Kaplan–Meier figure (Guyot)" in text
    assert "Patients / events 10 /" in text and "Median (reconstructed)" in text
    assert "nan" not in text.lower().split()


def test_bad_inputs_are_named(pasted) -> None:
    at = pasted
    at.text_input(key="dg_rt").set_value("0, 4").run()
    at.text_input(key="dg_nr").set_value("10").run()
    assert any("2 times but 1 numbers at risk" in e.value.replace("\\", "") for e in at.error)
    at.text_input(key="dg_nr").set_value("10, six").run()
    assert any("Numbers at risk, item 2 ('six')" in e.value.replace("\\", "") for e in at.error)
    at.text_area(key="dg_csv").set_value("0,100\n1,x\n").run()
    assert any("row 2, field survival" in e.value.replace("\\", "") for e in at.error)
    assert not at.exception


def test_save_needs_provenance_and_keeps_the_curve(pasted) -> None:
    at = pasted
    at.number_input(key="dg_total").set_value(10).run()
    form_button = [b for b in at.button if "Save this curve" in str(b.label)]
    form_button[0].click().run()
    assert any("Not saved" in e.value for e in at.error)  # source, figure, digitised by are empty
    at.text_input(key="dg_source_ref").set_value("doi:10.1000/example")
    at.text_input(key="dg_figure_no").set_value("2A")
    at.text_input(key="dg_who").set_value("Reviewer 1")
    [b for b in at.button if "Save this curve" in str(b.label)][0].click().run()
    assert not at.exception, [e.value for e in at.error]
    assert any("Saved curves (1)" in t.label for t in at.tabs)  # the tab is redrawn after the save
    assert len(at.session_state["digitised_curves"]) == 1


def test_saved_curves_give_a_summary_curve(app_test) -> None:
    def curve(sid, s, n):
        return DigitisedCurve(study_id=sid, endpoint="PFS", source="doi:x", figure="1", digitised_by="me",
                              date=dt.date(2026, 12, 6), times=tuple(range(len(s))), survival=s, total=n)

    at = app_test(page=PAGE)
    at.session_state["digitised_curves"] = [curve("A", (1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45), 40),
                                            curve("B", (1, 0.85, 0.7, 0.6, 0.5, 0.4), 30)]
    at.run()
    assert not at.exception
    text = texts(at)
    assert "Summary PFS curve (Combescure, random effects) of 2 curves" in text
    assert "Saved curves (2)" in " ".join(t.label for t in at.tabs)
