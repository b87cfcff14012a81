"""Fuzzing ``python -m reports`` in-process: any --view string and any --data file give exit 0 or
2 with one plain ``error:`` line, never a traceback, and never an empty report.

The default run draws a small sample; ``scripts/fuzz.sh`` (``-m fuzz``) draws ``FUZZ_CLI`` cases.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.__main__ import main

FUZZ_CLI = int(os.environ.get("FUZZ_CLI", "300"))
KEYS = ["endpoint", "method", "ci", "level", "histology", "regimen", "design", "line", "reports",
        "timepoint", "transform", "pi", "nope", "", "ci[]", "%00"]
VALUES = st.one_of(
    st.sampled_from(["ORR", "DCR", "REML", "hksj", "hksj-adhoc", "0.9", "nan", "<script>", "all",
                     "osteosarcoma", "nonexistent", "x" * 5000, "1e309", "-1", "", "%", "&&", "="]),
    st.text(max_size=40),
)
VIEWS = st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=4).map(
    lambda kv: "&".join(f"{k}={v}" for k, v in kv))
DATA = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"\x01", b"", b"studies: []\n", b"a: &a [1]\nb: *a\n", b"root:x:0:0:root:/root:/bin/bash\n",
                     b"studies:\n  - id: S1\n    label: x\n", b"\xff\xfe\x00\x00"]),
)


def _check(tmp_path, capsys, args: list[str]) -> None:
    out = tmp_path / "out.R"
    code = main([*args, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, err
    else:
        assert out.stat().st_size > 0


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(VIEWS)
def test_any_view_string(tmp_path_factory, capsys, view: str) -> None:
    _check(tmp_path_factory.mktemp("v"), capsys, ["--view", view])


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(DATA)
def test_any_data_file(tmp_path_factory, capsys, data: bytes) -> None:
    d = tmp_path_factory.mktemp("d")
    f = d / "data.yaml"
    f.write_bytes(data)
    _check(d, capsys, ["--data", str(f)])


@pytest.mark.fuzz
@settings(max_examples=FUZZ_CLI, deadline=None, suppress_health_check=list(HealthCheck))
@given(VIEWS, DATA)
def test_cli_fuzz_long(tmp_path_factory, capsys, view: str, data: bytes) -> None:
    d = tmp_path_factory.mktemp("l")
    f = d / "data.yaml"
    f.write_bytes(data)
    _check(d, capsys, ["--view", view])
    _check(d, capsys, ["--data", str(f)])


def test_multi_line_loader_message_is_one_line(tmp_path, capsys) -> None:
    """Found by the long fuzz: PyYAML's two-line syntax message reached stderr as two lines."""
    f = tmp_path / "data.yaml"
    f.write_bytes(b"\x01")
    _check(tmp_path, capsys, ["--data", str(f)])
