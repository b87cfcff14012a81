"""Placing the text labels of scatter points so that they overlap each other and the markers least.

:func:`spread_labels` is used by the response vs PFS scatter of the Survival page, where every
point carries its study's name.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

__all__ = ["spread_labels"]


def spread_labels(fig: go.Figure, *, plot_px: tuple[float, float] = (820.0, 380.0)) -> go.Figure:
    """Place each scatter label above, below, right or left of its marker, whichever overlaps the
    labels and markers already placed least (greedy, label boxes estimated from the text length
    and the axis ranges); widen the x-axis so that right-hand labels fit.

    Examples
    --------
    >>> fig = go.Figure(go.Scatter(x=[1.0, 1.05], y=[50.0, 50.0], text=["Study A", "Study B"]))
    >>> spread_labels(fig).data[0].textposition
    ('top center', 'bottom center')
    """
    pts = []
    for ti, tr in enumerate(fig.data):
        if tr.type == "scatter" and tr.x is not None and tr.text is not None and len(tr.x):
            pts += [(float(x), float(y), str(t), ti, j)
                    for j, (x, y, t) in enumerate(zip(tr.x, tr.y, tr.text, strict=True))]
    if not pts:
        return fig
    x_max = max(p[0] for p in pts) * 1.25 + 0.5
    y_max = 108.0
    ux, uy = x_max / plot_px[0], y_max / plot_px[1]  # data units per pixel
    char_w, line_h, gap = 6.8 * ux, 15 * uy, 7

    def box(x: float, y: float, label: str, where: str) -> tuple[float, float, float, float]:
        w = len(label) * char_w
        if where == "top center":
            return x - w / 2, y + gap * uy, x + w / 2, y + gap * uy + line_h
        if where == "bottom center":
            return x - w / 2, y - gap * uy - line_h, x + w / 2, y - gap * uy
        if where == "middle right":
            return x + gap * ux, y - line_h / 2, x + gap * ux + w, y + line_h / 2
        return x - gap * ux - w, y - line_h / 2, x - gap * ux, y + line_h / 2

    def overlap(a, b) -> float:
        dx = min(a[2], b[2]) - max(a[0], b[0])
        dy = min(a[3], b[3]) - max(a[1], b[1])
        return dx * dy if dx > 0 and dy > 0 else 0.0

    markers = [(x - 6 * ux, y - 6 * uy, x + 6 * ux, y + 6 * uy) for x, y, *_ in pts]
    placed: list[tuple[float, float, float, float]] = []
    pos = {ti: list(["top center"] * len(fig.data[ti].x)) for *_, ti, _ in pts}
    for x, y, label, ti, j in sorted(pts, key=lambda p: (p[0], -p[1])):
        best, best_cost = "top center", math.inf
        for where in ("top center", "bottom center", "middle right", "middle left"):
            b = box(x, y, label, where)
            cost = sum(overlap(b, o) for o in placed + markers)
            cost += 1e3 * max(0.0, -b[0]) + 1e3 * max(0.0, b[2] - x_max) + 1e3 * max(0.0, b[3] - y_max)
            if cost < best_cost - 1e-12:
                best, best_cost = where, cost
        pos[ti][j] = best
        placed.append(box(x, y, label, best))
    for ti, lst in pos.items():
        fig.data[ti].textposition = lst
    fig.update_xaxes(range=[0, x_max])
    return fig
