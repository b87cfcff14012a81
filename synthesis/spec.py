"""The statistical choices of a pooled analysis, as one value (the project vocabulary).

Shared by the pages (``ui.analysis`` re-exports :class:`Model`) and the headless reports
(``reports.view.View`` takes its defaults and :meth:`Model.pool_kwargs` from here), so the two
cannot drift apart. Plain Python: no Streamlit, no plotly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Model:
    """Every statistical choice of the pooled analysis.

    Defaults are the Pooled-efficacy page's: inverse-variance logit, REML τ², Hartung–Knapp–
    Sidik–Jonkman CI, t(k−1) prediction interval, τ²-based I², 95 %, Clopper–Pearson study
    intervals, half-normal(0.5) prior on τ for the Bayesian check.

    Examples
    --------
    >>> Model().pool_kwargs()["method"]
    'REML'
    >>> Model(method="PM").pool_kwargs()["ci_method"]
    'hksj'
    """

    transform: str = "logit"
    method: str = "REML"
    ci_method: str = "hksj"
    pi_method: str = "t(k-1)"
    i2_definition: str = "tau2"
    level: float = 0.95
    study_ci_method: str = "clopper-pearson"
    prior_scale: float = 0.5

    def pool_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`synthesis.pool_proportions`."""
        return {
            "transform": self.transform,
            "method": self.method,
            "ci_method": self.ci_method,
            "pi_method": self.pi_method,
            "level": self.level,
            "i2_definition": self.i2_definition,
        }
