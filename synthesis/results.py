"""Result type of a pooled proportion (inverse-variance or GLMM), shared by every model.

The statistics live in :mod:`synthesis.meta` (inverse variance) and :mod:`synthesis.glmm`
(binomial–normal model); both return :class:`PooledProportion`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthesis.vocabulary import LABELS


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


@dataclass(frozen=True, slots=True)
class PooledProportion:
    """A random-effects (or common-effect) pooled proportion with every choice echoed.

    All ``estimate``/``ci_*``/``pi_*`` values are on the proportion scale (0–1), back-transformed
    with the single back-transform of ``transform``; ``*_t`` values are on the transformed scale.
    Quantities that do not exist for a model (e.g. the prediction interval of a common-effect model,
    weights of a GLMM) are NaN, never omitted.
    """

    # --- choices -------------------------------------------------------------------------
    transform: str
    method: str
    ci_method: str
    pi_method: str
    i2_definition: str
    level: float
    # --- data ------------------------------------------------------------------------------
    k: int
    events: np.ndarray
    totals: np.ndarray
    labels: tuple[str, ...]
    yi: np.ndarray  # transformed study estimates (after any continuity correction)
    vi: np.ndarray  # their sampling variances
    weights: np.ndarray  # percent, summing to 100 (NaN for GLMM)
    corrected: np.ndarray  # bool: continuity correction applied to this study
    # --- pooled estimate ----------------------------------------------------------------------
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    estimate_t: float
    se_t: float
    ci_low_t: float
    ci_high_t: float
    pi_low_t: float
    pi_high_t: float
    statistic: float  # z or t statistic for estimate_t = 0
    pvalue: float
    df: float  # degrees of freedom of the CI distribution (inf for z)
    # --- heterogeneity ------------------------------------------------------------------------
    tau2: float
    tau2_ci_low: float
    tau2_ci_high: float
    i2: float  # percent, per ``i2_definition``
    h2: float
    q: float
    q_df: int
    q_pvalue: float
    # --- diagnostics ------------------------------------------------------------------------
    correction_add: float = 0.5
    correction_to: str = "only0"
    converged: bool = True
    fallback: str | None = None  # set when the requested model failed and another was used
    notes: tuple[str, ...] = field(default_factory=tuple)
    # --- added by synthesis.meta (defaults keep other constructors valid) ---------------------
    i2_tau2: float = math.nan  # metafor's tau²-based I² (percent), whatever i2_definition says
    i2_q: float = math.nan  # Q-based I² max(0, (Q - df)/Q) * 100
    i2_ci_low: float = math.nan  # I² interval from the tau² Q-profile bounds (tau²-based only)
    i2_ci_high: float = math.nan
    h2_ci_low: float = math.nan
    h2_ci_high: float = math.nan
    pi_df: float = math.nan  # df of the prediction interval (inf for z; NaN when no PI)
    n_harmonic: float = math.nan  # harmonic mean of totals used by the freeman-tukey back-transform
    s2w: float = 1.0  # Knapp–Hartung scaling factor applied to the variance (1 for z/t)
    typical_vi: float = math.nan  # metafor's "typical" within-study variance (tau²-based I²)
    iterations: int = 0  # Fisher-scoring iterations (REML/ML/EB)
    # --- added for the GLMM: likelihood-ratio test of heterogeneity (NaN for IV models) ------
    q_lrt: float = math.nan
    q_lrt_pvalue: float = math.nan

    # ------------------------------------------------------------------------------------
    @property
    def ci(self) -> ConfidenceInterval:
        return ConfidenceInterval(self.ci_low, self.ci_high, self.level)

    @property
    def pi(self) -> ConfidenceInterval:
        return ConfidenceInterval(self.pi_low, self.pi_high, self.level)

    @property
    def tau2_ci(self) -> ConfidenceInterval:
        return ConfidenceInterval(self.tau2_ci_low, self.tau2_ci_high, self.level)

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2) if self.tau2 >= 0 else math.nan

    @property
    def total_events(self) -> int:
        return int(np.sum(self.events))

    @property
    def total_n(self) -> int:
        return int(np.sum(self.totals))

    def model_label(self) -> str:
        """One line naming every convention, for figure captions and tables."""
        parts = [
            LABELS.get(self.method, self.method),
            f"{LABELS.get(self.transform, self.transform)} scale"
            if self.method != "GLMM"
            else "logit link",
            f"CI: {LABELS.get(self.ci_method, self.ci_method)}",
            f"PI: {self._pi_label()}",
            f"I²: {LABELS.get(self.i2_definition, self.i2_definition)}",
        ]
        return "; ".join(parts)

    def _pi_label(self) -> str:
        if self.pi_method == "metafor":
            return "t(k−1)" if self.ci_method in ("t", "hksj", "hksj-adhoc") else "z"
        return LABELS.get(self.pi_method, self.pi_method)

    def _tau2_ci_label(self) -> str:
        if math.isfinite(self.tau2_ci_low) or math.isfinite(self.tau2_ci_high):
            return "Q-profile CI"
        if self.method == "GLMM" and self.fallback is None:
            return "no Q-profile CI for the GLMM (ML estimate only)"
        return "CI not available"

    def _q_label(self) -> str:
        kind = "Wald-type Q" if self.method == "GLMM" and self.fallback is None else "Cochran's Q"
        text = f"{kind}, df = {self.q_df}, p = {self.q_pvalue:.4g}"
        if math.isfinite(self.q_lrt):
            text += f"; likelihood-ratio test {self.q_lrt:.4f} (p = {self.q_lrt_pvalue:.4g})"
        return text

    def summary(self) -> pd.DataFrame:
        """One row per pooled quantity: ``quantity, value, ci_low, ci_high, note``."""
        rows = [
            (
                "Pooled proportion",
                self.estimate,
                self.ci_low,
                self.ci_high,
                f"{self.level:.0%} CI, {LABELS.get(self.ci_method, self.ci_method)}",
            ),
            ("Prediction interval", math.nan, self.pi_low, self.pi_high, self._pi_label()),
            ("tau²", self.tau2, self.tau2_ci_low, self.tau2_ci_high, self._tau2_ci_label()),
            (
                "I² (%)",
                self.i2,
                self.i2_ci_low,
                self.i2_ci_high,
                LABELS.get(self.i2_definition, ""),
            ),
            ("H²", self.h2, self.h2_ci_low, self.h2_ci_high, ""),
            ("Q", self.q, math.nan, math.nan, self._q_label()),
            ("Studies (k)", float(self.k), math.nan, math.nan, ""),
            ("Patients", float(self.total_n), math.nan, math.nan, ""),
        ]
        return pd.DataFrame(rows, columns=["quantity", "value", "ci_low", "ci_high", "note"])

    def to_frame(self) -> pd.DataFrame:
        """One row per study: label, events, total, observed proportion, yi, vi, weight (%)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            prop = self.events / self.totals
        return pd.DataFrame(
            {
                "label": list(self.labels),
                "events": self.events.astype(int),
                "total": self.totals.astype(int),
                "proportion": prop,
                "yi": self.yi,
                "vi": self.vi,
                "weight": self.weights,
                "corrected": self.corrected,
            }
        )
