"""BG/BB: the beta-geometric/beta-binomial model of discrete-time repeat transactions.

At each of ``n`` discrete transaction opportunities (yearly donation drives, annual events,
...) an active customer transacts with probability ``p``; before each opportunity the customer
may become inactive ("die") with probability ``theta``, for good. Across customers
``p ~ Beta(alpha, beta)`` and ``theta ~ Beta(gamma, delta)``. A customer's history is summarised
by ``frequency`` (x: number of opportunities with a transaction), ``recency`` (t_x: the
opportunity of the last one, 0 if none) and ``periods`` (n: the number of opportunities).

References
----------
Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time
noncontractual setting. *Marketing Science*, 29(6), 1086-1108.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln, logsumexp

from crmlab.clv._base import BaseModel, LikelihoodProblem, RandomState
from crmlab.clv._data import check_summary, collapse
from crmlab.clv._fit import negated
from crmlab.errors import CRMLabInputError
from crmlab.validation import as_float_array, check_positive, report_bad_rows

__all__ = ["BetaGeoBetaBinom", "bgbb_log_likelihood"]

_COLUMNS = ("frequency", "recency", "periods")
_HINT_PERIODS = (
    "BG/BB is a discrete-time model: pass columns frequency, recency and periods counted in "
    "whole transaction opportunities (e.g. load_donations()); if your T column counts whole "
    "periods, use data.rename(columns={'T': 'periods'})"
)


def bgbb_log_likelihood(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    frequency: np.ndarray,
    recency: np.ndarray,
    periods: np.ndarray,
) -> np.ndarray:
    """Log-likelihood of each history ``(x, t_x, n)`` (Fader, Hardie & Shang 2010, eq. 5).

    ``L = B(a+x, b+n-x)/B(a,b) * B(g, d+n)/B(g,d)
    + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a,b) * B(g+1, d+t_x+i)/B(g,d)``,

    evaluated with ``betaln`` and ``logsumexp`` (first term: alive through all ``n``
    opportunities; the sum: died just after opportunity ``t_x + i``).
    """
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    n = np.asarray(periods, dtype=float)
    base = betaln(alpha, beta)
    base_d = betaln(gamma, delta)
    alive = betaln(alpha + x, beta + n - x) - base + betaln(gamma, delta + n) - base_d
    gap = (n - tx).astype(np.int64)
    width = int(gap.max(initial=0))
    if width == 0:
        return alive
    i = np.arange(width)[None, :]
    died = (
        betaln(alpha + x[:, None], beta + tx[:, None] - x[:, None] + i)
        - base
        + betaln(gamma + 1.0, delta + tx[:, None] + i)
        - base_d
    )
    died = np.where(i < gap[:, None], died, -np.inf)
    return logsumexp(np.column_stack([alive, died]), axis=1)


def _bgbb_nll_grad(theta, x, tx, n, w):
    """Total negative log-likelihood of the log-parameters and its analytic gradient."""
    a, b, g, d = np.exp(theta)
    width = int((n - tx).max(initial=0))
    i = np.arange(width)[None, :]
    # columns: alive through n, then died just after opportunity t_x + i
    A = np.column_stack([a + x, np.broadcast_to(a + x[:, None], (len(x), width))])
    B = np.column_stack([b + n - x, b + tx[:, None] - x[:, None] + i])
    G = np.column_stack([np.full(len(x), g), np.full((len(x), width), g + 1.0)])
    D = np.column_stack([d + n, d + tx[:, None] + i])
    valid = np.column_stack([np.ones(len(x), dtype=bool), i < (n - tx)[:, None]])
    log_terms = np.where(valid, betaln(A, B) - betaln(a, b) + betaln(G, D) - betaln(g, d), -np.inf)
    ll = logsumexp(log_terms, axis=1)
    share = np.exp(log_terms - ll[:, None])  # each term's share of the likelihood
    psi_ab, psi_gd = digamma(A + B), digamma(G + D)
    with np.errstate(invalid="ignore"):
        parts = [
            (digamma(A) - psi_ab) - (digamma(a) - digamma(a + b)),
            (digamma(B) - psi_ab) - (digamma(b) - digamma(a + b)),
            (digamma(G) - psi_gd) - (digamma(g) - digamma(g + d)),
            (digamma(D) - psi_gd) - (digamma(d) - digamma(g + d)),
        ]
    grad = np.array(
        [w @ np.where(valid, share * part, 0.0).sum(axis=1) for part in parts]
    ) * np.array([a, b, g, d])
    return negated(w @ ll, grad)


def _check_bgbb(data: pd.DataFrame, weights_col: str | None = None):
    """Validate a BG/BB frame; return ``(x, t_x, n)`` as float arrays and the weights."""
    if "periods" not in getattr(data, "columns", ()) and "T" in getattr(data, "columns", ()):
        raise CRMLabInputError(f"data has no column 'periods'. Fix: {_HINT_PERIODS}.")
    arrays, w = check_summary(data, _COLUMNS, weights_col=weights_col)
    x, tx, n = arrays["frequency"], arrays["recency"], arrays["periods"]
    series = {c: data[c] for c in _COLUMNS}
    report_bad_rows(
        (tx % 1 != 0) | (n % 1 != 0),
        series["recency"] if np.any(tx % 1 != 0) else series["periods"],
        column="recency" if np.any(tx % 1 != 0) else "periods",
        problem="are not whole numbers of periods",
        fix=_HINT_PERIODS,
    )
    report_bad_rows(
        n < 1,
        series["periods"],
        column="periods",
        problem="are below 1",
        fix="periods is the number of transaction opportunities after the first purchase",
    )
    report_bad_rows(
        tx > n,
        series["recency"],
        column="recency",
        problem="are larger than periods",
        fix="recency is the opportunity of the last transaction, so it is at most periods",
    )
    report_bad_rows(
        x > tx,
        series["frequency"],
        column="frequency",
        problem="are larger than recency",
        fix="with one transaction at most per opportunity, frequency <= recency",
    )
    return x, tx, n, w


def _whole_periods(t, what: str = "t") -> np.ndarray:
    arr = as_float_array(t, what)
    if np.any(~np.isfinite(arr)) or np.any(arr < 0) or np.any(np.abs(arr - np.round(arr)) > 1e-9):
        raise CRMLabInputError(
            f"{what} must be a whole number of periods >= 0 for the discrete-time BG/BB model, got "
            f"{t!r}. Fix: count future transaction opportunities (1, 2, ...); for a customer "
            "lifetime value use time_unit equal to the model's period."
        )
    return np.round(arr).astype(np.int64)


class BetaGeoBetaBinom(BaseModel):
    """BG/BB model of repeat transactions at discrete opportunities.

    With ``weights_col`` the log-likelihood is weighted and ``n_customers_`` is the sum of the
    weights.

    Attributes
    ----------
    params_ : dict
        ``alpha``, ``beta`` (transaction probability ~ Beta(alpha, beta)) and ``gamma``,
        ``delta`` (dropout probability ~ Beta(gamma, delta)).
    standard_errors_, covariance_, log_likelihood_, time_unit_, n_customers_
        As for every model (:class:`~crmlab.clv._base.BaseModel`), like ``penalizer``.

    Examples
    --------
    >>> donations = crmlab.datasets.load_donations()                    # doctest: +SKIP
    >>> BetaGeoBetaBinom().fit(donations, weights_col="weights").params_  # doctest: +SKIP
    {'alpha': 1.204, 'beta': 0.750, 'gamma': 0.657, 'delta': 2.783}
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _default_time_unit = "Y"
    _label = "BG/BB"
    #: name of the column holding each customer's exposure (opportunities observed)
    exposure_column: ClassVar[str] = "periods"

    def fit(
        self,
        data: pd.DataFrame,
        *,
        weights_col: str | None = None,
        time_unit: str | None = None,
        initial_params: dict[str, float] | None = None,
    ) -> BetaGeoBetaBinom:
        """Fit by maximum likelihood.

        Parameters
        ----------
        data : DataFrame
            Columns ``frequency``, ``recency`` and ``periods`` in whole opportunities.
        weights_col : str, optional
            Column holding how many customers share each row (e.g. ``"weights"`` in
            :func:`crmlab.datasets.load_donations`).
        time_unit : {"D", "W", "M", "Y"}, optional
            Length of one opportunity; default ``data.attrs["time_unit"]`` if present, else
            ``"Y"`` (yearly opportunities, as in the donations data). Only
            :func:`~crmlab.clv.customer_lifetime_value` uses it.
        initial_params : dict, optional
            Starting values of the parameters (default the model's own start).

        Returns
        -------
        BetaGeoBetaBinom
            The fitted model (``self``).
        """
        return super().fit(
            data, weights_col=weights_col, time_unit=time_unit, initial_params=initial_params
        )

    def _problem(self, data: pd.DataFrame, *, weights_col: str | None = None) -> LikelihoodProblem:
        x, tx, n, w = _check_bgbb(data, weights_col)
        u, uw = collapse({"x": x, "tx": tx, "n": n}, ["x", "tx", "n"], w)

        def neg_ll(theta):
            with np.errstate(all="ignore"):
                return _bgbb_nll_grad(theta, u["x"], u["tx"], u["n"], uw)

        return LikelihoodProblem(
            neg_log_likelihood=neg_ll, start=[1.0, 1.0, 1.0, 1.0], n_customers=float(w.sum())
        )

    # ----------------------------------------------------------------- predictions
    def _ab(self):
        self._check_fitted()
        return tuple(self.params_[k] for k in self._param_names)

    def _histories(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Checked ``frequency`` and ``periods`` of ``data`` and each row's log-likelihood."""
        a, b, g, d = self._ab()
        self._check_time_unit(data)
        x, tx, n, _ = _check_bgbb(data)
        return x, n, bgbb_log_likelihood(a, b, g, d, x, tx, n)

    def _retention_sums(self, start: np.ndarray, t: int) -> np.ndarray:
        """``sum_{k=1}^{t} B(gamma, delta + start + k) / B(gamma, delta)`` for each ``start``."""
        _, _, g, d = self._ab()
        start = np.asarray(start, dtype=float)
        if t == 0:
            return np.zeros(start.shape)
        uniq, inv = np.unique(start, return_inverse=True)
        k = np.arange(1, t + 1)[None, :]
        terms = np.exp(betaln(g, d + uniq[:, None] + k) - betaln(g, d))
        return terms.sum(axis=1)[inv].reshape(start.shape)

    def log_likelihood_individual(self, data: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each row's history (per customer, not multiplied by weights)."""
        _, _, log_l = self._histories(data)
        return pd.Series(log_l, index=data.index, name="log_likelihood")

    def probability_alive(self, data: pd.DataFrame, periods_ahead: int = 1) -> pd.Series:
        """Probability that each customer is still active at opportunity ``n + periods_ahead``.

        The default ``periods_ahead=1`` is Fader, Hardie & Shang's P(alive at n+1), e.g. their
        Table 6 "P(alive in 2002)" for the donations data; ``periods_ahead=0`` gives P(alive at
        n).

        Returns
        -------
        Series
            Named ``probability_alive``, indexed like ``data``.
        """
        a, b, g, d = self._ab()
        m = int(_whole_periods(periods_ahead, "periods_ahead"))
        x, n, log_l = self._histories(data)
        log_alive = betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n + m) - betaln(g, d)
        return pd.Series(np.exp(log_alive - log_l), index=data.index, name="probability_alive")

    def expected_purchases(self, data: pd.DataFrame, t: int) -> pd.Series:
        """Expected number of transactions in the next ``t`` opportunities, ``(n, n + t]``.

        ``E = B(a+x+1, b+n-x)/B(a,b) * sum_{k=1}^{t} B(g, d+n+k)/B(g,d) / L`` (Fader, Hardie &
        Shang 2010, eq. 13, summed term by term so it is exact for any ``gamma``).

        Parameters
        ----------
        data : DataFrame
            Columns ``frequency``, ``recency``, ``periods``.
        t : int
            Number of future opportunities (whole number >= 0).

        Returns
        -------
        Series
            Named ``expected_purchases``, indexed like ``data``.
        """
        a, b, _, _ = self._ab()
        t = int(_whole_periods(t))
        x, n, log_l = self._histories(data)
        lead = np.exp(betaln(a + x + 1, b + n - x) - betaln(a, b) - log_l)
        out = lead * self._retention_sums(n, t)
        return pd.Series(out, index=data.index, name="expected_purchases")

    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected transactions of a new customer in the first ``t`` opportunities.

        ``E[X(t)] = alpha/(alpha+beta) * sum_{k=1}^{t} B(gamma, delta+k)/B(gamma, delta)``.
        ``t`` may be an array of whole numbers.
        """
        a, b, _, _ = self._ab()
        tt = _whole_periods(t)
        flat = tt.ravel()
        tmax = int(flat.max(initial=0))
        cum = np.r_[0.0, np.cumsum(self._step_terms(tmax))]
        return (a / (a + b) * cum[flat]).reshape(tt.shape)

    def _step_terms(self, tmax: int) -> np.ndarray:
        _, _, g, d = self._ab()
        k = np.arange(1, tmax + 1)
        return np.exp(betaln(g, d + k) - betaln(g, d))

    def probability_purchases_new(self, t, n) -> np.ndarray:
        """Probability that a new customer makes exactly ``n`` transactions in ``t`` opportunities.

        Fader, Hardie & Shang (2010, eq. 8):
        ``P(X(t)=x) = C(t,x) B(a+x, b+t-x)/B(a,b) B(g, d+t)/B(g,d)
        + sum_{i=x}^{t-1} C(i,x) B(a+x, b+i-x)/B(a,b) B(g+1, d+i)/B(g,d)``.

        Parameters
        ----------
        t : int or array of int
            Number(s) of opportunities.
        n : int or array of int
            Number(s) of transactions (values above ``t`` have probability 0). ``t`` and ``n``
            broadcast against each other.

        Returns
        -------
        ndarray
            The broadcast shape of ``t`` and ``n``.
        """
        self._check_fitted()
        tt, nn = np.broadcast_arrays(_whole_periods(t), _whole_periods(n, "n"))
        out = np.empty(tt.shape)
        for value in np.unique(tt):
            here = tt == value
            out[here] = self._pmf_new(int(value), nn[here].astype(float))
        return out

    def _pmf_new(self, t: int, x: np.ndarray) -> np.ndarray:
        a, b, g, d = self._ab()

        def log_choose(nn, kk):
            return gammaln(nn + 1) - gammaln(kk + 1) - gammaln(nn - kk + 1)

        with np.errstate(invalid="ignore"):
            alive = (
                log_choose(t, x)
                + betaln(a + x, b + t - x)
                - betaln(a, b)
                + betaln(g, d + t)
                - betaln(g, d)
            )
            i = np.arange(t)[None, :].astype(float)
            died = (
                log_choose(i, x[:, None])
                + betaln(a + x[:, None], b + i - x[:, None])
                - betaln(a, b)
                + betaln(g + 1, d + i)
                - betaln(g, d)
            )
        died = np.where(i >= x[:, None], died, -np.inf)
        alive = np.where(x <= t, alive, -np.inf)
        return np.exp(logsumexp(np.column_stack([alive, died]), axis=1))

    def simulate(
        self, n_customers: int, n_periods: int, random_state: RandomState = None
    ) -> pd.DataFrame:
        """Simulate customers' histories over ``n_periods`` opportunities after their first.

        Each customer draws a transaction probability ``p ~ Beta(alpha, beta)`` and a drop-out
        probability ``theta ~ Beta(gamma, delta)``; at every opportunity they first survive
        (probability ``1 - theta``) and, if alive, transact with probability ``p``.

        Returns
        -------
        DataFrame
            One row per customer: ``frequency``, ``recency``, ``periods`` and the latent
            ``p``, ``theta`` and ``alive`` (active at the last opportunity).
        """
        a, b, g, d = self._ab()
        n_customers = int(check_positive(n_customers, "n_customers"))
        n_periods = int(_whole_periods(n_periods, "n_periods"))
        rng = np.random.default_rng(random_state)
        p = rng.beta(a, b, size=n_customers)
        theta = rng.beta(g, d, size=n_customers)
        # lifetime in opportunities: alive at opportunities 1..L, L ~ Geometric(theta) - 1
        lifetime = rng.geometric(theta) - 1
        opportunities = np.arange(1, n_periods + 1)[None, :]
        active = opportunities <= lifetime[:, None]
        buys = active & (rng.random((n_customers, n_periods)) < p[:, None])
        frequency = buys.sum(axis=1)
        recency = np.where(frequency > 0, n_periods - np.argmax(buys[:, ::-1], axis=1), 0)
        return pd.DataFrame(
            {
                "frequency": frequency.astype(np.int64),
                "recency": recency.astype(np.int64),
                "periods": np.full(n_customers, n_periods, dtype=np.int64),
                "p": p,
                "theta": theta,
                "alive": lifetime >= n_periods,
            }
        )
