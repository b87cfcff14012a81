"""A Word document of a :class:`~reports.content.ReportContent` (python-docx).

The same sections and tables as the HTML report, in the same order: title and provenance, the
view's choices, the evidence table, one heading per section (figure as a PNG when static export
is available, caption, the pooled sentences and caveats, the section's tables), methods, the R
scripts, data problems and references. Protocol writers and journals work in Word: every table
is a real Word table and every heading a Word heading, so the document can be edited and
restyled. Text from data is inserted as plain text runs (never interpreted).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Inches, Pt, RGBColor

from findings import text
from findings.planner import ProtocolSection
from reports.content import ReportContent, Section
from reports.pptx import render_images

__all__ = ["build_docx", "build_protocol_docx"]

MUTED = RGBColor(0x5D, 0x6D, 0x7E)
WARN = RGBColor(0x9A, 0x5B, 0x0B)
FIG_WIDTH = Inches(6.3)


def _cell(v: object) -> str:
    if isinstance(v, float):
        return text.num(v, 4)
    return text.MISSING if v is None else str(v)


def _table(doc, df: pd.DataFrame | None) -> None:
    """A Word table with a bold header row (nothing when ``df`` is empty)."""
    if df is None or df.empty:
        return
    table = doc.add_table(rows=1, cols=len(df.columns))
    table.style = "Light Grid Accent 1"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, df.columns, strict=True):
        cell.text = str(name)
        for r in cell.paragraphs[0].runs:
            r.bold = True
    for row in df.itertuples(index=False, name=None):
        cells = table.add_row().cells
        for cell, v in zip(cells, row, strict=True):
            cell.text = _cell(v)
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for r in p.runs:
                    r.font.size = Pt(8.5)
    doc.add_paragraph()


def _caption(doc, words: str, color: RGBColor = MUTED) -> None:
    p = doc.add_paragraph()
    run = p.add_run(words)
    run.italic, run.font.size, run.font.color.rgb = True, Pt(9), color


def _bullets(doc, items: Sequence[str]) -> None:
    for b in items:
        if b:
            doc.add_paragraph(b, style="List Bullet")


def _section(doc, s: Section, png: bytes | None, no_image_reason: str) -> None:
    doc.add_heading(s.title, level=1)
    if not s.available:
        _caption(doc, f"{s.title}: {s.reason}", WARN)
        return
    if s.figure is not None:
        if png:
            doc.add_picture(io.BytesIO(png), width=FIG_WIDTH)
        else:
            _caption(doc, f"Figure not embedded ({no_image_reason}); the numbers are in the table "
                          "below and the figure is in the HTML report.", WARN)
    if s.caption:
        _caption(doc, s.caption)
    _bullets(doc, s.bullets)
    _table(doc, s.table)
    for name, table in s.tables:
        doc.add_heading(name, level=2)
        _table(doc, table)


def build_docx(
    content: ReportContent,
    *,
    images: dict[str, bytes] | None = None,
    render: bool = True,
) -> bytes:
    """The report as ``.docx`` bytes.

    Parameters
    ----------
    content
        From :func:`reports.content.build_content`.
    images
        PNG bytes per section key, if already rendered; otherwise rendered here when ``render``.
    render
        ``False`` skips static export (the tables stand in for the figures, with a note).
    """
    c, p = content, content.provenance
    reason = ""
    if images is None:
        images, reason = render_images(c) if render else ({}, "figure rendering was switched off")
    doc = Document()
    doc.core_properties.title = c.title
    doc.core_properties.comments = p.footer()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Calibri", Pt(10.5)
    for sec in doc.sections:
        sec.left_margin = sec.right_margin = Inches(0.9)
        sec.footer.paragraphs[0].text = p.footer()

    doc.add_heading(c.title, level=0)
    doc.add_paragraph(c.subtitle)
    _caption(doc, f"Generated {p.date} · data file {p.data_file} (sha256 {p.sha256}) · app version "
                  f"{p.app_version}" + (f" · {p.n_problems} data problem(s) reported by the loader"
                                        if p.n_problems else ""))

    doc.add_heading("Choices (view)", level=1)
    _caption(doc, "The same keys as the app URL; rerun headless with python -m reports"
                  + (f' --view "{p.view_query}"' if p.view_query else "") + " --out report.docx.")
    mapping = c.view.to_yaml_mapping() or {"(all defaults)": ""}
    _table(doc, pd.DataFrame([(k, ", ".join(v) if isinstance(v, list) else v) for k, v in mapping.items()],
                             columns=["View key", "Value"]))
    doc.add_heading("Evidence", level=1)
    _table(doc, c.evidence_table)

    for s in c.sections:
        _section(doc, s, images.get(s.key), reason)

    doc.add_heading("Methods", level=1)
    for m in c.methods:
        doc.add_paragraph(m)
    if c.r_scripts:
        doc.add_heading("Reproduce in R", level=1)
        _caption(doc, "Standalone metafor scripts with the data inline; run with Rscript file.R.")
        for ep, script in c.r_scripts.items():
            doc.add_heading(f"R script: pooled {ep}", level=2)
            para = doc.add_paragraph()
            run = para.add_run(script)
            run.font.name, run.font.size = "Consolas", Pt(7.5)
    if c.problems:
        doc.add_heading("Data problems", level=1)
        _bullets(doc, c.problems)
    doc.add_heading("References", level=1)
    for r in c.references:
        doc.add_paragraph(r, style="List Number")

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def build_protocol_docx(section: ProtocolSection) -> bytes:
    """The Trial planner's sample-size section as ``.docx`` bytes (Word-ready, editable).

    The protocol paragraph (design, rule, operating characteristics, sources of p0 and p1 with
    their caveats, references), every input with its source, each table (boundaries, operating
    characteristics, designs), the design across the CI of the source estimate, and the
    references by group, all as in :meth:`findings.planner.ProtocolSection.markdown`; tables
    are real Word tables and text is inserted as plain runs.
    """
    doc = Document()
    doc.core_properties.title = section.title
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Calibri", Pt(10.5)
    for sec in doc.sections:
        sec.left_margin = sec.right_margin = Inches(0.9)
    doc.add_heading(section.title, level=1)
    doc.add_paragraph(section.paragraph)
    doc.add_heading("Inputs and their sources", level=2)
    _table(doc, pd.DataFrame(list(section.inputs), columns=["Input", "Value and source"]))
    for name, df in section.tables:
        if df is not None and not df.empty:
            doc.add_heading(name, level=2)
            _table(doc, df)
    if section.across is not None:
        doc.add_heading(section.across.title, level=2)
        _caption(doc, section.across.caption)
        _table(doc, section.across.table)
    if section.references:
        doc.add_heading("References", level=2)
        for heading, refs in section.reference_groups():
            doc.add_heading(heading, level=3)
            for n, line in refs:
                para = doc.add_paragraph()
                para.paragraph_format.left_indent = Inches(0.3)
                para.paragraph_format.first_line_indent = Inches(-0.3)
                para.add_run(f"{n}.\t{line}")
        _caption(doc, f"The same references as RIS and BibTeX: {section.stem}_references.ris, "
                      f"{section.stem}_references.bib.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
