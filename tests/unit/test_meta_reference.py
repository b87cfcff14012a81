"""synthesis.meta against R metafor 3.8-1 (tests/reference/metafor_reference.json).

Every number compared here was produced by ``tests/reference/make_metafor_reference.R``; the tests
hold no expected values of their own. Tolerances and their rationale: tests/reference/README.md.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from synthesis.meta import pool_proportions
from synthesis.study_ci import study_intervals
from synthesis.transforms import transform_proportions
from synthesis.vocabulary import CI_METHODS, METHODS, TRANSFORMS

REF_PATH = Path(__file__).resolve().parents[1] / "reference" / "metafor_reference.json"
REF = json.loads(REF_PATH.read_text())

#: the numerical controls the R script passed to rma(); ours must match them
CONTROL = {
    "threshold": REF["rma_control"]["threshold"],
    "maxiter": REF["rma_control"]["maxiter"],
    "tol": REF["rma_control"]["tol"],
}
#: absolute tolerance on the transformed scale (README: observed differences are < 1e-11)
ATOL = 1e-8
#: tolerance for chi-square / t based p-values and percentages (I², weights) of order 1–100
ATOL_PCT = 1e-7

IV_METHODS = tuple(m for m in METHODS if m != "GLMM")
PI_KEYS = {"pi_t": "metafor", "pi_t_tk1": "t(k-1)", "pi_t_riley": "t(k-2)", "pi_t_z": "z"}

REQUIRED_DATASETS = (
    "pritz1997",
    "debruin2009",
    "metaprop_4_1",
    "miller1978",
    "miller1978_b",
    "debruin_k1",
    "debruin_k2",
    "debruin_k3",
    "debruin_k5",
    "zero_and_full",
    "project_orr",
    "project_orr_s4_final",
    "project_dcr",
)


def _arr(values) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


def _close(name: str, ours, theirs, atol: float, problems: list[str]) -> None:
    a = np.atleast_1d(np.asarray(ours, dtype=float))
    b = _arr(theirs)
    if a.shape != b.shape or not np.allclose(a, b, rtol=0.0, atol=atol, equal_nan=True):
        problems.append(f"{name}: ours {a.tolist()} vs metafor {b.tolist()}")


def _fit_id(f: dict) -> str:
    return f"{f['dataset']}-{f['transform']}-{f['method']}-{f['ci_method']}"


def _fit(f: dict, **kw):
    ds = REF["datasets"][f["dataset"]]
    return pool_proportions(
        ds["xi"],
        ds["ni"],
        transform=f["transform"],
        method=f["method"],
        ci_method=f["ci_method"],
        control=CONTROL,
        **kw,
    )


def test_reference_records_versions() -> None:
    assert REF["metafor_version"].startswith("3.8")
    assert REF["r_version"].startswith("R version")
    assert REF["level"] == 0.95
    assert {f["level"] for f in REF["level90"]} == {0.9}


def test_reference_covers_every_combination() -> None:
    """Every dataset x transform x estimator x CI method is present, fitted, and fully populated."""
    assert set(REQUIRED_DATASETS) <= set(REF["datasets"])
    seen = {(f["dataset"], f["transform"], f["method"], f["ci_method"]) for f in REF["fits"]}
    wanted = set(itertools.product(REQUIRED_DATASETS, TRANSFORMS, IV_METHODS, CI_METHODS))
    assert wanted <= seen, sorted(wanted - seen)[:5]
    assert len(REF["fits"]) == len(seen), "duplicate fits in the reference"
    for f in REF["fits"]:
        assert "error" not in f, (_fit_id(f), f.get("error"))
        for key in ("estimate_t", "se_t", "ci_t", "tau2", "Q", "I2", "I2_Q", "H2", "weights"):
            assert key in f, (_fit_id(f), key)
        assert "estimate" in f and "ci" in f, _fit_id(f)
        if f["k"] > 1 and f["method"] != "CE":
            for key in ("tau2_ci", "I2_ci", "H2_ci", *PI_KEYS):
                assert key in f, (_fit_id(f), key)
        if f["transform"] == "freeman-tukey":
            assert "n_harmonic" in f
    for name in REQUIRED_DATASETS:
        assert set(REF["escalc"][name]) == set(TRANSFORMS)
    # the project's headline counts are in the reference as given in the brief
    orr = REF["datasets"]["project_orr"]
    assert dict(zip(orr["labels"], zip(orr["xi"], orr["ni"], strict=True), strict=True))["S4"] == (
        2,
        33,
    )
    s4_final = REF["datasets"]["project_orr_s4_final"]
    assert s4_final["xi"][s4_final["labels"].index("S4")] == 0


@pytest.mark.parametrize(
    ("name", "transform"),
    [(d, t) for d in REQUIRED_DATASETS for t in TRANSFORMS],
)
def test_escalc_matches(name: str, transform: str) -> None:
    ds = REF["datasets"][name]
    ref = REF["escalc"][name][transform]
    tp = transform_proportions(ds["xi"], ds["ni"], transform)
    np.testing.assert_allclose(tp.yi, _arr(ref["yi"]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(tp.vi, _arr(ref["vi"]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("f", REF["fits"], ids=_fit_id)
def test_pool_proportions_matches_metafor(f: dict) -> None:
    r = _fit(f)
    problems: list[str] = []
    k = f["k"]
    _close("estimate_t", r.fit.estimate_t, f["estimate_t"], ATOL, problems)
    _close("se_t", r.fit.se_t, f["se_t"], ATOL, problems)
    _close("weights", r.data.weights, f["weights"], ATOL_PCT, problems)
    _close("estimate", r.estimate, f["estimate"], ATOL, problems)
    if k == 1:
        # metafor k = 1: tau² 0; our convention: the study's own Wald z interval, tau² NaN (RE)
        assert f["tau2"] == 0
        assert math.isnan(r.tau2) or f["method"] == "CE"
        # metafor also falls back to test="z" at k = 1 ("Setting argument test='z' since k=1")
        _close("ci_t", [r.intervals.ci_t.low, r.intervals.ci_t.high], f["ci_t"], ATOL, problems)
        assert math.isnan(r.pi.low) and math.isnan(r.pi.high)
        assert not problems, "\n".join(problems)
        return
    _close("tau2", r.tau2, f["tau2"], ATOL, problems)
    warnings = f.get("warnings") or []
    warnings = [warnings] if isinstance(warnings, str) else warnings
    stuck_r = any("stuck at a local maximum" in w for w in warnings)
    stuck_ours = any("stuck at a local maximum" in n for n in r.computation.notes)
    assert stuck_r == stuck_ours, "ll0check (tau² set to 0) must fire exactly when metafor's does"
    _close("ci_t", [r.intervals.ci_t.low, r.intervals.ci_t.high], f["ci_t"], ATOL, problems)
    ci_ref = _arr(f["ci"])
    if f["transform"] in ("raw", "log"):
        ci_ref = np.clip(ci_ref, 0.0, 1.0)  # our documented clipping of raw/log
    _close("ci", [r.ci.low, r.ci.high], ci_ref, ATOL, problems)
    _close("statistic", r.fit.statistic, f["statistic"], 1e-6, problems)
    _close("pvalue", r.fit.pvalue, f["pvalue"], ATOL_PCT, problems)
    if f["df"] is not None:
        assert r.fit.df == f["df"]
    else:
        assert math.isinf(r.fit.df)
    _close("s2w", r.computation.s2w, f["s2w"], ATOL, problems)
    _close("Q", r.heterogeneity.q, f["Q"], ATOL_PCT, problems)
    _close("Q_pvalue", r.heterogeneity.q_pvalue, f["Q_pvalue"], ATOL_PCT, problems)
    _close("I2", r.i2, f["I2"], ATOL_PCT, problems)
    _close("I2_tau2", r.heterogeneity.i2_tau2, f["I2"], ATOL_PCT, problems)
    _close("I2_Q", r.heterogeneity.i2_q, f["I2_Q"], ATOL_PCT, problems)
    _close("H2", r.heterogeneity.h2, f["H2"], ATOL_PCT, problems)
    if f["method"] == "CE":
        assert math.isnan(r.pi.low) and math.isnan(r.pi.high)
        assert math.isnan(r.intervals.tau2.low)
    else:
        _close("tau2_ci", [r.intervals.tau2.low, r.intervals.tau2.high], f["tau2_ci"], ATOL, problems)
        _close("I2_ci", [r.intervals.i2.low, r.intervals.i2.high], f["I2_ci"], ATOL_PCT, problems)
        _close("H2_ci", [r.intervals.h2.low, r.intervals.h2.high], f["H2_ci"], ATOL_PCT, problems)
        _close("pi_t", [r.intervals.pi_t.low, r.intervals.pi_t.high], f["pi_t"], ATOL, problems)
        pi_ref = _arr(f["pi"])
        if f["transform"] in ("raw", "log"):
            pi_ref = np.clip(pi_ref, 0.0, 1.0)
        _close("pi", [r.pi.low, r.pi.high], pi_ref, ATOL, problems)
        for key, pm in PI_KEYS.items():
            if key == "pi_t":
                continue
            rp = _fit(f, pi_method=pm, tau2_ci=False)
            if pm == "t(k-2)" and k < 3:
                # metafor floors the df at 1; we return NaN with a note (README)
                assert math.isnan(rp.intervals.pi_t.low) and any("k − 2" in n for n in rp.computation.notes)
                continue
            _close(key, [rp.intervals.pi_t.low, rp.intervals.pi_t.high], f[key], ATOL, problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "f", REF["default_control"], ids=lambda f: f"{f['dataset']}-{f['method']}-default"
)
def test_default_control_reproduces_metafor_defaults(f: dict) -> None:
    """With metafor's default threshold (1e-5) we stop at the same Fisher-scoring iterate."""
    ds = REF["datasets"][f["dataset"]]
    r = pool_proportions(ds["xi"], ds["ni"], transform=f["transform"], method=f["method"])
    assert r.tau2 == pytest.approx(f["tau2"], abs=1e-10)
    assert r.fit.estimate_t == pytest.approx(f["estimate_t"], abs=1e-10)
    assert r.fit.se_t == pytest.approx(f["se_t"], abs=1e-10)


@pytest.mark.parametrize("name", sorted(REF["study_ci"]))
def test_study_intervals_match_r(name: str) -> None:
    s = REF["study_ci"][name]
    cp = study_intervals(s["xi"], s["ni"], method="clopper-pearson")
    np.testing.assert_allclose(cp["ci_low"], s["cp_low"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(cp["ci_high"], s["cp_high"], rtol=0, atol=1e-10)
    ws = study_intervals(s["xi"], s["ni"], method="wilson")
    np.testing.assert_allclose(ws["ci_low"], s["wilson_low"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(ws["ci_high"], s["wilson_high"], rtol=0, atol=1e-10)
    cp90 = study_intervals(s["xi"], s["ni"], level=0.9)
    np.testing.assert_allclose(cp90["ci_low"], s["cp90_low"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(cp90["ci_high"], s["cp90_high"], rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "f",
    REF["level90"],
    ids=lambda f: f"{f['dataset']}-{f['transform']}-{f['method']}-{f['ci_method']}-90",
)
def test_level_90_matches_metafor(f: dict) -> None:
    problems: list[str] = []
    for pi_method, key in (("metafor", "pi_t"), ("t(k-2)", "pi_t_riley")):
        r = _fit(f, level=f["level"], pi_method=pi_method)
        _close("estimate_t", r.fit.estimate_t, f["estimate_t"], ATOL, problems)
        _close("se_t", r.fit.se_t, f["se_t"], ATOL, problems)
        _close("ci_t", [r.intervals.ci_t.low, r.intervals.ci_t.high], f["ci_t"], ATOL, problems)
        _close(key, [r.intervals.pi_t.low, r.intervals.pi_t.high], f[key], ATOL, problems)
        _close("tau2", r.tau2, f["tau2"], ATOL, problems)
        _close("tau2_ci", [r.intervals.tau2.low, r.intervals.tau2.high], f["tau2_ci"], ATOL, problems)
        assert r.fit.level == 0.9 and r.ci.level == 0.9
    assert not problems, "\n".join(problems)
