"""Protocol paragraphs (Simon (1989); A'Hern (2001)): EN under the null, rule in words, attained errors, refs."""

from __future__ import annotations

import re

import pytest

from synthesis.design.paragraph import REFERENCES, protocol_paragraph
from synthesis.design.simon import simon_two_stage
from synthesis.design.single_stage import single_stage_exact
from synthesis.design.tte import exponential_median_test, one_sample_logrank, two_arm_cph

# Seed protocol: apatinib + doxorubicin + ifosfamide in advanced STS.  p0 is a benchmark ORR for
# doxorubicin + ifosfamide typed in by the user (26 %, as in the EORTC 62012 combination arm),
# p1 = p0 + 0.15.
P0, P1 = 0.26, 0.41
P0_SRC = "doxorubicin + ifosfamide benchmark"
P1_SRC = "p0 plus 15 percentage points, the smallest improvement judged worth a phase III trial"
SEED = {
    "treatment": "apatinib plus doxorubicin and ifosfamide",
    "assessment": "best overall response per RECIST 1.1 in evaluable patients",
}
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def seed() -> object:
    return simon_two_stage(P0, P1, 0.05, 0.20)


def cited(text: str) -> set[str]:
    """Keys of REFERENCES listed at the end of the paragraph, checked to be cited by number."""
    body, _, refs = text.partition("References: ")
    listed = {k for k, v in REFERENCES.items() if v in refs}
    numbers = {int(m) for m in re.findall(r"\[(\d+)\] ", refs)}
    assert numbers == set(range(1, len(listed) + 1))
    for i in numbers:  # every listed number is cited in the text, alone or in a list
        assert re.search(rf"\[(?:\d+, )*{i}(?:, \d+)*\]", body), i
    return listed


def clean(text: str) -> None:
    assert "((" not in text and "))" not in text and ") (" not in text
    assert not NAN.search(text)
    assert "the treatment" not in text


def test_seed_optimal_paragraph(seed) -> None:
    d = seed.optimal
    assert d.boundary() == "7/25, 24/72"
    text = protocol_paragraph(seed, p0_source=P0_SRC, p1_source=P1_SRC, dropout=0.1, **SEED)
    clean(text)
    assert (
        "trial of apatinib plus doxorubicin and ifosfamide is the objective response rate" in text
    )
    assert "based on best overall response per RECIST 1.1 in evaluable patients." in text
    assert "Simon's optimal two-stage design [1]" in text
    assert "p0 = 26.0%" in text and "p1 = 41.0%" in text
    assert "The null value p0 is the doxorubicin + ifosfamide benchmark;" in text
    assert f"the alternative p1 is {P1_SRC}." in text
    assert "a one-sided 5% significance level and 80% power" in text
    assert "attained α ≤ 0.05 and attained power ≥ 0.80" in text
    assert "type II error 0.2" not in text and "power 0.8 " not in text
    # stage 1 and the rule in words, PET at p0
    assert "In stage 1, 25 patients will be enrolled; if 7 or fewer of them respond" in text
    assert "PET(p0) = 68.6%" in text and f"PET(p0) = {100 * d.pet0:.1f}%" in text
    assert "If 8 or more of the 25 respond, 47 further patients will be enrolled" in text
    assert "maximum of 72 patients" in text
    assert (
        "apatinib plus doxorubicin and ifosfamide will be declared promising if more than 24 of "
        "the 72 patients respond (at least 25 responses), and not promising if 24 or fewer" in text
    )
    # accrual paused until the stage-1 responses are assessed
    assert "Accrual will be suspended once 25 evaluable patients have been enrolled" in text
    # EN labelled under the null, with the p0 value, and EN(p1) labelled as the alternative
    assert "expected sample size under the null hypothesis (p = p0) is EN(p0) = 39.8" in text
    assert f"EN(p0) = {d.en0:.1f}" in text
    assert f"under the alternative, p = p1: EN(p1) = {d.en1:.1f}" in text
    assert f"EN(p0) = {d.en1:.1f}" not in text  # the VisualizeSimon2Stage bug
    # attained errors
    assert "attained one-sided type I error is 0.0499" in text
    assert "attained power is 0.8055" in text
    assert f"{d.alpha:.4f}" == "0.0499" and f"{d.power:.4f}" == "0.8055"
    # search in plain words, with the bound
    assert (
        "obtained by exhaustive search over exact binomial probabilities; the optimum is not "
        f"constrained by the search limit (n ≤ {seed.n_searched_max})" in text
    )
    assert "proved" not in text and "shown by exact bounds" not in text
    # accrual target ceil(72 / 0.9) = 80, stage 1 ceil(25 / 0.9) = 28
    assert "not be evaluable for response, the accrual target is 80 patients" in text
    assert "about 28 of them in stage 1" in text
    # only the references cited: Simon [1] and A'Hern [2] (single-stage comparison); no Jung
    assert cited(text) == {"simon", "ahern"}
    assert "[1] Simon R." in text and "[2] A'Hern RP." in text
    assert "exact single-stage design [2] would need 63 patients" in text


def test_seed_without_dropout_or_pause(seed) -> None:
    text = protocol_paragraph(seed, p0_source=P0_SRC, p1_source=P1_SRC, pause_accrual=False, **SEED)
    clean(text)
    assert "Accrual will not be suspended while the stage-1 responses are assessed" in text
    assert "All sample sizes refer to patients evaluable for response" in text
    assert "accrual target" not in text


def test_seed_minimax_and_admissible(seed) -> None:
    text = protocol_paragraph(seed, p0_source=P0_SRC, p1_source=P1_SRC, which="minimax", **SEED)
    clean(text)
    assert "Simon's minimax two-stage design [1]" in text
    assert f"maximum of {seed.minimax.n} patients" in text
    assert f"no design with fewer than {seed.minimax.n} patients meets both" in text
    assert cited(text) == {"simon", "ahern"}
    i = next(k for k, d in enumerate(seed.admissible) if d.kind == "admissible")
    d = seed.admissible[i]
    t2 = protocol_paragraph(seed, p0_source=P0_SRC, p1_source=P1_SRC, which=i, **SEED)
    clean(t2)
    assert "admissible two-stage design [1, 2]" in t2 and "weights q from" in t2
    assert f"{d.q_low:.3f} to {d.q_high:.3f}" in t2
    assert cited(t2) == {"simon", "jung", "ahern"}  # Jung cited where admissibility is described


def test_truncated_search_is_disclosed() -> None:
    res = simon_two_stage(0.2, 0.35, 0.05, 0.05, n_max=100, constraint="<")
    assert not res.proven_optimal
    text = protocol_paragraph(res, p0_source="x", p1_source="y")
    assert "the search was limited to n ≤ 100 and this limit was binding" in text
    assert "may not be optimal" in text and "not constrained" not in text
    assert "attained α < 0.05 and attained power > 0.95" in text


def test_sources_with_parentheses_are_never_doubled(seed) -> None:
    src = "the pooled objective response rate (ORR) of apatinib (pooled 28.2%; 11 studies)"
    text = protocol_paragraph(seed, p0_source=src, p1_source="target (assumed)", **SEED)
    clean(text)
    assert "the pooled ORR of apatinib (pooled 28.2%; 11 studies);" in text


def test_single_stage_paragraph() -> None:
    res = single_stage_exact(0.4, 0.6, 0.1, 0.1)
    text = protocol_paragraph(res, p0_source="historical ORR", p1_source="target ORR")
    clean(text)
    assert "exact single-stage design [1]" in text and "41 patients are needed" in text
    assert "a one-sided 10% significance level and 90% power" in text
    assert "the experimental treatment will be declared promising if 21 or more of the 41" in text
    assert "not promising if 20 or fewer respond" in text
    assert f"{res.alpha:.4f}" in text and f"{res.power:.4f}" in text
    assert "The null value p0 is the historical ORR; the alternative p1 is the target ORR." in text
    assert "n = 42" in text and cited(text) == {"ahern"}


def test_seed_single_stage_paragraph() -> None:
    res = single_stage_exact(P0, P1, 0.05, 0.2)
    text = protocol_paragraph(res, p0_source=P0_SRC, p1_source=P1_SRC, dropout=0.1, **SEED)
    clean(text)
    assert "apatinib plus doxorubicin and ifosfamide will be declared promising if" in text
    assert f"{res.r} or more of the {res.n} patients respond" in text
    accrual = -(-res.n * 10 // 9)
    assert f"the accrual target is {accrual} patients ({res.n}/0.90, rounded up)" in text


def test_logrank_paragraph() -> None:
    d = one_sample_logrank(9, 1 / 1.75, 5, 3, shape=1.22)
    text = protocol_paragraph(d, p0_source="the historical PBC curve", p1_source="HR 1/1.75")
    clean(text)
    assert "88 patients" in text and "87.32" in text and "0.8031" in text
    assert "median PFS m0 = 9 months" in text and "shape 1.22" in text
    assert "followed for a further 3 months" in text and "over 5 months" in text
    m1 = 9 * (1 / 1.75) ** (-1 / 1.22)
    assert f"target median PFS of m1 = m0·δ^(−1/shape) = {m1:.1f} months" in text
    assert "median survival" not in text
    assert cited(text) == {"finkelstein", "wu"}


def test_seed_logrank_states_the_implied_target_median() -> None:
    # reference median PFS 6 months, hazard ratio 0.6, exponential: target median 6 / 0.6 = 10
    d = one_sample_logrank(6.0, 0.6, 24.0, 12.0, shape=1.0)
    text = protocol_paragraph(
        d,
        p0_source="median PFS of doxorubicin + ifosfamide (EORTC 62012)",
        p1_source="the smallest worthwhile effect",
        dropout=0.1,
        assessment="progression per RECIST 1.1 or death from any cause",
        treatment=SEED["treatment"],
    )
    clean(text)
    assert "is progression-free survival (PFS), based on progression per RECIST 1.1" in text
    assert "median PFS m0 = 6 months" in text
    assert "target median PFS of m1 = m0·δ^(−1/shape) = 10.0 months" in text
    assert (
        "the reference median is the median PFS of doxorubicin + ifosfamide (EORTC 62012)." in text
    )
    assert f"rounded up to {d.n} patients" in text
    assert f"accrual target is {-(-d.n * 10 // 9)} patients" in text
    weeks = protocol_paragraph(d, p0_source="x", p1_source="y", time_unit="weeks")
    assert "m0 = 6 weeks" in weeks and "months" not in weeks


def test_exponential_and_cph_paragraphs() -> None:
    e = exponential_median_test(4, 6, 24, 12)
    t = protocol_paragraph(e, p0_source="historical median", p1_source="target median")
    clean(t)
    assert "37.6 events" in t and "42 patients" in t
    assert "median PFS is at most m0 = 4 months" in t and "m1 = 6 months" in t
    assert "over 24 months and 12 further months of follow-up" in t
    assert cited(t) == {"phadnis"}
    ex = exponential_median_test(4, 6, 24, 12, exact=True)
    tx = protocol_paragraph(ex, p0_source="historical median", p1_source="target median")
    assert "χ² distribution of the total time at risk [1]" in tx and cited(tx) == {"phadnis"}
    assert f"This requires {ex.events:.0f} events." in tx and ".0 events" not in tx
    c = two_arm_cph(0.7, 0.25, 0.35)
    t = protocol_paragraph(
        c,
        p0_source="control event probability",
        p1_source="target HR",
        treatment="apatinib plus doxorubicin and ifosfamide",
        dropout=0.2,
    )
    clean(t)
    assert "two-sided 5% significance level with 80% power" in t and "421 experimental" in t
    assert "Apatinib plus doxorubicin and ifosfamide will be compared with the control" in t
    assert "accrual target is 1054 patients" in t and "527 experimental and 527 control" in t
    assert cited(t) == {"freedman", "schoenfeld"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p0_source": "", "p1_source": "y"}, r"p0_source \(''\)"),
        ({"p0_source": "x", "p1_source": None}, r"p1_source \(None\)"),
        ({"p0_source": "x", "p1_source": "y", "which": "best"}, r"which \('best'\)"),
        ({"p0_source": "x", "p1_source": "y", "which": 99}, r"which \(99\)"),
        ({"p0_source": "x", "p1_source": "y", "treatment": " "}, r"treatment \(' '\)"),
        ({"p0_source": "x", "p1_source": "y", "dropout": 1.0}, r"dropout \(1.0\)"),
        ({"p0_source": "x", "p1_source": "y", "dropout": -0.1}, r"dropout \(-0.1\)"),
        ({"p0_source": "x", "p1_source": "y", "dropout": "a"}, r"dropout \('a'\)"),
        ({"p0_source": "x", "p1_source": "y", "pause_accrual": "no"}, r"pause_accrual"),
        ({"p0_source": "x", "p1_source": "y", "time_unit": ""}, r"time_unit \(''\)"),
    ],
)
def test_bad_input(seed, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        protocol_paragraph(seed, **kwargs)


def test_unknown_result_type() -> None:
    with pytest.raises(ValueError, match="design_result"):
        protocol_paragraph(object(), p0_source="x", p1_source="y")
