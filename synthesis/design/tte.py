"""Time-to-event designs: one-sample log-rank (Wu 2015), exponential median test, two-arm CPH.

One-sample log-rank (Wu 2015)
--------------------------------------------------
H0: delta >= 1 against H1: delta < 1 with S1(t) = S0(t)^delta (delta = hazard ratio), Weibull
reference ``S0(t) = exp(-log 2 * (t / m0)^shape)`` (m0 = reference median), uniform accrual over
``accrual`` then ``follow_up`` (no other censoring).  With G the censoring survivor function and
Lambda0 the reference cumulative hazard, integrated over [0, accrual + follow_up]:

``p0 = ∫ G S0^δ dΛ0``, ``p1 = δ p0``, ``p00 = ∫ G S0^δ Λ0 dΛ0``, ``p01 = δ p00``,
``ω = p1 − p0``, ``σ² = p1 − p1² + 2 p00 − p0² − 2 p01 + 2 p0 p1``, ``σ0² = p0``;
``n = (σ0 z_{1−α} + σ z_{1−β})² / ω²`` (rounded up) and
``power = Φ(−(σ0/σ) z_{1−α} − √n ω / σ)``.

The integrals are computed on the cumulative-hazard scale (u = Λ0(t)), which removes the
singularity of the Weibull hazard at 0 when shape < 1.  The test statistic is
L = (O − E)/√E, rejecting H0 if L < −z_{1−α} (logRank1s; OneArm2stage uses Z = (E − O)/√E > z).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy  # its subpackages load on first use (scipy.stats: ~0.8 s of the app's start)

from synthesis.design._validate import check_positive, check_prob

__all__ = [
    "CPHDesign",
    "ExponentialDesign",
    "TTEDesign",
    "exponential_median_test",
    "median_from_landmark",
    "one_sample_logrank",
    "one_sample_logrank_power",
    "power_curve",
    "two_arm_cph",
]

_LOG2 = math.log(2.0)


def _check_alpha(alpha: object) -> float:
    a = check_prob("alpha", alpha)
    if a > 0.5:
        raise ValueError(f"alpha ({alpha!r}) must be in (0, 0.5].")
    return a


def _check_power(power: object) -> float:
    p = check_prob("power", power)
    if p < 0.5:
        raise ValueError(f"power ({power!r}) must be in [0.5, 1), e.g. 0.8.")
    return p


def median_from_landmark(survival: float, time: float, shape: float = 1.0) -> float:
    """Weibull median from a landmark survival S0(time) (OneArm2stage's ``S0``, ``x0``).

    ``scale = time / (−log S)^{1/shape}`` and median = scale · (log 2)^{1/shape}.

    Examples
    --------
    >>> round(median_from_landmark(0.5, 6.0), 10)
    6.0
    """
    s = check_prob("survival", survival)
    t = check_positive("time", time)
    k = check_positive("shape", shape)
    scale = t / (-math.log(s)) ** (1.0 / k)
    return scale * _LOG2 ** (1.0 / k)


@dataclass(frozen=True, slots=True)
class TTEDesign:
    """One-sample log-rank design (Wu 2015) with every assumption echoed."""

    n: int
    n_raw: float
    power: float  # attained (approximate) power at n
    power_target: float
    alpha: float  # one-sided
    m0: float  # reference median (Weibull)
    shape: float
    hazard_ratio: float
    accrual: float  # accrual period t_a
    follow_up: float  # additional follow-up t_f
    accrual_rate: float | None  # patients per time unit when t_a was solved from it
    expected_events_h1: float  # n · p1
    expected_events_h0: float  # n · p0
    sigma0: float
    sigma: float
    omega: float
    method: str = "one-sample log-rank test, Wu (2015) sample size"
    statistic: str = "L = (O − E)/√E, reject H0 if L < −z(1−α) (one-sided)"
    baseline: str = "Weibull S0(t) = exp(−log 2 · (t/m0)^shape)"
    censoring: str = "uniform accrual over t_a, then follow-up t_f; no other censoring"

    @property
    def study_duration(self) -> float:
        return self.accrual + self.follow_up

    def power_at(self, n: int) -> float:
        """Approximate power at another sample size, same assumptions."""
        return _wu_power(n, self.sigma0, self.sigma, self.omega, self.alpha)


def _wu_moments(
    m0: float, delta: float, ta: float, tf: float, shape: float
) -> tuple[float, float, float]:
    """(sigma0, sigma, omega) of Wu (2015) by numerical integration on u = Λ0(t)."""
    tau = ta + tf

    def lam(t: float) -> float:
        return _LOG2 * (t / m0) ** shape

    uf, utau = lam(tf), lam(tau)

    def t_of(u: float) -> float:
        return m0 * (u / _LOG2) ** (1.0 / shape)

    def g_of(u: float) -> float:
        return (tau - t_of(u)) / ta

    # part with G = 1 (t <= tf): closed form
    e = math.exp(-delta * uf)
    a0 = (1.0 - e) / delta
    a00 = (1.0 - e * (1.0 + delta * uf)) / delta**2
    opts = {"epsabs": 1e-13, "epsrel": 1e-12, "limit": 200}
    b0 = scipy.integrate.quad(lambda u: g_of(u) * math.exp(-delta * u), uf, utau, **opts)[0]
    b00 = scipy.integrate.quad(lambda u: g_of(u) * math.exp(-delta * u) * u, uf, utau, **opts)[0]
    p0, p00 = a0 + b0, a00 + b00
    p1, p01 = delta * p0, delta * p00
    omega = p1 - p0
    var = p1 - p1**2 + 2 * p00 - p0**2 - 2 * p01 + 2 * p0 * p1
    return math.sqrt(p0), math.sqrt(var), omega


def _wu_n(s0: float, s: float, om: float, alpha: float, power: float) -> float:
    za, zb = float(scipy.stats.norm.ppf(1 - alpha)), float(scipy.stats.norm.ppf(power))
    return (s0 * za + s * zb) ** 2 / om**2


def _wu_power(n: float, s0: float, s: float, om: float, alpha: float) -> float:
    za = float(scipy.stats.norm.ppf(1 - alpha))
    return float(scipy.stats.norm.cdf(-(s0 / s) * za - math.sqrt(n) * om / s))


def _validate_tte(m0, hazard_ratio, follow_up, shape, alpha):
    m0 = check_positive("m0", m0)
    hr = check_positive("hazard_ratio", hazard_ratio)
    if not hr < 1.0:
        raise ValueError(
            f"hazard_ratio ({hazard_ratio!r}) must be below 1: the one-sample log-rank design "
            "tests whether the new treatment lowers the hazard relative to the reference."
        )
    tf = check_positive("follow_up", follow_up, allow_zero=True)
    k = check_positive("shape", shape)
    a = _check_alpha(alpha)
    return m0, hr, tf, k, a


def one_sample_logrank(
    m0: float,
    hazard_ratio: float,
    accrual: float | None,
    follow_up: float,
    shape: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    accrual_rate: float | None = None,
) -> TTEDesign:
    """Sample size of the one-sample log-rank test (Wu 2015).

    Parameters
    ----------
    m0 : float
        Median survival of the reference (historical) Weibull curve.
    hazard_ratio : float
        Hazard ratio delta < 1 under the alternative (S1 = S0^delta).
    accrual : float or None
        Accrual period t_a.  With ``accrual_rate`` it may be ``None``: t_a is then solved from
        ``accrual_rate * t_a = n(t_a)`` (OneArm2stage's single-stage design) and
        ``n = ceil(accrual_rate * t_a)``.
    follow_up : float
        Follow-up after the end of accrual, t_f.
    shape : float
        Weibull shape (1 = exponential).
    alpha : float
        One-sided type I error.
    power : float
        Target power.
    accrual_rate : float, optional
        Patients per time unit.

    Returns
    -------
    TTEDesign

    References
    ----------
    Wu J (2015). Sample size calculation for the one-sample log-rank test. *Pharm Stat*
    14:26–33, doi:10.1002/pst.1654.  Finkelstein DM, Muzikansky A, Schoenfeld DA (2003),
    *JNCI* 95:1434–1439.

    Examples
    --------
    >>> d = one_sample_logrank(9, 1 / 1.75, 5, 3, shape=1.22)
    >>> d.n, round(d.n_raw, 2), round(d.power, 4)
    (88, 87.32, 0.8031)
    """
    m0, hr, tf, k, a = _validate_tte(m0, hazard_ratio, follow_up, shape, alpha)
    pw = _check_power(power)
    rate = None
    if accrual_rate is not None:
        rate = check_positive("accrual_rate", accrual_rate)

        def gap(ta: float) -> float:
            s0, s, om = _wu_moments(m0, hr, ta, tf, k)
            return rate * ta - _wu_n(s0, s, om, a, pw)

        lo, hi = 1e-6, 1.0
        while gap(hi) < 0:
            hi *= 2.0
            if hi > 1e6:
                raise ValueError(
                    f"accrual_rate ({accrual_rate!r}) is too low to reach the required sample "
                    "size in any accrual period."
                )
        ta = scipy.optimize.brentq(gap, lo, hi, xtol=1e-12)
        s0, s, om = _wu_moments(m0, hr, ta, tf, k)
        n_raw = rate * ta
        n = math.ceil(n_raw - 1e-9)
    else:
        if accrual is None:
            raise ValueError("accrual (None) must be given unless accrual_rate is.")
        ta = check_positive("accrual", accrual)
        s0, s, om = _wu_moments(m0, hr, ta, tf, k)
        n_raw = _wu_n(s0, s, om, a, pw)
        n = math.ceil(n_raw - 1e-9)
    return TTEDesign(
        n=int(n),
        n_raw=float(n_raw),
        power=_wu_power(n, s0, s, om, a),
        power_target=pw,
        alpha=a,
        m0=m0,
        shape=k,
        hazard_ratio=hr,
        accrual=float(ta),
        follow_up=tf,
        accrual_rate=rate,
        expected_events_h1=float(n * hr * s0**2),
        expected_events_h0=float(n * s0**2),
        sigma0=s0,
        sigma=s,
        omega=om,
    )


def one_sample_logrank_power(
    n: int,
    m0: float,
    hazard_ratio: float,
    accrual: float,
    follow_up: float,
    shape: float = 1.0,
    alpha: float = 0.05,
) -> float:
    """Approximate power of the one-sample log-rank test with n patients (Wu 2015).

    Examples
    --------
    >>> round(one_sample_logrank_power(100, 9, 1 / 1.75, 5, 3, shape=1.22), 4)
    0.851
    """
    m0, hr, tf, k, a = _validate_tte(m0, hazard_ratio, follow_up, shape, alpha)
    ta = check_positive("accrual", accrual)
    nn = check_positive("n", n)
    s0, s, om = _wu_moments(m0, hr, ta, tf, k)
    return _wu_power(nn, s0, s, om, a)


# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExponentialDesign:
    """Single-arm exponential (median) test with its assumptions (desmon ``surv1samp``)."""

    n: int
    n_raw: float
    events: float  # required number of events (exact variant: integer)
    p_event: float  # probability of an event by the end of the study, under H1
    m0: float
    m1: float
    accrual: float
    follow_up: float
    alpha: float  # one-sided
    power_target: float
    power: float  # attained power with the required events
    exact: bool
    method: str
    baseline: str = "exponential survival (constant hazard)"
    censoring: str = "uniform accrual over A, then follow-up F; no other censoring"

    def power_at(self, n: int) -> float:
        """Power with ``n`` patients: events = n · P(event) (Wald), or its integer part (exact χ²).

        Examples
        --------
        >>> d = exponential_median_test(4, 6, 24, 12)
        >>> d.power_at(d.n) >= 0.8 > d.power_at(d.n - 2)
        True
        """
        ev = float(n) * self.p_event
        if self.exact:
            dd = max(math.floor(ev + 1e-9), 1)
            crit = scipy.stats.chi2.ppf(1 - self.alpha, 2 * dd)
            return float(scipy.stats.chi2.sf(crit * self.m0 / self.m1, 2 * dd))
        za = scipy.stats.norm.ppf(1 - self.alpha)
        return float(scipy.stats.norm.cdf(math.sqrt(ev) * math.log(self.m1 / self.m0) - za))


def exponential_median_test(
    m0: float,
    m1: float,
    accrual: float,
    follow_up: float,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    exact: bool = False,
) -> ExponentialDesign:
    """Events and patients for a one-sample test of an exponential median (m1 > m0).

    Wald test on the log rate (desmon ``surv1samp``): ``d = ((z_{1−α} + z_power) / log(m1/m0))²``.
    Exact variant (``exact=True``): with d events, 2 λ0 · (total time on test) ~ χ²(2d) under
    H0; the smallest integer d with ``P(χ²(2d) > (λ1/λ0) χ²_{1−α}(2d)) >= power`` (Phadnis 2019).
    In both cases ``n = d / P(event)`` with
    ``P(event) = 1 − [exp(−λ1 F) − exp(−λ1 (F + A))] / (A λ1)`` under the alternative.

    Examples
    --------
    >>> d = exponential_median_test(4, 6, 24, 12)
    >>> round(d.events, 1), round(d.p_event, 3), round(d.n_raw, 1)
    (37.6, 0.915, 41.1)
    """
    m0 = check_positive("m0", m0)
    m1 = check_positive("m1", m1)
    if not m1 > m0:
        raise ValueError(f"m1 ({m1!r}) must exceed m0 ({m0!r}): H1 is a longer median survival.")
    a_ = check_positive("accrual", accrual)
    f_ = check_positive("follow_up", follow_up, allow_zero=True)
    a = _check_alpha(alpha)
    pw = _check_power(power)
    lam0, lam1 = _LOG2 / m0, _LOG2 / m1
    p_event = 1.0 - (math.exp(-lam1 * f_) - math.exp(-lam1 * (f_ + a_))) / (a_ * lam1)
    if exact:
        d = 1
        while True:
            crit = scipy.stats.chi2.ppf(1 - a, 2 * d)
            att = float(scipy.stats.chi2.sf(crit * lam1 / lam0, 2 * d))
            if att >= pw:
                break
            d += 1
            if d > 100000:
                raise ValueError("No exact design with fewer than 100000 events.")
        events = float(d)
        method = "exact chi-square test on total time at risk (2 λ0 T ~ χ²(2d))"
    else:
        za, zb = float(scipy.stats.norm.ppf(1 - a)), float(scipy.stats.norm.ppf(pw))
        events = float(((za + zb) / math.log(m1 / m0)) ** 2)
        att = float(scipy.stats.norm.cdf(math.sqrt(events) * math.log(m1 / m0) - za))
        method = "Wald test on the log hazard rate (desmon surv1samp)"
    n_raw = events / p_event
    return ExponentialDesign(
        n=math.ceil(n_raw - 1e-9),
        n_raw=n_raw,
        events=events,
        p_event=p_event,
        m0=m0,
        m1=m1,
        accrual=a_,
        follow_up=f_,
        alpha=a,
        power_target=pw,
        power=att,
        exact=bool(exact),
        method=method,
    )


# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CPHDesign:
    """Two-arm Cox proportional hazards sample size (lifelines, Freedman 1982 events formula)."""

    n_exp: int
    n_con: int
    power: float  # attained power at (n_exp, n_con), lifelines power_under_cph
    power_target: float
    alpha: float  # TWO-sided
    hazard_ratio: float
    ratio: float  # n_exp / n_con
    p_exp: float  # probability of an event over the study, experimental arm
    p_con: float
    expected_events: float
    assumptions: tuple[str, ...] = (
        "Two-sided alpha (lifelines): z(1 − alpha/2) is used.",
        "Freedman (1982) events formula; the power counts one tail only.",
        "p_exp and p_con are the probabilities of observing the event during the study.",
        "Sample sizes are rounded up per arm (ceil).",
        "Proportional hazards.",
    )
    method: str = "lifelines.statistics.sample_size_necessary_under_cph / power_under_cph"

    @property
    def n_total(self) -> int:
        return self.n_exp + self.n_con

    def power_at(self, n: int) -> float:
        """Power (lifelines ``power_under_cph``) with ``n`` patients in total, split by ``ratio``."""
        from lifelines.statistics import power_under_cph

        n_con = float(n) / (1.0 + self.ratio)
        return float(power_under_cph(float(n) - n_con, n_con, self.p_exp, self.p_con,
                                     self.hazard_ratio, alpha=self.alpha))


def power_curve(design: TTEDesign | ExponentialDesign | CPHDesign, ns: object) -> pd.DataFrame:
    """``design.power_at(n)`` for each n of ``ns``: columns ``n`` and ``power``.

    Examples
    --------
    >>> d = exponential_median_test(4, 6, 24, 12)
    >>> bool(power_curve(d, [d.n])["power"].iloc[0] >= 0.8)
    True
    """
    n = [int(v) for v in np.atleast_1d(np.asarray(ns)).ravel()]
    return pd.DataFrame({"n": n, "power": [design.power_at(v) for v in n]})


def two_arm_cph(
    hazard_ratio: float,
    p_exp: float,
    p_con: float,
    power: float = 0.8,
    ratio: float = 1.0,
    alpha: float = 0.05,
) -> CPHDesign:
    """Randomised two-arm design for a hazard ratio (wraps lifelines).

    Parameters
    ----------
    hazard_ratio : float
        Postulated hazard ratio (experimental / control), != 1.
    p_exp, p_con : float
        Probabilities of an event during the study in each arm.
    power : float
        Target power.
    ratio : float
        Allocation ratio n_exp / n_con.
    alpha : float
        **Two-sided** type I error (lifelines convention).

    Examples
    --------
    >>> d = two_arm_cph(0.7, 0.25, 0.35)
    >>> d.n_exp, d.n_con
    (421, 421)
    """
    from lifelines.statistics import power_under_cph, sample_size_necessary_under_cph

    hr = check_positive("hazard_ratio", hazard_ratio)
    if hr == 1.0:
        raise ValueError("hazard_ratio (1.0) must differ from 1.")
    pe = check_prob("p_exp", p_exp)
    pc = check_prob("p_con", p_con)
    pw = check_prob("power", power)
    k = check_positive("ratio", ratio)
    a = check_prob("alpha", alpha)
    n_exp, n_con = sample_size_necessary_under_cph(pw, k, pe, pc, hr, alpha=a)
    att = float(power_under_cph(n_exp, n_con, pe, pc, hr, alpha=a))
    return CPHDesign(
        n_exp=int(n_exp),
        n_con=int(n_con),
        power=att,
        power_target=pw,
        alpha=a,
        hazard_ratio=hr,
        ratio=k,
        p_exp=pe,
        p_con=pc,
        expected_events=float(n_exp * pe + n_con * pc),
    )
