"""Pooled incidence of one adverse event: four methods side by side, with safeguards for k <= 2.

:func:`pool_incidence` pools the events/patients of k studies by

* the binomial–normal GLMM (ML, z interval; metafor ``rma.glmm(measure="PLO")``), the default:
  no continuity correction, zero-event studies enter with their exact binomial likelihood;
* inverse-variance logit, REML, Hartung–Knapp–Sidik–Jonkman with the ad hoc correction
  (``rma(measure="PLO", test="adhoc")``; 0/n studies get metafor's 0.5 correction);
* Freeman–Tukey double arcsine, REML, z (``rma(measure="PFT")``, harmonic-mean back-transform);
* the crude pooled proportion sum(x)/sum(n) with the exact Clopper–Pearson interval (ignores
  between-study variation; the honest summary when k <= 2).

With k <= 2 the exact crude interval is shown first and the t-based (HKSJ) interval is flagged: with
one degree of freedom it approaches [0, 1]. With k = 1 every method returns the study's own exact
interval, with a note. A failed GLMM falls back as :func:`synthesis.meta.pool_proportions` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis.meta import pool_proportions
from synthesis.results import ConfidenceInterval, PooledProportion
from synthesis.validation import as_counts, check_level

__all__ = ["INCIDENCE_METHODS", "IncidenceMethod", "IncidencePool", "exact_interval", "pool_incidence"]

#: method key -> label (the order of the method-agreement strip)
INCIDENCE_METHODS: dict[str, str] = {
    "glmm": "GLMM (ML), z",
    "iv_hksj": "IV logit, REML, HKSJ (ad hoc)",
    "ft": "Freeman–Tukey, REML, z",
    "crude": "Crude pooled, exact (Clopper–Pearson)",
}


def exact_interval(events: float, total: float, level: float = 0.95) -> tuple[float, float]:
    """Clopper–Pearson interval of x/n (0 and n give the one-sided limits 0 and 1).

    >>> [round(v, 4) for v in exact_interval(0, 10)]
    [0.0, 0.3085]
    """
    a = (1.0 - level) / 2.0
    lo = 0.0 if events <= 0 else float(scipy.stats.beta.ppf(a, events, total - events + 1))
    hi = 1.0 if events >= total else float(scipy.stats.beta.ppf(1 - a, events + 1, total - events))
    return lo, hi


@dataclass(frozen=True, slots=True)
class IncidenceMethod:
    """One method's pooled incidence (proportion scale) with its interval."""

    key: str
    label: str
    estimate: float
    ci: ConfidenceInterval
    tau2: float = math.nan
    flag: str = ""  # why this interval should be read with care ("" = none)
    fallback: str | None = None


@dataclass(frozen=True, slots=True)
class IncidencePool:
    """Pooled incidence of one term × grade stratum × attribution (all methods side by side)."""

    k: int
    events: int
    patients: int
    level: float
    methods: tuple[IncidenceMethod, ...]
    primary: str  # key of the method shown first ("glmm", or "crude" when k <= 2)
    notes: tuple[str, ...] = field(default_factory=tuple)
    glmm: PooledProportion | None = None  # the full GLMM result (for the forest plot)

    def method(self, key: str) -> IncidenceMethod:
        for m in self.methods:
            if m.key == key:
                return m
        raise KeyError(f"method ({key!r}) must be one of {', '.join(INCIDENCE_METHODS)}.")

    @property
    def headline(self) -> IncidenceMethod:
        return self.method(self.primary)

    def summary(self) -> pd.DataFrame:
        """One row per method: estimate, interval, τ², flag."""
        return pd.DataFrame([
            {"method": m.label, "estimate": m.estimate, "ci_low": m.ci.low, "ci_high": m.ci.high,
             "tau2": m.tau2, "flag": m.flag, "primary": m.key == self.primary}
            for m in self.methods
        ])

    def __repr__(self) -> str:
        h = self.headline
        return (f"IncidencePool(k={self.k}, {self.events}/{self.patients}, {h.label}: "
                f"{h.estimate:.4f} [{h.ci.low:.4f}, {h.ci.high:.4f}])")


def _from_result(key: str, res: PooledProportion, flag: str = "") -> IncidenceMethod:
    return IncidenceMethod(key, INCIDENCE_METHODS[key], float(res.estimate), res.ci,
                           float(res.tau2), flag, res.computation.fallback)


def pool_incidence(events, totals, *, labels=None, level: float = 0.95) -> IncidencePool:
    """Pool adverse-event incidences by GLMM, IV logit HKSJ, Freeman–Tukey and crude exact.

    Parameters
    ----------
    events, totals : array_like of int
        Patients with the event and patients in the safety population, per study (0 events
        allowed and kept).
    labels : sequence of str, optional
    level : float
        Interval level for every method.

    Returns
    -------
    IncidencePool
        ``primary`` is ``"glmm"`` for k >= 3 and ``"crude"`` (exact) for k <= 2.

    Examples
    --------
    >>> p = pool_incidence([3, 2], [16, 31])
    >>> p.primary, p.k, p.events, p.patients
    ('crude', 2, 5, 47)
    >>> p.method("iv_hksj").flag != ""
    True
    """
    x, n = as_counts(events, totals)
    level = check_level(level)
    k = int(x.size)
    xs, ns = int(x.sum()), int(n.sum())
    crude_ci = ConfidenceInterval(*exact_interval(xs, ns, level), level)
    crude = IncidenceMethod("crude", INCIDENCE_METHODS["crude"], xs / ns, crude_ci)
    if k == 1:
        note = ("One study: its own proportion with the exact (Clopper–Pearson) interval; "
                "nothing is pooled.")
        methods = tuple(
            IncidenceMethod(key, lab, crude.estimate, crude_ci,
                            flag="" if key == "crude" else "k = 1: the study's exact interval")
            for key, lab in INCIDENCE_METHODS.items()
        )
        return IncidencePool(1, xs, ns, level, methods, "crude", (note,))
    notes: list[str] = []
    glmm = pool_proportions(x, n, method="GLMM", ci_method="z", level=level, labels=labels)
    iv = pool_proportions(x, n, transform="logit", method="REML", ci_method="hksj-adhoc",
                          level=level, labels=labels, tau2_ci=False)
    ft = pool_proportions(x, n, transform="freeman-tukey", method="REML", ci_method="z",
                          level=level, labels=labels, tau2_ci=False)
    small = k <= 2
    hksj_flag = (f"k = {k}: the t({k - 1}) interval of HKSJ approaches [0, 1]" if small else "")
    glmm_flag = "GLMM failed: IV logit REML shown" if glmm.computation.fallback else ""
    if small and not glmm_flag:
        glmm_flag = f"k = {k}: τ² is barely estimable"
    methods = (
        _from_result("glmm", glmm, glmm_flag),
        _from_result("iv_hksj", iv, hksj_flag),
        _from_result("ft", ft, "harmonic-mean back-transform"),
        crude,
    )
    if small:
        notes.append(f"k = {k}: the exact interval of the crude pooled proportion is shown first; "
                     "random-effects intervals with so few studies are unreliable.")
    if np.any(x == 0):
        notes.append(f"{int(np.sum(x == 0))} study/studies with zero events kept (the GLMM uses "
                     "them as they are; IV logit adds 0.5).")
    return IncidencePool(k, xs, ns, level, methods, "crude" if small else "glmm", tuple(notes),
                         glmm if not glmm.computation.fallback else None)
