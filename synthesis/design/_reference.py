"""Plain exhaustive Simon search up to a fixed ``n_max`` (reference for tests and the benchmark).

Every (n, n1, r1, r) with n <= n_max is examined, vectorised over r1 and r for each (n, n1), with
untruncated binomial probabilities.  This is what ``clinfun::ph2simon`` does (and, like it, it
knows nothing beyond ``n_max``).  It is deliberately simple and slow: O(n_max^4).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats


def exhaustive_per_n(
    p0: float, p1: float, alpha: float, beta: float, n_max: int, constraint: str = "<="
) -> dict[int, tuple[float, int, int, int, int]]:
    """Best design at each feasible n: ``{n: (EN0, n, n1, r1, r)}`` (clinfun tie order)."""
    strict = constraint == "<"
    out: dict[int, tuple[float, int, int, int, int]] = {}
    pmf0 = {m: stats.binom.pmf(np.arange(m + 1), m, p0) for m in range(n_max + 1)}
    pmf1 = {m: stats.binom.pmf(np.arange(m + 1), m, p1) for m in range(n_max + 1)}

    def tails(pm: dict[int, np.ndarray], n1: int, n2: int) -> np.ndarray:
        n = n1 + n2
        pad = np.concatenate([np.zeros(n1), pm[n2], np.zeros(n1)])
        toe = sliding_window_view(pad, n + 1)[n1::-1]  # toe[x, t] = pmf2[t - x]
        c = pm[n1][:, None] * toe
        a = np.cumsum(c[::-1], axis=0)[::-1][1:]  # a[r1, t] = P(X1 > r1, T = t), r1 = 0..n1-1
        tl = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]  # tl[r1, t] = P(X1 > r1, T >= t)
        return tl[:, 1:]  # [r1, r] = P(X1 > r1, T > r), r = 0..n-1

    for n in range(2, n_max + 1):
        best = None
        for n1 in range(1, n):
            n2 = n - n1
            t0 = tails(pmf0, n1, n2)
            t1 = tails(pmf1, n1, n2)
            r1s = np.arange(n1)
            bad = t0 >= alpha if strict else t0 > alpha
            okp = (1.0 - t1 < beta) if strict else (1.0 - t1 <= beta)
            r_lo = np.maximum(bad.sum(axis=1), r1s)
            r_hi = okp.sum(axis=1) - 1
            q = np.cumsum(pmf0[n1][::-1])[::-1][1:]  # P(X1 > r1)
            en = n1 + q * n2
            for r1 in np.flatnonzero((r_lo <= r_hi) & (en < n)):
                cand = (float(en[r1]), n, n1, int(r1), int(r_hi[r1]))
                if best is None or (cand[0], n1, -cand[3]) < (best[0], best[2], -best[3]):
                    best = cand
        if best is not None:
            out[n] = best
    return out


def exhaustive_simon(
    p0: float, p1: float, alpha: float, beta: float, n_max: int, constraint: str = "<="
) -> tuple[tuple[float, int, int, int, int], tuple[float, int, int, int, int]] | None:
    """(optimal, minimax) among designs with n <= n_max, each ``(EN0, n, n1, r1, r)``."""
    per_n = exhaustive_per_n(p0, p1, alpha, beta, n_max, constraint)
    if not per_n:
        return None
    minimax = per_n[min(per_n)]
    optimal = min(per_n.values(), key=lambda d: (d[0], d[1]))
    return optimal, minimax
