"""Package-level promises: fast import, no global state changed, layout limits."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_import_is_fast_and_light():
    code = (
        "import time, sys; t = time.perf_counter(); import crmlab; "
        "dt = time.perf_counter() - t; "
        "heavy = [m for m in ('pandas', 'numpy', 'matplotlib', 'sklearn', 'scipy') "
        "if m in sys.modules]; print(dt, heavy)"
    )
    best = min(
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout.split()[0]
        )
        for _ in range(3)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]"), out.stdout
    assert best < 0.3, f"import crmlab took {best:.3f} s"


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


def test_lazy_names_resolve():
    """Every name a lazy package lists in ``__all__`` can be imported, and ``dir`` shows it."""
    import importlib

    for package in ("crmlab", "crmlab.clv", "crmlab.datasets", "crmlab.plotting"):
        module = importlib.import_module(package)
        for name in module.__all__:
            if name != "__version__":
                assert getattr(module, name) is not None, (package, name)
                assert name in dir(module), (package, name)
