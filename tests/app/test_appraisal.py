"""Appraisal & certainty page under AppTest: every tab renders (no exception, no 'nan'), the SoF
table and the certainty sentence agree with findings.appraisal, and a GRADE override in the link
reaches the footnotes."""

from __future__ import annotations

import re

import pytest

from synthesis.grade import Override, encode_overrides
from tests.app.page_text import NAN, visible_text

pytestmark = pytest.mark.app
PAGE = "pages/appraisal.py"
TABS = ["Risk of bias", "Study appraisals", "RoB-aware pooling", "Certainty (GRADE)", "Methods"]


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_renders_clean(app_test, tab):
    at = app_test(page=PAGE, query={"atab": tab})
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    m = NAN.search(text)
    assert not m, text[max(0, m.start() - 200):][:400]
    assert not at.error, [e.value for e in at.error]


def test_grade_tab_shows_sof_and_sentences(app_test):
    at = app_test(page=PAGE, query={"atab": "Certainty (GRADE)"})
    sof = next(d.value for d in at.dataframe if "Participants (studies)" in d.value.columns)
    assert "ORR" in sof["Outcome"].tolist()
    orr = sof[sof["Outcome"] == "ORR"].iloc[0]
    assert re.match(r"[⊕◯]{4} (high|moderate|low|very low)", orr["Certainty"])
    text = visible_text(at)
    words = orr["Certainty"].split(" ", 1)[1].split(" (")[0]
    assert re.search(rf"ORR \d+% \(95% CI \d+–\d+%; \d+ studies, \d+ patients; {words} certainty\)", text)


def test_override_in_the_link_reaches_the_footnotes(app_test):
    code = encode_overrides({"ORR": {"imprecision": Override("imprecision", "not serious",
                                                             "protocol threshold is 15%")}})
    at = app_test(page=PAGE, query={"atab": "Certainty (GRADE)", "grade": code})
    text = visible_text(at)
    assert "Overridden by the user" in text and "protocol threshold is 15%" in text


def test_unreadable_override_is_a_message_not_a_crash(app_test):
    at = app_test(page=PAGE, query={"atab": "Certainty (GRADE)", "grade": "g1.garbage"})
    assert not at.exception
    assert any("cannot be read" in w.value for w in at.warning)


def test_overview_states_certainty(app_test):
    at = app_test(page="pages/home.py")
    assert not at.exception
    text = visible_text(at)
    assert re.search(r"With GRADE certainty:.*ORR \d+% \(95% CI \d+–\d+%; \d+ studies, \d+ patients; "
                     r"(high|moderate|low|very low) certainty\)", text)


def test_pooled_methods_tab_has_the_certainty_paragraph(app_test):
    at = app_test(page="pages/pooled.py", query={"ptab": "Methods & literature"})
    assert not at.exception
    codes = " ".join(str(c.value) for c in at.code)
    assert "MINORS items 1–8" in codes and "certainty)." in codes


def test_grouped_by_overall_judgement(app_test):
    at = app_test(page=PAGE, query={"rob_group": "true"})
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
