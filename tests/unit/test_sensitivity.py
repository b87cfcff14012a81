"""synthesis.sensitivity against metafor 3.8-1 leave1out/cumul/influence/baujat on dat.pritz1997."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synthesis.sensitivity import cumulative, influence, leave_one_out

REF = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "metafor_glmm_extras.json").read_text()
)["sensitivity"]
XI = [16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6]
NI = [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]


def close(a, b, tol=1e-9):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=tol, atol=tol)


@pytest.mark.parametrize(("key", "ci"), [("leave1out", "z"), ("leave1out_knha", "hksj")])
def test_leave_one_out(key, ci) -> None:
    r = REF[key]
    f = leave_one_out(XI, NI, ci_method=ci)
    close(f["estimate_t"], r["estimate"])
    close(f["se_t"], r["se"])
    close(f["ci_low_t"], r["ci.lb"])
    close(f["ci_high_t"], r["ci.ub"])
    close(f["pvalue"], r["pval"])
    close(f["tau2"], r["tau2"])
    close(f["i2"], r["I2"])
    close(f["q"], r["Q"])


@pytest.mark.parametrize(("key", "order"), [("cumul", None), ("cumul_rev", list(range(13, -1, -1)))])
def test_cumulative(key, order) -> None:
    r = REF[key]
    f = cumulative(XI, NI, order=order)
    close(f["estimate_t"], r["estimate"])
    close(f["ci_low_t"], r["ci.lb"])
    # k = 1 (first row): metafor reports tau² = 0, synthesis.meta NaN (no tau² with one study)
    close(f["tau2"].iloc[1:], r["tau2"][1:])
    close(f["q"].iloc[1:], r["Q"][1:])
    assert f["k"].tolist() == list(range(1, 15))


def test_influence_and_baujat() -> None:
    r = REF["influence"]
    inf = influence(XI, NI)
    for mine, theirs in [("rstudent", "rstudent"), ("dffits", "dffits"), ("cook_d", "cook.d"),
                         ("cov_r", "cov.r"), ("tau2_del", "tau2.del"), ("qe_del", "QE.del"),
                         ("hat", "hat"), ("weight", "weight")]:
        close(getattr(inf, mine), r[theirs])
    close(inf.dfbetas, REF["dfbs"]["intrcpt"])
    close(inf.baujat_x, REF["baujat"]["x"])
    close(inf.baujat_y, REF["baujat"]["y"])
    # metafor marks no study of pritz1997 as influential (the "inf" column is empty)
    assert not inf.influential.any()
    assert inf.summary().empty


def test_validation() -> None:
    with pytest.raises(ValueError, match="permutation"):
        cumulative([1, 2], [5, 6], order=[0, 0])
    with pytest.raises(ValueError, match="GLMM"):
        influence(XI, NI, method="GLMM")
