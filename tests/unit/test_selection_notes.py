"""findings.selection_notes: every headline says what it pools."""

from __future__ import annotations

import doctest

import evidence
import findings.selection_notes as SN
from evidence.selection import Selection, select_outcomes


def test_doctests() -> None:
    assert doctest.testmod(SN).failed == 0


def test_default_orr_pool_says_it_mixes_regimens() -> None:
    frame = select_outcomes(evidence.load_studies().outcomes_frame(), Selection()).frame
    scope = SN.pooled_scope(frame)
    assert scope.k == len(frame) and scope.mixes_regimens
    regimens = dict(scope.of("regimen"))
    assert sum(regimens.values()) == len(frame)
    assert regimens["monotherapy"] == int((frame["regimen"] == "monotherapy").sum())
    assert {"combination", "mixed"} <= set(regimens)
    s = scope.sentence()
    for word in ("regimen", "histology", "line", "design", "prospective", "retrospective"):
        assert word in s


def test_monotherapy_pool_is_one_regimen() -> None:
    frame = select_outcomes(evidence.load_studies().outcomes_frame(),
                            Selection(regimen=(SN.MONOTHERAPY,))).frame
    scope = SN.pooled_scope(frame)
    assert not scope.mixes_regimens and scope.of("regimen") == (("monotherapy", len(frame)),)


def test_empty_pool() -> None:
    assert SN.pooled_scope(select_outcomes(evidence.load_studies().outcomes_frame(),
                                           Selection(histology=("none",))).frame).sentence() == "Pools no study."
