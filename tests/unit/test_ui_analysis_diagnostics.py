"""ui.analysis tables around the sensitivity, agreement, subgroup and regression results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import synthesis
from findings import compare, pooled, robustness
from findings import text as ft
from ui import analysis as A

EV = [9, 3, 10, 7, 6, 16, 9, 9, 6, 9, 11]
N = [37, 6, 59, 27, 6, 37, 21, 43, 33, 26, 54]
LABELS = [f"S{i}" for i in range(len(EV))]


def test_loo_rows_highlight_moves_outside_full_ci() -> None:
    res = synthesis.pool_proportions(EV, N, labels=LABELS, ci_method="hksj")
    loo = synthesis.leave_one_out(EV, N, labels=LABELS, ci_method="hksj")
    rows = robustness.loo_rows(loo, res)
    assert rows["label"].iloc[0] == "Without S0"
    np.testing.assert_allclose(rows["estimate"], loo["estimate"])
    outside = (loo["estimate"] < res.ci.low) | (loo["estimate"] > res.ci.high)
    assert rows["highlight"].tolist() == outside.tolist()
    table = robustness.interval_table(rows, 0.95)
    assert "nan" not in table.to_string().lower()


def test_cumulative_follows_year_order() -> None:
    frame = pd.DataFrame({"label": LABELS[:4], "year": [2020, 2018, np.nan, 2019],
                          "events": EV[:4], "total": N[:4]})
    order = robustness.year_order(frame)
    assert order == (1, 3, 0, 2)
    cum = synthesis.cumulative(EV[:4], N[:4], order=list(order), labels=LABELS[:4])
    rows = robustness.cumulative_rows(cum, frame, order)
    assert rows["label"].tolist() == ["S1 (2018)", "+ S3 (2019)", "+ S0 (2020)", "+ S2"]


def test_agreement_rows_put_the_chosen_model_first() -> None:
    agr = synthesis.method_agreement(EV, N)
    res = synthesis.pool_proportions(EV, N)
    rows = robustness.agreement_rows(agr, res, "Random effects (REML)")
    assert rows["label"].iloc[0].startswith("Chosen model: Random effects (REML)") and bool(rows["highlight"].iloc[0])
    assert len(rows) == len(agr.models) + 1


def test_subgroup_table_and_test_text() -> None:
    groups = ["a"] * 5 + ["b"] * 6
    res = synthesis.subgroup_analysis(EV, N, groups)
    table = compare.subgroup_table(res, 0.95)
    assert table["Subgroup"].tolist() == ["a", "b", "Overall"]
    assert "nan" not in table.to_string().lower()
    text = compare.subgroup_test_text(res)
    assert "df = 1" in text and "p = " in text


def test_metareg_line_back_transforms_with_synthesis() -> None:
    x = np.array([2018, 2019, 2019, 2020, 2022, 2023, 2018, 2020, 2021, 2019, 2023], dtype=float)
    res = synthesis.meta_regression(EV, N, pd.DataFrame({"year": x}))
    line = compare.metareg_line(res, x, np.array(N, dtype=float))
    expected = 1 / (1 + np.exp(-(res.coef[0] + res.coef[1] * line["x"].to_numpy())))
    np.testing.assert_allclose(line["fit"], expected)
    assert "nan" not in compare.metareg_table(res).to_string().lower()


def test_moderators_and_dose_groups() -> None:
    frame = pd.DataFrame({"design": ["prospective", "retrospective", None],
                          "regimen": ["monotherapy", "combination", ""],
                          "dose_mg": [500, 750, np.nan], "year": [2019, 2020, 2021],
                          "sarcoma_only": [True, False, None]})
    assert compare.moderator_frame(frame, "prospective")["prospective"].tolist()[:2] == [1.0, 0.0]
    assert np.isnan(compare.moderator_frame(frame, "prospective")["prospective"].iloc[2])
    assert compare.moderator_frame(frame, "monotherapy")["monotherapy"].tolist()[:2] == [1.0, 0.0]
    assert compare.moderator_frame(frame, "sarcoma_only")["sarcoma_only"].tolist()[:2] == [1.0, 0.0]
    assert [compare.dose_group(v) for v in (500, 750, None)] == ["≤ 500 mg/day", "> 500 mg/day", A.MISSING]
    with pytest.raises(ValueError, match="moderator"):
        compare.moderator_frame(frame, "colour")


def test_published_comparison_matches_scope() -> None:
    from ui.data import get_evidence

    ev = get_evidence()
    table = pooled.published_comparison(ev.pooled_estimates_frame(), A.Selection(), A.DEFAULT_MODEL,
                                   ev.outcomes_frame())
    if table.empty:
        pytest.skip("no published ORR estimate in the data file")
    row = table.iloc[0]
    assert "27.0%" in row["Published"]
    osteo = A.select_outcomes(ev.outcomes_frame(), A.Selection(histology=("osteosarcoma",))).frame
    res = synthesis.pool_proportions(osteo["events"].tolist(), osteo["total"].tolist(),
                                     **A.DEFAULT_MODEL.pool_kwargs())
    assert row["This app (same scope)"].startswith(ft.pct(res.estimate))
