"""Benchmark of synthesis.glmm.fit_glmm (and bayes_pool) against R metafor rma.glmm (not a test).

Run from the repository root:

    .venv/bin/python bench/bench_glmm.py          # Python timings only
    .venv/bin/python bench/bench_glmm.py --with-r # also time rma.glmm (lme4, nAGQ = 7) inside R

Columns: median wall time per call in milliseconds over ``--repeat`` calls.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthesis.bayes import bayes_pool  # noqa: E402
from synthesis.glmm import fit_glmm  # noqa: E402

DATA = {
    "apatinib ORR (k=15)": ([35, 10, 2, 2, 16, 7, 9, 6, 6, 9, 9, 11, 8, 9, 13],
                            [56, 59, 10, 33, 37, 27, 43, 33, 6, 21, 26, 54, 30, 37, 49]),
    "apatinib DCR (k=12)": ([46, 51, 8, 26, 18, 6, 17, 22, 45, 27, 30, 39],
                            [56, 59, 10, 33, 27, 6, 21, 26, 54, 30, 37, 49]),
    "pritz1997 (k=14)": ([16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6],
                         [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]),
    "metaprop k=4": ([4, 3, 2, 1], [10, 20, 30, 40]),
}


def _time(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return 1000 * statistics.median(out)


def _r_time(x, n, repeat: int) -> float:
    code = (
        "suppressPackageStartupMessages(library(metafor));"
        f"x<-c({','.join(map(str, x))});n<-c({','.join(map(str, n))});"
        f"t<-system.time(for(i in 1:{repeat}) rma.glmm(measure='PLO',xi=x,ni=n))[['elapsed']];"
        f"cat(1000*t/{repeat})"
    )
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--with-r", action="store_true")
    args = ap.parse_args()
    have_r = args.with_r and shutil.which("Rscript")
    print(f"{'dataset':<22} {'GLMM ms':>9} {'Bayes ms':>9} {'R rma.glmm ms':>14}")
    for name, (x, n) in DATA.items():
        g = _time(lambda x=x, n=n: fit_glmm(x, n), args.repeat)
        b = _time(lambda x=x, n=n: bayes_pool(x, n), args.repeat)
        r = f"{_r_time(x, n, args.repeat):14.1f}" if have_r else f"{'–':>14}"
        print(f"{name:<22} {g:9.1f} {b:9.1f} {r}")


if __name__ == "__main__":
    main()
