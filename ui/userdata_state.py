"""The user's own studies in ``st.session_state`` and the evidence base the pages should analyse.

Pages that analyse studies call :func:`active_evidence` instead of ``ui.data.get_evidence``: it
returns the built-in base, the built-in base merged with the user's studies (user studies marked
``(user)`` in their label and ``user`` as first source), or the user's studies alone, as the user
chose on the "Your studies" page. The result is immutable and cached per content hash, so
``EvidenceBase.path`` / ``.sha256`` are valid cache keys.

The state and its transitions are pure (:mod:`findings.userdata`); this module keeps the state in
the session (``st.session_state``), so it survives page changes and is private to the browser tab;
nothing is written to disk.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from evidence import EvidenceBase
from evidence import userdata as U
from findings import userdata as FU
from findings.userdata import DEFAULT_MODE, MODES, UserState
from ui.data import get_evidence

STATE_KEY = "_userdata_state"
MODE_KEY = "_userdata_mode"


# --------------------------------------------------------------------------- session access


def state() -> UserState:
    s = st.session_state.get(STATE_KEY)
    if not isinstance(s, UserState):
        s = UserState()
        st.session_state[STATE_KEY] = s
    return s


UNDO_KEY = "_userdata_undo"


def set_state(s: UserState, *, undoable: bool = True) -> None:
    """Store the new state; the previous one is kept for one :func:`undo` when studies change."""
    old = st.session_state.get(STATE_KEY)
    if undoable and isinstance(old, UserState) and FU.studies_of(old) != FU.studies_of(s):
        st.session_state[UNDO_KEY] = old
    st.session_state[STATE_KEY] = s


def can_undo() -> bool:
    return isinstance(st.session_state.get(UNDO_KEY), UserState)


def undo() -> None:
    """Go back to the studies before the last change (one step; the undo itself can be undone)."""
    prev = st.session_state.get(UNDO_KEY)
    if not isinstance(prev, UserState):
        return
    cur = state()
    st.session_state[UNDO_KEY] = cur
    st.session_state[STATE_KEY] = replace(prev, editor_version=cur.editor_version + 1, pending=None,
                                          pending_name="")


def mode() -> str:
    m = st.session_state.get(MODE_KEY, DEFAULT_MODE)
    return m if m in MODES else DEFAULT_MODE


def set_mode(m: str) -> None:
    st.session_state[MODE_KEY] = m if m in MODES else DEFAULT_MODE


def user_base() -> EvidenceBase | None:
    return state().base


def user_ids() -> frozenset[str]:
    b = user_base()
    return frozenset(b.ids) if b is not None else frozenset()


def has_user_studies() -> bool:
    b = user_base()
    return b is not None and bool(b.studies)


@st.cache_resource(max_entries=32, show_spinner=False)
def _merged(_builtin: EvidenceBase, _user: EvidenceBase, builtin_key: str, user_key: str) -> EvidenceBase:
    return U.merge(_builtin, _user)


def active_evidence() -> EvidenceBase:
    """The evidence base to analyse: built-in, merged with the user's studies, or theirs only."""
    builtin = get_evidence()
    user = user_base()
    m = mode()
    if user is None or not user.studies or m == "builtin":
        return builtin
    if m == "user":
        return user
    return _merged(builtin, user, f"{builtin.path}:{builtin.sha256}", str(user.sha256))


def active_label() -> str:
    """One line saying which studies the analyses use (for captions)."""
    return FU.active_label(user_base(), mode())
