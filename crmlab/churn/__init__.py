"""Customer retention and churn: survival curves, churn classifiers, and whom to save first.

Four steps, each a pure function returning pandas objects:

- :func:`retention_curves` — Kaplan-Meier retention curves by group with a log-rank test
  (lifelines);
- :func:`duration_frame` and :func:`period_retention` — a contractual cohort in the
  ``duration`` / ``churned`` form that :class:`crmlab.clv.ShiftedBetaGeometric` fits, and the
  observed period-by-period retention rate to compare the fit with;
- :func:`churn_pipeline`, :func:`pipeline_steps`, :func:`evaluate_churn_models`,
  :func:`gains_table`, :func:`calibration_table` — churn classifiers as scikit-learn pipelines with stratified
  cross-validation, out-of-fold probabilities, cumulative gains, lift and calibration;
- :func:`retention_targets` — rank customers by expected saved value per dollar of a retention
  offer and choose whom to contact within a budget.

Heavy libraries (lifelines, scikit-learn) are imported inside the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from crmlab.churn import models as models
    from crmlab.churn import survival as survival
    from crmlab.churn import targeting as targeting
    from crmlab.churn.models import ChurnModelResults as ChurnModelResults
    from crmlab.churn.models import calibration_table as calibration_table
    from crmlab.churn.models import churn_pipeline as churn_pipeline
    from crmlab.churn.models import evaluate_churn_models as evaluate_churn_models
    from crmlab.churn.models import gains_table as gains_table
    from crmlab.churn.models import pipeline_steps as pipeline_steps
    from crmlab.churn.survival import RetentionCurves as RetentionCurves
    from crmlab.churn.survival import duration_frame as duration_frame
    from crmlab.churn.survival import period_retention as period_retention
    from crmlab.churn.survival import retention_curves as retention_curves
    from crmlab.churn.targeting import RetentionPlan as RetentionPlan
    from crmlab.churn.targeting import retention_targets as retention_targets

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["models", "survival", "targeting"],
    submod_attrs={
        "models": [
            "ChurnModelResults",
            "calibration_table",
            "churn_pipeline",
            "evaluate_churn_models",
            "gains_table",
            "pipeline_steps",
        ],
        "survival": ["RetentionCurves", "duration_frame", "period_retention", "retention_curves"],
        "targeting": ["RetentionPlan", "retention_targets"],
    },
)
