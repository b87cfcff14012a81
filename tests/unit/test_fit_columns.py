"""Tables size their text columns so no value is cut (study card, Studies, Survival, Safety,
planner, Living review)."""

from __future__ import annotations

import pandas as pd

from ui import evidence_view as V


def test_text_columns_are_as_wide_as_their_longest_value() -> None:
    df = pd.DataFrame({"statistic": ["median", "rate"], "method": ["KM or crude not stated", None],
                       "interval": ["10.85–24.37", "1–2"], "n": [12, 3]})
    cfg = V.fit_columns(df, help={"n": "patients", "method": "how the rate was estimated"})
    for col, longest in (("method", "KM or crude not stated"), ("interval", "10.85–24.37"),
                         ("statistic", "statistic")):
        assert cfg[col]["width"] >= len(longest) * V.CHAR_PX, col
    assert cfg["method"]["width"] > cfg["interval"]["width"] > cfg["statistic"]["width"]
    assert cfg["method"]["help"] == "how the rate was estimated"
    # numbers keep Streamlit's own width; a help text still reaches them
    assert "width" not in cfg["n"] or cfg["n"]["width"] is None
    assert cfg["n"]["help"] == "patients"


def test_very_long_text_is_capped_and_scrolls() -> None:
    df = pd.DataFrame({"detail": ["x" * 5000]})
    assert V.fit_columns(df)["detail"]["width"] == V.MAX_COLUMN_PX
    assert V.fit_columns(df, max_px=240)["detail"]["width"] == 240
