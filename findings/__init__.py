"""What an analysis shows: rows, labels, caveats, methods text and tables, without Streamlit.

Both front ends — the pages (``ui/``, ``pages/``) and the reports (``reports/``: HTML, PPTX,
DOCX) — build what they show from this package, so a number or a convention is worded once.
:mod:`findings.text` holds the number formats, labels and escaping; each view has a module that
turns ``(evidence, Selection, Model)`` into a frozen view object.
"""

from __future__ import annotations

from findings import text

__all__ = ["text"]
