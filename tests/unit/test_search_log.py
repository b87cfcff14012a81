"""The search log and the PRISMA 2020 counts computed from it (evidence.searchlog)."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from evidence import load_studies
from evidence.loader import load_studies_from_text
from evidence.searchlog import (
    DEFAULT_LOG_PATH,
    CurrentVersion,
    PrismaError,
    load_search_log,
    prisma_counts,
)

LOG_TEXT = DEFAULT_LOG_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shipped():
    log, problems = load_search_log()
    assert problems == () and log is not None
    return log, load_studies(), load_studies(log.previous_path())


def _log_from(text: str, tmp_path: Path):
    p = tmp_path / "log.yaml"
    p.write_text(text, encoding="utf-8")
    log, problems = load_search_log(p)
    return log, problems


def test_counts_of_the_shipped_log(shipped) -> None:
    log, cur, prev = shipped
    c = prisma_counts(log, cur, prev)
    assert (c.previous_studies, c.previous_reports) == (18, 23)
    assert (c.records_identified, c.records_screened_out, c.reports_sought) == (29, 10, 19)
    assert (c.reports_not_retrieved, c.reports_assessed, c.reports_excluded_total) == (0, 19, 10)
    assert (c.registered_trials, c.new_studies, c.new_reports, c.reclassified_reports) == (3, 5, 6, 1)
    assert (c.total_studies, c.total_reports) == (23, 30)
    assert c.searches == 57 and c.searches_without_counts == 1
    assert c.results_returned == c.results_already_known + c.results_off_topic + 3
    assert dict(c.meta_analysis)["ORR"] >= 1
    names = [b for b, _ in c.boxes()]
    assert names[0].startswith("Studies included in previous version")
    assert "Reports of total included studies" in names


def test_changing_one_count_fails_naming_the_box(shipped, tmp_path: Path) -> None:
    _, cur, prev = shipped
    text = LOG_TEXT.replace('"A Preliminary Study of Apatinib in Chinese Patients with Osteosarcoma", hits: 8,',
                            '"A Preliminary Study of Apatinib in Chinese Patients with Osteosarcoma", hits: 9,')
    assert text != LOG_TEXT
    log, problems = _log_from(text, tmp_path)
    assert problems == ()
    with pytest.raises(PrismaError) as err:
        prisma_counts(log, cur, prev)
    assert err.value.box == "Records identified (new to the review), search O-03"
    assert "9 results returned" in str(err.value)


def test_a_record_missing_from_the_log_is_named(shipped, tmp_path: Path) -> None:
    _, cur, prev = shipped
    text = LOG_TEXT.replace("new_records: [X-liuj]", "new_records: []")
    text = text.replace("hits: 8, already_known: 6, off_topic: 1,", "hits: 7, already_known: 6, off_topic: 1,")
    log, _ = _log_from(text, tmp_path)
    with pytest.raises(PrismaError, match="X-liuj") as err:
        prisma_counts(log, cur, prev)
    assert err.value.box == "Records identified (new to the review)"


def test_a_record_in_no_box_fails_the_assessed_box(shipped) -> None:
    log, _, prev = shipped
    studies = (Path(DEFAULT_LOG_PATH).parents[0] / "studies.yaml").read_text(encoding="utf-8")
    # N4 becomes an untraced claim: identified, not screened out, yet neither included nor excluded
    changed = studies.replace("  - id: N4\n    label: Yu (ASCO abstract, osteosarcoma)\n    record_kind: study",
                              "  - id: N4\n    label: Yu (ASCO abstract, osteosarcoma)\n    record_kind: untraced_claim")
    assert changed != studies
    cur = load_studies_from_text(changed, "changed.yaml")
    with pytest.raises(PrismaError, match="N4") as err:
        prisma_counts(log, cur, prev)
    assert err.value.box == "Reports assessed for eligibility"


def test_bad_entries_are_problems_naming_the_field(tmp_path: Path) -> None:
    text = LOG_TEXT.replace('{id: O-04, date: "2026-12-06"', '{id: O-04, date: "6 Dec 2026"')
    log, problems = _log_from(text, tmp_path)
    assert log is None
    assert problems[0].study_id == "O-04" and "date" in problems[0].field
    text = LOG_TEXT.replace("hits: 8, already_known: 8, off_topic: 0}", "hits: -1, already_known: 8, off_topic: 0}", 1)
    log, problems = _log_from(text, tmp_path)
    assert log is None and "hits" in problems[0].field
    log, problems = load_search_log(tmp_path / "missing.yaml")
    assert log is None and "cannot read" in problems[0].message



def test_the_current_versions_date_is_checked_like_a_search_date() -> None:
    for bad in ("2026/12/06", "06-12-2026", "December 2026"):
        with pytest.raises(pydantic.ValidationError, match="YYYY-MM-DD or YYYY-MM"):
            CurrentVersion(label="v", date=bad)
    assert CurrentVersion(label="v", date="2026-12").date == "2026-12"
