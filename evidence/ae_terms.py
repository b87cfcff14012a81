"""Adverse-event vocabulary: source terms -> CTCAE v5 terms, grade strata, and the rows to pool.

Each toxicity row keeps the term as printed by its source (``source_term``); the preferred term
is the CTCAE v5.0 term it maps to (CTCAE is the open vocabulary that oncology trials grade with;
MedDRA itself is licensed). Rows whose term is a composite ("hypertension, hand-foot-skin reaction
or proteinuria"), a treatment action (dose reduction) or a death count are never pooled per term.

Grade strata: ``"any grade"`` and ``"grade ≥3"`` (the printed grade is kept: "3–4", "≥3", "3");
grade 5 and "n/a" rows are not pooled. Attribution is as printed (``treatment-related`` /
``all-cause`` / ``not stated``) and is part of the pooling key, so treatment-related and all-cause
counts are never pooled together. A count the source does not give is missing, never zero.

One report per overlapping cohort (and per term, grade stratum and attribution): the cohort's
report pooled by default for efficacy when it gives this count, else the one with the largest
safety denominator. Secondary reports, case reports and populations that are not sarcoma-only
are left out unless ``reports="all"``.
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "ANY_GRADE", "CTCAE_TERMS", "GRADE_3_PLUS", "NOT_POOLED", "grade_stratum",
    "preferred_term", "safety_rows",
]

ANY_GRADE = "any grade"
GRADE_3_PLUS = "grade ≥3"

#: source term (lower case, as printed) -> CTCAE v5.0 term
CTCAE_TERMS: dict[str, str] = {
    "hand-foot syndrome": "Palmar-plantar erythrodysesthesia syndrome",
    "hand-foot skin reaction": "Palmar-plantar erythrodysesthesia syndrome",
    "hand-foot-skin reaction": "Palmar-plantar erythrodysesthesia syndrome",
    "palmar-plantar erythrodysesthesia": "Palmar-plantar erythrodysesthesia syndrome",
    "ppe": "Palmar-plantar erythrodysesthesia syndrome",
    "hypertension": "Hypertension",
    "proteinuria": "Proteinuria",
    "pneumothorax": "Pneumothorax",
    "wound dehiscence": "Wound dehiscence",
    "diarrhoea": "Diarrhea",
    "diarrhea": "Diarrhea",
    "leukopenia": "White blood cell decreased",
    "neutropenia": "Neutrophil count decreased",
    "thrombocytopenia": "Platelet count decreased",
    "anaemia": "Anemia",
    "anemia": "Anemia",
    "mucositis": "Mucositis oral",
    "raised triglycerides": "Hypertriglyceridemia",
    "raised bilirubin": "Blood bilirubin increased",
    "raised cholesterol": "Cholesterol high",
    "hypothyroidism": "Hypothyroidism",
    "fatigue": "Fatigue",
    "anorexia": "Anorexia",
    "weight loss": "Weight loss",
    "any grade 3-4 toxicity": "Any adverse event",
    "any grade >=3 adverse event": "Any adverse event",
}
#: short labels for the table and the charts (the CTCAE term is shown beside them)
SHORT: dict[str, str] = {
    "Palmar-plantar erythrodysesthesia syndrome": "Hand-foot syndrome",
    "White blood cell decreased": "Leukopenia",
    "Neutrophil count decreased": "Neutropenia",
    "Platelet count decreased": "Thrombocytopenia",
    "Blood bilirubin increased": "Bilirubin increased",
}
#: why a row is not pooled per term (by source term)
NOT_POOLED: dict[str, str] = {
    "hypertension, hand-foot-skin reaction or proteinuria": "composite of three terms",
    "dose reduction or interruption": "a treatment action, not an adverse event",
    "permanent discontinuation": "a treatment action, not an adverse event",
    "discontinuation for febrile neutropenia": "a treatment action, not an adverse event",
    "gastrointestinal discomfort": "no single CTCAE term",
    "haemorrhage": "site not given (CTCAE grades haemorrhage by site)",
    "rash": "no single CTCAE term (rash type not given)",
    "drug-related death": "grade 5 (deaths are listed, not pooled)",
}


def preferred_term(source_term: str) -> str | None:
    """CTCAE v5.0 term of a printed term, or None when it maps to no single term.

    >>> preferred_term("PPE"), preferred_term("hand-foot skin reaction")
    ('Palmar-plantar erythrodysesthesia syndrome', 'Palmar-plantar erythrodysesthesia syndrome')
    >>> preferred_term("dose reduction or interruption") is None
    True
    """
    return CTCAE_TERMS.get(str(source_term).strip().lower())


def grade_stratum(grade: str) -> str | None:
    """``"any grade"``, ``"grade ≥3"`` or None (grade 5, n/a, grades 1–2 only: not pooled).

    >>> [grade_stratum(g) for g in ("any", "3–4", "≥3", "3", "5", "n/a")]
    ['any grade', 'grade ≥3', 'grade ≥3', 'grade ≥3', None, None]
    """
    g = str(grade).strip().lower().replace(">=", "≥").replace("-", "–")
    if g in ("any", "all", "any grade", "1–4", "1–5"):
        return ANY_GRADE
    if g in ("3–4", "≥3", "3", "3–5", "≥ 3"):
        return GRADE_3_PLUS
    return None


def _study_context(outcomes: pd.DataFrame) -> pd.DataFrame:
    cols = ["histology_group", "design", "regimen", "record_kind", "sarcoma_only",
            "overlap_group", "exclusion_reason", "pooled_by_default"]
    df = outcomes[["study_id", *cols]].copy()
    g = df.groupby("study_id", sort=False)
    ctx = g[["histology_group", "design", "regimen", "record_kind", "sarcoma_only",
             "overlap_group"]].first()
    ctx["pooled_efficacy"] = g["pooled_by_default"].any()
    ctx["case_report"] = g["exclusion_reason"].agg(
        lambda s: any("case report" in str(x) for x in s if x))
    return ctx


def safety_rows(toxicity: pd.DataFrame, outcomes: pd.DataFrame, *, reports: str = "one"
                ) -> pd.DataFrame:
    """One row per toxicity row with its term, stratum, attribution and whether it is pooled.

    Parameters
    ----------
    toxicity, outcomes : DataFrame
        ``EvidenceBase.toxicity_frame()`` and ``.outcomes_frame()`` (study context: histology,
        design, regimen, overlap group).
    reports : {"one", "all"}
        ``"one"``: one report per overlapping cohort per term, stratum and attribution; secondary
        reports, case reports and non-sarcoma populations left out. ``"all"``: every report.

    Returns
    -------
    DataFrame
        The toxicity columns plus ``source_term``, ``term`` (CTCAE v5), ``term_label``,
        ``stratum``, ``pooled`` (bool) and ``reason`` (why a row is not pooled, "" if pooled),
        ``histology_group``, ``design``, ``regimen``, ``overlap_group``.
    """
    if reports not in ("one", "all"):
        raise ValueError(f"reports ({reports!r}) must be 'one' or 'all'.")
    df = toxicity.copy()
    ctx = _study_context(outcomes)
    df = df.join(ctx, on="study_id", rsuffix="_study")
    df["source_term"] = df["event"]
    df["term"] = df["event"].map(preferred_term)
    df["term_label"] = df["term"].map(lambda t: SHORT.get(t, t) if isinstance(t, str) else None)
    df["stratum"] = df["grade"].map(grade_stratum)
    reason = pd.Series("", index=df.index, dtype=object)

    def drop(mask: pd.Series, why) -> None:
        sel = mask & (reason == "")
        reason[sel] = why if isinstance(why, str) else why[sel]

    low = df["event"].str.strip().str.lower()
    drop(df["term"].isna(), low.map(lambda t: NOT_POOLED.get(t, "no CTCAE term mapped")))
    drop(df["stratum"].isna(), "grade stratum not pooled (" + df["grade"].astype(str) + ")")
    drop(df["count"].isna(), "count not reported")
    drop(df["total"].isna(), "denominator not reported")
    if reports == "one":
        drop(df["record_kind"].astype(str) != "study",
             "secondary report (its cohort's main report is used)")
        drop(df["case_report"].fillna(False).astype(bool), "case report")
        drop(~df["sarcoma_only"].fillna(True).astype(bool), "population not sarcoma-only")
        # one report per overlapping cohort, term, stratum and attribution
        cand = df[(reason == "") & df["overlap_group"].notna()]
        for _, grp in cand.groupby(["overlap_group", "term", "stratum", "attribution"]):
            if len(grp) < 2:
                continue
            order = grp.assign(_p=~grp["pooled_efficacy"].fillna(False).astype(bool),
                               _n=-grp["total"].astype(float)).sort_values(["_p", "_n", "study_id"])
            keep = order.index[0]
            for i in order.index[1:]:
                reason[i] = (f"overlapping cohort ({df.at[i, 'overlap_group']}): "
                             f"{df.at[keep, 'study_id']} is used for this term")
    df["reason"] = reason
    df["pooled"] = reason == ""
    return df.drop(columns=["record_kind_study"], errors="ignore")
