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


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_file_is_named_as_its_url_path(spec) -> None:
    # On a fresh server's first run Streamlit's legacy pages/ path looks the requested URL path up
    # among the page *file names* (streamlit.source_util.page_icon_and_name); a URL path that is no
    # file name showed the first visitor a "Page not found" dialog before app.py took over.
    from streamlit.source_util import page_icon_and_name

    _, name = page_icon_and_name(ROOT / spec.file)
    assert name == spec.url_path, (spec.file, name, spec.url_path)
