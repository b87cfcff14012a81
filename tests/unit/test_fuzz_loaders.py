"""Property-based fuzzing of the user-data loaders (CSV, YAML, raw bytes).

Properties: an import never raises; every problem names its file, a field and a message; a CSV
row that is not loaded has a problem on its line; a study broken by a mutation has a problem whose
field names a key on the mutated path.

The default run draws a small sample; ``scripts/fuzz.sh`` (``-m fuzz``) draws 10,000+ inputs.
"""

from __future__ import annotations

import csv
import io
import math
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence import EvidenceBase
from evidence import userdata as U

FUZZ_CSV = int(os.environ.get("FUZZ_CSV", "4000"))
FUZZ_YAML = int(os.environ.get("FUZZ_YAML", "4000"))
FUZZ_BYTES = int(os.environ.get("FUZZ_BYTES", "2500"))
_SMALL = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def _long(n: int):
    return settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)


def well_formed(base: EvidenceBase, name: str) -> None:
    assert isinstance(base, EvidenceBase)
    for p in base.problems:
        assert p.file == name, str(p)
        assert isinstance(p.field, str) and p.field.strip(), str(p)
        assert isinstance(p.message, str) and p.message.strip(), str(p)
        assert p.severity in ("error", "warning")
        str(p)
    ids = [s.id for s in base.studies]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------- CSV

_SPECIAL = st.sampled_from([
    "", " ", "nan", "NaN", "inf", "-inf", "1e309", "-1", "0", "00", "1.5", "3,5", "1e3", "12%", "101", "100",
    "99999999999999999999", "true", "no", "=1+1", "'=1+1", "@SUM(A1)", "+cmd", "-2", "\t=x",
    "<script>alert(1)</script>", "<b>x</b>", "Ⅻ", "١٢", "💥", "a\nb", 'q"uote', "x" * 2100,
    "osteosarcoma", "mixed", "ASPS", "prospective", "monotherapy", "best_overall", "week_12", "study",
])
_CELL = st.one_of(_SPECIAL, st.integers(-5, 200).map(str), st.floats(allow_nan=True).map(repr),
                  st.text(max_size=30))
_COLUMN = st.one_of(st.sampled_from(U.COLUMN_NAMES), st.text(min_size=1, max_size=8))


@st.composite
def csv_files(draw):
    extra = draw(st.lists(_COLUMN, max_size=10))
    cols = list(dict.fromkeys(["id", "label", "histology_group", *extra]))
    if draw(st.booleans()):
        draw(st.randoms()).shuffle(cols)
    n = draw(st.integers(1, 6))
    rows = []
    for i in range(n):
        row = {c: draw(_CELL) for c in cols}
        if draw(st.booleans()):
            row["id"] = f"F{i}"
        if draw(st.booleans()):
            row["label"] = f"Fuzz {i}"
        if draw(st.booleans()):
            row["histology_group"] = "mixed"
        rows.append(row)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # quotes cells holding \r or \n
    w.writerow(cols)
    for r in rows:
        w.writerow([r[c] for c in cols])
    return buf.getvalue(), cols, rows


def check_csv(case) -> None:
    text, cols, rows = case
    base = U.import_csv(text.encode("utf-8"), "fuzz.csv")
    well_formed(base, "fuzz.csv")
    loaded = {s.id for s in base.studies}
    file_level = [p for p in base.problems if p.field == "<file>" or p.line == 1]
    if any(p.severity == "error" for p in file_level):
        return
    # line numbers: header is line 1; a cell with a newline spans several physical lines
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    for row in rows:
        start = reader.line_num + 1
        next(reader)
        if not any(str(v).strip() for v in row.values()):
            continue  # a blank row is skipped silently
        rid = str(row["id"]).strip()
        if rid in loaded and sum(str(r["id"]).strip() == rid for r in rows) == 1:
            continue
        hits = [p for p in base.problems if p.line == start]
        if rid in loaded:  # duplicate id: one of the copies is loaded, the others have a problem
            continue
        assert hits, f"row on line {start} not loaded and no problem names it: {row} {[str(p) for p in base.problems]}"
        for p in hits:
            assert p.field in cols or p.field in ("<row>", "id") or p.field in U.COLUMN_NAMES, str(p)


@_SMALL
@given(csv_files())
def test_csv_fuzz_small(case) -> None:
    check_csv(case)


@pytest.mark.fuzz
@_long(FUZZ_CSV)
@given(csv_files())
def test_csv_fuzz_long(case) -> None:
    check_csv(case)


# --------------------------------------------------------------------------- YAML mutations

_TEMPLATE = yaml.safe_load(U.template_bytes("yaml").decode())
_JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True),
              st.text(max_size=20), st.sampled_from(["<script>x</script>", "=cmd", "nan", ".inf", ""])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


_STUDY_PATHS = [p for p in _paths(_TEMPLATE["studies"][0]) if p]


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


@st.composite
def mutated_yaml(draw):
    import copy

    doc = copy.deepcopy(_TEMPLATE)
    study = doc["studies"][0]
    path = draw(st.sampled_from(_STUDY_PATHS))
    action = draw(st.sampled_from(["replace", "delete", "unknown"]))
    parent = study
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = draw(_JUNK)
    elif action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif isinstance(parent, dict):
        parent[draw(st.sampled_from(["colour", "Events", "v2", "src_"]))] = draw(_JUNK)
        last = None
    doc["studies"].append(copy.deepcopy(_TEMPLATE["studies"][0]) | {"id": "OK2"})
    text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    return text, path, action


def check_yaml(case) -> None:
    text, path, action = case
    base = U.import_yaml(text.encode("utf-8"), "fuzz.yaml")
    well_formed(base, "fuzz.yaml")
    if any(p.field == "<file>" and p.severity == "error" for p in base.problems):
        return  # e.g. a float that dumps as .nan is still a number; file-level issues name <file>
    assert "OK2" in base.ids, [str(p) for p in base.problems]  # the untouched study is always kept
    if "U1" not in base.ids:
        keys = {str(k) for k in path if isinstance(k, str)} | {"colour", "Events", "v2", "src_", "id", "<study>"}
        fields = [p.field for p in base.problems if p.study_id in (None, "U1") or p.row == 0]
        assert fields, f"U1 dropped without a problem: {[str(p) for p in base.problems]}"
        assert any(any(k in f for k in keys) for f in fields) or any(
            p.row == 0 for p in base.problems), (path, action, fields)


@_SMALL
@given(mutated_yaml())
def test_yaml_mutation_fuzz_small(case) -> None:
    check_yaml(case)


@pytest.mark.fuzz
@_long(FUZZ_YAML)
@given(mutated_yaml())
def test_yaml_mutation_fuzz_long(case) -> None:
    check_yaml(case)


# --------------------------------------------------------------------------- raw bytes

_BYTES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(alphabet=st.sampled_from(list("id,label\n\"'=&*!:-[]{} \t0123456789xU")), max_size=300).map(str.encode),
)


def check_bytes(data: bytes, ext: str) -> None:
    name = f"fuzz.{ext}"
    base = U.import_bytes(data, name)
    well_formed(base, name)
    if not base.studies:
        assert base.problems or not data.strip(), data[:80]


@_SMALL
@given(_BYTES, st.sampled_from(["csv", "yaml"]))
def test_bytes_fuzz_small(data: bytes, ext: str) -> None:
    check_bytes(data, ext)


@pytest.mark.fuzz
@_long(FUZZ_BYTES)
@given(_BYTES, st.sampled_from(["csv", "yaml", "yml", "txt"]))
def test_bytes_fuzz_long(data: bytes, ext: str) -> None:
    check_bytes(data, ext)


def test_fuzz_budget_is_at_least_ten_thousand() -> None:
    assert FUZZ_CSV + FUZZ_YAML + FUZZ_BYTES >= 10_000


def test_nan_helper_sanity() -> None:
    assert math.isnan(float("nan"))
