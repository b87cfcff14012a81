"""Load ``studies.yaml`` into an :class:`~evidence.base.EvidenceBase` without ever raising.

Everything that can go wrong with the *content* of a file (syntax errors, wrong types, unknown
fields, duplicate ids, events > total, NaN, oversize files, YAML alias bombs, non-UTF-8 bytes)
becomes a :class:`~evidence.base.Problem` naming the file, the study (id or row), the field path
and the value; every study that validates is kept.

Only the safe constructor of ``yaml.safe_load`` builds Python objects (through libyaml's
``CSafeLoader`` when available, which has the same constructor). Before that, the token stream is scanned and
anchors, aliases and tags are rejected outright (no legitimate use in this data file, and
aliases are the vector of "billion laughs" expansion bombs).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from evidence.base import EvidenceBase, Flag, Problem
from evidence.checks import run_checks
from evidence.models import EvidenceFile, Exclusion, OverlapGroup, Source, Study

__all__ = ["DEFAULT_PATH", "MAX_BYTES", "MAX_DEPTH", "load_studies", "load_studies_from_document",
           "load_studies_from_text"]

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "studies.yaml"
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40
_SEP = " › "
_TOP_KEYS = set(EvidenceFile.model_fields)
# libyaml's parser when available (5-10x faster); construction is SafeConstructor either way,
# i.e. exactly the semantics of ``yaml.safe_load``.
_SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _safe_compose_and_load(text: str) -> tuple[Any, Any]:
    """Compose the node graph once, then build Python objects with the safe constructor.

    Equivalent to ``yaml.safe_load`` (``get_single_data`` does exactly these two steps); the node
    graph is returned too, for the duplicate-key check.
    """
    loader = _SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


# --------------------------------------------------------------------------- public API


def load_studies(path: str | Path | None = None) -> EvidenceBase:
    """Load and validate a studies file.

    Parameters
    ----------
    path : str or Path, optional
        The YAML file; default ``data/studies.yaml`` next to the package (not the cwd).

    Returns
    -------
    EvidenceBase
        Valid studies, sources, overlap groups, consistency flags and the problems found.
        Never raises on bad content (an unreadable path is a problem too).
    """
    p = Path(path) if path is not None else DEFAULT_PATH
    name = str(p)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            return _empty(name, _file_problem(name, f"file is {size} bytes; the limit is {MAX_BYTES}"))
        data = p.read_bytes()
    except OSError as exc:
        return _empty(name, _file_problem(name, f"cannot read file: {exc.strerror or exc}"))
    return load_studies_from_bytes(data, name)


def load_studies_from_text(text: str | bytes, name: str = "<upload>") -> EvidenceBase:
    """Like :func:`load_studies` for text (or bytes) that is not on disk, e.g. an upload."""
    if isinstance(text, bytes):
        return load_studies_from_bytes(text, name)
    if not isinstance(text, str):
        return _empty(name, _file_problem(name, f"expected text, got {type(text).__name__}"))
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates
        return _empty(name, _file_problem(name, f"text is not valid Unicode: {exc.reason}"))
    return load_studies_from_bytes(data, name)


def load_studies_from_bytes(data: bytes, name: str = "<upload>") -> EvidenceBase:
    """Like :func:`load_studies` for raw bytes."""
    try:
        return _load_bytes(data, name)
    except Exception as exc:  # last line of defence: never raise on content
        return _empty(name, _file_problem(name, f"internal error while loading: {type(exc).__name__}: {exc}"))


# --------------------------------------------------------------------------- internals


def _file_problem(name: str, message: str, *, value: Any = None, line: int | None = None,
                  column: int | None = None, severity: str = "error") -> Problem:
    return Problem(
        file=name, study_id=None, row=None, field="<file>",
        value=None if value is None else _short(value), message=message,
        severity=severity, line=line, column=column,  # type: ignore[arg-type]
    )


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception:  # pragma: no cover
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _empty(name: str, *problems: Problem, sha: str | None = None) -> EvidenceBase:
    return EvidenceBase(studies=(), problems=tuple(problems), path=name, sha256=sha)


def _load_bytes(data: bytes, name: str) -> EvidenceBase:
    problems: list[Problem] = []
    sha = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_BYTES:
        return _empty(name, _file_problem(name, f"file is {len(data)} bytes; the limit is {MAX_BYTES}"), sha=sha)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        problems.append(_file_problem(name, "file starts with a UTF-8 byte-order mark (ignored)", severity="warning"))
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _empty(name, _file_problem(name, "file is UTF-16 encoded; save it as UTF-8"), sha=sha)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return _empty(
            name,
            _file_problem(name, f"file is not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r})", line=line),
            sha=sha,
        )
    if "\x00" in text:
        return _empty(name, _file_problem(name, "file contains NUL characters (binary file?)"), sha=sha)
    if not text.strip():
        return _empty(name, *problems, _file_problem(name, "file is empty"), sha=sha)

    # 1. token scan: reject anchors, aliases and tags; report syntax errors with line/column
    bad = _scan_for_unsafe_tokens(text, name)
    if bad is not None:
        return _empty(name, *problems, bad, sha=sha)

    # 2. construct with yaml.safe_load only
    try:
        root, raw = _safe_compose_and_load(text)
    except yaml.YAMLError as exc:
        return _empty(name, *problems, _yaml_problem(name, exc), sha=sha)
    except RecursionError:
        return _empty(name, *problems, _file_problem(name, "document is nested too deeply"), sha=sha)

    if raw is None:
        return _empty(name, *problems, _file_problem(name, "file contains no data"), sha=sha)
    dup_rows = _duplicate_keys(root, name, problems)
    if _depth_exceeds(raw, MAX_DEPTH):
        return _empty(name, *problems, _file_problem(name, f"document is nested deeper than {MAX_DEPTH} levels"), sha=sha)
    if isinstance(raw, list):
        problems.append(_file_problem(name, "top level is a list; expected a mapping with a 'studies:' key", value=type(raw).__name__))
        return _empty(name, *problems, sha=sha)
    if not isinstance(raw, dict):
        problems.append(_file_problem(name, "top level must be a mapping with a 'studies:' key", value=raw))
        return _empty(name, *problems, sha=sha)

    return _from_document(raw, name, problems, sha, dup_rows)


def load_studies_from_document(raw: dict[str, Any], name: str, *, sha256: str | None = None) -> EvidenceBase:
    """Validate an already-parsed document in the ``studies.yaml`` schema (e.g. rows of a CSV).

    The checks after parsing are those of :func:`load_studies`; size limits apply to what the
    user sent (the caller's bytes), not to this document.
    """
    try:
        return _from_document(raw, name, [], sha256, set())
    except Exception as exc:  # last line of defence: never raise on content
        return _empty(name, _file_problem(name, f"internal error while loading: {type(exc).__name__}: {exc}"))


def _from_document(raw: dict[str, Any], name: str, problems: list[Problem], sha: str | None,
                   dup_rows) -> EvidenceBase:
    for key in raw:
        if key not in _TOP_KEYS:
            problems.append(Problem(name, None, None, str(key), None,
                                    f"unknown top-level key (allowed: {', '.join(sorted(_TOP_KEYS))})"))
    sv = raw.get("schema_version", 1)
    if sv != 1 or isinstance(sv, bool):
        problems.append(Problem(name, None, None, "schema_version", _short(sv),
                                "unsupported schema_version (expected 1)"))

    sources = _load_list(raw.get("sources"), "sources", Source, name, problems)
    groups = _load_list(raw.get("overlap_groups"), "overlap_groups", OverlapGroup, name, problems)
    studies = _load_studies(raw.get("studies"), name, problems, skip=dup_rows)
    exclusions = _load_list(raw.get("exclusions"), "exclusions", Exclusion, name, problems)

    studies = _cross_check(studies, sources, groups, name, problems)
    exclusions = _cross_check_exclusions(exclusions, studies, sources, name, problems)

    flags: tuple[Flag, ...]
    try:
        flags = run_checks(studies, groups)
    except Exception as exc:  # a check must never stop loading
        problems.append(_file_problem(name, f"consistency checks failed: {type(exc).__name__}: {exc}"))
        flags = ()
    return EvidenceBase(
        studies=tuple(studies), sources=tuple(sources), overlap_groups=tuple(groups),
        problems=tuple(problems), flags=flags, path=name, sha256=sha, exclusions=tuple(exclusions),
    )


def _scan_for_unsafe_tokens(text: str, name: str) -> Problem | None:
    try:
        for tok in yaml.scan(text, Loader=_SAFE_LOADER):
            if isinstance(tok, (yaml.AnchorToken, yaml.AliasToken)):
                kind = "anchor" if isinstance(tok, yaml.AnchorToken) else "alias"
                m = tok.start_mark
                return _file_problem(
                    name,
                    f"YAML {kind}s ('&' / '*') are not allowed in a studies file",
                    value=tok.value, line=m.line + 1, column=m.column + 1,
                )
            if isinstance(tok, yaml.TagToken):
                m = tok.start_mark
                return _file_problem(name, "YAML tags ('!') are not allowed in a studies file",
                                     value="".join(str(x) for x in tok.value if x), line=m.line + 1, column=m.column + 1)
    except yaml.YAMLError as exc:
        return _yaml_problem(name, exc)
    except RecursionError:
        return _file_problem(name, "document is nested too deeply")
    return None


def _duplicate_keys(root: Any, name: str, problems: list[Problem]) -> frozenset[int]:
    """Report mapping keys given twice (``yaml.safe_load`` silently keeps the last one).

    Returns the rows of ``studies`` that contain a duplicate key (those studies are dropped).
    """
    rows: set[int] = set()
    stack: list[tuple[yaml.Node, list[Any], int | None, str | None]] = [(root, [], None, None)]
    labels: dict[int, str] = {}
    while stack:
        node, path, row, sid = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for knode, vnode in node.value:
                key = str(knode.value) if isinstance(knode, yaml.ScalarNode) else "<complex key>"
                if key in seen:
                    m = knode.start_mark
                    problems.append(Problem(
                        name, sid, row, _SEP.join(str(p) for p in [*path, key]), None,
                        f"key '{key}' appears twice in the same mapping (line {m.line + 1}); "
                        "the study is ignored until the duplicate is removed",
                        label=labels.get(row) if row is not None else None,
                        line=m.line + 1, column=m.column + 1,
                    ))
                    if row is not None:
                        rows.add(row)
                seen.add(key)
                stack.append((vnode, [*path, key], row, sid))
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                if path == ["studies"]:
                    cid = None
                    if isinstance(child, yaml.MappingNode):
                        for k, v in child.value:
                            if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode):
                                if k.value == "id" and cid is None:
                                    cid = str(v.value)
                                elif k.value == "label" and i not in labels:
                                    labels[i] = str(v.value)
                    stack.append((child, [], i, cid))
                else:
                    stack.append((child, [*path, f"[{i}]"], row, sid))
    return frozenset(rows)


def _yaml_problem(name: str, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    msg = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    if line is not None:
        msg += f" at line {line}, column {col}"
    return _file_problem(name, msg, line=line, column=col)


def _depth_exceeds(obj: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def _load_list(raw: Any, key: str, model: type, name: str, problems: list[Problem]) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(Problem(name, None, None, key, _short(raw), f"'{key}' must be a list"))
        return []
    out: list[Any] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        ident = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
        try:
            obj = model.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(_validation_problem(name, err, item, key, i, ident, None))
            continue
        if obj.id in seen:
            problems.append(Problem(name, obj.id, i, f"{key}{_SEP}id", _short(obj.id), f"duplicate {key} id"))
            continue
        seen.add(obj.id)
        out.append(obj)
    return out


def _load_studies(raw: Any, name: str, problems: list[Problem], skip: frozenset[int] = frozenset()) -> list[Study]:
    if raw is None:
        problems.append(Problem(name, None, None, "studies", None, "no 'studies:' list in the file"))
        return []
    if not isinstance(raw, list):
        problems.append(Problem(name, None, None, "studies", _short(raw), "'studies' must be a list"))
        return []
    out: list[Study] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        ident = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
        label = item.get("label") if isinstance(item, dict) and isinstance(item.get("label"), str) else None
        if not isinstance(item, dict):
            problems.append(Problem(name, None, i, "<study>", _short(item),
                                    "each study must be a mapping", label=None))
            continue
        if i in skip:  # duplicate mapping keys: already reported, value ambiguous
            continue
        try:
            study = Study.model_validate(item)
        except ValidationError as exc:
            problems.extend(_merge_union_errors(
                [_validation_problem(name, err, item, None, i, ident, label) for err in exc.errors()]
            ))
            continue
        except RecursionError:
            problems.append(Problem(name, ident, i, "<study>", None, "study is nested too deeply", label=label))
            continue
        if study.id in seen:
            problems.append(Problem(name, study.id, i, "id", _short(study.id),
                                    f"duplicate study id (first used by study no. {seen[study.id] + 1} in the file); this copy is ignored",
                                    label=study.label))
            continue
        seen[study.id] = i
        out.append(study)
    return out


def _validation_problem(name: str, err: Mapping[str, Any], item: Any, prefix: str | None,
                        row: int, ident: str | None, label: str | None) -> Problem:
    loc = list(err.get("loc", ()))
    ctx = err.get("ctx") or {}
    extra_field = ctx.get("field") if isinstance(ctx, dict) else None
    path = _humanize_loc(item, loc)
    if extra_field and (not path or path[-1] != extra_field):
        path.append(str(extra_field))
    if prefix:
        path.insert(0, prefix)
    etype = err.get("type", "")
    msg = str(err.get("msg", "invalid"))
    if path and path[-1] in ("v", "value") and len(path) > 1:
        path.pop()  # "events › v" -> "events": the number itself
    if etype == "extra_forbidden":
        msg = "unknown field (not in the schema)"
    elif etype == "model_type" and isinstance(ctx, dict) and ctx.get("class_name") == "Num":
        msg = ("a number needs its provenance: write it as {v: <value>, src: <source id>, "
               "at: <location>} (status/how when derived or inferred)")
    elif etype == "missing":
        msg = "required field is missing"
    # messages of our own validators start with "<field>: "; drop that duplicate prefix
    if extra_field and msg.startswith(f"{extra_field}: "):
        msg = msg[len(extra_field) + 2:]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    value = _value_at(item, loc, extra_field)
    return Problem(
        file=name, study_id=ident, row=row, field=_SEP.join(path) or "<study>",
        value=None if value is _MISSING else _short(value), message=msg, label=label,
    )


_MISSING = object()
_UNION_TAGS = frozenset({"int", "float", "str", "bool", "function-after[_finite(), union[int,float]]"})


def _merge_union_errors(items: list[Problem]) -> list[Problem]:
    """One problem per field for int-or-float fields (pydantic reports each union member)."""
    out: list[Problem] = []
    fields = {p.field for p in items if p.message.startswith("Input should be a valid number")}
    for p in items:
        if p.field in fields and p.message.startswith("Input should be a valid integer"):
            continue
        out.append(p)
    return out


def _value_at(item: Any, loc: list[Any], extra: Any) -> Any:
    node = item
    for part in [*loc, *([extra] if extra else [])]:
        if part in _UNION_TAGS:
            continue
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return _MISSING if part != extra else node
    if isinstance(node, dict) and ("v" in node or "value" in node):
        return node.get("v", node.get("value"))
    return node


def _item_name(node: Any, index: int) -> str:
    if isinstance(node, dict):
        for key in ("endpoint", "event", "subtype", "line", "measure", "id"):
            val = node.get(key)
            if isinstance(val, str):
                extra = [node.get(k) for k in ("timepoint", "subgroup") if isinstance(node.get(k), str)]
                return f"{val} ({', '.join(extra)})" if extra else val
        if isinstance(node.get("timepoint"), str):
            return str(node["timepoint"])
    return f"[{index}]"


def _humanize_loc(item: Any, loc: Iterable[Any]) -> list[str]:
    out: list[str] = []
    node = item
    for part in loc:
        if isinstance(part, int):
            child = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            out.append(_item_name(child, part))
            node = child
        else:
            out.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    # pydantic reports failed union/literal members with type names as extra loc parts
    return [p for p in out if p not in _UNION_TAGS]


def _cross_check(studies: list[Study], sources: list[Source], groups: list[OverlapGroup],
                 name: str, problems: list[Problem]) -> list[Study]:
    """References between records: source ids, secondary_of, overlap groups."""
    ids = {s.id for s in studies}
    source_ids = {s.id for s in sources}
    group_ids = {g.id for g in groups}
    for study in studies:
        if sources:
            for path, src in _iter_source_refs(study):
                if src not in source_ids:
                    problems.append(Problem(name, study.id, None, path, _short(src),
                                            "source id not listed under 'sources:'",
                                            severity="warning", label=study.label))
        if study.secondary_of and study.secondary_of not in ids:
            problems.append(Problem(name, study.id, None, "secondary_of", _short(study.secondary_of),
                                    "secondary_of names an unknown study id", severity="warning",
                                    label=study.label))
        if study.overlap_group and groups and study.overlap_group not in group_ids:
            problems.append(Problem(name, study.id, None, "overlap_group", _short(study.overlap_group),
                                    "unknown overlap group", severity="warning", label=study.label))
    for g in groups:
        for m in g.members:
            if studies and m not in ids:
                problems.append(Problem(name, None, None, f"overlap_groups{_SEP}{g.id}{_SEP}members",
                                        _short(m), "member is not a known study id", severity="warning"))
    return studies


def _cross_check_exclusions(exclusions: list[Exclusion], studies: list[Study], sources: list[Source],
                            name: str, problems: list[Problem]) -> list[Exclusion]:
    """An excluded record is not also a study; its sources and related ids exist."""
    ids = {s.id for s in studies}
    source_ids = {s.id for s in sources}
    kept: list[Exclusion] = []
    for ex in exclusions:
        if ex.id in ids:
            problems.append(Problem(name, ex.id, None, "exclusions", _short(ex.id),
                                    "id is both a study and an exclusion", label=ex.label))
            continue
        for src in ex.sources:
            if sources and src not in source_ids:
                problems.append(Problem(name, ex.id, None, "exclusions › sources", _short(src),
                                        "source id not listed under 'sources:'", severity="warning",
                                        label=ex.label))
        for rel in ex.related:
            if studies and rel not in ids:
                problems.append(Problem(name, ex.id, None, "exclusions › related", _short(rel),
                                        "related names an unknown study id", severity="warning",
                                        label=ex.label))
        kept.append(ex)
    return kept


def _iter_source_refs(study: Study) -> Iterable[tuple[str, str]]:
    for src in study.sources:
        yield "sources", src

    def walk(obj: Any, path: list[str]) -> Iterable[tuple[str, str]]:
        from pydantic import BaseModel

        if isinstance(obj, BaseModel):
            if "source" in type(obj).model_fields and isinstance(getattr(obj, "source", None), str):
                yield _SEP.join([*path, "source"]), obj.source
            for fname in type(obj).model_fields:
                if fname == "source":
                    continue
                yield from walk(getattr(obj, fname), [*path, fname])
        elif isinstance(obj, tuple):
            for i, x in enumerate(obj):
                yield from walk(x, [*path, _item_name(x.model_dump() if hasattr(x, "model_dump") else x, i)])

    yield from walk(study, [])


def is_finite_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
