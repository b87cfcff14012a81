"""Benchmark: synthesis.glmm.fit_glmm against R metafor ``rma.glmm`` (lme4, nAGQ = 7); not a test.

Run from the repository root (R with metafor and lme4 on the PATH for the peer column):

    .venv/bin/python bench/bench_glmm.py               # 30 timed calls per data set and side
    .venv/bin/python bench/bench_glmm.py --repeat 100

Each side runs in its own fresh process per data set (Python: this file with ``--worker``; R:
``Rscript``), makes 3 untimed warm-up calls, then times ``--repeat`` calls one by one; the median
is printed. Python and R alternate per data set in the same run, so the ratio compares like with
like on a shared machine. Both sides compute the same outputs: the ML estimate, its z CI, tau²,
and the Wald-type and likelihood-ratio heterogeneity tests (``rma.glmm`` fits the equal-effects
and saturated models for these; ``fit_glmm`` has them in closed form). The largest difference of
the estimates (logit scale) and of tau² is printed beside the times as a check that both sides
fitted the same model.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthesis.glmm import fit_glmm  # noqa: E402

DATA = {
    "apatinib ORR (k=15)": ([35, 10, 2, 2, 16, 7, 9, 6, 6, 9, 9, 11, 8, 9, 13],
                            [56, 59, 10, 33, 37, 27, 43, 33, 6, 21, 26, 54, 30, 37, 49]),
    "apatinib DCR (k=12)": ([46, 51, 8, 26, 18, 6, 17, 22, 45, 27, 30, 39],
                            [56, 59, 10, 33, 27, 6, 21, 26, 54, 30, 37, 49]),
    "pritz1997 (k=14)": ([16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6],
                         [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]),
    "nielweise ctrl (k=18)": ([3, 3, 9, 7, 6, 4, 3, 2, 19, 2, 7, 1, 5, 11, 0, 1, 3, 1],
                              [117, 35, 195, 136, 157, 139, 177, 39, 103, 122, 64, 58, 175, 180,
                               105, 262, 362, 69]),
    "metaprop (k=4)": ([4, 3, 2, 1], [10, 20, 30, 40]),
    "zeros (k=5)": ([0, 2, 5, 1, 0], [12, 30, 41, 15, 9]),
}

_R_CODE = r"""
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
x <- c(%(x)s); n <- c(%(n)s); reps <- %(repeat)d
fit <- function() rma.glmm(measure = "PLO", xi = x, ni = n, method = "ML")
for (i in 1:3) res <- fit()
ts <- numeric(reps)
for (i in 1:reps) { t0 <- Sys.time(); res <- fit(); ts[i] <- as.numeric(Sys.time() - t0, units = "secs") }
cat(toJSON(list(ms = 1000 * median(ts), b = as.numeric(res$b), tau2 = res$tau2,
                ci = c(res$ci.lb, res$ci.ub), q_wald = res$QE.Wld, q_lrt = res$QE.LRT),
           digits = NA, auto_unbox = TRUE))
"""


def worker(name: str, repeat: int) -> None:
    """Time fit_glmm on one data set inside this (fresh) process; print JSON."""
    x, n = DATA[name]
    for _ in range(3):
        res = fit_glmm(x, n)
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fit_glmm(x, n)
        ts.append(time.perf_counter() - t0)
    print(json.dumps({"ms": 1000 * statistics.median(ts), "b": res.fit.estimate_t, "tau2": res.tau2,
                      "ci": list(res.intervals.ci_t), "q_wald": res.heterogeneity.q,
                      "q_lrt": res.heterogeneity.q_lrt}))


def _python(name: str, repeat: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", name, "--repeat", str(repeat)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)


def _r(name: str, repeat: int) -> dict:
    x, n = DATA[name]
    code = _R_CODE % {"x": ",".join(map(str, x)), "n": ",".join(map(str, n)), "repeat": repeat}
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.repeat)
        return
    have_r = shutil.which("Rscript") is not None
    print(f"median of {args.repeat} warm calls, each side in its own process; ms")
    print(f"{'data set':<24} {'fit_glmm':>9} {'rma.glmm':>9} {'R / Py':>7} {'|Δb|':>8} {'|Δτ²|':>8}")
    ratios = []
    for name in DATA:
        py = _python(name, args.repeat)
        if have_r:
            r = _r(name, args.repeat)
            ratio = r["ms"] / py["ms"]
            ratios.append(ratio)
            print(f"{name:<24} {py['ms']:9.2f} {r['ms']:9.2f} {ratio:7.1f} "
                  f"{abs(py['b'] - r['b']):8.1e} {abs(py['tau2'] - r['tau2']):8.1e}")
        else:
            print(f"{name:<24} {py['ms']:9.2f} {'–':>9} {'–':>7}")
    if ratios:
        print(f"median ratio R / Python: {statistics.median(ratios):.1f}x "
              f"(range {min(ratios):.1f}–{max(ratios):.1f})")
    else:
        print("Rscript not found: no peer column.")


if __name__ == "__main__":
    main()
