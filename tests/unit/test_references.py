"""Reference export (evidence.references, findings.review.reference_files)."""

from __future__ import annotations

import json

import bibtexparser
import rispy

from evidence import load_studies
from evidence.references import references, to_bibtex, to_csl_json, to_ris
from findings.review import evidence_summary, reference_files

BASE = load_studies()


def test_ris_bibtex_csl_round_trip_with_doi_and_pmid() -> None:
    refs = references(BASE, ["S1", "N1", "N6", "R8", "X-kang", "no-such-id"])
    assert [r.id for r in refs] == ["S1", "N1", "N6", "R8", "X-kang"]
    ris = rispy.loads(to_ris(refs))
    assert [e["id"] for e in ris] == ["S1", "N1", "N6", "R8", "X-kang"]
    assert ris[0]["doi"] == "10.1186/s12885-018-4303-z" and ris[0]["type_of_reference"] == "JOUR"
    assert ris[3]["type_of_reference"] == "DBASE"
    assert any("PMID: 34093773" in n for n in ris[1]["notes"])
    bib = bibtexparser.loads(to_bibtex(refs)).entries
    assert {e["ID"] for e in bib} >= {"Xie2018_S1", "Xie2021_N1"}
    assert next(e for e in bib if e["ID"] == "Xie2021_N1")["pmid"] == "34093773"
    csl = json.loads(to_csl_json(refs))
    assert csl[0]["DOI"] == "10.1186/s12885-018-4303-z" and csl[0]["author"][0] == {"family": "Xie", "given": "L"}
    assert csl[1]["PMID"] == "34093773" and csl[1]["issued"] == {"date-parts": [[2021]]}
    assert "author" not in csl[2]  # N6's authors are not known: nothing is guessed


def test_reference_files_for_a_view() -> None:
    files = reference_files(BASE, ["S2", "S5"])
    assert set(files) == {"RIS", "BibTeX", "CSL-JSON"}
    name, data, mime = files["BibTeX"]
    assert name.endswith(".bib") and mime == "application/x-bibtex" and b"30816108" in data


def test_bibtex_escapes_special_characters() -> None:
    refs = references(BASE, ["S1"])
    assert "\\&" not in to_bibtex(refs) or "&" not in refs[0].title
    odd = refs[0].__class__(**{**{f: getattr(refs[0], f) for f in refs[0].__slots__}, "title": "50% & {x}_y"})
    out = to_bibtex([odd])
    assert "50\\% \\& \\{x\\}\\_y" in out
    assert bibtexparser.loads(out).entries


def test_overview_summary_counts() -> None:
    s = evidence_summary(BASE)
    studies = [x for x in BASE.studies if x.record_kind == "study" and x.design.report_type != "case_report"]
    assert s.cohorts == len(studies) and s.exclusions == len(BASE.exclusions) > 0
    assert s.patients == sum(int((x.n.enrolled or x.n.evaluable_efficacy).value) for x in studies
                             if (x.n.enrolled or x.n.evaluable_efficacy) is not None)
    assert f"{s.cohorts} cohorts" in s.sentence and "not all distinct" in s.sentence
