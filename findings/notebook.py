"""One call from a notebook: the pooled proportion of an endpoint on the built-in or a given file.

:func:`pool` loads the evidence (``data/studies.yaml`` unless ``data`` names another file), selects
the rows exactly as the pages and reports do (:func:`evidence.selection.select_outcomes`) and pools
them with :func:`findings.pooled.pool` (:func:`synthesis.pool_proportions`) under a :class:`synthesis.spec.Model`. ``synthesis``
itself knows nothing of the evidence files; this is where the two meet for interactive use.

Examples
--------
>>> import findings
>>> res = findings.pool("ORR")                                   # doctest: +SKIP
>>> res.intervals.ci                                             # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import evidence
from evidence.selection import Selection, select_outcomes
from findings import pooled
from synthesis.results import PooledProportion
from synthesis.spec import Model

__all__ = ["pool"]

_SELECTION_FIELDS = {f.name for f in fields(Selection)}
_MODEL_FIELDS = {f.name for f in fields(Model)}


def pool(endpoint: str = "ORR", data: str | Path | None = None, **choices: Any) -> PooledProportion:
    """Pool ``endpoint`` (``"ORR"`` or ``"DCR"``) over the studies of ``data``.

    Parameters
    ----------
    endpoint
        ``"ORR"`` or ``"DCR"`` (any case).
    data
        A studies file (YAML, the project's contract); the built-in ``data/studies.yaml`` when
        ``None``.
    **choices
        Fields of :class:`evidence.selection.Selection` (``timepoint``, ``histology``, ``design``,
        ``regimen``, ``line``, ``reports``; filters as tuples or lists) and of
        :class:`synthesis.spec.Model` (``method``, ``transform``, ``ci_method``, ``pi_method``,
        ``i2_definition``, ``level``). Defaults are the pages'.

    Returns
    -------
    PooledProportion
        Short ``repr``, a table in a notebook, ``.summary()``, ``.to_frame()`` (studies) and the
        groups ``.data``, ``.fit``, ``.heterogeneity``, ``.intervals`` (``ConfidenceInterval`` s)
        and ``.computation`` (see ``docs/notebook.md``).

    Raises
    ------
    ValueError
        A choice outside the vocabulary, a file that yields no study, or a selection with no study.
    TypeError
        A keyword that is neither a selection nor a model field.
    """
    unknown = sorted(set(choices) - _SELECTION_FIELDS - _MODEL_FIELDS - {"endpoint"})
    if unknown:
        raise TypeError(f"pool() got unexpected keyword(s) {', '.join(unknown)}; selection: "
                        f"{', '.join(sorted(_SELECTION_FIELDS - {'endpoint'}))}; model: "
                        f"{', '.join(sorted(_MODEL_FIELDS))}.")
    sel_kw = {k: tuple(v) if isinstance(v, list) else v for k, v in choices.items() if k in _SELECTION_FIELDS}
    model = Model(**{k: v for k, v in choices.items() if k in _MODEL_FIELDS})
    sel = replace(Selection(), endpoint=str(endpoint).upper(), **sel_kw)
    ev = evidence.load_studies(data)
    if not ev.studies:
        first = next((p.message for p in ev.problems), "")
        raise ValueError(f"{data or 'the built-in data file'} yielded no study" + (f": {first}" if first else "") + ".")
    chosen = select_outcomes(ev.outcomes_frame(), sel).frame
    if chosen.empty:
        raise ValueError(f"no study matches this selection ({sel}).")
    return pooled.pool(chosen, model)  # the pages' and the reports' own call
