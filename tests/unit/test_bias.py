"""synthesis.bias against metafor 3.8-1 regtest/ranktest (JSON) and published values (§2.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthesis.bias import begg_test, egger_test

D = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "metafor_glmm_extras.json").read_text()
)
G, B = D["glmm"], D["bias"]
PRITZ = (G["pritz1997"]["xi"], G["pritz1997"]["ni"])


def test_pritz_published() -> None:
    # dat.pritz1997 (metadat) (metafor 3.8-1): regtest z = 2.4111, p = 0.0159; ranktest tau 0.2967, p 0.1572;
    # meta Egger t = 2.08, df 12, p = 0.0592, bias 1.5207 (SE 0.7295)
    e = egger_test(*PRITZ)
    assert (e.statistic, e.pvalue) == pytest.approx((2.4111, 0.0159), abs=5e-5)
    r = begg_test(*PRITZ)
    assert (r.estimate, r.pvalue) == pytest.approx((0.2967, 0.1572), abs=5e-5)
    m = egger_test(*PRITZ, model="lm")
    assert m.statistic == pytest.approx(2.08, abs=5e-3)
    assert m.df == 12
    assert (m.pvalue, m.estimate, m.se) == pytest.approx((0.0592, 1.5207, 0.7295), abs=5e-5)
    assert e.reliable and r.reliable and m.reliable and e.message == ""


def test_pritz_reference_json() -> None:
    e = egger_test(*PRITZ)
    assert e.statistic == pytest.approx(B["regtest"]["zval"], rel=1e-10)
    assert e.limit_estimate == pytest.approx(B["regtest"]["est"], rel=1e-10)
    m = egger_test(*PRITZ, model="lm")
    assert m.pvalue == pytest.approx(B["regtest_lm"]["pval"], rel=1e-10)


@pytest.mark.parametrize("name", ["debruin2009", "apatinib_orr", "metaprop_k4"])
def test_other_datasets(name) -> None:
    x, n, r = G[name]["xi"], G[name]["ni"], B[name]
    e = egger_test(x, n)
    assert (e.statistic, e.pvalue) == pytest.approx((r["regtest_z"], r["regtest_p"]), rel=1e-9)
    m = egger_test(x, n, model="lm")
    assert (m.statistic, m.pvalue, m.df) == pytest.approx((r["lm_t"], r["lm_p"], r["lm_df"]), rel=1e-9)
    b = begg_test(x, n)
    assert (b.estimate, b.pvalue) == pytest.approx((r["ranktest_tau"], r["ranktest_p"]), rel=1e-9)


def test_small_k_is_flagged() -> None:
    e = egger_test([4, 3, 2, 1], [10, 20, 30, 40])
    b = begg_test([4, 3, 2, 1], [10, 20, 30, 40])
    for r in (e, b):
        assert r.reliable is False
        assert "fewer than 10 studies" in r.message
    with pytest.raises(ValueError, match="at least 3"):
        egger_test([1, 2], [5, 6])
