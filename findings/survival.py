"""What the Survival page and the reports show about survival, without Streamlit.

Pooled medians: the candidate medians of one endpoint (:func:`pool_candidates`), every pooling
method's result side by side with how many studies it used (:func:`method_comparison`), what each
left out and why (:func:`exclusions`), and the headline (:func:`pooled_headline`): the method that
uses the most studies (ties: inverse variance), never a "pooled" value from fewer than two studies,
with its interval named and the number of studies it used.

Vocabulary (URL values are the keys) of ``pool_method``: ``REML``, ``DL`` (inverse variance on log
medians), ``median``, ``weighted`` (median of medians, plain or n-weighted).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from evidence.selection import text_value
from findings.text import MISSING, decimal
from synthesis._survival_input import RECONSTRUCTED_LABEL
from synthesis.survival_medians import (
    MIN_STUDIES_TO_POOL,
    PooledMedian,
    headline_pool_method,
    median_of_medians,
    pool_log_medians,
)
from synthesis.survival_milestones import PooledRate, pool_km_rates
from synthesis.vocabulary import LABELS

__all__ = [
    "POOL_METHODS",
    "PooledHeadline",
    "exclusions",
    "default_pool_method",
    "finite",
    "interval_name",
    "milestone_times",
    "milestone_view",
    "MilestoneView",
    "EORTC_3_MONTH_PFR",
    "method_comparison",
    "overlap_note",
    "pool_candidates",
    "pool_results",
    "pooled_headline",
    "result_lines",
    "run_pool",
    "survival_headlines",
    "truthy",
]

POOL_METHODS = {
    "REML": "inverse variance on log medians, REML",
    "DL": "inverse variance on log medians, DerSimonian–Laird",
    "median": "median of medians",
    "weighted": "n-weighted median of medians",
}
DASH = MISSING
#: Session key of (endpoint, study, median) of curves reconstructed in the digitising workbench.
SESSION_RECONSTRUCTED = "digitised_medians"
#: The comparison row of medians from curves reconstructed in the digitising workbench.
RECONSTRUCTED_ROW = f"median of medians of curves {RECONSTRUCTED_LABEL}"
text = text_value  # plain text of a value; empty for None/NaN/NA (never ``nan``)


def finite(x: object) -> bool:
    """Whether ``x`` is a finite number (for display decisions)."""
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def truthy(v: object) -> bool:
    """Whether a table cell says yes (``True``, ``"true"``, ``1``, ``"yes"``)."""
    return text(v).lower() in ("true", "1", "yes")


def pool_candidates(frame: pd.DataFrame, endpoint: str, reports: str = "one") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Whole-cohort medians of ``endpoint`` to pool, and those left out before any method ran.

    ``reports="one"`` keeps ``pooled_by_default`` rows (one report per cohort, sarcoma-only, no
    secondary reports or case reports); ``"all"`` keeps every report except external
    meta-analyses. One median per study.
    """
    df = frame[(frame["endpoint"] == endpoint) & (frame["statistic"] == "median")
               & (frame["subgroup"].map(text) == "")]
    if "record_kind" in df:
        df = df[~df["record_kind"].map(text).str.contains("meta", case=False)]
    left = []
    if reports == "one":
        ok = df["pooled_by_default"].map(truthy)
        for _, r in df[~ok].iterrows():
            left.append({"study": text(r["label"]), "left out by": "overlap rule (one report per cohort)",
                         "reason": text(r.get("exclusion_reason")) or "not pooled by default"})
        df = df[ok]
    dup = df.duplicated("study_id", keep="first")
    for _, r in df[dup].iterrows():
        left.append({"study": text(r["label"]), "left out by": "all methods", "reason": "second median of the same study"})
    df = df[~dup].reset_index(drop=True)
    return df, pd.DataFrame(left, columns=["study", "left out by", "reason"])


def run_pool(cands: pd.DataFrame, method: str, *, include_unstated: bool = False) -> PooledMedian | None:
    """The chosen pooled median (``None`` when no study is available to the method)."""
    if method in ("REML", "DL"):
        if cands.empty:
            return None
        return pool_log_medians(
            cands["estimate"].astype(float).fillna(math.nan).to_numpy(),
            cands["ci_low"].astype(float).to_numpy(), cands["ci_high"].astype(float).to_numpy(),
            method=method, labels=[text(x) for x in cands["label"]],
            interval_kind=[text(k) or "not stated" for k in cands["interval_kind"]],
            not_reached=[truthy(v) for v in cands["not_reached"]],
            include_unlabelled=include_unstated,
        )
    usable = _mom_usable(cands, weighted=method == "weighted")
    if usable.empty:
        return None
    w = usable["n"].astype(float).to_numpy() if method == "weighted" else None
    return median_of_medians(usable["estimate"].astype(float).to_numpy(), w,
                             labels=[text(x) for x in usable["label"]])


def _mom_usable(cands: pd.DataFrame, *, weighted: bool) -> pd.DataFrame:
    ok = cands["estimate"].map(finite) & ~cands["not_reached"].map(truthy)
    if weighted:
        ok &= pd.to_numeric(cands["n"], errors="coerce").fillna(0) > 0
    return cands[ok]


def _mom_left(cands: pd.DataFrame, weighted: bool) -> list[tuple[str, str]]:
    out = []
    for _, r in cands.iterrows():
        if truthy(r.get("not_reached")) or not finite(r.get("estimate")):
            out.append((text(r["label"]), "median not reached"))
        elif weighted and not (pd.to_numeric(r.get("n"), errors="coerce") > 0):
            out.append((text(r["label"]), "n not reported (no weight)"))
    return out


def exclusions(cands: pd.DataFrame, pre: pd.DataFrame, method: str, result: PooledMedian | None) -> pd.DataFrame:
    """Every candidate the chosen method could not use, with the reason (plus ``pre``)."""
    if method in ("REML", "DL"):
        left = list(result.data.excluded) if result is not None else []
    else:
        left = _mom_left(cands, method == "weighted")
    rows = [{"study": s, "left out by": POOL_METHODS[method], "reason": why} for s, why in left]
    return pd.concat([pd.DataFrame(rows, columns=["study", "left out by", "reason"]), pre], ignore_index=True)


def method_comparison(cands: pd.DataFrame, *, include_unstated: bool = False, n_pre: int = 0,
                      reconstructed: Sequence[tuple[str, float]] = ()) -> pd.DataFrame:
    """Every method side by side: studies used, estimate and interval, studies left out.

    ``n_pre``: candidates already left out by the overlap rule (counted as left out by every
    method). ``reconstructed``: (study, median) of curves digitised in this session and
    reconstructed from the published Kaplan–Meier figures (Guyot); when given, their median of
    medians is a further row (NR medians are left out).
    """
    rows = []
    for m, name in POOL_METHODS.items():
        res = run_pool(cands, m, include_unstated=include_unstated)
        k = 0 if res is None else res.k
        est = decimal(res.estimate) if res is not None and finite(res.estimate) else "not estimable"
        ci = (f"{decimal(res.ci.low)}–{decimal(res.ci.high)}"
              if res is not None and finite(res.ci.low) and finite(res.ci.high) else DASH)
        rows.append({"method": name, "studies used": k, "left out": len(cands) + n_pre - k,
                     "pooled median (months)": est, "95% interval (months)": ci,
                     "interval": res.fit.ci_method if res is not None else DASH})
    if reconstructed:
        reached = [(lab, m) for lab, m in reconstructed if finite(m)]
        res = (median_of_medians([m for _, m in reached], labels=[lab for lab, _ in reached])
               if reached else None)
        ok = res is not None and res.k >= MIN_STUDIES_TO_POOL
        rows.append({
            "method": RECONSTRUCTED_ROW, "studies used": 0 if res is None else res.k,
            "left out": len(reconstructed) - (0 if res is None else res.k),
            "pooled median (months)": decimal(res.estimate) if ok else "not pooled (fewer than 2)",
            "95% interval (months)": (f"{decimal(res.ci.low)}–{decimal(res.ci.high)}"
                                      if ok and finite(res.ci.low) else DASH),
            "interval": res.fit.ci_method if res is not None else DASH})
    return pd.DataFrame(rows)


def overlap_note(cands: pd.DataFrame) -> str:
    """Warning text when ``all`` reports put two reports of one cohort into the pool."""
    if "overlap_group" not in cands:
        return ""
    g = cands["overlap_group"].map(text)
    dup = g[g != ""].value_counts()
    dup = dup[dup > 1]
    if dup.empty:
        return ""
    return ("All reports are included: overlapping reports of the same cohort "
            f"({', '.join(sorted(dup.index))}) may count the same patients twice.")


def result_lines(res: PooledMedian) -> list[str]:
    """Plain sentences about a pooled result: estimate, interval, method, notes (never ``nan``)."""
    est = f"{decimal(res.estimate)} months" if finite(res.estimate) else "not estimable"
    ci = (f"{res.fit.level:.0%} interval {decimal(res.ci.low)}–{decimal(res.ci.high)} months"
          if finite(res.ci.low) and finite(res.ci.high) else "no interval")
    lines = [f"Pooled median: {est}; {ci}; k = {res.k}.", f"Method: {res.method_label()}."]
    if finite(res.pi.low) and finite(res.pi.high):
        lines.append(f"{res.fit.level:.0%} prediction interval {decimal(res.pi.low)}–{decimal(res.pi.high)} months.")
    lines += list(res.computation.notes)
    return lines


def pool_results(cands: pd.DataFrame, *, include_unstated: bool = False) -> dict[str, PooledMedian | None]:
    """Every method's result on the same candidates, in the order of :data:`POOL_METHODS`."""
    return {m: run_pool(cands, m, include_unstated=include_unstated) for m in POOL_METHODS}


def default_pool_method(cands: pd.DataFrame, *, include_unstated: bool = False) -> str:
    """The method the page opens on: the one whose result a headline may show (most studies;
    ties: inverse variance), else REML (which then says why nothing was pooled)."""
    return headline_pool_method(pool_results(cands, include_unstated=include_unstated)) or "REML"


def interval_name(res: PooledMedian) -> str:
    """What the pooled interval is, in words (``95% order-statistic interval``, ``95% CI, Wald z``)."""
    if res.fit.inverse_variance:
        return f"{res.fit.level:.0%} CI, {res.fit.ci_method.rsplit(' (', 1)[0]}"
    return f"{res.fit.level:.0%} order-statistic interval"


@dataclass(frozen=True, slots=True)
class PooledHeadline:
    """The headline of the pooled-median panel.

    ``value`` is ``"not pooled"`` when the method used fewer than two studies; ``studies`` says
    how many it used out of how many candidates (``"9 of 15 studies"``).
    """

    endpoint: str
    method: str
    pooled: bool
    value: str
    interval: str
    interval_name: str
    k: int
    candidates: int
    sentence: str

    @property
    def studies(self) -> str:
        return f"{self.k} of {self.candidates} stud{'y' if self.candidates == 1 else 'ies'}"


def pooled_headline(res: PooledMedian | None, endpoint: str, method: str, candidates: int) -> PooledHeadline:
    """Headline of a pooled median: value, named interval and the number of studies it used.

    A pooled value needs at least two studies: with fewer the headline says "not pooled" and
    why, and shows no interval (one study's median is that study, not a synthesis).
    """
    k = 0 if res is None else res.k
    name = POOL_METHODS[method]
    if res is None or k < MIN_STUDIES_TO_POOL or not finite(res.estimate):
        why = (f"{name} could use {k} of {candidates} candidate stud{'y' if candidates == 1 else 'ies'}; "
               f"a pooled value needs at least {MIN_STUDIES_TO_POOL}")
        return PooledHeadline(endpoint, method, False, "not pooled", DASH, "", k, candidates,
                              f"Pooled median {endpoint}: not pooled ({why}).")
    iname = interval_name(res)
    ci = (f"{decimal(res.ci.low)}–{decimal(res.ci.high)}"
          if finite(res.ci.low) and finite(res.ci.high) else "none")
    head = PooledHeadline(endpoint, method, True, f"{decimal(res.estimate)} months", ci, iname, k,
                          candidates, "")
    ci_part = (f"{iname} {ci} months" if ci != "none"
               else f"no {iname} at k = {k}")
    sentence = (f"Pooled median {endpoint}: {head.value} ({ci_part}), {name}, "
                f"from {head.studies}.")
    return PooledHeadline(endpoint, method, True, head.value, ci, iname, k, candidates, sentence)


# --------------------------------------------------------------------------------------------
# pooled milestone rates
#: Common times (months) at which milestone rates are pooled.
MILESTONE_TIMES: tuple[float, ...] = (3.0, 4.0, 6.0, 12.0)
#: A printed time within this many months of a common time is pooled at it (12 weeks = 2.76
#: months goes with 3 months); the table shows every printed time.
ALIGN_MONTHS = 0.25
#: EORTC reference values for pretreated (second-line) soft-tissue sarcoma: a 3-month
#: progression-free rate of at least 40% suggests activity, at most 20% inactivity (van Glabbeke
#: M, Verweij J, Judson I, Nielsen OS. Eur J Cancer 2002;38:543-549).
EORTC_3_MONTH_PFR = ((0.40, "EORTC: ≥ 40% active (2nd line)"), (0.20, "EORTC: ≤ 20% inactive (2nd line)"))
EORTC_SOURCE = ("van Glabbeke et al., Eur J Cancer 2002;38:543–549: in pretreated soft-tissue "
                "sarcoma a 3-month progression-free rate ≥ 40% suggests activity, ≤ 20% inactivity")
KM_METHODS = ("Kaplan–Meier",)


@dataclass(frozen=True, slots=True)
class MilestoneView:
    """Pooled Kaplan–Meier rate of one endpoint at one common time, and every candidate row.

    ``rows`` has one line per candidate (study, printed time, rate, interval, method, used or
    why not); crude proportions are listed, never pooled with Kaplan–Meier rates.
    """

    endpoint: str
    time: float
    result: PooledRate | None
    rows: pd.DataFrame
    headline: str
    reference: tuple[tuple[float, str], ...]
    notes: tuple[str, ...]


def milestone_times(frame: pd.DataFrame, endpoint: str) -> list[float]:
    """Common times at which at least one whole-cohort milestone of ``endpoint`` is printed."""
    df = frame[(frame["endpoint"] == endpoint) & (frame["statistic"] == "milestone")
               & (frame["subgroup"].map(text) == "")]
    t = pd.to_numeric(df["time_months"], errors="coerce").dropna().to_numpy()
    return [c for c in MILESTONE_TIMES if (abs(t - c) <= ALIGN_MONTHS).any()]


def milestone_view(frame: pd.DataFrame, endpoint: str, time: float, reports: str = "one", *,
                   include_unstated: bool = True, scale: str = "cloglog",
                   reconstructed_se: Callable[[str, float], float] | None = None) -> MilestoneView:
    """Pool the whole-cohort Kaplan–Meier rates of ``endpoint`` printed at ``time`` (± ALIGN_MONTHS).

    Rates whose method is not stated are pooled as Kaplan–Meier estimates when
    ``include_unstated`` (the default, noted), else left out; crude proportions are always left
    out of the Kaplan–Meier pool. ``reports="one"`` keeps one report per cohort.
    ``reconstructed_se(study_id, time)``: the Greenwood SE at the printed time of a curve of that
    study digitised and reconstructed in the workbench (NaN when there is none), used for rates
    printed without a CI.
    """
    df = frame[(frame["endpoint"] == endpoint) & (frame["statistic"] == "milestone")
               & (frame["subgroup"].map(text) == "")].copy()
    df["time_months"] = pd.to_numeric(df["time_months"], errors="coerce")
    df = df[(df["time_months"] - time).abs() <= ALIGN_MONTHS]
    rows: list[dict] = []
    use = []
    notes: list[str] = []
    for idx, r in df.iterrows():
        method = text(r.get("milestone_method")) or "not stated"
        why = ""
        if reports == "one" and not truthy(r.get("pooled_by_default")):
            why = f"overlap rule: {text(r.get('exclusion_reason')) or 'not pooled by default'}"
        elif method == "crude":
            why = "crude proportion: not pooled with Kaplan–Meier rates (different quantity under censoring)"
        elif method == "not stated" and not include_unstated:
            why = "method not stated (left out by the switch)"
        if not why:
            use.append(idx)
        rows.append({"study": text(r["label"]), "printed time (months)": decimal(r["time_months"]),
                     "rate": f"{decimal(r['estimate'], 2)}%", "95% CI": (
                         f"{decimal(r['ci_low'], 2)}–{decimal(r['ci_high'], 2)}%"
                         if finite(r.get("ci_low")) and finite(r.get("ci_high")) else DASH),
                     "method": method, "used": "", "why not": why})
    cand = df.loc[use]
    result = None
    if len(cand):
        se = [reconstructed_se(str(r["study_id"]), float(r["time_months"])) if reconstructed_se else math.nan
              for _, r in cand.iterrows()]
        result = pool_km_rates(
            cand["estimate"].astype(float) / 100.0,
            pd.to_numeric(cand["ci_low"], errors="coerce") / 100.0,
            pd.to_numeric(cand["ci_high"], errors="coerce") / 100.0,
            se=se, time=time, scale=scale, labels=[text(x) for x in cand["label"]],
        )
        if any(src.startswith("given SE") for src in result.data.se_source):
            notes.append("Rates printed without a CI use the Greenwood SE of the curve "
                         f"{RECONSTRUCTED_LABEL} in the digitising workbench.")
        why_by = dict(result.data.excluded)
        for row in rows:
            if not row["why not"]:
                row["why not"] = why_by.get(row["study"], "")
    for row in rows:
        row["used"] = "yes" if not row["why not"] else "no"
    off = sorted({decimal(t) for t in df["time_months"] if abs(t - time) > 1e-9})
    if off:
        notes.append(f"Printed at {', '.join(off)} months and pooled at {decimal(time)} months "
                     f"(times within {ALIGN_MONTHS:g} months are aligned; 12 weeks = 2.76 months).")
    if include_unstated and any(r["method"] == "not stated" and r["used"] == "yes" for r in rows):
        notes.append("Rates whose method is not stated are treated as Kaplan–Meier estimates.")
    k = 0 if result is None else result.k
    n = len(rows)
    if result is None or k < MIN_STUDIES_TO_POOL:
        headline = (f"{endpoint} at {decimal(time)} months: not pooled — {k} of {n} printed "
                    f"rate{'s' if n != 1 else ''} usable (Kaplan–Meier, one report per cohort, a "
                    f"printed 95% CI); a pooled value needs at least {MIN_STUDIES_TO_POOL}.")
    else:
        headline = (f"{endpoint} at {decimal(time)} months: {decimal(100 * result.estimate, 1)}% "
                    f"({result.fit.level:.0%} CI {decimal(100 * result.ci.low, 1)}–"
                    f"{decimal(100 * result.ci.high, 1)}%, {LABELS[result.fit.method]}, "
                    f"{result.fit.scale} scale), Kaplan–Meier rates of {k} of {n} studies.")
    reference = EORTC_3_MONTH_PFR if endpoint == "PFS" and abs(time - 3.0) < 1e-9 else ()
    table = pd.DataFrame(rows, columns=["study", "printed time (months)", "rate", "95% CI", "method",
                                        "used", "why not"])
    return MilestoneView(endpoint, time, result, table, headline, reference, tuple(notes))


def survival_headlines(frame: pd.DataFrame, reports: str = "one") -> tuple[str, ...]:
    """The headline sentences of the Survival page, for the reports: the pooled median of PFS and
    OS by the headline method (or why not pooled) and each pooled milestone rate."""
    out: list[str] = []
    for ep in ("PFS", "OS"):
        if not ((frame["endpoint"] == ep) & (frame["statistic"] == "median")).any():
            continue
        cands, pre = pool_candidates(frame, ep, reports)
        method = default_pool_method(cands)
        out.append(pooled_headline(run_pool(cands, method), ep, method, len(cands) + len(pre)).sentence)
        out += [milestone_view(frame, ep, t, reports).headline for t in milestone_times(frame, ep)]
    return tuple(out)
