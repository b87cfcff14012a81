"""Load test: many concurrent real browser sessions against one ``streamlit run app.py`` server.

Starts the app on 127.0.0.1 (free port), opens ``--sessions`` pages (default 20) spread over
``--contexts`` headless Debian-chromium contexts (default 4), and drives each page through
``--interactions`` interactions (default 50) concurrently:

* on Data checks: type a new percentage into the candidate-denominator tool and press Enter
  (done when the answer for that percentage is on screen);
* on Studies: choose another study in the card's select box (done when that card's title shows);
* switch between the two pages through their page links (done when the title shows).

Each response time runs from the action to the moment its result is visible and the script has
finished. Reported: errors (timeouts, Streamlit exceptions on screen, page crashes), p50/p95/max
response time, server RSS before (after one warm-up session) and after (all sessions closed).
Targets: 0 errors, p95 < 1.5 s, RSS growth < 10 %.

Run: ``.venv/bin/python bench/bench_load.py [--sessions 20 --contexts 4 --interactions 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("BROWSER_PATH") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
STUDY_IDS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S12", "S13"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--global.developmentMode", "false",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("server not healthy within 90 s")


IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


NO_SKELETON = "document.querySelectorAll(\"[data-testid='stSkeleton']\").length === 0"


async def settle(page, timeout: float) -> None:
    """Script finished and every lazily loaded widget drawn (no skeleton placeholders left)."""
    await page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    await page.wait_for_selector(IDLE, timeout=timeout)
    await page.wait_for_function(NO_SKELETON, timeout=timeout)


async def session(ctx, url: str, n: int, sid: int, timeout: float, out: dict, ramp: float) -> None:
    page = await ctx.new_page()
    page.set_default_timeout(timeout)
    times: list[float] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    try:
        await asyncio.sleep(sid * ramp)  # ramp-up: sessions join one after another, then all run together
        await page.goto(f"{url}/checks", timeout=4 * timeout, wait_until="commit")
        await settle(page, 4 * timeout)
        await page.locator("h1:has-text('Data checks')").wait_for(timeout=timeout)
        done = 0
        half = (n - 2) // 2
        # 1. candidate-denominator tool on Data checks
        for i in range(half):
            pct = f"{(sid * 7 + i * 3.7) % 97 + 1.5:.1f}"
            box = page.locator(".st-key-cd_pct input")
            t0 = time.perf_counter()
            await box.fill(pct)
            await box.press("Enter")
            await page.locator("[data-testid='stAlert']", has_text=f"as {pct}%").first.wait_for(timeout=timeout)
            await page.wait_for_selector(IDLE, timeout=timeout)
            times.append(time.perf_counter() - t0)
            done += 1
        # 2. navigate to Studies through the menu
        t0 = time.perf_counter()
        await page.locator("[data-testid='stPageLink'] a", has_text="Studies:").first.click()
        await page.locator("h1:has-text('Studies')").wait_for(timeout=timeout)
        await settle(page, timeout)
        times.append(time.perf_counter() - t0)
        done += 1
        # 3. study cards through the select box
        for i in range(n - half - 2):
            study = STUDY_IDS[(sid + i) % len(STUDY_IDS)]
            if i and study == STUDY_IDS[(sid + i - 1) % len(STUDY_IDS)]:
                study = "S11a"
            t0 = time.perf_counter()
            box = page.locator(".st-key-study input[role='combobox']")
            await box.click()
            await box.fill(study)
            await page.locator("[role='option']", has_text=re.compile(rf"^{re.escape(study)}$")).first.click()
            await page.locator("h3", has_text=re.compile(rf"· {re.escape(study)}$")).first.wait_for(timeout=timeout)
            await page.wait_for_selector(IDLE, timeout=timeout)
            times.append(time.perf_counter() - t0)
            done += 1
        # 4. back to Data checks
        t0 = time.perf_counter()
        await page.locator("[data-testid='stPageLink'] a", has_text="Data checks:").first.click()
        await page.locator("h1:has-text('Data checks')").wait_for(timeout=timeout)
        await settle(page, timeout)
        times.append(time.perf_counter() - t0)
        done += 1
        exc = await page.locator("[data-testid='stException']").count()
        if exc:
            errors.append(f"{exc} exception(s) on screen")
    except Exception as e:  # a timeout or a crash is an error of this session
        errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    finally:
        out[sid] = {"times": times, "errors": errors}
        await page.close()


async def drive(url: str, sessions: int, contexts: int, n: int, timeout: float, ramp: float) -> dict:
    from playwright.async_api import async_playwright

    out: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctxs = [await browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(contexts)]
        tasks = [session(ctxs[i % contexts], url, n, i, timeout, out, ramp) for i in range(sessions)]
        await asyncio.gather(*tasks)
        for c in ctxs:
            await c.close()
        await browser.close()
    return out


async def warm_up(url: str, timeout: float) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page()
        for path in ("/checks", "/studies?study=S1", "/my-studies", "/"):
            await page.goto(url + path, timeout=timeout)
            await settle(page, timeout)
        await browser.close()


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(q * (len(xs) - 1))))
    return xs[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--contexts", type=int, default=4)
    ap.add_argument("--interactions", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per step before it counts as an error")
    ap.add_argument("--ramp", type=float, default=2.0, help="seconds between session starts")
    ap.add_argument("--json", default=str(ROOT / "artifacts" / "bench_load.json"))
    a = ap.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(port)
    try:
        asyncio.run(warm_up(url, a.timeout * 1000))
        time.sleep(2)
        before = rss_mb(proc.pid)
        t0 = time.perf_counter()
        out = asyncio.run(drive(url, a.sessions, a.contexts, a.interactions, a.timeout * 1000, a.ramp))
        wall = time.perf_counter() - t0
        time.sleep(10)  # let the server drop the closed sessions
        after = rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    times = [t for r in out.values() for t in r["times"]]
    errors = [f"session {k}: {e}" for k, r in sorted(out.items()) for e in r["errors"]]
    expected = a.sessions * a.interactions
    res = {
        "sessions": a.sessions, "contexts": a.contexts, "interactions_per_session": a.interactions,
        "interactions_done": len(times), "interactions_expected": expected, "errors": len(errors),
        "error_messages": errors[:20], "p50_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(pct(times, 0.95), 3), "max_s": round(max(times), 3) if times else None,
        "mean_s": round(statistics.fmean(times), 3) if times else None, "wall_s": round(wall, 1),
        "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
        "rss_growth_pct": round(100 * (after - before) / before, 1), "cpus": os.cpu_count(),
        "load_avg_1min_at_end": round(os.getloadavg()[0], 2),
    }
    ok = (res["errors"] == 0 and len(times) == expected and res["p95_s"] < 1.5 and res["rss_growth_pct"] < 10)
    res["targets_met"] = ok
    print(f"sessions {a.sessions} in {a.contexts} contexts x {a.interactions} interactions: "
          f"{len(times)}/{expected} done in {wall:.0f} s, errors {len(errors)}")
    print(f"response time p50 {res['p50_s']} s, p95 {res['p95_s']} s, max {res['max_s']} s")
    print(f"server RSS {res['rss_before_mb']} MB -> {res['rss_after_mb']} MB ({res['rss_growth_pct']:+} %)")
    print(f"machine load (1 min) at the end: {res['load_avg_1min_at_end']} on {res['cpus']} CPUs")
    print("targets (0 errors, p95 < 1.5 s, RSS growth < 10 %):", "met" if ok else "NOT met")
    for e in errors[:10]:
        print("  ", e)
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(res, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
