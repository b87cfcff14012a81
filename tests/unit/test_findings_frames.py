"""findings.frames: the one place every page and the reports pull the evidence tables from."""

from __future__ import annotations

import pandas as pd
import pytest

import evidence
from findings.frames import Frames, frames_key, frames_of

BASE = evidence.load_studies()


@pytest.fixture(scope="module")
def fr() -> Frames:
    return frames_of(BASE)


@pytest.mark.parametrize(("field", "method"), [
    ("outcomes", "outcomes_frame"), ("flags", "flags_frame"), ("studies", "studies_frame"),
    ("subtypes", "subtypes_frame"), ("published", "pooled_estimates_frame"),
    ("survival", "survival_frame"), ("toxicity", "toxicity_frame"),
])
def test_every_table_is_the_evidence_base_table(fr: Frames, field: str, method: str) -> None:
    got = getattr(fr, field)
    assert not got.empty, field  # the built-in data has every table
    pd.testing.assert_frame_equal(got, getattr(BASE, method)())


def test_identity_problems_and_secondary_reports(fr: Frames) -> None:
    assert fr.key == frames_key(BASE) and BASE.sha256 in fr.key
    assert fr.n_problems == len(BASE.problems)
    expected = {s.id: s.secondary_of for s in BASE.studies if s.secondary_of}
    assert expected and dict(fr.secondary_of) == expected  # the built-in data has secondary reports


def test_a_table_the_base_cannot_build_is_empty_and_the_others_stay(monkeypatch) -> None:
    def broken(self):
        raise ValueError("no toxicity table")

    monkeypatch.setattr(type(BASE), "toxicity_frame", broken)
    fr = frames_of(BASE)
    assert fr.toxicity.empty and isinstance(fr.toxicity, pd.DataFrame)
    assert not fr.outcomes.empty and not fr.survival.empty
