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

The package"s files say what they hold: :mod:`~crmlab.value.concentration` (top share, Lorenz,
Gini, ABC), :mod:`~crmlab.value.metrics` (single metrics per customer),
:mod:`~crmlab.value.weights` (normalisation, entropy and AHP weights) and
:mod:`~crmlab.value.scoring` (pyramid, scorecard, value matrix, key accounts). Every public name
is re-exported here, so ``from crmlab.value import gini`` works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from crmlab.value import concentration as concentration
    from crmlab.value import metrics as metrics
    from crmlab.value import scoring as scoring
    from crmlab.value import weights as weights
    from crmlab.value.concentration import abc_classes as abc_classes
    from crmlab.value.concentration import concentration_table as concentration_table
    from crmlab.value.concentration import gini as gini
    from crmlab.value.concentration import lorenz_curve as lorenz_curve
    from crmlab.value.concentration import top_share as top_share
    from crmlab.value.metrics import customer_metrics as customer_metrics
    from crmlab.value.metrics import top_by_metric as top_by_metric
    from crmlab.value.scoring import DEFAULT_TIERS as DEFAULT_TIERS
    from crmlab.value.scoring import MATRIX_ACTIONS as MATRIX_ACTIONS
    from crmlab.value.scoring import key_accounts as key_accounts
    from crmlab.value.scoring import value_matrix as value_matrix
    from crmlab.value.scoring import value_pyramid as value_pyramid
    from crmlab.value.scoring import value_scorecard as value_scorecard
    from crmlab.value.weights import RANDOM_INDEX as RANDOM_INDEX
    from crmlab.value.weights import AHPResult as AHPResult
    from crmlab.value.weights import ahp_weights as ahp_weights
    from crmlab.value.weights import check_weights as check_weights
    from crmlab.value.weights import entropy_weights as entropy_weights
    from crmlab.value.weights import normalise_indicators as normalise_indicators
    from crmlab.value.weights import pairwise_matrix as pairwise_matrix

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["concentration", "metrics", "scoring", "weights"],
    submod_attrs={
        "concentration": [
            "abc_classes",
            "concentration_table",
            "gini",
            "lorenz_curve",
            "top_share",
        ],
        "metrics": ["customer_metrics", "top_by_metric"],
        "scoring": [
            "DEFAULT_TIERS",
            "MATRIX_ACTIONS",
            "key_accounts",
            "value_matrix",
            "value_pyramid",
            "value_scorecard",
        ],
        "weights": [
            "AHPResult",
            "RANDOM_INDEX",
            "ahp_weights",
            "check_weights",
            "entropy_weights",
            "normalise_indicators",
            "pairwise_matrix",
        ],
    },
)
