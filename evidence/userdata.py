"""Users' own studies: CSV/YAML import and export, templates, and merging with the built-in data.

Everything is validated by the same models, loader and consistency checks as ``studies.yaml``:
a CSV file (or the in-app table) is turned into study mappings, written as YAML and loaded with
:func:`evidence.load_studies_from_text`; the problems that come back are mapped to the CSV line
and column they concern. Nothing here raises on bad content.

CSV layout: one row per study, the columns of :data:`CSV_COLUMNS` (``id`` and ``label`` required;
unknown columns are reported and ignored). Every number gets the provenance of the row's
``source`` and ``location`` columns (default ``user`` / ``user entry``).

Export: :func:`to_yaml` is lossless (re-import gives the identical studies); :func:`to_csv` is
lossless for studies that fit the flat layout (:func:`csv_lossless` says which do not) and
neutralises spreadsheet formulas (cells starting with ``= + - @`` tab or CR get a leading ``'``,
removed again on import).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from evidence.base import EvidenceBase, Problem
from evidence.checks import run_checks
from evidence.loader import (
    MAX_BYTES,
    load_studies_from_bytes,
    load_studies_from_document,
    load_studies_from_text,
)
from evidence.models import HISTOLOGY_GROUPS, RECORD_KINDS, TIMEPOINTS, Num, Study

__all__ = [
    "CSV_COLUMNS",
    "MAX_COUNT",
    "MAX_ROWS",
    "TEMPLATE_DIR",
    "USER_MARK",
    "USER_SOURCE",
    "Column",
    "ImportPreview",
    "combine_user",
    "csv_lossless",
    "escape_cell",
    "import_bytes",
    "import_csv",
    "import_yaml",
    "is_user_study",
    "merge",
    "preview_import",
    "row_to_study",
    "studies_to_rows",
    "table_problems",
    "template_bytes",
    "to_csv",
    "to_yaml",
    "unescape_cell",
]

USER_SOURCE = "user"
USER_MARK = " (user)"
MAX_ROWS = 500
MAX_COUNT = 100_000  # no sarcoma study has more patients; larger counts are typos
MAX_TEXT = 2_000
#: Longest label the data contract accepts (``Study.label``); a CSV label cell is held to it.
LABEL_MAX = next(m.max_length for m in Study.model_fields["label"].metadata if hasattr(m, "max_length"))
#: Longest text of a study's label or a cell value repeated inside a message.
QUOTE_MAX = 80
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "data" / "templates"
_SEP = " › "
Kind = Literal["text", "int", "number", "percent", "bool", "choice"]


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column: its name, type, allowed values, meaning and where it lands in a study."""

    name: str
    kind: Kind
    help: str
    path: tuple[str, ...]
    choices: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    max_chars: int = MAX_TEXT


_DESIGNS = ("prospective", "retrospective", "not applicable", "not stated")
_CENTRES = ("single", "multi", "not stated")
_REPORT_TYPES = ("journal_article", "conference_abstract", "case_report", "thesis", "registry")
_REGIMENS = ("monotherapy", "combination", "mixed")

CSV_COLUMNS: tuple[Column, ...] = (
    Column("id", "text", "Unique short id: a letter, then letters, digits, '_', '.', '-' (max 40).",
           ("id",), required=True, example="U1"),
    Column("label", "text", f"Short label shown in tables and plots, e.g. 'Smith 2021' (max {LABEL_MAX}).",
           ("label",), required=True, example="Smith 2021", max_chars=LABEL_MAX),
    Column("record_kind", "choice", "Kind of record (default: study).", ("record_kind",), RECORD_KINDS,
           example="study"),
    Column("secondary_of", "text", "For a secondary_report: id of the study it describes.", ("secondary_of",)),
    Column("year", "int", "Publication year.", ("citation", "year"), example="2021"),
    Column("authors", "text", "Authors as printed.", ("citation", "authors"), example="Smith J, Li W"),
    Column("title", "text", "Title.", ("citation", "title"), example="Apatinib in advanced sarcoma"),
    Column("journal", "text", "Journal or meeting.", ("citation", "journal"), example="J Example Oncol"),
    Column("doi", "text", "DOI, e.g. 10.1000/xyz123.", ("citation", "doi")),
    Column("pmid", "text", "PubMed id (digits).", ("citation", "pmid")),
    Column("design", "choice", "Study design (default: not stated).", ("design", "design"), _DESIGNS,
           example="retrospective"),
    Column("phase", "text", "Trial phase, e.g. II.", ("design", "phase")),
    Column("centres", "choice", "Single or multi-centre (default: not stated).", ("design", "centres"),
           _CENTRES, example="single"),
    Column("n_centres", "int", "Number of centres.", ("design", "n_centres")),
    Column("report_type", "choice", "Kind of report (default: journal_article).", ("design", "report_type"),
           _REPORT_TYPES, example="journal_article"),
    Column("country", "text", "Country.", ("design", "country"), example="China"),
    Column("response_criteria", "text", "Response criteria, e.g. RECIST 1.1.", ("design", "response_criteria"),
           example="RECIST 1.1"),
    Column("population", "text", "Population description (default: the histology).", ("population", "description")),
    Column("histology", "text", "Histology as printed (default: the histology group).", ("population", "histology"),
           example="osteosarcoma"),
    Column("histology_group", "choice", "Histology group.", ("population", "histology_group"), HISTOLOGY_GROUPS,
           required=True, example="osteosarcoma"),
    Column("sarcoma_only", "bool", "true if every patient had a sarcoma (default: true).",
           ("population", "sarcoma_only"), example="true"),
    Column("line", "text", "Line of therapy, e.g. 'second line or later'.", ("population", "line"),
           example="after failure of chemotherapy"),
    Column("regimen", "choice", "monotherapy, combination or mixed (needed when any regimen column is filled).",
           ("regimen", "kind"), _REGIMENS, example="monotherapy"),
    Column("partners", "text", "Combination partners separated by ';'.", ("regimen", "partners")),
    Column("dose", "text", "Apatinib dose as printed.", ("regimen", "dose"), example="500 mg once daily"),
    Column("dose_mg", "number", "Apatinib daily dose in mg.", ("regimen", "dose_mg"), example="500"),
    Column("n_enrolled", "int", "Patients enrolled.", ("n", "enrolled"), example="30"),
    Column("n_evaluable", "int", "Patients evaluable for response (denominator of CR/PR/SD/PD).",
           ("n", "evaluable_efficacy"), example="28"),
    Column("timepoint", "choice", "Timepoint of the response counts and rates (default: best_overall).",
           ("timepoint",), TIMEPOINTS, example="best_overall"),
    Column("cr", "int", "Complete responses.", ("outcomes", "responses", "cr"), example="0"),
    Column("pr", "int", "Partial responses.", ("outcomes", "responses", "pr"), example="7"),
    Column("sd", "int", "Stable disease.", ("outcomes", "responses", "sd"), example="15"),
    Column("pd", "int", "Progressive disease.", ("outcomes", "responses", "pd"), example="6"),
    Column("orr_events", "int", "Objective responses (CR + PR).", ("outcomes", "rates", "ORR", "events"),
           example="7"),
    Column("orr_total", "int", "Denominator of the ORR.", ("outcomes", "rates", "ORR", "total"), example="28"),
    Column("orr_percent", "percent", "ORR as printed, in % (0-100).", ("outcomes", "rates", "ORR", "percent"),
           example="25.0"),
    Column("dcr_events", "int", "Disease control (CR + PR + SD).", ("outcomes", "rates", "DCR", "events"),
           example="22"),
    Column("dcr_total", "int", "Denominator of the DCR.", ("outcomes", "rates", "DCR", "total"), example="28"),
    Column("dcr_percent", "percent", "DCR as printed, in % (0-100).", ("outcomes", "rates", "DCR", "percent"),
           example="78.6"),
    Column("pfs_median", "number", "Median PFS in months.", ("outcomes", "medians", "PFS", "estimate"),
           example="4.5"),
    Column("os_median", "number", "Median OS in months.", ("outcomes", "medians", "OS", "estimate"),
           example="11.2"),
    Column("source", "text", "Where the numbers come from (max 60 characters; default: user).", ("sources",),
           example="Smith 2021 full text"),
    Column("location", "text", "Where in the source (default: user entry).", ("location",), example="Table 2"),
    Column("notes", "text", "Free text.", ("notes",)),
)
_COLS: dict[str, Column] = {c.name: c for c in CSV_COLUMNS}
COLUMN_NAMES: tuple[str, ...] = tuple(_COLS)

_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_INT_RE = re.compile(r"^[+-]?\d+$")
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


# --------------------------------------------------------------------------- cells


def escape_cell(text: str) -> str:
    """Neutralise a spreadsheet formula: ``"=1+1"`` -> ``"'=1+1"`` (and ``"'=x"`` -> ``"''=x"``)."""
    return "'" + text if _FORMULA.match(text) else text


def unescape_cell(text: str) -> str:
    """Inverse of :func:`escape_cell`."""
    return text[1:] if text.startswith("'") and _FORMULA.match(text) else text


def _num_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


class _CellError(ValueError):
    pass


def _convert(col: Column, text: str) -> Any:
    """Text of one cell -> Python value (``None`` when empty); ``_CellError`` names the problem."""
    raw = unescape_cell(text).strip()
    if raw == "":
        return None
    if len(raw) > col.max_chars:
        raise _CellError(f"is {len(raw):,} characters long; the limit is {col.max_chars:,}")
    if col.kind in ("text", "choice"):
        return raw
    if col.kind == "bool":
        low = raw.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise _CellError("must be true or false")
    txt = raw[:-1].strip() if col.kind == "percent" and raw.endswith("%") else raw
    txt = txt.replace(",", ".") if txt.count(",") == 1 and "." not in txt else txt
    if txt.lower() in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity", "+infinity"):
        raise _CellError("must be a finite number")
    if not _NUM_RE.match(txt):
        raise _CellError("is not a number")
    if col.kind == "int":
        if _INT_RE.match(txt):
            value: int | float = int(txt)
        else:
            f = float(txt)
            if not math.isfinite(f) or not f.is_integer():
                raise _CellError("must be a whole number")
            value = int(f)
    else:
        value = int(txt) if _INT_RE.match(txt) else float(txt)
        if isinstance(value, float) and not math.isfinite(value):
            raise _CellError("must be a finite number")
    if value < 0:
        raise _CellError("must not be negative")
    limit = 100 if col.kind == "percent" else MAX_COUNT
    if value > limit:
        raise _CellError(f"must be at most {limit}" + ("%" if col.kind == "percent" else ""))
    return value


# --------------------------------------------------------------------------- row <-> study


def row_to_study(cells: Mapping[str, Any]) -> dict[str, Any]:
    """Converted cells of one row -> a study mapping in the ``studies.yaml`` schema."""
    g = cells.get
    src = g("source") or USER_SOURCE
    at = g("location") or "user entry"

    def num(name: str) -> dict[str, Any] | None:
        v = g(name)
        return None if v is None else {"v": v, "src": src, "at": at}

    def put(d: dict[str, Any], key: str, value: Any) -> None:
        if value is not None:
            d[key] = value

    study: dict[str, Any] = {}
    put(study, "id", g("id"))
    put(study, "label", g("label"))
    study["record_kind"] = g("record_kind") or "study"
    put(study, "secondary_of", g("secondary_of"))
    citation: dict[str, Any] = {}
    for name in ("authors", "title", "journal", "year", "doi", "pmid"):
        put(citation, name, g(name))
    if citation:
        study["citation"] = citation
    study["sources"] = [src]
    design: dict[str, Any] = {"design": g("design") or "not stated"}
    put(design, "phase", g("phase"))
    put(design, "centres", g("centres"))
    put(design, "n_centres", num("n_centres"))
    design["report_type"] = g("report_type") or "journal_article"
    for name in ("country", "response_criteria"):
        put(design, name, g(name))
    study["design"] = design
    histology = g("histology") or g("histology_group")
    population: dict[str, Any] = {"description": g("population") or histology or "not stated"}
    put(population, "histology", histology)
    put(population, "histology_group", g("histology_group"))
    population["sarcoma_only"] = True if g("sarcoma_only") is None else g("sarcoma_only")
    put(population, "line", g("line"))
    study["population"] = population
    if any(g(n) is not None for n in ("regimen", "partners", "dose", "dose_mg")):
        regimen: dict[str, Any] = {}
        put(regimen, "kind", g("regimen"))
        if g("partners"):
            regimen["partners"] = [p.strip() for p in str(g("partners")).split(";") if p.strip()]
        put(regimen, "dose", g("dose"))
        put(regimen, "dose_mg", num("dose_mg"))
        study["regimen"] = regimen
    counts: dict[str, Any] = {}
    put(counts, "enrolled", num("n_enrolled"))
    put(counts, "evaluable_efficacy", num("n_evaluable"))
    if counts:
        study["n"] = counts
    tp = g("timepoint") or "best_overall"
    outcomes: dict[str, Any] = {}
    if any(g(n) is not None for n in ("cr", "pr", "sd", "pd")):
        resp: dict[str, Any] = {"timepoint": tp}
        for n in ("cr", "pr", "sd", "pd"):
            put(resp, n, num(n))
        put(resp, "total", num("n_evaluable"))
        outcomes["responses"] = [resp]
    rates = []
    for ep in ("orr", "dcr"):
        if any(g(f"{ep}_{x}") is not None for x in ("events", "total", "percent")):
            rate: dict[str, Any] = {"endpoint": ep.upper(), "timepoint": tp}
            for x in ("events", "total", "percent"):
                put(rate, x, num(f"{ep}_{x}"))
            rates.append(rate)
    if rates:
        outcomes["rates"] = rates
    medians = [{"endpoint": ep.upper(), "estimate": num(f"{ep}_median")}
               for ep in ("pfs", "os") if g(f"{ep}_median") is not None]
    if medians:
        outcomes["medians"] = medians
    if outcomes:
        study["outcomes"] = outcomes
    put(study, "notes", g("notes"))
    return study


def _study_to_cells(s: Study) -> dict[str, Any]:
    """The flat cells of a study (values of the objects the flat layout can hold)."""
    c, d, p, o = s.citation, s.design, s.population, s.outcomes
    cells: dict[str, Any] = {
        "id": s.id, "label": s.label, "record_kind": s.record_kind, "secondary_of": s.secondary_of,
        "year": c.year, "authors": c.authors, "title": c.title, "journal": c.journal, "doi": c.doi,
        "pmid": c.pmid, "design": d.design, "phase": d.phase,
        "centres": None if d.centres == "not stated" else d.centres,
        "n_centres": None if d.n_centres is None else d.n_centres.value,
        "report_type": d.report_type, "country": d.country, "response_criteria": d.response_criteria,
        "population": p.description, "histology": p.histology, "histology_group": p.histology_group,
        "sarcoma_only": p.sarcoma_only, "line": p.line, "notes": s.notes,
        "source": s.sources[0] if s.sources else None,
    }
    if s.regimen is not None:
        r = s.regimen
        cells.update(regimen=r.kind, partners="; ".join(r.partners) or None, dose=r.dose,
                     dose_mg=None if r.dose_mg is None else r.dose_mg.value)
    cells["n_enrolled"] = None if s.n.enrolled is None else s.n.enrolled.value
    cells["n_evaluable"] = None if s.n.evaluable_efficacy is None else s.n.evaluable_efficacy.value
    tp = None
    if o.responses:
        rc = o.responses[0]
        tp = rc.timepoint
        for n in ("cr", "pr", "sd", "pd"):
            v = getattr(rc, n)
            cells[n] = None if v is None else v.value
    for r in o.rates:
        tp = tp or r.timepoint
        ep = r.endpoint.lower()
        for x in ("events", "total", "percent"):
            v = getattr(r, x)
            cells[f"{ep}_{x}"] = None if v is None else v.value
    for m in o.medians:
        cells[f"{m.endpoint.lower()}_median"] = None if m.estimate is None else m.estimate.value
    cells["timepoint"] = None if tp in (None, "best_overall") else tp
    loc = next((n.location for n in _nums(s) if n.location), None)
    cells["location"] = None if loc == "user entry" else loc
    if cells["source"] == USER_SOURCE:
        cells["source"] = None
    return cells


def _nums(s: Study) -> Iterable[Any]:
    from pydantic import BaseModel

    def walk(obj: Any) -> Iterable[Any]:
        if isinstance(obj, Num):
            yield obj
        elif isinstance(obj, BaseModel):
            for f in type(obj).model_fields:
                yield from walk(getattr(obj, f))
        elif isinstance(obj, tuple):
            for x in obj:
                yield from walk(x)

    yield from walk(s)


def studies_to_rows(studies: Sequence[Study]) -> list[dict[str, str]]:
    """Studies -> rows of CSV text (every column present; empty string = not given)."""
    rows = []
    for s in studies:
        cells = _study_to_cells(s)
        rows.append({c.name: "" if cells.get(c.name) is None else _num_text(cells[c.name]) for c in CSV_COLUMNS})
    return rows


def csv_lossless(studies: Sequence[Study]) -> list[str]:
    """Ids of the studies whose CSV row does not give back the identical study (use YAML)."""
    lossy = []
    for s, row in zip(studies, studies_to_rows(studies), strict=True):
        try:
            cells = {c.name: _convert(c, row[c.name]) for c in CSV_COLUMNS}
            back = Study.model_validate(row_to_study(cells))
        except Exception:
            lossy.append(s.id)
            continue
        if back != s:
            lossy.append(s.id)
    return lossy


# --------------------------------------------------------------------------- export


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:  # never write anchors/aliases (the loader rejects them)
        return True


def _dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def to_yaml(studies: Sequence[Study], *, title: str = "My studies") -> str:
    """Lossless YAML of ``studies`` in the ``studies.yaml`` schema (re-import is identical)."""
    doc = {
        "schema_version": 1,
        "title": title,
        "studies": [s.model_dump(mode="json", exclude_defaults=True) for s in studies],
    }
    header = ("# Studies exported from the apatinib sarcoma dashboard (schema of data/studies.yaml).\n"
              "# Plain YAML: no anchors, aliases or tags. Re-import it on the 'Your studies' page.\n")
    return header + _dump(doc)


def to_csv(studies: Sequence[Study]) -> bytes:
    """CSV (UTF-8 with BOM) of ``studies`` in the template layout, spreadsheet formulas escaped."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(COLUMN_NAMES), lineterminator="\r\n")
    w.writeheader()
    for row in studies_to_rows(studies):
        w.writerow({k: escape_cell(v) for k, v in row.items()})
    return buf.getvalue().encode("utf-8-sig")


def template_bytes(kind: Literal["csv", "yaml"]) -> bytes:
    """The downloadable template (``data/templates/user_studies_template.<kind>``)."""
    return (TEMPLATE_DIR / f"user_studies_template.{kind}").read_bytes()


# --------------------------------------------------------------------------- import


def _file_problem(name: str, message: str, *, value: Any = None, line: int | None = None,
                  severity: str = "error", field: str = "<file>") -> Problem:
    return Problem(name, None, None, field, None if value is None else _short(value), message,
                   severity=severity, line=line)  # type: ignore[arg-type]


def cut_text(text: str, limit: int = QUOTE_MAX) -> str:
    """``text`` as quoted inside a message: at most ``limit`` characters, cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(value: Any, limit: int = QUOTE_MAX) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _empty(name: str, *problems: Problem) -> EvidenceBase:
    return EvidenceBase(studies=(), problems=tuple(problems), path=name)


def _decode(data: bytes, name: str) -> tuple[str | None, list[Problem]]:
    problems: list[Problem] = []
    if len(data) > MAX_BYTES:
        return None, [_file_problem(name, f"file is {len(data)} bytes; the limit is {MAX_BYTES}")]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [_file_problem(name, "file is UTF-16 encoded; save it as UTF-8")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [_file_problem(
            name, f"file is not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); save it as UTF-8",
            line=line)]
    if "\x00" in text:
        return None, [_file_problem(name, "file contains NUL characters (binary file?)")]
    if not text.strip():
        return None, [_file_problem(name, "file is empty")]
    return text, problems


def import_bytes(data: bytes, name: str) -> EvidenceBase:
    """Import an uploaded file: ``.csv`` in the template layout, ``.yaml``/``.yml`` in the
    ``studies.yaml`` schema. Never raises; problems name file, line/row, field and value."""
    try:
        low = name.lower()
        if low.endswith(".csv") or low.endswith(".txt"):
            return import_csv(data, name)
        if low.endswith((".yaml", ".yml")):
            return import_yaml(data, name)
        return _empty(name, _file_problem(name, "unsupported file type: upload a .csv or a .yaml file",
                                          value=Path(name).suffix or name))
    except Exception as exc:  # last line of defence
        return _empty(name, _file_problem(name, f"internal error while importing: {type(exc).__name__}: {exc}"))


def import_yaml(data: bytes | str, name: str = "<upload>.yaml") -> EvidenceBase:
    """A YAML file in the ``studies.yaml`` schema (the built-in loader, unchanged)."""
    if isinstance(data, str):
        return load_studies_from_text(data, name)
    return load_studies_from_bytes(data, name)


def import_csv(data: bytes | str, name: str = "<upload>.csv") -> EvidenceBase:
    """A CSV file in the template layout -> validated user studies (see module docstring)."""
    try:
        if isinstance(data, str):
            text: str | None = data
            problems: list[Problem] = []
            if len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
                return _empty(name, _file_problem(name, f"text is larger than {MAX_BYTES} bytes"))
            if not data.strip():
                return _empty(name, _file_problem(name, "file is empty"))
        else:
            text, problems = _decode(data, name)
        if text is None:
            return _empty(name, *problems)
        return _import_csv_text(text, name, problems)
    except Exception as exc:  # last line of defence
        return _empty(name, _file_problem(name, f"internal error while importing: {type(exc).__name__}: {exc}"))


def _import_csv_text(text: str, name: str, problems: list[Problem]) -> EvidenceBase:
    # records with the physical line each starts on (a quoted cell may span several lines)
    numbered: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    prev = 0
    try:
        for rec in reader:
            if any(c.strip() for c in rec):  # blank lines are skipped
                numbered.append((prev + 1, rec))
            prev = reader.line_num
    except csv.Error as exc:
        return _empty(name, *problems, _file_problem(name, f"CSV syntax error: {exc}", line=reader.line_num))
    if not numbered:
        return _empty(name, *problems, _file_problem(name, "file has no header row"))
    header_line, header = numbered[0]
    names = [unescape_cell(h).strip().lower() for h in header]
    seen: dict[str, int] = {}
    for j, h in enumerate(names):
        if not h:  # blank column names are ignored (reported below), never "duplicates"
            continue
        if h in seen:
            return _empty(name, *problems, _file_problem(
                name, f"column '{h}' appears twice (columns {seen[h] + 1} and {j + 1})", line=header_line,
                field=h, value=h))
        seen[h] = j
    for h in names:
        if h and h not in _COLS:
            problems.append(_file_problem(
                name, f"unknown column (ignored); the template's columns are: {', '.join(COLUMN_NAMES)}",
                value=h, line=header_line, field=h or "<blank>", severity="warning"))
        elif not h:
            problems.append(_file_problem(name, "a column has no name (ignored)", line=header_line,
                                          field="<blank>", severity="warning"))
    missing = [c.name for c in CSV_COLUMNS if c.required and c.name not in seen]
    if missing:
        return _empty(name, *problems, _file_problem(
            name, f"required column(s) missing: {', '.join(missing)}", line=header_line, field=", ".join(missing)))
    body = numbered[1:]
    if not body:
        return _empty(name, *problems, _file_problem(name, "file has a header but no study rows"))
    if len(body) > MAX_ROWS:
        problems.append(_file_problem(name, f"{len(body)} rows; only the first {MAX_ROWS} are read",
                                      severity="warning"))
        body = body[:MAX_ROWS]

    studies: list[dict[str, Any]] = []
    origin: list[tuple[int, int, str | None, str | None]] = []  # (data row, line, id, label)
    for r, (line, cells_text) in enumerate(body):
        ident = cut_text(cells_text[seen["id"]].strip()) if seen["id"] < len(cells_text) else None
        label = cut_text(cells_text[seen["label"]].strip()) if seen["label"] < len(cells_text) else None
        if len(cells_text) != len(names):
            problems.append(Problem(name, ident or None, r, "<row>", f"{len(cells_text)} cells",
                                    f"row has {len(cells_text)} cells; the header has {len(names)} (row ignored)",
                                    label=label or None, line=line))
            continue
        cells: dict[str, Any] = {}
        bad = False
        for h, txt in zip(names, cells_text, strict=True):
            col = _COLS.get(h)
            if col is None:
                continue
            try:
                cells[h] = _convert(col, txt)
            except _CellError as exc:
                bad = True
                problems.append(Problem(name, ident or None, r, h, _short(txt), f"{h} {exc} (row ignored)",
                                        label=label or None, line=line))
        if bad:
            continue
        studies.append(row_to_study(cells))
        origin.append((r, line, ident or None, label or None))
    if not studies:
        return _empty(name, *problems)
    return _validate_rows(studies, origin, name, problems,
                          hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())


def _validate_rows(studies: list[dict[str, Any]], origin: list[tuple[int, int, str | None, str | None]],
                   name: str, problems: list[Problem], sha: str | None = None) -> EvidenceBase:
    # validated as a parsed document: the size limit applied to the bytes the user sent, never
    # to a YAML rendering of the rows (80 rows with long locations used to exceed it)
    base = load_studies_from_document({"schema_version": 1, "studies": studies}, name, sha256=sha)
    line_of = {i: o[1] for i, o in enumerate(origin)}
    row_of = {i: o[0] for i, o in enumerate(origin)}
    mapped = list(problems)
    for p in base.problems:
        mapped.append(_map_problem(p, studies, origin, line_of, row_of))
    mapped.sort(key=lambda p: (p.line or 0))
    return dataclasses.replace(base, problems=tuple(mapped))


def _column_paths(study: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(problem field path prefix, CSV column) pairs for one converted row, longest first."""
    tp = study.get("outcomes", {}).get("responses", [{}])[0].get("timepoint") if study.get("outcomes") else None
    rates = study.get("outcomes", {}).get("rates", []) if isinstance(study.get("outcomes"), dict) else []
    rate_tp = rates[0].get("timepoint") if rates else tp
    pairs: list[tuple[str, str]] = []
    for c in CSV_COLUMNS:
        path = list(c.path)
        if path[:2] == ["outcomes", "rates"]:
            path[2] = f"{path[2]} ({rate_tp})"
        elif path[:2] == ["outcomes", "responses"]:
            path.insert(2, str(tp))
        pairs.append((_SEP.join(path), c.name))
    # denominators and shared fields reported inside nested objects
    pairs += [
        (_SEP.join(["outcomes", "responses", str(tp), "total"]), "n_evaluable"),
        (_SEP.join(["outcomes", "responses", str(tp), "timepoint"]), "timepoint"),
        (_SEP.join(["outcomes", "rates", f"ORR ({rate_tp})", "timepoint"]), "timepoint"),
        (_SEP.join(["outcomes", "rates", f"DCR ({rate_tp})", "timepoint"]), "timepoint"),
        ("regimen", "regimen"), ("design", "design"), ("population", "histology_group"),
        ("citation", "year"),
    ]
    return sorted(pairs, key=lambda x: -len(x[0]))


def _map_problem(p: Problem, studies: list[dict[str, Any]], origin: list[tuple[int, int, str | None, str | None]],
                 line_of: dict[int, int], row_of: dict[int, int]) -> Problem:
    idx = p.row
    if idx is None and p.study_id is not None:
        idx = next((i for i, s in enumerate(studies) if s.get("id") == p.study_id), None)
    if idx is None or idx not in line_of:
        return p
    column = p.field
    for prefix, col in _column_paths(studies[idx]):
        if p.field == prefix or p.field.startswith(prefix + _SEP):
            column = col
            break
    if " › src" in p.field or p.field.endswith("source"):
        column = "source"
    message = re.sub(r"first used by study no\. (\d+) in the file",
                     lambda m: f"first used on line {line_of.get(int(m.group(1)) - 1, '?')}", p.message)
    if column != p.field and p.field not in ("", "<study>"):
        message = f"{message} [{p.field}]"
    return dataclasses.replace(p, row=row_of[idx], line=line_of[idx], field=column, message=message)


def table_problems(base: EvidenceBase) -> list[dict[str, Any]]:
    """Problems as plain rows for display (file, line, study, field, value, message, severity)."""
    return [
        {"file": p.file, "line": p.line, "study": p.label or p.study_id or (f"row {p.row + 1}" if p.row is not None else ""),
         "field": p.field, "value": p.value, "message": p.message, "severity": p.severity}
        for p in base.problems
    ]


# --------------------------------------------------------------------------- merge


def is_user_study(study: Study) -> bool:
    """Whether a study of a merged base was supplied by the user (first source is ``user``)."""
    return bool(study.sources) and study.sources[0] == USER_SOURCE


def merge(builtin: EvidenceBase, user: EvidenceBase) -> EvidenceBase:
    """Built-in and user studies in one base, user studies marked.

    User studies get ``user`` as first source and `` (user)`` appended to their label; a user
    study whose id is already a built-in id is left out (a problem says so). The consistency
    checks run again on the combined set (secondary reports may point at built-in studies).
    """
    ids = set(builtin.ids)
    problems = list(builtin.problems) + list(user.problems)
    added: list[Study] = []
    for s in user.studies:
        if s.id in ids:
            problems.append(Problem(user.path or "<user>", s.id, None, "id", _short(s.id),
                                    "id is already used by a built-in study; rename your study to merge it",
                                    label=s.label))
            continue
        sources = s.sources if is_user_study(s) else (USER_SOURCE, *s.sources)
        label = s.label if s.label.endswith(USER_MARK) else s.label + USER_MARK
        added.append(s.model_copy(update={"sources": sources, "label": label}))
    src_ids = {x.id for x in builtin.sources}
    grp_ids = {x.id for x in builtin.overlap_groups}
    sources = builtin.sources + tuple(x for x in user.sources if x.id not in src_ids)
    groups = builtin.overlap_groups + tuple(g for g in user.overlap_groups if g.id not in grp_ids)
    studies = builtin.studies + tuple(added)
    try:
        flags = run_checks(studies, groups)
    except Exception as exc:  # pragma: no cover - run_checks already guards each check
        flags = ()
        problems.append(Problem(user.path or "<user>", None, None, "<file>", None,
                                f"consistency checks failed: {type(exc).__name__}: {exc}"))
    sha = hashlib.sha256(f"{builtin.sha256}+{user.sha256}".encode()).hexdigest()
    return EvidenceBase(studies=studies, sources=sources, overlap_groups=groups, problems=tuple(problems),
                        flags=flags, path=f"{builtin.path} + {user.path}", sha256=sha,
                        exclusions=builtin.exclusions)


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What a new import would change in the studies the user already has (ids).

    ``replace``: every current study is dropped (``removed``) for the new ones. ``add``: the new
    studies join the current ones; a new study whose id is already used replaces that one
    (``overwritten``). Nothing changes until the user chooses.
    """

    current: tuple[str, ...]
    incoming: tuple[str, ...]
    overwritten: tuple[str, ...]  # ids in both (``add`` replaces them with the new version)
    removed: tuple[str, ...]  # ids that ``replace`` drops (current ids not in the new file)

    def sentences(self) -> dict[str, str]:
        """One plain sentence per choice (``replace``, ``add``, ``keep``)."""
        def n(k: int) -> str:
            return f"{k} stud{'y' if k == 1 else 'ies'}"
        add = f"Add: you would have {n(len(set(self.current) | set(self.incoming)))}"
        add += (f"; {', '.join(self.overwritten)} would be replaced by the new file's version."
                if self.overwritten else ".")
        return {
            "replace": f"Replace: your {n(len(self.current))} would be dropped"
                       + (f" (including {', '.join(self.removed[:8])}{'…' if len(self.removed) > 8 else ''})"
                          if self.removed else "") + f" for the file's {n(len(self.incoming))}.",
            "add": add,
            "keep": f"Keep: nothing changes; the file's {n(len(self.incoming))} are not used.",
        }


def preview_import(current: EvidenceBase | None, new: EvidenceBase) -> ImportPreview:
    """What replacing or adding ``new`` would change (see :class:`ImportPreview`)."""
    cur = tuple(current.ids) if current is not None else ()
    inc = tuple(new.ids)
    return ImportPreview(cur, inc, tuple(i for i in cur if i in set(inc)),
                         tuple(i for i in cur if i not in set(inc)))


def combine_user(current: EvidenceBase, new: EvidenceBase) -> EvidenceBase:
    """The user's studies plus a new import (a new study replaces a current one with its id).

    Sources and overlap groups are united (the new file's version wins on a shared id); the
    consistency checks run again on the combined set.
    """
    new_ids = set(new.ids)
    studies = tuple(s for s in current.studies if s.id not in new_ids) + tuple(new.studies)
    src = {x.id: x for x in current.sources} | {x.id: x for x in new.sources}
    grp = {g.id: g for g in current.overlap_groups} | {g.id: g for g in new.overlap_groups}
    groups = tuple(grp.values())
    sha = hashlib.sha256(f"{current.sha256}+{new.sha256}".encode()).hexdigest()
    return EvidenceBase(studies=studies, sources=tuple(src.values()), overlap_groups=groups,
                        problems=tuple(current.problems) + tuple(new.problems),
                        flags=run_checks(studies, groups), path=f"{current.path} + {new.path}",
                        sha256=sha)
