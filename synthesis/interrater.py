"""Agreement between two reviewers: percent agreement and Cohen's kappa (statsmodels).

References
----------
Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas 1960;20:37–46.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis.results import ConfidenceInterval

__all__ = ["Agreement", "agreement"]


@dataclass(frozen=True, slots=True)
class Agreement:
    """Two reviewers' agreement on ``n`` paired judgements."""

    n: int
    agree: int
    kappa: float
    se: float
    ci: ConfidenceInterval  # κ ± z·SE at ``level`` (NaN bounds when κ is undefined)
    level: float
    categories: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Agreement(n={self.n}, agreement={self.proportion:.2f}, kappa={self.kappa:.3f})"

    @property
    def proportion(self) -> float:
        return self.agree / self.n if self.n else math.nan


def agreement(first: Sequence[object], second: Sequence[object], *,
              categories: Sequence[object] | None = None, level: float = 0.95) -> Agreement:
    """Percent agreement and unweighted Cohen's κ of two reviewers' paired judgements.

    κ and its asymptotic standard error come from statsmodels' ``cohens_kappa`` (Fleiss, Cohen
    and Everitt 1969); the interval is κ ± z·SE at ``level``.

    κ is NaN when it is undefined (fewer than 2 pairs, or both reviewers used one and the same
    category throughout, so chance agreement is 1).

    Examples
    --------
    >>> a = agreement(["y"] * 20 + ["y"] * 5 + ["n"] * 10 + ["n"] * 15,
    ...               ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15)
    >>> round(a.kappa, 3), a.agree, a.n
    (0.4, 35, 50)
    """
    a = [str(x) for x in first]
    b = [str(x) for x in second]
    if len(a) != len(b):
        raise ValueError(f"first and second must have the same length (got {len(a)} and {len(b)}).")
    if not 0 < level < 1:
        raise ValueError(f"level ({level!r}) must be between 0 and 1.")
    cats = tuple(dict.fromkeys([str(c) for c in categories] if categories is not None else a + b))
    unknown = sorted(set(a + b) - set(cats))
    if unknown:
        raise ValueError(f"judgement(s) {unknown} not among the categories {list(cats)}.")
    n = len(a)
    agree = sum(x == y for x, y in zip(a, b, strict=True))
    kappa = se = lo = hi = math.nan
    if n >= 2:
        idx = {c: i for i, c in enumerate(cats)}
        table = np.zeros((len(cats), len(cats)))
        for x, y in zip(a, b, strict=True):
            table[idx[x], idx[y]] += 1
        pe = float((table.sum(0) * table.sum(1)).sum()) / n**2
        if pe < 1 - 1e-12:
            # lazy: statsmodels.stats imports scipy.stats (~0.6 s CPU) at every app start otherwise
            from statsmodels.stats.inter_rater import cohens_kappa as _sm_kappa

            with np.errstate(invalid="ignore", divide="ignore"):
                res = _sm_kappa(table)
            kappa, se = float(res.kappa), float(res.std_kappa)
            z = float(scipy.stats.norm.ppf(0.5 + level / 2))
            lo, hi = kappa - z * se, kappa + z * se
    return Agreement(n, agree, kappa, se, ConfidenceInterval(lo, hi, level), level, cats)
