"""What the Safety page and the reports show: pooled adverse-event incidence per term and grade.

``safety_view(base, ...)`` pools every CTCAE term × grade stratum × attribution (the rows chosen by
:func:`evidence.ae_terms.safety_rows`) with :func:`synthesis.incidence.pool_incidence` and returns
a frozen :class:`SafetyView`: the table (one row per term × stratum × attribution, the headline
method first, the four methods side by side, k / events / patients, flags), the study rows behind
each pooled row (for the forest plot and the "sources" of every number), the published pooled
estimates beside ours, and the sentences (one line for the Overview, a methods paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from evidence.ae_terms import ANY_GRADE, GRADE_3_PLUS, safety_rows
from findings import text
from synthesis.incidence import INCIDENCE_METHODS, IncidencePool, exact_interval, pool_incidence

__all__ = ["DISPLAY_COLUMNS", "PEER_PUBLISHED", "SafetyView", "display_table", "published_frame",
           "safety_view"]

#: Peng et al. 2018, Oncotarget 9:32262 (doi:10.18632/oncotarget.24215), abstract: 7 prospective
#: apatinib trials in solid tumours (not sarcoma), 820 patients, treatment-related toxicities;
#: incidences as printed (no intervals in the abstract). term -> (any grade, high grade) percent.
PEER_PUBLISHED: dict[str, tuple[float, float]] = {
    "Hypertension": (45.4, 9.7),
    "Proteinuria": (45.1, 3.7),
    "Palmar-plantar erythrodysesthesia syndrome": (35.9, 8.6),
}
PENG_2018 = ("Peng 2018 (Oncotarget; 7 prospective trials, all solid tumours, 820 patients)",
             "https://oncotarget.com/article/24215")
#: external meta-analysis measure text (data/studies.yaml pooled_estimates) -> CTCAE term
_MEASURE_TERMS = {"hand-foot syndrome incidence": "Palmar-plantar erythrodysesthesia syndrome",
                  "hypertension incidence": "Hypertension"}

_HEADLINE_SHORT = {"glmm": "GLMM", "crude": "crude, exact CI"}

METHODS_TEXT = (
    "Adverse events: each source term is mapped to its CTCAE v5.0 term (the printed term is kept); "
    "counts are pooled per term, grade stratum (any grade; grade ≥3, including rows printed as "
    "grade 3–4) and attribution as printed (treatment-related, all-cause, not stated — never "
    "mixed), over the safety population each study reports. Studies reporting zero events are "
    "kept; an event a study does not report is missing, not zero. One report per overlapping "
    "cohort and term. Default model: binomial–normal GLMM (ML, adaptive Gauss–Hermite with 7 "
    "nodes, z interval), shown beside IV logit REML with the ad hoc HKSJ interval, Freeman–Tukey "
    "REML and the crude pooled proportion with its exact Clopper–Pearson interval. With k ≤ 2 the "
    "exact crude interval is shown first and the HKSJ interval is flagged; with k = 1 the study's "
    "exact interval is shown."
)


@dataclass(frozen=True, slots=True)
class SafetyView:
    """Everything the Safety page and the safety report section show."""

    table: pd.DataFrame  # one row per term × stratum × attribution (display columns + keys)
    studies: pd.DataFrame  # all toxicity rows with term, stratum, pooled, reason
    pools: dict = field(default_factory=dict)  # key (term, stratum, attribution) -> IncidencePool
    level: float = 0.95
    reports: str = "one"

    def study_rows(self, key: tuple[str, str, str]) -> pd.DataFrame:
        """Pooled study rows of one key in the forest plot's layout (with exact study CIs)."""
        term, stratum, attribution = key
        df = self.studies[self.studies["pooled"] & (self.studies["term"] == term)
                          & (self.studies["stratum"] == stratum)
                          & (self.studies["attribution"] == attribution)].copy()
        df["events"] = df["count"].astype(int)
        df["total"] = df["total"].astype(int)
        df["proportion"] = df["events"] / df["total"]
        ci = [exact_interval(x, n, self.level) for x, n in zip(df["events"], df["total"], strict=True)]
        df["ci_low"] = [c[0] for c in ci]
        df["ci_high"] = [c[1] for c in ci]
        df["flag_text"] = df.apply(_row_flags, axis=1)
        df["flag_count"] = (df["flag_text"] != "").astype(int)
        return df.reset_index(drop=True)

    def overview_line(self) -> str:
        """One sentence for the Overview: the grade ≥3 terms with the highest pooled incidence."""
        g3 = self.table[(self.table["stratum"] == GRADE_3_PLUS) & (self.table["k"] >= 2)]
        g3 = g3[g3["Term"] != "Any adverse event"].sort_values("estimate", ascending=False)
        if g3.empty:
            return "No grade ≥3 adverse event is reported by two or more studies in this selection."
        parts = [f"{str(r['Term']).lower()} {text.pct(r['estimate'])} "
                 f"({text.count(int(r['k']), 'study', 'studies')})" for _, r in g3.head(3).iterrows()]
        return ("Grade ≥3 adverse events reported by two or more studies (pooled incidence): "
                + "; ".join(parts)
                + f". {text.count(len(self.table), 'term × grade row', 'term × grade rows')} "
                  "on the Safety page.")


#: the columns shown by the page, the CSV download and the reports
DISPLAY_COLUMNS = ["Term", "Grade", "Attribution", "k", "Events", "Patients", "Headline",
                   "Pooled incidence", *INCIDENCE_METHODS.values(), "Flags", "Studies"]
TABLE_CAPTION = (
    "Headline: the GLMM for k ≥ 3; the crude pooled proportion with its exact interval for k ≤ 2 "
    "(⚑ = an interval to read with care: HKSJ with k = 2 approaches [0, 1]; k = 1 shows the "
    "study's own exact interval). Flags name inferred and unverified counts."
)


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The safety table as shown (headline incidence formatted, display columns only)."""
    out = table.assign(**{"Pooled incidence": [
        text.estimate_interval(e, lo, hi) for e, lo, hi in zip(table["estimate"], table["ci_low"], table["ci_high"], strict=True)]})
    return out[DISPLAY_COLUMNS].reset_index(drop=True)


def _row_flags(r: pd.Series) -> str:
    out = []
    if str(r.get("status")) == "inferred":
        out.append("count or denominator inferred")
    if bool(r.get("unverified")):
        out.append("unverified")
    return "; ".join(out)


def published_frame(base) -> pd.DataFrame:
    """Published pooled incidences beside ours: Yao 2021 (data file) and Peng 2018 (constant)."""
    rows = []
    for s in getattr(base, "studies", ()):
        for pe in getattr(s, "pooled_estimates", ()) or ():
            term = _MEASURE_TERMS.get(pe.measure)
            if term is None:
                continue
            cit = getattr(s, "citation", None)
            who = (f"{cit.authors.split()[0]} {cit.year}, {cit.journal}"
                   if cit is not None and cit.authors and cit.year else s.label)
            rows.append({"term": term, "stratum": ANY_GRADE, "source": who,
                         "estimate": float(pe.estimate.value),
                         "ci_low": float(pe.ci.low) if pe.ci else float("nan"),
                         "ci_high": float(pe.ci.high) if pe.ci else float("nan"),
                         "scope": "apatinib, osteosarcoma", "where": pe.estimate.source})
    for term, (anyg, high) in PEER_PUBLISHED.items():
        for stratum, v in ((ANY_GRADE, anyg), (GRADE_3_PLUS, high)):
            rows.append({"term": term, "stratum": stratum, "source": PENG_2018[0],
                         "estimate": v / 100.0, "ci_low": float("nan"), "ci_high": float("nan"),
                         "scope": "apatinib, all solid tumours (high grade = grade ≥3)",
                         "where": PENG_2018[1]})
    return pd.DataFrame(rows, columns=["term", "stratum", "source", "estimate", "ci_low", "ci_high",
                                       "scope", "where"])


def _filter(df: pd.DataFrame, col: str, allowed) -> pd.DataFrame:
    if not allowed:
        return df
    return df[df[col].astype(str).isin(set(allowed))]


_TABLE_COLUMNS = ["term", "stratum", "attribution", "Term", "CTCAE v5 term", "Grade", "Attribution",
                  "k", "Events", "Patients", "Headline", "estimate", "ci_low", "ci_high",
                  *INCIDENCE_METHODS.values(), "Flags", "Studies"]


def safety_view(base, *, level: float = 0.95, reports: str = "one", terms=(), strata=(),
                attributions=(), regimen=(), histology=(), design=()) -> SafetyView:
    """Pool every term × grade stratum × attribution of the filtered studies.

    Filters are tuples of allowed values (empty = all), matching the efficacy pages' filters
    (``regimen``, ``histology`` = histology group, ``design``) plus the safety keys.
    """
    tox = base.toxicity_frame() if hasattr(base, "toxicity_frame") else pd.DataFrame()
    outcomes = base.outcomes_frame()
    if tox.empty or outcomes.empty:  # nothing to pool (e.g. a data file without outcomes)
        return SafetyView(pd.DataFrame(columns=_TABLE_COLUMNS), tox, {}, level, reports)
    rows = safety_rows(tox, outcomes, reports=reports)
    rows = _filter(rows, "regimen", regimen)
    rows = _filter(rows, "histology_group", histology)
    rows = _filter(rows, "design", design)
    rows = _filter(rows, "term_label", terms)
    rows = _filter(rows, "stratum", strata)
    rows = _filter(rows, "attribution", attributions)
    pooled = rows[rows["pooled"]]
    table_rows, pools = [], {}
    for key, grp in pooled.groupby(["term", "stratum", "attribution"], sort=True):
        grp = grp.sort_values("study_id")
        pool = pool_incidence(grp["count"].astype(int).to_numpy(), grp["total"].astype(int).to_numpy(),
                              labels=grp["label"].astype(str).tolist(), level=level)
        pools[key] = pool
        table_rows.append(_table_row(key, grp, pool))
    table = pd.DataFrame(table_rows, columns=_TABLE_COLUMNS)
    return SafetyView(table, rows, pools, level, reports)


def _table_row(key, grp: pd.DataFrame, pool: IncidencePool) -> dict:
    term, stratum, attribution = key
    h = pool.headline
    flags = []
    n_inf = int((grp["status"] == "inferred").sum())
    n_unv = int(grp["unverified"].astype(bool).sum())
    if n_inf:
        flags.append(f"{text.count(n_inf, 'count')} inferred")
    if n_unv:
        flags.append(f"{text.count(n_unv, 'count')} unverified")
    if pool.k <= 2:
        flags.append(f"k = {pool.k}: exact crude interval first" if pool.k == 2
                     else "k = 1: the study's exact interval")
    flags += [m.flag for m in pool.methods if m.flag and m.key == "glmm" and "failed" in m.flag]
    printed = sorted(set(grp["grade"].astype(str)))
    row = {
        "term": term, "stratum": stratum, "attribution": attribution,
        "Term": grp["term_label"].iloc[0], "CTCAE v5 term": term,
        "Grade": stratum + ("" if printed in (["any"], ["≥3"]) else f" (printed {', '.join(printed)})"),
        "Attribution": attribution, "k": pool.k, "Events": pool.events, "Patients": pool.patients,
        "Headline": _HEADLINE_SHORT[pool.primary],
        "estimate": h.estimate, "ci_low": h.ci.low, "ci_high": h.ci.high,
        "Flags": "; ".join(flags), "Studies": ", ".join(grp["study_id"].astype(str)),
    }
    for m in pool.methods:
        cell = f"{text.pct(m.estimate)} ({text.interval(*m.ci)})"
        row[m.label] = cell + (" ⚑" if m.flag and m.key != "ft" else "")
    return row
