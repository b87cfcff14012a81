"""findings.planner: Bayesian design views, provenance caveats and the regimen blank."""

from __future__ import annotations

import io
import math

import pytest
from docx import Document

from findings.planner import (
    BLANK_TREATMENT,
    TREATMENT,
    Protocol,
    bayes_oc_table,
    bayes_paragraph,
    boundary_table,
    ess_by_weight,
    n_across_ci,
    pool_caveat,
    prior_predictive_table,
    r_script,
    treatment_text,
)
from reports.docx import build_protocol_docx
from synthesis.design.bayes import BetaMixture, bop2_design, posterior_search, pp_design


def test_empty_regimen_is_a_visible_blank_never_the_example() -> None:
    assert treatment_text("") == BLANK_TREATMENT
    assert treatment_text(None) == BLANK_TREATMENT
    assert treatment_text(" apatinib. ") == "apatinib"
    # the protocol default is the blank, not the seed protocol's regimen
    assert Protocol().treatment == BLANK_TREATMENT
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0)
    text = bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="typed", p1_source="typed",
                           treatment="", prior_source="BOP2 default")
    assert BLANK_TREATMENT in text and TREATMENT not in text


def test_soft_tissue_pool_caveat() -> None:
    """3 studies, CI 10–64%, 123 patients: the caveat names all three."""
    c = pool_caveat("p1", 3, 123, 0.10, 0.64)
    assert "3 studies" in c and "123 patients" in c and "10.0–64.0%" in c
    assert "few studies" in c and "wide interval" in c
    assert pool_caveat("p1", 11, 349, 0.20, 0.38) == ""
    assert pool_caveat("p1", None, None, None, None) == ""
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0)
    text = bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                           treatment="x", prior_source="y", caveats=(c,))
    assert "pool of 3 studies" in text


def test_boundary_table_matches_design() -> None:
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0, 1.0)
    t = boundary_table(d)
    assert t["Stop (futility) if responses ≤"].tolist() == [str(v) for v in d.futility]
    assert t["Efficacy if responses ≥"].iloc[0] == f"{d.efficacy[0]} (stop)"
    assert t["Efficacy if responses ≥"].iloc[-1] == f"{d.efficacy[-1]} (promising)"
    nofe = boundary_table(bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0))
    assert nofe["Efficacy if responses ≥"].iloc[0] == "no stop"


def test_oc_table_marks_p0_p1_and_never_nan() -> None:
    d = posterior_search((0.2, 0.8), 0.2, 0.4, 0.95, 0.1, 0.2)
    t = bayes_oc_table(d, 0.2, 0.4)
    assert set(t["Marker"]) >= {"p0 (null)", "p1 (alternative)"}
    assert not t.astype(str).apply(lambda c: c.str.contains("nan")).any().any()
    row = t[t["Marker"] == "p0 (null)"].iloc[0]
    assert float(row["P(declare promising)"]) == pytest.approx(d.oc(0.2).reject, abs=5e-5)


def test_ess_by_weight_decreases_and_starts_at_prior_ess() -> None:
    t = ess_by_weight(BetaMixture([1], [11], [32]))
    assert t["ESS (ELIR)"].iloc[0] == pytest.approx(43.0)
    assert t["ESS (ELIR)"].is_monotonic_decreasing
    bad = ess_by_weight(BetaMixture([1], [0.5], [2]))  # a < 1: ELIR undefined, moment shown
    assert math.isnan(bad["ESS (ELIR)"].iloc[0]) and bad["ESS (moment)"].notna().all()


def test_prior_predictive_sums_to_one() -> None:
    t = prior_predictive_table(BetaMixture([0.8, 0.2], [11, 1], [32, 1]), 40, 0.2, 0.4)
    assert t["probability"].sum() == pytest.approx(1.0)
    assert t["P(Y ≥ y)"].iloc[0] == pytest.approx(1.0)
    assert (t["expected under"] == "p1").sum() == 1


def test_n_across_ci() -> None:
    t = n_across_ci(0.2, {"estimate": 0.3, "CI low": 0.1, "CI high": 0.64}, 0.1, 0.1)
    assert t.loc[1, "rule"] == "p1 ≤ p0: no design"
    assert int(t.loc[0, "n"]) > int(t.loc[2, "n"])


def test_pp_design_paragraph_mentions_lee_liu() -> None:
    d = pp_design(0.2, 40, 0.9, 0.05, prior=(0.2, 0.8), looks=(10, 20, 30, 40))
    text = bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                           treatment="apatinib", prior_source="weak")
    assert "Lee & Liu 2008" in text and f"{d.rule.efficacy[-1]} or more of 40" in text


def test_protocol_docx_has_paragraph_inputs_and_tables() -> None:
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0, 1.0)
    para = bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                           treatment="", prior_source="weak")
    data = build_protocol_docx("Sample size justification", para, [("p0", "0.2: a")],
                               [("Boundaries", boundary_table(d)), ("Operating characteristics",
                                                                    bayes_oc_table(d, 0.2, 0.4))])
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    assert para in texts and BLANK_TREATMENT in para
    assert len(doc.tables) == 3
    assert doc.tables[1].rows[0].cells[2].text == "Stop (futility) if responses ≤"
    assert doc.tables[1].rows[1].cells[2].text == str(d.futility[0])


def test_r_scripts_name_the_reference_call_and_expected_numbers() -> None:
    """The exported R reproduces the design (checked by running them with BOP2FE 1.0.3 and RBesT
    1.8-2: futility 1 4 7 12, efficacy 6 9 11 13; boundary 10, OC 0.0508 / 0.8310)."""
    b = r_script(bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0, 1.0), 0.2, 0.4)
    assert "n = c(10, 10, 10, 10), lambda = 0.95, gamma = 1, eta = c(1, 1)" in b
    assert "expect 1, 4, 7, 12" in b and "expect 6, 9, 11, 13" in b
    p = r_script(posterior_search((0.2, 0.8), 0.2, 0.4, 0.95, 0.1, 0.2), 0.2, 0.4)
    assert "decision1S(0.95, 0.2, lower.tail = FALSE)" in p and "expect 10" in p
    assert "0.050837 at p0" in p
