"""Gamma-Gamma model of the average spend per transaction (Fader, Hardie & Lee 2005).

Each transaction of a customer is worth ``z ~ Gamma(p, nu)`` (shape ``p``, rate ``nu``); the rate
``nu`` varies across customers as ``Gamma(q, gamma)``. A customer's mean spend is therefore
``p / nu`` and the population mean spend is ``p * gamma / (q - 1)``, finite only when ``q > 1``.
The model assumes that spend is independent of the purchase process, so it is paired with a
transaction model (BG/NBD, Pareto/NBD, ...) to value customers.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for
customer base analysis. *Journal of Marketing Research*, 42(4), 415-430.
Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value. Note 025,
http://brucehardie.com/notes/025/.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from crmlab.clv._base import BaseModel, LikelihoodProblem, RandomState
from crmlab.clv._data import check_summary
from crmlab.clv._fit import dot, negated
from crmlab.errors import CRMLabInputError
from crmlab.validation import report_bad_rows

__all__ = ["GammaGamma", "gamma_gamma_log_likelihood"]


def gamma_gamma_log_likelihood(
    p: float, q: float, gamma: float, frequency: np.ndarray, monetary_value: np.ndarray
) -> np.ndarray:
    """Log-density of each repeater's observed mean spend ``m`` given ``x`` transactions.

    The full density of the mean of ``x`` Gamma(p, nu) draws mixed over nu ~ Gamma(q, gamma),

    ``f(m | x) = Gamma(px+q) / (Gamma(px) Gamma(q)) * gamma^q * m^(px-1) * x^(px) / (gamma+xm)^(px+q)``,

    including the terms ``(px-1) log m + px log x`` that depend on the parameters through ``p``.
    No term is dropped, so the total on the CDNOW sample is the published -4055.92 (CLVTools,
    lifetimes).

    Parameters
    ----------
    p, q, gamma : float
        Model parameters (all > 0).
    frequency : ndarray
        Number of repeat transactions ``x`` (> 0).
    monetary_value : ndarray
        Mean value ``m`` of those transactions (> 0).

    Returns
    -------
    ndarray
        One log-likelihood per customer.
    """
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )


def _gamma_gamma_objective(x: np.ndarray, m: np.ndarray, w: np.ndarray):
    """The fit's objective: total negative log-likelihood of ``log (p, q, gamma)`` and gradient.

    The total of :func:`gamma_gamma_log_likelihood` is rebuilt from sufficient statistics: the
    Gamma-function terms depend on ``x`` alone (evaluated once per distinct ``x`` with summed
    weights), ``(px-1) log m + px log x`` is linear in ``p`` (two sums computed once), so each
    evaluation computes only ``log(gamma + x m)`` and ``1 / (gamma + x m)`` per customer.
    """
    ux, inv = np.unique(x, return_inverse=True)
    w_u = np.bincount(inv.reshape(-1), weights=w, minlength=len(ux))
    wx_u = w_u * ux
    w_total = float(w.sum())
    wx = w * x
    mx = m * x
    log_m = np.log(m)
    s_linear = dot(wx, log_m + np.log(x))  # coefficient of p in sum w [(px-1) log m + px log x]
    s_log_m = dot(w, log_m)

    def neg_ll(theta):
        p, q, g = np.exp(theta)
        pu = p * ux
        log_gmx = np.log(g + mx)
        inv_gmx = 1.0 / (g + mx)
        wx_log, w_log = dot(wx, log_gmx), dot(w, log_gmx)
        total = (
            dot(w_u, gammaln(pu + q) - gammaln(pu))
            + w_total * (q * np.log(g) - gammaln(q))
            + p * s_linear
            - s_log_m
            - p * wx_log
            - q * w_log
        )
        psi = digamma(pu + q)
        grad = np.array(
            [
                (dot(wx_u, psi - digamma(pu)) + s_linear - wx_log) * p,
                (dot(w_u, psi) - w_total * (digamma(q) - np.log(g)) - w_log) * q,
                (w_total * q / g - p * dot(wx, inv_gmx) - q * dot(w, inv_gmx)) * g,
            ]
        )
        return negated(total, grad)

    return neg_ll


class GammaGamma(BaseModel):
    """Gamma-Gamma spend model: expected mean transaction value per customer.

    ``log_likelihood_`` is that of the repeaters' mean spends (full density, see
    :func:`gamma_gamma_log_likelihood`) and ``n_customers_`` counts the rows used in the fit
    (repeaters with positive spend).

    Attributes
    ----------
    params_ : dict
        ``p``, ``q`` and ``gamma`` (Fader, Hardie & Lee 2005 names; lifetimes calls gamma ``v``).
    n_excluded_ : int
        Rows left out: customers without repeat purchases, plus those with non-positive spend when
        ``exclude_nonpositive=True``.
    standard_errors_, covariance_, log_likelihood_, time_unit_, n_customers_
        As for every model (:class:`~crmlab.clv._base.BaseModel`), like ``penalizer``.

    Examples
    --------
    >>> gg = GammaGamma().fit(summary)                          # doctest: +SKIP
    >>> gg.expected_spend(summary).head()                       # doctest: +SKIP
    """

    _param_names = ("p", "q", "gamma")
    _label = "Gamma-Gamma"
    _fit_advice = (
        "Try: check that monetary_value is each repeat buyer's mean spend per repeat purchase "
        "(not a total) and that it varies between customers; rescale the currency (e.g. "
        "thousands instead of cents); or fit with a small penalizer, e.g. penalizer=0.001."
    )

    def fit(
        self,
        data: pd.DataFrame,
        *,
        weights_col: str | None = None,
        exclude_nonpositive: bool = False,
        time_unit: str | None = None,
        initial_params: dict[str, float] | None = None,
    ) -> GammaGamma:
        """Fit by maximum likelihood on the rows with ``frequency > 0``.

        Parameters
        ----------
        data : DataFrame
            Columns ``frequency`` and ``monetary_value`` (mean value of the *repeat* purchases,
            as :func:`crmlab.transactions.rfm_summary` computes it).
        weights_col : str, optional
            Column holding how many customers share each row.
        time_unit : {"D", "W", "M", "Y"}, optional
            Time unit of ``data`` when ``data.attrs`` does not state it (spend has no time
            unit; it is recorded so that CLV can check its purchase model agrees).
        exclude_nonpositive : bool, default False
            Repeaters with ``monetary_value <= 0`` are an error by default (the model needs
            positive spend); ``True`` leaves them out and counts them in ``n_excluded_``.
        initial_params : dict, optional
            Starting values of ``p``, ``q`` and ``gamma`` (default the model's own start).

        Returns
        -------
        GammaGamma
            The fitted model (``self``).
        """
        return self._fit(
            data,
            weights_col=weights_col,
            time_unit=time_unit,
            initial_params=initial_params,
            exclude_nonpositive=exclude_nonpositive,
        )

    def _problem(
        self, data: pd.DataFrame, *, weights_col: str | None = None, exclude_nonpositive=False
    ) -> LikelihoodProblem:
        freq, money, weights = self._read(data, weights_col=weights_col)
        repeat = freq > 0
        nonpositive = repeat & (money <= 0)
        if nonpositive.any() and not exclude_nonpositive:
            report_bad_rows(
                nonpositive,
                data["monetary_value"],
                column="monetary_value",
                problem="are repeat buyers with zero or negative mean spend",
                fix="the Gamma-Gamma model needs positive spend; correct those rows, or pass "
                "exclude_nonpositive=True to leave them out of the fit (they are counted in "
                "n_excluded_)",
            )
        use = repeat & ~nonpositive
        if use.sum() < 3:
            report_bad_rows(
                np.ones(len(freq), dtype=bool),
                data["frequency"],
                column="frequency",
                problem=f"give only {int(use.sum())} usable repeat buyers",
                fix="the Gamma-Gamma model is fitted on customers with frequency > 0 and positive "
                "monetary_value; it needs at least 3 of them",
            )
        x, m, w = freq[use], money[use], weights[use]
        if np.ptp(m) == 0:
            raise CRMLabInputError(
                f"monetary_value is the same ({m[0]:g}) for all {int(round(w.sum())):,} repeat "
                "buyers, so the Gamma-Gamma model cannot estimate how spend varies between "
                "customers (its parameters would run off to infinity). Fix: check that "
                "monetary_value holds each customer's own mean spend per repeat purchase; if "
                "everyone really spends the same, use that number as the spend, e.g. "
                f"customer_lifetime_value(model, {m[0]:g}, summary)."
            )

        neg_ll = _gamma_gamma_objective(x, m, w)
        return LikelihoodProblem(
            neg_log_likelihood=neg_ll,
            start=[1.0, 2.0, float(np.average(m, weights=w))],
            n_customers=float(w.sum()),
            start_curvature=True,
            fitted={
                "n_excluded_": int(round(weights.sum() - w.sum())),
                "n_nonpositive_excluded_": int(round(weights[nonpositive].sum())),
            },
        )

    @staticmethod
    def _read(data, *, weights_col=None):
        arrays, weights = check_summary(
            data, ("frequency", "monetary_value"), weights_col=weights_col
        )
        return arrays["frequency"], arrays["monetary_value"], weights

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per transaction across the population, ``p * gamma / (q - 1)``.

        Raises
        ------
        ValueError
            If ``q <= 1``: the fitted distribution of mean spend is so heavy-tailed that its mean
            is infinite, so no finite average exists.
        """
        self._check_fitted()
        p, q, g = (self.params_[k] for k in self._param_names)
        if q <= 1:
            raise ValueError(
                f"Gamma-Gamma: q = {q:.4g} <= 1, so the fitted spend distribution has an infinite "
                "mean: there is no finite expected spend for a customer without repeat "
                "purchases. Fix: check monetary_value for extreme outliers or mixed currencies, "
                "trim or cap them, or use the customers' own observed averages."
            )
        return p * g / (q - 1.0)

    def expected_spend(self, data: pd.DataFrame) -> pd.Series:
        """Expected mean transaction value of each customer, given their history.

        ``E(M | x, m) = p (gamma + x m) / (p x + q - 1)``: a weighted average of the population
        mean and the customer's own mean ``m``, with more weight on ``m`` the more repeat purchases
        ``x`` there are. Customers with ``frequency == 0`` get the population mean
        ``p * gamma / (q - 1)``.

        Parameters
        ----------
        data : DataFrame
            Columns ``frequency`` and ``monetary_value``.

        Returns
        -------
        Series
            Named ``expected_spend``, indexed like ``data``.

        Raises
        ------
        ValueError
            When the expectation is infinite (``q <= 1`` and a customer has no repeat purchases,
            or ``p x + q <= 1``); the message explains why.
        """
        self._check_fitted()
        freq, money, _ = self._read(data)
        repeat = freq > 0
        report_bad_rows(
            repeat & (money <= 0),
            data["monetary_value"],
            column="monetary_value",
            problem="are repeat buyers with zero or negative mean spend",
            fix="the Gamma-Gamma model needs positive spend; correct or remove those rows",
        )
        p, q, g = (self.params_[k] for k in self._param_names)
        if (~repeat).any():
            pop = self.population_mean_spend  # raises clearly when q <= 1
        else:
            pop = np.nan
        denom = p * freq + q - 1.0
        if (repeat & (denom <= 0)).any():
            raise ValueError(
                f"Gamma-Gamma: p*x + q - 1 <= 0 for some customers (p={p:.4g}, q={q:.4g}), so "
                "their expected spend is infinite. Fix: check monetary_value for extreme outliers."
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            own = p * (g + freq * money) / denom
        out = np.where(repeat, own, pop)
        return pd.Series(out, index=data.index, name="expected_spend")

    def log_likelihood_individual(self, data: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each repeater's mean spend (NaN for rows with ``frequency == 0``)."""
        self._check_fitted()
        freq, money, _ = self._read(data)
        p, q, g = (self.params_[k] for k in self._param_names)
        ok = (freq > 0) & (money > 0)
        out = np.full(len(freq), np.nan)
        out[ok] = gamma_gamma_log_likelihood(p, q, g, freq[ok], money[ok])
        return pd.Series(out, index=data.index, name="log_likelihood")

    def simulate(
        self,
        frequency: np.ndarray | pd.Series,
        random_state: RandomState = None,
    ) -> pd.DataFrame:
        """Draw each customer's mean spend over ``frequency`` repeat transactions.

        Each customer gets ``nu ~ Gamma(q, rate=gamma)``; the mean of ``x`` transactions
        ``z ~ Gamma(p, rate=nu)`` is ``Gamma(p x, rate=x nu)``.

        Parameters
        ----------
        frequency : array-like of int
            Number of repeat transactions of each simulated customer (0 gives monetary_value 0).
        random_state : int or Generator, optional
            Seed for :func:`numpy.random.default_rng`.

        Returns
        -------
        DataFrame
            Columns ``frequency``, ``monetary_value`` and the latent mean spend ``true_mean``.
        """
        self._check_fitted()
        rng = np.random.default_rng(random_state)
        x = np.asarray(frequency, dtype=float)
        if x.ndim != 1 or np.any(x < 0) or np.any(x % 1 != 0):
            raise ValueError("frequency must be a 1-D array of whole numbers >= 0.")
        p, q, g = (self.params_[k] for k in self._param_names)
        nu = rng.gamma(q, 1.0 / g, size=len(x))
        shape = np.where(x > 0, p * x, 1.0)
        mean = rng.gamma(shape, 1.0 / (np.maximum(x, 1) * nu))
        return pd.DataFrame(
            {
                "frequency": x.astype(np.int64),
                "monetary_value": np.where(x > 0, mean, 0.0),
                "true_mean": p / nu,
            }
        )
