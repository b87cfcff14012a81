"""What an AppTest page shows as text, for checks that no 'nan' reaches the user."""

from __future__ import annotations

import re

NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def visible_text(at) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "text", "error",
                 "warning", "info", "success"):
        parts += [str(el.value) for el in getattr(at, kind, [])]
    parts += [d.value.to_csv(index=False) for d in at.dataframe]
    return "\n".join(parts).replace("\\", "")
