"""Every figure a lesson shows. Each function takes a keyword-only ``ax=None`` and returns the Axes.

The one exception is :func:`plot_rfm_pairs`, a figure-level seaborn pair plot (a grid of Axes),
which returns the ``seaborn.PairGrid``. Where seaborn is the natural tool (distributions,
heatmaps, box plots by segment, pair plots) it is used, with its theme applied inside the plot
function only (:func:`crmlab.plotting._base.seaborn_style`).

Plot functions take results or frames (never reach into a model's internals) and change no
global matplotlib state. They live in one module per topic and are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmlab._lazy import attach

if TYPE_CHECKING:
    from crmlab.plotting.churn import plot_calibration as plot_calibration
    from crmlab.plotting.churn import plot_gains as plot_gains
    from crmlab.plotting.churn import plot_kaplan_meier as plot_kaplan_meier
    from crmlab.plotting.churn import plot_retention_plan as plot_retention_plan
    from crmlab.plotting.churn import plot_retention_rates as plot_retention_rates
    from crmlab.plotting.churn import plot_roc_curves as plot_roc_curves
    from crmlab.plotting.churn import plot_survival_projection as plot_survival_projection
    from crmlab.plotting.clv import plot_calibration_holdout as plot_calibration_holdout
    from crmlab.plotting.clv import plot_cumulative_transactions as plot_cumulative_transactions
    from crmlab.plotting.clv import plot_frequency_recency_matrix as plot_frequency_recency_matrix
    from crmlab.plotting.clv import plot_incremental_transactions as plot_incremental_transactions
    from crmlab.plotting.clv import plot_period_transactions as plot_period_transactions
    from crmlab.plotting.clv import plot_probability_alive_matrix as plot_probability_alive_matrix
    from crmlab.plotting.clv import plot_retention_curves as plot_retention_curves
    from crmlab.plotting.cohorts import plot_clv_convergence as plot_clv_convergence
    from crmlab.plotting.cohorts import plot_clv_drivers as plot_clv_drivers
    from crmlab.plotting.cohorts import plot_clv_sensitivity as plot_clv_sensitivity
    from crmlab.plotting.cohorts import plot_coca_cola as plot_coca_cola
    from crmlab.plotting.cohorts import plot_cohort_heatmap as plot_cohort_heatmap
    from crmlab.plotting.cohorts import plot_cohort_retention as plot_cohort_retention
    from crmlab.plotting.covariates import plot_expected_by_group as plot_expected_by_group
    from crmlab.plotting.covariates import plot_rate_ratios as plot_rate_ratios
    from crmlab.plotting.database import plot_group_rates as plot_group_rates
    from crmlab.plotting.database import plot_interpurchase_times as plot_interpurchase_times
    from crmlab.plotting.economics import plot_purchase_distribution as plot_purchase_distribution
    from crmlab.plotting.economics import plot_repeat_ladder as plot_repeat_ladder
    from crmlab.plotting.economics import plot_retention_profit as plot_retention_profit
    from crmlab.plotting.economics import plot_simulated_cohorts as plot_simulated_cohorts
    from crmlab.plotting.internal_marketing import (
        plot_attrition_by_factor as plot_attrition_by_factor,
    )
    from crmlab.plotting.internal_marketing import plot_chain_link as plot_chain_link
    from crmlab.plotting.internal_marketing import plot_odds_ratios as plot_odds_ratios
    from crmlab.plotting.internal_marketing import plot_tenure_retention as plot_tenure_retention
    from crmlab.plotting.loyalty import plot_factor_reliability as plot_factor_reliability
    from crmlab.plotting.loyalty import plot_nps_distribution as plot_nps_distribution
    from crmlab.plotting.loyalty import plot_points_economics as plot_points_economics
    from crmlab.plotting.loyalty import plot_repurchase_by_loyalty as plot_repurchase_by_loyalty
    from crmlab.plotting.loyalty import plot_service_recovery as plot_service_recovery
    from crmlab.plotting.segmentation import plot_rfm_grid as plot_rfm_grid
    from crmlab.plotting.segmentation import plot_rfm_pairs as plot_rfm_pairs
    from crmlab.plotting.segmentation import plot_segment_features as plot_segment_features
    from crmlab.plotting.segmentation import plot_segment_profiles as plot_segment_profiles
    from crmlab.plotting.segmentation import plot_segment_shares as plot_segment_shares
    from crmlab.plotting.segmentation import plot_silhouette as plot_silhouette
    from crmlab.plotting.value import plot_lorenz as plot_lorenz
    from crmlab.plotting.value import plot_pareto as plot_pareto
    from crmlab.plotting.value import plot_pyramid as plot_pyramid
    from crmlab.plotting.value import plot_value_distribution as plot_value_distribution
    from crmlab.plotting.value import plot_value_matrix as plot_value_matrix
    from crmlab.plotting.value import plot_weights as plot_weights

__getattr__, __dir__, __all__ = attach(
    __name__,
    attributes={
        "churn": [
            "plot_calibration",
            "plot_gains",
            "plot_kaplan_meier",
            "plot_retention_plan",
            "plot_retention_rates",
            "plot_roc_curves",
            "plot_survival_projection",
        ],
        "clv": [
            "plot_calibration_holdout",
            "plot_cumulative_transactions",
            "plot_frequency_recency_matrix",
            "plot_incremental_transactions",
            "plot_period_transactions",
            "plot_probability_alive_matrix",
            "plot_retention_curves",
        ],
        "cohorts": [
            "plot_clv_convergence",
            "plot_clv_drivers",
            "plot_clv_sensitivity",
            "plot_coca_cola",
            "plot_cohort_heatmap",
            "plot_cohort_retention",
        ],
        "covariates": ["plot_expected_by_group", "plot_rate_ratios"],
        "database": ["plot_group_rates", "plot_interpurchase_times"],
        "economics": [
            "plot_purchase_distribution",
            "plot_repeat_ladder",
            "plot_retention_profit",
            "plot_simulated_cohorts",
        ],
        "internal_marketing": [
            "plot_attrition_by_factor",
            "plot_chain_link",
            "plot_odds_ratios",
            "plot_tenure_retention",
        ],
        "loyalty": [
            "plot_factor_reliability",
            "plot_nps_distribution",
            "plot_points_economics",
            "plot_repurchase_by_loyalty",
            "plot_service_recovery",
        ],
        "segmentation": [
            "plot_rfm_grid",
            "plot_rfm_pairs",
            "plot_segment_features",
            "plot_segment_profiles",
            "plot_segment_shares",
            "plot_silhouette",
        ],
        "value": [
            "plot_lorenz",
            "plot_pareto",
            "plot_pyramid",
            "plot_value_distribution",
            "plot_value_matrix",
            "plot_weights",
        ],
    },
)
