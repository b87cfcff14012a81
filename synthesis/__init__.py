"""Pure statistics for the apatinib sarcoma evidence dashboard (no Streamlit, no plotly).

The public names below are imported eagerly from their modules (scipy's pattern), so readers, IDEs
and type checkers see where each lives. See ``docs/ARCHITECTURE.md`` for the shared vocabulary
(:mod:`synthesis.vocabulary`) and :class:`synthesis.spec.Model`.

Examples
--------
>>> import synthesis
>>> res = synthesis.pool_proportions([12, 8, 15], [40, 35, 50], method="DL")
>>> round(res.estimate, 4)
0.2813
"""

from __future__ import annotations

import importlib
from typing import Any

from synthesis.agreement import method_agreement
from synthesis.bayes import BayesianPooledProportion, bayes_pool
from synthesis.bias import begg_test, egger_test
from synthesis.design.paragraph import protocol_paragraph
from synthesis.design.simon import en_by_n, operating_characteristics, simon_two_stage
from synthesis.design.single_stage import single_stage_exact
from synthesis.design.tte import exponential_median_test, one_sample_logrank, two_arm_cph
from synthesis.meta import pool_proportions
from synthesis.metareg import meta_regression
from synthesis.results import ConfidenceInterval, PooledProportion
from synthesis.sensitivity import cumulative, influence, leave_one_out
from synthesis.spec import Model
from synthesis.study_ci import study_intervals
from synthesis.subgroups import subgroup_analysis
from synthesis.summary_survival import SummarySurvivalCurve, summary_survival_curve
from synthesis.survival_curves import (
    SurvivalCurveFit,
    fit_exponential,
    fit_parametric_curves,
    fit_weibull,
    implied_median_bounds,
    reported_points,
)
from synthesis.survival_medians import (
    PooledMedian,
    headline_pool_method,
    median_of_medians,
    pool_log_medians,
)
from synthesis.survival_milestones import PooledRate, pool_km_rates
from synthesis.transforms import back_transform, transform_proportions
from synthesis.vocabulary import (
    CI_METHODS,
    I2_DEFINITIONS,
    LABELS,
    METHODS,
    PI_METHODS,
    STUDY_CI_METHODS,
    TRANSFORMS,
)

#: Imported on first use: Kaplan–Meier reconstruction needs lifelines, which adds about 0.5 s
#: to ``import synthesis`` (``python -X importtime``) for the one page and report that use it.
_LAZY = dict.fromkeys(("reconstruct_ipd", "compare_arms", "KMReconstruction"), "synthesis.km_reconstruction")

__all__ = [
    "CI_METHODS", "I2_DEFINITIONS", "LABELS", "METHODS", "PI_METHODS", "STUDY_CI_METHODS",
    "TRANSFORMS", "ConfidenceInterval", "Model",
    "pool_proportions", "PooledProportion", "transform_proportions", "back_transform",
    "study_intervals", "bayes_pool", "BayesianPooledProportion", "subgroup_analysis",
    "meta_regression", "leave_one_out", "cumulative", "influence", "egger_test", "begg_test",
    "method_agreement", "simon_two_stage", "single_stage_exact", "operating_characteristics",
    "en_by_n", "one_sample_logrank", "exponential_median_test", "two_arm_cph",
    "protocol_paragraph", "fit_exponential", "fit_weibull", "fit_parametric_curves",
    "reported_points", "implied_median_bounds", "SurvivalCurveFit", "pool_log_medians",
    "median_of_medians", "headline_pool_method", "PooledMedian", "reconstruct_ipd", "compare_arms",
    "KMReconstruction", "summary_survival_curve", "SummarySurvivalCurve", "pool_km_rates", "PooledRate",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'synthesis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
