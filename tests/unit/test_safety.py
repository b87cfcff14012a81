"""Adverse-event vocabulary, per-term incidence pooling (vs metafor JSON) and the safety findings."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special

import evidence
from charts.safety import incidence_dot_figure
from evidence.ae_terms import grade_stratum, preferred_term, safety_rows
from findings.safety import published_frame, safety_view
from synthesis import glmm as glmm_mod
from synthesis.incidence import exact_interval, pool_incidence

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "metafor_safety.json")
                 .read_text())["sets"]
#: lme4's optimiser tolerance on the proportion scale (tests/reference/README_glmm.md)
ATOL_P = 5e-5


@pytest.fixture(scope="module")
def base():
    return evidence.load_studies()


# ------------------------------------------------------------------ vocabulary
def test_terms_map_to_ctcae_and_keep_the_source_term(base) -> None:
    assert preferred_term("PPE") == preferred_term("hand-foot skin reaction") == \
        "Palmar-plantar erythrodysesthesia syndrome"
    assert preferred_term("dose reduction or interruption") is None
    assert grade_stratum("3–4") == grade_stratum("≥3") == "grade ≥3"
    assert grade_stratum("any") == "any grade" and grade_stratum("5") is None
    rows = safety_rows(base.toxicity_frame(), base.outcomes_frame())
    ppe = rows[rows["source_term"] == "palmar-plantar erythrodysesthesia"]
    assert ppe["term_label"].tolist() == ["Hand-foot syndrome"]


def test_not_reported_is_not_zero_and_attribution_is_never_mixed(base) -> None:
    rows = safety_rows(base.toxicity_frame(), base.outcomes_frame())
    missing = rows[rows["count"].isna()]
    assert len(missing) and not missing["pooled"].any()
    assert set(missing["reason"]) <= {"count not reported", "no single CTCAE term (rash type not given)"}
    view = safety_view(base)
    # S4 (treatment-related) and S13 (not stated) both report any-grade hand-foot syndrome
    hfs = view.table[(view.table["Term"] == "Hand-foot syndrome") & (view.table["stratum"] == "any grade")]
    assert sorted(hfs["attribution"]) == ["not stated", "treatment-related"]
    for _, r in hfs.iterrows():
        ids = r["Studies"].split(", ")
        assert not ({"S4", "S16"} & set(ids) and {"S13", "S11a"} & set(ids))


def test_one_report_per_overlapping_cohort_and_flags(base) -> None:
    rows = safety_rows(base.toxicity_frame(), base.outcomes_frame())
    s1 = rows[(rows["study_id"] == "S1")].iloc[0]
    assert not s1["pooled"] and "overlapping cohort" in s1["reason"]
    assert not rows[rows["study_id"] == "S14"]["pooled"].any()  # not sarcoma-only
    everything = safety_rows(base.toxicity_frame(), base.outcomes_frame(), reports="all")
    assert everything[everything["study_id"] == "S14"]["pooled"].sum() > 0
    view = safety_view(base)
    row = view.table[(view.table["Term"] == "Hypertension") & (view.table["stratum"] == "grade ≥3")].iloc[0]
    assert row["k"] == 2 and "inferred" in row["Flags"] and "unverified" in row["Flags"]
    assert row["Headline"].startswith("crude")


# ------------------------------------------------------------------ pooling vs metafor
@pytest.mark.parametrize("name", sorted(REF))
def test_matches_metafor(name: str) -> None:
    d = REF[name]
    p = pool_incidence(d["xi"], d["ni"])
    g = d["glmm"]
    if g["ok"]:
        m = p.method("glmm")
        assert m.fallback is None
        assert m.estimate == pytest.approx(special.expit(g["b"]), abs=ATOL_P)
        assert m.ci.low == pytest.approx(special.expit(g["ci_lb"]), abs=ATOL_P)
        assert m.ci.high == pytest.approx(special.expit(g["ci_ub"]), abs=ATOL_P)
        assert m.tau2 == pytest.approx(g["tau2"], abs=5e-5, rel=1e-4)
        assert p.glmm.heterogeneity.q == pytest.approx(g["QE_Wld"], rel=1e-5, abs=1e-4)
        assert p.glmm.heterogeneity.q_lrt == pytest.approx(g["QE_LRT"], rel=1e-6, abs=1e-6)
    iv = p.method("iv_hksj")
    assert iv.estimate == pytest.approx(special.expit(d["iv_hksj"]["b"]), abs=1e-6)
    assert (iv.ci.low, iv.ci.high) == pytest.approx(
        (special.expit(d["iv_hksj"]["ci_lb"]), special.expit(d["iv_hksj"]["ci_ub"])), abs=1e-6)
    ft = p.method("ft")
    assert (ft.estimate, ft.ci.low, ft.ci.high) == pytest.approx(
        (d["ft"]["est"], d["ft"]["ci_lb"], d["ft"]["ci_ub"]), abs=1e-6)


def test_k2_shows_exact_first_and_flags_hksj() -> None:
    d = REF["htn_g34_k2"]
    p = pool_incidence(d["xi"], d["ni"])
    assert p.primary == "crude"
    lo, hi = exact_interval(sum(d["xi"]), sum(d["ni"]))
    assert (p.headline.ci.low, p.headline.ci.high) == pytest.approx((lo, hi))
    iv = p.method("iv_hksj")
    assert iv.flag and iv.ci.high - iv.ci.low > 0.9  # HKSJ with 1 df approaches [0, 1]


def test_k1_is_the_study_exact_interval_with_a_note() -> None:
    p = pool_incidence([3], [16])
    assert p.k == 1 and p.primary == "crude" and "One study" in p.notes[0]
    lo, hi = exact_interval(3, 16)
    for m in p.methods:
        assert (m.estimate, m.ci.low, m.ci.high) == pytest.approx((3 / 16, lo, hi))


# ------------------------------------------------------------------ properties
counts = st.lists(st.tuples(st.integers(5, 80), st.floats(0.0, 0.6)), min_size=2, max_size=7)


@settings(max_examples=15, deadline=None, database=None)
@given(counts, st.randoms(use_true_random=False))
def test_permuting_studies_changes_nothing(rows, rnd) -> None:
    n = np.array([r[0] for r in rows])
    x = np.floor(n * np.array([r[1] for r in rows])).astype(int)
    perm = list(range(len(n)))
    rnd.shuffle(perm)
    a, b = pool_incidence(x, n), pool_incidence(x[perm], n[perm])
    for ma, mb in zip(a.methods, b.methods, strict=True):
        assert ma.estimate == pytest.approx(mb.estimate, abs=1e-7)
        assert ma.ci.low == pytest.approx(mb.ci.low, abs=1e-7)
        assert ma.ci.high == pytest.approx(mb.ci.high, abs=1e-7)


@settings(max_examples=15, deadline=None, database=None)
@given(counts, st.integers(5, 60), st.floats(0.0, 1.5))
def test_zero_event_study_lowers_the_estimate_at_fixed_tau(rows, n0, tau) -> None:
    # the ML mean logit at fixed tau (profile over mu) decreases when a 0/n0 study is added
    n = np.array([r[0] for r in rows], dtype=float)
    x = np.floor(n * np.array([r[1] for r in rows]))
    if x.sum() == 0:
        x[0] = 1

    def mu_hat(xx, nn):
        return optimize.minimize_scalar(lambda m: -glmm_mod.glmm_loglik(m, tau, xx, nn),
                                        bounds=(-12, 12), method="bounded",
                                        options={"xatol": 1e-9}).x

    before = mu_hat(x, n)
    after = mu_hat(np.append(x, 0.0), np.append(n, float(n0)))
    assert after < before


# ------------------------------------------------------------------ findings and figure
def test_published_beside_ours_and_figure(base) -> None:
    pub = published_frame(base)
    yao = pub[pub["where"] == "M2-bmc"]
    assert sorted(yao["estimate"].round(2)) == [0.40, 0.46]  # read from the data file
    view = safety_view(base)
    fig = incidence_dot_figure(view.table, pub)
    strata = {t.meta for t in fig.data if t.name.startswith("attribution")}
    assert strata == {"any grade", "grade ≥3"}
    assert any(t.name.startswith("published") for t in fig.data)
    labels = [t.name for t in fig.data if t.showlegend is not False]
    assert len(labels) == len(set(labels))  # one legend entry per attribution and source
    assert "Grade ≥3 adverse events" in view.overview_line()
    assert not view.table["estimate"].isna().any()
    assert all(math.isfinite(v) for v in view.table["ci_high"])


def test_report_section_methods_and_r_script(base) -> None:
    from reports.content import build_content
    from reports.rscript import safety_r_script

    c = build_content(evidence=base)
    sec = next(s for s in c.sections if s.key == "safety")
    assert sec.available and len(sec.table) == len(safety_view(base).table)
    assert "hypertension 10.6% (2 studies)" in sec.bullets[0]  # plain text, escaped by each front end
    assert any(m.startswith("Adverse events:") for m in c.methods)
    script = safety_r_script(safety_view(base))
    n_pooled = sum(1 for p in safety_view(base).pools.values() if p.k >= 2)
    assert script.count("\nshow(") == n_pooled and 'rma.glmm(measure = "PLO"' in script
    assert c.r_scripts["adverse events"] == script


def test_attribution_is_validated_and_reaches_the_frame(base) -> None:
    from pydantic import ValidationError

    from evidence.models import Toxicity

    with pytest.raises(ValidationError, match="attribution"):
        Toxicity(event="hypertension", grade="any", attribution="possibly related")
    tox = base.toxicity_frame()
    s4 = tox[(tox["study_id"] == "S4")]
    assert set(s4["attribution"]) == {"treatment-related"}
    assert (tox["attribution"] == "not stated").sum() > 0
