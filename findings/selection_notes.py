"""What a headline pools, in words: regimens, histologies, lines and designs of the pooled rows.

A pooled estimate is only as specific as the mix of studies behind it (the Overview's ORR pools
monotherapy, combination and mixed-regimen cohorts). :func:`pooled_scope` counts the pooled rows
by each comparison variable, and :meth:`PooledScope.sentence` says it on every headline (Overview
cards, Pooled efficacy, reports). Text from data passes through :func:`findings.text.md` in the
pages' markdown; this module returns plain text.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"regimen": ["monotherapy", "monotherapy", "combination"],
...                   "histology_group": ["osteosarcoma"] * 3, "line_group": ["after prior therapy"] * 3,
...                   "design": ["prospective", "retrospective", "retrospective"]})
>>> pooled_scope(f).sentence()
'Pools 3 studies: regimen monotherapy 2, combination 1; histology osteosarcoma 3; line after prior therapy 3; design retrospective 2, prospective 1.'
>>> pooled_scope(f).mixes_regimens
True
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evidence.selection import MISSING, text_value, with_derived

__all__ = ["MONOTHERAPY", "SCOPE_COLUMNS", "PooledScope", "pooled_scope"]

#: comparison variable -> outcomes-table column, in the order a headline states them
SCOPE_COLUMNS = {
    "regimen": "regimen",
    "histology": "histology_group",
    "line": "line_group",
    "design": "design",
}
#: the regimen value of apatinib alone (the one-click restriction on the Overview)
MONOTHERAPY = "monotherapy"


@dataclass(frozen=True, slots=True)
class PooledScope:
    """Counts of the pooled rows by regimen, histology, line and design (most frequent first)."""

    k: int
    counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]

    def of(self, name: str) -> tuple[tuple[str, int], ...]:
        return dict(self.counts).get(name, ())

    @property
    def mixes_regimens(self) -> bool:
        return len(self.of("regimen")) > 1

    def sentence(self) -> str:
        """One plain-text sentence: ``Pools k studies: regimen a 2, b 1; histology …``."""
        if self.k == 0:
            return "Pools no study."
        parts = [
            f"{name} " + ", ".join(f"{value} {n}" for value, n in values)
            for name, values in self.counts if values
        ]
        noun = "study" if self.k == 1 else "studies"
        return f"Pools {self.k} {noun}: " + "; ".join(parts) + "."


def pooled_scope(frame: pd.DataFrame) -> PooledScope:
    """Count the rows of a selection's ``frame`` (one row per pooled study) by each variable."""
    frame = with_derived(frame)
    counts: list[tuple[str, tuple[tuple[str, int], ...]]] = []
    for name, column in SCOPE_COLUMNS.items():
        if column not in frame:
            continue
        vals = frame[column].map(lambda v: text_value(v) or MISSING)
        vc = vals.value_counts()
        ordered = sorted(vc.items(), key=lambda kv: (-kv[1], kv[0] == MISSING, kv[0].lower()))
        counts.append((name, tuple((str(v), int(n)) for v, n in ordered)))
    return PooledScope(len(frame), tuple(counts))
