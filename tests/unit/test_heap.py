"""ui.heap: the long-lived heap is frozen once per set of imported modules."""

from __future__ import annotations

import gc
import sys
import types

from ui import heap


def test_freeze_runs_only_when_modules_were_imported() -> None:
    heap.freeze_long_lived()  # whatever state the test session left
    assert heap.freeze_long_lived() is False
    frozen = gc.get_freeze_count()
    sys.modules["_heap_test_module"] = types.ModuleType("_heap_test_module")
    try:
        junk = [[] for _ in range(1000)]  # tracked objects alive at the freeze are frozen
        assert heap.freeze_long_lived() is True
        assert gc.get_freeze_count() >= frozen + 1000
        assert heap.freeze_long_lived() is False
        del junk
    finally:
        del sys.modules["_heap_test_module"]
        gc.unfreeze()


def test_frozen_objects_are_not_walked_by_a_full_collection() -> None:
    names = [f"_heap_test_module_{i}" for i in range(3)]  # a module count no earlier freeze saw
    sys.modules.update({n: types.ModuleType(n) for n in names})
    try:
        assert heap.freeze_long_lived() is True
        # after the freeze the tracked generations hold (almost) nothing
        assert sum(gc.get_count()) < 1000
        assert len(gc.get_objects()) < gc.get_freeze_count()
    finally:
        for n in names:
            del sys.modules[n]
        gc.unfreeze()
