"""Evidence layer: pydantic models of the apatinib sarcoma studies, YAML loading, consistency
checks and analysis-ready tables (no Streamlit, no plotly).

>>> from evidence import load_studies
>>> base = load_studies()          # data/studies.yaml next to the package
>>> base.problems                  # never raises on bad content
()
"""

from __future__ import annotations

from evidence.base import EvidenceBase, Flag, Problem
from evidence.checks import CHECKS, candidate_fractions, percent_fits, rounded_percent, run_checks
from evidence.loader import (
    DEFAULT_PATH,
    MAX_BYTES,
    load_studies,
    load_studies_from_bytes,
    load_studies_from_text,
)
from evidence.models import (
    ENDPOINTS,
    HISTOLOGY_GROUPS,
    RECORD_KINDS,
    TIMEPOINTS,
    Citation,
    Counts,
    Design,
    EvidenceFile,
    FollowUp,
    Interval,
    LineCount,
    Median,
    Milestone,
    Num,
    Outcomes,
    OverlapGroup,
    Planned,
    PooledEstimate,
    Population,
    Quoted,
    Rate,
    RecordedFlag,
    Regimen,
    ResponseCounts,
    Source,
    Study,
    Subtype,
    Toxicity,
)
from evidence.tables import FLAGS_COLUMNS, OUTCOMES_COLUMNS, SURVIVAL_COLUMNS, design_label

__all__ = [
    "CHECKS",
    "DEFAULT_PATH",
    "ENDPOINTS",
    "FLAGS_COLUMNS",
    "HISTOLOGY_GROUPS",
    "MAX_BYTES",
    "OUTCOMES_COLUMNS",
    "RECORD_KINDS",
    "SURVIVAL_COLUMNS",
    "TIMEPOINTS",
    "Citation",
    "Counts",
    "Design",
    "EvidenceBase",
    "EvidenceFile",
    "Flag",
    "FollowUp",
    "Interval",
    "LineCount",
    "Median",
    "Milestone",
    "Num",
    "Outcomes",
    "OverlapGroup",
    "Planned",
    "Population",
    "PooledEstimate",
    "Problem",
    "Quoted",
    "Rate",
    "RecordedFlag",
    "Regimen",
    "ResponseCounts",
    "Source",
    "Study",
    "Subtype",
    "Toxicity",
    "candidate_fractions",
    "design_label",
    "load_studies",
    "load_studies_from_bytes",
    "load_studies_from_text",
    "percent_fits",
    "rounded_percent",
    "run_checks",
]
