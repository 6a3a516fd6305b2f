"""Comparing fitted models: the likelihood-ratio test (AIC and BIC are on every model).

A model nested in another (the model without covariates in the one with them; a shared
covariate in the model with separate coefficients) can be tested against it: twice the gain in
log-likelihood is chi-squared distributed with as many degrees of freedom as the extra
parameters, if the restriction is true. Non-nested models are compared with ``aic_`` and
``bic_`` (lower is better).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import stats

from crmlab.errors import CRMLabInputError, NotFittedError

__all__ = ["LikelihoodRatioTest", "likelihood_ratio_test"]


class LikelihoodRatioTest(NamedTuple):
    """Result of :func:`likelihood_ratio_test`."""

    statistic: float
    df: int
    p_value: float


def likelihood_ratio_test(restricted: Any, full: Any) -> LikelihoodRatioTest:
    """Likelihood-ratio test of a restricted model against the full model it is nested in.

    ``statistic = 2 (LL_full - LL_restricted)`` is compared with a chi-squared distribution
    with as many degrees of freedom as the full model has extra parameters (e.g. the model
    without covariates against the one with them, or a shared covariate against separate
    coefficients).

    Parameters
    ----------
    restricted, full : fitted models
        Both fitted by maximum likelihood (not ``from_params``) on the same customers, in the
        same time unit; ``full`` has more parameters.

    Returns
    -------
    LikelihoodRatioTest
        ``statistic``, ``df`` and ``p_value``.

    Raises
    ------
    CRMLabInputError
        If a model is not fitted, the data differ, ``full`` has no more parameters, or the
        full model fits worse (then they are not nested or a fit did not converge).
    """
    for label, model in (("restricted", restricted), ("full", full)):
        if not hasattr(model, "log_likelihood_") or not np.isfinite(model.log_likelihood_):
            raise NotFittedError(
                f"{label} has no maximised log-likelihood: fit it with .fit(data) "
                "(models from from_params() cannot be tested)."
            )
    if restricted.n_customers_ != full.n_customers_ or restricted.time_unit_ != full.time_unit_:
        raise CRMLabInputError(
            f"the two models were fitted on different data ({restricted.n_customers_:,} vs "
            f"{full.n_customers_:,} customers, time units {restricted.time_unit_!r} vs "
            f"{full.time_unit_!r}). Fix: fit both on the same summary frame."
        )
    df = int(full.n_parameters_ - restricted.n_parameters_)
    if df <= 0:
        raise CRMLabInputError(
            f"full must have more parameters than restricted ({full.n_parameters_} vs "
            f"{restricted.n_parameters_}). Fix: pass the smaller model first: "
            "likelihood_ratio_test(restricted, full)."
        )
    stat = 2.0 * (full.log_likelihood_ - restricted.log_likelihood_)
    if stat < -1e-6 * max(1.0, abs(full.log_likelihood_)):
        raise CRMLabInputError(
            f"the full model fits worse than the restricted one (log-likelihood "
            f"{full.log_likelihood_:.4f} < {restricted.log_likelihood_:.4f}), so they are not "
            "nested or a fit stopped early. Fix: check that the restricted model is the full "
            "one with some coefficients fixed, and refit."
        )
    stat = max(stat, 0.0)
    return LikelihoodRatioTest(float(stat), df, float(stats.chi2.sf(stat, df)))
