"""Datasets: the real public files (fetched, verified, cached) and seeded synthetic generators.

Real files are never shipped: :func:`fetch` downloads them once from their public URL, checks
the sha256 and caches them (``CRMLAB_DATA`` names a mirror or cache folder). ``load_*`` return
tidy frames; ``simulate_*`` generate documented synthetic data from stated true parameters,
with randomness only through ``random_state``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmlab._lazy import attach
from crmlab.datasets.loaders import (
    load_apparel_covariates,
    load_apparel_transactions,
    load_cdnow,
    load_donations,
    load_hr_attrition,
    load_online_retail,
    load_telco_churn,
    online_retail_purchases,
)
from crmlab.datasets.registry import REGISTRY, data_home, describe, fetch, fetch_online_retail
from crmlab.errors import DatasetError

if TYPE_CHECKING:
    from crmlab.datasets.synthetic_crm import CRMExtract as CRMExtract
    from crmlab.datasets.synthetic_crm import simulate_crm_extract as simulate_crm_extract
    from crmlab.datasets.synthetic_firm import FIRM_EXPORT as FIRM_EXPORT
    from crmlab.datasets.synthetic_firm import simulate_firm_export as simulate_firm_export
    from crmlab.datasets.synthetic_internal import CHAIN_TRUE_PARAMS as CHAIN_TRUE_PARAMS
    from crmlab.datasets.synthetic_internal import (
        simulate_service_profit_chain as simulate_service_profit_chain,
    )
    from crmlab.datasets.synthetic_loyalty import LOYALTY_TRUE_PARAMS as LOYALTY_TRUE_PARAMS
    from crmlab.datasets.synthetic_loyalty import simulate_loyalty_survey as simulate_loyalty_survey
    from crmlab.datasets.synthetic_transactions import (
        simulate_transaction_log as simulate_transaction_log,
    )
    from crmlab.datasets.synthetic_value import (
        simulate_b2b_accounts as simulate_b2b_accounts,
    )
    from crmlab.datasets.synthetic_value import (
        simulate_membership_cards as simulate_membership_cards,
    )

# Generators live in their own modules and are imported on first use.
__getattr__, _dir_generators, _generators = attach(
    __name__,
    attributes={
        "synthetic_crm": ["CRMExtract", "simulate_crm_extract"],
        "synthetic_firm": ["FIRM_EXPORT", "simulate_firm_export"],
        "synthetic_internal": ["simulate_service_profit_chain", "CHAIN_TRUE_PARAMS"],
        "synthetic_loyalty": ["simulate_loyalty_survey", "LOYALTY_TRUE_PARAMS"],
        "synthetic_transactions": ["simulate_transaction_log"],
        "synthetic_value": ["simulate_b2b_accounts", "simulate_membership_cards"],
    },
)

__all__ = [
    "REGISTRY",
    "DatasetError",
    "data_home",
    "describe",
    "fetch",
    "fetch_online_retail",
    "load_apparel_covariates",
    "load_apparel_transactions",
    "load_cdnow",
    "load_donations",
    "load_hr_attrition",
    "load_online_retail",
    "load_telco_churn",
    "online_retail_purchases",
    *_generators,
]


def __dir__() -> list[str]:
    return sorted(__all__)
