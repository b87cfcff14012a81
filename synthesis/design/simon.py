"""Simon (1989) two-stage designs: exact search that proves its optimum, never truncates silently.

Definitions (Simon 1989): stage 1 treats ``n1`` patients and stops for futility
if ``X1 <= r1``; otherwise ``n2 = n - n1`` more are treated and the treatment is declared
promising if ``X1 + X2 > r``.  Attained α = P(declare promising | p0), attained power =
P(declare promising | p1), PET(p) = P(X1 <= r1 | p), EN(p) = n1 + (1 - PET(p)) n2.

Search
------
The search is organised around the pairs (n1, r1).  For a fixed pair, EN(p0) grows with n2, so
only the *smallest feasible* n2 of each pair can be optimal, minimax or admissible; every other
design is dominated (larger n *and* larger EN(p0)).  Three exact bounds make the search finite
and prove its result:

* **Power needs stage 1**: power <= P(X1 > r1 | p1), so r1 <= r1max(n1).
* **Minimax n**: the minimax design is found first by scanning n upwards from the
  Neyman–Pearson bound (no level-α test of n Bernoulli observations, even randomised, can be more
  powerful than the UMP randomised test); every design then has n >= n_minimax.
* **Monotone power envelope**: for a fixed (n1, r1), the most powerful (randomised) level-α test
  that rejects only when X1 > r1 has power g(n2) that is non-decreasing in n2 (a test can ignore
  one observation).  Simon's design power is at most g(n2), so n2 below the first n2 with
  g(n2) >= 1 - β is infeasible; g is located by bisection.

Pairs are processed best-first by the lower bound n1 + P(X1 > r1 | p0) · n2_lower; a pair whose
lower bound cannot beat (or, for the admissible set, cannot reach the lower convex hull of) the
designs already found is skipped with a proof.  Only ``n_max`` (if given) or the hard cap
``HARD_CAP`` can stop the search early, and then ``proven_optimal`` is ``False`` and ``note`` says so.

Binomial probabilities are exact except that tail masses below 1e-18 are dropped in the
convolutions (absolute error < 1e-17 on α and power, far below any decision threshold).

References
----------
Simon R (1989). Optimal two-stage designs for phase II clinical trials. *Control Clin Trials*
10:1–10. Jung SH, Lee T, Kim K, George SL (2004). Admissible two-stage designs for phase II
cancer clinical trials. *Stat Med* 23:561–569.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats

from synthesis.design._validate import check_constraint, check_error_rate, check_rates
from synthesis.design.oc import OC, check_p_grid, operating_characteristics

__all__ = [
    "HARD_CAP",
    "SimonDesign",
    "SimonResult",
    "en_by_n",
    "operating_characteristics",
    "simon_two_stage",
]

#: Largest total sample size the search will ever consider (when ``n_max`` is not given).
HARD_CAP = 1000  # as clinfun::ph2simon (nmax <= 1000); n ~ 900 takes several seconds
_EPS_MASS = 1e-18  # binomial tail mass dropped in convolutions
_TOL = 1e-12  # slack in *necessary* conditions only (never in the α/β constraints)


@dataclass(frozen=True, slots=True)
class SimonDesign:
    """One two-stage design: stop if ``X1 <= r1`` of ``n1``; promising if ``X1 + X2 > r`` of ``n``."""

    r1: int
    n1: int
    r: int
    n: int
    p0: float
    p1: float
    en0: float
    pet0: float
    en1: float
    pet1: float
    alpha: float  # attained type I error, P(declare promising | p0)
    power: float  # attained power, P(declare promising | p1)
    kind: str = "design"
    q_low: float = math.nan  # admissible weight interval (Jung 2004): minimises q·n + (1-q)·EN0
    q_high: float = math.nan

    @property
    def n2(self) -> int:
        return self.n - self.n1

    @property
    def beta(self) -> float:
        """Attained type II error, 1 − power."""
        return 1.0 - self.power

    def boundary(self) -> str:
        """``"3/13, 12/43"`` (r1/n1, r/n)."""
        return f"{self.r1}/{self.n1}, {self.r}/{self.n}"

    def rule_text(self) -> str:
        """The decision rule in words."""
        resp = "responds" if self.r1 == 0 else "respond"
        stop = "no patient responds" if self.r1 == 0 else f"{self.r1} or fewer {resp}"
        return (
            f"Stage 1: enrol {self.n1} patients; stop for futility after {self.n1} patients if "
            f"{stop}. Otherwise enrol {self.n2} further patients (maximum {self.n}); the "
            f"treatment is declared promising if more than {self.r} respond among the {self.n} "
            f"patients (at least {self.r + 1} responses), and not promising if {self.r} or "
            "fewer respond."
        )

    def oc(self, p: float) -> OC:
        """Exact operating characteristics at the true response rate ``p`` (one :class:`OC`).

        Examples
        --------
        >>> d = simon_two_stage(0.2, 0.4, 0.05, 0.1).minimax
        >>> d.oc(0.4)
        OC(p=0.400, reject=0.9001, early_futility=0.0400, early_efficacy=0.0000, expected_n=44.16)
        """
        p = float(check_p_grid([p])[0])
        r = _oc(self.r1, self.n1, self.r, self.n, np.array([p]))
        return OC(p, float(r["reject"][0]), float(r["PET"][0]), 0.0, float(r["EN"][0]), self.n)

    def to_dict(self) -> dict[str, float | int | str]:
        return {
            "design": self.kind,
            "r1": self.r1,
            "n1": self.n1,
            "r": self.r,
            "n": self.n,
            "EN(p0)": self.en0,
            "PET(p0)": self.pet0,
            "EN(p1)": self.en1,
            "PET(p1)": self.pet1,
            "attained alpha": self.alpha,
            "attained power": self.power,
            "q_low": self.q_low,
            "q_high": self.q_high,
        }


@dataclass(frozen=True, slots=True)
class SimonResult:
    """Optimal, minimax and admissible Simon designs with the proof status of the search."""

    p0: float
    p1: float
    alpha: float  # nominal one-sided type I error
    beta: float  # nominal type II error
    constraint: str
    optimal: SimonDesign
    minimax: SimonDesign
    admissible: tuple[SimonDesign, ...]
    n_searched_max: int
    proven_optimal: bool
    note: str
    n_lower_bound: int = 0
    pairs_evaluated: int = 0
    conventions: tuple[str, ...] = field(
        default=(
            "Stop after stage 1 if X1 <= r1; declare promising if X1 + X2 > r (Simon 1989).",
            "Designs without a futility stop (PET(p0) = 0) are excluded, as in clinfun.",
            "Ties: smallest n, then smallest n1, then largest r1; largest feasible r (clinfun).",
        )
    )

    @property
    def power(self) -> float:
        return 1.0 - self.beta

    def summary(self) -> pd.DataFrame:
        """One row per design: minimax, admissible designs, optimal (clinfun order)."""
        rows = [self.minimax.to_dict()]
        rows += [d.to_dict() for d in self.admissible if d.kind == "admissible"]
        if (self.optimal.n1, self.optimal.n) != (self.minimax.n1, self.minimax.n):
            rows.append(self.optimal.to_dict())
        return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# probability machinery


class _Binom:
    """Cached binomial pmf with the support that carries all but 1e-18 of each tail."""

    def __init__(self, p: float) -> None:
        self.p = p
        self._cache: dict[int, tuple[np.ndarray, np.ndarray, int, int]] = {}
        self._top = -1

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray, int, int]:
        """(pmf[0..n], sf[0..n+1] with sf[k] = P(X >= k), lo, hi)."""
        hit = self._cache.get(n)
        if hit is not None:
            return hit
        # all sizes up to n (+64) at once: one scipy call per 64 sizes, each size computed once
        start = self._top + 1
        stop = max(n, self._top) + 64
        for lo in range(start, stop + 1, 64):
            ns = np.arange(lo, min(lo + 64, stop + 1))
            block = stats.binom.pmf(np.arange(ns[-1] + 1)[None, :], ns[:, None], self.p)
            # row-wise sums are sequential (add.accumulate), and the zeros beyond k = m add
            # nothing, so these equal the per-size sums of _store exactly
            sfb = np.cumsum(block[:, ::-1], axis=1)[:, ::-1]
            los = np.count_nonzero(np.cumsum(block, axis=1) < _EPS_MASS, axis=1).tolist()
            his = (np.count_nonzero(sfb >= _EPS_MASS, axis=1) - 1).tolist()
            for i, m in enumerate(ns.tolist()):
                sf = np.zeros(m + 2)
                sf[: m + 1] = sfb[i, : m + 1]
                lo_m = min(max(los[i], 0), m)
                self._cache[m] = (block[i, : m + 1].copy(), sf, lo_m, max(min(his[i], m), lo_m))
        self._top = stop
        return self._cache[n]

    def _store(self, n: int, pmf: np.ndarray) -> None:
        sf = np.zeros(n + 2)
        sf[: n + 1] = np.cumsum(pmf[::-1])[::-1]
        cdf = np.cumsum(pmf)
        lo = int(np.searchsorted(cdf, _EPS_MASS, side="left"))
        hi = int(np.count_nonzero(sf[: n + 1] >= _EPS_MASS)) - 1
        lo = min(max(lo, 0), n)
        hi = max(min(hi, n), lo)
        self._cache[n] = (pmf, sf, lo, hi)


def _local_tails(b: _Binom, n1: int, n2: int, r1s: np.ndarray) -> tuple[np.ndarray, int]:
    """Joint upper tails on the support window.

    Returns ``(rc, off)`` with ``rc[i, L] = 0`` and, for every total r,
    ``P(X1 > r1s[i], X1 + X2 > r) = rc[i, clip(r + 1 - off, 0, L)]`` (non-increasing in r).
    """
    pm1, _, lo1, hi1 = b.get(n1)
    pm2, _, lo2, hi2 = b.get(n2)
    rows = r1s.size
    xs0 = max(lo1, int(r1s.min()) + 1)
    if xs0 > hi1:
        return np.zeros((rows, 1)), 0
    y = pm1[xs0 : hi1 + 1]
    seg = pm2[lo2 : hi2 + 1]
    off = xs0 + lo2
    lx = y.size
    if rows == 1:
        t = np.convolve(y, seg)
        rc = np.zeros((1, t.size + 1))
        rc[0, :-1] = np.cumsum(t[::-1])[::-1]
        return rc, off
    # rc[i, j] = P(X1 > r1s[i], T >= off + j) = sum_x pmf1(x) P(X2 >= off + j - x): one
    # reverse cumulative sum over x of pmf1(x) * Q2(lo2 + j - (x - xs0)), Q2(k) = P(X2 >= k)
    lt = lx + seg.size - 1
    sf2 = b.get(n2)[1]
    ks = np.arange(lo2 - lx + 1, lo2 + lt + 1)
    ext = np.where(ks < 0, 1.0, sf2[np.clip(ks, 0, n2 + 1)])
    q = sliding_window_view(ext, lt + 1)[::-1]  # q[i, j] = Q2(lo2 + j - i)
    rcx = np.zeros((lx + 1, lt + 1))
    rcx[:lx] = np.cumsum((y[:, None] * q)[::-1], axis=0)[::-1]
    k = np.minimum(np.maximum(r1s + 1 - xs0, 0), lx)
    rc = rcx[k]
    rc[:, lt] = 0.0
    return rc, off


def _local_cols(b: _Binom, n1: int, n2: int, r1s: np.ndarray, rs: np.ndarray) -> np.ndarray:
    """``P(X1 > r1s[i], X1 + X2 > rs[j])`` for several r1 (more than one) at the totals ``rs``.

    The same products and the same sequential sums as the full table of ``_local_tails``
    (``rc[i, clip(r + 1 - off, 0, L)]``), restricted to the requested columns.
    """
    pm1, _, lo1, hi1 = b.get(n1)
    _, sf2, lo2, hi2 = b.get(n2)
    xs0 = max(lo1, int(r1s.min()) + 1)
    if xs0 > hi1:
        return np.zeros((r1s.size, rs.size))
    y = pm1[xs0 : hi1 + 1]
    lx = y.size
    lt = lx + (hi2 - lo2 + 1) - 1
    ks = np.arange(lo2 - lx + 1, lo2 + lt + 1)
    ext = np.where(ks < 0, 1.0, sf2[np.clip(ks, 0, n2 + 1)])
    cols = np.clip(rs + 1 - (xs0 + lo2), 0, lt)
    q = ext[(lx - 1 - np.arange(lx))[:, None] + cols[None, :]]  # q[i, j] of _local_tails
    rcx = np.zeros((lx + 1, cols.size))
    rcx[:lx] = np.cumsum((y[:, None] * q)[::-1], axis=0)[::-1]
    rcx[:, cols == lt] = 0.0
    k = np.minimum(np.maximum(r1s + 1 - xs0, 0), lx)
    return rcx[k]


def _tail_one(b: _Binom, n1: int, n2: int, r1: int) -> tuple[np.ndarray, int]:
    """``_local_tails`` for a single r1 (1-D result, identical values, less overhead)."""
    pm1, _, lo1, hi1 = b.get(n1)
    pm2, _, lo2, hi2 = b.get(n2)
    xs0 = max(lo1, r1 + 1)
    if xs0 > hi1:
        return _ZERO_TAIL, 0
    t = np.convolve(pm1[xs0 : hi1 + 1], pm2[lo2 : hi2 + 1])
    rc = np.empty(t.size + 1)
    rc[:-1] = np.cumsum(t[::-1])[::-1]
    rc[-1] = 0.0
    return rc, xs0 + lo2


_ZERO_TAIL = np.zeros(1)


def _count_r(j: np.ndarray | int, off: int, n: int) -> np.ndarray | int:
    """Number of totals r in [0, n - 1] whose local index clip(r + 1 - off) is below j."""
    if isinstance(j, int):
        return 0 if j == 0 else min(max(off + j - 1, 0), n)
    return np.where(np.asarray(j) == 0, 0, np.clip(off + np.asarray(j) - 1, 0, n))


def _tail_at(rc: np.ndarray, off: int, r: int) -> float:
    if r < 0:
        return math.nan
    return float(rc[min(max(r + 1 - off, 0), rc.size - 1)])


class _Search:
    def __init__(self, p0: float, p1: float, alpha: float, beta: float, strict: bool) -> None:
        self.p0, self.p1, self.alpha, self.beta, self.strict = p0, p1, alpha, beta, strict
        self.b0 = _Binom(p0)
        self.b1 = _Binom(p1)
        self.evaluations = 0

    # -- constraints -------------------------------------------------------------------------
    def alpha_bad(self, tail0: np.ndarray) -> np.ndarray:
        return tail0 >= self.alpha if self.strict else tail0 > self.alpha

    def power_ok(self, tail1: np.ndarray) -> np.ndarray:
        b = 1.0 - tail1
        return b < self.beta if self.strict else b <= self.beta

    def r1_range(self, n1: int) -> tuple[int, int]:
        """Candidate r1 for stage 1 of size n1 (empty when lo > hi)."""
        _, sf1, _, _ = self.b1.get(n1)
        # power <= P(X1 > r1 | p1) = sf1[r1 + 1]  (necessary condition, with slack)
        hi = int(np.count_nonzero(sf1[1 : n1 + 1] >= 1.0 - self.beta - _TOL)) - 1
        hi = min(hi, n1 - 1)
        _, _, lo0, _ = self.b0.get(n1)
        lo = max(0, lo0 - 1)  # smaller r1: PET(p0) < 1e-18, dominated by r1 = lo
        return lo, hi

    def q0(self, n1: int, r1: np.ndarray | int) -> np.ndarray | float:
        """P(X1 > r1 | p0) = 1 - PET(p0)."""
        _, sf0, _, _ = self.b0.get(n1)
        return sf0[np.asarray(r1) + 1]

    # -- neyman-pearson bound on n -------------------------------------------------------------
    def ump_power(self, n: int) -> float:
        return self.eval_pair(n, -1, 0)[2]

    def n_lower_bound(self, cap: int) -> int:
        target = 1.0 - self.beta - _TOL
        lo, hi = 1, 1
        while self.ump_power(hi) < target:
            lo = hi + 1
            hi *= 2
            if hi > 4 * cap:
                return hi
        while lo < hi:
            mid = (lo + hi) // 2
            if self.ump_power(mid) >= target:
                hi = mid
            else:
                lo = mid + 1
        return lo

    # -- all feasible designs at one total n (clinfun-style, vectorised over r1) ---------------
    def r_candidates(self, n: int) -> np.ndarray:
        """Totals r in [0, n - 1] that a feasible design of total size n can use (a superset).

        Proof.  Let A = {X1 <= r1, X1 + X2 > r}.  Power = P1(T > r) - P1(A) >= 1 - beta and
        alpha' = P0(T > r) - P0(A) <= alpha give P1(A) <= P1(T > r) - (1 - beta) and
        P0(A) >= P0(T > r) - alpha.  The likelihood ratio of a point of (X1, X2) is
        LR(t) = (p1/p0)^t ((1 - p1)/(1 - p0))^(n - t), increasing in the total t, and t >= r + 1
        on A, so P1(A) >= LR(r + 1) P0(A).  Hence every feasible r (for any n1, r1) satisfies
        P1(T > r) - (1 - beta) >= LR(r + 1) max(0, P0(T > r) - alpha).  This is checked with
        a slack far above the rounding error, so it can only keep too many r, never too few.
        """
        _, sf0, _, _ = self.b0.get(n)
        _, sf1, _, _ = self.b1.get(n)
        r = np.arange(n)
        t0, t1 = sf0[1 : n + 1], sf1[1 : n + 1]
        log_lr = (r + 1) * math.log(self.p1 / self.p0) + (n - r - 1) * math.log(
            (1.0 - self.p1) / (1.0 - self.p0)
        )
        need = np.exp(np.minimum(log_lr, 700.0)) * np.maximum(t0 - self.alpha, 0.0)
        slack = 1e-9 * (1.0 + need)
        keep = (t1 - (1.0 - self.beta) >= -1e-9) & (t1 - (1.0 - self.beta) - need >= -slack)
        return r[keep]

    def designs_at_n(self, n: int) -> list[tuple[float, int, int, int]]:
        """Feasible (EN0, n1, r1, r) with the largest feasible r for each (n1, r1).

        Only the totals r of :meth:`r_candidates` are examined (a proved superset of the
        feasible ones); the tail values at those r are the very numbers the full tables of
        ``_local_tails`` hold, so the designs are the same.
        """
        found: list[tuple[float, int, int, int]] = []
        rs = self.r_candidates(n)
        if rs.size == 0:
            return found
        for n1 in range(1, n):
            lo, hi = self.r1_range(n1)
            if lo > hi:
                continue
            r1s = np.arange(lo, hi + 1)
            if r1s.size > 1:
                # r >= r1 and X1 > r imply X1 + X2 > r, so alpha' >= P0(X1 > r): a feasible r
                # has P0(X1 > r) <= alpha (with a slack far above rounding: never too few r)
                sf0 = self.b0.get(n1)[1]
                cols = rs[(rs >= lo) & (sf0[np.minimum(rs + 1, n1 + 1)] <= self.alpha + 1e-9)]
                if cols.size:
                    self._designs_cols(n, n1, r1s, cols, found)
                continue
            n2 = n - n1
            rc0, off0 = _local_tails(self.b0, n1, n2, r1s)
            rc1, off1 = _local_tails(self.b1, n1, n2, r1s)
            self.evaluations += 1
            c = _count_r(np.count_nonzero(self.alpha_bad(rc0), axis=1), off0, n)
            r_lo = np.maximum(c, r1s)
            r_hi = _count_r(np.count_nonzero(self.power_ok(rc1), axis=1), off1, n) - 1
            ok = r_lo <= r_hi
            if not ok.any():
                continue
            q = self.q0(n1, r1s)
            en = n1 + q * n2
            for i in np.flatnonzero(ok & (en < n)):
                found.append((float(en[i]), n1, int(r1s[i]), int(r_hi[i])))
        return found

    def _designs_cols(self, n: int, n1: int, r1s: np.ndarray, rs: np.ndarray, found: list) -> None:
        """designs_at_n for one n1 (several r1), evaluating only the columns r in ``rs``."""
        n2 = n - n1
        v0 = _local_cols(self.b0, n1, n2, r1s, rs)
        v1 = _local_cols(self.b1, n1, n2, r1s, rs)
        self.evaluations += 1
        ok = ~self.alpha_bad(v0) & self.power_ok(v1) & (rs[None, :] >= r1s[:, None])
        rows = np.flatnonzero(ok.any(axis=1))
        if rows.size == 0:
            return
        q = self.q0(n1, r1s)
        en = n1 + q * n2
        for i in rows.tolist():
            if en[i] < n:
                r_hi = int(rs[np.flatnonzero(ok[i])[-1]])
                found.append((float(en[i]), n1, int(r1s[i]), r_hi))

    # -- one pair (n1, r1) at one n2 ------------------------------------------------------------
    def eval_pair(self, n1: int, r1: int, n2: int) -> tuple[bool, int, float]:
        """(feasible, largest feasible r, power envelope g(n2)).

        g(n2) is the power of the most powerful randomised level-alpha test that rejects only
        if X1 > r1; the likelihood ratio increases with the total T, so the Neyman-Pearson
        test rejects for T > c and randomises at T = c.  g is non-decreasing in n2 and bounds
        the power of every Simon design with this (n1, r1, n2).
        """
        n = n1 + n2
        rc0, off0 = _tail_one(self.b0, n1, n2, r1)
        rc1, off1 = _tail_one(self.b1, n1, n2, r1)
        self.evaluations += 1
        # the same counts as designs_at_n, written out for one r1 (this is the hot loop)
        j = int(np.count_nonzero(rc0 >= self.alpha if self.strict else rc0 > self.alpha))
        c = 0 if j == 0 else min(max(off0 + j - 1, 0), n)
        j = int(np.count_nonzero(1.0 - rc1 < self.beta if self.strict else 1.0 - rc1 <= self.beta))
        r_hi = (0 if j == 0 else min(max(off1 + j - 1, 0), n)) - 1
        feasible = max(c, r1) <= r_hi
        # randomised envelope: c0 = first total with tail <= alpha (in 0..n)
        j = int(np.count_nonzero(rc0 > self.alpha))
        c0 = 0 if j == 0 else min(max(off0 + j - 1, 0), n + 1)
        if r1 >= 0 and c0 <= r1:  # every continuing trial already has T > c0
            return feasible, r_hi, float(rc1[0])
        t0c, t1c = _tail_at(rc0, off0, c0), _tail_at(rc1, off1, c0)
        if c0 == 0:
            prev0 = prev1 = 1.0
        else:
            prev0, prev1 = _tail_at(rc0, off0, c0 - 1), _tail_at(rc1, off1, c0 - 1)
        m0 = prev0 - t0c
        gamma = 0.0 if m0 <= 0 else min(1.0, max(0.0, (self.alpha - t0c) / m0))
        return feasible, r_hi, t1c + gamma * (prev1 - t1c)


# --------------------------------------------------------------------------------------------
# design construction and public API


def _make_design(p0: float, p1: float, r1: int, n1: int, r: int, n: int, kind: str) -> SimonDesign:
    oc = _oc(r1, n1, r, n, np.array([p0, p1]))
    return SimonDesign(
        r1=r1,
        n1=n1,
        r=r,
        n=n,
        p0=p0,
        p1=p1,
        en0=float(oc["EN"][0]),
        pet0=float(oc["PET"][0]),
        en1=float(oc["EN"][1]),
        pet1=float(oc["PET"][1]),
        alpha=float(oc["reject"][0]),
        power=float(oc["reject"][1]),
        kind=kind,
    )


def _oc(r1: int, n1: int, r: int, n: int, p: np.ndarray) -> dict[str, np.ndarray]:
    """Exact PET, P(declare promising) and EN at each p (no truncation); public face: ``oc``."""
    n2 = n - n1
    p = np.asarray(p, dtype=float)
    pet = stats.binom.cdf(r1, n1, p)
    x = np.arange(r1 + 1, n1 + 1)
    # P(X1 = x) * P(X2 > r - x)
    pm = stats.binom.pmf(x[None, :], n1, p[:, None])
    sf = stats.binom.sf(r - x[None, :], n2, p[:, None])
    reject = np.sum(pm * sf, axis=1)
    en = n1 + (1.0 - pet) * n2
    return {"PET": pet, "reject": reject, "EN": en}


def _admissible(points: list[tuple[float, int, int, int, int]]) -> list[tuple[int, float, float]]:
    """Indices of designs on the lower convex hull of (n, EN0) with their q interval.

    ``points`` are (EN0, n, n1, r1, r), one per n (best EN0 at that n).  Design i minimises
    q·n + (1 − q)·EN0 for q in [q_low, q_high]; only intervals of positive length are kept.
    """
    n = np.array([pt[1] for pt in points], dtype=float)
    en = np.array([pt[0] for pt in points], dtype=float)
    res = []
    for i in range(len(points)):
        lo, hi = 0.0, 1.0
        for j in range(len(points)):
            if i == j:
                continue
            # f_i(q) - f_j(q) = q (dn - de) + de <= 0 with dn = n_i - n_j, de = en_i - en_j
            dn, de = n[i] - n[j], en[i] - en[j]
            slope = dn - de
            if abs(slope) < 1e-14:
                if de > 1e-12:
                    lo, hi = 1.0, 0.0
                continue
            bound = -de / slope
            if slope > 0:
                hi = min(hi, bound)
            else:
                lo = max(lo, bound)
        if hi - lo > 1e-12:
            res.append((i, lo, hi))
    return res


def simon_two_stage(
    p0: float,
    p1: float,
    alpha: float = 0.05,
    beta: float = 0.20,
    *,
    n_max: int | None = None,
    constraint: str = "<=",
) -> SimonResult:
    """Simon's optimal, minimax and admissible two-stage designs by exact binomial search.

    Parameters
    ----------
    p0, p1 : float
        Unacceptable (H0) and target (H1) response rates, 0 < p0 < p1 < 1.
    alpha : float
        One-sided type I error, in (0, 0.5].
    beta : float
        Type II error (power = 1 − beta), in (0, 0.5].
    n_max : int, optional
        Largest total sample size to examine.  By default the search bound is chosen adaptively
        and the optimum is *proved* (``proven_optimal``); with ``n_max`` the search may stop at
        the bound, which ``note`` then states.
    constraint : {"<=", "<"}
        ``"<="``: attained α <= alpha and attained β <= beta (Simon 1989, desmon, lrstat,
        mtdesign).  ``"<"``: strict inequalities, as in ``clinfun::ph2simon``.

    Returns
    -------
    SimonResult

    Notes
    -----
    Ties are broken as in clinfun: smallest n, then smallest n1, then largest r1; for each
    (n1, r1, n) the largest feasible r (smallest attained α) is reported.  Designs without a
    futility stop (PET(p0) = 0) are excluded.

    References
    ----------
    Simon R (1989), *Control Clin Trials* 10:1–10.  Jung SH et al. (2004), *Stat Med* 23:561–569.

    Examples
    --------
    >>> res = simon_two_stage(0.2, 0.4, 0.05, 0.2)
    >>> res.optimal.boundary(), res.minimax.boundary(), res.proven_optimal
    ('3/13, 12/43', '4/18, 10/33', True)
    """
    p0, p1 = check_rates(p0, p1)
    alpha = check_error_rate("alpha", alpha)
    beta = check_error_rate("beta", beta)
    constraint = check_constraint(constraint)
    if n_max is not None:
        try:
            nm = int(n_max)
        except (TypeError, ValueError):
            raise ValueError(f"n_max ({n_max!r}) must be a whole number >= 2.") from None
        if nm != n_max or nm < 2:
            raise ValueError(f"n_max ({n_max!r}) must be a whole number >= 2.")
        if nm > HARD_CAP:
            raise ValueError(f"n_max ({n_max!r}) must not exceed {HARD_CAP}.")
        cap = nm
    else:
        cap = HARD_CAP
    s = _Search(p0, p1, alpha, beta, strict=constraint == "<")

    # 1. minimax: smallest n with a feasible design (scan up from the Neyman–Pearson bound)
    n_lb = s.n_lower_bound(cap)
    if n_lb > cap:
        raise ValueError(
            f"No feasible design with n <= {cap}: even the most powerful (randomised) test "
            f"needs more than {cap} patients for p0 = {p0}, p1 = {p1}, alpha = {alpha}, "
            f"beta = {beta}." + (" Increase n_max." if n_max is not None else "")
        )
    n_mm = None
    mm_designs: list[tuple[float, int, int, int]] = []
    for n in range(max(n_lb, 2), cap + 1):
        mm_designs = s.designs_at_n(n)
        if mm_designs:
            n_mm = n
            break
    if n_mm is None:
        raise ValueError(
            f"No feasible two-stage design with n <= {cap} for p0 = {p0}, p1 = {p1}, "
            f"alpha = {alpha}, beta = {beta}." + (" Increase n_max." if n_max is not None else "")
        )
    mm_designs.sort(key=lambda d: (d[0], d[1], -d[2]))
    en_mm, n1_mm, r1_mm, r_mm = mm_designs[0]

    # 2. best-first branch and bound over (n1, r1) for optimal and admissible designs
    # found[(n1, r1)] = (EN0, n, r) for the smallest feasible n2 of that pair
    found: dict[tuple[int, int], tuple[float, int, int]] = {}
    for en, n1, r1, r in mm_designs:
        found[(n1, r1)] = (en, n_mm, r)
    pairs = []
    n1_top = min(int(math.floor(en_mm)), cap - 1)
    for n1 in range(1, n1_top + 1):
        lo, hi = s.r1_range(n1)
        if lo > hi:
            continue
        r1s = np.arange(lo, hi + 1)
        q = np.asarray(s.q0(n1, r1s))
        lb_n2 = max(1, n_mm - n1)
        lb_en = n1 + q * lb_n2
        for r1, qq, le in zip(r1s.tolist(), q.tolist(), lb_en.tolist(), strict=True):
            if le <= en_mm + 1e-9 and (n1, r1) not in found and qq > 0:
                pairs.append((le, n1, r1, qq))
    pairs.sort()

    hull = _Hull()
    for en, _n1, _r1, _r in mm_designs[:1]:
        hull.add(n_mm, en)
    max_seen = n_mm
    truncated_lb = math.inf  # smallest EN0 a design beyond n_max could have (pairs cut by cap)
    target = 1.0 - beta - _TOL
    # envelope knowledge per n1: r1 -> first n2 with g >= target (exact), or -(c + 1) when
    # g(c) < target is known (so the first such n2 exceeds c).  g decreases in r1 (a smaller
    # rejection region), so m_g(n1, r1) <= m_g(n1, r1') for r1 < r1'.
    env: dict[int, dict[int, int]] = {}
    for le, n1, r1, qq in pairs:
        lb_n2 = max(1, n_mm - n1)
        if not hull.could_be_admissible(n1 + lb_n2, le):
            continue
        en_cap = int(math.floor((en_mm - n1) / qq + 1e-9))
        hi_n2 = min(en_cap, cap - n1)
        max_seen = max(max_seen, n1 + hi_n2)
        known = env.setdefault(n1, {})
        top = None
        for r1k, m in known.items():
            if r1k < r1:
                lb_n2 = max(lb_n2, m if m > 0 else -m)
            elif r1k > r1 and m > 0 and (top is None or m < top):
                top = m
        res = _first_feasible(s, n1, r1, qq, lb_n2, hi_n2, top, target, hull, known)
        if res is None:
            if hi_n2 < en_cap:  # the cap, not the EN bound, ended this pair's search
                truncated_lb = min(truncated_lb, n1 + qq * (hi_n2 + 1))
            continue
        n2, r = res
        found[(n1, r1)] = (n1 + qq * n2, n1 + n2, r)
        hull.add(n1 + n2, n1 + qq * n2)

    # best design per n, clinfun tie order
    per_n: dict[int, tuple[float, int, int, int, int]] = {}
    for (n1, r1), (en, n, r) in found.items():
        key = (en, n1, -r1)
        cur = per_n.get(n)
        if cur is None or key < (cur[0], cur[2], -cur[3]):
            per_n[n] = (en, n, n1, r1, r)
    best = min(per_n.values(), key=lambda d: (d[0], d[1], d[2], -d[3]))
    en_opt, n_opt, n1_opt, r1_opt, r_opt = best
    optimal = _make_design(p0, p1, r1_opt, n1_opt, r_opt, n_opt, "optimal")
    minimax = _make_design(p0, p1, r1_mm, n1_mm, r_mm, n_mm, "minimax")

    cand = sorted(v for k, v in per_n.items() if n_mm <= k <= n_opt)
    cand.sort(key=lambda d: d[1])
    adm = []
    for i, qlo, qhi in _admissible(cand):
        en, n, n1, r1, r = cand[i]
        kind = "optimal" if n == n_opt else "minimax" if n == n_mm else "admissible"
        d = _make_design(p0, p1, r1, n1, r, n, kind)
        adm.append(_replace_q(d, qlo, qhi))
    adm.sort(key=lambda d: d.n)

    proven = truncated_lb > en_opt
    searched = min(cap, max_seen)
    if proven:
        note = (
            f"Optimum proved: every design not evaluated has EN(p0) > {en_opt:.4f} by exact "
            f"bounds (minimax n = {n_mm} is the smallest feasible n; power envelope bisection "
            f"per (n1, r1)). No sample-size bound was binding"
            + (f" (n_max = {cap})." if n_max is not None else ".")
        )
    else:
        note = (
            f"Search stopped at n_max = {cap}: a design with n > {cap} could have EN(p0) as low "
            f"as {truncated_lb:.2f} < {en_opt:.2f}; the reported 'optimal' design is the best "
            f"with n <= {cap} only. Increase n_max (or leave it unset) to prove the optimum."
        )
    return SimonResult(
        p0=p0,
        p1=p1,
        alpha=alpha,
        beta=beta,
        constraint=constraint,
        optimal=optimal,
        minimax=minimax,
        admissible=tuple(adm),
        n_searched_max=searched if proven else cap,
        proven_optimal=bool(proven),
        note=note,
        n_lower_bound=n_lb,
        pairs_evaluated=s.evaluations,
    )


def _first_feasible(
    s: _Search,
    n1: int,
    r1: int,
    qq: float,
    lo: int,
    hi: int,
    top: int | None,
    target: float,
    hull: _Hull,
    known: dict[int, int],
) -> tuple[int, int] | None:
    """Smallest feasible n2 in [lo, hi] for the pair (n1, r1), or None.

    First the envelope bisection: the smallest n2 with g(n2) >= target (``top`` is a known n2
    with g >= target, from a larger r1).  Below it no design is feasible (f <= g).  Then scan n2
    upwards until a design is feasible or can no longer reach the hull.
    """
    # The scan below stops at the first n2 whose point (n1 + n2, n1 + qq·n2) cannot reach the
    # hull; that test is monotone in n2 (both coordinates grow, qq > 0, and IEEE products and
    # sums by non-negative numbers are monotone), so every n2 beyond the last passing one is
    # excluded too.  Shrinking hi to it before the bisection is exact: same designs, fewer
    # evaluations (most pairs are then dismissed without any binomial computation).
    hi = hull.last_n2(n1, qq, lo, hi)
    if hi < lo:
        return None
    seen: dict[int, tuple[bool, int]] = {}
    if top is None or top > hi:
        ok, r, g = s.eval_pair(n1, r1, hi)
        seen[hi] = (ok, r)
        if g < target:
            known[r1] = -(hi + 1)
            return None
        top = hi
    top = max(top, lo)
    a = lo
    while a < top:
        mid = (a + top) // 2
        ok, r, g = s.eval_pair(n1, r1, mid)
        seen[mid] = (ok, r)
        if g >= target:
            top = mid
        else:
            a = mid + 1
    known[r1] = a
    for n2 in range(a, hi + 1):
        if not hull.could_be_admissible(n1 + n2, n1 + qq * n2):
            return None
        hit = seen.get(n2)
        if hit is None:
            ok, r, _ = s.eval_pair(n1, r1, n2)
        else:
            ok, r = hit
        if ok:
            return n2, r
    return None


def _replace_q(d: SimonDesign, qlo: float, qhi: float) -> SimonDesign:
    from dataclasses import replace

    return replace(d, q_low=float(qlo), q_high=float(qhi))


class _Hull:
    """Lower convex hull of the (n, EN0) points found so far (Jung et al. 2004 weights).

    A point can be admissible only if, for some q in [0, 1], q*n + (1 - q)*EN0 is no larger than
    the minimum over found designs.  The gap is convex in q, so checking q = 0, q = 1 and the
    breakpoints of the found designs' lower envelope is exact.
    """

    def __init__(self) -> None:
        self.pts: list[tuple[float, float]] = []
        self.qs = np.array([0.0, 1.0])
        self.env = np.array([np.inf, np.inf])
        self._qs_list = [0.0, 1.0]
        self._env_list = [math.inf, math.inf]

    def add(self, n: float, en: float) -> None:
        self.pts.append((float(n), float(en)))
        pts = sorted(set(self.pts))
        hull: list[tuple[float, float]] = []
        for pt in pts:  # lower hull, monotone chain
            while len(hull) >= 2:
                (x1, y1), (x2, y2) = hull[-2], hull[-1]
                if (x2 - x1) * (pt[1] - y1) - (y2 - y1) * (pt[0] - x1) <= 0:
                    hull.pop()
                else:
                    break
            hull.append(pt)
        self.pts = hull
        qs = [0.0, 1.0]
        for (na, ea), (nb, eb) in zip(hull[:-1], hull[1:], strict=True):
            den = (eb - ea) - (nb - na)
            if den != 0:
                q = (eb - ea) / den
                if 0.0 < q < 1.0:
                    qs.append(q)
        self.qs = np.array(qs)
        hn = np.array([h[0] for h in hull])
        he = np.array([h[1] for h in hull])
        self.env = np.min(self.qs[:, None] * hn[None, :] + (1 - self.qs[:, None]) * he, axis=1)
        self._qs_list = self.qs.tolist()
        self._env_list = self.env.tolist()

    def last_n2(self, n1: int, qq: float, lo: int, hi: int) -> int:
        """Largest n2 in [lo, hi] with ``could_be_admissible(n1 + n2, n1 + qq*n2)`` (lo - 1 if none).

        The test is monotone in n2 (see ``_first_feasible``).  A closed-form guess from
        q*(n1 + n2) + (1 - q)*(n1 + qq*n2) <= env_q is corrected by the exact test itself, so
        the answer is the one a linear scan would give.
        """
        if hi < lo:
            return hi
        guess = -math.inf  # q + (1 - q)*qq > 0 because qq > 0
        for q, e in zip(self._qs_list, self._env_list, strict=True):
            guess = max(guess, (e + 1e-9 - n1) / (q + (1.0 - q) * qq))
        if not math.isfinite(guess):
            guess = hi
        h = int(min(max(math.floor(guess), lo - 1), hi))
        ok = self.could_be_admissible
        while h >= lo and not ok(n1 + h, n1 + qq * h):
            h -= 1
        while h < hi and ok(n1 + h + 1, n1 + qq * (h + 1)):
            h += 1
        return h

    def could_be_admissible(self, n: float, en: float) -> bool:
        """False if the point (or anything to its upper right) lies strictly above the hull."""
        # plain floats: the same IEEE operations as the array form, without its overhead
        for q, e in zip(self._qs_list, self._env_list, strict=True):
            if q * n + (1.0 - q) * en <= e + 1e-9:
                return True
        return False


def en_by_n(result: SimonResult, extra: int = 5) -> pd.DataFrame:
    """Best design at each n from the minimax n to the optimal n + ``extra`` (clinfun style).

    For the graphical search of Jung, Carey & Kim (2001): EN(p0) against n, as drawn by
    ``clinfun::plot.ph2simon``.  Each row is the design with the smallest EN(p0) among all
    feasible designs with that total n (ties: smallest n1, then largest r1); n without a feasible
    design are omitted.  Cost grows like n^3 per n: a few ms for n <= 100, about 0.2 s per n
    near n = 450.

    Examples
    --------
    >>> res = simon_two_stage(0.2, 0.4, 0.05, 0.2)
    >>> df = en_by_n(res)
    >>> int(df["n"].iloc[0]), int(df["n"].iloc[-1])
    (33, 48)
    """
    if not isinstance(result, SimonResult):
        raise ValueError(f"result ({type(result).__name__}) must be a SimonResult.")
    try:
        ex = int(extra)
    except (TypeError, ValueError):
        raise ValueError(f"extra ({extra!r}) must be a whole number >= 0.") from None
    if ex != extra or ex < 0:
        raise ValueError(f"extra ({extra!r}) must be a whole number >= 0.")
    s = _Search(result.p0, result.p1, result.alpha, result.beta, strict=result.constraint == "<")
    rows = []
    top = min(result.optimal.n + ex, HARD_CAP)
    for n in range(result.minimax.n, top + 1):
        found = s.designs_at_n(n)
        if not found:
            continue
        en, n1, r1, r = min(found, key=lambda d: (d[0], d[1], -d[2]))
        d = _make_design(result.p0, result.p1, r1, n1, r, n, "best at n")
        rows.append(
            {
                "n": n,
                "r1": r1,
                "n1": n1,
                "r": r,
                "EN(p0)": d.en0,
                "PET(p0)": d.pet0,
                "attained alpha": d.alpha,
                "attained power": d.power,
            }
        )
    return pd.DataFrame(rows)
