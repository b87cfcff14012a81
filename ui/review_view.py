"""Cached views of the living review for the pages (built-in data; see findings.review)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.prisma import prisma_figure
from evidence import load_studies
from evidence.base import EvidenceBase
from evidence.diff import diff_bases
from evidence.searchlog import load_search_log
from findings import review as R


@st.cache_resource(max_entries=4, show_spinner=False)
def living_review(sha: str, _base: EvidenceBase) -> tuple[R.PrismaView, R.WhatsNew | None, str]:
    """PRISMA view, What's new (previous version -> this one) and the diff text (read-only)."""
    log, _ = load_search_log()
    previous = load_studies(log.previous_path()) if log is not None else None
    view = R.prisma_view(_base, previous=previous)
    if view.log is None or previous is None or not previous.ok:
        return view, None, ""
    cur = view.log.current_version
    news = R.whats_new(previous, _base, date=cur.date, version=cur.label)
    report = R.diff_report(diff_bases(previous, _base), news.pooled)
    return view, news, report


@st.cache_resource(max_entries=4, show_spinner=False)
def figure(sha: str, _view: R.PrismaView):
    return prisma_figure(_view.counts) if _view.counts is not None else None


def exclusions_table(base: EvidenceBase) -> pd.DataFrame:
    rows = [(x.id, x.label, x.reason, x.stage, x.found_by, x.detail, ", ".join(x.related))
            for x in base.exclusions]
    return pd.DataFrame(rows, columns=["id", "record", "reason", "stage", "found by", "detail", "related"])
