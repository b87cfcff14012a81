"""Report content, self-contained HTML, PPTX deck and the headless command."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import evidence
from evidence.selection import Selection, select_outcomes
from findings.survival import survival_headlines
from reports.content import FIGURE_SECTIONS, Section, build_content
from reports.html import build_html
from reports.pptx import build_pptx
from reports.view import View

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_TITLES = [
    "Pooled ORR: forest plot",
    "Pooled DCR: forest plot",
    "Heterogeneity and method agreement",
    "Subgroup comparison by histology",
    "Survival: reported medians",
    "Sample-size design: Simon two-stage",
    "Methods",
]


@pytest.fixture(scope="module")
def content():
    return build_content(View())


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name in ("src", "href", "data", "poster", "srcset", "action", "formaction"):
                self.refs.append((tag, name, value or ""))


# ------------------------------------------------------------------------------------------
def test_content_has_every_section_in_order(content) -> None:
    assert tuple(s.key for s in content.figure_sections()) == FIGURE_SECTIONS
    for s in content.sections:
        assert s.available or s.reason, s.key  # a missing section always says why
        if not s.available:
            assert "not available" in s.reason
    assert content.section("orr_forest").available
    assert content.results["ORR"].k >= 2
    assert content.provenance.sha256 and len(content.provenance.sha_short) == 12


def test_content_numbers_come_from_pool_proportions(content) -> None:
    from synthesis import pool_proportions

    v = content.view
    chosen = select_outcomes(content_outcomes(), v.selection()).frame
    ref = pool_proportions(chosen["events"].tolist(), chosen["total"].tolist(), **v.pool_kwargs())
    assert content.results["ORR"].estimate == pytest.approx(ref.estimate, abs=1e-12)
    assert content.results["ORR"].ci.low == pytest.approx(ref.ci.low, abs=1e-12)


def content_outcomes() -> pd.DataFrame:
    import evidence

    return evidence.load_studies().outcomes_frame()


VIEWS = [
    "",
    "endpoint=DCR",
    "timepoint=week_12",
    "timepoint=final&reports=all",
    "reports=all",
    "histology=osteosarcoma",
    "design=prospective&endpoint=DCR",
    "line=after prior therapy",
    "regimen=monotherapy&reports=all",
    "timepoint=best_overall&histology=osteosarcoma&histology=mixed",
]


@pytest.mark.parametrize("query", VIEWS)
def test_selection_mirrors_the_pooled_page(query: str) -> None:
    """The report pools what the pooled page pools (both build findings.pooled views)."""
    outcomes = content_outcomes()
    v = View.from_query(query)
    c = build_content(v)
    page = select_outcomes(outcomes, Selection(**v.selection_kwargs()))
    if page.k == 0:
        assert v.endpoint not in c.views
        return
    mine = c.views[v.endpoint].selected
    pd.testing.assert_frame_equal(mine.frame, page.frame)
    pd.testing.assert_frame_equal(mine.excluded, page.excluded)
    assert mine.notes == page.notes


def test_missing_outcomes_give_unavailable_sections_not_numbers() -> None:
    class Empty:
        path, sha256, problems = "empty.yaml", "0" * 64, ()

        def outcomes_frame(self):
            return pd.DataFrame()

        def flags_frame(self):
            return pd.DataFrame()

        def studies_frame(self):
            return pd.DataFrame()

        def survival_frame(self):
            return pd.DataFrame()

        def subtypes_frame(self):
            return pd.DataFrame()

        def pooled_estimates_frame(self):
            return pd.DataFrame()

    c = build_content(View(), evidence=Empty())
    assert not c.results
    for key in ("orr_forest", "dcr_forest", "agreement", "subgroups", "survival"):
        assert not c.section(key).available
    html = build_html(c)
    assert "not available" in html
    deck = build_pptx(c, render=False)
    assert deck[:2] == b"PK"


# ------------------------------------------------------------------------------------------
def test_html_is_self_contained(content) -> None:
    html = build_html(content)
    parser = _Refs()
    parser.feed(html)
    external = [r for r in parser.refs if re.match(r"^\s*(https?:)?//", r[2], re.I)]
    assert not external, external[:5]
    # no element loads anything at all (plotly's bundle contains URL *strings*, never loads)
    assert not [r for r in parser.refs if r[0] in ("script", "link", "img", "iframe")]
    assert not re.search(r"<script[^>]+src=", html, re.I)
    assert not re.search(r"<link[^>]+href=", html, re.I)
    assert "Content-Security-Policy" in html and "default-src 'none'" in unescape(html[:2000])


def test_html_embeds_plotly_once_and_every_available_figure(content) -> None:
    from plotly.offline import get_plotlyjs

    html = build_html(content)
    head = get_plotlyjs()[:300]
    assert html.count(head) == 1
    n_figs = sum(1 for s in content.sections if s.figure is not None)
    assert html.count("Plotly.newPlot(") == n_figs
    for s in content.sections:
        if s.figure is not None:
            assert f'id="fig-{s.key}"' in html
    for title in EXPECTED_TITLES:
        assert title in html
    assert content.provenance.sha256 in html
    assert "escalc(" in html  # the R scripts are included


def test_html_escapes_data_text(content) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    table = pd.DataFrame({"Study": [evil], "N": [3]})
    sec = Section(key="orr_forest", title=evil, caption=evil, bullets=(evil,), table=table,
                  available=False, reason=evil)
    c = replace(content, evidence_table=table, sections=(sec, *content.sections[1:]),
                title=evil, references=(evil,), methods=(evil,))
    html = build_html(c)
    assert evil not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


# ------------------------------------------------------------------------------------------
def _deck(data: bytes):
    from pptx import Presentation

    return Presentation(io.BytesIO(data))


def _titles(prs) -> list[str]:
    return [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]


def _slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_pptx_without_images_has_titles_tables_and_footers(content) -> None:
    data = build_pptx(content, render=False)
    prs = _deck(data)
    assert prs.slide_width * 9 == prs.slide_height * 16 or abs(prs.slide_width / prs.slide_height - 16 / 9) < 1e-3
    titles = _titles(prs)
    assert titles[0] == content.title
    assert any(t.startswith("Evidence") for t in titles)
    for t in EXPECTED_TITLES:
        assert any(x == t or x.startswith(t + " (") for x in titles), t
    assert any(t.startswith("References") for t in titles)
    for slide in prs.slides:
        text = _slide_text(slide)
        assert content.provenance.sha_short in text
        assert content.provenance.app_version in text
        assert content.provenance.date in text
        assert "nan" not in re.findall(r"\bnan\b", text.lower())
    forest = prs.slides[titles.index("Pooled ORR: forest plot")]
    assert any(getattr(s, "has_table", False) and s.has_table for s in forest.shapes)
    assert "static image export is not available" in _slide_text(forest)


@pytest.mark.export
def test_pptx_with_kaleido_images(content) -> None:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    prs = _deck(build_pptx(content))
    titles = _titles(prs)
    for key, title in (("orr_forest", "Pooled ORR: forest plot"),
                       ("survival", "Survival: reported medians"),
                       ("design", "Sample-size design: Simon two-stage")):
        if content.section(key).figure is None:
            continue
        slide = prs.slides[titles.index(title)]
        pics = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pics) == 1, title
        assert pics[0].image.blob[:8] == b"\x89PNG\r\n\x1a\n"
        assert pics[0].image.size[0] >= 1500  # 960 px layout at scale 2
        assert pics[0].left + pics[0].width <= prs.slide_width
        assert pics[0].top + pics[0].height <= prs.slide_height


# ------------------------------------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reports", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_cli_html_and_r_and_pptx(tmp_path) -> None:
    out = tmp_path / "report.html"
    r = _cli("--view", "endpoint=DCR&method=DL&ci=z", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "Pooled DCR: forest plot" in html and "endpoint=dcr&amp;method=dl&amp;ci=z" in html
    script = tmp_path / "orr.R"
    r = _cli("--view", "method=PM", "--out", str(script), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'method = "PM"' in script.read_text(encoding="ascii")
    vf = tmp_path / "choices.yaml"
    vf.write_text("endpoint: ORR\nmethod: REML\nci: hksj\n", encoding="utf-8")
    deck = tmp_path / "deck.pptx"
    r = _cli("--view-file", str(vf), "--out", str(deck), "--no-figures", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Pooled ORR: forest plot" in _titles(_deck(deck.read_bytes()))


def test_cli_palette_option_and_view_key_draw_the_colour_blind_palette(tmp_path) -> None:
    from charts.robvis import PALETTES

    blind, cochrane = PALETTES["colourblind"]["High"].lower(), PALETTES["cochrane"]["High"].lower()
    pages = {}
    for name, args in {"option": ("--palette", "colourblind"), "key": ("--view", "rob_cb=true"),
                       "default": ()}.items():
        out = tmp_path / f"{name}.html"
        r = _cli(*args, "--out", str(out), "--quiet", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        pages[name] = out.read_text(encoding="utf-8").lower()
    for name in ("option", "key"):
        assert blind in pages[name] and cochrane not in pages[name], name
        assert "rob_cb=true" in pages[name]  # the footer's view says which palette was drawn
    assert cochrane in pages["default"] and blind not in pages["default"]


def test_cli_same_content_as_library(tmp_path) -> None:
    out = tmp_path / "r.html"
    r = _cli("--view", "histology=osteosarcoma", "--out", str(out), "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lib = build_html(build_content(View.from_query("histology=osteosarcoma")))
    strip = re.compile(r'id="[0-9a-f-]{36}"|"[0-9a-f-]{36}"')  # plotly div ids are random
    assert strip.sub("", out.read_text(encoding="utf-8")) == strip.sub("", lib)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--view", "method=XYZ", "--out", "x.html"], "method"),
        (["--view", "foo=1", "--out", "x.html"], "unknown view key"),
        (["--out", "x.doc"], ".html, .pptx, .docx or .R"),
        (["--view-file", "/nonexistent/choices.yaml", "--out", "x.html"], "error:"),
        (["--view", "rob_cb=maybe", "--out", "x.html"], "rob_cb 'maybe', which is not one of true or false"),
        (["--palette", "pink", "--out", "x.html"], "invalid choice: 'pink' (choose from 'cochrane', 'colourblind')"),
    ],
)
def test_cli_errors_are_one_line_without_traceback(args, message, tmp_path) -> None:
    args = [a if a != "x.html" else str(tmp_path / "x.html") for a in args]
    r = _cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_reports_never_import_streamlit() -> None:
    code = (
        "import sys, importlib, pkgutil, reports\n"
        "for m in pkgutil.walk_packages(reports.__path__, 'reports.'):\n"
        "    if m.name != 'reports.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "from reports.content import build_content\n"
        "from reports.html import build_html\n"
        "build_html(build_content())\n"
        "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "assert not bad, bad[:5]\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "ok"


def test_survival_section_carries_the_page_headlines(content) -> None:
    sec = content.section("survival")
    assert sec.bullets and sec.bullets == survival_headlines(evidence.load_studies().survival_frame())
    assert any("from " in b and " studies" in b for b in sec.bullets)  # says how many studies it used
    html = build_html(content)
    assert "Pooled median PFS" in html


def test_forest_section_states_certainty_and_leads_the_slide_with_it() -> None:
    content = build_content(View(), only=("orr_forest",))
    sec = next(s for s in content.sections if s.key == "orr_forest")
    cert = [b for b in sec.bullets if b.endswith("certainty).")]
    assert len(cert) == 1 and cert[0].startswith("ORR ") and "studies" in cert[0] and "patients" in cert[0]
    assert sec.lead[0] == cert[0] and "prediction interval" in sec.lead[1]
    assert "CI" in sec.bullets[0] and "prediction interval" in sec.bullets[1]  # the page's order kept


def test_orr_and_dcr_are_graded_once_for_the_forests_and_the_summary_of_findings(monkeypatch) -> None:
    from findings import appraisal as fa

    calls: list[str] = []
    grade_outcome = fa.grade_outcome

    def counting(outcome, *args, **kwargs):
        calls.append(outcome)
        return grade_outcome(outcome, *args, **kwargs)

    monkeypatch.setattr(fa, "grade_outcome", counting)
    content = build_content(View(), only=("orr_forest", "dcr_forest", "sof"))
    assert calls.count("ORR") == 1 and calls.count("DCR") == 1, calls
    sof = content.section("sof")
    for ep in ("ORR", "DCR"):  # one grade, worded the same in the forest section and the SoF
        cert = next(b for b in content.section(f"{ep.lower()}_forest").bullets if b.endswith("certainty)."))
        assert cert[:-1] in sof.bullets
