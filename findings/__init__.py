"""What an analysis shows: rows, labels, caveats, methods text and tables, without Streamlit.

Both front ends — the pages (``ui/``, ``pages/``) and the reports (``reports/``: HTML, PPTX,
DOCX) — build what they show from this package, so a number or a convention is worded once.
:mod:`findings.text` holds the number formats, labels and escaping; each view has a module that
turns ``(evidence, Selection, Model)`` into a frozen view object. :func:`pool` is the one-call
entry point for notebooks (:mod:`findings.notebook`).
"""

from __future__ import annotations

from findings import text
from findings.notebook import pool

__all__ = ["pool", "text"]
