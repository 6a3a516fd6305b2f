"""Loyalty and satisfaction: NPS, reliability, loyalty index, recovery, points programmes.

NPS, scale reliability, the five-factor loyalty index, service recovery and the economics of a
tiered points programme.

The five-factor view of loyalty (客户忠诚度) measures it through overall satisfaction, the
customer's initiative to keep the relationship, repurchase intention, willingness to recommend
and resistance to switching. Each factor is asked with a few Likert items; :func:`loyalty_index`
averages them (reversing reverse-coded items first), reports Cronbach's alpha per factor and
combines the factors into one 0-100 index.

All functions are pure: they validate their input (errors say how to fix it), never drop rows
silently and return pandas objects.
"""

from crmlab.loyalty.behaviour import regression_table, repurchase_by_loyalty
from crmlab.loyalty.programmes import assign_tiers, points_programme_economics, tier_summary
from crmlab.loyalty.recovery import complaint_groups, recovery_paradox, service_recovery_summary
from crmlab.loyalty.scales import (
    DEFAULT_FACTORS,
    DEFAULT_REVERSED,
    LoyaltyIndex,
    cronbach_alpha,
    likert_codes,
    loyalty_index,
    nps,
    nps_breakdown,
    reliability_table,
    reverse_code,
)

__all__ = [
    "DEFAULT_FACTORS",
    "DEFAULT_REVERSED",
    "nps",
    "nps_breakdown",
    "likert_codes",
    "reverse_code",
    "cronbach_alpha",
    "reliability_table",
    "LoyaltyIndex",
    "loyalty_index",
    "repurchase_by_loyalty",
    "regression_table",
    "complaint_groups",
    "service_recovery_summary",
    "recovery_paradox",
    "assign_tiers",
    "tier_summary",
    "points_programme_economics",
]

#: The five loyalty factors and the item columns of :func:`crmlab.datasets.simulate_loyalty_survey`.
