"""Start and stop ``streamlit run app.py`` for the benchmarks (127.0.0.1, a free port).

Shared by ``bench_load.py`` and ``bench_ui.py``. Launching and waiting are separate so that a
benchmark can time the server's start (``bench_ui``: server start -> first forest plot).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(port: int) -> subprocess.Popen:
    """``streamlit run app.py`` on ``127.0.0.1:port`` with the project's ``.streamlit/config.toml``."""
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--global.developmentMode", "false",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90, poll: float = 0.3) -> None:
    """Return once ``/_stcore/health`` answers ``ok``; raise if the server exits or stays silent."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(poll)
    raise RuntimeError(f"server not healthy within {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
