"""Every registered page runs under AppTest without an exception and without 'nan' on screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui.pages import PAGES

ROOT = Path(__file__).resolve().parents[2]
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def visible_text(at) -> str:
    """Text of markdown, captions, metrics, headers, alerts and plain text elements."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "text", "error",
                 "warning", "info", "success"):
        for el in getattr(at, kind, []):
            parts.append(str(el.value))
    for m in at.metric:
        parts.append(f"{m.label} {m.value} {m.delta or ''}")
    return "\n".join(parts)


def test_registry_files_exist() -> None:
    missing = [p.file for p in PAGES if not (ROOT / p.file).exists()]
    assert not missing, f"pages registered but missing: {missing}"


@pytest.mark.app
@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_runs_without_exception(app_test, spec) -> None:
    if not (ROOT / spec.file).exists():
        pytest.fail(f"{spec.file} does not exist")
    at = app_test(page=spec.file)
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    assert text.strip(), f"{spec.file} shows no text"
    assert not NAN.search(text), f"'nan' shown on {spec.file}: {NAN.search(text).group(0)!r}"
