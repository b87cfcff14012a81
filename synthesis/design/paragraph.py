"""Protocol sample-size paragraphs, written as a statistician would (design,
hypotheses, error rates, EN under the null, the rule in words, references).

Every paragraph names the regimen, the primary endpoint and how it is assessed, the design and its
reference, states the hypotheses with p0 and p1 and where they came from, the one-sided (or, for
CPH, two-sided) significance level and the power, the rule in words, the maximum and the expected
sample size **under the null** (EN(p0), never EN(p1) — the VisualizeSimon2Stage bug, §5.1),
attained α and power, the allowance for non-evaluable patients, the search bound, software and
the references actually cited (numbered in order of first citation).

Source texts are never wrapped in parentheses (they often contain their own), so a paragraph
never shows doubled parentheses.
"""

from __future__ import annotations

import math
import platform
import re
from dataclasses import dataclass

import numpy as np
import scipy

from synthesis.design.simon import SimonDesign, SimonResult
from synthesis.design.single_stage import SingleStageResult, single_stage_exact
from synthesis.design.tte import CPHDesign, ExponentialDesign, TTEDesign

__all__ = ["REFERENCES", "RESPONSE", "Citations", "Outcome", "dropout_sentence", "endpoint_sentence",
           "protocol_paragraph"]

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
    "leeliu": "Lee JJ, Liu DD. A predictive probability design for phase II cancer clinical trials. "
    "Clin Trials 2008;5:93–106.",
    "bop2": "Zhou H, Lee JJ, Yuan Y. BOP2: Bayesian optimal design for phase II clinical trials with "
    "simple and complex endpoints. Stat Med 2017;36:3302–3314.",
    "bop2fe": "Xu X, Hashimoto A, Yimer B, Takeda K. BOP2-FE: Bayesian optimal phase II design with "
    "futility and efficacy stopping boundaries. J Biopharm Stat 2025. doi:10.1080/10543406.2025.2558142",
    "elir": "Neuenschwander B, Weber S, Schmidli H, O'Hagan A. Predictively consistent prior "
    "effective sample sizes. Biometrics 2020;76:578–587.",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a binary design's success is worded: ``plural`` ("3 or more of the 20 patients
    respond"), ``singular`` ("none of them responds"), ``noun`` ("at least 4 responses"), who
    counts (``evaluable``: "evaluable for response") and what a boundary counts in a table header
    (``count``: "responses")."""

    plural: str = "respond"
    singular: str = "responds"
    noun: str = "responses"
    evaluable: str = "evaluable for response"
    count: str = "responses"  # what a boundary counts, short enough for a table header


#: the default: objective response
RESPONSE = Outcome()

_DEFAULT_SOFTWARE = (
    "the apatinib-sarcoma evidence dashboard (module synthesis.design; "
    f"Python {platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__})"
)
_BINARY_ENDPOINT = "objective response rate (ORR)"
_SURVIVAL_ENDPOINT = "progression-free survival (PFS)"
_TREATMENT = "the experimental treatment"

# first words after which no article is added to a source text ("the", "based", "p0", ...)
_NO_ARTICLE = frozenset(
    "the a an this that these those our their its his her one each every any some no half twice "
    "based taken derived from set chosen estimated reported according as per in at on equal "
    "approximately about roughly close consistent below above similar twice".split()
)


class Citations:
    """Reference numbers in order of first citation; only cited references are listed.

    >>> cite = Citations()
    >>> cite("bop2"), cite("simon", "bop2"), cite.listing()[:27]
    ('[1]', '[2, 1]', 'References: [1] Zhou H, Lee')
    """

    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, *keys: str) -> str:
        for k in keys:
            if k not in self.keys:
                self.keys.append(k)
        return "[" + ", ".join(str(self.keys.index(k) + 1) for k in keys) + "]"

    def listing(self) -> str:
        return "References: " + " ".join(
            f"[{i}] {REFERENCES[k]}" for i, k in enumerate(self.keys, 1)
        )


def _pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def _level(x: float) -> str:
    """0.05 -> "5%", 0.025 -> "2.5%", 0.8 -> "80%"."""
    return f"{round(100 * x, 6):g}%"


def _clean(text: str) -> str:
    return " ".join(text.split()).rstrip(" .;,")


def _np(text: str) -> str:
    """A source text as a noun phrase: "doxorubicin + ifosfamide benchmark" gets "the"."""
    text = _clean(text)
    m = re.match(r"[^\s,;:]+", text)
    first = m.group(0) if m else ""
    if first and first.isalpha() and first.islower() and first not in _NO_ARTICLE:
        return "the " + text
    return text


def _short(endpoint: str) -> str:
    """``"objective response rate (ORR)"`` -> ``"ORR"``; no acronym: the name itself."""
    m = re.search(r"\(([^()]+)\)\s*$", endpoint)
    return m.group(1).strip() if m else endpoint


def _source(text: str, endpoint: str) -> str:
    """Source phrase; the endpoint's full name, already defined, is shortened to its acronym."""
    out = _np(text)
    short = _short(endpoint)
    if short != endpoint:
        out = out.replace(endpoint, short)
    return out


_Cite = Citations


def endpoint_sentence(endpoint: str, treatment: str, assessment: str) -> str:
    """``"The primary endpoint of the trial of X is the ORR, based on ...."`` (shared by every
    paragraph, the Bayesian designs' included)."""
    binary = "rate" in endpoint.lower() or "proportion" in endpoint.lower()
    name = f"the {endpoint}" if binary else endpoint
    s = f"The primary endpoint of the trial of {treatment} is {name}"
    return s + (f", based on {assessment}." if assessment else ".")


def dropout_sentence(n: int, dropout: float, what: str, stage1: int | None = None) -> str:
    """Accrual target ceil(n / (1 − dropout)), with the stage-1 figure for two-stage designs."""
    if dropout <= 0:
        return (
            f"All sample sizes refer to patients {what}; no allowance has been made for "
            "patients who are not."
        )
    keep = 1.0 - dropout
    total = math.ceil(n / keep - 1e-9)
    text = (
        f"Assuming that {_level(dropout)} of enrolled patients will not be {what}, the accrual "
        f"target is {total} patients ({n}/{keep:.2f}, rounded up)"
    )
    if stage1 is not None:
        s1 = math.ceil(stage1 / keep - 1e-9)
        text += (
            f", about {s1} of them in stage 1 ({stage1}/{keep:.2f}, rounded up); enrolment in "
            "each stage continues until the required number of evaluable patients is reached"
        )
    return text + "."


def protocol_paragraph(
    design_result: SimonResult | SingleStageResult | TTEDesign | ExponentialDesign | CPHDesign,
    *,
    p0_source: str,
    p1_source: str,
    software: str = _DEFAULT_SOFTWARE,
    which: str | int = "optimal",
    endpoint: str | None = None,
    treatment: str = _TREATMENT,
    assessment: str = "",
    dropout: float = 0.0,
    pause_accrual: bool = True,
    time_unit: str = "months",
    outcome: Outcome = RESPONSE,
) -> str:
    """Sample-size paragraph for a protocol.

    Parameters
    ----------
    design_result : SimonResult, SingleStageResult, TTEDesign, ExponentialDesign or CPHDesign
    p0_source, p1_source : str
        Where the null and alternative values come from (e.g. "the pooled ORR of 12 studies");
        for survival designs, the reference survival curve (or control-arm event probability)
        and the hazard ratio or target median.  A source starting with a lower-case noun gets
        "the" ("doxorubicin + ifosfamide benchmark" -> "the doxorubicin + ifosfamide
        benchmark").
    software : str
        Software (and version) to cite.
    which : {"optimal", "minimax"} or int
        For a :class:`SimonResult`: the design to describe; an int selects
        ``design_result.admissible[which]``.
    endpoint : str, optional
        Name of the primary endpoint, with its acronym in parentheses.  Default: "objective
        response rate (ORR)" for binary designs, "progression-free survival (PFS)" for survival
        designs.
    treatment : str
        The regimen, e.g. "apatinib plus doxorubicin and ifosfamide".
    assessment : str
        How the endpoint is assessed, e.g. "best overall response per RECIST 1.1 in evaluable
        patients" (omitted when empty).
    dropout : float
        Expected fraction of enrolled patients who are not evaluable (binary designs) or are lost
        (survival designs), in [0, 1); the accrual target is ceil(n / (1 − dropout)).
    pause_accrual : bool
        Simon designs: whether accrual is suspended until the stage-1 responses are assessed.
    time_unit : str
        Unit of the survival times (plural), default "months".
    outcome : Outcome
        Binary designs: how a success is worded (default: a response; e.g. "are alive and
        progression-free at 6 months" for a progression-free rate).

    Returns
    -------
    str

    Examples
    --------
    >>> from synthesis.design.simon import simon_two_stage
    >>> text = protocol_paragraph(simon_two_stage(0.2, 0.4), p0_source="historical ORR",
    ...                           p1_source="target ORR", treatment="apatinib")
    >>> "EN(p0) = 20.6" in text and "if 3 or fewer of them respond" in text
    True
    """
    if not isinstance(p0_source, str) or not p0_source.strip():
        raise ValueError(f"p0_source ({p0_source!r}) must be a non-empty description.")
    if not isinstance(p1_source, str) or not p1_source.strip():
        raise ValueError(f"p1_source ({p1_source!r}) must be a non-empty description.")
    if not isinstance(treatment, str) or not _clean(treatment):
        raise ValueError(f"treatment ({treatment!r}) must name the regimen.")
    if not isinstance(assessment, str):
        raise ValueError(f"assessment ({assessment!r}) must be a string.")
    if endpoint is not None and (not isinstance(endpoint, str) or not _clean(endpoint)):
        raise ValueError(f"endpoint ({endpoint!r}) must be a non-empty name.")
    if not isinstance(time_unit, str) or not _clean(time_unit):
        raise ValueError(f"time_unit ({time_unit!r}) must be a non-empty unit, e.g. 'months'.")
    try:
        drop = float(dropout)
    except (TypeError, ValueError):
        raise ValueError(f"dropout ({dropout!r}) must be a fraction in [0, 1).") from None
    if not (math.isfinite(drop) and 0.0 <= drop < 1.0):
        raise ValueError(f"dropout ({dropout!r}) must be a fraction in [0, 1).")
    if not isinstance(pause_accrual, bool | np.bool_):
        raise ValueError(f"pause_accrual ({pause_accrual!r}) must be True or False.")
    binary = isinstance(design_result, SimonResult | SingleStageResult)
    ep = _clean(endpoint) if endpoint else (_BINARY_ENDPOINT if binary else _SURVIVAL_ENDPOINT)
    kw = {
        "p0_src": _source(p0_source, ep),
        "p1_src": _source(p1_source, ep),
        "software": software,
        "endpoint": ep,
        "treatment": _clean(treatment),
        "assessment": _clean(assessment),
        "dropout": drop,
    }
    if not isinstance(outcome, Outcome):
        raise ValueError(f"outcome ({outcome!r}) must be an Outcome.")
    if isinstance(design_result, SimonResult):
        return _simon(design_result, which=which, pause=bool(pause_accrual), outcome=outcome, **kw)
    if isinstance(design_result, SingleStageResult):
        return _single(design_result, outcome=outcome, **kw)
    unit = _clean(time_unit)
    if isinstance(design_result, TTEDesign):
        return _logrank(design_result, unit=unit, **kw)
    if isinstance(design_result, ExponentialDesign):
        return _exponential(design_result, unit=unit, **kw)
    if isinstance(design_result, CPHDesign):
        return _cph(design_result, **kw)
    raise ValueError(
        f"design_result ({type(design_result).__name__}) must be a SimonResult, "
        "SingleStageResult, TTEDesign, ExponentialDesign or CPHDesign."
    )


def _finish(text: str, software: str, cite: _Cite) -> str:
    return f"{text} Calculations were performed with {software}. {cite.listing()}"


def _simon(
    res: SimonResult,
    *,
    which: str | int,
    pause: bool,
    outcome: Outcome,
    p0_src: str,
    p1_src: str,
    software: str,
    endpoint: str,
    treatment: str,
    assessment: str,
    dropout: float,
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
    cite = _Cite()
    ep = _short(endpoint)
    if d.kind == "optimal":
        design = (
            f"Simon's optimal two-stage design {cite('simon')}, which minimises the expected "
            "sample size under the null hypothesis"
        )
    elif d.kind == "minimax":
        design = (
            f"Simon's minimax two-stage design {cite('simon')}, which has the smallest maximum "
            "sample size and, among such designs, the smallest expected sample size under the "
            "null hypothesis"
        )
    else:
        design = (
            f"an admissible two-stage design {cite('simon', 'jung')}: among the Simon-type "
            "designs between the minimax and the optimal design, it minimises q·n + "
            "(1 − q)·EN(p0), a weighted average of the maximum sample size and the expected "
            f"sample size under the null hypothesis, for weights q from {d.q_low:.3f} to "
            f"{d.q_high:.3f}"
        )
    le, ge = ("≤", "≥") if res.constraint == "<=" else ("<", ">")
    strict = "" if res.constraint == "<=" else " (strict inequalities, as in clinfun::ph2simon)"
    o = outcome
    resp = f"none of them {o.singular}" if d.r1 == 0 else f"{d.r1} or fewer of them {o.plural}"
    if pause:
        pause_txt = (
            f"Accrual will be suspended once {d.n1} evaluable patients have been enrolled, until "
            f"their {'responses' if o == RESPONSE else 'outcomes'} have been assessed."
        )
    else:
        pause_txt = (
            f"Accrual will not be suspended while the stage-1 {'responses' if o == RESPONSE else 'outcomes'} "
            "are assessed; patients "
            "enrolled in the meantime will count towards stage 2 if the trial continues."
        )
    if d.kind == "minimax":
        search = (
            "The design was obtained by exhaustive search over exact binomial probabilities; no "
            f"design with fewer than {d.n} patients meets both error constraints."
        )
    elif res.proven_optimal:
        what = "optimum" if d.kind == "optimal" else "set of admissible designs"
        search = (
            "The design was obtained by exhaustive search over exact binomial probabilities; the "
            f"{what} is not constrained by the search limit (n ≤ {res.n_searched_max})."
        )
    else:
        search = (
            "The design was obtained by exhaustive search over exact binomial probabilities, but "
            f"the search was limited to n ≤ {res.n_searched_max} and this limit was binding: "
            f"designs with more than {res.n_searched_max} patients were not examined, so the "
            + ("design reported as optimal" if d.kind == "optimal" else "design")
            + f" is the best with at most {res.n_searched_max} patients and may not be optimal."
        )
    text = (
        f"Sample size. {endpoint_sentence(endpoint, treatment, assessment)} The sample size "
        f"follows {design}. The null hypothesis that the true {ep} is at most p0 = {_pct(d.p0)} "
        f"will be tested against the alternative that it is at least p1 = {_pct(d.p1)}, with a "
        f"one-sided {_level(res.alpha)} significance level and {_level(res.power)} power; the "
        f"design must have attained α {le} {res.alpha:g} and attained power {ge} "
        f"{res.power:.2f}, computed from exact binomial probabilities{strict}. The null value "
        f"p0 is {p0_src}; the alternative p1 is {p1_src}. In stage 1, {d.n1} patients will be "
        f"enrolled; if {resp}, the trial stops for futility (probability of early termination "
        f"under the null hypothesis, PET(p0) = {_pct(d.pet0)}). {pause_txt} If {d.r1 + 1} or "
        f"more of the {d.n1} {o.plural}, {d.n2} further patients will be enrolled, for a maximum of {d.n} "
        "patients, and "
        f"{treatment} will be declared promising if more than {d.r} of the {d.n} patients "
        f"{o.plural} (at least {d.r + 1} {o.noun}), and not promising if {d.r} or fewer {o.plural}. "
        f"The expected sample size under the null hypothesis (p = p0) is EN(p0) = {d.en0:.1f} "
        f"patients (under the alternative, p = p1: EN(p1) = {d.en1:.1f}, PET(p1) = "
        f"{_pct(d.pet1)}). The attained one-sided type I error is {d.alpha:.4f} and the "
        f"attained power is {d.power:.4f}. {search} "
        f"{dropout_sentence(d.n, dropout, o.evaluable, stage1=d.n1)}"
    )
    try:
        ss = single_stage_exact(res.p0, res.p1, res.alpha, res.beta)
        text += (
            f" For comparison, an exact single-stage design {cite('ahern')} would need {ss.n} "
            f"patients (promising if {ss.r} or more {o.plural}); the minimax and optimal two-stage "
            f"designs need at most {res.minimax.n} and {res.optimal.n}."
        )
    except ValueError:  # pragma: no cover - a two-stage design exists, so a single stage does
        pass
    return _finish(text, software, cite)


def _single(
    res: SingleStageResult,
    *,
    outcome: Outcome,
    p0_src: str,
    p1_src: str,
    software: str,
    endpoint: str,
    treatment: str,
    assessment: str,
    dropout: float,
) -> str:
    cite = _Cite()
    ep = _short(endpoint)
    extra = ""
    if res.n_all_feasible_from > res.n:
        gaps = ", ".join(str(n) for n in res.infeasible_between[:8])
        extra = (
            f" Because of the discreteness of the binomial distribution, some larger sample "
            f"sizes do not meet both error constraints (n = {gaps}); every n from "
            f"{res.n_all_feasible_from} on does"
            + ("" if res.all_larger_proved else f", as checked up to n = {res.horizon}")
            + ". The reported n is the smallest feasible one, as defined by A'Hern, so enrolment "
            "of evaluable patients should not exceed it without recalculating the cut-off."
        )
    text = (
        f"Sample size. {endpoint_sentence(endpoint, treatment, assessment)} The sample size "
        f"follows an exact single-stage design {cite('ahern')}. The null hypothesis that the "
        f"true {ep} is at most p0 = {_pct(res.p0)} will be tested against the alternative that "
        f"it is at least p1 = {_pct(res.p1)}. The null value p0 is {p0_src}; the alternative "
        f"p1 is {p1_src}. With a one-sided {_level(res.alpha_nominal)} significance level and "
        f"{_level(1 - res.beta_nominal)} power, {res.n} patients are needed: {treatment} will "
        f"be declared promising if {res.r} or more of the {res.n} patients {outcome.plural} (more "
        f"than {res.r - 1}), and not promising if {res.r - 1} or fewer {outcome.plural}. The attained "
        f"one-sided type I error is {res.alpha:.4f} and the attained power is {res.power:.4f} "
        f"(exact binomial probabilities).{extra} "
        f"{dropout_sentence(res.n, dropout, outcome.evaluable)}"
    )
    return _finish(text, software, cite)


def _survival_dropout(n: int, dropout: float, arms: str = "") -> str:
    if dropout <= 0:
        return ""
    keep = 1.0 - dropout
    return (
        f" Allowing for {_level(dropout)} of patients who are lost to follow-up or not "
        f"evaluable, the accrual target is {math.ceil(n / keep - 1e-9)} patients "
        f"({n}/{keep:.2f}, rounded up{arms})."
    )


def _logrank(
    d: TTEDesign,
    *,
    unit: str,
    p0_src: str,
    p1_src: str,
    software: str,
    endpoint: str,
    treatment: str,
    assessment: str,
    dropout: float,
) -> str:
    cite = _Cite()
    ep = _short(endpoint)
    m1 = d.m0 * d.hazard_ratio ** (-1.0 / d.shape)
    acc = f"over {d.accrual:.3g} {unit}"
    if d.accrual_rate is not None:
        acc = (
            f"at {d.accrual_rate:g} patients per {unit.rstrip('s')}, over {d.accrual:.2f} "
            f"{unit} (the accrual period solved from n)"
        )
    text = (
        f"Sample size. {endpoint_sentence(endpoint, treatment, assessment)} It will be compared "
        f"with a reference {ep} curve by a one-sided one-sample log-rank test "
        f"{cite('finkelstein')}, which compares the observed number of events O with the "
        "number E expected under the reference curve; the null hypothesis (hazard ratio ≥ 1) "
        "is rejected if (O − E)/√E < −z(1 − α). The reference curve is Weibull with median "
        f"{ep} m0 = {d.m0:.3g} {unit} and shape {d.shape:g}, S0(t) = exp(−log 2·(t/{d.m0:.3g})"
        f"^{d.shape:g}) with t in {unit}; the reference median is {p0_src}. Under the "
        f"alternative the hazard ratio is δ = {d.hazard_ratio:.3f} (S1 = S0^δ), which implies "
        f"a target median {ep} of m1 = m0·δ^(−1/shape) = {m1:.1f} {unit}; the hazard ratio is "
        f"{p1_src}. Patients will be accrued uniformly {acc} and followed for a further "
        f"{d.follow_up:g} {unit} (study duration {d.study_duration:.3g} {unit}); no other "
        f"censoring is assumed. With a one-sided {_level(d.alpha)} significance level and "
        f"{_level(d.power_target)} power, Wu's formula {cite('wu')} gives n = {d.n_raw:.2f}, "
        f"rounded up to {d.n} patients (approximate power at n = {d.n}: {d.power:.4f}); about "
        f"{d.expected_events_h1:.1f} events are expected under the alternative."
        + _survival_dropout(d.n, dropout)
    )
    return _finish(text, software, cite)


def _exponential(
    d: ExponentialDesign,
    *,
    unit: str,
    p0_src: str,
    p1_src: str,
    software: str,
    endpoint: str,
    treatment: str,
    assessment: str,
    dropout: float,
) -> str:
    cite = _Cite()
    ep = _short(endpoint)
    if d.exact:
        test = (
            "an exact test based on the χ² distribution of the total time at risk "
            f"{cite('phadnis')}"
        )
        note = ""
    else:
        test = "a Wald test of the log hazard rate"
        note = (
            " For small trials, an exact test based on the χ² distribution of the total time "
            f"at risk is an alternative {cite('phadnis')}."
        )
    events = f"{d.events:.0f}" if d.exact else f"{d.events:.1f}"
    text = (
        f"Sample size. {endpoint_sentence(endpoint, treatment, assessment)} {ep} is assumed "
        f"to follow an exponential distribution. The null hypothesis that the median {ep} is "
        f"at most m0 = {d.m0:g} {unit} will be tested against the alternative that it is "
        f"m1 = {d.m1:g} {unit} (hazard ratio {d.m0 / d.m1:.3f}) with {test}, at a one-sided "
        f"{_level(d.alpha)} significance level with {_level(d.power_target)} power. The null "
        f"value m0 is {p0_src}; the target m1 is {p1_src}. This requires {events} "
        f"events. With uniform accrual over {d.accrual:g} {unit} and {d.follow_up:g} further "
        f"{unit} of follow-up, the probability of observing an event under the alternative is "
        f"{d.p_event:.3f}, so {d.n_raw:.1f}, rounded up to {d.n} patients, are needed "
        f"(attained power with these events {d.power:.4f}); no other censoring is assumed."
        + _survival_dropout(d.n, dropout)
        + note
    )
    return _finish(text, software, cite)


def _cph(
    d: CPHDesign,
    *,
    p0_src: str,
    p1_src: str,
    software: str,
    endpoint: str,
    treatment: str,
    assessment: str,
    dropout: float,
) -> str:
    cite = _Cite()
    arms = ""
    if dropout > 0:
        keep = 1.0 - dropout
        e, c = math.ceil(d.n_exp / keep - 1e-9), math.ceil(d.n_con / keep - 1e-9)
        arms = f" per arm: {e} experimental and {c} control patients"
        target = e + c
        drop = (
            f" Allowing for {_level(dropout)} of patients who are lost to follow-up or not "
            f"evaluable, the accrual target is {target} patients ({d.n_exp}/{keep:.2f} and "
            f"{d.n_con}/{keep:.2f}, rounded up{arms})."
        )
    else:
        drop = ""
    text = (
        f"Sample size. {endpoint_sentence(endpoint, treatment, assessment)} "
        f"{treatment[0].upper() + treatment[1:]} will be compared with the control treatment in "
        "a randomised trial, analysed with a Cox proportional-hazards model (log-rank test) "
        f"at a two-sided {_level(d.alpha)} significance level with "
        f"{_level(d.power_target)} power to detect a hazard ratio of {d.hazard_ratio:g}; the "
        f"hazard ratio is {p1_src}. The probability of an event during the study is "
        f"{d.p_con:.3f} in the control arm and {d.p_exp:.3f} in the experimental arm; the "
        f"control-arm probability is {p0_src}. With allocation ratio {d.ratio:g}:1, Freedman's "
        f"events formula {cite('freedman')} (see also Schoenfeld {cite('schoenfeld')}) gives "
        f"{d.n_exp} experimental and {d.n_con} control patients ({d.n_total} in total, about "
        f"{d.expected_events:.0f} events); the attained power is {d.power:.4f}." + drop
    )
    software = f"{software}, using lifelines sample_size_necessary_under_cph"
    return _finish(text, software, cite)
