"""The default pooled interval is the ad hoc HKSJ (metafor test="adhoc"): never of zero width."""

from __future__ import annotations

import numpy as np
import pytest

import synthesis
from findings import pooled
from findings.conventions import CI_SHORT, ci_sentence
from reports.view import View
from synthesis.meta import S2W_TOLERANCE
from synthesis.spec import Model
from ui import analysis as A

IDENTICAL = {
    "4 x 6/30": ([6, 6, 6, 6], [30, 30, 30, 30]),
    "all 0/n": ([0, 0, 0], [12, 20, 31]),
    "all n/n": ([12, 20, 31], [12, 20, 31]),
}


def test_default_is_adhoc_everywhere() -> None:
    assert Model().ci_method == "hksj-adhoc"
    assert A.DEFAULT_MODEL.ci_method == "hksj-adhoc"
    assert View().model().ci_method == "hksj-adhoc"  # a link without ci= shows the new default
    assert View.from_query("ci=hksj").model().ci_method == "hksj"  # plain HKSJ stays selectable
    assert "never narrower" in CI_SHORT["hksj-adhoc"] and "plain" in CI_SHORT["hksj"]


@pytest.mark.parametrize("name", list(IDENTICAL))
def test_identical_studies_never_give_a_zero_width_interval(name: str) -> None:
    ev, n = IDENTICAL[name]
    res = synthesis.pool_proportions(ev, n, **Model().pool_kwargs())
    assert res.ci.high - res.ci.low > 1e-3, (name, res.ci.low, res.ci.high)
    wald = synthesis.pool_proportions(ev, n, **{**Model().pool_kwargs(), "ci_method": "z"})
    assert res.ci.low <= wald.ci.low + 1e-12 and res.ci.high >= wald.ci.high - 1e-12
    assert res.computation.s2w == 1.0
    if name == "4 x 6/30":  # plain HKSJ: "95% CI 20.0-20.0%", the reason for the change
        plain = synthesis.pool_proportions(ev, n, **{**Model().pool_kwargs(), "ci_method": "hksj"})
        assert plain.ci.high - plain.ci.low < 1e-12 and plain.computation.s2w == 0.0


def test_the_below_one_note_ignores_rounding() -> None:
    """Paule–Mandel solves Q = k − 1, so q is 1 up to rounding whenever τ² > 0."""
    rng = np.random.default_rng(7)
    shown = 0
    for _ in range(300):
        k = int(rng.integers(3, 12))
        n = rng.integers(10, 80, size=k)
        ev = rng.binomial(n, rng.uniform(0.1, 0.6, size=k))
        for ci in ("hksj", "hksj-adhoc"):
            res = synthesis.pool_proportions(ev, n, method="PM", ci_method=ci)
            noted = [x for x in res.computation.notes if "scaling factor" in x]
            for note in noted:
                assert "factor 1 < 1" not in note and "factor 1 raised" not in note
            q = res.computation.s2w if ci == "hksj" else None
            if q is not None and abs(q - 1) < S2W_TOLERANCE:
                assert not noted
            shown += bool(noted)
    assert shown > 0  # genuinely small factors are still named


def test_methods_text_explains_the_choice() -> None:
    s = ci_sentence("hksj-adhoc", "REML")
    assert 'test = "adhoc"' in s and "max(1, q)" in s and "Jackson" in s
    assert "zero width" in ci_sentence("hksj", "REML")
    assert "no Hartung–Knapp analogue" in ci_sentence("hksj-adhoc", "GLMM")
    assert s in pooled.model_sentence(Model())
