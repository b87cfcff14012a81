"""The appraisal in the reports: paired RoB figure and GRADE summary of findings in the content,
the HTML report, the PPTX deck and the DOCX document."""

from __future__ import annotations

import io

import pytest
from docx import Document
from pptx import Presentation

from evidence import load_studies
from evidence.appraisal import load_appraisals
from findings import appraisal as fa
from findings.safety import safety_view
from reports.content import ROB_TITLE, SOF_TITLE, build_content
from reports.docx import build_docx
from reports.html import build_html
from reports.pptx import build_pptx
from reports.view import View


@pytest.fixture(scope="module")
def content():
    return build_content(View())


def test_rob_and_sof_sections(content):
    rob, sof = content.section("rob"), content.section("sof")
    assert rob.available and sof.available, (rob.reason, sof.reason)
    assert list(rob.table.columns) == ["Study", *[f"D{i}" for i in range(1, 9)], "Overall", "Weight"]
    assert len(rob.table) == content.results["ORR"].k
    assert "Participants (studies)" in sof.table.columns and "ORR" in sof.table["Outcome"].tolist()
    assert any(b.startswith("ORR ") and b.endswith("certainty)") for b in sof.bullets)
    # the paired figure has one risk-of-bias grid row per forest study row
    grid = [t for t in rob.figure.data if getattr(t, "xaxis", None) == "x2"]
    assert {sid for t in grid for sid in t.customdata} == set(
        next(t for t in rob.figure.data if t.name == "studies").customdata.ravel())


def test_html_report_has_the_sof_table(content):
    page = build_html(content)
    assert SOF_TITLE in page and ROB_TITLE in page
    assert "Participants (studies)" in page and "certainty)" in page


def test_pptx_has_rob_and_sof_slides(content):
    prs = Presentation(io.BytesIO(build_pptx(content, render=False)))
    titles, texts = [], []
    for slide in prs.slides:
        title = slide.shapes.title.text if slide.shapes.title is not None else ""
        titles.append(title)
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts.extend(c.text for r in shape.table.rows for c in r.cells)
        texts.append("\n".join(parts))
    assert ROB_TITLE in titles and SOF_TITLE in titles
    sof_text = texts[titles.index(SOF_TITLE)]
    assert "Participants (studies)" in sof_text and "ORR" in sof_text


def test_docx_opens_and_holds_the_sof_table(content):
    doc = Document(io.BytesIO(build_docx(content, render=False)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert SOF_TITLE in headings and ROB_TITLE in headings
    sof = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] ==
               ["Outcome", "Pooled estimate with apatinib (CI)", "Participants (studies)"])
    outcomes = [r.cells[0].text for r in sof.rows[1:]]
    assert "ORR" in outcomes
    orr = sof.rows[1 + outcomes.index("ORR")]
    assert any(sym in orr.cells[3].text for sym in ("⊕", "◯"))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "certainty)" in body  # the sentences


def test_grade3_adverse_events_row_starts_high_when_the_safety_view_pools_it(content):
    res, rows = fa.ae_grade3_rows(safety_view(load_studies()))
    sof = content.section("sof").table
    if res is None:
        assert fa.AE_GRADE3_OUTCOME not in sof["Outcome"].tolist()
        return
    assert fa.AE_GRADE3_OUTCOME in sof["Outcome"].tolist()
    assert len(rows) == res.k and int(rows["total"].sum()) == res.total_n
    g = fa.grade_outcome(fa.AE_GRADE3_OUTCOME, res, rows, load_appraisals(), fa.GradeInputs())
    assert g.question == "event rate" and g.start == 4


def test_safety_section_states_the_grade3_certainty_like_the_sof_row(content):
    """The safety table's pooled grade ≥3 rate carries the same certainty sentence as the SoF."""
    res, _ = fa.ae_grade3_rows(safety_view(load_studies()))
    assert res is not None  # the embedded data pool one grade ≥3 "any adverse event" row
    sof = content.section("sof")
    sentence = next(b for b in sof.bullets if b.startswith(fa.AE_GRADE3_OUTCOME))
    safety = content.section("safety")
    line = next(b for b in safety.bullets if b.startswith("Certainty (GRADE)"))
    assert sentence in line and line.rstrip(".").endswith("not rated")
    assert f"attribution {res.attribution}" in line
    assert build_html(content).count(sentence) >= 2  # SoF bullets and the safety section
    assert safety.lead == (sentence + ".",)  # the presentation slide's line under the figure


def test_ae_certainty_line_is_empty_without_a_grade3_row():
    class NoAe:
        pools: dict = {}

    assert fa.ae_certainty_line(NoAe(), load_appraisals(), fa.GradeInputs()) == ""
    assert fa.ae_certainty(NoAe(), load_appraisals(), fa.GradeInputs()) == ("", "")


# ------------------------------------------------------------------ traffic light and weighted summary
from reports.content import APPRAISAL_SECTIONS, SUMMARY_TITLE, TRAFFIC_TITLE  # noqa: E402


def test_traffic_light_and_summary_sections_follow_the_paired_figure(content):
    keys = [s.key for s in content.sections]
    assert keys[keys.index("rob") + 1: keys.index("rob") + 3] == list(APPRAISAL_SECTIONS)
    traffic, summary = content.appraisal_sections()
    assert traffic.available and summary.available, (traffic.reason, summary.reason)
    rob = content.section("rob").table
    # one traffic-light row per pooled study, in the forest's order, with the robvis judgements
    from charts.theme import shorten

    assert list(traffic.figure.layout.yaxis.ticktext) == [shorten(x, 30) for x in rob["Study"]]
    ys = sorted({y for t in traffic.figure.data for y in t.y})
    assert len(ys) == len(rob) == content.results["ORR"].k
    assert {t.name for t in traffic.figure.data} <= set(rob[[f"D{i}" for i in range(1, 9)] + ["Overall"]]
                                                        .stack().unique())
    # the summary table: one row per item and the overall judgement, shares summing to 100%
    assert summary.table["Item"].tolist() == [*(f"D{i}" for i in range(1, 9)), "Overall"]
    for _, row in summary.table.iterrows():
        total = sum(float(v.rstrip("%")) for v in row.iloc[2:] if isinstance(v, str) and v.endswith("%"))
        assert abs(total - 100) <= 1.5, row.to_dict()
    deck = [s.key for s in content.deck_sections()]
    assert deck[deck.index("rob") + 1: deck.index("rob") + 3] == list(APPRAISAL_SECTIONS)


def test_html_report_draws_the_traffic_light_and_summary(content):
    page = build_html(content)
    assert TRAFFIC_TITLE in page and SUMMARY_TITLE in page
    assert 'id="fig-rob_traffic"' in page and 'id="fig-rob_summary"' in page


def test_pptx_has_a_slide_for_each_appraisal_figure_without_rendering(content):
    prs = Presentation(io.BytesIO(build_pptx(content, render=False)))
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]
    i = titles.index(ROB_TITLE)
    assert titles[i + 1: i + 3] == [TRAFFIC_TITLE, SUMMARY_TITLE]


@pytest.fixture(scope="module")
def images(content):
    from reports.pptx import render_images

    imgs, reason = render_images(content)
    if not imgs:
        pytest.skip(f"static export unavailable: {reason}")
    return imgs


@pytest.mark.export
def test_docx_and_pptx_embed_the_traffic_light_and_summary_images(content, images):
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for key in APPRAISAL_SECTIONS:
        assert images[key][:8] == b"\x89PNG\r\n\x1a\n"
    # the traffic light keeps its own (tall) layout size instead of the 960 x 580 slide figure
    fig = content.section("rob_traffic").figure
    from PIL import Image

    w, h = Image.open(io.BytesIO(images["rob_traffic"])).size
    assert (w, h) == (2 * fig.layout.width, 2 * fig.layout.height)

    doc = Document(io.BytesIO(build_docx(content, images=images)))
    body = list(doc.element.body)
    for title in (TRAFFIC_TITLE, SUMMARY_TITLE):
        heading = next(p for p in doc.paragraphs if p.text == title)
        assert body[body.index(heading._p) + 1].xpath(".//pic:pic"), f"{title}: image after its heading"
    blobs = {r.target_part.blob for r in doc.part.rels.values() if "image" in r.reltype}
    assert images["rob_traffic"] in blobs and images["rob_summary"] in blobs
    # ... and the SoF table is in the same document
    assert any([c.text for c in t.rows[0].cells][:1] == ["Outcome"] for t in doc.tables)

    prs = Presentation(io.BytesIO(build_pptx(content, images=images)))
    by_title = {s.shapes.title.text: s for s in prs.slides if s.shapes.title is not None}
    for key, title in (("rob_traffic", TRAFFIC_TITLE), ("rob_summary", SUMMARY_TITLE)):
        pics = [s for s in by_title[title].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pics) == 1 and pics[0].image.blob == images[key]
        assert pics[0].top + pics[0].height <= prs.slide_height


def _marker_colours(figure) -> set[str]:
    out: set[str] = set()
    for trace in figure.data:
        colour = getattr(getattr(trace, "marker", None), "color", None)
        if colour is not None:
            out |= {str(colour)} if isinstance(colour, str) else {str(c) for c in colour}
    return out


@pytest.mark.parametrize("palette", ["cochrane", "colourblind"])
def test_risk_of_bias_figures_use_the_views_palette(palette):
    from charts.robvis import PALETTES

    view = View().with_palette(palette)
    assert view.rob_cb is (palette == "colourblind") and view.palette == palette
    c = build_content(view, only=("rob", "rob_traffic", "rob_summary"))
    # each palette's own judgement colours (white, robvis' colour-blind "no information", is not
    # told apart from a background)
    ours = {v.lower() for k, v in PALETTES[palette].items() if k != "NA"} - {"#ffffff"}
    theirs = {v.lower() for p, cols in PALETTES.items() if p != palette
              for k, v in cols.items() if k != "NA"} - {"#ffffff"}
    drawn: set[str] = set()
    for key in ("rob_traffic", "rob_summary", "rob"):
        sec = c.section(key)
        assert sec.available, sec.reason
        colours = {x.lower() for x in _marker_colours(sec.figure)}
        assert PALETTES[palette]["Low"].lower() in colours and PALETTES[palette]["High"].lower() in colours, key
        assert not colours & theirs, (key, colours & theirs)
        drawn |= colours & ours
    page = build_html(c).lower()  # the HTML report's interactive figures carry the same colours
    assert len(drawn) >= 3 and all(x in page for x in drawn) and not any(x in page for x in theirs)


def test_palette_from_a_link_and_its_errors():
    assert View.from_query("rob_cb=true").palette == "colourblind"
    assert View.from_query("rob_cb=false").palette == View().palette == "cochrane"
    assert fa.ROB_PALETTES[View().rob_cb] == "cochrane"
    with pytest.raises(ValueError, match="rob_cb 'pink', which is not one of true or false"):
        View.from_query("rob_cb=pink")
    with pytest.raises(ValueError, match=r"palette \('pink'\) must be one of 'cochrane', 'colourblind'"):
        View().with_palette("pink")
    with pytest.raises(ValueError, match="rob_cb"):
        View(rob_cb="yes")


def test_each_appraisal_figure_is_drawn_once(monkeypatch):
    from reports import content as rc

    calls: list[str] = []
    for name in ("traffic_light_figure", "summary_figure"):
        draw = getattr(rc.robvis, name)
        monkeypatch.setattr(rc.robvis, name, lambda *a, _draw=draw, _name=name, **k: (calls.append(_name), _draw(*a, **k))[1])
    c = build_content(View(), only=("rob_traffic", "rob_summary"))
    assert c.section("rob_traffic").available and c.section("rob_summary").available
    assert sorted(calls) == ["summary_figure", "traffic_light_figure"]
