"""The Trial planner's Bayesian designs (posterior rule, predictive probability, BOP2/BOP2-FE):
the prior choice and the MAP prior's summary, the search for a design, its labels, boundary,
operating-characteristic, ESS and prior-predictive tables, the captions of its tabs, the protocol
paragraph and an R script that reproduces it with the reference package.

The half of :mod:`findings.planner` (sources of p0/p1, frequentist designs, the protocol section)
for the Bayesian single-arm family of :mod:`synthesis.design.bayes`. No Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from evidence.selection import Selection, select_outcomes
from findings import query as Q
from findings import text as T
from findings.planner import Metric, Protocol, Source, TrialPlan, treatment_text
from findings.planner_inputs import Field
from synthesis.design.bayes import (
    BetaMixture,
    BOP2Design,
    PosteriorDesign,
    PredictiveDesign,
    bop2_search,
    ess,
    map_prior,
    posterior_search,
    pp_search,
    robustify,
)
from synthesis.design.oc import operating_characteristics as oc_frame
from synthesis.design.paragraph import (
    RESPONSE,
    Citations,
    Outcome,
    dropout_sentence,
    endpoint_sentence,
)

#: prior choices of the Bayesian designs (URL value -> label)
PRIORS = Q.PRIORS  # token -> label (the link's ``?dprior=map``; findings.query.CONTROLS)


# --------------------------------------------------------------------------------------------
# Bayesian designs

BayesDesign = PosteriorDesign | PredictiveDesign | BOP2Design


def prior_label(prior: BetaMixture) -> str:
    """``"Beta(0.2, 0.8)"`` or ``"0.80 Beta(11, 32) + 0.20 Beta(1, 1)"``."""
    return " + ".join(
        (f"{w:.2f} " if prior.n_components > 1 else "") + f"Beta({T.num(a, 3)}, {T.num(b, 3)})"
        for w, a, b in zip(prior.weights, prior.a, prior.b, strict=True)
    )


def design_label(d: BayesDesign) -> str:
    """Short name of the design with its parameters."""
    if isinstance(d, PosteriorDesign):
        return f"Bayesian posterior rule, n = {d.n}, Pr(p > {T.num(d.p0)} | data) > {T.num(d.c)}"
    if isinstance(d, PredictiveDesign):
        return (f"predictive probability, N = {d.nmax}, θT = {T.num(d.theta_t)}, "
                f"θL = {T.num(d.theta_l)}")
    eff = {"none": "", "power": f", η = {T.num(d.eta)}", "OF": ", O'Brien–Fleming efficacy"}[d.method]
    name = "BOP2-FE" if d.method != "none" else "BOP2"
    return f"{name}, N = {d.nmax}, λ = {T.num(d.lam)}, γ = {T.num(d.gamma)}{eff}"


def _looks(d: BayesDesign) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    if isinstance(d, PosteriorDesign):
        return (d.n,), (d.r_success - 1,), (d.r_success,)
    return d.rule.looks, d.rule.futility, d.rule.efficacy


def boundary_table(d: BayesDesign, count: str = "responses") -> pd.DataFrame:
    """One row per look: "after n patients, stop if ≤ r responses", efficacy stop, final rule
    (``count``: what is counted, :attr:`Outcome.count` of the planned endpoint)."""
    looks, fut, eff = _looks(d)
    rows = []
    for k, (n, f, e) in enumerate(zip(looks, fut, eff, strict=True)):
        final = k == len(looks) - 1
        rows.append({
            "Look": "final" if final else str(k + 1),
            "Patients n": n,
            f"Stop (futility) if {count} ≤": str(f) if f >= 0 else "no stop",
            f"Efficacy if {count} ≥": (f"{e} (promising)" if final else f"{e} (stop)") if e <= n else "no stop",
            "Rule": (f"at {n}: not promising if ≤ {f}, promising if ≥ {e}" if final else
                     f"after {n} patients stop if ≤ {f} {count}" if f >= 0 else
                     f"after {n} patients continue") + ("" if final or e > n else f"; stop for efficacy if ≥ {e}"),
        })
    return pd.DataFrame(rows)


def bayes_oc_table(d: BayesDesign, p0: float, p1: float, grid: np.ndarray | None = None,
                   rate: str = "response rate") -> pd.DataFrame:
    """Exact operating characteristics (``design.oc``) at p0, p1 and 5% steps, display strings."""
    if grid is None:
        g = np.round(np.arange(0.0, 1.0001, 0.05), 6)
        g = g[(g >= max(0.0, p0 - 0.15) - 1e-9) & (g <= min(1.0, p1 + 0.2) + 1e-9)]
        grid = np.unique(np.concatenate([g, [p0, p1]]))
    oc = oc_frame(d, grid)
    mark = ["p0 (null)" if np.isclose(p, p0) else "p1 (alternative)" if np.isclose(p, p1) else ""
            for p in oc["p"]]
    return pd.DataFrame({
        f"True {rate}": [T.pct(v) for v in oc["p"]],
        "Marker": mark,
        "P(declare promising)": [T.decimal(v, 4) for v in oc["P(declare promising)"]],
        "P(stop early, futility)": [T.decimal(v, 4) for v in oc["P(early stop, futility)"]],
        "P(stop early, efficacy)": [T.decimal(v, 4) for v in oc["P(early stop, efficacy)"]],
        "Expected n": [T.decimal(v, 1) for v in oc["EN"]],
    })


def ess_by_weight(prior: BetaMixture, weights: tuple[float, ...] = tuple(np.round(np.arange(0, 1.0001, 0.05), 2)),
                  mean: float = 0.5) -> pd.DataFrame:
    """ESS (ELIR and moment) of the robustified prior at each robust weight (RBesT's vignette plot).

    ELIR is left empty where undefined (a component with a or b < 1).
    """
    rows = []
    for w in weights:
        r = robustify(prior, weight=float(w), mean=mean) if w > 0 else prior
        try:
            e = ess(r, "elir")
        except ValueError:
            e = math.nan
        rows.append({"robust weight": float(w), "ESS (ELIR)": e, "ESS (moment)": ess(r, "moment")})
    return pd.DataFrame(rows)


def prior_predictive_table(prior: BetaMixture, n: int, p0: float, p1: float) -> pd.DataFrame:
    """Prior predictive probability of each response count among n patients, with the counts
    expected under p0 and p1 and the tail probability P(Y ≤ y) (the prior–data conflict check:
    an observed count in a far tail conflicts with the prior)."""
    pmf = prior.predictive_pmf(n)
    cdf = np.cumsum(pmf)
    y = np.arange(n + 1)
    return pd.DataFrame({
        "responses": y,
        "probability": pmf,
        "P(Y ≤ y)": np.minimum(cdf, 1.0),
        "P(Y ≥ y)": np.minimum(np.concatenate([[1.0], 1 - cdf[:-1]]), 1.0),
        "expected under": ["p0" if round(n * p0) == v else "p1" if round(n * p1) == v else "" for v in y],
    })


def bayes_paragraph(d: BayesDesign, *, p0: float, p1: float, alpha: float, power: float,
                    p0_source: str, p1_source: str, treatment: str, prior_source: str,
                    caveats: tuple[str, ...] = (), endpoint: str = "objective response rate (ORR)",
                    outcome: Outcome = RESPONSE, assessment: str = "", dropout: float = 0.0) -> str:
    """The protocol paragraph of a Bayesian design (rule, boundaries, exact OCs, prior, sources),
    with the methods it cites numbered in a closing "References:" list as in
    :func:`synthesis.design.paragraph.protocol_paragraph`."""
    o0, o1 = d.oc(p0), d.oc(p1)
    looks, fut, _ = _looks(d)
    treat = treatment_text(treatment)
    cite = Citations()
    verb, short = outcome.plural, endpoint[endpoint.rfind("(") + 1:-1] if endpoint.endswith(")") else endpoint
    head = (f"Sample size. {endpoint_sentence(endpoint, treat, assessment.strip().rstrip('.'))} "
            f"The null rate p0 = {T.pct(p0)} is {p0_source.rstrip('.')}; the target rate "
            f"p1 = {T.pct(p1)} is {p1_source.rstrip('.')}. ")
    try:
        e = ess(d.prior)
        ess_s = f"effective sample size {T.decimal(e, 1)} patients (ELIR {cite('elir')})"
    except ValueError:
        ess_s = f"effective sample size {T.decimal(ess(d.prior, 'moment'), 1)} patient(s) (moment matching)"
    prior = f"The prior is {prior_label(d.prior)} ({prior_source.rstrip('.')}; {ess_s}). "
    if isinstance(d, PosteriorDesign):
        rule = (f"{d.n} patients will be enrolled; {treat} will be declared promising if the "
                f"posterior probability that the {short} exceeds {T.pct(p0)} is above "
                f"{T.num(d.c)}, that is, if {d.r_success} or more of the {d.n} patients {verb}. ")
    elif isinstance(d, PredictiveDesign):
        stops = "; ".join(f"{n}: ≤ {f}" for n, f in zip(looks[:-1], fut[:-1], strict=True) if f >= 0)
        rule = (f"Up to {d.nmax} patients will be enrolled (predictive probability design "
                f"{cite('leeliu')}). Accrual stops for futility when the predictive probability of success at "
                f"{d.nmax} patients falls below {T.num(d.theta_l)}, success being a posterior "
                f"probability of at least {T.num(d.theta_t)} that the rate exceeds {T.pct(p0)}"
                + (f" (stop if at most r of n patients {verb} — {stops})" if stops else "") + "; "
                f"{treat} is declared promising if {d.rule.efficacy[-1]} or more of {d.nmax} {verb}. ")
    else:
        stops = "; ".join(f"{n}: ≤ {f}" for n, f in zip(looks[:-1], fut[:-1], strict=True) if f >= 0)
        eff = ""
        if d.method != "none":
            e_ = "; ".join(f"{n}: ≥ {e}" for n, e in zip(looks[:-1], d.efficacy[:-1], strict=True) if e <= n)
            eff = f" and stops early for efficacy (at least s of n — {e_})" if e_ else ""
        refs = cite("bop2", "bop2fe") if d.method != "none" else cite("bop2")
        rule = (f"Up to {d.nmax} patients will be enrolled with analyses after "
                f"{', '.join(str(n) for n in looks)} patients ({design_label(d)}) {refs}. The trial stops for "
                f"futility when Pr(p > {T.pct(p0)} | data) < λ(n/N)^γ (at most r of n patients {verb} — {stops})"
                f"{eff}; {treat} is declared promising if {d.rule.efficacy[-1]} or more of {d.nmax} "
                f"{verb}. ")
    ocs = (f"Exact operating characteristics: probability of declaring the treatment promising "
           f"{T.decimal(o0.reject, 3)} if the true rate is p0 (target ≤ {T.num(alpha)}) and "
           f"{T.decimal(o1.reject, 3)} if it is p1 (target ≥ {T.num(power)}); expected sample size "
           f"{T.decimal(o0.expected_n, 1)} under p0 and {T.decimal(o1.expected_n, 1)} under p1. "
           + dropout_sentence(o0.max_n, float(dropout), outcome.evaluable))
    tail = "".join(f" {c.rstrip('.')}." for c in caveats if c)
    refs_ = f" {cite.listing()}" if cite.keys else ""
    return head + prior + rule + ocs + tail + refs_


class ViewCounts(NamedTuple):
    """The MAP prior's data: responders, patients and study ids of the studies of a view."""

    events: tuple[int, ...]
    totals: tuple[int, ...]
    study_ids: tuple[str, ...]


def view_counts(outcomes: pd.DataFrame, sel: Selection, endpoint: str = "ORR") -> ViewCounts | None:
    """Responders, patients and study ids of the studies of the current view (the MAP prior's
    data; the ids are cited in the protocol section's references)."""
    frame = select_outcomes(outcomes, replace(sel, endpoint=endpoint)).frame
    if frame.empty:
        return None
    return ViewCounts(tuple(int(v) for v in frame["events"]), tuple(int(v) for v in frame["total"]),
                      tuple(str(v) for v in frame["study_id"]))


def _r_mix(prior: BetaMixture) -> str:
    comps = ", ".join(f"c({w:.6g}, {a:.6g}, {b:.6g})" for w, a, b in zip(prior.weights, prior.a, prior.b, strict=True))
    return f"mixbeta({comps})"


def r_script(d: BayesDesign, p0: float, p1: float) -> str:
    """An R script that reproduces the design with the reference package (RBesT, ph2bye, BOP2FE)
    and states the numbers it should print.

    >>> from synthesis.design.bayes import bop2_design
    >>> "get_boundary_binary(H0 = 0.2" in r_script(bop2_design(0.2, (10, 20), 0.9, 1.0), 0.2, 0.4)
    True
    """
    o0, o1 = d.oc(p0), d.oc(p1)
    head = [f"# {design_label(d)}", f"# exact P(declare promising): {o0.reject:.6f} at p0 = {p0:g}, "
            f"{o1.reject:.6f} at p1 = {p1:g}; expected n {o0.expected_n:.4f} / {o1.expected_n:.4f}"]
    if isinstance(d, PosteriorDesign):
        body = ["library(RBesT)", f"prior <- {_r_mix(d.prior)}",
                f"dec <- decision1S({d.c:g}, {d.p0:g}, lower.tail = FALSE)",
                f"decision1S_boundary(prior, {d.n}, dec)  # expect {d.r_success - 1} (success if more responses)",
                f"oc1S(prior, {d.n}, dec)(c({p0:g}, {p1:g}))"]
    elif isinstance(d, PredictiveDesign):
        a, b = (d.prior.a[0], d.prior.b[0]) if d.prior.n_components == 1 else (math.nan, math.nan)
        body = ["# ph2bye (github.com/cran/ph2bye): PredP(x, n, nmax, a, b, p0, theta_t)",
                "library(ph2bye)",
                f"looks <- c({', '.join(str(n) for n in d.looks[:-1])})",
                f"fut <- sapply(looks, function(n) max(c(-1, which(sapply(0:n, function(x) PredP(x, n, {d.nmax}, "
                f"{a:.6g}, {b:.6g}, {d.p0:g}, {d.theta_t:g})) < {d.theta_l:g}) - 1)))",
                f"print(fut)  # expect {', '.join(str(f) for f in d.futility[:-1])}"]
        if d.prior.n_components > 1:
            body.insert(0, "# ph2bye takes one Beta(a, b) prior; this design's prior is a mixture")
    else:
        inc = np.diff(np.concatenate([[0], d.looks])).tolist()
        eta = "NULL" if d.eta is None else f"c({d.eta:g}, {d.eta:g})"
        method = "OF" if d.method == "OF" else "power"
        body = ["# BOP2FE (github.com/belayb/BOP2FE): source R/utils.R and R/binary_endpoint.R",
                f"bd <- get_boundary_binary(H0 = {d.p0:g}, a1 = {d.p0:g}, b1 = {1 - d.p0:g}, "
                f"n = c({', '.join(str(v) for v in inc)}), lambda = {d.lam:g}, gamma = {d.gamma:g}, "
                f'eta = {eta}, method = "{method}")',
                f"print(bd$cnf[1, ])  # futility: expect {', '.join(str(f) for f in d.futility)}"]
        if d.method != "none":
            body.append(f"print(bd$cns[1, ])  # efficacy: expect {', '.join(str(e) for e in d.efficacy)}")
        if d.prior.n_components > 1 or not math.isclose(d.prior.a[0], d.p0):
            body.insert(0, "# BOP2FE uses the Beta(p0, 1 - p0) prior; this design's prior differs")
    return "\n".join(head + body) + "\n"


# --------------------------------------------------------------------------------------------
# the inputs of a design: the prior (weak, uniform or the MAP prior of the view) and the search


@dataclass(frozen=True, slots=True)
class MapSummary:
    """The MAP prior of a new study's rate from the studies of the view: mean, sd and 95% interval
    of the rate, ``k`` studies of ``n`` patients, posterior median of τ (logit scale)."""

    mean: float
    sd: float
    lo: float
    hi: float
    k: int
    n: int
    tau: float
    study_ids: tuple[str, ...] = ()  # the studies behind the prior (cited in the section's references)

    def source(self, weight: float) -> str:
        """The prior's phrase in the paragraph, robustified with ``weight`` on Beta(1, 1)."""
        return (f"MAP prior from {self.k} studies ({self.n} patients) of the current view, "
                f"mean {100 * self.mean:.1f}%, 95% interval {100 * self.lo:.1f}–"
                f"{100 * self.hi:.1f}%, robustified with weight {weight:g} on Beta(1, 1)")

    def caption(self) -> str:
        return (f"MAP prior: mean {100 * self.mean:.1f}%, sd {100 * self.sd:.1f}%, 95% interval "
                f"{100 * self.lo:.1f}–{100 * self.hi:.1f}% from {self.k} studies; posterior median "
                f"τ {self.tau:.2f} (logit scale).")


def map_mixture(events: tuple[int, ...], totals: tuple[int, ...],
                tau_scale: float = 1.0, study_ids: tuple[str, ...] = ()) -> tuple[BetaMixture, MapSummary]:
    """The MAP prior's beta-mixture approximation (:func:`synthesis.design.bayes.map_prior`) and
    its summary (``study_ids``: the studies the counts come from, kept for the references)."""
    mp = map_prior(events, totals, tau_scale=tau_scale)
    lo, hi = mp.interval(0.95)
    return mp.mixture(), MapSummary(mp.mean(), mp.sd(), lo, hi, mp.k, int(sum(totals)), mp.tau_summary()["median"],
                                    tuple(study_ids))


def prior_choice(key: str, p0: float, map_: tuple[BetaMixture, MapSummary] | None = None,
                 weight: float = 0.2) -> tuple[BetaMixture, str]:
    """The prior of :data:`PRIORS` ``key`` and its phrase in the paragraph: the MAP prior
    (``map_`` from :func:`map_mixture`) robustified with ``weight`` (clipped to [0, 1]) on
    Beta(1, 1), the uniform prior, or the weak prior Beta(p0, 1 − p0) (also when no MAP prior
    can be built).

    >>> prior_choice("weak", 0.2)[1]
    'weak prior centred on p0 with the weight of one patient'
    """
    if key == "map" and map_ is not None:
        mix, summary = map_
        return robustify(mix, weight=min(max(weight, 0.0), 1.0)), summary.source(weight)
    if key == "uniform":
        return BetaMixture([1.0], [1.0], [1.0]), "uniform prior"
    return BetaMixture([1.0], [p0], [1 - p0]), "weak prior centred on p0 with the weight of one patient"


@dataclass(frozen=True, slots=True)
class BayesInputs:
    """Prior and design options of a Bayesian design (``c``: the posterior rule's threshold;
    ``nmax``: the largest N searched (predictive probability) or the maximum N (BOP2), with
    ``n_looks`` equally spaced analyses and ``efficacy`` stops)."""

    prior: BetaMixture
    prior_source: str
    c: float = 0.95
    nmax: int = 40
    n_looks: int = 4
    efficacy: bool = False
    map_summary: MapSummary | None = None


def search_design(plan: str, prior: BetaMixture, p0: float, p1: float, alpha: float, beta: float,
                  c: float = 0.95, nmax: int = 40, n_looks: int = 4, efficacy: bool = False) -> BayesDesign:
    """The design of ``plan`` ("posterior", "pp", "bop2") meeting α and power (ValueError if none)."""
    if plan == "posterior":
        return posterior_search(prior, p0, p1, c, alpha, beta)
    if plan == "pp":
        return pp_search(p0, p1, alpha, beta, prior=prior, n_range=(10, nmax), step=5)
    looks = tuple(int(round(nmax * (i + 1) / n_looks)) for i in range(n_looks))
    return bop2_search(p0, p1, looks, alpha, efficacy=efficacy, prior=prior)


ROBUST_WEIGHT = Field(1, "Robust weight", "w", "robw", 0.2, 0.05, "Weight of the Beta(1, 1) component "
                      "(RBesT robustify, mean 1/2).")
#: the design options of each plan (whole numbers stay whole: ``number_input`` keeps ints)
DESIGN_FIELDS: dict[str, tuple[Field, ...]] = {
    "posterior": (Field(2, "Posterior threshold c", "c", "pc", 0.95, 0.01, "Success if Pr(p > p0 | data) > c; "
                        "n is the smallest meeting α and power.", "%.3f", 0.5),),
    "pp": (Field(2, "Largest N searched", "nmax", "ppn", 60, 5, "N from 10 to this; looks every 5 patients "
                 "from 10.", "%.0f", 10),),
    "bop2": (Field(2, "Maximum sample size N", "nmax", "bn", 40, 1, "", "%.0f", 4),
             Field(3, "Number of analyses", "n_looks", "blooks", 4, 1, "Equally spaced, the last at N.", "%.0f", 1)),
}


def bayes_metrics(d: BayesDesign, p0: float, p1: float, alpha: float, power: float) -> tuple[Metric, ...]:
    """Maximum and expected n, and the exact probabilities of declaring the treatment promising
    under p0 and p1 against their targets."""
    o0, o1 = d.oc(p0), d.oc(p1)
    return (Metric("Maximum n", o0.max_n, help=design_label(d)), Metric("Expected n under p0", f"{o0.expected_n:.1f}"),
            Metric("P(promising | p0)", f"{o0.reject:.4f}", f"target ≤ {alpha:g}"),
            Metric("P(promising | p1)", f"{o1.reject:.4f}", f"target ≥ {power:g}"))


# --------------------------------------------------------------------------------------------
# what the design's tabs show besides the tables

OC_CAPTION = "Exact: dynamic programming over the looks (no simulation)."
ESS_CAPTION = ("ELIR (Neuenschwander et al. 2020; predictively consistent) and moment-matching ESS "
               "of the prior robustified with a Beta(1, 1) component of the given weight.")


def ties_note(d: BayesDesign) -> str:
    """Said when several grid points give the same boundaries ('' otherwise)."""
    ties = getattr(d, "ties", 1)
    return (f"{ties} grid points give these boundaries (identical operating characteristics); "
            "the smallest λ, γ, η are reported.") if ties > 1 else ""


def ess_view(d: BayesDesign, robust: bool) -> tuple[pd.DataFrame, float | None]:
    """:func:`ess_by_weight` of the design's prior and the weight chosen; for a robustified
    (MAP) prior, of its informative part, the last component being the robust one."""
    if not robust:
        return ess_by_weight(d.prior), None
    p = d.prior
    return ess_by_weight(BetaMixture(p.weights[:-1], p.a[:-1], p.b[:-1])), p.weights[-1]


def conflict_view(d: BayesDesign, p0: float, p1: float,
                  count: str = "responses") -> tuple[pd.DataFrame, dict[str, int], str]:
    """The prior–data conflict check at the design's maximum n: :func:`prior_predictive_table`,
    the counts to mark (expected under p0 and p1, the smallest promising count) and the caption."""
    n = d.oc(p0).max_n
    pt = prior_predictive_table(d.prior, n, p0, p1)
    r = d.rule.efficacy[-1] if hasattr(d, "rule") else d.r_success
    y0, y1 = round(n * p0), round(n * p1)
    marks = {f"p0: {y0}": y0, f"p1: {y1}": y1, f"promising ≥ {r}": r}
    caption = (f"Under the prior, {y1} or more {count} among {n} patients (the count expected under p1) "
               f"has probability {float(pt['P(Y ≥ y)'].iloc[y1]):.3f}; a count far in either tail "
               "would conflict with the prior, and a robust component limits its influence.")
    return pt, marks, caption


def bayes_text(d: BayesDesign, inp: BayesInputs, p0s: Source, p1s: Source, alpha: float, power: float,
               protocol: Protocol, src0: str, src1: str, trial: TrialPlan, notes: tuple[str, ...] = ()) -> str:
    """:func:`bayes_paragraph` for the page's inputs: the sources' caveats (few studies, wide CI,
    indirectness) and the certainty ``notes`` close it."""
    caveats = tuple(s.caveat(n) for n, s in (("p0", p0s), ("p1", p1s))) + tuple(notes)
    return bayes_paragraph(d, p0=p0s.value, p1=p1s.value, alpha=alpha, power=power, p0_source=src0,
                           p1_source=src1, treatment=protocol.treatment, prior_source=inp.prior_source,
                           caveats=caveats, endpoint=trial.endpoint_name, outcome=trial.outcome(),
                           assessment=protocol.assessment, dropout=protocol.dropout)
