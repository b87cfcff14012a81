"""Cached access to the evidence base for the pages."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

import evidence

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "data" / "studies.yaml"


def data_path() -> Path:
    """The data file: ``$APATINIB_STUDIES`` when set (tests, deployments), else the embedded one."""
    return Path(os.environ.get("APATINIB_STUDIES") or DEFAULT_DATA)


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(path: str, mtime: float) -> evidence.EvidenceBase:
    # mtime is part of the cache key: editing the YAML invalidates the cache deterministically.
    return evidence.load_studies(path)


def get_evidence(path: Path | None = None) -> evidence.EvidenceBase:
    """The validated evidence base (never raises: problems are in ``.problems``)."""
    path = path or data_path()
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _load(str(path), mtime)
