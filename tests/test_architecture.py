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
    "_lazy",
    "transactions",
    "analysis",
    "datasets",
}
LAYERS: dict[str, set[str]] = {
    # foundations: imported by everyone, import (almost) nothing
    "errors": set(),
    "_lazy": set(),
    "glossary": set(),
    "validation": {"errors"},  # with crmlab.dates and crmlab.safety: columns, dates, CSV cells
    "inference": {"errors", "validation"},
    # data in: real files and seeded generators; no analysis module
    "datasets": {"errors", "validation", "_lazy"},
    # the transaction log and its summary
    "transactions": {"errors", "validation"},
    # analysis modules: never plotting, exercises, research, runner or the book
    "analysis": {"errors", "validation", "inference", "_lazy", "transactions", "datasets"},
    # engines compile the summary for DuckDB / Spark / pandas; the lesson-9 database uses its SQL
    "engines": {"errors", "validation", "_lazy", "transactions", "analysis", "datasets"},
    # figures take results or frames
    "plotting": {"errors", "validation", "_lazy", "analysis", "transactions"},
    # the end-to-end pipeline and its report
    "research": _BELOW_ANALYSIS | {"engines", "plotting", "glossary", "tooling"},
    # exercise sets compute reference answers from data with the analysis modules
    "exercises": _BELOW_ANALYSIS | {"engines", "plotting", "research", "tooling"},
    # tooling: executing lessons (runner), checking prose against outputs, building the book
    "tooling": {"errors", "validation", "_lazy", "glossary"},
    "cli": {"*"},
    "package": {"*"},
}

TOOLING = {"runner", "prose", "book"}
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
