"""Benchmark of synthesis.meta.pool_proportions against statsmodels and R metafor (not a test).

Run from the repository root:

    .venv/bin/python bench/bench_meta.py            # k = 15, 1,000, 10,000, 1,000,000
    .venv/bin/python bench/bench_meta.py --quick    # k = 15, 1,000

Columns (median wall time per call, milliseconds):

* ``ours full``  – pool_proportions(logit, REML, ci_method="hksj", PI, Q-profile tau² CI): escalc,
  Fisher scoring, HKSJ CI, prediction interval, Q, I², H² and the Q-profile interval.
* ``ours REML``  – the same with ci_method="z" and tau2_ci=False (point estimate, CI, PI, Q, I²).
* ``sm DL``/``sm PM`` – statsmodels ``combine_effects(yi, vi, method_re="dl"/"pm")`` on the same
  yi/vi (no PI, no tau² CI, no escalc).
* ``metafor`` – R ``rma(yi, vi, method="REML", test="knha")`` + ``predict`` + ``confint`` timed
  inside R with ``system.time`` (R start-up excluded). metafor 3.8-1 builds dense k x k matrices
  (``diag(wi)``, ``P``, ``P %*% P``): memory O(k²) and time O(k³) per Fisher step, so it is run only
  up to ``--r-max-k`` (default 1,000; 3,000 takes minutes on 2 cores, 10,000 would need > 3 GB).

``peak MiB`` is the tracemalloc peak of one ``ours full`` call (numpy allocations are traced), to
show that memory grows linearly in k.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from synthesis.meta import pool_proportions  # noqa: E402
from synthesis.transforms import transform_proportions  # noqa: E402

TARGETS_MS = {
    15: ("ours full", 5.0),
    10_000: ("ours REML", 100.0),
    1_000_000: ("ours REML", 3000.0),
}


def simulate(k: int, seed: int = 2026) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + k)
    n = rng.integers(10, 200, k)
    p = 1.0 / (1.0 + np.exp(-rng.normal(-1.0, 0.6, k)))
    x = rng.binomial(n, p)
    return x.astype(float), n.astype(float)


def timeit(fn, min_time: float = 0.3, max_reps: int = 200) -> float:
    """Median of repeated calls (ms); repeats until ``min_time`` seconds or ``max_reps`` calls."""
    fn()  # warm-up
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < max_reps and (time.perf_counter() - start < min_time or len(times) < 3):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    timeit.last_min = min(times)
    return statistics.median(times)


R_CODE = r"""
suppressPackageStartupMessages(library(metafor))
d <- read.csv(commandArgs(TRUE)[1])
reps <- as.integer(commandArgs(TRUE)[2])
run <- function() {
  res <- rma(d$yi, d$vi, method = "REML", test = "knha")
  predict(res)
  confint(res)
}
run()
el <- system.time(for (i in seq_len(reps)) run())[["elapsed"]]
cat(sprintf('{"ms": %.6f, "version": "%s"}\n', 1000 * el / reps, packageVersion("metafor")))
"""


def time_metafor(yi: np.ndarray, vi: np.ndarray, reps: int) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        script = Path(tmp) / "bench.R"
        np.savetxt(csv, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="")
        script.write_text(R_CODE)
        out = subprocess.run(
            ["Rscript", str(script), str(csv), str(reps)],
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        )
    info = json.loads(out.stdout.strip().splitlines()[-1])
    return float(info["ms"]), str(info["version"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only k = 15 and 1,000")
    ap.add_argument("--r-max-k", type=int, default=1000, help="largest k timed in R (default 1000)")
    ap.add_argument("--no-r", action="store_true", help="skip R even when Rscript is present")
    args = ap.parse_args()

    from statsmodels.stats.meta_analysis import combine_effects

    ks = [15, 1_000] if args.quick else [15, 1_000, 10_000, 1_000_000]
    have_r = shutil.which("Rscript") is not None and not args.no_r
    rows = []
    r_version = None
    for k in ks:
        x, n = simulate(k)
        tp = transform_proportions(x, n, "logit")
        yi, vi = tp.yi, tp.vi
        max_reps = 200 if k <= 1000 else (20 if k <= 10_000 else 3)

        def full(x=x, n=n):
            return pool_proportions(x, n, method="REML", ci_method="hksj")

        def reml(x=x, n=n):
            return pool_proportions(x, n, method="REML", ci_method="z", tau2_ci=False)

        row = {"k": k}
        row["ours full"] = timeit(full, max_reps=max_reps)
        row["full min"] = timeit.last_min
        row["ours REML"] = timeit(reml, max_reps=max_reps)
        row["REML min"] = timeit.last_min
        row["sm DL"] = timeit(
            lambda yi=yi, vi=vi: combine_effects(yi, vi, method_re="dl"), max_reps=max_reps
        )
        row["sm PM"] = timeit(
            lambda yi=yi, vi=vi: combine_effects(yi, vi, method_re="pm"), max_reps=max_reps
        )
        if have_r and k <= args.r_max_k:
            reps = 50 if k <= 100 else 2
            row["metafor"], r_version = time_metafor(yi, vi, reps)
        else:
            row["metafor"] = float("nan")
        tracemalloc.start()
        full()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        row["peak MiB"] = peak / 2**20
        res = full()
        row["tau2"] = res.tau2
        # agreement with statsmodels on the same yi/vi (sm does not truncate DL at 0)
        for m, sm_m in (("DL", "dl"), ("PM", "pm")):
            ours = pool_proportions(x, n, method=m, tau2_ci=False)
            sm = combine_effects(yi, vi, method_re=sm_m)
            row[f"d{m}"] = max(abs(ours.tau2 - sm.tau2), abs(ours.fit.estimate_t - sm.mean_effect_re))
            row[f"tau2 {m}"] = (ours.tau2, float(sm.tau2))
        row["iter"] = res.computation.iterations
        rows.append(row)
        print(f"k = {k:>9,}: done", flush=True)

    cols = ["ours full", "full min", "ours REML", "REML min", "sm DL", "sm PM", "metafor"]
    print()
    print(
        "median wall time per call (ms; 'min' = fastest call, less sensitive to a shared, busy"
        " machine); ratios = other / ours full (medians)"
    )
    header = f"{'k':>10} " + " ".join(f"{c:>11}" for c in cols)
    header += f" {'sm DL/ours':>10} {'sm PM/ours':>10} {'R/ours':>9} {'peak MiB':>9} {'B/study':>8} {'iter':>5}"
    print(header)
    print("-" * len(header))
    for r in rows:
        line = f"{r['k']:>10,} " + " ".join(f"{r[c]:>11.3f}" for c in cols)
        base = r["ours full"]
        line += (
            f" {r['sm DL'] / base:>10.2f} {r['sm PM'] / base:>10.2f} {r['metafor'] / base:>9.1f}"
        )
        line += f" {r['peak MiB']:>9.2f} {r['peak MiB'] * 2**20 / r['k']:>8.0f} {r['iter']:>5}"
        print(line)
    print()
    print("agreement with statsmodels (max |difference| in tau² and pooled logit):")
    for r in rows:
        line = f"  k = {r['k']:>9,}: DL {r['dDL']:.1e}, PM {r['dPM']:.1e}"
        if r["dPM"] > 1e-4:
            ours_t, sm_t = r["tau2 PM"]
            line += f"  <- statsmodels PM tau² = {sm_t:.4g} vs ours {ours_t:.4g} (Q(tau²) = k - 1 exactly)"
        print(line)
    print()
    for k, (col, limit) in TARGETS_MS.items():
        for r in rows:
            if r["k"] == k:
                ok = "OK" if r[col] < limit else "MISSED"
                print(f"target k = {k:,}: {col} {r[col]:.2f} ms < {limit:g} ms  {ok}")
    if have_r:
        print(
            f"metafor {r_version}; R timed for k <= {args.r_max_k:,} only (dense k x k matrices)."
        )
    else:
        print("Rscript not found (or --no-r): metafor column is NaN.")


if __name__ == "__main__":
    main()
