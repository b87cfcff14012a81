"""Exact single-stage phase II design (A'Hern 2001).

Reject H0: p <= p0 (declare the treatment promising) if at least ``r`` of ``n`` patients respond.
A design (n, r) is feasible if P(X >= r | p0) <= alpha and P(X >= r | p1) >= 1 - beta.

Because of discreteness, power is not monotone in n: n may be feasible while n + 1 is not
(0.4 -> 0.6, alpha = beta = 0.1: 41 feasible, 42 not; clinfun vignette).  The result therefore
reports both the **smallest feasible n** (A'Hern's definition, the one used for the design) and the
smallest n from which every larger n up to a stated horizon is feasible.

References
----------
A'Hern RP (2001). Sample size tables for exact single-stage phase II designs. *Stat Med*
20:859–866.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis.design._validate import check_error_rate, check_rates
from synthesis.design.oc import OC, check_p_grid

__all__ = ["SingleStageResult", "attained_by_n", "single_stage_exact"]

#: Largest n examined.
HARD_CAP = 5000
_PROOF_CAP = 200_000


@dataclass(frozen=True, slots=True)
class SingleStageResult:
    """Smallest feasible exact single-stage design and the feasibility pattern around it."""

    p0: float
    p1: float
    alpha_nominal: float
    beta_nominal: float
    n: int  # smallest feasible n (the reported design)
    r: int  # declare promising if responses >= r
    alpha: float  # attained type I error P(X >= r | p0)
    power: float  # attained power P(X >= r | p1)
    n_all_feasible_from: int  # every n >= this is feasible (proved when all_larger_proved)
    horizon: int  # n checked exactly up to here
    all_larger_proved: bool  # Hoeffding bound covers every n > horizon
    feasible: tuple[tuple[int, int, float, float], ...]  # (n, r, alpha, power), n <= n_listed_max
    infeasible_between: tuple[int, ...]  # infeasible n between n and n_all_feasible_from
    reported: str = "smallest feasible n (A'Hern 2001); power is not monotone in n"

    @property
    def beta(self) -> float:
        return 1.0 - self.power

    def rule_text(self, plural: str = "respond") -> str:
        """The decision rule in words (``plural``: how a success is worded, e.g. "are
        progression-free at 6 months")."""
        return (
            f"Enrol {self.n} patients; the treatment is declared promising if {self.r} or more "
            f"{plural} (more than {self.r - 1}), and not promising if {self.r - 1} or fewer {plural}."
        )

    def oc(self, p: float) -> OC:
        """Exact operating characteristics at ``p``: P(X >= r | n, p); no early stopping.

        Examples
        --------
        >>> single_stage_exact(0.4, 0.6, 0.1, 0.1).oc(0.6).reject > 0.9
        True
        """
        p = float(check_p_grid([p])[0])
        return OC(p, float(scipy.stats.binom.sf(self.r - 1, self.n, p)), 0.0, 0.0, float(self.n), self.n)

    def to_frame(self) -> pd.DataFrame:
        """Feasible designs listed (n, r = minimum responses, attained alpha, power)."""
        return pd.DataFrame(
            self.feasible, columns=["n", "r (declare promising if >= r)", "alpha", "power"]
        )


def _best_at(n: np.ndarray | int, p0: float, p1: float, alpha: float):
    """For each n: smallest r with P(X >= r | p0) <= alpha, and the attained alpha and power."""
    n = np.atleast_1d(np.asarray(n))
    # isf gives the smallest k with sf(k) <= alpha (approximately); correct it exactly
    k = scipy.stats.binom.isf(alpha, n, p0).astype(int)  # P(X > k) <= alpha
    k = np.maximum(k, -1)
    for _ in range(3):  # guard against rounding in isf: move to the exact boundary
        down = (k >= 0) & (scipy.stats.binom.sf(k - 1, n, p0) <= alpha)
        k = np.where(down, k - 1, k)
        up = scipy.stats.binom.sf(k, n, p0) > alpha
        k = np.where(up, k + 1, k)
    r = k + 1
    a = scipy.stats.binom.sf(r - 1, n, p0)
    pw = scipy.stats.binom.sf(r - 1, n, p1)
    return r, a, pw


def single_stage_exact(
    p0: float, p1: float, alpha: float = 0.05, beta: float = 0.20, *, list_up_to: int | None = None
) -> SingleStageResult:
    """Exact single-stage design: smallest n with a cut-off r meeting alpha and beta.

    Parameters
    ----------
    p0, p1 : float
        Unacceptable and target response rates, 0 < p0 < p1 < 1.
    alpha : float
        One-sided type I error, in (0, 0.5]; constraint P(X >= r | p0) <= alpha.
    beta : float
        Type II error; constraint P(X >= r | p1) >= 1 - beta.
    list_up_to : int, optional
        List feasible designs up to this n (default: the reported n + 10).

    Returns
    -------
    SingleStageResult
        ``n``/``r`` is the smallest feasible n (declare promising if >= r responses);
        ``n_all_feasible_from`` is the smallest n from which every larger n is feasible: checked
        exactly up to ``horizon`` and, beyond it, guaranteed by Hoeffding's inequality
        (``all_larger_proved``; every n >= ((sqrt(log(1/alpha)/2) + sqrt(log(1/beta)/2)) /
        (p1 - p0))^2 is feasible).

    References
    ----------
    A'Hern RP (2001), *Stat Med* 20:859–866.

    Examples
    --------
    >>> res = single_stage_exact(0.4, 0.6, 0.1, 0.1)
    >>> res.n, res.r, res.n_all_feasible_from
    (41, 21, 49)
    """
    p0, p1 = check_rates(p0, p1)
    alpha = check_error_rate("alpha", alpha)
    beta = check_error_rate("beta", beta)
    n_first = None
    start = 1
    while start <= HARD_CAP:
        ns = np.arange(start, min(start + 500, HARD_CAP + 1))
        r, _, pw = _best_at(ns, p0, p1, alpha)
        ok = (1.0 - pw <= beta) & (r <= ns)
        if ok.any():
            n_first = int(ns[np.flatnonzero(ok)[0]])
            break
        start += 500
    if n_first is None:
        raise ValueError(
            f"No feasible single-stage design with n <= {HARD_CAP} for p0 = {p0}, p1 = {p1}, "
            f"alpha = {alpha}, beta = {beta}."
        )
    # Hoeffding: for n >= n_h the cut-off r* = ceil(n p0 + sqrt(n log(1/alpha) / 2)) meets alpha
    # and P(X <= r* - 1 | p1) <= beta, so every n >= n_h is feasible; below it, check exactly.
    n_h = math.ceil(
        ((math.sqrt(math.log(1 / alpha) / 2) + math.sqrt(math.log(1 / beta) / 2)) / (p1 - p0)) ** 2
    )
    horizon = min(max(2 * n_first, n_first + 100, n_h), _PROOF_CAP)
    proved = n_h <= horizon
    ns = np.arange(n_first, horizon + 1)
    r, a, pw = _best_at(ns, p0, p1, alpha)
    ok = (1.0 - pw <= beta) & (r <= ns)
    bad = np.flatnonzero(~ok)
    stable = int(ns[bad[-1] + 1]) if bad.size else n_first
    top = n_first + 10 if list_up_to is None else int(list_up_to)
    feas = tuple(
        (int(n), int(rr), float(aa), float(pp))
        for n, rr, aa, pp, o in zip(ns, r, a, pw, ok, strict=True)
        if o and n <= top
    )
    return SingleStageResult(
        p0=p0,
        p1=p1,
        alpha_nominal=alpha,
        beta_nominal=beta,
        n=n_first,
        r=int(r[0]),
        alpha=float(a[0]),
        power=float(pw[0]),
        n_all_feasible_from=stable,
        horizon=int(horizon),
        all_larger_proved=bool(proved),
        feasible=feas,
        infeasible_between=tuple(int(ns[i]) for i in bad if ns[i] < stable),
    )


def attained_by_n(res: SingleStageResult, n_lo: int, n_hi: int) -> pd.DataFrame:
    """Attained α and power of the best cut-off at each n in [n_lo, n_hi] (the saw-tooth).

    Columns ``n``, ``r`` (smallest r with P(X >= r | p0) <= α), ``attained α``, ``power`` and
    ``feasible`` (both constraints met).

    Examples
    --------
    >>> res = single_stage_exact(0.4, 0.6, 0.1, 0.1)
    >>> df = attained_by_n(res, 40, 42).set_index("n")
    >>> df["feasible"].tolist()
    [False, True, False]
    """
    ns = np.arange(max(1, int(n_lo)), int(n_hi) + 1)
    r, a, pw = _best_at(ns, res.p0, res.p1, res.alpha_nominal)
    ok = r <= ns
    pw = np.where(ok, pw, 0.0)
    return pd.DataFrame(
        {
            "n": ns,
            "r": r.astype(int),
            "attained α": a,
            "power": pw,
            "feasible": ok & (1.0 - pw <= res.beta_nominal),
        }
    )
