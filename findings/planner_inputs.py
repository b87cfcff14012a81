"""What the Trial planner asks for, as data: the inputs of each design (:class:`Field`: label,
key, default, step, help; the binary designs' p0/p1 and error rates, the survival designs'
fields, the Simon search's bound), the binary inputs with the sources of p0 and p1
(:class:`Binary`), the checks on them and the survival designs' dispatch to
:mod:`synthesis.design.tte`. The page draws every field with one widget helper. No Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from findings.planner import BINARY, TYPED, Source, TrialPlan
from synthesis.design.tte import exponential_median_test, one_sample_logrank, two_arm_cph

#: the example in the empty field for the source of a typed p0/p1 (never used as a source)
SOURCE_EXAMPLE = "e.g. doxorubicin + ifosfamide in EORTC 62012"


#: the Simon search's bound on n ("auto": none, the optimum is proved)
SEARCH_BOUNDS = ("auto", "50", "100", "200", "500", "1000")
SEARCH_BOUND_HELP = ("auto: the search proves the optimum (no bound binding). A fixed bound reproduces "
                     "clinfun's nmax and may truncate the optimum.")


def search_bound(choice: str | None) -> int | None:
    """The ``n_max`` of a :data:`SEARCH_BOUNDS` choice (``None``: auto)."""
    return None if choice in (None, "auto") else int(choice)


def assessment_kind(plan: str, trial: TrialPlan | None) -> str:
    """The key of :data:`findings.planner.ASSESSMENT` for a plan: its planned endpoint's for a binary design (a PFS
    rate is assessed as progression), "survival" for a survival design."""
    if plan not in BINARY:
        return "survival"
    return trial.assessment_kind if trial is not None else "binary"


def no_design_note(last: str | None) -> str:
    """Said while the inputs are invalid: no design is shown, and which one was shown last.

    >>> no_design_note("Simon optimal 3/13, 12/43")
    'No design is shown until the inputs are valid. The last valid design was Simon optimal 3/13, 12/43.'
    """
    return "No design is shown until the inputs are valid." + (f" The last valid design was {last}." if last else "")


def check_power(power: float) -> float:
    """Power in [0.5, 1), i.e. type II error in (0, 0.5] (ValueError otherwise)."""
    if not (math.isfinite(power) and 0.5 <= power < 1.0):
        raise ValueError(f"power ({power!r}) must be in [0.5, 1): the type II error 1 − power must be in (0, 0.5].")
    return power


@dataclass(frozen=True, slots=True)
class Binary:
    """Inputs of a binary-endpoint design, with the source of p0 and p1."""

    p0: Source
    p1: Source
    alpha: float
    power: float
    constraint: str = "<="
    n_max: int | None = None

    @property
    def beta(self) -> float:
        return round(1.0 - self.power, 12)

    def design_key(self, plan: str) -> tuple:
        """The arguments of the design search: (p0, p1, α, β, constraint, n_max) for Simon,
        (p0, p1, α, β) for the single stage."""
        key = (self.p0.value, self.p1.value, self.alpha, self.beta)
        return (*key, self.constraint, self.n_max) if plan == "simon" else key

    def phrases(self) -> tuple[str, str]:
        """Source phrases of p0 and p1; the second is shortened when both come from one pool."""
        a, b = self.p0, self.p1
        pool = a.key.rsplit(" · ", 1)[0]
        if a.key != TYPED and b.key != TYPED and b.key.rsplit(" · ", 1)[0] == pool:
            stat = b.phrase.split(" of the pooled")[0] if " of the pooled" in b.phrase else "the pooled estimate"
            return a.phrase, f"{stat} of the same meta-analysis ({100 * b.value:.1f}%)"
        return a.phrase, b.phrase

    def certainty_pools(self) -> list[tuple[str, Source]]:
        """``("p0 and p1", source)`` per pooled selection behind p0/p1 (one GRADE rating each;
        typed values and benchmarks have none)."""
        pools: dict[tuple, list[tuple[str, Source]]] = {}
        for name, s in (("p0", self.p0), ("p1", self.p1)):
            if s.selection is not None:
                pools.setdefault((s.selection, s.endpoint), []).append((name, s))
        return [(" and ".join(n for n, _ in items), items[0][1]) for items in pools.values()]


@dataclass(frozen=True, slots=True)
class Field:
    """An input of a survival design: its column on the page (0–3), label, the keyword it sets,
    widget and URL key, default, step, help, number format and minimum (``toggle``: a yes/no)."""

    column: int
    label: str
    name: str
    key: str
    default: float
    step: float = 0.05
    help: str = ""
    fmt: str = "%.2f"
    lo: float = 0.0
    toggle: bool = False
    hi: float | None = None


M0_FIELD = Field(0, "Reference median m0 (months)", "m0", "m0", 6.0, 0.5,
                 "Median PFS expected without the new treatment (historical control).")
_ACCRUAL = (Field(2, "Accrual period (months)", "accrual", "accrual", 24.0, 1.0, "Uniform accrual."),
            Field(2, "Follow-up after accrual (months)", "follow", "follow", 12.0, 1.0))
_ERRORS = (Field(3, "One-sided α", "alpha", "alpha", 0.05, 0.01, "Type I error.", "%.3f"),
           Field(3, "Power (1 − β)", "power", "power", 0.80, 0.05, "In [0.5, 1)."))
#: the inputs of each survival design after m0 (the library or :data:`M0_FIELD`), in the order
#: of the protocol section's inputs
SURVIVAL_FIELDS: dict[str, tuple[Field, ...]] = {
    "logrank": (Field(1, "Hazard ratio under H1", "hr", "hr", 0.6, 0.05, "δ < 1; S1 = S0^δ."),
                Field(1, "Weibull shape", "shape", "shape", 1.0, 0.1, "1 = exponential."), *_ACCRUAL, *_ERRORS),
    "exponential": (Field(1, "Target median m1 (months)", "m1", "m1", 9.0, 0.5, "m1 > m0."),
                    Field(1, "Exact χ² test", "exact", "exact", 0.0, help="Off: Wald test on the log rate "
                          "(desmon surv1samp).", toggle=True), *_ACCRUAL, *_ERRORS),
    "cph": (Field(0, "Hazard ratio (experimental / control)", "hr", "hr", 0.6, 0.05, "≠ 1."),
            Field(2, "Allocation ratio (exp : control)", "ratio", "ratio", 1.0, 0.5),
            Field(1, "P(event) control arm", "p_con", "pcon", 0.8, 0.05,
                  "Probability of a PFS event during the study, chemotherapy alone.", "%.3f"),
            Field(1, "P(event) experimental arm", "p_exp", "pexp", 0.7, 0.05,
                  "Probability of a PFS event during the study, the combination.", "%.3f"),
            replace(_ERRORS[0], label="Two-sided α"), _ERRORS[1]),
}
#: what the survival design's reference value and effect are (named in "Source of the ...")
SURVIVAL_SOURCES = {"cph": ("control-arm event probability", "hazard ratio"),
                    "logrank": ("reference median m0", "hazard ratio"),
                    "exponential": ("reference median m0", "target median m1")}
#: p0 and p1 of the binary designs (label: the word before the rate in "Null response rate p0 from")
RATE_FIELDS = (Field(0, "Null", "p0", "p0", 0.2, 0.01, "The response rate that is not worth pursuing (H0: p ≤ p0). "
                     "Pick a pooled value of the current view (sidebar) or type one and state its source.", "%.3f",
                     hi=1.0),
               Field(1, "Target", "p1", "p1", 0.4, 0.01, "The response rate that would make the treatment promising "
                     "(H1: p ≥ p1).", "%.3f", hi=1.0))
#: α and power of the binary designs (one-sided α; the Simon search options sit under α)
BINARY_ERRORS = (Field(2, "One-sided α", "alpha", "alpha", 0.05, 0.01, "Type I error, in (0, 0.5].", "%.3f", hi=1.0),
                 Field(3, "Power (1 − β)", "power", "power", 0.80, 0.05, "In [0.5, 1).", hi=1.0))
UNSTATED_REFERENCE = "the value specified by the investigators (source not stated)"
UNSTATED_EFFECT = "the effect the investigators consider clinically worthwhile (source not stated)"


def design_values(v: dict) -> tuple[tuple[str, float], ...]:
    """The design's keyword values of :func:`survival_design` without the sources (a cache key)."""
    return tuple((k, x) for k, x in v.items() if k not in ("m0_source", "src0", "src1"))


def survival_design(plan: str, v: dict):
    """The :mod:`synthesis.design.tte` design of ``plan`` for the keyword values ``v`` of
    :data:`SURVIVAL_FIELDS` (ValueError on bad input)."""
    check_power(v["power"])
    if plan == "logrank":
        return one_sample_logrank(v["m0"], v["hr"], v["accrual"], v["follow"], shape=v["shape"],
                                  alpha=v["alpha"], power=v["power"])
    if plan == "exponential":
        return exponential_median_test(v["m0"], v["m1"], v["accrual"], v["follow"], alpha=v["alpha"],
                                       power=v["power"], exact=bool(v["exact"]))
    return two_arm_cph(v["hr"], v["p_exp"], v["p_con"], power=v["power"], ratio=v["ratio"], alpha=v["alpha"])


M0_SOURCE_HELP = ("A median PFS of the historical-control library (weeks converted to months), or a value "
                  "typed below with its source.")
