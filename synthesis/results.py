"""Result type of a pooled proportion (inverse-variance or GLMM), shared by every model.

The statistics live in :mod:`synthesis.meta` (inverse variance) and :mod:`synthesis.glmm`
(binomial–normal model); both return :class:`PooledProportion`.
"""

from __future__ import annotations

import html as _html
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
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
    ``k`` when it has one), the next lines are the first rows of :meth:`summary`. A result stored
    in groups (every field is itself a dataclass) ends with a line naming them.
    """

    __slots__ = ()

    def _title(self) -> str:
        k = getattr(self, "k", None)
        return type(self).__name__ + (f"(k={k})" if isinstance(k, int) else "")

    def _groups(self) -> tuple[str, ...]:
        """The result's groups: its fields when every one is itself a dataclass, else ``()``."""
        names = tuple(f.name for f in fields(self))  # type: ignore[arg-type]
        return names if all(is_dataclass(getattr(self, n)) for n in names) else ()

    def __repr__(self) -> str:
        table = self.summary()  # type: ignore[attr-defined]
        groups = self._groups()
        rows = 7 if groups else 8
        lines = [self._title()] + ["  " + _row_text(row) for row in table.head(rows).itertuples(index=False)]
        if len(table) > rows:
            lines.append(f"  … {len(table) - rows} more row(s) in .summary()")
        if groups:
            lines.append("  .summary() table · " + " ".join(f".{g}" for g in groups))
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
    """The studies a pooled proportion was fitted to (arrays read-only).

    ``yi``/``vi`` are the transformed study estimates and their sampling variances after any
    continuity correction; ``weights`` are percent, summing to 100 (NaN for the GLMM);
    ``corrected`` flags the studies that received the continuity correction.
    """

    k: int
    labels: tuple[str, ...]
    events: np.ndarray
    totals: np.ndarray
    yi: np.ndarray
    vi: np.ndarray
    weights: np.ndarray
    corrected: np.ndarray

    @property
    def total_events(self) -> int:
        return int(np.sum(self.events))

    @property
    def total_n(self) -> int:
        return int(np.sum(self.totals))

    def __repr__(self) -> str:
        return f"StudyData(k={self.k}, patients={self.total_n}, events={self.total_events})"


@dataclass(frozen=True, slots=True)
class Fit:
    """The choices and the pooled estimate.

    ``estimate`` is on the proportion scale (0–1); ``estimate_t``, ``se_t`` and ``statistic`` (z or
    t for ``estimate_t = 0``) on the scale of ``transform``. ``df`` is the degrees of freedom of the
    CI distribution and ``pi_df`` those of the prediction interval (``inf`` for z; NaN without a PI).
    """

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
    pi_df: float = math.nan


@dataclass(frozen=True, slots=True)
class Heterogeneity:
    """Between-study variation: τ², I² (percent, per ``i2_definition``), H², Cochran's Q.

    ``i2_tau2`` and ``i2_q`` are both I² definitions whatever ``i2_definition`` says (NaN where a
    model does not give one); ``q_lrt``/``q_lrt_pvalue`` are the GLMM's likelihood-ratio test (NaN
    for inverse-variance models). Intervals are in :class:`Intervals`.
    """

    tau2: float
    i2: float
    i2_definition: str
    h2: float
    q: float
    q_df: int
    q_pvalue: float
    i2_tau2: float = math.nan
    i2_q: float = math.nan
    q_lrt: float = math.nan
    q_lrt_pvalue: float = math.nan

    @property
    def tau(self) -> float:
        """√τ² (NaN when τ² is NaN or negative)."""
        return math.sqrt(self.tau2) if self.tau2 >= 0 else math.nan


@dataclass(frozen=True, slots=True)
class Intervals:
    """Every interval of an inverse-variance pooled result as a :class:`ConfidenceInterval`.

    ``ci`` and ``pi`` are on the result's scale: a proportion for :class:`PooledProportion`
    (raw/log bounds clipped to [0, 1]), months for a pooled median, a survival probability for a
    pooled rate; ``ci_t`` and ``pi_t`` are the same intervals on the scale of pooling (the
    transform, log months, cloglog/logit), unclipped; ``tau2`` is the Q-profile interval, ``i2``
    and ``h2`` follow from it (NaN bounds when not computed or not applicable).
    """

    ci: ConfidenceInterval
    pi: ConfidenceInterval
    tau2: ConfidenceInterval
    i2: ConfidenceInterval
    h2: ConfidenceInterval
    ci_t: ConfidenceInterval
    pi_t: ConfidenceInterval


@dataclass(frozen=True, slots=True)
class Computation:
    """How the fit was computed: continuity correction, convergence, fallback, numerical by-products.

    ``fallback`` says why another model stood in when the requested one failed (``None`` otherwise);
    ``notes`` are the sentences a reader should see; ``s2w`` is the Knapp–Hartung variance scaling
    (1 for z/t), ``typical_vi`` metafor's "typical" within-study variance (τ²-based I²),
    ``n_harmonic`` the harmonic mean of the study sizes used by the Freeman–Tukey back-transform,
    ``iterations`` the Fisher-scoring iterations (REML/ML/EB).
    """

    correction_add: float = 0.5
    correction_to: str = "only0"
    converged: bool = True
    fallback: str | None = None
    notes: tuple[str, ...] = ()
    iterations: int = 0
    s2w: float = 1.0
    typical_vi: float = math.nan
    n_harmonic: float = math.nan


@dataclass(frozen=True, slots=True)
class PoolingComputation:
    """How a pooling of log medians or of survival rates was computed: whether τ² ``converged``,
    the estimator's ``iterations`` and the ``notes`` a reader should see."""

    converged: bool = True
    iterations: int = 0
    notes: tuple[str, ...] = ()


class StudyShortcuts:
    """The shortcuts ``ci``, ``pi``, ``k`` and ``labels`` of a result stored in groups: its
    ``data`` (a :class:`StudyData`-like group) and its ``intervals``."""

    __slots__ = ()

    @property
    def ci(self) -> ConfidenceInterval:
        return self.intervals.ci  # type: ignore[attr-defined]

    @property
    def pi(self) -> ConfidenceInterval:
        return self.intervals.pi  # type: ignore[attr-defined]

    @property
    def k(self) -> int:
        return self.data.k  # type: ignore[attr-defined]

    @property
    def labels(self) -> tuple[str, ...]:
        return self.data.labels  # type: ignore[attr-defined]


class PooledShortcuts(StudyShortcuts):
    """:class:`StudyShortcuts` plus ``estimate`` (from the ``fit`` group) and ``tau2``, ``i2``
    (from the ``heterogeneity`` group): the seven shortcuts of an inverse-variance pooled result."""

    __slots__ = ()

    @property
    def estimate(self) -> float:
        return self.fit.estimate  # type: ignore[attr-defined]

    @property
    def tau2(self) -> float:
        return self.heterogeneity.tau2  # type: ignore[attr-defined]

    @property
    def i2(self) -> float:
        return self.heterogeneity.i2  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PooledProportion(PooledShortcuts):
    """A random-effects (or common-effect) pooled proportion with every choice echoed, in five groups.

    Attributes
    ----------
    data : StudyData
        The studies: ``k``, ``labels``, ``events``, ``totals``, transformed ``yi``/``vi``,
        ``weights`` (%), ``corrected``.
    fit : Fit
        The choices (``transform``, ``method``, ``ci_method``, ``pi_method``, ``level``) and the
        pooled estimate with its test (``estimate``, ``estimate_t``, ``se_t``, ``statistic``,
        ``pvalue``, ``df``, ``pi_df``).
    heterogeneity : Heterogeneity
        ``tau2``, ``tau``, ``i2`` (``i2_definition``), ``h2``, ``q``, ``q_df``, ``q_pvalue``, ...
    intervals : Intervals
        :class:`ConfidenceInterval` s: ``ci``, ``pi``, ``tau2``, ``i2``, ``h2``, ``ci_t``, ``pi_t``.
    computation : Computation
        Continuity correction, ``converged``, ``fallback``, ``notes``, numerical by-products.

    Seven shortcuts for what readers type most (like statsmodels' ``params``): ``estimate``,
    ``ci``, ``pi``, ``k``, ``labels``, ``tau2``, ``i2``; everything else is read from its group.
    Quantities that do not exist for a model (the prediction interval of a common-effect model, the
    weights of a GLMM) are NaN, never omitted. ``estimate``/``ci``/``pi`` are on the proportion
    scale (0–1), back-transformed with the single back-transform of ``fit.transform``.

    Examples
    --------
    >>> from synthesis import pool_proportions
    >>> res = pool_proportions([4, 3, 2, 1], [10, 20, 30, 40], method="DL")
    >>> round(res.estimate, 4), res.ci.format(1), res.k
    (0.1214, '[3.7%, 33.1%]', 4)
    >>> res.fit.method, res.data.total_n, round(res.heterogeneity.q, 3)
    ('DL', 100, 9.376)
    >>> res.intervals.tau2.low >= 0, res.computation.fallback is None
    (True, True)
    """

    data: StudyData
    fit: Fit
    heterogeneity: Heterogeneity
    intervals: Intervals
    computation: Computation = field(default_factory=Computation)

    def __repr__(self) -> str:
        f, h, iv = self.fit, self.heterogeneity, self.intervals
        lv = f"{f.level:.0%}"
        lines = [
            f"PooledProportion({f.method}, {f.transform if f.method != 'GLMM' else 'logit link'}; "
            f"k={self.data.k}, {self.data.total_events}/{self.data.total_n} events)",
            f"  estimate  {f.estimate:.4f}   {lv} CI {iv.ci.format(1)} ({f.ci_method})"
            f"   PI {iv.pi.format(1)} ({self._pi_short()})",
            f"  tau2      {h.tau2:.4g} {iv.tau2.format(3, percent=False)}   "
            f"I2 {h.i2:.1f}% ({h.i2_definition})   Q {h.q:.3f} (df {h.q_df}, p {h.q_pvalue:.3g})",
        ]
        if self.computation.fallback:
            lines.append(f"  fallback  {self.computation.fallback}")
        lines.append("  .summary() table · .to_frame() studies · .data .fit .heterogeneity .intervals")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_repr(repr(self).splitlines()[0], self.summary())

    def model_label(self) -> str:
        """One line naming every convention, for figure captions and tables."""
        f = self.fit
        parts = [
            LABELS.get(f.method, f.method),
            f"{LABELS.get(f.transform, f.transform)} scale" if f.method != "GLMM" else "logit link",
            f"CI: {LABELS.get(f.ci_method, f.ci_method)}",
            f"PI: {self._pi_label()}",
            f"I²: {LABELS.get(self.heterogeneity.i2_definition, self.heterogeneity.i2_definition)}",
        ]
        return "; ".join(parts)

    def _pi_short(self) -> str:
        if self.fit.pi_method == "metafor":
            return "t(k-1)" if self.fit.ci_method in ("t", "hksj", "hksj-adhoc") else "z"
        return self.fit.pi_method

    def _pi_label(self) -> str:
        if self.fit.pi_method == "metafor":
            return "t(k−1)" if self.fit.ci_method in ("t", "hksj", "hksj-adhoc") else "z"
        return LABELS.get(self.fit.pi_method, self.fit.pi_method)

    def _tau2_ci_label(self) -> str:
        t = self.intervals.tau2
        if math.isfinite(t.low) or math.isfinite(t.high):
            return "Q-profile CI"
        if self.fit.method == "GLMM" and self.computation.fallback is None:
            return "no Q-profile CI for the GLMM (ML estimate only)"
        return "CI not available"

    def _q_label(self) -> str:
        h = self.heterogeneity
        kind = "Wald-type Q" if self.fit.method == "GLMM" and self.computation.fallback is None else "Cochran's Q"
        text = f"{kind}, df = {h.q_df}, p = {h.q_pvalue:.4g}"
        if math.isfinite(h.q_lrt):
            text += f"; likelihood-ratio test {h.q_lrt:.4f} (p = {h.q_lrt_pvalue:.4g})"
        return text

    def summary(self) -> pd.DataFrame:
        """One row per pooled quantity: ``quantity, value, ci_low, ci_high, note``."""
        f, h, iv = self.fit, self.heterogeneity, self.intervals
        rows = [
            ("Pooled proportion", f.estimate, *iv.ci,
             f"{f.level:.0%} CI, {LABELS.get(f.ci_method, f.ci_method)}"),
            ("Prediction interval", math.nan, *iv.pi, self._pi_label()),
            ("tau²", h.tau2, *iv.tau2, self._tau2_ci_label()),
            ("I² (%)", h.i2, *iv.i2, LABELS.get(h.i2_definition, "")),
            ("H²", h.h2, *iv.h2, ""),
            ("Q", h.q, math.nan, math.nan, self._q_label()),
            ("Studies (k)", float(self.data.k), math.nan, math.nan, ""),
            ("Patients", float(self.data.total_n), math.nan, math.nan, ""),
        ]
        return summary_frame(rows)

    def to_frame(self) -> pd.DataFrame:
        """One row per study: label, events, total, observed proportion, yi, vi, weight (%)."""
        d = self.data
        with np.errstate(divide="ignore", invalid="ignore"):
            prop = d.events / d.totals
        return pd.DataFrame(
            {
                "label": list(d.labels),
                "events": d.events.astype(int),
                "total": d.totals.astype(int),
                "proportion": prop,
                "yi": d.yi,
                "vi": d.vi,
                "weight": d.weights,
                "corrected": d.corrected,
            }
        )
