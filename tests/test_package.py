"""Package-level promises: fast import, no global state changed, layout limits."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT


def test_import_is_light():
    """``import crmlab`` loads none of the heavy libraries (their names resolve lazily).

    How long the import takes is a benchmark's business, not a test's: on a loaded machine a
    time limit fails for reasons that have nothing to do with crmlab.
    """
    code = (
        "import sys; import crmlab; "
        "heavy = [m for m in ('pandas', 'numpy', 'matplotlib', 'sklearn', 'scipy') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


_THIRD_PARTY = (
    "numpy",
    "pandas",
    "scipy.special",
    "scipy.stats",
    "scipy.optimize",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "sklearn",
    "sklearn.pipeline",
    "statsmodels.api",
    "lifelines",
    "pooch",
    "nbformat",
    "papermill",
    "IPython",
    "nbconvert",
)


def test_importing_every_module_changes_no_global_state():
    """Import the libraries we build on first (some set warning filters themselves), then every
    crmlab module, in a fresh interpreter: neither warning filters nor rcParams may change."""
    code = f"""
import importlib, pkgutil, warnings
for name in {_THIRD_PARTY!r}:
    importlib.import_module(name)
import matplotlib
filters = list(warnings.filters)
rc = dict(matplotlib.rcParams)
import crmlab
for info in pkgutil.walk_packages(crmlab.__path__, "crmlab."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
assert warnings.filters == filters, [f for f in warnings.filters if f not in filters]
changed = {{k for k, v in matplotlib.rcParams.items() if rc.get(k) != v}}
assert not changed, changed
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_no_module_is_over_600_lines():
    """The layout rule: no module over 600 lines (split by concept instead)."""
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "crmlab").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert not long, long


PACKAGES = sorted(
    ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "crmlab").rglob("__init__.py")
)


def stub_names(package: str) -> dict[str, tuple[str, str]]:
    """``name -> (module, attribute)`` of the imports in a package's ``__init__.pyi``."""
    import ast

    stub = ROOT / package.replace(".", "/") / "__init__.pyi"
    found = {}
    for node in ast.parse(stub.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            assert node.level == 1, f"{stub}: only `from .x import y as y`"
            home = f"{package}.{node.module}" if node.module else package
            for alias in node.names:
                assert alias.asname == alias.name, f"{stub}: re-export as `{alias.name}`"
                found[alias.name] = (home, alias.name)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_loads_lazily_and_every_lazy_name_resolves(package):
    """One ``__init__`` style: ``lazy_loader.attach_stub``, the names written once in the stub.

    The ``__init__.py`` imports nothing of crmlab; its ``__init__.pyi`` (read by type checkers
    and editors) names exactly the package's ``__all__``; each name resolves, on first use, to
    the object the stub names.
    """
    import ast
    import importlib

    path = ROOT / package.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    eager = [
        node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert set(eager) <= {"lazy_loader", "importlib"}, eager
    assert "lazy.attach_stub(__name__, __file__)" in ast.unparse(tree)
    names = stub_names(package)
    module = importlib.import_module(package)
    assert set(names) == set(module.__all__) - {"__version__"}
    for name, (home, attr) in names.items():
        target = importlib.import_module(home)
        if hasattr(target, attr):
            expected = getattr(target, attr)
        else:  # ``from . import submodule``
            expected = importlib.import_module(f"{home}.{attr}")
        assert getattr(module, name) is expected, (package, name)
        assert name in dir(module), (package, name)


def test_version_is_read_from_the_metadata():
    """The version is written once (pyproject.toml); the package reads it from the metadata."""
    import re
    from importlib.metadata import version

    import crmlab

    assert crmlab.__version__ == version("crmlab")
    literal = re.compile(r"""__version__\s*=\s*["']\d+\.\d+""")  # a release number
    assert not [p for p in (ROOT / "crmlab").rglob("*.py") if literal.search(p.read_text())]
