"""Figures for the survival evidence: medians, parametric curves through reported points, response vs PFS, pooled medians.

Every builder is a pure function (table or :mod:`synthesis.survival_curves` / :mod:`synthesis.survival_medians` result in, ``go.Figure`` out)
and finishes with :func:`charts.theme.apply`. Text that comes from the data (labels, sources,
locations) is escaped before plotly sees it (plotly renders a small HTML subset in text, hover and
annotations), and missing values are shown as ``–``, never ``nan``. Hover text is assembled in
``hovertemplate`` from ``customdata`` only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts import theme
from evidence.formats import decimal
from synthesis.survival_curves import SurvivalCurveFit
from synthesis.survival_medians import PooledMedian
from synthesis.survival_milestones import PooledRate

__all__ = [
    "ENDPOINT_ORDER",
    "annotate_curves",
    "annotate_pooled",
    "median_dot_whisker",
    "pooled_median_panel",
    "milestone_panel",
    "reconstructed_km",
    "summary_curve",
    "parametric_curves",
    "response_frame",
    "response_pfs_table",
    "response_vs_pfs",
]

ENDPOINT_ORDER = ("PFS", "TTP", "OS", "DoR")
ENDPOINT_COLORS = {
    "PFS": theme.SEQUENCE[0],
    "TTP": theme.SEQUENCE[4],
    "OS": theme.SEQUENCE[1],
    "DoR": theme.SEQUENCE[2],
}
#: marker symbol by interval kind (filled = a stated 95% CI)
INTERVAL_SYMBOLS = {
    "95% CI": "circle",
    "not stated": "circle-open",
    "IQR": "square-open",
    "range": "diamond-open",
}
NOT_KM = "Parametric curve under an exponential/Weibull assumption — not Kaplan–Meier"
DASH_NOTE = "–"

MEDIAN_COLUMNS = ("label", "endpoint", "statistic", "estimate", "ci_low", "ci_high")
RESPONSE_COLUMNS = ("label", "median_months", "response_percent")


# ----------------------------------------------------------------------------------------------
# small text helpers
# ----------------------------------------------------------------------------------------------
def _clean(value: object) -> str:
    """Plain text of a data value; empty for None/NaN/NA (never ``nan``)."""
    if value is None:
        return ""
    if isinstance(value, float | np.floating) and not math.isfinite(float(value)):
        return ""
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none", "<na>", "nat") else text


def _esc(text: str) -> str:
    """Keep data text literal in plotly's HTML-subset text rendering."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _txt(value: object, empty: str = DASH_NOTE) -> str:
    """Escaped text of a data value, ``–`` when missing."""
    t = _clean(value)
    return _esc(t) if t else empty


def _is_finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} frame is missing column(s) {missing}.")


CAPTION_LINE_PX = 16


def _finish_layout(
    fig: go.Figure, caption: Sequence[str], *, height: int | None = None, anchor: str = "left"
) -> None:
    """Legend above the plot, wrapped caption lines below the x-axis title, room for both.

    ``caption`` lines must already be escaped; each is wrapped at about 95 characters. With
    ``anchor="right"`` the caption ends at the plot's right edge and grows into a wide label
    column instead of running off the figure.
    """
    text = "<br>".join(_wrap(c) for c in caption if c)
    n_lines = text.count("<br>") + 1 if text else 0
    if text:
        fig.add_annotation(
            text=text, x=1 if anchor == "right" else 0, y=0, xref="paper", yref="paper",
            xanchor=anchor, yanchor="top",
            yshift=-58, showarrow=False, align="left",
            font={"size": 11, "color": theme.COLORS["muted"]},
        )
    layout: dict[str, object] = {
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom"},
        "margin": {"t": 90, "b": 70 + CAPTION_LINE_PX * n_lines, "l": 10, "r": 20},
        "xaxis": {"automargin": True},
        "yaxis": {"automargin": True},
    }
    if height is not None:
        layout["height"] = height + CAPTION_LINE_PX * n_lines
    fig.update_layout(layout)


def _empty_figure(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title={"text": title}, xaxis={"visible": False}, yaxis={"visible": False})
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)
    return theme.apply(fig)


# ----------------------------------------------------------------------------------------------
# 1. medians by study, dot and whisker
# ----------------------------------------------------------------------------------------------
def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _row_label(row: pd.Series, *, full: bool = False, endpoint: bool = True) -> str:
    """Row text (escaped): ``label · subgroup (endpoint)``; long parts shortened unless ``full``.

    ``endpoint=False`` leaves out the endpoint (a panel of one endpoint says it in its title).
    """
    label = _clean(row.get("label")) or _clean(row.get("study_id")) or "study"
    sub = _clean(row.get("subgroup"))
    if not full:
        label, sub = _short(label, 36), _short(sub, 28)
    base = f"{label} · {sub}" if sub else label
    if not endpoint:
        return _esc(base)
    return _esc(f"{base} ({_clean(row.get('endpoint')) or '?'})")


def _interval_text(row: pd.Series) -> str:
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if not _is_finite(lo) and not _is_finite(hi):
        return "no interval reported"
    hi_t = decimal(hi) if _is_finite(hi) else "NE"
    lo_t = decimal(lo) if _is_finite(lo) else "NE"
    return f"{lo_t}–{hi_t}"


_MEDIAN_HOVER = (
    "<b>%{customdata[0]}</b><br>"
    "Median: %{customdata[1]} months<br>"
    "Interval: %{customdata[2]} (%{customdata[3]})<br>"
    "n: %{customdata[4]} · follow-up: %{customdata[5]} months<br>"
    "Status: %{customdata[6]} · derivation: %{customdata[7]}<br>"
    "Source: %{customdata[8]}<br>"
    "Location: %{customdata[9]}"
    "<extra>%{customdata[10]}</extra>"
)


def _median_customdata(row: pd.Series, median_text: str) -> list[str]:
    return [
        _row_label(row, full=True),  # already escaped
        median_text,
        _esc(_interval_text(row)),
        _txt(row.get("interval_kind"), "not stated"),
        decimal(row.get("n"), 0),
        decimal(row.get("follow_up_months"), 1),
        _txt(row.get("status")),
        _txt(row.get("derivation")),
        _txt(row.get("source")),
        _txt(row.get("location")),
        _txt(row.get("endpoint")),
    ]


#: side-by-side panels of :func:`median_dot_whisker` (``panels=True``): time to progression | survival
MEDIAN_PANELS = (("PFS", "TTP"), ("OS", "DoR"))
_MEDIAN_CAPTION = (
    "Marker: ● 95% CI   ○ interval kind not stated   □ IQR   ◇ range   × no interval.   "
    "▶ NR: median not reached, placed at the median follow-up (else at the lower CI bound, "
    "else at the right edge).   → NE: upper bound not estimable."
)


def median_dot_whisker(
    frame: pd.DataFrame,
    *,
    endpoints: Sequence[str] | None = None,
    title: str = "Reported median survival times by study",
    panels: bool = False,
) -> go.Figure:
    """Dot-and-whisker plot of reported medians (months), one row per study, subgroup and endpoint.

    Parameters
    ----------
    frame : pandas.DataFrame
        The evidence survival frame (``EvidenceBase.survival_frame()``); rows with
        ``statistic == "median"`` are drawn. Needs ``label, endpoint, statistic, estimate, ci_low,
        ci_high``; uses ``subgroup, interval_kind, not_reached, follow_up_months, n, source,
        location, status, derivation`` when present.
    endpoints : sequence of str, optional
        Endpoints to show (default: all present, in the order PFS, TTP, OS, DoR).
    title : str
    panels : bool, default False
        For a 16:9 slide, where one tall column of 50+ rows would be squeezed until plotly skips
        row labels: PFS/TTP and OS/DoR side by side (:data:`MEDIAN_PANELS`; the x-axis title
        names the panel, the right panel is labelled on the right, both on one month scale),
        every row labelled, and one row per study and endpoint: a subgroup's median is left out
        when the same study reports the whole cohort's (the caption says so). Rows of the panel's
        first endpoint (PFS, OS) leave the endpoint out of the label; the others keep it.

    Returns
    -------
    plotly.graph_objects.Figure
        One data trace per endpoint (``name`` = endpoint, ``showlegend=False``, plus an empty
        legend entry of the same name with a neutral symbol) with whiskers for the printed interval; the
        marker shape gives the interval kind (filled circle = 95% CI, open circle = kind not stated,
        open square = IQR, open diamond = range) and the hover repeats it with the provenance.
        Medians not reached are a separate trace ``"not reached"`` (right-pointing triangle at the
        follow-up time, or at the lower CI bound, labelled NR). A missing upper bound (NE) has no
        right whisker.

    Examples
    --------
    >>> df = pd.DataFrame({"label": ["Liao 2020"], "endpoint": ["PFS"], "statistic": ["median"],
    ...                    "estimate": [7.89], "ci_low": [4.56], "ci_high": [11.21]})
    >>> [t.name for t in median_dot_whisker(df).data if t.showlegend is not False]
    ['PFS']
    >>> list(median_dot_whisker(df, panels=True).layout.yaxis.ticktext)
    ['Liao 2020']
    """
    _require(frame, MEDIAN_COLUMNS, "survival")
    df = frame[frame["statistic"] == "median"].copy()
    if endpoints is not None:
        df = df[df["endpoint"].isin(list(endpoints))]
    if "not_reached" not in df.columns:
        df["not_reached"] = False
    df["not_reached"] = df["not_reached"].fillna(False).astype(bool)
    est = pd.to_numeric(df["estimate"], errors="coerce")
    df = df[df["not_reached"] | est.notna()]
    if df.empty:
        return _empty_figure(title, "No reported medians to show.")

    order = {e: i for i, e in enumerate(ENDPOINT_ORDER)}
    df["_ep"] = df["endpoint"].map(lambda e: order.get(e, len(order)))
    df["_x"] = pd.to_numeric(df["estimate"], errors="coerce")
    finite_vals = pd.concat(
        [pd.to_numeric(df[c], errors="coerce") for c in ("estimate", "ci_low", "ci_high")]
    )
    x_max = float(np.nanmax(finite_vals.to_numpy(dtype=float))) if finite_vals.notna().any() else 12.0

    caption = [_MEDIAN_CAPTION]
    if panels:
        df, dropped = _whole_cohort_rows(df)
        if dropped:
            caption.append(f"{dropped} subgroup median{'s' if dropped != 1 else ''} not shown: "
                           "the same study reports the whole cohort's.")
        groups = [g for g in MEDIAN_PANELS if df["endpoint"].isin(g).any()]
        other = sorted(set(df["endpoint"]) - {e for g in MEDIAN_PANELS for e in g})
        groups += [(e,) for e in other]
        fig = make_subplots(rows=1, cols=len(groups), horizontal_spacing=0.03)
    else:
        groups = [tuple(dict.fromkeys(df["endpoint"]))]
        fig = go.Figure()
    n_rows = 0
    for col, group in enumerate(groups, start=1):
        d = df[df["endpoint"].isin(group)].copy()
        d["_row"] = [_row_label(r, endpoint=not panels or r["endpoint"] != group[0])
                     for _, r in d.iterrows()]
        d = d.sort_values(["_ep", "_x", "_row"], na_position="last", kind="stable")
        rows = list(dict.fromkeys(d["_row"]))
        n_rows = max(n_rows, len(rows))
        _median_traces(fig, d, x_max, col=col if panels else None,
                       nr_legend=not any(t.name == "not reached" for t in fig.data))
        yaxis = {"categoryorder": "array", "categoryarray": rows[::-1], "automargin": True,
                 "title": {"text": ""}}
        if panels:
            yaxis |= {"tickmode": "array", "tickvals": rows, "ticktext": rows,
                      "tickfont": {"size": 11}, "side": "left" if col == 1 else "right"}
        fig.update_yaxes(yaxis, row=1 if panels else None, col=col if panels else None)
        if panels:
            name = " / ".join(e for e in group if d["endpoint"].eq(e).any())
            fig.update_xaxes(title={"text": f"{_esc(name)}: median (months)"}, row=1, col=col)
    fig.update_xaxes(rangemode="tozero")
    if panels:
        fig.update_xaxes(range=[0, x_max * 1.2])  # room for the NR labels
    else:
        fig.update_xaxes(title={"text": "Median (months)"})
    fig.update_layout(title={"text": _esc(title)})
    _finish_layout(
        fig, caption,
        height=max(360, 150 + (20 if panels else 26) * n_rows),
        anchor="right",
    )
    return theme.apply(fig)


def _whole_cohort_rows(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop subgroup rows of a (study, endpoint) that also has a whole-cohort row; count them."""
    study = df["study_id"] if "study_id" in df else df["label"]
    sub = df["subgroup"].map(_clean) if "subgroup" in df else pd.Series("", index=df.index)
    whole = set(zip(study[sub == ""], df["endpoint"][sub == ""], strict=True))
    drop = (sub != "") & [(s, e) in whole for s, e in zip(study, df["endpoint"], strict=True)]
    return df[~drop], int(drop.sum())


def _median_traces(fig: go.Figure, df: pd.DataFrame, x_max: float, *, col: int | None,
                   nr_legend: bool) -> None:
    """The dot-and-whisker traces of one panel (``col=None``: a figure without subplots)."""
    where = {"row": 1, "col": col} if col is not None else {}
    reached = df[~df["not_reached"]]
    for ep in list(dict.fromkeys(reached["endpoint"])):
        d = reached[reached["endpoint"] == ep]
        x = d["_x"].to_numpy(dtype=float)
        lo = pd.to_numeric(d["ci_low"], errors="coerce").to_numpy(dtype=float)
        hi = pd.to_numeric(d["ci_high"], errors="coerce").to_numpy(dtype=float)
        plus = np.where(np.isfinite(hi), hi - x, 0.0)
        minus = np.where(np.isfinite(lo), x - lo, 0.0)
        kinds = [_clean(k) or "not stated" for k in d.get("interval_kind", [""] * len(d))]
        symbols = [
            INTERVAL_SYMBOLS.get(k, "circle-open") if (_is_finite(a) or _is_finite(b)) else "x"
            for k, a, b in zip(kinds, lo, hi, strict=True)
        ]
        custom = [_median_customdata(r, decimal(r["_x"])) for _, r in d.iterrows()]
        ne = ["→ NE" if (np.isfinite(a) and not np.isfinite(b)) else "" for a, b in zip(lo, hi, strict=True)]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=list(d["_row"]),
                mode="markers+text",
                text=ne,
                textposition="middle right",
                textfont={"size": 11, "color": theme.COLORS["muted"]},
                name=str(ep),
                marker={"color": ENDPOINT_COLORS.get(ep, theme.COLORS["study"]), "size": 10,
                        "symbol": symbols, "line": {"width": 2}},
                error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
                         "thickness": 1.5, "width": 4},
                customdata=custom,
                hovertemplate=_MEDIAN_HOVER,
                legendgroup=str(ep),
                showlegend=False,
            ),
            **where,
        )
        # the legend shows the endpoint colour with one neutral symbol (shapes = interval kind)
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=str(ep), legendgroup=str(ep),
                marker={"color": ENDPOINT_COLORS.get(ep, theme.COLORS["study"]), "size": 10,
                        "symbol": "circle"},
                hoverinfo="skip",
            ),
            **where,
        )
    nr = df[df["not_reached"]]
    if not nr.empty:
        xs = []
        for _, r in nr.iterrows():
            if _is_finite(r.get("follow_up_months")):
                xs.append(float(r["follow_up_months"]))
            elif _is_finite(r.get("ci_low")):
                xs.append(float(r["ci_low"]))
            else:
                xs.append(x_max)
        custom = [_median_customdata(r, "not reached") for _, r in nr.iterrows()]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=list(nr["_row"]),
                mode="markers+text",
                name="not reached",
                legendgroup="not reached",
                showlegend=nr_legend,
                text=["NR"] * len(nr),
                textposition="middle right",
                marker={"symbol": "triangle-right", "size": 13, "color": theme.COLORS["muted"]},
                customdata=custom,
                hovertemplate=_MEDIAN_HOVER,
            ),
            **where,
        )


# ----------------------------------------------------------------------------------------------
# 2. parametric curves through reported points
# ----------------------------------------------------------------------------------------------
def _as_named_fits(
    fits: Mapping[str, SurvivalCurveFit] | Sequence[SurvivalCurveFit] | SurvivalCurveFit,
) -> list[tuple[str, SurvivalCurveFit]]:
    if isinstance(fits, SurvivalCurveFit):
        return [(fits.model.capitalize(), fits)]
    if isinstance(fits, Mapping):
        return [(str(k), v) for k, v in fits.items()]
    return [(f.model.capitalize(), f) for f in fits]


def parametric_curves(
    fits: Mapping[str, SurvivalCurveFit] | Sequence[SurvivalCurveFit] | SurvivalCurveFit,
    points: pd.DataFrame | None = None,
    *,
    t_max: float | None = None,
    title: str = NOT_KM,
) -> go.Figure:
    """Exponential/Weibull curves drawn through reported points, with the points overlaid.

    Parameters
    ----------
    fits : SurvivalCurveFit, sequence of them, or mapping name -> fit
        From :func:`synthesis.survival_curves.fit_exponential` / :func:`fit_weibull`. With a sequence
        the legend names are the model names.
    points : pandas.DataFrame, optional
        Reported points to overlay: ``time_months``, ``survival`` (proportion 0–1) and optionally
        ``label`` and ``method`` (e.g. ``"Kaplan–Meier"``, ``"crude"``, ``"median"``). Default:
        the points stored in the fits.
    t_max : float, optional
        Right end of the time axis (default: the largest default grid of the fits).
    title : str
        Defaults to the statement that the curves are model-based, not Kaplan–Meier.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per fit named ``"<name> (assumed model, not KM)"`` (exponential dashed, Weibull
        dotted), a ``"reported points"`` marker trace, a 50% reference line and an annotation
        with the assumption and the largest residual of each fit.

    Examples
    --------
    >>> from synthesis.survival_curves import fit_exponential, fit_weibull
    >>> pts = [(4.0, 0.463), (6.0, 0.365)]
    >>> fig = parametric_curves([fit_exponential(pts), fit_weibull(pts)])
    >>> [t.name for t in fig.data]
    ['Exponential (assumed model, not KM)', 'Weibull (assumed model, not KM)', 'reported points']
    """
    named = _as_named_fits(fits)
    if not named:
        return _empty_figure(_esc(title), "No parametric curve to show.")
    if t_max is None:
        t_max = max(float(f.default_grid()[-1]) for _, f in named)
    if not (_is_finite(t_max) and t_max > 0):
        raise ValueError(f"t_max ({t_max!r}) must be a positive number of months.")
    grid = np.linspace(0.0, float(t_max), 161)

    fig = go.Figure()
    for i, (name, fit) in enumerate(named):
        color = theme.SEQUENCE[i % len(theme.SEQUENCE)]
        dash = "dash" if fit.model == "exponential" else "dot"
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=fit.survival(grid),
                mode="lines",
                name=f"{_esc(name)} (assumed model, not KM)",
                line={"color": color, "dash": dash, "width": 2.5},
                customdata=[[_esc(name), decimal(fit.median), decimal(fit.shape, 3)]] * grid.size,
                hovertemplate=(
                    "%{customdata[0]}: S(%{x:.1f} mo) = %{y:.1%}<br>"
                    "model median %{customdata[1]} months, shape %{customdata[2]}"
                    "<extra>assumed model, not KM</extra>"
                ),
            )
        )

    if points is None:
        rows = []
        for _, fit in named:
            for lab, t, s in zip(fit.point_labels, fit.times, fit.observed, strict=True):
                rows.append({"time_months": float(t), "survival": float(s), "label": lab})
        pts = pd.DataFrame(rows).drop_duplicates(subset=["time_months", "survival"])
    else:
        _require(points, ("time_months", "survival"), "points")
        pts = points.copy()
    if not pts.empty:
        pts = pts[pd.to_numeric(pts["time_months"], errors="coerce").notna()
                  & pd.to_numeric(pts["survival"], errors="coerce").notna()]
        labels = [_txt(v, "") for v in pts.get("label", pd.Series([""] * len(pts)))]
        methods = [_txt(v, "not stated") for v in pts.get("method", pd.Series([""] * len(pts)))]
        fig.add_trace(
            go.Scatter(
                x=pts["time_months"].astype(float),
                y=pts["survival"].astype(float),
                mode="markers+text",
                name="reported points",
                text=labels,
                textposition="top right",
                marker={"color": "#1c2833", "size": 10, "symbol": "circle"},
                customdata=[[lab, m] for lab, m in zip(labels, methods, strict=True)],
                hovertemplate=(
                    "%{customdata[0]}<br>%{y:.1%} at %{x:.2f} months"
                    "<br>method: %{customdata[1]}<extra>reported</extra>"
                ),
            )
        )
    fig.add_hline(y=0.5, line={"dash": "dot", "color": theme.COLORS["muted"], "width": 1})
    lines = [f"{_esc(name)}: {_esc(fit.fit_method)}; max |residual| at the points "
             f"{fit.max_abs_residual:.1%}" for name, fit in named]
    fig.update_layout(
        title={"text": _esc(title)},
        xaxis={"title": {"text": "Months"}, "range": [0, float(t_max)]},
        yaxis={"title": {"text": "Survival (model-based)"}, "range": [0, 1.02],
               "tickformat": ".0%"},
    )
    models = list(dict.fromkeys("Weibull" if f.model == "weibull" else f.model for _, f in named))
    statement = (
        f"Parametric curves under an {' and a '.join(models)} assumption — not Kaplan–Meier curves."
    )
    _finish_layout(fig, [statement, *lines], height=460)
    return theme.apply(fig)


def annotate_curves(fig: go.Figure, provenance: Sequence[str] = (),
                    claims: Sequence[tuple[str, float]] = ()) -> go.Figure:
    """Provenance in the hover of the reported points of :func:`parametric_curves` (one text per
    point, in order) and the claimed medians of secondary reports (``(label, months)``, not used in
    the fit) as ×, with room above the plot for the longer legend."""
    for tr in fig.data:
        if tr.name == "reported points" and tr.x is not None and len(provenance) == len(tr.x):
            tr.customdata = [list(c) + [_esc(p)] for c, p in zip(tr.customdata, provenance, strict=True)]
            tr.hovertemplate = (
                "%{customdata[0]}<br>%{y:.1%} at %{x:.2f} months<br>method: %{customdata[1]}"
                "<br>%{customdata[2]}<extra>reported</extra>"
            )
    h = fig.layout.height or 460
    top = 160 if claims else 125
    fig.update_layout(margin={"t": top}, height=h + top - 90,
                      title={"y": 0.99, "yanchor": "top", "yref": "container"})
    if claims:
        fig.add_trace(go.Scatter(
            x=[m for _, m in claims], y=[0.5] * len(claims), mode="markers+text",
            name="claimed median of a secondary report (not used in the fit)",
            text=[f"{_esc(lab.split(':')[0])}: median {decimal(m)} mo?" for lab, m in claims],
            textposition="top right",
            marker={"symbol": "x", "size": 13, "color": theme.COLORS["flag"]},
            hovertemplate="%{text}<br>claimed median, checked against the milestones<extra>claim</extra>",
        ))
    return fig


# ----------------------------------------------------------------------------------------------
# 3. response vs median PFS
# ----------------------------------------------------------------------------------------------
def _no_subgroup(frame: pd.DataFrame) -> pd.Series:
    if "subgroup" not in frame.columns:
        return pd.Series(True, index=frame.index)
    return frame["subgroup"].map(lambda v: _clean(v) == "")


def response_pfs_table(
    outcomes: pd.DataFrame,
    survival: pd.DataFrame,
    *,
    response: str = "ORR",
    endpoint: str = "PFS",
    record_kinds: Sequence[str] = ("study",),
    min_n: int = 2,
) -> pd.DataFrame:
    """The input of :func:`response_vs_pfs`: one row per study with both a response and a median.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        ``EvidenceBase.outcomes_frame()`` (``study_id, endpoint, events, total``; uses
        ``headline, percent_reported, subgroup, record_kind, timepoint, status, source`` when
        present). Headline, whole-cohort rows only.
    survival : pandas.DataFrame
        ``EvidenceBase.survival_frame()``; whole-cohort medians that were reached.
    response : {"ORR", "DCR"}
    endpoint : {"PFS", "TTP"}
    record_kinds : sequence of str
        Records to keep (default: primary study records only, no secondary reports or claims).
    min_n : int, default 2
        Drop studies whose response denominator is known and smaller (case reports).

    Returns
    -------
    pandas.DataFrame
        ``study_id, label, median_months, response_percent, histology_group, n, timepoint,
        status, source``. ``response_percent`` is ``100 · events / total`` when both counts are
        known, else the printed percentage.
    """
    o = outcomes[(outcomes["endpoint"] == response) & _no_subgroup(outcomes)]
    if "headline" in o.columns:
        o = o[o["headline"].fillna(False).astype(bool)]
    if "record_kind" in o.columns:
        o = o[o["record_kind"].isin(list(record_kinds))]
    ev = pd.to_numeric(o["events"], errors="coerce").astype(float)
    tot = pd.to_numeric(o["total"], errors="coerce").astype(float)
    pct = 100.0 * ev / tot.where(tot > 0)
    if "percent_reported" in o.columns:
        pct = pct.fillna(pd.to_numeric(o["percent_reported"], errors="coerce"))
    o = o.assign(response_percent=pct, n=tot).drop_duplicates("study_id")

    s = survival[(survival["endpoint"] == endpoint) & (survival["statistic"] == "median")
                 & _no_subgroup(survival)]
    if "not_reached" in s.columns:
        s = s[~s["not_reached"].fillna(False).astype(bool)]
    if "record_kind" in s.columns:
        s = s[s["record_kind"].isin(list(record_kinds))]
    s = s.assign(median_months=pd.to_numeric(s["estimate"], errors="coerce"))
    s = s[s["median_months"].notna()].drop_duplicates("study_id")

    keep_o = [c for c in ("study_id", "response_percent", "n", "timepoint", "status") if c in o]
    keep_s = [c for c in ("study_id", "label", "median_months", "histology_group", "source")
              if c in s]
    out = s[keep_s].merge(o[keep_o], on="study_id", how="inner")
    out = out[out["response_percent"].notna() & ~(out["n"] < min_n)]
    return out.reset_index(drop=True)


def response_frame(outcomes: pd.DataFrame, survival: pd.DataFrame, response: str = "ORR") -> pd.DataFrame:
    """Studies with both a headline response and a whole-cohort median PFS among the (filtered)
    ``survival`` rows: :func:`response_pfs_table`, or an empty table when either frame is empty."""
    if outcomes.empty or survival.empty:
        return pd.DataFrame(columns=["label", "median_months", "response_percent"])
    ids = set(survival["study_id"])
    return response_pfs_table(outcomes[outcomes["study_id"].isin(ids)], survival, response=response)


def response_vs_pfs(
    frame: pd.DataFrame,
    *,
    response: str = "ORR",
    endpoint: str = "PFS",
    title: str | None = None,
) -> go.Figure:
    """Scatter of a response rate against median PFS (or TTP), one labelled point per study.

    For teaching: a high response rate does not promise a long PFS, and a drug that mostly
    stabilises disease can give a long PFS with few responses. No line is fitted.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per study with ``label``, ``median_months`` and ``response_percent`` (0–100);
        optional ``histology_group`` (colour), ``n`` (marker size), ``source``, ``status``.
        Rows missing either value are dropped (and counted in the caption).
    response : str
        Name of the response measure for the axis (``"ORR"`` or ``"DCR"``).
    endpoint : str
        Name of the time endpoint for the axis (``"PFS"`` or ``"TTP"``).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One marker trace per histology group (or one ``"studies"`` trace).

    Examples
    --------
    >>> df = pd.DataFrame({"label": ["Xie 2019", "Liao 2020"], "median_months": [4.5, 7.89],
    ...                    "response_percent": [43.24, 6.06]})
    >>> len(response_vs_pfs(df).data)
    1
    """
    _require(frame, RESPONSE_COLUMNS, "response")
    title = title or f"{response} vs median {endpoint}: response and durability tell different stories"
    df = frame.copy()
    df["median_months"] = pd.to_numeric(df["median_months"], errors="coerce")
    df["response_percent"] = pd.to_numeric(df["response_percent"], errors="coerce")
    n_all = len(df)
    df = df[df["median_months"].notna() & df["response_percent"].notna()]
    if df.empty:
        return _empty_figure(_esc(title), f"No study reports both {response} and median {endpoint}.")
    group_col = "histology_group" if "histology_group" in df.columns else None
    groups = (
        list(dict.fromkeys(_clean(g) or "unspecified" for g in df[group_col]))
        if group_col else ["studies"]
    )
    fig = go.Figure()
    for i, g in enumerate(groups):
        d = df if group_col is None else df[[(_clean(v) or "unspecified") == g for v in df[group_col]]]
        if "n" in d.columns:
            n = pd.to_numeric(d["n"], errors="coerce").to_numpy(dtype=float)
            size = np.where(np.isfinite(n), 6 + 2.2 * np.sqrt(np.nan_to_num(n, nan=0.0)), 10.0)
        else:
            size = np.full(len(d), 12.0)
        custom = [
            [_txt(r["label"]), decimal(r["median_months"]), decimal(r["response_percent"], 1),
             decimal(r.get("n"), 0), _txt(r.get("source")), _txt(r.get("status")),
             _txt(r.get("timepoint"), "not stated").replace("_", " ")]
            for _, r in d.iterrows()
        ]
        fig.add_trace(
            go.Scatter(
                x=d["median_months"],
                y=d["response_percent"],
                mode="markers+text",
                name=_esc(g),
                text=[_txt(v, "") for v in d["label"]],
                textposition="top center",
                marker={"size": size, "color": theme.SEQUENCE[i % len(theme.SEQUENCE)],
                        "opacity": 0.85, "line": {"width": 1, "color": "white"}},
                customdata=custom,
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>"
                    f"median {_esc(endpoint)}: " + "%{customdata[1]} months<br>"
                    f"{_esc(response)}: " + "%{customdata[2]}% (timepoint: %{customdata[6]})<br>"
                    "n: %{customdata[3]} · status: %{customdata[5]}<br>"
                    "source: %{customdata[4]}<extra></extra>"
                ),
            )
        )
    dropped = n_all - len(df)
    caption = (
        "Each point is one study (size ∝ √n when n is known). No line is fitted: the studies differ "
        "in histology, line of therapy, regimen and timepoint."
    )
    if dropped:
        caption += f" {dropped} row(s) without both values are not shown."
    fig.update_layout(
        title={"text": _esc(title)},
        xaxis={"title": {"text": f"Median {_esc(endpoint)} (months)"}, "rangemode": "tozero"},
        yaxis={"title": {"text": f"{_esc(response)} (%)"}, "range": [0, 108]},
    )
    _finish_layout(fig, [caption], height=480)
    return theme.apply(fig)


# ----------------------------------------------------------------------------------------------
# 4. pooled median panel
# ----------------------------------------------------------------------------------------------
def pooled_median_panel(
    result: PooledMedian,
    *,
    endpoint: str = "PFS",
    title: str | None = None,
) -> go.Figure:
    """Forest-style panel of a :class:`synthesis.survival_medians.PooledMedian`.

    Study medians (with their 95% CIs when the result has them, marker area ∝ weight) on a log
    time axis, the pooled median as a diamond with its interval, the prediction interval when it
    exists, and a caption with the method, the notes and every study left out with its reason.

    Parameters
    ----------
    result : PooledMedian
        From :func:`synthesis.survival_medians.pool_log_medians` or :func:`median_of_medians`.
    endpoint : str
        Endpoint name for the title and axis.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"studies"``, ``"pooled"`` and (random effects only) ``"prediction interval"``.

    Examples
    --------
    >>> from synthesis.survival_medians import pool_log_medians
    >>> r = pool_log_medians([7.89, 3.5], [4.56, 2.5], [11.21, 4.8], labels=["S4", "S6"])
    >>> [t.name for t in pooled_median_panel(r).data]
    ['studies', 'pooled', 'prediction interval']
    """
    est_txt = (
        f"{decimal(result.estimate)} months "
        f"[{decimal(result.ci.low)}, {decimal(result.ci.high)}]"
        if _is_finite(result.estimate) else "not estimable"
    )
    title = title or f"Pooled median {endpoint}: {est_txt}"
    labels = [_esc(x) or f"study {i + 1}" for i, x in enumerate(result.labels)]
    pooled_row = f"Pooled ({_esc(result.fit.method)})"
    rows = [*labels, pooled_row]
    fig = go.Figure()
    if result.k:
        x = np.asarray(result.data.medians, dtype=float)
        lo = np.asarray(result.data.ci_low, dtype=float)
        hi = np.asarray(result.data.ci_high, dtype=float)
        w = np.asarray(result.data.weights, dtype=float)
        size = 7 + 14 * np.sqrt(np.clip(w, 0, 100) / 100.0)
        has_study_ci = bool(np.any(np.isfinite(lo) | np.isfinite(hi)))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=labels,
                mode="markers",
                name="studies",
                marker={"symbol": "square", "size": size, "color": theme.COLORS["study"]},
                error_x={"type": "data", "symmetric": False,
                         "array": np.where(np.isfinite(hi), hi - x, 0.0),
                         "arrayminus": np.where(np.isfinite(lo), x - lo, 0.0),
                         "thickness": 1.5, "width": 4, "visible": has_study_ci},
                customdata=[
                    [lab, decimal(m), decimal(a), decimal(b), decimal(wt, 1)]
                    for lab, m, a, b, wt in zip(labels, x, lo, hi, w, strict=True)
                ],
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>median %{customdata[1]} months"
                    "<br>95% CI %{customdata[2]}–%{customdata[3]}"
                    "<br>weight %{customdata[4]}%<extra></extra>"
                ),
            )
        )
    if _is_finite(result.estimate):
        has_ci = _is_finite(result.ci.low) and _is_finite(result.ci.high)
        fig.add_trace(
            go.Scatter(
                x=[result.estimate],
                y=[pooled_row],
                mode="markers",
                name="pooled",
                marker={"symbol": "diamond-wide", "size": 18, "color": theme.COLORS["pooled"]},
                error_x={"type": "data", "symmetric": False,
                         "array": [result.ci.high - result.estimate if has_ci else 0.0],
                         "arrayminus": [result.estimate - result.ci.low if has_ci else 0.0],
                         "thickness": 2.5, "width": 6, "color": theme.COLORS["pooled"]},
                customdata=[[est_txt, _esc(result.fit.ci_method)]],
                hovertemplate="pooled %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            )
        )
    if _is_finite(result.pi.low) and _is_finite(result.pi.high):
        fig.add_trace(
            go.Scatter(
                x=[result.pi.low, result.pi.high],
                y=[pooled_row, pooled_row],
                mode="lines",
                name="prediction interval",
                line={"color": theme.COLORS["pi"], "width": 6},
                opacity=0.55,
                customdata=[[decimal(result.pi.low), decimal(result.pi.high)]] * 2,
                hovertemplate=(
                    f"{result.fit.level:.0%} prediction interval "
                    "%{customdata[0]}–%{customdata[1]} months<extra></extra>"
                ),
            )
        )
    caption = [_esc(result.method_label())]
    if _is_finite(result.tau2) and result.k > 1:
        caption.append(f"τ² (log scale) = {result.tau2:.3f}; I² = {decimal(result.i2, 1)}%; k = {result.k}")
    caption += [_esc(n) for n in result.computation.notes]
    if result.data.excluded:
        caption.append(
            "Left out: " + "; ".join(f"{_esc(lab)} ({_esc(why)})" for lab, why in result.data.excluded)
        )
    fig.update_layout(
        title={"text": _esc(title)},
        xaxis={"title": {"text": f"Median {_esc(endpoint)} (months, log scale)"}, "type": "log"},
        yaxis={"categoryorder": "array", "categoryarray": rows[::-1]},
        showlegend=True,
    )
    _finish_layout(fig, caption, height=max(320, 170 + 30 * len(rows)))
    if not result.k:
        fig.add_annotation(text="Nothing was pooled.", x=0.5, y=0.5, xref="paper", yref="paper",
                           showarrow=False)
    return theme.apply(fig)


def annotate_pooled(fig: go.Figure, provenance: Mapping[str, str]) -> go.Figure:
    """Provenance of each study median (study label -> text) in the hover of :func:`pooled_median_panel`."""
    prov = {_esc(k): v for k, v in provenance.items()}
    for tr in fig.data:
        if tr.name == "studies" and tr.customdata is not None:
            tr.customdata = [list(c) + [_esc(prov.get(str(c[0]), DASH_NOTE))] for c in tr.customdata]
            tr.hovertemplate = tr.hovertemplate.replace("<extra>", "<br>%{customdata[5]}<extra>")
    return fig


def _wrap(text: str, width: int = 95) -> str:
    """Break long caption lines at spaces with ``<br>`` (text is already escaped)."""
    words, lines, cur = text.split(" "), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    lines.append(cur)
    return "<br>".join(lines)


def milestone_panel(
    result: PooledRate,
    *,
    endpoint: str = "PFS",
    reference: Sequence[tuple[float, str]] = (),
    title: str | None = None,
) -> go.Figure:
    """Forest-style panel of a pooled Kaplan–Meier rate at one time, with reference lines.

    Parameters
    ----------
    result : PooledRate
        From :func:`synthesis.survival_milestones.pool_km_rates`.
    endpoint : str
    reference : sequence of (rate, label)
        Vertical reference lines (proportions), e.g. the EORTC activity thresholds.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"studies"``, ``"pooled"`` and ``"prediction interval"`` when it exists.

    Examples
    --------
    >>> from synthesis.survival_milestones import pool_km_rates
    >>> r = pool_km_rates([0.509, 0.762], [0.346, 0.60], [0.65, 0.968], time=6, labels=["A", "B"])
    >>> [t.name for t in milestone_panel(r, reference=[(0.4, "active")]).data]
    ['studies', 'pooled', 'prediction interval']
    """
    when = f"{decimal(result.data.time)} months"
    est_txt = (f"{result.estimate:.1%} [{result.ci.low:.1%}, {result.ci.high:.1%}]"
               if _is_finite(result.estimate) else "not estimable")
    title = title or f"{endpoint} at {when}: {est_txt}"
    labels = [_esc(x) or f"study {i + 1}" for i, x in enumerate(result.labels)]
    pooled_row = f"Pooled ({_esc(result.fit.method)}, {result.fit.scale})"
    rows = [*labels, pooled_row]
    fig = go.Figure()
    if result.k:
        x = np.asarray(result.data.rates, dtype=float)
        lo = np.asarray(result.data.ci_low, dtype=float)
        hi = np.asarray(result.data.ci_high, dtype=float)
        w = np.asarray(result.data.weights, dtype=float)
        fig.add_trace(go.Scatter(
            x=x, y=labels, mode="markers", name="studies",
            marker={"symbol": "square", "size": 7 + 14 * np.sqrt(np.clip(w, 0, 100) / 100.0),
                    "color": theme.COLORS["study"]},
            error_x={"type": "data", "symmetric": False, "array": hi - x, "arrayminus": x - lo,
                     "thickness": 1.5, "width": 4},
            customdata=[[lab, f"{v:.1%}", f"{p:.1%}", f"{q:.1%}", decimal(wt, 1), _esc(src)]
                        for lab, v, p, q, wt, src in zip(labels, x, lo, hi, w, result.data.se_source, strict=True)],
            hovertemplate=("<b>%{customdata[0]}</b><br>%{customdata[1]} (95% CI %{customdata[2]}–"
                           "%{customdata[3]})<br>SE from %{customdata[5]}<br>weight %{customdata[4]}%"
                           "<extra></extra>"),
        ))
    if _is_finite(result.estimate):
        fig.add_trace(go.Scatter(
            x=[result.estimate], y=[pooled_row], mode="markers", name="pooled",
            marker={"symbol": "diamond-wide", "size": 18, "color": theme.COLORS["pooled"]},
            error_x={"type": "data", "symmetric": False,
                     "array": [result.ci.high - result.estimate],
                     "arrayminus": [result.estimate - result.ci.low],
                     "thickness": 2.5, "width": 6, "color": theme.COLORS["pooled"]},
            customdata=[[est_txt, _esc(result.fit.ci_method)]],
            hovertemplate="pooled %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        ))
    if _is_finite(result.pi.low) and _is_finite(result.pi.high):
        fig.add_trace(go.Scatter(
            x=[result.pi.low, result.pi.high], y=[pooled_row, pooled_row], mode="lines",
            name="prediction interval", line={"color": theme.COLORS["pi"], "width": 6}, opacity=0.55,
            hovertemplate=f"{result.fit.level:.0%} prediction interval<extra></extra>",
        ))
    for value, text in reference:
        fig.add_vline(x=value, line={"dash": "dash", "color": theme.COLORS["muted"], "width": 1},
                      annotation_text=_esc(text), annotation_position="top",
                      annotation_font={"size": 11, "color": theme.COLORS["muted"]})
    caption = [_esc(result.method_label())]
    if result.k > 1 and _is_finite(result.tau2):
        caption.append(f"τ² ({result.fit.scale} scale) = {result.tau2:.3f}; I² = {decimal(result.i2, 1)}%; k = {result.k}")
    caption += [_esc(n) for n in result.computation.notes]
    if result.data.excluded:
        caption.append("Left out: " + "; ".join(f"{_esc(lab)} ({_esc(why)})" for lab, why in result.data.excluded))
    fig.update_layout(
        title={"text": _esc(title)},
        xaxis={"title": {"text": f"{_esc(endpoint)} rate at {when} (Kaplan–Meier)"},
               "range": [0, 1], "tickformat": ".0%"},
        yaxis={"categoryorder": "array", "categoryarray": rows[::-1]},
        showlegend=True,
    )
    _finish_layout(fig, caption, height=max(320, 170 + 30 * len(rows)))
    return fig


def reconstructed_km(
    km: pd.DataFrame,
    points: pd.DataFrame,
    *,
    label: str,
    image: object | None = None,
    extent: tuple[float, float, float, float] | None = None,
    unit: str = "months",
    title: str | None = None,
) -> go.Figure:
    """Kaplan–Meier curve of reconstructed data over the digitised points (and the figure image).

    Parameters
    ----------
    km : DataFrame
        ``time, survival, ci_low, ci_high`` of the step curve.
    points : DataFrame
        ``time, survival`` of the digitised points (proportions).
    label : str
        How the curve is labelled (``synthesis.km_reconstruction.RECONSTRUCTED_LABEL``).
    image : PIL image or data URI, optional
        The published figure, drawn under the curves.
    extent : (time_left, time_right, survival_top, survival_bottom), optional
        Data coordinates of the image's edges (from the axis calibration).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"95% CI"``, the curve (named ``label``) and ``"digitised points"``.

    Examples
    --------
    >>> km = pd.DataFrame({"time": [0, 1, 2], "survival": [1, 0.8, 0.5],
    ...                    "ci_low": [1, 0.6, 0.3], "ci_high": [1, 0.9, 0.7]})
    >>> pts = pd.DataFrame({"time": [1, 2], "survival": [0.8, 0.5]})
    >>> [t.name for t in reconstructed_km(km, pts, label="reconstructed").data]
    ['95% CI', 'reconstructed', 'digitised points']
    """
    _require(km, ["time", "survival", "ci_low", "ci_high"], "km")
    _require(points, ["time", "survival"], "points")
    fig = go.Figure()
    t = km["time"].to_numpy(dtype=float)
    fig.add_trace(go.Scatter(
        x=np.r_[t, t[::-1]], y=np.r_[km["ci_high"].to_numpy(float), km["ci_low"].to_numpy(float)[::-1]],
        fill="toself", line={"width": 0, "shape": "hv"}, fillcolor="rgba(176,58,46,0.15)",
        name="95% CI", hoverinfo="skip",
    ))
    fig.add_trace(go.Scatter(
        x=t, y=km["survival"], mode="lines", line={"shape": "hv", "color": theme.COLORS["pooled"], "width": 2.5},
        name=_esc(label), hovertemplate=f"%{{y:.1%}} at %{{x:.2f}} {_esc(unit)}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=points["time"], y=points["survival"], mode="markers", name="digitised points",
        marker={"size": 6, "color": theme.COLORS["study"], "symbol": "circle-open"},
        hovertemplate=f"clicked %{{y:.1%}} at %{{x:.2f}} {_esc(unit)}<extra></extra>",
    ))
    if image is not None and extent is not None:
        x0, x1, y0, y1 = extent
        fig.add_layout_image(source=image, xref="x", yref="y", x=x0, y=y0, sizex=x1 - x0,
                             sizey=y0 - y1, sizing="stretch", layer="below", opacity=0.55)
        fig.update_xaxes(range=[x0, x1])
        fig.update_yaxes(range=[y1, y0])
    else:
        fig.update_yaxes(range=[0, 1.02])
    fig.update_layout(
        title={"text": _esc(title or f"Kaplan–Meier curve {label}")},
        xaxis={"title": {"text": f"Time ({_esc(unit)})"}},
        yaxis={"title": {"text": "Survival"}, "tickformat": ".0%"},
    )
    _finish_layout(fig, [f"Curve {_esc(label)}; band: 95% log–log Greenwood interval."], height=460)
    return fig


def summary_curve(
    pooled: pd.DataFrame,
    studies: pd.DataFrame,
    *,
    study_label: str,
    fixed: pd.DataFrame | None = None,
    endpoint: str = "PFS",
) -> go.Figure:
    """Summary survival curve (random effects, with its band) over the study curves.

    Parameters
    ----------
    pooled : DataFrame
        ``time, survival, ci_low, ci_high`` of the random-effects summary curve.
    studies : DataFrame
        ``study, time, survival`` step curves of the studies.
    study_label : str
        How the study curves are labelled (e.g. reconstructed from the published figure).
    fixed : DataFrame, optional
        The fixed-effect summary curve (dashed).

    Examples
    --------
    >>> pooled = pd.DataFrame({"time": [1, 2], "survival": [0.8, 0.6], "ci_low": [0.7, 0.5],
    ...                        "ci_high": [0.9, 0.7]})
    >>> st = pd.DataFrame({"study": ["A", "A"], "time": [0, 2], "survival": [1, 0.6]})
    >>> [t.name for t in summary_curve(pooled, st, study_label="reconstructed").data]
    ['A', '95% CI', 'summary (random effects)']
    """
    _require(pooled, ["time", "survival", "ci_low", "ci_high"], "pooled")
    fig = go.Figure()
    for name, g in studies.groupby("study", sort=False):
        fig.add_trace(go.Scatter(x=g["time"], y=g["survival"], mode="lines", name=_esc(str(name)),
                                 line={"shape": "hv", "width": 1, "color": theme.COLORS["muted"]},
                                 opacity=0.7, hovertemplate=f"{_esc(str(name))}: %{{y:.1%}} at %{{x:.1f}}<extra></extra>"))
    t = np.r_[0.0, pooled["time"].to_numpy(float)]
    up = np.r_[1.0, pooled["ci_high"].to_numpy(float)]
    lo = np.r_[1.0, pooled["ci_low"].to_numpy(float)]
    fig.add_trace(go.Scatter(x=np.r_[t, t[::-1]], y=np.r_[up, lo[::-1]], fill="toself", name="95% CI",
                             line={"width": 0}, fillcolor="rgba(176,58,46,0.18)", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=t, y=np.r_[1.0, pooled["survival"].to_numpy(float)], mode="lines+markers",
                             name="summary (random effects)",
                             line={"color": theme.COLORS["pooled"], "width": 3},
                             hovertemplate="summary %{y:.1%} at %{x:.1f}<extra></extra>"))
    if fixed is not None:
        fig.add_trace(go.Scatter(x=np.r_[0.0, fixed["time"].to_numpy(float)],
                                 y=np.r_[1.0, fixed["survival"].to_numpy(float)], mode="lines",
                                 name="summary (fixed effect)",
                                 line={"color": theme.COLORS["pooled"], "width": 1.5, "dash": "dash"}))
    fig.update_layout(title={"text": f"Summary {_esc(endpoint)} curve (Combescure) over the study curves"},
                      xaxis={"title": {"text": "Time (months)"}},
                      yaxis={"title": {"text": "Survival"}, "tickformat": ".0%", "range": [0, 1.02]})
    _finish_layout(fig, [f"Grey: study curves {_esc(study_label)}. Red: summary curve with its 95% interval."],
                   height=460)
    return fig
