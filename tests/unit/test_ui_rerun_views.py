"""CSV downloads build their bytes only on click, with the same bytes as before."""

from __future__ import annotations

import pandas as pd

from ui import analysis as A
from ui import evidence_view as V
from ui import widgets


def _capture(monkeypatch, module) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(module.st, "download_button", lambda label, **kw: calls.append({"label": label, **kw}))
    return calls


def test_downloads_are_built_on_click_with_the_same_bytes(monkeypatch) -> None:
    df = pd.DataFrame({"a": ["=1+1", "x"], "b": [1.5, None]})
    calls = _capture(monkeypatch, V)
    V.render_download(df, "t.csv", key="k")
    V.render_download(lambda: df, "t.csv", key="k2")
    assert all(callable(c["data"]) for c in calls)
    assert calls[0]["data"]() == calls[1]["data"]() == V.csv_bytes(df)
    assert calls[0]["file_name"] == "t.csv" and calls[0]["mime"] == "text/csv" and calls[0]["on_click"] == "ignore"
    calls = _capture(monkeypatch, widgets)
    widgets.csv_download(df, "u.csv", key="k3", label="Get")
    assert calls[0]["label"] == "Get" and callable(calls[0]["data"]) and calls[0]["data"]() == A.csv_bytes(df)
