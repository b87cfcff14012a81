"""Protocol sample-size paragraphs, written as a statistician would (statistics.md §5.3).

Every paragraph names the design and its reference, states the hypotheses with p0 and p1 and where
they came from, the one-sided (or, for CPH, two-sided) alpha and the power, the rule in words,
the maximum and the expected sample size **under the null** (EN(p0), never EN(p1) — the
VisualizeSimon2Stage bug, §5.1), attained alpha and power, the search bound, software and
references.
"""

from __future__ import annotations

import platform

import numpy as np
import scipy

from synthesis.design.simon import SimonDesign, SimonResult
from synthesis.design.single_stage import SingleStageResult, single_stage_exact
from synthesis.design.tte import CPHDesign, ExponentialDesign, TTEDesign

__all__ = ["REFERENCES", "protocol_paragraph"]

REFERENCES = {
    "simon": "Simon R. Optimal two-stage designs for phase II clinical trials. "
    "Control Clin Trials 1989;10:1–10.",
    "jung": "Jung SH, Lee T, Kim K, George SL. Admissible two-stage designs for phase II cancer "
    "clinical trials. Stat Med 2004;23:561–569.",
    "ahern": "A'Hern RP. Sample size tables for exact single-stage phase II designs. "
    "Stat Med 2001;20:859–866.",
    "wu": "Wu J. Sample size calculation for the one-sample log-rank test. "
    "Pharm Stat 2015;14:26–33.",
    "finkelstein": "Finkelstein DM, Muzikansky A, Schoenfeld DA. Comparing survival of a sample "
    "to that of a standard population. J Natl Cancer Inst 2003;95:1434–1439.",
    "schoenfeld": "Schoenfeld DA. Sample-size formula for the proportional-hazards regression "
    "model. Biometrics 1983;39:499–503.",
    "freedman": "Freedman LS. Tables of the number of patients required in clinical trials "
    "using the logrank test. Stat Med 1982;1:121–129.",
    "phadnis": "Phadnis MA. Sample size calculation for small sample single-arm trials for "
    "time-to-event data: logrank test with normal approximation or test statistic based on "
    "exact chi-square distribution? Contemp Clin Trials Commun 2019;15:100360.",
}

_DEFAULT_SOFTWARE = (
    "the apatinib-sarcoma evidence dashboard (module synthesis.design; "
    f"Python {platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__})"
)


def _pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def _refs(keys: list[str]) -> str:
    return "References: " + " ".join(f"[{i}] {REFERENCES[k]}" for i, k in enumerate(keys, 1))


def protocol_paragraph(
    design_result: SimonResult | SingleStageResult | TTEDesign | ExponentialDesign | CPHDesign,
    *,
    p0_source: str,
    p1_source: str,
    software: str = _DEFAULT_SOFTWARE,
    which: str | int = "optimal",
    endpoint: str = "objective response rate (ORR)",
) -> str:
    """Sample-size paragraph for a protocol.

    Parameters
    ----------
    design_result : SimonResult, SingleStageResult, TTEDesign, ExponentialDesign or CPHDesign
    p0_source, p1_source : str
        Where the null and alternative values come from (e.g. "the pooled ORR of 12 studies
        (random-effects, REML, logit)"); for survival designs, the reference survival curve and
        the hazard ratio or target median.
    software : str
        Software (and version) to cite.
    which : {"optimal", "minimax"} or int
        For a :class:`SimonResult`: the design to describe; an int selects
        ``design_result.admissible[which]``.
    endpoint : str
        Name of the binary endpoint.

    Returns
    -------
    str
    """
    if not isinstance(p0_source, str) or not p0_source.strip():
        raise ValueError(f"p0_source ({p0_source!r}) must be a non-empty description.")
    if not isinstance(p1_source, str) or not p1_source.strip():
        raise ValueError(f"p1_source ({p1_source!r}) must be a non-empty description.")
    if isinstance(design_result, SimonResult):
        return _simon(design_result, p0_source, p1_source, software, which, endpoint)
    if isinstance(design_result, SingleStageResult):
        return _single(design_result, p0_source, p1_source, software, endpoint)
    if isinstance(design_result, TTEDesign):
        return _logrank(design_result, p0_source, p1_source, software)
    if isinstance(design_result, ExponentialDesign):
        return _exponential(design_result, p0_source, p1_source, software)
    if isinstance(design_result, CPHDesign):
        return _cph(design_result, p0_source, p1_source, software)
    raise ValueError(
        f"design_result ({type(design_result).__name__}) must be a SimonResult, "
        "SingleStageResult, TTEDesign, ExponentialDesign or CPHDesign."
    )


def _simon(
    res: SimonResult, p0_src: str, p1_src: str, software: str, which: str | int, endpoint: str
) -> str:
    if isinstance(which, int) and not isinstance(which, bool):
        if not 0 <= which < len(res.admissible):
            raise ValueError(
                f"which ({which!r}) must index one of the {len(res.admissible)} admissible designs."
            )
        d: SimonDesign = res.admissible[which]
    elif which in ("optimal", "minimax"):
        d = getattr(res, str(which))
    else:
        raise ValueError(f"which ({which!r}) must be 'optimal', 'minimax' or an integer index.")
    if d.kind == "optimal":
        name = "Simon's optimal two-stage design [1]"
        crit = "it minimises the expected sample size under the null hypothesis"
    elif d.kind == "minimax":
        name = "Simon's minimax two-stage design [1]"
        crit = (
            "it has the smallest maximum sample size (and, among such designs, the smallest "
            "expected sample size under the null hypothesis)"
        )
    else:
        name = "an admissible Simon-type two-stage design [1, 2]"
        crit = (
            f"it minimises q·n + (1 − q)·EN(p0) for weights q from {d.q_low:.3f} to {d.q_high:.3f} "
            "(Jung et al.)"
        )
    cons = "≤" if res.constraint == "<=" else "<"
    if res.proven_optimal:
        search = (
            "The design was found by an exact binomial search whose result is proved: every "
            f"design not examined is shown by exact bounds to be worse (no sample-size bound was "
            f"binding; largest n examined {res.n_searched_max})."
        )
    else:
        search = (
            f"Caution: the search was limited to n ≤ {res.n_searched_max}; designs with larger "
            "n were not examined, so this design is only the best within that bound."
        )
    resp = "no patient responds" if d.r1 == 0 else f"{d.r1} or fewer of them respond"
    text = (
        f"Sample size. The trial follows {name}; {crit}. The primary endpoint is the {endpoint}. "
        f"The null hypothesis that the true response rate is at most p0 = {_pct(d.p0)} will be "
        f"tested against the alternative that it is at least p1 = {_pct(d.p1)}. The null value "
        f"p0 is {p0_src}; the alternative p1 is {p1_src}. The one-sided type I error is "
        f"{res.alpha:g} and the power {res.power:g} (type II error {res.beta:g}), with the "
        f"constraints attained α {cons} {res.alpha:g} and attained β {cons} {res.beta:g}. "
        f"In stage 1, {d.n1} patients will be enrolled; if {resp}, the trial stops for futility "
        f"(probability of early termination under the null hypothesis, PET(p0) = "
        f"{_pct(d.pet0)}). Otherwise {d.n2} further patients will be enrolled, for a maximum "
        f"of {d.n} patients, and the treatment will be declared promising if more than {d.r} "
        f"of the {d.n} patients respond (at least {d.r + 1} responses). "
        f"The expected sample size under the null hypothesis (p = p0) is "
        f"EN(p0) = {d.en0:.1f} patients (under the alternative, p = p1: EN(p1) = {d.en1:.1f}, "
        f"PET(p1) = {_pct(d.pet1)}). The attained one-sided type I error is {d.alpha:.4f} and "
        f"the attained power is {d.power:.4f} (exact binomial probabilities). {search} "
        f"Calculations used {software}."
    )
    try:
        ss = single_stage_exact(res.p0, res.p1, res.alpha, res.beta)
        text += (
            f" For comparison, an exact single-stage design [3] would need {ss.n} patients "
            f"(promising if {ss.r} or more respond); the minimax and optimal two-stage designs "
            f"need at most {res.minimax.n} and {res.optimal.n}."
        )
    except ValueError:  # pragma: no cover - a two-stage design exists, so a single stage does
        pass
    return text + " " + _refs(["simon", "jung", "ahern"])


def _single(res: SingleStageResult, p0_src: str, p1_src: str, software: str, endpoint: str) -> str:
    extra = ""
    if res.n_all_feasible_from > res.n:
        gaps = ", ".join(str(n) for n in res.infeasible_between[:8])
        extra = (
            f" Because of the discreteness of the binomial distribution, some larger sample "
            f"sizes do not meet both error constraints (n = {gaps}); every n from "
            f"{res.n_all_feasible_from} on does"
            + ("" if res.all_larger_proved else f" (checked up to {res.horizon})")
            + ". The reported n is the smallest "
            "feasible one (A'Hern's definition), so enrolment should not exceed it without "
            "recalculating the cut-off."
        )
    text = (
        f"Sample size. The trial follows an exact single-stage design (A'Hern [1]). The null "
        f"hypothesis that the true {endpoint} is at most p0 = {_pct(res.p0)} will be tested "
        f"against the alternative that it is at least p1 = {_pct(res.p1)}. The null value p0 is "
        f"{p0_src}; the alternative p1 is {p1_src}. With a one-sided type I error of "
        f"{res.alpha_nominal:g} and power {1 - res.beta_nominal:g}, {res.n} patients are needed: "
        f"the treatment will be declared promising if {res.r} or more of the {res.n} patients "
        f"respond (more than {res.r - 1}), and not promising if {res.r - 1} or fewer respond. "
        f"The attained one-sided type I error is {res.alpha:.4f} and the attained power "
        f"{res.power:.4f} (exact binomial probabilities).{extra} Calculations used {software}."
    )
    return text + " " + _refs(["ahern"])


def _logrank(d: TTEDesign, p0_src: str, p1_src: str, software: str) -> str:
    acc = f"over {d.accrual:.2f} time units"
    if d.accrual_rate is not None:
        acc += f" at {d.accrual_rate:g} patients per time unit (accrual period solved from n)"
    text = (
        "Sample size. The primary analysis is a one-sided one-sample log-rank test [1] comparing "
        "the observed number of events O with the number E expected under the reference "
        f"survival curve; H0 (hazard ratio ≥ 1) is rejected if (O − E)/√E < −z(1 − α). The "
        f"reference curve is Weibull with median {d.m0:.3g} and shape {d.shape:g}, "
        f"S0(t) = exp(−log 2·(t/{d.m0:.3g})^{d.shape:g}); it is {p0_src}. Under the "
        f"alternative the hazard ratio is {d.hazard_ratio:.3f} (S1 = S0^{d.hazard_ratio:.3f}), "
        f"{p1_src}. Patients are accrued uniformly {acc}, followed by {d.follow_up:g} time "
        f"units of follow-up (study duration {d.study_duration:.2f}); no other censoring is "
        f"assumed. With a one-sided type I error of {d.alpha:g} and power {d.power_target:g}, "
        f"Wu's formula [2] gives n = {d.n_raw:.2f}, rounded up to {d.n} patients "
        f"(approximate power at n = {d.n}: {d.power:.4f}); about {d.expected_events_h1:.1f} "
        f"events are expected under the alternative. Calculations used {software}."
    )
    return text + " " + _refs(["finkelstein", "wu"])


def _exponential(d: ExponentialDesign, p0_src: str, p1_src: str, software: str) -> str:
    test = (
        "an exact test based on the χ² distribution of the total time at risk [1]"
        if d.exact
        else "a one-sided Wald test of the log hazard rate"
    )
    text = (
        f"Sample size. Survival is assumed exponential. The null hypothesis that the median "
        f"survival is at most m0 = {d.m0:g} ({p0_src}) will be tested against the alternative "
        f"m1 = {d.m1:g} ({p1_src}) with {test}, one-sided type I error {d.alpha:g} and power "
        f"{d.power_target:g}. This requires {d.events:.1f} events. With uniform accrual over "
        f"{d.accrual:g} time units and {d.follow_up:g} further units of follow-up, the "
        f"probability of observing an event under the alternative is {d.p_event:.3f}, so "
        f"{d.n_raw:.1f}, rounded up to {d.n} patients, are needed (attained power with these "
        f"events {d.power:.4f}). Calculations used {software}."
    )
    return text + " " + _refs(["phadnis"] if d.exact else ["phadnis", "finkelstein"])


def _cph(d: CPHDesign, p0_src: str, p1_src: str, software: str) -> str:
    text = (
        f"Sample size. The randomised comparison uses a Cox proportional-hazards model (log-rank "
        f"test) with a two-sided type I error of {d.alpha:g} and power {d.power_target:g} to "
        f"detect a hazard ratio of {d.hazard_ratio:g} ({p1_src}). The probability of an event "
        f"during the study is {d.p_con:.3f} in the control arm ({p0_src}) and {d.p_exp:.3f} in "
        f"the experimental arm. With allocation ratio {d.ratio:g}:1, Freedman's events formula "
        f"[1] (see also Schoenfeld [2]) gives {d.n_exp} experimental and {d.n_con} control "
        f"patients ({d.n_total} in total, about {d.expected_events:.0f} events); the attained "
        f"power is {d.power:.4f}. Calculations used {software} (lifelines "
        "sample_size_necessary_under_cph)."
    )
    return text + " " + _refs(["freedman", "schoenfeld"])
