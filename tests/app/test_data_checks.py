"""Data checks page under AppTest: load problems, flags by kind, links to cards, candidate tool."""

from __future__ import annotations

from pathlib import Path

import pytest

import evidence
from findings.text import md

pytestmark = pytest.mark.app
PAGE = "pages/checks.py"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_flags_grouped_by_kind_with_severity(app_test) -> None:
    at = app_test(page=PAGE)
    assert not at.exception
    flags = evidence.load_studies().flags_frame()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Flags shown"] == f"{len(flags)} of {len(flags)}"
    assert metrics["Error"] == str(int((flags["severity"] == "error").sum()))
    labels = [e.label for e in at.expander]
    for kind in flags["kind"].unique():
        assert any(lab.startswith(f"{md(kind)} —") for lab in labels), kind  # data text: escaped
    assert any("percent\\_mismatch" in lab and "worst: error" in lab for lab in labels)
    assert any("No load problem" in c.value for c in at.caption)  # loading alone was clean


def test_filter_by_severity_and_search(app_test) -> None:
    at = app_test(page=PAGE)
    at.multiselect(key="fc_sev").set_value(["error"]).run()
    assert not at.exception
    kinds = next(d.value for d in at.dataframe if "worst" in d.value.columns)
    assert set(kinds["worst"]) == {"error"}
    at.text_input(key="fc_q").set_value("nothing matches this").run()
    assert any("No flag matches" in i.value for i in at.info)


def test_flag_links_to_study_card(app_test) -> None:
    at = app_test(page=PAGE)
    at.selectbox(key="fc_open").set_value("S8").run()
    at.button(key="fc_open_btn").click().run()
    assert not at.exception
    assert at.selectbox(key="study").value == "S8"
    assert any(h.value.endswith("· S8") for h in at.subheader)


def test_load_problems_name_file_study_and_field(app_test, monkeypatch) -> None:
    monkeypatch.setenv("APATINIB_STUDIES", str(FIXTURES / "bad_events_exceed_total.yaml"))
    at = app_test(page=PAGE)
    assert not at.exception
    lines = [t.value for t in at.text]
    hit = [x for x in lines if x.startswith("could not load:")]
    assert hit and "bad_events_exceed_total.yaml" in hit[0] and "Xie 2019" in hit[0] and "events" in hit[0]
    assert any("could not be loaded" in e.value for e in at.error)


@pytest.mark.parametrize("fixture", ["bad_syntax.yaml", "bad_empty.yaml", "bad_alias_bomb.yaml",
                                     "bad_non_utf8.yaml", "bad_wrong_type.yaml", "bad_unknown_field.yaml",
                                     "bad_duplicate_ids.yaml", "bad_nan.yaml", "bad_percent_over_100.yaml"])
def test_broken_files_never_raise(app_test, monkeypatch, fixture: str) -> None:
    monkeypatch.setenv("APATINIB_STUDIES", str(FIXTURES / fixture))
    at = app_test(page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.value.startswith("could not load:") and fixture in t.value for t in at.text)


def test_candidate_denominators(app_test) -> None:
    at = app_test(page=PAGE)
    assert at.dataframe[-1].value.query("k == 9 and N == 37").shape[0] == 1
    at.text_input(key="cd_pct").set_value("81.39%").run()
    at.number_input(key="cd_nmax").set_value(100).run()
    at.radio(key="cd_round").set_value("truncate").run()
    assert not at.exception
    pairs = at.dataframe[-1].value
    assert list(pairs["k/N"]) == ["35/43", "70/86"]
    at.text_input(key="cd_pct").set_value("abc").run()
    assert any("Type a percentage" in w.value for w in at.warning)
    at.text_input(key="cd_pct").set_value("33.3").run()
    at.number_input(key="cd_dec").set_value(6).run()
    assert not at.exception
    assert any("No k/N" in w.value and "33.300000" in w.value for w in at.warning)


def test_candidates_from_url(app_test) -> None:
    at = app_test(page=PAGE, query={"cd_pct": "24.3", "cd_nmax": "40"})
    assert at.text_input(key="cd_pct").value == "24.3"
    assert at.number_input(key="cd_nmax").value == 40


def test_summary_agrees_with_the_listed_flags(app_test) -> None:
    import doctest

    import findings.checks_summary as CS
    from ui.data import get_evidence

    assert doctest.testmod(CS).failed == 0
    at = app_test(page="pages/checks.py")
    assert not at.exception
    flags = get_evidence().flags_frame()
    n_err = int((flags["severity"] == "error").sum())
    n_warn = int((flags["severity"] == "warning").sum())
    assert n_err > 0  # the built-in data carry recorded errors
    texts = [str(x.value) for kind in ("success", "error", "warning") for x in getattr(at, kind)]
    assert not any("without problems" in t for t in texts)
    first = at.error[0].value
    assert f"{n_err} errors, {n_warn} warnings" in first
    table = at.dataframe[0].value  # the summary table comes before every expander
    assert table.set_index("Step").loc["Consistency checks", "Errors"] == n_err
