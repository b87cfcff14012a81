"""evidence.tables: frame columns, dtypes, headline rows and default-pooling rules."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from evidence import (
    FLAGS_COLUMNS,
    OUTCOMES_COLUMNS,
    SURVIVAL_COLUMNS,
    EvidenceBase,
    Flag,
    Num,
    Problem,
    candidate_fractions,
    load_studies,
)

REQUIRED_OUTCOME_COLUMNS = [
    "study_id", "label", "year", "design", "phase", "design_label", "report_type", "n_centres", "histology",
    "histology_group", "sarcoma_only", "regimen", "partner", "dose", "dose_mg", "line", "endpoint",
    "timepoint", "headline", "headline_reason", "events", "total", "percent_reported", "status", "derivation",
    "source", "location", "subgroup", "subgroup_kind", "overlap_group", "record_kind", "pooled_by_default",
    "exclusion_reason", "flag_count",
]
REQUIRED_SURVIVAL_COLUMNS = [
    "study_id", "label", "year", "design", "histology_group", "regimen", "endpoint", "statistic", "time_months",
    "estimate", "ci_low", "ci_high", "interval_kind", "not_reached", "milestone_method", "follow_up_months", "n",
    "subgroup", "status", "source", "location", "derivation", "record_kind", "pooled_by_default",
]


@pytest.fixture(scope="module")
def base() -> EvidenceBase:
    return load_studies()


@pytest.fixture(scope="module")
def out(base: EvidenceBase) -> pd.DataFrame:
    return base.outcomes_frame()


def test_public_api_names() -> None:
    import evidence

    for name in ("load_studies", "EvidenceBase", "Problem", "Flag", "candidate_fractions", "Study", "Num"):
        assert hasattr(evidence, name)
    assert callable(candidate_fractions)


def test_outcomes_columns_and_dtypes(out: pd.DataFrame) -> None:
    assert list(out.columns) == list(OUTCOMES_COLUMNS)
    assert set(REQUIRED_OUTCOME_COLUMNS) <= set(out.columns)
    assert str(out["events"].dtype) == "Int64" and str(out["total"].dtype) == "Int64"
    assert str(out["n_centres"].dtype) == "Int64"
    assert out["dose_mg"].dtype == float and out["percent_reported"].dtype == float
    for col in ("headline", "sarcoma_only", "pooled_by_default"):
        assert out[col].dtype == bool
    assert out["flag_count"].dtype.kind == "i"
    assert set(out["endpoint"]) == {"ORR", "DCR"}
    assert set(out["timepoint"]) <= {"best_overall", "week_12", "final", "interim"}
    assert set(out["design"]) <= {"prospective", "retrospective", "not stated"}
    assert set(out["regimen"].dropna()) <= {"monotherapy", "combination", "mixed"}
    assert set(out["status"]) <= {"reported", "derived", "inferred"}


def test_one_headline_per_study_endpoint(out: pd.DataFrame) -> None:
    whole = out[out["subgroup"].isna()]
    counts = whole[whole["headline"]].groupby(["study_id", "endpoint"]).size()
    assert (counts == 1).all()
    assert set(whole.groupby(["study_id", "endpoint"]).groups) == set(counts.index)
    assert not out.loc[out["subgroup"].notna(), "headline"].any()


@pytest.mark.parametrize("sid", ["S2", "S4"])
def test_week_12_is_headline_for_s2_and_s4(out: pd.DataFrame, sid: str) -> None:
    rows = out[(out["study_id"] == sid) & out["headline"]]
    assert set(rows["timepoint"]) == {"week_12"}
    assert rows["headline_reason"].str.contains("flag 9").all()


def test_pooled_rows_have_counts_and_are_headline(out: pd.DataFrame) -> None:
    pooled = out[out["pooled_by_default"]]
    assert len(pooled) > 10
    assert pooled["events"].notna().all() and pooled["total"].notna().all()
    assert pooled["headline"].all() and pooled["subgroup"].isna().all()
    assert (pooled["record_kind"] == "study").all() and pooled["sarcoma_only"].all()
    assert pooled["exclusion_reason"].isna().all()
    assert out.loc[~out["pooled_by_default"], "exclusion_reason"].notna().all()
    # one report per overlap group pooled by default
    for _group, rows in pooled.dropna(subset=["overlap_group"]).groupby("overlap_group"):
        per_endpoint = rows.groupby("endpoint")["study_id"].nunique()
        assert (per_endpoint <= 2).all()  # PKU pools S5 + S8 (different histologies)


@pytest.mark.parametrize(("sid", "reason"), [
    ("S9a", "secondary report of S9"),
    ("S9c", "case report"),
    ("S14", "not sarcoma-only (paediatric solid tumours)"),
    ("C-a", "counts unknown: percentages only"),
    ("S3", "earlier report of overlapping cohort"),
    ("C-b", "secondary report of S1"),
    ("S15", "overlapping cohort"),
])
def test_exclusion_reasons(out: pd.DataFrame, sid: str, reason: str) -> None:
    rows = out[out["study_id"] == sid]
    assert len(rows) and not rows["pooled_by_default"].any()
    assert rows["exclusion_reason"].str.contains(reason, regex=False).all()


def test_derived_rows_carry_derivations(out: pd.DataFrame) -> None:
    non_reported = out[out["status"] != "reported"]
    assert len(non_reported) > 5
    assert non_reported["derivation"].notna().all()
    s1_dcr = out[(out["study_id"] == "S1") & (out["endpoint"] == "DCR")].iloc[0]
    assert "PR + SD = 35 + 11" in s1_dcr["derivation"]


def test_values_in_frame_match_models(base: EvidenceBase, out: pd.DataFrame) -> None:
    for s in base.studies:
        rows = out[out["study_id"] == s.id]
        assert len(rows) == len(s.outcomes.rates)
        for (_, row), r in zip(rows.iterrows(), s.outcomes.rates, strict=True):
            assert row["endpoint"] == r.endpoint
            if r.events is not None:
                assert row["events"] == r.events.value
            else:
                assert pd.isna(row["events"])
            if r.percent is not None:
                assert row["percent_reported"] == pytest.approx(float(r.percent.value))


def test_flag_count_matches_flags(base: EvidenceBase, out: pd.DataFrame) -> None:
    ff = base.flags_frame()
    counts = ff.groupby("study_id").size()
    for sid, fc in out.groupby("study_id")["flag_count"].first().items():
        assert fc == counts.get(sid, 0)


def test_design_labels(out: pd.DataFrame) -> None:
    labels = out.groupby("study_id")["design_label"].first()
    assert labels["S2"] == "Prospective phase II"
    assert labels["S1"] == "Retrospective cohort"
    assert labels["S16"] == "Conference abstract"
    assert labels["S9c"] == "Case report"


def test_flags_frame(base: EvidenceBase) -> None:
    ff = base.flags_frame()
    assert list(ff.columns) == list(FLAGS_COLUMNS)
    assert set(ff["severity"]) <= {"error", "warning", "info"}
    assert str(ff["dossier_flag"].dtype) == "Int64"
    assert ff["message"].str.len().min() > 10


def test_survival_frame(base: EvidenceBase) -> None:
    sv = base.survival_frame()
    assert list(sv.columns) == list(SURVIVAL_COLUMNS)
    assert set(REQUIRED_SURVIVAL_COLUMNS) <= set(sv.columns)
    assert set(sv["statistic"]) == {"median", "milestone"}
    med = sv[sv["statistic"] == "median"]
    assert med["time_months"].isna().all()
    assert set(med["interval_kind"]) <= {"95% CI", "IQR", "range", "not stated"}
    ms = sv[sv["statistic"] == "milestone"]
    assert ms["time_months"].notna().all()
    assert set(ms["milestone_method"]) <= {"Kaplan–Meier", "crude", "not stated"}
    assert ms["estimate"].between(0, 100).all()
    # n: the estimate's own n, else the cohort's evaluable N for whole-cohort rows
    s2_pfs = med[(med["study_id"] == "S2") & (med["endpoint"] == "PFS")].iloc[0]
    assert s2_pfs["n"] == 59
    s2_os = med[(med["study_id"] == "S2") & (med["endpoint"] == "OS")]
    assert sorted(s2_os["n"]) == [22, 42]
    # S2's 12-week PFR is in months
    s2 = ms[ms["study_id"] == "S2"].iloc[0]
    assert s2["time_months"] == pytest.approx(12 * 7 / 30.4375)
    # S7 keeps both 6-month figures, labelled
    s7 = ms[ms["study_id"] == "S7"]
    assert sorted(s7["milestone_method"]) == ["Kaplan–Meier", "crude"]
    # S8 OS not reached; its PFS interval is an IQR
    s8 = med[med["study_id"] == "S8"].set_index("endpoint")
    assert bool(s8.loc["OS", "not_reached"]) and np.isnan(s8.loc["OS", "estimate"])
    assert s8.loc["PFS", "interval_kind"] == "IQR"
    # S7 follow-up converted from weeks
    assert sv[sv["study_id"] == "S7"]["follow_up_months"].iloc[0] == pytest.approx(48.3 * 7 / 30.4375)
    # claim (b)'s 6.6 months is there, as a secondary report not pooled
    cb = med[(med["study_id"] == "C-b") & (med["endpoint"] == "PFS")].iloc[0]
    assert cb["estimate"] == 6.6 and not cb["pooled_by_default"]


def test_studies_and_toxicity_frames(base: EvidenceBase) -> None:
    st = base.studies_frame()
    assert len(st) == len(base.studies)
    for col in ("id", "label", "year", "citation", "doi", "pmid", "registration", "design", "phase", "n_centres",
                "n_enrolled", "n_evaluable_efficacy", "line", "regimen", "dose", "response_criteria",
                "endpoints_reported", "record_kind", "overlap_group"):
        assert col in st.columns
    s2 = st.set_index("id").loc["S2"]
    assert s2["registration"] == "NCT03121846" and s2["n_enrolled"] == 64
    tox = base.toxicity_frame()
    s8 = tox[tox["study_id"] == "S8"].iloc[0]
    assert (s8["count"], s8["total"], s8["percent_printed"]) == (11, 33, "39.3%")


def test_frames_are_fresh_copies(base: EvidenceBase) -> None:
    a = base.outcomes_frame()
    a.loc[:, "events"] = 0
    b = base.outcomes_frame()
    assert (b["events"].dropna() != 0).any()


def test_empty_base_gives_empty_frames_with_columns() -> None:
    empty = EvidenceBase(studies=())
    assert list(empty.outcomes_frame().columns) == list(OUTCOMES_COLUMNS)
    assert list(empty.survival_frame().columns) == list(SURVIVAL_COLUMNS)
    assert list(empty.flags_frame().columns) == list(FLAGS_COLUMNS)
    assert empty.toxicity_frame().empty


# --------------------------------------------------------------------------- immutability


def test_models_are_frozen(base: EvidenceBase) -> None:
    s = base.study("S1")
    with pytest.raises(ValidationError):
        s.label = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        s.outcomes.rates[0].events.value = 99  # type: ignore[misc, union-attr]
    with pytest.raises(AttributeError):
        s.outcomes.rates.append(None)  # type: ignore[attr-defined]


def test_result_types_are_frozen(base: EvidenceBase) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.studies = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        base.by_id["S1"] = None  # type: ignore[index]
    f = base.flags[0]
    assert isinstance(f, Flag)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.message = "x"  # type: ignore[misc]
    p = Problem("f", None, 0, "id", None, "m")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.message = "x"  # type: ignore[misc]


def test_num_rejects_extra_fields_and_missing_provenance() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Num.model_validate({"v": 1, "src": "a", "colour": "red"})
    with pytest.raises(ValidationError):
        Num.model_validate({"v": 1})
    with pytest.raises(ValidationError, match="derivation"):
        Num.model_validate({"v": 1, "src": "a", "status": "inferred"})
    with pytest.raises(ValidationError):
        Num.model_validate({"v": True, "src": "a"})
    ok = Num.model_validate({"value": 1.5, "source": "a", "location": "p", "as_printed": "1.5"})
    assert ok == Num.model_validate({"v": 1.5, "src": "a", "at": "p", "printed": "1.5"})
    assert hash(ok) == hash(Num.model_validate({"v": 1.5, "src": "a", "at": "p", "printed": "1.5"}))
