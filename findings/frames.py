"""The evidence tables a view is built from, pulled once from an ``EvidenceBase``."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evidence import EvidenceBase
from evidence.selection import text_value

#: Hashable study counts (cache keys of the pages).
Counts = tuple[int, ...]


@dataclass(frozen=True)
class Frames:
    """The tables of one evidence base (read-only: consumers copy before changing one)."""

    outcomes: pd.DataFrame
    flags: pd.DataFrame
    studies: pd.DataFrame
    subtypes: pd.DataFrame
    published: pd.DataFrame
    survival: pd.DataFrame
    n_problems: int = 0


def frames_of(ev: EvidenceBase) -> Frames:
    """Every table of ``ev``, built once."""
    return Frames(
        outcomes=ev.outcomes_frame(),
        flags=ev.flags_frame(),
        studies=ev.studies_frame(),
        subtypes=ev.subtypes_frame(),
        published=ev.pooled_estimates_frame(),
        survival=ev.survival_frame(),
        n_problems=len(ev.problems),
    )


def counts(frame: pd.DataFrame) -> tuple[Counts, Counts, tuple[str, ...]]:
    """Hashable ``(events, totals, labels)`` of a selected frame."""
    labels = frame["label"].map(text_value) if "label" in frame else frame["study_id"].astype(str)
    return (
        tuple(int(v) for v in frame["events"]),
        tuple(int(v) for v in frame["total"]),
        tuple(str(v) for v in labels),
    )
