"""Glue between the evidence tables, the synthesis functions and the pages.

Two layers in one module:

* pure functions (no ``st`` call; unit-tested): choosing the rows to pool from
  ``EvidenceBase.outcomes_frame()`` (:func:`select_outcomes`), per-study display tables
  (:func:`forest_rows`), the methods paragraph (:func:`methods_paragraph`), safe CSV bytes
  (:func:`csv_bytes`) and the published-estimate comparison (:func:`published_estimates`);
* thin bounded ``st.cache_data`` wrappers (``cached_*``) that call :mod:`synthesis`.

No pooled number is computed here: every estimate comes from :mod:`synthesis`.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import synthesis
from evidence.selection import (  # noqa: F401  (re-exported for the pages)
    ENDPOINTS,
    FILTER_COLUMNS,
    MISSING,
    OVERLAP_RULE,
    REPORTS,
    TIMEPOINTS,
    Selected,
    Selection,
    filter_options,
    line_group,
    pooled_rows,
    select_outcomes,
    with_derived,
)
from evidence.selection import text_value as _text
from findings import text
from findings.conventions import ci_sentence
from synthesis import spec
from synthesis.spec import Model  # the pages import it from here
from synthesis.vocabulary import LABELS

# --------------------------------------------------------------------------------------------
# vocabulary of the selection controls and the row selection live in evidence.selection (shared
# with the headless reports); the model choices below are the pages' own.
PRIOR_SCALES = {f"{s:.1f}": f"half-normal({s:.1f})" for s in spec.PRIOR_SCALES}
LEVELS = {f"{lv:g}": f"{lv:.0%}" for lv in spec.LEVELS}
#: ``hash_funcs`` of the caches below: a Model or Selection (frozen, plain fields) is identified by
#: its repr, which names every field exactly; Streamlit's default hashing of a dataclass
#: (``dataclasses.asdict`` and recursion) costs ~0.1 ms per argument on every cached call.
HASH_FUNCS = {Model: repr, Selection: repr}

#: Pooled-efficacy default: IV logit, REML τ², HKSJ CI, t(k−1) PI (metafor's recommendations).
DEFAULT_MODEL = Model()
#: The one-step check shown beside it on the home page (statistics notes §1.9).
CHECK_MODEL = Model(method="GLMM", ci_method="t", pi_method="t(k-1)")


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

    ``study_ci`` is the output of :func:`synthesis.study_intervals` (any object with ``low`` and
    ``high`` arrays, or a DataFrame with ``ci_low``/``ci_high`` columns).
    """
    low, high = _interval_arrays(study_ci, len(frame))
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
    w = getattr(result, "weights", None) if result is not None else None
    out["weight"] = np.asarray(w, dtype=float) if w is not None and len(w) == len(out) else np.nan
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


def _interval_arrays(ci, k: int) -> tuple[np.ndarray, np.ndarray]:
    if ci is None:
        return np.full(k, np.nan), np.full(k, np.nan)
    if isinstance(ci, pd.DataFrame):
        for lo, hi in (("ci_low", "ci_high"), ("low", "high")):
            if lo in ci and hi in ci:
                return ci[lo].to_numpy(float), ci[hi].to_numpy(float)
    for lo, hi in (("low", "high"), ("ci_low", "ci_high")):
        if hasattr(ci, lo) and hasattr(ci, hi):
            return np.asarray(getattr(ci, lo), float), np.asarray(getattr(ci, hi), float)
    arr = np.asarray(ci, dtype=float)
    if arr.ndim == 2 and arr.shape == (k, 2):
        return arr[:, 0], arr[:, 1]
    if arr.ndim == 2 and arr.shape == (2, k):
        return arr[0], arr[1]
    raise ValueError("study intervals must provide low/high arrays.")


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
        f"normal–normal model with a {PRIOR_SCALES.get(_fmt_scale(model.prior_scale), 'half-normal')}"
        " prior on τ. Small-study effects were assessed with Egger's regression and Begg's rank "
        "test, interpreted only descriptively with fewer than 10 studies."
    )
    if result is not None:
        k, n = int(result.k), int(result.total_n)
        lines.append(
            f"The analysis included k = {k} {'study' if k == 1 else 'studies'} "
            f"({result.total_events} events in {n} patients)."
        )
        if getattr(result, "fallback", None):
            lines.append(f"The requested model could not be fitted; {result.fallback} was used.")
    if selected is not None and len(selected.excluded):
        lines.append(f"{len(selected.excluded)} candidate report(s) were not pooled (listed with reasons).")
    return " ".join(lines)


def _fmt_scale(s: float) -> str:
    return "0.5" if abs(float(s) - 0.5) < 1e-9 else "1.0"


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


# --------------------------------------------------------------------------------------------
# thin cached wrappers around synthesis (bounded: keys depend on user input)
@st.cache_data(max_entries=128, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_pool(events: tuple[int, ...], totals: tuple[int, ...], labels: tuple[str, ...], model: Model):
    """:func:`synthesis.pool_proportions` for one model (raises ``ValueError`` on bad input)."""
    return synthesis.pool_proportions(list(events), list(totals), labels=list(labels), **model.pool_kwargs())


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_study_ci(events: tuple[int, ...], totals: tuple[int, ...], method: str, level: float):
    return synthesis.study_intervals(list(events), list(totals), method=method, level=level)


def counts(frame: pd.DataFrame) -> tuple[tuple[int, ...], tuple[int, ...], tuple[str, ...]]:
    """Hashable ``(events, totals, labels)`` of a selected frame (cache keys)."""
    labels = frame["label"].map(_text) if "label" in frame else frame["study_id"].astype(str)
    return (
        tuple(int(v) for v in frame["events"]),
        tuple(int(v) for v in frame["total"]),
        tuple(str(v) for v in labels),
    )


def model_with(model: Model, **changes) -> Model:
    return replace(model, **changes)


def model_dict(model: Model) -> dict:
    return asdict(model)


def heterogeneity_table(result) -> pd.DataFrame:
    """Q, I², H², τ², τ with intervals and definitions, as display strings."""
    lvl = f"{result.level:.0%}"
    tau_ci = (
        f"{text.num(result.tau2_ci_low)} to {text.num(result.tau2_ci_high)} ({lvl} Q-profile)"
        if math.isfinite(result.tau2_ci_low) and math.isfinite(result.tau2_ci_high)
        else ("not available for the GLMM (no Q-profile)" if result.method == "GLMM" else "–")
    )
    rows = [
        ("Cochran's Q", text.num(result.q, 4), f"df = {result.q_df}, p = {text.pval(result.q_pvalue)}",
         "Wald-type Q of the GLMM" if result.method == "GLMM" else "weighted squared deviations"),
        ("I²", f"{result.i2:.1f}%" if math.isfinite(result.i2) else "–", "",
         LABELS.get(result.i2_definition, result.i2_definition)),
        ("H²", text.num(result.h2, 3), "", "total / sampling variance"),
        ("τ² (between-study variance)", text.num(result.tau2, 3), tau_ci,
         f"{LABELS.get(result.method, result.method)}; "
         + ("logit scale" if result.method == "GLMM" else f"{LABELS.get(result.transform)} scale")),
        ("τ", text.num(result.tau, 3), "", "standard deviation of true study effects"),
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
            f"Substantial heterogeneity (I² = {result.i2:.0f}%): response rates differ between "
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
    if getattr(result, "fallback", None):
        out.append(f"Model fallback: {result.fallback}.")
    return out


# --------------------------------------------------------------------------------------------
# evidence tables (cached per data file version)
@dataclass(frozen=True)
class Frames:
    """The evidence tables the synthesis pages use (empty frames when a table is unavailable)."""

    outcomes: pd.DataFrame
    flags: pd.DataFrame
    studies: pd.DataFrame
    subtypes: pd.DataFrame
    published: pd.DataFrame
    n_problems: int = 0


def _table(ev, name: str) -> pd.DataFrame:
    fn = getattr(ev, name, None)
    if fn is None:
        return pd.DataFrame()
    try:
        out = fn()
    except (ImportError, AttributeError, NotImplementedError):
        return pd.DataFrame()
    return out if isinstance(out, pd.DataFrame) else pd.DataFrame()


def frames_of(ev) -> Frames:
    """Pure: pull every table once from an ``EvidenceBase``."""
    return Frames(
        outcomes=_table(ev, "outcomes_frame"),
        flags=_table(ev, "flags_frame"),
        studies=_table(ev, "studies_frame"),
        subtypes=_table(ev, "subtypes_frame"),
        published=_table(ev, "pooled_estimates_frame"),
        n_problems=len(getattr(ev, "problems", ()) or ()),
    )


@st.cache_resource(max_entries=4, show_spinner=False)
def _frames(_ev, path: str, sha: str | None) -> Frames:
    # shared, read-only: every consumer copies before changing anything (select_outcomes does)
    return frames_of(_ev)


def data_key() -> str:
    """Identity of the evidence analysed (part of every derived cache key).

    Built-in, merged with the user's studies, or the user's only, as chosen on Your studies.
    """
    from ui.userdata_state import active_evidence

    ev = active_evidence()
    return f"{getattr(ev, 'path', '')}:{getattr(ev, 'sha256', '')}"


def evidence_frames() -> Frames:
    """The evidence tables analysed now (cached by path and content hash; includes user studies)."""
    from ui.userdata_state import active_evidence

    ev = active_evidence()
    return _frames(ev, str(getattr(ev, "path", "")), getattr(ev, "sha256", None))


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_options(column: str, key: str) -> list[str]:
    return filter_options(evidence_frames().outcomes, column)


@st.cache_resource(max_entries=128, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_selection(sel: Selection, key: str) -> Selected:
    """:func:`select_outcomes` on the current evidence (``key`` = :func:`data_key`).

    Shared between reruns and sessions (no copy per call): read-only, like :func:`evidence_frames`;
    every consumer copies before changing a frame.
    """
    return select_outcomes(evidence_frames().outcomes, sel)


@dataclass(frozen=True)
class PooledView:
    """Everything the Pooled efficacy page shows for one selection and model."""

    selected: Selected
    result: object
    study_ci: pd.DataFrame
    rows: pd.DataFrame
    caveats: tuple[str, ...]


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def pooled_view(sel: Selection, model: Model, key: str) -> PooledView:
    """Selection, pooled result, study intervals, forest rows and caveats (raises ``ValueError``).

    Shared between reruns and sessions (no copy per call): read-only, see :func:`cached_selection`.
    """
    frames = evidence_frames()
    selected = cached_selection(sel, key)
    if selected.k == 0:
        raise ValueError("no study matches this selection")
    result, study_ci = run_pool(selected.frame, model)
    rows = forest_rows(selected.frame, result, study_ci, frames.flags)
    return PooledView(selected, result, study_ci, rows, tuple(caveats(result, selected, frames.flags)))


@dataclass(frozen=True)
class Headline:
    """One endpoint of the Overview page: the pooled result, its one-step check and caveats.

    ``k == 0``: nothing to pool; ``error`` not ``None``: the pool failed with this message. Shared between
    sessions (cached resource): the result objects are frozen and never changed by the page.
    """

    k: int
    result: object = None
    check: object = None
    caveats: tuple[str, ...] = ()
    error: str | None = None


@st.cache_resource(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def headline(sel: Selection, model: Model, check_model: Model, key: str) -> Headline:
    """:func:`pooled_view` for ``model`` and ``check_model`` reduced to what the Overview shows
    (``key`` = :func:`data_key`; the result depends only on the evidence, selection and models)."""
    if evidence_frames().outcomes.empty:
        return Headline(0)
    k = cached_selection(sel, key).k
    if k == 0:
        return Headline(0)
    try:
        view = pooled_view(sel, model, key)
    except ValueError as exc:
        return Headline(k, error=str(exc))
    try:
        chk = pooled_view(sel, check_model, key).result
    except ValueError:
        chk = None
    return Headline(k, view.result, chk, view.caveats)


#: comparison variables the main forest can be grouped by (Pooled efficacy's "Group by")
GROUP_BY = {"none": "No grouping", "design": "Design", "histology": "Histology",
            "regimen": "Regimen", "line": "Line", "dose": "Dose"}


@st.cache_resource(max_entries=48, show_spinner=False, hash_funcs=HASH_FUNCS)
def grouped_forest_for(sel: Selection, model: Model, order: str, by: str, key: str, pooled_label: str):
    """The main forest grouped by ``by`` (shared figure; raises ``ValueError`` when not estimable).

    Group diamonds and prediction intervals come from :func:`synthesis.subgroup_analysis` with a
    separate τ² per group (meta's default), study weights from the overall model.
    """
    from charts import forest

    view = pooled_view(sel, model, key)
    groups = subgroup_frame(evidence_frames().outcomes, sel, by).set_index("study_id")["group"]
    rows = forest.sort_rows(view.rows, order).assign(
        group=lambda r: r["study_id"].map(groups).fillna(MISSING).astype(str))
    order_groups = sorted(set(rows["group"]), key=lambda g: (g == MISSING, g.lower()))
    rows = pd.concat([rows[rows["group"] == g] for g in order_groups], ignore_index=True)
    ev, n = tuple(int(x) for x in rows["events"]), tuple(int(x) for x in rows["total"])
    res = cached_subgroups(ev, n, tuple(rows["group"]), "separate", model)
    res_groups = [str(g) for g in res.groups]
    rows = pd.concat([rows[rows["group"] == g] for g in res_groups], ignore_index=True)
    return shared_figure(forest.grouped_forest_figure(
        rows, res, view.result, group_title=GROUP_BY[by],
        title=f"{ENDPOINTS[sel.endpoint]} — {TIMEPOINTS[sel.timepoint].lower()}, by {GROUP_BY[by].lower()}",
        ci_label=f"{model.level:.0%} CI", pooled_label=pooled_label,
        test_text=subgroup_test_text(res) if len(res.groups) > 1 else "",
    ))


@st.cache_resource(max_entries=48, show_spinner=False, hash_funcs=HASH_FUNCS)
def forest_figure_for(sel: Selection, model: Model, order: str, key: str, pooled_label: str):
    """The forest figure (shared object, never mutated after creation)."""
    from charts import forest

    view = pooled_view(sel, model, key)
    return shared_figure(forest.forest_figure(
        forest.sort_rows(view.rows, order), view.result,
        title=f"{ENDPOINTS[sel.endpoint]} — {TIMEPOINTS[sel.timepoint].lower()}",
        ci_label=f"{model.level:.0%} CI", pooled_label=pooled_label,
    ))


class _SharedFigure(go.Figure):
    """A cached figure that is never changed after it is made: ``to_dict()`` (a deep copy that
    ``st.plotly_chart`` makes on every rerun, ~1 ms) is built once and then reused."""

    def to_dict(self):
        d = self.__dict__.get("_shared_dict")
        if d is None:
            d = super().to_dict()
            self.__dict__["_shared_dict"] = d
        return d


def shared_figure(fig: go.Figure) -> go.Figure:
    """Mark a cached, never-changed ``go.Figure`` so that its dict is built once (same object,
    same content: only ``to_dict`` is remembered). Any other figure is returned as it is."""
    if type(fig) is go.Figure:
        fig.__class__ = _SharedFigure
    return fig


def run_pool(frame: pd.DataFrame, model: Model):
    """Pooled result and study intervals for a selected frame (cached; may raise ``ValueError``)."""
    ev, n, labels = counts(frame)
    result = cached_pool(ev, n, labels, model)
    study_ci = cached_study_ci(ev, n, model.study_ci_method, model.level)
    return result, study_ci


# --------------------------------------------------------------------------------------------
# subgroups and moderators (Designs & subtypes page)
COMPARE_BY = {
    "design": "Design (prospective vs retrospective)",
    "histology": "Histology group",
    "regimen": "Regimen",
    "line": "Line of therapy",
    "dose": "Apatinib dose",
    "timepoint": "Timepoint of the readout",
}
MODERATORS = {
    "year": "Publication year",
    "dose_mg": "Apatinib dose (mg/day)",
    "prospective": "Prospective design (vs retrospective)",
    "sarcoma_only": "Sarcoma-only population",
    "monotherapy": "Monotherapy (vs combination/mixed)",
    "n_centres": "Number of centres",
}


def dose_group(mg: object) -> str:
    try:
        v = float(mg)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return MISSING
    if not math.isfinite(v):
        return MISSING
    return "≤ 500 mg/day" if v <= 500 else "> 500 mg/day"


def subgroup_frame(outcomes: pd.DataFrame, sel: Selection, by: str) -> pd.DataFrame:
    """Selected rows with a ``group`` column for a subgroup comparison.

    ``by="timepoint"`` stacks the rows of every timepoint (the same study may then appear in
    several groups: the groups are not independent, which the page states).
    """
    if by not in COMPARE_BY:
        raise ValueError(f"by ({by!r}) must be one of {', '.join(COMPARE_BY)}.")
    if by == "timepoint":
        parts = []
        for tp in ("best_overall", "week_12", "final"):
            f = select_outcomes(outcomes, replace(sel, timepoint=tp)).frame
            parts.append(f.assign(group=TIMEPOINTS[tp]))
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return out
    f = select_outcomes(outcomes, sel).frame.copy()
    if by == "dose":
        f["group"] = f["dose_mg"].map(dose_group) if "dose_mg" in f else MISSING
    else:
        col = FILTER_COLUMNS[by]
        f["group"] = f[col].map(lambda v: _text(v) or MISSING) if col in f else MISSING
    return f


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_subgroup_frame(sel: Selection, by: str, key: str) -> pd.DataFrame:
    """:func:`subgroup_frame` of the current evidence (``key`` = :func:`data_key`)."""
    return subgroup_frame(evidence_frames().outcomes, sel, by)


def moderator_frame(frame: pd.DataFrame, moderator: str) -> pd.DataFrame:
    """One numeric moderator column (named ``moderator``) for meta-regression; NaN where missing."""
    if moderator not in MODERATORS:
        raise ValueError(f"moderator ({moderator!r}) must be one of {', '.join(MODERATORS)}.")
    if moderator == "prospective":
        vals = frame.get("design", pd.Series(index=frame.index, dtype=object)).map(
            lambda v: {"prospective": 1.0, "retrospective": 0.0}.get(_text(v), np.nan)
        )
    elif moderator == "monotherapy":
        vals = frame.get("regimen", pd.Series(index=frame.index, dtype=object)).map(
            lambda v: np.nan if not _text(v) else float(_text(v) == "monotherapy")
        )
    elif moderator == "sarcoma_only":
        vals = frame.get("sarcoma_only", pd.Series(index=frame.index, dtype=object)).map(
            lambda v: np.nan if v is None or (isinstance(v, float) and math.isnan(v)) else float(bool(v))
        )
    else:
        vals = pd.to_numeric(frame.get(moderator, pd.Series(index=frame.index, dtype=float)), errors="coerce")
    return pd.DataFrame({moderator: vals.astype(float).to_numpy()}, index=frame.index)


DESIGN_COLUMNS = {
    "label": "Study",
    "year": "Year",
    "design_label": "Design",
    "phase": "Phase",
    "report_type": "Report",
    "n_centres": "Centres",
    "histology": "Histology",
    "histology_group": "Group",
    "regimen": "Regimen",
    "partner": "Partner",
    "dose": "Dose",
    "line": "Line",
    "events": "Events",
    "total": "Evaluable",
    "timepoint": "Timepoint",
    "status": "Count status",
    "flag_count": "Flags",
}


def design_table(frame: pd.DataFrame, studies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Side-by-side design table of the studies in view (display strings, no NaN)."""
    df = frame.copy()
    if studies is not None and not studies.empty and "study_id" in studies:
        extra = [c for c in studies.columns if c not in df.columns]
        if extra:
            df = df.merge(studies[["study_id", *extra]].drop_duplicates("study_id"), on="study_id", how="left")
    cols = [c for c in DESIGN_COLUMNS if c in df.columns]
    out = df[cols].rename(columns=DESIGN_COLUMNS)
    for c in out.columns:
        if out[c].dtype == object or not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].map(lambda v: _text(v) or "–")
        elif pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].map(lambda v: "–" if not math.isfinite(v) else (f"{int(v)}" if float(v).is_integer() else f"{v:g}"))
    return out.reset_index(drop=True)


def available(name: str) -> bool:
    """Whether ``synthesis.<name>`` can be imported now (modules land one by one)."""
    try:
        getattr(synthesis, name)
    except (ImportError, AttributeError):
        return False
    return True


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

    The app's estimate re-uses :func:`cached_pool` on the rows that :func:`select_outcomes` picks
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
                res = cached_pool(*counts(sub.frame), model)
                app = f"{text.pct(res.estimate)} ({text.interval(res.ci_low, res.ci_high)})"
                kn = f"{res.k} / {res.total_n}"
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


def subtype_results(outcomes: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """Subgroup rows reported inside studies (histology, dose group, ...) for the endpoint.

    These rows are never pooled with study-level rows; they are shown as reported.
    """
    cols = ["study_id", "label", "subgroup_kind", "subgroup", "events", "total", "timepoint",
            "status", "source", "location", "exclusion_reason"]
    if outcomes.empty or "subgroup" not in outcomes:
        return pd.DataFrame(columns=cols)
    df = outcomes[(outcomes["endpoint"] == sel.endpoint) & (outcomes["subgroup"].map(_text) != "")]
    ev = pd.to_numeric(df["events"], errors="coerce")
    tot = pd.to_numeric(df["total"], errors="coerce")
    df = df[ev.notna() & tot.notna() & (tot > 0)].copy()
    df["events"] = df["events"].astype(int)
    df["total"] = df["total"].astype(int)
    return df.reindex(columns=[c for c in cols if c in df.columns]).reset_index(drop=True)


def composition_rows(subtypes: pd.DataFrame, study_ids: list[str]) -> pd.DataFrame:
    """``label, subtype, n`` for the studies in view (from ``EvidenceBase.subtypes_frame()``)."""
    if subtypes is None or subtypes.empty or not {"study_id", "subtype", "n"} <= set(subtypes.columns):
        return pd.DataFrame(columns=["study_id", "label", "subtype", "n"])
    df = subtypes[subtypes["study_id"].astype(str).isin(set(study_ids))].copy()
    df["n"] = pd.to_numeric(df["n"], errors="coerce")
    df = df[df["n"].notna() & (df["n"] > 0)]
    if "label" not in df:
        df["label"] = df["study_id"]
    df["subtype"] = df["subtype"].map(lambda v: _text(v) or "unspecified")
    return df[["study_id", "label", "subtype", "n"]].reset_index(drop=True)


def subgroup_result_rows(sub: pd.DataFrame, study_ci) -> pd.DataFrame:
    """Forest-plot rows (``charts.forest`` contract) for within-study subgroup results."""
    low, high = _interval_arrays(study_ci, len(sub))
    labels = [
        f"{_text(g)} · {_text(lab)}" for lab, g in zip(sub["label"], sub["subgroup"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "study_id": sub["study_id"].astype(str).to_numpy(),
            "label": labels,
            "events": sub["events"].astype(int).to_numpy(),
            "total": sub["total"].astype(int).to_numpy(),
        }
    )
    out["proportion"] = out["events"] / out["total"]
    out["ci_low"], out["ci_high"] = low, high
    out["weight"] = np.nan
    for col in ("subgroup_kind", "timepoint", "status", "source", "location"):
        if col in sub:
            out[col] = sub[col].to_numpy()
    return out


# --------------------------------------------------------------------------------------------
# cached wrappers of the sensitivity, bias, agreement, Bayes, subgroup and regression modules
Counts = tuple[int, ...]


def iv_model(model: Model) -> Model:
    """The inverse-variance model used where a GLMM has no analogue (:meth:`Model.iv_standin`)."""
    return model.iv_standin()


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_agreement(events: Counts, totals: Counts, level: float):
    return synthesis.method_agreement(list(events), list(totals), level=level)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_bayes(events: Counts, totals: Counts, scale: float, level: float):
    return synthesis.bayes_pool(list(events), list(totals), tau_prior_scale=scale, level=level)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_loo(events: Counts, totals: Counts, labels: tuple[str, ...], model: Model) -> pd.DataFrame:
    return synthesis.leave_one_out(list(events), list(totals), labels=list(labels), **model.pool_kwargs())


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_cumulative(
    events: Counts, totals: Counts, labels: tuple[str, ...], order: tuple[int, ...], model: Model
) -> pd.DataFrame:
    return synthesis.cumulative(
        list(events), list(totals), order=list(order), labels=list(labels), **model.pool_kwargs()
    )


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_influence(events: Counts, totals: Counts, labels: tuple[str, ...], model: Model):
    return synthesis.influence(list(events), list(totals), labels=list(labels), **model.influence_kwargs())


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_bias(events: Counts, totals: Counts, transform: str):
    egger = synthesis.egger_test(list(events), list(totals), transform=transform)
    begg = synthesis.begg_test(list(events), list(totals), transform=transform)
    return egger, begg


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_subgroups(
    events: Counts, totals: Counts, groups: tuple[str, ...], tau2_mode: str, model: Model
):
    return synthesis.subgroup_analysis(
        list(events), list(totals), list(groups), tau2_mode=tau2_mode, **model.pool_kwargs()
    )


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_metareg(
    events: Counts, totals: Counts, values: tuple[float, ...], name: str, model: Model
):
    mods = pd.DataFrame({name: list(values)})
    return synthesis.meta_regression(list(events), list(totals), mods, **model.regression_kwargs())


# --------------------------------------------------------------------------------------------
# tables for the diagnostic charts (pure)
def loo_rows(loo: pd.DataFrame, result) -> pd.DataFrame:
    """Leave-one-out rows for :func:`charts.meta_plots.interval_rows_figure`."""
    out = pd.DataFrame(
        {
            "label": [f"Without {_text(s)}" for s in loo["label"]],
            "estimate": loo["estimate"].to_numpy(float),
            "ci_low": loo["ci_low"].to_numpy(float),
            "ci_high": loo["ci_high"].to_numpy(float),
            "pi_low": loo["pi_low"].to_numpy(float),
            "pi_high": loo["pi_high"].to_numpy(float),
        }
    )
    out["highlight"] = (out["estimate"] < result.ci_low) | (out["estimate"] > result.ci_high)
    out["detail"] = [
        f"k = {int(k)}; I² = {text.num(i2, 3)}%; τ² = {text.num(t2, 3)}"
        for k, i2, t2 in zip(loo["k"], loo["i2"], loo["tau2"], strict=True)
    ]
    return out


def year_order(frame: pd.DataFrame) -> tuple[int, ...]:
    """Study indices by publication year (then label) for the cumulative analysis."""
    years = pd.to_numeric(frame.get("year", pd.Series(np.nan, index=frame.index)), errors="coerce")
    tmp = pd.DataFrame({"i": range(len(frame)), "year": years.to_numpy(),
                        "label": frame["label"].map(_text).to_numpy()})
    return tuple(int(i) for i in tmp.sort_values(["year", "label"], na_position="last")["i"])


def cumulative_rows(cum: pd.DataFrame, frame: pd.DataFrame, order: tuple[int, ...]) -> pd.DataFrame:
    years = frame["year"].to_numpy() if "year" in frame else [None] * len(frame)
    labels = []
    for j, i in enumerate(order):
        y = years[i]
        ytxt = f" ({int(y)})" if y is not None and isinstance(y, int | float | np.integer | np.floating) and math.isfinite(float(y)) else ""
        labels.append(f"{'' if j == 0 else '+ '}{_text(cum['label'].iloc[j])}{ytxt}")
    return pd.DataFrame(
        {
            "label": labels,
            "estimate": cum["estimate"].to_numpy(float),
            "ci_low": cum["ci_low"].to_numpy(float),
            "ci_high": cum["ci_high"].to_numpy(float),
            "pi_low": cum["pi_low"].to_numpy(float),
            "pi_high": cum["pi_high"].to_numpy(float),
            "detail": [f"k = {int(k)}" for k in cum["k"]],
        }
    )


def agreement_rows(agreement, current=None, current_label: str = "") -> pd.DataFrame:
    """One row per model of :func:`synthesis.method_agreement` (plus this page's model first)."""
    f = agreement.to_frame()
    rows = pd.DataFrame(
        {
            "label": f["model"].map(_text),
            "estimate": f["estimate"].astype(float),
            "ci_low": f["ci_low"].astype(float),
            "ci_high": f["ci_high"].astype(float),
            "pi_low": f["pi_low"].astype(float),
            "pi_high": f["pi_high"].astype(float),
            "detail": [
                f"{_text(i)}" + (f"; fell back: {_text(fb)}" if _text(fb) else "")
                for i, fb in zip(f["interval"], f["fallback"], strict=True)
            ],
            "highlight": False,
        }
    )
    if current is not None:
        top = pd.DataFrame([{
            "label": f"This page: {current_label}", "estimate": current.estimate,
            "ci_low": current.ci_low, "ci_high": current.ci_high, "pi_low": current.pi_low,
            "pi_high": current.pi_high, "detail": current.model_label(), "highlight": True,
        }])
        rows = pd.concat([top, rows], ignore_index=True)
    return rows


def interval_table(rows: pd.DataFrame, level: float) -> pd.DataFrame:
    """Display/CSV table of interval rows (strings, no NaN)."""
    lvl = f"{level:.0%}"
    return pd.DataFrame(
        {
            "Analysis": rows["label"],
            "Estimate": [text.pct(v) for v in rows["estimate"]],
            f"{lvl} CI": [text.interval(a, b) for a, b in zip(rows["ci_low"], rows["ci_high"], strict=True)],
            f"{lvl} PI": [text.interval(a, b) for a, b in zip(rows.get("pi_low", rows["ci_low"] * np.nan),
                                                          rows.get("pi_high", rows["ci_high"] * np.nan), strict=True)],
            "Note": rows.get("detail", pd.Series([""] * len(rows))).map(_text),
        }
    )


def subgroup_rows(frame: pd.DataFrame, study_ci) -> pd.DataFrame:
    low, high = _interval_arrays(study_ci, len(frame))
    return pd.DataFrame(
        {
            "group": frame["group"].to_numpy(),
            "study_id": frame["study_id"].astype(str).to_numpy(),
            "label": frame["label"].map(_text).to_numpy(),
            "events": frame["events"].astype(int).to_numpy(),
            "total": frame["total"].astype(int).to_numpy(),
            "proportion": (frame["events"] / frame["total"]).to_numpy(float),
            "ci_low": low,
            "ci_high": high,
        }
    )


def subgroup_test_text(res) -> str:
    stat = "F" if res.test == "F" else "Q"
    return (
        f"Test for subgroup differences: {stat} = {text.num(res.q_between, 3)}, "
        f"df = {res.q_between_df}, p = {text.pval(res.q_between_pvalue)} (τ² {res.tau2_mode})"
    )


def subgroup_table(res, level: float) -> pd.DataFrame:
    f = res.to_frame()
    lvl = f"{level:.0%}"
    return pd.DataFrame(
        {
            "Subgroup": f["group"].map(_text),
            "Studies": f["k"].astype(int),
            "Events / patients": [f"{int(e)} / {int(n)}" for e, n in zip(f["events"], f["total"], strict=True)],
            "Pooled": [text.pct(v) for v in f["estimate"]],
            f"{lvl} CI": [text.interval(a, b) for a, b in zip(f["ci_low"], f["ci_high"], strict=True)],
            f"{lvl} PI": [text.interval(a, b) for a, b in zip(f["pi_low"], f["pi_high"], strict=True)],
            "I²": [f"{v:.0f}%" if math.isfinite(v) else "–" for v in f["i2"].astype(float)],
            "Note": [f"fell back: {_text(fb)}" if _text(fb) else "" for fb in f["fallback"]],
        }
    )


def moderator_centre(values: np.ndarray) -> float:
    """Where a continuous moderator is centred for meta-regression: its mean (0 for a 0/1 moderator).

    Centring makes the intercept the fitted value at the average study (an uncentred year gives an
    intercept at year 0: 145, SE 287); the slope is unchanged.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size or set(np.unique(v)) <= {0.0, 1.0}:
        return 0.0
    return float(np.mean(v))


def metareg_line(res, values: np.ndarray, totals: np.ndarray, n_points: int = 60,
                 centre: float = 0.0) -> pd.DataFrame:
    """Fitted proportion along the moderator (single moderator, fitted on ``values - centre``)."""
    from synthesis.transforms import back_transform, harmonic_mean

    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    xs = np.unique(values) if len(np.unique(values)) <= 2 else np.linspace(lo, hi, n_points)
    fit_t = res.coef[0] + res.coef[1] * (xs - centre)
    nhm = harmonic_mean(totals) if res.transform == "freeman-tukey" else None
    fit = np.asarray(back_transform(fit_t, res.transform, nhm), dtype=float)
    return pd.DataFrame({"x": xs, "fit": fit, "ci_low": np.nan, "ci_high": np.nan})


def metareg_table(res) -> pd.DataFrame:
    f = res.to_frame()
    lvl = f"{res.level:.0%}"
    return pd.DataFrame(
        {
            "Term": f["term"].map(_text),
            f"Coefficient ({res.transform} scale)": [text.num(v, 3) for v in f["estimate"]],
            "SE": [text.num(v, 3) for v in f["se"]],
            f"{lvl} CI": [f"{text.num(a, 3)} to {text.num(b, 3)}" for a, b in zip(f["ci_low"], f["ci_high"], strict=True)],
            "p": [text.pval(v) for v in f["pvalue"]],
        }
    )
