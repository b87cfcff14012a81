"""Protocol paragraphs (statistics.md §5): EN under the null, rule in words, attained errors, refs."""

from __future__ import annotations

import pytest

from synthesis.design.paragraph import REFERENCES, protocol_paragraph
from synthesis.design.simon import simon_two_stage
from synthesis.design.single_stage import single_stage_exact
from synthesis.design.tte import exponential_median_test, one_sample_logrank, two_arm_cph

# Seed protocol: apatinib + doxorubicin + ifosfamide in advanced STS.  p0 is a benchmark ORR for
# doxorubicin + ifosfamide typed in by the user (26 %, as in the EORTC 62012 combination arm),
# p1 = p0 + 0.15.
P0, P1 = 0.26, 0.41
P0_SRC = (
    "the pooled ORR of doxorubicin plus ifosfamide in advanced soft-tissue sarcoma "
    "(benchmark typed in by the protocol team)"
)
P1_SRC = "p0 plus 15 percentage points, the smallest improvement judged worth a phase III trial"


@pytest.fixture(scope="module")
def seed() -> object:
    return simon_two_stage(P0, P1, 0.05, 0.20)


def test_seed_optimal_paragraph(seed) -> None:
    d = seed.optimal
    text = protocol_paragraph(seed, p0_source=P0_SRC, p1_source=P1_SRC)
    assert "Simon's optimal two-stage design" in text
    assert "p0 = 26.0%" in text and "p1 = 41.0%" in text
    assert P0_SRC in text and P1_SRC in text
    assert "one-sided type I error is 0.05" in text and "power 0.8" in text
    # stage 1 and the rule in words, PET at p0
    assert (
        f"In stage 1, {d.n1} patients will be enrolled; if {d.r1} or fewer of them respond" in text
    )
    assert f"PET(p0) = {100 * d.pet0:.1f}%" in text
    assert f"Otherwise {d.n - d.n1} further patients" in text
    assert f"maximum of {d.n} patients" in text
    assert f"more than {d.r} of the {d.n} patients respond" in text
    # EN labelled under the null, with the p0 value, and EN(p1) labelled as the alternative
    assert (
        f"expected sample size under the null hypothesis (p = p0) is EN(p0) = {d.en0:.1f}" in text
    )
    assert f"under the alternative, p = p1: EN(p1) = {d.en1:.1f}" in text
    assert f"EN(p0) = {d.en1:.1f}" not in text  # the VisualizeSimon2Stage bug
    # attained errors
    assert f"attained one-sided type I error is {d.alpha:.4f}" in text
    assert f"attained power is {d.power:.4f}" in text
    # search bound / proof and references
    assert "proved" in text and "largest n examined" in text
    for key in ("simon", "jung", "ahern"):
        assert REFERENCES[key] in text
    assert "1989" in text and "2004" in text and "2001" in text


def test_seed_minimax_and_admissible(seed) -> None:
    text = protocol_paragraph(seed, p0_source=P0_SRC, p1_source=P1_SRC, which="minimax")
    assert "minimax" in text and f"maximum of {seed.minimax.n} patients" in text
    if len(seed.admissible) > 2:
        i = next(k for k, d in enumerate(seed.admissible) if d.kind == "admissible")
        t2 = protocol_paragraph(seed, p0_source=P0_SRC, p1_source=P1_SRC, which=i)
        assert "admissible" in t2 and "weights q from" in t2


def test_truncated_search_is_disclosed() -> None:
    res = simon_two_stage(0.2, 0.35, 0.05, 0.05, n_max=100, constraint="<")
    text = protocol_paragraph(res, p0_source="x", p1_source="y")
    assert "limited to n ≤ 100" in text and "attained α < 0.05" in text


def test_single_stage_paragraph() -> None:
    res = single_stage_exact(0.4, 0.6, 0.1, 0.1)
    text = protocol_paragraph(res, p0_source="historical ORR", p1_source="target ORR")
    assert "exact single-stage design" in text and "41 patients are needed" in text
    assert "21 or more of the 41 patients respond" in text
    assert f"{res.alpha:.4f}" in text and f"{res.power:.4f}" in text
    assert "n = 42" in text and REFERENCES["ahern"] in text


def test_logrank_paragraph() -> None:
    d = one_sample_logrank(9, 1 / 1.75, 5, 3, shape=1.22)
    text = protocol_paragraph(d, p0_source="the historical PBC curve", p1_source="HR 1/1.75")
    assert "88 patients" in text and "87.32" in text and "0.8031" in text
    assert "median 9" in text and "shape 1.22" in text and "follow-up" in text
    assert REFERENCES["wu"] in text and REFERENCES["finkelstein"] in text


def test_exponential_and_cph_paragraphs() -> None:
    e = exponential_median_test(4, 6, 24, 12)
    t = protocol_paragraph(e, p0_source="historical median", p1_source="target median")
    assert "37.6 events" in t and "42 patients" in t
    c = two_arm_cph(0.7, 0.25, 0.35)
    t = protocol_paragraph(c, p0_source="control event probability", p1_source="target HR")
    assert "two-sided type I error of 0.05" in t and "421 experimental" in t
    assert REFERENCES["schoenfeld"] in t


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p0_source": "", "p1_source": "y"}, r"p0_source \(''\)"),
        ({"p0_source": "x", "p1_source": None}, r"p1_source \(None\)"),
        ({"p0_source": "x", "p1_source": "y", "which": "best"}, r"which \('best'\)"),
        ({"p0_source": "x", "p1_source": "y", "which": 99}, r"which \(99\)"),
    ],
)
def test_bad_input(seed, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        protocol_paragraph(seed, **kwargs)


def test_unknown_result_type() -> None:
    with pytest.raises(ValueError, match="design_result"):
        protocol_paragraph(object(), p0_source="x", p1_source="y")
