"""Shared vocabulary, interval type and input validation for :mod:`synthesis`.

Every statistical choice in the package is spelled with the literals defined here, so that the
library, the UI, URLs and exports speak one language (see ``docs/ARCHITECTURE.md``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

Transform = Literal["logit", "freeman-tukey", "arcsine", "raw", "log"]
Method = Literal["CE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB", "GLMM"]
CIMethod = Literal["z", "t", "hksj", "hksj-adhoc"]
PIMethod = Literal["metafor", "z", "t(k-1)", "t(k-2)"]
I2Definition = Literal["tau2", "Q"]
StudyCIMethod = Literal["clopper-pearson", "wilson"]

TRANSFORMS: tuple[str, ...] = get_args(Transform)
METHODS: tuple[str, ...] = get_args(Method)
CI_METHODS: tuple[str, ...] = get_args(CIMethod)
PI_METHODS: tuple[str, ...] = get_args(PIMethod)
I2_DEFINITIONS: tuple[str, ...] = get_args(I2Definition)
STUDY_CI_METHODS: tuple[str, ...] = get_args(StudyCIMethod)

#: metafor's names for the same choices, for generated R code and reference fixtures.
METAFOR_MEASURE = {
    "logit": "PLO",
    "freeman-tukey": "PFT",
    "arcsine": "PAS",
    "raw": "PR",
    "log": "PLN",
}
METAFOR_TEST = {"z": "z", "t": "t", "hksj": "knha", "hksj-adhoc": "adhoc"}

#: Plain-language labels for the UI and generated text.
LABELS = {
    "logit": "logit",
    "freeman-tukey": "Freeman–Tukey double arcsine",
    "arcsine": "arcsine",
    "raw": "untransformed proportion",
    "log": "log",
    "CE": "common-effect (inverse variance)",
    "DL": "DerSimonian–Laird",
    "REML": "restricted maximum likelihood (REML)",
    "PM": "Paule–Mandel",
    "ML": "maximum likelihood",
    "HE": "Hedges (HE)",
    "SJ": "Sidik–Jonkman",
    "EB": "empirical Bayes",
    "GLMM": "binomial–normal GLMM (logit link, ML)",
    "z": "Wald z",
    "t": "t(k−1)",
    "hksj": "Hartung–Knapp–Sidik–Jonkman",
    "hksj-adhoc": "Hartung–Knapp–Sidik–Jonkman, never narrower than Wald",
    "metafor": "metafor default (z; t(k−1) with t/HKSJ)",
    "t(k-1)": "t with k−1 df (Veroniki 2019)",
    "t(k-2)": "t with k−2 df (Higgins 2009)",
    "tau2": "τ²-based (metafor)",
    "Q": "Q-based, (Q − df)/Q (Higgins & Thompson)",
    "clopper-pearson": "Clopper–Pearson (exact)",
    "wilson": "Wilson score",
}


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """A two-sided interval, in the style of ``scipy.stats._common.ConfidenceInterval``.

    Unpacks as ``low, high = ci``.

    Examples
    --------
    >>> ci = ConfidenceInterval(0.2, 0.4)
    >>> low, high = ci
    >>> ci.contains(0.3)
    True
    """

    low: float
    high: float
    level: float = 0.95

    def __iter__(self) -> Iterator[float]:
        yield self.low
        yield self.high

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the closed interval (``False`` when a bound is NaN)."""
        return bool(self.low <= value <= self.high)

    @property
    def width(self) -> float:
        return self.high - self.low

    def format(self, digits: int = 1, percent: bool = True) -> str:
        """``"[12.3%, 45.6%]"``-style text; ``"–"`` for a NaN bound."""
        scale = 100.0 if percent else 1.0
        unit = "%" if percent else ""

        def one(x: float) -> str:
            return "–" if not math.isfinite(x) else f"{x * scale:.{digits}f}{unit}"

        return f"[{one(self.low)}, {one(self.high)}]"


def check_choice(name: str, value: object, allowed: Sequence[str]) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed`` (message names the value)."""
    if value not in allowed:
        opts = ", ".join(f"'{a}'" for a in allowed[:-1]) + f" or '{allowed[-1]}'"
        raise ValueError(f"{name} ({value!r}) must be one of {opts}.")


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
            raise ValueError(f"{name}[{i}] ({_fmt(arr[i])}) is not a finite number.")
        bad = np.flatnonzero(arr < 0)
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}] ({_fmt(arr[i])}) is negative.")
        bad = np.flatnonzero(arr != np.round(arr))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}] ({_fmt(arr[i])}) is not a whole number.")
    bad = np.flatnonzero(n == 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"totals[{i}] (0) must be at least 1.")
    bad = np.flatnonzero(x > n)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"events[{i}] ({_fmt(x[i])}) exceeds totals[{i}] ({_fmt(n[i])}).")
    return x, n


def readonly(a: np.ndarray) -> np.ndarray:
    """Return a read-only copy of ``a`` (for arrays stored on frozen results)."""
    out = np.array(a, dtype=float, copy=True)
    out.setflags(write=False)
    return out


def _fmt(v: float) -> str:
    if math.isfinite(v) and v == int(v):
        return str(int(v))
    return repr(float(v))
