"""GRADE certainty of a pooled single-arm estimate: stated, documented rules, user overrides.

Pure rules: numbers in, ratings with their reasons out (no evidence objects, no plotting). The
rules propose a rating for each domain; a user may override any of them with a reason, and the
override is kept beside the proposal so both can be printed.

Starting level (a project convention, per question)
---------------------------------------------------
* ``question="treatment effect"`` — does apatinib work (ORR, DCR, PFS, OS against what would be
  expected without it)? Uncontrolled single-arm evidence about a treatment effect starts at
  **low** (GRADE guidelines 3, Balshem et al. 2011: observational evidence starts low).
* ``question="event rate"`` — how often does something happen to patients treated with
  apatinib (e.g. grade ≥ 3 adverse events)? GRADE for prognosis (Iorio et al. 2015) starts
  observational evidence about event rates in broad categories of patients at **high**.

Rules (each proposal names the rule that made it)
-------------------------------------------------
risk of bias
    serious (−1) when more than half of the meta-analytic weight comes from studies at high
    risk of bias; not serious otherwise.
inconsistency
    serious (−1) when the prediction interval spans the decision threshold (e.g. p0) the user
    set; when the prediction interval cannot be computed (k ≤ 2 with t(k−2), or a common-effect
    model), serious when I² > 50 %; not serious otherwise.
imprecision
    minimally contextualised approach of GRADE guidance 34 (Zeng et al. 2022): serious (−1)
    when the confidence interval crosses the threshold; very serious (−2) when it crosses and
    fewer than ``ois`` patients (default 100) were pooled; not serious otherwise.
indirectness
    serious (−1) when the regimen, line or histology of the pooled studies differs from the
    user's question (reasons passed in). The absence of a concurrent control is already the
    reason for starting a treatment-effect question at low, so it is noted, not counted twice.
publication bias
    not assessable below k = 10 (no small-study test; said, not rated down silently); from
    k = 10, suspected (−1) when Egger's test gives p < 0.10.
rating up (large effect)
    for a treatment-effect question with no domain rated down: +1 when the lower confidence
    limit is at least twice the historical-control threshold, +2 when at least five times
    (the RR > 2 / RR > 5 convention of GRADE guidelines 9, Guyatt et al. 2011, applied to the
    ratio against the historical control).

References
----------
Balshem H, et al. GRADE guidelines: 3. Rating the quality of evidence. J Clin Epidemiol
2011;64:401–406.
Iorio A, et al. Use of GRADE for assessment of evidence about prognosis. BMJ 2015;350:h870.
Guyatt GH, et al. GRADE guidelines: 9. Rating up the quality of evidence. J Clin Epidemiol
2011;64:1311–1316.
Zeng L, et al. GRADE guidance 34: update on rating imprecision using a minimally contextualized
approach. J Clin Epidemiol 2022;150:216–224.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "CERTAINTY",
    "DOMAINS",
    "QUESTIONS",
    "RATINGS",
    "RULES",
    "DomainRating",
    "GradeAssessment",
    "Override",
    "assess",
    "decode_overrides",
    "encode_overrides",
    "symbols",
]

QUESTIONS: dict[str, int] = {"treatment effect": 2, "event rate": 4}
#: level -> word
CERTAINTY: dict[int, str] = {4: "high", 3: "moderate", 2: "low", 1: "very low"}
DOMAINS: tuple[str, ...] = (
    "risk of bias", "inconsistency", "indirectness", "imprecision", "publication bias", "large effect",
)
#: rating label -> level change
RATINGS: dict[str, int] = {
    "not serious": 0, "serious": -1, "very serious": -2,
    "not assessable": 0, "undetected": 0, "suspected": -1,
    "none": 0, "large": 1, "very large": 2,
}
_DOWN = DOMAINS[:5]

#: The rules, worded once (used in the proposals, the footnotes, the page and the methods text).
RULES: dict[str, str] = {
    "start": ("Starting level by question: a treatment effect from uncontrolled single-arm studies "
              "starts at low (GRADE guidelines 3, Balshem 2011); an event rate in patients treated "
              "with apatinib starts at high (GRADE for prognosis, Iorio 2015)."),
    "risk of bias": "serious when more than half of the weight comes from high-risk studies",
    "inconsistency": "serious when the prediction interval spans the threshold",
    "inconsistency (no PI)": "prediction interval not computable (or no threshold): serious when I² > 50%",
    "indirectness": ("serious when regimen, line or histology differ from the question; no concurrent "
                     "control is already reflected in the low starting level"),
    "imprecision": ("GRADE 34 minimally contextualised: serious when the CI crosses the threshold, "
                    "very serious when it does with fewer than {ois} patients"),
    "imprecision (no threshold)": ("no threshold set: serious when fewer than {ois} patients were pooled "
                                   "(an optimal-information-size proxy)"),
    "publication bias": "not assessable below k = 10 (small-study tests need k ≥ 10); suspected when Egger's p < 0.10",
    "large effect": "treatment effect, nothing rated down: +1 when CI low ≥ 2× threshold, +2 when ≥ 5×",
}


def symbols(level: int) -> str:
    """``2`` -> ``"⊕⊕◯◯"``.

    >>> symbols(2), symbols(4)
    ('⊕⊕◯◯', '⊕⊕⊕⊕')
    """
    level = max(1, min(4, int(level)))
    return "⊕" * level + "◯" * (4 - level)


@dataclass(frozen=True, slots=True)
class Override:
    """A user's rating of one domain, with the reason printed in the footnotes."""

    domain: str
    rating: str
    reason: str

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise ValueError(f"domain ({self.domain!r}) must be one of {', '.join(map(repr, DOMAINS))}.")
        if self.rating not in RATINGS:
            raise ValueError(f"rating ({self.rating!r}) must be one of {', '.join(map(repr, RATINGS))}.")
        if not self.reason or not self.reason.strip():
            raise ValueError(f"an override of {self.domain!r} needs a reason.")


@dataclass(frozen=True, slots=True)
class DomainRating:
    """One domain: the rating used, the rule's proposal, and why."""

    domain: str
    rating: str
    change: int
    proposed: str
    rule: str
    reason: str
    override_reason: str | None = None

    @property
    def overridden(self) -> bool:
        return self.override_reason is not None


@dataclass(frozen=True, slots=True)
class GradeAssessment:
    """Certainty of one outcome's pooled estimate (an evidence-profile row)."""

    outcome: str
    question: str
    start: int
    domains: tuple[DomainRating, ...]
    level: int
    k: int
    n: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        return f"GradeAssessment({self.outcome!r}: {self.words}, k={self.k}, n={self.n})"

    @property
    def words(self) -> str:
        return CERTAINTY[self.level]

    @property
    def symbols(self) -> str:
        return symbols(self.level)

    def domain(self, name: str) -> DomainRating:
        for d in self.domains:
            if d.domain == name:
                return d
        raise KeyError(name)

    def summary(self) -> pd.DataFrame:
        """One row per domain: rating, proposed rating, level change, rule and reason."""
        return pd.DataFrame([
            {"domain": d.domain, "rating": d.rating, "proposed": d.proposed, "change": d.change,
             "rule": d.rule, "reason": d.reason, "override": d.override_reason or ""}
            for d in self.domains
        ])


def _finite(*xs: float | None) -> bool:
    return all(x is not None and math.isfinite(float(x)) for x in xs)


def _crosses(low: float, high: float, threshold: float) -> bool:
    return low < threshold < high or math.isclose(low, threshold) or math.isclose(high, threshold)


def assess(
    outcome: str,
    *,
    question: str,
    k: int,
    n: int,
    estimate: float,
    ci: tuple[float, float],
    pi: tuple[float, float] | None,
    i2: float | None,
    threshold: float | None,
    weight_high: float,
    indirect: Sequence[str] = (),
    egger_p: float | None = None,
    ois: int = 100,
    overrides: Mapping[str, Override] | Sequence[Override] = (),
    fmt: Callable[[float], str] | None = None,
    fmt_range: Callable[[float, float], str] | None = None,
) -> GradeAssessment:
    """Propose a GRADE rating for one pooled outcome (see the module docstring for the rules).

    Parameters
    ----------
    outcome : str
        Label of the outcome ("ORR", "median PFS", ...).
    question : {"treatment effect", "event rate"}
        Which question the outcome answers; sets the starting level.
    k, n : int
        Number of studies and of patients pooled.
    estimate, ci, pi
        Pooled estimate, its confidence interval and prediction interval (``None`` or
        non-finite bounds when not computable), all on the same scale as ``threshold``.
    i2 : float or None
        I² in percent (used when the prediction interval is not computable).
    threshold : float or None
        The decision threshold of the user's question (e.g. p0 = 0.20 for ORR); ``None``
        makes inconsistency fall back to I² and imprecision not assessable by the CI rule.
    weight_high : float
        Fraction (0–1) of the meta-analytic weight from studies at high risk of bias.
    indirect : sequence of str
        Reasons why the pooled population/regimen differs from the user's question.
    egger_p : float or None
        Egger test p value (used only from k = 10).
    overrides : mapping or sequence of Override
        User ratings that replace the proposals (their reasons are kept).
    fmt, fmt_range : callable, optional
        Format a value and an interval of the outcome's scale in the reasons (default: 3
        significant digits, ``"low–high"``).

    Examples
    --------
    >>> g = assess("ORR", question="treatment effect", k=11, n=349, estimate=0.28,
    ...            ci=(0.20, 0.38), pi=(0.08, 0.64), i2=70.0, threshold=0.20, weight_high=0.7)
    >>> g.domain("inconsistency").rating, g.domain("risk of bias").rating, g.words
    ('serious', 'serious', 'very low')
    """
    if question not in QUESTIONS:
        raise ValueError(f"question ({question!r}) must be one of {', '.join(map(repr, QUESTIONS))}.")
    if not 0.0 <= weight_high <= 1.0 or not math.isfinite(weight_high):
        raise ValueError(f"weight_high ({weight_high!r}) must be a fraction between 0 and 1.")
    if k < 1:
        raise ValueError(f"k ({k!r}) must be at least 1.")
    ovr = {o.domain: o for o in (overrides.values() if isinstance(overrides, Mapping) else overrides)}
    start = QUESTIONS[question]
    _num = fmt or _sig3
    _rng = fmt_range or (lambda lo, hi: f"{_num(lo)}–{_num(hi)}")
    props: list[tuple[str, str, str, str]] = []  # domain, proposed, rule, reason

    # risk of bias
    rule = RULES["risk of bias"]
    share = f"{weight_high:.0%} of the weight from studies at high risk of bias"
    props.append(("risk of bias", "serious" if weight_high > 0.5 else "not serious", rule, share))

    # inconsistency
    pi_ok = pi is not None and _finite(*pi)
    if k < 2:
        props.append(("inconsistency", "not assessable", RULES["inconsistency"],
                      "one study: consistency cannot be judged"))
    elif pi_ok and threshold is not None:
        rule = RULES["inconsistency"]
        spans = _crosses(pi[0], pi[1], threshold)
        reason = (f"prediction interval {_rng(pi[0], pi[1])} "
                  f"{'spans' if spans else 'does not span'} the threshold {_num(threshold)}")
        props.append(("inconsistency", "serious" if spans else "not serious", rule, reason))
    elif i2 is not None and _finite(i2):
        rule = RULES["inconsistency (no PI)"]
        props.append(("inconsistency", "serious" if i2 > 50 else "not serious", rule,
                      f"I² = {i2:.0f}%" + ("" if pi_ok else "; prediction interval not computable")))
    else:
        props.append(("inconsistency", "not assessable", RULES["inconsistency (no PI)"],
                      "no heterogeneity estimate (e.g. a median of medians): judge the spread of "
                      "the study estimates"))

    # indirectness
    rule = RULES["indirectness"]
    if indirect:
        props.append(("indirectness", "serious", rule, "; ".join(indirect)))
    else:
        props.append(("indirectness", "not serious", rule,
                      "population, regimen and line match the question"))

    # imprecision
    if threshold is not None and _finite(*ci):
        crosses = _crosses(ci[0], ci[1], threshold)
        rule = RULES["imprecision"].format(ois=ois)
        if crosses and n < ois:
            rating = "very serious"
        else:
            rating = "serious" if crosses else "not serious"
        reason = (f"CI {_rng(ci[0], ci[1])} {'crosses' if crosses else 'does not cross'} "
                  f"the threshold {_num(threshold)}; {n} patients")
        props.append(("imprecision", rating, rule, reason))
    else:
        rule = RULES["imprecision (no threshold)"].format(ois=ois)
        props.append(("imprecision", "serious" if n < ois else "not serious", rule,
                      f"no threshold set; {n} patients" + (f", fewer than {ois}" if n < ois else "")))

    # publication bias
    if k < 10:
        props.append(("publication bias", "not assessable", RULES["publication bias"],
                      f"k = {k}: not assessable (not rated down)"))
    elif egger_p is not None and _finite(egger_p):
        props.append(("publication bias", "suspected" if egger_p < 0.10 else "undetected",
                      RULES["publication bias"], f"Egger p = {egger_p:.3f}"))
    else:
        props.append(("publication bias", "undetected", "no small-study test supplied",
                      "no test result"))

    # large effect (rated up only for a treatment-effect question with nothing rated down)
    down = sum(RATINGS[_use(ovr, d, p)] for d, p, _, _ in props)
    rule = RULES["large effect"]
    if question == "treatment effect" and threshold and threshold > 0 and _finite(ci[0]) and down == 0:
        ratio = ci[0] / threshold
        rating = "very large" if ratio >= 5 else "large" if ratio >= 2 else "none"
        props.append(("large effect", rating, rule,
                      f"lower confidence limit is {ratio:.1f}× the threshold"))
    else:
        props.append(("large effect", "none", rule, "not applicable" if question != "treatment effect"
                      else "not considered: a domain was rated down or no threshold"))

    domains = []
    for d, proposed, rule, reason in props:
        o = ovr.get(d)
        rating = o.rating if o else proposed
        domains.append(DomainRating(d, rating, RATINGS[rating], proposed, rule, reason,
                                    o.reason if o else None))
    level = max(1, min(4, start + sum(x.change for x in domains)))
    return GradeAssessment(outcome, question, start, tuple(domains), level, int(k), int(n))


def _use(ovr: Mapping[str, Override], domain: str, proposed: str) -> str:
    return ovr[domain].rating if domain in ovr else proposed


def _sig3(x: float) -> str:
    return f"{x:.3g}"


# --------------------------------------------------------------------------- URL encoding

_PREFIX = "g1."


def encode_overrides(overrides: Mapping[str, Mapping[str, Override]]) -> str:
    """Compact, URL-safe text for ``{outcome: {domain: Override}}`` (zlib + base64url).

    >>> o = {"ORR": {"imprecision": Override("imprecision", "not serious", "CI above p0 in the protocol")}}
    >>> decode_overrides(encode_overrides(o)) == o
    True
    """
    data = {out: {d: [o.rating, o.reason] for d, o in doms.items()} for out, doms in overrides.items() if doms}
    if not data:
        return ""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return _PREFIX + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def decode_overrides(text: str | None) -> dict[str, dict[str, Override]]:
    """Inverse of :func:`encode_overrides`; raises ``ValueError`` naming what is wrong."""
    if not text:
        return {}
    if not text.startswith(_PREFIX):
        raise ValueError(f"GRADE overrides must start with {_PREFIX!r}.")
    body = text[len(_PREFIX):]
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), bufsize=1 << 16)
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"GRADE overrides are not readable ({exc}).") from None
    if not isinstance(data, dict):
        raise ValueError("GRADE overrides must be a mapping of outcome to domains.")
    out: dict[str, dict[str, Override]] = {}
    for outcome, doms in data.items():
        if not isinstance(doms, dict):
            raise ValueError(f"GRADE overrides for {outcome!r} must be a mapping.")
        out[str(outcome)] = {}
        for d, val in doms.items():
            if not (isinstance(val, list) and len(val) == 2 and all(isinstance(v, str) for v in val)):
                raise ValueError(f"GRADE override {outcome!r}/{d!r} must be [rating, reason].")
            out[str(outcome)][str(d)] = Override(str(d), val[0], val[1])
    return out

