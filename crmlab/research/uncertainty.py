"""Uncertainty of fitted models: the covariance of the estimates and parametric bootstrap draws.

:func:`fit_log_covariance` puts a fitted model's ``covariance_`` on the log scale;
:func:`log_covariance` is the inverse Hessian of the weighted log-likelihood with respect to the
log-parameters on any data (computed by central differences through the model's public
``log_likelihood_individual``). :func:`parametric_bootstrap` draws parameter vectors from the
normal approximation on the log scale and evaluates any function of the model at each draw, so
that totals such as customer equity or expected holdout purchases get an interval.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Z90",
    "BOOTSTRAP_BUDGET",
    "discounted_transactions",
    "customer_equity_interval",
    "pattern_spend_sums",
    "fit_log_covariance",
    "log_covariance",
    "log_params",
    "model_at",
    "parametric_bootstrap",
    "total_expected_purchases",
]

#: Standard-normal quantile of a two-sided 90% interval.
Z90 = 1.6448536269514722

#: patterns x draws above which totals use the delta method instead of the bootstrap (each
#: draw re-evaluates every pattern over the whole horizon).
BOOTSTRAP_BUDGET = 200_000


def discounted_transactions(
    model: Any, frame: pd.DataFrame, horizon_months: int, monthly: float, *, time_unit: str
) -> np.ndarray:
    """Discounted expected transactions over the horizon (CLV per unit of margin x spend).

    ``frame`` holds ``frequency``, ``recency`` and ``T`` in ``time_unit``; the horizon is in
    months and ``monthly`` the discount rate per month.
    """
    from crmlab.clv import customer_lifetime_value

    return customer_lifetime_value(
        model,
        1.0,
        frame,
        horizon=horizon_months,
        discount_rate=monthly,
        time_unit="M",
        data_time_unit=time_unit,
    ).to_numpy()


def model_at(model: Any, theta: np.ndarray) -> Any:
    """A copy of ``model`` (same class and time unit) with log-parameters ``theta``."""
    names = list(model.params_)
    return type(model).from_params(
        time_unit=model.time_unit_,
        **{n: float(v) for n, v in zip(names, np.exp(theta), strict=True)},
    )


def log_params(model: Any) -> np.ndarray:
    """A fitted model's parameters on the log scale, in ``params_`` order."""
    return np.log(np.array(list(model.params_.values()), dtype=float))


def _log_gradient(
    f: Callable[[np.ndarray], float], theta: np.ndarray, f0: float, step: float
) -> np.ndarray:
    """Forward differences of ``log f`` by each log-parameter (``f0 = f(theta)``)."""
    shifts = step * np.eye(len(theta))
    return np.array([(np.log(f(theta + d)) - np.log(f0)) / step for d in shifts])


def _total_ll(model, theta, data, weights) -> float:
    ll = model_at(model, theta).log_likelihood_individual(data).to_numpy()
    return float(np.dot(weights, ll))


def _checked(cov: np.ndarray) -> np.ndarray:
    """``cov`` made symmetric, or all NaN when it is not a usable covariance."""
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        return np.full(cov.shape, np.nan)
    return (cov + cov.T) / 2


def fit_log_covariance(model: Any) -> np.ndarray:
    """Covariance of a fitted model's log-parameters, from the fit's own ``covariance_``.

    ``covariance_`` is ``diag(p) Cov(log p) diag(p)`` (delta method), so this divides by
    ``p p'``. Use it for the data the model was fitted on (with the fit's weights); for other
    data use :func:`log_covariance`.

    Returns
    -------
    ndarray
        ``k x k`` covariance matrix (NaN when the fit gave none, e.g. ``from_params`` models).
    """
    p = np.array(list(model.params_.values()), dtype=float)
    return _checked(model.covariance_.to_numpy(dtype=float) / np.outer(p, p))


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
    theta = log_params(model)
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
        return _checked(np.linalg.inv(-hess))
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan)


def parametric_bootstrap(
    model,
    covariance_log: np.ndarray,
    statistic: Callable[[Any], float],
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
    theta = log_params(model)
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

    grad = _log_gradient(lambda th: total(model_at(model, th)), log_params(model), estimate, 1e-5)
    sd = float(np.sqrt(grad @ covariance_log @ grad))
    z = norm.ppf(1.0 - tail)
    return estimate, estimate * float(np.exp(-z * sd)), estimate * float(np.exp(z * sd))


def pattern_spend_sums(best: pd.DataFrame, params: dict) -> np.ndarray:
    """Gamma-Gamma expected spend summed over each pattern's customers.

    ``best`` holds ``n_customers``, ``frequency``, ``n_spend`` (customers with a positive mean
    spend) and ``sum_spend`` per pattern; customers without one get the population mean.
    """
    n = best["n_customers"].to_numpy(dtype=float)
    x = best["frequency"].to_numpy(dtype=float)
    n_spend = best["n_spend"].to_numpy(dtype=float)
    s_spend = best["sum_spend"].to_numpy(dtype=float)
    p, qq, g = params["p"], params["q"], params["gamma"]
    pop = p * g / (qq - 1.0)
    return p * (n_spend * g + x * s_spend) / (p * x + qq - 1.0) + (n - n_spend) * pop


def customer_equity_interval(
    tm: Any,
    gg: Any,
    best: pd.DataFrame,
    cov_tm: np.ndarray,
    cov_gg: np.ndarray,
    margin: float,
    horizon: int,
    monthly: float,
    n_draws: int,
    seed: Any,
    duration: float | None,
    *,
    time_unit: str,
) -> dict:
    """Customer equity and the base's expected holdout purchases, with 90% intervals.

    ``best`` holds the scored patterns (``frequency``, ``recency``, ``T`` in ``time_unit`` (``n_customers``, ``n_spend``, ``sum_spend``, ``det``,
    ``det_grad_k``, ``hold_grad_k``, ...). Equity is ``margin * sum_p det_p * spend_p`` where
    ``spend_p`` is the Gamma-Gamma expected spend summed over the pattern's customers. The
    interval is a parametric bootstrap of both models when ``patterns x n_draws`` is at most
    :data:`BOOTSTRAP_BUDGET`, otherwise the delta method on the log scale.
    """
    n = best["n_customers"].to_numpy(dtype=float)

    def spend_sum(params):
        return pattern_spend_sums(best, params)

    point = float(margin * np.dot(best["det"], spend_sum(gg.params_)))
    out: dict[str, Any] = {
        "estimate": point,
        "horizon_months": int(horizon),
        "margin": float(margin),
    }
    ok = np.all(np.isfinite(cov_tm)) and np.all(np.isfinite(cov_gg))
    if not ok:
        out.update({"low": None, "high": None, "method": "none (covariance not available)"})
        return out
    if n_draws > 0 and len(best) * n_draws <= BOOTSTRAP_BUDGET:
        rng = np.random.default_rng(seed)
        frame = best[["frequency", "recency", "T"]]
        dets = parametric_bootstrap(
            tm,
            cov_tm,
            lambda m: discounted_transactions(m, frame, horizon, monthly, time_unit=time_unit),
            n_draws=n_draws,
            random_state=rng,
        )
        spends = parametric_bootstrap(
            gg, cov_gg, lambda m: spend_sum(m.params_), n_draws=n_draws, random_state=rng
        )
        draws = margin * np.einsum("bi,bi->b", np.vstack(dets), np.vstack(spends))
        lo, hi = np.quantile(draws, [0.05, 0.95])
        out.update(
            {
                "low": float(lo),
                "high": float(hi),
                "method": f"parametric bootstrap, {n_draws} draws",
            }
        )
        if duration is not None:
            hold = parametric_bootstrap(
                tm,
                cov_tm,
                lambda m: float(
                    np.dot(n, m.expected_purchases(frame, duration, time_unit=time_unit))
                ),
                n_draws=n_draws,
                random_state=rng,
            )
            out["expected_holdout_purchases"] = float(np.dot(n, best["expected_holdout"]))
            out["expected_holdout_low"], out["expected_holdout_high"] = map(
                float, np.quantile(hold, [0.05, 0.95])
            )
        return out
    # delta method on the log scale
    weights = best["det"].to_numpy() * spend_sum(gg.params_)
    k = cov_tm.shape[0]
    grad_tm = np.array([np.dot(weights, best[f"det_grad_{i}"]) for i in range(k)]) / weights.sum()
    sd_tm = np.sqrt(grad_tm @ cov_tm @ grad_tm)
    g = _log_gradient(
        lambda th: np.dot(best["det"], spend_sum(dict(zip(gg.params_, np.exp(th), strict=True)))),
        log_params(gg),
        point / margin,
        1e-4,
    )
    sd = float(np.sqrt(sd_tm**2 + g @ cov_gg @ g))
    out.update(
        {
            "low": point * float(np.exp(-Z90 * sd)),
            "high": point * float(np.exp(Z90 * sd)),
            "method": "delta method on the log scale",
        }
    )
    if duration is not None:
        total = float(np.dot(n, best["expected_holdout"]))
        gh = np.array([np.dot(n, best[f"hold_grad_{i}"]) for i in range(cov_tm.shape[0])]) / total
        sdh = float(np.sqrt(gh @ cov_tm @ gh))
        out["expected_holdout_purchases"] = total
        out["expected_holdout_low"] = total * float(np.exp(-Z90 * sdh))
        out["expected_holdout_high"] = total * float(np.exp(Z90 * sdh))
    return out
