"""Result type of a pooled proportion (inverse-variance or GLMM), shared by every model.

The statistics live in :mod:`synthesis.meta` (inverse variance) and :mod:`synthesis.glmm`
(binomial–normal model); both return :class:`PooledProportion`.
"""

from __future__ import annotations

import html as _html
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

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


#: The columns of every result's ``summary()``: one row per quantity, its value, its interval (NaN
#: when it has none) and a note naming the convention.
SUMMARY_COLUMNS: tuple[str, ...] = ("quantity", "value", "ci_low", "ci_high", "note")


def summary_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """A ``summary()`` table from ``(quantity, value, note)`` or ``(quantity, value, low, high, note)`` rows.

    >>> summary_frame([("k", 3, ""), ("tau²", 0.1, 0.0, 0.5, "Q-profile")]).columns.tolist()
    ['quantity', 'value', 'ci_low', 'ci_high', 'note']
    """
    out = []
    for row in rows:
        if len(row) == 3:
            q, v, note = row
            lo = hi = math.nan
        else:
            q, v, lo, hi, note = row
        out.append((q, v, lo, hi, note))
    return pd.DataFrame(out, columns=list(SUMMARY_COLUMNS))


def html_repr(title: str, table: pd.DataFrame) -> str:
    """Notebook HTML of a result: its one-line title and its ``summary()`` table (escaped)."""
    return f"<p><b>{_html.escape(title)}</b></p>" + table.to_html(index=False, na_rep="", escape=True)


class ResultRepr:
    """Short repr (at most 10 lines) and notebook HTML for a result with a ``summary()``.

    Subclasses are dataclasses declared with ``repr=False``; the first line names the class (and
    ``k`` when it has one), the next lines are the first rows of :meth:`summary`.
    """

    __slots__ = ()

    def _title(self) -> str:
        k = getattr(self, "k", None)
        return type(self).__name__ + (f"(k={k})" if isinstance(k, int) else "")

    def __repr__(self) -> str:
        table = self.summary()  # type: ignore[attr-defined]
        lines = [self._title()] + ["  " + _row_text(row) for row in table.head(8).itertuples(index=False)]
        if len(table) > 8:
            lines.append(f"  … {len(table) - 8} more row(s) in .summary()")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_repr(self._title(), self.summary())  # type: ignore[attr-defined]


def _num(x: Any) -> str:
    if isinstance(x, (int, float, np.floating, np.integer)) and not isinstance(x, bool):
        return f"{float(x):.4g}" if math.isfinite(float(x)) else ""
    return str(x)


def _row_text(row: Sequence[Any]) -> str:
    quantity, value, low, high, note = row
    text = f"{quantity}: {_num(value)}".rstrip(": ")
    if _num(low) or _num(high):
        text += f" [{_num(low)}, {_num(high)}]"
    note = " ".join(str(note).split())
    if note:
        text += f"  ({note[:60] + '…' if len(note) > 60 else note})"
    return text


@dataclass(frozen=True, slots=True)
class StudyData:
    """The studies a pooled proportion was fitted to (arrays read-only)."""

    k: int
    labels: tuple[str, ...]
    events: np.ndarray
    totals: np.ndarray
    yi: np.ndarray
    vi: np.ndarray
    weights: np.ndarray
    corrected: np.ndarray

    def __repr__(self) -> str:
        return f"StudyData(k={self.k}, patients={int(np.sum(self.totals))}, events={int(np.sum(self.events))})"


@dataclass(frozen=True, slots=True)
class Fit:
    """The choices and the pooled estimate (proportion scale; ``*_t`` on the transformed scale)."""

    transform: str
    method: str
    ci_method: str
    pi_method: str
    level: float
    estimate: float
    estimate_t: float
    se_t: float
    statistic: float
    pvalue: float
    df: float
    converged: bool
    fallback: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Heterogeneity:
    """Between-study variation: τ², τ, I² (per ``i2_definition``), H², Cochran's Q."""

    tau2: float
    tau: float
    i2: float
    i2_definition: str
    h2: float
    q: float
    q_df: int
    q_pvalue: float


@dataclass(frozen=True, slots=True)
class Intervals:
    """Every interval of a pooled proportion as a :class:`ConfidenceInterval` (proportion scale)."""

    ci: ConfidenceInterval
    pi: ConfidenceInterval
    tau2: ConfidenceInterval
    i2: ConfidenceInterval
    h2: ConfidenceInterval
    ci_t: ConfidenceInterval
    pi_t: ConfidenceInterval


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
    # grouped views: what a reader looks for, in four groups
    @property
    def data(self) -> StudyData:
        """The studies: k, labels, counts, transformed estimates, variances, weights."""
        return StudyData(self.k, self.labels, self.events, self.totals, self.yi, self.vi,
                         self.weights, self.corrected)

    @property
    def fit(self) -> Fit:
        """The choices, the pooled estimate and its test."""
        return Fit(self.transform, self.method, self.ci_method, self.pi_method, self.level,
                   self.estimate, self.estimate_t, self.se_t, self.statistic, self.pvalue, self.df,
                   self.converged, self.fallback, self.notes)

    @property
    def heterogeneity(self) -> Heterogeneity:
        """τ², τ, I², H² and Q."""
        return Heterogeneity(self.tau2, self.tau, self.i2, self.i2_definition, self.h2, self.q,
                             self.q_df, self.q_pvalue)

    @property
    def intervals(self) -> Intervals:
        """CI, PI, τ², I² and H² intervals (and the CI/PI on the transformed scale)."""
        lv = self.level
        return Intervals(
            self.ci, self.pi, self.tau2_ci,
            ConfidenceInterval(self.i2_ci_low, self.i2_ci_high, lv),
            ConfidenceInterval(self.h2_ci_low, self.h2_ci_high, lv),
            ConfidenceInterval(self.ci_low_t, self.ci_high_t, lv),
            ConfidenceInterval(self.pi_low_t, self.pi_high_t, lv),
        )

    def __repr__(self) -> str:
        lv = f"{self.level:.0%}"
        lines = [
            f"PooledProportion({self.method}, {self.transform if self.method != 'GLMM' else 'logit link'}; "
            f"k={self.k}, {self.total_events}/{self.total_n} events)",
            f"  estimate  {self.estimate:.4f}   {lv} CI {self.ci.format(1)} ({self.ci_method})"
            f"   PI {self.pi.format(1)} ({self._pi_short()})",
            f"  tau2      {self.tau2:.4g} {self.tau2_ci.format(3, percent=False)}   "
            f"I2 {self.i2:.1f}% ({self.i2_definition})   Q {self.q:.3f} (df {self.q_df}, p {self.q_pvalue:.3g})",
        ]
        if self.fallback:
            lines.append(f"  fallback  {self.fallback}")
        lines.append("  .summary() table · .to_frame() studies · .data .fit .heterogeneity .intervals")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_repr(repr(self).splitlines()[0], self.summary())

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

    def _pi_short(self) -> str:
        if self.pi_method == "metafor":
            return "t(k-1)" if self.ci_method in ("t", "hksj", "hksj-adhoc") else "z"
        return self.pi_method

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
        return summary_frame(rows)

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
