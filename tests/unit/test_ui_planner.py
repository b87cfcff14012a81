"""ui.planner helpers: evidence sources and their sentences, design tables, curves, exports."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import synthesis
from findings import planner as FP
from findings import planner_inputs as FI
from synthesis.design.simon import operating_characteristics, simon_two_stage
from synthesis.design.single_stage import single_stage_exact
from synthesis.design.tte import exponential_median_test, one_sample_logrank, two_arm_cph
from synthesis.results import ConfidenceInterval
from ui import analysis as A

NAN = re.compile(r"\bnan\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    from evidence import load_studies

    return load_studies().outcomes_frame()


@pytest.fixture(scope="module")
def simon():
    return simon_two_stage(0.2, 0.4, 0.05, 0.2)


def _pool(model: A.Model):
    def pool(frame: pd.DataFrame):
        return synthesis.pool_proportions(frame["events"].tolist(), frame["total"].tolist(), **model.pool_kwargs())

    return pool


def test_evidence_sources_match_the_pooled_result(outcomes) -> None:
    model = A.DEFAULT_MODEL
    src = FP.evidence_sources(outcomes, A.Selection(), model, _pool(model), groups=("soft-tissue sarcoma",),
                             version="0123456789abcdef")
    frame = A.select_outcomes(outcomes, A.Selection()).frame
    res = _pool(model)(frame)
    low = src["ORR · current view · CI low"]
    assert low.value == round(res.ci.low, 3)
    assert low.endpoint == "ORR"
    assert f"{res.k} studies" in low.phrase and f"{res.data.total_n} patients" in low.phrase
    assert low.phrase.startswith("the lower bound of the 95% confidence interval of the pooled objective response rate")
    assert "REML" in low.phrase and "Hartung–Knapp" in low.phrase
    assert low.phrase.endswith("evidence file SHA-256 0123456789ab)")
    assert low.sentence("p0").startswith(f"p0 = {low.value:.3f}: the lower bound")
    est = src["ORR · current view · pooled"]
    assert est.value == round(res.estimate, 3)
    assert "DCR · current view · pooled" in src
    sts = src["ORR · soft-tissue sarcoma · pooled"]
    assert "soft-tissue sarcoma" in sts.phrase
    for s in src.values():
        assert 0 < s.value < 1 and not NAN.search(s.phrase) and not NAN.search(s.key)


def test_sources_skip_missing_intervals_and_failed_pools(outcomes) -> None:
    fake = SimpleNamespace(estimate=0.3, ci=ConfidenceInterval(0.2, 0.4),
                           pi=ConfidenceInterval(math.nan, math.nan), k=1,
                           data=SimpleNamespace(total_n=20), fit=SimpleNamespace(level=0.95))
    src = FP.evidence_sources(outcomes, A.Selection(), A.DEFAULT_MODEL, lambda f: fake)
    assert "ORR · current view · CI low" in src and "ORR · current view · PI low" not in src

    def bad(frame):
        raise ValueError("cannot pool")

    assert FP.evidence_sources(outcomes, A.Selection(), A.DEFAULT_MODEL, bad) == {}


def test_model_phrase_names_every_model() -> None:
    assert "GLMM" in FP.model_phrase(A.Model(method="GLMM", ci_method="hksj"))
    assert "t(k−1)" in FP.model_phrase(A.Model(method="GLMM", ci_method="hksj"))
    assert "common-effect" in FP.model_phrase(A.Model(method="CE"))
    assert "DerSimonian" in FP.model_phrase(A.Model(method="DL", ci_method="z"))


def test_typed_source_never_empty() -> None:
    s = FP.typed_source(0.25, "  ")
    assert s.value == 0.25 and "source not stated" in s.phrase and s.endpoint == ""
    assert FP.typed_source(0.25, "EORTC 62012.").phrase == "EORTC 62012"


def test_simon_table_published_design(simon) -> None:
    t = FP.simon_table(simon)
    assert list(t["Design"]) == ["minimax", "admissible", "optimal"]
    opt = t[t["Design"] == "optimal"].iloc[0]
    assert (opt["Stage 1: r1/n1"], opt["Overall: r/n"]) == ("3/13", "12/43")
    assert opt["EN(p0) under H0"] == 20.58 and opt["PET(p0)"] == pytest.approx(0.7473, abs=1e-4)
    assert opt["Attained α"] <= 0.05 and opt["Attained power"] >= 0.8
    assert "13 patients" in opt["Rule"]
    assert not NAN.search(t.astype(str).to_string())


def test_pick_options_and_design(simon) -> None:
    opts = FP.pick_options(simon)
    assert opts["optimal"] == "optimal: 3/13, 12/43" and opts["minimax"] == "minimax: 4/18, 10/33"
    adm = [k for k in opts if k.startswith("admissible")]
    assert adm == ["admissible n = 38"]
    d, which = FP.pick_design(simon, adm[0])
    assert d.boundary() == "3/14, 11/38" and simon.admissible[which] == d
    assert FP.pick_design(simon, "minimax") == (simon.minimax, "minimax")
    assert FP.pick_design(simon, "garbage") == (simon.optimal, "optimal")


def test_oc_table_marks_p0_p1(simon) -> None:
    t = FP.oc_table(simon.optimal)
    row0 = t[t["Marker"] == "p0 (null)"].iloc[0]
    assert row0["True response rate"] == "20.0%" and row0["EN (patients)"] == 20.58
    row1 = t[t["Marker"] == "p1 (alternative)"].iloc[0]
    assert row1["P(declare promising)"] == pytest.approx(simon.optimal.power, abs=1e-4)
    grid = FP.oc_grid(0.186, 0.35)
    assert 0.186 in grid and 0.35 in grid and grid[0] == 0 and grid[-1] == 1


def test_per_n_designs_contain_minimax_and_optimal(simon) -> None:
    per = FP.per_n_designs(0.2, 0.4, 0.05, 0.2, "<=", simon.minimax.n, simon.optimal.n + 5)
    by_n = per.set_index("n")
    assert by_n.loc[33, "boundary"] == "4/18, 10/33"
    assert by_n.loc[43, "boundary"] == "3/13, 12/43"
    assert by_n["EN(p0)"].min() == pytest.approx(simon.optimal.en0)
    named = FP.named_points(simon)
    assert set(named["kind"]) == {"minimax", "admissible", "optimal"}


def test_single_stage_helpers() -> None:
    res = single_stage_exact(0.4, 0.6, 0.1, 0.1)
    curve = FP.single_stage_curve(res, 35, 50)
    feas = set(curve.loc[curve["feasible"], "n"])
    assert 41 in feas and 42 not in feas
    listed = {n for n, *_ in res.feasible}
    assert listed <= feas | set(range(51, 1000))
    row = curve.set_index("n").loc[41]
    assert row["r"] == res.r and row["power"] == pytest.approx(res.power)
    t = FP.feasible_table(res)
    assert t.loc[t["n"] == 41, "reported"].iloc[0].startswith("reported")
    oc = FP.single_oc(res, np.array([0.4, 0.6]))
    assert oc["P(declare promising)"].tolist() == pytest.approx([res.alpha, res.power])


def test_survival_curves_agree_with_the_designs() -> None:
    d = one_sample_logrank(9, 1 / 1.75, 5, 3, shape=1.22)
    c = FP.logrank_curve(d).set_index("n")
    assert c.loc[d.n, "power"] == pytest.approx(d.power)
    e = exponential_median_test(4, 6, 24, 12)
    ce = FP.exponential_curve(e).set_index("n")
    assert ce.loc[e.n, "power"] >= 0.8 > ce.loc[e.n - 1, "power"]
    ex = exponential_median_test(4, 6, 24, 12, exact=True)
    cx = FP.exponential_curve(ex)
    assert cx["power"].between(0, 1).all()
    cph = two_arm_cph(0.7, 0.25, 0.35)
    cc = FP.cph_curve(cph).set_index("n")
    assert cc.loc[cph.n_total, "power"] == pytest.approx(cph.power, abs=1e-6)
    for design in (d, e, cph):
        s = FP.survival_summary(design)
        assert len(s) >= 6 and not NAN.search(s.to_string())


def test_check_power() -> None:
    assert FI.check_power(0.8) == 0.8
    for bad in (0.3, 1.0, float("nan")):
        with pytest.raises(ValueError, match="power"):
            FI.check_power(bad)


def test_paragraph_and_markdown(simon) -> None:
    text = FP.paragraph_for(simon, "the lower bound X", "the pooled Y", which="optimal",
                           endpoint="objective response rate (ORR)")
    assert "EN(p0) = 20.6" in text and "the lower bound X" in text and "Simon" in text
    md = FP.ProtocolSection("Sample size", text, (("p0", "p0 = 0.200: X"),), (("Designs", FP.simon_table(simon)),)).markdown()
    assert md.startswith("# Sample size") and "| minimax |" in md and "- **p0**: p0 = 0.200: X" in md
    d = one_sample_logrank(9, 1 / 1.75, 5, 3, shape=1.22)
    assert "Wu" in FP.paragraph_for(d, "a", "b", endpoint="ignored")


def test_paragraph_for_passes_the_protocol_details(simon) -> None:
    proto = FP.Protocol(FP.TREATMENT, FP.ASSESSMENT["binary"], 0.1, False)
    text = FP.paragraph_for(simon, "the lower bound X", "the pooled Y", which="minimax",
                           endpoint=FP.ENDPOINT_NAMES["DCR"], protocol=proto)
    assert "trial of apatinib plus doxorubicin and ifosfamide is the disease control rate (DCR)" in text
    assert "based on best overall response per RECIST 1.1 in evaluable patients" in text
    assert "minimax" in text and "Accrual will not be suspended" in text
    # minimax 4/18, 10/33: accrual target ceil(33 / 0.9) = 37, stage 1 ceil(18 / 0.9) = 20
    assert "the accrual target is 37 patients (33/0.90, rounded up), about 20 of them in stage 1" in text
    assert "apatinib plus doxorubicin and ifosfamide will be declared promising if more than 10" in text
    d = one_sample_logrank(6, 0.6, 24, 12)
    t = FP.paragraph_for(d, "a", "b", protocol=FP.Protocol(assessment=FP.ASSESSMENT["survival"], dropout=0.1))
    assert "median PFS m0 = 6 months" in t and "10.0 months" in t and "progression per RECIST 1.1" in t
    assert f"accrual target is {-(-d.n * 10 // 9)} patients" in t
    rows = dict(FP.Protocol(dropout=0.1).rows(simon=True))
    # an empty regimen is a visible blank, never the example regimen (issue 14)
    assert rows["Not evaluable or lost"] == "10%" and rows["Treatment"] == FP.BLANK_TREATMENT
    assert "Accrual paused until stage-1 responses are assessed" not in dict(FP.Protocol().rows(simon=False))


def test_planner_uses_the_public_per_n_api() -> None:
    import inspect

    src = inspect.getsource(FP)
    assert "_Search" not in src and "designs_at_n" not in src and "en_by_n(" in src


def test_binary_inputs_beta() -> None:
    assert FI.Binary(FP.Source("k", "l", 0.2, "x", "ORR"), FP.typed_source(0.4, ""), 0.05, 0.8).beta == 0.2


def test_operating_characteristics_used_by_the_chart(simon) -> None:
    oc = operating_characteristics(simon.optimal, FP.oc_grid(0.2, 0.4))
    assert {"p", "PET", "P(declare promising)", "EN"} <= set(oc.columns)


def test_phrases_shorten_the_second_source_of_one_pool() -> None:
    lo = FP.Source("ORR · current view · CI low", "", 0.199,
                  "the lower bound of the 95% confidence interval of the pooled ORR of X", "ORR")
    est = FP.Source("ORR · current view · pooled", "", 0.282, "the pooled ORR of X", "ORR")
    other = FP.Source("ORR · osteosarcoma · pooled", "", 0.3, "the pooled ORR of Y", "ORR")
    assert FI.Binary(lo, est, 0.05, 0.8).phrases() == (lo.phrase, "the pooled estimate of the same meta-analysis (28.2%)")
    assert FI.Binary(lo, other, 0.05, 0.8).phrases() == (lo.phrase, other.phrase)
    typed = FP.typed_source(0.4, "target")
    assert FI.Binary(lo, typed, 0.05, 0.8).phrases() == (lo.phrase, "target")
