"""Everything a report shows, assembled once for a :class:`~reports.view.View`.

:func:`build_content` reads the evidence base, pools ORR and DCR with :mod:`synthesis` for the
view's choices, and builds the figures with :mod:`charts`. The HTML report, the PPTX deck and the
presentation page all render the same :class:`ReportContent`, so a headless report
(``python -m reports``) and the app show the same numbers.

Rules:

* no number is computed here that a synthesis function exists for; every pooled value comes from
  :func:`synthesis.pool_proportions` (or the module named in the section);
* a section whose ingredients are missing (module not built yet, no data, a model that cannot be
  fitted) is kept with ``available=False`` and a one-sentence ``reason`` — never faked;
* this module must not import streamlit (used headless).

The rows to pool are chosen by :func:`evidence.selection.select_outcomes`, the same function the
pages use.
"""

from __future__ import annotations

import datetime as _dt
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from evidence.selection import (
    FILTER_COLUMNS,
    MISSING,
    OVERLAP_RULE,
    select_outcomes,
    selection_provenance,
)
from evidence.selection import text_value as _text
from findings import text
from findings.conventions import ci_sentence
from findings.selection_notes import pooled_scope
from reports.rscript import r_script_for
from reports.view import View
from synthesis.vocabulary import LABELS

ROOT = Path(__file__).resolve().parents[1]

ENDPOINT_NAMES = {"ORR": "Objective response rate (ORR)", "DCR": "Disease control rate (DCR)"}
TIMEPOINT_NAMES = {
    "headline": "Headline per study",
    "best_overall": "Best overall response",
    "week_12": "Week 12",
    "final": "Final analysis",
}

#: the figures of presentation mode and of the deck, in order
FIGURE_SECTIONS = ("orr_forest", "dcr_forest", "agreement", "subgroups", "survival", "design")

REFERENCES = (
    "Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw. "
    "2010;36(3):1–48.",
    "Stijnen T, Hamza TH, Ozdemir P. Random effects meta-analysis of event outcome in the "
    "framework of the generalized linear mixed model. Stat Med. 2010;29:3046–67.",
    "Veroniki AA, et al. Methods to estimate the between-study variance and its uncertainty in "
    "meta-analysis. Res Synth Methods. 2016;7:55–79.",
    "IntHout J, Ioannidis JPA, Borm GF. The Hartung-Knapp-Sidik-Jonkman method for random "
    "effects meta-analysis is straightforward and considerably outperforms the standard "
    "DerSimonian-Laird method. BMC Med Res Methodol. 2014;14:25.",
    "Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects "
    "meta-analysis. J R Stat Soc A. 2009;172:137–59.",
    "Veroniki AA, et al. Methods to calculate uncertainty in the estimated overall effect size "
    "from a random-effects meta-analysis. Res Synth Methods. 2019;10:23–43.",
    "Schwarzer G, Chemaitelly H, Abu-Raddad LJ, Rücker G. Seriously misleading results using "
    "inverse of Freeman-Tukey double arcsine transformation in meta-analysis of single "
    "proportions. Res Synth Methods. 2019;10:476–83.",
    "Miller JJ. The inverse of the Freeman-Tukey double arcsine transformation. Am Stat. "
    "1978;32:138.",
    "Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials. "
    "1989;10:1–10.",
)


# ------------------------------------------------------------------------------------------
# content types
@dataclass(frozen=True)
class Section:
    """One slide / report section: a figure and/or a table with its caption, or why not."""

    key: str
    title: str
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    caption: str = ""
    bullets: tuple[str, ...] = ()
    available: bool = True
    reason: str = ""

    @classmethod
    def missing(cls, key: str, title: str, reason: str) -> Section:
        return cls(key=key, title=title, available=False, reason=reason)


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from: printed in every footer."""

    date: str
    data_file: str
    sha256: str
    app_version: str
    view_query: str
    n_problems: int = 0

    @property
    def sha_short(self) -> str:
        return self.sha256[:12] if self.sha256 else "unknown"

    def footer(self) -> str:
        return (
            f"{self.date} · data {self.data_file} sha256 {self.sha_short} · "
            f"app {self.app_version}"
        )


@dataclass(frozen=True)
class ReportContent:
    """Everything the HTML report, the PPTX deck and presentation mode show."""

    title: str
    subtitle: str
    view: View
    provenance: Provenance
    evidence_table: pd.DataFrame
    sections: tuple[Section, ...]
    results: dict[str, Any] = field(default_factory=dict)  # endpoint -> PooledProportion
    r_scripts: dict[str, str] = field(default_factory=dict)  # endpoint -> R script
    methods: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def figure_sections(self) -> tuple[Section, ...]:
        return tuple(self.section(k) for k in FIGURE_SECTIONS)


# ------------------------------------------------------------------------------------------
# small pure helpers
def _truthy(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(bool)


def app_version() -> str:
    """``version`` of ``pyproject.toml`` (the app version printed in footers)."""
    try:
        with open(ROOT / "pyproject.toml", "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# ------------------------------------------------------------------------------------------
# selection (mirror of ui.analysis.select_outcomes; see the module docstring)
def select_rows(outcomes: pd.DataFrame, view: View) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """Rows pooled for ``view``: ``(chosen, excluded with why_excluded, notes)``.

    Delegates to :func:`evidence.selection.select_outcomes`, the implementation the pages use, so a
    report pools exactly the rows the screen pooled.
    """
    picked = select_outcomes(outcomes, view.selection())
    return picked.frame, picked.excluded, picked.notes


def _labels(frame: pd.DataFrame) -> list[str]:
    if "label" in frame:
        return [(_text(v) or str(s)) for v, s in zip(frame["label"], frame["study_id"], strict=True)]
    return frame["study_id"].astype(str).tolist()


def forest_rows(frame: pd.DataFrame, result, low, high, flags: pd.DataFrame | None) -> pd.DataFrame:
    """Per-study rows for :func:`charts.forest.forest_figure` (as the pooled page builds them)."""
    out = pd.DataFrame(
        {
            "study_id": frame["study_id"].astype(str).to_numpy(),
            "label": _labels(frame),
            "events": frame["events"].astype(int).to_numpy(),
            "total": frame["total"].astype(int).to_numpy(),
        }
    )
    out["proportion"] = out["events"] / out["total"]
    out["ci_low"], out["ci_high"] = np.asarray(low, float), np.asarray(high, float)
    w = getattr(result, "weights", None)
    out["weight"] = np.asarray(w, dtype=float) if w is not None and len(w) == len(out) else np.nan
    for col in ("year", "design_label", "histology_group", "regimen", "line", "timepoint",
                "status", "derivation", "source", "location", "percent_reported"):
        if col in frame:
            out[col] = frame[col].to_numpy()
    counts: dict[str, tuple[int, str]] = {}
    if flags is not None and not flags.empty and "study_id" in flags:
        for sid, grp in flags.groupby("study_id", sort=False):
            msgs = [m for m in (_text(x) for x in grp.get("message", pd.Series(dtype=object))) if m]
            counts[str(sid)] = (len(grp), " · ".join(dict.fromkeys(msgs)))
    out["flag_count"] = [counts.get(s, (0, ""))[0] for s in out["study_id"]]
    out["flag_text"] = [counts.get(s, (0, ""))[1] for s in out["study_id"]]
    return out


# ------------------------------------------------------------------------------------------
# sections
def _guard(key: str, title: str, fn: Callable[[], Section]) -> Section:
    """Run a section builder; any failure becomes an unavailable section with a short reason."""
    try:
        return fn()
    except ImportError as exc:
        return Section.missing(key, title, f"not available in this build ({exc}).")
    except Exception as exc:  # a report must still be produced; the reason is shown instead
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Section.missing(key, title, f"not available: {msg[:300]}")


def _pool(frame: pd.DataFrame, view: View):
    import synthesis

    ev = frame["events"].astype(int).tolist()
    tot = frame["total"].astype(int).tolist()
    res = synthesis.pool_proportions(ev, tot, labels=_labels(frame), **view.pool_kwargs())
    low, high = study_ci(ev, tot, view)
    return res, low, high


def study_ci(events, totals, view: View) -> tuple[np.ndarray, np.ndarray]:
    """Per-study interval bounds from :func:`synthesis.study_intervals` (frame or object)."""
    import synthesis

    sci = synthesis.study_intervals(list(events), list(totals), method=view.study_ci_method,
                                    level=view.level)
    if isinstance(sci, pd.DataFrame):
        return sci["ci_low"].to_numpy(float), sci["ci_high"].to_numpy(float)
    return np.asarray(sci.low, float), np.asarray(sci.high, float)


def _sort_rows(rows: pd.DataFrame, order: str) -> pd.DataFrame:
    from charts import forest

    return forest.sort_rows(rows, order)


def _forest_section(endpoint: str, outcomes: pd.DataFrame, flags: pd.DataFrame, view: View,
                    results: dict, scripts: dict, provenance: Provenance) -> Section:
    key = f"{endpoint.lower()}_forest"
    title = f"Pooled {endpoint}: forest plot"
    v = view.with_endpoint(endpoint)
    picked = select_outcomes(outcomes, v.selection())
    chosen, excluded, notes = picked.frame, picked.excluded, picked.notes
    if len(chosen) == 0:
        return Section.missing(key, title, "no study matches this selection.")
    from charts import forest

    res, low, high = _pool(chosen, v)
    results[endpoint] = res
    scripts[endpoint] = r_script_for(
        res,
        title=f"Pooled {endpoint} (apatinib, advanced sarcoma)",
        provenance={
            "data file": provenance.data_file,
            "data sha256": provenance.sha256,
            "app version": provenance.app_version,
            "view": v.to_query() or "(defaults)",
            "generated": provenance.date,
            **selection_provenance(picked, v.reports),
        },
    )
    rows = forest_rows(chosen, res, low, high, flags)
    ci_label = f"{v.level:.0%} CI"
    fig = forest.forest_figure(
        _sort_rows(rows, v.forest_sort), res,
        title=f"{ENDPOINT_NAMES[endpoint]} — {TIMEPOINT_NAMES[v.timepoint].lower()}",
        ci_label=ci_label, pooled_label=text.pooled_label(res),
    )
    lvl = f"{res.level:.0%}"
    bullets = [
        f"Pooled {endpoint} {text.pct(res.estimate)} ({lvl} CI {text.interval(res.ci_low, res.ci_high)}).",
        f"{lvl} prediction interval {text.interval(res.pi_low, res.pi_high)}.",
        f"k = {res.k} studies, {res.total_events} events in {res.total_n} patients; "
        f"I² = {text.num(res.i2, 3)}%.",
        pooled_scope(chosen).sentence(),
    ]
    if res.fallback:
        bullets.append(f"Model fallback: {res.fallback}.")
    bullets.extend(notes)
    if len(excluded):
        bullets.append(f"{len(excluded)} candidate report(s) not pooled (overlap, timepoint or filter).")
    table = rows[["label", "events", "total", "proportion", "ci_low", "ci_high", "weight"]].copy()
    table = pd.DataFrame({
        "Study": table["label"],
        "Events / N": [f"{e} / {n}" for e, n in zip(table["events"], table["total"], strict=True)],
        "Proportion": [text.pct(p) for p in table["proportion"]],
        ci_label: [text.interval(lo, hi) for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)],
        "Weight": [("–" if not math.isfinite(w) else f"{w:.1f}%") for w in table["weight"]],
    })
    return Section(key=key, title=title, figure=fig, table=table, caption=res.model_label() + ".",
                   bullets=tuple(bullets))


def heterogeneity_table(results: dict) -> pd.DataFrame:
    """Pooled estimate, intervals and heterogeneity for each endpoint (display strings)."""
    rows = []
    for ep, r in results.items():
        lvl = f"{r.level:.0%}"
        tau_ci = (f"{text.num(r.tau2_ci_low)} to {text.num(r.tau2_ci_high)}"
                  if math.isfinite(r.tau2_ci_low) and math.isfinite(r.tau2_ci_high) else "–")
        rows.append({
            "Endpoint": ep,
            "Pooled": text.pct(r.estimate),
            f"{lvl} CI": text.interval(r.ci_low, r.ci_high),
            f"{lvl} PI": text.interval(r.pi_low, r.pi_high),
            "k / N": f"{r.k} / {r.total_n}",
            "Q (df, p)": f"{text.num(r.q, 4)} ({r.q_df}, {text.pval(r.q_pvalue)})",
            "I²": "–" if not math.isfinite(r.i2) else f"{r.i2:.1f}%",
            "τ² [Q-profile CI]": f"{text.num(r.tau2)} [{tau_ci}]",
        })
    return pd.DataFrame(rows)


def _agreement_section(outcomes: pd.DataFrame, view: View, results: dict) -> Section:
    key, title = "agreement", "Heterogeneity and method agreement"
    from charts import meta_plots
    from synthesis.agreement import method_agreement

    chosen, _, _ = select_rows(outcomes, view)
    if len(chosen) < 2:
        return Section.missing(key, title, "method agreement needs at least 2 studies.")
    agreement = method_agreement(
        chosen["events"].astype(int).tolist(), chosen["total"].astype(int).tolist(),
        level=view.level,
    )
    frame = agreement.to_frame()
    result = results.get(view.endpoint)
    rows = pd.DataFrame({
        "label": frame["model"].astype(str),
        "estimate": frame["estimate"].astype(float),
        "ci_low": frame["ci_low"].astype(float),
        "ci_high": frame["ci_high"].astype(float),
        "pi_low": frame["pi_low"].astype(float),
        "pi_high": frame["pi_high"].astype(float),
        "detail": frame["interval"].astype(str),
    })
    fig = meta_plots.interval_rows_figure(
        rows,
        reference=result.estimate if result is not None else None,
        reference_band=(result.ci_low, result.ci_high) if result is not None else None,
        title=f"Pooled {view.endpoint}: the same {agreement.k} studies under eight models",
        reference_label="Chosen model" if result is not None else "",
    )
    het = [
        f"{ep}: I² {'–' if not math.isfinite(r.i2) else f'{r.i2:.0f}%'}, τ² {text.num(r.tau2)}, "
        f"Q = {text.num(r.q, 3)} (df {r.q_df}, p {text.pval(r.q_pvalue)})."
        for ep, r in results.items()
    ]
    bullets = [
        *het,
        f"Estimates span {agreement.spread_pp:.1f} percentage points; all intervals overlap: "
        f"{'yes' if agreement.ci_overlap else 'no'}; widest/narrowest interval "
        f"{agreement.width_ratio:.2f}.",
        *agreement.warnings,
    ]
    return Section(
        key=key, title=title, figure=fig, table=heterogeneity_table(results),
        bullets=tuple(bullets),
        caption=(f"Rows: models run by synthesis.method_agreement ({view.level:.0%} intervals; "
                 "thin bars: prediction intervals). Shaded band: the chosen model's CI. Table: "
                 "heterogeneity of the chosen model."),
    )


def _subgroup_section(outcomes: pd.DataFrame, view: View) -> Section:
    key, title = "subgroups", "Subgroup comparison by histology"
    from charts import meta_plots
    from synthesis.subgroups import subgroup_analysis

    chosen, _, _ = select_rows(outcomes, replace(view, histology=()))
    if len(chosen) < 2:
        return Section.missing(key, title, "a subgroup comparison needs at least 2 studies.")
    groups = chosen["histology_group"].map(lambda v: _text(v) or MISSING).tolist()
    if len(set(groups)) < 2:
        return Section.missing(key, title, "all pooled studies share one histology group.")
    ev, tot = chosen["events"].astype(int).tolist(), chosen["total"].astype(int).tolist()
    res = subgroup_analysis(ev, tot, groups, labels=_labels(chosen), **view.pool_kwargs())
    gframe = res.to_frame()
    gframe = gframe[gframe["group"] != "Overall"].rename(columns={"total": "n"})
    low, high = study_ci(ev, tot, view)
    rows = pd.DataFrame({
        "group": groups,
        "study_id": chosen["study_id"].astype(str).tolist(),
        "label": _labels(chosen),
        "events": ev,
        "total": tot,
        "proportion": np.asarray(ev, float) / np.asarray(tot, float),
        "ci_low": low,
        "ci_high": high,
    })
    test = (f"Test for subgroup differences ({'F' if res.test == 'F' else 'χ²'}): "
            f"Q = {text.num(res.q_between, 4)}, df = {res.q_between_df}, p = {text.pval(res.q_between_pvalue)}")
    fig = meta_plots.subgroup_forest_figure(
        rows, gframe, title=f"{ENDPOINT_NAMES[view.endpoint]} by histology group", test_text=test,
    )
    table = pd.DataFrame({
        "Histology": gframe["group"].astype(str),
        "k": gframe["k"].astype(int),
        "Events / N": [f"{e} / {n}" for e, n in zip(gframe["events"], gframe["n"], strict=True)],
        "Pooled": [text.pct(x) for x in gframe["estimate"]],
        f"{view.level:.0%} CI": [text.interval(a, b) for a, b in
                                 zip(gframe["ci_low"], gframe["ci_high"], strict=True)],
    })
    return Section(key=key, title=title, figure=fig, table=table, caption=test + ".",
                   bullets=(test + ".", *res.notes))


def _survival_section(survival: pd.DataFrame) -> Section:
    key, title = "survival", "Survival: reported medians"
    from charts import survival as survival_charts

    if survival is None or survival.empty or "statistic" not in survival:
        return Section.missing(key, title, "no survival data in the evidence base.")
    med = survival[survival["statistic"] == "median"]
    if med.empty:
        return Section.missing(key, title, "no study reports a median survival time.")
    fig = survival_charts.median_dot_whisker(survival)
    table = pd.DataFrame({
        "Study": med["label"].map(_text),
        "Endpoint": med["endpoint"].map(_text),
        "Median (months)": [
            "not reached" if bool(nr) else text.num(e, 3)
            for e, nr in zip(med["estimate"], med.get("not_reached", [False] * len(med)), strict=True)
        ],
        "Interval": [
            _text(p) or "–" for p in med.get("interval_as_printed", [""] * len(med))
        ],
    }).reset_index(drop=True)
    return Section(
        key=key, title=title, figure=fig, table=table,
        caption="Medians as reported by each study (not pooled Kaplan–Meier data).",
    )


def _design_section(results: dict, view: View) -> Section:
    key, title = "design", "Sample-size design: Simon two-stage"
    from charts import design as design_charts
    from synthesis.design.simon import operating_characteristics, simon_two_stage

    p0, p1, alpha, power = view.p0, view.p1, view.alpha, view.power
    res = simon_two_stage(p0, p1, alpha, round(1.0 - power, 12))
    grid = np.unique(np.concatenate([np.linspace(0.0, 1.0, 101), [p0, p1]]))
    designs = [res.optimal] if (res.optimal.n1, res.optimal.n) == (res.minimax.n1, res.minimax.n) \
        else [res.optimal, res.minimax]
    curves = {f"{d.kind} {d.boundary()}": operating_characteristics(d, grid) for d in designs}
    fig = design_charts.oc_figure(
        curves, p0=p0, p1=p1, alpha=alpha, power=power,
        title=f"Simon two-stage designs for p0 = {p0:.0%} vs p1 = {p1:.0%}",
    )
    table = pd.DataFrame([
        {"Design": d.kind, "Stage 1 (r1/n1)": f"{d.r1}/{d.n1}", "Overall (r/n)": f"{d.r}/{d.n}",
         "EN(p0)": f"{d.en0:.1f}", "PET(p0)": text.pct(d.pet0), "α attained": f"{d.alpha:.3f}",
         "Power attained": text.pct(d.power)}
        for d in designs
    ])
    bullets = [
        f"Assumptions: p0 = {p0:.0%} (not worth pursuing), p1 = {p1:.0%} (target), one-sided "
        f"α = {alpha:g}, power = {power:.0%} (the Trial planner's keys p0, p1, alpha, power).",
        res.optimal.rule_text(),
    ]
    orr = results.get("ORR")
    if orr is not None and math.isfinite(orr.estimate):
        bullets.append(f"For reference, pooled ORR {text.pct(orr.estimate)} "
                       f"({orr.level:.0%} CI {text.interval(orr.ci_low, orr.ci_high)}).")
    return Section(key=key, title=title, figure=fig, table=table, bullets=tuple(bullets),
                   caption="Simon (1989) optimal and minimax designs, exact binomial "
                           "(synthesis.design.simon); curves: operating characteristics.")


def evidence_table(studies: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per study: design, histology, regimen, n and headline ORR/DCR (display strings)."""
    if studies is None or studies.empty:
        return pd.DataFrame(columns=["Study", "Design", "Histology", "Regimen", "N evaluable",
                                     "ORR", "DCR", "Pooled by default"])
    out = []
    for _, s in studies.iterrows():
        sid = _text(s.get("id"))
        row = {
            "Study": _text(s.get("label")) or sid,
            "Design": _text(s.get("design_label")) or "–",
            "Histology": _text(s.get("histology_group")) or "–",
            "Regimen": _text(s.get("regimen")) or "–",
            "N evaluable": _text(s.get("n_evaluable_efficacy")) or "–",
        }
        pooled = False
        for ep in ("ORR", "DCR"):
            o = outcomes[(outcomes["study_id"] == sid) & (outcomes["endpoint"] == ep)] if len(outcomes) else outcomes
            if "subgroup" in o:
                o = o[o["subgroup"].map(_text) == ""]
            if "headline" in o:
                o = o[_truthy(o["headline"])]
            if len(o):
                r = o.iloc[0]
                try:
                    e, n = int(r["events"]), int(r["total"])
                    row[ep] = f"{e}/{n} ({text.pct(e / n)})"
                except (TypeError, ValueError):
                    row[ep] = "–"
                pooled = pooled or bool(r.get("pooled_by_default", False))
            else:
                row[ep] = "–"
        row["Pooled by default"] = "yes" if pooled else "no"
        out.append(row)
    return pd.DataFrame(out)


def methods_text(view: View, results: dict) -> tuple[str, ...]:
    """Plain-text methods paragraphs stating every choice of the view."""
    lvl = f"{view.level:.0%}"
    if view.method == "GLMM":
        model = ("a binomial–normal generalised linear mixed model (logit link, maximum likelihood, "
                 "adaptive Gauss–Hermite quadrature; no continuity correction)")
    elif view.method == "CE":
        model = f"a common-effect inverse-variance model on the {LABELS[view.transform]} scale"
    else:
        model = (f"an inverse-variance random-effects model on the {LABELS[view.transform]} scale, "
                 f"τ² estimated by {LABELS[view.method]}")
    ci = ci_sentence(view.ci_method, view.method)
    paras = [
        f"{ENDPOINT_NAMES['ORR']} and {ENDPOINT_NAMES['DCR']} were extracted as events over "
        f"evaluable patients at the {TIMEPOINT_NAMES[view.timepoint].lower()} readout"
        + (f"; one report per cohort was pooled. {OVERLAP_RULE}"
           if view.reports == "one" else "; all reports were pooled (overlap possible)."),
        f"Proportions were pooled with {model}. The {lvl} confidence interval used {ci}; the "
        f"{lvl} prediction interval a {text.pi_distribution(view.pi_method, view.ci_method)}; I² is "
        f"{LABELS[view.i2_definition]}. Study intervals: {LABELS[view.study_ci_method]}.",
    ]
    filt = [f"{k} in {{{', '.join(getattr(view, k))}}}" for k in FILTER_COLUMNS if getattr(view, k)]
    if filt:
        paras.append("Restricted to " + "; ".join(filt) + ".")
    if view.method != "GLMM" and view.transform in ("logit", "raw", "log"):
        paras.append("Studies with 0% or 100% events received a continuity correction of 0.5 "
                     "(only those studies, metafor's escalc default).")
    if view.transform == "freeman-tukey" and view.method != "GLMM":
        paras.append("The Freeman–Tukey estimate was back-transformed with the harmonic mean of "
                     "the study sizes (Miller 1978); this can mislead (Schwarzer et al. 2019).")
    for ep, r in results.items():
        paras.append(f"{ep}: {r.model_label()}.")
    paras.append("Every pooled result can be reproduced in R (metafor) with the downloadable "
                 "script, which contains the data and the exact calls.")
    return tuple(paras)


# ------------------------------------------------------------------------------------------
def build_content(
    view: View | None = None,
    *,
    evidence=None,
    data_path: str | Path | None = None,
    today: _dt.date | None = None,
) -> ReportContent:
    """Assemble the report for ``view`` (defaults: the page defaults; the embedded data file).

    Parameters
    ----------
    view
        The choices (:class:`~reports.view.View`).
    evidence
        An ``EvidenceBase``; loaded from ``data_path`` (or ``$APATINIB_STUDIES``, or the embedded
        file) when omitted.
    today
        Date printed in footers (default: today, UTC).
    """
    import os

    import evidence as evidence_pkg

    view = view or View()
    if evidence is None:
        path = data_path or os.environ.get("APATINIB_STUDIES") or None
        evidence = evidence_pkg.load_studies(path)
    date = (today or _dt.datetime.now(_dt.UTC).date()).isoformat()
    prov = Provenance(
        date=date,
        data_file=Path(getattr(evidence, "path", None) or "studies.yaml").name,
        sha256=str(getattr(evidence, "sha256", "") or ""),
        app_version=app_version(),
        view_query=view.to_query(),
        n_problems=len(getattr(evidence, "problems", ()) or ()),
    )

    def frame(name: str) -> pd.DataFrame:
        try:
            out = getattr(evidence, name)()
        except (AttributeError, ImportError, NotImplementedError):
            return pd.DataFrame()
        return out if isinstance(out, pd.DataFrame) else pd.DataFrame()

    outcomes, flags = frame("outcomes_frame"), frame("flags_frame")
    studies, survival = frame("studies_frame"), frame("survival_frame")
    results: dict[str, Any] = {}
    scripts: dict[str, str] = {}
    sections: list[Section] = []
    for ep in ("ORR", "DCR"):
        key, title = f"{ep.lower()}_forest", f"Pooled {ep}: forest plot"
        if outcomes.empty:
            sections.append(Section.missing(key, title, "the evidence base has no outcome table."))
            continue
        sections.append(_guard(key, title, lambda ep=ep: _forest_section(
            ep, outcomes, flags, view, results, scripts, prov)))
    if outcomes.empty:
        sections.append(Section.missing("agreement", "Heterogeneity and method agreement",
                                        "the evidence base has no outcome table."))
        sections.append(Section.missing("subgroups", "Subgroup comparison by histology",
                                        "the evidence base has no outcome table."))
    else:
        sections.append(_guard("agreement", "Heterogeneity and method agreement",
                               lambda: _agreement_section(outcomes, view, results)))
        agreement = sections[-1]
        if not agreement.available and results:
            # the heterogeneity table does not depend on the agreement module
            sections[-1] = replace(agreement, table=heterogeneity_table(results))
        sections.append(_guard("subgroups", "Subgroup comparison by histology",
                               lambda: _subgroup_section(outcomes, view)))
    sections.append(_guard("survival", "Survival: reported medians",
                           lambda: _survival_section(survival)))
    sections.append(_guard("design", "Sample-size design: Simon two-stage",
                           lambda: _design_section(results, view)))

    refs = list(REFERENCES)
    if not studies.empty and "citation" in studies:
        refs = [c for c in (_text(x) for x in studies["citation"]) if c] + refs
    problems = tuple(str(p) for p in (getattr(evidence, "problems", ()) or ()))
    n_studies = len(studies) if not studies.empty else 0
    return ReportContent(
        title="Apatinib in advanced sarcoma: evidence synthesis",
        subtitle=(f"{n_studies} studies · {ENDPOINT_NAMES[view.endpoint]} · "
                  f"{LABELS[view.method]}"),
        view=view,
        provenance=prov,
        evidence_table=evidence_table(studies, outcomes),
        sections=tuple(sections),
        results=results,
        r_scripts=scripts,
        methods=methods_text(view, results),
        references=tuple(refs),
        problems=problems,
    )
