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

from crmlab.churn import models, survival, targeting
from crmlab.churn.models import *  # noqa: F403  (each module's __all__)
from crmlab.churn.survival import *  # noqa: F403  (each module's __all__)
from crmlab.churn.targeting import *  # noqa: F403  (each module's __all__)

__all__ = [*survival.__all__, *models.__all__, *targeting.__all__]
