"""sBG: the shifted-beta-geometric model of retention in a contractual setting.

Each customer renews at the end of every period with probability ``1 - theta`` and, once gone,
never returns; ``theta`` varies across customers as ``Beta(alpha, beta)``. Because the customers
most likely to leave leave first, the retention rate of a cohort rises over time even though no
individual's churn probability changes. That is why a fitted sBG projects retention far better
than a straight line or an exponential curve fitted to the same years.

Conventions: a customer's lifetime ``T`` counts the periods they paid for (``T = t`` means they
left at the end of period ``t``); ``survival(t) = P(T > t)``; survivors at ``t = 0`` are the whole
cohort.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of
Interactive Marketing*, 21(1), 76-90.
Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting: the
perils of ignoring heterogeneity. *Marketing Science*, 29(1), 85-93.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from crmlab.clv._base import BaseModel, LikelihoodProblem, RandomState
from crmlab.clv._data import collapse
from crmlab.clv._fit import negated
from crmlab.errors import CRMLabInputError
from crmlab.validation import (
    as_1d_array,
    as_float_array,
    as_numeric_column,
    check_frame,
    check_positive,
    report_bad_rows,
    require_columns,
)

__all__ = ["ShiftedBetaGeometric", "sbg_log_likelihood", "survivors_to_individuals"]


def sbg_log_likelihood(
    alpha: float, beta: float, duration: np.ndarray, churned: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each customer's ``(duration, churned)``.

    A customer who left at the end of period ``t`` contributes
    ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)``; one still active after ``t``
    periods (censored) contributes ``S(t) = B(alpha, beta + t) / B(alpha, beta)``.
    """
    t = np.asarray(duration, dtype=float)
    c = np.asarray(churned, dtype=bool)
    base = betaln(alpha, beta)
    return np.where(c, betaln(alpha + 1.0, beta + t - 1.0), betaln(alpha, beta + t)) - base


def survivors_to_individuals(survivors: Sequence[float] | np.ndarray) -> pd.DataFrame:
    """Turn a cohort's survivor counts at ``t = 0..n`` into one row per customer.

    ``survivors[t-1] - survivors[t]`` customers get ``duration = t, churned = 1``; the
    ``survivors[n]`` still active get ``duration = n, churned = 0``.

    Returns
    -------
    DataFrame
        Columns ``duration`` and ``churned``, one row per customer of the cohort.
    """
    s = _check_survivors(survivors)
    lost = (s[:-1] - s[1:]).astype(np.int64)
    n = len(s) - 1
    duration = np.r_[np.repeat(np.arange(1, n + 1), lost), np.full(int(s[-1]), n)]
    churned = np.r_[np.ones(lost.sum(), dtype=np.int64), np.zeros(int(s[-1]), dtype=np.int64)]
    return pd.DataFrame({"duration": duration, "churned": churned})


def _check_survivors(survivors) -> np.ndarray:
    s = as_1d_array(survivors, "survivors")
    if len(s) < 2:
        raise CRMLabInputError(
            "survivors needs at least two values: the cohort size at t = 0 and the number still "
            "active after period 1. Fix: pass e.g. [1000, 631, 468, ...]."
        )
    idx = pd.RangeIndex(len(s), name="t")
    survivors = pd.Series(s, index=idx)
    for bad, problem, fix in [
        (
            np.r_[False, s[1:] > s[:-1]],
            "are larger than the count one period earlier",
            "survivor counts can only fall; pass the number still active at t = 0, 1, 2, ... "
            "(not the number lost each period)",
        ),
        (
            s % 1 != 0,
            "are not whole numbers",
            "pass counts of customers; to use shares, multiply by the cohort size "
            "(e.g. np.round(1000 * shares))",
        ),
    ]:
        report_bad_rows(
            bad, survivors, column="survivors", name="survivors", problem=problem, fix=fix
        )
    return s


class ShiftedBetaGeometric(BaseModel):
    """Shifted-beta-geometric (sBG) retention model for subscription cohorts.

    ``n_customers_`` is the cohort size.

    Attributes
    ----------
    params_ : dict
        ``alpha`` and ``beta`` of the Beta distribution of churn probabilities; the mean churn
        probability in period 1 is ``alpha / (alpha + beta)``.
    n_periods_ : int
        Longest observed duration (the end of the calibration window).
    survivors_ : ndarray
        Observed survivors at ``t = 0..n_periods_`` when fitted from counts or from individuals
        all observed for the same number of periods, else None.
    standard_errors_, covariance_, log_likelihood_, time_unit_, n_customers_
        As for every model (:class:`~crmlab.clv._base.BaseModel`), like ``penalizer``.

    Examples
    --------
    >>> high_end = [1000, 869, 743, 653, 593, 551, 517, 491]
    >>> sbg = ShiftedBetaGeometric().fit(high_end)         # doctest: +SKIP
    >>> sbg.survival(range(8, 13)).round(3)                # doctest: +SKIP
    array([0.46 , 0.436, 0.414, 0.395, 0.378])
    """

    _param_names = ("alpha", "beta")
    _default_time_unit = "Y"
    _label = "sBG"
    _fit_advice = (
        "Try: check that duration counts whole periods survived (>= 1) and churned marks who "
        "left; a cohort needs some customers who left and some who stayed; or fit with a small "
        "penalizer, e.g. penalizer=0.001."
    )

    def fit(
        self,
        data: Sequence[float] | np.ndarray | pd.Series | pd.DataFrame,
        *,
        weights_col: str | None = None,
        time_unit: str | None = None,
        initial_params: dict[str, float] | None = None,
    ) -> ShiftedBetaGeometric:
        """Fit by maximum likelihood from survivor counts or from individual customers.

        Parameters
        ----------
        data : sequence of int or DataFrame
            Either survivor counts at ``t = 0..n`` (the first value is the cohort size), or a
            DataFrame with one row per customer: ``duration`` (periods observed, whole number
            >= 1) and ``churned`` (1 = left at the end of that period, 0 = still active, i.e.
            censored). Customers may be observed for different lengths of time.
        weights_col : str, optional
            With a DataFrame: column holding how many customers share each row.
        time_unit : {"D", "W", "M", "Y"}, optional
            Length of one period; default ``data.attrs["time_unit"]`` if present, else ``"Y"``.
        initial_params : dict, optional
            Starting values of the parameters (default the model's own start).

        Returns
        -------
        ShiftedBetaGeometric
            The fitted model (``self``).
        """
        return super().fit(
            data, weights_col=weights_col, time_unit=time_unit, initial_params=initial_params
        )

    def _problem(self, data, *, weights_col: str | None = None) -> LikelihoodProblem:
        if isinstance(data, pd.DataFrame):
            duration, churned, weights = self._read_individuals(data, weights_col)
            observed = self._survivors_from_individuals(duration, churned, weights)
        else:
            if weights_col is not None:
                raise CRMLabInputError(
                    "weights_col only applies to a DataFrame of individuals; survivor counts "
                    "already count customers. Fix: drop weights_col."
                )
            s = _check_survivors(data)
            n = len(s) - 1
            duration = np.r_[np.arange(1, n + 1), n].astype(float)
            churned = np.r_[np.ones(n), 0.0]
            weights = np.r_[s[:-1] - s[1:], s[-1]]
            keep = weights > 0
            duration, churned, weights = duration[keep], churned[keep], weights[keep]
            observed = s
        u, uw = collapse({"d": duration, "c": churned}, ["d", "c"], weights)
        if not np.any(u["c"] > 0):
            raise CRMLabInputError(
                "no customer churned in the data, so the churn rate cannot be estimated (the "
                "likelihood keeps rising as churn goes to 0). Fix: observe the cohort for longer."
            )

        d, c = u["d"], u["c"] > 0

        def neg_ll(theta):
            a, b = np.exp(theta)
            ll = sbg_log_likelihood(a, b, d, c)
            # derivatives of betaln(A, B) - betaln(a, b); A = a+1 or a, B = b+t-1 or b+t
            A = np.where(c, a + 1.0, a)
            B = np.where(c, b + d - 1.0, b + d)
            common = digamma(a + b) - digamma(A + B)
            grad = np.array(
                [
                    uw @ (digamma(A) - digamma(a) + common) * a,
                    uw @ (digamma(B) - digamma(b) + common) * b,
                ]
            )
            return negated(uw @ ll, grad)

        return LikelihoodProblem(
            neg_log_likelihood=neg_ll,
            start=[1.0, 1.0],
            n_customers=float(weights.sum()),
            fitted={"n_periods_": int(duration.max()), "survivors_": observed},
        )

    @staticmethod
    def _read_individuals(data: pd.DataFrame, weights_col: str | None):
        check_frame(data, "data")
        require_columns(
            data,
            ["duration", "churned"] + ([weights_col] if weights_col else []),
            hint="one row per customer with duration (periods observed) and churned (1 = left at "
            "the end of that period, 0 = still active); or pass survivor counts as a list",
        )
        duration = as_numeric_column(
            data,
            "duration",
            integer=True,
            min_value=1,
            fix_negative="duration counts the periods a customer was observed, at least 1",
        ).to_numpy()
        churned = as_numeric_column(data, "churned").to_numpy()
        report_bad_rows(
            ~np.isin(churned, (0.0, 1.0)),
            data["churned"],
            column="churned",
            problem="are not 0 or 1",
            fix="use 1 for customers who left and 0 for those still active",
        )
        if weights_col:
            weights = as_numeric_column(
                data, weights_col, min_value=0, min_inclusive=False
            ).to_numpy()
        else:
            weights = np.ones(len(duration))
        return duration, churned, weights

    @staticmethod
    def _survivors_from_individuals(duration, churned, weights) -> np.ndarray | None:
        n = int(duration.max())
        censored_early = (churned == 0) & (duration < n)
        if censored_early.any():
            return None  # unequal observation windows: no single survivor curve
        lost = np.bincount(duration.astype(np.int64), weights=weights * churned, minlength=n + 1)
        total = weights.sum()
        return total - np.cumsum(lost)

    # ----------------------------------------------------------------- predictions
    def _ab(self) -> tuple[float, float]:
        self._check_fitted()
        return self.params_["alpha"], self.params_["beta"]

    @staticmethod
    def _periods(t, what: str = "t", minimum: int = 0) -> np.ndarray:
        arr = as_float_array(t, what)
        if np.any(~np.isfinite(arr)) or np.any(arr < minimum) or np.any(arr % 1 != 0):
            raise CRMLabInputError(
                f"{what} must hold whole numbers of periods >= {minimum}, got {t!r}. Fix: pass "
                f"e.g. range({minimum}, 13)."
            )
        return arr

    def survival(self, t) -> np.ndarray:
        """Share of a cohort still active after ``t`` periods, ``S(t) = B(a, b+t) / B(a, b)``."""
        a, b = self._ab()
        t = self._periods(t)
        return np.exp(betaln(a, b + t) - betaln(a, b))

    def retention_rate(self, t) -> np.ndarray:
        """Share of those active after period ``t - 1`` who renew for period ``t``.

        ``r(t) = S(t) / S(t-1) = (b + t - 1) / (a + b + t - 1)`` for ``t >= 1``; it rises with
        ``t`` (Fader & Hardie 2007, eq. 8).
        """
        a, b = self._ab()
        t = self._periods(t, minimum=1)
        return (b + t - 1.0) / (a + b + t - 1.0)

    def churn_probability(self, t) -> np.ndarray:
        """Probability that a new customer leaves at the end of period ``t``, ``P(T = t)``."""
        a, b = self._ab()
        t = self._periods(t, minimum=1)
        return np.exp(betaln(a + 1.0, b + t - 1.0) - betaln(a, b))

    def derl(self, discount_rate: float, renewals=None) -> np.ndarray | float:
        """Discounted expected residual lifetime of a customer alive after ``renewals`` renewals.

        Fader & Hardie (2010, eq. 6):
        ``DERL(d | n) = (b + n) / (a + b + n) * 2F1(1, b + n + 1; a + b + n + 1; 1 / (1 + d))``,
        i.e. ``sum_{k>=0} P(still active at n + 1 + k | active at n) / (1 + d)^k``: the expected
        number of future payments, the next one (the renewal at ``n + 1``) undiscounted and each
        later one discounted by one more period. Multiply by the payment per period for the
        residual value of a customer.

        Parameters
        ----------
        discount_rate : float
            Discount rate per period (0.10 = 10%), > 0.
        renewals : int or array of int, optional
            Renewals made so far, ``n`` (0 = a customer who has just signed up). Default: the end
            of the fitted window, ``n_periods_``.

        Returns
        -------
        float or ndarray
            Expected discounted number of future payments.
        """
        a, b = self._ab()
        d = check_positive(discount_rate, "discount_rate")
        if renewals is None:
            if not hasattr(self, "n_periods_"):
                raise CRMLabInputError(
                    "renewals is needed for a model built with from_params (there is no fitted "
                    "window). Fix: pass renewals=..., e.g. renewals=0 for a new customer."
                )
            renewals = self.n_periods_
        n = self._periods(renewals, "renewals")
        out = (b + n) / (a + b + n) * hyp2f1(1.0, b + n + 1.0, a + b + n + 1.0, 1.0 / (1.0 + d))
        return float(out) if np.ndim(out) == 0 else out

    def log_likelihood_individual(self, data: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each customer's ``(duration, churned)`` row."""
        a, b = self._ab()
        duration, churned, _ = self._read_individuals(data, None)
        return pd.Series(
            sbg_log_likelihood(a, b, duration, churned), index=data.index, name="log_likelihood"
        )

    def simulate(
        self, n_customers: int, n_periods: int, random_state: RandomState = None
    ) -> pd.DataFrame:
        """Simulate a cohort observed for ``n_periods`` periods.

        Each customer draws a churn probability ``theta ~ Beta(alpha, beta)`` and stays a
        geometric number of periods; those still active after ``n_periods`` are censored.

        Returns
        -------
        DataFrame
            One row per customer: ``duration`` (periods observed, at most ``n_periods``),
            ``churned`` (1 if they left within the window) and the latent churn probability
            ``theta``. Turn it into survivor counts with ``n_customers - churned lifetimes``, or
            fit it directly.
        """
        a, b = self._ab()
        n_customers = int(check_positive(n_customers, "n_customers"))
        n_periods = int(self._periods(n_periods, "n_periods", minimum=1))
        rng = np.random.default_rng(random_state)
        theta = rng.beta(a, b, size=n_customers)
        lifetime = rng.geometric(np.clip(theta, 1e-300, 1.0))
        return pd.DataFrame(
            {
                "duration": np.minimum(lifetime, n_periods).astype(np.int64),
                "churned": (lifetime <= n_periods).astype(np.int64),
                "theta": theta,
            }
        )
