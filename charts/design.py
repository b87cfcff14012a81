"""Trial-design figures: operating characteristics, EN(p0) against n, power curves.

Pure builders (tables in, ``go.Figure`` out); no statistic is computed here.  The tables come from
:mod:`synthesis.design` (``operating_characteristics``, ``SimonResult``) through ``ui.planner``.

* :func:`oc_figure` — P(declare promising) and PET against the true response rate (left), EN
  (right), one colour per design, with p0 and p1 marked and the attained α and power as points;
* :func:`en_vs_n_figure` — the best EN(p0) at each maximum n (Jung, Carey & Kim 2001), with the
  minimax (M), optimal (O) and admissible (A) designs marked;
* :func:`power_figure` — power against the sample size (survival designs, exact single stage).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts import theme

__all__ = ["KIND_STYLE", "en_vs_n_figure", "oc_figure", "power_figure"]

#: colour and marker letter of each kind of Simon design
KIND_STYLE = {
    "optimal": (theme.COLORS["pooled"], "O"),
    "minimax": (theme.COLORS["study"], "M"),
    "admissible": ("#27ae60", "A"),
    "design": (theme.SEQUENCE[3], "D"),
}
_GUIDE = {"color": theme.COLORS["muted"], "width": 1, "dash": "dot"}


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _pct(x: float) -> str:
    return f"{100 * float(x):.1f}%"


def oc_figure(
    curves: Mapping[str, pd.DataFrame],
    *,
    p0: float,
    p1: float,
    alpha: float | None = None,
    power: float | None = None,
    title: str = "Operating characteristics",
    rate: str = "response rate",
) -> go.Figure:
    """Operating characteristics of one or more designs over the true response rate.

    Parameters
    ----------
    curves : mapping of str to DataFrame
        Design label -> table with columns ``p`` and ``P(declare promising)`` and optionally
        ``PET`` and ``EN`` (as returned by ``synthesis.design.simon.operating_characteristics``).
        Without ``EN`` in any table the figure has a single panel.
    p0, p1 : float
        Null and alternative response rates (vertical guides).
    alpha, power : float, optional
        Nominal α and power (horizontal guides).
    rate : str, default "response rate"
        What the design's rate is (the x-axis reads "True {rate}"), e.g. "6-month PFS rate".

    Returns
    -------
    plotly.graph_objects.Figure
    """
    if not curves:
        raise ValueError("curves must hold at least one design.")
    has_en = any("EN" in df for df in curves.values())
    if has_en:
        fig = make_subplots(
            rows=1, cols=2, horizontal_spacing=0.1,
            subplot_titles=("Probabilities", "Expected sample size EN(p)"),
        )
    else:
        fig = go.Figure()
    cols = {"col": 1, "row": 1} if has_en else {}
    for i, (label, df) in enumerate(curves.items()):
        color = theme.SEQUENCE[i % len(theme.SEQUENCE)]
        for key, style in KIND_STYLE.items():
            if label.lower().startswith(key):
                color = style[0]
        p = df["p"].to_numpy(float)
        fig.add_trace(
            go.Scatter(
                x=p, y=df["P(declare promising)"], mode="lines", name=f"{label}: P(declare promising)",
                line={"color": color, "width": 2.5}, legendgroup=label,
                hovertemplate="true rate %{x:.1%}<br>P(declare promising) %{y:.3f}<extra>"
                + label + "</extra>",
            ),
            **cols,
        )
        if "PET" in df:
            fig.add_trace(
                go.Scatter(
                    x=p, y=df["PET"], mode="lines", name=f"{label}: PET (early stop)",
                    line={"color": color, "width": 1.8, "dash": "dash"}, legendgroup=label,
                    hovertemplate="true rate %{x:.1%}<br>PET %{y:.3f}<extra>" + label + "</extra>",
                ),
                **cols,
            )
        if "EN" in df:
            fig.add_trace(
                go.Scatter(
                    x=p, y=df["EN"], mode="lines", name=f"{label}: EN", showlegend=False,
                    line={"color": color, "width": 2.5}, legendgroup=label,
                    hovertemplate="true rate %{x:.1%}<br>EN %{y:.1f} patients<extra>"
                    + label + "</extra>",
                ),
                row=1, col=2,
            )
    panels = [(1, 1), (1, 2)] if has_en else [(None, None)]
    for row, col in panels:
        kw = {"row": row, "col": col} if row else {}
        for x, name, pos in ((p0, "p0", "bottom left"), (p1, "p1", "bottom right")):
            fig.add_vline(
                x=x, line=_GUIDE, annotation_text=f"{name} {_pct(x)}", annotation_position=pos,
                annotation_font={"size": 11, "color": theme.COLORS["muted"]}, **kw,
            )
    kw1 = {"row": 1, "col": 1} if has_en else {}
    if alpha is not None and _finite(alpha):
        fig.add_hline(y=alpha, line=_GUIDE, **kw1)
    if power is not None and _finite(power):
        fig.add_hline(y=power, line=_GUIDE, **kw1)
    fig.update_xaxes(title_text=f"True {html.escape(rate)}", tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title_text="Probability", range=[0, 1.02], **kw1)
    if has_en:
        fig.update_yaxes(title_text="Patients", rangemode="tozero", row=1, col=2)
    fig.update_layout(
        title={"text": title}, height=430, hovermode="closest",
        legend={"orientation": "h", "y": -0.22, "x": 0},
        margin={"l": 60, "r": 20, "t": 80, "b": 110},
    )
    return theme.apply(fig)


def en_vs_n_figure(
    per_n: pd.DataFrame, designs: pd.DataFrame, *, title: str = "Expected sample size under the null against maximum n"
) -> go.Figure:
    """EN(p0) of the best design at each maximum n, with the named designs marked.

    Parameters
    ----------
    per_n : DataFrame
        Columns ``n``, ``EN(p0)`` and ``boundary`` (``"r1/n1, r/n"``): the best design at each n
        (may be empty: then only the named designs are drawn).
    designs : DataFrame
        Columns ``kind`` (minimax / optimal / admissible), ``n``, ``EN(p0)``, ``boundary``.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    if designs is None or designs.empty:
        raise ValueError("designs must hold at least one design.")
    fig = go.Figure()
    if per_n is not None and not per_n.empty:
        fig.add_trace(
            go.Scatter(
                x=per_n["n"], y=per_n["EN(p0)"], mode="lines+markers", name="best design at each n",
                line={"color": theme.COLORS["muted"], "width": 1.2},
                marker={"size": 6, "color": theme.COLORS["muted"]}, customdata=per_n[["boundary"]],
                hovertemplate="n = %{x}<br>EN(p0) = %{y:.2f}<br>%{customdata[0]}<extra></extra>",
            )
        )
    hull = designs.sort_values("n")
    fig.add_trace(
        go.Scatter(
            x=hull["n"], y=hull["EN(p0)"], mode="lines", name="admissible frontier",
            line={"color": KIND_STYLE["admissible"][0], "width": 1.5, "dash": "dash"},
            hoverinfo="skip",
        )
    )
    for kind in ("minimax", "admissible", "optimal"):
        sub = hull[hull["kind"] == kind]
        if sub.empty:
            continue
        color, letter = KIND_STYLE[kind]
        fig.add_trace(
            go.Scatter(
                x=sub["n"], y=sub["EN(p0)"], mode="markers+text", name=f"{kind} ({letter})",
                text=[letter] * len(sub), textposition="top center",
                textfont={"color": color, "size": 14},
                marker={"size": 13, "color": color, "line": {"color": "white", "width": 1}},
                customdata=sub[["boundary"]],
                hovertemplate=kind + "<br>%{customdata[0]}<br>n = %{x}, EN(p0) = %{y:.2f}<extra></extra>",
            )
        )
    fig.update_xaxes(title_text="Maximum sample size n", dtick=5 if hull["n"].max() - hull["n"].min() < 60 else None)
    fig.update_yaxes(title_text="EN(p0), patients")
    fig.update_layout(
        title={"text": title}, height=400, margin={"l": 60, "r": 20, "t": 60, "b": 90},
        legend={"orientation": "h", "y": -0.25, "x": 0},
    )
    return theme.apply(fig)


def power_figure(
    table: pd.DataFrame,
    *,
    n_design: float,
    power_target: float,
    x: str = "n",
    x_title: str = "Patients",
    title: str = "Power against sample size",
    series: tuple[str, ...] = ("power",),
) -> go.Figure:
    """Power (and optionally attained α) against the sample size or events.

    Parameters
    ----------
    table : DataFrame
        Column ``x`` and one column per name in ``series`` (probabilities).
    n_design : float
        The design's sample size (vertical guide and marker).
    power_target : float
        Target power (horizontal guide).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    if table is None or table.empty or x not in table:
        raise ValueError(f"table must have a non-empty column {x!r}.")
    fig = go.Figure()
    for i, name in enumerate(series):
        fig.add_trace(
            go.Scatter(
                x=table[x], y=table[name], mode="lines", name=name,
                line={"color": theme.SEQUENCE[i], "width": 2.5, "shape": "hv" if table[x].diff().min() >= 1 else "linear"},
                hovertemplate=f"{x_title} %{{x}}<br>{name} %{{y:.3f}}<extra></extra>",
            )
        )
    hit = table[table[x] == n_design]
    if not hit.empty:
        fig.add_trace(
            go.Scatter(
                x=hit[x], y=hit[series[0]], mode="markers", name="design",
                marker={"size": 12, "color": theme.COLORS["pooled"], "symbol": "diamond"},
                hovertemplate=f"design: {x_title} %{{x}}<br>{series[0]} %{{y:.3f}}<extra></extra>",
            )
        )
    fig.add_vline(x=n_design, line=_GUIDE)
    fig.add_hline(y=power_target, line=_GUIDE)
    fig.add_annotation(
        x=1.0, xref="x domain", y=power_target, text=f"target {power_target:.0%}", showarrow=False,
        xanchor="right", yanchor="bottom", font={"size": 11, "color": theme.COLORS["muted"]},
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text="Probability", range=[0, 1.02], tickformat=".0%")
    fig.update_layout(
        title={"text": title}, height=380, margin={"l": 60, "r": 20, "t": 60, "b": 80},
        legend={"orientation": "h", "y": -0.22, "x": 0},
    )
    return theme.apply(fig)


def ess_weight_figure(table: pd.DataFrame, *, weight: float | None = None) -> go.Figure:
    """Effective sample size of a robustified prior against the robust weight (RBesT's plot).

    ``table`` has columns ``robust weight``, ``ESS (ELIR)`` and ``ESS (moment)``
    (``findings.planner_bayes.ess_by_weight``); ``weight`` marks the chosen weight.
    """
    if table is None or table.empty:
        raise ValueError("table must hold at least one robust weight.")
    fig = go.Figure()
    for i, name in enumerate(("ESS (ELIR)", "ESS (moment)")):
        fig.add_trace(go.Scatter(
            x=table["robust weight"], y=table[name], mode="lines+markers", name=name,
            line={"color": theme.SEQUENCE[i], "width": 2.5},
            hovertemplate=f"weight %{{x:.2f}}<br>{name} %{{y:.1f}} patients<extra></extra>",
        ))
    if weight is not None:
        fig.add_vline(x=weight, line=_GUIDE)
    fig.update_xaxes(title_text="Weight of the robust component", range=[-0.02, 1.02])
    fig.update_yaxes(title_text="Effective sample size (patients)", rangemode="tozero")
    fig.update_layout(title={"text": "Prior ESS against the robust weight"}, height=360,
                      margin={"l": 60, "r": 20, "t": 60, "b": 80},
                      legend={"orientation": "h", "y": -0.25, "x": 0})
    return theme.apply(fig)


def predictive_figure(table: pd.DataFrame, *, n: int, marks: Mapping[str, float],
                      count: str = "responses") -> go.Figure:
    """Prior predictive distribution of the responses among ``n`` patients (bars), with guides
    at the counts in ``marks`` (e.g. expected under p0 and p1, the success boundary). ``count``
    names what is counted (the planned endpoint's successes, e.g. "progression-free at 6 months").

    ``table`` has columns ``responses`` and ``probability``
    (``findings.planner_bayes.prior_predictive_table``).
    """
    if table is None or table.empty:
        raise ValueError("table must hold the predictive probabilities.")
    fig = go.Figure(go.Bar(
        x=table["responses"], y=table["probability"], name="prior predictive",
        marker={"color": theme.SEQUENCE[0]},
        hovertemplate="%{x} " + html.escape(count) + "<br>probability %{y:.3f}<extra></extra>",
    ))
    for i, (label, x) in enumerate(marks.items()):
        fig.add_vline(x=x, line={**_GUIDE, "color": theme.SEQUENCE[(i + 1) % len(theme.SEQUENCE)]})
        fig.add_annotation(x=x, y=1.0, yref="y domain", text=label, showarrow=False, yanchor="bottom",
                           font={"size": 11}, textangle=0)
    what = html.escape(count)
    fig.update_xaxes(title_text=f"{what[:1].upper()}{what[1:]} among {n} patients")
    fig.update_yaxes(title_text="Probability", rangemode="tozero")
    fig.update_layout(title={"text": "Where the trial's data would fall under the prior"}, height=360,
                      margin={"l": 60, "r": 20, "t": 80, "b": 60}, showlegend=False)
    return theme.apply(fig)
