"""Property tests: loading arbitrary text or bytes never raises, and every problem has a field."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence import EvidenceBase, load_studies_from_text
from evidence.loader import load_studies_from_bytes

VALID = (Path(__file__).resolve().parents[1] / "fixtures" / "valid_minimal.yaml").read_text()

_yaml_chars = st.sampled_from(list("abc:-[]{}&*!|>#'\" \n\t0123456789.,%?@`") + ["\ufeff", "é", "\x00"])


def _assert_well_formed(base: EvidenceBase, name: str) -> None:
    assert isinstance(base, EvidenceBase)
    for p in base.problems:
        assert p.file == name
        assert isinstance(p.field, str) and p.field
        assert isinstance(p.message, str) and p.message
        assert p.severity in ("error", "warning")
        str(p)  # renders
    for s in base.studies:
        assert s.id in base.by_id
    if not base.studies:
        # nothing loaded and the input was not a valid empty list: there must be a reason
        assert base.problems or base.studies == ()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text: str) -> None:
    _assert_well_formed(load_studies_from_text(text, "fuzz.yaml"), "fuzz.yaml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_yaml_chars, max_size=300))
def test_yamlish_text_never_raises(text: str) -> None:
    _assert_well_formed(load_studies_from_text(text, "fuzz.yaml"), "fuzz.yaml")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _assert_well_formed(load_studies_from_bytes(data, "fuzz.bin"), "fuzz.bin")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.text(max_size=12))
def test_mutated_valid_file_never_raises(pos: int, insert: str) -> None:
    text = VALID[:pos] + insert + VALID[pos:]
    base = load_studies_from_text(text, "mut.yaml")
    _assert_well_formed(base, "mut.yaml")
    # a mutation either leaves the studies valid or says why one is missing
    if len(base.studies) < 2:
        assert base.problems


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["16", "-1", ".nan", ".inf", "1e400", "'x'", "[]", "{}", "null", "true", "3.5"]),
       st.sampled_from(["events", "total", "percent"]))
def test_bad_values_in_a_number_are_problems(value: str, field: str) -> None:
    import re

    pattern = rf"(          {field}: )\{{v: [^,]+,"
    text = re.sub(pattern, rf"\g<1>{{v: {value},", VALID, count=1)
    base = load_studies_from_text(text, "num.yaml")
    _assert_well_formed(base, "num.yaml")
    if len(base.studies) < 2:
        assert any(p.study_id == "T1" and field in p.field for p in base.problems), [str(p) for p in base.problems]
