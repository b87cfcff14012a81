"""Overview page under AppTest: headline ORR/DCR equal synthesis, caveats and links shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import evidence
import synthesis
from findings import text as ft
from ui import analysis as A
from ui.data import get_evidence

pytestmark = pytest.mark.app
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def test_home_shows_pooled_orr_and_dcr(app_test) -> None:
    at = app_test()  # the default page
    assert not at.exception, [e.value for e in at.exception]
    outcomes = get_evidence().outcomes_frame()
    values = {m.label: m.value for m in at.metric}
    for endpoint in ("ORR", "DCR"):
        frame = A.select_outcomes(outcomes, A.Selection(endpoint=endpoint)).frame
        res = synthesis.pool_proportions(frame["events"].tolist(), frame["total"].tolist(),
                                         **A.DEFAULT_MODEL.pool_kwargs())
        assert values[f"Pooled {endpoint}"] == ft.pct(res.estimate)
        md = " ".join(m.value for m in at.markdown)
        assert ft.interval(res.ci.low, res.ci.high) in md
        assert ft.interval(res.pi.low, res.pi.high) in md
    text = " ".join(str(x.value) for kind in ("markdown", "caption") for x in getattr(at, kind))
    text = text.replace("\\", "")  # markdown escapes of data text
    assert "Hartung–Knapp–Sidik–Jonkman" in text and "REML" in text  # the model is named
    assert "data-quality warning" in text  # caveats
    assert "Does it depend on the kind of study?" in " ".join(h.value for h in at.subheader)
    assert "prospective" in text and "difference p =" in text
    assert not NAN.search(text)
    assert len(at.get("page_link")) >= 2


def test_headlines_say_what_is_pooled_and_monotherapy_is_one_click(app_test) -> None:
    at = app_test()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert captions.count("Pools 11 studies: regimen monotherapy") == 1  # ORR card
    assert "combination" in captions and "design " in captions
    at.segmented_control(key="scope").set_value("monotherapy").run()
    assert not at.exception
    outcomes = get_evidence().outcomes_frame()
    frame = A.select_outcomes(outcomes, A.Selection(regimen=("monotherapy",))).frame
    res = synthesis.pool_proportions(frame["events"].tolist(), frame["total"].tolist(),
                                     **A.DEFAULT_MODEL.pool_kwargs())
    assert {m.label: m.value for m in at.metric}["Pooled ORR"] == ft.pct(res.estimate)
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert f"Pools {len(frame)} studies: regimen monotherapy {len(frame)};" in captions
    assert "combination" not in captions.split("Pools")[1].split(".")[0]


def test_home_counts_the_problems_of_the_data_file(app_test, monkeypatch) -> None:
    path = Path(__file__).resolve().parents[1] / "fixtures" / "bad_events_exceed_total.yaml"
    monkeypatch.setenv("APATINIB_STUDIES", str(path))
    at = app_test()
    assert not at.exception, [e.value for e in at.exception]
    n = len(evidence.load_studies(path).problems)
    text = " ".join(str(x.value) for x in at.markdown)
    assert n and f"The data file has {n} validation problem(s); see Data checks." in text
