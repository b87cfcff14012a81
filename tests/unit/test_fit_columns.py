"""Study-card and Studies tables size their text columns so no value is cut."""

from __future__ import annotations

import pandas as pd

from ui import evidence_view as V


def test_long_text_columns_are_drawn_wide() -> None:
    df = pd.DataFrame({"statistic": ["median"], "method": ["KM or crude not stated in the source"],
                       "interval": ["10.85–24.1 months"], "n": [12]})
    cfg = V.fit_columns(df)
    assert cfg["method"]["width"] == "large" and cfg["interval"]["width"] == "medium"
    assert "statistic" not in cfg and "n" not in cfg
