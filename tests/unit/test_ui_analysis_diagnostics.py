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


def test_loo_caption_names_the_studies_that_move_the_estimate() -> None:
    rows = pd.DataFrame({"label": ["Without S0", "Without S1"], "highlight": [False, True]})
    assert robustness.loo_caption(rows) == ("Each row re-pools without one study. "
                                            "Outside the full CI (red): Without S1.")
    assert robustness.loo_caption(rows.assign(highlight=False)).endswith(
        "No single study moves the estimate outside the full analysis' CI.")


def test_influential_text_escapes_labels_and_says_none() -> None:
    f = pd.DataFrame({"label": ["*S0*", "S1"], "influential": [1, 0]})
    assert robustness.influential_text(f) == f"Influential by metafor's criteria: {ft.md('*S0*')}"
    assert "\\*" in robustness.influential_text(f)
    assert robustness.influential_text(f.assign(influential=0)).endswith(": none")
    assert robustness.small_study_note(4).startswith("With 4 studies (fewer than 10)")


def test_subgroup_caption_names_small_subgroups() -> None:
    res = synthesis.subgroup_analysis(EV, N, ["a"] * 2 + ["b"] * 9)
    assert compare.subgroup_caption(res).endswith(" Fewer than 3 studies in: a.")
    res = synthesis.subgroup_analysis(EV, N, ["a"] * 5 + ["b"] * 6)
    assert "Fewer than 3" not in compare.subgroup_caption(res)
    model = A.DEFAULT_MODEL
    assert compare.subgroup_results_caption(model).startswith("As reported; 95% Clopper–Pearson (exact) intervals.")


def test_metareg_data_keeps_known_moderators_and_says_when_too_few() -> None:
    frame = pd.DataFrame({"label": LABELS[:4], "events": EV[:4], "total": N[:4],
                          "year": [2018, np.nan, 2020, 2022], "design": ["prospective", "retrospective",
                                                                       "prospective", "prospective"]})
    d = compare.metareg_data(frame, "year")
    assert d.rows["label"].tolist() == ["S0", "S2", "S3"] and d.missing == ("S1",) and d.too_few == ""
    assert d.centre == pytest.approx(2020.0) and not d.binary and d.tick_labels() is None
    pts = d.points()
    assert pts["x"].tolist() == [2018, 2020, 2022] and pts["proportion"].iloc[0] == pytest.approx(9 / 37)
    b = compare.metareg_data(frame, "prospective")
    assert b.binary and b.tick_labels() == {0: "no", 1: "yes"} and b.centre == 0.0
    few = compare.metareg_data(frame.iloc[:2], "year")
    assert few.too_few == ("Publication year is known for 1 studies with 1 distinct value(s): "
                           "too few for a meta-regression.")


def test_metareg_sentences() -> None:
    x = np.array([2018, 2019, 2019, 2020, 2022, 2023, 2018, 2020, 2021, 2019, 2023], dtype=float)
    res = synthesis.meta_regression(EV, N, pd.DataFrame({"year": x - x.mean()}))
    line = compare.metareg_test_text(res)
    assert line.startswith(("F = ", "QM = ")) and f"(k = {len(EV)})." in line and "nan" not in line
    cap = compare.metareg_caption(res, A.DEFAULT_MODEL, ("S9",))
    assert "IV logit REML" not in cap and cap.endswith(" Moderator not reported for: S9.")
    assert "IV logit REML was used" in compare.metareg_caption(res, A.Model(method="GLMM"))


def test_metrics_of_the_pooled_and_the_bayesian_result() -> None:
    res = synthesis.pool_proportions(EV, N, labels=LABELS, ci_method="hksj")
    items = pooled.metrics(res, "Pooled ORR")
    assert [label for label, _, _ in items] == ["Pooled ORR", "95% confidence interval", "95% prediction interval",
                                                "Studies / patients"]
    assert items[0][1:] == (ft.pct(res.estimate), res.model_label())
    assert items[1][1] == ft.interval(*res.ci) and items[2][1] == ft.interval(*res.pi)
    assert items[3][1:] == (f"{len(EV)} / {sum(N)}", f"{sum(EV)} responders in total.")
    b = synthesis.bayes_pool(EV[:4], N[:4], tau_prior_scale=0.5, level=0.9)
    bi = robustness.bayes_metrics(b, A.Model(level=0.9))
    assert [label for label, _, _ in bi] == ["Posterior median", "90% credible interval", "90% predictive interval"]
    assert bi[0][1] == ft.pct(b.estimate) and bi[1][1:] == (ft.interval(*b.ci), None)
