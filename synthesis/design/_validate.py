"""Input checks shared by the design modules (``ValueError`` naming the offending value)."""

from __future__ import annotations

import math


def check_prob(name: str, value: object) -> float:
    """A probability strictly inside (0, 1)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} ({value!r}) must be a number in (0, 1).") from None
    if not math.isfinite(v) or not (0.0 < v < 1.0):
        raise ValueError(f"{name} ({value!r}) must be strictly between 0 and 1.")
    return v


def check_error_rate(name: str, value: object) -> float:
    """A type I or type II error rate in (0, 0.5]."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} ({value!r}) must be a number in (0, 0.5].") from None
    if not math.isfinite(v) or not (0.0 < v <= 0.5):
        raise ValueError(f"{name} ({value!r}) must be in (0, 0.5], e.g. 0.05 or 0.2.")
    return v


def check_rates(p0: object, p1: object) -> tuple[float, float]:
    """Response rates under H0 and H1 with p0 < p1."""
    a = check_prob("p0", p0)
    b = check_prob("p1", p1)
    if not a < b:
        raise ValueError(
            f"p0 ({a!r}) must be smaller than p1 ({b!r}): the design tests H0: p <= p0 "
            "against H1: p >= p1 with p1 the promising (higher) response rate."
        )
    return a, b


def check_positive(name: str, value: object, *, allow_zero: bool = False) -> float:
    """A finite positive (or non-negative) number."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} ({value!r}) must be a number.") from None
    ok = v >= 0.0 if allow_zero else v > 0.0
    if not math.isfinite(v) or not ok:
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} ({value!r}) must be a finite {kind} number.")
    return v


def check_constraint(constraint: object) -> str:
    if constraint not in ("<=", "<"):
        raise ValueError(f"constraint ({constraint!r}) must be one of '<=' or '<'.")
    return str(constraint)
