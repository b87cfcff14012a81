"""data/benchmarks.yaml: provenance of every historical control, and the EORTC 62043 design."""

from __future__ import annotations

import re

import pytest

from evidence.benchmarks import load_benchmarks
from findings.planner import Source, TrialPlan, benchmark_sources, with_plan
from synthesis.design.simon import simon_two_stage

LIB = load_benchmarks()


@pytest.mark.parametrize("b", LIB.benchmarks, ids=[b.id for b in LIB.benchmarks])
def test_every_value_is_in_its_printed_text(b) -> None:
    """The value (as a percentage, or months) appears in the text recorded as printed."""
    printed = b.printed.replace("·", ".")
    if b.unit == "proportion":
        shown = f"{round(100 * b.value)}%"
        assert shown in printed or f"{round(100 * b.value)} and" in printed or re.search(
            rf"\b{round(100 * b.value)}\b", printed), (shown, printed)
    else:
        assert f"{b.value:g} months" in printed
    if b.events is not None:  # a value computed from counts says how, and the counts are printed
        assert str(b.events) in printed or "five" in printed
        assert f"{b.events}/{b.n}" in (b.derived or "")
        assert abs(b.events / b.n - b.value) < 0.005


def test_library_covers_the_issue_sources() -> None:
    ids = {b.id.split("-")[0] for b in LIB.benchmarks}
    assert {"vanglabbeke2002", "eortc62043", "minchom2010", "palette2012", "eortc62012"} <= ids


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
