"""Notes and captions users read say things in words, not as code (issue: raw strings)."""

from __future__ import annotations

import re

import synthesis
from findings import pooled
from reports import content
from reports.view import View
from synthesis.spec import Model
from ui import analysis as A

RAW = re.compile(r"to\s*=\s*'|\(to=|search limit|same keys as|`defaults`")


def test_continuity_correction_note_in_words() -> None:
    res = synthesis.pool_proportions([0, 5, 7], [12, 30, 31], **Model().pool_kwargs())
    notes = " ".join(res.computation.notes)
    assert "Continuity correction 0.5" in notes and "only studies with 0% or 100% events" in notes
    assert not RAW.search(notes), notes


def test_q_profile_unbounded_note_in_words() -> None:
    # two very different, very precise studies: the upper tau² limit is beyond any search bound
    res = synthesis.pool_proportions([1, 990], [1000, 1000], **Model().pool_kwargs())
    notes = " ".join(res.computation.notes)
    assert "largest value searched" in notes and not RAW.search(notes), notes


def test_methods_texts_have_no_code_spellings() -> None:
    import evidence

    sel = A.Selection()
    selected = A.select_outcomes(evidence.load_studies().outcomes_frame(), sel)
    res = synthesis.pool_proportions(selected.frame["events"].tolist(),
                                     selected.frame["total"].tolist(), **Model().pool_kwargs())
    par = pooled.methods_paragraph(sel, Model(), res, selected)
    assert "and only those" in par
    assert not RAW.search(par), par
    assert not RAW.search(pooled.model_sentence(Model()))
    assert not any(RAW.search(p) for p in content.build_content(View()).methods)


def test_present_page_caption_in_words() -> None:
    from pathlib import Path

    src = (Path(__file__).resolve().parents[2] / "pages" / "present.py").read_text(encoding="utf-8")
    assert "same keys as Pooled efficacy" not in src and "'defaults'" not in src
