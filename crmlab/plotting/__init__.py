"""Every figure a lesson shows. Each function takes ``ax=None`` and returns the Axes it drew on.

Plot functions take results or frames (never reach into a model's internals) and change no
global matplotlib state. They live in one module per topic and are imported on first use.
"""

from __future__ import annotations

import importlib

_MODULES = (
    "basics",
    "economics",
    "value",
    "segmentation",
    "cohorts",
    "clv",
    "churn",
    "loyalty",
    "internal",
)


def _modules():
    for name in _MODULES:
        try:
            yield importlib.import_module(f"crmlab.plotting.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"crmlab.plotting.{name}":
                raise


def __getattr__(name: str):
    for module in _modules():
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    raise AttributeError(f"module 'crmlab.plotting' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({n for m in _modules() for n in getattr(m, "__all__", ())})
