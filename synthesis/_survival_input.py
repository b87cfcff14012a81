"""Input checks shared by the survival modules (labels, numeric arrays, missing values)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__: list[str] = []

#: How a curve drawn from reconstructed patient data is labelled wherever it appears
#: (defined here, without lifelines, so that light modules can word it; re-exported by
#: :mod:`synthesis.km_reconstruction`).
RECONSTRUCTED_LABEL = "reconstructed from the published Kaplan–Meier figure (Guyot)"


def is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def as_labels(labels: Sequence[str] | None, k: int, prefix: str = "study") -> tuple[str, ...]:
    if labels is None:
        return tuple(f"{prefix} {i + 1}" for i in range(k))
    out = tuple(
        f"{prefix} {i + 1}" if is_missing(lab) or not str(lab).strip() else str(lab)
        for i, lab in enumerate(labels)
    )
    if len(out) != k:
        raise ValueError(f"labels must have one entry per study (got {len(out)} for {k}).")
    return out


def as_float_array(name: str, values: object, k: int | None = None) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array ({exc}).") from None
    if k is not None and arr.size != k:
        raise ValueError(f"{name} must have the same length as medians (got {arr.size} for {k}).")
    return arr
