"""The project's single plotly template (used on screen with ``theme=None`` and in exports)."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

FONT = "DejaVu Sans, Arial, sans-serif"
COLORS = {
    "study": "#1f5f8b",
    "pooled": "#b03a2e",
    "subgroup": "#5d6d7e",  # subgroup diamonds: neutral (red is the overall pooled estimate)
    "pi": "#e59866",
    "flag": "#c0392b",
    "muted": "#7f8c8d",
    "grid": "#e5e8e8",
}
SEQUENCE = ["#1f5f8b", "#b03a2e", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#5d6d7e", "#cb4335"]

TEMPLATE_NAME = "apatinib"

_template = go.layout.Template()
_template.layout = go.Layout(
    font={"family": FONT, "size": 13, "color": "#1c2833"},
    paper_bgcolor="white",
    plot_bgcolor="white",
    colorway=SEQUENCE,
    xaxis={"gridcolor": COLORS["grid"], "zeroline": False, "linecolor": "#566573", "ticks": "outside"},
    yaxis={"gridcolor": COLORS["grid"], "zeroline": False, "linecolor": "#566573"},
    margin={"l": 10, "r": 10, "t": 50, "b": 40},
    hoverlabel={"font": {"family": FONT}},
    legend={"orientation": "h", "y": -0.15},
)
pio.templates[TEMPLATE_NAME] = _template


def shorten(text: str, width: int = 34) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (cut before any escaping)."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


PRESENTATION_FONT = 18
PRESENTATION_MARKER_SCALE = 1.5


def apply(fig: go.Figure, *, presentation: bool = False, fit_height: int | None = None) -> go.Figure:
    """Apply the template (and larger type and markers for a projector when ``presentation``).

    In presentation mode marker sizes are scaled, not replaced, so size-encoded markers (forest
    plot weights, bubble plots) keep their proportions.
    """
    fig.update_layout(template=TEMPLATE_NAME)
    if presentation:
        # a figure drawn into ``fit_height`` px (a slide) that was laid out taller gets smaller
        # type, so its rows do not run into each other
        own = fig.layout.height or 450
        shrink = min(1.0, fit_height / own) if fit_height else 1.0
        size = max(11, round(PRESENTATION_FONT * shrink))
        fig.update_layout(font={"size": size})
        # larger ticks need room: axis titles stand off the tick labels and margins grow to fit
        fig.update_xaxes(automargin=True, title_standoff=PRESENTATION_FONT // 2)
        fig.update_yaxes(automargin=True, title_standoff=PRESENTATION_FONT // 2)
        # text columns drawn as annotations (forest plots) sit at fixed paper positions: a
        # slightly smaller size keeps long labels clear of the next column
        for ann in fig.layout.annotations or ():
            if ann.font is None or ann.font.size is None:
                ann.update(font={"size": size - 2})
        for trace in fig.data:
            marker = getattr(trace, "marker", None)
            size = getattr(marker, "size", None) if marker is not None else None
            if size is None:
                continue
            if isinstance(size, (int, float)):
                trace.marker.size = size * PRESENTATION_MARKER_SCALE
            else:
                trace.marker.size = _as_float_array(size) * PRESENTATION_MARKER_SCALE
    return fig


def _as_float_array(values: object) -> np.ndarray:
    """A marker-size array as floats, also from plotly's base64 typed-array form.

    A figure rebuilt from its JSON (``go.Figure(fig_dict)``, cached figures) stores numpy arrays as
    ``{"dtype": "f8", "bdata": "<base64>"}`` (plotly ≥ 6).
    """
    if isinstance(values, dict) and "bdata" in values:
        arr = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        if "shape" in values:
            arr = arr.reshape([int(d) for d in str(values["shape"]).split(",")])
        return arr.astype(float)
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)
