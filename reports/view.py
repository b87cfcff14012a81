"""A *view*: every choice behind a report, spelled with the pooled page's URL query parameters.

The keys are the ones ``ui/controls.py`` binds to the URL (``bind="query-params"``):

* data: ``endpoint, timepoint, reports, histology, design, regimen, line``
  (the four filters are repeated keys, ``histology=A&histology=B``, as Streamlit writes them);
* model: ``method, transform, ci, pi, i2, level, study_ci, prior``;
* display: ``forest_sort`` (forest-plot order, ``ui.controls.sort_control``) and ``rob_cb`` (the
  Appraisal page's colour-blind toggle, ``true``/``false``: the risk-of-bias figures in robvis'
  ``"colourblind"`` palette instead of ``"cochrane"``, :data:`findings.appraisal.ROB_PALETTES`);
* design slide: ``p0, p1, alpha, power`` (the Trial planner's keys and defaults).

Defaults are the page defaults (``evidence.selection.Selection()`` and ``synthesis.spec.Model()``),
and, like Streamlit, :meth:`View.to_query` leaves a value out when it equals its default.

Values are the stable lowercase URL tokens of the project vocabulary (``docs/ARCHITECTURE.md``),
written by :func:`findings.query.url_values` — the one spelling the pages also write into the
address bar after every interaction: ``endpoint=dcr&timepoint=week_12&method=pm&ci=hksj&level=0.9``.
:meth:`View.from_query` accepts every older spelling too (literals such as ``method=REML``, the
labels older pages wrote, ``timepoint=Week 12``, ``reports=All reports (overlapping cohorts)``,
``method=REML — restricted maximum likelihood (REML)`` or ``level=95%``).

This module must not import streamlit (it is used headless by ``python -m reports``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from evidence.selection import ENDPOINTS as _ENDPOINT_LABELS
from evidence.selection import REPORTS as _REPORT_LABELS
from evidence.selection import TIMEPOINTS as _TIMEPOINT_LABELS
from evidence.selection import Selection
from findings.appraisal import ROB_PALETTES
from findings.query import (
    ALIASES,
    CONTROLS,
    DESIGN_DEFAULTS,
    FILTER_KEYS,
    IGNORED_KEYS,
    QUERY_KEYS,
    SORTS,
    ParsedView,
    parse_view,
    read_view_file,
    url_values,
)
from synthesis.spec import Model

__all__ = ["ALIASES", "FILTER_KEYS", "IGNORED_KEYS", "QUERY_KEYS", "View"]

ENDPOINTS = tuple(_ENDPOINT_LABELS)  # ("ORR", "DCR")
TIMEPOINTS = tuple(_TIMEPOINT_LABELS)  # ("headline", "best_overall", "week_12", "final")
REPORTS = tuple(_REPORT_LABELS)  # ("one", "all")
_SELECTION = Selection()
_MODEL = Model()


@dataclass(frozen=True, slots=True)
class View:
    """Every choice behind a report (immutable; hashable; round-trips through a URL query)."""

    # defaults: the pages' own (one definition each: evidence.selection.Selection, synthesis.spec.Model)
    endpoint: str = _SELECTION.endpoint
    timepoint: str = _SELECTION.timepoint
    reports: str = _SELECTION.reports
    histology: tuple[str, ...] = _SELECTION.histology
    design: tuple[str, ...] = _SELECTION.design
    regimen: tuple[str, ...] = _SELECTION.regimen
    line: tuple[str, ...] = _SELECTION.line
    method: str = _MODEL.method
    transform: str = _MODEL.transform
    ci_method: str = _MODEL.ci_method
    pi_method: str = _MODEL.pi_method
    i2_definition: str = _MODEL.i2_definition
    level: float = _MODEL.level
    study_ci_method: str = _MODEL.study_ci_method
    prior_scale: float = _MODEL.prior_scale
    forest_sort: str = "year"
    #: the Appraisal page's colour-blind toggle (link key ``rob_cb``): see :attr:`palette`
    rob_cb: bool = CONTROLS["rob_cb"].default
    p0: float = DESIGN_DEFAULTS["p0"]
    p1: float = DESIGN_DEFAULTS["p1"]
    alpha: float = DESIGN_DEFAULTS["alpha"]
    power: float = DESIGN_DEFAULTS["power"]

    def __post_init__(self) -> None:
        def check(name: str, value: object, allowed) -> None:
            if value not in allowed:
                key = next((k for k, f in QUERY_KEYS.items() if f == name), name)
                opts = ", ".join(f"'{a}'" for a in allowed)
                raise ValueError(f"{key} ({value!r}) must be one of {opts}.")

        check("endpoint", self.endpoint, ENDPOINTS)
        check("timepoint", self.timepoint, TIMEPOINTS)
        check("reports", self.reports, REPORTS)
        check("forest_sort", self.forest_sort, tuple(SORTS))
        if not isinstance(self.rob_cb, bool):
            raise ValueError(f"rob_cb ({self.rob_cb!r}) must be True or False (the colour-blind palette "
                             "of the risk-of-bias figures).")
        model = self.model()  # validates the model fields (ValueError naming field and values)
        for name in ("p0", "p1", "alpha", "power"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 < v < 1:
                raise ValueError(f"{name} ({v!r}) must be a number in (0, 1).")
        if not self.p0 < self.p1:
            raise ValueError(f"p0 ({self.p0!r}) must be smaller than p1 ({self.p1!r}).")
        if not self.alpha <= 0.5:
            raise ValueError(f"alpha ({self.alpha!r}) must be in (0, 0.5].")
        if not self.power >= 0.5:
            raise ValueError(f"power ({self.power!r}) must be in [0.5, 1).")
        for key in FILTER_KEYS:
            vals = getattr(self, key)
            if not isinstance(vals, tuple) or not all(isinstance(v, str) for v in vals):
                raise ValueError(f"{key} must be a tuple of strings (got {vals!r}).")
        # Model's rules (e.g. the logit link under the GLMM) give one spelling of each view
        object.__setattr__(self, "transform", model.transform)

    # ------------------------------------------------------------------------------------
    @classmethod
    def from_query(cls, query: str | Mapping[str, Any], *, strict: bool = True) -> View:
        """Parse ``"endpoint=DCR&method=DL&histology=A&histology=B"`` (or a full app URL, or a dict).

        The one parser of a view is :func:`findings.query.parse_view`. With ``strict`` any problem
        (unknown key, value not in the vocabulary) raises ``ValueError`` naming every one;
        otherwise the problem's field keeps its default.
        """
        return cls.from_parsed(parse_view(query, source="view"), strict=strict)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]], *, strict: bool = True) -> View:
        return cls.from_parsed(parse_view(pairs, source="view"), strict=strict)

    @classmethod
    def from_parsed(cls, parsed: ParsedView, *, strict: bool = True) -> View:
        """The view of a :class:`findings.query.ParsedView` (``ValueError`` on problems if strict)."""
        if strict and parsed.problems:
            raise ValueError(parsed.error())
        sel, model = parsed.selection, parsed.model
        return cls(
            **{f.name: getattr(sel, f.name) for f in fields(sel)},
            **{f.name: getattr(model, f.name) for f in fields(model)},
            forest_sort=parsed.forest_sort,
            rob_cb=parsed.rob_cb,
            **parsed.design,
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> View:
        """From a YAML/JSON mapping with the same keys (``--view-file choices.yaml``)."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError("a view file must hold a mapping of view keys to values.")
        return cls.from_parsed(parse_view(data, source="view file"))

    @classmethod
    def from_file(cls, path: str | Path) -> View:
        """Read a YAML (or JSON) file of view keys (``yaml.safe_load`` only)."""
        return cls.from_mapping(read_view_file(path))

    # ------------------------------------------------------------------------------------
    def to_pairs(self) -> list[tuple[str, str]]:
        """Non-default values as ``(key, token)`` pairs, filters repeated, in page key order
        (:func:`findings.query.url_values`, the spelling the pages write)."""
        return [(key, v) for key, values in url_values(asdict(self)).items() for v in values]

    def to_query(self) -> str:
        """URL query (no leading ``?``); empty for the default view."""
        return urlencode(self.to_pairs())

    def to_dict(self) -> dict[str, Any]:
        """Every field (field names) as plain Python values."""
        d = asdict(self)
        for key in FILTER_KEYS:
            d[key] = list(d[key])
        return d

    def to_yaml_mapping(self) -> dict[str, Any]:
        """Non-default values keyed by URL key (what ``--view-file`` reads)."""
        out: dict[str, Any] = {}
        for key, value in self.to_pairs():
            if key in FILTER_KEYS:
                out.setdefault(key, []).append(value)
            else:
                out[key] = value
        return out

    # ------------------------------------------------------------------------------------
    def model(self) -> Model:
        """The statistical choices as the pages' :class:`synthesis.spec.Model`."""
        return Model(method=self.method, transform=self.transform, ci_method=self.ci_method,
                     pi_method=self.pi_method, i2_definition=self.i2_definition, level=self.level,
                     study_ci_method=self.study_ci_method, prior_scale=float(self.prior_scale))

    def selection(self) -> Selection:
        """The rows to pool as the pages' :class:`evidence.selection.Selection`."""
        return Selection(**self.selection_kwargs())

    def pool_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`synthesis.pool_proportions`."""
        return self.model().pool_kwargs()

    def selection_kwargs(self) -> dict[str, Any]:
        """Fields of :class:`evidence.selection.Selection`."""
        return {
            "endpoint": self.endpoint,
            "timepoint": self.timepoint,
            "histology": self.histology,
            "design": self.design,
            "regimen": self.regimen,
            "line": self.line,
            "reports": self.reports,
        }

    def model_kwargs(self) -> dict[str, Any]:
        """Fields of :class:`synthesis.spec.Model`."""
        return asdict(self.model())

    @property
    def palette(self) -> str:
        """The robvis palette of the risk-of-bias figures (``"cochrane"`` or ``"colourblind"``)."""
        return ROB_PALETTES[self.rob_cb]

    def with_palette(self, palette: str) -> View:
        """The same view with the risk-of-bias figures in ``palette`` (a robvis palette name)."""
        flags = {name: flag for flag, name in ROB_PALETTES.items()}
        if palette not in flags:
            raise ValueError(f"palette ({palette!r}) must be one of {', '.join(map(repr, flags))}.")
        return replace(self, rob_cb=flags[palette])

    def with_endpoint(self, endpoint: str) -> View:
        """The same view for another endpoint (ORR/DCR)."""
        kw = {f.name: getattr(self, f.name) for f in fields(self)}
        kw["endpoint"] = endpoint
        return View(**kw)

