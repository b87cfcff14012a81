"""Which outcome rows are pooled for a view: one implementation for the pages and the reports.

Pure pandas (no Streamlit, no synthesis): ``select_outcomes(outcomes_frame, Selection)`` returns
the rows to pool, the rows left out with the reason, and notes. ``ui.analysis`` (the pages) and
``reports.content`` (HTML/PPTX/R exports, headless) both call it, so an exported report pools
exactly what the screen pooled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "ENDPOINTS", "FILTER_COLUMNS", "MISSING", "REPORTS", "TIMEPOINTS",
    "OVERLAP_RULE", "Selected", "Selection", "StandIn", "filter_options", "line_group",
    "pooled_rows", "rank_representatives", "select_outcomes", "selection_provenance", "text_value", "truthy", "value_in",
    "with_derived",
]

# --------------------------------------------------------------------------------------------
# vocabulary of the selection controls (URL values are the dict keys)
ENDPOINTS = {"ORR": "Objective response rate (ORR)", "DCR": "Disease control rate (DCR)"}
TIMEPOINTS = {
    "headline": "Headline per study",
    "best_overall": "Best overall response",
    "week_12": "Week 12",
    "final": "Final analysis",
}
REPORTS = {"one": "One report per cohort", "all": "All reports (overlapping cohorts)"}
FILTER_COLUMNS = {
    "histology": "histology_group",
    "design": "design",
    "regimen": "regimen",
    "line": "line_group",
}
MISSING = "not reported"

#: How one report per overlapping cohort is chosen (stated on the page, in the reports and in the
#: R scripts; the one wording of the rule).
OVERLAP_RULE = (
    "One report per overlapping cohort, chosen among the reports that pass the filters: the "
    "cohort's default report(s) named in the data file when any passes; otherwise the one report "
    "that is prospective, then larger, then peer-reviewed, then later. A hand-coded exclusion "
    "that only records the overlap (the report's cohort is already represented) yields to this "
    "rule, because the overlap it guards against cannot occur when the other report is not in "
    "the pool; every other exclusion (secondary report, case report, population not "
    "sarcoma-only, a stated data problem) always wins."
)


@dataclass(frozen=True, slots=True)
class Selection:
    """Which rows of the outcomes table are pooled (empty filter tuple = no restriction)."""

    endpoint: str = "ORR"
    timepoint: str = "headline"
    histology: tuple[str, ...] = ()
    design: tuple[str, ...] = ()
    regimen: tuple[str, ...] = ()
    line: tuple[str, ...] = ()
    reports: str = "one"


@dataclass(frozen=True, slots=True)
class StandIn:
    """A report that represents its overlap group because no default report passes the filters."""

    group: str
    study_id: str
    label: str
    instead_of: tuple[str, ...]  # the group's default reports (study ids) not in this view

    def sentence(self) -> str:
        return (f"{self.label} ({self.study_id}) stands in for the overlapping cohort {self.group}: "
                f"its default report ({', '.join(self.instead_of) or 'none'}) does not pass the "
                "filters.")


@dataclass(frozen=True, slots=True)
class Selected:
    """Rows chosen for pooling plus what was left out and why."""

    frame: pd.DataFrame
    excluded: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)
    stand_ins: tuple[StandIn, ...] = field(default_factory=tuple)

    @property
    def k(self) -> int:
        return len(self.frame)


# --------------------------------------------------------------------------------------------
# pure helpers
def text_value(v: object) -> str:
    """Plain text of a value; empty for None/NaN/NA/NaT (never ``nan`` on screen or in exports)."""
    if v is None:
        return ""
    try:
        if pd.isna(v):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):  # arrays and other non-scalars
        pass
    s = str(v).strip()
    return "" if s.lower() in ("nan", "none", "<na>", "nat") else s


def truthy(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(bool)


def line_group(text: object) -> str:
    """Coarse line-of-therapy category from the free-text ``line`` field."""
    s = text_value(text).lower()
    if not s or s.startswith("not reported") or "not stated" in s:
        return MISSING
    first = "first line" in s or "first-line" in s or "1st line" in s or "treatment-naive" in s
    later = any(w in s for w in ("second", "later", "after", "failure", "pretreated", "refractory",
                                  "relapsed", "progression", "≥2", ">=2", "prior"))
    if first and later:
        return "mixed lines"
    if first:
        return "first line"
    if later:
        return "after prior therapy"
    return "other"


def with_derived(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Add the derived grouping columns (``line_group``) when absent."""
    if "line_group" in outcomes or "line" not in outcomes:
        return outcomes
    return outcomes.assign(line_group=outcomes["line"].map(line_group))


def filter_options(outcomes: pd.DataFrame, column: str) -> list[str]:
    """Sorted distinct values of a filter column (missing shown as ``"not reported"``)."""
    outcomes = with_derived(outcomes)
    if column not in outcomes:
        return []
    vals = {(text_value(v) or MISSING) for v in outcomes[column].tolist()}
    return sorted(vals, key=lambda s: (s == MISSING, s.lower()))


def value_in(col: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    vals = col.map(lambda v: text_value(v) or MISSING)
    return vals.isin(set(allowed))


def pooled_rows(outcomes: pd.DataFrame) -> pd.Series:
    """Rows that are study-level outcome counts (not subgroups or external meta-analyses)."""
    ok = pd.Series(True, index=outcomes.index)
    if "record_kind" in outcomes:
        kind = outcomes["record_kind"].map(text_value)
        ok &= ~kind.str.contains("meta", case=False)
    if "subgroup" in outcomes:
        ok &= outcomes["subgroup"].map(text_value) == ""
    ev = pd.to_numeric(outcomes.get("events"), errors="coerce")
    tot = pd.to_numeric(outcomes.get("total"), errors="coerce")
    ok &= ev.notna() & tot.notna() & (tot > 0)
    return ok


def select_outcomes(outcomes: pd.DataFrame, sel: Selection) -> Selected:
    """Choose the rows to pool for one endpoint/timepoint/filter/overlap combination.

    Rules (stated again in :func:`methods_paragraph`):

    * study-level rows only (subgroup rows and external meta-analyses never enter a pool);
    * ``timepoint="headline"``: each study's headline row; otherwise rows at that timepoint;
    * ``reports="one"``: one report per overlapping cohort (:data:`OVERLAP_RULE`). Records that
      are never pooled (secondary reports, case reports, non-sarcoma populations, stated
      exclusions) keep their ``exclusion_reason``. For a non-headline timepoint, a study is
      eligible when any of its rows is pooled by default. ``reports="all"``: every report
      (double counting possible);
    * filters keep rows whose value is in the chosen set (empty = all);
    * one row per study (the headline row first);
    * overlap groups are resolved after the filters: the group's default reports that pass them,
      else the best-ranked report that passes (:func:`rank_representatives`), recorded in
      ``Selected.stand_ins`` and named in the reasons of the reports it replaced.
    """
    if sel.endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint ({sel.endpoint!r}) must be one of 'ORR' or 'DCR'.")
    if sel.timepoint not in TIMEPOINTS:
        raise ValueError(f"timepoint ({sel.timepoint!r}) must be one of {', '.join(TIMEPOINTS)}.")
    if sel.reports not in REPORTS:
        raise ValueError(f"reports ({sel.reports!r}) must be 'one' or 'all'.")
    df = with_derived(outcomes).copy()
    reasons = pd.Series("", index=df.index, dtype=object)

    def drop(mask: pd.Series, why: str) -> None:
        reasons[mask & (reasons == "")] = why

    base = pooled_rows(df) & (df["endpoint"] == sel.endpoint)
    in_scope = (df["endpoint"] == sel.endpoint) & (
        df["subgroup"].map(text_value) == "" if "subgroup" in df else True
    )
    if "record_kind" in df:
        in_scope &= ~df["record_kind"].map(text_value).str.contains("meta", case=False)
    drop(in_scope & ~base, "no usable counts")
    headline = truthy(df["headline"]) if "headline" in df else pd.Series(True, index=df.index)
    if sel.timepoint == "headline":
        at_time = headline
    else:
        at_time = df["timepoint"].map(text_value) == sel.timepoint
    drop(in_scope & ~at_time, f"not a {TIMEPOINTS[sel.timepoint].lower()} row")
    keep = base & at_time
    notes: list[str] = []
    role = (df["overlap_role"].map(text_value) if "overlap_role" in df
            else pd.Series("", index=df.index))
    alternate = role == "alternate"
    one = sel.reports == "one" and "pooled_by_default" in df
    if one:
        pbd = truthy(df["pooled_by_default"])
        if sel.timepoint == "headline":
            eligible = pbd
        else:
            ok_ids = set(df.loc[pbd, "study_id"])
            eligible = df["study_id"].isin(ok_ids)
        why = df.get("exclusion_reason", pd.Series("", index=df.index)).map(text_value)
        for idx in df.index[in_scope & keep & ~eligible & ~alternate]:
            reasons[idx] = why[idx] or "overlapping or secondary report"
        keep &= eligible | alternate
    elif sel.reports == "all" and "overlap_group" in df:
        groups = df.loc[keep, "overlap_group"].map(text_value)
        dup = groups[groups != ""].value_counts()
        dup = dup[dup > 1]
        if len(dup):
            notes.append(
                "All reports are included: overlapping reports of the same cohort "
                f"({', '.join(sorted(dup.index))}) may count the same patients twice."
            )
    for name, column in FILTER_COLUMNS.items():
        allowed = getattr(sel, name)
        if allowed and column in df:
            ok = value_in(df[column], allowed)
            drop(in_scope & keep & ~ok, f"{name} filter")
            keep &= ok
    stand_ins: list[StandIn] = []
    if one and (keep & alternate).any():
        keep, stand_ins = _resolve_overlap(df, keep, alternate, role, reasons)
        notes.extend(x.sentence() for x in stand_ins)
    chosen = df[keep].copy()
    if len(chosen):
        chosen["_order"] = (~truthy(chosen["headline"])).astype(int) if "headline" in chosen else 0
        chosen = chosen.sort_values(["study_id", "_order"], kind="stable")
        dupes = chosen.duplicated("study_id", keep="first")
        for idx in chosen.index[dupes]:
            reasons[idx] = "second row of the same study"
        chosen = chosen[~dupes].drop(columns="_order")
    sort_cols = [c for c in ("year", "label") if c in chosen]
    chosen = chosen.sort_values(sort_cols, kind="stable") if sort_cols else chosen
    chosen["events"] = pd.to_numeric(chosen["events"]).astype(int)
    chosen["total"] = pd.to_numeric(chosen["total"]).astype(int)
    excluded = df[in_scope & (reasons != "")].copy()
    excluded["why_excluded"] = reasons[excluded.index]
    cols = [c for c in ("study_id", "label", "timepoint", "events", "total", "why_excluded") if c in excluded]
    return Selected(chosen.reset_index(drop=True), excluded[cols].reset_index(drop=True), tuple(notes),
                    tuple(stand_ins))


def rank_representatives(frame: pd.DataFrame) -> list[str]:
    """Study ids of ``frame`` best first under :data:`OVERLAP_RULE`'s order.

    Prospective before other designs, then more patients (``total``), then peer-reviewed
    (``report_type == "journal_article"``), then later (``year``), then the study id.

    Examples
    --------
    >>> f = pd.DataFrame({"study_id": ["S3", "S4"], "design": ["retrospective", "prospective"],
    ...                   "total": [10, 33], "report_type": ["journal_article"] * 2,
    ...                   "year": [2017, 2020]})
    >>> rank_representatives(f)
    ['S4', 'S3']
    """
    first = frame.drop_duplicates("study_id")

    def col(name: str, default: object) -> pd.Series:
        return first[name] if name in first else pd.Series(default, index=first.index)

    key = pd.DataFrame({
        "prospective": col("design", "").map(text_value).str.lower().eq("prospective"),
        "total": pd.to_numeric(col("total", 0), errors="coerce").fillna(0),
        "peer": col("report_type", "").map(text_value).eq("journal_article"),
        "year": pd.to_numeric(col("year", 0), errors="coerce").fillna(0),
        "study_id": first["study_id"].astype(str),
    })
    key = key.sort_values(["prospective", "total", "peer", "year", "study_id"],
                          ascending=[False, False, False, False, True], kind="stable")
    return key["study_id"].tolist()


def _resolve_overlap(df: pd.DataFrame, keep: pd.Series, alternate: pd.Series, role: pd.Series,
                     reasons: pd.Series) -> tuple[pd.Series, list[StandIn]]:
    """One report per overlap group among the rows still kept (see :data:`OVERLAP_RULE`)."""
    keep = keep.copy()
    group = df["overlap_group"].map(text_value)
    # the data's overlap wording without the default-view "pooled by default instead: ..." tail,
    # which this view replaces with the report actually pooled
    why = df.get("exclusion_reason", pd.Series("", index=df.index)).map(text_value).map(
        lambda t: t.split("; pooled by default instead:")[0])
    labels = dict(zip(df["study_id"], df["label"].map(text_value) if "label" in df else df["study_id"],
                      strict=False))
    stand_ins: list[StandIn] = []
    for g in sorted(set(group[keep & alternate])):
        members = keep & (group == g)
        alts = members & alternate
        defaults_in = sorted(set(df.loc[members & ~alternate, "study_id"]))
        if defaults_in:
            chosen = ", ".join(f"{labels[i]} ({i})" for i in defaults_in)
            for idx in df.index[alts]:
                reasons[idx] = f"{why[idx] or 'overlapping cohort (' + g + ')'}; pooled instead: {chosen}"
            keep &= ~alts
            continue
        best = rank_representatives(df[alts])[0]
        defaults = tuple(sorted(set(df.loc[(group == g) & (role == "default"), "study_id"])))
        stand_ins.append(StandIn(g, best, labels[best], defaults))
        for idx in df.index[alts & (df["study_id"] != best)]:
            reasons[idx] = (f"{why[idx] or 'overlapping cohort (' + g + ')'}; {labels[best]} ({best}) "
                            "stands in for this cohort in this view")
        keep &= ~alts | (df["study_id"] == best)
    return keep, stand_ins


def selection_provenance(selected: Selected, reports: str = "one") -> dict[str, str]:
    """``key: value`` lines for an exported script: the overlap rule and each stand-in (ids only).

    Study and group ids follow the data contract's id pattern, so no free text from the data
    reaches a script comment.
    """
    if reports != "one":
        return {"overlap": "all reports pooled (overlapping cohorts may count patients twice)"}
    out = {"overlap rule": OVERLAP_RULE}
    for i, x in enumerate(selected.stand_ins, 1):
        out[f"stand-in {i}"] = (f"{x.study_id} represents overlap group {x.group} "
                                f"(default {', '.join(x.instead_of) or 'none'} not in this view)")
    return out
