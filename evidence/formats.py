"""How a proportion and its interval are printed: defined once, at the bottom layer.

:mod:`findings.text` is where every front end takes its words and numbers from, and it re-exports
these functions; they are defined here, in the package every other package may import, so that the
figures (:mod:`charts`, which must not import :mod:`findings`) print a number column in the same
words as the page and the reports: ``24.3% (11.8–41.2%)``, one percent sign per interval, an en
dash for a missing number, never ``nan``.

Examples
--------
>>> estimate_interval(0.243, 0.118, 0.412)
'24.3% (11.8–41.2%)'
>>> interval(0.1, float("nan")), pct(None)
('not estimable', '–')
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MISSING", "NOT_ESTIMABLE", "decimal", "estimate_interval", "finite", "interval", "pct"]

#: What a missing or non-finite number prints as.
MISSING = "–"
#: Printed for an interval with a non-finite bound.
NOT_ESTIMABLE = "not estimable"


def finite(x: Any) -> bool:
    """Whether ``x`` is a finite number (``None``, text and NaN are not)."""
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def pct(x: float | None, digits: int = 1) -> str:
    """A proportion as a percentage.

    >>> pct(0.1234)
    '12.3%'
    >>> pct(float("nan"))
    '–'
    """
    if not finite(x):
        return MISSING
    return f"{100 * float(x):.{digits}f}%"


def interval(low: float | None, high: float | None, digits: int = 1) -> str:
    """An interval of proportions, one percent sign: the project's only interval format.

    >>> interval(0.123, 0.456)
    '12.3–45.6%'
    >>> interval(0.1, float("nan"))
    'not estimable'
    """
    if not (finite(low) and finite(high)):
        return NOT_ESTIMABLE
    return f"{100 * float(low):.{digits}f}–{100 * float(high):.{digits}f}%"


def estimate_interval(est: float | None, low: float | None, high: float | None, digits: int = 1) -> str:
    """A proportion with its interval in brackets, as the pooled sentences and forest plots print it.

    >>> estimate_interval(0.2, 0.1, 0.3)
    '20.0% (10.0–30.0%)'
    >>> estimate_interval(0.2, 0.1, None)
    '20.0% (not estimable)'
    """
    return f"{pct(est, digits)} ({interval(low, high, digits)})"


def decimal(x: Any, digits: int = 2) -> str:
    """A number to ``digits`` decimals without trailing zeros (months, doses).

    >>> decimal(7.890), decimal(12.0), decimal(100.0, 0), decimal(None)
    ('7.89', '12', '100', '–')
    """
    try:
        v = float(x)
    except (TypeError, ValueError):
        return MISSING
    if not math.isfinite(v):
        return MISSING
    out = f"{v:.{digits}f}"
    return out.rstrip("0").rstrip(".") if "." in out else out
