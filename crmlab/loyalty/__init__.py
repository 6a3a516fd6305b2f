"""Loyalty and satisfaction: NPS, reliability, loyalty index, recovery, points programmes.

NPS, scale reliability, the five-factor loyalty index, service recovery and the economics of a
tiered points programme.

The five-factor view of loyalty (客户忠诚度) measures it through overall satisfaction, the
customer"s initiative to keep the relationship, repurchase intention, willingness to recommend
and resistance to switching. Each factor is asked with a few Likert items; :func:`loyalty_index`
averages them (reversing reverse-coded items first), reports Cronbach"s alpha per factor and
combines the factors into one 0-100 index.

All functions are pure: they validate their input (errors say how to fix it), never drop rows
silently and return pandas objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from crmlab.loyalty import behaviour as behaviour
    from crmlab.loyalty import programmes as programmes
    from crmlab.loyalty import recovery as recovery
    from crmlab.loyalty import scales as scales
    from crmlab.loyalty.behaviour import regression_table as regression_table
    from crmlab.loyalty.behaviour import repurchase_by_loyalty as repurchase_by_loyalty
    from crmlab.loyalty.programmes import assign_tiers as assign_tiers
    from crmlab.loyalty.programmes import points_programme_economics as points_programme_economics
    from crmlab.loyalty.programmes import tier_summary as tier_summary
    from crmlab.loyalty.recovery import complaint_groups as complaint_groups
    from crmlab.loyalty.recovery import recovery_paradox as recovery_paradox
    from crmlab.loyalty.recovery import service_recovery_summary as service_recovery_summary
    from crmlab.loyalty.scales import DEFAULT_FACTORS as DEFAULT_FACTORS
    from crmlab.loyalty.scales import DEFAULT_REVERSED as DEFAULT_REVERSED
    from crmlab.loyalty.scales import LoyaltyIndex as LoyaltyIndex
    from crmlab.loyalty.scales import cronbach_alpha as cronbach_alpha
    from crmlab.loyalty.scales import likert_codes as likert_codes
    from crmlab.loyalty.scales import loyalty_index as loyalty_index
    from crmlab.loyalty.scales import nps as nps
    from crmlab.loyalty.scales import nps_breakdown as nps_breakdown
    from crmlab.loyalty.scales import reliability_table as reliability_table
    from crmlab.loyalty.scales import reverse_code as reverse_code

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["behaviour", "programmes", "recovery", "scales"],
    submod_attrs={
        "behaviour": ["regression_table", "repurchase_by_loyalty"],
        "programmes": ["assign_tiers", "points_programme_economics", "tier_summary"],
        "recovery": ["complaint_groups", "recovery_paradox", "service_recovery_summary"],
        "scales": [
            "DEFAULT_FACTORS",
            "DEFAULT_REVERSED",
            "LoyaltyIndex",
            "cronbach_alpha",
            "likert_codes",
            "loyalty_index",
            "nps",
            "nps_breakdown",
            "reliability_table",
            "reverse_code",
        ],
    },
)
