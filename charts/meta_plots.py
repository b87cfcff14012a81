"""Diagnostic and comparison plots around a pooled proportion.

Each builder takes a small, documented DataFrame (prepared from a :mod:`synthesis` result by
``ui.analysis``) and returns a ``go.Figure`` through :func:`charts.theme.apply`. Nothing here
computes a statistic; proportions are plotted on a percentage axis.

* :func:`interval_rows_figure` – leave-one-out, cumulative and method-agreement panels
* :func:`funnel_figure` – funnel plot (de-emphasised with fewer than 10 studies)
* :func:`baujat_figure` – Baujat plot (contribution to Q vs influence on the pooled estimate)
* :func:`bubble_figure` – meta-regression bubble plot
* :func:`subgroup_forest_figure` – studies grouped by a moderator, one diamond per subgroup
* :func:`composition_figure` – histology composition of each study (stacked bars)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts import theme
from charts.forest import _clean, _hover_escape
from charts.theme import shorten
from evidence.formats import estimate_interval, pct

PCT_AXIS = {"tickformat": ".0%", "range": [-0.02, 1.02], "dtick": 0.2}


def _need(df: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s) {missing}.")


def _fin(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def interval_rows_figure(
    rows: pd.DataFrame,
    *,
    reference: float | None = None,
    reference_band: tuple[float, float] | None = None,
    title: str = "",
    x_title: str = "Pooled proportion",
    reference_label: str = "All studies",
    zoom: bool = True,
    presentation: bool = False,
) -> go.Figure:
    """One estimate with its interval per row (top to bottom in the given order).

    With ``zoom`` the percentage axis spans the data (plus a margin) instead of 0–100 %.

    ``rows`` columns: ``label, estimate, ci_low, ci_high``; optional ``detail`` (hover text),
    ``highlight`` (bool: drawn in the flag colour), ``pi_low``/``pi_high`` (drawn as a thin bar).
    """
    _need(rows, ("label", "estimate", "ci_low", "ci_high"), "rows")
    n = len(rows)
    y = np.arange(n)[::-1].astype(float)
    est = rows["estimate"].to_numpy(float)
    lo = rows["ci_low"].to_numpy(float)
    hi = rows["ci_high"].to_numpy(float)
    hl = rows["highlight"].fillna(False).astype(bool).to_numpy() if "highlight" in rows else np.zeros(n, bool)
    labels = [_hover_escape(_clean(s)) for s in rows["label"]]
    details = [_hover_escape(_clean(s)) for s in rows.get("detail", pd.Series([""] * n))]
    hover = [
        f"<b>{lab}</b><br>{estimate_interval(e, a, b)}" + (f"<br>{d}" if d else "")
        for lab, e, a, b, d in zip(labels, est, lo, hi, details, strict=True)
    ]
    fig = go.Figure()
    if reference_band is not None and all(_fin(v) for v in reference_band):
        fig.add_shape(
            type="rect", x0=reference_band[0], x1=reference_band[1], y0=-0.6, y1=n - 0.4,
            fillcolor=theme.COLORS["pooled"], opacity=0.08, line={"width": 0}, layer="below",
        )
    if "pi_low" in rows and "pi_high" in rows:
        pl, ph = rows["pi_low"].to_numpy(float), rows["pi_high"].to_numpy(float)
        ok = np.isfinite(pl) & np.isfinite(ph)
        if ok.any():
            xs, ys = [], []
            for i in np.flatnonzero(ok):
                xs += [pl[i], ph[i], None]
                ys += [y[i] - 0.22, y[i] - 0.22, None]
            fig.add_trace(
                go.Scatter(
                    name="prediction interval", x=xs, y=ys, mode="lines",
                    line={"color": theme.COLORS["pi"], "width": 3}, hoverinfo="skip",
                )
            )
    fig.add_trace(
        go.Scatter(
            name="estimates",
            x=est,
            y=y,
            mode="markers",
            marker={
                "symbol": "diamond",
                "size": 10,
                "color": [theme.COLORS["flag"] if h else theme.COLORS["study"] for h in hl],
            },
            error_x={
                "type": "data", "symmetric": False,
                "array": np.clip(hi - est, 0, None), "arrayminus": np.clip(est - lo, 0, None),
                "color": "#34495e", "thickness": 1.4, "width": 0,
            },
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    if reference is not None and _fin(reference):
        fig.add_vline(
            x=reference, line={"color": theme.COLORS["pooled"], "dash": "dot", "width": 1.2},
            annotation={"text": f"{reference_label}: {pct(reference)}", "font": {"size": 11}},
            annotation_position="top",
        )
    xaxis = {**PCT_AXIS, "title": {"text": x_title}}
    if zoom:
        vals = np.concatenate([lo, hi, rows.get("pi_low", pd.Series(dtype=float)).to_numpy(float),
                               rows.get("pi_high", pd.Series(dtype=float)).to_numpy(float)])
        vals = vals[np.isfinite(vals)]
        if vals.size:
            a, b = max(0.0, float(vals.min()) - 0.04), min(1.0, float(vals.max()) + 0.04)
            xaxis.update(range=[a - 0.01, b + 0.01], dtick=0.1 if b - a > 0.35 else 0.05)
    fig.update_layout(
        title={"text": title, "x": 0} if title else None,
        height=int(110 + 30 * max(n, 2)),
        xaxis=xaxis,
        yaxis={
            "tickvals": y, "ticktext": [s[:40] for s in labels], "showgrid": False,
            "range": [-0.8, n - 0.2], "fixedrange": True, "automargin": True,
        },
        margin={"l": 10, "r": 20, "t": 60 if title else 40, "b": 50},
        showlegend=False,
    )
    return theme.apply(fig, presentation=presentation)


def funnel_figure(
    yi: np.ndarray,
    sei: np.ndarray,
    labels: list[str],
    *,
    center: float,
    x_title: str,
    level: float = 0.95,
    reliable: bool = True,
    note: str = "",
    title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """Funnel plot on the analysis (transformed) scale with the pseudo-confidence funnel.

    With ``reliable=False`` (fewer than 10 studies) markers and funnel are greyed and ``note`` is
    printed in the plot so that nobody reads an asymmetry into a handful of points.
    """
    from scipy.stats import norm

    yi = np.asarray(yi, float)
    sei = np.asarray(sei, float)
    z = float(norm.ppf(0.5 + level / 2))
    top = float(np.nanmax(sei)) * 1.08 if sei.size and np.isfinite(sei).any() else 1.0
    color = theme.COLORS["study"] if reliable else theme.COLORS["muted"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            name="pseudo-CI", x=[center - z * top, center, center + z * top], y=[top, 0, top],
            mode="lines", line={"color": "#95a5a6", "dash": "dash", "width": 1}, hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            name="studies", x=yi, y=sei, mode="markers",
            marker={"size": 10, "color": color, "opacity": 1.0 if reliable else 0.55},
            hovertext=[
                f"<b>{_hover_escape(_clean(s))}</b><br>estimate {a:.3f}, SE {b:.3f}"
                for s, a, b in zip(labels, yi, sei, strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.add_vline(x=center, line={"color": theme.COLORS["pooled"], "width": 1})
    if note:
        fig.add_annotation(
            text=_hover_escape(note), xref="paper", yref="paper", x=0.5, y=1.0, yanchor="bottom",
            showarrow=False, font={"size": 12, "color": theme.COLORS["flag"] if not reliable else None},
        )
    fig.update_layout(
        title={"text": title, "x": 0} if title else None,
        height=380,
        # titles stand off the tick labels and the margins grow to hold both (they overlapped)
        xaxis={"title": {"text": x_title, "standoff": 10}, "automargin": True},
        yaxis={"title": {"text": "Standard error", "standoff": 10}, "autorange": "reversed",
               "rangemode": "tozero", "automargin": True},
        showlegend=False,
        margin={"t": 70},
    )
    return theme.apply(fig, presentation=presentation)


def baujat_figure(
    rows: pd.DataFrame, *, title: str = "", presentation: bool = False
) -> go.Figure:
    """Baujat plot. ``rows`` columns: ``label, x`` (contribution to Q), ``y`` (influence)."""
    _need(rows, ("label", "x", "y"), "rows")
    labels = [_hover_escape(_clean(s)) for s in rows["label"]]
    fig = go.Figure(
        go.Scatter(
            name="studies", x=rows["x"], y=rows["y"], mode="markers+text",
            text=[shorten(s, 22) for s in labels], textposition="top center", cliponaxis=False,
            textfont={"size": 11},
            marker={"size": 10, "color": theme.COLORS["study"]},
            hovertext=[
                f"<b>{s}</b><br>Contribution to Q: {a:.2f}<br>Influence on pooled result: {b:.2f}"
                for s, a, b in zip(labels, rows["x"], rows["y"], strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0} if title else None,
        height=380,
        xaxis={"title": {"text": "Contribution to heterogeneity (Q)"},
               "range": [0, 1.12 * max(1e-9, float(np.nanmax(rows["x"])))], "automargin": True},
        yaxis={"title": {"text": "Influence on the pooled estimate"},
               "range": [0, 1.15 * max(1e-9, float(np.nanmax(rows["y"])))], "automargin": True},
        margin={"l": 70, "r": 40, "t": 40 if not title else 60, "b": 50},
        showlegend=False,
    )
    return theme.apply(fig, presentation=presentation)


def bubble_figure(
    points: pd.DataFrame,
    line: pd.DataFrame | None,
    *,
    x_title: str,
    title: str = "",
    categorical: bool = False,
    tick_labels: dict | None = None,
    presentation: bool = False,
) -> go.Figure:
    """Meta-regression bubble plot.

    ``points`` columns: ``label, x, proportion, size`` (weight or n); optional ``detail``.
    ``line`` columns: ``x, fit, ci_low, ci_high`` (fitted proportion along the moderator).
    """
    _need(points, ("label", "x", "proportion", "size"), "points")
    size = points["size"].to_numpy(float)
    top = np.nanmax(size) if size.size and np.isfinite(size).any() and np.nanmax(size) > 0 else 1
    fig = go.Figure()
    if line is not None and len(line):
        _need(line, ("x", "fit", "ci_low", "ci_high"), "line")
        band = np.isfinite(line["ci_low"].to_numpy(float)).all() and np.isfinite(line["ci_high"].to_numpy(float)).all()
        if band:
            fig.add_trace(
            go.Scatter(
                name="CI", x=list(line["x"]) + list(line["x"])[::-1],
                y=list(line["ci_high"]) + list(line["ci_low"])[::-1], fill="toself",
                fillcolor="rgba(176,58,46,0.12)", line={"width": 0}, hoverinfo="skip",
            )
            )
        fig.add_trace(
            go.Scatter(
                name="fitted", x=line["x"], y=line["fit"], mode="lines+markers" if categorical else "lines",
                line={"color": theme.COLORS["pooled"], "width": 2},
                hovertemplate="fitted %{y:.1%}<extra></extra>",
            )
        )
    labels = [_hover_escape(_clean(s)) for s in points["label"]]
    fig.add_trace(
        go.Scatter(
            name="studies", x=points["x"], y=points["proportion"], mode="markers",
            marker={
                "size": 8 + 30 * np.sqrt(np.clip(np.nan_to_num(size), 0, None) / top),
                "color": theme.COLORS["study"], "opacity": 0.6, "line": {"color": "white", "width": 1},
            },
            hovertext=[
                f"<b>{s}</b><br>{pct(p)}" for s, p in zip(labels, points["proportion"], strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0} if title else None,
        height=400,
        xaxis={
            "title": {"text": x_title},
            **({"type": "category"} if categorical else {}),
            **({"tickvals": list(tick_labels), "ticktext": list(tick_labels.values())} if tick_labels else {}),
        },
        yaxis={"tickformat": ".0%", "range": [-0.02, 1.02], "title": {"text": "Proportion"},
               "automargin": True},
        showlegend=False,
    )
    return theme.apply(fig, presentation=presentation)


def subgroup_forest_figure(
    rows: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    title: str = "",
    test_text: str = "",
    x_title: str = "Proportion of patients",
    presentation: bool = False,
) -> go.Figure:
    """Studies grouped by subgroup with one pooled diamond per subgroup.

    ``rows`` columns: ``group, study_id, label, events, total, proportion, ci_low, ci_high``.
    ``groups`` columns: ``group, estimate, ci_low, ci_high, k, n``; optional ``i2``.
    Trace names: ``"studies"`` (customdata = study id) and one ``"pooled: <group>"`` per subgroup.
    """
    _need(rows, ("group", "study_id", "label", "events", "total", "proportion", "ci_low", "ci_high"), "rows")
    _need(groups, ("group", "estimate", "ci_low", "ci_high", "k", "n"), "groups")
    ys, ticks, ticktext = [], [], []
    y = 0.0
    diamonds = []
    study_y: dict[int, float] = {}
    for _, g in groups.iloc[::-1].iterrows():
        diamonds.append((y, g))
        ticks.append(y)
        k = int(g["k"])
        ticktext.append(f"<b>{_hover_escape(_clean(g['group']))}</b> (k={k}, n={int(g['n'])})")
        y += 1.0
        members = rows[rows["group"] == g["group"]]
        for idx in members.index[::-1]:
            study_y[idx] = y
            ticks.append(y)
            r = rows.loc[idx]
            ticktext.append(f"{_hover_escape(shorten(_clean(r['label'])))}  {int(r['events'])}/{int(r['total'])}")
            y += 1.0
        y += 0.6
    order = [i for i in rows.index if i in study_y]
    sub = rows.loc[order]
    ys = [study_y[i] for i in order]
    fig = go.Figure()
    prop = sub["proportion"].to_numpy(float)
    fig.add_trace(
        go.Scatter(
            name="studies", x=prop, y=ys, mode="markers",
            marker={"symbol": "square", "size": 9, "color": theme.COLORS["study"]},
            error_x={
                "type": "data", "symmetric": False,
                "array": np.clip(sub["ci_high"].to_numpy(float) - prop, 0, None),
                "arrayminus": np.clip(prop - sub["ci_low"].to_numpy(float), 0, None),
                "color": "#34495e", "thickness": 1.3, "width": 0,
            },
            customdata=np.array(sub["study_id"].astype(str).tolist(), dtype=object).reshape(-1, 1),
            hovertext=[
                f"<b>{_hover_escape(_clean(r['label']))}</b><br>{int(r['events'])}/{int(r['total'])} = "
                f"{estimate_interval(r['proportion'], r['ci_low'], r['ci_high'])}"
                for _, r in sub.iterrows()
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    for yy, g in diamonds:
        e, a, b = float(g["estimate"]), float(g["ci_low"]), float(g["ci_high"])
        if not all(map(_fin, (e, a, b))):
            continue
        color = theme.COLORS["subgroup"]
        extra = f"<br>I² = {float(g['i2']):.0f}%" if "i2" in g and _fin(g["i2"]) else ""
        fig.add_trace(
            go.Scatter(
                name=f"pooled: {_clean(g['group'])}",
                x=[a, e, b, e, a], y=[yy, yy + 0.35, yy, yy - 0.35, yy], mode="lines",
                fill="toself", fillcolor=color, line={"color": color, "width": 1},
                hovertext=f"<b>{_hover_escape(_clean(g['group']))}</b><br>{estimate_interval(e, a, b)}"
                f"<br>k = {int(g['k'])}, n = {int(g['n'])}{extra}",
                hovertemplate="%{hovertext}<extra></extra>", hoveron="fills+points",
                showlegend=False,
            )
        )
    if test_text:
        fig.add_annotation(
            text=_hover_escape(test_text), xref="paper", yref="paper", x=0, y=1.0,
            xanchor="left", yanchor="bottom", showarrow=False, font={"size": 12},
        )
    fig.update_layout(
        title={"text": title, "x": 0} if title else None,
        height=int(120 + 24 * max(y, 3)),
        xaxis={**PCT_AXIS, "title": {"text": x_title}},
        yaxis={"tickvals": ticks, "ticktext": ticktext, "showgrid": False, "range": [-0.8, y], "fixedrange": True,
               "automargin": True},
        margin={"l": 10, "r": 20, "t": 70 if title else 50, "b": 50},
        showlegend=False,
        dragmode=False,
    )
    return theme.apply(fig, presentation=presentation)


def composition_figure(
    comp: pd.DataFrame, *, title: str = "", percent: bool = True, presentation: bool = False
) -> go.Figure:
    """Histology composition of each study: stacked horizontal bars, one segment per subtype.

    ``comp`` columns: ``label, subtype, n`` (one row per study × subtype). With ``percent`` the
    bars show each subtype's share of the study (``barnorm="percent"``); hover gives patients.
    """
    _need(comp, ("label", "subtype", "n"), "comp")
    fig = go.Figure()
    studies = list(dict.fromkeys(comp["label"].map(_clean)))
    totals = comp.groupby(comp["label"].map(_clean))["n"].sum()
    order = comp.groupby("subtype")["n"].sum().sort_values(ascending=False).index
    from plotly.colors import qualitative

    palette = theme.SEQUENCE + [c for c in qualitative.Light24 + qualitative.Dark24 if c not in theme.SEQUENCE]
    for i, sub in enumerate(order):
        grp = comp[comp["subtype"] == sub]
        labels = grp["label"].map(_clean)
        share = [100 * float(n) / float(totals[lab]) for n, lab in zip(grp["n"], labels, strict=True)]
        fig.add_trace(
            go.Bar(
                name=shorten(_clean(sub), 32), y=labels, x=grp["n"], orientation="h",
                marker={"color": palette[i % len(palette)], "line": {"color": "white", "width": 0.5}},
                customdata=np.column_stack([share]),
                hovertemplate=f"<b>%{{y}}</b><br>{_hover_escape(_clean(sub))}: %{{x}} patients "
                "(%{customdata[0]:.0f}%)<extra></extra>",
            )
        )
    n_leg = len(order)
    fig.update_layout(
        title={"text": title, "x": 0} if title else None,
        barmode="stack",
        barnorm="percent" if percent else None,
        height=int(max(120 + 34 * len(studies), 80 + 19 * n_leg)),
        xaxis={"title": {"text": "Share of patients (%)" if percent else "Patients"},
               "ticksuffix": "%" if percent else ""},
        yaxis={"categoryorder": "array", "categoryarray": studies[::-1], "fixedrange": True,
               "automargin": True},
        legend={"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top", "font": {"size": 11},
                "traceorder": "normal"},
        margin={"l": 10, "r": 10, "t": 40 if title else 20, "b": 40},
        bargap=0.25,
    )
    return theme.apply(fig, presentation=presentation)
