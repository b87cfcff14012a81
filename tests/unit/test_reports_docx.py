"""The Word report: read back with python-docx, it has the HTML report's headings, sentences and tables."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from reports.content import build_content
from reports.docx import build_docx
from reports.view import View

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def content():
    return build_content(View.from_query("endpoint=DCR&method=PM"))


@pytest.fixture(scope="module")
def document(content):
    return docx.Document(io.BytesIO(build_docx(content, render=False)))


def _headings(d) -> list[str]:
    return [p.text for p in d.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"]


def _rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_headings_follow_the_report_sections(content, document) -> None:
    heads = _headings(document)
    assert heads[0] == content.title
    expected = ["Choices (view)", "Evidence", *(s.title for s in content.sections), "Methods", "References"]
    positions = [heads.index(h) for h in expected]
    assert positions == sorted(positions), heads  # same order as the HTML report
    assert "Heterogeneity (DCR)" in heads and "R script: pooled DCR" in heads


def test_pooled_sentence_and_methods_are_the_page_words(content, document) -> None:
    paras = [p.text for p in document.paragraphs]
    v = content.views["DCR"]
    assert v.sentences[0] in paras  # "Pooled DCR 78.9% (95% CI 71.8–84.5%)." as on the page
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert f"Chosen model: {v.label}" in cells  # the agreement table's first row, as on the page
    assert f"DCR. {v.methods}" in paras
    assert "Paule–Mandel" in v.methods
    assert document.sections[0].footer.paragraphs[0].text == content.provenance.footer()


def test_subtitle_counts_pooled_studies_not_records(content, document) -> None:
    """The subtitle once said "35 studies" where 11 were pooled: it counts what it says."""
    k = {ep: v.result.k for ep, v in content.views.items()}
    assert content.subtitle.startswith(f"{k['ORR']} studies pooled for ORR, {k['DCR']} studies pooled for DCR (")
    n_records = len(content.evidence_table)
    assert f"({n_records} records in the evidence base)" in content.subtitle
    assert n_records > k["ORR"]
    assert content.subtitle in [p.text for p in document.paragraphs]


def test_tables_are_word_tables_with_the_same_cells(content, document) -> None:
    v = content.views["DCR"]
    tables = [_rows(t) for t in document.tables]
    assert [list(v.table.columns), *v.table.astype(str).values.tolist()] in tables
    assert [list(v.heterogeneity.columns), *v.heterogeneity.astype(str).values.tolist()] in tables
    evidence = next(t for t in document.tables if _rows(t)[0] == list(content.evidence_table.columns))
    assert len(evidence.rows) == len(content.evidence_table) + 1
    assert "nan" not in {c.text.lower() for t in document.tables for r in t.rows for c in r.cells}


def test_data_text_is_inserted_as_plain_text() -> None:
    import evidence

    ev = evidence.load_studies()
    c = build_content(View(), evidence=ev)
    evil = "<script>alert(1)</script> **bold** =cmd|' /C calc'!A0"
    c = type(c)(**{**c.__dict__, "references": (evil, *c.references)})
    d = docx.Document(io.BytesIO(build_docx(c, render=False)))
    assert evil in [p.text for p in d.paragraphs]


def test_cli_writes_docx(tmp_path) -> None:
    out = tmp_path / "report.docx"
    r = subprocess.run([sys.executable, "-m", "reports", "--view", "endpoint=ORR", "--out", str(out),
                        "--no-figures", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    d = docx.Document(str(out))
    assert "Pooled ORR: forest plot" in _headings(d)
    assert any(p.text.startswith("Pooled ORR ") and "% CI " in p.text for p in d.paragraphs)


def test_deck_leads_with_the_answer(content) -> None:
    """Title, then the pooled ORR and DCR forest plots, then qualifications, then tables, methods, references."""
    from pptx import Presentation

    from reports.pptx import build_pptx

    prs = Presentation(io.BytesIO(build_pptx(content, render=False)))
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]
    assert titles[0] == content.title
    assert titles[1:3] == ["Pooled ORR: forest plot", "Pooled DCR: forest plot"]
    last_figure = max(titles.index(s.title) for s in content.figure_sections())
    first_table = min(i for i, t in enumerate(titles) if t.startswith("Evidence"))
    first_methods = min(i for i, t in enumerate(titles) if t.startswith("Methods"))
    assert last_figure < first_table < first_methods < max(
        i for i, t in enumerate(titles) if t.startswith("References"))
