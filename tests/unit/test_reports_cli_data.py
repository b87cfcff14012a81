"""``python -m reports --data``: a data file that yields no study is an error, never an empty report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reports.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
BOMB = 'a: &a ["x", "x"]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n'


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n", "top level"),
        (BOMB, "anchors"),
        ("studies: []\n", "yielded no study"),
        ("", "yielded no study"),
    ],
    ids=["passwd-like", "yaml-bomb", "empty-list", "empty-file"],
)
def test_data_without_studies_exits_2_and_writes_nothing(tmp_path, capsys, content, expected) -> None:
    data = tmp_path / "studies.yaml"
    data.write_text(content, encoding="utf-8")
    out = tmp_path / "report.html"
    assert main(["--data", str(data), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: data file ") and "yielded no study" in err and expected in err
    assert "root:x" not in err  # the file's content is never quoted back
    assert not out.exists()


def test_etc_passwd_in_a_real_process(tmp_path) -> None:
    # the reported case: a system file given by mistake; exit status 2, no traceback, no report
    target = Path("/etc/passwd")
    if not target.exists():
        pytest.skip("no /etc/passwd on this system")
    out = tmp_path / "r.html"
    proc = subprocess.run(
        [sys.executable, "-m", "reports", "--data", str(target), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "yielded no study" in proc.stderr
    assert not out.exists()
