"""One flag in one place on a study card: a recorded flag and the computed flag confirming it
are the same finding.

A flag written by hand in the data file (``flags:``) may name the check expected to confirm it
(``check: orr_composition``); when that check raises a flag on the same part of the record, the
card showed the finding twice in two wordings (S1: "ORR counts PR only" twice). :func:`merge_confirmed`
keeps the recorded flag (the curator's wording and dossier number), notes the confirming check
and drops the computed duplicate. Flags of other checks, or on other fields, are kept.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["field_key", "merge_confirmed"]

_RANK = {"error": 0, "warning": 1, "info": 2}


def field_key(field: object) -> tuple[str, ...]:
    """The first three parts of a flag's field, each cut to its first word (for matching).

    >>> field_key("outcomes › rates › ORR (best_overall)"), field_key("outcomes.rates.ORR")
    (('outcomes', 'rates', 'ORR'), ('outcomes', 'rates', 'ORR'))
    >>> field_key("outcomes › milestones › PFS 12 weeks")
    ('outcomes', 'milestones', 'PFS')
    """
    s = str(field or "")
    parts = s.split(" › ") if " › " in s else s.split(".")
    words = [re.split(r"[\s(]", p.strip(), maxsplit=1)[0] for p in parts if p.strip()]
    return tuple(words[:3])


def merge_confirmed(flags: pd.DataFrame, recorded_checks: dict[tuple[str, str], str]) -> pd.DataFrame:
    """Flags of one study with each confirmed pair shown once.

    Parameters
    ----------
    flags
        The study's rows of ``flags_frame()`` (``kind, severity, field, message, check``).
    recorded_checks
        ``(kind, field)`` of each recorded flag -> the check it names (``RecordedFlag.check``).

    Returns
    -------
    DataFrame
        ``flags`` without the computed flags that confirm a recorded one, with a
        ``confirmed_by`` column (the confirming check, or ``""``).
    """
    out = flags.copy()
    out["confirmed_by"] = ""
    if out.empty:
        return out
    drop: set = set()
    computed = out[out["check"] != "recorded"]
    for idx, row in out[out["check"] == "recorded"].iterrows():
        check = recorded_checks.get((row["kind"], row["field"]))
        if not check:
            continue
        key = field_key(row["field"])
        same = computed[(computed["check"] == check)
                        & computed["field"].map(lambda f, key=key: field_key(f)[: len(key)] == key)]
        if len(same):
            drop.update(same.index)
            out.at[idx, "confirmed_by"] = check
            worst = min([row["severity"], *same["severity"]], key=lambda v: _RANK.get(v, 9))
            out.at[idx, "severity"] = worst
    return out.drop(index=sorted(drop))
