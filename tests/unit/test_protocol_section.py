"""The Trial planner's protocol section: its references as RIS/BibTeX, the planned endpoint's
wording, and the design across the CI of the source estimate in the Markdown and Word exports."""

from __future__ import annotations

import io
import re

import bibtexparser
import pytest
import rispy
from docx import Document

from evidence import load_studies
from evidence.benchmarks import load_benchmarks
from evidence.references import citation_reference
from evidence.selection import Selection
from findings import planner as FP
from findings import planner_bayes as FB
from findings import pooled
from findings.frames import frames_of
from reports.docx import build_protocol_docx
from synthesis.design.bayes import BetaMixture, bop2_design
from synthesis.design.paragraph import REFERENCES
from synthesis.design.simon import simon_two_stage
from synthesis.spec import Model

BASE = load_studies()
LIB = load_benchmarks()
RULE = "benchmark · vanglabbeke2002-rule-inactive"  # 3-month PFR of 20%: inactivity (second line)


@pytest.fixture(scope="module")
def pooled_sources() -> dict[str, FP.Source]:
    model = Model()
    return FP.evidence_sources(frames_of(BASE).outcomes, Selection(), model, lambda f: pooled.pool(f, model))


def _section(p0: FP.Source, p1: FP.Source, plan: FP.TrialPlan, kind: str = "simon") -> FP.ProtocolSection:
    p0, p1 = FP.with_plan(p0, plan), FP.with_plan(p1, plan)
    res = simon_two_stage(p0.value, p1.value, 0.1, 0.1)
    text = FP.add_caveats(FP.paragraph_for(res, p0.phrase, p1.phrase, endpoint=plan.endpoint_name,
                                           outcome=plan.outcome()), (p0.caveat("p0"), p1.caveat("p1")))
    return FP.ProtocolSection("Sample size justification", text, (("p0", p0.sentence("p0")),),
                              (("Designs", FP.simon_table(res, plan.outcome())),),
                              FP.across_ci(p0, p1, 0.1, 0.1, kind, outcome=plan.outcome()),
                              FP.section_references(text, (p0, p1), BASE, LIB))


# ------------------------------------------------------------------------------ references
def test_citation_reference_parses_every_method_and_benchmark_citation() -> None:
    for key, text in REFERENCES.items():
        r = citation_reference(key, text)
        assert r.authors and r.title and r.journal and r.year, key
        assert r.text() == text  # printed back exactly as the paragraph prints it
    for b in LIB.benchmarks:
        r = citation_reference(b.id, b.source)
        assert r.authors and r.journal and r.year and str(r.year) in b.source, b.id
    van = citation_reference("v", LIB.benchmarks[0].source)
    assert van.doi == "10.1016/S0959-8049(01)00398-7" and van.volume_pages == "38(4):543-549"
    assert van.authors == ("van Glabbeke M", "Verweij J", "Judson I", "Nielsen OS")


def test_ris_and_bibtex_parse_back_with_the_entries_the_paragraph_cites(pooled_sources) -> None:
    p1 = pooled_sources["ORR · current view · CI high"]
    sec = _section(FP.benchmark_sources(LIB)[RULE], p1, FP.TrialPlan())
    listed = re.findall(r"\[\d+\] (.+?\.)(?= \[\d+\]|$)", sec.paragraph.split("References: ")[1])
    assert listed == [REFERENCES["simon"], REFERENCES["ahern"]]
    files = sec.reference_files()
    ris = rispy.loads(files["RIS"][1].decode("utf-8"))
    bib = bibtexparser.loads(files["BibTeX"][1].decode("utf-8")).entries
    ids = [r.record.id for r in sec.references]
    # methods of the paragraph's reference list, then the benchmark's publication, then the pooled studies
    assert ids == ["method-simon", "method-ahern", "vanglabbeke2002-rule-inactive", *p1.study_ids]
    assert len(p1.study_ids) == p1.k
    assert [e["id"] for e in ris] == ids and len(bib) == len(ids) == len({e["ID"] for e in bib})
    titles = [e["title"] for e in ris]
    assert titles[:2] == ["Optimal two-stage designs for phase II clinical trials",
                          "Sample size tables for exact single-stage phase II designs"]
    assert titles[2].startswith("Progression-free rate as the principal end-point")  # the fullest citation
    assert ris[2]["doi"] == "10.1016/S0959-8049(01)00398-7" and ris[2]["urls"] == ["https://repub.eur.nl/pub/67153"]
    for fmt in ("RIS", "BibTeX"):  # the download buttons' deferred data: same name, bytes and type
        name, data, mime = sec.reference_file(fmt)
        assert (name, data(), mime) == files[fmt]
    assert "cited for p0/p1" in ris[2]["notes"][0]
    # volume(issue):pages read into their own fields, so reference managers import them
    assert [ris[2].get(k) for k in ("volume", "number", "start_page", "end_page")] == ["38", "4", "543", "549"]
    assert (bib[2]["volume"], bib[2]["number"], bib[2]["pages"]) == ("38", "4", "543--549")
    assert (ris[0]["volume"], ris[0]["start_page"], ris[0]["end_page"]) == ("10", "1", "10")
    assert ris[3]["notes"][0].endswith("of the apatinib sarcoma evidence base")  # a record of the studies file
    assert bib[0]["author"] == "Simon R" and bib[0]["year"] == "1989" and bib[2]["doi"] == ris[2]["doi"]
    # the benchmark cited inline in the paragraph is the one exported
    assert LIB.benchmarks[3].source in sec.paragraph


def test_typed_values_cite_only_the_methods() -> None:
    typed = FP.typed_source(0.2, "historical"), FP.typed_source(0.4, "target")
    sec = _section(*typed, FP.TrialPlan())
    assert [r.group for r in sec.references] == ["method", "method"]
    assert len(rispy.loads(sec.reference_files()["RIS"][1].decode())) == 2


def test_bayesian_paragraph_lists_the_methods_it_cites() -> None:
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0, 1.0)
    text = FB.bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                              treatment="x", prior_source="weak")
    refs = FP.section_references(text, ())
    assert [r.record.id for r in refs] == ["method-bop2", "method-bop2fe"]
    assert "η = 1) [1, 2]." in text and "Zhou, Lee" not in text  # Beta(0.2, 0.8): ELIR undefined, not cited
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0, prior=BetaMixture([1.0], [1.0], [1.0]))
    text = FB.bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                              treatment="x", prior_source="uniform")
    assert [r.record.id for r in FP.section_references(text, ())] == ["method-elir", "method-bop2"]
    assert "(ELIR [1])" in text and "λ = 0.95, γ = 1) [2]." in text


# ------------------------------------------------------------------------------ endpoint
@pytest.mark.parametrize(("plan", "named", "success", "flag"), [
    (FP.TrialPlan(endpoint="ORR"), "is the objective response rate (ORR)", "respond (at least", None),
    (FP.TrialPlan(endpoint="PFS rate", months=6),
     "is the progression-free survival rate at 6 months (6-month PFS rate)",
     "are alive and progression-free at 6 months (at least",
     "measures progression-free rate at 3 months, not the planned PFS rate at 6 months"),
])
def test_the_planned_endpoint_words_the_paragraph(plan, named, success, flag) -> None:
    sec = _section(FP.benchmark_sources(LIB)[RULE], FP.typed_source(0.4, "target"), plan)
    text = sec.paragraph
    assert f"The primary endpoint of the trial of the experimental treatment {named}" in text and success in text
    if plan.endpoint == "ORR":
        # the benchmark measures a 3-month PFR, not the planned ORR: said beside the source
        assert "measures progression-free rate at 3 months, not the planned ORR" in text
        assert "true ORR is at most" in text
    else:
        assert flag in text and " respond" not in text.split(" p0 comes from")[0]
        assert "true 6-month PFS rate is at most p0" in text and "evaluable for progression at 6 months" in text
        assert FP.oc_table(simon_two_stage(0.2, 0.4).optimal, rate=plan.rate_label).columns[0] == "True 6-month PFS rate"
        rules = " ".join(sec.tables[0][1]["Rule"])  # the design table words the rule the same way
        assert "respond" not in rules and "more than" in rules and "are alive and progression-free at 6 months" in rules


def test_a_matching_endpoint_and_time_raise_no_flag() -> None:
    sec = _section(FP.benchmark_sources(LIB)[RULE], FP.typed_source(0.4, "target"),
                   FP.TrialPlan(line="later line", regimen="monotherapy", endpoint="PFS rate", months=3))
    assert "measures" not in sec.paragraph and "3-month PFS rate" in sec.paragraph


def test_bayesian_paragraph_names_the_planned_endpoint() -> None:
    plan = FP.TrialPlan(endpoint="PFS rate", months=6)
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0)
    text = FB.bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                              treatment="x", prior_source="weak", endpoint=plan.endpoint_name,
                              outcome=plan.outcome())
    assert "is the progression-free survival rate at 6 months (6-month PFS rate)" in text
    assert "respond" not in text and f"{d.rule.efficacy[-1]} or more of 40 are alive and progression-free" in text
    bt = FB.boundary_table(d, plan.outcome().count)
    assert "Stop (futility) if progression-free at 6 months ≤" in bt.columns
    assert bt.loc[0, "Rule"] == f"after 10 patients stop if ≤ {d.futility[0]} progression-free at 6 months"


# ------------------------------------------------------------------------------ across the CI
def test_across_ci_is_in_the_markdown_and_the_word_section(pooled_sources) -> None:
    p0, p1 = pooled_sources["ORR · current view · CI low"], pooled_sources["ORR · current view · pooled"]
    sec = _section(p0, p1, FP.TrialPlan(), kind="single")
    t = sec.across.table
    # one pool gives both: only p1 is moved over the pool's estimate and CI bounds
    assert FP.same_pool(p0, p1)
    assert list(t["value from"]) == ["as chosen", "p1 at its source's pool estimate", "p1 at its source's 95% CI low",
                                     "p1 at its source's 95% CI high"]
    assert t.loc[2, "rule"] == f"no design: p1 ({t.loc[2, 'p1']}) must exceed p0 ({t.loc[2, 'p0']})"
    assert int(t.loc[3, "n"]) < int(t.loc[0, "n"])
    assert FP.SAME_POOL_NOTE in sec.across.caption
    md = sec.markdown()
    assert f"## {sec.across.title}" in md and sec.across.caption in md
    assert "| " + " | ".join(t.columns) + " |" in md
    for row in t.itertuples(index=False):
        assert "| " + " | ".join(str(v) for v in row) + " |" in md
    doc = Document(io.BytesIO(build_protocol_docx(sec)))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert heads == ["Sample size justification", "Inputs and their sources", "Designs", sec.across.title,
                     "References", *[h for h, _ in sec.reference_groups()]]
    word = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == "value from")
    assert [c.text for c in word.rows[0].cells] == list(t.columns)
    assert [[c.text for c in r.cells] for r in word.rows[1:]] == t.astype(str).values.tolist()
    refs = [p.text for p in doc.paragraphs if re.match(r"\d+\.\t", p.text)]
    assert refs == [f"{n}.\t{line}" for _, lines in sec.reference_groups() for n, line in lines]


def test_no_across_table_without_a_ci() -> None:
    typed = FP.typed_source(0.2, "a"), FP.typed_source(0.4, "b")
    assert FP.across_ci(*typed, 0.1, 0.1, "simon") is None
    sec = _section(*typed, FP.TrialPlan())
    assert "across the CI" not in sec.markdown()
    doc = Document(io.BytesIO(build_protocol_docx(sec)))
    assert not any("across the CI" in p.text for p in doc.paragraphs)


# ------------------------------------------------------------------------------ survival designs
SURV = FP.TrialPlan(partner="doxorubicin and ifosfamide", endpoint=FP.MEDIAN_PFS)


def _medians() -> dict[str, FP.Source]:
    return {k: FP.with_plan(v, SURV) for k, v in FP.median_sources(LIB).items()}


def test_median_benchmarks_as_m0_with_their_indirectness() -> None:
    med = _medians()
    doxifo = med["eortc62012-doxifo"]  # first-line doxorubicin + ifosfamide
    assert doxifo.value == 7.4 and doxifo.indirect == () and doxifo.caveat("m0") == ""
    palette = med["palette2012-pazopanib"]
    assert [i.kind for i in palette.indirect] == ["line", "regimen"]
    assert palette.caveat("m0").startswith("m0 comes from later-line, monotherapy cohorts; the plan is a first-line")
    assert (palette.ci_low, palette.ci_high, palette.estimate) == (3.7, 4.8, 4.6)


def test_survival_design_across_the_printed_ci_of_m0() -> None:
    from synthesis.design.tte import exponential_median_test, one_sample_logrank

    palette = _medians()["palette2012-pazopanib"]
    lr = FP.survival_across_ci("logrank", palette, lambda m: one_sample_logrank(m, 0.6, 24, 12, alpha=0.05, power=0.8))
    assert list(lr.table["m0 from"]) == ["as chosen", "benchmark estimate", "95% CI low", "95% CI high"]
    n = [int(x) for x in lr.table["patients n"]]
    assert n[0] == n[1] == one_sample_logrank(4.6, 0.6, 24, 12, alpha=0.05, power=0.8).n
    assert n[2] <= n[0] <= n[3] and n[2] < n[3]  # a longer control median: fewer events by the end, more patients
    ex = FP.survival_across_ci("exponential", palette,
                               lambda m: exponential_median_test(m, 4.7, 24, 12, alpha=0.05, power=0.8))
    assert ex.table.loc[3, "alternative"].startswith("m1 (4.7) must exceed m0 (4.8)")  # no design: says why
    assert FP.survival_across_ci("cph", palette, lambda m: None) is None
    doxifo = _medians()["eortc62012-doxifo"]
    assert FP.survival_across_ci("logrank", doxifo, lambda m: None) is None  # no printed CI


def test_survival_section_cites_the_benchmark_and_lays_out_the_across_table() -> None:
    from synthesis.design.tte import one_sample_logrank

    palette = _medians()["palette2012-pazopanib"]
    design = one_sample_logrank(palette.value, 0.6, 24, 12)
    text = FP.add_caveats(FP.paragraph_for(design, palette.phrase, "b"), (palette.caveat("m0"),))
    assert "the reference median is the median progression-free survival of 4.6 months with pazopanib" in text and "m0 comes from later-line" in text
    across = FP.survival_across_ci("logrank", palette, lambda m: one_sample_logrank(m, 0.6, 24, 12))
    sec = FP.ProtocolSection("Sample size", text, (), (("Design", FP.survival_summary(design)),), across,
                             FP.section_references(text, (palette,), BASE, LIB))
    assert [r.record.id for r in sec.references] == ["method-finkelstein", "method-wu",
                                                     "palette2012-pazopanib-median-pfs"]
    assert rispy.loads(sec.reference_files()["RIS"][1].decode())[2]["title"].startswith("Pazopanib for metastatic")
    doc = Document(io.BytesIO(build_protocol_docx(sec)))
    word = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == "m0 from")
    assert [[c.text for c in r.cells] for r in word.rows[1:]] == across.table.astype(str).values.tolist()
    assert "| m0 from | m0 | patients n |" in sec.markdown()


def test_bayesian_paragraph_states_the_assessment_and_the_accrual_target() -> None:
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0)
    text = FB.bayes_paragraph(d, p0=0.2, p1=0.4, alpha=0.1, power=0.8, p0_source="a", p1_source="b",
                              treatment="x", prior_source="weak", assessment=FP.ASSESSMENT["binary"], dropout=0.1)
    assert "is the objective response rate (ORR), based on best overall response per RECIST 1.1" in text
    assert "the accrual target is 45 patients (40/0.90, rounded up)" in text  # ceil(40 / 0.9)
    assert text.index("accrual target") < text.index("References:")


# ------------------------------------------------------------------------------ MAP prior's studies
def test_the_studies_behind_a_map_prior_are_cited_once(pooled_sources) -> None:
    """A MAP prior's studies are listed in the references (each study once): after a benchmark p0
    all of them under their own heading; after a pooled p0 of the same view none twice."""
    view = FB.view_counts(frames_of(BASE).outcomes, Selection())
    assert view is not None and len(view.study_ids) == len(view.events) >= 5
    _, summary = FB.map_mixture(view.events, view.totals, 1.0, view.study_ids)
    assert summary.study_ids == view.study_ids and summary.k == len(view.study_ids)

    bench = FP.benchmark_sources(LIB)[RULE]
    refs = FP.section_references("", (bench,), BASE, LIB, summary.study_ids)
    prior = [r for r in refs if r.group == "prior"]
    assert [r.record.id for r in prior] == [r.id for r in FP.references(BASE, view.study_ids)]
    sec = FP.ProtocolSection("Sample size justification", "", (), (), None, refs)
    md = sec.markdown()
    assert f"### {FP.REFERENCE_GROUPS['prior']}" in md
    assert all(r.text in md for r in prior)

    pooled_p0 = next(s for s in pooled_sources.values() if s.study_ids)
    refs = FP.section_references("", (pooled_p0,), BASE, LIB, summary.study_ids)
    ids = [r.record.id for r in refs if r.group in ("study", "prior")]
    assert len(ids) == len(set(ids))  # each study once
    assert {r.record.id for r in refs if r.group == "study"} == {r.id for r in FP.references(BASE, pooled_p0.study_ids)}
    assert set(ids) == {r.id for r in FP.references(BASE, (*pooled_p0.study_ids, *view.study_ids))}


def test_across_ci_moves_both_values_when_they_come_from_two_sources(pooled_sources) -> None:
    """p0 from a historical control printed with its CI, p1 from the pool: each is moved across its
    own source's CI and the caption has no same-pool note."""
    bench = FP.benchmark_sources(LIB)["benchmark · lagmay2016-efs4"]  # EFS rate 12% (6–19%)
    p1 = pooled_sources["ORR · current view · pooled"]
    assert not FP.same_pool(bench, p1)
    pairs = FP.across_ci_pairs(bench, p1)
    assert [k for k in pairs if k != "as chosen"] == [f"{v} at its source's {w}" for v, est in
                                                      (("p1", "pool estimate"), ("p0", "benchmark estimate"))
                                                      for w in (est, "95% CI low", "95% CI high")]
    across = FP.across_ci(bench, p1, 0.1, 0.1, "single")
    assert FP.SAME_POOL_NOTE not in across.caption
