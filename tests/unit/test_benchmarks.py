"""data/benchmarks.yaml: provenance of every historical control, and the EORTC 62043 design."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from evidence.benchmarks import DEFAULT_PATH, load_benchmarks
from findings.planner import (
    Source,
    TrialPlan,
    benchmark_sources,
    median_sources,
    section_references,
    with_plan,
)
from synthesis.design.simon import simon_two_stage

LIB = load_benchmarks()


def _number(x: float) -> str:
    return f"{x:.10g}"


def _in(num: str, text: str) -> bool:
    """``num`` appears in ``text`` as a whole number (not inside a longer one)."""
    return re.search(rf"(?<![\d.]){re.escape(num)}(?![\d])", text) is not None


WORDS = {5: "five"}  # counts printed in words


@pytest.mark.parametrize("b", LIB.benchmarks, ids=[b.id for b in LIB.benchmarks])
def test_every_value_is_in_its_printed_text(b) -> None:
    """A value is printed as such (a percentage, or a time with its unit), or it is derived from
    counts that are printed, and ``derived`` says how; a printed interval is printed with its kind."""
    printed = b.printed.replace("·", ".")
    shown = _number(100 * b.value if b.unit == "proportion" else b.value)
    if b.derived is None:
        assert _in(shown, printed), (shown, printed)
        if b.unit != "proportion":
            assert re.search(rf"{re.escape(shown)}\)? ?{b.unit}", printed) or f"{shown} {b.unit}" in printed
    else:  # "value = <formula of printed counts> = events/n = value ..."
        assert b.derived.startswith("value = ") and b.events is not None and b.n is not None
        # the value is the printed (rounded) percentage, or the ratio of the counts to 3 decimals
        tol = 0.005 if _in(shown, printed) else 0.0005
        assert f"{b.events}/{b.n}" in b.derived and abs(b.events / b.n - b.value) < tol
        formula = b.derived.split(" = ")[1]
        for count in map(int, re.findall(r"(?<![\d.])\d+(?![\d.])", formula)):
            assert _in(str(count), printed) or WORDS.get(count, "?") in printed, (count, printed)
    if b.ci_kind is not None:
        assert b.ci_kind in printed
        for bound in (b.ci_low, b.ci_high):
            assert _in(_number(100 * bound if b.unit == "proportion" else bound), printed), (bound, printed)
    if b.time_printed is not None:
        assert b.time_printed in printed
        weeks = float(b.time_printed.split()[0])
        assert b.time_printed.endswith("weeks") and abs(weeks * 7 / 30.44 - b.time_months) < 0.05


def test_library_covers_the_issue_sources() -> None:
    ids = {b.id.split("-")[0] for b in LIB.benchmarks}
    assert {"vanglabbeke2002", "eortc62043", "minchom2010", "palette2012", "eortc62012", "geddis2017",
            "lagmay2016"} <= ids


def test_van_glabbeke_rule_reproduces_eortc_62043_simon_design() -> None:
    """p0 = 20% / p1 = 40% (van Glabbeke 2002), alpha = beta = 0.1: EORTC 62043's 3/17, 10/37."""
    p0 = next(b for b in LIB.benchmarks if b.id == "vanglabbeke2002-rule-inactive").value
    p1 = next(b for b in LIB.benchmarks if b.id == "vanglabbeke2002-rule-active").value
    res = simon_two_stage(p0, p1, alpha=0.1, beta=0.1)
    assert res.optimal.boundary() == "3/17, 10/37"


def test_benchmark_sources_cite_and_flag_indirectness() -> None:
    src = benchmark_sources(LIB)
    s = src["benchmark · eortc62043-synovial-pfr12w"]
    assert s.value == 0.49 and "Sleijfer S" in s.phrase and "18 (49%) of 37" in s.phrase
    assert "indirect" in s.caveat("p1") and "line second or later" in s.caveat("p1")
    assert all(v.endpoint == "" for v in src.values())  # never mistaken for a pooled ORR/DCR
    assert not any("median" in k for k in src)  # medians are not rates


def test_bad_file_names_row_and_field(tmp_path) -> None:
    p = tmp_path / "benchmarks.yaml"
    p.write_text("version: x\nbenchmarks:\n  - id: a\n    source: 'Someone 2000 long enough'\n"
                 "    url: https://x.org\n    location: abstract\n    printed: 'PFR 30%'\n"
                 "    endpoint: progression-free rate\n    time_months: 3\n    value: 1.3\n"
                 "    line: first\n    regimen: r\n    histology: h\n    design: d\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"benchmarks.yaml: benchmark row 0.*proportion"):
        load_benchmarks(p)
    p.write_text(p.read_text().replace("value: 1.3", "value: 0.3\n    colour: red"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 0, field colour"):
        load_benchmarks(p)


def test_first_line_benchmark_is_flagged_for_its_endpoint_only() -> None:
    b = next(b for b in LIB.benchmarks if b.id == "eortc62012-doxorubicin-os12")
    s = with_plan(Source("k", "k", b.value, "p", "", benchmark=b), TrialPlan(regimen="monotherapy"))
    assert [i.kind for i in s.indirect] == ["endpoint"] and "measures overall survival rate" in s.note


# --------------------------------------------------------------------------------------------
# the entries read for issue 19 (EORTC 62012 medians and responses, GeDDiS, Lagmay 2016, the first-
# line and 6-month values of van Glabbeke 2002): what was read, where, and for which setting
NEW = {
    # id: (endpoint, time in months, value, unit, n, citation, where it was read)
    "eortc62012-doxorubicin-median-pfs": ("median PFS", None, 4.6, "months", 228, "Judson I", "oncologynurseadvisor.com"),
    "eortc62012-doxifo-median-pfs": ("median PFS", None, 7.4, "months", 227, "Judson I", "oncologynurseadvisor.com"),
    "eortc62012-doxorubicin-median-os": ("median OS", None, 12.8, "months", 228, "Judson I", "oncologynurseadvisor.com"),
    "eortc62012-doxifo-median-os": ("median OS", None, 14.3, "months", 227, "Judson I", "oncologynurseadvisor.com"),
    "eortc62012-doxorubicin-orr": ("objective response rate", None, 0.136, "proportion", 228, "Judson I", "esmo.org"),
    "eortc62012-doxifo-orr": ("objective response rate", None, 0.264, "proportion", 227, "Judson I", "esmo.org"),
    "geddis2017-doxorubicin-pfr24w": ("progression-free rate", 5.5, 0.463, "proportion", 129, "Seddon B", "ascopost.com"),
    "geddis2017-doxorubicin-median-pfs": ("median PFS", None, 23.3, "weeks", 129, "Seddon B", "ascopost.com"),
    "geddis2017-doxorubicin-os24w": ("overall survival rate", 5.5, 0.868, "proportion", 129, "Seddon B", "ascopost.com"),
    "geddis2017-doxorubicin-median-os": ("median OS", None, 76.3, "weeks", 129, "Seddon B", "ascopost.com"),
    "geddis2017-doxorubicin-orr": ("objective response rate", None, 0.194, "proportion", 129, "Seddon B", "cancerresearchuk.org"),
    "lagmay2016-efs4": ("event-free rate", 4, 0.12, "proportion", 96, "Lagmay JP", "PMC5012712"),
    "lagmay2016-aost0221-efs12": ("event-free rate", 12, 0.20, "proportion", 42, "Lagmay JP", "PMC5012712"),
    "vanglabbeke2002-second-line-active-pfr6": ("progression-free rate", 6, 0.14, "proportion", 146, "van Glabbeke M", "repub.eur.nl"),
    "vanglabbeke2002-second-line-inactive-pfr6": ("progression-free rate", 6, 0.08, "proportion", 234, "van Glabbeke M", "repub.eur.nl"),
    "vanglabbeke2002-first-line-synovial-pfr3": ("progression-free rate", 3, 0.77, "proportion", None, "van Glabbeke M", "repub.eur.nl"),
    "vanglabbeke2002-first-line-mfh-pfr3": ("progression-free rate", 3, 0.57, "proportion", None, "van Glabbeke M", "repub.eur.nl"),
    "vanglabbeke2002-first-line-synovial-pfr6": ("progression-free rate", 6, 0.56, "proportion", None, "van Glabbeke M", "repub.eur.nl"),
    "vanglabbeke2002-first-line-mfh-pfr6": ("progression-free rate", 6, 0.38, "proportion", None, "van Glabbeke M", "repub.eur.nl"),
    "vanglabbeke2002-first-line-gi-leiomyosarcoma-pfr3": ("progression-free rate", 3, 0.44, "proportion", 61, "van Glabbeke M", "repub.eur.nl"),
    "vanglabbeke2002-first-line-gi-leiomyosarcoma-pfr6": ("progression-free rate", 6, 0.30, "proportion", 61, "van Glabbeke M", "repub.eur.nl"),
}
BY_ID = {b.id: b for b in LIB.benchmarks}


@pytest.mark.parametrize("bid", sorted(NEW))
def test_new_entry_as_read(bid: str) -> None:
    endpoint, months, value, unit, n, author, where = NEW[bid]
    b = BY_ID[bid]
    assert (b.endpoint, b.time_months, b.value, b.unit, b.n) == (endpoint, months, value, unit, n)
    assert b.source.startswith(author) and where in b.url and b.location and b.printed
    first = bid.startswith(("eortc62012", "geddis2017", "vanglabbeke2002-first-line"))
    assert b.line.lower().startswith("first") == first


def test_secondary_reports_and_conflicts_are_flagged() -> None:
    """Values read in a news report, a congress report or a lay summary say so; GeDDiS' median OS
    disagrees between two reports and the disagreement is recorded, not resolved."""
    for bid in NEW:
        if bid.startswith(("eortc62012", "geddis2017")):
            assert BY_ID[bid].flag, bid
    assert "73 ½ weeks" in BY_ID["geddis2017-doxorubicin-median-os"].flag
    assert "ifosfamide/docetaxel" in BY_ID["eortc62012-doxifo-orr"].flag  # the congress page's slip
    assert BY_ID["lagmay2016-efs4"].flag is None  # read in the abstract itself
    src = benchmark_sources(LIB)["benchmark · eortc62012-doxifo-orr"]
    assert src.provenance.startswith("Provenance of the value: Congress report")
    assert benchmark_sources(LIB)["benchmark · lagmay2016-efs4"].provenance == ""


def test_medians_are_times_in_their_printed_unit() -> None:
    b = BY_ID["geddis2017-doxorubicin-median-pfs"]
    assert b.months == pytest.approx(23.3 * 7 / 30.44)
    assert BY_ID["eortc62012-doxorubicin-median-os"].months == 12.8
    assert BY_ID["lagmay2016-efs4"].months is None
    src = benchmark_sources(LIB)
    assert not any(k.endswith(("median-pfs", "median-os")) for k in src)  # never offered as p0/p1


def test_new_benchmarks_are_offered_with_their_citation_and_interval() -> None:
    src = benchmark_sources(LIB)
    s = src["benchmark · lagmay2016-efs4"]
    assert s.label == "Lagmay 2016 · EFS rate at 4 months · inactive agents, osteosarcoma = 12.0%"
    assert (s.value, s.ci_low, s.ci_high, s.level, s.total_n) == (0.12, 0.06, 0.19, 0.95, 96)
    assert "Lagmay JP" in s.phrase and "12% at 4 months (95% CI, 6% to 19%)" in s.phrase
    orr = src["benchmark · eortc62012-doxorubicin-orr"]
    assert orr.label == "Judson 2014 · ORR · doxorubicin 75 mg/m2, high-grade soft-tissue sarcoma = 13.6%"
    assert "(CR 1 + PR 30)/228 = 31/228" in orr.phrase and orr.ci_low is None
    assert len({v.label for v in src.values()}) == len(src)  # every option can be told apart


def _indirect(bid: str, plan: TrialPlan) -> Source:
    b = BY_ID[bid]
    return with_plan(Source("k", "k", b.value, "p", "", benchmark=b), plan)


def test_four_month_efs_benchmark_against_an_orr_plan_is_flagged() -> None:
    s = _indirect("lagmay2016-efs4", TrialPlan(line="later line", regimen="monotherapy"))
    assert [i.kind for i in s.indirect] == ["endpoint"]
    assert "measures event-free rate at 4 months" in s.note and "endpoint ORR" in s.note
    # an EFS rate is not a PFS rate, even at the same time point
    pfs4 = _indirect("lagmay2016-efs4", TrialPlan("later line", "monotherapy", endpoint="PFS rate", months=4))
    assert [i.kind for i in pfs4.indirect] == ["endpoint"]
    # and for the seed protocol's first-line plan the line differs too
    assert {i.kind for i in _indirect("lagmay2016-efs4", TrialPlan()).indirect} == {"line", "endpoint"}


def test_24_week_rate_is_not_a_6_month_rate() -> None:
    plan = TrialPlan("first line", "monotherapy", endpoint="PFS rate", months=6)
    s = _indirect("geddis2017-doxorubicin-pfr24w", plan)
    assert [i.kind for i in s.indirect] == ["endpoint"] and "progression-free rate at 24 weeks" in s.note
    assert _indirect("geddis2017-doxorubicin-pfr24w", replace(plan, months=5.5)).indirect == ()


def test_eortc_62012_responses_for_the_seed_protocol() -> None:
    """First-line doxorubicin + ifosfamide ORR is direct for a first-line combination with ORR as
    endpoint; the doxorubicin arm differs by its regimen only."""
    assert _indirect("eortc62012-doxifo-orr", TrialPlan()).indirect == ()
    mono = _indirect("eortc62012-doxorubicin-orr", TrialPlan())
    assert [(i.kind, i.source) for i in mono.indirect] == [("regimen", "monotherapy")]
    hist = _indirect("vanglabbeke2002-first-line-synovial-pfr6",
                     TrialPlan(endpoint="PFS rate", months=6, histology="soft-tissue sarcoma"))
    assert [i.kind for i in hist.indirect] == ["histology"]


@pytest.mark.parametrize("change, match", [
    ("    time_months: 3\n", "has no time point"),  # an ORR has no time point
    ("    unit: months\n", "a median is a time"),
    ("    ci_low: 0.1\n", "needs ci_low, ci_high and ci_kind"),
    ("    ci_low: 0.35\n    ci_high: 0.5\n    ci_kind: 95% CI\n", "outside its interval"),
    ("    ci_low: 0.1\n    ci_high: 0.5\n    ci_kind: 95 percent\n", "ci_kind"),
])
def test_contract_rejects_inconsistent_rows(tmp_path, change: str, match: str) -> None:
    row = ("version: x\nbenchmarks:\n  - id: a\n    source: 'Someone 2000 long enough'\n"
           "    url: https://x.org\n    location: abstract\n    printed: 'ORR 30%'\n"
           "    endpoint: objective response rate\n    value: 0.3\n" + change
           + "    line: first\n    regimen: r\n    histology: h\n    design: d\n")
    p = tmp_path / "benchmarks.yaml"
    p.write_text(row, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        load_benchmarks(p)


@pytest.mark.parametrize("bid", sorted(k for k, v in NEW.items() if v[3] == "proportion"))
def test_protocol_reference_is_the_full_publication(bid: str) -> None:
    """A benchmark read in a report of the trial is still cited as the publication, with its title."""
    s = benchmark_sources(LIB)[f"benchmark · {bid}"]
    (ref,) = section_references("", (s,), None, LIB)
    study = bid.split("-", maxsplit=1)[0]
    fullest = max((b.source for b in LIB.benchmarks if b.id.startswith(f"{study}-")), key=len)
    assert ref.text == fullest


def test_every_new_entry_is_backed_by_a_logged_search() -> None:
    backed = {bid for s in LIB.searches for bid in s.benchmarks}
    assert set(NEW) <= backed
    assert any(not s.benchmarks for s in LIB.searches)  # searches that found nothing usable are kept too
    assert all(s.date == "2026-12-06" and "stored" in s.source for s in LIB.searches)


def test_search_naming_an_unknown_benchmark_is_rejected(tmp_path) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "benchmarks: [lagmay2016-efs4, lagmay2016-aost0221-efs12]", "benchmarks: [lagmay2016-efs6]")
    p = tmp_path / "benchmarks.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"^benchmarks.yaml: search 1\d names unknown benchmark\(s\): lagmay2016-efs6\.$"):
        load_benchmarks(p)
    p.write_text(text.replace('date: "2026-12-06"', 'date: "6 Dec"', 1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"search row 0, field date"):
        load_benchmarks(p)


def test_only_pfs_medians_are_offered_as_m0_in_months() -> None:
    meds = median_sources(LIB)
    assert {s.benchmark.id for s in meds.values()} == {b.id for b in LIB.benchmarks if b.endpoint == "median PFS"}
    assert meds["eortc62012-doxorubicin"].value == 4.6
    assert meds["geddis2017-doxorubicin"].value == round(23.3 * 7 / 30.44, 2)
    assert all(s.benchmark.endpoint == "median PFS" for s in meds.values())
    (ref,) = section_references("", (meds["eortc62012-doxifo"],), None, LIB)
    assert ref.text.startswith("Judson I, Verweij J, Gelderblom H, et al. Doxorubicin alone versus")
