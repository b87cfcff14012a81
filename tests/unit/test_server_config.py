"""The server settings the app relies on (.streamlit/config.toml), read as Streamlit reads them."""

from __future__ import annotations

import tomllib
from pathlib import Path

from evidence import userdata as U

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def _config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_upload_cap_and_xsrf() -> None:
    server = _config()["server"]
    assert server["enableXsrfProtection"] is True
    # the upload widget refuses files over the cap (MB) before the importer's own byte limit applies
    assert 0 < server["maxUploadSize"] * 1024 * 1024 <= 4 * U.MAX_BYTES


def test_no_full_collection_after_every_run() -> None:
    # bench/bench_load.py: with Streamlit's gc.collect(2) after every run, its cost grew with the
    # number of open sessions (60 sessions, 3 s pauses: p95 1.87 s; without: 0.13 s, same RSS).
    # Python's generational collector still runs; ui/heap.py freezes the long-lived heap.
    assert _config()["runner"]["postScriptGC"] is False


def test_streamlit_accepts_every_option() -> None:
    from streamlit import config as stconfig

    for section, options in _config().items():
        for name in options:
            assert f"{section}.{name}" in stconfig._config_options_template, f"{section}.{name}"


def test_listens_on_loopback_only() -> None:
    # scripts/run.sh must not widen it either: serving on a network is a deliberate choice (README).
    assert _config()["server"]["address"] == "127.0.0.1"
    run = (CONFIG.parents[1] / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert "server.address" not in run and "0.0.0.0" not in run


def test_no_traceback_reaches_the_user() -> None:
    assert _config()["client"]["showErrorDetails"] == "none"


def test_streamlit_reads_the_safe_values() -> None:
    # Parsed by Streamlit's own config loader, as the server does at start-up.
    from streamlit import config as stconfig

    stconfig.get_config_options(force_reparse=True, options_from_flags={})
    try:
        assert stconfig.get_option("server.address") == "127.0.0.1"
        assert stconfig.get_option("client.showErrorDetails") == "none"
    finally:
        stconfig.get_config_options(force_reparse=True)


def test_magic_is_off_and_no_page_relies_on_it() -> None:
    """With magic, every compile of a page script (after the last session closes, each page
    again) rewrote its syntax tree; no page writes a bare expression, so magic is off. A bare
    expression other than a docstring would now show nothing: write it with st.write."""
    import ast

    assert _config()["runner"]["magicEnabled"] is False
    root = CONFIG.parents[1]
    bare = []
    for path in [root / "app.py", *sorted((root / "pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))]
        docs = {id(s.body[0]) for s in scopes if s.body and isinstance(s.body[0], ast.Expr)
                and isinstance(s.body[0].value, ast.Constant) and isinstance(s.body[0].value.value, str)}
        bare += [f"{path.name}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Expr) and id(n) not in docs
                 and not isinstance(n.value, ast.Call | ast.Await)]
    assert bare == [], bare
