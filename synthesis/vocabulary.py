"""The project vocabulary: every statistical choice, its label, its metafor name and its URL spelling.

One definition per choice, used by the signatures of :mod:`synthesis` (the ``Literal`` types),
:class:`synthesis.spec.Model`, the page widgets, the URL of a view and ``python -m reports``
(see ``docs/ARCHITECTURE.md``, "One vocabulary").

URL values are stable lowercase tokens (:data:`URL_TOKENS`, e.g. ``method=reml``); every older
spelling a link may carry — the literal itself (``REML``), any case, a plain-language label
(:data:`LABELS`) or ``"REML — restricted ..."`` — is read back by :func:`parse_choice`.

Examples
--------
>>> parse_choice("method", "reml")
'REML'
>>> parse_choice("ci_method", "Hartung–Knapp–Sidik–Jonkman")
'hksj'
>>> parse_choice("method", "<script>") is None
True
>>> URL_KEYS["ci_method"]
'ci'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

__all__ = [
    "CHOICES", "CIMethod", "CI_METHODS", "I2Definition", "I2_DEFINITIONS", "LABELS",
    "METAFOR_MEASURE", "METAFOR_TEST", "METHODS", "Method", "PIMethod", "PI_METHODS",
    "STUDY_CI_METHODS", "StudyCIMethod", "TRANSFORMS", "Transform", "URL_KEYS", "URL_TOKENS",
    "check_choice", "choice_list", "parse_choice", "url_token",
]

Transform = Literal["logit", "freeman-tukey", "arcsine", "raw", "log"]
Method = Literal["CE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB", "GLMM"]
CIMethod = Literal["z", "t", "hksj", "hksj-adhoc"]
PIMethod = Literal["metafor", "z", "t(k-1)", "t(k-2)"]
I2Definition = Literal["tau2", "Q"]
StudyCIMethod = Literal["clopper-pearson", "wilson"]

TRANSFORMS: tuple[str, ...] = get_args(Transform)
METHODS: tuple[str, ...] = get_args(Method)
CI_METHODS: tuple[str, ...] = get_args(CIMethod)
PI_METHODS: tuple[str, ...] = get_args(PIMethod)
I2_DEFINITIONS: tuple[str, ...] = get_args(I2Definition)
STUDY_CI_METHODS: tuple[str, ...] = get_args(StudyCIMethod)

#: Model field -> its allowed literals.
CHOICES: dict[str, tuple[str, ...]] = {
    "transform": TRANSFORMS,
    "method": METHODS,
    "ci_method": CI_METHODS,
    "pi_method": PI_METHODS,
    "i2_definition": I2_DEFINITIONS,
    "study_ci_method": STUDY_CI_METHODS,
}

#: Model field -> URL query key (the keys the pages bind and ``python -m reports --view`` reads).
URL_KEYS: dict[str, str] = {
    "method": "method",
    "transform": "transform",
    "ci_method": "ci",
    "pi_method": "pi",
    "i2_definition": "i2",
    "level": "level",
    "study_ci_method": "study_ci",
    "prior_scale": "prior",
}

#: metafor's names for the same choices, for generated R code and reference fixtures.
METAFOR_MEASURE = {
    "logit": "PLO",
    "freeman-tukey": "PFT",
    "arcsine": "PAS",
    "raw": "PR",
    "log": "PLN",
}
METAFOR_TEST = {"z": "z", "t": "t", "hksj": "knha", "hksj-adhoc": "adhoc"}

#: Plain-language labels for the UI and generated text.
LABELS = {
    "logit": "logit",
    "freeman-tukey": "Freeman–Tukey double arcsine",
    "arcsine": "arcsine",
    "raw": "untransformed proportion",
    "log": "log",
    "CE": "common-effect (inverse variance)",
    "DL": "DerSimonian–Laird",
    "REML": "restricted maximum likelihood (REML)",
    "PM": "Paule–Mandel",
    "ML": "maximum likelihood",
    "HE": "Hedges (HE)",
    "SJ": "Sidik–Jonkman",
    "EB": "empirical Bayes",
    "GLMM": "binomial–normal GLMM (logit link, ML)",
    "z": "Wald z",
    "t": "t(k−1)",
    "hksj": "Hartung–Knapp–Sidik–Jonkman",
    "hksj-adhoc": "Hartung–Knapp–Sidik–Jonkman, never narrower than Wald",
    "metafor": "metafor default (z; t(k−1) with t/HKSJ)",
    "t(k-1)": "t with k−1 df (Veroniki 2019)",
    "t(k-2)": "t with k−2 df (Higgins 2009)",
    "tau2": "τ²-based (metafor)",
    "Q": "Q-based, (Q − df)/Q (Higgins & Thompson)",
    "clopper-pearson": "Clopper–Pearson (exact)",
    "wilson": "Wilson score",
}


def url_token(value: str) -> str:
    """The stable lowercase URL spelling of a vocabulary literal (``"REML"`` -> ``"reml"``)."""
    return value.lower()


#: Model field -> {URL token: literal}.
URL_TOKENS: dict[str, dict[str, str]] = {
    field: {url_token(v): v for v in allowed} for field, allowed in CHOICES.items()
}


def parse_choice(field: str, text: str, extra: dict[str, str] | None = None) -> str | None:
    """The literal of ``field`` that ``text`` spells, or ``None`` when it spells none.

    Accepts the literal, its URL token in any case, its :data:`LABELS` text, the head of
    ``"REML — restricted ..."`` and, through ``extra``, labels of other vocabularies.
    """
    allowed = CHOICES.get(field)
    v = str(text).strip()
    if allowed is None:
        return extra.get(v) if extra else None
    if v in allowed:
        return v
    if extra and v in extra:
        return extra[v]
    head = v.split(" — ", 1)[0].strip()
    tokens = URL_TOKENS[field]
    for candidate in (v, head):
        if candidate.lower() in tokens:
            return tokens[candidate.lower()]
    for lit in allowed:
        if LABELS.get(lit) == v:
            return lit
    return None


def choice_list(allowed: Sequence[object]) -> str:
    """``"'a', 'b' or 'c'"`` (the allowed values in an error message)."""
    quoted = [f"'{a}'" for a in allowed]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def check_choice(name: str, value: object, allowed: Sequence[str]) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed`` (scipy style, naming both).

    >>> check_choice("method", "XYZ", ("DL", "REML"))
    Traceback (most recent call last):
    ...
    ValueError: method ('XYZ') must be one of 'DL' or 'REML'.
    """
    if value not in allowed:
        raise ValueError(f"{name} ({value!r}) must be one of {choice_list(allowed)}.")
