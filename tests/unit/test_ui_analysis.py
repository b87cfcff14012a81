"""ui.analysis: row selection, display tables, methods text and safe CSV (no Streamlit run)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import synthesis
from evidence.selection import line_group
from findings import pooled
from findings import text as ft
from ui import analysis as A


def outcomes() -> pd.DataFrame:
    """A small outcomes_frame in the evidence contract (dossier-like numbers)."""
    rows = [
        # study, label, year, design, hist, regimen, line, endpoint, timepoint, headline, ev, n, pbd, overlap, subgroup, kind
        ("S1", "Xie 2018", 2018, "retrospective", "mixed", "mixed", "≥2", "ORR", "best_overall", True, 35, 56, True, "", "", "study"),
        ("S2", "Liao 2019", 2019, "prospective", "mixed", "monotherapy", "≥2", "ORR", "final", True, 9, 59, True, "tianjin", "", "study"),
        ("S2", "Liao 2019", 2019, "prospective", "mixed", "monotherapy", "≥2", "ORR", "week_12", False, 10, 59, False, "tianjin", "", "study"),
        ("S4", "Liao 2020", 2020, "prospective", "osteosarcoma", "monotherapy", "≥2", "ORR", "final", True, 0, 33, True, "tianjin", "", "study"),
        ("S4", "Liao 2020", 2020, "prospective", "osteosarcoma", "monotherapy", "≥2", "ORR", "week_12", False, 2, 33, False, "tianjin", "", "study"),
        ("S5", "Xie 2019", 2019, "prospective", "osteosarcoma", "monotherapy", None, "ORR", "best_overall", True, 16, 37, True, "", "", "study"),
        ("S6", "Tian 2019", 2019, "retrospective", "osteosarcoma", "monotherapy", None, "ORR", "best_overall", True, 7, 27, True, "", "", "study"),
        ("S9", "Wang 2019", 2019, "retrospective", "ASPS", "monotherapy", None, "ORR", "best_overall", True, 6, 6, True, "wch-asps", "", "study"),
        ("S9a", "Min 2018", 2018, "retrospective", "ASPS", "monotherapy", None, "ORR", "best_overall", True, 6, 6, False, "wch-asps", "", "secondary_report"),
        ("S13", "=Ye 2023", 2023, "retrospective", "soft-tissue sarcoma", "monotherapy", None, "ORR", "best_overall", True, 11, 54, True, "", "", "study"),
        ("S13", "Ye 2023", 2023, "retrospective", "soft-tissue sarcoma", "monotherapy", None, "ORR", "best_overall", False, 3, 7, False, "", "ASPS", "study"),
        ("S1", "Xie 2018", 2018, "retrospective", "mixed", "mixed", "≥2", "DCR", "best_overall", True, 46, 56, True, "", "", "study"),
        ("S14", "Sun 2020", 2020, "retrospective", "mixed", "monotherapy", None, "ORR", "best_overall", True, 13, 49, False, "", "", "study"),
    ]
    cols = ["study_id", "label", "year", "design", "histology_group", "regimen", "line", "endpoint",
            "timepoint", "headline", "events", "total", "pooled_by_default", "overlap_group",
            "subgroup", "record_kind"]
    df = pd.DataFrame(rows, columns=cols)
    df["exclusion_reason"] = np.where(df["study_id"] == "S14", "not sarcoma-only", "")
    df.loc[df["study_id"] == "S9a", "exclusion_reason"] = "same cohort as S9"
    df["status"] = "reported"
    df["source"] = "paper"
    df["location"] = "abstract"
    df["derivation"] = None
    df["design_label"] = df["design"].str.capitalize()
    return df


def flags() -> pd.DataFrame:
    return pd.DataFrame(
        {"study_id": ["S4", "S4", "S1"], "label": ["Liao 2020"] * 2 + ["Xie 2018"],
         "message": ["Week-12 ORR 6% but final 0%", "timepoints disagree", "ORR counts PR only"],
         "severity": ["warning"] * 3}
    )


def test_default_selection_one_report_per_cohort() -> None:
    sel = A.select_outcomes(outcomes(), A.Selection())
    ids = sel.frame["study_id"].tolist()
    assert ids == sorted(set(ids), key=ids.index)  # one row per study
    assert set(ids) == {"S1", "S2", "S4", "S5", "S6", "S9", "S13"}
    # S2/S4 use their headline (final) rows
    s2 = sel.frame.set_index("study_id").loc["S2"]
    assert (s2["events"], s2["total"]) == (9, 59)
    why = dict(zip(sel.excluded["study_id"], sel.excluded["why_excluded"], strict=False))
    assert why["S9a"] == "same cohort as S9"
    assert why["S14"] == "not sarcoma-only"
    # S13's ASPS subgroup row (3/7) is never pooled: only its whole-study row (11/54) is
    s13 = sel.frame[sel.frame["study_id"] == "S13"]
    assert len(s13) == 1 and (int(s13["events"].iloc[0]), int(s13["total"].iloc[0])) == (11, 54)
    assert "S13" not in why
    assert sel.frame["events"].dtype.kind == "i"


def test_all_reports_warns_about_overlap() -> None:
    sel = A.select_outcomes(outcomes(), A.Selection(reports="all"))
    assert {"S9", "S9a", "S14"} <= set(sel.frame["study_id"])
    assert any("wch-asps" in n for n in sel.notes)


def test_timepoint_and_filters() -> None:
    wk = A.select_outcomes(outcomes(), A.Selection(timepoint="week_12"))
    assert sorted(wk.frame["study_id"]) == ["S2", "S4"]
    assert wk.frame.set_index("study_id").loc["S4", "events"] == 2
    osteo = A.select_outcomes(outcomes(), A.Selection(histology=("osteosarcoma",)))
    assert set(osteo.frame["study_id"]) == {"S4", "S5", "S6"}
    pro = A.select_outcomes(outcomes(), A.Selection(design=("prospective",), histology=("osteosarcoma",)))
    assert set(pro.frame["study_id"]) == {"S4", "S5"}
    miss = A.select_outcomes(outcomes(), A.Selection(line=(A.MISSING,)))
    assert "S1" not in set(miss.frame["study_id"]) and "S5" in set(miss.frame["study_id"])
    dcr = A.select_outcomes(outcomes(), A.Selection(endpoint="DCR"))
    assert dcr.frame["study_id"].tolist() == ["S1"]
    none = A.select_outcomes(outcomes(), A.Selection(histology=("chondrosarcoma",)))
    assert none.k == 0


def test_bad_selection_raises() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        A.select_outcomes(outcomes(), A.Selection(endpoint="PFS"))
    with pytest.raises(ValueError, match="timepoint"):
        A.select_outcomes(outcomes(), A.Selection(timepoint="week_8"))


def test_filter_options_show_missing_last() -> None:
    assert A.filter_options(outcomes(), "line_group") == ["after prior therapy", A.MISSING]
    assert line_group("First line 5, second line 17") == "mixed lines"
    assert A.filter_options(outcomes(), "nope") == []


def test_forest_rows_carry_weights_ci_and_flags() -> None:
    sel = A.select_outcomes(outcomes(), A.Selection())
    ev, n, labels = A.counts(sel.frame)
    res = synthesis.pool_proportions(ev, n, labels=labels, ci_method="hksj")
    ci = synthesis.study_intervals(ev, n, method="clopper-pearson")
    rows = pooled.forest_rows(sel.frame, res, ci, flags())
    assert np.allclose(rows["weight"], res.data.weights)
    assert np.allclose(rows["ci_low"], ci["ci_low"])
    s4 = rows.set_index("study_id").loc["S4"]
    assert s4["flag_count"] == 2 and "timepoints disagree" in s4["flag_text"]
    assert rows.set_index("study_id").loc["S5", "flag_count"] == 0


def test_methods_paragraph_states_every_choice() -> None:
    model = A.Model(method="PM", ci_method="hksj", pi_method="t(k-2)", i2_definition="Q")
    sel = A.Selection(histology=("osteosarcoma",))
    text = pooled.methods_paragraph(sel, model)
    for phrase in ("Paule–Mandel", "Hartung–Knapp", "k−2", "Q-based", "Clopper–Pearson", "logit",
                   "osteosarcoma", "one report per cohort", "half-normal(0.5)", "Egger"):
        assert phrase in text, phrase
    g = pooled.methods_paragraph(A.Selection(), A.Model(method="GLMM", ci_method="t"))
    assert "binomial–normal" in g and "continuity correction of" not in g
    assert "nan" not in g.lower()


def test_csv_escapes_formulas() -> None:
    df = pd.DataFrame({"a": ["=cmd|' /C calc'!A0", "+1", "-2", "@x", "ok", None], "b": range(6)})
    text = ft.csv_bytes(df).decode("utf-8-sig")
    assert "'=cmd" in text and "'+1" in text and "'-2" in text and "'@x" in text
    assert "\nok," in text
    # numbers are not touched
    assert ft.csv_safe(pd.DataFrame({"x": [-1.5]}))["x"].iloc[0] == -1.5


def test_display_text_never_nan() -> None:
    res = synthesis.pool_proportions([3, 5, 9], [10, 20, 30], method="GLMM", ci_method="t")
    table = pooled.heterogeneity_table(res)
    assert "nan" not in table.to_string().lower()
    assert ft.pct(math.nan) == "–"
    assert ft.interval(math.nan, 0.3) == "not estimable"
    sel = A.select_outcomes(outcomes(), A.Selection())
    cav = pooled.caveats(res, sel, flags())
    assert any("data-quality warning" in c for c in cav) and any("Only 3" in c for c in cav)
