"""A *view*: every choice behind a report, spelled with the pooled page's URL query parameters.

The keys are the ones ``ui/controls.py`` binds to the URL (``bind="query-params"``):

* data: ``endpoint, timepoint, reports, histology, design, regimen, line``
  (the four filters are repeated keys, ``histology=A&histology=B``, as Streamlit writes them);
* model: ``method, transform, ci, pi, i2, level, study_ci, prior``;
* display: ``forest_sort`` (forest-plot order, ``ui.controls.sort_control``);
* design slide: ``p0, p1, alpha, power`` (the Trial planner's keys and defaults).

Defaults are the page defaults (``evidence.selection.Selection()`` and ``synthesis.spec.Model()``),
and, like Streamlit, :meth:`View.to_query` leaves a value out when it equals its default.

Values are the project vocabulary (``docs/ARCHITECTURE.md``): ``method=REML``, ``ci=hksj``,
``level=0.95``. Streamlit's query binding writes a widget's *formatted* option into the URL, and
three of the page's widgets have a ``format_func`` (``timepoint``, ``reports``, ``forest_sort``),
so :meth:`View.to_query` writes those three as the page does (``timepoint=Week 12``,
``reports=All reports (overlapping cohorts)``, ``forest_sort=Estimate``) and
:meth:`View.from_query` accepts either spelling of every key (also older labels such as
``method=REML — restricted maximum likelihood (REML)`` or ``level=95%``).

This module must not import streamlit (it is used headless by ``python -m reports``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from evidence.selection import ENDPOINTS as _ENDPOINT_LABELS
from evidence.selection import REPORTS as _REPORT_LABELS
from evidence.selection import TIMEPOINTS as _TIMEPOINT_LABELS
from evidence.selection import Selection
from synthesis.spec import Model
from synthesis.validation import check_level
from synthesis.vocabulary import (
    CI_METHODS,
    I2_DEFINITIONS,
    LABELS,
    METHODS,
    PI_METHODS,
    STUDY_CI_METHODS,
    TRANSFORMS,
)

__all__ = ["ALIASES", "FILTER_KEYS", "IGNORED_KEYS", "QUERY_KEYS", "View"]

ENDPOINTS = tuple(_ENDPOINT_LABELS)  # ("ORR", "DCR")
TIMEPOINTS = tuple(_TIMEPOINT_LABELS)  # ("headline", "best_overall", "week_12", "final")
REPORTS = tuple(_REPORT_LABELS)  # ("one", "all")
_SELECTION = Selection()
_MODEL = Model()
PRIORS = (0.5, 1.0)
SORTS = ("year", "estimate", "weight", "label")
FILTER_KEYS = ("histology", "design", "regimen", "line")

#: URL key -> View field (the fields use the project vocabulary's long names)
QUERY_KEYS: dict[str, str] = {
    "endpoint": "endpoint",
    "timepoint": "timepoint",
    "reports": "reports",
    "histology": "histology",
    "design": "design",
    "regimen": "regimen",
    "line": "line",
    "method": "method",
    "transform": "transform",
    "ci": "ci_method",
    "pi": "pi_method",
    "i2": "i2_definition",
    "level": "level",
    "study_ci": "study_ci_method",
    "prior": "prior_scale",
    "forest_sort": "forest_sort",
    "p0": "p0",
    "p1": "p1",
    "alpha": "alpha",
    "power": "power",
}
#: other spellings accepted on input (an earlier forest panel keyed its order ``sort``)
ALIASES = {"sort": "forest_sort"}
#: keys that may appear in an app URL but do not change the report
IGNORED_KEYS = frozenset({
    "present", "slide", "study", "embed", "embed_options", "tab",
    # Trial planner keys other than p0/p1/alpha/power (sources, notes, search options)
    "plan", "p0_src", "p1_src", "p0_note", "p1_note", "constraint", "pick",
    # tabs and chart-local choices of the Pooled efficacy and Designs & subtypes pages
    "ptab", "ctab", "stab", "by", "moderator", "tau2_mode",
})

# display labels written by the page's widgets (format_func) -> vocabulary literal
_TIMEPOINT_LABELS = {
    "Headline per study": "headline",
    "Best overall response": "best_overall",
    "Week 12": "week_12",
    "Final analysis": "final",
}
_REPORT_LABELS = {
    "One report per cohort": "one",
    "All reports (overlapping cohorts)": "all",
}
_LEVEL_LABELS = {"95%": "0.95", "90%": "0.9", "99%": "0.99"}
_PRIOR_LABELS = {"half-normal(0.5)": "0.5", "half-normal(1.0)": "1.0"}
_SORT_LABELS = {"Year": "year", "Estimate": "estimate", "Weight": "weight", "Name": "label"}
#: keys whose page widget has a format_func: Streamlit binds the *label*, so write the label
_PAGE_SPELLING = {
    "timepoint": {v: k for k, v in _TIMEPOINT_LABELS.items()},
    "reports": {v: k for k, v in _REPORT_LABELS.items()},
    "forest_sort": {v: k for k, v in _SORT_LABELS.items()},
}


def _from_label(value: str, allowed: tuple[str, ...], extra: Mapping[str, str] | None = None) -> str:
    """A vocabulary literal from a literal, a LABELS text, ``"REML — ..."`` or a page label."""
    v = value.strip()
    if v in allowed:
        return v
    if extra and v in extra:
        return extra[v]
    head = v.split(" — ", 1)[0].strip()  # METHOD_LABELS: "REML — restricted maximum ..."
    if head in allowed:
        return head
    for lit in allowed:
        if LABELS.get(lit) == v:
            return lit
    return v  # left for validation to reject with the allowed values


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
    p0: float = 0.2
    p1: float = 0.4
    alpha: float = 0.05
    power: float = 0.8

    def __post_init__(self) -> None:
        def check(name: str, value: object, allowed) -> None:
            if value not in allowed:
                key = next((k for k, f in QUERY_KEYS.items() if f == name), name)
                opts = ", ".join(f"'{a}'" for a in allowed)
                raise ValueError(f"{key} ({value!r}) must be one of {opts}.")

        check("endpoint", self.endpoint, ENDPOINTS)
        check("timepoint", self.timepoint, TIMEPOINTS)
        check("reports", self.reports, REPORTS)
        check("method", self.method, METHODS)
        check("transform", self.transform, TRANSFORMS)
        check("ci_method", self.ci_method, CI_METHODS)
        check("pi_method", self.pi_method, PI_METHODS)
        check("i2_definition", self.i2_definition, I2_DEFINITIONS)
        check("study_ci_method", self.study_ci_method, STUDY_CI_METHODS)
        check("forest_sort", self.forest_sort, SORTS)
        try:
            check_level(self.level)
        except ValueError:
            raise ValueError(f"level ({self.level!r}) must be a number in (0, 1), e.g. 0.95.") from None
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
        if not any(math.isclose(float(self.prior_scale), p) for p in PRIORS):
            raise ValueError(f"prior ({self.prior_scale!r}) must be one of 0.5 or 1.0.")
        for key in FILTER_KEYS:
            vals = getattr(self, key)
            if not isinstance(vals, tuple) or not all(isinstance(v, str) for v in vals):
                raise ValueError(f"{key} must be a tuple of strings (got {vals!r}).")
        # Model's rules (e.g. the logit link under the GLMM) give one spelling of each view
        object.__setattr__(self, "transform", self.model().transform)

    # ------------------------------------------------------------------------------------
    @classmethod
    def from_query(cls, query: str | Mapping[str, Any], *, strict: bool = True) -> View:
        """Parse ``"endpoint=DCR&method=DL&histology=A&histology=B"`` (or a full app URL, or a dict).

        Dict values may be strings or lists of strings. Unknown keys raise ``ValueError`` naming
        them when ``strict`` (keys in :data:`IGNORED_KEYS`, such as ``present``, are skipped).
        An empty value (``histology=``) means "no restriction"/default, as in Streamlit.
        """
        pairs: list[tuple[str, str]] = []
        if isinstance(query, str):
            q = query.strip()
            if "://" in q or q.startswith("/"):
                q = urlsplit(q).query
            q = q.lstrip("?")
            pairs = parse_qsl(q, keep_blank_values=True)
        elif isinstance(query, Mapping):
            for key, value in query.items():
                if value is None:
                    continue
                if isinstance(value, (list, tuple)):
                    pairs.extend((str(key), _scalar(v)) for v in value)
                else:
                    pairs.append((str(key), _scalar(value)))
        else:
            raise ValueError(f"query must be a string or a mapping (got {type(query).__name__}).")
        return cls.from_pairs(pairs, strict=strict)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]], *, strict: bool = True) -> View:
        values: dict[str, list[str]] = {}
        unknown: list[str] = []
        for key, value in pairs:
            key = ALIASES.get(key, key)
            if key in QUERY_KEYS:
                values.setdefault(key, []).append(value)
            elif key not in IGNORED_KEYS:
                unknown.append(key)
        if unknown and strict:
            raise ValueError(
                f"unknown view key(s) {sorted(set(unknown))}; known keys are "
                f"{', '.join(QUERY_KEYS)}."
            )
        kw: dict[str, Any] = {}
        for key, vals in values.items():
            name = QUERY_KEYS[key]
            if key in FILTER_KEYS:
                kw[name] = tuple(dict.fromkeys(v.strip() for v in vals if v.strip()))
                continue
            v = vals[-1].strip()  # Streamlit: with repeated keys the last wins
            if v == "":
                continue
            if key == "method":
                kw[name] = _from_label(v, METHODS)
            elif key == "transform":
                kw[name] = _from_label(v, TRANSFORMS)
            elif key == "ci":
                kw[name] = _from_label(v, CI_METHODS)
            elif key == "pi":
                kw[name] = _from_label(v, PI_METHODS)
            elif key == "i2":
                kw[name] = _from_label(v, I2_DEFINITIONS)
            elif key == "study_ci":
                kw[name] = _from_label(v, STUDY_CI_METHODS)
            elif key == "timepoint":
                kw[name] = _from_label(v, TIMEPOINTS, _TIMEPOINT_LABELS)
            elif key == "reports":
                kw[name] = _from_label(v, REPORTS, _REPORT_LABELS)
            elif key == "forest_sort":
                kw[name] = _from_label(v, SORTS, _SORT_LABELS)
            elif key in ("p0", "p1", "alpha", "power"):
                try:
                    kw[name] = float(v)
                except ValueError:
                    raise ValueError(f"{key} ({v!r}) must be a number in (0, 1).") from None
            elif key == "endpoint":
                kw[name] = v.upper()
            elif key in ("level", "prior"):
                table = _LEVEL_LABELS if key == "level" else _PRIOR_LABELS
                text = table.get(v, v)
                try:
                    kw[name] = float(text[:-1]) / 100 if text.endswith("%") else float(text)
                except ValueError:
                    raise ValueError(f"{key} ({v!r}) must be a number, e.g. 0.95.") from None
        return cls(**kw)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> View:
        """From a YAML/JSON mapping with the same keys (``--view-file choices.yaml``)."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError("a view file must hold a mapping of view keys to values.")
        return cls.from_query(dict(data))

    @classmethod
    def from_file(cls, path: str | Path) -> View:
        """Read a YAML (or JSON) file of view keys (``yaml.safe_load`` only)."""
        import yaml

        text = Path(path).read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML ({exc}).") from None
        return cls.from_mapping(data)

    # ------------------------------------------------------------------------------------
    def to_pairs(self) -> list[tuple[str, str]]:
        """Non-default values as ``(key, value)`` pairs, filters repeated, in page key order."""
        default = View()
        out: list[tuple[str, str]] = []
        for key, name in QUERY_KEYS.items():
            value = getattr(self, name)
            if value == getattr(default, name):
                continue
            if key in FILTER_KEYS:
                out.extend((key, v) for v in value)
            elif key in _PAGE_SPELLING:
                out.append((key, _PAGE_SPELLING[key][value]))
            elif key == "prior":
                out.append((key, f"{value:.1f}"))  # the page's options are "0.5" and "1.0"
            elif isinstance(value, float):
                out.append((key, repr(value) if key in ("p0", "p1", "alpha", "power") else f"{value:g}"))
            else:
                out.append((key, str(value)))
        return out

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

    def with_endpoint(self, endpoint: str) -> View:
        """The same view for another endpoint (ORR/DCR)."""
        kw = {f.name: getattr(self, f.name) for f in fields(self)}
        kw["endpoint"] = endpoint
        return View(**kw)


def _scalar(v: object) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    return "" if v is None else str(v)
