"""Living review page under AppTest: What's new, PRISMA counts and figure, search log, exclusions."""

from __future__ import annotations

import re

import pytest

from tests.app.test_smoke import visible_text

pytestmark = pytest.mark.app
PAGE = "pages/review.py"
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def test_review_page(app_test) -> None:
    at = app_test(page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    body = visible_text(at).replace("\\", "")
    assert not NAN.search(body)
    assert [s.value for s in at.subheader] == [
        "What's new", "PRISMA 2020 flow diagram", "Search log", "Records considered and excluded"]
    assert "Version 2026-12 (2026-12-06): 9 records added" in body
    assert not at.error
    tables = at.dataframe
    news = tables[0].value
    assert set(news["date"]) == {"2026-12-06"} and "Pooled ORR (page defaults)" in set(news["change"])
    counts = tables[1].value
    assert dict(zip(counts["box"], counts["n"], strict=True))["Total studies included in review"] == 23
    log = tables[2].value
    assert "O-01" in set(log["id"]) and "not known" in set(log["hits"])
    excl = tables[3].value
    assert {"N8", "X-kang"} <= set(excl["id"])
    assert len(at.get("plotly_chart")) == 1


def test_studies_page_offers_reference_downloads(app_test) -> None:
    at = app_test(page="pages/studies.py")
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"RIS", "BibTeX", "CSL-JSON"} <= set(labels)


def test_overview_states_cohorts_and_patients(app_test) -> None:
    at = app_test(page="pages/home.py")
    assert not at.exception
    assert re.search(r"Evidence base: \d+ cohorts with \d+ patients enrolled", visible_text(at).replace("\\", ""))
