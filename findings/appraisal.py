"""What the appraisal shows: study tables, robvis tables, RoB-aware sensitivity, GRADE, sentences.

Streamlit-free; used by the appraisal page, the Overview and the reports. Inputs are the
forest table of a pooled view (``study_id, label, events, total, weight`` and, when present,
``regimen, histology_group, line``), its pooled result, and :class:`evidence.appraisal.Appraisals`.
Numbers are worded only through :mod:`findings.text`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evidence.appraisal import (
    JBI_ANSWERS,
    JBI_QUESTIONS,
    KEY_DOMAINS,
    MINORS_BANDS,
    MINORS_BANDS_SOURCE,
    MINORS_ITEMS,
    OVERALL_LEVELS,
    OVERALL_RULE,
    ROBVIS_MAP,
    Appraisals,
    StudyAppraisal,
)
from findings import survival as fsurv
from findings import text
from findings.compare import subgroup_test_text
from synthesis.bias import egger_test
from synthesis.grade import RULES, GradeAssessment, Override, assess
from synthesis.interrater import agreement
from synthesis.meta import pool_proportions
from synthesis.metareg import meta_regression
from synthesis.results import ConfidenceInterval, PooledProportion
from synthesis.subgroups import subgroup_analysis
from synthesis.survival_medians import PooledMedian

__all__ = [
    "CONVENTIONS",
    "DEFAULT_THRESHOLDS",
    "LONG_2021",
    "OUTCOMES",
    "ROB_PALETTES",
    "GradeInputs",
    "MinorsDistribution",
    "RobSensitivity",
    "SUMMARY_CAPTION",
    "certainty_sentence",
    "footnotes",
    "grade_outcome",
    "indirectness_reasons",
    "item_table",
    "IncidenceSummary",
    "ae_certainty",
    "ae_certainty_line",
    "ae_grade3_rows",
    "median_rows",
    "methods_text",
    "minors_distribution",
    "profile_table",
    "AGREEMENT_UNAVAILABLE",
    "KAPPA_INTERVAL",
    "reviewer_agreement",
    "reviewers_sentence",
    "second_review_template",
    "rob_groups",
    "rob_index",
    "rob_sensitivity",
    "robvis_table",
    "sof_table",
    "study_table",
    "weight_share",
]

#: outcome -> (question it answers, importance). The question sets GRADE's starting level
#: (synthesis.grade.QUESTIONS): efficacy outcomes ask whether apatinib works (treatment effect,
#: Balshem 2011); toxicity asks how often harm occurs on apatinib (event rate, Iorio 2015).
OUTCOMES: dict[str, tuple[str, str]] = {
    "ORR": ("treatment effect", "important"),
    "DCR": ("treatment effect", "important"),
    "median PFS": ("treatment effect", "critical"),
    "median OS": ("treatment effect", "critical"),
    "grade ≥3 adverse events": ("event rate", "critical"),
}

#: The published MINORS summary of the apatinib-sarcoma meta-analysis, as quoted from its
#: abstract; the stored copy of the paper did not show the sentence, so it is not re-checked.
LONG_2021 = {"mean": 10.48, "sd": 1.75, "min": 7, "max": 13, "k": 21,
             "cite": "Long Z et al. Front Oncol 2021, doi:10.3389/fonc.2021.662318 (abstract)"}

_NO_ROB = "NA"

#: the robvis palette (``charts.robvis.PALETTES``) the risk-of-bias figures are drawn in, by the
#: Appraisal page's colour-blind toggle (link key ``rob_cb``: ``findings.query.CONTROLS``; the
#: reports' ``View.rob_cb`` and ``python -m reports --palette``)
ROB_PALETTES: dict[bool, str] = {False: "cochrane", True: "colourblind"}

#: what the weighted summary bars show (the page and the reports)
SUMMARY_CAPTION = ("Share of the pooled model's weight at each judgement (robvis "
                   "`rob_summary(weighted = TRUE)`); for a GLMM, the share of patients.")

#: Decision thresholds used until the user sets their own: ORR p0 = 20%, the Trial planner's
#: default null response rate. Other outcomes have no default (imprecision then needs one).
DEFAULT_THRESHOLDS: dict[str, float] = {"ORR": 0.20}


# --------------------------------------------------------------------------- tables


def study_table(appraisals: Appraisals, labels: Mapping[str, str] | None = None,
                order: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per appraised study: MINORS D1–D8 scores, total, band, overall, JBI Q1–Q10."""
    items = list(appraisals.items)
    if order is not None:
        pos = {s: i for i, s in enumerate(order)}
        items = sorted((a for a in items if a.study in pos), key=lambda a: pos[a.study])
    rows = []
    for a in items:
        row: dict[str, object] = {"study_id": a.study, "Study": (labels or {}).get(a.study, a.study)}
        row.update(a.minors_scores)
        row.update({"MINORS total": a.minors_total, "Band": a.minors_band, "Overall": a.overall})
        row.update(a.jbi_answers)
        row["Basis"] = a.basis
        rows.append(row)
    cols = ["study_id", "Study", *MINORS_ITEMS, "MINORS total", "Band", "Overall", *JBI_QUESTIONS, "Basis"]
    return pd.DataFrame(rows, columns=cols)


def item_table(appraisal: StudyAppraisal) -> pd.DataFrame:
    """Every judgement of one study with its reason and source location (for the detail view)."""
    rows = []
    for d, name in MINORS_ITEMS.items():
        it = appraisal.minors_item(d)
        rows.append({"Tool": "MINORS", "Item": d, "Question": name,
                     "Judgement": f"{it.score} ({ROBVIS_MAP[it.score].lower()})",
                     "Reason": it.reason, "Source": it.source, "Location": it.location})
    for q, name in JBI_QUESTIONS.items():
        it = appraisal.jbi_item(q)
        rows.append({"Tool": "JBI", "Item": q, "Question": name, "Judgement": it.answer,
                     "Reason": it.reason, "Source": it.source, "Location": it.location})
    return pd.DataFrame(rows)


def rob_index(appraisals: Appraisals, study_ids: Sequence[str]) -> pd.DataFrame:
    """robvis judgements indexed by study id (``D1…D8, Overall``); studies without an
    appraisal (e.g. a user's own rows) get ``"NA"`` (drawn grey)."""
    out = {}
    for s in study_ids:
        a = appraisals.get(s)
        if a is None:
            out[s] = {**dict.fromkeys(MINORS_ITEMS, _NO_ROB), "Overall": _NO_ROB}
        else:
            out[s] = {**{d: a.minors_item(d).robvis for d in MINORS_ITEMS}, "Overall": a.overall}
    return pd.DataFrame.from_dict(out, orient="index", columns=[*MINORS_ITEMS, "Overall"])


def robvis_table(rows: pd.DataFrame, appraisals: Appraisals) -> pd.DataFrame:
    """robvis layout for CSV export and figures, in forest order: ``Study, D1…D8, Overall, Weight``.

    ``Weight`` is the pooled model's percent weight (metafor ``weights()``, as
    ``robvis::rob_append_weights``); for a GLMM (no weights) it is the study's share of patients.
    """
    idx = rob_index(appraisals, rows["study_id"].astype(str).tolist())
    out = idx.reset_index(drop=True)
    out.insert(0, "Study", rows["label"].astype(str).to_numpy())
    out["Weight"] = _weights(rows)
    return out


def _weights(rows: pd.DataFrame) -> np.ndarray:
    w = rows["weight"].to_numpy(dtype=float) if "weight" in rows else np.full(len(rows), np.nan)
    if not np.all(np.isfinite(w)) or w.sum() <= 0:
        n = rows["total"].to_numpy(dtype=float)
        w = 100 * n / n.sum()
    return w


def weight_share(rows: pd.DataFrame, appraisals: Appraisals, level: str = "High") -> float:
    """Fraction (0–1) of the pooled weight from studies whose overall judgement is ``level``."""
    w = _weights(rows)
    overall = rob_index(appraisals, rows["study_id"].astype(str).tolist())["Overall"].to_numpy()
    return float(w[overall == level].sum() / w.sum()) if w.sum() > 0 else float("nan")


#: how the agreement table's κ interval is made (shown under it)
KAPPA_INTERVAL = ("Cohen's κ with κ ± 1.96·SE (asymptotic SE, statsmodels `cohens_kappa`), the "
                  "interval clipped to κ's range −1 to 1; – where κ or its SE is undefined.")


def reviewer_agreement(appraisals: Appraisals) -> pd.DataFrame:
    """Agreement of the first and second reviewers: one row per item (pairs, percent agreement,
    Cohen's κ) and one per tool over all its items; empty when no study has a second review.
    The κ interval is clipped to [−1, 1] (:data:`KAPPA_INTERVAL`)."""
    rows = []
    pairs: dict[str, list[tuple[object, object]]] = {}
    for a in appraisals.items:
        if a.second is None:
            continue
        for d, v in a.second.minors.items():
            pairs.setdefault(d, []).append((a.minors_item(d).score, v))
        for q, v in a.second.jbi.items():
            pairs.setdefault(q, []).append((a.jbi_item(q).answer, v))
    if not pairs:
        return pd.DataFrame(columns=["Tool", "Item", "Pairs", "Agreement", "Cohen's κ (95% CI)"])

    def row(tool: str, item: str, items: list[tuple[object, object]], cats) -> dict[str, object]:
        ag = agreement([x for x, _ in items], [y for _, y in items], categories=cats)
        lo, hi = (min(max(x, -1.0), 1.0) if math.isfinite(x) else x for x in ag.ci)
        kap = (text.MISSING if not math.isfinite(ag.kappa) else
               f"{text.decimal(ag.kappa, 2)} ({text.decimal(lo, 2)} to {text.decimal(hi, 2)})")
        return {"Tool": tool, "Item": item, "Pairs": ag.n, "Agreement": text.pct(ag.proportion, 0),
                "Cohen's κ (95% CI)": kap}

    for tool, items, cats in (("MINORS", MINORS_ITEMS, (0, 1, 2)), ("JBI", JBI_QUESTIONS, JBI_ANSWERS)):
        done = [k for k in items if k in pairs]
        for k in done:
            rows.append(row(tool, k, pairs[k], cats))
        if done:
            rows.append(row(tool, "all items", [p for k in done for p in pairs[k]], cats))
    return pd.DataFrame(rows)


#: what the agreement section says when no study has a second review
AGREEMENT_UNAVAILABLE = "not available: one reviewer"


def reviewers_sentence(appraisals: Appraisals) -> str:
    """Who appraised, in plain words (one reviewer, or how many studies two reviewers did).

    >>> from evidence.appraisal import load_appraisals
    >>> reviewers_sentence(load_appraisals())[:46]
    'One reviewer appraised every study (23 of 23);'
    """
    k = len(appraisals)
    n2 = sum(a.second is not None for a in appraisals.items)
    if n2 == 0:
        return (f"One reviewer appraised every study ({k} of {k}); no second reviewer's judgements "
                f"exist, so inter-rater agreement (per item and Cohen's κ) is {AGREEMENT_UNAVAILABLE}.")
    return (f"Two reviewers appraised {n2} of {k} {'study' if k == 1 else 'studies'} independently; "
            "the figures and GRADE use the first reviewer's judgements, and their agreement is "
            "shown per item with Cohen's κ.")


def second_review_template(appraisals: Appraisals, labels: Mapping[str, str] | None = None) -> str:
    """A blank appraisal file (YAML, the layout of ``data/appraisals.yaml``) listing the studies
    of ``appraisals`` for an independent second reviewer: no first-reviewer judgement is shown.

    >>> from evidence.appraisal import load_appraisals, load_appraisals_from_text
    >>> t = second_review_template(load_appraisals())
    >>> p = load_appraisals_from_text(t, "blank.yaml").problems
    >>> len(p) > 0 and all(x.file == "blank.yaml" for x in p)
    True
    """
    blank_m = "{score: , reason: '', src: '', at: ''}"
    blank_j = "{answer: , reason: '', src: '', at: ''}"
    lines = [
        "# Second reviewer's appraisal: fill in every item without looking at the first reviewer's.",
        "# MINORS score 0 not reported, 1 reported but inadequate, 2 reported and adequate;",
        "# JBI answer Yes, No, Unclear or NA. Every judgement needs a one-line reason, the source id",
        "# (src, as in the evidence file) and where in it (at). Upload it on the Appraisal page.",
        "schema_version: 1",
        "appraisals:",
    ]
    for a in appraisals.items:
        label = " ".join(str((labels or {}).get(a.study, "")).split())
        lines += [f"- study: {a.study}" + (f"  # {label}" if label else ""),
                  "  appraiser: ''", "  date: ''", "  basis: ''", "  minors:"]
        lines += [f"    {d}: {blank_m}  # {name}" for d, name in MINORS_ITEMS.items()]
        lines.append("  jbi:")
        lines += [f"    {q}: {blank_j}" for q in JBI_QUESTIONS]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- MINORS distribution


@dataclass(frozen=True, slots=True)
class MinorsDistribution:
    """MINORS totals of the appraised studies beside the published Long 2021 summary."""

    totals: tuple[int, ...]
    counts: dict[int, int]
    bands: dict[str, int]
    mean: float
    sd: float
    low: int
    high: int

    def __repr__(self) -> str:
        return f"MinorsDistribution(k={len(self.totals)}, mean={self.mean:.2f})"

    def sentence(self) -> str:
        """The comparison with Long 2021, in words."""
        k = len(self.totals)
        if k == 0:
            return "No study is appraised."
        band_words = ", ".join(f"{text.count(n, 'study', 'studies')} {b}" for b, n in self.bands.items())
        return (f"MINORS totals here: mean {text.decimal(self.mean, 2)} ± {text.decimal(self.sd, 2)} "
                f"(range {self.low}–{self.high}; {text.count(k, 'study', 'studies')}: {band_words}). "
                f"Long 2021 reported {text.decimal(LONG_2021['mean'], 2)} ± "
                f"{text.decimal(LONG_2021['sd'], 2)} (range {LONG_2021['min']}–{LONG_2021['max']}) "
                f"for {LONG_2021['k']} studies (as quoted from its abstract, not re-checked here), "
                "appraised from full texts; these appraisals rest on abstracts, where items not "
                "reported score 0.")


def minors_distribution(appraisals: Appraisals, study_ids: Sequence[str] | None = None) -> MinorsDistribution:
    items = [a for a in appraisals.items if study_ids is None or a.study in set(study_ids)]
    totals = tuple(a.minors_total for a in items)
    counts = {t: totals.count(t) for t in sorted(set(totals))}
    bands = {label: sum(lo <= t <= hi for t in totals) for lo, hi, label in MINORS_BANDS}
    arr = np.asarray(totals, dtype=float)
    return MinorsDistribution(
        totals, counts, bands,
        float(arr.mean()) if arr.size else math.nan,
        float(arr.std(ddof=1)) if arr.size > 1 else math.nan,
        int(arr.min()) if arr.size else 0, int(arr.max()) if arr.size else 0,
    )


# --------------------------------------------------------------------------- RoB-aware pooling


@dataclass(frozen=True, slots=True)
class RobSensitivity:
    """The pooled result re-run with risk of bias in view (the existing engine on subsets)."""

    all: object
    without_high: object | None
    by_overall: object | None
    on_minors: object | None
    k_high: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        """One row per analysis: k, patients, estimate, CI, PI, I²."""
        rows = [("All studies", self.all)]
        if self.without_high is not None:
            rows.append(("Excluding high risk of bias", self.without_high))
        if self.by_overall is not None:
            for g, r in zip(self.by_overall.groups, self.by_overall.results, strict=True):
                rows.append((f"Overall risk of bias: {g}", r))
        out = []
        for name, r in rows:
            out.append({"Analysis": name, "k": r.k, "Patients": r.data.total_n,
                        "Estimate": text.pct(r.estimate),
                        "CI": text.interval(r.ci.low, r.ci.high),
                        "PI": text.interval(r.pi.low, r.pi.high),
                        "I²": text.MISSING if not math.isfinite(r.i2) else f"{r.i2:.0f}%"})
        return pd.DataFrame(out)

    def group_test(self) -> str:
        """The between-group test by overall judgement in the words of every subgroup test
        (:func:`findings.text.subgroup_test`; "" without groups)."""
        return "" if self.by_overall is None else text.subgroup_test(self.by_overall)


def rob_sensitivity(rows: pd.DataFrame, appraisals: Appraisals, pool_kwargs: Mapping[str, object],
                    regression_kwargs: Mapping[str, object]) -> RobSensitivity:
    """Exclude high risk; subgroup by overall judgement (between-group test); meta-regression on
    the MINORS total — each by the same engine as the main analysis, on the subset (as metafor
    ``rma(..., subset = )``)."""
    ids = rows["study_id"].astype(str).tolist()
    ev = rows["events"].astype(int).tolist()
    n = rows["total"].astype(int).tolist()
    labels = rows["label"].astype(str).tolist()
    overall = rob_index(appraisals, ids)["Overall"].tolist()
    notes: list[str] = []
    res_all = pool_proportions(ev, n, labels=labels, **pool_kwargs)
    keep = [i for i, o in enumerate(overall) if o != "High"]
    k_high = sum(o == "High" for o in overall)
    without = None
    if k_high == 0:
        notes.append("No pooled study is at high risk of bias: excluding them changes nothing.")
    elif len(keep) == 0:
        notes.append("Every pooled study is at high risk of bias: nothing is left to pool.")
    else:
        without = pool_proportions([ev[i] for i in keep], [n[i] for i in keep],
                                   labels=[labels[i] for i in keep], **pool_kwargs)
    by = None
    if len(set(overall)) >= 2:
        try:
            by = subgroup_analysis(ev, n, overall, **pool_kwargs)
        except ValueError as exc:
            notes.append(f"Subgroups by overall judgement not estimable: {exc}")
    else:
        notes.append(f"All pooled studies share one overall judgement ({overall[0] if overall else '–'}): "
                     "no subgroup comparison.")
    reg = None
    totals = [appraisals.get(s).minors_total if appraisals.get(s) else math.nan for s in ids]
    if any(not math.isfinite(t) for t in totals):
        notes.append("Meta-regression on the MINORS total needs every pooled study appraised.")
    elif len(ids) < 3 or len(set(totals)) < 2:
        notes.append("Meta-regression on the MINORS total needs at least 3 studies and 2 distinct totals.")
    else:
        try:
            reg = meta_regression(ev, n, pd.DataFrame({"MINORS total": totals}), **regression_kwargs)
        except ValueError as exc:
            notes.append(f"Meta-regression on the MINORS total not estimable: {exc}")
    return RobSensitivity(res_all, without, by, reg, k_high, tuple(notes))


def rob_groups(rows: pd.DataFrame, appraisals: Appraisals, model):
    """Subgroups of the pooled rows by overall judgement and the between-group test in words, or
    ``(None, why not)`` (``model``: a :class:`synthesis.spec.Model`)."""
    sens = rob_sensitivity(rows, appraisals, model.pool_kwargs(), model.regression_kwargs())
    if sens.by_overall is None:
        return None, " ".join(n for n in sens.notes if "subgroup" in n.lower() or "one overall" in n) or \
            "Grouping needs at least two overall judgements among the pooled studies."
    return sens.by_overall, subgroup_test_text(sens.by_overall)


# --------------------------------------------------------------------------- pooled medians


def median_rows(survival: pd.DataFrame, endpoint: str, reports: str = "one"):
    """Pooled median ``endpoint`` ("PFS"/"OS") by the Survival page's headline method (the one
    that uses the most studies; ties: inverse variance on log medians) and its study rows
    (``study_id, label, total, weight``); ``(None, empty)`` when fewer than two medians pool."""
    empty = pd.DataFrame(columns=["study_id", "label", "total", "weight"])
    if survival is None or survival.empty:
        return None, empty
    cands, _ = fsurv.pool_candidates(survival, endpoint, reports)
    if cands.empty:
        return None, empty
    try:
        res = fsurv.run_pool(cands, fsurv.default_pool_method(cands))
    except ValueError:
        return None, empty
    if res is None or res.k < 2 or not math.isfinite(res.estimate):
        return None, empty
    by_label = {fsurv.text(r["label"]): r for _, r in cands.iterrows()}
    rows = pd.DataFrame([{"study_id": str(by_label[lab]["study_id"]), "label": lab,
                          "total": pd.to_numeric(by_label[lab]["n"], errors="coerce"), "weight": w}
                         for lab, w in zip(res.labels, res.data.weights, strict=True) if lab in by_label])
    return res, rows


# --------------------------------------------------------------------------- grade ≥3 adverse events


@dataclass(frozen=True, slots=True)
class IncidenceSummary:
    """The headline of a pooled incidence (Safety page) in the shape GRADE reads."""

    k: int
    total_n: int
    estimate: float
    ci: ConfidenceInterval
    pi: ConfidenceInterval
    i2: float
    method: str
    attribution: str = ""


AE_GRADE3_OUTCOME = "grade ≥3 adverse events"


def ae_grade3_rows(safety_view) -> tuple[IncidenceSummary | None, pd.DataFrame]:
    """Any grade ≥3 adverse event, pooled by the Safety page's headline method, and its study
    rows; ``(None, empty)`` when no study reports it."""
    empty = pd.DataFrame(columns=["study_id", "label", "total", "weight"])
    keys = [k for k in getattr(safety_view, "pools", {}) if k[0] == "Any adverse event" and "3" in k[1]]
    if not keys:
        return None, empty
    key = max(keys, key=lambda k: safety_view.pools[k].patients)
    pool = safety_view.pools[key]
    h, g = pool.headline, pool.glmm
    glmm = g is not None and pool.primary == "glmm"
    res = IncidenceSummary(
        k=pool.k, total_n=pool.patients, estimate=h.estimate,
        ci=h.ci,
        pi=g.pi if glmm else ConfidenceInterval(math.nan, math.nan, pool.level),
        i2=g.i2 if glmm else math.nan, method=h.label, attribution=str(key[2]))
    rows = safety_view.study_rows(key)
    return res, rows.assign(weight=np.nan)[["study_id", "label", "events", "total", "weight"]]


# --------------------------------------------------------------------------- GRADE


@dataclass(frozen=True, slots=True)
class GradeInputs:
    """The user's question for GRADE: decision thresholds and the population asked about."""

    thresholds: Mapping[str, float | None] = field(default_factory=dict)
    histology: tuple[str, ...] = ()
    regimen: str = "any"  # "any" or "monotherapy"
    overrides: Mapping[str, Mapping[str, Override]] = field(default_factory=dict)
    #: outcome -> indirectness reasons of a planned trial (``findings.planner.grade_reasons`` /
    #: ``pool_reasons``): for that outcome the plan is the question, instead of regimen/histology
    planned: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def indirectness_reasons(rows: pd.DataFrame, inputs: GradeInputs) -> tuple[str, ...]:
    """Why the pooled studies differ from the user's question (regimen, histology)."""
    out: list[str] = []
    if inputs.regimen == "monotherapy" and "regimen" in rows:
        other = sorted({str(r) for r in rows["regimen"].dropna() if str(r) != "monotherapy"})
        if other:
            out.append(f"question is monotherapy; pooled studies include {', '.join(other)} regimens")
    if inputs.histology and "histology_group" in rows:
        other = sorted({str(h) for h in rows["histology_group"].dropna() if str(h) not in inputs.histology})
        if other:
            out.append(f"question is {', '.join(inputs.histology)}; pooled studies include {', '.join(other)}")
    return tuple(out)


def grade_outcome(outcome: str, result, rows: pd.DataFrame, appraisals: Appraisals,
                  inputs: GradeInputs, *, transform: str = "logit") -> GradeAssessment:
    """GRADE proposal for one pooled outcome (``result``: a pooled proportion or median)."""
    question, _ = OUTCOMES[outcome]
    if outcome.startswith("median"):
        fmt, fmt_range = (lambda x: f"{text.decimal(x, 1)} months"), _months
    else:
        fmt, fmt_range = text.pct, text.interval
    egger_p = None
    if result.k >= 10 and {"events", "total"} <= set(rows.columns):
        try:
            egger_p = egger_test(rows["events"].astype(int).tolist(), rows["total"].astype(int).tolist(),
                                 transform=transform).pvalue
        except ValueError:
            egger_p = None
    n = _total_n(result)
    if n is None:
        n = int(pd.to_numeric(rows["total"], errors="coerce").fillna(0).sum()) if "total" in rows else 0
    return assess(
        outcome, question=question, k=result.k, n=n, estimate=result.estimate,
        ci=(result.ci.low, result.ci.high), pi=(result.pi.low, result.pi.high), i2=result.i2,
        threshold=inputs.thresholds.get(outcome), weight_high=weight_share(rows, appraisals),
        indirect=(tuple(inputs.planned[outcome]) if outcome in inputs.planned
                  else indirectness_reasons(rows, inputs)), egger_p=egger_p,
        overrides=inputs.overrides.get(outcome, {}), fmt=fmt, fmt_range=fmt_range,
    )


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _total_n(result, default: int | None = None) -> int | None:
    """Patients behind a pooled result (a pooled median has no count: ``default``)."""
    if isinstance(result, PooledProportion):
        return result.data.total_n
    if isinstance(result, IncidenceSummary):
        return result.total_n
    return default


def _interval_name(outcome: str, result) -> str:
    if isinstance(result, PooledMedian) and not result.fit.inverse_variance:
        return fsurv.interval_name(result)
    return f"{text.level(result.ci.level)} CI"


def _months(low: float, high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return text.NOT_ESTIMABLE
    return f"{text.decimal(low, 1)}–{text.decimal(high, 1)} months"


def _effect(outcome: str, result) -> str:
    if outcome.startswith("median"):
        return (f"{text.decimal(result.estimate, 1)} months ({_interval_name(outcome, result)} "
                f"{_months(result.ci.low, result.ci.high)})")
    return f"{text.pct(result.estimate, 0)} ({text.level(result.ci.level)} CI {text.interval(result.ci.low, result.ci.high, 0)})"


def footnotes(assessments: Sequence[GradeAssessment]) -> tuple[list[str], dict[tuple[str, str], str]]:
    """Lettered footnotes for every domain rated down/up or overridden; ``(notes, marks)`` where
    ``marks[(outcome, domain)]`` is the letter."""
    notes: list[str] = []
    marks: dict[tuple[str, str], str] = {}
    for g in assessments:
        for d in g.domains:
            if d.change == 0 and not d.overridden and d.rating != "not assessable":
                continue
            letter = _LETTERS[len(notes) % 26]
            body = f"{g.outcome}, {d.domain}: {d.rating} — {d.reason} (rule: {d.rule})."
            if d.overridden:
                body += f" Overridden by the user (proposed: {d.proposed}); reason: {d.override_reason}."
            notes.append(f"{letter}. {body}")
            marks[(g.outcome, d.domain)] = letter
    return notes, marks


def profile_table(assessments: Sequence[GradeAssessment], results: Mapping[str, object]) -> pd.DataFrame:
    """The GRADE evidence profile: one row per outcome, a column per domain (with footnote marks)."""
    _, marks = footnotes(assessments)
    rows = []
    for g in assessments:
        r = results[g.outcome]
        row: dict[str, object] = {
            "Outcome": g.outcome, "Studies": g.k,
            "Design": "single-arm (observational)", "Question": g.question,
            "Start": {4: "high", 2: "low"}.get(g.start, str(g.start)),
        }
        for d in ("risk of bias", "inconsistency", "indirectness", "imprecision", "publication bias",
                  "large effect"):
            dom = g.domain(d)
            mark = marks.get((g.outcome, d))
            row[d.capitalize()] = dom.rating + (f" ({mark})" if mark else "")
        row.update({"Patients": g.n, "Effect (CI)": _effect(g.outcome, r),
                    "Certainty": f"{g.symbols} {g.words}", "Importance": OUTCOMES[g.outcome][1]})
        rows.append(row)
    return pd.DataFrame(rows)


def sof_table(assessments: Sequence[GradeAssessment], results: Mapping[str, object]) -> pd.DataFrame:
    """The summary-of-findings table (KCE/GRADEpro layout for single-arm evidence)."""
    _, marks = footnotes(assessments)
    rows = []
    for g in assessments:
        r = results[g.outcome]
        letters = sorted({m for (o, _), m in marks.items() if o == g.outcome})
        rows.append({
            "Outcome": g.outcome,
            "Pooled estimate with apatinib (CI)": _effect(g.outcome, r),
            "Participants (studies)": f"{g.n} ({text.count(g.k, 'study', 'studies')})",
            "Certainty": f"{g.symbols} {g.words}" + (f" ({', '.join(letters)})" if letters else ""),
            "Importance": OUTCOMES[g.outcome][1],
        })
    return pd.DataFrame(rows)


def certainty_sentence(outcome: str, result, certainty: str | None, n: int | None = None) -> str:
    """``"ORR 28% (95% CI 20–38%; 11 studies, 349 patients; low certainty)"``."""
    n = _total_n(result, n)
    k = text.count(result.k, "study", "studies")
    who = f"{k}, {text.count(n, 'patient')}" if n is not None else k
    cert = f"; {certainty} certainty" if certainty else ""
    if outcome.startswith("median"):
        est = (f"{text.decimal(result.estimate, 1)} months ({_interval_name(outcome, result)} "
               f"{_months(result.ci.low, result.ci.high)}; {who}{cert})")
    else:
        est = (f"{text.pct(result.estimate, 0)} ({text.level(result.ci.level)} CI "
               f"{text.interval(result.ci.low, result.ci.high, 0)}; {who}{cert})")
    return f"{outcome} {est}"


def ae_certainty(safety_view, appraisals: Appraisals, inputs: GradeInputs) -> tuple[str, str]:
    """``(sentence, line)``: the certainty sentence of any grade ≥3 adverse event (the pooled row
    the summary of findings rates; a slide's lead) and the Safety table's longer line
    (:func:`ae_certainty_line`); both ``""`` when no study reports it."""
    res, rows = ae_grade3_rows(safety_view)
    if res is None:
        return "", ""
    g = grade_outcome(AE_GRADE3_OUTCOME, res, rows, appraisals, inputs)
    sentence = certainty_sentence(AE_GRADE3_OUTCOME, res, g.words, n=g.n)
    return sentence, (f"Certainty (GRADE) of any grade ≥3 adverse event (attribution {res.attribution}): "
                      f"{sentence}. The per-term rows are not rated.")


def ae_certainty_line(safety_view, appraisals: Appraisals, inputs: GradeInputs) -> str:
    """The Safety table's certainty line: the GRADE row of any grade ≥3 adverse event (the pooled
    row the summary of findings uses) as a certainty sentence; ``""`` when no study reports it.

    >>> from evidence import load_studies
    >>> from evidence.appraisal import load_appraisals
    >>> from findings.safety import safety_view
    >>> ae_certainty_line(safety_view(load_studies()), load_appraisals(), GradeInputs())[:60]
    'Certainty (GRADE) of any grade ≥3 adverse event (attribution'
    """
    return ae_certainty(safety_view, appraisals, inputs)[1]


#: The conventions, worded once for the page, the methods text and the reports.
CONVENTIONS: tuple[str, ...] = (
    "MINORS items 1–8 for non-comparative studies (Slim et al. 2003): 0 not reported, 1 reported "
    "but inadequate, 2 reported and adequate; total 0–16. Bands: "
    + ", ".join(f"{lo}–{hi} {label}" for lo, hi, label in MINORS_BANDS) + f" ({MINORS_BANDS_SOURCE}).",
    OVERALL_RULE,
    "JBI checklist for case series (Munn et al. 2020): answered item by item and never summed.",
    f"Overall levels: {', '.join(OVERALL_LEVELS)}; key items {', '.join(KEY_DOMAINS)}.",
)


def methods_text(assessments: Sequence[GradeAssessment] = (), results: Mapping[str, object] | None = None) -> str:
    """Protocol-ready paragraph on appraisal and certainty (plain text), with the certainty
    sentence of each assessed outcome."""
    lines = [
        "Risk of bias of each included study was appraised from its published report with MINORS "
        "items 1–8 for non-comparative studies (0 not reported, 1 reported but inadequate, 2 "
        "reported and adequate; total 0–16) and the JBI checklist for case series (answered item "
        "by item, not summed); each judgement records its reason and source location.",
        OVERALL_RULE,
        "Certainty of evidence was rated with GRADE. " + RULES["start"],
        "Proposed ratings: risk of bias " + RULES["risk of bias"] + "; inconsistency "
        + RULES["inconsistency"] + " (" + RULES["inconsistency (no PI)"] + "); imprecision "
        + RULES["imprecision"].format(ois=100) + "; indirectness " + RULES["indirectness"]
        + "; publication bias " + RULES["publication bias"] + "; rating up " + RULES["large effect"] + ".",
    ]
    for g in assessments:
        if results is not None and g.outcome in results:
            lines.append(certainty_sentence(g.outcome, results[g.outcome], g.words, n=g.n) + ".")
        overridden = [d for d in g.domains if d.overridden]
        for d in overridden:
            lines.append(f"{g.outcome}, {d.domain}: rated {d.rating} by the reviewers instead of the "
                         f"proposed {d.proposed} ({d.override_reason}).")
    return " ".join(lines)
