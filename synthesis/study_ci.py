"""Per-study confidence intervals for a proportion (Clopper–Pearson and Wilson score).

These are the study rows of a forest plot; they match R meta ``metaprop(method.ci="CP")`` and
``method.ci="WS"`` (Newcombe 1998).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from synthesis.validation import as_counts, check_level
from synthesis.vocabulary import STUDY_CI_METHODS, StudyCIMethod, check_choice

__all__ = ["study_intervals"]


def study_intervals(
    events: Sequence[float] | np.ndarray,
    totals: Sequence[float] | np.ndarray,
    *,
    method: StudyCIMethod = "clopper-pearson",
    level: float = 0.95,
) -> pd.DataFrame:
    """Confidence interval of each study's observed proportion ``x/n`` (no continuity correction).

    Parameters
    ----------
    events, totals : array_like
        Validated by :func:`synthesis.validation.as_counts` (``ValueError`` naming index and value).
    method : {"clopper-pearson", "wilson"}, default "clopper-pearson"
        Clopper–Pearson "exact" interval from beta quantiles, or the Wilson score interval
        without continuity correction.
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Columns ``events, total, proportion, ci_low, ci_high, method``; one row per study.

    Notes
    -----
    Clopper–Pearson: ``[B(a; x, n - x + 1), B(1 - a; x + 1, n - x)]`` with ``a = (1 - level)/2``,
    lower bound 0 when ``x = 0`` and upper bound 1 when ``x = n``.
    Wilson: ``(x + z²/2)/(n + z²) ± z sqrt(x(n - x)/n + z²/4)/(n + z²)``, clipped to [0, 1].

    References
    ----------
    Clopper CJ, Pearson ES (1934). *Biometrika* 26:404–413. Wilson EB (1927). *J Am Stat Assoc*
    22:209–212. Newcombe RG (1998). *Stat Med* 17:857–872.

    Examples
    --------
    >>> df = study_intervals([81, 0], [263, 20])
    >>> df[["ci_low", "ci_high"]].round(4).values.tolist()
    [[0.2527, 0.3676], [0.0, 0.1684]]
    """
    check_choice("method", method, STUDY_CI_METHODS)
    level = check_level(level)
    x, n = as_counts(events, totals)
    a = (1.0 - level) / 2.0
    if method == "clopper-pearson":
        with np.errstate(invalid="ignore", divide="ignore"):
            lo = special.betaincinv(x, n - x + 1.0, a)
            hi = special.betaincinv(x + 1.0, n - x, 1.0 - a)
        lo = np.where(x == 0, 0.0, lo)
        hi = np.where(x == n, 1.0, hi)
    else:
        z = -special.ndtri(a)
        z2 = z * z
        centre = (x + z2 / 2.0) / (n + z2)
        half = z * np.sqrt(x * (n - x) / n + z2 / 4.0) / (n + z2)
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
        lo = np.where(x == 0, 0.0, lo)
        hi = np.where(x == n, 1.0, hi)
    return pd.DataFrame(
        {
            "events": x.astype(int),
            "total": n.astype(int),
            "proportion": x / n,
            "ci_low": lo,
            "ci_high": hi,
            "method": method,
        }
    )
