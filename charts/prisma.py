"""PRISMA 2020 flow diagram for an updated review (previous version + other methods).

Counts in, figure out: :func:`prisma_figure` draws the boxes of Page et al. (BMJ 2021;372:n71,
figure for updated reviews with searches of other sources only) from
:class:`evidence.searchlog.PrismaCounts`, plus the optional box of studies in the meta-analysis
that the PRISMA2020 R package can draw. Exportable like every figure (charts.export).
"""

from __future__ import annotations

import plotly.graph_objects as go

from charts import theme
from evidence.searchlog import PrismaCounts

__all__ = ["prisma_figure"]

_BOX = "#1f5f8b"
_FILL = "#eaf2f8"
_GREY = "#f2f3f4"


def _n(x: int) -> str:
    return f"(n = {x})"


def _box(fig: go.Figure, x0: float, y0: float, x1: float, y1: float, lines: list[str], *,
         fill: str = "white", bold_first: bool = False, size: int = 12) -> None:
    fig.add_shape(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line={"color": _BOX, "width": 1.2},
                  fillcolor=fill, layer="below")
    body = [f"<b>{lines[0]}</b>" if bold_first else lines[0], *lines[1:]]
    fig.add_annotation(x=(x0 + x1) / 2, y=(y0 + y1) / 2, text="<br>".join(body), showarrow=False,
                       font={"size": size}, align="center", xanchor="center", yanchor="middle")


def _arrow(fig: go.Figure, x0: float, y0: float, x1: float, y1: float) -> None:
    fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                       showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.2, arrowcolor=_BOX, text="")


def prisma_figure(counts: PrismaCounts, *, title: str = "PRISMA 2020 flow diagram (updated review)",
                  presentation: bool = False) -> go.Figure:
    """The flow diagram as a plotly figure (axes hidden; 100 x 100 drawing units)."""
    c = counts
    fig = go.Figure()
    # phase bands (left)
    for y0, y1, label in ((80, 99, "Identification"), (40, 79, "Screening"), (1, 39, "Included")):
        fig.add_shape(type="rect", x0=0, y0=y0, x1=4, y1=y1, line={"width": 0}, fillcolor=_FILL, layer="below")
        fig.add_annotation(x=2, y=(y0 + y1) / 2, text=f"<b>{label}</b>", textangle=-90, showarrow=False,
                           font={"size": 12})
    # headers
    fig.add_annotation(x=18, y=102, text="<b>Previous studies</b>", showarrow=False, font={"size": 13})
    fig.add_annotation(x=65, y=102, text="<b>Identification of new studies via other methods</b>",
                       showarrow=False, font={"size": 13})
    # previous version
    _box(fig, 6, 82, 30, 98, ["Studies included in previous", f"version of review {_n(c.previous_studies)}", "",
                             "Reports of studies included in", f"previous version {_n(c.previous_reports)}"],
         fill=_GREY)
    # identification (other methods)
    known = [] if not c.searches_without_counts else [f"({c.searches_without_counts} without result counts)"]
    _box(fig, 34, 82, 64, 98, [
        f"Searches of stored copies {_n(c.searches)}", *known,
        f"Results returned {_n(c.results_returned)}",
        f"Already known {_n(c.results_already_known)}; off topic {_n(c.results_off_topic)}",
        f"<b>Records identified {_n(c.records_identified)}</b>",
    ], size=11)
    # screening
    _box(fig, 34, 68, 64, 76, ["Records screened", _n(c.records_identified)])
    _box(fig, 70, 68, 98, 76, ["Records excluded", _n(c.records_screened_out)])
    _box(fig, 34, 56, 64, 64, ["Reports sought for retrieval", _n(c.reports_sought)])
    _box(fig, 70, 56, 98, 64, ["Reports not retrieved", _n(c.reports_not_retrieved)])
    _box(fig, 34, 42, 64, 52, ["Reports assessed for eligibility", _n(c.reports_assessed)])
    reasons = [f"{reason} {_n(n)}" for reason, n in c.reports_excluded]
    _box(fig, 70, 34, 98, 54, [f"Reports excluded {_n(c.reports_excluded_total)}:", *reasons], size=11)
    _box(fig, 70, 24, 98, 31, ["Registered trials without", f"results (ongoing) {_n(c.registered_trials)}"],
         size=11)
    # included
    _box(fig, 34, 24, 64, 36, [f"New studies included {_n(c.new_studies)}",
                              f"Reports of new included studies {_n(c.new_reports)}"])
    relinked = (f"(incl. {c.reclassified_reports} earlier record(s) now linked to an included study)"
                if c.reclassified_reports else "")
    _box(fig, 6, 10, 64, 20, [f"Total studies included in review {_n(c.total_studies)}",
                             f"Reports of total included studies {_n(c.total_reports)}", relinked],
         fill=_FILL, bold_first=True)
    meta = "; ".join(f"{ep} {_n(k)}" for ep, k in c.meta_analysis)
    _box(fig, 6, 1, 64, 7, [f"Studies in the default meta-analysis: {meta}"], fill=_GREY, size=11)
    # arrows
    _arrow(fig, 49, 82, 49, 76)
    _arrow(fig, 64, 72, 70, 72)
    _arrow(fig, 49, 68, 49, 64)
    _arrow(fig, 64, 60, 70, 60)
    _arrow(fig, 49, 56, 49, 52)
    _arrow(fig, 64, 47, 70, 47)
    _arrow(fig, 64, 44, 70, 28)
    _arrow(fig, 49, 42, 49, 36)
    _arrow(fig, 49, 24, 49, 20)
    _arrow(fig, 18, 82, 18, 20)
    _arrow(fig, 35, 10, 35, 7)
    fig.update_xaxes(visible=False, range=[0, 100], fixedrange=True)
    fig.update_yaxes(visible=False, range=[0, 105], fixedrange=True)
    fig.update_layout(title={"text": title}, height=820, showlegend=False,
                      margin={"l": 10, "r": 10, "t": 60 if title else 10, "b": 10})
    return theme.apply(fig, presentation=presentation)
