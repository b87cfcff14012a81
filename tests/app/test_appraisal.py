"""Appraisal & certainty page under AppTest: every tab renders (no exception, no 'nan'), the SoF
table and the certainty sentence agree with findings.appraisal, and a GRADE override in the link
reaches the footnotes."""

from __future__ import annotations

import re

import pytest

from synthesis.grade import DOMAINS, Override, encode_overrides
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


def test_overview_certainty_follows_the_grade_question_of_the_link(app_test):
    """The Overview's certainty line is cached: keyed by the GRADE question, not only the pool."""
    pattern = r"ORR \d+% \(95% CI \d+–\d+%; \d+ studies, \d+ patients; ([a-z ]+) certainty\)"
    plain = re.search(pattern, visible_text(app_test(page="pages/home.py"))).group(1)
    ratings = {d: Override(d, "not serious", "test") for d in DOMAINS[:4]}
    code = encode_overrides({"ORR": {**ratings, "publication bias": Override("publication bias", "undetected", "test")}})
    at = app_test(query={"grade": code})  # the Overview is the default page
    assert not at.exception
    rated = re.search(pattern, visible_text(at)).group(1)
    assert rated != plain and rated in ("high", "moderate", "low")
    assert re.search(pattern, visible_text(app_test(page="pages/home.py"))).group(1) == plain


def test_pooled_methods_tab_has_the_certainty_paragraph(app_test):
    at = app_test(page="pages/pooled.py", query={"ptab": "Methods & literature"})
    assert not at.exception
    codes = " ".join(str(c.value) for c in at.code)
    assert "MINORS items 1–8" in codes and "certainty)." in codes


def test_grouped_by_overall_judgement(app_test):
    at = app_test(page=PAGE, query={"rob_group": "true"})
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error


# ------------------------------------------------------------------ one reviewer; a second one uploaded
def _second_file(change: dict[str, tuple[str, int]]) -> bytes:
    """The appraisal file as an independent second reviewer would send it: another appraiser
    and, for the studies in ``change``, another score on one MINORS item."""
    import yaml

    from evidence.appraisal import DEFAULT_APPRAISALS_PATH

    raw = yaml.safe_load(DEFAULT_APPRAISALS_PATH.read_text(encoding="utf-8"))
    for a in raw["appraisals"]:
        a["appraiser"] = "Second Reviewer (test)"
        if a["study"] in change:
            item, score = change[a["study"]]
            a["minors"][item]["score"] = score
    return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False).encode("utf-8")


def _upload(at, name: str, data: bytes):
    return at.file_uploader(key="second_up").set_value((name, data, "application/x-yaml")).run()


def test_one_reviewer_is_said_plainly_and_kappa_is_not_available(app_test):
    at = app_test(page=PAGE, query={"atab": "Study appraisals"})
    text = visible_text(at)
    assert "One reviewer appraised every study" in text
    assert any("Cohen's κ: not available: one reviewer" in i.value for i in at.info)


def test_uploaded_second_review_gives_agreement_and_kappa(app_test):
    from evidence.appraisal import attach_second_review, load_appraisals, load_appraisals_from_text
    from findings import appraisal as fa

    data = _second_file({"S1": ("D2", 2), "S2": ("D3", 1)})
    at = _upload(app_test(page=PAGE, query={"atab": "Study appraisals"}), "reviewer2.yaml", data)
    assert not at.exception, [e.value for e in at.exception]
    shown = next(d.value for d in at.dataframe if "Cohen's κ (95% CI)" in d.value.columns)
    merged, problems = attach_second_review(load_appraisals(),
                                            load_appraisals_from_text(data.decode(), "reviewer2.yaml"))
    assert problems == ()
    expected = fa.reviewer_agreement(merged)
    assert shown.astype(str).values.tolist() == expected.astype(str).values.tolist()
    d2 = shown[(shown["Tool"] == "MINORS") & (shown["Item"] == "D2")].iloc[0]
    assert d2["Pairs"] == len(merged) and d2["Agreement"] != "100%"  # the changed score counts
    assert "Two reviewers appraised" in visible_text(at)
    assert not any("not available: one reviewer" in i.value for i in at.info)
    at.button(key="rm_second").click().run()
    assert any("not available: one reviewer" in i.value for i in at.info)


@pytest.mark.parametrize(("name", "data", "needle"), [
    ("blank.yaml", None, "MINORS score must be 0, 1 or 2"),
    ("bad.yaml", b"schema_version: 1\nappraisals: [\n", "not valid YAML"),
    ("latin1.yaml", "appraiser: é".encode("latin-1"), "not UTF-8 text"),
])
def test_bad_second_review_is_named_not_raised(app_test, name, data, needle):
    from evidence.appraisal import load_appraisals
    from findings import appraisal as fa

    if data is None:
        data = fa.second_review_template(load_appraisals()).encode("utf-8")
    at = _upload(app_test(page=PAGE, query={"atab": "Study appraisals"}), name, data)
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "message" in d.value.columns)
    assert (table["file"] == name).all() and table["message"].str.contains(needle).any()
    assert any("not available: one reviewer" in i.value for i in at.info)
