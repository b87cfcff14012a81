"""Result objects: short repr, notebook HTML, one summary() schema, grouped views, findings.pool."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
from pathlib import Path

import pandas as pd
import pytest
from scipy import special

import findings
import synthesis
from synthesis.results import (
    SUMMARY_COLUMNS,
    Computation,
    ConfidenceInterval,
    Fit,
    Heterogeneity,
    Intervals,
    PooledProportion,
    PoolingComputation,
    StudyData,
)
from synthesis.survival_medians import MedianData, MedianFit
from synthesis.survival_milestones import RateData, RateFit

ROOT = Path(__file__).resolve().parents[2]
X, N = [12, 8, 15, 3, 20], [40, 35, 50, 30, 44]
MEDIANS = ([7.89, 3.5, 6.0], [4.56, 2.5, 4.1], [11.21, 4.8, 8.8])
RATES = ([0.509, 0.762, 0.6], [0.346, 0.60, 0.45], [0.65, 0.968, 0.73])


@pytest.mark.parametrize("kwargs", [{}, {"method": "GLMM"}, {"method": "CE", "transform": "raw"},
                                    {"method": "DL", "transform": "freeman-tukey", "ci_method": "t"}])
def test_pooled_repr_is_short_and_names_the_model(kwargs) -> None:
    res = synthesis.pool_proportions(X, N, labels=[f"s{i}" for i in range(5)], **kwargs)
    text = repr(res)
    assert len(text.splitlines()) <= 10 and len(text) < 600
    assert res.fit.method in text.splitlines()[0] and f"k={res.k}" in text
    html = res._repr_html_()
    assert "<table" in html and "Pooled proportion" in html


def test_pooled_proportion_stores_its_groups() -> None:
    """The storage is the groups (no flat float pairs), and every interval is a ConfidenceInterval."""
    assert [f.name for f in dataclasses.fields(PooledProportion)] == [
        "data", "fit", "heterogeneity", "intervals", "computation"]
    for kwargs in ({"method": "PM", "ci_method": "hksj"}, {"method": "GLMM"}):
        res = synthesis.pool_proportions(X, N, **kwargs)
        groups = [getattr(res, f.name) for f in dataclasses.fields(res)]
        assert [type(g) for g in groups] == [StudyData, Fit, Heterogeneity, Intervals, Computation]
        for g in groups:
            assert dataclasses.is_dataclass(g) and type(g).__dataclass_params__.frozen
            assert not [f.name for f in dataclasses.fields(g) if f.name.endswith(("_low", "_high"))]
        assert all(isinstance(getattr(res.intervals, f.name), ConfidenceInterval)
                   for f in dataclasses.fields(Intervals))
        with pytest.raises(dataclasses.FrozenInstanceError):
            res.fit.estimate = 0.5  # type: ignore[misc]


def test_the_notebook_page_lists_every_field_of_every_group() -> None:
    text = (ROOT / "docs" / "notebook.md").read_text(encoding="utf-8")
    for f in dataclasses.fields(PooledProportion):
        row = re.search(rf"^\| `res\.{f.name}` \| (.*) \|$", text, re.M)
        assert row, f.name
        listed = set(re.findall(r"`(\w+)`", row.group(1)))
        group = f.type if isinstance(f.type, type) else getattr(synthesis.results, f.type)
        props = {n for n, v in vars(group).items() if isinstance(v, property)}
        assert listed == {g.name for g in dataclasses.fields(group)} | props, f.name


#: The flat names PooledProportion answered before it stored its groups (fields and derived
#: properties), less the seven shortcuts.
FORMER_FLAT_NAMES = (
    "transform", "method", "ci_method", "pi_method", "i2_definition", "level", "events", "totals",
    "yi", "vi", "weights", "corrected", "ci_low", "ci_high", "pi_low", "pi_high", "estimate_t",
    "se_t", "ci_low_t", "ci_high_t", "pi_low_t", "pi_high_t", "statistic", "pvalue", "df",
    "tau2_ci_low", "tau2_ci_high", "h2", "q", "q_df", "q_pvalue", "correction_add",
    "correction_to", "converged", "fallback", "notes", "i2_tau2", "i2_q", "i2_ci_low",
    "i2_ci_high", "h2_ci_low", "h2_ci_high", "pi_df", "n_harmonic", "s2w", "typical_vi",
    "iterations", "q_lrt", "q_lrt_pvalue", "tau2_ci", "tau", "total_events", "total_n",
)


@pytest.mark.parametrize("name", FORMER_FLAT_NAMES)
def test_former_flat_names_are_gone(name: str) -> None:
    res = synthesis.pool_proportions(X, N)
    with pytest.raises(AttributeError, match=name):
        getattr(res, name)


def test_only_the_documented_shortcuts_are_public_besides_the_groups() -> None:
    public = {n for n in dir(PooledProportion) if not n.startswith("_")}
    groups = {f.name for f in dataclasses.fields(PooledProportion)}
    assert public - groups == {"estimate", "ci", "pi", "k", "labels", "tau2", "i2",
                               "summary", "to_frame", "model_label"}
    for name in ("estimate", "ci", "pi", "k", "labels", "tau2", "i2"):
        assert f"``{name}``" in PooledProportion.__doc__


#: Result classes still allowed a scalar ``*_low``/``*_high`` float pair, with the reason.
FLAT_PAIRS_ALLOWED = {
    "synthesis.meta.EffectsFit": "the engine's internal record; PooledProportion wraps it",
    "synthesis.design.simon.SimonDesign": "q_low/q_high bound the admissible weight range, not an estimate",
}


def test_result_intervals_are_confidence_intervals() -> None:
    """No result dataclass of synthesis stores an interval as two floats (arrays of per-study or
    per-coefficient bounds are fine)."""
    found = set()
    for info in pkgutil.walk_packages(synthesis.__path__, "synthesis."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != info.name or not dataclasses.is_dataclass(cls):
                continue
            pairs = [f.name for f in dataclasses.fields(cls)
                     if f.name.endswith(("_low", "_high")) and f.type in ("float", float)]
            if pairs:
                found.add(f"{info.name}.{name}")
    assert found == set(FLAT_PAIRS_ALLOWED)


def test_shortcuts_delegate_to_the_groups() -> None:
    res = synthesis.pool_proportions(X, N, method="PM", ci_method="hksj")
    assert res.ci is res.intervals.ci and res.pi is res.intervals.pi
    assert (res.estimate, res.k, res.labels) == (res.fit.estimate, res.data.k, res.data.labels)
    assert (res.tau2, res.i2) == (res.heterogeneity.tau2, res.heterogeneity.i2)
    assert res.heterogeneity.tau == pytest.approx(math.sqrt(res.tau2))
    assert res.intervals.ci.level == res.fit.level == 0.95
    assert (res.fit.method, res.fit.ci_method, res.data.k) == ("PM", "hksj", 5)
    low, high = res.intervals.ci_t
    assert res.summary().iloc[0, 2] == pytest.approx(float(special.expit(low)))


def _results():
    x, n = X, N
    yield synthesis.pool_proportions(x, n)
    yield synthesis.bayes_pool(x, n)
    yield synthesis.egger_test(x, n)
    yield synthesis.begg_test(x, n)
    yield synthesis.method_agreement(x, n)
    yield synthesis.subgroup_analysis(x, n, ["a", "a", "b", "b", "b"])
    yield synthesis.influence(x, n)
    yield synthesis.meta_regression(x, n, pd.DataFrame({"year": [2016, 2017, 2018, 2019, 2020]}))
    yield synthesis.pool_log_medians([4.0, 5.5, 6.1], ci_low=[3.0, 4.1, 4.4], ci_high=[5.5, 7.0, 8.2])
    yield synthesis.fit_weibull([(3.0, 0.8), (6.0, 0.55), (12.0, 0.3)])
    yield synthesis.median_of_medians([4.0, 5.5, 6.1])
    yield synthesis.pool_km_rates(*RATES, time=6)


def test_every_result_summary_has_one_schema() -> None:
    seen = set()
    for res in _results():
        table = res.summary()
        assert tuple(table.columns) == SUMMARY_COLUMNS, type(res).__name__
        seen.add(type(res).__name__)
    assert len(seen) >= 10


def test_findings_pool_is_one_call_on_the_builtin_data() -> None:
    res = findings.pool("orr", method="DL", ci_method="z")
    assert isinstance(res, synthesis.PooledProportion)
    assert (res.fit.method, res.fit.ci_method, res.k > 1) == ("DL", "z", True)
    with pytest.raises(TypeError, match="methd"):
        findings.pool("ORR", methd="DL")
    with pytest.raises(ValueError, match="method"):
        findings.pool("ORR", method="XYZ")
    with pytest.raises(ValueError, match="no study matches"):
        findings.pool("ORR", histology=["no such histology"])


def test_the_notebook_example_in_docs_runs() -> None:
    text = (ROOT / "docs" / "notebook.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/notebook.md", "exec"), namespace)
    assert isinstance(namespace["res"], synthesis.PooledProportion)


def test_every_result_has_a_short_repr_and_notebook_html() -> None:
    for res in _results():
        text = repr(res)
        assert len(text.splitlines()) <= 10, type(res).__name__
        assert text.startswith(type(res).__name__)
        assert "<table" in res._repr_html_()


# --- the other pooled results: the same structure where the groups make sense ----------------
def _nested_results():
    """(result, group names, group classes, shortcuts) of every grouped pooled result."""
    from synthesis.bayes import BayesComputation, CredibleIntervals, Posterior, Prior

    yield (synthesis.bayes_pool(X, N, labels=[f"s{i}" for i in range(5)]),
           {"data": StudyData, "prior": Prior, "posterior": Posterior,
            "intervals": CredibleIntervals, "computation": BayesComputation},
           ("estimate", "ci", "pi", "k", "labels"))
    median_groups = {"data": MedianData, "fit": MedianFit, "heterogeneity": Heterogeneity,
                     "intervals": Intervals, "computation": PoolingComputation}
    seven = ("estimate", "ci", "pi", "k", "labels", "tau2", "i2")
    yield (synthesis.pool_log_medians(*MEDIANS, method="DL", labels=list("abc")), median_groups, seven)
    yield (synthesis.median_of_medians(MEDIANS[0]), median_groups, seven)
    yield (synthesis.pool_km_rates(*RATES, time=6),
           {"data": RateData, "fit": RateFit, "heterogeneity": Heterogeneity, "intervals": Intervals,
            "computation": PoolingComputation}, seven)


def test_grouped_results_store_frozen_groups_and_confidence_intervals() -> None:
    for res, groups, shortcuts in _nested_results():
        cls = type(res)
        assert {f.name: type(getattr(res, f.name)) for f in dataclasses.fields(cls)} == groups
        for name in groups:
            g = getattr(res, name)
            assert type(g).__dataclass_params__.frozen, (cls.__name__, name)
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(g, dataclasses.fields(g)[0].name, None)
        iv = res.intervals
        assert all(isinstance(getattr(iv, f.name), ConfidenceInterval) for f in dataclasses.fields(iv))
        public = {n for n in dir(cls) if not n.startswith("_")} - set(groups)
        props = {n for n in public if isinstance(getattr(cls, n), property)}
        assert props == set(shortcuts), cls.__name__
        for name in shortcuts:
            assert f"``{name}``" in cls.__doc__, (cls.__name__, name)
        text = repr(res)
        assert len(text.splitlines()) <= 10 and text.startswith(cls.__name__)
        assert all(f".{g}" in text.splitlines()[-1] for g in groups)
        assert "<table" in res._repr_html_()
        assert tuple(res.summary().columns) == SUMMARY_COLUMNS


def test_only_results_stored_in_groups_name_groups_in_their_repr() -> None:
    """A result holding one nested result among plain fields (subgroups' ``overall``) is not
    stored in groups: its repr keeps its eight summary rows and names no groups."""
    res = synthesis.subgroup_analysis(X, N, ["a", "a", "b", "b", "b"])
    assert dataclasses.is_dataclass(res.overall) and ".summary() table" not in repr(res)


def test_bayesian_shortcuts_delegate_to_the_groups() -> None:
    res = synthesis.bayes_pool(X, N, tau_prior_scale=1.0, labels=list("abcde"))
    assert res.ci is res.intervals.ci and res.pi is res.intervals.pi
    assert (res.estimate, res.k, res.labels) == (res.posterior.estimate, 5, tuple("abcde"))
    assert res.estimate == pytest.approx(float(special.expit(res.posterior.estimate_t)))
    assert res.intervals.tau.level == res.posterior.level == 0.95
    assert res.prior.label == "Bayes HN(1)" and res.computation.grid_points > 1000
    assert all(map(math.isnan, res.data.weights)) and res.data.total_n == sum(N)
    with pytest.raises(ValueError, match="labels"):
        synthesis.bayes_pool(X, N, labels=["a"])


#: BayesianPooledProportion's flat names before it stored its groups, less its five shortcuts.
BAYES_FORMER_FLAT_NAMES = (
    "tau_prior_scale", "mu_prior_mean", "mu_prior_sd", "level", "interval", "add", "events",
    "totals", "yi", "vi", "estimate_t", "mean_t", "sd_t", "ci_t", "pi_t", "tau_median", "tau_ci",
    "tau_mean", "notes", "method",
)


@pytest.mark.parametrize("name", BAYES_FORMER_FLAT_NAMES)
def test_bayesian_former_flat_names_are_gone(name: str) -> None:
    res = synthesis.bayes_pool(X, N)
    with pytest.raises(AttributeError, match=name):
        getattr(res, name)


def test_median_shortcuts_delegate_to_the_groups() -> None:
    res = synthesis.pool_log_medians(*MEDIANS, method="PM", ci_method="hksj")
    assert res.ci is res.intervals.ci and res.pi is res.intervals.pi
    assert (res.estimate, res.k, res.labels) == (res.fit.estimate, 3, res.data.labels)
    assert (res.tau2, res.i2) == (res.heterogeneity.tau2, res.heterogeneity.i2)
    assert res.estimate == pytest.approx(math.exp(res.fit.estimate_log))
    assert tuple(res.ci) == pytest.approx(tuple(math.exp(b) for b in res.intervals.ci_t))
    assert res.fit.inverse_variance and res.fit.df == 2.0 and res.computation.converged
    mom = synthesis.median_of_medians([7.93, 8.84, 7.89, 4.5, 3.5, 6.0, 5.8, 4.0])
    assert not mom.fit.inverse_variance and mom.fit.coverage > 0.95
    assert tuple(mom.intervals.ci_t) == pytest.approx((math.log(3.5), math.log(8.84)))
    assert math.isnan(mom.tau2) and math.isnan(mom.intervals.tau2.low)


#: PooledMedian's flat names before it stored its groups, less its seven shortcuts.
MEDIAN_FORMER_FLAT_NAMES = (
    "method", "ci_method", "level", "medians", "study_ci_low", "study_ci_high", "weights", "yi",
    "sei", "estimate_log", "se_log", "q", "q_df", "q_pvalue", "excluded", "coverage", "converged",
    "notes", "pi_method", "tau2_ci", "df", "inverse_variance",
)


@pytest.mark.parametrize("name", MEDIAN_FORMER_FLAT_NAMES)
def test_median_former_flat_names_are_gone(name: str) -> None:
    for res in (synthesis.pool_log_medians(*MEDIANS), synthesis.median_of_medians(MEDIANS[0])):
        with pytest.raises(AttributeError, match=name):
            getattr(res, name)


def test_rate_shortcuts_delegate_to_the_groups() -> None:
    res = synthesis.pool_km_rates(*RATES, time=6, scale="logit", ci_method="z")
    assert res.ci is res.intervals.ci and res.pi is res.intervals.pi
    assert (res.estimate, res.k, res.labels) == (res.fit.estimate, 3, res.data.labels)
    assert (res.tau2, res.i2) == (res.heterogeneity.tau2, res.heterogeneity.i2)
    assert res.estimate == pytest.approx(float(special.expit(res.fit.estimate_t)))
    assert tuple(res.ci) == pytest.approx(tuple(special.expit(b) for b in res.intervals.ci_t))
    assert (res.data.time, res.fit.scale, res.heterogeneity.q_df) == (6.0, "logit", 2)
    assert res.summary().loc[0, "quantity"] == "Pooled rate at 6 months"


#: PooledRate's flat names before it stored its groups, less its seven shortcuts.
RATE_FORMER_FLAT_NAMES = (
    "time", "scale", "method", "ci_method", "level", "rates", "yi", "sei", "se_source", "weights",
    "study_ci_low", "study_ci_high", "q", "q_pvalue", "excluded", "notes",
)


@pytest.mark.parametrize("name", RATE_FORMER_FLAT_NAMES)
def test_rate_former_flat_names_are_gone(name: str) -> None:
    res = synthesis.pool_km_rates(*RATES, time=6)
    with pytest.raises(AttributeError, match=name):
        getattr(res, name)
