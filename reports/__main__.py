"""Headless reports: ``python -m reports --view "endpoint=ORR&method=REML" --out report.html``.

The output type follows the file extension:

* ``.html`` — self-contained interactive report (:func:`reports.html.build_html`);
* ``.pptx`` — 16:9 deck (:func:`reports.pptx.build_pptx`);
* ``.docx`` — Word document with the HTML report's sections and tables (:func:`reports.docx.build_docx`);
* ``.R`` — standalone metafor script reproducing the pooled proportion of the view's endpoint.

``--view`` takes the app's URL query (the same keys as the Pooled efficacy page, and the Appraisal
page's ``rob_cb=true`` for the colour-blind palette; a full app URL also works); ``--view-file`` a
YAML file with the same keys. ``--palette colourblind`` (or ``cochrane``) sets the palette of the
risk-of-bias figures whatever the view says. Both are read by the app's parser
(:func:`findings.query.parse_view`): an unknown key, a value outside the vocabulary or a filter value
not in the data is an error. Errors are reported in one line on stderr with exit status 2 (no
traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import evidence
from findings.appraisal import ROB_PALETTES
from findings.query import VIEW_CONTROLS, data_options, parse_view, read_view_file
from reports.content import build_content
from reports.docx import build_docx
from reports.html import build_html
from reports.pptx import build_pptx
from reports.view import QUERY_KEYS, View

FORMATS = (".html", ".htm", ".pptx", ".docx", ".r")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m reports",
        description="Build the HTML report, the PPTX deck, the DOCX document or the R script without opening the app.",
        epilog="View keys: " + ", ".join((*QUERY_KEYS, *VIEW_CONTROLS)) + ". Example: python -m reports --view "
        '"endpoint=DCR&method=DL&ci=z" --out deck.pptx',
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--view", default="", help="URL query of the view (or a full app URL)")
    src.add_argument("--view-file", type=Path, help="YAML file with the same keys")
    p.add_argument("--out", required=True, type=Path, help="output file: .html, .pptx, .docx or .R")
    p.add_argument("--palette", choices=tuple(ROB_PALETTES.values()), default=None,
                   help="robvis palette of the risk-of-bias figures (default: the view's rob_cb, "
                        "else cochrane)")
    p.add_argument("--data", type=Path, default=None,
                   help="studies file (default: $APATINIB_STUDIES or data/studies.yaml)")
    p.add_argument("--no-figures", action="store_true",
                   help="PPTX/DOCX: skip static image export (tables instead of figures)")
    p.add_argument("--quiet", action="store_true", help="no summary line on stderr")
    return p


def load_evidence(path: Path | None) -> evidence.EvidenceBase:
    """The studies file the report is built from; a file that yields no study is an error.

    The message names the file and the first problem's field and wording, never the file's content
    (a wrong file such as ``/etc/passwd`` must not be quoted into the terminal or a report).
    """
    source = path if path is not None else (os.environ.get("APATINIB_STUDIES") or None)
    ev = evidence.load_studies(source)
    if not ev.studies:
        name = source or "the embedded data file"
        first = next((p for p in ev.problems if p.severity == "error"), None)
        why = f": {first.field}: {first.message}" if first is not None else ""
        more = len(ev.problems) - 1
        raise ValueError(f"data file {name} yielded no study{why[:300]}"
                         + (f" (and {more} more problem(s))" if more > 0 else "") + ".")
    return ev


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out: Path = args.out
    ext = out.suffix.lower()
    if ext not in FORMATS:
        sys.stderr.write(f"error: --out must end in .html, .pptx, .docx or .R (got {out.name!r}).\n")
        return 2
    t0 = time.perf_counter()
    try:
        query = read_view_file(args.view_file) if args.view_file else args.view
        if args.data is not None and not args.data.exists():
            raise ValueError(f"data file {args.data} does not exist.")
        ev = load_evidence(args.data)
        # the app's parser: an unknown key or a value not in the vocabulary or the data is an error
        parsed = parse_view(query, options=data_options(ev.outcomes_frame()),
                            source="view file" if args.view_file else "view")
        view = View.from_parsed(parsed)
        if args.palette is not None:
            view = view.with_palette(args.palette)
        # an R script needs only the pooled views: the other sections are not built for it
        content = build_content(view, evidence=ev, only=() if ext == ".r" else None)
        if ext in (".html", ".htm"):
            payload = build_html(content).encode("utf-8")
        elif ext == ".pptx":
            payload = build_pptx(content, render=not args.no_figures)
        elif ext == ".docx":
            payload = build_docx(content, render=not args.no_figures)
        else:
            script = content.r_scripts.get(view.endpoint)
            if script is None:
                raise ValueError(f"no pooled {view.endpoint} result for this view, so no R script.")
            payload = script.encode("ascii")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(payload)
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")  # one line, whatever the cause
        return 2
    if not args.quiet:
        missing = [s.key for s in content.sections if not s.available and s.reason != "not built yet."]
        sys.stderr.write(
            f"wrote {out} ({len(payload):,} bytes) in {time.perf_counter() - t0:.1f} s"
            + (f"; not available: {', '.join(missing)}" if missing else "")
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
