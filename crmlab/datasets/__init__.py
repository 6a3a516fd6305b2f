"""Datasets: the real public files (fetched, verified, cached) and seeded synthetic generators.

Real files are never shipped: :func:`fetch` downloads them once from their public URL, checks
the sha256 and caches them (``CRMLAB_DATA`` names a mirror or cache folder). ``load_*`` return
tidy frames; ``simulate_*`` generate documented synthetic data from stated true parameters,
with randomness only through ``random_state``.
"""

from __future__ import annotations

import importlib

from crmlab.datasets._loaders import load_cdnow, load_donations, load_hr_attrition, load_telco_churn
from crmlab.datasets._registry import REGISTRY, DatasetError, data_home, describe, fetch

# Generators live in their own modules and are imported on first use.
_LAZY = {
    "simulate_transaction_log": "_simulate_transactions",
    "simulate_b2b_accounts": "_simulate_value",
    "simulate_membership_cards": "_simulate_value",
    "simulate_loyalty_survey": "_simulate_loyalty",
    "simulate_service_profit_chain": "_simulate_internal",
}

__all__ = [
    "REGISTRY",
    "DatasetError",
    "data_home",
    "describe",
    "fetch",
    "load_cdnow",
    "load_donations",
    "load_hr_attrition",
    "load_telco_churn",
    *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f"crmlab.datasets.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'crmlab.datasets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
