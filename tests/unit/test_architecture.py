"""The core packages never import the UI framework (checked in a fresh interpreter)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_packages_do_not_import_streamlit() -> None:
    code = (
        "import sys, importlib, pkgutil\n"
        "import evidence, synthesis, charts\n"
        "for pkg in (evidence, synthesis, charts):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "for name in list(synthesis.__all__):\n"
        "    getattr(synthesis, name)\n"
        "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "assert not bad, bad[:5]\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "ok"


def test_core_packages_do_not_import_plotly_outside_charts() -> None:
    code = (
        "import sys, importlib, pkgutil\n"
        "import evidence, synthesis\n"
        "for pkg in (evidence, synthesis):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('plotly', 'streamlit'))\n"
        "assert not bad, bad[:5]\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]


def test_pages_are_thin() -> None:
    for page in sorted((ROOT / "pages").glob("*.py")):
        n = len(page.read_text(encoding="utf-8").splitlines())
        assert n < 200, f"{page.name} has {n} lines; move logic to evidence/, synthesis/, charts/ or ui/"


# ---- the import table of docs/ARCHITECTURE.md, checked on the AST of every module ----------------
PROJECT = ("evidence", "synthesis", "charts", "findings", "reports", "ui", "pages", "bench", "app")
#: cycles still in the code, each with its reason; the test fails when one is gone (remove it here)
KNOWN_CYCLES: set[frozenset[str]] = set()


def _rules() -> dict[str, tuple[set[str], set[str]]]:
    """``unit -> (project packages it may import, third-party packages it must not)``."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = text.split("## Layers", 1)[1].split("\n\n", 2)[1]
    rules: dict[str, tuple[set[str], set[str]]] = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        units = re.findall(r"`([^`]+)`", cells[0])

        def names(cell: str) -> set[str]:
            return {n.strip() for n in cell.split(",") if n.strip() not in ("", "–")}

        for unit in units:
            key = unit.rstrip("/").removesuffix(".py").replace("/", ".")
            rules[key] = (names(cells[2]), names(cells[3]))
    return rules


def _unit_of(module: str, rules) -> str:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in rules:
            return ".".join(parts[:n])
    return parts[0]


def _modules() -> dict[str, Path]:
    out = {"app": ROOT / "app.py"}
    for pkg in PROJECT[:-1]:
        for f in sorted((ROOT / pkg).rglob("*.py")):
            rel = f.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts).replace("-", "_")] = f
    return out


def _imports(path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """Every imported name as a dotted module (a submodule when ``from pkg import sub``)."""
    found: list[tuple[str, int]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(block.test)
                   for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:  # annotations only: not imported at run time
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.append((sub if sub in modules else node.module, node.lineno))
    return found


def test_every_import_follows_the_table_in_architecture_md() -> None:
    rules = _rules()
    assert {"evidence", "synthesis", "charts", "findings", "reports", "ui", "pages", "app",
            "bench", "evidence.__main__"} <= set(rules)
    modules = _modules()
    wrong: list[str] = []
    for module, path in modules.items():
        unit = _unit_of(module, rules)
        allowed, banned = rules[unit]
        own = unit.split(".")[0]
        for target, line in _imports(path, modules):
            top = target.split(".")[0]
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if top in PROJECT and top != own and top not in allowed:
                wrong.append(f"{where} ({unit} may import {sorted(allowed) or 'no project package'})")
            if top in banned:
                wrong.append(f"{where} ({unit} must not import {top})")
    assert wrong == [], "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[set[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_modules() -> None:
    modules = _modules()
    graph = {m: {t for t, _ in _imports(p, modules) if t in modules and t != m}
             for m, p in modules.items()}
    cycles = [frozenset(c) for c in _cycles(graph)]
    unknown = [sorted(c) for c in cycles if c not in KNOWN_CYCLES]
    assert unknown == [], f"import cycles: {unknown}"
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in cycles]
    assert gone == [], f"cycle(s) {gone} no longer exist: remove them from KNOWN_CYCLES"


def test_the_table_check_can_fail() -> None:
    rules = _rules()
    allowed, banned = rules["synthesis"]
    assert "evidence" not in allowed and "streamlit" in banned
    assert _unit_of("evidence.__main__", rules) == "evidence.__main__"
    assert _unit_of("evidence.loader", rules) == "evidence"


def test_project_imports_are_at_module_top_unless_a_reason_is_given() -> None:
    """Imports inside functions hide structure: allowed only with a ``# lazy: reason`` comment on
    the line or the line above, or as one side of a known cycle (until it is removed)."""
    modules = _modules()
    in_cycle = {m for c in KNOWN_CYCLES for m in c}
    wrong: list[str] = []
    for module, path in modules.items():
        if module.startswith(("pages", "app", "bench")):
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for fn in ast.walk(ast.parse(source)):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                targets = [n for n in names if n.split(".")[0] in PROJECT]
                if not targets:
                    continue
                near = " ".join(lines[max(0, node.lineno - 2): node.lineno])
                if "lazy" in near or (module in in_cycle and any(t in in_cycle for t in targets)):
                    continue
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {targets[0]} inside "
                             f"{fn.name}()")
    assert wrong == [], "move to the top of the module, or give a '# lazy: reason':\n" + "\n".join(wrong)
