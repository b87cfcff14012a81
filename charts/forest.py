"""Forest plot of single-arm proportions: study rows, pooled diamond and prediction interval.

The figure is a pure function of a per-study table and a :class:`synthesis.PooledProportion`;
no statistic is computed here (study intervals come from :func:`synthesis.study_intervals`,
pooled values from :func:`synthesis.pool_proportions`). The x axis is a percentage axis.

Layout (one plotly figure so that the PNG export matches the screen):

=================  ==========  ===========================  ==================  =======
Study (⚑ = flag)   Events/N    ├──■──┤ on a 0–100 % axis    % (CI)              Weight
=================  ==========  ===========================  ==================  =======

The number column prints :func:`evidence.formats.estimate_interval` ("24.3% (11.8–41.2%)"), the
prediction interval row :func:`evidence.formats.interval`: the words of the page and the reports
(``findings.text`` re-exports both).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts import theme
from charts.theme import shorten
from evidence.formats import estimate_interval, interval, pct
from synthesis.results import PooledProportion

FLAG = "⚑"
#: paper-x positions of the text columns (the plot area is between PLOT_DOMAIN)
PLOT_DOMAIN = (0.35, 0.69)
_COLS = {"label": 0.0, "counts": 0.32, "estimate": 0.895, "weight": 1.0}
ROW_PX = 26

REQUIRED = ("study_id", "label", "events", "total", "proportion", "ci_low", "ci_high")


def _clean(value: object) -> str:
    """Text of a data value for hover/labels; empty for None/NaN (never ``nan``)."""
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none", "<na>") else text


def _hover_escape(text: str) -> str:
    # plotly hover text is a tiny HTML subset: keep data text literal.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def study_hover(row: pd.Series, ci_label: str) -> str:
    """Hover text for one study row: numbers first, then provenance, then flags."""
    lines = [
        f"<b>{_hover_escape(_clean(row.get('label')))}</b>",
        f"{int(row['events'])}/{int(row['total'])} = {pct(row['proportion'])}",
        f"{ci_label}: {interval(row['ci_low'], row['ci_high'])}",
    ]
    w = row.get("weight", math.nan)
    if w is not None and isinstance(w, float | int | np.floating) and math.isfinite(w):
        lines.append(f"Weight: {float(w):.1f}%")
    for key, name in (
        ("design_label", "Design"),
        ("histology_group", "Histology"),
        ("timepoint", "Timepoint"),
        ("status", "Status"),
        ("derivation", "Derivation"),
        ("source", "Source"),
        ("location", "Location"),
    ):
        text = _clean(row.get(key))
        if text:
            lines.append(f"{name}: {_hover_escape(_wrap(text))}")
    flags = _clean(row.get("flag_text"))
    if flags:
        lines.append(f"{FLAG} {_hover_escape(_wrap(flags))}")
    lines.append("<i>Click to open the study card</i>")
    return "<br>".join(lines)


def _wrap(text: str, width: int = 70) -> str:
    words, out, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    if line:
        out.append(line)
    return "<br>   ".join(out)


def _marker_sizes(weights: np.ndarray, totals: np.ndarray) -> np.ndarray:
    base = weights if np.all(np.isfinite(weights)) and np.nansum(weights) > 0 else totals
    base = np.asarray(base, dtype=float)
    top = np.nanmax(base) if base.size and np.nanmax(base) > 0 else 1.0
    return 6.0 + 12.0 * np.sqrt(np.clip(base, 0, None) / top)


def forest_figure(
    rows: pd.DataFrame,
    result: PooledProportion | None,
    *,
    title: str = "",
    ci_label: str = "95% CI",
    x_title: str = "Proportion of patients",
    pooled_label: str = "Pooled (random effects)",
    presentation: bool = False,
) -> go.Figure:
    """Build the forest plot.

    Parameters
    ----------
    rows
        One row per study in display order (top first), with columns ``study_id, label, events,
        total, proportion, ci_low, ci_high`` and optionally ``weight`` (percent; NaN for a GLMM),
        ``flag_text``, ``flag_count`` and provenance columns (``status, source, location,
        derivation, design_label, histology_group, timepoint``) shown in the hover.
    result
        The pooled result drawn as a diamond (CI) and a bar (prediction interval); ``None`` draws
        the study rows only.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace order: study CIs + squares (``name="studies"``, ``customdata[:, 0]`` = study id),
        pooled diamond (``name="pooled"``), prediction interval (``name="prediction interval"``).
    """
    missing = [c for c in REQUIRED if c not in rows.columns]
    if missing:
        raise ValueError(f"rows is missing column(s) {missing}.")
    n = len(rows)
    y_rows = np.arange(n, dtype=float)[::-1] + 3.0  # studies above the pooled rows
    y_pooled, y_pi = 1.6, 0.7
    weights = (
        rows["weight"].to_numpy(dtype=float) if "weight" in rows else np.full(n, np.nan)
    )
    totals = rows["total"].to_numpy(dtype=float)
    prop = rows["proportion"].to_numpy(dtype=float)
    low = rows["ci_low"].to_numpy(dtype=float)
    high = rows["ci_high"].to_numpy(dtype=float)
    hover = [study_hover(r, ci_label) for _, r in rows.iterrows()]
    flagged = (
        rows["flag_count"].fillna(0).to_numpy(dtype=float) > 0
        if "flag_count" in rows
        else np.zeros(n, bool)
    )

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            name="studies",
            x=prop,
            y=y_rows,
            mode="markers",
            marker={
                "symbol": "square",
                "size": _marker_sizes(weights, totals),
                "color": theme.COLORS["study"],
                "line": {"width": 0},
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": np.clip(high - prop, 0, None),
                "arrayminus": np.clip(prop - low, 0, None),
                "color": "#34495e",
                "thickness": 1.4,
                "width": 0,
            },
            customdata=np.array(rows["study_id"].astype(str).tolist(), dtype=object).reshape(-1, 1),
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    annotations: list[dict] = []

    def text(x: float, y: float, s: str, *, align: str = "left", bold: bool = False, color=None):
        annotations.append(
            {
                "x": x,
                "y": y,
                "xref": "paper",
                "yref": "y",
                "text": f"<b>{s}</b>" if bold else s,
                "showarrow": False,
                "xanchor": {"left": "left", "right": "right", "center": "center"}[align],
                "align": align,
                "font": {"color": color} if color else {},
            }
        )

    header_y = n + 3.0
    text(_COLS["label"], header_y, "Study", bold=True)
    text(_COLS["counts"], header_y, "Events/N", bold=True, align="right")
    text(_COLS["estimate"], header_y, f"% ({ci_label})", bold=True, align="right")
    text(1.0, header_y, "Weight", bold=True, align="right")
    for i, (_, r) in enumerate(rows.iterrows()):
        y = y_rows[i]
        label = _hover_escape(shorten(_clean(r["label"])))
        if flagged[i]:
            label = f"{label} <span style='color:{theme.COLORS['flag']}'>{FLAG}</span>"
        text(_COLS["label"], y, label)
        text(_COLS["counts"], y, f"{int(r['events'])}/{int(r['total'])}", align="right")
        text(_COLS["estimate"], y, estimate_interval(prop[i], low[i], high[i]), align="right")
        w = weights[i]
        text(1.0, y, f"{w:.1f}%" if math.isfinite(w) else "–", align="right")

    if result is not None:
        est, cl, ch = result.estimate, result.ci.low, result.ci.high
        fig.add_trace(
            go.Scatter(
                name="pooled",
                x=[cl, est, ch, est, cl],
                y=[y_pooled, y_pooled + 0.38, y_pooled, y_pooled - 0.38, y_pooled],
                mode="lines",
                fill="toself",
                fillcolor=theme.COLORS["pooled"],
                line={"color": theme.COLORS["pooled"], "width": 1},
                hoveron="fills+points",
                hovertext=(
                    f"<b>{pooled_label}</b><br>{pct(est)} ({result.fit.level:.0%} CI "
                    f"{interval(cl, ch)})<br>k = {result.k}, N = {result.data.total_n}"
                ),
                hovertemplate="%{hovertext}<extra></extra>",
                showlegend=False,
            )
        )
        pi_ok = math.isfinite(result.pi.low) and math.isfinite(result.pi.high)
        if pi_ok:
            fig.add_trace(
                go.Scatter(
                    name="prediction interval",
                    x=[result.pi.low, result.pi.high],
                    y=[y_pi, y_pi],
                    mode="lines+markers",
                    line={"color": theme.COLORS["pi"], "width": 5},
                    marker={"symbol": "line-ns-open", "size": 12, "color": theme.COLORS["pi"]},
                    hovertext=(
                        f"<b>Prediction interval</b> ({result.fit.level:.0%}, {result._pi_label()})"
                        f"<br>{interval(result.pi.low, result.pi.high)}<br>"
                        "Where the response rate of a new, similar study is expected to fall"
                    ),
                    hovertemplate="%{hovertext}<extra></extra>",
                    showlegend=False,
                )
            )
        fig.add_shape(
            type="line",
            x0=est,
            x1=est,
            y0=0.3,
            y1=n + 2.5,
            xref="x",
            yref="y",
            line={"color": theme.COLORS["pooled"], "width": 1, "dash": "dot"},
        )
        text(_COLS["label"], y_pooled, f"<b>{_hover_escape(pooled_label)}</b>")
        text(_COLS["counts"], y_pooled, f"<b>{result.data.total_events}/{result.data.total_n}</b>", align="right")
        text(_COLS["estimate"], y_pooled, f"<b>{estimate_interval(est, cl, ch)}</b>", align="right")
        text(1.0, y_pooled, "100%" if np.all(np.isfinite(weights)) and n else "–", align="right")
        text(_COLS["label"], y_pi, "Prediction interval", color=theme.COLORS["muted"])
        text(
            _COLS["estimate"],
            y_pi,
            interval(result.pi.low, result.pi.high),
            align="right",
            color=theme.COLORS["muted"],
        )
        h = result.heterogeneity
        het = (
            f"Heterogeneity: I² = {h.i2:.0f}%, τ² = {h.tau2:.3g}<br>"
            f"Q = {h.q:.2f} (df = {h.q_df}, p = {h.q_pvalue:.3g})"
            if math.isfinite(h.q) and math.isfinite(h.i2)
            else ""
        )
        if het:
            annotations.append(
                {
                    "x": 0.0, "y": 0.0, "xref": "paper", "yref": "paper", "yanchor": "top",
                    "yshift": -6, "xanchor": "left", "align": "left", "text": het, "showarrow": False,
                    "font": {"color": theme.COLORS["muted"], "size": 12},
                }
            )

    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        annotations=annotations,
        height=int(130 + ROW_PX * (n + (4 if result is not None else 1.5))),
        margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 50},
        hovermode="closest",
        xaxis={
            "domain": list(PLOT_DOMAIN),
            "range": [-0.02, 1.02],
            "tickformat": ".0%",
            "dtick": 0.2,
            "title": {"text": x_title},
            "showgrid": True,
            "zeroline": False,
        },
        yaxis={
            "range": [0.1 if result is not None else 2.3, n + 3.6],
            "showticklabels": False,
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
        },
        dragmode=False,
    )
    return theme.apply(fig, presentation=presentation)


def sort_rows(rows: pd.DataFrame, order: str) -> pd.DataFrame:
    """Display order: ``"year"`` (then label), ``"estimate"`` (descending), ``"weight"``, ``"label"``."""
    keys: dict[str, Sequence[str]] = {
        "year": ("year", "label"),
        "estimate": ("proportion", "label"),
        "weight": ("weight", "total"),
        "precision": ("total", "label"),
        "label": ("label",),
    }
    if order not in keys:
        raise ValueError(f"order ({order!r}) must be one of {', '.join(map(repr, keys))}.")
    cols = [c for c in keys[order] if c in rows.columns]
    if not cols:
        return rows.reset_index(drop=True)
    ascending = order in ("year", "label")
    return rows.sort_values(cols, ascending=ascending, na_position="last", kind="stable").reset_index(
        drop=True
    )


def grouped_forest_figure(
    rows: pd.DataFrame,
    subgroups,
    result: PooledProportion,
    *,
    group_title: str = "Group",
    title: str = "",
    ci_label: str = "95% CI",
    x_title: str = "Proportion of patients",
    pooled_label: str = "Pooled (random effects)",
    test_text: str = "",
    presentation: bool = False,
) -> go.Figure:
    """The forest plot grouped by a comparison variable, as meta's ``forest(subgroup=)`` draws it.

    Under each group heading: its studies, the group's pooled diamond with its CI and its
    prediction interval; at the foot: the overall diamond (``result``), the overall prediction
    interval, the heterogeneity line and the between-group test (``test_text``).

    Parameters
    ----------
    rows
        :func:`forest_figure`'s rows plus a ``group`` column (studies in display order; weights
        are those of the overall model, so a group's weight is the sum of its studies').
    subgroups
        A :class:`synthesis.subgroups.SubgroupResult` (``groups``, ``results``) of the same rows.
    result
        The overall pooled result (the ungrouped forest's diamond).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: ``"studies"`` (``customdata[:, 0]`` = study id), one ``"pooled: <group>"`` and, where
        estimable, one ``"prediction interval: <group>"`` per group, then ``"pooled"`` and
        ``"prediction interval"`` for the overall result.
    """
    missing = [c for c in (*REQUIRED, "group") if c not in rows.columns]
    if missing:
        raise ValueError(f"rows is missing column(s) {missing}.")
    groups = [str(g) for g in subgroups.groups]
    unknown = sorted(set(rows["group"].astype(str)) - set(groups))
    if unknown:
        raise ValueError(f"rows has group(s) {unknown} that subgroups does not (groups: {groups}).")
    weights_all = rows["weight"].to_numpy(dtype=float) if "weight" in rows else np.full(len(rows), np.nan)
    finite_w = bool(len(rows)) and bool(np.all(np.isfinite(weights_all)))

    # top-to-bottom layout: (kind, payload); y is assigned afterwards (top row highest)
    layout: list[tuple[str, object]] = [("header", None)]
    for g, res in zip(groups, subgroups.results, strict=True):
        members = rows[rows["group"].astype(str) == g]
        layout.append(("heading", (g, res)))
        layout.extend(("study", idx) for idx in members.index)
        layout.append(("diamond", (g, res, members)))
        if res.k > 1:
            layout.append(("pi", (g, res)))
        layout.append(("gap", None))
    layout += [("overall", None), ("overall_pi", None)]
    heights = {"gap": 0.5}
    ys: list[float] = []
    y = 0.0
    for kind, _ in reversed(layout):
        y += heights.get(kind, 1.0)
        ys.append(y)
    ys.reverse()
    top = ys[0]

    annotations: list[dict] = []

    def text(x: float, yy: float, s: str, *, align: str = "left", bold: bool = False, color=None,
             size=None):
        font = {k: v for k, v in (("color", color), ("size", size)) if v}
        annotations.append({
            "x": x, "y": yy, "xref": "paper", "yref": "y", "text": f"<b>{s}</b>" if bold else s,
            "showarrow": False, "xanchor": {"left": "left", "right": "right", "center": "center"}[align],
            "align": align, "font": font,
        })

    fig = go.Figure()
    study_y = {payload: yy for (kind, payload), yy in zip(layout, ys, strict=True) if kind == "study"}
    order = [i for i in rows.index if i in study_y]
    sub = rows.loc[order]
    prop = sub["proportion"].to_numpy(dtype=float)
    low = sub["ci_low"].to_numpy(dtype=float)
    high = sub["ci_high"].to_numpy(dtype=float)
    weights = sub["weight"].to_numpy(dtype=float) if "weight" in sub else np.full(len(sub), np.nan)
    fig.add_trace(go.Scatter(
        name="studies", x=prop, y=[study_y[i] for i in order], mode="markers",
        marker={"symbol": "square", "size": _marker_sizes(weights, sub["total"].to_numpy(dtype=float)),
                "color": theme.COLORS["study"], "line": {"width": 0}},
        error_x={"type": "data", "symmetric": False, "array": np.clip(high - prop, 0, None),
                 "arrayminus": np.clip(prop - low, 0, None), "color": "#34495e", "thickness": 1.4,
                 "width": 0},
        customdata=np.array(sub["study_id"].astype(str).tolist(), dtype=object).reshape(-1, 1),
        hovertext=[study_hover(r, ci_label) for _, r in sub.iterrows()],
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
    ))

    def diamond(name: str, res, yy: float, color: str, label: str) -> None:
        est, cl, ch = res.estimate, res.ci.low, res.ci.high
        if not all(math.isfinite(v) for v in (est, cl, ch)):
            return
        fig.add_trace(go.Scatter(
            name=name, x=[cl, est, ch, est, cl], y=[yy, yy + 0.36, yy, yy - 0.36, yy], mode="lines",
            fill="toself", fillcolor=color, line={"color": color, "width": 1}, hoveron="fills+points",
            hovertext=(f"<b>{_hover_escape(label)}</b><br>{pct(est)} ({res.fit.level:.0%} CI "
                       f"{interval(cl, ch)})<br>k = {res.k}, N = {res.data.total_n}"),
            hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
        ))

    def pi_bar(name: str, res, yy: float) -> None:
        if not (math.isfinite(res.pi.low) and math.isfinite(res.pi.high)):
            return
        fig.add_trace(go.Scatter(
            name=name, x=[res.pi.low, res.pi.high], y=[yy, yy], mode="lines+markers",
            line={"color": theme.COLORS["pi"], "width": 4},
            marker={"symbol": "line-ns-open", "size": 10, "color": theme.COLORS["pi"]},
            hovertext=(f"<b>Prediction interval</b> ({res.fit.level:.0%}, {res._pi_label()})"
                       f"<br>{interval(res.pi.low, res.pi.high)}"),
            hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
        ))

    muted = theme.COLORS["muted"]
    for (kind, payload), yy in zip(layout, ys, strict=True):
        if kind == "header":
            text(_COLS["label"], yy, group_title + " / study", bold=True)
            text(_COLS["counts"], yy, "Events/N", bold=True, align="right")
            text(_COLS["estimate"], yy, f"% ({ci_label})", bold=True, align="right")
            text(1.0, yy, "Weight", bold=True, align="right")
        elif kind == "heading":
            g, res = payload
            text(_COLS["label"], yy, _hover_escape(shorten(g, 40)), bold=True)
        elif kind == "study":
            r = rows.loc[payload]
            label = _hover_escape(shorten(_clean(r["label"]), 32))
            if "flag_count" in r and float(r["flag_count"] or 0) > 0:
                label = f"{label} <span style='color:{theme.COLORS['flag']}'>{FLAG}</span>"
            text(_COLS["label"] + 0.015, yy, label)
            text(_COLS["counts"], yy, f"{int(r['events'])}/{int(r['total'])}", align="right")
            text(_COLS["estimate"], yy, estimate_interval(r["proportion"], r["ci_low"], r["ci_high"]),
                 align="right")
            w = float(r["weight"]) if "weight" in r else math.nan
            text(1.0, yy, f"{w:.1f}%" if math.isfinite(w) else "–", align="right")
        elif kind == "diamond":
            g, res, members = payload
            diamond(f"pooled: {g}", res, yy, theme.COLORS["subgroup"], f"{g}: pooled")
            text(_COLS["label"] + 0.015, yy, f"Subtotal (k = {res.k})", bold=True)
            text(_COLS["counts"], yy, f"{res.data.total_events}/{res.data.total_n}", align="right", bold=True)
            text(_COLS["estimate"], yy, estimate_interval(res.estimate, res.ci.low, res.ci.high),
                 align="right", bold=True)
            wsum = float(members["weight"].sum()) if finite_w and "weight" in members else math.nan
            text(1.0, yy, f"{wsum:.1f}%" if math.isfinite(wsum) else "–", align="right", bold=True)
        elif kind == "pi":
            g, res = payload
            pi_bar(f"prediction interval: {g}", res, yy)
            text(_COLS["label"] + 0.015, yy, "Prediction interval", color=muted)
            text(_COLS["estimate"], yy, interval(res.pi.low, res.pi.high),
                 align="right", color=muted)
        elif kind == "overall":
            diamond("pooled", result, yy, theme.COLORS["pooled"], pooled_label)
            text(_COLS["label"], yy, f"<b>{_hover_escape(pooled_label)}</b>")
            text(_COLS["counts"], yy, f"<b>{result.data.total_events}/{result.data.total_n}</b>", align="right")
            text(_COLS["estimate"], yy,
                 f"<b>{estimate_interval(result.estimate, result.ci.low, result.ci.high)}</b>", align="right")
            text(1.0, yy, "100%" if finite_w else "–", align="right")
            if math.isfinite(result.estimate):
                fig.add_shape(type="line", x0=result.estimate, x1=result.estimate, y0=yy - 0.5,
                              y1=top - 0.5, xref="x", yref="y",
                              line={"color": theme.COLORS["pooled"], "width": 1, "dash": "dot"})
        elif kind == "overall_pi":
            pi_bar("prediction interval", result, yy)
            text(_COLS["label"], yy, "Prediction interval", color=muted)
            text(_COLS["estimate"], yy, interval(result.pi.low, result.pi.high), align="right", color=muted)

    foot = []
    h = result.heterogeneity
    if math.isfinite(h.q) and math.isfinite(h.i2):
        foot.append(f"Heterogeneity: I² = {h.i2:.0f}%, τ² = {h.tau2:.3g}, "
                    f"Q = {h.q:.2f} (df = {h.q_df}, p = {h.q_pvalue:.3g})")
    if test_text:
        foot.append(_hover_escape(test_text))
    if foot:
        annotations.append({
            "x": 0.0, "y": 0.0, "xref": "paper", "yref": "paper", "yanchor": "top", "yshift": -44,
            "xanchor": "left", "text": "<br>".join(foot), "showarrow": False, "align": "left",
            "font": {"color": theme.COLORS["muted"], "size": 12},
        })
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        annotations=annotations,
        height=int(150 + ROW_PX * (top + 1) + 18 * len(foot)),
        margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 60 + 18 * len(foot)},
        hovermode="closest",
        xaxis={"domain": list(PLOT_DOMAIN), "range": [-0.02, 1.02], "tickformat": ".0%", "dtick": 0.2,
               "title": {"text": x_title, "standoff": 8}, "showgrid": True, "zeroline": False},
        yaxis={"range": [0.3, top + 0.7], "showticklabels": False, "showgrid": False,
               "zeroline": False, "fixedrange": True},
        dragmode=False,
    )
    return theme.apply(fig, presentation=presentation)
