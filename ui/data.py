"""Cached access to the evidence base for the pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import evidence

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "data" / "studies.yaml"


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(path: str, mtime: float) -> evidence.EvidenceBase:
    # mtime is part of the cache key: editing the YAML invalidates the cache deterministically.
    return evidence.load_studies(path)


def get_evidence(path: Path = DEFAULT_DATA) -> evidence.EvidenceBase:
    """The validated evidence base (never raises: problems are in ``.problems``)."""
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _load(str(path), mtime)
