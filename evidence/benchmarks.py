"""Historical-control library (``data/benchmarks.yaml``): reference values for p0/p1 with provenance.

Each benchmark carries its source, where in the source the value is printed, the printed text,
the endpoint and its time point, and the setting (line, regimen, histology, design) so that the
planner can say when a value is indirect for the planned trial.  Validated like the studies:
pydantic models with ``extra="forbid"``, frozen; ``yaml.safe_load``; problems name the file, the
row and the field.

Time points printed in weeks are converted at 30.44 days a month (12 weeks = 2.8 months) and the
printed form is kept in ``time_printed``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = ["Benchmark", "BenchmarkLibrary", "load_benchmarks"]

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "benchmarks.yaml"
Endpoint = Literal["progression-free rate", "overall survival rate", "median PFS", "objective response rate"]


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
    unit: Literal["proportion", "months"] = "proportion"
    events: int | None = Field(default=None, ge=0)
    n: int | None = Field(default=None, ge=1)
    role: Literal["p0", "p1"] | None = None
    derived: str | None = None
    line: str
    regimen: str
    histology: str
    design: str

    @model_validator(mode="after")
    def _consistent(self) -> Benchmark:
        if self.unit == "proportion" and not self.value < 1:
            raise ValueError(f"value ({self.value}) must be a proportion below 1 when unit is 'proportion'.")
        if self.endpoint == "median PFS" and self.unit != "months":
            raise ValueError("a median PFS must have unit 'months'.")
        if self.endpoint != "median PFS" and self.time_months is None:
            raise ValueError(f"endpoint {self.endpoint!r} needs its time point (time_months).")
        if self.events is not None and self.n is not None:
            if self.events > self.n:
                raise ValueError(f"events ({self.events}) exceed n ({self.n}).")
            if self.derived is None:
                raise ValueError("a value computed from events/n must say how (derived).")
        return self

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


class BenchmarkLibrary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    benchmarks: tuple[Benchmark, ...]

    @model_validator(mode="after")
    def _unique(self) -> BenchmarkLibrary:
        seen: set[str] = set()
        for b in self.benchmarks:
            if b.id in seen:
                raise ValueError(f"benchmark id {b.id!r} is given twice.")
            seen.add(b.id)
        return self


def load_benchmarks(path: str | Path | None = None) -> BenchmarkLibrary:
    """The historical-control library (``ValueError`` naming the file, row and field).

    Examples
    --------
    >>> lib = load_benchmarks()
    >>> sorted({b.endpoint for b in lib.benchmarks})[:2]
    ['median PFS', 'overall survival rate']
    """
    p = Path(path) if path is not None else DEFAULT_PATH
    raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{p.name}: the file must be a mapping with 'version' and 'benchmarks'.")
    try:
        return BenchmarkLibrary.model_validate({"version": str(raw.get("version", "")),
                                                "benchmarks": raw.get("benchmarks") or []})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        row = next((v for v in loc if isinstance(v, int)), None)
        fld = " › ".join(str(v) for v in loc if not isinstance(v, int) and v != "benchmarks")
        raise ValueError(f"{p.name}: benchmark row {row}, field {fld or '<row>'}: {err['msg']}") from None
