"""The statistical choices of a pooled analysis, as one validated value (the project vocabulary).

Shared by the pages, the headless reports and the view parser (``findings.query``), so they
cannot drift apart. :class:`Model` owns the rules that tie its choices together: the GLMM uses
the logit link, and the inverse-variance model that stands in for a GLMM where it has no
analogue (case-deletion influence, funnel and small-study tests, meta-regression).
Plain Python: no Streamlit, no plotly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from synthesis.vocabulary import (
    CHOICES,
    CIMethod,
    I2Definition,
    Method,
    PIMethod,
    StudyCIMethod,
    Transform,
    choice_list,
)

__all__ = ["LEVELS", "PRIOR_SCALES", "Model"]

#: Interval levels offered by the pages (any level in (0, 1) is valid in :class:`Model`).
LEVELS: tuple[float, ...] = (0.95, 0.9, 0.99)
#: Scales of the half-normal prior on τ of the Bayesian check.
PRIOR_SCALES: tuple[float, ...] = (0.5, 1.0)
#: Meta-regression is fitted by REML only (:func:`synthesis.meta_regression`).
REGRESSION_METHOD: Method = "REML"


@dataclass(frozen=True, slots=True)
class Model:
    """Every statistical choice of the pooled analysis.

    Defaults are the Pooled-efficacy page's: inverse-variance logit, REML τ², the ad hoc
    Hartung–Knapp–Sidik–Jonkman CI (metafor ``test="adhoc"``: scale factor max(1, q), t(k−1)
    quantile, so never narrower than the Wald interval and never of zero width; Knapp & Hartung
    2003, Röver, Knapp & Friede 2015, Jackson et al. 2017), t(k−1) prediction interval, τ²-based I², 95 %, Clopper–Pearson study
    intervals, half-normal(0.5) prior on τ for the Bayesian check.

    Fields are validated on construction (``ValueError`` naming the field and the allowed
    values). Under ``method="GLMM"`` the transform is the logit link whatever was asked
    (the binomial–normal model has no other scale).

    Examples
    --------
    >>> Model().pool_kwargs()["method"]
    'REML'
    >>> Model(method="PM").pool_kwargs()["ci_method"]
    'hksj-adhoc'
    >>> Model(method="GLMM", transform="raw").transform
    'logit'
    >>> Model(method="GLMM").iv_standin().method
    'REML'
    >>> Model(method="XYZ")
    Traceback (most recent call last):
    ...
    ValueError: method ('XYZ') must be one of 'CE', 'DL', 'REML', 'PM', 'ML', 'HE', 'SJ', 'EB' or 'GLMM'.
    """

    transform: Transform = "logit"
    method: Method = "REML"
    ci_method: CIMethod = "hksj-adhoc"
    pi_method: PIMethod = "t(k-1)"
    i2_definition: I2Definition = "tau2"
    level: float = 0.95
    study_ci_method: StudyCIMethod = "clopper-pearson"
    prior_scale: float = 0.5

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{name} ({value!r}) must be one of {choice_list(allowed)}.")
        level = _number("level", self.level)
        if not 0.0 < level < 1.0:
            raise ValueError(f"level ({self.level!r}) must be a number in (0, 1), e.g. 0.95.")
        scale = _number("prior_scale", self.prior_scale)
        if not any(math.isclose(scale, s) for s in PRIOR_SCALES):
            raise ValueError(
                f"prior_scale ({self.prior_scale!r}) must be one of {choice_list(PRIOR_SCALES)}."
            )
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "prior_scale", scale)
        if self.method == "GLMM" and self.transform != "logit":
            object.__setattr__(self, "transform", "logit")

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

    @property
    def is_glmm(self) -> bool:
        """Whether the pooled model is the one-step binomial–normal GLMM."""
        return self.method == "GLMM"

    def iv_standin(self) -> Model:
        """The inverse-variance model used where a GLMM has no analogue.

        Influence diagnostics, funnel/small-study tests and meta-regression need study-level
        estimates and variances; for a GLMM they use IV logit REML (the GLMM's scale, and the
        estimator closest to its ML fit). Any other model stands in for itself.
        """
        if not self.is_glmm:
            return self
        return replace(self, method="REML", transform="logit")

    def regression_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`synthesis.meta_regression` (REML; the GLMM's IV stand-in)."""
        m = self.iv_standin()
        return {"transform": m.transform, "method": REGRESSION_METHOD, "ci_method": m.ci_method,
                "level": m.level}

    def influence_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`synthesis.influence` (the GLMM's IV stand-in)."""
        m = self.iv_standin()
        return {"transform": m.transform, "method": m.method, "ci_method": m.ci_method}


def _number(name: str, value: object) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} ({value!r}) must be a number.") from None
    if isinstance(value, bool) or not math.isfinite(x):
        raise ValueError(f"{name} ({value!r}) must be a finite number.")
    return x
