"""Dot plot of pooled adverse-event incidences by term: any grade and grade ≥3 side by side."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts import theme

__all__ = ["incidence_dot_figure"]

_STRATA = ("any grade", "grade ≥3")
_PUB_SYMBOLS = ("circle-open", "x-thin-open", "square-open")
_ATTR_SYMBOL = {"not stated": "circle", "treatment-related": "diamond", "all-cause": "square"}


def incidence_dot_figure(table: pd.DataFrame, published: pd.DataFrame | None = None, *,
                         presentation: bool = False) -> go.Figure:
    """One row per term, two panels (any grade | grade ≥3), pooled incidence with its interval.

    Parameters
    ----------
    table
        :attr:`findings.safety.SafetyView.table` (columns ``Term, term, stratum, attribution, k,
        estimate, ci_low, ci_high, Headline``).
    published
        Optional published pooled estimates (``term, stratum, source, estimate, ci_low,
        ci_high``), drawn as open markers.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces named ``"attribution: <attribution>"`` with ``meta`` = the grade stratum
        (``customdata`` = term label, k, method) and ``"published · <source>"``.
    """
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[s.capitalize() for s in _STRATA])
    terms = sorted(table["Term"].unique(), key=str.lower, reverse=True) if len(table) else []
    shown_attr: set[str] = set()
    colors = theme.SEQUENCE
    for col, stratum in enumerate(_STRATA, start=1):
        sub = table[table["stratum"] == stratum]
        for i, (attr, grp) in enumerate(sub.groupby("attribution", sort=True)):
            if col > 1 and fig.data:
                shown_attr = {t.legendgroup for t in fig.data if t.showlegend is not False}
            offset = {"not stated": 0.0, "treatment-related": 0.22, "all-cause": -0.22}.get(attr, 0)
            y = [terms.index(t) + offset for t in grp["Term"]]
            fig.add_trace(go.Scatter(
                x=grp["estimate"] * 100, y=y, mode="markers",
                marker={"symbol": _ATTR_SYMBOL.get(attr, "circle"), "size": 9,
                        "color": colors[i % len(colors)]},
                error_x={"type": "data", "symmetric": False,
                         "array": (grp["ci_high"] - grp["estimate"]) * 100,
                         "arrayminus": (grp["estimate"] - grp["ci_low"]) * 100, "thickness": 1.5},
                name=f"attribution: {attr}", legendgroup=attr, meta=stratum,
                showlegend=attr not in shown_attr,
                customdata=list(zip(grp["Term"], grp["k"], grp["Headline"], strict=True)),
                hovertemplate=[
                    f"<b>{html.escape(str(t))}</b> ({html.escape(stratum)}, {html.escape(attr)})<br>"
                    f"{e * 100:.1f}% ({lo * 100:.1f}–{hi * 100:.1f}%)<br>k = {k}; {html.escape(str(m))}"
                    "<extra></extra>"
                    for t, e, lo, hi, k, m in zip(grp["Term"], grp["estimate"], grp["ci_low"],
                                                  grp["ci_high"], grp["k"], grp["Headline"], strict=True)
                ],
            ), row=1, col=col)
        if published is not None and len(published):
            labels = dict(zip(table["term"], table["Term"], strict=False))
            pub = published[(published["stratum"] == stratum) & published["term"].isin(labels)]
            sources = sorted(published["source"].unique())
            for src, grp in pub.groupby("source", sort=True):
                j = sources.index(src)
                y = [terms.index(labels[t]) - 0.3 for t in grp["term"]]
                has_ci = grp["ci_low"].notna()
                fig.add_trace(go.Scatter(
                    x=grp["estimate"] * 100, y=y, mode="markers",
                    marker={"symbol": _PUB_SYMBOLS[j % len(_PUB_SYMBOLS)], "size": 9,
                            "color": "#5d6d7e", "line": {"width": 1.5}},
                    error_x={"type": "data", "symmetric": False,
                             "array": ((grp["ci_high"] - grp["estimate"]) * 100).where(has_ci, 0),
                             "arrayminus": ((grp["estimate"] - grp["ci_low"]) * 100).where(has_ci, 0),
                             "thickness": 1, "color": "#5d6d7e"},
                    name=f"published · {src.split(' (')[0]}", legendgroup=f"pub{src}",
                    showlegend=col == 1 or src not in set(
                        published[published["stratum"] == _STRATA[0]]["source"]),
                    hovertemplate=[f"<b>{html.escape(src)}</b><br>{e * 100:.1f}%<extra></extra>"
                                   for e in grp["estimate"]],
                ), row=1, col=col)
    fig.update_yaxes(tickvals=list(range(len(terms))), ticktext=terms, range=[-0.7, len(terms) - 0.3])
    fig.update_xaxes(title_text="Patients with the event (%)", range=[0, 100])
    fig.update_layout(height=max(320, 34 * len(terms) + 140), legend={"orientation": "h", "y": -0.18},
                      margin={"l": 180, "r": 10, "t": 40, "b": 10})
    fig.update_yaxes(automargin=True)
    theme.apply(fig, presentation=presentation)
    fig.update_layout(margin={"l": 180})
    return fig
