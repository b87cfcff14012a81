"""Risk-of-bias figures in the robvis idiom: traffic light, weighted summary bars, paired forest.

Input is a table in robvis' layout (``Study, D1…Dk, Overall[, Weight]``; cells hold judgements
such as ``"Low"``, ``"Some concerns"``, ``"High"``, ``"Critical"``, ``"No information"``), so
the same table can be written to CSV and redrawn with ``robvis::rob_traffic_light(data,
tool = "Generic")`` in R. Colours are robvis' (``get_colour()`` in ``R/helpers.R``): the
``"cochrane"`` scheme and the ``"colourblind"`` alternative.

References
----------
McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis): an R package and Shiny web app
for visualizing risk-of-bias assessments. Res Synth Methods 2021;12:55–61.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts import forest, theme
from charts.theme import shorten
from synthesis.results import PooledProportion

__all__ = [
    "JUDGEMENTS",
    "PALETTES",
    "SYMBOLS",
    "paired_forest_figure",
    "table_figure",
    "summary_figure",
    "traffic_light_figure",
]

#: judgement order, least to most severe, then no information
JUDGEMENTS: tuple[str, ...] = ("Low", "Some concerns", "High", "Critical", "No information")
#: robvis colour schemes (R/helpers.R get_colour: "cochrane" and "colourblind")
PALETTES: dict[str, dict[str, str]] = {
    "cochrane": {"Low": "#02C100", "Some concerns": "#E2DF07", "High": "#BF0000",
                 "Critical": "#820000", "No information": "#4EA1F7", "NA": "#cccccc"},
    "colourblind": {"Low": "#fed98e", "Some concerns": "#fe9929", "High": "#d95f0e",
                    "Critical": "#993404", "No information": "#ffffff", "NA": "#cccccc"},
}
#: symbol drawn inside each circle (robvis: + low, ! some concerns, - high, x critical, ? no information)
SYMBOLS: dict[str, str] = {"Low": "+", "Some concerns": "!", "High": "−", "Critical": "×",
                           "No information": "?", "NA": ""}
_EDGE = "#566573"
#: paper-x of the forest's columns (label, counts end, plot start/end, estimate end, weight end)
#: and where they go in the paired figure
_FOREST_KNOTS = (0.0, 0.32, 0.35, 0.69, 0.895, 1.0)
_PAIRED_KNOTS = (0.0, 0.29, 0.31, 0.495, 0.675, 0.735)
#: presentation type is larger: the forest keeps more of the width, the grid less
_PAIRED_KNOTS_PRESENT = (0.0, 0.30, 0.32, 0.50, 0.735, 0.80)


def _esc(text: str) -> str:
    return html.escape(str(text), quote=False)


def _domains(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("Study", "Weight", "Overall")]


def _check(frame: pd.DataFrame, palette: str) -> dict[str, str]:
    if "Study" not in frame.columns:
        raise ValueError("frame needs a 'Study' column (robvis layout: Study, D1…Dk, Overall).")
    if palette not in PALETTES:
        raise ValueError(f"palette ({palette!r}) must be one of {', '.join(map(repr, PALETTES))}.")
    cols = _domains(frame) + (["Overall"] if "Overall" in frame else [])
    bad = sorted({str(v) for c in cols for v in frame[c] if v not in PALETTES[palette]})
    if bad:
        raise ValueError(f"unknown judgement(s) {bad}; expected one of {list(JUDGEMENTS)}.")
    return PALETTES[palette]


def _symbol_colour(judgement: str, palette: str) -> str:
    return "#1c2833" if palette == "colourblind" or judgement == "Some concerns" else "white"


def _grid_traces(frame: pd.DataFrame, columns: Sequence[str], x_of: Mapping[str, float],
                 y: np.ndarray, palette: str, *, size: float, xaxis: str = "x",
                 yaxis: str = "y", domain_names: Mapping[str, str] | None = None) -> list[go.Scatter]:
    """One scatter trace per judgement (legend entries), circles with a symbol on top."""
    colours = PALETTES[palette]
    traces: list[go.Scatter] = []
    names = dict(domain_names or {})
    for judgement in (*JUDGEMENTS, "NA"):
        xs, ys, hover = [], [], []
        for col in columns:
            for i, v in enumerate(frame[col].tolist()):
                if v == judgement:
                    xs.append(x_of[col])
                    ys.append(y[i])
                    label = names.get(col, col)
                    hover.append(f"<b>{_esc(str(frame['Study'].iloc[i]))}</b>"
                                 f"<br>{col}: {_esc(label)}<br>{judgement}")
        if not xs:
            continue
        traces.append(go.Scatter(
            name=judgement, x=xs, y=ys, mode="markers+text", xaxis=xaxis, yaxis=yaxis,
            marker={"symbol": "circle", "size": size, "color": colours[judgement],
                    "line": {"color": _EDGE, "width": 1}},
            text=[SYMBOLS[judgement]] * len(xs), textposition="middle center",
            textfont={"color": _symbol_colour(judgement, palette), "size": size * 0.62},
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
            legendgroup=judgement, showlegend=True,
        ))
    return traces


def _caption(domain_names: Mapping[str, str] | None, columns: Sequence[str]) -> str:
    if not domain_names:
        return ""
    parts = [f"{c}: {_esc(domain_names[c])}" for c in columns if c in domain_names]
    lines, line = [], ""
    for p in parts:
        if line and len(line) + len(p) > 110:
            lines.append(line)
            line = ""
        line = f"{line}   {p}" if line else p
    if line:
        lines.append(line)
    return "<br>".join(lines)


def traffic_light_figure(
    frame: pd.DataFrame,
    *,
    domain_names: Mapping[str, str] | None = None,
    palette: str = "cochrane",
    title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """Study × domain grid of judgements (robvis ``rob_traffic_light``).

    Parameters
    ----------
    frame
        robvis layout: ``Study``, domain columns, optional ``Overall`` and ``Weight``; one row
        per study, top first.
    domain_names
        ``{"D1": "A clearly stated aim", ...}`` printed as the caption.
    palette : {"cochrane", "colourblind"}

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per judgement present (its name is the judgement).
    """
    _check(frame, palette)
    doms = _domains(frame)
    cols = doms + (["Overall"] if "Overall" in frame else [])
    n = len(frame)
    y = np.arange(n, dtype=float)[::-1]
    x_of = {c: float(i) + (0.4 if c == "Overall" else 0.0) for i, c in enumerate(cols)}
    fig = go.Figure(_grid_traces(frame, cols, x_of, y, palette, size=24, domain_names=domain_names))
    caption = _caption(domain_names, doms)
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        height=int(140 + 34 * n + 18 * caption.count("<br>")),
        margin={"l": 10, "r": 10, "t": 70 if title else 40, "b": 80 + 16 * caption.count("<br>")},
        xaxis={"tickvals": [x_of[c] for c in cols], "ticktext": cols, "side": "top",
               "range": [-0.6, x_of[cols[-1]] + 0.6], "showgrid": False, "zeroline": False},
        yaxis={"tickvals": list(y), "ticktext": [_esc(shorten(s, 30))
                                                 for s in frame["Study"].astype(str)],
               "range": [-0.7, n - 0.3], "showgrid": False, "zeroline": False, "fixedrange": True,
               "automargin": True},
        width=int(330 + 62 * len(cols)),
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0, "title": {"text": "Judgement"}},
        dragmode=False,
    )
    if caption:
        fig.add_annotation(x=0, y=0, xref="paper", yref="paper", yanchor="top", yshift=-44,
                           xanchor="left", align="left", showarrow=False, text=caption,
                           font={"size": 11, "color": theme.COLORS["muted"]})
    return theme.apply(fig, presentation=presentation)


def summary_shares(frame: pd.DataFrame, *, weighted: bool = True) -> pd.DataFrame:
    """Share (0–1) of studies — or of the ``Weight`` column — at each judgement, per domain."""
    doms = _domains(frame) + (["Overall"] if "Overall" in frame else [])
    if weighted and "Weight" in frame:
        w = frame["Weight"].to_numpy(dtype=float)
        w = np.where(np.isfinite(w), w, 0.0)
    else:
        w = np.ones(len(frame))
    total = w.sum()
    rows = []
    for d in doms:
        for j in (*JUDGEMENTS, "NA"):
            share = float(w[(frame[d] == j).to_numpy()].sum() / total) if total > 0 else float("nan")
            rows.append({"domain": d, "judgement": j, "share": share})
    return pd.DataFrame(rows)


def summary_figure(
    frame: pd.DataFrame,
    *,
    weighted: bool = True,
    domain_names: Mapping[str, str] | None = None,
    palette: str = "cochrane",
    title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """Stacked horizontal bars: share of studies (or of meta-analytic weight) per judgement
    (robvis ``rob_summary(weighted = TRUE)``). Domains top to bottom, overall last."""
    colours = _check(frame, palette)
    shares = summary_shares(frame, weighted=weighted)
    doms = list(dict.fromkeys(shares["domain"]))
    labels = [f"{d}: {shorten(domain_names[d], 40)}" if domain_names and d in domain_names else d
              for d in doms]
    fig = go.Figure()
    for j in (*JUDGEMENTS, "NA"):
        sub = shares[shares["judgement"] == j]
        if not (sub["share"] > 0).any():
            continue
        fig.add_trace(go.Bar(
            name=j, orientation="h", y=labels, x=sub["share"].to_numpy(),
            marker={"color": colours[j], "line": {"color": _EDGE, "width": 0.8}},
            hovertemplate=f"{j}: " + "%{x:.0%}<extra>%{y}</extra>",
        ))
    basis = "meta-analytic weight" if weighted and "Weight" in frame else "studies"
    fig.update_layout(
        barmode="stack",
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        height=int(120 + 30 * len(doms)),
        margin={"l": 10, "r": 30, "t": 60 if title else 30, "b": 70},  # r: room for the "100%" tick label
        xaxis={"range": [0, 1], "tickformat": ".0%", "title": {"text": f"Share of {basis}"}},
        yaxis={"autorange": "reversed", "fixedrange": True, "automargin": True},
        legend={"orientation": "h", "y": -0.3, "x": 0, "traceorder": "normal"},
        dragmode=False,
    )
    return theme.apply(fig, presentation=presentation)


def paired_forest_figure(
    rows: pd.DataFrame,
    result: PooledProportion | None,
    rob: pd.DataFrame,
    *,
    domain_names: Mapping[str, str] | None = None,
    palette: str = "cochrane",
    title: str = "",
    ci_label: str = "95% CI",
    pooled_label: str = "Pooled (random effects)",
    groups=None,
    group_title: str = "Risk of bias",
    test_text: str = "",
    wide_forest: bool = False,
    presentation: bool = False,
) -> go.Figure:
    """The forest plot with the risk-of-bias columns to its right (robvis ``rob_forest``).

    ``wide_forest`` gives the forest 80 % of the width instead of 72 % (for slides, where the
    type is enlarged afterwards; implied by ``presentation``).

    With ``groups`` (a :class:`synthesis.subgroups.SubgroupResult` of the same rows, e.g. by
    overall judgement) and a ``group`` column in ``rows``, the forest is
    :func:`charts.forest.grouped_forest_figure` (a pooled estimate per group and the
    between-group test ``test_text``); each risk-of-bias row sits at its study's height.

    ``rows`` is the forest table of :func:`charts.forest.forest_figure` in display order;
    ``rob`` is indexed by ``study_id`` with the domain columns and ``Overall`` (robvis
    judgements). The forest is drawn by :func:`charts.forest.forest_figure` and compressed to
    the left 72 % of the width; one risk-of-bias row is drawn per study row, at the same height,
    in the same order (``customdata`` of the grid traces holds the study id).
    """
    colours = PALETTES.get(palette)
    if colours is None:
        raise ValueError(f"palette ({palette!r}) must be one of {', '.join(map(repr, PALETTES))}.")
    ids = rows["study_id"].astype(str).tolist()
    missing = [s for s in ids if s not in rob.index]
    if missing:
        raise ValueError(f"no risk-of-bias row for study id(s) {missing}.")
    rows = rows.assign(label=[shorten(str(x), 28) for x in rows["label"]])  # room for the RoB grid
    grid = rob.loc[ids].reset_index(drop=True).copy()
    grid.insert(0, "Study", rows["label"].astype(str).to_numpy())
    _check(grid, palette)
    if groups is None:
        fig = forest.forest_figure(rows, result, title=title, ci_label=ci_label,
                                   pooled_label=pooled_label, presentation=False)
    else:
        fig = forest.grouped_forest_figure(rows, groups, result, group_title=group_title, title=title,
                                           ci_label=ci_label, pooled_label=pooled_label,
                                           test_text=test_text, presentation=False)
    studies = next(t for t in fig.data if t.name == "studies")
    y_of = dict(zip(np.asarray(studies.customdata).ravel().tolist(), studies.y, strict=True))
    # squeeze the forest into the left 72 %: the plot area more than the text columns
    knots = _PAIRED_KNOTS_PRESENT if (presentation or wide_forest) else _PAIRED_KNOTS
    grid_start = knots[-1] + 0.03

    def squeeze(x: float) -> float:
        return float(np.interp(x, _FOREST_KNOTS, knots))

    # the squeezed axis has room for five upright ticks; with six, plotly tilts them and pushes the
    # axis title down
    fig.update_layout(xaxis={"domain": [squeeze(d) for d in fig.layout.xaxis.domain], "dtick": 0.25,
                             "tickangle": 0})
    for ann in fig.layout.annotations:
        if ann.xref == "paper" and ann.x is not None:
            ann.x = squeeze(ann.x)
    doms = _domains(grid)
    cols = doms + (["Overall"] if "Overall" in grid else [])
    x_of = {c: float(i) + (0.5 if c == "Overall" else 0.0) for i, c in enumerate(cols)}
    y_rows = np.array([y_of[s] for s in ids], dtype=float)  # each study's forest row
    at_y = {float(y): sid for sid, y in zip(ids, y_rows, strict=True)}
    traces = _grid_traces(grid, cols, x_of, y_rows, palette, size=12 if wide_forest else 17, xaxis="x2",
                          domain_names=domain_names)
    for t in traces:
        t.customdata = np.array([at_y[float(yy)] for yy in t.y], dtype=object)
        t.showlegend = True
    fig.add_traces(traces)
    fig.update_layout(
        xaxis2={"domain": [grid_start, 1.0], "anchor": "y", "range": [-0.6, x_of[cols[-1]] + 0.6],
                "tickvals": [x_of[c] for c in cols], "ticktext": cols, "side": "top",
                "showgrid": False, "zeroline": False, "fixedrange": True, "tickfont": {"size": 11}},
        legend={"orientation": "h", "y": -0.08, "x": 1.0, "xanchor": "right", "yanchor": "top",
                "font": {"size": 11}, "title": {"text": "Risk of bias"}},
    )
    # the forest's footer lines (heterogeneity, between-group test) start under the x-axis title:
    # the squeezed plot's title is wider than the space the forest leaves it beside them
    foot_top = 64 if wide_forest or presentation else 50
    foot = 0
    for a in fig.layout.annotations:
        if a.yref == "paper" and a.y == 0 and a.yanchor == "top":
            a.yshift = -foot_top
            foot += str(a.text).count("<br>") + 1
    fig.update_layout(margin={"b": max(110, foot_top + 17 * foot + 12)})
    caption = _caption(domain_names, doms)
    if caption:
        # below the footer lines
        shift = foot_top + 17 * max(foot, 1)
        n_cap = caption.count("<br>") + 1
        fig.add_annotation(x=0, y=0, xref="paper", yref="paper", yanchor="top", yshift=-shift,
                           xanchor="left", align="left", showarrow=False, text=caption,
                           font={"size": 10, "color": theme.COLORS["muted"]})
        fig.update_layout(height=int(fig.layout.height + 16 * (n_cap + foot)),
                          margin={"b": shift + 16 * n_cap + 10})
    return theme.apply(fig, presentation=presentation)


def table_figure(table: pd.DataFrame, *, title: str = "", notes: Sequence[str] = (), wrap: int = 150,
                 presentation: bool = False) -> go.Figure:
    """A table as a figure (e.g. the GRADE summary of findings for a slide), with footnotes
    wrapped at ``wrap`` characters."""
    cols = [str(c) for c in table.columns]
    cells = [[_esc(v) for v in table[c].astype(str)] for c in table.columns]
    fig = go.Figure(go.Table(
        header={"values": [f"<b>{_esc(c)}</b>" for c in cols], "align": "left",
                "fill": {"color": "#eaf2f8"}, "line": {"color": _EDGE, "width": 0.5},
                "font": {"size": 13}},
        cells={"values": cells, "align": "left", "height": 28, "line": {"color": _EDGE, "width": 0.5},
               "font": {"size": 13}},
    ))
    foot = "<br>".join(_esc(line) for n in notes for line in textwrap.wrap(str(n), wrap) or [""])
    n_lines = foot.count("<br>") + (1 if foot else 0)
    # rows grow with wrapped text: ~24 characters a line in a column of a 5-column table
    per_line = max(12, 120 // max(1, len(cols)))

    def lines(values) -> int:
        return max([1, *(-(-len(str(v)) // per_line) for v in values)])

    table_px = 18 * lines(cols) + 14 + sum(18 * lines(r) + 14 for r in table.astype(str).itertuples(index=False))
    top, bottom = (50 if title else 10), 24 + 16 * n_lines
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        height=int(top + bottom + table_px + 20),
        margin={"l": 10, "r": 10, "t": top, "b": bottom},
    )
    if foot:
        fig.add_annotation(x=0, y=0, xref="paper", yref="paper", yanchor="top", xanchor="left",
                           align="left", showarrow=False, text=foot,
                           font={"size": 11, "color": theme.COLORS["muted"]})
    return theme.apply(fig, presentation=presentation)
