"""ui.survival_view: table text, row-level flags, curve inputs, pooled-median inputs, CSV safety."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

import evidence
from charts.labels import spread_labels
from charts.survival import (
    annotate_curves,
    annotate_pooled,
    parametric_curves,
    pooled_median_panel,
    response_frame,
    response_vs_pfs,
)
from findings import survival_evidence as SE
from findings import text as ft
from findings.frames import Frames, frames_of
from findings.text import csv_bytes
from synthesis.survival_medians import median_of_medians, pool_log_medians
from ui import survival_view as V

NAN = re.compile(r"\bnan\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def F() -> Frames:
    return frames_of(evidence.load_studies())


def test_fmt_num_never_nan_and_keeps_integers() -> None:
    assert ft.decimal(10, 0) == "10"
    assert ft.decimal(100.0, 0) == "100"
    assert ft.decimal(7.890, 2) == "7.89"
    assert ft.decimal(12.0) == "12"
    assert ft.decimal(float("nan")) == ft.MISSING
    assert ft.decimal(None) == ft.MISSING
    assert ft.decimal(pd.NA) == ft.MISSING
    assert SE.text(float("nan")) == "" and SE.text(None) == "" and SE.text(" x ") == "x"


def test_filters(F: Frames) -> None:
    s = F.survival
    assert set(SE.apply_filters(s, endpoints=("OS",))["endpoint"]) == {"OS"}
    osteo = SE.apply_filters(s, histology=("osteosarcoma",))
    assert set(osteo["histology_group"]) == {"osteosarcoma"}
    assert len(SE.apply_filters(s, design=("prospective",))) < len(s)
    whole = SE.apply_filters(s, subgroups=False)
    assert (whole["subgroup"].map(SE.text) == "").all()
    assert "not reported" in SE.filter_options(s, "regimen")  # C-a has no regimen
    assert SE.filter_options(s, "regimen")[-1] == "not reported"


def test_table_has_text_only_and_flags(F: Frames) -> None:
    t = SE.table_rows(F.survival, F.flags)
    assert list(t.columns) == list(SE.TABLE_COLUMNS)
    assert len(t) == len(F.survival)
    assert not NAN.search(t.to_csv(index=False))
    cb = t[t["Study"].str.startswith("Seed claim (b)") & (t["Endpoint"] == "PFS")].iloc[0]
    assert cb[SE.FLAG] == SE.FLAG and "6.6 months" in cb["Estimate"] and "dossier flag 1" in cb["Flags"]
    s7 = t[t["Study"].str.startswith("Xie 2020 (APFAO)")]
    assert set(s7["Method"]) == {"crude proportion", "Kaplan–Meier"}
    assert (s7[SE.FLAG] == SE.FLAG).all() and s7["Flags"].str.contains("dossier flag 8").all()
    s9_os = t[t["Study"].str.startswith("Wang 2019 (ASPS)") & (t["What"] == "median") & (t["Endpoint"] == "OS")]
    assert s9_os["Estimate"].iloc[0] == "not reached"
    s9_pfs = t[t["Study"].str.startswith("Wang 2019 (ASPS)") & (t["What"] == "median") & (t["Endpoint"] == "PFS")]
    assert s9_pfs["Interval"].iloc[0] == "12.23–NE"
    s3 = t[t["Study"] == "Li 2017"].iloc[0]
    assert s3["n"] == "10" and "S3-doi" in s3["Provenance"]


def test_flags_map_to_the_right_rows(F: Frames) -> None:
    s = F.survival
    fmap = SE.row_flags(s, F.flags)
    # S13's PFS (ASPS) median carries the misattribution flag, the whole-cohort PFS median does not
    s13 = s[(s["study_id"] == "S13") & (s["endpoint"] == "PFS")]
    asps = s13[s13["subgroup"] == "ASPS"].index[0]
    whole = s13[s13["subgroup"].map(SE.text) == ""].index[0]
    assert any(f["kind"] == "misattribution_risk" for f in fmap[asps])
    assert not any(f["kind"] == "misattribution_risk" for f in fmap.get(whole, []))
    # S2's 12-week PFR flag lands on the milestone (2.76 months), not on the median
    s2 = s[(s["study_id"] == "S2") & (s["endpoint"] == "PFS")]
    ms = s2[s2["statistic"] == "milestone"].index[0]
    med = s2[s2["statistic"] == "median"].index[0]
    assert ms in fmap and med not in fmap
    # rounding flags on the toxicity or responses blocks do not reach survival rows
    for fl in fmap.values():
        assert not any(f["kind"] in ("inconsistent_rounding", "rounding", "percent_mismatch") for f in fl)


def test_flag_applies_parsing() -> None:
    row = pd.Series({"statistic": "milestone", "endpoint": "PFS", "time_months": 12 * 7 / 30.4375,
                     "subgroup": None})
    assert SE.flag_applies("outcomes › milestones › PFS 12 weeks", row)
    assert SE.flag_applies("outcomes.milestones.PFS", row)
    assert not SE.flag_applies("outcomes › milestones › PFS 4 months", row)
    assert not SE.flag_applies("outcomes › medians › PFS", row)
    assert not SE.flag_applies("regimen › kind", row)
    assert SE.flag_applies("outcomes", row, "mPFS could not be re-checked", "unverified_results")
    assert not SE.flag_applies("outcomes", row, "3/16 printed as 18.7%", "inconsistent_rounding")


def test_flag_messages_put_flag_1_first(F: Frames) -> None:
    m = SE.flag_messages(F.survival, F.flags)
    assert m.iloc[0]["severity"] == "error" and m.iloc[0]["dossier"] == "dossier flag 1"
    assert m["message"].str.contains("6.6").any()
    assert not m.duplicated(["study", "message"]).any()


def test_chart_frame_marks_flagged_rows(F: Frames) -> None:
    cf = SE.chart_frame(F.survival, F.flags)
    cb = cf[cf["study_id"] == "C-b"].set_index("endpoint")["label"]
    assert cb["PFS"].startswith(SE.FLAG) and not cb["OS"].startswith(SE.FLAG)
    assert not cf.loc[cf["study_id"] == "S6", "label"].str.contains(SE.FLAG).any()


def test_export_rows_csv_is_formula_safe() -> None:
    df = pd.DataFrame({"study_id": ["X"], "label": ['=HYPERLINK("x")'], "endpoint": ["PFS"],
                       "statistic": ["median"], "estimate": [5.0], "source": ["+cmd"],
                       "location": ["@sum"], "subgroup": ["-1"]})
    out = SE.export_rows(df, pd.DataFrame(columns=["study_id", "field", "message"]))
    text = csv_bytes(out).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+cmd" in text and "'@sum" in text and "'-1" in text
    assert list(out.columns[:2]) == ["flag", "study_id"] and "flags" in out.columns


def test_curve_choices_and_default(F: Frames) -> None:
    ch = SE.curve_choices(F.survival)
    assert SE.default_curve(ch) == "S1:PFS"
    assert ch["S10:PFS"] == "Wang 2020 (synovial) · PFS · 3 points"
    assert SE.default_curve({}) is None
    assert SE.default_curve({"A:PFS": "a · PFS · 1 point", "B:OS": "b · OS · 2 points"}) == "B:OS"


def test_curve_view_s1_flags_claim_b(F: Frames) -> None:
    v = SE.curve_view(F.survival, "S1:PFS", secondary_of=F.secondary_of)
    assert set(v.fits) == {"exponential", "weibull"}
    assert v.bounds_text == "KM median ≤ 4 months"
    assert v.claims == (("Seed claim (b): 56-patient multicentre study", 6.6),)
    assert v.checks and v.checks[0][0] is False and "incompatible" in v.checks[0][1]
    fig = annotate_curves(parametric_curves(v.fits, v.points.to_frame()), SE.point_provenance(F.survival, v),
                          v.claims)
    names = [t.name for t in fig.data]
    assert "claimed median of a secondary report (not used in the fit)" in names
    pts = next(t for t in fig.data if t.name == "reported points")
    assert all("S1-pmc" in c[2] for c in pts.customdata)
    assert all("not KM" in n for n in names if n and n.startswith(("exponential", "weibull")))


def test_curve_view_s7_crude_left_out_and_weibull_explained(F: Frames) -> None:
    v = SE.curve_view(F.survival, "S7:PFS")
    assert list(v.fits) == ["exponential"]
    assert any("crude" in why for _, why in v.points.skipped)
    tab = SE.fits_table(v)
    wb = tab[tab["model"] == "weibull"].iloc[0]
    assert wb["fitted"] == "no" and "two reported points" in wb["why not fitted"]
    with_crude = SE.curve_view(F.survival, "S7:PFS", include_crude=True)
    assert any("second point at 6 months" in why for _, why in with_crude.points.skipped)
    s9 = SE.fits_table(SE.curve_view(F.survival, "S9:PFS"))
    assert "same survival" in s9.loc[s9["model"] == "weibull", "why not fitted"].iloc[0]


def test_pool_candidates_one_and_all(F: Frames) -> None:
    one, pre = V.pool_candidates(F.survival, "PFS", "one")
    assert one["pooled_by_default"].all() and one["study_id"].is_unique
    assert "C-b" in set(F.survival["study_id"]) and "C-b" not in set(one["study_id"])
    assert set(pre["study"]) >= {"Seed claim (b): 56-patient multicentre study", "Zhou 2017 (case report)"}
    allr, pre_all = V.pool_candidates(F.survival, "PFS", "all")
    assert len(allr) == len(one) + len(pre) and pre_all.empty
    assert "Tianjin" in V.overlap_note(allr)  # S2 + S4 + S3 all enter with every report
    assert "Tianjin" not in V.overlap_note(one)


def test_run_pool_equals_synthesis(F: Frames) -> None:
    c, _ = V.pool_candidates(F.survival, "PFS", "one")
    for method in ("REML", "DL"):
        for unstated in (False, True):
            got = V.run_pool(c, method, include_unstated=unstated)
            ref = pool_log_medians(c["estimate"].to_numpy(float), c["ci_low"].to_numpy(float),
                                   c["ci_high"].to_numpy(float), method=method,
                                   labels=list(c["label"]), interval_kind=list(c["interval_kind"]),
                                   not_reached=list(c["not_reached"]), include_unlabelled=unstated)
            assert got.k == ref.k and math.isclose(got.estimate, ref.estimate)
    # every built-in PFS interval of a default cohort now carries its printed kind (95% CI), so
    # the sensitivity option is exercised on a copy with one interval relabelled "not stated"
    assert V.run_pool(c, "REML", include_unstated=True).k == V.run_pool(c, "REML").k
    c2 = c.copy()
    ci95 = c2.index[(c2["interval_kind"] == "95% CI") & c2["ci_low"].notna() & c2["ci_high"].notna()]
    c2.loc[ci95[0], "interval_kind"] = "not stated"
    reml = V.run_pool(c2, "REML")
    sens = V.run_pool(c2, "REML", include_unstated=True)
    assert sens.k > reml.k and not math.isclose(sens.estimate, reml.estimate)
    mom = V.run_pool(c, "median")
    ref = median_of_medians(c["estimate"].to_numpy(float))
    assert mom.k == len(c) and mom.estimate == ref.estimate and mom.ci.low == ref.ci.low
    w = V.run_pool(c, "weighted")
    assert w.fit.method == "n-weighted median of medians"


def test_exclusions_and_comparison(F: Frames) -> None:
    c, pre = V.pool_candidates(F.survival, "PFS", "one")
    res = V.run_pool(c, "REML")
    ex = V.exclusions(c, pre, "REML", res)
    assert len(ex) == len(res.data.excluded) + len(pre)
    assert ex["reason"].str.contains("IQR").any() and ex["reason"].str.contains("NE").any()
    comp = V.method_comparison(c, n_pre=len(pre))
    assert list(comp["studies used"]) == [res.k, res.k, len(c), len(c)]
    assert (comp["studies used"] + comp["left out"] == len(c) + len(pre)).all()
    assert not NAN.search(comp.to_csv(index=False))
    assert V.exclusions(c, pre, "median", V.run_pool(c, "median")).shape[0] == len(pre)


def test_run_pool_edge_cases() -> None:
    empty = pd.DataFrame(columns=["label", "estimate", "ci_low", "ci_high", "interval_kind",
                                  "not_reached", "n"])
    assert V.run_pool(empty, "REML") is None and V.run_pool(empty, "median") is None
    nr = pd.DataFrame({"label": ["A"], "estimate": [float("nan")], "ci_low": [float("nan")],
                       "ci_high": [float("nan")], "interval_kind": ["not stated"],
                       "not_reached": [True], "n": [10]})
    res = V.run_pool(nr, "REML")
    assert res.k == 0 and math.isnan(res.estimate)
    assert V.run_pool(nr, "median") is None
    assert V.exclusions(nr, pd.DataFrame(columns=["study", "left out by", "reason"]), "median", None)[
        "reason"].tolist() == ["median not reached"]
    lines = V.result_lines(res)
    assert "not estimable" in lines[0] and not any(NAN.search(x) for x in lines)


def test_annotate_pooled_adds_provenance(F: Frames) -> None:
    c, _ = V.pool_candidates(F.survival, "PFS", "one")
    res = V.run_pool(c, "REML", include_unstated=True)
    fig = annotate_pooled(pooled_median_panel(res), SE.median_provenance(c))
    st_tr = next(t for t in fig.data if t.name == "studies")
    assert all(len(cd) == 6 and ("pmc" in cd[5] or "pubmed" in cd[5]) for cd in st_tr.customdata)
    assert "customdata[5]" in st_tr.hovertemplate


def test_response_frame_and_labels(F: Frames) -> None:
    rf = response_frame(F.outcomes, F.survival, "ORR")
    assert {"S5", "S9"} <= set(rf["study_id"]) and "C-b" not in set(rf["study_id"])
    tab = SE.response_table(rf, "ORR")
    assert tab.loc[tab["Study"] == "Li 2017", "n"].iloc[0] == "10"
    assert not NAN.search(tab.to_csv(index=False))
    fig = spread_labels(response_vs_pfs(rf))
    positions = [p for t in fig.data for p in (t.textposition if isinstance(t.textposition, tuple | list) else [])]
    assert len(positions) == len(rf) and len(set(positions)) > 1
    osteo = SE.apply_filters(F.survival, histology=("osteosarcoma",))
    assert set(response_frame(F.outcomes, osteo)["histology_group"]) == {"osteosarcoma"}
    assert response_frame(pd.DataFrame(), F.survival).empty


def test_curve_view_survives_inconsistent_user_milestones() -> None:
    df = pd.DataFrame({
        "study_id": ["U1"] * 3, "label": ["<b>user</b> study"] * 3, "endpoint": ["PFS"] * 3,
        "statistic": ["milestone", "milestone", "median"], "time_months": [6.0, 12.0, float("nan")],
        "estimate": [40.0, 55.0, 5.0], "not_reached": [False] * 3,
        "milestone_method": ["Kaplan–Meier", "Kaplan–Meier", None], "subgroup": [None] * 3,
    })
    v = SE.curve_view(df, "U1:PFS")
    assert v.fits and any("cannot lie on one Kaplan–Meier curve" in t for _, t in v.checks)
    assert any("above the earlier" in why for _, why in v.points.skipped)
    fig = annotate_curves(parametric_curves(v.fits, v.points.to_frame()), SE.point_provenance(df, v), v.claims)
    assert "<b>" not in str([t.hovertemplate for t in fig.data])


def test_guard_turns_errors_into_a_message() -> None:
    with V.guard("Part"):
        raise ValueError("bad input")  # swallowed: shown with st.error, no traceback
