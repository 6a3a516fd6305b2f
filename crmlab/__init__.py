"""crmlab: the helper package of a Jupyter workbook on customer relationship management.

Submodules are imported on first use, so ``import crmlab`` is fast and changes no global state::

    import crmlab
    tx = crmlab.datasets.load_cdnow(sample=True)
    summary = crmlab.transactions.rfm_summary(tx, calibration_end="1997-09-30")
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "datasets",
    "transactions",
    "value",
    "segmentation",
    "clv",
    "churn",
    "loyalty",
    "internal",
    "plotting",
    "exercises",
    "glossary",
    "runner",
}

__all__ = sorted(_SUBMODULES) + ["__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"crmlab.{name}")
    raise AttributeError(f"module 'crmlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
