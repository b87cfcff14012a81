"""One operating-characteristics interface for every single-arm design.

Every design class (Simon two-stage, exact single stage, Bayesian posterior rule, predictive
probability, BOP2/BOP2-FE) has a method ``oc(p)`` that returns one :class:`OC` record for the true
response rate ``p``; :func:`operating_characteristics` tabulates it over a grid.  No page or
report computes a tail probability: they call these.

Conventions (one place)
-----------------------
* ``reject`` is the probability of declaring the treatment promising (rejecting H0), at an interim
  look (efficacy stop) or at the end.
* ``early_futility`` / ``early_efficacy``: probabilities of stopping at an interim look (before
  the maximum sample size) for futility / for efficacy.  ``pet`` is their sum, the probability of
  early termination (for Simon designs, PET = P(stop after stage 1)).
* ``expected_n``: expected number of patients treated.
* ``not_promising`` = 1 − ``reject``; ``fail`` = 1 − ``reject`` − ``early_futility``: reaching
  the final analysis and not declared promising.

Every probability is exact (sums of binomial probabilities by dynamic programming over the
looks), never simulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

__all__ = [
    "OC",
    "OC_COLUMNS",
    "HasOC",
    "SequentialBinary",
    "check_p_grid",
    "operating_characteristics",
]

#: the columns of :func:`operating_characteristics` (the one table schema)
OC_COLUMNS = (
    "p",
    "P(declare promising)",
    "PET",
    "P(early stop, futility)",
    "P(early stop, efficacy)",
    "P(fail)",
    "EN",
)


@dataclass(frozen=True, slots=True)
class OC:
    """Operating characteristics of one design at one true response rate ``p``."""

    p: float
    reject: float  # P(declare promising)
    early_futility: float
    early_efficacy: float
    expected_n: float
    max_n: int

    def __repr__(self) -> str:
        return (
            f"OC(p={self.p:.3f}, reject={self.reject:.4f}, early_futility="
            f"{self.early_futility:.4f}, early_efficacy={self.early_efficacy:.4f}, "
            f"expected_n={self.expected_n:.2f})"
        )

    @property
    def pet(self) -> float:
        """Probability of early termination (futility or efficacy)."""
        return self.early_futility + self.early_efficacy

    @property
    def not_promising(self) -> float:
        return 1.0 - self.reject

    @property
    def fail(self) -> float:
        """Reaching the final analysis and not declared promising."""
        return max(0.0, 1.0 - self.reject - self.early_futility)

    def row(self) -> dict[str, float]:
        """The record as one row of the :data:`OC_COLUMNS` table."""
        return dict(
            zip(
                OC_COLUMNS,
                (self.p, self.reject, self.pet, self.early_futility, self.early_efficacy,
                 self.fail, self.expected_n),
                strict=True,
            )
        )


class HasOC(Protocol):
    """Anything with ``oc(p) -> OC``."""

    def oc(self, p: float) -> OC: ...


def check_p_grid(p_grid: object) -> np.ndarray:
    """True response rates in [0, 1] as a 1-d float array (``ValueError`` naming the bad entry)."""
    try:
        p = np.atleast_1d(np.asarray(p_grid, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"p_grid ({p_grid!r}) must be a sequence of numbers in [0, 1].") from None
    bad = np.flatnonzero(~np.isfinite(p) | (p < 0) | (p > 1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"p_grid[{i}] ({float(p[i])!r}) must be in [0, 1].")
    return p


def operating_characteristics(design: HasOC, p_grid: object) -> pd.DataFrame:
    """``design.oc(p)`` at each ``p`` of ``p_grid``, one row each (columns :data:`OC_COLUMNS`).

    Examples
    --------
    >>> from synthesis.design.simon import simon_two_stage
    >>> d = simon_two_stage(0.2, 0.4, 0.05, 0.1).minimax
    >>> round(float(operating_characteristics(d, [0.4])["EN"][0]), 2)
    44.16
    """
    p = check_p_grid(p_grid)
    if not callable(getattr(design, "oc", None)):
        raise ValueError(f"design ({type(design).__name__}) has no oc(p) method.")
    return pd.DataFrame([design.oc(float(v)).row() for v in p], columns=list(OC_COLUMNS))


@dataclass(frozen=True, slots=True)
class SequentialBinary:
    """A single-arm design with looks at cumulative sample sizes and response-count boundaries.

    At look ``k`` (``looks[k]`` patients) with ``x`` responses so far: stop for futility if
    ``x <= futility[k]``; otherwise stop for efficacy if ``x >= efficacy[k]`` (interim looks
    only).  At the last look the treatment is declared promising if ``x >= efficacy[-1]``.
    ``futility[k] = -1`` means no futility stop at look k; ``efficacy[k] > looks[k]`` means no
    efficacy stop.  Futility is checked first when both would apply (never the case for the
    boundaries built in this package).
    """

    looks: tuple[int, ...]
    futility: tuple[int, ...]
    efficacy: tuple[int, ...]

    def __post_init__(self) -> None:
        k = len(self.looks)
        if k == 0 or len(self.futility) != k or len(self.efficacy) != k:
            raise ValueError("looks, futility and efficacy must have the same (positive) length.")
        if any(b <= a for a, b in zip((0, *self.looks), self.looks, strict=False)):
            raise ValueError(f"looks ({self.looks!r}) must be increasing positive sample sizes.")

    @property
    def max_n(self) -> int:
        return int(self.looks[-1])

    def oc(self, p: float) -> OC:
        """Exact operating characteristics at the true rate ``p`` (dynamic programming)."""
        p = float(check_p_grid([p])[0])
        dist = np.array([1.0])  # P(x responses so far, still on study)
        prev = 0
        fut = eff = en = 0.0
        last = len(self.looks) - 1
        reject = 0.0
        for k, n in enumerate(self.looks):
            m = n - prev
            dist = np.convolve(dist, scipy.stats.binom.pmf(np.arange(m + 1), m, p))
            prev = n
            x = np.arange(dist.size)
            if k == last:
                reject_final = float(dist[x >= self.efficacy[k]].sum())
                reject += reject_final
                en += n * float(dist.sum())
                break
            stop_f = x <= self.futility[k]
            stop_e = (~stop_f) & (x >= self.efficacy[k])
            pf, pe = float(dist[stop_f].sum()), float(dist[stop_e].sum())
            fut += pf
            eff += pe
            reject += pe
            en += n * (pf + pe)
            dist = np.where(stop_f | stop_e, 0.0, dist)
        return OC(p, min(1.0, reject), fut, eff, en, self.max_n)

    def table(self) -> pd.DataFrame:
        """The boundary table: at each look, stop if <= r (futility) / >= s (efficacy)."""
        rows = [
            {
                "look": k + 1,
                "n": n,
                "futility: stop if responses <=": f if f >= 0 else None,
                "efficacy: promising if responses >=": e if e <= n else None,
                "final": k == len(self.looks) - 1,
            }
            for k, (n, f, e) in enumerate(zip(self.looks, self.futility, self.efficacy, strict=True))
        ]
        return pd.DataFrame(rows)
