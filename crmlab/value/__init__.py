"""Who are the valuable customers? Concentration, weights, pyramid, scorecard, value matrix.

Three ways of ranking customers, from simple to rich:

1. **Single metrics** (单一指标): revenue, profit, number of orders; see :func:`customer_metrics`,
   :func:`top_share`, :func:`gini`, :func:`lorenz_curve` and :func:`abc_classes` for how
   concentrated value is (the 80/20 rule, 80/20定律).
2. **The customer value pyramid** (客户价值金字塔): several indicators, normalised and weighted
   (weights from the entropy method, :func:`entropy_weights`, or from pairwise judgements,
   :func:`ahp_weights`) into one score, then tiers by share of customers
   (:func:`value_pyramid`).
3. **The customer value scorecard** (客户价值计分卡): current value (financial + sales
   indicators) and potential value (customer + service indicators), :func:`value_scorecard`;
   the current x potential **value matrix** (客户价值矩阵), :func:`value_matrix`; and the short
   list of key accounts (重点客户), :func:`key_accounts`.

The package's files say what they hold: :mod:`~crmlab.value.concentration` (top share, Lorenz,
Gini, ABC), :mod:`~crmlab.value.metrics` (single metrics per customer),
:mod:`~crmlab.value.weights` (normalisation, entropy and AHP weights) and
:mod:`~crmlab.value.scoring` (pyramid, scorecard, value matrix, key accounts). Every public name
is re-exported here, so ``from crmlab.value import gini`` works.
"""

from __future__ import annotations

from crmlab.value.concentration import (
    abc_classes,
    concentration_table,
    gini,
    lorenz_curve,
    top_share,
)
from crmlab.value.metrics import customer_metrics, top_by_metric
from crmlab.value.scoring import (
    DEFAULT_TIERS,
    MATRIX_ACTIONS,
    key_accounts,
    value_matrix,
    value_pyramid,
    value_scorecard,
)
from crmlab.value.weights import (
    AHPResult,
    ahp_weights,
    check_weights,
    entropy_weights,
    normalise_indicators,
    pairwise_matrix,
)

__all__ = [
    "top_share",
    "concentration_table",
    "gini",
    "lorenz_curve",
    "abc_classes",
    "customer_metrics",
    "top_by_metric",
    "normalise_indicators",
    "check_weights",
    "entropy_weights",
    "pairwise_matrix",
    "ahp_weights",
    "AHPResult",
    "DEFAULT_TIERS",
    "value_pyramid",
    "value_scorecard",
    "MATRIX_ACTIONS",
    "value_matrix",
    "key_accounts",
]
