"""The core packages never import the UI framework (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_packages_do_not_import_streamlit() -> None:
    code = (
        "import sys, importlib, pkgutil\n"
        "import evidence, synthesis, charts\n"
        "for pkg in (evidence, synthesis, charts):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "for name in list(synthesis.__all__):\n"
        "    getattr(synthesis, name)\n"
        "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "assert not bad, bad[:5]\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "ok"


def test_core_packages_do_not_import_plotly_outside_charts() -> None:
    code = (
        "import sys, importlib, pkgutil\n"
        "import evidence, synthesis\n"
        "for pkg in (evidence, synthesis):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('plotly', 'streamlit'))\n"
        "assert not bad, bad[:5]\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]


def test_pages_are_thin() -> None:
    for page in sorted((ROOT / "pages").glob("*.py")):
        n = len(page.read_text(encoding="utf-8").splitlines())
        assert n < 200, f"{page.name} has {n} lines; move logic to evidence/, synthesis/, charts/ or ui/"
