"""Keep garbage collection cheap in a long-running server: freeze the long-lived heap.

Streamlit can run ``gc.collect(2)`` after every script run (``runner.postScriptGC``, on by
default). A full collection walks every tracked object; with pandas, scipy, statsmodels, plotly and
lifelines imported that is ~200,000 objects and 80–100 ms on this project's 2-core machine —
measured with py-spy, 80 % of a Data-checks rerun, and the reason 20 concurrent sessions queued for
seconds (``bench/bench_load.py``). The project's ``.streamlit/config.toml`` turns that collection
off (its cost also grew with every open session); Python's own generational collector still makes
full collections from time to time.

Almost all of those objects are modules, classes and functions that live as long as the process.
:func:`freeze_long_lived` moves them into the permanent generation (:func:`gc.freeze`), so any full
collection — Python's own, or Streamlit's if a deployment turns it back on — only walks what runs
create. It collects first, so no garbage is frozen, and acts again only when new modules have been
imported (a page's first visit imports its statistics), i.e. a handful of times per server process;
in between it is one comparison.

No Streamlit import here: the function is plain Python and is tested without a server.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_at_last_freeze = 0


def freeze_long_lived() -> bool:
    """Collect, then freeze every tracked object, if modules were imported since the last freeze.

    Returns
    -------
    bool
        True when a collection and freeze ran, False when nothing new had been imported.

    Examples
    --------
    >>> import gc
    >>> _ = freeze_long_lived()
    >>> freeze_long_lived()  # nothing imported since: a no-op
    False
    >>> gc.get_freeze_count() > 0
    True
    """
    global _modules_at_last_freeze
    n = len(sys.modules)
    if n == _modules_at_last_freeze:
        return False
    with _lock:
        if len(sys.modules) == _modules_at_last_freeze:
            return False
        gc.collect()
        gc.freeze()
        _modules_at_last_freeze = len(sys.modules)
        return True
