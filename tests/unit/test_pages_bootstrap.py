"""Every page routes a legacy first run through app.py (see ui/bootstrap.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ui.pages import PAGES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_calls_route_through_app_before_rendering(spec) -> None:
    tree = ast.parse((ROOT / spec.file).read_text(encoding="utf-8"))
    calls = [
        i for i, node in enumerate(tree.body)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", getattr(node.value.func, "attr", "")) == "route_through_app"
    ]
    assert calls, f"{spec.file} does not call route_through_app()"
    first_st = next(
        (i for i, node in enumerate(tree.body)
         if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
         and "st." in ast.unparse(node.value)[:4]),
        len(tree.body),
    )
    assert calls[0] < first_st, f"{spec.file}: route_through_app() must come before any st.* call"
