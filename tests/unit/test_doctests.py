"""The Examples in the library packages' docstrings run and print what they say (doctest)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("synthesis", "evidence", "charts", "findings", "reports")


def _modules() -> list[str]:
    names: list[str] = []
    for pkg in PACKAGES:
        root = importlib.import_module(pkg)
        names.append(pkg)
        names += [m.name for m in pkgutil.walk_packages(root.__path__, pkg + ".")
                  if not m.name.endswith("__main__")]
    return names


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for test in doctest.DocTestFinder().find(module):
        if not test.examples:
            continue
        runner = doctest.DocTestRunner(optionflags=flags)
        report: list[str] = []
        runner.run(test, out=report.append)
        assert runner.failures == 0, "".join(report)[-3000:]


def test_the_examples_are_found() -> None:
    count = sum(1 for name in ("synthesis.spec", "synthesis.vocabulary", "findings.query")
                for t in doctest.DocTestFinder().find(importlib.import_module(name)) if t.examples)
    assert count >= 3
