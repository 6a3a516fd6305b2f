"""Confidence intervals and regression tables shared by churn, loyalty and internal marketing.

``wilson_interval`` gives the Wilson score interval of a proportion (well-behaved at 0 and 1
and for small groups); ``fit_table`` fits a logit or OLS model with statsmodels and returns the
coefficient table with confidence intervals (and odds ratios for a logit);
``covariance_from_log`` turns the covariance of log-parameters into that of the parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import NormalDist

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import check_probability

__all__ = ["wilson_interval", "fit_table", "covariance_from_log"]


def wilson_interval(
    k: np.ndarray, n: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes out of n (vectorised)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def fit_table(y: pd.Series, X: pd.DataFrame, *, kind: str, level: float = 0.95) -> pd.DataFrame:
    """Fit a logit (``kind="logit"``) or OLS model and return its coefficient table.

    Columns: ``coef``, ``se``, ``ci_low``, ``ci_high``, ``p_value`` (and ``odds_ratio``,
    ``or_low``, ``or_high`` for a logit); ``attrs`` holds ``n``, ``kind`` and ``r2`` (pseudo-R2
    for a logit). A predictor with a single value is refused.
    """
    import statsmodels.api as sm

    check_probability(level, "level", open_interval=True)
    constant = X.columns[X.nunique() <= 1].tolist()
    if constant:
        raise CRMLabInputError(
            f"predictor(s) {constant} take a single value in these rows, so no effect can be "
            "estimated. Fix: drop them or use data where they vary."
        )
    design = sm.add_constant(X.astype(float), has_constant="add")
    if kind == "logit":
        fit = sm.Logit(y.astype(float), design).fit(disp=0, maxiter=200)
        r2 = float(fit.prsquared)
    else:
        fit = sm.OLS(y.astype(float), design).fit()
        r2 = float(fit.rsquared)
    ci = fit.conf_int(alpha=1 - level)
    table = pd.DataFrame(
        {
            "coef": fit.params,
            "se": fit.bse,
            "ci_low": ci[0],
            "ci_high": ci[1],
            "p_value": fit.pvalues,
        }
    )
    if kind == "logit":
        table["odds_ratio"] = np.exp(table["coef"])
        table["or_low"] = np.exp(table["ci_low"])
        table["or_high"] = np.exp(table["ci_high"])
    table.index.name = "term"
    table.attrs.update({"n": int(fit.nobs), "kind": kind, "r2": r2})
    return table


def covariance_from_log(params: Mapping[str, float], covariance_log: object) -> pd.DataFrame:
    """Covariance of positive parameters from that of their logs (delta method).

    ``Cov(p) = diag(p) Cov(log p) diag(p)``; its diagonal gives the standard errors.

    Parameters
    ----------
    params : mapping of str to float
        The estimates, in the order of the rows of ``covariance_log``.
    covariance_log : array-like
        ``k x k`` covariance of the log-parameters.

    Returns
    -------
    DataFrame
        Labelled by parameter name on both axes.
    """
    names = list(params)
    p = np.array([params[n] for n in names], dtype=float)
    cov = np.asarray(covariance_log, dtype=float) * np.outer(p, p)
    return pd.DataFrame(cov, index=names, columns=names)
