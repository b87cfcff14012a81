"""Does the pooled answer survive other reasonable choices? Views of the robustness analyses.

Method agreement (with each model's fallback note), the Bayesian model, leave-one-out,
cumulative and influence analyses and the small-study tests, as tables and sentences that the
Pooled efficacy page and the reports show alike. Influence and funnel analyses need an
inverse-variance model; :func:`iv_model` says which stands in for a GLMM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evidence.selection import text_value as _text
from findings import text
from synthesis import method_agreement
from synthesis.agreement import AgreementResult
from synthesis.bayes import BayesianPooledProportion
from synthesis.bias import SmallStudyTest
from synthesis.results import PooledProportion
from synthesis.spec import Model


def iv_model(model: Model) -> Model:
    """The inverse-variance model used where a GLMM has no analogue (influence, funnel)."""
    return model.iv_standin()


def loo_rows(loo: pd.DataFrame, result) -> pd.DataFrame:
    """Leave-one-out rows for :func:`charts.meta_plots.interval_rows_figure`."""
    out = pd.DataFrame(
        {
            "label": [f"Without {_text(s)}" for s in loo["label"]],
            "estimate": loo["estimate"].to_numpy(float),
            "ci_low": loo["ci_low"].to_numpy(float),
            "ci_high": loo["ci_high"].to_numpy(float),
            "pi_low": loo["pi_low"].to_numpy(float),
            "pi_high": loo["pi_high"].to_numpy(float),
        }
    )
    out["highlight"] = (out["estimate"] < result.ci.low) | (out["estimate"] > result.ci.high)
    out["detail"] = [
        f"k = {int(k)}; I² = {text.i2(i2)}; τ² = {text.num(t2, 3)}"
        for k, i2, t2 in zip(loo["k"], loo["i2"], loo["tau2"], strict=True)
    ]
    return out


def loo_caption(rows: pd.DataFrame) -> str:
    """Under the leave-one-out plot: the studies whose removal moves the estimate outside the full CI."""
    moved = rows.loc[rows["highlight"], "label"].tolist()
    return ("Each row re-pools without one study. "
            + (f"Outside the full CI (red): {', '.join(moved)}." if moved
               else "No single study moves the estimate outside the full analysis' CI."))


#: under the cumulative plot
CUMULATIVE_CAPTION = ("Studies are added in order of publication; a drifting estimate suggests "
                      "early studies were more (or less) favourable.")


def year_order(frame: pd.DataFrame) -> tuple[int, ...]:
    """Study indices by publication year (then label) for the cumulative analysis."""
    years = pd.to_numeric(frame.get("year", pd.Series(np.nan, index=frame.index)), errors="coerce")
    tmp = pd.DataFrame({"i": range(len(frame)), "year": years.to_numpy(),
                        "label": frame["label"].map(_text).to_numpy()})
    return tuple(int(i) for i in tmp.sort_values(["year", "label"], na_position="last")["i"])


def cumulative_rows(cum: pd.DataFrame, frame: pd.DataFrame, order: tuple[int, ...]) -> pd.DataFrame:
    years = frame["year"].to_numpy() if "year" in frame else [None] * len(frame)
    labels = []
    for j, i in enumerate(order):
        y = years[i]
        ytxt = f" ({int(y)})" if y is not None and isinstance(y, int | float | np.integer | np.floating) and math.isfinite(float(y)) else ""
        labels.append(f"{'' if j == 0 else '+ '}{_text(cum['label'].iloc[j])}{ytxt}")
    return pd.DataFrame(
        {
            "label": labels,
            "estimate": cum["estimate"].to_numpy(float),
            "ci_low": cum["ci_low"].to_numpy(float),
            "ci_high": cum["ci_high"].to_numpy(float),
            "pi_low": cum["pi_low"].to_numpy(float),
            "pi_high": cum["pi_high"].to_numpy(float),
            "detail": [f"k = {int(k)}" for k in cum["k"]],
        }
    )


def agreement_rows(agreement, current=None, current_label: str = "") -> pd.DataFrame:
    """One row per model of :func:`synthesis.method_agreement` (the chosen model first).

    ``detail`` carries each model's interval kind and, where a model fell back, what it fell
    back to."""
    f = agreement.to_frame()
    rows = pd.DataFrame(
        {
            "label": f["model"].map(_text),
            "estimate": f["estimate"].astype(float),
            "ci_low": f["ci_low"].astype(float),
            "ci_high": f["ci_high"].astype(float),
            "pi_low": f["pi_low"].astype(float),
            "pi_high": f["pi_high"].astype(float),
            "detail": [
                f"{_text(i)}" + (f"; fell back: {_text(fb)}" if _text(fb) else "")
                for i, fb in zip(f["interval"], f["fallback"], strict=True)
            ],
            "highlight": False,
        }
    )
    if current is not None:
        top = pd.DataFrame([{
            "label": f"Chosen model: {current_label}", "estimate": current.estimate,
            "ci_low": current.ci.low, "ci_high": current.ci.high, "pi_low": current.pi.low,
            "pi_high": current.pi.high, "detail": current.model_label(), "highlight": True,
        }])
        rows = pd.concat([top, rows], ignore_index=True)
    return rows


def interval_table(rows: pd.DataFrame, level: float) -> pd.DataFrame:
    """Display/CSV table of interval rows (strings, no NaN)."""
    lvl = f"{level:.0%}"
    return pd.DataFrame(
        {
            "Analysis": rows["label"],
            "Estimate": [text.pct(v) for v in rows["estimate"]],
            f"{lvl} CI": [text.interval(a, b) for a, b in zip(rows["ci_low"], rows["ci_high"], strict=True)],
            f"{lvl} PI": [text.interval(a, b) for a, b in zip(rows.get("pi_low", rows["ci_low"] * np.nan),
                                                          rows.get("pi_high", rows["ci_high"] * np.nan), strict=True)],
            "Note": rows.get("detail", pd.Series([""] * len(rows))).map(_text),
        }
    )



def agreement_verdict(agr: AgreementResult) -> tuple[str, str]:
    """``(kind, sentence)``: ``kind`` is ``"warning"`` (material disagreement), ``"info"``
    (minor warnings) or ``"success"``; the sentence is plain text."""
    material = (not agr.ci_overlap) or agr.spread_pp > 10 or agr.width_ratio > 2
    warnings = " ".join(str(w) for w in agr.warnings)
    if agr.warnings and material:
        return "warning", "The models disagree materially; read the estimate with caution. " + warnings
    if agr.warnings:
        return "info", warnings
    return "success", (f"The usual models agree: point estimates span {agr.spread_pp:.1f} percentage "
                       "points and every interval overlaps.")


@dataclass(frozen=True)
class AgreementView:
    """The same studies under every model of :func:`synthesis.method_agreement`."""

    agreement: AgreementResult
    rows: pd.DataFrame
    table: pd.DataFrame
    verdict: tuple[str, str]
    caption: str


def agreement_view(frame: pd.DataFrame, model: Model, result: PooledProportion,
                   agr: AgreementResult | None = None) -> AgreementView:
    """:class:`AgreementView` of a selected frame (``agr``: a precomputed agreement)."""
    if agr is None:
        agr = method_agreement(frame["events"].astype(int).tolist(), frame["total"].astype(int).tolist(),
                               level=model.level)
    rows = agreement_rows(agr, result, text.pooled_label(result))
    caption = (
        f"Spread of point estimates: {agr.spread_pp:.1f} percentage points; widest interval "
        f"{agr.width_ratio:.1f}× the narrowest. Bars: {text.level(model.level)} CI (credible "
        "interval for the Bayesian models); orange: prediction interval. The shaded band is the "
        "chosen model's CI."
    )
    return AgreementView(agr, rows, interval_table(rows, model.level), agreement_verdict(agr), caption)


def bayes_caption(b: BayesianPooledProportion, model: Model) -> str:
    """What the Bayesian model assumed and found about τ (plain text)."""
    lvl = text.level(model.level)
    return (f"{b.model_label()}. τ posterior median {text.num(b.posterior.tau_median, 3)} ({lvl} interval "
            f"{text.num(b.intervals.tau.low, 3)} to {text.num(b.intervals.tau.high, 3)}). Weakly informative priors on τ "
            "stabilise the estimate with few studies (Röver et al. 2021).")


def bayes_metrics(b: BayesianPooledProportion, model: Model) -> tuple[tuple[str, str, str | None], ...]:
    """The Bayesian model as ``(label, value, help)`` metrics: posterior median, credible and predictive intervals."""
    lvl = f"{model.level:.0%}"
    return (("Posterior median", text.pct(b.estimate), b.model_label()),
            (f"{lvl} credible interval", text.interval(*b.ci), None),
            (f"{lvl} predictive interval", text.interval(*b.pi), "For the response rate of a new, similar study."))


def small_study_table(egger: SmallStudyTest, begg: SmallStudyTest) -> pd.DataFrame:
    """Egger's and Begg's tests side by side (display strings)."""
    return pd.DataFrame({
        "Test": ["Egger regression (SE as predictor)", "Begg rank correlation"],
        "Statistic": [text.num(egger.statistic, 3), text.num(begg.statistic, 3)],
        "p": [text.pval(egger.pvalue), text.pval(begg.pvalue)],
        "Estimate": [f"slope {text.num(egger.estimate, 3)}", f"Kendall τ {text.num(begg.estimate, 3)}"],
        "Interpretable": ["yes" if egger.reliable else "no (k < 10)",
                          "yes" if begg.reliable else "no (k < 10)"],
    })


def small_study_note(k: int) -> str:
    """Why funnel-plot tests are descriptive only with fewer than 10 studies (Sterne et al. 2011)."""
    return (f"With {k} studies (fewer than 10) funnel-plot tests have very little power and "
            "an asymmetric-looking funnel is expected by chance; the plot is greyed and the tests "
            "are descriptive only (Sterne et al. 2011; meta's k.min = 10).")


def influential_text(influence: pd.DataFrame) -> str:
    """The studies influential by metafor's criteria (``influence.to_frame()``), escaped, or "none"."""
    flagged = influence.loc[influence["influential"].astype(bool), "label"].tolist()
    return "Influential by metafor's criteria: " + (text.md(", ".join(flagged)) if flagged else "none")


def influence_caption(model: Model) -> str:
    """Which model the Baujat plot used (a GLMM has no case-deletion diagnostics)."""
    iv = iv_model(model)
    return ("Top right: studies that both add much heterogeneity and move the pooled result."
            + (" Computed with IV logit REML (a GLMM has no case-deletion diagnostics)."
               if model.method == "GLMM" else f" Model: {iv.method}, {iv.transform} scale."))
