"""Study appraisal: MINORS (items 1–8), the JBI case-series checklist, overall risk of bias.

The data live in ``data/appraisals.yaml`` (one record per study, item by item), validated by
pydantic (``extra="forbid"``, frozen) after ``yaml.safe_load``. Every judgement carries a one-line
reason and the source location it rests on (``src``/``at``), like every number of the evidence
file. Loading never raises on bad content: problems name the file, the study and the item.

Conventions (stated once, here)
-------------------------------
MINORS (Slim et al. 2003): items 1–8 for non-comparative studies, each 0 = not reported,
1 = reported but inadequate, 2 = reported and adequate; total 0–16. Slim et al. give no bands;
this project uses the banding common in reviews of non-comparative studies, 0–7 low,
8–13 moderate, 14–16 high (:data:`MINORS_BANDS`, :data:`MINORS_BANDS_SOURCE`).

Items map to the robvis vocabulary as 2 → "Low", 1 → "High", 0 → "No information"
(:data:`ROBVIS_MAP`): an item reported and adequate is at low risk, one reported and inadequate
at high risk, and one not reported gives no information.

Overall risk of bias (:func:`overall_judgement`) rests on the four items that bear on a pooled
single-arm proportion — D2 consecutive inclusion (selection), D3 prospective collection
(data and reporting), D5 unbiased assessment of the endpoint (measurement), D7 loss to follow-up
under 5 % (attrition) — and follows the RoB 2 pattern (Sterne et al. 2019) of "the overall
judgement is that of the worst domain, and missing information is some concerns":
**high** if any key item is 1 (reported, inadequate); **low** if all key items are 2;
**some concerns** otherwise. The total is not used: a low total from an abstract that reports
little is a reporting finding, not evidence of bias.

JBI checklist for case series (Munn et al. 2020): ten questions answered Yes / No / Unclear /
NA; never summed (its authors advise against scores) and shown item by item.

References
----------
Slim K, Nini E, Forestier D, et al. Methodological index for non-randomized studies (MINORS):
development and validation of a new instrument. ANZ J Surg 2003;73:712–716.
Munn Z, Barker TH, Moola S, et al. Methodological quality of case series studies: an
introduction to the JBI critical appraisal tool. JBI Evid Synth 2020;18:2127–2133.
Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in
randomised trials. BMJ 2019;366:l4898.
McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis). Res Synth Methods 2021;12:55–61.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictInt, ValidationError

from evidence.base import Problem
from evidence.loader import MAX_BYTES

__all__ = [
    "DEFAULT_APPRAISALS_PATH",
    "JBI_ANSWERS",
    "JBI_QUESTIONS",
    "KEY_DOMAINS",
    "MINORS_BANDS",
    "MINORS_BANDS_SOURCE",
    "MINORS_ITEMS",
    "OVERALL_LEVELS",
    "OVERALL_RULE",
    "ROBVIS_MAP",
    "Appraisals",
    "JbiItem",
    "MinorsItem",
    "SecondReview",
    "StudyAppraisal",
    "attach_second_review",
    "load_appraisals",
    "load_appraisals_from_bytes",
    "load_appraisals_from_text",
    "minors_band",
    "minors_total",
    "overall_judgement",
]

DEFAULT_APPRAISALS_PATH = Path(__file__).resolve().parents[1] / "data" / "appraisals.yaml"
_SEP = " › "

#: MINORS items 1–8 (non-comparative studies), as robvis domains D1–D8.
MINORS_ITEMS: dict[str, str] = {
    "D1": "A clearly stated aim",
    "D2": "Inclusion of consecutive patients",
    "D3": "Prospective collection of data",
    "D4": "Endpoints appropriate to the aim of the study",
    "D5": "Unbiased assessment of the study endpoint",
    "D6": "Follow-up period appropriate to the aim of the study",
    "D7": "Loss to follow-up less than 5%",
    "D8": "Prospective calculation of the study size",
}
#: (low, high, label) bands of the MINORS total for non-comparative studies.
MINORS_BANDS: tuple[tuple[int, int, str], ...] = ((0, 7, "low"), (8, 13, "moderate"), (14, 16, "high"))
MINORS_BANDS_SOURCE = (
    "bands for non-comparative studies as used in published reviews, e.g. the MINORS table of a "
    "Korean Journal of Orthodontics review (https://e-kjo.org/journal/popup_file.html?uid=2028"
    "&file=&md=tbl&idx=4: 0–7 low, 8–13 moderate, 14–16 high); Slim et al. 2003 define the items "
    "and the ideal score of 16 but no bands"
)
#: MINORS score -> robvis judgement.
ROBVIS_MAP: dict[int, str] = {2: "Low", 1: "High", 0: "No information"}
#: The items that decide the overall judgement.
KEY_DOMAINS: tuple[str, ...] = ("D2", "D3", "D5", "D7")
OVERALL_LEVELS: tuple[str, ...] = ("Low", "Some concerns", "High")
OVERALL_RULE = (
    "Overall risk of bias from MINORS items D2 (consecutive inclusion), D3 (prospective "
    "collection), D5 (unbiased endpoint assessment) and D7 (loss to follow-up < 5%): High if any "
    "of them is 1 (reported but inadequate); Low if all four are 2 (reported and adequate); "
    "Some concerns otherwise (at least one not reported). Items map to robvis as 2 → Low, "
    "1 → High, 0 → No information."
)

JBI_QUESTIONS: dict[str, str] = {
    "Q1": "Clear criteria for inclusion in the case series?",
    "Q2": "Condition measured in a standard, reliable way for all participants?",
    "Q3": "Valid methods used for identification of the condition for all participants?",
    "Q4": "Consecutive inclusion of participants?",
    "Q5": "Complete inclusion of participants?",
    "Q6": "Clear reporting of the demographics of the participants?",
    "Q7": "Clear reporting of clinical information of the participants?",
    "Q8": "Outcomes or follow-up results of cases clearly reported?",
    "Q9": "Clear reporting of the presenting site(s)/clinic(s) demographic information?",
    "Q10": "Statistical analysis appropriate?",
}
JBI_ANSWERS: tuple[str, ...] = ("Yes", "No", "Unclear", "NA")


# --------------------------------------------------------------------------- pure rules


def _check_scores(scores: Mapping[str, int] | Iterable[int]) -> dict[str, int]:
    if isinstance(scores, Mapping):
        out = dict(scores)
    else:
        vals = list(scores)
        if len(vals) != len(MINORS_ITEMS):
            raise ValueError(f"MINORS needs {len(MINORS_ITEMS)} item scores, got {len(vals)}.")
        out = dict(zip(MINORS_ITEMS, vals, strict=True))
    missing = [k for k in MINORS_ITEMS if k not in out]
    if missing:
        raise ValueError(f"MINORS item(s) missing: {', '.join(missing)}.")
    for k, v in out.items():
        if k not in MINORS_ITEMS:
            raise ValueError(f"unknown MINORS item {k!r} (items are D1–D8).")
        if isinstance(v, bool) or v not in (0, 1, 2):
            raise ValueError(f"MINORS {k} ({v!r}) must be 0, 1 or 2.")
    return out


def minors_total(scores: Mapping[str, int] | Iterable[int]) -> int:
    """Sum of the eight MINORS item scores (0–16).

    >>> minors_total([2, 0, 1, 2, 0, 2, 0, 0])
    7
    """
    return sum(_check_scores(scores).values())


def minors_band(total: int) -> str:
    """Band of a MINORS total (:data:`MINORS_BANDS`).

    >>> minors_band(7), minors_band(8), minors_band(14)
    ('low', 'moderate', 'high')
    """
    for low, high, label in MINORS_BANDS:
        if low <= total <= high:
            return label
    raise ValueError(f"MINORS total ({total!r}) must be between 0 and 16.")


def overall_judgement(scores: Mapping[str, int] | Iterable[int]) -> str:
    """Overall risk of bias from the MINORS items (:data:`OVERALL_RULE`).

    >>> overall_judgement([2, 2, 2, 2, 2, 2, 2, 0])
    'Low'
    >>> overall_judgement([2, 0, 2, 2, 0, 2, 2, 0])
    'Some concerns'
    >>> overall_judgement([2, 0, 1, 2, 0, 2, 0, 0])
    'High'
    """
    s = _check_scores(scores)
    key = [s[d] for d in KEY_DOMAINS]
    if any(v == 1 for v in key):
        return "High"
    if all(v == 2 for v in key):
        return "Low"
    return "Some concerns"


# --------------------------------------------------------------------------- models


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True,
                              populate_by_name=True)


class MinorsItem(_Frozen):
    """One MINORS judgement: score, reason, and where in the source it rests."""

    score: Literal[0, 1, 2] = Field(validation_alias=AliasChoices("score", "s"))
    reason: str = Field(min_length=3, validation_alias=AliasChoices("reason", "why"))
    source: str = Field(min_length=1, validation_alias=AliasChoices("source", "src"))
    location: str = Field(min_length=1, validation_alias=AliasChoices("location", "at"))

    @property
    def robvis(self) -> str:
        return ROBVIS_MAP[self.score]


class JbiItem(_Frozen):
    """One JBI answer with its reason and location."""

    answer: Literal["Yes", "No", "Unclear", "NA"] = Field(validation_alias=AliasChoices("answer", "a"))
    reason: str = Field(min_length=3, validation_alias=AliasChoices("reason", "why"))
    source: str = Field(min_length=1, validation_alias=AliasChoices("source", "src"))
    location: str = Field(min_length=1, validation_alias=AliasChoices("location", "at"))


class Minors(_Frozen):
    D1: MinorsItem
    D2: MinorsItem
    D3: MinorsItem
    D4: MinorsItem
    D5: MinorsItem
    D6: MinorsItem
    D7: MinorsItem
    D8: MinorsItem


class Jbi(_Frozen):
    Q1: JbiItem
    Q2: JbiItem
    Q3: JbiItem
    Q4: JbiItem
    Q5: JbiItem
    Q6: JbiItem
    Q7: JbiItem
    Q8: JbiItem
    Q9: JbiItem
    Q10: JbiItem


class SecondReview(_Frozen):
    """A second reviewer's independent judgements (scores/answers only), for agreement."""

    reviewer: str = Field(min_length=3)
    date: _dt.date
    minors: dict[Literal["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"], Literal[0, 1, 2]] = Field(
        default_factory=dict)
    jbi: dict[Literal["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Q9", "Q10"],
              Literal["Yes", "No", "Unclear", "NA"]] = Field(default_factory=dict)


class StudyAppraisal(_Frozen):
    """The appraisal of one study: MINORS D1–D8, JBI Q1–Q10, who and when, an optional second review."""

    study: str = Field(min_length=1, max_length=40)
    appraiser: str = Field(min_length=3)
    date: _dt.date
    basis: str = Field(min_length=3)
    minors: Minors
    jbi: Jbi
    second: SecondReview | None = None
    note: str | None = None

    @property
    def minors_scores(self) -> dict[str, int]:
        return {d: getattr(self.minors, d).score for d in MINORS_ITEMS}

    @property
    def minors_total(self) -> int:
        return minors_total(self.minors_scores)

    @property
    def minors_band(self) -> str:
        return minors_band(self.minors_total)

    @property
    def overall(self) -> str:
        return overall_judgement(self.minors_scores)

    @property
    def jbi_answers(self) -> dict[str, str]:
        return {q: getattr(self.jbi, q).answer for q in JBI_QUESTIONS}

    def minors_item(self, domain: str) -> MinorsItem:
        return getattr(self.minors, domain)

    def jbi_item(self, question: str) -> JbiItem:
        return getattr(self.jbi, question)


class AppraisalFile(_Frozen):
    schema_version: StrictInt
    tools: dict[str, str] = Field(default_factory=dict)
    appraisals: list[Any]


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class Appraisals:
    """Validated appraisals plus the problems met while loading (never raises on content)."""

    file: str
    items: tuple[StudyAppraisal, ...]
    problems: tuple[Problem, ...] = ()

    def __repr__(self) -> str:
        return f"Appraisals({len(self.items)} studies, {len(self.problems)} problems)"

    def __len__(self) -> int:
        return len(self.items)

    def get(self, study_id: str) -> StudyAppraisal | None:
        for a in self.items:
            if a.study == study_id:
                return a
        return None

    @property
    def study_ids(self) -> tuple[str, ...]:
        return tuple(a.study for a in self.items)

    def missing_for(self, study_ids: Iterable[str]) -> tuple[str, ...]:
        """Study ids without an appraisal (in the order given)."""
        have = set(self.study_ids)
        return tuple(s for s in study_ids if s not in have)

    def robvis_frame(self, labels: Mapping[str, str] | None = None,
                     weights: Mapping[str, float] | None = None) -> pd.DataFrame:
        """robvis layout: ``Study, D1…D8, Overall`` (+ ``Weight`` when weights are given).

        Cells hold robvis judgements (:data:`ROBVIS_MAP`), so ``robvis::rob_traffic_light(df,
        tool = "Generic")`` redraws the figure.
        """
        rows = []
        for a in self.items:
            if weights is not None and a.study not in weights:
                continue
            row: dict[str, Any] = {"Study": (labels or {}).get(a.study, a.study)}
            row.update({d: a.minors_item(d).robvis for d in MINORS_ITEMS})
            row["Overall"] = a.overall
            if weights is not None:
                row["Weight"] = float(weights[a.study])
            rows.append(row)
        cols = ["Study", *MINORS_ITEMS, "Overall"] + (["Weight"] if weights is not None else [])
        return pd.DataFrame(rows, columns=cols)


def load_appraisals(path: str | Path | None = None) -> Appraisals:
    """Load ``data/appraisals.yaml`` (or ``path``); problems are collected, never raised.

    >>> a = load_appraisals()
    >>> a.problems
    ()
    """
    p = Path(path) if path is not None else DEFAULT_APPRAISALS_PATH
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Appraisals(p.name, (), (Problem(p.name, None, None, "<file>", None,
                                               f"cannot read the file: {exc}"),))
    return load_appraisals_from_text(text, p.name)


def load_appraisals_from_bytes(data: bytes, name: str = "<upload>.yaml") -> Appraisals:
    """Validate an uploaded appraisal file; a too-large or non-UTF-8 file is one named problem.

    >>> load_appraisals_from_bytes("appraiser: é".encode("latin-1"), "b.yaml").problems[0].message
    'not UTF-8 text (unexpected end of data at byte 11)'
    """
    def fail(value: str | None, message: str) -> Appraisals:
        return Appraisals(name, (), (Problem(name, None, None, "<file>", value, message),))

    if len(data) > MAX_BYTES:
        return fail(f"{len(data)} bytes", f"file is larger than {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return fail(None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    return load_appraisals_from_text(text, name)


def load_appraisals_from_text(text: str, name: str = "<appraisals>") -> Appraisals:
    """Validate appraisal YAML text; see :func:`load_appraisals`."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return Appraisals(name, (), (Problem(
            name, None, None, "<file>", None, f"not valid YAML: {getattr(exc, 'problem', exc)}",
            line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None),))
    if not isinstance(raw, dict):
        return Appraisals(name, (), (Problem(name, None, None, "<file>", None,
                                             "the file must be a mapping with 'appraisals:'"),))
    problems: list[Problem] = []
    try:
        head = AppraisalFile.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem(name, None, None, _SEP.join(str(x) for x in err["loc"]) or "<file>",
                                    _short(err.get("input")), _message(err)))
        return Appraisals(name, (), tuple(problems))
    if head.schema_version != 1:
        problems.append(Problem(name, None, None, "schema_version", repr(head.schema_version),
                                "unsupported schema_version (expected 1)"))
        return Appraisals(name, (), tuple(problems))
    items: list[StudyAppraisal] = []
    seen: set[str] = set()
    for i, item in enumerate(head.appraisals):
        ident = item.get("study") if isinstance(item, dict) and isinstance(item.get("study"), str) else None
        if not isinstance(item, dict):
            problems.append(Problem(name, None, i, "<appraisal>", _short(item),
                                    "each appraisal must be a mapping"))
            continue
        try:
            obj = StudyAppraisal.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(name, ident, i, _path(err["loc"]), _short(err.get("input")),
                                        _message(err)))
            continue
        if obj.study in seen:
            problems.append(Problem(name, obj.study, i, "study", repr(obj.study),
                                    "duplicate appraisal for this study; this copy is ignored"))
            continue
        seen.add(obj.study)
        items.append(obj)
    return Appraisals(name, tuple(items), tuple(problems))


def attach_second_review(first: Appraisals, second: Appraisals) -> tuple[Appraisals, tuple[Problem, ...]]:
    """The first reviewer's appraisals with a second reviewer's independent appraisal attached
    (``second:`` of each study both appraised: their MINORS scores and JBI answers).

    ``second`` is a whole appraisal file in the same layout (validated as the first, so every
    judgement of the second reviewer also has its reason and source). Returns the merged
    appraisals, which keep the first reviewer's judgements (what the figures and GRADE use) and
    problems, and the problems of the second file: its loading problems, plus one per study the
    first reviewer did not appraise (not compared), per study whose existing second review is
    replaced, and when both files name the same appraiser.

    >>> first = load_appraisals()
    >>> both, problems = attach_second_review(first, first)
    >>> sum(a.second is not None for a in both.items) == len(first), problems[0].message[:31]
    (True, 'the second appraisal names the ')
    """
    problems = list(second.problems)
    by_study = {a.study: a for a in second.items}
    items = []
    for a in first.items:
        b = by_study.get(a.study)
        if b is None:
            items.append(a)
            continue
        if a.second is not None:
            problems.append(Problem(second.file, a.study, None, "second", a.second.reviewer,
                                    "this study already had a second review in the appraisal file; "
                                    "the uploaded one replaces it here", severity="warning"))
        items.append(replace_second(a, SecondReview(reviewer=b.appraiser, date=b.date,
                                                    minors=b.minors_scores, jbi=b.jbi_answers)))
    same = sorted({b.study for b in second.items if first.get(b.study) is not None
                   and b.appraiser.strip().lower() == first.get(b.study).appraiser.strip().lower()})
    if same:
        problems.insert(0, Problem(second.file, None, None, "appraiser", ", ".join(same[:5]),
                                   "the second appraisal names the same appraiser as the first: "
                                   "agreement with oneself is not inter-rater agreement",
                                   severity="warning"))
    for i, b in enumerate(second.items):
        if first.get(b.study) is None:
            problems.append(Problem(second.file, b.study, i, "study", repr(b.study),
                                    "no first appraisal for this study: not compared", severity="warning"))
    return Appraisals(first.file, tuple(items), first.problems), tuple(problems)


def replace_second(a: StudyAppraisal, second: SecondReview | None) -> StudyAppraisal:
    """``a`` with its second review replaced (pydantic models are frozen)."""
    return a.model_copy(update={"second": second})


_NAMES = {"score": "score", "s": "score", "why": "reason", "reason": "reason",
          "src": "source", "at": "location"}


def _path(loc: Iterable[Any]) -> str:
    parts = [str(x) for x in loc]
    # "minors › D3 › why" reads better as "minors › D3 (Prospective collection…) › reason"
    out = []
    for i, p in enumerate(parts):
        if i > 0 and parts[i - 1] == "minors" and p in MINORS_ITEMS:
            out.append(f"{p} ({MINORS_ITEMS[p]})")
        elif i > 0 and parts[i - 1] == "jbi" and p in JBI_QUESTIONS:
            out.append(p)
        else:
            out.append(_NAMES.get(p, p))
    return _SEP.join(out) or "<appraisal>"


def _message(err: Mapping[str, Any]) -> str:
    etype = err.get("type", "")
    loc = [str(x) for x in err.get("loc", ())]
    if etype == "missing":
        last = loc[-1] if loc else ""
        if last in MINORS_ITEMS:
            return f"MINORS item {last} is missing (all of D1–D8 are required)"
        if last in JBI_QUESTIONS:
            return f"JBI question {last} is missing (all of Q1–Q10 are required)"
        if last in ("reason", "why"):
            return "judgement without a reason: add a one-line reason"
        if last in ("source", "src", "location", "at"):
            return "judgement without its source location (src/at)"
        return "required field is missing"
    if etype == "literal_error" and loc and loc[-1] in ("score", "s"):
        return f"MINORS score must be 0, 1 or 2, got {err.get('input')!r}"
    if etype == "literal_error" and loc and loc[-1] in ("answer", "a"):
        return f"JBI answer must be one of Yes, No, Unclear, NA; got {err.get('input')!r}"
    if etype == "extra_forbidden":
        return "unknown field (not in the schema)"
    if etype == "string_too_short" and loc and loc[-1] in ("reason", "why"):
        return "judgement without a reason: add a one-line reason"
    return str(err.get("msg", "invalid"))


def _short(value: Any, limit: int = 80) -> str | None:
    if value is None:
        return None
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
