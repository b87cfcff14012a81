"""Simon (1989) two-stage designs: exact search that proves its optimum, never truncates silently.

Definitions (Simon 1989): stage 1 treats ``n1`` patients and stops for futility
if ``X1 <= r1``; otherwise ``n2 = n - n1`` more are treated and the treatment is declared
promising if ``X1 + X2 > r``.  Attained α = P(declare promising | p0), attained power =
P(declare promising | p1), PET(p) = P(X1 <= r1 | p), EN(p) = n1 + (1 - PET(p)) n2.

Search
------
The search is organised around the pairs (n1, r1).  For a fixed pair, EN(p0) grows with n2, so
only the *smallest feasible* n2 of each pair can be optimal, minimax or admissible; every other
design is dominated (larger n *and* larger EN(p0)).  Exact bounds make the search finite and
prove its result:

* **Power needs stage 1**: power <= P(X1 > r1 | p1), so r1 <= r1max(n1).
* **Minimax n**: the minimax design is found first by scanning n upwards from the
  Neyman–Pearson bound (no level-α test of n Bernoulli observations, even randomised, can be more
  powerful than the UMP randomised test); every design then has n >= n_minimax.  At each n only
  the totals r that two bounds leave possible are examined: the likelihood-ratio bound of
  ``_Search.r_candidates``, and α' >= P0(T > r) − PET(p0), so a feasible r has
  P0(T > r) <= α + PET(p0) (PET at the largest r1 of each of the two parts into which the
  n1's r1 range is cut).  The tail tables of up to 16 such (n1, part) entries are computed
  together, with the same products and the same sequential sums as one at a time.
* **EN bound**: EN(p0) = n1 + P(X1 > r1 | p0) n2 must not exceed the minimax design's EN(p0)
  (nor, for the admissible set, lie above the lower convex hull of the designs already found,
  Jung et al. 2004), which bounds n1 and, per pair, n2 from above.
* **Monotone power envelope**: for a fixed (n1, r1), the most powerful (randomised) level-α test
  that rejects only when X1 > r1 has power g(n2) that is non-decreasing in n2 (a test can ignore
  one observation).  Simon's design power is at most g(n2), so a pair with g(hi) < 1 − β at the
  top of its range has no feasible design in it, and n2 below the first n2 with g(n2) >= 1 − β
  (found by bisection) is infeasible.
* **Non-randomised necessary condition**: a feasible r needs α' <= α, hence r >= c, the first
  total with P0(X1 > r1, T > c) <= α, and r >= r1, hence power <= P1(X1 > r1, T > max(c, r1)).
  Only a design passing this test is evaluated exactly.

Pairs are processed best-first by the lower bound n1 + P(X1 > r1 | p0) · n2_lower, in batches
whose bounds are computed together (``_search_batch``; ``_Search.probe`` evaluates g and the
necessary condition for many designs at once as dot products of the binomial tables, with a
slack of 1e-12 in the direction that keeps designs; the first total c it needs is searched in
a guessed bracket, and the computed tails are checked to cross α + 1e-12 at c, with a search
from scratch where they do not).  A first pass examines n <= 1.25
n_minimax only; the pairs it cut are resumed in a second pass with the hull the first pass
built.  A bound only ever discards designs that cannot be optimal or admissible, and every
verdict on feasibility and every reported design comes from the exact evaluation
(``_Search.eval_pair``, ``_Search.designs_at_n``), so the result is the same as that of a plain
exhaustive search.  Only ``n_max`` (if given) or the hard cap ``HARD_CAP`` can stop the search
early, and then ``proven_optimal`` is ``False`` and ``note`` says so.

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
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)
from numpy.lib.stride_tricks import sliding_window_view

try:  # the kernel scipy.stats.binom.pmf evaluates inside the support (scipy 1.17), 5x faster
    from scipy.special._ufuncs import _binom_pmf
except ImportError:  # pragma: no cover - another scipy: the public function, same values
    _binom_pmf = None

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
_BATCH = 256  # (n1, r1) pairs examined together, best lower bound first
_CHUNK = 16  # (n1, r1 part) entries whose tail tables are computed together at one n > 200
_PARTS = 2  # parts of each n1's r1 range at the minimax scan


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

    def rule_text(self, plural: str = "respond", singular: str = "responds", noun: str = "responses") -> str:
        """The decision rule in words; a success other than a response is worded by ``plural``
        ("are progression-free at 6 months"), ``singular`` and ``noun`` ("patients progression-free
        at 6 months")."""
        stop = f"no patient {singular}" if self.r1 == 0 else f"{self.r1} or fewer {plural}"
        return (
            f"Stage 1: enrol {self.n1} patients; stop for futility after {self.n1} patients if "
            f"{stop}. Otherwise enrol {self.n2} further patients (maximum {self.n}); the "
            f"treatment is declared promising if more than {self.r} {plural} among the {self.n} "
            f"patients (at least {self.r + 1} {noun}), and not promising if {self.r} or "
            f"fewer {plural}."
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


def _pmf_block(k: np.ndarray, ns: np.ndarray, p: float) -> np.ndarray:
    """``stats.binom.pmf(k[None, :], ns[:, None], p)``: the same numbers, without its checks."""
    if _binom_pmf is None:  # pragma: no cover
        return scipy.stats.binom.pmf(k[None, :], ns[:, None], p)
    out = np.clip(_binom_pmf(k[None, :].astype(float), ns[:, None].astype(float), p), 0.0, 1.0)
    out[k[None, :] > ns[:, None]] = 0.0  # outside the support, as binom.pmf
    return out


class _Binom:
    """Cached binomial pmf with the support that carries all but 1e-18 of each tail."""

    def __init__(self, p: float) -> None:
        self.p = p
        self._cache: dict[int, tuple[np.ndarray, np.ndarray, int, int]] = {}
        self._top = -1
        self._tab: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int] | None = None
        self._filled = 0  # rows of the tables filled so far

    def tables(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        """(pm, sfp, lo, hi, pad) with the rows of every size m <= n filled, values as in :meth:`get`.

        ``pm[m, k]`` is zero beyond k = m; ``sfp[m, pad + k] = P(X >= k)`` for 0 <= k <= m + 1,
        1.0 for k < 0 and 0.0 for k > m + 1, for every k in [-pad, 2 pad] (no clipping needed).
        """
        self.get(n)
        top = self._top
        tab = self._tab
        if tab is None or tab[0].shape[0] <= top:  # (re)allocate with room to grow
            cap = top + 1 + (64 if tab is None else max(64, tab[0].shape[0] // 2))
            pad = cap + 2
            new = (
                np.zeros((cap, cap + 1)),
                np.zeros((cap, 3 * pad + 4)),
                np.zeros(cap, dtype=np.int64),
                np.zeros(cap, dtype=np.int64),
                pad,
            )
            if tab is not None:  # keep the rows filled so far (same values, wider padding)
                f, old_pad = self._filled, tab[4]
                new[0][:f, : tab[0].shape[1]] = tab[0][:f]
                shift = pad - old_pad
                new[1][:f, :shift] = 1.0
                new[1][:f, shift : shift + tab[1].shape[1]] = tab[1][:f]
                new[2][:f], new[3][:f] = tab[2][:f], tab[3][:f]
            self._tab = tab = new
        pm, sfp, lo, hi, pad = tab
        for m in range(self._filled, top + 1):
            pmf, sfm, lo[m], hi[m] = self._cache[m]
            pm[m, : m + 1] = pmf
            sfp[m, :pad] = 1.0
            sfp[m, pad : pad + m + 2] = sfm
        self._filled = max(self._filled, top + 1)
        return tab

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray, int, int]:
        """(pmf[0..n], sf[0..n+1] with sf[k] = P(X >= k), lo, hi)."""
        hit = self._cache.get(n)
        if hit is not None:
            return hit
        # all sizes up to n (+16) at once: one scipy call per 64 sizes, each size computed once
        start = self._top + 1
        stop = max(n, self._top) + 16
        for lo in range(start, stop + 1, 64):
            ns = np.arange(lo, min(lo + 64, stop + 1))
            block = _pmf_block(np.arange(ns[-1] + 1), ns, self.p)
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
        self._cs: np.ndarray | None = None
        self._r1: dict[int, tuple[int, int]] = {}
        self._parts: dict[int, list[tuple[int, int, float, int]]] = {}

    # -- constraints -------------------------------------------------------------------------
    def alpha_bad(self, tail0: np.ndarray) -> np.ndarray:
        return tail0 >= self.alpha if self.strict else tail0 > self.alpha

    def power_ok(self, tail1: np.ndarray) -> np.ndarray:
        b = 1.0 - tail1
        return b < self.beta if self.strict else b <= self.beta

    def r1_range(self, n1: int) -> tuple[int, int]:
        """Candidate r1 for stage 1 of size n1 (empty when lo > hi)."""
        hit = self._r1.get(n1)
        if hit is None:
            hit = self._r1[n1] = self._r1_range(n1)
        return hit

    def _r1_range(self, n1: int) -> tuple[int, int]:
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
        """Smallest n <= cap whose UMP randomised test has power >= 1 - beta, else cap + 1.

        The UMP power is non-decreasing in n, so any bracketing is exact; the search starts
        just below the normal-approximation sample size so that no binomial table much larger
        than the answer is built.
        """
        target = 1.0 - self.beta - _TOL
        z = scipy.stats.norm.isf([self.alpha, self.beta])
        sd0 = math.sqrt(self.p0 * (1.0 - self.p0))
        sd1 = math.sqrt(self.p1 * (1.0 - self.p1))
        guess = ((z[0] * sd0 + z[1] * sd1) / (self.p1 - self.p0)) ** 2
        lo, hi = 1, max(1, min(int(0.9 * guess), cap))
        while self.ump_power(hi) < target:
            if hi >= cap:
                return cap + 1
            lo = hi + 1
            hi = min(cap, hi + max(8, hi // 8))
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
        # alpha' = P0(T > r) - P0(X1 <= r1, T > r) >= P0(T > r) - PET0(r1): a feasible r has
        # P0(T > r) <= alpha + PET0(r1) <= alpha + PET0(largest r1 of the n1)
        neg_sf = -self.b0.get(n)[1][1 : n + 1]  # non-decreasing in r
        thr = self.alpha + 1e-9
        per_n1: dict[int, list[tuple[float, int, int, int]]] = {}
        block: list[tuple[int, int, int, int]] = []  # (n1, lo, hi, first column index in rs)
        for n1 in range(1, n):
            lo, hi = self.r1_range(n1)
            if lo > hi:
                continue
            r1s = np.arange(lo, hi + 1)
            if r1s.size > 1:
                # r >= r1 and X1 > r imply X1 + X2 > r, so alpha' >= P0(X1 > r): a feasible r
                # has P0(X1 > r) <= alpha (with a slack far above rounding: never too few r).
                # Both conditions hold from some r on, so the columns are a suffix of rs.
                # The r1 range is cut in parts: small r1 need few totals r (PET0 small), large
                # r1 few outcomes x > r1; each part gets its own columns and x window.
                parts = self._parts.get(n1)
                if parts is None:
                    sf0 = self.b0.get(n1)[1]
                    r_a = int(np.count_nonzero(sf0[: n1 + 2] > thr)) - 1  # P0(X1 > r) <= thr
                    cuts = np.unique(np.linspace(lo, hi + 1, _PARTS + 1).astype(np.int64))
                    parts = self._parts[n1] = [
                        (a, b, 1.0 - float(sf0[b + 1]), max(a, r_a))
                        for a, b in zip(cuts[:-1].tolist(), (cuts[1:] - 1).tolist(), strict=True)
                    ]
                for a, b, pet, r_low in parts:
                    r_min = int(np.searchsorted(neg_sf, -(self.alpha + pet + 1e-9)))
                    start = int(np.searchsorted(rs, max(r_low, r_min)))
                    if start < rs.size:
                        block.append((n1, a, b, start))
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
                per_n1.setdefault(n1, []).append((float(en[i]), n1, int(r1s[i]), int(r_hi[i])))
        chunk = _CHUNK if n > 200 else 4 * _CHUNK  # small n: fewer, cheaper blocks
        for k in range(0, len(block), chunk):
            self._designs_block(n, np.array(block[k : k + chunk]), rs, per_n1)
        for n1 in sorted(per_n1):
            found.extend(per_n1[n1])
        return found

    def _designs_block(self, n: int, blk: np.ndarray, rs: np.ndarray, out: dict[int, list]) -> None:
        """designs_at_n for several n1 at once (each with several r1), on the columns r of rs
        from each n1's first column on.  The numbers are those of the full tables of
        ``_local_tails``: the same products P(X1 = x) P(X2 >= r + 1 - x) on the support window
        (1.0 below X2's support, the first total of the window for smaller r, exactly 0 past
        it) and the same sequential sums (reverse cumulative sums over x, with exact zeros
        where x is past the support).
        """
        n1s, lo_r1, hi_r1, start = blk[:, 0], blk[:, 1], blk[:, 2], blk[:, 3]
        n2s = n - n1s
        ncol = int((rs.size - start).max())
        jj = np.arange(ncol)
        col_ok = jj[None, :] < (rs.size - start)[:, None]
        rcol = rs[np.minimum(start[:, None] + jj[None, :], rs.size - 1)]  # (m, ncol)
        nr = int((hi_r1 - lo_r1).max()) + 1
        r1 = lo_r1[:, None] + np.arange(nr)[None, :]  # (m, nr)
        r1_ok = r1 <= hi_r1[:, None]
        self.evaluations += n1s.size
        vals = []
        mi = np.arange(n1s.size)[:, None]
        for b in (self.b0, self.b1):
            pm, sfp, los, his, pad = b.tables(int(n))
            w, wp = pm.shape[1], sfp.shape[1]
            lo1, hi1, lo2, hi2 = los[n1s], his[n1s], los[n2s], his[n2s]
            xs0 = np.maximum(lo1, lo_r1 + 1)
            lx = np.maximum(hi1 - xs0 + 1, 0)
            wx = max(int(lx.max()), 1)
            xi = np.arange(wx)[:, None]
            x = xs0[None, :] + xi  # (wx, m)
            y = np.where(xi < lx[None, :], pm[n1s[None, :], np.minimum(x, w - 1)], 0.0)
            lt = lx + (hi2 - lo2 + 1) - 1
            base = xs0 + lo2
            col_raw = rcol + 1 - base[:, None]
            # below the window: the value at its first total; past it: exactly 0 (an index in
            # the zero padding for every x); otherwise P(X2 >= r + 1 - x) as it is
            r_eff = np.where(col_raw < 0, (base - 1)[:, None], rcol)
            r_eff = np.where(col_raw >= lt[:, None], (n2s + 2 + xs0 + wx)[:, None], r_eff)
            off = (n2s * wp + pad + 1)[:, None] + r_eff  # (m, ncol)
            prod = y[:, :, None] * sfp.ravel()[off[None, :, :] - x[:, :, None]]
            cum = np.empty((wx + 1, n1s.size, ncol))
            cum[wx] = 0.0
            cum[:wx] = np.cumsum(prod[::-1], axis=0)[::-1]
            kk = np.minimum(np.maximum(r1 + 1 - xs0[:, None], 0), lx[:, None])  # (m, nr)
            vals.append(cum[kk, mi, :])  # (m, nr, ncol)
        v0, v1 = vals
        ok = ~self.alpha_bad(v0) & self.power_ok(v1) & (rcol[:, None, :] >= r1[:, :, None])
        ok &= col_ok[:, None, :] & r1_ok[:, :, None]
        anyok = ok.any(axis=2)
        if not anyok.any():
            return
        ii, tt = np.nonzero(anyok)
        last = ncol - 1 - np.argmax(ok[ii, tt, ::-1], axis=1)  # the largest feasible r
        n1v, r1v = n1s[ii], r1[ii, tt]
        _, sfp0, _, _, pad0 = self.b0.tables(int(n))
        en = n1v + sfp0[n1v, pad0 + r1v + 1] * (n - n1v)  # n1 + P0(X1 > r1) n2
        keep = en < n
        for m1, k1, e, r in zip(
            n1v[keep].tolist(),
            r1v[keep].tolist(),
            en[keep].tolist(),
            rcol[ii[keep], last[keep]].tolist(),
            strict=True,
        ):
            out.setdefault(m1, []).append((e, m1, k1, r))

    def _c_single(self, n: np.ndarray) -> np.ndarray:
        """First total c with P0(T > c) <= alpha + _TOL for each total n (T ~ Bin(n, p0)).

        Exact from the table rows filled so far, else a normal-approximation guess rounded up
        (only ever used as a guess for a bracket).
        """
        sfp, pad, filled = self.b0._tab[1], self.b0._tab[4], self.b0._filled
        old = 0 if self._cs is None else self._cs.size
        if old < filled:
            part = sfp[old:filled, pad + 1 : pad + filled + 1] > self.alpha + _TOL
            new = np.count_nonzero(part, axis=1)
            self._cs = new if self._cs is None else np.concatenate([self._cs, new])
        inside = n < self._cs.size
        out = np.empty_like(n)
        out[inside] = self._cs[n[inside]]
        if not inside.all():
            m = n[~inside]
            z = scipy.stats.norm.isf(self.alpha)
            sd = np.sqrt(m * self.p0 * (1.0 - self.p0))
            out[~inside] = np.minimum(np.ceil(m * self.p0 + z * sd + 1.0).astype(np.int64), m)
        return out

    # -- many pairs at once: envelope and a necessary condition for feasibility ----------------
    def probe(
        self,
        n1: np.ndarray,
        r1: np.ndarray,
        n2: np.ndarray,
        c_lo: np.ndarray | None = None,
        c_hi: np.ndarray | None = None,
        *,
        envelope: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(g, c)`` for the designs (n1[i], r1[i], n2[i]), vectorised (``(maybe, c)`` when
        ``envelope`` is False).

        ``g[i]`` is an upper bound (up to rounding, far inside ``_TOL``) on the power envelope of
        :meth:`eval_pair`, so ``g < 1 - beta - _TOL`` proves the design (and, g being
        non-decreasing in n2, every smaller n2 of the pair) infeasible.  ``maybe[i]`` is False only
        if no total r is feasible: a feasible r needs P0(X1 > r1, T > r) <= alpha, hence
        r >= c, the first total with P0(X1 > r1, T > c) <= alpha + _TOL, and r >= r1, hence
        power <= P1(X1 > r1, T > max(c, r1)).

        The tails P(X1 > r1, T > c) = sum_x P(X1 = x) P(X2 > c - x) are dot products over the
        support of X1 (masses below 1e-18 beyond it dropped); c is found by bisection (the tail
        is non-increasing in c), inside [c_lo, c_hi] when given (a guess: c is checked to be the
        first crossing and searched again from scratch where it is not).  With c the first total
        at or below alpha + _TOL, the randomised Neyman-Pearson test at c has power >= the true
        envelope: if the tail at c exceeds alpha the randomisation is 0 and
        g = P1(X1 > r1, T > c), the power of a test that rejects on a superset of the
        envelope's rejection region.
        """
        n = n1 + n2
        top = int(max(n1.max(), n2.max()))
        pm0, sfp0, lo0, hi0, pad0 = self.b0.tables(top)
        pm1, sfp1, lo1, hi1, pad1 = self.b1.tables(top)
        w0, w1 = pm0.shape[1], pm1.shape[1]
        xs = np.maximum(np.minimum(lo0[n1], lo1[n1]), r1 + 1)
        xe = np.maximum(hi0[n1], hi1[n1])
        wx = max(int((xe - xs).max()) + 1, 1)
        x = xs[:, None] + np.arange(wx)
        y0 = pm0[n1[:, None], np.minimum(x, w0 - 1)]
        f0, f1 = sfp0.ravel(), sfp1.ravel()
        # flat index of P(X2 >= c + 1 - x) is b + c (c + 1 - x stays within the padding)
        b0 = (n2 * sfp0.shape[1] + pad0 + 1)[:, None] - x
        b1 = (n2 * sfp1.shape[1] + pad1 + 1)[:, None] - x

        def t0(c: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
            return np.einsum("ij,ij->i", y0[rows], f0[b0[rows] + c[:, None]])

        def t1(c: np.ndarray) -> np.ndarray:
            return np.einsum("ij,ij->i", y1, f1[b1 + c[:, None]])

        thr = self.alpha + _TOL
        q0 = y0.sum(axis=1)  # P0(X1 > r1): the tail at every c <= r1
        a0 = np.where(q0 <= thr, 0, np.maximum(r1 + 1, 0))

        def first_c(a: np.ndarray, b: np.ndarray, rows: np.ndarray) -> np.ndarray:
            while True:
                act = np.flatnonzero(a < b)
                if act.size == 0:
                    return b
                mid = (a[act] + b[act]) // 2
                ok = t0(mid, rows[act]) <= thr
                b[act] = np.where(ok, mid, b[act])
                a[act] = np.where(ok, a[act], mid + 1)

        # t0(c) <= P0(T > c): c is at most the single-stage critical value of n, and in
        # practice within a few totals of it (a guess, checked below)
        cs = self._c_single(n)
        if c_lo is None:
            c_lo, c_hi = cs - 3, cs
        lo_ = np.minimum(np.maximum(c_lo, a0), n)
        c = first_c(lo_, np.minimum(np.maximum(np.minimum(c_hi, cs), lo_), n), np.arange(n.size))
        t0c, t0p = t0(c), t0(c - 1)
        bad = np.flatnonzero((t0c > thr) | ((c > a0) & (t0p <= thr)))
        if bad.size:  # the guessed bracket missed the crossing: search from scratch
            c[bad] = first_c(a0[bad].copy(), n[bad].copy(), bad)
            t0c[bad], t0p[bad] = t0(c[bad], bad), t0(c[bad] - 1, bad)
        y1 = pm1[n1[:, None], np.minimum(x, w1 - 1)]
        if not envelope:
            return t1(np.maximum(c, r1)) >= 1.0 - self.beta - _TOL, c
        t1c, t1p = t1(c), t1(c - 1)
        m0 = t0p - t0c
        with np.errstate(divide="ignore", invalid="ignore"):
            gamma = np.where(m0 > 0, np.clip((self.alpha - t0c) / m0, 0.0, 1.0), 0.0)
        return t1c + gamma * (t1p - t1c), c

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
    pet = scipy.stats.binom.cdf(r1, n1, p)
    x = np.arange(r1 + 1, n1 + 1)
    # P(X1 = x) * P(X2 > r - x)
    pm = scipy.stats.binom.pmf(x[None, :], n1, p[:, None])
    sf = scipy.stats.binom.sf(r - x[None, :], n2, p[:, None])
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
    if pairs:
        arr = np.array(pairs)
        p_le, p_qq = arr[:, 0], arr[:, 3]
        p_n1, p_r1 = arr[:, 1].astype(np.int64), arr[:, 2].astype(np.int64)
        p_lo = np.maximum(1, n_mm - p_n1)
        # largest n2 whose EN0 could still beat the minimax design's, and the cap
        p_cap = np.floor(np.minimum((en_mm - p_n1) / p_qq + 1e-9, 1e15)).astype(np.int64)
        p_hi = np.minimum(p_cap, cap - p_n1)
        # pass 1 examines n <= n_first only (smaller binomial tables, and the hull it builds
        # shrinks every range); pass 2 takes the pairs it cut, from n_first + 1 on.
        n_first = max(n_mm + 10, (5 * n_mm) // 4)
        hi1 = np.minimum(p_hi, n_first - p_n1)
        deferred = []
        for st in range(0, len(pairs), _BATCH):
            sl = slice(st, st + _BATCH)
            keep = np.flatnonzero(hull.ok_vec(p_n1[sl] + p_lo[sl], p_le[sl])) + st
            if keep.size:
                max_seen = max(max_seen, int((p_n1[keep] + p_hi[keep]).max()))
            got, none = _search_batch(
                s, p_n1[keep], p_r1[keep], p_qq[keep], p_lo[keep], hi1[keep], hull
            )
            found.update(got)
            later = hi1[keep] < p_hi[keep]
            deferred.append(keep[none & later])
            cut = keep[none & ~later & (p_hi[keep] < p_cap[keep])]
            if cut.size:  # the cap, not the EN bound, ended these pairs' search
                truncated_lb = min(
                    truncated_lb, float(np.min(p_n1[cut] + p_qq[cut] * (p_hi[cut] + 1)))
                )
        rest = np.concatenate(deferred)
        for st in range(0, rest.size, _BATCH):
            idx = rest[st : st + _BATCH]
            lo2 = hi1[idx] + 1
            keep = idx[hull.ok_vec(p_n1[idx] + lo2, p_n1[idx] + p_qq[idx] * lo2)]
            got, none = _search_batch(
                s, p_n1[keep], p_r1[keep], p_qq[keep], hi1[keep] + 1, p_hi[keep], hull
            )
            found.update(got)
            cut = keep[none & (p_hi[keep] < p_cap[keep])]
            if cut.size:
                truncated_lb = min(
                    truncated_lb, float(np.min(p_n1[cut] + p_qq[cut] * (p_hi[cut] + 1)))
                )

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


def _search_batch(
    s: _Search,
    n1: np.ndarray,
    r1: np.ndarray,
    qq: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    hull: _Hull,
) -> tuple[dict[tuple[int, int], tuple[float, int, int]], np.ndarray]:
    """Smallest feasible n2 in [lo[i], hi[i]] of each pair (n1[i], r1[i]) that can reach the hull.

    Returns ``(found, none)``: ``found[(n1, r1)] = (EN0, n, r)``, and ``none[i]`` True when the
    pair has no design in its range that could be admissible.  Each pair is treated exactly as
    a one-at-a-time search would treat it (module docstring):

    1. its range is cut to the last n2 whose point can reach the hull (monotone in n2, so
       nothing beyond is admissible);
    2. the power envelope g (an upper bound on the power of every design of the pair) at the
       top of the range dismisses the pair when g(hi) < 1 - beta; otherwise a bisection finds
       the first n2 with g >= 1 - beta (g is non-decreasing in n2; no design below it);
    3. n2 is scanned upwards from there while the point can reach the hull; an n2 is evaluated
       exactly (``eval_pair``) only if the necessary condition of ``_Search.probe`` holds.
    All three steps are vectorised over the pairs of the batch; the exact verdicts and the
    designs are those of ``eval_pair``.
    """
    target = 1.0 - s.beta - _TOL
    found: dict[tuple[int, int], tuple[float, int, int]] = {}
    if n1.size == 0:
        return found, np.zeros(0, dtype=bool)
    hi = hull.last_n2_vec(n1, qq, lo, hi)
    none = hi < lo  # pairs with no design under the hull (or none found below)
    live = np.flatnonzero(~none)
    if live.size:
        g, c_top = s.probe(n1[live], r1[live], hi[live])
        none[live[g < target]] = True
        up = g >= target
        live, c_top = live[up], c_top[up]
    if live.size:
        # first n2 in [lo, hi] with g(n2) >= target (g(hi) >= target is known).  The first
        # total c of the probe grows with n2 by at most one per patient: brackets for c.
        a, b = lo[live].copy(), hi[live].copy()
        cb, cl = c_top, np.zeros_like(c_top)
        while True:
            act = np.flatnonzero(a < b)
            if act.size == 0:
                break
            mid = (a[act] + b[act]) // 2
            g, c = s.probe(
                n1[live[act]],
                r1[live[act]],
                mid,
                np.maximum(cl[act], cb[act] - (b[act] - mid)),
                cb[act],
            )
            up = g >= target
            b[act] = np.where(up, mid, b[act])
            cb[act] = np.where(up, c, cb[act])
            a[act] = np.where(up, a[act], mid + 1)
            cl[act] = np.where(up, cl[act], c)
        cur, rows, cc = a, live, cb
        step = 0
        while rows.size:
            n1r, qr = n1[rows], qq[rows]
            ok = (cur <= hi[rows]) & hull.ok_vec(n1r + cur, n1r + qr * cur)
            none[rows[~ok]] = True
            rows, cur, cc = rows[ok], cur[ok], cc[ok]
            if rows.size == 0:
                break
            maybe, cc = s.probe(n1[rows], r1[rows], cur, cc, cc + step, envelope=False)
            step = 1
            done = np.zeros(rows.size, dtype=bool)
            for j in np.flatnonzero(maybe).tolist():
                i = int(rows[j])
                m1, k1, n2 = int(n1[i]), int(r1[i]), int(cur[j])
                feasible, r, _ = s.eval_pair(m1, k1, n2)
                if feasible:
                    en = m1 + float(qq[i]) * n2
                    found[(m1, k1)] = (en, m1 + n2, r)
                    hull.add(m1 + n2, en)
                    done[j] = True
            rows, cur, cc = rows[~done], cur[~done] + 1, cc[~done]
    return found, none


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

    def ok_vec(self, n: np.ndarray, en: np.ndarray) -> np.ndarray:
        """False where the point (n, EN0) (or anything to its upper right) lies above the hull.

        A point can be admissible only if q*n + (1 - q)*EN0 is at most the found designs'
        minimum for some q in [0, 1]; the gap is convex in q, so q = 0, q = 1 and the hull's
        breakpoints suffice.  The slack 1e-9 only keeps more points.
        """
        q = self.qs[:, None]
        return np.any(q * n + (1.0 - q) * en <= self.env[:, None] + 1e-9, axis=0)

    def last_n2_vec(
        self, n1: np.ndarray, qq: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        """Largest n2 in [lo, hi] whose point (n1 + n2, n1 + qq*n2) passes ``ok_vec`` (lo - 1 if none).

        The test is monotone in n2 (both coordinates grow, qq > 0, and IEEE products and sums
        by non-negative numbers are monotone), so a closed-form guess corrected by the exact
        test gives the answer a linear scan would give.
        """
        den = self.qs[:, None] + (1.0 - self.qs[:, None]) * qq  # > 0 because qq > 0
        with np.errstate(invalid="ignore"):
            guess = np.max((self.env[:, None] + 1e-9 - n1) / den, axis=0)
        guess = np.where(np.isfinite(guess), guess, hi)
        h = np.minimum(np.maximum(np.floor(guess), lo - 1), hi).astype(np.int64)
        while True:  # correct the closed-form guess with the exact test (monotone in n2)
            down = (h >= lo) & ~self.ok_vec(n1 + h, n1 + qq * h)
            if not down.any():
                break
            h = h - down
        while True:
            up = (h < hi) & self.ok_vec(n1 + h + 1, n1 + qq * (h + 1))
            if not up.any():
                break
            h = h + up
        return h


def en_by_n(result: SimonResult, extra: int = 5) -> pd.DataFrame:
    """Best design at each n from the minimax n to the optimal n + ``extra`` (clinfun style).

    For the graphical search of Jung, Carey & Kim (2001): EN(p0) against n, as drawn by
    ``clinfun::plot.ph2simon``.  Each row is the design with the smallest EN(p0) among all
    feasible designs with that total n (ties: smallest n1, then largest r1); n without a feasible
    design are omitted.  Cost grows like n^3 per n: under 10 ms per n for n <= 100, under 0.1 s
    per n near n = 450 (a shared, busy 2-core machine).

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
