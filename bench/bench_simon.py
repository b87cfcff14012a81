"""Benchmark: proved Simon search (synthesis.design.simon) against a plain exhaustive search.

The exhaustive search (synthesis.design._reference, vectorised over r1 and r for each (n, n1), as
clinfun does in Fortran) is given the *true* optimal n as its bound — an advantage it would not
have in practice, where it cannot know when to stop.  For the large scenarios it is timed up to a
smaller bound and extrapolated with its O(n_max^4) cost, unless ``--full`` is given.

Usage: .venv/bin/python bench/bench_simon.py [--full] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

from synthesis.design._reference import exhaustive_simon
from synthesis.design.simon import simon_two_stage

SMALL = [
    (0.05, 0.25, 0.05, 0.20),
    (0.10, 0.30, 0.05, 0.20),
    (0.20, 0.40, 0.05, 0.20),
    (0.20, 0.40, 0.05, 0.10),
    (0.40, 0.60, 0.05, 0.20),
    (0.70, 0.90, 0.05, 0.20),
    (0.20, 0.35, 0.05, 0.05),  # optimum n = 109 (clinfun's default nmax = 100 misses it)
]
LARGE = [
    (0.10, 0.15, 0.05, 0.20),  # optimum n = 340
    (0.20, 0.28, 0.05, 0.10),  # optimum n = 294
    (0.20, 0.27, 0.05, 0.05),  # optimum n = 445
]


def _best_of(fn, repeat: int) -> tuple[float, object]:
    """Best CPU time (process_time: robust to other jobs on shared cores) of ``repeat`` runs."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="run the exhaustive search to the optimum")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(
        f"{'p0':>5} {'p1':>5} {'a':>5} {'b':>5} | {'optimal':>15} {'minimax':>15} {'proved':>6} "
        f"| {'proved cpu s':>12} | {'exhaustive cpu s':>16} {'(bound)':>8} | {'ratio':>7}"
    )
    for scen in SMALL + LARGE:
        t_new, res = _best_of(lambda s=scen: simon_two_stage(*s), args.repeat)
        n_opt = res.optimal.n
        large = scen in LARGE and not args.full
        bound = min(n_opt, 150) if large else n_opt
        t_ex, ex = _best_of(lambda s=scen, b=bound: exhaustive_simon(*s, b), 1)
        label = f"{t_ex:.3f}"
        if large:
            t_ex = t_ex * (n_opt / bound) ** 4
            label = f"~{t_ex:.0f} (extrap.)"
        else:
            opt, mm = ex
            assert (opt[1], opt[2], opt[3], opt[4]) == (
                res.optimal.n,
                res.optimal.n1,
                res.optimal.r1,
                res.optimal.r,
            ), (scen, opt, res.optimal)
            assert (mm[1], mm[2], mm[3], mm[4]) == (
                res.minimax.n,
                res.minimax.n1,
                res.minimax.r1,
                res.minimax.r,
            ), (scen, mm, res.minimax)
        print(
            f"{scen[0]:5.2f} {scen[1]:5.2f} {scen[2]:5.2f} {scen[3]:5.2f} | "
            f"{res.optimal.boundary():>15} {res.minimax.boundary():>15} {res.proven_optimal!s:>6} "
            f"| {t_new:12.3f} | {label:>16} {bound:>8} | {t_ex / t_new:7.1f}"
        )


if __name__ == "__main__":
    main()
