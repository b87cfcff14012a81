"""Result types of the evidence layer: :class:`Problem`, :class:`Flag`, :class:`EvidenceBase`."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from evidence import tables

if TYPE_CHECKING:
    import pandas as pd

    from evidence.models import Exclusion, OverlapGroup, Source, Study

__all__ = ["EvidenceBase", "Flag", "Problem"]

_SEP = " › "


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem found while loading a data file (the study concerned is dropped if ``error``).

    Attributes
    ----------
    file : str
        File name (or upload name).
    study_id : str or None
        Id of the study concerned, when it has one.
    row : int or None
        0-based index of the study in ``studies`` (useful when the id is missing).
    field : str
        Field path, e.g. ``"outcomes › rates › ORR (best_overall) › events"``; ``"<file>"`` for
        problems with the whole file.
    value : str or None
        Short repr of the offending value.
    message : str
        What is wrong.
    severity : {"error", "warning"}
    label : str or None
        Human label of the study ("Xie 2019") when known.
    line, column : int or None
        1-based position in the file, for YAML syntax problems.
    """

    file: str
    study_id: str | None
    row: int | None
    field: str
    value: str | None
    message: str
    severity: Literal["error", "warning"] = "error"
    label: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def where(self) -> str:
        who = self.label or self.study_id or (f"row {self.row}" if self.row is not None else None)
        parts = [p for p in (who, self.field) if p]
        return _SEP.join(parts)

    def __str__(self) -> str:
        pos = (f":{self.line}" + (f":{self.column}" if self.column is not None else "")
               if self.line is not None else "")
        val = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.file}{pos}: {self.where}: {self.message}{val}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "study_id": self.study_id,
            "row": self.row,
            "label": self.label,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            "severity": self.severity,
            "line": self.line,
            "column": self.column,
            "text": str(self),
        }


@dataclass(frozen=True, slots=True)
class Flag:
    """A data-quality flag: raised by a consistency check or recorded in the data file.

    ``check`` is the name of the check that raised it (``"recorded"`` for flags written in the
    YAML ``flags:`` list); ``dossier_flag`` the number of the matching flag in dossier §4.
    """

    study_id: str
    kind: str
    severity: Literal["error", "warning", "info"]
    field: str
    message: str
    dossier_flag: int | None = None
    check: str = "recorded"


@dataclass(frozen=True, slots=True)
class EvidenceBase:
    """The validated, immutable evidence base.

    Build it with :func:`evidence.load_studies`. ``studies`` and ``sources`` are tuples of frozen
    pydantic models; ``problems`` lists what could not be loaded; ``flags`` what the consistency
    checks and the data file say about the loaded studies.
    """

    studies: tuple[Study, ...]
    sources: tuple[Source, ...] = ()
    overlap_groups: tuple[OverlapGroup, ...] = ()
    problems: tuple[Problem, ...] = ()
    flags: tuple[Flag, ...] = ()
    path: str | None = None
    sha256: str | None = None
    exclusions: tuple[Exclusion, ...] = ()
    _by_id: MappingProxyType | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({s.id: s for s in self.studies}))

    # -- access ---------------------------------------------------------------------------
    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.studies)

    @property
    def by_id(self) -> MappingProxyType:
        """Read-only mapping id -> :class:`~evidence.models.Study`."""
        return self._by_id  # type: ignore[return-value]

    def study(self, study_id: str) -> Study:
        """The study with this id (``KeyError`` if absent)."""
        return self._by_id[study_id]  # type: ignore[index]

    def source(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)

    def overlap_group(self, group_id: str) -> OverlapGroup | None:
        for g in self.overlap_groups:
            if g.id == group_id:
                return g
        return None

    def flags_for(self, study_id: str) -> tuple[Flag, ...]:
        return tuple(f for f in self.flags if f.study_id == study_id)

    @property
    def ok(self) -> bool:
        """True when no problem of severity ``error`` was found."""
        return not any(p.severity == "error" for p in self.problems)

    # -- tables (see evidence.tables for the column lists) ---------------------------------
    def outcomes_frame(self) -> pd.DataFrame:
        return tables.outcomes_frame(self)

    def flags_frame(self) -> pd.DataFrame:
        return tables.flags_frame(self)

    def survival_frame(self) -> pd.DataFrame:
        return tables.survival_frame(self)

    def studies_frame(self) -> pd.DataFrame:
        return tables.studies_frame(self)

    def toxicity_frame(self) -> pd.DataFrame:
        return tables.toxicity_frame(self)

    def problems_frame(self) -> pd.DataFrame:
        return tables.problems_frame(self)

    def subtypes_frame(self) -> pd.DataFrame:
        return tables.subtypes_frame(self)

    def pooled_estimates_frame(self) -> pd.DataFrame:
        return tables.pooled_estimates_frame(self)
