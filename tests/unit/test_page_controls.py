"""findings.query.CONTROLS: the page controls kept in the link (tabs, chart-local choices).

One table per control (key, choices token -> label, default): its tokens are lowercase and
stable, every token and label reads back to itself, the labels old links carry are read, and an
unknown, empty or absent value gives the default without an exception.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from findings.query import CONTROLS, Control, parse_view, url_values

CHOICE_CONTROLS = [c for c in CONTROLS.values() if c.choices]
TOKEN = re.compile(r"[a-z0-9_.]+")


@pytest.mark.parametrize("c", CHOICE_CONTROLS, ids=lambda c: c.key)
def test_tokens_are_stable_lowercase_and_the_default_is_one(c: Control) -> None:
    assert all(TOKEN.fullmatch(t) for t in c.choices), list(c.choices)
    assert len({label.lower() for label in c.choices.values()}) == len(c.choices)  # labels tell apart
    defaults = c.default if c.kind == "many" else (c.default,)
    assert set(defaults) <= set(c.choices) or c.default is None  # None: the page's, from the data


@pytest.mark.parametrize("c", CHOICE_CONTROLS, ids=lambda c: c.key)
def test_every_token_and_label_round_trips(c: Control) -> None:
    for token, label in c.choices.items():
        value = (token,) if c.kind == "many" else token
        written = c.tokens(value)
        assert written == ([] if value == c.default else [token])
        # what is written reads back to the value (the default: an absent key)
        assert c.read(written) == value
        # the label an old link carries, in any case, reads as the token; it is written as the token
        for old in (label, label.upper(), token.upper(), f"  {label} "):
            assert c.read([old]) == value, old
        assert c.tokens((label,) if c.kind == "many" else label) == written


@pytest.mark.parametrize("c", list(CONTROLS.values()), ids=lambda c: c.key)
@pytest.mark.parametrize("bad", ["<script>", "", "   ", "nan", "1e999", "Histology group", "∞"])
def test_an_unknown_or_empty_value_gives_the_default(c: Control, bad: str) -> None:
    options = [] if not c.choices and c.kind in ("one", "many") else None  # no such value in the data
    assert c.read([bad], options) == c.default
    assert c.read([], options) == c.default


@settings(max_examples=200, deadline=None, database=None)
@given(key=st.sampled_from(sorted(CONTROLS)), values=st.lists(st.text(max_size=30), max_size=4))
def test_any_value_is_read_without_an_exception(key: str, values: list[str]) -> None:
    c = CONTROLS[key]
    got = c.read(values)
    if c.choices:
        assert got == c.default or (set(got) <= set(c.choices) if c.kind == "many" else got in c.choices)
    c.tokens(got)  # and whatever was read can be written


def test_old_label_links_from_docs_and_tests_read_as_tokens() -> None:
    assert CONTROLS["ptab"].read(["Methods & literature"]) == "methods"
    assert CONTROLS["ptab"].read(["Heterogeneity & models"]) == "heterogeneity"
    assert CONTROLS["ctab"].read(["Meta-regression"]) == "metareg"
    assert CONTROLS["group_by"].read(["Design"]) == "design"  # README
    assert CONTROLS["by"].read(["Histology"]) == "histology"
    assert CONTROLS["moderator"].read(["year"]) == "year"
    assert CONTROLS["moderator"].read(["Publication year"]) == "year"
    assert CONTROLS["tau2_mode"].read(["common"]) == "common"
    assert CONTROLS["atab"].read(["Certainty (GRADE)"]) == "grade"
    assert CONTROLS["s_tab"].read(["Forest per term"]) == "forest" and "stab" in CONTROLS["s_tab"].aliases
    assert CONTROLS["s_grade"].read(["grade ≥3", "any grade"]) == ("ge3", "any")
    assert CONTROLS["s_level"].read(["0.9"]) == "0.9" and CONTROLS["s_level"].read(["99%"]) == "0.99"
    assert CONTROLS["s_reports"].read(["All reports (overlapping cohorts)"]) == "all"
    assert CONTROLS["rob_group"].read(["true"]) is True and CONTROLS["rob_cb"].read(["False"]) is False


def test_data_valued_and_numeric_controls() -> None:
    terms = CONTROLS["s_term"]
    assert terms.read(["Hypertension", "Nope", "Hypertension"], ["Hypertension", "Proteinuria"]) \
        == ("Hypertension",)
    assert terms.tokens(["Hypertension", "Proteinuria"]) == ["Hypertension", "Proteinuria"]
    assert terms.tokens([]) == []
    study = CONTROLS["appraised"]
    assert study.read(["s02"], ["s01", "s02"]) == "s02" and study.read(["zz"], ["s01"]) is None
    p0 = CONTROLS["p0_orr"]
    assert p0.read(["15"]) == 15.0 and p0.read(["15.0"]) == 15.0 and p0.read(["15%"]) == 15.0
    assert p0.read(["150"]) == p0.default == 20.0 and p0.read(["-1"]) == 20.0 and p0.read(["inf"]) == 20.0
    assert p0.tokens(20.0) == [] and p0.tokens(15.0) == ["15"] and p0.tokens(12.5) == ["12.5"]
    assert CONTROLS["thr_pfs"].read([]) is None and CONTROLS["thr_pfs"].tokens(None) == []
    assert CONTROLS["thr_pfs"].tokens(6.0) == ["6"]


def test_the_one_writer_writes_control_tokens_and_the_parser_knows_the_keys() -> None:
    fields = {"ptab": "Sensitivity", "by": "Histology", "group_by": "none", "s_grade": ["grade ≥3"],
              "rob_group": True, "p0_orr": 25.0, "atab": "Certainty (GRADE)", "method": "PM"}
    out = url_values(fields)
    assert out == {"method": ["pm"], "ptab": ["sensitivity"], "by": ["histology"], "group_by": [],
                   "s_grade": ["ge3"], "rob_group": ["true"], "p0_orr": ["25"], "atab": ["grade"]}
    # every control key (and the Safety tab's older key) is known to the view parser: no problem
    query = [(k, v) for k, vs in out.items() for v in vs] + [("stab", "Forest per term")]
    assert parse_view(query).problems == ()


def test_the_present_pages_figures_are_the_reports_figures() -> None:
    from reports.content import FIGURE_SECTIONS

    assert list(CONTROLS["slide"].choices) == list(FIGURE_SECTIONS)
    assert CONTROLS["slide"].read(["Risk of bias"]) == "rob"  # links of the presentation tests


def test_a_link_is_tidied_to_tokens_and_older_keys_are_left_to_their_page() -> None:
    from findings.query import control_rewrites

    link = {"by": ["Histology"], "ptab": ["sensitivity"], "ctab": ["Subgroups"], "s_grade": ["grade ≥3"],
            "p0_orr": ["15.0"], "moderator": ["<script>"], "stab": ["Forest per term"], "method": ["REML"]}
    assert control_rewrites(link) == {"by": ["histology"], "ctab": [], "s_grade": ["ge3"], "p0_orr": ["15"],
                                      "moderator": []}
    assert control_rewrites({"by": ["histology"], "ptab": ["methods"]}) == {}  # tokens: nothing to do


def test_labels_of_data_options_in_older_links() -> None:
    curve = CONTROLS["curve"]
    labels = {"s10:PFS": "Wang 2020 (synovial) · PFS · 3 points", "s02:OS": "Xie 2019 · OS · 2 points"}
    assert curve.read(["Wang 2020 (synovial) · PFS · 3 points"], list(labels), labels) == "s10:PFS"
    assert curve.read(["s02:OS"], list(labels), labels) == "s02:OS"
    assert curve.read(["Nobody · PFS"], list(labels), labels) is None  # the page's default


def test_planner_controls_read_old_labels_and_write_tokens() -> None:
    """The Trial planner's choices: the labels Streamlit's binding wrote (``plan=Single+stage``,
    ``dprior=MAP+prior+from…``, ``pl_ep=PFS rate``) read as tokens; the sources' tokens come from
    their keys (endpoint.scope.statistic, a benchmark's id) and old links' keys read back."""
    from findings import planner as FP
    from findings import planner_bayes as FB
    from findings.query import TYPED, slug, source_tokens

    assert CONTROLS["plan"].read(["Single stage"]) == "single" and CONTROLS["plan"].read([]) == "simon"
    assert CONTROLS["dprior"].read([FB.PRIORS["map"]]) == "map" and CONTROLS["dprior"].tokens("weak") == []
    assert CONTROLS["pl_ep"].read(["PFS rate"]) == "pfs_rate" and CONTROLS["pl_line"].read(["later line"]) == "later"
    assert CONTROLS["pl_tab"].read(["EN(p0) against n"]) == "en" and CONTROLS["pl_btab"].read(["Prior–data conflict"]) == "conflict"
    assert CONTROLS["pl_lib"].read(["true"]) is True and CONTROLS["pl_lib"].tokens(False) == []
    # labels and TrialPlan values are one table
    assert FP.PLANS == dict(CONTROLS["plan"].choices)
    assert FP.PLAN_ENDPOINTS == tuple(CONTROLS["pl_ep"].choices.values()) and FP.TrialPlan().line == "first line"
    keys = ["ORR · current view · CI low", "DCR · soft-tissue sarcoma · pooled", "benchmark · eortc62012-doxifo-orr"]
    toks = source_tokens(keys)
    assert list(toks) == ["orr.current_view.ci_low", "dcr.soft-tissue_sarcoma.pooled", "eortc62012-doxifo-orr"]
    assert all(re.fullmatch(r"[a-z0-9_.-]+", t) for t in toks)
    c, labels = CONTROLS["p0_src"], {TYPED: FP.TYPED, **toks}
    for tok, key in labels.items():  # the token and the old label (the key) give the token
        assert c.read([tok], list(labels), labels) == tok == c.read([key], list(labels), labels)
    assert c.read(["ORR · elsewhere · pooled"], list(labels), labels) == TYPED and c.tokens(TYPED) == []
    assert c.read(["ORR.Current_View.CI_low"], list(labels), labels) == "orr.current_view.ci_low"  # any case
    assert slug("Soft-tissue sarcoma") == "soft-tissue_sarcoma"
