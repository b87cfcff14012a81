"""BOP2-FE: exact operating characteristics (dynamic programming) against simulation.

Design: p0 = 0.2, p1 = 0.4, looks after 10, 20, 30, 40 patients, λ = 0.95, γ = 1, η = 1
(power-type efficacy cut-off; the first BOP2FE case of tests/reference/bayes_design_reference.json).
The simulation draws the responses of each cohort from a seeded NumPy generator and applies the
same boundaries; BOP2FE's own simulation (20,000 trials, in R) is read from the fixture.

    python bench/bench_bop2fe.py [n_sim]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthesis.design.bayes import bop2_design  # noqa: E402


def simulate(d, p: float, n_sim: int, seed: int = 20261206) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    looks = np.asarray(d.rule.looks)
    inc = np.diff(np.concatenate([[0], looks]))
    x = np.cumsum(rng.binomial(inc, p, size=(n_sim, inc.size)), axis=1)
    fut = x <= np.asarray(d.rule.futility)
    eff = (x >= np.asarray(d.rule.efficacy)) & ~fut
    stop = fut | eff
    stop[:, -1] = True
    k = np.argmax(stop, axis=1)
    rows = np.arange(n_sim)
    last = looks.size - 1
    early = k < last
    return {
        "reject": float(np.mean(eff[rows, k])),
        "early_futility": float(np.mean(early & fut[rows, k])),
        "early_efficacy": float(np.mean(early & eff[rows, k])),
        "expected_n": float(np.mean(looks[k])),
    }


def main() -> None:
    n_sim = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    d = bop2_design(0.2, (10, 20, 30, 40), 0.95, 1.0, 1.0)
    ref = json.loads((ROOT / "tests" / "reference" / "bayes_design_reference.json").read_text())["bop2fe"][0]
    print(f"boundaries: futility {d.futility}, efficacy {d.efficacy}")
    print(f"{'p':>4} {'quantity':>15} {'exact':>9} {'sim (NumPy, ' + str(n_sim) + ')':>22} {'BOP2FE sim (R, 20000)':>22}")
    for p in (0.2, 0.4):
        t0 = time.perf_counter()
        ex = d.oc(p)
        t_ex = time.perf_counter() - t0
        t0 = time.perf_counter()
        sim = simulate(d, p, n_sim)
        t_sim = time.perf_counter() - t0
        r = ref[f"sim_{p:g}"]
        for q in ("reject", "early_futility", "early_efficacy", "expected_n"):
            print(f"{p:4.1f} {q:>15} {getattr(ex, q):9.4f} {sim[q]:22.4f} {r[q]:22.4f}")
        print(f"     time: exact {1e3 * t_ex:.2f} ms, simulation {1e3 * t_sim:.1f} ms")


if __name__ == "__main__":
    main()
