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

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
