"""Statistical conventions in words, for the methods text of the pages and the reports.

The confidence-interval choice is the one worded here (:func:`ci_sentence`, :data:`CI_SHORT`):
the default is the ad hoc Hartung–Knapp–Sidik–Jonkman interval as metafor's ``test="adhoc"``
defines it (scale factor max(1, q), t(k−1) quantile), never narrower than the Wald interval.

Examples
--------
>>> CI_SHORT["hksj-adhoc"]
'HKSJ ad hoc (never narrower than Wald)'
>>> "zero width" in ci_sentence("hksj", "REML")
True
"""

from __future__ import annotations

__all__ = ["CI_SHORT", "ci_sentence"]

#: short option labels of the confidence-interval control (values are the vocabulary literals)
CI_SHORT = {
    "z": "Wald z",
    "t": "t(k−1)",
    "hksj": "HKSJ, plain (can be narrower than Wald)",
    "hksj-adhoc": "HKSJ ad hoc (never narrower than Wald)",
}

_CI = {
    "z": "a Wald-type normal (z) interval",
    "t": "a t interval with k−1 degrees of freedom",
    "hksj": (
        'the plain Hartung–Knapp–Sidik–Jonkman method (metafor test = "knha": the variance '
        "scaled by the factor q, a t(k−1) quantile); when the studies agree more closely than "
        "their sampling variances predict (q < 1) it is narrower than the Wald interval, and of "
        "zero width when the studies are identical"
    ),
    "hksj-adhoc": (
        'the ad hoc Hartung–Knapp–Sidik–Jonkman method (metafor test = "adhoc": the variance '
        "scaled by max(1, q) and a t(k−1) quantile, so the interval is never narrower than the "
        "Wald interval nor of zero width; Knapp & Hartung 2003, Röver, Knapp & Friede 2015, "
        "Jackson et al. 2017)"
    ),
}
_GLMM = "a t interval with k−1 degrees of freedom (a GLMM has no Hartung–Knapp analogue)"


def ci_sentence(ci_method: str, method: str) -> str:
    """The interval of the pooled estimate in words (a noun phrase; GLMM maps HKSJ to t)."""
    if method == "GLMM" and ci_method in ("hksj", "hksj-adhoc"):
        return _GLMM
    return _CI[ci_method]
