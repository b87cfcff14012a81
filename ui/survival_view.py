"""Streamlit caches and renderers of the Survival page.

The reported-evidence view (filters, table rows, flags, curve inputs and sentences) is built by
:mod:`findings.survival_evidence`, pooled medians and milestones by :mod:`findings.survival`, the
figures and their annotations by :mod:`charts.survival`; this module keeps the bounded
``st.cache_data`` wrappers and the session-dependent inputs (curves digitised in this session).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from charts.survival import milestone_panel
from findings import survival_evidence as SE
from findings.digitise import SAVED_CURVES, greenwood_se_at
from findings.frames import Frames, frames_of
from findings.query import CONTROLS
from findings.survival import (  # noqa: F401  (re-exported for the page)
    EORTC_SOURCE,
    POOL_METHODS,
    SESSION_RECONSTRUCTED,
    default_pool_method,
    exclusions,
    finite,
    interval_name,
    method_comparison,
    milestone_times,
    milestone_view,
    overlap_note,
    pool_candidates,
    pool_results,
    pooled_headline,
    result_lines,
    run_pool,
    truthy,
)
from findings.text import decimal, md
from ui import controls
from ui.widgets import plot

# --------------------------------------------------------------------------------------------
# small text helpers


# --------------------------------------------------------------------------------------------
# frames


# --------------------------------------------------------------------------------------------
# consistency flags attached to the rows they concern


# --------------------------------------------------------------------------------------------
# the survival table (display and CSV)


# --------------------------------------------------------------------------------------------
# cached wrappers (bounded)
@st.cache_data(max_entries=4, show_spinner=False)
def _cached_frames(_ev, path: str, sha: str | None) -> Frames:
    return frames_of(_ev)


def cached_frames(ev) -> Frames:
    """The page's tables for an evidence base (cached by path and content hash)."""
    return _cached_frames(ev, str(getattr(ev, "path", "")), getattr(ev, "sha256", None))


@contextmanager
def guard(what: str) -> Iterator[None]:
    """Show a plain error instead of a traceback when a part of the page cannot be computed."""
    try:
        yield
    except (ValueError, KeyError, TypeError, IndexError, ZeroDivisionError) as exc:

        st.error(f"{what} could not be shown for this selection: {md(str(exc))}")


def show_milestones(frame: pd.DataFrame, reports: str) -> None:
    """The pooled-milestones tab: endpoint, common time, scale; headline, panel, every candidate."""
    eps = [e for e in SE.ENDPOINTS if milestone_times(frame, e)]
    if not eps:
        st.info("No whole-cohort milestone rate matches the filters.")
        return
    c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
    label = CONTROLS["ms_endpoint"].label
    ep = label(controls.kept(c1.selectbox, "Endpoint", "ms_endpoint", [e.lower() for e in eps],
                             format_func=label, default=eps[0].lower()))
    times = [f"{t:g}" for t in milestone_times(frame, ep)]
    t = controls.kept(c2.selectbox, "At (months)", "ms_time", times, format_func=decimal, default=times[0])
    scale = controls.kept(c3.radio, "Scale", "ms_scale",
                          help="Pooling scale of the Kaplan–Meier rates (SE from the printed 95% CI).")
    unstated = controls.kept(c4.toggle, "Rates of unstated method as Kaplan–Meier", "ms_unstated",
                             help="Crude proportions are never pooled with Kaplan–Meier rates.")
    view = milestone_view(frame, ep, float(t), reports, include_unstated=unstated, scale=scale,
                          reconstructed_se=reconstructed_se_lookup(ep))
    (st.success if view.result is not None and view.result.k >= 2 else st.warning)(md(view.headline))
    for note in view.notes:
        st.caption(md(note))
    if view.reference:
        st.caption(md(f"Reference lines: {EORTC_SOURCE}."))
    if view.result is not None and view.result.k:
        plot(milestone_panel(view.result, endpoint=ep, reference=view.reference), key="fig_milestone")
    st.dataframe(view.rows, hide_index=True, width="stretch", key="ms_rows")


def reconstructed_medians(endpoint: str) -> list[tuple[str, float]]:
    """Medians of the curves reconstructed in this session's digitising workbench (``endpoint``)."""
    return [(label, m) for ep, label, m in st.session_state.get(SESSION_RECONSTRUCTED, []) if ep == endpoint]


def reconstructed_se_lookup(endpoint: str):
    """``(study_id, time) -> Greenwood SE`` from curves digitised in this session (NaN if none)."""
    curves = [c for c in st.session_state.get(SAVED_CURVES, []) if c.endpoint == endpoint]
    if not curves:
        return None
    return lambda study_id, time: greenwood_se_at(curves, study_id, time)
