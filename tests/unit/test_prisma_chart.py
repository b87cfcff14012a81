"""PRISMA 2020 figure (charts.prisma) and its report section."""

from __future__ import annotations

from charts.prisma import prisma_figure
from evidence import load_studies
from findings.review import prisma_view
from reports.content import build_content
from reports.html import build_html


def test_figure_shows_every_computed_count() -> None:
    view = prisma_view(load_studies())
    assert view.error is None and view.counts is not None
    c = view.counts
    fig = prisma_figure(c)
    texts = " ".join(a.text for a in fig.layout.annotations)
    for label, n in (("Records identified", c.records_identified), ("Records excluded", c.records_screened_out),
                     ("Reports assessed for eligibility", c.reports_assessed),
                     ("Total studies included in review", c.total_studies),
                     ("Reports of total included studies", c.total_reports)):
        assert label in texts and f"(n = {n})" in texts, label
    for reason, n in c.reports_excluded:
        assert f"{reason} (n = {n})" in texts
    assert len([s for s in fig.layout.shapes if s.type == "rect"]) >= 14
    assert not fig.layout.xaxis.visible


def test_html_report_has_the_prisma_section() -> None:
    content = build_content()
    section = content.section("prisma")
    assert section.available and section.figure is not None
    assert "Reports of total included studies" in set(section.table["box"])
    assert "PRISMA 2020 flow diagram (living review)" in build_html(content)


def test_section_says_why_when_the_log_does_not_describe_the_data(tmp_path) -> None:
    text = (load_studies().path and open(load_studies().path, encoding="utf-8").read())
    p = tmp_path / "studies.yaml"
    p.write_text(text.replace("  - {id: X-liuj, label:", "  - {id: X-liuj2, label:", 1), encoding="utf-8")
    content = build_content(evidence=load_studies(p))
    section = content.section("prisma")
    assert not section.available and "Records identified" in section.reason
