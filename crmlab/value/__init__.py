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

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
