"""synthesis.agreement: rows equal the direct model calls; spread and warnings follow the data."""

from __future__ import annotations

import pytest

from synthesis.agreement import MODELS, method_agreement
from synthesis.bayes import bayes_pool
from synthesis.meta import pool_proportions

K4 = ([4, 3, 2, 1], [10, 20, 30, 40])
ORR = ([35, 10, 2, 2, 16, 7, 9, 6, 6, 9, 9, 11, 8, 9, 13],
       [56, 59, 10, 33, 37, 27, 43, 33, 6, 21, 26, 54, 30, 37, 49])
IV = ["IV logit REML, z", "IV logit REML, HKSJ", "IV logit DL, z", "IV Freeman–Tukey REML, z"]


def test_rows_equal_direct_calls_and_spread() -> None:
    res = method_agreement(*K4, models=[*IV, "Bayes HN(0.5)"])
    f = res.to_frame()
    direct = [pool_proportions(*K4, **MODELS[m][1]).estimate for m in IV]
    direct.append(bayes_pool(*K4, tau_prior_scale=0.5).estimate)
    assert f["estimate"].tolist() == pytest.approx(direct, rel=1e-12)
    assert res.spread_pp == pytest.approx(100 * (max(direct) - min(direct)))
    # meta's help example metaprop(4:1, 10*1:4) (metafor 3.8-1): IV PLOGIT REML z 0.1210 [0.0362, 0.3351]
    row = f.set_index("model").loc["IV logit REML, z"]
    assert (row.estimate, row.ci_low, row.ci_high) == pytest.approx((0.1210, 0.0362, 0.3351), abs=5e-5)


def test_small_k_warnings() -> None:
    res = method_agreement(*K4, models=IV)
    text = " ".join(res.warnings)
    assert "Very few studies (k = 4)" in text and "Bender" in text
    assert "Lin, Xu & Chu 2022" in text  # crude rate 10 %
    assert "widest" in text  # HKSJ interval > 2x the z interval


def test_divergence_region_rules() -> None:
    res = method_agreement([2, 3, 1, 2, 1], [8, 9, 7, 10, 9], models=["IV logit REML, z"])
    w = [s for s in res.warnings if "Lin, Xu & Chu" in s][0]
    assert "total n = 43 < 50" in w and "9 events < 10" in w


def test_full_run_on_project_orr() -> None:
    res = method_agreement(*ORR)
    f = res.to_frame()
    assert len(f) == len(MODELS)
    assert f["converged"].all()
    assert not any("Very few studies" in s for s in res.warnings)
    assert res.spread_pp < 5  # the models agree within 1.5 points on the ORR data
    assert f.loc[f["model"] == "GLMM (ML), z", "i2"].notna().all()


def test_validation() -> None:
    with pytest.raises(ValueError, match="models entry"):
        method_agreement(*K4, models=["nope"])
