"""The one place where numbers, labels and conventions become words.

Every front end (pages, HTML/PPTX/DOCX reports, CSV downloads) formats through these functions,
so the page and the report cannot drift apart:

* numbers: :func:`pct` ("12.3%"), :func:`interval` ("12.3–45.6%"), :func:`estimate_interval`
  ("24.3% (11.8–41.2%)"), :func:`num`, :func:`pval`, :func:`count` ("1 study", "11 studies"),
  :func:`level` ("95%"); the first three are defined in :mod:`evidence.formats`, below the
  figures, so a forest plot's number column (:mod:`charts.forest`) prints the same words;
* labels: :func:`pooled_label` (the pooled row of a forest plot and its tables),
  :func:`pi_distribution` (the prediction interval's distribution, resolved for ``"metafor"``);
* escaping of text from data: :func:`md` (markdown and HTML significant characters) and
  :func:`html`; spreadsheet-formula-safe CSV: :func:`csv_safe` / :func:`csv_bytes`, using the
  round-tripping :func:`evidence.userdata.escape_cell` policy (the user-data import reverses it).

Missing or non-finite numbers print as an en dash, never ``nan``.
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

import pandas as pd

from evidence.formats import MISSING, NOT_ESTIMABLE, decimal, estimate_interval, interval, pct
from evidence.formats import finite as _finite
from evidence.userdata import escape_cell

__all__ = [
    "MISSING",
    "NOT_ESTIMABLE",
    "count",
    "csv_bytes",
    "csv_safe",
    "decimal",
    "estimate_interval",
    "html",
    "i2",
    "interval",
    "level",
    "md",
    "num",
    "pct",
    "pi_distribution",
    "pi_short",
    "pooled_label",
    "pval",
]


# --------------------------------------------------------------------------------------------
# numbers (pct, interval and estimate_interval: evidence.formats)
def num(x: float | None, digits: int = 3) -> str:
    """A plain number to ``digits`` significant digits.

    >>> num(0.012345)
    '0.0123'
    >>> num(None)
    '–'
    """
    if not _finite(x):
        return MISSING
    return f"{float(x):.{digits}g}"


def pval(p: float | None) -> str:
    """A p-value: three decimals, ``"< 0.001"`` below that.

    >>> pval(0.04321), pval(1e-5)
    ('0.043', '< 0.001')
    """
    if not _finite(p):
        return MISSING
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` with its noun in the right number.

    >>> count(1, "study", "studies"), count(11, "study", "studies"), count(3, "patient")
    ('1 study', '11 studies', '3 patients')
    """
    n = int(n)
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def i2(value: float | None) -> str:
    """I² (a percentage already) to one decimal: the one I² format of tables and sentences.

    >>> i2(45.123), i2(0.0), i2(float("nan"))
    ('45.1%', '0.0%', '–')
    """
    if not _finite(value):
        return MISSING
    return f"{float(value):.1f}%"


def level(lvl: float) -> str:
    """An interval level as a percentage.

    >>> level(0.95)
    '95%'
    """
    return f"{float(lvl):.0%}"


def subgroup_test(res: Any) -> str:
    """The test for subgroup differences of a subgroup result (``synthesis.subgroup_analysis``):
    its statistic (Q, or F for the Knapp–Hartung version), df, p and how τ² was estimated — the
    one wording of the Designs & subtypes page, the Appraisal page and the reports.

    >>> from types import SimpleNamespace as R
    >>> subgroup_test(R(test="Q", q_between=3.4567, q_between_df=2, q_between_pvalue=0.178, tau2_mode="separate"))
    'Q = 3.46, df = 2, p = 0.178 (τ² separate)'
    """
    stat = "F" if res.test == "F" else "Q"
    return (f"{stat} = {num(res.q_between, 3)}, df = {res.q_between_df}, "
            f"p = {pval(res.q_between_pvalue)} (τ² {res.tau2_mode})")


# --------------------------------------------------------------------------------------------
# labels
def pooled_label(method: Any) -> str:
    """Label of the pooled row (forest plot, tables, reports) for a method or a result.

    >>> pooled_label("REML"), pooled_label("CE"), pooled_label("GLMM")
    ('Random effects (REML)', 'Common effect', 'GLMM (one-step)')
    """
    m = method if isinstance(method, str) else method.fit.method
    if m == "GLMM":
        return "GLMM (one-step)"
    if m == "CE":
        return "Common effect"
    return f"Random effects ({m})"


_PI_WORDS = {
    "z": "normal (z) distribution",
    "t(k-1)": "t distribution with k−1 degrees of freedom (Veroniki 2019)",
    "t(k-2)": "t distribution with k−2 degrees of freedom (Higgins 2009)",
}
_T_CI = ("t", "hksj", "hksj-adhoc")


def pi_distribution(pi_method: str, ci_method: str) -> str:
    """The prediction interval's distribution in words, ``"metafor"`` resolved to what it uses.

    >>> pi_distribution("metafor", "hksj")
    't distribution with k−1 degrees of freedom (metafor default with t/HKSJ)'
    >>> pi_distribution("metafor", "z")
    'normal (z) distribution (metafor default)'
    """
    if pi_method == "metafor":
        if ci_method in _T_CI:
            return "t distribution with k−1 degrees of freedom (metafor default with t/HKSJ)"
        return "normal (z) distribution (metafor default)"
    return _PI_WORDS[pi_method]


def pi_short(pi_method: str, ci_method: str) -> str:
    """Short form of :func:`pi_distribution` for table cells and captions.

    >>> pi_short("metafor", "hksj"), pi_short("metafor", "z"), pi_short("t(k-2)", "z")
    ('t(k−1)', 'z', 't(k−2)')
    """
    if pi_method == "metafor":
        return "t(k−1)" if ci_method in _T_CI else "z"
    return pi_method.replace("-", "−")


# --------------------------------------------------------------------------------------------
# escaping of text from data
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")


def md(text: Any) -> str:
    """Escape every markdown/HTML-significant character of data text put into markdown.

    >>> md("**bold** <b>x</b>")
    '\\\\*\\\\*bold\\\\*\\\\* \\\\<b\\\\>x\\\\</b\\\\>'
    """
    return _MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


def html(text: Any) -> str:
    """Escape data text for HTML (quotes included).

    >>> html('<a href="x">&</a>')
    '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;'
    """
    return _html.escape("" if text is None else str(text), quote=True)


# --------------------------------------------------------------------------------------------
# CSV
def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with spreadsheet formulas neutralised in every text cell and header.

    Uses :func:`evidence.userdata.escape_cell` (a leading ``'``), which the user-data import
    reverses, so a downloaded table re-imports unchanged.
    """
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = [escape_cell(v) if isinstance(v, str) else v for v in out[c]]
    out.columns = [escape_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (for spreadsheet programs) of :func:`csv_safe` of ``df``."""
    return csv_safe(df).to_csv(index=False).encode("utf-8-sig")
