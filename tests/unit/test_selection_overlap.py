"""One report per overlapping cohort, chosen among the reports that pass the filters.

The representative of an overlap group is chosen after the filters (evidence.selection.
OVERLAP_RULE): Histology = osteosarcoma + Regimen = monotherapy pools Liao 2020 (S4) because its
group's default report, Liao 2019 (S2, mixed sarcoma), does not pass the histology filter.
"""

from __future__ import annotations

import pandas as pd
import pytest

import evidence
from evidence.selection import (
    OVERLAP_RULE,
    Selection,
    rank_representatives,
    select_outcomes,
    selection_provenance,
)
from findings import pooled
from reports import content
from reports.view import View


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    return evidence.load_studies().outcomes_frame()


def test_overlap_roles_in_the_outcomes_table(outcomes: pd.DataFrame) -> None:
    role = outcomes.drop_duplicates("study_id").set_index("study_id")["overlap_role"]
    assert role["S2"] == "default" and role["S5"] == "default" and role["S8"] == "default"
    # S3/S4 carry a hand-coded pooling_exclusion that only words the overlap: alternates
    assert role["S3"] == "alternate" and role["S4"] == "alternate" and role["S1"] == "alternate"
    # secondary reports, case reports and non-members are never alternates
    assert role["S9a"] == "" and role["S9c"] == "" and role["S6"] == ""


def test_osteosarcoma_monotherapy_pools_liao_2020(outcomes: pd.DataFrame) -> None:
    sel = select_outcomes(outcomes, Selection(histology=("osteosarcoma",), regimen=("monotherapy",)))
    assert set(sel.frame["study_id"]) == {"S4", "S5", "S6"}
    s4 = sel.frame.set_index("study_id").loc["S4"]
    assert (s4["events"], s4["total"]) == (2, 33)
    assert [(x.study_id, x.group, x.instead_of) for x in sel.stand_ins] == [("S4", "Tianjin", ("S2",))]
    assert any("Liao 2020 (S4) stands in" in n and "S2" in n for n in sel.notes)


def test_default_view_keeps_the_curated_representatives(outcomes: pd.DataFrame) -> None:
    sel = select_outcomes(outcomes, Selection())
    ids = set(sel.frame["study_id"])
    assert {"S2", "S5", "S8", "S13"} <= ids and not ids & {"S1", "S3", "S4", "S15"}
    assert sel.stand_ins == ()
    why = sel.excluded.drop_duplicates("study_id").set_index("study_id")["why_excluded"]
    # "Not pooled and why" names the report that stood in, once
    assert why["S4"].endswith("pooled instead: Liao 2019 (S2)")
    assert why["S1"].count("instead") == 1 and "Xie 2019 (S5)" in why["S1"]


def test_reports_that_fail_the_filters_give_the_filter_as_reason(outcomes: pd.DataFrame) -> None:
    sel = select_outcomes(outcomes, Selection(design=("retrospective",)))
    assert "S3" in set(sel.frame["study_id"])  # Tianjin: S2 and S4 are prospective
    why = sel.excluded.drop_duplicates("study_id").set_index("study_id")["why_excluded"]
    assert why["S4"] == "design filter"
    assert "pooled instead: Xie 2020 (chondrosarcoma) (S8)" in why["S1"]  # S5 is prospective


def test_one_stand_in_per_group_by_the_stated_order() -> None:
    rows = [
        # id, design, total, report_type, year, role
        ("A", "prospective", 59, "journal_article", 2019, "default", "mixed"),
        ("B", "retrospective", 90, "journal_article", 2021, "alternate", "osteosarcoma"),
        ("C", "prospective", 33, "conference_abstract", 2020, "alternate", "osteosarcoma"),
        ("D", "prospective", 33, "journal_article", 2018, "alternate", "osteosarcoma"),
        ("E", "prospective", 40, "journal_article", 2018, "", "osteosarcoma"),
    ]
    df = pd.DataFrame(rows, columns=["study_id", "design", "total", "report_type", "year",
                                     "overlap_role", "histology_group"])
    df = df.assign(label=df["study_id"] + " et al.", endpoint="ORR", timepoint="final",
                   headline=True, events=5, subgroup=None, record_kind="study",
                   overlap_group=["G", "G", "G", "G", None],
                   pooled_by_default=[True, False, False, False, False],
                   exclusion_reason=[None, "overlap", "overlap", "overlap", "stated data problem"])
    assert rank_representatives(df[df["overlap_role"] == "alternate"]) == ["D", "C", "B"]
    sel = select_outcomes(df, Selection(histology=("osteosarcoma",)))
    # prospective beats larger; peer-reviewed breaks the tie in size; E's hard exclusion wins
    assert sel.frame["study_id"].tolist() == ["D"]
    why = sel.excluded.set_index("study_id")["why_excluded"]
    assert why["E"] == "stated data problem"
    assert why["B"] == "overlap; D et al. (D) stands in for this cohort in this view"
    assert select_outcomes(df, Selection()).frame["study_id"].tolist() == ["A"]
    # "all reports" ignores the rule (sensitivity analysis), hard exclusions included
    assert len(select_outcomes(df, Selection(reports="all")).frame) == 5


def test_reports_and_r_script_use_the_same_selection(outcomes: pd.DataFrame) -> None:
    view = View(histology=("osteosarcoma",), regimen=("monotherapy",))
    picked = select_outcomes(outcomes, view.selection())
    chosen, notes = picked.frame, picked.notes
    assert set(chosen["study_id"]) == {"S4", "S5", "S6"}
    assert any("stands in" in n for n in notes)
    prov = selection_provenance(select_outcomes(outcomes, view.selection()))
    assert prov["overlap rule"] == OVERLAP_RULE
    assert prov["stand-in 1"].startswith("S4 represents overlap group Tianjin")
    assert OVERLAP_RULE in pooled.methods_paragraph(view.selection(), view.model())


def test_r_script_states_the_rule_and_the_stand_in() -> None:
    c = content.build_content(View(histology=("osteosarcoma",), regimen=("monotherapy",)))
    script = c.r_scripts["ORR"]
    assert "# stand-in 1: S4 represents overlap group Tianjin" in script
    assert "# overlap rule: One report per overlapping cohort" in script
    assert '"Liao 2020"' in script
