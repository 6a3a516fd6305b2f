"""The import rule of ARCHITECTURE.md, enforced: which crmlab module may import which.

Every ``import crmlab...`` / ``from crmlab... import`` in the package (also those inside
functions) is read with :mod:`ast`; a module may import only from the layers its own layer allows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "crmlab"

#: Layers, bottom first. A module may import its own layer's modules and those of the layers
#: listed for it; never anything above.
_BELOW_ANALYSIS = {
    "errors",
    "validation",
    "inference",
    "transactions",
    "analysis",
    "datasets",
}
LAYERS: dict[str, set[str]] = {
    # foundations: imported by everyone, import (almost) nothing
    "errors": set(),
    "glossary": set(),
    "validation": {"errors"},  # with crmlab.dates and crmlab.safety: columns, dates, CSV cells
    "inference": {"errors", "validation"},
    # data in: real files and seeded generators; no analysis module
    "datasets": {"errors", "validation"},
    # the transaction log and its summary
    "transactions": {"errors", "validation"},
    # analysis modules: never plotting, exercises, research, runner or the book
    "analysis": {"errors", "validation", "inference", "transactions", "datasets"},
    # engines compile the summary for DuckDB / Spark / pandas; the lesson-9 database uses its SQL
    "engines": {"errors", "validation", "transactions", "analysis", "datasets"},
    # figures take results or frames
    "plotting": {"errors", "validation", "analysis", "transactions"},
    # the end-to-end pipeline and its report
    "research": _BELOW_ANALYSIS | {"engines", "plotting", "glossary", "tooling"},
    # exercise sets compute reference answers from data with the analysis modules
    "exercises": _BELOW_ANALYSIS | {"engines", "plotting", "research", "tooling"},
    # tooling: executing lessons (runner), checking prose against outputs
    "tooling": {"errors", "validation", "glossary"},
    # the book executes lessons with the runner and renders them; nothing below imports it
    "book": {"errors", "validation", "glossary", "tooling"},
    "cli": {"*"},
    "package": {"*"},
}

TOOLING = {"runner", "prose"}
ANALYSIS = {
    "value",
    "segmentation",
    "clv",
    "churn",
    "loyalty",
    "internal_marketing",
    "economics",
}
#: SQL on an engine: the engines and the lesson-9 customer database built on their summary SQL.
ENGINES = {"engines", "database"}


def layer_of(module: str) -> str:
    """The layer of ``crmlab.x.y`` (by its first component)."""
    parts = module.split(".")
    if parts == ["crmlab"] or parts[1:] == ["__init__"]:
        return "package"
    head = parts[1]
    if head in ANALYSIS:
        return "analysis"
    if head in ENGINES:
        return "engines"
    if head in ("dates", "safety"):
        return "validation"
    if head in TOOLING:
        return "tooling"
    if head == "book":
        return "book"
    if head in LAYERS:
        return head
    raise AssertionError(
        f"{module}: no layer is declared for crmlab.{head}. Add it to LAYERS in "
        "tests/test_architecture.py and to the map in ARCHITECTURE.md."
    )


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def crmlab_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("crmlab")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "crmlab":
                found |= {f"crmlab.{a.name}" for a in node.names}
            elif node.module.startswith("crmlab."):
                found.add(node.module)
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_from_allowed_layers(path):
    name = module_name(path)
    own = layer_of(name)
    allowed = LAYERS[own]
    bad = []
    for imported in sorted(crmlab_imports(path) - {"crmlab"}):  # the root imports nothing
        other = layer_of(imported)
        if "*" in allowed or other == own or other in allowed:
            continue
        bad.append(f"{imported} (layer {other!r})")
    assert not bad, f"{name} (layer {own!r}) may not import: {', '.join(bad)}"


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in {
        "TYPE_CHECKING",
        "typing.TYPE_CHECKING",
    }


def _runtime_imports(path: Path) -> set[tuple[str, str | None]]:
    """``(module, name)`` of every crmlab import that runs (module level or in a function).

    Imports under ``if TYPE_CHECKING:`` are for annotations only and never run; in a package
    ``__init__`` they are the lazy re-exports, resolved where they are used.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if _is_type_checking(node) for n in ast.walk(node)}
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {(a.name, None) for a in node.names if a.name.startswith("crmlab")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "crmlab" or node.module.startswith("crmlab."):
                found |= {(node.module, a.name) for a in node.names}
    return found


def _lazy_homes(package: str) -> dict[str, str]:
    """Where a package's lazy names live (its ``__init__.pyi``): ``name -> module``."""
    stub = ROOT / package.replace(".", "/") / "__init__.pyi"
    homes = {}
    if stub.is_file():
        for node in ast.parse(stub.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom):
                home = f"{package}.{node.module}" if node.module else package
                homes |= {a.name: home for a in node.names}
    return homes


def _target(module: str, name: str | None) -> str:
    """The module an import loads: a submodule, the home of a lazy name, or the module itself."""
    if name is not None:
        sub = f"{module}.{name}"
        base = ROOT / sub.replace(".", "/")
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return sub
        if (ROOT / module.replace(".", "/") / "__init__.py").is_file():
            home = _lazy_homes(module).get(name)
            if home is not None:
                return _target(home, name) if home == module else home
    return module


def import_graph() -> dict[str, set[str]]:
    """Module -> the crmlab modules it imports at run time (lazy re-exports resolved)."""
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        name = module_name(path)
        if path.name == "__init__.py":
            graph[name] = set()  # lazy: an __init__ imports nothing of crmlab when it runs
            continue
        graph[name] = {_target(m, n) for m, n in _runtime_imports(path)} - {name, "crmlab"}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    """No two modules import each other, directly or round a loop (also inside functions)."""
    graph = import_graph()
    assert "crmlab.engines.registry" in graph["crmlab.research.pipeline"]  # lazy name resolved
    assert not cycles(graph), cycles(graph)


def test_the_cycle_check_catches_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_rule_catches_a_violation(tmp_path):
    fake = ROOT / "crmlab" / "value" / "_probe_for_test.py"
    assert layer_of(module_name(fake)) == "analysis"
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from crmlab.plotting import plot_lorenz\n")
    (imported,) = crmlab_imports(probe)
    assert layer_of(imported) == "plotting"
    assert "plotting" not in LAYERS["analysis"]


def _is_private(module: str) -> bool:
    return any(p.startswith("_") and not p.startswith("__") for p in module.split("."))


def test_public_names_are_defined_in_public_modules():
    """What a package exports lives in a module whose name says what it holds, not ``_x``."""
    import importlib
    import inspect

    bad = []
    for path in MODULES:
        name = module_name(path)
        if _is_private(name) or name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        for export in getattr(module, "__all__", []):
            obj = getattr(module, export)
            home = getattr(obj, "__module__", "") or ""
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and _is_private(home):
                bad.append(f"{name}.{export} (defined in {home})")
    assert not bad, "public names defined in private modules: " + ", ".join(bad)
