"""The Pooled efficacy view: forest rows, pooled label, caveats, heterogeneity, methods text.

:func:`pooled_view` turns ``(evidence tables, Selection, Model)`` into a frozen
:class:`PooledView` holding everything the Pooled efficacy page and the reports show for one
endpoint; :func:`headline` is the Overview's reduction of it (the view and its one-step GLMM
check). The published-estimate comparison (:func:`published_comparison`) lives here too.
Every pooled number comes from :func:`synthesis.pool_proportions`; every number is worded by
:mod:`findings.text`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from evidence.selection import (
    ENDPOINTS,
    FILTER_COLUMNS,
    OVERLAP_RULE,
    REPORTS,
    TIMEPOINTS,
    Selected,
    Selection,
    select_outcomes,
)
from evidence.selection import text_value as _text
from findings import text
from findings.conventions import ci_sentence
from findings.frames import Frames
from findings.selection_notes import PooledScope, pooled_scope
from synthesis import LABELS, pool_proportions, study_intervals
from synthesis.results import PooledProportion
from synthesis.spec import Model

#: Pooled-efficacy default: IV logit, REML τ², HKSJ CI, t(k−1) PI (metafor's recommendations).
DEFAULT_MODEL = Model()
#: The one-step check shown beside it (Overview, methods paragraph).
CHECK_MODEL = Model(method="GLMM", ci_method="t", pi_method="t(k-1)")
CHECK_WORDS = "binomial–normal GLMM (logit link, maximum likelihood)"
#: What the published-estimate comparison compares (page and reports).
PUBLISHED_CAPTION = (
    "Published estimates are copied from the meta-analyses (their own study sets, which overlap "
    "with but differ from this analysis', and their own methods). This analysis' estimate uses the "
    "chosen model on the matching histology scope."
)


def pool(frame: pd.DataFrame, model: Model) -> PooledProportion:
    """:func:`synthesis.pool_proportions` of a selected frame (raises ``ValueError``)."""
    labels = frame["label"].map(_text) if "label" in frame else frame["study_id"].astype(str)
    return pool_proportions(frame["events"].astype(int).tolist(), frame["total"].astype(int).tolist(),
                            labels=[str(v) for v in labels], **model.pool_kwargs())


def study_ci(frame: pd.DataFrame, model: Model) -> pd.DataFrame:
    """Per-study intervals (:func:`synthesis.study_intervals`) of a selected frame."""
    return study_intervals(frame["events"].astype(int).tolist(), frame["total"].astype(int).tolist(),
                           method=model.study_ci_method, level=model.level)


def forest_title(sel: Selection) -> str:
    """Title of the forest plot of ``sel`` (page and reports)."""
    return f"{ENDPOINTS[sel.endpoint]} — {TIMEPOINTS[sel.timepoint].lower()}"


def flag_text(flags: pd.DataFrame | None) -> dict[str, tuple[int, str]]:
    """``study_id -> (count, "msg1 · msg2")`` from ``EvidenceBase.flags_frame()``."""
    if flags is None or flags.empty or "study_id" not in flags:
        return {}
    out: dict[str, tuple[int, str]] = {}
    for sid, grp in flags.groupby("study_id", sort=False):
        msgs = [_text(m) for m in grp.get("message", pd.Series(dtype=object)).tolist()]
        msgs = [m for m in msgs if m]
        out[str(sid)] = (len(grp), " · ".join(dict.fromkeys(msgs)))
    return out


def forest_rows(
    frame: pd.DataFrame,
    result,
    study_ci,
    flags: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per-study table for the forest plot and its CSV: counts, study CI, weight, provenance, flags.

    ``study_ci`` is the table of :func:`synthesis.study_intervals` (``ci_low``/``ci_high``).
    """
    low, high = study_ci["ci_low"].to_numpy(float), study_ci["ci_high"].to_numpy(float)
    out = pd.DataFrame(
        {
            "study_id": frame["study_id"].astype(str).to_numpy(),
            "label": frame["label"].map(_text).to_numpy() if "label" in frame else frame["study_id"],
            "events": frame["events"].astype(int).to_numpy(),
            "total": frame["total"].astype(int).to_numpy(),
        }
    )
    out["proportion"] = out["events"] / out["total"]
    out["ci_low"], out["ci_high"] = low, high
    out["weight"] = np.asarray(result.data.weights, dtype=float) if result is not None else np.nan
    for col in (
        "year", "design_label", "histology_group", "regimen", "line", "timepoint", "status",
        "derivation", "source", "location", "percent_reported",
    ):
        if col in frame:
            out[col] = frame[col].to_numpy()
    ft = flag_text(flags)
    out["flag_count"] = [ft.get(s, (0, ""))[0] for s in out["study_id"]]
    out["flag_text"] = [ft.get(s, (0, ""))[1] for s in out["study_id"]]
    return out


def describe_selection(sel: Selection) -> str:
    parts = [ENDPOINTS[sel.endpoint], TIMEPOINTS[sel.timepoint].lower()]
    for name in FILTER_COLUMNS:
        vals = getattr(sel, name)
        if vals:
            parts.append(f"{name}: {', '.join(vals)}")
    parts.append(REPORTS[sel.reports].lower())
    return "; ".join(parts)


def model_sentence(model: Model) -> str:
    """The model in words (without data)."""
    lvl = f"{model.level:.0%}"
    if model.method == "GLMM":
        core = (
            "a binomial–normal generalised linear mixed model (logit link, maximum likelihood, "
            "adaptive Gauss–Hermite quadrature), which uses the exact binomial likelihood and "
            "needs no continuity correction"
        )
    elif model.method == "CE":
        core = f"a common-effect inverse-variance model on the {LABELS[model.transform]} scale"
    else:
        core = (
            f"an inverse-variance random-effects model on the {LABELS[model.transform]} scale "
            f"with the between-study variance τ² estimated by {LABELS[model.method]}"
        )
    pi = text.pi_distribution(model.pi_method, model.ci_method)
    ci = ci_sentence(model.ci_method, model.method)
    het = (
        f"Heterogeneity was summarised by the Wald-type Q of the GLMM, I² ({LABELS[model.i2_definition]}) "
        "and the maximum-likelihood τ²."
        if model.method == "GLMM"
        else f"Heterogeneity was summarised by Cochran's Q, I² ({LABELS[model.i2_definition]}) and τ² "
        "with its Q-profile confidence interval."
    )
    return (
        f"Proportions were pooled with {core}. The {lvl} confidence interval of the pooled "
        f"proportion used {ci}, and the {lvl} prediction interval a {pi}. {het} "
        f"Study-level {lvl} intervals are {LABELS[model.study_ci_method]}."
    )


def methods_paragraph(
    sel: Selection,
    model: Model,
    result=None,
    selected: Selected | None = None,
) -> str:
    """A protocol-ready paragraph stating every choice in words (plain text, no markup)."""
    lines: list[str] = []
    scope = [f"{ENDPOINTS[sel.endpoint]}"]
    if sel.timepoint == "headline":
        used = ""
        if selected is not None and "timepoint" in selected.frame and selected.k:
            counts_tp = selected.frame["timepoint"].map(_text).value_counts()
            used = ": " + ", ".join(
                f"{TIMEPOINTS.get(tp, tp.replace('_', ' ')).lower()} in {c}" for tp, c in counts_tp.items() if tp
            )
        scope.append(
            "at each study's headline timepoint as recorded in the evidence base (its primary "
            f"readout{used})"
        )
    else:
        scope.append(f"at the {TIMEPOINTS[sel.timepoint].lower()} readout")
    filt = [f"{n} in {{{', '.join(getattr(sel, n))}}}" for n in FILTER_COLUMNS if getattr(sel, n)]
    lines.append(
        f"{' '.join(scope)} was extracted as events over evaluable patients"
        + (f", restricted to {'; '.join(filt)}" if filt else "")
        + "."
    )
    if sel.reports == "one":
        lines.append(
            "Where a cohort was reported more than once (abstracts, interim and final papers, "
            "overlapping institutional series), one report per cohort was pooled; non-sarcoma "
            f"populations were excluded. {OVERLAP_RULE}"
        )
    else:
        lines.append(
            "All reports were pooled, including overlapping reports of the same cohort, as a "
            "sensitivity analysis; patients may be counted more than once."
        )
    lines.append(model_sentence(model))
    if model.method != "GLMM" and model.transform in ("logit", "raw", "log"):
        lines.append(
            "Studies with 0% or 100% responders, and only those, received a continuity "
            "correction of 0.5 (metafor's escalc default)."
        )
    if model.transform == "freeman-tukey" and model.method != "GLMM":
        lines.append(
            "The Freeman–Tukey estimate was back-transformed with the harmonic mean of the study "
            "sizes (Miller 1978); this back-transform can mislead (Schwarzer et al. 2019)."
        )
    lines.append(
        "Robustness was examined by leave-one-out and cumulative (by publication year) analyses, "
        "influence diagnostics (Baujat plot), agreement across estimators, and a Bayesian "
        f"normal–normal model with a half-normal({model.prior_scale:g}) prior on τ. Small-study effects were assessed with Egger's regression and Begg's rank "
        "test, interpreted only descriptively with fewer than 10 studies."
    )
    if model.method != "GLMM":
        lines.append(
            f"As a check, the pooled proportion was re-estimated with a one-step {CHECK_WORDS} "
            "(Stijnen et al. 2010)."
        )
    if result is not None:
        k, n = int(result.k), int(result.data.total_n)
        lines.append(
            f"The analysis included k = {k} {'study' if k == 1 else 'studies'} "
            f"({result.data.total_events} events in {n} patients)."
        )
        if result.computation.fallback:
            lines.append(f"The requested model could not be fitted; {result.computation.fallback} was used.")
    if selected is not None and len(selected.excluded):
        lines.append(f"{len(selected.excluded)} candidate report(s) were not pooled (listed with reasons).")
    return " ".join(lines)


def histology_scope(sel: Selection) -> str | None:
    """The single histology group of the selection (for matching published estimates)."""
    return sel.histology[0] if len(sel.histology) == 1 else None


def published_estimates(table: pd.DataFrame | None, sel: Selection) -> pd.DataFrame:
    """Published pooled estimates (M1–M3) for the selected endpoint, as given by the evidence layer.

    ``table`` is whatever the evidence layer exposes for external meta-analyses (rows with
    ``record_kind`` containing ``"meta"``). Returns columns ``source, scope, estimate, ci_low,
    ci_high, method, note`` (possibly empty).
    """
    cols = ["source", "scope", "histology_group", "estimate", "ci_low", "ci_high", "k", "n", "method", "note"]
    if table is None or table.empty:
        return pd.DataFrame(columns=cols)
    df = table.copy()
    if "endpoint" in df:
        df = df[df["endpoint"] == sel.endpoint]
    return df.reindex(columns=[c for c in cols if c in df.columns]).reset_index(drop=True)


def metrics(result: PooledProportion, label: str = "Pooled") -> tuple[tuple[str, str, str], ...]:
    """The pooled result as ``(label, value, help)`` metrics: estimate, CI, PI, studies / patients."""
    lvl = f"{result.ci.level:.0%}"
    return (
        (label, text.pct(result.estimate), result.model_label()),
        (f"{lvl} confidence interval", text.interval(*result.ci), "Uncertainty about the average response rate."),
        (f"{lvl} prediction interval", text.interval(*result.pi),
         "Where the response rate of a new, similar study is expected to fall."),
        ("Studies / patients", f"{result.k} / {result.data.total_n}", f"{result.data.total_events} responders in total."),
    )


#: under the heterogeneity table: how to read I² and τ² with few studies
HETEROGENEITY_CAPTION = (
    "I² is the share of the observed spread not explained by chance; with few studies it is "
    "imprecise. τ² is the variance of the true study response rates on the analysis scale; its "
    "interval shows how poorly it is determined here."
)


def heterogeneity_table(result: PooledProportion) -> pd.DataFrame:
    """Q, I², H², τ², τ with intervals and definitions, as display strings."""
    f, h, t2 = result.fit, result.heterogeneity, result.intervals.tau2
    lvl = f"{f.level:.0%}"
    glmm = f.method == "GLMM"
    tau_ci = (
        f"{text.num(t2.low)} to {text.num(t2.high)} ({lvl} Q-profile)"
        if math.isfinite(t2.low) and math.isfinite(t2.high)
        else ("not available for the GLMM (no Q-profile)" if glmm else "–")
    )
    rows = [
        ("Cochran's Q", text.num(h.q, 4), f"df = {h.q_df}, p = {text.pval(h.q_pvalue)}",
         "Wald-type Q of the GLMM" if glmm else "weighted squared deviations"),
        ("I²", text.i2(h.i2), "", LABELS.get(h.i2_definition, h.i2_definition)),
        ("H²", text.num(h.h2, 3), "", "total / sampling variance"),
        ("τ² (between-study variance)", text.num(h.tau2, 3), tau_ci,
         f"{LABELS.get(f.method, f.method)}; "
         + ("logit scale" if glmm else f"{LABELS.get(f.transform)} scale")),
        ("τ", text.num(h.tau, 3), "", "standard deviation of true study effects"),
    ]
    return pd.DataFrame(rows, columns=["Statistic", "Value", "Interval / test", "Definition"])


def caveats(result, selected: Selected, flags: pd.DataFrame | None) -> list[str]:
    """Plain-language warnings a clinician must read next to the pooled number."""
    out: list[str] = []
    k = int(result.k)
    if k < 5:
        out.append(
            f"Only {k} {'study' if k == 1 else 'studies'}: intervals are wide and the prediction "
            "interval is unreliable."
        )
    elif k < 10:
        out.append(f"Few studies (k = {k}): small-study tests cannot be interpreted.")
    if math.isfinite(result.i2) and result.i2 >= 50:
        out.append(
            f"Substantial heterogeneity (I² = {text.i2(result.i2)}): response rates differ between "
            "studies more than chance explains — read the prediction interval, not only the CI."
        )
    ids = set(selected.frame["study_id"].astype(str))
    if flags is not None and not flags.empty and "study_id" in flags:
        fl = flags[flags["study_id"].astype(str).isin(ids)]
        if "severity" in fl:
            serious = fl[fl["severity"].map(_text).isin(["warning", "error"])]
        else:
            serious = fl
        if len(serious):
            out.append(
                f"{len(serious)} data-quality warning(s) on {serious['study_id'].nunique()} of the "
                f"{k} pooled studies (⚑ in the forest plot; details on Data checks)."
            )
    if "design" in selected.frame:
        retro = (selected.frame["design"].map(_text) == "retrospective").sum()
        if retro:
            out.append(f"{retro} of {k} studies are retrospective (no pre-specified assessment).")
    if result.computation.fallback:
        out.append(f"Model fallback: {result.computation.fallback}.")
    return out


def scope_histology(scope: str) -> tuple[str, ...]:
    """Histology filter matching a meta-analysis' stated scope ('' = all sarcoma)."""
    s = _text(scope).lower()
    if "osteosarcoma" in s:
        return ("osteosarcoma",)
    if "soft-tissue" in s or "soft tissue" in s or re.search(r"\bsts\b", s):
        return ("soft-tissue sarcoma",)
    return ()


def _as_prop(v: object) -> float:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return x / 100.0 if x > 1.0 else x


def published_comparison(
    table: pd.DataFrame | None, sel: Selection, model: Model, outcomes: pd.DataFrame
) -> pd.DataFrame:
    """Each published pooled estimate of this endpoint beside this app's for the same scope.

    The app's estimate pools (:func:`pool`) the rows that :func:`select_outcomes` picks
    for the scope's histology group (all sarcoma when the scope is broader); both columns are
    display strings.
    """
    cols = ["Meta-analysis", "Scope", "Published", "Their method", "This app (same scope)",
            "App studies / patients", "App model"]
    if table is None or table.empty or "measure" not in table:
        return pd.DataFrame(columns=cols)
    df = table[table["measure"].map(_text).str.upper().str.startswith(sel.endpoint)]
    if "scale" in df:
        df = df[df["scale"].map(_text).isin(["proportion", ""])]
    rows = []
    for _, r in df.iterrows():
        est, lo, hi = _as_prop(r.get("estimate")), _as_prop(r.get("ci_low")), _as_prop(r.get("ci_high"))
        pub = text.pct(est) + (f" ({text.interval(lo, hi)})" if math.isfinite(lo) and math.isfinite(hi) else "")
        hist = scope_histology(r.get("scope", ""))
        sub = select_outcomes(outcomes, replace(sel, histology=hist, design=(), regimen=(), line=()))
        app, kn = "no matching studies", "–"
        if sub.k:
            try:
                res = pool(sub.frame, model)
                app = text.estimate_interval(res.estimate, res.ci.low, res.ci.high)
                kn = f"{res.k} / {res.data.total_n}"
            except ValueError as exc:
                app = f"not estimable ({exc})"
        rows.append(
            {
                "Meta-analysis": _text(r.get("label")) or _text(r.get("study_id")),
                "Scope": _text(r.get("scope")) or "–",
                "Published": pub,
                "Their method": _text(r.get("method")) or _text(r.get("interval_kind")) or "not stated",
                "This app (same scope)": app,
                "App studies / patients": kn,
                "App model": f"{model.method}, {model.transform if model.method != 'GLMM' else 'logit link'}, "
                f"CI {model.ci_method}" + (f"; {', '.join(hist)} only" if hist else "; all sarcoma"),
            }
        )
    return pd.DataFrame(rows, columns=cols)



def pooled_sentences(result: PooledProportion, endpoint: str) -> tuple[str, ...]:
    """The pooled result in three sentences (report bullets, slide text, page captions)."""
    lvl = text.level(result.fit.level)
    return (
        f"Pooled {endpoint} {text.pct(result.estimate)} ({lvl} CI "
        f"{text.interval(result.ci.low, result.ci.high)}).",
        f"{lvl} prediction interval {text.interval(result.pi.low, result.pi.high)}.",
        f"{text.count(result.k, 'study', 'studies')}, {result.data.total_events} events in "
        f"{text.count(result.data.total_n, 'patient')}; I² = {text.i2(result.i2)}.",
    )


def study_table(rows: pd.DataFrame, level: float) -> pd.DataFrame:
    """The forest rows as a display table (study, events/N, proportion, CI, weight)."""
    return pd.DataFrame({
        "Study": rows["label"].map(_text),
        "Events / N": [f"{e} / {n}" for e, n in zip(rows["events"], rows["total"], strict=True)],
        "Proportion": [text.pct(p) for p in rows["proportion"]],
        f"{text.level(level)} CI": [text.interval(lo, hi) for lo, hi in
                                    zip(rows["ci_low"], rows["ci_high"], strict=True)],
        "Weight": [text.MISSING if not math.isfinite(w) else f"{w:.1f}%" for w in rows["weight"]],
    })


def forest_caption(result: PooledProportion) -> str:
    """What the marks of the forest plot mean (page and reports)."""
    return (
        f"{result.model_label()}. Squares: observed proportion (size ∝ weight, or patients for the "
        f"GLMM); bars: {text.level(result.fit.level)} CI of each study; red diamond: pooled estimate and its "
        "CI; orange bar: prediction interval. ⚑ marks studies with data-quality flags."
    )


@dataclass(frozen=True)
class PooledView:
    """Everything shown about one pooled endpoint (page and reports read the same object).

    ``selected`` are the rows pooled and left out; ``rows`` the forest/CSV rows; ``label`` the
    pooled row's label; ``heterogeneity`` the statistic table; ``methods`` the methods paragraph;
    ``sentences`` the pooled result in words.
    """

    selection: Selection
    model: Model
    selected: Selected
    result: PooledProportion
    study_ci: pd.DataFrame
    rows: pd.DataFrame
    caveats: tuple[str, ...]
    label: str
    title: str
    caption: str
    heterogeneity: pd.DataFrame
    methods: str
    sentences: tuple[str, ...]
    scope: PooledScope

    @property
    def table(self) -> pd.DataFrame:
        """:func:`study_table` of the rows."""
        return study_table(self.rows, self.model.level)


def pooled_view(frames: Frames, sel: Selection, model: Model, selected: Selected | None = None) -> PooledView:
    """The :class:`PooledView` of ``sel`` under ``model`` (raises ``ValueError`` when nothing can
    be pooled). ``selected``: the rows already chosen for ``sel`` (saves a selection)."""
    selected = select_outcomes(frames.outcomes, sel) if selected is None else selected
    if selected.k == 0:
        raise ValueError("no study matches this selection")
    result = pool(selected.frame, model)
    ci = study_ci(selected.frame, model)
    return PooledView(
        selection=sel, model=model, selected=selected, result=result, study_ci=ci,
        rows=forest_rows(selected.frame, result, ci, frames.flags),
        caveats=tuple(caveats(result, selected, frames.flags)),
        label=text.pooled_label(result),
        title=forest_title(sel),
        caption=forest_caption(result),
        heterogeneity=heterogeneity_table(result),
        methods=methods_paragraph(sel, model, result, selected),
        sentences=pooled_sentences(result, sel.endpoint),
        scope=pooled_scope(selected.frame),
    )


@dataclass(frozen=True)
class Headline:
    """One endpoint of the Overview: the pooled result, its one-step check, caveats and words.

    ``k == 0``: nothing to pool; ``error`` not ``None``: the pool failed with this message.
    """

    endpoint: str
    k: int
    result: PooledProportion | None = None
    check: PooledProportion | None = None
    caveats: tuple[str, ...] = ()
    error: str | None = None
    scope: PooledScope | None = None

    @property
    def summary(self) -> str:
        """Studies, patients, events and I² in one sentence."""
        r = self.result
        if r is None:
            return ""
        who = "responders" if self.endpoint == "ORR" else "with disease control"
        out = (f"{text.count(r.k, 'study', 'studies')}, {text.count(r.data.total_n, 'patient')}, "
               f"{r.data.total_events} {who}.")
        if r.k > 1 and math.isfinite(r.i2):
            out += f" I² = {text.i2(r.i2)}."
        if r.k == 1:
            out += " A single study: this is its own result, not a pooled estimate."
        return out

    @property
    def check_sentence(self) -> str:
        """The one-step GLMM check in words ("" when it could not be fitted)."""
        c = self.check
        if c is None:
            return ""
        return (f"Check with the one-step GLMM: {text.pct(c.estimate)} "
                f"({text.interval(c.ci.low, c.ci.high)}).")


def headline(frames: Frames, sel: Selection, model: Model = DEFAULT_MODEL,
             check_model: Model = CHECK_MODEL) -> Headline:
    """The Overview's view of ``sel``: :func:`pooled_view` under ``model`` and its check."""
    selected = select_outcomes(frames.outcomes, sel)
    if selected.k == 0:
        return Headline(sel.endpoint, 0)
    try:
        view = pooled_view(frames, sel, model, selected)
    except ValueError as exc:
        return Headline(sel.endpoint, selected.k, error=str(exc))
    try:
        check = pool(selected.frame, check_model)
    except ValueError:
        check = None
    return Headline(sel.endpoint, selected.k, view.result, check, view.caveats, scope=view.scope)


def model_caption(model: Model) -> str:
    """One line naming the model of a view (the Overview's caption; no hard-coded defaults)."""
    if model.method == "GLMM":
        core = f"one-step {CHECK_WORDS}"
    elif model.method == "CE":
        core = f"common-effect inverse variance on the {LABELS[model.transform]} scale"
    else:
        core = (f"inverse-variance random effects on the {LABELS[model.transform]} scale, τ² by "
                f"{model.method}")
    ci = LABELS[model.ci_method]
    return (f"Model: {core}; {text.level(model.level)} CI {ci}; prediction interval "
            f"{text.pi_short(model.pi_method, model.ci_method)}")
