"""A small shared maximum-likelihood helper for the customer-base models.

Every model's parameters are positive, so the optimiser works on their logarithms (no bounds
needed); standard errors come from the Hessian of the total log-likelihood by the delta method.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from crmlab.errors import ConvergenceError

__all__ = ["MLEResult", "fit_mle", "numerical_hessian", "dot", "negated"]


def negated(total: float, grad: np.ndarray) -> tuple[float, np.ndarray]:
    """``(-total, -grad)`` of a log-likelihood for the minimiser; ``(inf, 0)`` if not finite.

    An infinite value tells BFGS to step back without a misleading gradient.
    """
    total = float(total)
    if not np.isfinite(total):
        return np.inf, np.zeros(len(grad))
    return -total, -np.asarray(grad, dtype=float)


def dot(u: np.ndarray, v: np.ndarray) -> float:
    """Dot product without BLAS (multi-threaded BLAS is slow for one vector pair on busy CPUs)."""
    return np.einsum("i,i->", u, v)


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


def _hessian_from_gradient(
    grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, at_x: np.ndarray | None = None
) -> np.ndarray:
    """Central differences of an analytic gradient (2k gradient calls), symmetrised.

    Given the gradient ``at_x`` at ``x``, forward differences instead (k calls; accurate
    enough to start BFGS, not for standard errors).
    """
    k = len(x)
    hess = np.empty((k, k))
    for i in range(k):
        h = 1e-5 * max(1.0, abs(x[i]))
        e = np.zeros(k)
        e[i] = h
        if at_x is None:
            hess[i] = (grad(x + e) - grad(x - e)) / (2 * h)
        else:
            hess[i] = (grad(x + e) - at_x) / h
    return (hess + hess.T) / 2


def _newton(scaled, theta0, hessian, maxiter: int = 100) -> optimize.OptimizeResult | None:
    """Newton's method with step halving on the scaled objective, given its Hessian.

    Returns None (so that BFGS takes over) as soon as the Hessian is not positive definite or
    no step halving decreases the objective; otherwise stops at a scaled gradient of 1e-9,
    which quadratic convergence reaches in a few steps from where BFGS would still need many.
    """
    theta = np.asarray(theta0, dtype=float)
    value, grad = scaled(theta)
    for it in range(maxiter):
        if np.max(np.abs(grad)) <= 1e-9:
            return optimize.OptimizeResult(
                x=theta, fun=value, jac=grad, nit=it, message="Newton converged", newton=True
            )
        hess = hessian(theta)
        if not np.all(np.isfinite(hess)) or np.linalg.eigvalsh(hess).min() <= 0:
            return None
        step = np.linalg.solve(hess, grad)
        decrease = float(grad @ step)
        t = 1.0
        while t > 1e-6:
            new_value, new_grad = scaled(theta - t * step)
            # sufficient decrease, up to rounding (near the optimum the change is below it)
            slack = 8 * np.finfo(float).eps * abs(value)
            if np.isfinite(new_value) and new_value <= value - 1e-4 * t * decrease + slack:
                break
            t /= 2
        else:
            return None
        theta, value, grad = theta - t * step, new_value, new_grad
    return None


def _newton_polish(objective, theta, fun, grad, hess_inv, pen) -> tuple[np.ndarray, float]:
    """One quasi-Newton step from BFGS's end point; kept only if it improves value and gradient.

    ``objective`` returns the penalised ``(value, gradient)``; ``fun`` and ``grad`` are its
    values at ``theta`` and ``hess_inv`` BFGS's estimate of its inverse Hessian there. Returns
    the log-parameters and the unpenalised negative log-likelihood at them. This one full step
    costs one evaluation, where BFGS's line search would spend dozens chasing a tighter
    gradient through rounding noise.
    """
    value = float(fun - pen @ theta**2)
    step = np.asarray(hess_inv, dtype=float) @ np.asarray(grad, dtype=float)
    if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 1e-2:
        return theta, value  # not in the quadratic neighbourhood: keep BFGS's answer
    new = theta - step
    fun_new, grad_new = objective(new)
    if (
        np.isfinite(fun_new)
        and fun_new <= fun + 1e-12 * max(1.0, abs(fun))
        and np.max(np.abs(grad_new)) <= np.max(np.abs(grad))
    ):
        return new, float(fun_new - pen @ new**2)
    return theta, value


def _gradient(value_and_gradient: float | tuple[float, np.ndarray]) -> np.ndarray:
    """The gradient part of an objective's ``(value, gradient)`` pair."""
    assert isinstance(value_and_gradient, tuple), "fit_mle(jac=True) needs (value, gradient)"
    return value_and_gradient[1]


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
    hess_inv0: np.ndarray | None = None,
    start_curvature: bool = False,
    advice: str | None = None,
    n_free: int = 0,
    penalties: Sequence[float] | None = None,
    hessian: Callable[[np.ndarray], np.ndarray] | None = None,
) -> MLEResult:
    """Maximise a log-likelihood over positive parameters (and optionally free ones).

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
    hess_inv0 : ndarray, optional
        A guess of the covariance of the log-parameters (inverse Hessian of the negative
        log-likelihood), e.g. from a fit on a subsample; used to start BFGS when ``jac=True``.
    start_curvature : bool
        Without ``hess_inv0``, start BFGS from the Hessian at ``x0`` (2k gradient calls; often
        halves the number of iterations).
    advice : str, optional
        What to try when the fit fails, in the terms of the model's data (default: advice for
        the transaction models: time units, recency <= T, a penalizer).
    n_free : int
        The last ``n_free`` parameters are unconstrained real numbers (covariate coefficients):
        they are optimised as they are, not on the log scale, and ``x0`` gives them as they are.
    penalties : sequence of float, optional
        Per-parameter L2 weights replacing ``penalizer`` (the objective adds
        ``sum(penalties * theta**2)``).
    hessian : callable, optional
        Analytic Hessian of ``neg_log_likelihood`` in the log-parameters (``jac=True`` only):
        used for the start curvature and the standard errors instead of differences of the
        gradient (which cost 3k gradient calls).

    Raises
    ------
    ConvergenceError
        If the optimiser fails or lands on a non-finite likelihood.
    """
    x0 = np.asarray(x0, dtype=float)
    k = len(x0) - n_free
    theta0 = np.concatenate([np.log(x0[:k]), x0[k:]])
    pen = np.full(len(x0), float(penalizer)) if penalties is None else np.asarray(penalties, float)

    def objective(theta):
        out = neg_log_likelihood(theta)
        if jac:
            value, grad = out
            return value + pen @ theta**2, grad + 2 * pen * theta
        return out + pen @ theta**2

    advice = advice or (
        "Try: check that frequency, recency and T are in the same time unit and that "
        "recency <= T; rescale time (weeks instead of days); or fit with a small penalizer, "
        "e.g. penalizer=0.001."
    )
    with np.errstate(all="ignore"):
        if jac:
            # BFGS (pure numpy) rather than L-BFGS-B, whose tiny BLAS calls are slowed by
            # multi-threaded BLAS; the objective is scaled to O(1) so gtol means the same for
            # 100 or 1,000,000 customers.
            f0, g0 = objective(theta0)
            f0 = float(f0)
            if not np.isfinite(f0):
                raise ConvergenceError(
                    f"{model}: the log-likelihood is not finite at the starting values. {advice}"
                )
            scale = max(1.0, abs(f0))

            def scaled(theta):
                if np.array_equal(theta, theta0):  # BFGS starts where f0 was computed
                    return f0 / scale, g0 / scale
                value, grad = objective(theta)
                return value / scale, grad / scale

            # BFGS stops at a scaled gradient of 1e-8 (its line search can waste dozens of
            # calls chasing 1e-9 through rounding noise); one more quasi-Newton step follows
            # (see _newton_polish)
            options = {"maxiter": maxiter, "gtol": 1e-8}
            res = None
            if hessian is not None and hess_inv0 is None and n_free == 0:
                res = _newton(scaled, theta0, lambda th: (hessian(th) + 2 * np.diag(pen)) / scale)
            if res is None:  # no Hessian, a warm start, or Newton did not get there: BFGS
                if hess_inv0 is None and start_curvature:
                    # curvature at the start (k gradient calls) saves BFGS many iterations
                    if hessian is not None:
                        h_start = hessian(theta0) + 2 * np.diag(pen)
                    else:
                        h_start = _hessian_from_gradient(lambda th: objective(th)[1], theta0, g0)
                    if np.all(np.isfinite(h_start)) and np.linalg.eigvalsh(h_start).min() > 0:
                        hess_inv0 = np.linalg.inv(h_start)
                if hess_inv0 is not None:
                    h0 = np.asarray(hess_inv0, dtype=float)
                    h0 = (h0 + h0.T) / 2 * scale
                    if np.all(np.isfinite(h0)) and np.linalg.eigvalsh(h0).min() > 0:
                        options["hess_inv0"] = h0
                res = optimize.minimize(scaled, theta0, jac=True, method="BFGS", options=options)
            grad_end = np.asarray(res.jac)
            if not np.all(np.isfinite(grad_end)) or np.max(np.abs(grad_end)) > 1e-4:
                raise ConvergenceError(
                    f"{model}: the optimiser stopped before reaching a maximum ({res.message}; "
                    f"largest scaled gradient {np.max(np.abs(grad_end)):.3g}). {advice}"
                )
        else:
            res = optimize.minimize(
                objective,
                theta0,
                method="Nelder-Mead",
                options={"maxiter": maxiter * 5, "xatol": 1e-9, "fatol": tol, "adaptive": True},
            )
            if res.success:
                # polish with BFGS on the numerical gradient for a tight optimum
                polished = optimize.minimize(
                    objective, res.x, method="BFGS", options={"gtol": 1e-8}
                )
                if np.isfinite(polished.fun) and polished.fun <= res.fun:
                    res = polished

    def plain(theta):
        out = neg_log_likelihood(theta)
        return out[0] if jac else out

    if jac:  # the optimiser's last value, without the penalty: saves a likelihood evaluation
        value = float(res.fun * scale - pen @ res.x**2)
    else:
        value = float(plain(res.x))
    if not np.isfinite(value) or not np.all(np.isfinite(res.x)) or np.any(np.abs(res.x) > 30):
        raise ConvergenceError(
            f"{model}: the likelihood could not be maximised ({res.message}; log-likelihood "
            f"{-value}; log-parameters {np.round(res.x, 2).tolist()}). {advice}"
        )
    with np.errstate(all="ignore"):
        if jac and not res.get("newton"):  # Newton's end point needs no polish
            res.x, value = _newton_polish(
                objective, res.x, res.fun * scale, res.jac * scale, res.hess_inv / scale, pen
            )
        if jac:
            if hessian is not None:
                hess = np.asarray(hessian(res.x), dtype=float)
            else:
                hess = _hessian_from_gradient(lambda th: _gradient(neg_log_likelihood(th)), res.x)
        else:
            hess = numerical_hessian(plain, res.x)
    if not np.all(np.isfinite(hess)):
        raise ConvergenceError(
            f"{model}: the curvature of the log-likelihood at the estimate is not finite. {advice}"
        )
    eig = np.linalg.eigvalsh(hess + 2 * np.diag(pen))
    if eig.min() <= 1e-9 * max(1.0, abs(eig.max())):
        raise ConvergenceError(
            f"{model}: the estimate is not a proper maximum (the data do not pin down every "
            f"parameter; log-parameters {np.round(res.x, 2).tolist()}). This happens with very "
            "few repeat purchases or too little data. Try more customers or a longer "
            f"calibration period, or fit with a small penalizer, e.g. penalizer=0.001. {advice}"
        )
    try:
        cov = np.linalg.inv(hess)
        se_log = np.sqrt(np.diag(cov))
    except np.linalg.LinAlgError:
        cov = np.full_like(hess, np.nan)
        se_log = np.full(len(names), np.nan)
    params = np.concatenate([np.exp(res.x[:k]), res.x[k:]])
    # delta method for the log-parameters; the free ones are estimated as they are
    factor = np.concatenate([params[:k], np.ones(n_free)])
    return MLEResult(
        params={n: float(p) for n, p in zip(names, params, strict=True)},
        log_likelihood=-value,
        standard_errors={n: float(f * s) for n, f, s in zip(names, factor, se_log, strict=True)},
        covariance_log=cov,
        n_iterations=int(getattr(res, "nit", 0)),
    )
