"""``python -m evidence diff`` and the What's new view (evidence.diff, findings.review)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from evidence import load_studies
from evidence.__main__ import main
from evidence.diff import diff_bases
from findings import review as R

ROOT = Path(__file__).resolve().parents[2]
CURRENT = ROOT / "data" / "studies.yaml"
PREVIOUS = ROOT / "data" / "versions" / "studies-2026-11.yaml"
S12_ORR = 'events: {v: 9, src: S12-pubmed, at: "abstract, results", printed: "9/26"}'


@pytest.fixture(scope="module")
def one_count(tmp_path_factory) -> Path:
    """The shipped data with one count of one study edited: S12's ORR events 9 -> 10."""
    text = CURRENT.read_text(encoding="utf-8")
    assert text.count(S12_ORR) == 1
    p = tmp_path_factory.mktemp("diff") / "studies_one_count.yaml"
    p.write_text(text.replace(S12_ORR, S12_ORR.replace("v: 9", "v: 10")), encoding="utf-8")
    return p


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_identical_files_exit_0() -> None:
    code, out, _ = _run("diff", str(CURRENT), str(CURRENT))
    assert code == 0 and out.strip() == "No differences."


def test_one_edited_count_gives_one_number_and_the_pooled_change(one_count: Path) -> None:
    old, new = load_studies(CURRENT), load_studies(one_count)
    d = diff_bases(old, new)
    assert len(d.numbers) == 1
    c = d.numbers[0]
    assert (c.study_id, c.old, c.new, c.source) == ("S12", 9, 10, "S12-pubmed")
    assert "ORR" in c.path and not d.added and not d.removed
    pooled = {p.endpoint: p for p in R.pooled_change(old, new)}
    orr = pooled["ORR"]
    assert orr.changed and orr.old.k == orr.new.k and orr.delta_points > 0
    assert not pooled["DCR"].changed
    # the reported difference is the one recomputed from the two pools
    assert orr.delta_points == pytest.approx(100 * (orr.new.estimate - orr.old.estimate))
    code, out, _ = _run("diff", str(CURRENT), str(one_count))
    assert code == 1
    assert "Numbers changed (1):" in out and "S12" in out and "9 -> 10 [source S12-pubmed" in out
    assert f"{orr.delta_points:+.1f} percentage points" in out
    assert "DCR: unchanged" in out


def test_previous_version_to_current(tmp_path: Path) -> None:
    code, out, _ = _run("diff", str(PREVIOUS), str(CURRENT))
    assert code == 1
    assert "Records added (9): N1, N2, N3, N4, N5, N6, R8, R9, R10" in out
    assert "not stated -> 95% CI" in out and "Exclusions added (24)" in out
    assert "Flags resolved" in out and "M2 citation_incomplete" in out


def test_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("studies: [1, 2\n", encoding="utf-8")
    code, out, err = _run("diff", str(bad), str(CURRENT))
    assert code == 2 and out == "" and "cannot be compared" in err
    code, _, err = _run("diff", str(tmp_path / "missing.yaml"), str(CURRENT))
    assert code == 2 and "cannot read file" in err
    assert _run("diff", str(CURRENT))[0] == 2  # missing argument


def test_reordering_a_list_is_not_a_change(tmp_path: Path) -> None:
    base = load_studies(CURRENT)
    # swapping two rates of S16 (ORR, DCR rows keyed by content) changes nothing
    text = CURRENT.read_text(encoding="utf-8")
    s16 = text[text.index("  - id: S16\n"):]
    a = s16.index("        - endpoint: ORR\n")
    b = s16.index("        - endpoint: DCR\n")
    c = s16.index("        - endpoint: DCR\n", b + 1)
    swapped = s16[:a] + s16[b:c] + s16[a:b] + s16[c:]
    p = tmp_path / "swapped.yaml"
    p.write_text(text.replace(s16, swapped), encoding="utf-8")
    other = load_studies(p)
    assert other.ok
    d = diff_bases(base, other)
    assert d.numbers == () and d.kinds == ()


def test_whats_new_is_dated_and_states_the_pooled_result() -> None:
    w = R.whats_new(load_studies(PREVIOUS), load_studies(CURRENT), date="2026-12-06", version="Version 2026-12")
    assert list(w.table.columns) == ["date", "change", "records", "detail"]
    assert set(w.table["date"]) == {"2026-12-06"}
    assert "9 records added" in w.summary and "did not change" in w.summary
    assert {"Pooled ORR (page defaults)", "Pooled DCR (page defaults)"} <= set(w.table["change"])
