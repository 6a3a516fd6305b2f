"""The nonparametric bootstrap of ``analyze``: refits on resampled customers, on the patterns.

Resampling customers with replacement is a multinomial draw of how many customers each distinct
(frequency, recency, T) pattern stands for, so a refit costs one weighted fit on the patterns,
never a pass over the customers. The transaction model is refitted on resampled transaction
patterns and the Gamma-Gamma spend model on resampled (frequency, mean spend) patterns of the
repeat buyers (two independent resamples: the two models are fitted on separate likelihoods).
Each refit starts from the estimate. Refits that fail to converge are counted, not hidden.

Unlike the delta method this needs no covariance of the estimates, so it still gives honest
intervals when a parameter sits at the edge of its range (the delta method's standard errors
are then missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv.lifetime_value import discount_factors
from crmlab.errors import ConvergenceError
from crmlab.research.uncertainty import log_params
from crmlab.transactions import time_unit_days

__all__ = ["BootstrapFits", "MIN_REFITS", "bootstrap_equity", "bootstrap_totals", "refit_resampled"]


@dataclass
class BootstrapFits:
    """Log-parameters of the successful refits and how many failed.

    Attributes
    ----------
    theta_model, theta_spend : ndarray
        ``(refits, k)`` log-parameters of the transaction and spend model.
    n_samples : int
        Bootstrap samples drawn.
    n_failed : int
        Samples whose transaction-model or spend-model refit did not converge (left out).
    """

    theta_model: np.ndarray
    theta_spend: np.ndarray
    n_samples: int
    n_failed: int

    def covariance(self, which: str) -> np.ndarray:
        """Covariance of the refits' log-parameters (``which``: ``"model"`` or ``"spend"``)."""
        theta = self.theta_model if which == "model" else self.theta_spend
        return np.atleast_2d(np.cov(theta, rowvar=False))


def _refit(model: Any, data: pd.DataFrame, time_unit: str) -> Any:
    start = dict(model.params_)
    for penalizer in dict.fromkeys((model.penalizer, 0.001)):
        try:
            return type(model)(penalizer=penalizer).fit(
                data, weights_col="n_customers", time_unit=time_unit, initial_params=start
            )
        except ConvergenceError:
            continue
    return None


def refit_resampled(
    model: Any,
    spend_model: Any,
    patterns: pd.DataFrame,
    spend_patterns: pd.DataFrame,
    *,
    time_unit: str,
    n_samples: int,
    random_state: Any,
) -> BootstrapFits:
    """Refit both models on ``n_samples`` resamples of the customers (seeded).

    Parameters
    ----------
    model, spend_model : fitted models
        The transaction model (``fit(..., initial_params=)``) and the Gamma-Gamma model
        (None: the transaction model alone).
    patterns, spend_patterns : DataFrame
        The weighted patterns they were fitted on (``n_customers`` per row).
    time_unit : str
        Unit of the patterns' times.
    n_samples : int
        Number of bootstrap samples.
    random_state : int or Generator
        Seed.
    """
    rng = np.random.default_rng(random_state)
    n = patterns["n_customers"].to_numpy(dtype=float)
    ns = np.ones(1) if spend_model is None else spend_patterns["n_customers"].to_numpy(dtype=float)
    thetas, spends, failed = [], [], 0
    for _ in range(int(n_samples)):
        w = rng.multinomial(int(n.sum()), n / n.sum())
        ws = rng.multinomial(int(ns.sum()), ns / ns.sum())
        m = _refit(model, patterns.assign(n_customers=w)[w > 0], time_unit)
        g = (
            None
            if spend_model is None
            else _refit(spend_model, spend_patterns.assign(n_customers=ws)[ws > 0], time_unit)
        )
        if m is None or (spend_model is not None and g is None):
            failed += 1
            continue
        thetas.append(log_params(m))
        spends.append(log_params(g) if g is not None else np.zeros(0))
    k, ks = len(model.params_), (0 if spend_model is None else len(spend_model.params_))
    return BootstrapFits(
        np.array(thetas).reshape(len(thetas), k),
        np.array(spends).reshape(len(spends), ks),
        int(n_samples),
        failed,
    )


def _expected_purchases(model: Any, patterns: pd.DataFrame, time_unit: str):
    """``E[X(t)]`` of the patterns at any parameters, the data checked once (not per call).

    Equals ``model_at(model, log(params)).expected_purchases(patterns, t)``; the bootstrap
    evaluates it (horizon + 1) times per refit, where checking the data each time would cost
    more than the formula.
    """
    model.expected_purchases(patterns.head(1), 0.0, time_unit=time_unit)  # units agree
    x, tx, T = model._arrays(patterns, time_unit)  # checked once

    def expected(params: np.ndarray, t: float) -> np.ndarray:
        if t == 0:
            return np.zeros(len(x))
        if abs(t - round(t)) < 1e-9:  # as customer_lifetime_value rounds whole periods
            t = float(round(t))
        return np.asarray(model._expected(tuple(params), float(t), x, tx, T), dtype=float)

    return expected


def bootstrap_totals(
    fits: BootstrapFits,
    model: Any,
    spend_model: Any,
    best: pd.DataFrame,
    spend_sum: Any,
    *,
    margin: float,
    horizon: int,
    monthly: float,
    duration: float | None,
    time_unit: str,
) -> dict:
    """Customer equity (and expected holdout purchases) at every refit, and per-pattern spread.

    Returns
    -------
    dict
        ``equity`` (one value per refit), ``holdout`` (or None) and ``det_log_var``: the
        variance over the refits of each pattern's log discounted expected transactions (what
        the per-customer intervals use).
    """
    expected = _expected_purchases(model, best, time_unit)
    step = time_unit_days("M") / time_unit_days(model.time_unit_)
    factors = discount_factors(horizon, monthly)
    n = best["n_customers"].to_numpy(dtype=float)
    dets, equity, holdout = [], [], []
    for theta, theta_s in zip(fits.theta_model, fits.theta_spend, strict=True):
        params_m = np.exp(theta)
        months = [expected(params_m, k * step) for k in range(horizon + 1)]
        det = sum(f * (months[k + 1] - months[k]) for k, f in enumerate(factors))
        params = dict(zip(spend_model.params_, np.exp(theta_s), strict=True))
        dets.append(det)
        equity.append(margin * float(np.dot(det, spend_sum(params))))
        if duration is not None:
            holdout.append(float(np.dot(n, expected(params_m, duration))))
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.vstack(dets)) if dets else np.empty((0, len(best)))
    return {
        "equity": np.array(equity),
        "holdout": np.array(holdout) if duration is not None else None,
        "det_log_var": logs.var(axis=0) if len(logs) > 1 else np.full(len(best), np.nan),
    }


#: Fewest converged refits an interval is computed from.
MIN_REFITS = 20


def bootstrap_equity(
    model: Any,
    spend_model: Any,
    best: pd.DataFrame,
    spend_patterns: pd.DataFrame,
    *,
    options: dict,
    duration: float | None,
    time_unit: str,
) -> tuple[dict, np.ndarray, np.ndarray]:
    """Customer equity with its bootstrap interval, per-pattern spread and the spend covariance.

    ``options`` holds ``margin``, ``horizon_months``, ``monthly_discount_rate``,
    ``bootstrap_samples`` and ``random_state``.

    Returns
    -------
    equity : dict
        ``estimate``, ``low``, ``high`` (None with a ``reason`` when too few refits converged),
        ``method`` and, with a holdout, the expected holdout purchases and their interval.
    det_log_var : ndarray
        Per pattern, the variance of log discounted expected transactions over the refits.
    spend_covariance : ndarray
        Covariance of the spend model's log-parameters over the refits.
    """
    from crmlab.research.uncertainty import pattern_spend_sums

    margin = options["margin"]
    fits = refit_resampled(
        model,
        spend_model,
        best,
        spend_patterns,
        time_unit=time_unit,
        n_samples=options["bootstrap_samples"],
        random_state=options["random_state"],
    )
    ok = len(fits.theta_model)
    estimate = float(margin * np.dot(best["det"], pattern_spend_sums(best, spend_model.params_)))
    out: dict[str, Any] = {
        "estimate": estimate,
        "horizon_months": int(options["horizon_months"]),
        "margin": float(margin),
        "method": f"bootstrap: {ok} of {fits.n_samples} refits on resampled customers "
        f"({fits.n_failed} did not converge)",
        "bootstrap_refits": ok,
        "bootstrap_failed": fits.n_failed,
    }
    if ok < MIN_REFITS:
        out.update(
            {
                "low": None,
                "high": None,
                "reason": f"only {ok} of {fits.n_samples} bootstrap refits converged (at least "
                f"{MIN_REFITS} are needed); no interval is given rather than a misleading one",
            }
        )
        nan = np.full(len(best), np.nan)
        return out, nan, np.full((3, 3), np.nan)
    totals = bootstrap_totals(
        fits,
        model,
        spend_model,
        best,
        lambda params: pattern_spend_sums(best, params),
        margin=margin,
        horizon=options["horizon_months"],
        monthly=options["monthly_discount_rate"],
        duration=duration,
        time_unit=time_unit,
    )
    lo, hi = np.quantile(totals["equity"], [0.05, 0.95])
    out.update({"low": float(lo), "high": float(hi)})
    if totals["holdout"] is not None:
        out["expected_holdout_purchases"] = float(
            np.dot(best["n_customers"], best["expected_holdout"])
        )
        out["expected_holdout_low"], out["expected_holdout_high"] = map(
            float, np.quantile(totals["holdout"], [0.05, 0.95])
        )
    return out, totals["det_log_var"], fits.covariance("spend")
