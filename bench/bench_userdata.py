"""Benchmark: validating the user's CSV rows (evidence.userdata.import_csv); not a test.

Run from the repository root:

    .venv/bin/python bench/bench_userdata.py               # 500 and 10,000 rows, 3 runs each
    .venv/bin/python bench/bench_userdata.py --repeat 5 --rows 500 2000 10000

Targets (issue 15): 500 rows under 1 s; 10,000 rows under 10 s with the 500-row cap lifted (the
cap is lifted here by raising ``MAX_ROWS`` for the run). Every row is a valid study with ORR, DCR
and CR/PR/SD/PD counts and a 40-character location. The peer column times pandas ``read_csv`` +
pydantic validation of the same rows as plain dicts (``Study.model_validate``) — the floor any
implementation of this contract pays — so the ratio says how much the importer adds (the
consistency checks, problems mapped to lines, provenance per number). Medians of ``--repeat``
runs; the machine is shared, so compare the same-run ratio rather than absolute seconds.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from evidence import userdata as U  # noqa: E402
from evidence.models import Study  # noqa: E402

HEAD = ("id,label,histology_group,design,regimen,n_evaluable,cr,pr,sd,pd,orr_events,orr_total,"
        "dcr_events,dcr_total,location")


def rows_csv(n: int, location_chars: int = 40) -> bytes:
    loc = "p" * location_chars
    rows = [f"R{i},Row {i},mixed,retrospective,monotherapy,20,0,{i % 5},5,{15 - i % 5},{i % 5},20,"
            f"{i % 5 + 5},20,{loc}" for i in range(n)]
    return (HEAD + "\n" + "\n".join(rows) + "\n").encode()


def ours(data: bytes) -> int:
    return len(U.import_csv(data, "bench.csv").studies)


def peer(data: bytes) -> int:
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    ok = 0
    for r in frame.to_dict("records"):
        cells = {k: U._convert(U._COLS[k], v) for k, v in r.items() if k in U._COLS}
        Study.model_validate(U.row_to_study(cells))
        ok += 1
    return ok


def timed(fn, data: bytes, repeat: int) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = fn(data)
        times.append(time.perf_counter() - t)
    return statistics.median(times), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[500, 10_000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    U.MAX_ROWS = max(U.MAX_ROWS, *args.rows)  # the cap lifted for the run
    ours(rows_csv(5))  # warm-up (pydantic schema, imports)
    print(f"{'rows':>7} {'import_csv s':>13} {'peer s':>8} {'ratio':>6} {'ms/row':>7}  valid")
    for n in args.rows:
        data = rows_csv(n)
        t_ours, k = timed(ours, data, args.repeat)
        t_peer, _ = timed(peer, data, args.repeat)
        print(f"{n:>7} {t_ours:>13.2f} {t_peer:>8.2f} {t_ours / t_peer:>6.2f} {1000 * t_ours / n:>7.2f}  {k}")


if __name__ == "__main__":
    main()
