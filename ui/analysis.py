"""Streamlit caches of the findings views and synthesis calls used by the synthesis pages.

What is shown is built by :mod:`findings` (pure, shared with the reports); this module only
keeps it in ``st.cache_*`` so that reruns and sessions share it. Keys include :func:`data_key`
(path and content hash of the evidence analysed), never the session.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import synthesis
from charts import forest
from evidence.selection import (  # noqa: F401  (re-exported for the pages)
    ENDPOINTS,
    MISSING,
    Selected,
    Selection,
    filter_options,
    select_outcomes,
)
from findings import compare, pooled
from findings.frames import Counts, Frames, counts, frames_of
from findings.pooled import CHECK_MODEL, DEFAULT_MODEL, Headline, PooledView  # noqa: F401
from synthesis import spec
from synthesis.spec import Model
from ui.userdata_state import active_evidence

# --------------------------------------------------------------------------------------------
# vocabulary of the selection controls and the row selection live in evidence.selection (shared
# with the headless reports); the model choices below are the pages' own.
PRIOR_SCALES = {f"{s:.1f}": f"half-normal({s:.1f})" for s in spec.PRIOR_SCALES}
LEVELS = {f"{lv:g}": f"{lv:.0%}" for lv in spec.LEVELS}
#: ``hash_funcs`` of the caches below: a Model or Selection (frozen, plain fields) is identified by
#: its repr, which names every field exactly; Streamlit's default hashing of a dataclass
#: (``dataclasses.asdict`` and recursion) costs ~0.1 ms per argument on every cached call.
HASH_FUNCS = {Model: repr, Selection: repr}


# --------------------------------------------------------------------------------------------
# thin cached wrappers around synthesis (bounded: keys depend on user input)
@st.cache_data(max_entries=128, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_pool(events: tuple[int, ...], totals: tuple[int, ...], labels: tuple[str, ...], model: Model):
    """:func:`synthesis.pool_proportions` for one model (raises ``ValueError`` on bad input)."""
    return synthesis.pool_proportions(list(events), list(totals), labels=list(labels), **model.pool_kwargs())


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_study_ci(events: tuple[int, ...], totals: tuple[int, ...], method: str, level: float):
    return synthesis.study_intervals(list(events), list(totals), method=method, level=level)


def model_with(model: Model, **changes) -> Model:
    return replace(model, **changes)


def model_dict(model: Model) -> dict:
    return asdict(model)


# --------------------------------------------------------------------------------------------
# evidence tables (cached per data file version)


@st.cache_resource(max_entries=4, show_spinner=False)
def _frames(_ev, path: str, sha: str | None) -> Frames:
    # shared, read-only: every consumer copies before changing anything (select_outcomes does)
    return frames_of(_ev)


def data_key() -> str:
    """Identity of the evidence analysed (part of every derived cache key).

    Built-in, merged with the user's studies, or the user's only, as chosen on Your studies.
    """
    ev = active_evidence()
    return f"{ev.path}:{ev.sha256}"


def evidence_frames() -> Frames:
    """The evidence tables analysed now (cached by path and content hash; includes user studies)."""
    ev = active_evidence()
    return _frames(ev, str(ev.path), ev.sha256)


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


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def pooled_view(sel: Selection, model: Model, key: str) -> PooledView:
    """:func:`findings.pooled.pooled_view` of the evidence analysed (raises ``ValueError``).

    Shared between reruns and sessions (no copy per call): read-only, see :func:`cached_selection`.
    """
    return pooled.pooled_view(evidence_frames(), sel, model, cached_selection(sel, key))


@st.cache_resource(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def headline(sel: Selection, model: Model, check_model: Model, key: str) -> Headline:
    """:func:`findings.pooled.headline` of the evidence analysed (``key`` = :func:`data_key`)."""
    return pooled.headline(evidence_frames(), sel, model, check_model)


@st.cache_resource(max_entries=48, show_spinner=False, hash_funcs=HASH_FUNCS)
def grouped_forest_for(sel: Selection, model: Model, order: str, by: str, key: str) -> go.Figure:
    """The main forest grouped by ``by`` (shared figure; raises ``ValueError`` when not estimable).

    Group diamonds and prediction intervals come from :func:`synthesis.subgroup_analysis` with a
    separate τ² per group (meta's default), study weights from the overall model.
    """
    view = pooled_view(sel, model, key)
    groups = compare.subgroup_frame(evidence_frames().outcomes, sel, by).set_index("study_id")["group"]
    rows = forest.sort_rows(view.rows, order).assign(
        group=lambda r: r["study_id"].map(groups).fillna(MISSING).astype(str))
    order_groups = sorted(set(rows["group"]), key=lambda g: (g == MISSING, g.lower()))
    rows = pd.concat([rows[rows["group"] == g] for g in order_groups], ignore_index=True)
    ev, n = tuple(int(x) for x in rows["events"]), tuple(int(x) for x in rows["total"])
    res = cached_subgroups(ev, n, tuple(rows["group"]), "separate", model)
    rows = pd.concat([rows[rows["group"] == str(g)] for g in res.groups], ignore_index=True)
    return shared_figure(forest.grouped_forest_figure(
        rows, res, view.result, group_title=compare.GROUP_BY[by],
        title=f"{view.title}, by {compare.GROUP_BY[by].lower()}",
        ci_label=f"{model.level:.0%} CI", pooled_label=view.label,
        test_text=compare.subgroup_test_text(res) if len(res.groups) > 1 else "",
    ))


@st.cache_resource(max_entries=48, show_spinner=False, hash_funcs=HASH_FUNCS)
def forest_figure_for(sel: Selection, model: Model, order: str, key: str) -> go.Figure:
    """The forest figure of :func:`pooled_view` (shared object, never mutated after creation)."""
    view = pooled_view(sel, model, key)
    return shared_figure(forest.forest_figure(
        forest.sort_rows(view.rows, order), view.result, title=view.title,
        ci_label=f"{model.level:.0%} CI", pooled_label=view.label,
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


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def cached_subgroup_frame(sel: Selection, by: str, key: str) -> pd.DataFrame:
    """:func:`subgroup_frame` of the current evidence (``key`` = :func:`data_key`)."""
    return compare.subgroup_frame(evidence_frames().outcomes, sel, by)


# --------------------------------------------------------------------------------------------
# cached wrappers of the sensitivity, bias, agreement, Bayes, subgroup and regression modules


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


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def published_comparison(sel: Selection, model: Model, key: str) -> pd.DataFrame:
    """:func:`findings.pooled.published_comparison` of the evidence analysed."""
    frames = evidence_frames()
    return pooled.published_comparison(frames.published, sel, model, frames.outcomes)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def design_contrast_lines(model: Model, key: str) -> tuple[str, ...]:
    """:func:`findings.compare.design_contrast_lines` of the evidence analysed."""
    return compare.design_contrast_lines(evidence_frames(), model)
