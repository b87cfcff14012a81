"""Safety page under AppTest: every tab renders (no exception, no 'nan'), the table is the
findings table, filters from the link narrow it, and the forest's method strip is the pool's."""

from __future__ import annotations

import pytest

import evidence
from findings.safety import display_table, safety_view
from tests.app.page_text import NAN, visible_text

pytestmark = pytest.mark.app
PAGE = "pages/safety.py"
TABS = ["Table", "Incidence by term", "Forest per term", "Methods"]


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_renders_clean(app_test, tab):
    at = app_test(page=PAGE, query={"stab": tab})
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    m = NAN.search(text)
    assert not m, text[max(0, m.start() - 200):][:400]
    assert not at.error, [e.value for e in at.error]


def test_table_is_the_findings_table_and_link_filters_apply(app_test):
    expected = display_table(safety_view(evidence.load_studies()).table)
    at = app_test(page=PAGE)
    shown = next(d.value for d in at.dataframe if "Pooled incidence" in d.value.columns)
    assert shown["Pooled incidence"].tolist() == expected["Pooled incidence"].tolist()
    at = app_test(page=PAGE, query={"s_grade": "grade ≥3", "s_term": "Hypertension"})
    shown = next(d.value for d in at.dataframe if "Pooled incidence" in d.value.columns)
    assert shown["Term"].tolist() == ["Hypertension"] and shown["k"].tolist() == [2]
    assert "crude" in shown["Headline"].iloc[0]


def test_forest_tab_shows_the_method_strip(app_test):
    at = app_test(page=PAGE, query={"stab": "Forest per term"})
    strip = next(d.value for d in at.dataframe if "method" in d.value.columns)
    assert strip["method"].tolist()[0].startswith("GLMM")
    assert len(strip) == 4


def test_table_tab_states_the_grade3_certainty(app_test):
    from evidence.appraisal import load_appraisals
    from findings import appraisal as fa
    from findings.text import md

    line = fa.ae_certainty_line(safety_view(evidence.load_studies()), load_appraisals(),
                                fa.GradeInputs(thresholds=fa.DEFAULT_THRESHOLDS))
    assert line and "certainty)" in line
    at = app_test(page=PAGE)
    assert any(md(line) in m.value for m in at.markdown)
    # a term filter that hides the row hides its certainty line
    at = app_test(page=PAGE, query={"s_term": "Hypertension"})
    assert not any(md("Certainty (GRADE)") in m.value for m in at.markdown)
