"""Customer lifetime value: formulas, and one file per customer-base model.

Models (hyper-parameters in ``__init__``, ``fit(data) -> self``, fitted values end in ``_``):
``BetaGeo`` (BG/NBD), ``ModifiedBetaGeo`` (MBG/NBD), ``ParetoNBD``, ``GammaGamma`` (spend),
``BetaGeoBetaBinom`` (BG/BB, discrete time) and ``ShiftedBetaGeometric`` (sBG, contractual).
Names are imported on first use so that ``import crmlab.clv`` stays light.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "BetaGeo": "bgnbd",
    "ModifiedBetaGeo": "mbgnbd",
    "ParetoNBD": "paretonbd",
    "GammaGamma": "gammagamma",
    "BetaGeoBetaBinom": "bgbb",
    "ShiftedBetaGeometric": "sbg",
    "customer_lifetime_value": "lifetime_value",
    "calibration_holdout_report": "evaluation",
    "period_transactions_table": "evaluation",
    "conditional_expectation_table": "evaluation",
    "frequency_recency_matrix": "evaluation",
    "probability_alive_matrix": "evaluation",
    "tracking_table": "evaluation",
    "retention_table": "evaluation",
    "coca_cola_value": "formulas",
    "simple_clv": "formulas",
    "customer_equity": "formulas",
    "historical_value": "formulas",
    "clv_sensitivity": "formulas",
    "per_period_rate": "formulas",
    "clv_drivers": "formulas",
    "cohort_table": "cohorts",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"crmlab.clv.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'crmlab.clv' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
