"""Static figure export (PNG, SVG) through plotly's kaleido 1.x and Debian chromium.

Design:

* The browser is **never downloaded**: the executable is ``$BROWSER_PATH`` when set, else
  ``chromium``/``chromium-browser`` on ``PATH``, else ``/usr/bin/chromium``; it is passed to kaleido
  explicitly (``path=``), so a Chrome previously downloaded by choreographer is not preferred.
* MathJax is switched off (``mathjax=False``): kaleido would otherwise load it from a CDN.
* Every export holds one module-level :class:`threading.Lock`, so concurrent users of a Streamlit
  server never share a browser tab (kaleido's global sync server has no lock of its own).
* Several figures are rendered in **one** browser session (:func:`to_images`): a chromium start
  costs about 2–3 s, each further figure a fraction of a second.
* The project template (:func:`charts.theme.apply`) is applied to a *copy* of the figure, so the
  exported file matches the screen and the caller's figure is left untouched.

In the UI, call these only when asked, e.g.
``st.download_button("PNG", data=lambda: to_png(fig), on_click="ignore")``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import plotly.graph_objects as go

from charts import theme

__all__ = [
    "DEFAULT_BROWSER",
    "ExportError",
    "browser_path",
    "export_available",
    "to_images",
    "to_png",
    "to_svg",
]

DEFAULT_BROWSER = "/usr/bin/chromium"
DEFAULT_WIDTH = 1000
DEFAULT_HEIGHT = 600
#: seconds allowed for one figure once the browser is up
RENDER_TIMEOUT = 60.0

_LOCK = threading.Lock()

Format = Literal["png", "svg"]


class ExportError(RuntimeError):
    """A figure could not be exported; the message is meant for the user (no traceback)."""


def browser_path() -> str:
    """The chromium executable used for export (not checked for existence).

    ``$BROWSER_PATH`` wins; then ``chromium``/``chromium-browser`` on ``PATH``; then
    :data:`DEFAULT_BROWSER`.
    """
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return DEFAULT_BROWSER


def export_available() -> tuple[bool, str]:
    """Whether static export can work here, and a sentence saying why (not).

    Cheap: checks that kaleido ≥ 1 imports and that the browser executable exists; does not
    start the browser.

    Examples
    --------
    >>> ok, reason = export_available()
    >>> isinstance(ok, bool) and isinstance(reason, str)
    True
    """
    try:
        from importlib.metadata import version

        import kaleido  # noqa: F401

        major = int(version("kaleido").split(".")[0])
    except Exception as exc:  # ImportError, PackageNotFoundError, odd version strings
        return False, f"Static export needs the kaleido package (≥ 1.0): {exc}."
    if major < 1:
        return False, "Static export needs kaleido ≥ 1.0 (an older kaleido is installed)."
    path = browser_path()
    p = Path(path)
    if not p.exists():
        return False, (
            f"Static export needs a Chromium browser; none found at {path} "
            "(set BROWSER_PATH or install Debian's 'chromium' package)."
        )
    if not os.access(p, os.X_OK):
        return False, f"Static export needs a Chromium browser; {path} is not executable."
    return True, f"Static export uses kaleido with the browser at {path}."


def _prepared(fig: go.Figure, presentation: bool) -> dict[str, Any]:
    copy = go.Figure(fig)
    theme.apply(copy, presentation=presentation)
    return copy.to_dict()


async def _render_all(specs: list[tuple[dict[str, Any], dict[str, Any]]], path: str) -> list[bytes]:
    import kaleido

    out: list[bytes] = []
    async with kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT, mathjax=False, path=path) as k:
        for fig_dict, opts in specs:
            out.append(await k.calc_fig(fig_dict, opts=opts))
    return out


def _run_in_thread(coro_factory) -> Any:
    """Run a coroutine in a fresh event loop on its own thread (safe inside Streamlit/pytest)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro_factory())
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target, name="figure-export", daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def to_images(
    figs: Sequence[go.Figure],
    fmt: Format = "png",
    *,
    scale: float = 2,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    presentation: bool = False,
    sizes: Sequence[tuple[int, int] | None] | None = None,
) -> list[bytes]:
    """Render several figures in one browser session (one chromium start).

    Parameters
    ----------
    figs
        plotly figures; each is copied and given the project template.
    fmt
        ``"png"`` or ``"svg"``.
    scale, width, height
        Layout size in CSS pixels and the pixel-density factor (PNG is ``width*scale`` wide).
    presentation
        Larger type and markers (:func:`charts.theme.apply`).
    sizes
        Optional ``(width, height)`` per figure (``None`` keeps ``width``/``height``), for a
        figure drawn taller than the others in the same session.

    Returns
    -------
    list of bytes, one per figure, in order.

    Raises
    ------
    ExportError
        With a one-sentence reason when no browser is available or rendering failed.
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt ({fmt!r}) must be one of 'png' or 'svg'.")
    if not figs:
        return []
    ok, reason = export_available()
    if not ok:
        raise ExportError(reason)
    if sizes is not None and len(sizes) != len(figs):
        raise ValueError(f"sizes has {len(sizes)} entries for {len(figs)} figures.")
    opts = {"format": fmt, "width": int(width), "height": int(height), "scale": float(scale)}
    specs = []
    for i, f in enumerate(figs):
        size = sizes[i] if sizes is not None else None
        o = dict(opts) if size is None else {**opts, "width": int(size[0]), "height": int(size[1])}
        specs.append((_prepared(f, presentation), o))
    path = browser_path()
    with _LOCK:
        try:
            images = _run_in_thread(lambda: _render_all(specs, path))
        except Exception as exc:
            raise ExportError(
                f"Figure export failed with the browser at {path}: {type(exc).__name__}: {exc}"
            ) from exc
    out = []
    for img in images:
        out.append(img.encode("utf-8") if isinstance(img, str) else bytes(img))
    return out


def to_png(
    fig: go.Figure,
    scale: float = 2,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    *,
    presentation: bool = False,
) -> bytes:
    """PNG bytes of ``fig`` (``width*scale`` × ``height*scale`` pixels).

    Raises :class:`ExportError` (user-readable) when export is impossible.
    """
    return to_images([fig], "png", scale=scale, width=width, height=height,
                     presentation=presentation)[0]


def to_svg(
    fig: go.Figure,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    *,
    presentation: bool = False,
) -> bytes:
    """SVG bytes (UTF-8 XML) of ``fig``. Raises :class:`ExportError` when export is impossible."""
    return to_images([fig], "svg", scale=1, width=width, height=height,
                     presentation=presentation)[0]
