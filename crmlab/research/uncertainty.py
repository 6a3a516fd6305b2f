"""Uncertainty of fitted models: the covariance of the estimates and parametric bootstrap draws.

:func:`log_covariance` is the inverse Hessian of the weighted log-likelihood with respect to the
log-parameters at the estimate (computed by central differences through the model's public
``log_likelihood_individual``). :func:`parametric_bootstrap` draws parameter vectors from the
normal approximation on the log scale and evaluates any function of the model at each draw, so
that totals such as customer equity or expected holdout purchases get an interval.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["log_covariance", "parametric_bootstrap", "model_at", "total_expected_purchases"]


def model_at(model: Any, theta: np.ndarray) -> Any:
    """A copy of ``model`` (same class and time unit) with log-parameters ``theta``."""
    names = list(model.params_)
    return type(model).from_params(
        time_unit=model.time_unit_,
        **{n: float(v) for n, v in zip(names, np.exp(theta), strict=True)},
    )


def _total_ll(model, theta, data, weights) -> float:
    ll = model_at(model, theta).log_likelihood_individual(data).to_numpy()
    return float(np.dot(weights, ll))


def log_covariance(
    model, data: pd.DataFrame, weights: np.ndarray | None = None, step: float = 1e-4
) -> np.ndarray:
    """Covariance of the log-parameters: the inverse of the observed information.

    Parameters
    ----------
    model : fitted model
        Any crmlab.clv model with ``from_params`` and ``log_likelihood_individual``.
    data : DataFrame
        The data it was fitted on (rows may be patterns).
    weights : ndarray, optional
        How many customers each row stands for (default 1).
    step : float
        Step of the central differences on the log scale.

    Returns
    -------
    ndarray
        ``k x k`` covariance matrix (NaN when the information is not invertible).
    """
    theta = np.log(np.array(list(model.params_.values()), dtype=float))
    w = np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
    k = len(theta)
    f0 = _total_ll(model, theta, data, w)
    hess = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            if i == j:
                e = np.zeros(k)
                e[i] = step
                fp = _total_ll(model, theta + e, data, w)
                fm = _total_ll(model, theta - e, data, w)
                hess[i, i] = (fp - 2 * f0 + fm) / step**2
            else:
                ei, ej = np.zeros(k), np.zeros(k)
                ei[i], ej[j] = step, step
                fpp = _total_ll(model, theta + ei + ej, data, w)
                fpm = _total_ll(model, theta + ei - ej, data, w)
                fmp = _total_ll(model, theta - ei + ej, data, w)
                fmm = _total_ll(model, theta - ei - ej, data, w)
                hess[i, j] = hess[j, i] = (fpp - fpm - fmp + fmm) / (4 * step**2)
    try:
        cov = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan)
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        return np.full((k, k), np.nan)
    return (cov + cov.T) / 2


def parametric_bootstrap(
    model,
    covariance_log: np.ndarray,
    statistic: Callable[[object], float],
    *,
    n_draws: int = 200,
    random_state=None,
) -> np.ndarray:
    """Evaluate ``statistic(model_at_draw)`` at parameter draws from the estimate's distribution.

    Draws are ``theta ~ Normal(log(params), covariance_log)``, so parameters stay positive.

    Returns
    -------
    ndarray
        ``n_draws`` values of the statistic.
    """
    rng = np.random.default_rng(random_state)
    theta = np.log(np.array(list(model.params_.values()), dtype=float))
    draws = rng.multivariate_normal(theta, covariance_log, size=int(n_draws), method="cholesky")
    return np.array([statistic(model_at(model, d)) for d in draws])


def total_expected_purchases(
    model: Any,
    patterns: pd.DataFrame,
    t: float,
    *,
    covariance_log: np.ndarray,
    weights: np.ndarray | None = None,
    method: str = "bootstrap",
    n_draws: int = 200,
    level: float = 0.90,
    random_state=None,
) -> tuple[float, float, float]:
    """Expected purchases of a whole customer base in the next ``t`` periods, with an interval.

    ``sum_i w_i E[X(t) | frequency_i, recency_i, T_i]`` at the estimate, and the central
    ``level`` interval from the estimates' uncertainty: a parametric bootstrap (quantiles of
    the total at ``n_draws`` parameter draws) or the delta method on the log scale.

    Returns
    -------
    estimate, low, high : float
    """
    w = np.ones(len(patterns)) if weights is None else np.asarray(weights, dtype=float)

    def total(m) -> float:
        return float(np.dot(w, m.expected_purchases(patterns, t).to_numpy()))

    estimate = total(model)
    tail = (1.0 - level) / 2
    if method == "bootstrap":
        draws = parametric_bootstrap(
            model, covariance_log, total, n_draws=n_draws, random_state=random_state
        )
        low, high = np.quantile(draws, [tail, 1.0 - tail])
        return estimate, float(low), float(high)
    if method != "delta":
        raise ValueError(f"method must be 'bootstrap' or 'delta', got {method!r}")
    from scipy.stats import norm

    theta = np.log(np.array(list(model.params_.values()), dtype=float))
    step = 1e-5
    grad = np.array(
        [
            (
                np.log(total(model_at(model, theta + step * np.eye(len(theta))[k])))
                - np.log(estimate)
            )
            / step
            for k in range(len(theta))
        ]
    )
    sd = float(np.sqrt(grad @ covariance_log @ grad))
    z = norm.ppf(1.0 - tail)
    return estimate, estimate * float(np.exp(-z * sd)), estimate * float(np.exp(z * sd))
