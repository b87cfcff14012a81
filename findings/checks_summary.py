"""The Data checks page's first sentence and summary table: one verdict for loading and checks.

The page used to say "The data loaded without problems" above a list of 10 errors and 85
warnings: loading the file and checking what loaded are two steps, and the verdict must count
both. :func:`checks_summary` returns the sentence, its level (``"success"``, ``"warning"``,
``"error"``) and a table with one row per step.

Examples
--------
>>> import pandas as pd
>>> s = checks_summary(records=44, problems=(), flags=pd.DataFrame({"severity": ["error", "info"]}))
>>> s.level, s.sentence
('error', 'The file loaded (44 records, no load problem), but the consistency checks raised 1 error, 0 warnings and 1 note: see the list below.')
>>> s.table["Errors"].tolist()
[0, 1]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = ["ChecksSummary", "checks_summary"]


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


@dataclass(frozen=True, slots=True)
class ChecksSummary:
    level: str  # "success" | "warning" | "error"
    sentence: str
    table: pd.DataFrame  # Step, Errors, Warnings, Notes


def checks_summary(*, records: int, problems: Sequence, flags: pd.DataFrame) -> ChecksSummary:
    """Count load problems (``severity`` attribute) and consistency flags (``severity`` column)."""
    load_err = sum(1 for p in problems if getattr(p, "severity", "error") == "error")
    load_warn = len(problems) - load_err
    sev = flags["severity"].value_counts() if "severity" in flags else pd.Series(dtype=int)
    f_err, f_warn, f_info = (int(sev.get(s, 0)) for s in ("error", "warning", "info"))
    table = pd.DataFrame({
        "Step": ["Loading the file", "Consistency checks"],
        "Errors": [load_err, f_err],
        "Warnings": [load_warn, f_warn],
        "Notes": [0, f_info],
    })
    load = (f"{_n(records, 'record', 'records')}, no load problem" if not problems else
            f"{_n(records, 'record', 'records')}; {_n(load_err, 'item', 'items')} could not be loaded"
            f" and {_n(load_warn, 'warning', 'warnings')}")
    checks = (f"{_n(f_err, 'error', 'errors')}, {_n(f_warn, 'warning', 'warnings')} and "
              f"{_n(f_info, 'note', 'notes')}")
    if load_err or f_err:
        level = "error"
    elif load_warn or f_warn:
        level = "warning"
    else:
        level = "success"
    if level == "success":
        sentence = f"The file loaded ({load}) and the consistency checks raised no error or warning"
        sentence += f" ({_n(f_info, 'note', 'notes')})." if f_info else "."
    else:
        sentence = (f"The file loaded ({load}), but the consistency checks raised {checks}: see the "
                    "list below." if not load_err else
                    f"Not everything loaded ({load}); the consistency checks raised {checks}.")
    return ChecksSummary(level, sentence, table)
