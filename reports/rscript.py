"""Reproduce a pooled proportion in R: a standalone metafor script with the data inline.

:func:`r_script` writes the exact metafor calls that correspond to the project's choices
(``docs/ARCHITECTURE.md``): ``escalc(measure=METAFOR_MEASURE[transform], add=, to=)``,
``rma(method=, test=METAFOR_TEST[ci_method], level=)`` or ``rma.glmm(measure="PLO", method="ML")``,
``predict(transf=...)`` with the single back-transform of the transform (Freeman–Tukey:
``transf.ipft.hm`` with ``targs=list(ni=...)``, the harmonic mean of the study sizes).

The script prints metafor's own output and then one ``name value`` line per number, named after
the quantities of :class:`synthesis.results.PooledProportion` (``estimate_t`` is
``fit.estimate_t``, ``ci_low_t`` is ``intervals.ci_t.low``, …, ``estimate``, ``ci_low`` is
``ci.low``, …), so a reviewer can compare them with the app line by line.

metafor 3.8-1 (Debian's ``r-cran-metafor``) has no ``predtype="Riley"``; the t(k−2) prediction
interval (Higgins 2009), and the explicit ``"z"``/``"t(k-1)"`` choices, are therefore computed in
the script from ``predict()``'s standard error and ``tau2``, and the script says so.

Every data-derived string (study labels, titles) is written as an ASCII R string literal with
escapes, and comments never contain raw data text, so a label cannot break out of the script.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from synthesis.validation import as_counts, check_level
from synthesis.vocabulary import (
    CI_METHODS,
    I2_DEFINITIONS,
    LABELS,
    METAFOR_MEASURE,
    METAFOR_TEST,
    METHODS,
    PI_METHODS,
    TRANSFORMS,
    check_choice,
)

if TYPE_CHECKING:
    from synthesis.results import PooledProportion

__all__ = ["OUTPUT_NAMES", "parse_output", "r_script", "r_script_for", "r_string"]

#: names of the ``name value`` lines printed at the end of every script
OUTPUT_NAMES = (
    "k", "estimate_t", "se_t", "ci_low_t", "ci_high_t", "pi_low_t", "pi_high_t",
    "tau2", "i2", "q", "q_df", "estimate", "ci_low", "ci_high", "pi_low", "pi_high",
)

_BACK = {
    # transform -> (R function for predict(transf=), needs targs=list(ni=))
    "logit": ("transf.ilogit", False),
    "freeman-tukey": ("transf.ipft.hm", True),
    "arcsine": ("transf.iarcsin", False),
    "raw": (None, False),
    "log": ("exp", False),
}

_MARK = "### values"
_ASCII = str.maketrans({"−": "-", "–": "-", "—": "-", "τ": "tau", "²": "^2", "≥": ">=", "≤": "<=",
                        "×": "x", "’": "'", "‘": "'", "“": '"', "”": '"'})


def r_string(text: object) -> str:
    """An ASCII R string literal for ``text`` (quotes, backslashes, control and non-ASCII escaped).

    Examples
    --------
    >>> r_string('Li "2019"\\n')
    '"Li \\\\"2019\\\\"\\\\n"'
    >>> r_string("Zhang–Wu")
    '"Zhang\\\\u2013Wu"'
    """
    out = []
    for ch in str(text):
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x80:
            out.append(ch)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _comment(text: object) -> str:
    """Text safe inside an R comment: one line, printable ASCII only."""
    s = str(text).translate(_ASCII).encode("ascii", "replace").decode("ascii")
    return re.sub(r"[^\x20-\x7e]", " ", s)


def _num(x: float) -> str:
    x = float(x)
    if math.isfinite(x) and x == int(x):
        return str(int(x))
    return repr(x)


def _vector(values: Sequence[float]) -> str:
    return "c(" + ", ".join(_num(v) for v in values) + ")"


def r_script(
    events: Sequence[float],
    totals: Sequence[float],
    labels: Sequence[str] | None = None,
    *,
    transform: str = "logit",
    method: str = "REML",
    ci_method: str = "z",
    pi_method: str = "metafor",
    level: float = 0.95,
    i2_definition: str = "tau2",
    correction_add: float = 0.5,
    correction_to: str = "only0",
    title: str = "Pooled proportion",
    provenance: Mapping[str, object] | None = None,
) -> str:
    """A standalone R script (metafor) that reproduces a pooled proportion.

    Parameters
    ----------
    events, totals, labels
        Study data, written inline into the script.
    transform, method, ci_method, pi_method, level, i2_definition
        The project's choices (``docs/ARCHITECTURE.md``).
    correction_add, correction_to
        The continuity correction actually used (``PooledProportion.computation.correction_add`` / ``_to``);
        passed to ``escalc(add=, to=)`` explicitly.
    title
        Written as an R string (``cat``), never as raw text.
    provenance
        Extra ``key: value`` comment lines (data file sha256, app version, date), sanitised.

    Returns
    -------
    str
        The script (ASCII). Run with ``Rscript script.R``; needs metafor (and lme4 for GLMM).

    Notes
    -----
    The last lines printed are ``name value`` pairs (:data:`OUTPUT_NAMES`); transformed-scale
    values end in ``_t``. :func:`parse_output` reads them back.
    """
    x, n = as_counts(events, totals)
    k = int(x.size)
    check_choice("transform", transform, TRANSFORMS)
    check_choice("method", method, METHODS)
    check_choice("ci_method", ci_method, CI_METHODS)
    check_choice("pi_method", pi_method, PI_METHODS)
    check_choice("i2_definition", i2_definition, I2_DEFINITIONS)
    lv = check_level(level)
    if correction_to not in ("only0", "all", "if0all", "none"):
        raise ValueError(
            f"correction_to ({correction_to!r}) must be one of 'only0', 'all', 'if0all' or 'none'."
        )
    if labels is None:
        labels = [f"Study {i + 1}" for i in range(k)]
    labels = [str(s) for s in labels]
    if len(labels) != k:
        raise ValueError(f"labels must have {k} entries (got {len(labels)}).")

    glmm = method == "GLMM"
    measure = "PLO" if glmm else METAFOR_MEASURE[transform]
    back, needs_ni = _BACK["logit" if glmm else transform]
    test = METAFOR_TEST[ci_method]
    notes: list[str] = []
    if glmm and test not in ("z", "t"):
        # rma.glmm has no Knapp-Hartung adjustment: only test="z" or "t" (metafor misc-recs)
        notes.append(
            f"rma.glmm has no Knapp-Hartung test; ci_method '{ci_method}' is run as test=\"t\"."
        )
        test = "t"
    lvl = _num(lv * 100)
    if back is None:
        targs = ""
        back_fun = "function(x) x"
    elif needs_ni:
        targs = ", targs = list(ni = dat$ni)"
        back_fun = "function(x) transf.ipft.hm(x, targs = list(ni = dat$ni))"
    else:
        targs = ""
        back_fun = back
    transf_arg = f", transf = {back}{targs}" if back else ""

    lines: list[str] = []
    add = lines.append
    add("# Reproduce a pooled proportion with metafor (generated by the apatinib sarcoma dashboard).")
    add("# Run with:  Rscript this_file.R   (needs the R packages metafor" + (", lme4" if glmm else "") + ")")
    add("#")
    add(f'# transform     : {_comment(transform)} -> escalc measure "{measure}"')
    add(f"# method        : {_comment(method)} ({_comment(LABELS.get(method, method))})")
    add(f'# ci_method     : {_comment(ci_method)} -> test = "{test}"')
    add(f"# pi_method     : {_comment(pi_method)} ({_comment(LABELS.get(pi_method, pi_method))})")
    add(f"# level         : {_num(lv)}")
    add(f"# i2_definition : {_comment(i2_definition)} ({_comment(LABELS.get(i2_definition, ''))})")
    if not glmm:
        add(f'# correction    : add = {_num(correction_add)}, to = "{correction_to}"')
    for key, value in (provenance or {}).items():
        add(f"# {_comment(key)}: {_comment(value)}")
    for note in notes:
        add(f"# NOTE: {_comment(note)}")
    add("")
    add("suppressPackageStartupMessages(library(metafor))")
    add('if (packageVersion("metafor") < "3.8") warning("written for metafor >= 3.8-1")')
    add("")
    add(f'cat({r_string(title)}, "\\n\\n")')
    add("dat <- data.frame(")
    add(f"  study = c({', '.join(r_string(s) for s in labels)}),")
    add(f"  xi = {_vector(x)},")
    add(f"  ni = {_vector(n)},")
    add("  stringsAsFactors = FALSE")
    add(")")
    add("")
    if glmm:
        add("# binomial-normal model, logit link, ML (lme4 glmer, adaptive Gauss-Hermite quadrature)")
        add(
            f'res <- rma.glmm(measure = "PLO", xi = xi, ni = ni, data = dat, method = "ML", '
            f'test = "{test}", level = {lvl}, slab = study)'
        )
    else:
        add(
            f'dat <- escalc(measure = "{measure}", xi = xi, ni = ni, data = dat, '
            f'add = {_num(correction_add)}, to = "{correction_to}", slab = study)'
        )
        rma_method = "EE" if method == "CE" else method
        control = ""
        if method == "PM":
            add("# The app solves the Paule-Mandel equation to 1e-12; metafor's default uniroot")
            add("# tolerance (eps^0.25, about 1e-4 on tau2) moves the sixth decimal, hence tol:")
            control = ", control = list(tol = 1e-12)"
        add(
            f'res <- rma(yi, vi, data = dat, method = "{rma_method}", test = "{test}", '
            f"level = {lvl}{control})"
        )
    add("print(res)")
    add("")
    add("# pooled estimate back-transformed with the single back-transform of the transform")
    add(f"pred_t <- predict(res, level = {lvl})")
    add(f"pred <- predict(res, level = {lvl}{transf_arg})")
    add("print(pred)")
    if not glmm and transform in ("raw", "log"):
        add("# the app clips proportions to [0, 1] (metafor prints them unclipped)")
        add(f"back <- function(x) pmin(pmax(({back_fun})(x), 0), 1)")
    else:
        add(f"back <- {back_fun}")
    add("")
    add("k <- res$k")
    add("tau2 <- res$tau2")
    add("est_t <- as.numeric(pred_t$pred)")
    add("se_t <- as.numeric(pred_t$se)")
    add("ci_t <- c(as.numeric(pred_t$ci.lb), as.numeric(pred_t$ci.ub))")
    if method == "CE":
        add("# a common-effect model has no prediction interval")
        add("pi_t <- c(NA_real_, NA_real_)")
    elif pi_method == "metafor":
        add("# metafor's own prediction interval: z, or t(k-1) under test = \"t\"/\"knha\"/\"adhoc\"")
        add("pi_t <- c(as.numeric(pred_t$pi.lb), as.numeric(pred_t$pi.ub))")
    else:
        if pi_method == "z":
            crit = f"qnorm(1 - (1 - {_num(lv)}) / 2)"
            why = "normal quantile"
        elif pi_method == "t(k-1)":
            crit = f"qt(1 - (1 - {_num(lv)}) / 2, df = k - 1)"
            why = "t with k-1 df (Veroniki 2019)"
        else:
            crit = f"if (k > 2) qt(1 - (1 - {_num(lv)}) / 2, df = k - 2) else NA_real_"
            why = "t with k-2 df (Higgins 2009)"
        add(f"# prediction interval with a {why}: est +/- crit * sqrt(se^2 + tau2).")
        if pi_method == "t(k-2)":
            add('# metafor >= 4.0 offers predict(..., predtype = "Riley") for this; metafor 3.8-1')
            add("# does not (the argument is silently disregarded), so it is computed here by hand.")
        add(f"crit <- {crit}")
        add("pi_t <- est_t + c(-1, 1) * crit * sqrt(se_t^2 + tau2)")
    if glmm:
        add("q <- res$QE.Wld  # Wald-type test of heterogeneity")
    else:
        add("q <- res$QE")
    add("q_df <- k - 1")
    if i2_definition == "tau2":
        add("i2 <- res$I2  # metafor's tau2-based I^2")
    else:
        add("i2 <- if (q > 0) max(0, (q - q_df) / q) * 100 else 0  # Higgins & Thompson (Q - df) / Q")
    add("")
    add(f'cat("\\n{_MARK} (transformed scale end in _t; proportions 0-1)\\n")')
    add("vals <- c(")
    add("  k = k, estimate_t = est_t, se_t = se_t, ci_low_t = ci_t[1], ci_high_t = ci_t[2],")
    add("  pi_low_t = pi_t[1], pi_high_t = pi_t[2], tau2 = tau2, i2 = i2, q = q, q_df = q_df,")
    add("  estimate = back(est_t), ci_low = back(ci_t[1]), ci_high = back(ci_t[2]),")
    add("  pi_low = back(pi_t[1]), pi_high = back(pi_t[2])")
    add(")")
    add('for (nm in names(vals)) cat(sprintf("%-11s %.12g\\n", nm, vals[[nm]]))')
    return "\n".join(lines) + "\n"


def r_script_for(
    result: PooledProportion,
    *,
    title: str = "Pooled proportion",
    provenance: Mapping[str, object] | None = None,
) -> str:
    """:func:`r_script` for a :class:`~synthesis.results.PooledProportion` (every choice from it)."""
    notes = dict(provenance or {})
    if result.computation.fallback:
        notes["NOTE"] = (
            f"the requested model failed; the app used {result.computation.fallback}, which this script "
            "reproduces"
        )
    return r_script(
        result.data.events,
        result.data.totals,
        result.labels,
        transform=result.fit.transform,
        method=result.fit.method,
        ci_method=result.fit.ci_method,
        pi_method=result.fit.pi_method,
        level=result.fit.level,
        i2_definition=result.heterogeneity.i2_definition,
        correction_add=result.computation.correction_add,
        correction_to=result.computation.correction_to,
        title=title,
        provenance=notes,
    )


def parse_output(stdout: str) -> dict[str, float]:
    """Read the ``name value`` lines printed by a generated script (``NA`` → NaN)."""
    _, _, tail = stdout.rpartition(_MARK)
    out: dict[str, float] = {}
    for line in tail.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in OUTPUT_NAMES:
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                out[parts[0]] = math.nan
    return out


def safety_r_script(view) -> str:
    """metafor calls behind the Safety table: per pooled term × grade × attribution with k >= 2,
    ``rma.glmm(measure="PLO")`` (the GLMM), ``rma(measure="PLO", test="adhoc")`` (IV logit HKSJ)
    and ``rma(measure="PFT")`` (Freeman–Tukey, harmonic-mean back-transform), data inline.

    ``view`` is a :class:`findings.safety.SafetyView`.
    """
    lines = [
        "# Adverse events pooled per CTCAE term x grade stratum x attribution (Safety page).",
        "# Run with:  Rscript this_file.R   (needs the R packages metafor, lme4)",
        "suppressPackageStartupMessages(library(metafor))",
        "show <- function(label, xi, ni) {",
        '  g <- rma.glmm(measure = "PLO", xi = xi, ni = ni, method = "ML")',
        '  dat <- escalc(measure = "PLO", xi = xi, ni = ni)',
        '  iv <- rma(yi, vi, data = dat, method = "REML", test = "adhoc")',
        '  ft <- rma(yi, vi, data = escalc(measure = "PFT", xi = xi, ni = ni), method = "REML")',
        "  hm <- 1 / mean(1 / ni)",
        '  cat(label, "\\n")',
        '  cat(sprintf("  GLMM       %.4f [%.4f, %.4f] tau2 %.4f\\n", plogis(g$b), plogis(g$ci.lb), '
        "plogis(g$ci.ub), g$tau2))",
        '  cat(sprintf("  IV HKSJ    %.4f [%.4f, %.4f]\\n", plogis(iv$b), plogis(iv$ci.lb), '
        "plogis(iv$ci.ub)))",
        '  cat(sprintf("  FT         %.4f [%.4f, %.4f]\\n", transf.ipft(ft$b, hm), '
        "transf.ipft(ft$ci.lb, hm), transf.ipft(ft$ci.ub, hm)))",
        "  ex <- binom.test(sum(xi), sum(ni))$conf.int",
        '  cat(sprintf("  crude      %.4f [%.4f, %.4f]\\n", sum(xi) / sum(ni), ex[1], ex[2]))',
        "}",
    ]
    for key, pool in view.pools.items():
        if pool.k < 2:
            continue
        rows = view.study_rows(key)
        label = " | ".join(key)
        lines.append(f"show({r_string(label)}, xi = {_vector(rows['events'].tolist())}, "
                     f"ni = {_vector(rows['total'].tolist())})")
    return "\n".join(lines) + "\n"
