"""Digitised Kaplan–Meier curves: the clicked points of a published figure with their provenance.

A :class:`DigitisedCurve` holds what a user read off one curve of one figure — (time, survival)
points, the numbers at risk printed under it (or the number of patients, and of events when
printed) — with where it came from (source, figure, who digitised it, when). It is validated like
every number in the evidence base (``extra="forbid"``, frozen; messages name the field), kept in
the user's session and exported as JSON; :func:`synthesis.reconstruct_ipd` turns it into pseudo
individual data.
"""

from __future__ import annotations

import datetime as dt
import json
import math

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = ["DigitisedCurve", "curves_from_json", "curves_to_json"]

ENDPOINTS = ("PFS", "TTP", "OS", "DoR")


class DigitisedCurve(BaseModel):
    """One digitised Kaplan–Meier curve with its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    study_id: str = Field(min_length=1, max_length=40)
    endpoint: str
    arm: str = Field(default="", max_length=80)
    source: str = Field(min_length=1, max_length=300, description="Citation or DOI of the figure")
    figure: str = Field(min_length=1, max_length=40, description="Figure number as printed, e.g. '2A'")
    digitised_by: str = Field(min_length=1, max_length=80)
    date: dt.date
    time_unit: str = "months"
    times: tuple[float, ...] = Field(min_length=5)
    survival: tuple[float, ...] = Field(min_length=5, description="Proportions in [0, 1]")
    risk_times: tuple[float, ...] = ()
    n_risk: tuple[int, ...] = ()
    total: int | None = Field(default=None, gt=0)
    events: int | None = Field(default=None, ge=0)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, v: str) -> str:
        if v not in ENDPOINTS:
            raise ValueError(f"must be one of {', '.join(ENDPOINTS)} (got {v!r})")
        return v

    @field_validator("time_unit")
    @classmethod
    def _unit(cls, v: str) -> str:
        if v not in ("months", "weeks", "years", "days"):
            raise ValueError(f"must be months, weeks, years or days (got {v!r})")
        return v

    @field_validator("times", "risk_times")
    @classmethod
    def _finite_times(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        for i, x in enumerate(v):
            if not math.isfinite(x):
                raise ValueError(f"item {i} ({x!r}) is not a finite number")
        return v

    @field_validator("survival")
    @classmethod
    def _proportions(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        for i, x in enumerate(v):
            if not (math.isfinite(x) and -0.05 <= x <= 1.05):
                raise ValueError(f"item {i} ({x!r}) is not a survival proportion (0 to 1)")
        return v

    @field_validator("n_risk")
    @classmethod
    def _counts(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        for i, x in enumerate(v):
            if x < 0:
                raise ValueError(f"item {i} ({x}) is negative")
            if i and x > v[i - 1]:
                raise ValueError(f"item {i} ({x}) exceeds item {i - 1} ({v[i - 1]}): numbers at risk cannot rise")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> DigitisedCurve:
        if len(self.times) != len(self.survival):
            raise ValueError(f"times ({len(self.times)}) and survival ({len(self.survival)}) differ in length")
        if len(self.risk_times) != len(self.n_risk):
            raise ValueError(f"risk_times ({len(self.risk_times)}) and n_risk ({len(self.n_risk)}) differ in length")
        if any(b <= a for a, b in zip(self.risk_times, self.risk_times[1:], strict=False)):
            raise ValueError("risk_times must be strictly increasing")
        if not self.n_risk and self.total is None:
            raise ValueError("give the numbers at risk or the total number of patients")
        n0 = self.n_risk[0] if self.n_risk else self.total
        if self.events is not None and n0 is not None and self.events > n0:
            raise ValueError(f"events ({self.events}) exceeds the number of patients ({n0})")
        return self


def curves_to_json(curves: list[DigitisedCurve]) -> str:
    """The curves as a JSON array (the export of the workbench)."""
    return json.dumps([c.model_dump(mode="json") for c in curves], ensure_ascii=False, indent=1)


def curves_from_json(text: str, *, name: str = "digitised curves") -> list[DigitisedCurve]:
    """Validated curves from :func:`curves_to_json` output; errors name the item and field."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: not JSON ({exc.msg} at line {exc.lineno}).") from None
    if not isinstance(raw, list):
        raise ValueError(f"{name}: expected a list of curves.")
    out = []
    for i, item in enumerate(raw):
        try:
            out.append(DigitisedCurve.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "curve"
            raise ValueError(f"{name}, curve {i + 1}, field {where}: {err['msg']}") from None
    return out
