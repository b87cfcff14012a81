"""Proportion transforms and their single back-transforms (metafor ``escalc`` conventions).

Every transform in :data:`synthesis.vocabulary.TRANSFORMS` has exactly one forward function
(:func:`transform_proportions`, metafor ``escalc`` measures ``PLO``, ``PFT``, ``PAS``, ``PR``,
``PLN``) and exactly one back-transform (:func:`back_transform`), used for estimates, intervals,
tables, axes and exports alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from synthesis.validation import as_counts
from synthesis.vocabulary import TRANSFORMS, Transform, check_choice

#: Continuity-correction targets, as metafor ``escalc(to=...)``.
CORRECTION_TARGETS: tuple[str, ...] = ("only0", "all", "if0all", "none")

#: Transforms that never receive a continuity correction (metafor forces ``add=0``).
UNCORRECTED_TRANSFORMS: tuple[str, ...] = ("freeman-tukey", "arcsine")


class TransformedProportions(NamedTuple):
    """Study-level effect sizes on the transformed scale (``escalc`` output)."""

    yi: np.ndarray
    vi: np.ndarray
    corrected: np.ndarray  # bool per study: continuity correction applied
    add: float  # the correction actually used (0 for freeman-tukey/arcsine)


def correction_mask(
    events: np.ndarray, totals: np.ndarray, transform: str, add: float, to: str
) -> np.ndarray:
    """Which studies receive the continuity correction (metafor ``escalc`` ``add``/``to``)."""
    k = events.shape[0]
    if transform in UNCORRECTED_TRANSFORMS or add == 0 or to == "none":
        return np.zeros(k, dtype=bool)
    if to == "all":
        return np.ones(k, dtype=bool)
    extreme = (events == 0) | (events == totals)
    if to == "only0":
        return extreme
    # if0all
    return np.full(k, bool(extreme.any()))


def transform_proportions(
    events: Sequence[float] | np.ndarray,
    totals: Sequence[float] | np.ndarray,
    transform: Transform = "logit",
    *,
    add: float = 0.5,
    to: str = "only0",
) -> TransformedProportions:
    """Transform event counts into effect sizes ``yi`` with sampling variances ``vi``.

    Parameters
    ----------
    events, totals : array_like
        Events ``x`` and sample sizes ``n`` per study (validated with
        :func:`synthesis.validation.as_counts`).
    transform : {"logit", "freeman-tukey", "arcsine", "raw", "log"}
        metafor ``PLO``, ``PFT``, ``PAS``, ``PR``, ``PLN``.
    add : float, default 0.5
        Continuity correction added to ``x`` and ``n - x`` (metafor ``add``). Never applied for
        ``"freeman-tukey"`` and ``"arcsine"`` (metafor forces ``add=0`` for ``PFT``/``PAS``).
    to : {"only0", "all", "if0all", "none"}, default "only0"
        Which studies are corrected (metafor ``to``): only studies with 0 or n events, all
        studies, all studies if any has 0 or n events, or none.

    Returns
    -------
    TransformedProportions
        ``yi``, ``vi``, ``corrected`` (bool per study) and the ``add`` actually used.

    Notes
    -----
    With ``x' = x + c``, ``n' = n + 2c`` (``c = add`` for corrected studies, else 0) and
    ``p' = x'/n'``, exactly as metafor 3.8-1 ``escalc`` (``addyi=TRUE``, ``addvi=TRUE``,
    ``vtype="LS"``):

    ==============  ==================================================  ======================
    transform       yi                                                  vi
    ==============  ==================================================  ======================
    logit (PLO)     log(p'/(1 - p'))                                    1/x' + 1/(n' - x')
    raw (PR)        p'                                                  p'(1 - p')/n'
    log (PLN)       log(p')                                             1/x' - 1/n'
    arcsine (PAS)   asin(sqrt(x/n))                                     1/(4n)
    FT (PFT)        (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1))))/2   1/(4n + 2)
    ==============  ==================================================  ======================

    A ``raw`` or ``log`` study with 0 events and no correction has ``vi = 0`` or ``inf``; the
    pooling function rejects such input with a ``ValueError``.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. *J Stat Softw*
    36(3). Freeman MF, Tukey JW (1950). *Ann Math Stat* 21:607–611.

    Examples
    --------
    >>> t = transform_proportions([0, 5], [10, 10], "logit")
    >>> t.yi.round(4).tolist(), t.corrected.tolist()
    ([-3.0445, 0.0], [True, False])
    """
    check_choice("transform", transform, TRANSFORMS)
    check_choice("to", to, CORRECTION_TARGETS)
    add = float(add)
    if not np.isfinite(add) or add < 0:
        raise ValueError(f"add ({add!r}) must be a finite number >= 0.")
    x, n = as_counts(events, totals)
    if transform in UNCORRECTED_TRANSFORMS:
        add = 0.0
    corrected = correction_mask(x, n, transform, add, to)
    c = np.where(corrected, add, 0.0)
    xc = x + c
    mc = (n - x) + c
    nc = xc + mc
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform == "logit":
            p = xc / nc
            yi = np.log(p / (1.0 - p))
            vi = 1.0 / xc + 1.0 / mc
        elif transform == "raw":
            p = xc / nc
            yi = p
            vi = p * (1.0 - p) / nc
        elif transform == "log":
            p = xc / nc
            yi = np.log(p)
            vi = 1.0 / xc - 1.0 / nc
        elif transform == "arcsine":
            yi = np.arcsin(np.sqrt(x / n))
            vi = 1.0 / (4.0 * n)
        else:  # freeman-tukey
            yi = 0.5 * (
                np.arcsin(np.sqrt(x / (n + 1.0))) + np.arcsin(np.sqrt((x + 1.0) / (n + 1.0)))
            )
            vi = 1.0 / (4.0 * n + 2.0)
    return TransformedProportions(yi, vi, corrected, add)


def harmonic_mean(totals: Sequence[float] | np.ndarray) -> float:
    """Harmonic mean of the sample sizes, ``1/mean(1/n)`` (metafor ``transf.ipft.hm``)."""
    n = np.asarray(totals, dtype=float)
    return float(1.0 / np.mean(1.0 / n))


def _pft(p: float, n: float) -> float:
    """metafor ``transf.pft``: the double arcsine of proportion ``p`` at sample size ``n``."""
    x = p * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1.0))) + np.arcsin(np.sqrt((x + 1.0) / (n + 1.0))))


def back_transform(
    values: float | Sequence[float] | np.ndarray,
    transform: str,
    n_harmonic: float | None = None,
) -> np.ndarray | float:
    """Back-transform values to the proportion scale (the single back-transform per transform).

    Parameters
    ----------
    values : float or array_like
        Values on the transformed scale (estimates, interval bounds, axis ticks).
    transform : {"logit", "freeman-tukey", "arcsine", "raw", "log"}
    n_harmonic : float, optional
        Required for ``"freeman-tukey"``: the sample size used by the inversion, by convention the
        harmonic mean of the study sizes (:func:`harmonic_mean`; metafor ``transf.ipft.hm``).

    Returns
    -------
    float or numpy.ndarray
        Proportions in [0, 1] (a float for scalar input). NaN stays NaN.

    Notes
    -----
    * logit: ``1/(1 + exp(-y))`` (metafor ``transf.ilogit``).
    * arcsine: ``sin(y)^2``, 0 below 0 and 1 above pi/2 (metafor ``transf.iarcsin``).
    * freeman-tukey: Miller (1978) inversion with ``n = n_harmonic``, 0 below ``pft(0, n)`` and 1
      above ``pft(1, n)`` (metafor ``transf.ipft.hm``). Known problems: the result depends on the
      set of study sizes and the inversion is not monotone everywhere (Schwarzer et al. 2019;
      Röver & Friede 2022).
    * raw: identity; log: ``exp(y)``. metafor leaves these unclipped (e.g. a prediction bound of
      1.06 for ``PR``); this project clips them to [0, 1] so that every value shown is a
      proportion. The unclipped value stays available on the transformed scale.

    References
    ----------
    Miller JJ (1978). The inverse of the Freeman–Tukey double arcsine transformation. *Am Stat*
    32:138. Schwarzer G et al. (2019). *Res Synth Methods* 10:476–483. Röver C, Friede T (2022).
    *Res Synth Methods* (arXiv:2203.04773).

    Examples
    --------
    >>> round(back_transform(0.0, "logit"), 4)
    0.5
    >>> back_transform([-1.0, 2.0], "arcsine").tolist()
    [0.0, 1.0]
    """
    check_choice("transform", transform, TRANSFORMS)
    scalar = np.ndim(values) == 0
    y = np.asarray(values, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if transform == "logit":
            out = 1.0 / (1.0 + np.exp(-y))
        elif transform == "arcsine":
            out = np.sin(y) ** 2
            out = np.where(y < 0, 0.0, out)
            out = np.where(y > np.arcsin(1.0), 1.0, out)
        elif transform == "raw":
            out = np.clip(y, 0.0, 1.0)
        elif transform == "log":
            out = np.clip(np.exp(y), 0.0, 1.0)
        else:
            if n_harmonic is None or not np.isfinite(n_harmonic) or n_harmonic <= 0:
                raise ValueError(
                    f"n_harmonic ({n_harmonic!r}) must be a positive number for the "
                    "freeman-tukey back-transform (harmonic mean of the study sizes)."
                )
            nhm = float(n_harmonic)
            s = np.sin(2.0 * y)
            inner = 1.0 - (s + (s - 1.0 / s) / nhm) ** 2
            out = 0.5 * (1.0 - np.sign(np.cos(2.0 * y)) * np.sqrt(inner))
            out = np.where(y > _pft(1.0, nhm), 1.0, out)
            out = np.where(y < _pft(0.0, nhm), 0.0, out)
    out = np.asarray(out, dtype=float)
    if scalar:
        return float(out)
    return out
