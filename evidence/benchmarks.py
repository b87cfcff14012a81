"""Historical-control library (``data/benchmarks.yaml``): reference values for p0/p1 with provenance.

Each benchmark carries its source, where in the source the value is printed, the printed text,
the endpoint and its time point, and the setting (line, regimen, histology, design) so that the
planner can say when a value is indirect for the planned trial.  Validated like the studies:
pydantic models with ``extra="forbid"``, frozen; ``yaml.safe_load``; problems name the file, the
row and the field.

Time points printed in weeks are converted at 30.44 days a month (12 weeks = 2.8 months) and the
printed form is kept in ``time_printed``; medians keep the unit they are printed in (months or
weeks, :attr:`Benchmark.months` converts).  An interval is kept only as printed, with its kind
(``ci_kind``: "95% CI", "95.5% CI", ...).  ``flag`` records what a reader must know about the
provenance: a value read in a secondary report of the publication, a slip or a disagreement
between two reports of the same figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = ["MEDIANS", "TIMED_RATES", "Benchmark", "BenchmarkLibrary", "BenchmarkSearch", "load_benchmarks"]

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "benchmarks.yaml"
Endpoint = Literal["progression-free rate", "overall survival rate", "event-free rate", "objective response rate",
                   "median PFS", "median OS"]
#: endpoints that are a median time (not candidates for p0/p1), and those that are rates at a time point
MEDIANS = ("median PFS", "median OS")
TIMED_RATES = ("progression-free rate", "overall survival rate", "event-free rate")
DAYS_PER_MONTH = 30.44


class Benchmark(BaseModel):
    """One reference value with its provenance and setting."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(min_length=1)
    source: str = Field(min_length=10)
    url: str = Field(pattern=r"^https?://")
    location: str = Field(min_length=1)
    printed: str = Field(min_length=5)
    endpoint: Endpoint
    time_months: float | None = Field(default=None, gt=0)
    time_printed: str | None = None
    value: float = Field(gt=0)
    unit: Literal["proportion", "months", "weeks"] = "proportion"
    ci_low: float | None = Field(default=None, ge=0)
    ci_high: float | None = Field(default=None, gt=0)
    ci_kind: str | None = Field(default=None, pattern=r"^\d+(\.\d+)?% CI$")
    events: int | None = Field(default=None, ge=0)
    n: int | None = Field(default=None, ge=1)
    role: Literal["p0", "p1"] | None = None
    derived: str | None = None
    flag: str | None = None
    line: str
    regimen: str
    histology: str
    design: str

    @model_validator(mode="after")
    def _consistent(self) -> Benchmark:
        if self.unit == "proportion" and not self.value < 1:
            raise ValueError(f"value ({self.value}) must be a proportion below 1 when unit is 'proportion'.")
        if (self.endpoint in MEDIANS) != (self.unit != "proportion"):
            raise ValueError(f"endpoint {self.endpoint!r} with unit {self.unit!r}: a median is a time "
                             "(unit 'months' or 'weeks'), a rate a proportion.")
        if self.endpoint in TIMED_RATES and self.time_months is None:
            raise ValueError(f"endpoint {self.endpoint!r} needs its time point (time_months).")
        if self.endpoint not in TIMED_RATES and self.time_months is not None:
            raise ValueError(f"endpoint {self.endpoint!r} has no time point: leave time_months empty.")
        ci = (self.ci_low, self.ci_high, self.ci_kind)
        if any(v is not None for v in ci):
            if any(v is None for v in ci):
                raise ValueError("an interval needs ci_low, ci_high and ci_kind (as printed, e.g. '95% CI').")
            if not self.ci_low <= self.value <= self.ci_high:
                raise ValueError(f"value ({self.value}) lies outside its interval [{self.ci_low}, {self.ci_high}].")
            if self.unit == "proportion" and not self.ci_high < 1:
                raise ValueError(f"ci_high ({self.ci_high}) must be a proportion below 1.")
        if self.events is not None and self.n is not None:
            if self.events > self.n:
                raise ValueError(f"events ({self.events}) exceed n ({self.n}).")
            if self.derived is None:
                raise ValueError("a value computed from events/n must say how (derived).")
        return self

    @property
    def months(self) -> float | None:
        """A median in months (weeks converted at 30.44 days a month); ``None`` for a rate."""
        if self.unit == "proportion":
            return None
        return self.value if self.unit == "months" else self.value * 7 / DAYS_PER_MONTH

    @property
    def level(self) -> float | None:
        """The interval's level as a fraction (``"95.5% CI"`` -> 0.955); ``None`` without one."""
        return None if self.ci_kind is None else float(self.ci_kind.split("%")[0]) / 100

    @property
    def time_label(self) -> str:
        if self.time_printed:
            return self.time_printed
        if self.time_months is None:
            return ""
        return f"{self.time_months:g} months"

    @property
    def short(self) -> str:
        """``"van Glabbeke 2002"`` style: first author and year from the citation."""
        toks = self.source.split(",")[0].strip('"').split()
        first = " ".join(toks[:-1] if len(toks) > 1 and toks[-1].isupper() else toks)
        year = next((tok for tok in self.source.replace(";", " ").replace(".", " ").split()
                     if tok.isdigit() and len(tok) == 4), "")
        return f"{first} {year}".strip()


class BenchmarkSearch(BaseModel):
    """One search made to find or re-read the source of benchmarks: where and when, the query as
    typed, what it found, and the benchmarks it supports (none when it found nothing usable)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    source: str = Field(min_length=5)
    query: str = Field(min_length=3)
    found: str = Field(min_length=5)
    benchmarks: tuple[str, ...] = ()


class BenchmarkLibrary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    benchmarks: tuple[Benchmark, ...]
    searches: tuple[BenchmarkSearch, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> BenchmarkLibrary:
        seen: set[str] = set()
        for b in self.benchmarks:
            if b.id in seen:
                raise ValueError(f"benchmark id {b.id!r} is given twice.")
            seen.add(b.id)
        for i, s in enumerate(self.searches):
            unknown = [x for x in s.benchmarks if x not in seen]
            if unknown:
                raise ValueError(f"search {i} names unknown benchmark(s): {', '.join(unknown)}.")
        return self


def load_benchmarks(path: str | Path | None = None) -> BenchmarkLibrary:
    """The historical-control library (``ValueError`` naming the file, row and field).

    Examples
    --------
    >>> lib = load_benchmarks()
    >>> b = next(b for b in lib.benchmarks if b.id == "lagmay2016-efs4")
    >>> b.endpoint, b.time_label, b.value, (b.ci_low, b.ci_high), b.level
    ('event-free rate', '4 months', 0.12, (0.06, 0.19), 0.95)
    """
    p = Path(path) if path is not None else DEFAULT_PATH
    raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{p.name}: the file must be a mapping with 'version' and 'benchmarks'.")
    try:
        return BenchmarkLibrary.model_validate({"version": str(raw.get("version", "")),
                                                "benchmarks": raw.get("benchmarks") or [],
                                                "searches": raw.get("searches") or []})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        row = next((v for v in loc if isinstance(v, int)), None)
        if not loc:  # a check across rows (ids, searches)
            raise ValueError(f"{p.name}: {err['msg'].removeprefix('Value error, ')}") from None
        what = "search" if loc[0] == "searches" else "benchmark"
        fld = " › ".join(str(v) for v in loc[1:] if not isinstance(v, int))
        raise ValueError(f"{p.name}: {what} row {row}, field {fld or '<row>'}: {err['msg']}") from None
