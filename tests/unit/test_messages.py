"""Messages about bad input say the real limit, count from 1, name the right field and never repeat
a long value in full."""

from __future__ import annotations

from pathlib import Path

import yaml

import evidence
from evidence import userdata as U

FIX = Path(__file__).resolve().parents[1] / "fixtures"
TEMPLATE = Path(U.TEMPLATE_DIR) / "user_studies_template.csv"


def _csv_with_label(label: str) -> bytes:
    header, first = TEMPLATE.read_text(encoding="utf-8").splitlines()[:2]
    return (header + "\n" + first.replace("Example 2021", label, 1) + "\n").encode("utf-8")


def test_label_limit_is_the_contracts_and_the_label_is_cut() -> None:
    assert U.LABEL_MAX == 120
    for n in (121, 10_000):
        base = U.import_csv(_csv_with_label("L" * n))
        (p,) = [p for p in base.problems if p.field == "label"]
        assert f"is {n:,} characters long; the limit is 120" in p.message
        assert "2,000" not in p.message and "2000" not in p.message
        assert len(p.label or "") <= U.QUOTE_MAX and len(p.value or "") <= U.QUOTE_MAX
    # at the limit the row is read
    assert U.import_csv(_csv_with_label("L" * 120)).studies


def test_duplicate_id_counts_from_one() -> None:
    base = evidence.load_studies(FIX / "bad_duplicate_ids.yaml")
    (p,) = [p for p in base.problems if "duplicate study id" in p.message]
    assert "row 0" not in p.message
    assert "first used by study no. 1 in the file" in p.message


def test_negative_response_total_names_the_total(tmp_path) -> None:
    text = (FIX / "valid_minimal.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    study = doc["studies"][0]
    src = doc["sources"][0]["id"]
    num = lambda v: {"v": v, "src": src, "at": "Table 2"}  # noqa: E731
    study.setdefault("outcomes", {})["responses"] = [
        {"timepoint": "best_overall", "cr": num(0), "pr": num(3), "total": num(-28)}]
    path = tmp_path / "neg.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    base = evidence.load_studies(path)
    msgs = [(p.field, p.message) for p in base.problems]
    assert any(f.endswith("total") and "-28 must be positive" in m for f, m in msgs), msgs
    assert not any("exceeds total" in m for _, m in msgs), msgs
