"""synthesis.subgroups against metafor 3.8-1 (JSON) and meta 8.3-0 (dat.debruin2009 (metadat))."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthesis.subgroups import subgroup_analysis

D = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "metafor_glmm_extras.json").read_text()
)
REF = D["subgroups"]
ETH = D["metareg"]["ethnicity"]
XI = [11, 24, 179, 82, 60, 11, 99, 9, 88, 17, 26, 23, 40]
NI = [29, 33, 326, 240, 110, 29, 244, 17, 215, 26, 138, 55, 54]


@pytest.mark.parametrize(("key", "ci"), [("debruin_eth_z", "z"), ("debruin_eth_knha", "hksj")])
@pytest.mark.parametrize("mode", ["separate", "common"])
def test_matches_metafor(key, ci, mode) -> None:
    r = REF[key]
    res = subgroup_analysis(XI, NI, ETH, tau2_mode=mode, ci_method=ci)
    for g in res.groups:
        rg = r["groups"][g]
        assert res[g].fit.estimate_t == pytest.approx(rg["b"], rel=1e-8)
        assert res[g].intervals.ci_t.low == pytest.approx(rg["ci_lb"], rel=1e-8)
        assert res[g].tau2 == pytest.approx(rg["tau2"], rel=1e-6)
    if mode == "separate":
        assert res.q_between == pytest.approx(r["Qb_separate"], rel=1e-8)
        assert res.q_between_pvalue == pytest.approx(r["Qbp_separate"], rel=1e-6)
    else:
        assert res.q_between == pytest.approx(r["QM_common"], rel=1e-8)
        assert res.q_between_pvalue == pytest.approx(r["QMp_common"], rel=1e-6)


def test_published_meta_hk_rows() -> None:
    # dat.debruin2009 (metadat) (meta 8.3-0: IV PLOGIT, REML, HK): other 0.3991 [0.2508, 0.5686];
    # caucasian 0.5503 [0.4308, 0.6643]; Q between 3.2909, p = 0.0697
    res = subgroup_analysis(XI, NI, ETH, ci_method="hksj")
    assert (res["other"].estimate, res["other"].ci.low, res["other"].ci.high) == pytest.approx(
        (0.3991, 0.2508, 0.5686), abs=5e-5)
    assert (res["caucasian"].estimate, res["caucasian"].ci.low, res["caucasian"].ci.high) == pytest.approx(
        (0.5503, 0.4308, 0.6643), abs=5e-5)
    assert res.q_between == pytest.approx(3.2909, abs=5e-5)
    assert res.q_between_pvalue == pytest.approx(0.0697, abs=5e-5)
    frame = res.to_frame()
    assert frame["group"].tolist() == ["other", "caucasian", "Overall"]


def test_validation() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        subgroup_analysis([1, 2], [5, 6], ["a", "a"])
    with pytest.raises(ValueError, match="groups must have"):
        subgroup_analysis([1, 2], [5, 6], ["a"])


def test_published_meta_glmm_rows() -> None:
    # dat.debruin2009 (metadat) (meta 8.3-0: meta 8.3-0 GLMM, random effects): other 0.3979 [0.2831, 0.5252],
    # tau² 0.4102; caucasian 0.5485 [0.4599, 0.6340], tau² 0.1100; Q between 3.6361, p = 0.0565
    res = subgroup_analysis(XI, NI, ETH, method="GLMM")
    o, c = res["other"], res["caucasian"]
    assert (o.estimate, o.ci.low, o.ci.high, o.tau2) == pytest.approx(
        (0.3979, 0.2831, 0.5252, 0.4102), abs=5e-5)
    assert (c.estimate, c.ci.low, c.ci.high, c.tau2) == pytest.approx(
        (0.5485, 0.4599, 0.6340, 0.1100), abs=5e-5)
    assert res.q_between == pytest.approx(3.6361, abs=5e-5)
    assert res.q_between_pvalue == pytest.approx(0.0565, abs=5e-5)
