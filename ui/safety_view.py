"""Cached safety view for the Safety page (keyed by the data analysed and the filters)."""

from __future__ import annotations

import streamlit as st

from findings.safety import SafetyView, published_frame, safety_view
from ui.userdata_state import active_evidence


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_safety(key: str, level: float, reports: str, regimen: tuple, histology: tuple,
                  design: tuple) -> SafetyView:
    """:func:`findings.safety.safety_view` on the evidence analysed now (``key`` = data key)."""
    return safety_view(active_evidence(), level=level, reports=reports, regimen=regimen,
                       histology=histology, design=design)


@st.cache_data(max_entries=16, show_spinner=False)
def overview_line(key: str, regimen: tuple) -> str:
    """The Overview's safety sentence (cached: the Overview asks on every rerun)."""
    return cached_safety(key, 0.95, "one", regimen, (), ()).overview_line()


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_published(key: str):
    return published_frame(active_evidence())
