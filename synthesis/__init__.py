"""Pure statistics for the apatinib sarcoma evidence dashboard (no Streamlit, no plotly).

Public names are resolved lazily from their modules (``_EXPORTS``), so each module can be
developed and imported on its own. See ``docs/ARCHITECTURE.md`` for the shared vocabulary.
"""

from __future__ import annotations

import importlib
from typing import Any

from synthesis.results import ConfidenceInterval
from synthesis.vocabulary import (
    CI_METHODS,
    I2_DEFINITIONS,
    LABELS,
    METHODS,
    PI_METHODS,
    STUDY_CI_METHODS,
    TRANSFORMS,
)

# name -> module that defines it
_EXPORTS: dict[str, str] = {
    # pooling of proportions (inverse variance and GLMM)
    "pool_proportions": "synthesis.meta",
    "PooledProportion": "synthesis.results",
    "transform_proportions": "synthesis.transforms",
    "back_transform": "synthesis.transforms",
    "study_intervals": "synthesis.study_ci",
    # Bayesian normal-normal model
    "bayes_pool": "synthesis.bayes",
    "BayesianPooledProportion": "synthesis.bayes",
    # heterogeneity structure, sensitivity and small-study tests
    "subgroup_analysis": "synthesis.subgroups",
    "meta_regression": "synthesis.metareg",
    "leave_one_out": "synthesis.sensitivity",
    "cumulative": "synthesis.sensitivity",
    "influence": "synthesis.sensitivity",
    "egger_test": "synthesis.bias",
    "begg_test": "synthesis.bias",
    "method_agreement": "synthesis.agreement",
    # trial design
    "simon_two_stage": "synthesis.design.simon",
    "single_stage_exact": "synthesis.design.single_stage",
    "operating_characteristics": "synthesis.design.simon",
    "en_by_n": "synthesis.design.simon",
    "one_sample_logrank": "synthesis.design.tte",
    "exponential_median_test": "synthesis.design.tte",
    "two_arm_cph": "synthesis.design.tte",
    "protocol_paragraph": "synthesis.design.paragraph",
    # survival: parametric curves through reported points
    "fit_exponential": "synthesis.survival_curves",
    "fit_weibull": "synthesis.survival_curves",
    "fit_parametric_curves": "synthesis.survival_curves",
    "reported_points": "synthesis.survival_curves",
    "implied_median_bounds": "synthesis.survival_curves",
    "SurvivalCurveFit": "synthesis.survival_curves",
    # survival: pooling of published medians
    "pool_log_medians": "synthesis.survival_medians",
    "median_of_medians": "synthesis.survival_medians",
    "headline_pool_method": "synthesis.survival_medians",
    "PooledMedian": "synthesis.survival_medians",
    # survival: pseudo individual data from a published Kaplan–Meier figure (Guyot)
    "reconstruct_ipd": "synthesis.km_reconstruction",
    "compare_arms": "synthesis.km_reconstruction",
    "KMReconstruction": "synthesis.km_reconstruction",
    # survival: summary survival curve across studies (Combescure)
    "summary_survival_curve": "synthesis.summary_survival",
    "SummarySurvivalCurve": "synthesis.summary_survival",
}

__all__ = [
    "CI_METHODS",
    "I2_DEFINITIONS",
    "LABELS",
    "METHODS",
    "PI_METHODS",
    "STUDY_CI_METHODS",
    "TRANSFORMS",
    "ConfidenceInterval",
    *_EXPORTS,
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'synthesis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
