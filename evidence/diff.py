"""Differences between two versions of the evidence base (living-review updates).

:func:`diff_bases` lists records added and removed, every changed number (old -> new, with the
source and location of each side), interval kinds relabelled, flags raised and resolved, and
exclusions added and removed. Items of a list (rates, medians, toxicity rows...) are matched by
what they describe (endpoint, timepoint, subgroup, event...), not by position, so reordering a
list is not a change. The change in the pooled estimates is the findings layer's
(:func:`findings.review.pooled_change`), which the command line ``python -m evidence diff``
adds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from evidence.base import EvidenceBase
from evidence.models import Interval, Num

__all__ = ["EvidenceDiff", "FlagChange", "KindChange", "NumberChange", "diff_bases"]

_KEY_FIELDS = ("endpoint", "timepoint", "subgroup", "definition", "method", "event", "grade", "subtype",
               "line", "measure")


@dataclass(frozen=True, slots=True)
class NumberChange:
    """One number that differs between the versions (``None``: absent on that side)."""

    study_id: str
    path: str
    old: float | int | None
    new: float | int | None
    old_source: str | None
    new_source: str | None
    location: str | None

    @property
    def source(self) -> str:
        return self.new_source or self.old_source or ""


@dataclass(frozen=True, slots=True)
class KindChange:
    """An interval whose printed kind changed (e.g. ``not stated`` -> ``95% CI``)."""

    study_id: str
    path: str
    old: str
    new: str
    source: str


@dataclass(frozen=True, slots=True)
class FlagChange:
    study_id: str | None
    kind: str
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class EvidenceDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    numbers: tuple[NumberChange, ...] = ()
    kinds: tuple[KindChange, ...] = ()
    flags_raised: tuple[FlagChange, ...] = ()
    flags_resolved: tuple[FlagChange, ...] = ()
    exclusions_added: tuple[str, ...] = ()
    exclusions_removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not any((self.added, self.removed, self.numbers, self.kinds, self.flags_raised,
                        self.flags_resolved, self.exclusions_added, self.exclusions_removed))

    def __repr__(self) -> str:
        return (f"EvidenceDiff(+{len(self.added)} -{len(self.removed)} records, "
                f"{len(self.numbers)} numbers, {len(self.kinds)} interval kinds, "
                f"flags +{len(self.flags_raised)} -{len(self.flags_resolved)}, "
                f"exclusions +{len(self.exclusions_added)} -{len(self.exclusions_removed)})")


def _item_key(obj: object, index: int) -> str:
    if isinstance(obj, BaseModel):
        parts = [str(getattr(obj, f)) for f in _KEY_FIELDS
                 if f in type(obj).model_fields and getattr(obj, f) is not None]
        time = getattr(obj, "time", None)
        if isinstance(time, Num):
            parts.append(f"{time.value:g} {getattr(obj, 'unit', '')}".strip())
        if parts:
            return ", ".join(parts)
    return str(index)


def _leaves(obj: object, path: str) -> Iterator[tuple[str, object]]:
    """(path, Num | Interval) for every number-bearing leaf, list items keyed by content."""
    if isinstance(obj, (Num, Interval)):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _leaves(getattr(obj, name), f"{path}.{name}" if path else name)
    elif isinstance(obj, tuple):
        seen: dict[str, int] = {}
        for i, x in enumerate(obj):
            key = _item_key(x, i)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key = f"{key} #{seen[key]}"
            yield from _leaves(x, f"{path}[{key}]")


def _numbers(obj: object) -> dict[str, tuple[float | int | None, str | None, str | None]]:
    out: dict[str, tuple[float | int | None, str | None, str | None]] = {}
    for path, leaf in _leaves(obj, ""):
        if isinstance(leaf, Num):
            out[path] = (leaf.value, leaf.source, leaf.location)
        elif isinstance(leaf, Interval):
            out[f"{path}.low"] = (leaf.low, leaf.source, leaf.location)
            out[f"{path}.high"] = (leaf.high, leaf.source, leaf.location)
    return out


def _kinds(obj: object) -> dict[str, tuple[str, str]]:
    return {p: (leaf.kind, leaf.source) for p, leaf in _leaves(obj, "") if isinstance(leaf, Interval)}


def _flag_key(f) -> tuple[str | None, str, str]:
    return (f.study_id, f.kind, f.field)


def diff_bases(old: EvidenceBase, new: EvidenceBase) -> EvidenceDiff:
    """What changed from ``old`` to ``new`` (see the module docstring)."""
    old_ids, new_ids = set(old.ids), set(new.ids)
    numbers: list[NumberChange] = []
    kinds: list[KindChange] = []
    for sid in [s for s in new.ids if s in old_ids]:
        a, b = _numbers(old.study(sid)), _numbers(new.study(sid))
        for path in sorted(set(a) | set(b)):
            va, vb = a.get(path, (None, None, None)), b.get(path, (None, None, None))
            if va[0] != vb[0]:
                numbers.append(NumberChange(sid, path, va[0], vb[0], va[1], vb[1], vb[2] or va[2]))
        ka, kb = _kinds(old.study(sid)), _kinds(new.study(sid))
        for path in sorted(set(ka) & set(kb)):
            if ka[path][0] != kb[path][0]:
                kinds.append(KindChange(sid, path, ka[path][0], kb[path][0], kb[path][1]))
    fo = {_flag_key(f): f for f in old.flags}
    fn = {_flag_key(f): f for f in new.flags}

    def change(f) -> FlagChange:
        return FlagChange(f.study_id, f.kind, f.field, f.message)

    ex_old, ex_new = {x.id for x in old.exclusions}, {x.id for x in new.exclusions}
    return EvidenceDiff(
        added=tuple(s for s in new.ids if s not in old_ids),
        removed=tuple(s for s in old.ids if s not in new_ids),
        numbers=tuple(numbers),
        kinds=tuple(kinds),
        flags_raised=tuple(change(fn[k]) for k in fn if k not in fo),
        flags_resolved=tuple(change(fo[k]) for k in fo if k not in fn),
        exclusions_added=tuple(x.id for x in new.exclusions if x.id not in ex_old),
        exclusions_removed=tuple(x.id for x in old.exclusions if x.id not in ex_new),
    )
