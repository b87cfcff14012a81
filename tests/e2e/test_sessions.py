"""Concurrent Streamlit sessions over the websocket protocol (the client of bench/bench_load.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser  # needs a live server, like the browser tier

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))  # the benchmark's modules import each other by name (stclient, server)


def _run(coro):
    """``asyncio.run`` in a thread of its own: Playwright's sync API keeps a loop in this one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _bench_load():
    spec = importlib.util.spec_from_file_location("bench_load", BENCH / "bench_load.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_concurrent_sessions_do_what_a_participant_does(app_url) -> None:
    # Three sessions at once through a whole cycle of the load benchmark: every page change and
    # widget change must finish and show the text it must produce (e.g. "Pooled DCR", "α ≤ 0.1").
    bench = _bench_load()
    out = _run(bench.ws_drive(app_url, sessions=3, n=12, timeout=60.0, ramp=0.1, think=0.0))
    assert sorted(out) == [0, 1, 2]
    for sid, r in out.items():
        assert r["errors"] == [], (sid, r["errors"])
        assert len(r["times"]) == 12
        assert {k for k, _ in r["times"]} == {"page", "widget"}


def test_the_client_reports_what_a_page_lacks(app_url) -> None:
    # The benchmark's checks can fail: a widget value the page does not echo is reported.
    from stclient import StreamlitSession

    async def run() -> tuple[bool, bool]:
        async with StreamlitSession(app_url) as s:
            await s.open("checks")
            r = await s.set("cd_pct", "41.7%")
            return r.shows("as 41.7%"), r.shows("as 41.8%")

    assert _run(run()) == (True, False)


def test_concurrent_sessions_keep_their_own_studies(app_url) -> None:
    # Caches are shared by every session; a user's studies must reach only that user's analyses,
    # and survive that user's page changes.
    from stclient import StreamlitSession

    async def run() -> dict[str, object]:
        async with StreamlitSession(app_url) as a, StreamlitSession(app_url) as b:
            await a.open("my-studies")
            before = (await b.open("pooled")).metrics["Studies / patients"]
            added = await a.set("ud_from_template", True)  # A adds the template's two example studies
            a_pooled = (await a.goto("pooled")).metrics["Studies / patients"]
            b_pooled = (await b.set("endpoint", ["ORR"])).metrics["Studies / patients"]
            a_back = await a.goto("my-studies")
            b_mine = await b.goto("my-studies")
            return {"before": before, "added": added, "a": a_pooled, "b": b_pooled,
                    "a_back": a_back, "b_mine": b_mine}

    r = _run(run())
    assert not r["added"].exceptions, r["added"].exceptions
    k = {name: int(str(r[name]).split("/")[0]) for name in ("before", "a", "b")}
    assert k["a"] == k["before"] + 2, k  # A: built-in + the two template studies
    assert k["b"] == k["before"], k  # B: untouched by A's studies
    assert r["a_back"].shows("Example 2021") and not r["b_mine"].shows("Example 2021")
    assert r["b_mine"].shows("No study of yours yet")
