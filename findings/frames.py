"""The evidence tables a view is built from, pulled once from an ``EvidenceBase``.

One :class:`Frames` serves every page and the reports (Pooled efficacy, Studies, Data checks,
Survival, Your studies, the report builder): each table is built once per evidence base and
shared read-only (consumers copy before changing one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from evidence import EvidenceBase
from evidence.selection import text_value

#: Hashable study counts (cache keys of the pages).
Counts = tuple[int, ...]
#: what a table that cannot be built raises (an incomplete or user-made base): shown as an empty
#: table, never as a traceback
_TABLE_ERRORS = (AttributeError, KeyError, NotImplementedError, TypeError, ValueError)


@dataclass(frozen=True)
class Frames:
    """The tables of one evidence base (read-only: consumers copy before changing one)."""

    outcomes: pd.DataFrame
    flags: pd.DataFrame
    studies: pd.DataFrame
    subtypes: pd.DataFrame
    published: pd.DataFrame
    survival: pd.DataFrame
    toxicity: pd.DataFrame
    #: secondary report id -> the id of the study it reports on
    secondary_of: Mapping[str, str]
    #: content identity of the base (:func:`frames_key`): caches of derived tables key on it, so
    #: they can never serve tables of other (e.g. user) data
    key: str = ""
    n_problems: int = 0


def frames_key(base: EvidenceBase) -> str:
    """Content identity of ``base`` (its data file or upload: path and SHA-256, and its size)."""
    return f"{base.path}:{base.sha256}:{len(getattr(base, 'studies', ()))}"


def _table(ev: EvidenceBase, name: str) -> pd.DataFrame:
    """``ev.<name>()``; empty when the base cannot build it."""
    try:
        out = getattr(ev, name)()
    except _TABLE_ERRORS:
        return pd.DataFrame()
    return out if isinstance(out, pd.DataFrame) else pd.DataFrame()


def frames_of(ev: EvidenceBase) -> Frames:
    """Every table of ``ev``, built once (a table the base cannot build, or lacks, is empty)."""
    return Frames(
        outcomes=_table(ev, "outcomes_frame"),
        flags=_table(ev, "flags_frame"),
        studies=_table(ev, "studies_frame"),
        subtypes=_table(ev, "subtypes_frame"),
        published=_table(ev, "pooled_estimates_frame"),
        survival=_table(ev, "survival_frame"),
        toxicity=_table(ev, "toxicity_frame"),
        secondary_of={s.id: s.secondary_of for s in getattr(ev, "studies", ()) if s.secondary_of},
        key=frames_key(ev),
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
