"""A small shared maximum-likelihood helper for the customer-base models.

Every model's parameters are positive, so the optimiser works on their logarithms (no bounds
needed); standard errors come from the Hessian of the total log-likelihood by the delta method.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize

__all__ = ["ConvergenceError", "MLEResult", "fit_mle", "numerical_hessian"]


class ConvergenceError(RuntimeError):
    """The likelihood could not be maximised; the message says what to try."""


@dataclass(frozen=True)
class MLEResult:
    params: dict[str, float]
    log_likelihood: float
    standard_errors: dict[str, float]
    covariance_log: np.ndarray  # covariance of the log-parameters
    n_iterations: int


def numerical_hessian(
    f: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-4
) -> np.ndarray:
    """Central-difference Hessian of scalar ``f`` at ``x`` (relative steps)."""
    x = np.asarray(x, dtype=float)
    k = len(x)
    h = step * np.maximum(1.0, np.abs(x))
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i] = h[i]
            ej[j] = h[j]
            val = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h[i] * h[j]
            )
            hess[i, j] = hess[j, i] = val
    return hess


def fit_mle(
    neg_log_likelihood: Callable[[np.ndarray], float | tuple[float, np.ndarray]],
    x0: Sequence[float],
    names: Sequence[str],
    *,
    jac: bool = False,
    penalizer: float = 0.0,
    model: str = "model",
    tol: float = 1e-10,
    maxiter: int = 2000,
) -> MLEResult:
    """Maximise a log-likelihood over positive parameters.

    Parameters
    ----------
    neg_log_likelihood : callable
        Function of the *log*-parameters returning the total negative log-likelihood (and its
        gradient with respect to the log-parameters when ``jac=True``).
    x0 : sequence of float
        Starting values of the natural (positive) parameters.
    names : sequence of str
        The parameters' names, in order.
    penalizer : float
        L2 penalty on the log-parameters' distance from 0 (a gentle shrinkage that helps when the
        maximum sits at a boundary); 0 gives the plain MLE. Reported standard errors and
        ``log_likelihood`` are those of the unpenalised likelihood.
    model : str
        Name used in error messages.

    Raises
    ------
    ConvergenceError
        If the optimiser fails or lands on a non-finite likelihood.
    """
    theta0 = np.log(np.asarray(x0, dtype=float))

    def objective(theta):
        out = neg_log_likelihood(theta)
        if jac:
            value, grad = out
            return value + penalizer * theta @ theta, grad + 2 * penalizer * theta
        return out + penalizer * theta @ theta

    with np.errstate(all="ignore"):
        res = optimize.minimize(
            objective,
            theta0,
            jac=jac,
            method="L-BFGS-B" if jac else "Nelder-Mead",
            options={"maxiter": maxiter, "ftol": tol, "gtol": 1e-8}
            if jac
            else {"maxiter": maxiter * 5, "xatol": 1e-9, "fatol": tol, "adaptive": True},
        )
        if not jac and res.success:
            # polish with BFGS on the numerical gradient for a tight optimum
            polished = optimize.minimize(objective, res.x, method="BFGS", options={"gtol": 1e-8})
            if np.isfinite(polished.fun) and polished.fun <= res.fun:
                res = polished

    def plain(theta):
        out = neg_log_likelihood(theta)
        return out[0] if jac else out

    value = float(plain(res.x))
    if not np.isfinite(value) or not np.all(np.isfinite(res.x)) or np.any(np.abs(res.x) > 30):
        raise ConvergenceError(
            f"{model}: the likelihood could not be maximised ({res.message}; log-likelihood "
            f"{-value}). Try: check that frequency, recency and T are in the same time unit and "
            "that recency <= T; rescale time (weeks instead of days); or fit with a small "
            "penalizer, e.g. penalizer=0.001."
        )
    with np.errstate(all="ignore"):
        hess = numerical_hessian(plain, res.x)
    try:
        cov = np.linalg.inv(hess)
        se_log = np.sqrt(np.diag(cov))
    except np.linalg.LinAlgError:
        cov = np.full_like(hess, np.nan)
        se_log = np.full(len(names), np.nan)
    params = np.exp(res.x)
    return MLEResult(
        params={n: float(p) for n, p in zip(names, params, strict=True)},
        log_likelihood=-value,
        standard_errors={n: float(p * s) for n, p, s in zip(names, params, se_log, strict=True)},
        covariance_log=cov,
        n_iterations=int(getattr(res, "nit", 0)),
    )
