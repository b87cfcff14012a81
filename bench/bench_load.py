"""Load test: many concurrent sessions against one ``streamlit run app.py`` server.

Starts the app on 127.0.0.1 (free port) with the project's ``.streamlit/config.toml``, warms it up,
then drives ``--sessions`` concurrent sessions (default 20) through ``--interactions`` interactions
each (default 50). Two kinds of client:

``--client ws`` (default): real Streamlit sessions over the websocket protocol the browser uses
  (``/_stcore/stream``, protobuf ``BackMsg``/``ForwardMsg`` from the installed Streamlit), each a
  separate ``AppSession`` on the server running the real pages. A session cycles through what a
  meeting participant does: Data checks (type two printed percentages into the candidate-denominator
  tool), Studies (open two study cards: a fragment run, as in the browser), Pooled efficacy (switch
  ORR -> DCR, change the estimator: REML/PM/DL/GLMM), Trial planner (change alpha: a Simon search),
  Overview. A response time runs from sending the change to the server's ``script_finished``: every
  element of the new page state has arrived. Each reply is checked for the text the change must
  produce (``as 33.3%``, ``· S5``, ``Pooled DCR``, ``Paule–Mandel;``, ``α ≤ 0.1`` ...) and for
  Streamlit exception elements; a missing text, an exception, a failed run or a 60 s silence is an
  error. Browser rendering is not included: that cost is on the participant's own machine.

``--client browser``: the same server driven by headless Debian chromium pages (``--contexts``
  contexts); response time to the result being visible. On this 2-core machine 20 chromium pages
  compete with the server for the CPU (load average 12-17), so this measures the benchmark machine
  more than the app; kept to check the pages end to end under concurrency.

``--think S``: mean pause between a session's interactions (uniform on 0..2S; default 0 =
back to back, the strictest case). Reported: errors, p50/p95/max response time (all interactions,
and page changes vs widget changes), server CPU seconds per interaction, server RSS before (after a
warm-up session) and after (all sessions closed, 10 s later). Targets: 0 errors, p95 < 1.5 s, RSS
growth < 10 %.

Run: ``.venv/bin/python bench/bench_load.py [--client ws|browser --sessions 20 --interactions 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from server import ROOT, free_port, launch, stop, wait_healthy
from stclient import StreamlitSession

CHROMIUM = os.environ.get("BROWSER_PATH") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
STUDY_IDS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S12", "S13"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(port: int) -> subprocess.Popen:
    proc = launch(port)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
    except RuntimeError:
        stop(proc)
        raise
    return proc


IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


NO_SKELETON = "document.querySelectorAll(\"[data-testid='stSkeleton']\").length === 0"


async def settle(page, timeout: float) -> None:
    """Script finished and every lazily loaded widget drawn (no skeleton placeholders left)."""
    await page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    await page.wait_for_selector(IDLE, timeout=timeout)
    await page.wait_for_function(NO_SKELETON, timeout=timeout)


async def follow_link(page, title: str, timeout: float) -> float:
    """Click the in-page link to the page titled ``title``; seconds until it is drawn and idle."""
    t0 = time.perf_counter()
    await page.locator("[data-testid='stPageLink'] a", has_text=f"{title}:").first.click()
    await page.locator(f"h1:has-text('{title}')").wait_for(timeout=timeout)
    await settle(page, timeout)
    return time.perf_counter() - t0


async def browser_session(ctx, url: str, n: int, sid: int, timeout: float, out: dict, ramp: float) -> None:
    page = await ctx.new_page()
    page.set_default_timeout(timeout)
    times: list[tuple[str, float]] = []
    errors: list[str] = []
    retries = [0]  # select-box lists reopened
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    step = "open /checks"
    try:
        await asyncio.sleep(sid * ramp)  # ramp-up: sessions join one after another, then all run together
        await page.goto(f"{url}/checks", timeout=4 * timeout, wait_until="commit")
        await settle(page, 4 * timeout)
        await page.locator("h1:has-text('Data checks')").wait_for(timeout=timeout)
        half = (n - 2) // 2
        # 1. candidate-denominator tool on Data checks
        for i in range(half):
            pct = f"{(sid * 7 + i * 3.7) % 97 + 1.5:.1f}"
            box = page.locator(".st-key-cd_pct input")
            step = f"type {pct}% into the candidate tool"
            t0 = time.perf_counter()
            await box.fill(pct)
            await box.press("Enter")
            await page.locator("[data-testid='stAlert']", has_text=f"as {pct}%").first.wait_for(timeout=timeout)
            await page.wait_for_selector(IDLE, timeout=timeout)
            times.append(("widget", time.perf_counter() - t0))
        # 2. navigate to Studies through the menu
        step = "page link to Studies"
        times.append(("page", await follow_link(page, "Studies", timeout)))
        # 3. study cards through the select box
        for i in range(n - half - 2):
            study = STUDY_IDS[(sid + i) % len(STUDY_IDS)]
            if i and study == STUDY_IDS[(sid + i - 1) % len(STUDY_IDS)]:
                study = "S11a"
            step = f"choose study {study}"
            t0 = time.perf_counter()
            box = page.locator(".st-key-study input[role='combobox']")
            option = page.locator("[role='option']", has_text=re.compile(rf"^{re.escape(study)}$")).first
            for attempt in range(3):  # a starved chromium can close the list before the click lands:
                await box.click()      # open it again, as a person would (counted in the time)
                await box.fill(study)
                try:
                    await option.click(timeout=timeout / 3)
                    break
                except Exception:
                    if attempt == 2:
                        raise
                    retries[0] += 1
            await page.locator("h3", has_text=re.compile(rf"· {re.escape(study)}$")).first.wait_for(timeout=timeout)
            await page.wait_for_selector(IDLE, timeout=timeout)
            times.append(("widget", time.perf_counter() - t0))
        # 4. back to Data checks
        step = "page link to Data checks"
        times.append(("page", await follow_link(page, "Data checks", timeout)))
        exc = await page.locator("[data-testid='stException']").count()
        if exc:
            errors.append(f"{exc} exception(s) on screen")
    except Exception as e:  # a timeout or a crash is an error of this session
        errors.append(f"{step}: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
        with contextlib.suppress(Exception):
            shot = ROOT / "artifacts" / f"bench-load-error-{sid}.png"
            shot.parent.mkdir(exist_ok=True)
            await page.screenshot(path=str(shot))
            errors.append(f"screenshot: {shot.relative_to(ROOT)}")
    finally:
        out[sid] = {"times": times, "errors": errors, "retries": retries[0]}
        await page.close()


async def browser_drive(url: str, sessions: int, contexts: int, n: int, timeout: float, ramp: float) -> dict:
    from playwright.async_api import async_playwright

    out: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctxs = [await browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(contexts)]
        tasks = [browser_session(ctxs[i % contexts], url, n, i, timeout, out, ramp) for i in range(sessions)]
        await asyncio.gather(*tasks)
        for c in ctxs:
            await c.close()
        await browser.close()
    return out


async def browser_warm_up(url: str, timeout: float) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page()
        for path in ("/checks", "/studies?study=S1", "/my-studies", "/"):
            await page.goto(url + path, timeout=timeout)
            await settle(page, timeout)
        await browser.close()


# --- websocket sessions -------------------------------------------------------------------------

METHOD_TEXT = {"REML": "restricted maximum likelihood (REML);", "PM": "Paule–Mandel;", "DL": "DerSimonian–Laird;",
               "GLMM": "binomial–normal GLMM"}


def ws_steps(sid: int, cycle: int) -> list[tuple[str, str, str, object, str]]:
    """One cycle of a participant's visit: (kind, page or widget key, action, value, text to expect)."""
    pct_a = f"{(sid * 7 + cycle * 11.3) % 97 + 1.5:.1f}"
    pct_b = f"{(sid * 13 + cycle * 5.9) % 97 + 1.5:.1f}"
    s1 = STUDY_IDS[(sid + cycle) % len(STUDY_IDS)]
    s2 = STUDY_IDS[(sid + cycle + 5) % len(STUDY_IDS)]
    method = ("PM", "DL", "GLMM", "REML")[(sid + cycle) % 4]
    alpha = (0.1, 0.025, 0.05)[(sid + cycle) % 3]
    return [
        ("page", "checks", "goto", None, "Data checks"),
        ("widget", "cd_pct", "set", f"{pct_a}%", f"as {pct_a}%"),
        ("widget", "cd_pct", "set", f"{pct_b}%", f"as {pct_b}%"),
        ("page", "studies", "goto", None, "Study (id)"),
        ("widget", "study", "set", s1, f"· {s1}"),
        ("widget", "study", "set", s2, f"· {s2}"),
        ("page", "pooled", "goto", None, "Pooled "),
        ("widget", "endpoint", "set", ["DCR"], "Pooled DCR"),
        ("widget", "method", "set", method, METHOD_TEXT[method]),
        ("page", "planner", "goto", None, "Trial planner"),
        ("widget", "alpha", "set", alpha, f"α ≤ {alpha:g}"),
        ("page", "", "goto", None, "Apatinib in advanced sarcoma"),
    ]


async def ws_session(url: str, n: int, sid: int, timeout: float, out: dict, ramp: float, think: float) -> None:
    rng = random.Random(sid)
    times: list[tuple[str, float]] = []
    errors: list[str] = []
    first = float("nan")
    await asyncio.sleep(sid * ramp)  # ramp-up: sessions join one after another, then all run together
    try:
        async with StreamlitSession(url, timeout=timeout) as s:
            r = await s.open("checks")
            first = r.seconds
            if r.exceptions:
                errors.append(f"open /checks: {r.exceptions[0]}")
            cycle = 0
            while len(times) < n:
                for kind, target, action, value, expect in ws_steps(sid, cycle):
                    if len(times) >= n:
                        break
                    if think:
                        await asyncio.sleep(rng.uniform(0, 2 * think))
                    r = await (s.goto(target) if action == "goto" else s.set(target, value))
                    times.append((kind, r.seconds))
                    if r.exceptions:
                        errors.append(f"{action} {target or '/'}: exception shown: {r.exceptions[0]}")
                    elif not r.shows(expect):
                        errors.append(f"{action} {target or '/'} {value!r}: reply lacks {expect!r}")
                cycle += 1
    except Exception as e:  # a timeout, a failed run or a dropped socket is an error of this session
        errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}")
    finally:
        out[sid] = {"times": times, "errors": errors, "first_load": first}


async def ws_drive(url: str, sessions: int, n: int, timeout: float, ramp: float, think: float) -> dict:
    out: dict = {}
    await asyncio.gather(*(ws_session(url, n, i, timeout, out, ramp, think) for i in range(sessions)))
    return out


async def ws_warm_up(url: str, timeout: float) -> None:
    """One session through every step, so that imports and shared caches are as after any first user."""
    async with StreamlitSession(url, timeout=timeout) as s:  # the first visitor lands on the root URL
        r = await s.open("")
        if r.exceptions or not r.shows("Apatinib in advanced sarcoma"):
            raise RuntimeError(f"warm-up: the Overview did not load: {r.exceptions}")
    out: dict = {}
    await ws_session(url, 12, 0, timeout, out, 0.0, 0.0)
    if out[0]["errors"]:
        raise RuntimeError(f"warm-up failed: {out[0]['errors'][0]}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(q * (len(xs) - 1))))
    return xs[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--client", choices=("ws", "browser"), default="ws")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--interactions", type=int, default=50)
    ap.add_argument("--think", type=float, default=0.0, help="mean pause between interactions (s), ws client")
    ap.add_argument("--contexts", type=int, default=4, help="browser contexts (browser client)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per step before it counts as an error")
    ap.add_argument("--ramp", type=float, default=None, help="seconds between session starts (ws 0.25, browser 2)")
    ap.add_argument("--json", default=None, help="where to write the figures (artifacts/bench_load_<client>.json)")
    a = ap.parse_args()
    ramp = a.ramp if a.ramp is not None else (0.25 if a.client == "ws" else 2.0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(port)
    try:
        if a.client == "ws":
            asyncio.run(ws_warm_up(url, a.timeout))
        else:
            asyncio.run(browser_warm_up(url, a.timeout * 1000))
        time.sleep(2)
        before = rss_mb(proc.pid)
        cpu0 = cpu_seconds(proc.pid)
        t0 = time.perf_counter()
        if a.client == "ws":
            out = asyncio.run(ws_drive(url, a.sessions, a.interactions, a.timeout, ramp, a.think))
        else:
            out = asyncio.run(browser_drive(url, a.sessions, a.contexts, a.interactions, a.timeout * 1000, ramp))
        wall = time.perf_counter() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        time.sleep(10)  # let the server drop the closed sessions
        after = rss_mb(proc.pid)
    finally:
        stop(proc)
    pairs = [t for r in out.values() for t in r["times"]]
    times = [t for _, t in pairs]
    by_kind = {k: [t for kk, t in pairs if kk == k] for k in ("page", "widget")}
    errors = [f"session {k}: {e}" for k, r in sorted(out.items()) for e in r["errors"]]
    expected = a.sessions * a.interactions

    def r3(x: float | None) -> float | None:
        return None if x is None or x != x else round(x, 3)

    res = {
        "client": a.client, "sessions": a.sessions, "interactions_per_session": a.interactions,
        "think_s": a.think, "contexts": a.contexts if a.client == "browser" else None,
        "interactions_done": len(times), "interactions_expected": expected, "errors": len(errors),
        "error_messages": errors[:20],
        "p50_s": r3(statistics.median(times)) if times else None, "p95_s": r3(pct(times, 0.95)),
        "max_s": r3(max(times)) if times else None, "mean_s": r3(statistics.fmean(times)) if times else None,
        "page_change_p50_s": r3(pct(by_kind["page"], 0.5)), "page_change_p95_s": r3(pct(by_kind["page"], 0.95)),
        "widget_change_p50_s": r3(pct(by_kind["widget"], 0.5)),
        "widget_change_p95_s": r3(pct(by_kind["widget"], 0.95)),
        "select_lists_reopened": sum(r.get("retries", 0) for r in out.values()),
        "first_load_max_s": r3(max((r.get("first_load", float("nan")) for r in out.values()), default=None)),
        "wall_s": round(wall, 1), "throughput_per_s": round(len(times) / wall, 1) if wall else None,
        "server_cpu_s": round(cpu, 1), "server_cpu_ms_per_interaction": round(1000 * cpu / len(times), 1) if times else None,
        "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
        "rss_growth_pct": round(100 * (after - before) / before, 1), "cpus": os.cpu_count(),
        "load_avg_1min_at_end": round(os.getloadavg()[0], 2),
    }
    ok = (res["errors"] == 0 and len(times) == expected and (res["p95_s"] or 1e9) < 1.5 and res["rss_growth_pct"] < 10)
    res["targets_met"] = ok
    print(f"{a.client} client: {a.sessions} sessions x {a.interactions} interactions (think {a.think:g} s): "
          f"{len(times)}/{expected} done in {wall:.0f} s ({res['throughput_per_s']}/s), errors {len(errors)}")
    print(f"response time p50 {res['p50_s']} s, p95 {res['p95_s']} s, max {res['max_s']} s "
          f"(page changes p95 {res['page_change_p95_s']} s, widget changes p95 {res['widget_change_p95_s']} s)")
    print(f"server CPU {res['server_cpu_s']} s = {res['server_cpu_ms_per_interaction']} ms per interaction")
    print(f"server RSS {res['rss_before_mb']} MB -> {res['rss_after_mb']} MB ({res['rss_growth_pct']:+} %)")
    print(f"machine load (1 min) at the end: {res['load_avg_1min_at_end']} on {res['cpus']} CPUs")
    print("targets (0 errors, p95 < 1.5 s, RSS growth < 10 %):", "met" if ok else "NOT met")
    for e in errors[:10]:
        print("  ", e)
    path = Path(a.json or ROOT / "artifacts" / f"bench_load_{a.client}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
