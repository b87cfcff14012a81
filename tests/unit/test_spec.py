"""synthesis.spec.Model validates its fields and owns the GLMM rules; the public vocabulary."""

from __future__ import annotations

import math
import typing

import pytest

import synthesis
from synthesis import vocabulary as voc
from synthesis.spec import Model


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("method", "<script>", "'CE', 'DL', 'REML', 'PM', 'ML', 'HE', 'SJ', 'EB' or 'GLMM'"),
        ("transform", "probit", "'logit', 'freeman-tukey', 'arcsine', 'raw' or 'log'"),
        ("ci_method", "knha", "'z', 't', 'hksj' or 'hksj-adhoc'"),
        ("pi_method", "t(k-3)", "'metafor', 'z', 't(k-1)' or 't(k-2)'"),
        ("i2_definition", "H", "'tau2' or 'Q'"),
        ("study_ci_method", "wald", "'clopper-pearson' or 'wilson'"),
    ],
)
def test_choice_fields_are_validated_naming_field_and_allowed(field, value, allowed) -> None:
    with pytest.raises(ValueError) as exc:
        Model(**{field: value})
    assert str(exc.value) == f"{field} ({value!r}) must be one of {allowed}."


@pytest.mark.parametrize("level", [math.nan, 0.0, 1.0, 95, -0.5, "x", None, True])
def test_level_outside_unit_interval_is_refused(level) -> None:
    with pytest.raises(ValueError, match=r"^level \("):
        Model(level=level)


@pytest.mark.parametrize("scale", [0.7, math.inf, "big"])
def test_prior_scale_must_be_offered(scale) -> None:
    with pytest.raises(ValueError, match=r"^prior_scale \("):
        Model(prior_scale=scale)


def test_numbers_are_normalised_to_float() -> None:
    m = Model(level="0.9", prior_scale=1)
    assert m.level == 0.9 and isinstance(m.level, float)
    assert m.prior_scale == 1.0 and isinstance(m.prior_scale, float)


def test_glmm_uses_the_logit_link_whatever_was_asked() -> None:
    assert Model(method="GLMM", transform="freeman-tukey").transform == "logit"
    assert Model(method="REML", transform="freeman-tukey").transform == "freeman-tukey"
    assert Model(method="GLMM", transform="raw") == Model(method="GLMM")


def test_iv_standin_replaces_only_the_glmm() -> None:
    iv = Model(method="GLMM", ci_method="t", level=0.9).iv_standin()
    assert (iv.method, iv.transform, iv.ci_method, iv.level) == ("REML", "logit", "t", 0.9)
    pm = Model(method="PM", transform="arcsine")
    assert pm.iv_standin() is pm
    assert Model(method="DL").regression_kwargs()["method"] == "REML"
    assert Model(method="GLMM").influence_kwargs() == {
        "transform": "logit", "method": "REML", "ci_method": "hksj-adhoc"
    }


def test_model_field_types_are_the_vocabulary_literals() -> None:
    hints = typing.get_type_hints(Model)
    assert hints["method"] is voc.Method
    assert hints["ci_method"] is voc.CIMethod
    pool = typing.get_type_hints(synthesis.pool_proportions)
    for name, lit in (("transform", voc.Transform), ("method", voc.Method),
                      ("ci_method", voc.CIMethod), ("pi_method", voc.PIMethod),
                      ("i2_definition", voc.I2Definition)):
        assert pool[name] is lit, name


@pytest.mark.parametrize(
    ("field", "text", "literal"),
    [
        ("method", "REML", "REML"),
        ("method", "reml", "REML"),
        ("method", "REML — restricted maximum likelihood (REML)", "REML"),
        ("method", "DerSimonian–Laird", "DL"),
        ("i2_definition", "q", "Q"),
        ("ci_method", "HKSJ-ADHOC", "hksj-adhoc"),
        ("study_ci_method", "Wilson score", "wilson"),
        ("method", "<script>", None),
        ("method", "", None),
    ],
)
def test_parse_choice_reads_tokens_literals_and_labels(field, text, literal) -> None:
    assert voc.parse_choice(field, text) == literal


def test_url_tokens_are_lowercase_and_unique() -> None:
    for field, tokens in voc.URL_TOKENS.items():
        assert all(t == t.lower() for t in tokens), field
        assert sorted(tokens.values()) == sorted(voc.CHOICES[field]), field
