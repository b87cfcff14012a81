"""Consistency checks run on every load (see :func:`run_checks`).

Each check takes the loaded studies (and overlap groups) and returns :class:`~evidence.base.Flag`
objects; a check never raises on data and never changes a number. The checks:

``percent_consistency``
    A printed percentage against its count / denominator (round-half-up at the printed decimals;
    says when only truncation fits; lists the k/N pairs that do fit) and, per study, mixed
    rounding conventions.
``candidate_denominators``
    When only a percentage is known (or the count is itself inferred): every k/N that produces
    it, and the denominators shared by several rates of the same cohort.
``response_arithmetic``
    Response categories add up to no more than the denominator; ORR = CR + PR and
    DCR = CR + PR + SD.
``orr_composition``
    An ORR that counts partial responses only because no CR count is reported.
``median_vs_milestone``
    A median incompatible with a milestone rate of the same endpoint (own cohort, or the
    primary study of a secondary report): S(t) <= 50% forces median <= t.
``median_vs_follow_up``, ``interval_consistency``
    Medians beyond follow-up; intervals that exclude their estimate or have swapped bounds.
``secondary_disagreement``
    A secondary report (``secondary_of``) against the study it describes.
``overlap_groups``, ``milestone_method``, ``timepoint_consistency``, ``pooling_tags``,
``citation_completeness``, ``headline_choice``
    Overlapping cohorts, crude vs Kaplan–Meier milestones, rates that fall between timepoints,
    regimen/population tags needed before pooling, incomplete citations, headline rows.

Flags recorded by hand in the YAML (``flags:``) are added with ``check="recorded"``; when a
recorded flag names the check expected to confirm it, computed flags of that check inherit its
``dossier_flag`` number, and a recorded flag that no check confirms raises a
``flag_confirmation`` warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from evidence.base import Flag
from evidence.models import (
    Interval,
    Num,
    OverlapGroup,
    Rate,
    Study,
    months,
    parse_percent_text,
)

__all__ = [
    "CHECKS",
    "candidate_fractions",
    "percent_fits",
    "rounded_percent",
    "run_checks",
]

_SEP = " › "
Rounding = Literal["half-up", "truncate"]


# --------------------------------------------------------------------------- arithmetic


def _scaled_target(percent: float | str | Decimal, decimals: int) -> int:
    d = Decimal(str(percent))
    return int((d * (Decimal(10) ** decimals)).to_integral_value(rounding=ROUND_HALF_UP))


def rounded_percent(k: int, n: int, decimals: int, rounding: Rounding = "half-up") -> Decimal:
    """``100 k / n`` rounded (half-up) or truncated to ``decimals`` places, exactly.

    Examples
    --------
    >>> str(rounded_percent(20, 33, 1))
    '60.6'
    >>> str(rounded_percent(35, 43, 2, "truncate"))
    '81.39'
    """
    if n <= 0:
        raise ValueError(f"n ({n}) must be positive.")
    exact = Fraction(100 * k, n)
    scale = 10**decimals
    scaled = exact * scale
    if rounding == "half-up":
        q = math.floor(scaled + Fraction(1, 2))
    elif rounding == "truncate":
        q = math.floor(scaled)
    else:
        raise ValueError(f"rounding ({rounding!r}) must be one of 'half-up', 'truncate'.")
    return (Decimal(q) / Decimal(scale)).quantize(Decimal(1).scaleb(-decimals))


def percent_fits(k: int, n: int, percent: float | str, decimals: int,
                 rounding: Rounding = "half-up") -> bool:
    """Whether ``k/n`` prints as ``percent`` with ``decimals`` places under ``rounding``."""
    target = _scaled_target(percent, decimals)
    scale = 100 * 10**decimals
    if rounding == "half-up":
        # target - 1/2 <= scale*k/n < target + 1/2
        return (2 * target - 1) * n <= 2 * scale * k < (2 * target + 1) * n
    if rounding == "truncate":
        return target * n <= scale * k < (target + 1) * n
    raise ValueError(f"rounding ({rounding!r}) must be one of 'half-up', 'truncate'.")


def candidate_fractions(percent: float | str, decimals: int, n_max: int,
                        rounding: Rounding = "half-up", n_min: int = 1) -> list[tuple[int, int]]:
    """Every pair ``(k, N)`` with ``n_min <= N <= n_max`` whose percentage prints as ``percent``.

    Parameters
    ----------
    percent : float or str
        The printed percentage, e.g. ``24.3`` or ``"81.39"``.
    decimals : int
        Decimals printed (``75%`` -> 0, ``"60.0%"`` -> 1).
    n_max : int
        Largest denominator considered (e.g. the cohort size).
    rounding : {"half-up", "truncate"}
        How the source is assumed to round (dossier §3.1).
    n_min : int
        Smallest denominator considered.

    Returns
    -------
    list of (k, N)
        Sorted by N then k; unreduced (2/6 is listed besides 1/3).

    Examples
    --------
    >>> candidate_fractions(24.3, 1, 60)
    [(9, 37)]
    >>> candidate_fractions(81.39, 2, 100)
    []
    >>> candidate_fractions(81.39, 2, 100, rounding="truncate")
    [(35, 43), (70, 86)]
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0 or decimals > 6:
        raise ValueError(f"decimals ({decimals!r}) must be an integer in 0..6.")
    if isinstance(n_max, bool) or not isinstance(n_max, int) or n_max < 1 or n_max > 100_000:
        raise ValueError(f"n_max ({n_max!r}) must be an integer in 1..100000.")
    if rounding not in ("half-up", "truncate"):
        raise ValueError(f"rounding ({rounding!r}) must be one of 'half-up', 'truncate'.")
    try:
        p = Decimal(str(percent))
    except Exception as exc:
        raise ValueError(f"percent ({percent!r}) is not a number.") from exc
    if not p.is_finite() or p < 0 or p > 100:
        raise ValueError(f"percent ({percent!r}) must be between 0 and 100.")
    out: list[tuple[int, int]] = []
    target = _scaled_target(p, decimals)
    scale = 100 * 10**decimals
    for n in range(max(1, n_min), n_max + 1):
        # k range from the inequalities, then verify exactly
        if rounding == "half-up":
            lo = math.ceil(Fraction((2 * target - 1) * n, 2 * scale))
            hi = math.floor(Fraction((2 * target + 1) * n, 2 * scale))
        else:
            lo = math.ceil(Fraction(target * n, scale))
            hi = math.floor(Fraction((target + 1) * n, scale))
        for k in range(max(lo, 0), min(hi, n) + 1):
            if percent_fits(k, n, p, decimals, rounding):
                out.append((k, n))
    return out


def _fmt_pairs(pairs: Sequence[tuple[int, int]], limit: int = 10) -> str:
    shown = ", ".join(f"{k}/{n}" for k, n in pairs[:limit])
    return shown + (f", … ({len(pairs)} in all)" if len(pairs) > limit else "") if pairs else "none"


def _pct_text(num: Num | None) -> tuple[str, float, int] | None:
    """The printed percentage of a percent Num: (text, value, decimals)."""
    if num is None:
        return None
    if num.as_printed:
        parsed = parse_percent_text(num.as_printed)
        if parsed is not None:
            return num.as_printed, parsed[0], parsed[1]
    text = repr(num.value) if isinstance(num.value, float) else str(num.value)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return f"{text}%", float(num.value), decimals


def _exact(k: int, n: int) -> str:
    return f"{100 * k / n:.4f}".rstrip("0").rstrip(".")


def _ival(num: Num | None) -> int | None:
    if num is None:
        return None
    return int(num.value) if num.is_int else None


# --------------------------------------------------------------------------- percent checks


def _percent_items(study: Study) -> Iterable[tuple[str, int, int, str, float, int]]:
    """(field, k, N, printed text, printed value, decimals) for every count printed with a %."""
    o = study.outcomes
    for r in o.rates:
        k, n, p = _ival(r.events), _ival(r.total), _pct_text(r.percent)
        if k is not None and n and p:
            yield _field("outcomes", "rates", _rname(r)), k, n, *p
    for rc in o.responses:
        n = _ival(rc.total)
        for cat in ("cr", "pr", "sd", "pd"):
            num = getattr(rc, cat)
            if num is not None and num.percent_printed and n:
                val, dec = parse_percent_text(num.percent_printed)  # type: ignore[misc]
                where = rc.timepoint + (f", {rc.subgroup}" if rc.subgroup else "")
                yield (_field("outcomes", "responses", f"{cat.upper()} ({where})"), int(num.value), n,
                       num.percent_printed, val, dec)
    denom = study.population.composition_denominator or study.n.evaluable_efficacy or study.n.enrolled
    for sub in study.population.composition:
        if sub.n.percent_printed and denom is not None:
            val, dec = parse_percent_text(sub.n.percent_printed)  # type: ignore[misc]
            yield (_field("population", "composition", sub.subtype), int(sub.n.value), int(denom.value),
                   sub.n.percent_printed, val, dec)
    enrolled = study.population.composition_denominator or study.n.evaluable_efficacy or study.n.enrolled
    for lc in study.population.line_counts:
        if lc.n.percent_printed and enrolled is not None:
            val, dec = parse_percent_text(lc.n.percent_printed)  # type: ignore[misc]
            yield (_field("population", "line_counts", lc.line), int(lc.n.value), int(enrolled.value),
                   lc.n.percent_printed, val, dec)
    for t in o.toxicity:
        k, n = _ival(t.count), _ival(t.total)
        if k is None or not n:
            continue
        p = _pct_text(t.percent) if t.percent is not None else None
        if p is None and t.count is not None and t.count.percent_printed:
            val, dec = parse_percent_text(t.count.percent_printed)  # type: ignore[misc]
            p = (t.count.percent_printed, val, dec)
        if p:
            yield _field("outcomes", "toxicity", t.event), k, n, *p
    for m in o.milestones:
        k, n = _ival(m.events), _ival(m.total)
        if k is not None and n and m.method == "crude":
            p = _pct_text(m.rate)
            if p:
                yield _field("outcomes", "milestones", f"{m.endpoint} {_g(m.time.value)} {m.unit}"), k, n, *p


def _g(x: float) -> str:
    return f"{x:g}"


def _field(*parts: str) -> str:
    return _SEP.join(parts)


def _rname(r: Rate) -> str:
    bits = [r.timepoint] + ([r.subgroup] if r.subgroup else [])
    return f"{r.endpoint} ({', '.join(bits)})"


def check_percent_consistency(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        only_trunc: list[str] = []
        only_half: list[str] = []
        for field, k, n, text, value, dec in _percent_items(s):
            half = percent_fits(k, n, value, dec, "half-up")
            trunc = percent_fits(k, n, value, dec, "truncate")
            exact = _exact(k, n)
            if half and not trunc:
                only_half.append(f"{text} = {k}/{n} ({exact}%)")
            if half:
                continue
            if trunc:
                only_trunc.append(f"{text} = {k}/{n} ({exact}%)")
                flags.append(Flag(
                    s.id, "percent_truncated", "warning", field,
                    f"{text} printed for {k}/{n} = {exact}%: half-up rounding gives "
                    f"{rounded_percent(k, n, dec)}%; only truncation fits.",
                    check="percent_consistency",
                ))
                continue
            bound = max(2 * n, 60)
            alts = candidate_fractions(value, dec, bound)
            alt_same_k = [(a, b) for a, b in alts if a == k]
            hint = (f" {text} fits {_fmt_pairs(alt_same_k)} with the same count."
                    if alt_same_k else "")
            flags.append(Flag(
                s.id, "percent_mismatch", "error", field,
                f"{text} printed for {k}/{n}, which is {exact}% (rounds to "
                f"{rounded_percent(k, n, dec)}%, truncates to {rounded_percent(k, n, dec, 'truncate')}%)."
                f"{hint} Pairs giving {text} with N ≤ {bound}: {_fmt_pairs(alts, 8)}.",
                check="percent_consistency",
            ))
        if only_trunc and only_half:
            flags.append(Flag(
                s.id, "inconsistent_rounding", "warning", "outcomes",
                "The source rounds inconsistently: truncated " + "; ".join(only_trunc[:3])
                + " but rounded half-up " + "; ".join(only_half[:3])
                + (f" (and {len(only_half) - 3} more)" if len(only_half) > 3 else "") + ".",
                check="percent_consistency",
            ))
    return flags


def check_candidate_denominators(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        enrolled = _ival(s.n.enrolled)
        groups: dict[tuple[str, str | None], list[tuple[Rate, set[int], int]]] = {}
        for r in s.outcomes.rates:
            p = _pct_text(r.percent)
            if p is None:
                continue
            text, value, dec = p
            missing = r.events is None or r.total is None
            inferred = any(x is not None and x.status == "inferred" for x in (r.events, r.total))
            if not (missing or inferred):
                continue
            bound_n = (_ival(r.total) if r.total is not None and r.total.status == "reported"
                       else _ival(s.n.evaluable_efficacy) or enrolled)
            bounds = [bound_n] if bound_n else [60, 100]
            parts = []
            dens: set[int] = set()
            for b in bounds:
                half = candidate_fractions(value, dec, b)
                if half:
                    parts.append(f"N ≤ {b}: {_fmt_pairs(half, 12)}")
                else:
                    trunc = candidate_fractions(value, dec, b, "truncate")
                    parts.append(f"N ≤ {b}: none under half-up rounding; truncation only: "
                                 f"{_fmt_pairs(trunc, 12)}")
                    half = trunc
                dens = {n for _, n in half}
            msg = f"{_rname(r)} {text}: k/N pairs — " + "; ".join(parts) + "."
            if bound_n and r.subgroup is None:
                fits_n = [k for k in range(bound_n + 1) if percent_fits(k, bound_n, value, dec)]
                if not fits_n:
                    near = [k for k in range(bound_n + 1)
                            if abs(100 * k / bound_n - value) < 100 / bound_n]
                    msg += (f" {text} is not achievable with N = {bound_n} ("
                            + ", ".join(f"{k}/{bound_n} = {100 * k / bound_n:.{dec if dec else 1}f}%" for k in near)
                            + "): the rate must rest on another denominator.")
            if r.events is not None and r.total is not None:
                msg += f" Stored: {int(r.events.value)}/{int(r.total.value)} ({r.events.status})."
            flags.append(Flag(s.id, "candidate_denominators", "info",
                              _field("outcomes", "rates", _rname(r)), msg, check="candidate_denominators"))
            groups.setdefault((r.timepoint, r.subgroup), []).append((r, dens, 0))
        for (tp, _sub), items in groups.items():
            if len(items) < 2:
                continue
            shared = set.intersection(*(d for _, d, _ in items))
            names = " and ".join(f"{r.endpoint} {_pct_text(r.percent)[0]}" for r, _, _ in items)  # type: ignore[index]
            tp = tp + (f", {_sub}" if _sub else "")
            bound = f"N ≤ {bound_n}" if bound_n else "N ≤ 100"
            flags.append(Flag(
                s.id, "shared_denominators", "info", _field("outcomes", "rates"),
                f"Denominators that fit both {names} ({tp}) with {bound}: "
                f"{', '.join(map(str, sorted(shared))) or 'none'}.",
                check="candidate_denominators",
            ))
    return flags


# --------------------------------------------------------------------------- responses


def check_response_arithmetic(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        for rc in s.outcomes.responses:
            where = rc.timepoint + (f", {rc.subgroup}" if rc.subgroup else "")
            known = {c: int(getattr(rc, c).value) for c in ("cr", "pr", "sd", "pd") if getattr(rc, c) is not None}
            n = _ival(rc.total)
            if n is not None and sum(known.values()) > n:
                flags.append(Flag(
                    s.id, "response_sum", "error", _field("outcomes", "responses", where),
                    f"CR/PR/SD/PD add up to {sum(known.values())} ({' + '.join(f'{c.upper()} {v}' for c, v in known.items())}), "
                    f"more than the denominator {n}.", check="response_arithmetic",
                ))
            for r in s.outcomes.rates:
                if r.timepoint != rc.timepoint or r.subgroup != rc.subgroup or r.events is None:
                    continue
                ev = int(r.events.value)
                cats = ("cr", "pr") if r.endpoint == "ORR" else ("cr", "pr", "sd")
                if all(c in known for c in cats):
                    expect = sum(known[c] for c in cats)
                    if expect != ev:
                        flags.append(Flag(
                            s.id, "rate_vs_categories", "error", _field("outcomes", "rates", _rname(r)),
                            f"{r.endpoint} events {ev} but {' + '.join(c.upper() for c in cats)} = "
                            f"{' + '.join(str(known[c]) for c in cats)} = {expect}.",
                            check="response_arithmetic",
                        ))
                    if r.total is not None and n is not None and int(r.total.value) != n:
                        flags.append(Flag(
                            s.id, "rate_vs_categories", "warning", _field("outcomes", "rates", _rname(r)),
                            f"{r.endpoint} denominator {int(r.total.value)} differs from the response "
                            f"table's {n}.", check="response_arithmetic",
                        ))
                elif (r.endpoint == "ORR" and "cr" not in known and "pr" in known):
                    pass  # handled by orr_composition
                else:
                    partial = sum(known.get(c, 0) for c in cats)
                    if partial > ev:
                        flags.append(Flag(
                            s.id, "rate_vs_categories", "error", _field("outcomes", "rates", _rname(r)),
                            f"{r.endpoint} events {ev} are fewer than the reported categories "
                            f"({partial}).", check="response_arithmetic",
                        ))
    return flags


def check_orr_composition(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        for rc in s.outcomes.responses:
            if rc.cr is not None or rc.pr is None:
                continue
            for r in s.outcomes.rates:
                if (r.endpoint == "ORR" and r.timepoint == rc.timepoint and r.subgroup == rc.subgroup
                        and r.events is not None and int(r.events.value) == int(rc.pr.value)):
                    flags.append(Flag(
                        s.id, "orr_pr_only", "warning", _field("outcomes", "rates", _rname(r)),
                        f"ORR {int(r.events.value)}/{_ival(r.total)} equals the PR count; no CR count is "
                        "reported, so the ORR counts partial responses only.",
                        check="orr_composition",
                    ))
    return flags


# --------------------------------------------------------------------------- survival


def _interval_text(ci: Interval | None) -> str:
    if ci is None:
        return ""
    return ci.as_printed or f"{ci.low}–{ci.high}"


def check_median_vs_milestone(studies: Sequence[Study], by_id: dict[str, Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        cohorts: list[tuple[Study, str]] = [(s, "")]
        if s.secondary_of and s.secondary_of in by_id:
            cohorts.append((by_id[s.secondary_of], s.secondary_of))
        for med in s.outcomes.medians:
            for other, tag in cohorts:
                for m in other.outcomes.milestones:
                    if m.endpoint != med.endpoint or m.subgroup != med.subgroup or m.method == "crude":
                        continue
                    t = m.time_months
                    rate = float(m.rate.value)
                    src = f"{tag}'s " if tag else ""
                    if med.not_reached:
                        if rate <= 50:
                            flags.append(Flag(
                                s.id, "median_vs_milestone", "error",
                                _field("outcomes", "medians", med.endpoint),
                                f"Median {med.endpoint} not reached, but {src}{med.endpoint} at "
                                f"{_g(m.time.value)} {m.unit} is {_g(rate)}% (≤ 50%).",
                                check="median_vs_milestone",
                            ))
                        continue
                    est = float(med.estimate.value)  # type: ignore[union-attr]
                    bad = (rate <= 50 and est > t + 1e-9) or (rate > 50 and est < t - 1e-9)
                    if bad:
                        bound = f"≤ {_g(round(t, 2))}" if rate <= 50 else f"≥ {_g(round(t, 2))}"
                        sev = "error" if m.method == "Kaplan–Meier" else "warning"
                        flags.append(Flag(
                            s.id, "median_vs_milestone", sev,
                            _field("outcomes", "medians", med.endpoint + (f" ({med.subgroup})" if med.subgroup else "")),
                            f"Median {med.endpoint} {_g(est)} months is incompatible with {src}{med.endpoint} "
                            f"{_g(rate)}% at {_g(m.time.value)} {m.unit} ({m.method}): on the same curve the "
                            f"median must be {bound} months.",
                            check="median_vs_milestone",
                        ))
    return flags


def check_median_vs_follow_up(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        fu = s.outcomes.follow_up
        if fu is None:
            continue
        fu_med = fu.median_months
        fu_max = months(fu.interval.high, fu.unit) if fu.interval and fu.interval.kind == "range" and fu.interval.high is not None else None
        for med in s.outcomes.medians:
            if med.estimate is None:
                continue
            est = float(med.estimate.value)
            name = med.endpoint + (f" ({med.subgroup})" if med.subgroup else "")
            if fu_max is not None and est > fu_max:
                flags.append(Flag(
                    s.id, "median_beyond_follow_up", "warning", _field("outcomes", "medians", name),
                    f"Median {name} {_g(est)} months exceeds the longest follow-up ({_g(fu_max)} months).",
                    check="median_vs_follow_up",
                ))
            elif est > fu_med:
                flags.append(Flag(
                    s.id, "median_beyond_follow_up", "info", _field("outcomes", "medians", name),
                    f"Median {name} {_g(est)} months exceeds the median follow-up ({_g(round(fu_med, 2))} "
                    "months): the estimate rests on few patients still at risk.",
                    check="median_vs_follow_up",
                ))
    return flags


def check_interval_consistency(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []

    def one(s: Study, field: str, est: float | None, ci: Interval | None) -> None:
        if ci is None:
            return
        lo, hi = ci.low, ci.high
        if lo is not None and hi is not None and lo > hi:
            flags.append(Flag(s.id, "interval_order", "error", field,
                              f"Interval bounds reversed: {_interval_text(ci)}.", check="interval_consistency"))
            return
        if est is None:
            return
        if (lo is not None and est < lo) or (hi is not None and est > hi):
            flags.append(Flag(s.id, "interval_excludes_estimate", "error", field,
                              f"Estimate {_g(est)} lies outside its {ci.kind} {_interval_text(ci)}.",
                              check="interval_consistency"))

    for s in studies:
        o = s.outcomes
        for med in o.medians:
            one(s, _field("outcomes", "medians", med.endpoint), None if med.estimate is None else float(med.estimate.value), med.ci)
        for m in o.milestones:
            one(s, _field("outcomes", "milestones", f"{m.endpoint} {_g(m.time.value)} {m.unit}"), float(m.rate.value), m.ci)
        for r in o.rates:
            est = float(r.percent.value) if r.percent is not None else None
            one(s, _field("outcomes", "rates", _rname(r)), est, r.ci)
        if o.follow_up is not None:
            one(s, _field("outcomes", "follow_up"), float(o.follow_up.median.value), o.follow_up.interval)
        for pe in s.pooled_estimates:
            one(s, _field("pooled_estimates", pe.measure), float(pe.estimate.value), pe.ci)
    return flags


# --------------------------------------------------------------------------- secondary reports


def _norm(text: str) -> str:
    return (text.lower().replace("soft tissue", "soft-tissue").replace("’", "'")
            .replace("'s", "").replace("sarcomas", "sarcoma"))


def _same_percent(a: Num, b: Num) -> bool:
    pa, pb = _pct_text(a), _pct_text(b)
    if pa is None or pb is None:
        return False
    dec = min(pa[2], pb[2])
    return round(pa[1], dec) == round(pb[1], dec) or abs(pa[1] - pb[1]) < 10 ** (-dec) / 2 + 1e-9


def check_secondary_disagreement(studies: Sequence[Study], by_id: dict[str, Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        if not s.secondary_of or s.secondary_of not in by_id:
            continue
        p = by_id[s.secondary_of]
        pid = p.id

        def add(field: str, msg: str, sev: str = "warning") -> None:
            flags.append(Flag(s.id, "secondary_disagreement", sev, field,  # noqa: B023
                              msg, check="secondary_disagreement"))

        # N
        for attr in ("enrolled", "evaluable_efficacy"):
            a, b = getattr(s.n, attr), getattr(p.n, attr)
            if a is not None and b is not None and a.value != b.value:
                add(_field("n", attr), f"{s.id} gives {attr.replace('_', ' ')} {_g(a.value)}; {pid} gives {_g(b.value)}.")
        # population
        if s.population.histology_group != p.population.histology_group:
            add(_field("population", "histology_group"),
                f"{s.id} describes the population as “{s.population.histology}” ({s.population.histology_group}); "
                f"{pid} enrolled “{p.population.histology}” ({p.population.histology_group}).")
        else:
            named = _norm(s.population.histology)
            subtypes = [sub.subtype for sub in p.population.composition]
            hit = [t for t in subtypes if _norm(t) in named]
            missed = [t for t in subtypes if _norm(t) not in named]
            if hit and missed:
                add(_field("population", "histology"),
                    f"{s.id} describes the cohort as “{s.population.histology}”, but {pid} also includes "
                    + ", ".join(f"{sub.subtype} ({_g(sub.n.value)})" for sub in p.population.composition if sub.subtype in missed)
                    + ".")
        # regimen
        if s.regimen is not None and p.regimen is not None:
            if s.regimen.monotherapy_n is not None and p.regimen.monotherapy_n is None:
                add(_field("regimen", "monotherapy_n"),
                    f"{s.id}: {_g(s.regimen.monotherapy_n.value)} treated with apatinib monotherapy; {pid} does not "
                    f"report this split ({p.regimen.note or p.regimen.kind}).")
            sp = {x.lower() for x in s.regimen.partners}
            pp = {x.lower() for x in p.regimen.partners}
            if sp != pp and (sp or pp):
                add(_field("regimen", "partners"),
                    f"{s.id} names apatinib + {', '.join(s.regimen.partners) or 'nothing'}; {pid} is apatinib + "
                    f"{', '.join(p.regimen.partners) or 'nothing'} (differs: {', '.join(sorted(sp ^ pp))}).")
        # medians
        for med in s.outcomes.medians:
            match = [m for m in p.outcomes.medians if m.endpoint == med.endpoint and m.subgroup == med.subgroup]
            name = med.endpoint + (f" ({med.subgroup})" if med.subgroup else "")
            mine = "not reached" if med.not_reached else f"{_g(med.estimate.value)} months"  # type: ignore[union-attr]
            if not match:
                add(_field("outcomes", "medians", name),
                    f"{s.id} gives median {name} {mine}; {pid} reports no median {name}.")
                continue
            other = match[0]
            theirs = "not reached" if other.not_reached else f"{_g(other.estimate.value)} months"  # type: ignore[union-attr]
            if mine != theirs:
                add(_field("outcomes", "medians", name), f"{s.id} gives median {name} {mine}; {pid} gives {theirs}.")
        # rates
        for r in s.outcomes.rates:
            same = [x for x in p.outcomes.rates if x.endpoint == r.endpoint and x.subgroup == r.subgroup]
            rtext = (_pct_text(r.percent)[0] if r.percent is not None else  # type: ignore[index]
                     f"{_g(r.events.value)} events")  # type: ignore[union-attr]
            name = _rname(r)
            if not same:
                extra = ""
                if r.subgroup:
                    comp = [c for c in p.population.composition if _norm(c.subtype) == _norm(r.subgroup)]
                    if comp and r.events is not None and comp[0].n.value == r.events.value:
                        extra = (f" {_g(r.events.value)} is the number of {r.subgroup} patients {pid} "
                                 "included, not a responder count: likely misquoted.")
                    elif comp:
                        extra = f" {pid} included {_g(comp[0].n.value)} {r.subgroup} patients."
                add(_field("outcomes", "rates", name),
                    f"{s.id} gives {r.endpoint} {rtext}"
                    + (f" (as printed: “{r.events.as_printed}”)" if r.events is not None and r.percent is None and r.events.as_printed else "")
                    + f" for {r.subgroup or 'the cohort'}; {pid} reports no such {r.endpoint}.{extra}")
                continue
            if r.percent is None:
                continue
            exact_tp = [x for x in same if x.timepoint == r.timepoint and x.percent is not None]
            agree = [x for x in (exact_tp or same) if x.percent is not None and _same_percent(r.percent, x.percent)]
            if agree:
                continue
            listing = ", ".join(f"{x.timepoint} {_pct_text(x.percent)[0]}" for x in same if x.percent is not None)  # type: ignore[index]
            tpn = f"{r.timepoint}" + (f" = {r.timepoint_note}" if r.timepoint_note else "")
            add(_field("outcomes", "rates", name),
                f"{s.id} gives {r.endpoint} {rtext} ({tpn}); {pid} reports {r.endpoint} {listing}: no match.")
    return flags


# --------------------------------------------------------------------------- cohort-level


def check_overlap_groups(studies: Sequence[Study], groups: Sequence[OverlapGroup],
                         by_id: dict[str, Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for g in groups:
        present = [m for m in g.members if m in by_id]
        for m in present:
            pooled = m in g.pooled_by_default
            others = ", ".join(x for x in g.members if x != m)
            flags.append(Flag(
                m, "overlapping_cohort",
                "info" if pooled or by_id[m].record_kind == "planned" else "warning", "overlap_group",
                f"{g.label}: may share patients with {others}. "
                + ("Pooled by default (one report per overlapping cohort)." if pooled else
                   f"Not pooled by default (pooled instead: {', '.join(g.pooled_by_default) or 'none'})."),
                dossier_flag=g.dossier_flag, check="overlap_groups",
            ))
            st = by_id[m]
            if st.overlap_group != g.id:
                flags.append(Flag(m, "overlap_group_mismatch", "warning", "overlap_group",
                                  f"Listed in overlap group {g.id} but the study says {st.overlap_group!r}.",
                                  check="overlap_groups"))
    grouped = {m for g in groups for m in g.members}
    for s in studies:
        if s.overlap_group and s.id not in grouped:
            flags.append(Flag(s.id, "overlap_group_mismatch", "warning", "overlap_group",
                              f"Study names overlap group {s.overlap_group!r} but is not among its members.",
                              check="overlap_groups"))
    return flags


def check_milestone_method(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        ms = s.outcomes.milestones
        seen: dict[tuple[str, float, str | None], list] = {}
        for m in ms:
            seen.setdefault((m.endpoint, round(m.time_months, 3), m.subgroup), []).append(m)
        for (ep, _t, _sub), items in seen.items():
            if len(items) > 1:
                flags.append(Flag(
                    s.id, "milestone_methods_differ", "warning", _field("outcomes", "milestones", ep),
                    f"Two {ep} values at {_g(items[0].time.value)} {items[0].unit}: "
                    + "; ".join(f"{m.method} {_pct_text(m.rate)[0]}" for m in items)  # type: ignore[index]
                    + ". Label which one is used; they are not interchangeable.",
                    check="milestone_method",
                ))
        for m in ms:
            if m.method != "not stated":
                continue
            name = f"{m.endpoint} {_g(m.time.value)} {m.unit}"
            dcr = [r for r in s.outcomes.rates if r.endpoint == "DCR" and r.timepoint == "week_12"
                   and r.subgroup == m.subgroup and r.percent is not None]
            if m.endpoint == "PFS" and abs(m.time_months - 12 * 7 / 30.4375) < 0.05 and dcr:
                d = dcr[0]
                if abs(float(d.percent.value) - float(m.rate.value)) >= 0.5:  # type: ignore[union-attr]
                    flags.append(Flag(
                        s.id, "milestone_vs_dcr", "warning", _field("outcomes", "milestones", name),
                        f"PFR {_g(m.rate.value)}% at 12 weeks differs from the week-12 DCR "
                        f"{_pct_text(d.percent)[0]}; whether the PFR is a Kaplan–Meier estimate or a "  # type: ignore[index]
                        "crude proportion is not stated.",
                        check="milestone_method",
                    ))
                    continue
            flags.append(Flag(
                s.id, "milestone_method_unknown", "info", _field("outcomes", "milestones", name),
                f"{name} rate {_pct_text(m.rate)[0]}: Kaplan–Meier or crude not stated.",  # type: ignore[index]
                check="milestone_method",
            ))
    return flags


_TP_ORDER = {"interim": 0, "week_12": 1, "best_overall": 2, "final": 3}


def check_timepoint_consistency(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        by_ep: dict[tuple[str, str | None], list[Rate]] = {}
        for r in s.outcomes.rates:
            by_ep.setdefault((r.endpoint, r.subgroup), []).append(r)
        for (ep, _sub), rates in by_ep.items():
            tps = sorted((r for r in rates if r.timepoint in ("interim", "week_12", "final")),
                         key=lambda r: _TP_ORDER[r.timepoint])
            for a, b in zip(tps, tps[1:], strict=False):
                if a.events is None or b.events is None:
                    continue
                ea, eb = int(a.events.value), int(b.events.value)
                if eb < ea:
                    sev = "warning" if ep == "ORR" else "info"
                    flags.append(Flag(
                        s.id, "timepoints_disagree", sev, _field("outcomes", "rates", ep),
                        f"{ep} falls from {ea}/{_ival(a.total)} ({a.timepoint}) to {eb}/{_ival(b.total)} "
                        f"({b.timepoint})"
                        + (": responses cannot be lost under best-overall-response; the later figure is a status "
                           "at that time, not a best response." if ep == "ORR" else
                           ": the later figure is disease status at that time.")
                        + " Use one timepoint consistently across studies.",
                        check="timepoint_consistency",
                    ))
    return flags


def check_headline_choice(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        for ep in ("ORR", "DCR"):
            whole = [r for r in s.outcomes.rates if r.endpoint == ep and r.subgroup is None]
            if len(whole) < 2:
                continue
            marked = [r for r in whole if r.headline]
            if len(marked) != 1:
                flags.append(Flag(
                    s.id, "headline_choice", "warning", _field("outcomes", "rates", ep),
                    f"{len(whole)} whole-cohort {ep} rows ({', '.join(r.timepoint for r in whole)}) and "
                    f"{len(marked)} marked headline: mark exactly one (headline: true) with a headline_reason.",
                    check="headline_choice",
                ))
            elif not marked[0].headline_reason:
                flags.append(Flag(s.id, "headline_choice", "info", _field("outcomes", "rates", ep),
                                  f"headline {ep} ({marked[0].timepoint}) has no headline_reason.",
                                  check="headline_choice"))
    return flags


def check_pooling_tags(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        if s.record_kind not in ("study", "secondary_report", "untraced_claim"):
            continue
        if not s.population.sarcoma_only:
            flags.append(Flag(
                s.id, "not_sarcoma_only", "warning", _field("population", "sarcoma_only"),
                f"Not a sarcoma-only cohort ({s.population.histology}); excluded from default pooling.",
                check="pooling_tags",
            ))
        if s.regimen is not None and s.regimen.kind != "monotherapy":
            partners = f" (+ {', '.join(s.regimen.partners)})" if s.regimen.partners else ""
            flags.append(Flag(
                s.id, "regimen_not_monotherapy", "info", _field("regimen", "kind"),
                f"Regimen is {s.regimen.kind}{partners}: tag regimen type before pooling with monotherapy cohorts.",
                check="pooling_tags",
            ))
    return flags


def check_citation_completeness(studies: Sequence[Study], **_: object) -> list[Flag]:
    flags: list[Flag] = []
    for s in studies:
        if s.record_kind not in ("study", "secondary_report", "external_meta_analysis"):
            continue
        if s.design.report_type == "seed_document":
            continue  # seed claims are quotations, not publications
        c = s.citation
        missing = [n for n in ("authors", "title", "year") if getattr(c, n) in (None, "")]
        if missing:
            flags.append(Flag(
                s.id, "citation_incomplete", "info" if missing != ["year"] and "year" not in missing else "warning",
                _field("citation", missing[0]),
                f"Citation lacks {', '.join(missing)}" + (f" ({c.year_note})" if c.year_note and "year" in missing else "")
                + ".",
                check="citation_completeness",
            ))
    return flags


CHECKS: dict[str, Callable[..., list[Flag]]] = {
    "percent_consistency": check_percent_consistency,
    "candidate_denominators": check_candidate_denominators,
    "response_arithmetic": check_response_arithmetic,
    "orr_composition": check_orr_composition,
    "median_vs_milestone": check_median_vs_milestone,
    "median_vs_follow_up": check_median_vs_follow_up,
    "interval_consistency": check_interval_consistency,
    "secondary_disagreement": check_secondary_disagreement,
    "overlap_groups": check_overlap_groups,
    "milestone_method": check_milestone_method,
    "timepoint_consistency": check_timepoint_consistency,
    "headline_choice": check_headline_choice,
    "pooling_tags": check_pooling_tags,
    "citation_completeness": check_citation_completeness,
}


def run_checks(studies: Sequence[Study], groups: Sequence[OverlapGroup] = ()) -> tuple[Flag, ...]:
    """Run every check; add the recorded flags; link computed flags to dossier flag numbers."""
    by_id = {s.id: s for s in studies}
    computed: list[Flag] = []
    for name, fn in CHECKS.items():
        try:
            computed.extend(fn(studies, groups=groups, by_id=by_id))
        except Exception as exc:  # a broken check must not hide the others
            computed.append(Flag("*", "check_failed", "error", name,
                                 f"check {name} failed: {type(exc).__name__}: {exc}", check=name))
    recorded: list[Flag] = []
    linked: list[Flag] = []
    confirmations: list[Flag] = []
    for s in studies:
        for rf in s.flags:
            recorded.append(Flag(s.id, rf.kind, rf.severity, rf.field, rf.message,
                                 dossier_flag=rf.dossier_flag, check="recorded"))
    # computed flags inherit dossier numbers from the recorded flags that name their check
    rec_by = {}
    for s in studies:
        for rf in s.flags:
            if rf.check:
                rec_by.setdefault((s.id, rf.check), []).append(rf)
    confirmed: set[tuple[str, str, int | None]] = set()
    for f in computed:
        recs = rec_by.get((f.study_id, f.check), [])
        if recs and f.dossier_flag is None:
            rf = recs[0]
            f = Flag(f.study_id, f.kind, f.severity, f.field, f.message, dossier_flag=rf.dossier_flag, check=f.check)
        for rf in recs:
            confirmed.add((f.study_id, rf.check or "", rf.dossier_flag))
        linked.append(f)
    for s in studies:
        for rf in s.flags:
            if rf.check and (s.id, rf.check, rf.dossier_flag) not in confirmed:
                confirmations.append(Flag(
                    s.id, "flag_unconfirmed", "warning", rf.field,
                    f"Recorded flag{f' {rf.dossier_flag}' if rf.dossier_flag else ''} ({rf.kind}) expects check "
                    f"{rf.check!r} to confirm it, but that check raised nothing for this study.",
                    dossier_flag=rf.dossier_flag, check="flag_confirmation",
                ))
            if rf.check and rf.check not in CHECKS:
                confirmations.append(Flag(s.id, "flag_unknown_check", "warning", rf.field,
                                          f"Recorded flag names an unknown check {rf.check!r}.",
                                          check="flag_confirmation"))
    return tuple(linked + recorded + confirmations)
