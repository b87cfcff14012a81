"""Reference export of the evidence base: RIS (rispy), BibTeX (bibtexparser) and CSL-JSON.

Only what the data file holds is written (authors, title, journal, year, volume/pages, DOI, PMID,
PMCID, registration, the source URLs); a field the data does not know is left out, never guessed.
Records are exported in the order given (e.g. the rows of the Studies page's current view).

Examples
--------
>>> from evidence import load_studies
>>> refs = references(load_studies(), ["S1"])
>>> refs[0].doi
'10.1186/s12885-018-4303-z'
>>> "DO  - 10.1186/s12885-018-4303-z" in to_ris(refs)
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from evidence.base import EvidenceBase

__all__ = ["FORMATS", "Reference", "citation_reference", "export_files", "references", "to_bibtex",
           "to_csl_json", "to_ris"]

#: format -> (file extension, MIME type)
FORMATS: dict[str, tuple[str, str]] = {
    "RIS": ("ris", "application/x-research-info-systems"),
    "BibTeX": ("bib", "application/x-bibtex"),
    "CSL-JSON": ("json", "application/vnd.citationstyles.csl+json"),
}
_KIND_TYPE = {  # record kind / report type -> (RIS, BibTeX, CSL)
    "conference_abstract": ("ABST", "misc", "paper-conference"),
    "registry": ("DBASE", "misc", "dataset"),
    "thesis": ("THES", "phdthesis", "thesis"),
}
_JOURNAL = ("JOUR", "article", "article-journal")


@dataclass(frozen=True, slots=True)
class Reference:
    """One exportable reference (fields absent from the data are ``None``)."""

    id: str
    label: str
    kind: str
    authors: tuple[str, ...]
    title: str | None
    journal: str | None
    year: int | None
    volume_pages: str | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    registration: str | None
    urls: tuple[str, ...]
    note: str = ""  # where the record comes from, when not a record of the evidence base

    @property
    def types(self) -> tuple[str, str, str]:
        return _KIND_TYPE.get(self.kind, _JOURNAL)

    def text(self) -> str:
        """The reference as one line (authors. title. journal year;volume:pages. doi).

        >>> citation_reference("m", "Simon R. Optimal two-stage designs. Control Clin Trials 1989;10:1-10.").text()
        'Simon R. Optimal two-stage designs. Control Clin Trials 1989;10:1-10.'
        """
        head = [", ".join(self.authors) if self.authors else None, self.title]
        tail = " ".join(p for p in (self.journal, str(self.year) if self.year else None) if p)
        if self.volume_pages:
            tail = f"{tail};{self.volume_pages}" if tail else self.volume_pages
        parts = [p.strip().rstrip(".") for p in (*head, tail) if p and p.strip()] or [self.label]
        out = "".join(p + ("" if p.endswith(("?", "!")) else ".") + " " for p in parts).strip()
        return out + (f" doi:{self.doi}" if self.doi else "")


def _authors(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    parts = [p.strip() for p in text.split(",")]
    return tuple(p for p in parts if p and p.lower() not in ("et al", "et al.", "..."))


def references(base: EvidenceBase, ids: Iterable[str] | None = None) -> tuple[Reference, ...]:
    """References of the given records (default: every study and exclusion with a citation)."""
    by_id = {s.id: s for s in base.studies}
    excl = {x.id: x for x in base.exclusions}
    wanted = list(ids) if ids is not None else [*by_id, *excl]
    srcs = {s.id: s for s in base.sources}
    out: list[Reference] = []
    for rid in wanted:
        rec = by_id.get(rid) or excl.get(rid)
        if rec is None:
            continue
        c = rec.citation
        kind = rec.design.report_type if rid in by_id else (
            srcs[rec.sources[0]].kind if rec.sources and rec.sources[0] in srcs else "publication")
        if rid in by_id and rec.record_kind == "planned":
            kind = "registry"
        urls = tuple(u for sid in rec.sources if sid in srcs for u in srcs[sid].urls)
        out.append(Reference(
            id=rid, label=rec.label, kind=kind, authors=_authors(c.authors), title=c.title,
            journal=c.journal, year=c.year, volume_pages=c.volume_pages, doi=c.doi, pmid=c.pmid,
            pmcid=c.pmcid, registration=c.registration, urls=urls,
        ))
    return tuple(out)


_DOI_TEXT = re.compile(r"\s*\bdoi:\s*(10\.\S+?)\.?(?=\s|$)", re.IGNORECASE)
_AUTHOR = re.compile(r"^[A-Za-z\u00C0-\u024F'\u2019 -]+ [A-Z]{1,4}$")
# "Eur J Cancer 2002;38(4):543-549": an abbreviated journal (no full stop) after a sentence end
_JOURNAL_TAIL = re.compile(r"(?:(?<=[.?!]\s)|^)(?P<journal>[A-Z][A-Za-z &-]*?)\s+(?P<year>(?:19|20)\d{2})"
                           r"(?:\s*;\s*(?P<vp>[^\s]+?))?\.?(?=\s|$)")


def citation_reference(rid: str, text: str, *, label: str | None = None, urls: Sequence[str] = (),
                       kind: str = "publication", note: str = "") -> Reference:
    """A :class:`Reference` from a printed Vancouver-style citation ("Authors. Title. Journal
    Year;volume:pages. doi:...").

    Only what the text states is kept: authors when the first sentence is a list of names
    ("et al." dropped), the title when one is printed before the journal, the DOI when printed;
    a citation that does not parse keeps its whole text as the title.

    >>> r = citation_reference("b", "Sleijfer S, et al. J Clin Oncol 2009;27(19):3126-3132 (EORTC 62043)")
    >>> r.authors, r.title, r.journal, r.year, r.volume_pages
    (('Sleijfer S',), None, 'J Clin Oncol', 2009, '27(19):3126-3132')
    """
    clean = " ".join(str(text).split())
    m = _DOI_TEXT.search(clean)
    doi = m.group(1).rstrip(".") if m else None
    body = _DOI_TEXT.sub("", clean).strip()
    head, sep, rest = body.partition(". ")
    names = [p.strip() for p in head.split(",")]
    authors = _authors(head) if sep and names and all(
        _AUTHOR.match(n) or n.lower() in ("et al", "et al.") for n in names) else ()
    rest = rest if authors else body
    tail = _JOURNAL_TAIL.search(rest)
    if tail is None:
        return Reference(rid, label or clean[:60], kind, authors, rest.rstrip(". ") or None, None, None,
                         None, doi, None, None, None, tuple(urls), note)
    title = rest[: tail.start()].strip().rstrip(".").strip() or None
    year = int(tail.group("year"))
    first = authors[0].rsplit(" ", 1)[0] if authors else ""
    return Reference(rid, label or f"{first} {year}".strip(), kind, authors, title, tail.group("journal"),
                     year, (tail.group("vp") or "").rstrip(".,;") or None, doi, None, None, None, tuple(urls), note)


def export_files(refs: Sequence[Reference], stem: str) -> dict[str, tuple[str, bytes, str]]:
    """``format -> (file name, bytes, MIME type)`` for RIS, BibTeX and CSL-JSON of ``refs``."""
    writers = {"RIS": to_ris, "BibTeX": to_bibtex, "CSL-JSON": to_csl_json}
    return {fmt: (f"{stem}.{FORMATS[fmt][0]}", writers[fmt](refs).encode("utf-8"), FORMATS[fmt][1])
            for fmt in FORMATS}


_VOLUME_PAGES = re.compile(r"^(?P<volume>[\w]+)(?:\((?P<issue>[^()]+)\))?(?::(?P<start>[\w]+)(?:[–-](?P<end>[\w]+))?)?"
                           r"(?:\s+\(.*\))?$")


def _volume_pages(text: str | None) -> dict[str, str]:
    """``"38(4):543-549"`` -> volume 38, issue 4, pages 543–549 (``{}`` when the text does not
    read as volume(issue):pages, which is then kept whole as the volume).

    >>> _volume_pages("24(7):e542-e550 (epub 17 Dec 2018)")
    {'volume': '24', 'issue': '7', 'start': 'e542', 'end': 'e550'}
    >>> _volume_pages("2021 (17 Mar)")
    {'volume': '2021'}
    """
    m = _VOLUME_PAGES.match((text or "").strip())
    return {k: v for k, v in m.groupdict().items() if v} if m else {}


def _note(r: Reference) -> str | None:
    bits = [f"PMID: {r.pmid}" if r.pmid else None, f"PMCID: {r.pmcid}" if r.pmcid else None,
            f"Registration: {r.registration}" if r.registration else None,
            r.note or f"Record {r.id} ({r.label}) of the apatinib sarcoma evidence base"]
    return "; ".join(b for b in bits if b)


def to_ris(refs: Sequence[Reference]) -> str:
    """RIS text (one ``TY``...``ER`` block per reference) written by :mod:`rispy`."""
    import rispy  # lazy (and bibtexparser): 30 ms CPU of every app start, pages import this module

    entries = []
    for r in refs:
        e: dict[str, object] = {"type_of_reference": r.types[0], "id": r.id,
                                "title": r.title or r.label}
        if r.authors:
            e["authors"] = list(r.authors)
        if r.journal:
            e["secondary_title"] = r.journal
        if r.year:
            e["year"] = str(r.year)
        vp = _volume_pages(r.volume_pages)
        if vp:
            e |= {k: vp[f] for k, f in (("volume", "volume"), ("number", "issue"), ("start_page", "start"),
                                        ("end_page", "end")) if f in vp}
        elif r.volume_pages:
            e["volume"] = r.volume_pages
        if r.doi:
            e["doi"] = r.doi
        if r.urls:
            e["urls"] = list(r.urls)
        e["notes"] = [_note(r)]
        if r.pmid:
            e["accession_number"] = r.pmid
        entries.append(e)
    return rispy.dumps(entries)


def _bibkey(r: Reference) -> str:
    first = re.sub(r"[^A-Za-z]", "", r.authors[0].split()[0]) if r.authors else ""
    return f"{first or 'record'}{r.year or ''}_{re.sub(r'[^A-Za-z0-9]', '', r.id)}"


def _bib_escape(text: str) -> str:
    return re.sub(r"([{}&%$#_])", r"\\\1", text)


def to_bibtex(refs: Sequence[Reference]) -> str:
    """BibTeX text written by :mod:`bibtexparser` (special characters escaped)."""
    import bibtexparser  # lazy: see to_ris
    from bibtexparser.bibdatabase import BibDatabase
    from bibtexparser.bwriter import BibTexWriter

    db = BibDatabase()
    for r in refs:
        e = {"ENTRYTYPE": r.types[1], "ID": _bibkey(r), "title": _bib_escape(r.title or r.label)}
        if r.authors:
            e["author"] = " and ".join(_bib_escape(a) for a in r.authors)
        if r.journal:
            e["journal" if r.types[1] == "article" else "howpublished"] = _bib_escape(r.journal)
        if r.year:
            e["year"] = str(r.year)
        vp = _volume_pages(r.volume_pages)
        if vp:
            e |= {k: _bib_escape(v) for k, v in (("volume", vp.get("volume")), ("number", vp.get("issue")),
                                                  ("pages", "--".join(x for x in (vp.get("start"), vp.get("end")) if x)))
                  if v}
        elif r.volume_pages:
            e["pages"] = _bib_escape(r.volume_pages)
        if r.doi:
            e["doi"] = r.doi
        if r.pmid:
            e["pmid"] = r.pmid
        if r.urls:
            e["url"] = r.urls[0]
        e["note"] = _bib_escape(_note(r) or "")
        db.entries.append(e)
    writer = BibTexWriter()
    writer.order_entries_by = None
    return bibtexparser.dumps(db, writer)


def to_csl_json(refs: Sequence[Reference]) -> str:
    """CSL-JSON (the citeproc input format: Zotero, Pandoc, citeproc-py)."""
    items = []
    for r in refs:
        it: dict[str, object] = {"id": r.id, "type": r.types[2], "title": r.title or r.label}
        if r.authors:
            it["author"] = [_csl_name(a) for a in r.authors]
        if r.journal:
            it["container-title"] = r.journal
        if r.year:
            it["issued"] = {"date-parts": [[r.year]]}
        if r.volume_pages:
            it["page"] = r.volume_pages
        if r.doi:
            it["DOI"] = r.doi
        if r.pmid:
            it["PMID"] = r.pmid
        if r.pmcid:
            it["PMCID"] = r.pmcid
        if r.urls:
            it["URL"] = r.urls[0]
        it["note"] = _note(r)
        items.append(it)
    return json.dumps(items, ensure_ascii=False, indent=2)


def _csl_name(author: str) -> dict[str, str]:
    """'Xie L' -> {'family': 'Xie', 'given': 'L'}; anything else is kept as a literal."""
    parts = author.split()
    if len(parts) == 2 and parts[1].isupper() and len(parts[1]) <= 3:
        return {"family": parts[0], "given": parts[1]}
    return {"literal": author}
