"""Input validation shared by :mod:`synthesis` (scipy-style ``ValueError`` naming index and value)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["as_counts", "check_level", "fmt_count", "readonly"]


def check_level(level: float) -> float:
    """Validate an interval level in (0, 1)."""
    try:
        lv = float(level)
    except (TypeError, ValueError):
        raise ValueError(f"level ({level!r}) must be a number in (0, 1).") from None
    if not (0.0 < lv < 1.0) or not math.isfinite(lv):
        raise ValueError(f"level ({level!r}) must be in (0, 1), e.g. 0.95.")
    return lv


def as_counts(
    events: Sequence[float] | np.ndarray,
    totals: Sequence[float] | np.ndarray,
    *,
    allow_empty: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate event counts and totals; return them as float64 arrays.

    Raises ``ValueError`` naming the first offending index and value for: mismatched lengths,
    empty input, NaN/inf, negative or non-integer counts, zero totals, events > totals.

    Examples
    --------
    >>> as_counts([1, 2], [10, 3])[0].tolist()
    [1.0, 2.0]
    >>> as_counts([4], [3])
    Traceback (most recent call last):
    ...
    ValueError: events[0] (4) exceeds totals[0] (3).
    """
    try:
        x = np.asarray(events, dtype=float).ravel()
        n = np.asarray(totals, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"events and totals must be numeric arrays ({exc}).") from None
    if x.shape != n.shape:
        raise ValueError(
            f"events and totals must have the same length (got {x.size} and {n.size})."
        )
    if x.size == 0 and not allow_empty:
        raise ValueError("events and totals are empty: at least one study is needed.")
    for name, arr in (("events", x), ("totals", n)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}] ({fmt_count(arr[i])}) is not a finite number.")
        bad = np.flatnonzero(arr < 0)
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}] ({fmt_count(arr[i])}) is negative.")
        bad = np.flatnonzero(arr != np.round(arr))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}] ({fmt_count(arr[i])}) is not a whole number.")
    bad = np.flatnonzero(n == 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"totals[{i}] (0) must be at least 1.")
    bad = np.flatnonzero(x > n)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"events[{i}] ({fmt_count(x[i])}) exceeds totals[{i}] ({fmt_count(n[i])}).")
    return x, n


def readonly(a: np.ndarray) -> np.ndarray:
    """Return a read-only copy of ``a`` (for arrays stored on frozen results)."""
    out = np.array(a, dtype=float, copy=True)
    out.setflags(write=False)
    return out


def fmt_count(v: float) -> str:
    """A count as ``"40"`` (whole) or its repr (not whole)."""
    if math.isfinite(v) and v == int(v):
        return str(int(v))
    return repr(float(v))
