"""Studies page under AppTest: card via ?study=, provenance, flags beside numbers, filters, comparison."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.app.test_smoke import visible_text

pytestmark = pytest.mark.app
PAGE = "pages/studies.py"
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not NAN.search(visible_text(at))


def test_card_from_url(app_test) -> None:
    at = app_test(page=PAGE, query={"study": "S1"})
    ok(at)
    assert at.selectbox(key="study").value == "S1"
    assert "Xie 2018 · S1" in [h.value for h in at.subheader]
    links = [b.proto.label for b in at.get("link_button")]
    assert "DOI 10.1186/s12885-018-4303-z" in links and "PubMed 29625604" in links and "PMC5889565" in links
    # provenance columns in the outcomes table, and the ORR flag beside it
    frames = [d.value for d in at.dataframe]
    outcomes = next(f for f in frames if "k / N" in f.columns)
    assert {"status", "source", "location", "derivation", "flags"} <= set(outcomes.columns)
    assert "35 / 56" in set(outcomes["k / N"]) and "derived" in set(outcomes["status"])
    assert any("orr_definition" in str(x) for x in outcomes["flags"])
    warnings = " ".join(w.value for w in at.warning)
    assert "orr\\_definition" in warnings and "dossier flag 12" in warnings
    assert "Confirmed by the orr\\_composition check" in warnings


@pytest.mark.parametrize("sid", ["S1", "S4"])
def test_one_flag_in_one_place(app_test, sid: str) -> None:
    """A recorded flag and the computed flag confirming it are one box, drawn once."""
    at = app_test(page=PAGE, query={"study": sid})
    ok(at)
    boxes = [x.value for kind in ("error", "warning", "info") for x in getattr(at, kind)]
    heads = [b.split("  \n")[0] for b in boxes]
    assert len(heads) == len(set(heads)), heads  # no box twice (the All flags tab is a table)
    kinds = [h.split("**")[1] for h in heads if h.startswith("**")]
    # S1: orr_pr_only/orr_definition, regimen_not_monotherapy/mixed_regimen, overlapping_cohort/overlap
    for computed in ("orr\\_pr\\_only", "regimen\\_not\\_monotherapy", "overlapping\\_cohort",
                     "milestone\\_vs\\_dcr"):
        assert computed not in kinds
    assert "overlap" in kinds


def test_card_without_study_asks_for_one(app_test) -> None:
    at = app_test(page=PAGE)
    ok(at)
    assert at.selectbox(key="study").value is None
    assert any("Pick a study" in i.value for i in at.info)


def test_invalid_study_in_url_is_ignored(app_test) -> None:
    at = app_test(page=PAGE, query={"study": "<script>"})
    ok(at)
    assert at.selectbox(key="study").value is None


def test_relations_and_overlap_buttons(app_test) -> None:
    at = app_test(page=PAGE, query={"study": "S9"})
    ok(at)
    text = visible_text(at)
    assert "West China Hospital ASPS cohort" in text.replace("\\", "")
    btn = next(b for b in at.button if b.label == "Open S9a")
    btn.click().run()
    ok(at)
    assert at.selectbox(key="study").value == "S9a"
    assert "Secondary report of" in visible_text(at)


def test_filters_and_search(app_test) -> None:
    at = app_test(page=PAGE)
    at.multiselect(key="f_hist").set_value(["ASPS"]).run()
    ok(at)
    table = at.dataframe[0].value
    assert len(table) >= 1 and set(table["histology"]) == {"ASPS"}
    at.text_input(key="f_search").set_value("no such study anywhere").run()
    ok(at)
    assert any("No record matches" in i.value for i in at.info)


def test_filter_leaving_one_study(app_test) -> None:
    at = app_test(page=PAGE)
    at.text_input(key="f_search").set_value("Xie 2018").run()
    ok(at)
    assert list(at.dataframe[0].value["id"]) == ["S1"]


def test_design_comparison(app_test) -> None:
    at = app_test(page=PAGE)
    cmp = next(d.value for d in at.dataframe if "S2" in d.value.columns)
    assert list(cmp.columns) == ["S2", "S4", "S5"]
    assert {"Design", "Phase", "Centres", "N enrolled", "Line of therapy", "Regimen", "Dose",
            "Response criteria", "Endpoints reported"} <= set(cmp.index)
    at.multiselect(key="compare").set_value([]).run()
    ok(at)
    assert any("at least one study" in i.value for i in at.info)


def test_every_study_card_renders(app_test) -> None:
    import evidence
    from findings.text import md

    at = app_test(page=PAGE)
    for sid in evidence.load_studies().ids:
        at.selectbox(key="study").set_value(sid).run()
        ok(at)
        assert any(h.value.endswith(f"· {md(sid)}") for h in at.subheader), sid  # escaped data text


def test_broken_data_file_keeps_valid_studies(app_test, monkeypatch) -> None:
    monkeypatch.setenv("APATINIB_STUDIES", str(FIXTURES / "bad_events_exceed_total.yaml"))
    at = app_test(page=PAGE)
    ok(at)
    assert list(at.dataframe[0].value["id"]) == ["OK1"]
    assert any("problem(s) while loading" in w.value for w in at.warning)


def test_unreadable_data_file(app_test, monkeypatch) -> None:
    monkeypatch.setenv("APATINIB_STUDIES", str(FIXTURES / "bad_syntax.yaml"))
    at = app_test(page=PAGE)
    assert not at.exception
    assert any("No study could be loaded" in e.value for e in at.error)
