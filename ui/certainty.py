"""The certainty of a pooled outcome as the link asks it: the appraisal file, the GRADE question
and overrides carried by the URL, and the sentence and methods paragraph they give.

Used by the Overview, Pooled efficacy and Safety pages and by :mod:`ui.appraisal` (the Appraisal &
certainty page). Kept apart from that page's glue, which also links plans from the Trial planner,
so that a page showing one certainty sentence does not import the planner.
"""

from __future__ import annotations

import streamlit as st

from evidence.appraisal import DEFAULT_APPRAISALS_PATH, Appraisals, load_appraisals
from findings import appraisal as FA
from findings.query import CONTROLS
from synthesis.grade import Override, decode_overrides, encode_overrides
from ui import analysis as A

#: URL key of the GRADE overrides (compact encoding, synthesis.grade.encode_overrides)
OVERRIDES_KEY = "grade"
#: URL keys of the decision thresholds, per outcome
THRESHOLD_KEYS = {"ORR": "p0_orr", "DCR": "p0_dcr", "median PFS": "thr_pfs", "median OS": "thr_os"}


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(path: str, mtime: int) -> Appraisals:
    return load_appraisals(path)


def appraisals() -> Appraisals:
    """The appraisal file (cached by path and modification time; never raises)."""
    return _load(str(DEFAULT_APPRAISALS_PATH), _stamp())


def overrides() -> tuple[dict[str, dict[str, Override]], str | None]:
    """GRADE overrides from the URL and an error message when they cannot be read."""
    raw = st.query_params.get(OVERRIDES_KEY)
    try:
        return decode_overrides(raw), None
    except ValueError as exc:
        return {}, f"The GRADE overrides in this link cannot be read and are ignored ({exc})."


def set_overrides(ov: dict[str, dict[str, Override]]) -> None:
    code = encode_overrides(ov)
    if code:
        st.query_params[OVERRIDES_KEY] = code
    elif OVERRIDES_KEY in st.query_params:
        del st.query_params[OVERRIDES_KEY]


def _url(key: str):
    """A GRADE-question control as the link spells it (:meth:`findings.query.Control.read`)."""
    return CONTROLS[key].read(st.query_params.get_all(key))


def current_inputs() -> FA.GradeInputs:
    """The user's GRADE question as carried by the URL (defaults where a value is absent), so
    every page states the same certainty as the Appraisal & certainty page."""
    thresholds: dict[str, float | None] = dict(FA.DEFAULT_THRESHOLDS)
    for outcome, name in THRESHOLD_KEYS.items():
        v = _url(name)
        if v is not None:
            thresholds[outcome] = v / 100 if name.startswith("p0_") else v
    ov, _ = overrides()
    return FA.GradeInputs(thresholds=thresholds, histology=tuple(_url("q_histology")),
                          regimen=_url("q_regimen"), overrides=ov)


def _stamp() -> int:
    p = DEFAULT_APPRAISALS_PATH
    return p.stat().st_mtime_ns if p.exists() else 0


# Keyed by one string, the repr of every input (small frozen objects): Streamlit's generic hashing
# of a dataclass holding mappings, argument by argument, cost more than the lookup saved.
@st.cache_resource(max_entries=64, show_spinner=False)
def _certainty(token: str, _sel, _model, _key: str, _inputs: FA.GradeInputs):
    try:
        view = A.pooled_view(_sel, _model, _key)
    except ValueError:
        return None
    g = FA.grade_outcome(_sel.endpoint, view.result, view.rows, appraisals(), _inputs,
                         transform=_model.transform)
    return g, view.result, view.rows


def _token(*inputs) -> str:
    return repr((*inputs, _stamp()))


def certainty_of(sel, model, key: str):
    """``(assessment, result, rows)`` of the selection's endpoint, or ``None`` when not poolable
    (cached per selection, model, data, GRADE question and appraisal file; read-only)."""
    inputs = current_inputs()
    return _certainty(_token(sel, model, key, inputs), sel, model, key, inputs)


def _sentence(sel, model, key: str, inputs: FA.GradeInputs) -> str | None:
    got = _certainty(_token(sel, model, key, inputs), sel, model, key, inputs)
    if got is None:
        return None
    g, res, _ = got
    return FA.certainty_sentence(sel.endpoint, res, g.words, n=g.n)


def certainty_sentence(sel, model, key: str) -> str | None:
    """"ORR 28% (95% CI 20–38%; 11 studies, 349 patients; low certainty)" for the selection."""
    return _sentence(sel, model, key, current_inputs())


@st.cache_data(max_entries=32, show_spinner=False)
def _sentences(token: str, _sels: tuple, _model, _key: str, _inputs: FA.GradeInputs) -> tuple[str | None, ...]:
    return tuple(_sentence(sel, _model, _key, _inputs) for sel in _sels)


def certainty_sentences(sels, model, key: str) -> tuple[str | None, ...]:
    """:func:`certainty_sentence` of each selection, in one cached lookup (the Overview's line)."""
    sels, inputs = tuple(sels), current_inputs()
    return _sentences(_token(sels, model, key, inputs), sels, model, key, inputs)


def methods_block(sel, model, key: str) -> None:
    """The appraisal and certainty paragraph under the pooled methods paragraph."""
    got = certainty_of(sel, model, key)
    st.subheader("Risk of bias and certainty")
    st.caption("Ready to paste (plain text). Ratings are proposed by the stated rules; see the "
               "Appraisal & certainty page to change the thresholds or override a rating.")
    if got is None:
        st.code(FA.methods_text(), language=None, wrap_lines=True)
        return
    g, res, _ = got
    st.code(FA.methods_text([g], {g.outcome: res}), language=None, wrap_lines=True)
