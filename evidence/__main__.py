"""Command line of the evidence base: ``python -m evidence diff OLD.yaml NEW.yaml``.

Lists records added and removed, every changed number (old -> new, with its source), interval
kinds relabelled, flags raised and resolved, exclusions, and the change in the pooled headline ORR
and DCR under the page defaults. Exit status: 0 no differences, 1 differences, 2 bad input.

This module is a front end (like the pages): it may use the findings layer, which the evidence
package itself never imports.
"""

from __future__ import annotations

import argparse
import sys

from evidence.diff import diff_bases
from evidence.loader import load_studies
from findings.review import diff_report, pooled_change


def _load(path: str, err) -> object | None:
    base = load_studies(path)
    bad = [p for p in base.problems if p.severity == "error"]
    if bad or not base.studies:
        print(f"{path}: cannot be compared ({len(bad)} error(s)):", file=err)
        for p in bad[:10]:
            print(f"  {p}", file=err)
        if not bad:
            print("  no study could be loaded", file=err)
        return None
    return base


def main(argv: list[str] | None = None, out=None, err=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="python -m evidence",
        description="Compare two versions of the studies file: python -m evidence diff OLD.yaml NEW.yaml "
                    "(exit 0: no differences, 1: differences, 2: bad input).")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("diff", help="differences between two versions of the studies file")
    d.add_argument("old")
    d.add_argument("new")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    old, new = _load(args.old, err), _load(args.new, err)
    if old is None or new is None:
        return 2
    diff = diff_bases(old, new)  # type: ignore[arg-type]
    pooled = pooled_change(old, new)  # type: ignore[arg-type]
    print(diff_report(diff, pooled), file=out)
    return 0 if diff.empty and not any(p.changed for p in pooled) else 1


if __name__ == "__main__":
    sys.exit(main())
