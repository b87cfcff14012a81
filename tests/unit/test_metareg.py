"""synthesis.metareg against metafor 3.8-1 rma(mods=) (tests/reference/metafor_glmm_extras.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthesis.metareg import meta_regression

REF = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "metafor_glmm_extras.json").read_text()
)["metareg"]
XI = [11, 24, 179, 82, 60, 11, 99, 9, 88, 17, 26, 23, 40]
NI = [29, 33, 326, 240, 110, 29, 244, 17, 215, 26, 138, 55, 54]
MODS = pd.DataFrame({"scq": REF["scq"], "ethnicity": REF["ethnicity"]})


@pytest.mark.parametrize(
    ("key", "transform", "ci", "mods"),
    [("debruin_pr_z", "raw", "z", MODS), ("debruin_plo_z", "logit", "z", MODS),
     ("debruin_plo_knha", "logit", "hksj", MODS), ("debruin_plo_scq_z", "logit", "z", MODS[["scq"]])],
)
def test_matches_metafor(key, transform, ci, mods) -> None:
    r = REF[key]
    res = meta_regression(XI, NI, mods, transform=transform, ci_method=ci)
    np.testing.assert_allclose(res.coef, r["coef"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.se, r["se"], rtol=1e-8)
    np.testing.assert_allclose(res.pvalue, r["pval"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(res.ci_low, r["ci_lb"], rtol=1e-8, atol=1e-10)
    assert res.tau2 == pytest.approx(r["tau2"], rel=1e-8)
    assert res.qe == pytest.approx(r["QE"], rel=1e-8)
    assert res.qm == pytest.approx(r["QM"], rel=1e-8)
    assert res.qm_pvalue == pytest.approx(r["QMp"], rel=1e-6)
    assert res.r2 == pytest.approx(r["R2"], abs=1e-6)
    assert res.i2 == pytest.approx(r["I2"], abs=1e-6)


def test_published_debruin_pr() -> None:
    # dat.debruin2009 (metadat) (package documentation: metafor docs, PR, REML, mods = ~ scq + ethnicity):
    # 0.430 (0.075), 0.011 (0.005), -0.196 (0.072); tau² 0.012; QE 53.525; QM 10.333; R² 48.39 %
    res = meta_regression(XI, NI, MODS, transform="raw")
    assert res.coef == pytest.approx([0.430, 0.011, -0.196], abs=5e-4)
    assert res.se == pytest.approx([0.075, 0.005, 0.072], abs=5e-4)
    assert res.tau2 == pytest.approx(0.012, abs=5e-4)
    assert res.qe == pytest.approx(53.525, abs=5e-4)
    assert res.qm == pytest.approx(10.333, abs=5e-4)
    assert res.r2 == pytest.approx(48.39, abs=5e-3)
    assert res.to_frame()["term"].tolist() == ["intercept", "scq", "ethnicity[other]"]


def test_validation() -> None:
    with pytest.raises(ValueError, match="rows"):
        meta_regression(XI, NI, MODS.iloc[:5])
    with pytest.raises(ValueError, match="more studies"):
        meta_regression([1, 2], [5, 6], pd.DataFrame({"a": [1.0, 2.0]}))
