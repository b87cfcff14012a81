"""A 16:9 PowerPoint deck of a :class:`~reports.content.ReportContent` (python-pptx).

Slides lead with the answer: title; pooled ORR forest; pooled DCR forest (each with its pooled
sentences and caveats); then the qualifications: the forest with its risk-of-bias columns, the
robvis traffic light and weighted summary, the GRADE summary of findings, method agreement, subgroup comparison by
histology, survival, sample-size design; then the tables: the evidence table (split over several
slides when long) and the published estimates; the living review's PRISMA 2020 flow diagram;
methods; references. Every slide has a footer with the date, the data file's
sha256 (short) and the app version, and speaker notes with the caption and key numbers.

Figures are PNG images rendered through :mod:`charts.export` (kaleido + Debian chromium, all in
one browser session). When static export is unavailable, the figure's table is drawn as a native
PowerPoint table and the slide says why — the deck is still produced.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from charts.export import ExportError, export_available, to_images
from reports.content import APPRAISAL_SECTIONS, REVIEW_FIGURE_SIZE, ReportContent, Section

__all__ = ["IMAGE_SIZE", "build_pptx", "render_images"]

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
BODY_TOP = Inches(1.3)
BODY_BOTTOM = Inches(6.95)
FIG_W = Inches(8.7)
#: layout size (CSS px) of exported figures; PNG scale 2
IMAGE_SIZE = (960, 580)
ROWS_PER_TABLE = 10
INK = RGBColor(0x1C, 0x28, 0x33)
MUTED = RGBColor(0x5D, 0x6D, 0x7E)
ACCENT = RGBColor(0xB0, 0x3A, 0x2E)
WARN = RGBColor(0x9A, 0x5B, 0x0B)


def render_images(content: ReportContent) -> tuple[dict[str, bytes], str]:
    """PNG bytes per figure section key (one browser session), and a reason when none."""
    ok, reason = export_available()
    if not ok:
        return {}, reason
    secs = [s for s in content.deck_sections() if s.figure is not None]
    review = [s for s in content.review_sections() if s.figure is not None]
    if not secs and not review:
        return {}, ""
    sizes = [_own_size(s) for s in secs] + [REVIEW_FIGURE_SIZE] * len(review)
    secs += review
    try:
        pngs = to_images([s.figure for s in secs], "png", scale=2, width=IMAGE_SIZE[0],
                         height=IMAGE_SIZE[1], sizes=sizes)
    except ExportError as exc:
        return {}, str(exc)
    return {s.key: png for s, png in zip(secs, pngs, strict=True)}, ""


def _own_size(s: Section) -> tuple[int, int] | None:
    """The layout size of an appraisal figure (its height grows with the studies; the traffic
    light also sets its width), else ``None`` (:data:`IMAGE_SIZE`)."""
    if s.key not in APPRAISAL_SECTIONS:
        return None
    lay = s.figure.layout
    return (int(lay.width or IMAGE_SIZE[0]), int(lay.height or IMAGE_SIZE[1]))


# ------------------------------------------------------------------------------------------
def _text_box(slide, left, top, width, height, paragraphs: Sequence[str], *, size: int = 14,
              color: RGBColor = INK, bold: bool = False, bullets: bool = False,
              anchor=MSO_ANCHOR.TOP):
    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = anchor
    first = True
    for text in paragraphs:
        if not text:
            continue
        p = tf.paragraphs[0] if first else tf.add_paragraph()
        first = False
        run = p.add_run()
        run.text = ("• " if bullets else "") + str(text)
        run.font.size = Pt(size)
        run.font.color.rgb = color
        run.font.bold = bold
        p.space_after = Pt(6 if bullets else 4)
    return box


def _slide(prs, title: str, footer: str):
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only": a real title placeholder
    t = slide.shapes.title
    t.left, t.top, t.width, t.height = MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.85)
    t.text = title
    tf = t.text_frame
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    for p in tf.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        for r in p.runs:
            r.font.size = Pt(28)
            r.font.bold = True
            r.font.color.rgb = INK
    line = slide.shapes.add_connector(1, MARGIN, Inches(1.17), SLIDE_W - MARGIN, Inches(1.17))
    line.line.color.rgb = ACCENT
    line.line.width = Pt(2)
    _text_box(slide, MARGIN, Inches(7.02), SLIDE_W - 2 * MARGIN, Inches(0.35), [footer], size=10,
              color=MUTED)
    return slide


def _notes(slide, lines: Sequence[str]) -> None:
    text = "\n".join(x for x in lines if x)
    if text:
        slide.notes_slide.notes_text_frame.text = text


def _cell_text(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return "–" if not math.isfinite(v) else f"{v:.4g}"
    s = str(v)
    return s if s.strip() else "–"


def _table(slide, df: pd.DataFrame, left, top, width, max_height, *, size: int = 12):
    rows, cols = len(df) + 1, len(df.columns)
    row_h = Pt(size * 2.1)
    height = min(max_height, Emu(row_h * rows))
    shape = slide.shapes.add_table(rows, cols, left, top, width, height)
    table = shape.table
    for j, name in enumerate(df.columns):
        cell = table.cell(0, j)
        cell.text = str(name)
        for p in cell.text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(size)
                r.font.bold = True
    for i, row in enumerate(df.itertuples(index=False, name=None), start=1):
        for j, v in enumerate(row):
            cell = table.cell(i, j)
            cell.text = _cell_text(v)
            for p in cell.text_frame.paragraphs:
                for r in p.runs:
                    r.font.size = Pt(size)
    return shape


def _chunks(df: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    if df is None or df.empty:
        return []
    return [df.iloc[i:i + n] for i in range(0, len(df), n)]


def _picture(slide, png: bytes, left, top, width, alt: str):
    pic = slide.shapes.add_picture(io.BytesIO(png), left, top, width=width)
    max_h = BODY_BOTTOM - top - Inches(0.35)
    if pic.height > max_h:  # keep the aspect ratio inside the body area
        ratio = max_h / pic.height
        pic.height = int(max_h)
        pic.width = int(pic.width * ratio)
    pic._element.nvPicPr.cNvPr.set("descr", alt[:1000])  # alt text for screen readers
    return pic


def _figure_slide(prs, s: Section, footer: str, png: bytes | None, no_image_reason: str) -> None:
    slide = _slide(prs, s.title, footer)
    right_left = MARGIN + FIG_W + Inches(0.25)
    right_w = SLIDE_W - right_left - MARGIN
    if not s.available and s.figure is None:
        _text_box(slide, MARGIN, BODY_TOP + Inches(0.2), SLIDE_W - 2 * MARGIN, Inches(0.8),
                  [f"Not available: {s.reason}"], size=18, color=WARN)
        if s.table is not None and not s.table.empty:
            _table(slide, s.table.iloc[:ROWS_PER_TABLE], MARGIN, BODY_TOP + Inches(1.2),
                   SLIDE_W - 2 * MARGIN, BODY_BOTTOM - BODY_TOP - Inches(1.3))
        _notes(slide, [s.title, s.reason])
        return
    if png is not None:
        pic = _picture(slide, png, MARGIN, BODY_TOP, FIG_W,
                       alt=f"{s.title}. {s.caption} " + " ".join(s.bullets))
        if s.caption:
            _text_box(slide, MARGIN, pic.top + pic.height + Inches(0.02), FIG_W, Inches(0.4),
                      [s.caption], size=10, color=MUTED)
    else:
        note = "Figure shown as a table: static image export is not available here"
        note += f" ({no_image_reason})." if no_image_reason else "."
        _text_box(slide, MARGIN, BODY_TOP, FIG_W, Inches(0.6), [note], size=12, color=WARN)
        if s.table is not None and not s.table.empty:
            _table(slide, s.table.iloc[:ROWS_PER_TABLE], MARGIN, BODY_TOP + Inches(0.7), FIG_W,
                   BODY_BOTTOM - BODY_TOP - Inches(0.8), size=11)
    side = list(s.bullets)
    if not s.available and s.reason:
        side.append(f"Not available: {s.reason}")
    if side:
        _text_box(slide, right_left, BODY_TOP + Inches(0.1), right_w, BODY_BOTTOM - BODY_TOP,
                  side, size=15, bullets=True)
    _notes(slide, [s.title, s.caption, *s.bullets])


def _paragraph_slides(prs, title: str, paras: Sequence[str], footer: str, *, size: int,
                      per_slide_chars: int, numbered: bool = False) -> None:
    pages: list[list[str]] = [[]]
    used = 0
    for i, p in enumerate(paras, start=1):
        text = f"{i}. {p}" if numbered else p
        if pages[-1] and used + len(text) > per_slide_chars:
            pages.append([])
            used = 0
        pages[-1].append(text)
        used += len(text)
    for j, page in enumerate(pages, start=1):
        t = title if len(pages) == 1 else f"{title} ({j}/{len(pages)})"
        slide = _slide(prs, t, footer)
        _text_box(slide, MARGIN, BODY_TOP + Inches(0.05), SLIDE_W - 2 * MARGIN,
                  BODY_BOTTOM - BODY_TOP, page, size=size)


def build_pptx(
    content: ReportContent,
    *,
    images: dict[str, bytes] | None = None,
    render: bool = True,
) -> bytes:
    """The deck as ``.pptx`` bytes.

    Parameters
    ----------
    content
        From :func:`reports.content.build_content`.
    images
        PNG bytes per section key, if already rendered; otherwise rendered here when ``render``.
    render
        ``False`` skips static export (tables instead of figures, with a note).
    """
    c = content
    reason = ""
    if images is None:
        if render:
            images, reason = render_images(c)
        else:
            images, reason = {}, "figure rendering was switched off"
    footer = c.provenance.footer()
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H

    # 1. title
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.left, slide.shapes.title.top = MARGIN, Inches(1.6)
    slide.shapes.title.width, slide.shapes.title.height = SLIDE_W - 2 * MARGIN, Inches(1.5)
    slide.shapes.title.text = c.title
    for p in slide.shapes.title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size, r.font.bold, r.font.color.rgb = Pt(40), True, INK
    sub = slide.placeholders[1]
    sub.left, sub.top, sub.width, sub.height = MARGIN, Inches(3.3), SLIDE_W - 2 * MARGIN, Inches(2.2)
    sub.text = c.subtitle
    view_text = c.view.to_query() or "page defaults"
    extra = [f"View: {view_text}", f"Data: {c.provenance.data_file}, sha256 {c.provenance.sha256}",
             f"Generated {c.provenance.date} · app version {c.provenance.app_version}"]
    for line in extra:
        p = sub.text_frame.add_paragraph()
        p.text = line
    for i, p in enumerate(sub.text_frame.paragraphs):
        for r in p.runs:
            r.font.size = Pt(22 if i == 0 else 13)
            r.font.color.rgb = INK if i == 0 else MUTED
    _text_box(slide, MARGIN, Inches(7.02), SLIDE_W - 2 * MARGIN, Inches(0.35), [footer], size=10,
              color=MUTED)

    # 2–7. the answer (forest plots), then its qualifications (the appraisal figures after the
    # paired forest + risk-of-bias figure)
    for s in c.deck_sections():
        _figure_slide(prs, s, footer, images.get(s.key), reason)

    # 8. tables: evidence, published estimates
    chunks = _chunks(c.evidence_table, ROWS_PER_TABLE) or [pd.DataFrame({"Evidence": ["no studies"]})]
    for j, chunk in enumerate(chunks, start=1):
        title = "Evidence" if len(chunks) == 1 else f"Evidence ({j}/{len(chunks)})"
        slide = _slide(prs, title, footer)
        _table(slide, chunk, MARGIN, BODY_TOP, SLIDE_W - 2 * MARGIN, BODY_BOTTOM - BODY_TOP, size=11)
    for s in c.table_sections():
        slide = _slide(prs, s.title, footer)
        _table(slide, s.table.iloc[:ROWS_PER_TABLE], MARGIN, BODY_TOP, SLIDE_W - 2 * MARGIN,
               BODY_BOTTOM - BODY_TOP - Inches(0.5), size=11)
        _text_box(slide, MARGIN, BODY_BOTTOM - Inches(0.45), SLIDE_W - 2 * MARGIN, Inches(0.45),
                  [s.caption], size=11, color=MUTED)

    # 9. the living review's PRISMA 2020 flow (not in presentation mode)
    for s in c.review_sections():
        _figure_slide(prs, s, footer, images.get(s.key), reason)

    # 10. methods, 11. references
    _paragraph_slides(prs, "Methods", c.methods, footer, size=14, per_slide_chars=1500)
    _paragraph_slides(prs, "References", c.references, footer, size=11, per_slide_chars=1900,
                      numbered=True)

    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
