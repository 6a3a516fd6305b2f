"""Customer lifetime value: formulas, and one file per customer-base model.

Models (hyper-parameters in ``__init__``, ``fit(data) -> self``, fitted values end in ``_``):
``BetaGeo`` (BG/NBD), ``ModifiedBetaGeo`` (MBG/NBD), ``ParetoNBD``, ``GammaGamma`` (spend),
``GGomNBD`` (Gamma-Gompertz/NBD), ``BetaGeoBetaBinom`` (BG/BB, discrete time) and
``ShiftedBetaGeometric`` (sBG, contractual). The continuous-time transaction models take static
covariates (:mod:`crmlab.clv.covariates`); :func:`likelihood_ratio_test` compares nested fits.
Names are imported on first use so that ``import crmlab.clv`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmlab._lazy import attach

if TYPE_CHECKING:
    from crmlab.clv.bgbb import BetaGeoBetaBinom as BetaGeoBetaBinom
    from crmlab.clv.bgnbd import BetaGeo as BetaGeo
    from crmlab.clv.cohorts import cohort_table as cohort_table
    from crmlab.clv.comparison import LikelihoodRatioTest as LikelihoodRatioTest
    from crmlab.clv.comparison import likelihood_ratio_test as likelihood_ratio_test
    from crmlab.clv.covariates import one_hot_covariates as one_hot_covariates
    from crmlab.clv.covariates import rate_ratios as rate_ratios
    from crmlab.clv.evaluation import calibration_holdout_report as calibration_holdout_report
    from crmlab.clv.evaluation import conditional_expectation_table as conditional_expectation_table
    from crmlab.clv.evaluation import frequency_recency_matrix as frequency_recency_matrix
    from crmlab.clv.evaluation import period_transactions_table as period_transactions_table
    from crmlab.clv.evaluation import probability_alive_matrix as probability_alive_matrix
    from crmlab.clv.evaluation import retention_table as retention_table
    from crmlab.clv.evaluation import tracking_table as tracking_table
    from crmlab.clv.formulas import clv_drivers as clv_drivers
    from crmlab.clv.formulas import clv_sensitivity as clv_sensitivity
    from crmlab.clv.formulas import coca_cola_value as coca_cola_value
    from crmlab.clv.formulas import customer_equity as customer_equity
    from crmlab.clv.formulas import historical_value as historical_value
    from crmlab.clv.formulas import per_period_rate as per_period_rate
    from crmlab.clv.formulas import simple_clv as simple_clv
    from crmlab.clv.gammagamma import GammaGamma as GammaGamma
    from crmlab.clv.ggomnbd import GGomNBD as GGomNBD
    from crmlab.clv.lifetime_value import customer_lifetime_value as customer_lifetime_value
    from crmlab.clv.mbgnbd import ModifiedBetaGeo as ModifiedBetaGeo
    from crmlab.clv.paretonbd import ParetoNBD as ParetoNBD
    from crmlab.clv.sbg import ShiftedBetaGeometric as ShiftedBetaGeometric

__getattr__, __dir__, __all__ = attach(
    __name__,
    attributes={
        "bgbb": ["BetaGeoBetaBinom"],
        "bgnbd": ["BetaGeo"],
        "cohorts": ["cohort_table"],
        "comparison": ["LikelihoodRatioTest", "likelihood_ratio_test"],
        "covariates": ["one_hot_covariates", "rate_ratios"],
        "evaluation": [
            "calibration_holdout_report",
            "conditional_expectation_table",
            "frequency_recency_matrix",
            "period_transactions_table",
            "probability_alive_matrix",
            "retention_table",
            "tracking_table",
        ],
        "formulas": [
            "clv_drivers",
            "clv_sensitivity",
            "coca_cola_value",
            "customer_equity",
            "historical_value",
            "per_period_rate",
            "simple_clv",
        ],
        "gammagamma": ["GammaGamma"],
        "ggomnbd": ["GGomNBD"],
        "lifetime_value": ["customer_lifetime_value"],
        "mbgnbd": ["ModifiedBetaGeo"],
        "paretonbd": ["ParetoNBD"],
        "sbg": ["ShiftedBetaGeometric"],
    },
)
