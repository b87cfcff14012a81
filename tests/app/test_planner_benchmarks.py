"""Trial planner: the historical-control library is listed for the planned trial, and a benchmark
picked as p0/p1 carries its citation, its provenance and its interval."""

from __future__ import annotations

from tests.app.page_text import NAN, visible_text

PAGE = "pages/planner.py"


def _library(at):
    return next(d.value for d in at.dataframe if "Option" in d.value.columns)


def test_library_lists_the_new_benchmarks_for_the_plan(app_test) -> None:
    at = app_test(page=PAGE, query={"pl_line": "first line", "pl_reg": "combination", "pl_lib": "true"})
    assert not at.exception, [e.value for e in at.exception]
    lib = _library(at).set_index("Option", drop=False)
    assert lib.loc["benchmark · eortc62012-doxifo-orr", "For the planned trial"] == "direct"
    assert lib.loc["benchmark · lagmay2016-efs4", "For the planned trial"] == "indirect: line, endpoint"
    assert lib.loc["benchmark · lagmay2016-efs4", "Interval as printed"] == "95% CI 6–19%"
    geddis = lib[lib["Study"] == "Seddon 2017"]
    assert "23.3 weeks" in set(geddis["Value"])
    assert {"geddis2017-doxorubicin (as m0)", "median OS: not offered"} <= set(geddis["Option"])
    text = visible_text(at)
    assert "Notes on provenance" in text and "just under 73 ½ weeks for those who had doxorubicin" in text
    assert not NAN.search(text)


def test_benchmark_as_p0_and_p1_with_provenance_and_interval(app_test) -> None:
    at = app_test(page=PAGE, query={"p0_src": "benchmark · eortc62012-doxorubicin-orr",
                                    "p1_src": "benchmark · eortc62012-doxifo-orr"})
    assert not at.exception, [e.value for e in at.exception]
    caps = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "p0 = 0.136" in caps and "(CR 1 + PR 30)/228 = 31/228" in caps
    assert "Congress report of the presentation (ESMO 2012)" in caps.replace("\\", "")
    warn = " ".join(str(w.value) for w in at.warning).replace("\\", "")
    assert "p0 comes from monotherapy cohorts" in warn and "p1 comes from" not in warn
    code = at.code[0].value
    assert "Judson I, Verweij J, Gelderblom H, et al. Doxorubicin alone versus intensified" in code
    # a benchmark with a printed interval: the design across it
    at = app_test(page=PAGE, query={"p1_src": "benchmark · lagmay2016-aost0221-efs12", "p0": "0.05"})
    assert not at.exception
    across = [d.value for d in at.dataframe if "value from" in d.value.columns]
    assert across and "p1 at its source's 95% CI low" in set(across[0]["value from"])
    assert "p1 at its source's benchmark estimate" in set(across[0]["value from"])
    assert not NAN.search(visible_text(at))


def test_benchmark_median_as_m0_of_the_exponential_design(app_test) -> None:
    """A median PFS printed in weeks becomes m0 in months, cited in the paragraph and the references."""
    at = app_test(page=PAGE, query={"plan": "Exponential median", "m0_src": "geddis2017-doxorubicin",
                                    "m1": "8"})
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    assert "m0 = 5.36 months" in text and "23.3 weeks (5.36 months at 30.44 days a month)" in text
    assert "Provenance of the value: Read in a news report" in text
    code = at.code[0].value
    assert "median progression-free survival of 23.3 weeks" in code and "Seddon B, Strauss SJ" in code
    assert not [t for t in at.text_input if t.key == "m0_note"]  # no typed source beside a cited one
    assert not NAN.search(text)


def test_library_is_built_only_when_opened(app_test) -> None:
    """Closed (the default), the library's expander holds nothing: its table is not rebuilt and
    resent on every rerun; ``pl_lib=true`` in the URL opens it (the test above)."""
    at = app_test(page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert [e for e in at.expander if e.label.startswith("Historical controls")]
    assert not [d for d in at.dataframe if "Option" in d.value.columns]
    assert "Notes on provenance" not in visible_text(at)
