"""The PRISMA 2020 flow of the living review in the PPTX deck and the DOCX report.

Both files are read back (python-pptx, python-docx) and must hold the diagram's counts as
computed from the search log (findings.review.prisma_view), not typed.
"""

from __future__ import annotations

import io
import re

import docx
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

import evidence
from findings.review import prisma_view
from reports.content import REVIEW_SECTIONS, build_content
from reports.docx import build_docx
from reports.pptx import build_pptx
from reports.view import View

TITLE = "PRISMA 2020 flow diagram (living review)"


@pytest.fixture(scope="module")
def view():
    pv = prisma_view(evidence.load_studies())
    assert pv.counts is not None, pv.error
    return pv


@pytest.fixture(scope="module")
def content():
    return build_content(View(), only={"prisma"})


def _slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if getattr(shape, "has_table", False) and shape.has_table:
            parts.extend(c.text for row in shape.table.rows for c in row.cells)
    return "\n".join(parts)


def _prisma_slide(data: bytes):
    prs = Presentation(io.BytesIO(data))
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]
    assert titles.count(TITLE) == 1, titles
    i = titles.index(TITLE)
    methods = min(j for j, t in enumerate(titles) if t.startswith("Methods"))
    assert methods > i > max(j for j, t in enumerate(titles) if t.startswith("Evidence"))
    return prs, prs.slides[i]


def _key_counts(c) -> dict[str, int]:
    return {"searches": c.searches, "results returned": c.results_returned,
            "records identified": c.records_identified, "assessed": c.reports_assessed,
            "new studies": c.new_studies, "total studies": c.total_studies,
            "total reports": c.total_reports, **{f"{ep} meta-analysis": k for ep, k in c.meta_analysis}}


def test_sentences_word_the_computed_counts(view) -> None:
    c = view.counts
    words = " ".join(view.sentences)
    assert len(view.sentences) == 4
    assert f"{c.searches} searches of stored copies" in words
    assert f"returned {c.results_returned} results" in words
    assert f"{c.records_identified} records new to the review" in words
    assert f"{c.reports_assessed} assessed" in words
    assert f"in total {c.total_studies} studies ({c.total_reports} reports)" in words
    for ep, k in c.meta_analysis:
        assert f"{k} studies in the default {ep} meta-analysis" in words
    assert prisma_view(evidence.load_studies(), log_path="no/such/log.yaml").sentences == ()


def test_review_section_is_built_with_its_table_and_sentences(content, view) -> None:
    assert REVIEW_SECTIONS == ("prisma",)
    s = content.review_sections()[0]
    assert s.available and s.figure is not None
    assert s.bullets == view.sentences
    assert [tuple(r) for r in s.table.itertuples(index=False)] == list(view.counts.boxes())


def test_pptx_has_a_prisma_slide_with_the_counts(content, view) -> None:
    prs, slide = _prisma_slide(build_pptx(content, render=False))
    text = _slide_text(slide)
    notes = slide.notes_slide.notes_text_frame.text
    for sentence in view.sentences:
        assert sentence in text and sentence in notes
    numbers = set(re.findall(r"\d+", text))
    for name, n in _key_counts(view.counts).items():
        assert str(n) in numbers, name
    assert content.provenance.sha_short in text  # the footer, as on every slide


def test_docx_has_the_prisma_heading_table_and_sentences(content, view) -> None:
    d = docx.Document(io.BytesIO(build_docx(content, render=False)))
    heads = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert TITLE in heads
    paras = [p.text for p in d.paragraphs]
    for sentence in view.sentences:
        assert sentence in paras
    rows = [tuple(c.text for c in r.cells) for t in d.tables for r in t.rows]
    for box, n in view.counts.boxes():
        assert (box, str(n)) in rows, box


@pytest.mark.export
def test_pptx_and_docx_embed_the_diagram_as_an_image(content, view) -> None:
    prs, slide = _prisma_slide(build_pptx(content))
    pics = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pics) == 1
    pic = pics[0]
    assert pic.image.blob[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = pic.image.size
    assert (w, h) == (1920, 1640)  # 960 x 820 layout at scale 2: the flow is not squeezed
    assert pic.top + pic.height <= prs.slide_height and pic.left + pic.width <= prs.slide_width
    descr = pic._element.nvPicPr.cNvPr.get("descr")
    assert view.sentences[-1] in descr  # alt text carries the counts
    d = docx.Document(io.BytesIO(build_docx(content)))
    body = d.element.body
    heading = next(p for p in d.paragraphs if p.text == TITLE)
    after = list(body).index(heading._p) + 1
    assert body[after].xpath(".//pic:pic"), "the diagram follows its heading"
    assert not [p.text for p in d.paragraphs if p.text.startswith("Figure not embedded")]
