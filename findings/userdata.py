"""Your studies: the session's state as pure transitions, and what the page says about it.

The "Your studies" page keeps a :class:`UserState` (the editable text table, the studies that
validated, the last import and an import waiting for the user's choice); every change is a pure
function from one state to the next (:func:`with_import`, :func:`resolve_pending`,
:func:`with_table`), so ``ui.userdata_state`` only stores the result in the session. The table is
validated by the CSV importer of :mod:`evidence.userdata` (same models, loader and checks).
:func:`choose` is the base the analyses use for a mode (:data:`MODES`), :func:`active_label` the
caption saying so, :func:`problems_frame` the table of an import's problems; :func:`import_messages`,
:func:`pending_message`, :func:`columns_table` and :func:`export_caption` what the page says about
imports, the template's columns and the exports.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from evidence import EvidenceBase, Problem
from evidence import userdata as U
from findings import text

__all__ = ["DEFAULT_MODE", "IMPORT_CHOICES", "MODES", "UserState", "active_label", "apply_delta", "choose",
           "columns_table", "empty_table", "export_caption", "import_messages", "pending_message",
           "problems_frame", "resolve_pending", "rows_table", "studies_of", "table_csv_text", "validate_table",
           "with_import", "with_table"]

MODES: dict[str, str] = {
    "merged": "Built-in studies + yours",
    "user": "Your studies only",
    "builtin": "Built-in studies only",
}
DEFAULT_MODE = "merged"


@dataclass(frozen=True)
class UserState:
    """What the user supplied in this session.

    ``table`` is the editable text table (template columns, strings); ``base`` the studies that
    validated; ``lossy`` ids of studies the table cannot hold completely (imported from YAML).
    ``last`` is the outcome of the last import attempt (kept separately so that a failed import
    never replaces ``base``).
    """

    base: EvidenceBase | None = None
    table: pd.DataFrame = field(default_factory=lambda: empty_table())
    origin: str = ""
    lossy: tuple[str, ...] = ()
    last: EvidenceBase | None = None
    last_name: str = ""
    last_replaced: bool = False
    editor_version: int = 0
    pending: EvidenceBase | None = None  # a valid import waiting for replace / add / keep
    pending_name: str = ""


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in U.COLUMN_NAMES})


def rows_table(studies) -> pd.DataFrame:
    """Studies -> editable text table (one row per study, template columns)."""
    rows = U.studies_to_rows(list(studies))
    if not rows:
        return empty_table()
    return pd.DataFrame(rows, columns=list(U.COLUMN_NAMES)).astype(object)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    try:
        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def table_csv_text(df: pd.DataFrame) -> str:
    """The table as CSV text (cells written verbatim, no formula escaping: it is not exported)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = [c for c in df.columns if isinstance(c, str)]
    w.writerow(cols)
    for _, row in df.iterrows():
        cells = [_cell(row[c]) for c in cols]
        if any(cells):
            w.writerow(cells)
    return buf.getvalue()


def validate_table(df: pd.DataFrame, name: str = "table") -> EvidenceBase:
    """Validate the text table with the CSV importer (same models, loader and checks)."""
    if df.empty or not any(_cell(v) for v in df.to_numpy().ravel()):
        return EvidenceBase(studies=(), path=name)
    return U.import_csv(table_csv_text(df), name)


def apply_delta(df: pd.DataFrame, delta: dict[str, Any] | None) -> pd.DataFrame:
    """Apply a ``st.data_editor`` change set (edited_rows, added_rows, deleted_rows) to ``df``."""
    out = df.copy().reset_index(drop=True).astype(object)
    if not delta:
        return out
    for pos, changes in (delta.get("edited_rows") or {}).items():
        i = int(pos)
        if 0 <= i < len(out):
            for col, val in (changes or {}).items():
                if col in out.columns:
                    out.at[i, col] = _cell(val)
    added = [{c: _cell((r or {}).get(c)) for c in out.columns} for r in (delta.get("added_rows") or [])]
    if added:
        out = pd.concat([out, pd.DataFrame(added, columns=out.columns)], ignore_index=True)
    deleted = {int(i) for i in (delta.get("deleted_rows") or [])}
    if deleted:
        out = out.drop(index=[i for i in deleted if 0 <= i < len(out)]).reset_index(drop=True)
    return out.astype(object)


def with_import(s: UserState, new: EvidenceBase, name: str) -> UserState:
    """State after an import attempt.

    Nothing valid: only the report changes. The user has no study yet: the import is used. The
    user already has studies: the import waits in ``pending`` until they choose replace, add or
    keep (:func:`resolve_pending`); nothing they have is discarded meanwhile.
    """
    if not new.studies:
        return replace(s, last=new, last_name=name, last_replaced=False, pending=None, pending_name="")
    if s.base is not None and s.base.studies:
        return replace(s, last=new, last_name=name, last_replaced=False, pending=new, pending_name=name)
    return _imported(s, new, f"file {name}", name)


def _imported(s: UserState, base: EvidenceBase, origin: str, name: str) -> UserState:
    return UserState(base=base, table=rows_table(base.studies), origin=origin,
                     lossy=tuple(U.csv_lossless(base.studies)), last=s.pending or base, last_name=name,
                     last_replaced=True, editor_version=s.editor_version + 1)


#: the choices offered for a pending import
IMPORT_CHOICES = {"replace": "Replace my studies", "add": "Add to my studies", "keep": "Keep mine, ignore the file"}


def resolve_pending(s: UserState, how: str) -> UserState:
    """Apply the user's choice for the pending import (``replace``, ``add`` or ``keep``)."""
    if s.pending is None:
        return s
    if how not in IMPORT_CHOICES:
        raise ValueError(f"how ({how!r}) must be one of {', '.join(map(repr, IMPORT_CHOICES))}.")
    if how == "keep":
        return replace(s, pending=None, pending_name="")
    if how == "replace" or s.base is None:
        return _imported(s, s.pending, f"file {s.pending_name}", s.pending_name)
    both = U.combine_user(s.base, s.pending)
    return _imported(s, both, f"{s.origin} + file {s.pending_name}", s.pending_name)


def with_table(s: UserState, df: pd.DataFrame) -> UserState:
    """State after an edit in the table (the table is kept as typed; valid rows become the base)."""
    base = validate_table(df)
    return replace(s, base=base, table=df, origin="table",
                   lossy=(), last=base, last_name="table", last_replaced=True,
                   editor_version=s.editor_version + 1)


def studies_of(s: UserState) -> tuple:
    """The studies of a state (none before the first valid import or edit)."""
    return tuple(s.base.studies) if s.base is not None else ()


def choose(builtin: EvidenceBase, user: EvidenceBase | None, mode: str) -> EvidenceBase:
    """Pure: the base to analyse for a mode (built-in when the user has no valid study)."""
    if user is None or not user.studies or mode == "builtin":
        return builtin
    if mode == "user":
        return user
    return U.merge(builtin, user)


def active_label(user: EvidenceBase | None, mode: str) -> str:
    """One line saying which studies the analyses use (for captions)."""
    if user is None or not user.studies or mode == "builtin":
        return "Built-in studies."
    n = len(user.studies)
    if mode == "user":
        return f"Your {text.count(n, 'study', 'studies')} only (built-in studies left out)."
    return f"Built-in studies + your {text.count(n, 'study', 'studies')} (marked “(user)”)."


def problems_frame(problems: tuple[Problem, ...] | list[Problem]) -> pd.DataFrame:
    rows = [
        {"severity": p.severity, "file": p.file, "line": p.line,
         "study": p.label or p.study_id or (f"row {p.row + 1}" if p.row is not None else ""),
         "field": p.field, "value": p.value or "", "message": p.message}
        for p in problems
    ]
    df = pd.DataFrame(rows, columns=["severity", "file", "line", "study", "field", "value", "message"])
    df["line"] = df["line"].astype("Int64")
    return df


def import_messages(s: UserState) -> list[tuple[str, str]]:
    """``(kind, markdown)`` alerts about the last file import (kind ``success``, ``warning`` or
    ``error``; file name escaped); none after a table edit or while an import waits for a choice."""
    last = s.last
    if last is None or s.last_name == "table" or s.pending is not None:
        return []
    name = text.md(s.last_name)
    if s.last_replaced:
        out = [("success", f"Loaded {text.count(len(last.studies), 'study', 'studies')} from {name}.")]
        errors = [p for p in last.problems if p.severity == "error"]
        if errors:
            out.append(("warning", f"{len(errors)} problem(s): the rows or studies concerned were left out; "
                                   "the valid ones were kept."))
        return out
    kept = len(s.base.studies) if s.base is not None else 0
    return [("error", f"Nothing could be loaded from {name}. "
                      + (f"Your previous {kept} stud{'y is' if kept == 1 else 'ies are'} kept." if kept else ""))]


def pending_message(s: UserState, preview: U.ImportPreview) -> str:
    """What the pending file holds beside the user's studies, before they choose (name escaped)."""
    return (f"{text.md(s.pending_name)} has {text.count(len(preview.incoming), 'valid study', 'valid studies')}; "
            f"you already have {len(preview.current)}. Nothing has changed yet: choose what to do.")


def columns_table() -> pd.DataFrame:
    """The CSV template's columns: type, required, allowed values, meaning and an example."""
    return pd.DataFrame([
        {"column": c.name, "type": c.kind, "required": "yes" if c.required else "",
         "allowed values": ", ".join(c.choices), "meaning": c.help, "example": c.example}
        for c in U.CSV_COLUMNS
    ])


def export_caption(lossy: list[str] | tuple[str, ...]) -> str:
    """Under the export buttons: which format holds the studies completely (``lossy``: ids the CSV cannot)."""
    return ("Re-importing the YAML export gives exactly these studies. "
            + (f"The CSV cannot hold every field of {', '.join(lossy[:8])}: use YAML for those." if lossy
               else "The CSV export holds them completely too.")
            + " Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.")
