"""GRADE rules (synthesis.grade): each domain's proposal, the start levels, overrides and their URL form."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from synthesis.grade import Override, assess, decode_overrides, encode_overrides, symbols

BASE = {"question": "treatment effect", "k": 11, "n": 349, "estimate": 0.28, "ci": (0.22, 0.35),
        "i2": 40.0, "threshold": 0.20, "weight_high": 0.2}


def test_pi_crossing_p0_proposes_serious_inconsistency():
    g = assess("ORR", pi=(0.10, 0.55), **BASE)
    d = g.domain("inconsistency")
    assert d.proposed == "serious" and d.rating == "serious" and d.change == -1
    assert "spans" in d.reason and "0.2" in d.reason


def test_pi_above_p0_is_not_serious():
    g = assess("ORR", pi=(0.21, 0.40), **BASE)
    assert g.domain("inconsistency").rating == "not serious"


def test_pi_not_computable_falls_back_to_i2():
    hi = assess("ORR", pi=(float("nan"), float("nan")), **{**BASE, "i2": 72.0})
    lo = assess("ORR", pi=None, **{**BASE, "i2": 20.0})
    assert hi.domain("inconsistency").rating == "serious" and "I²" in hi.domain("inconsistency").reason
    assert lo.domain("inconsistency").rating == "not serious"


def test_risk_of_bias_more_than_half_weight_high():
    assert assess("ORR", pi=None, **{**BASE, "weight_high": 0.51}).domain("risk of bias").rating == "serious"
    assert assess("ORR", pi=None, **{**BASE, "weight_high": 0.50}).domain("risk of bias").rating == "not serious"


def test_imprecision_ci_crossing_threshold():
    g = assess("ORR", pi=None, **{**BASE, "ci": (0.15, 0.35)})
    assert g.domain("imprecision").rating == "serious"
    small = assess("ORR", pi=None, **{**BASE, "ci": (0.15, 0.35), "n": 60})
    assert small.domain("imprecision").rating == "very serious"
    assert assess("ORR", pi=None, **BASE).domain("imprecision").rating == "not serious"


def test_publication_bias_not_assessable_below_10():
    g = assess("ORR", pi=None, **{**BASE, "k": 9})
    d = g.domain("publication bias")
    assert d.rating == "not assessable" and d.change == 0 and "k = 9" in d.reason
    g10 = assess("ORR", pi=None, egger_p=0.03, **{**BASE, "k": 10})
    assert g10.domain("publication bias").rating == "suspected"


def test_start_levels_per_question():
    te = assess("ORR", pi=(0.21, 0.4), **BASE)
    er = assess("grade >= 3 AEs", pi=(0.21, 0.4), **{**BASE, "question": "event rate"})
    assert te.start == 2 and er.start == 4
    assert te.level == 2 and te.words == "low" and te.symbols == "⊕⊕◯◯"
    assert er.level == 4 and er.words == "high"


def test_large_effect_rates_up_only_without_downgrades():
    g = assess("ORR", pi=(0.45, 0.7), **{**BASE, "estimate": 0.55, "ci": (0.45, 0.65)})
    assert g.domain("large effect").rating == "large" and g.level == 3
    g2 = assess("ORR", pi=(0.45, 0.7), **{**BASE, "estimate": 0.55, "ci": (0.45, 0.65),
                                             "weight_high": 0.9})
    assert g2.domain("large effect").rating == "none"


def test_indirectness_reasons():
    g = assess("ORR", pi=None, indirect=("combination regimens pooled",), **BASE)
    assert g.domain("indirectness").rating == "serious"
    assert "combination" in g.domain("indirectness").reason


def test_override_replaces_rating_and_keeps_proposal():
    o = Override("imprecision", "not serious", "protocol threshold is 15%, CI above it")
    g = assess("ORR", pi=None, overrides=[o], **{**BASE, "ci": (0.15, 0.35)})
    d = g.domain("imprecision")
    assert d.rating == "not serious" and d.proposed == "serious" and d.overridden
    assert d.override_reason.startswith("protocol")


def test_override_survives_a_url_round_trip():
    ov = {"ORR": {"inconsistency": Override("inconsistency", "not serious",
                                            "histologies differ by design; see subgroup tab — ok & fine?"),
                  "imprecision": Override("imprecision", "very serious", "n < OIS (Ø 400)")},
          "DCR": {"risk of bias": Override("risk of bias", "not serious", "prospective trials dominate")}}
    url = "http://localhost:8501/appraisal?" + urlencode({"endpoint": "ORR", "grade": encode_overrides(ov)})
    back = parse_qs(urlsplit(url).query)["grade"][0]
    assert decode_overrides(back) == ov
    assert len(encode_overrides(ov)) < 400


@pytest.mark.parametrize("bad", ["x", "g1.!!!", "g1." + "A" * 10])
def test_bad_override_text_is_a_value_error(bad):
    with pytest.raises(ValueError, match="GRADE overrides"):
        decode_overrides(bad)


def test_override_validation():
    with pytest.raises(ValueError, match="needs a reason"):
        Override("imprecision", "serious", " ")
    with pytest.raises(ValueError, match="rating"):
        Override("imprecision", "bad", "why")
    with pytest.raises(ValueError, match="domain"):
        Override("color", "serious", "why")


def test_input_validation():
    with pytest.raises(ValueError, match="question"):
        assess("ORR", pi=None, **{**BASE, "question": "prognosis"})
    with pytest.raises(ValueError, match="weight_high"):
        assess("ORR", pi=None, **{**BASE, "weight_high": 1.5})


def test_symbols_clamp():
    assert symbols(0) == "⊕◯◯◯" and symbols(9) == "⊕⊕⊕⊕"


def test_imprecision_without_threshold_uses_the_patient_count():
    small = assess("grade >= 3 AEs", pi=None, **{**BASE, "question": "event rate", "threshold": None,
                                                  "n": 33, "k": 1})
    big = assess("grade >= 3 AEs", pi=None, **{**BASE, "question": "event rate", "threshold": None})
    assert small.domain("imprecision").rating == "serious" and "fewer than 100" in small.domain("imprecision").reason
    assert big.domain("imprecision").rating == "not serious"
    assert small.domain("inconsistency").rating == "not assessable"  # one study: no I² fallback either
