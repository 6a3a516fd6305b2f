"""The economics of retention: why relationship marketing pays (lesson 1).

Small, exact formulas for a cohort of customers who each stay with probability ``retention``
per year: how many remain, what they earn, what a few points of retention are worth, what
referrals add, and what the repeat-purchase structure of a real customer base looks like.
"""

from __future__ import annotations

from typing import Unpack

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.transactions import LogFormat, customer_totals, validate_transactions
from crmlab.validation import as_number, as_whole_number, check_positive, check_probability

__all__ = [
    "cohort_profit",
    "retention_profit_table",
    "simulate_cohort",
    "profit_multiple",
    "replacement_cost",
    "referral_value",
    "purchase_count_distribution",
    "one_time_buyer_share",
    "repeat_purchase_ladder",
]


def _check_years(years: int, name: str = "years") -> int:
    """``years`` as an int >= 1; text, True/False, fractions and infinity are refused."""
    return as_whole_number(years, name, minimum=1)


def cohort_profit(
    retention: float,
    *,
    years: int = 10,
    n_customers: int = 1000,
    margin: float = 100.0,
    retention_cost: float = 0.0,
    discount_rate: float = 0.10,
) -> pd.DataFrame:
    """Expected customers and profit, year by year, of a cohort kept with a constant retention.

    Timing: the cohort of ``n_customers`` is acquired at the start of year 1 and all of them
    buy in year 1; a share ``retention`` of those active in year ``t`` is still active in year
    ``t + 1``. Each active customer earns ``margin`` and costs ``retention_cost`` per year.
    Profit of year ``t`` is discounted by ``(1 + discount_rate) ** (t - 1)`` (year 1 is not
    discounted).

    Returns
    -------
    DataFrame with one row per year: ``year``, ``customers`` (expected active),
    ``profit``, ``discounted_profit``, ``cumulative_discounted_profit``.
    """
    retention = check_probability(retention, "retention")
    years = _check_years(years)
    size = check_positive(n_customers, "n_customers")
    discount_rate = check_positive(discount_rate, "discount_rate", allow_zero=True)
    margin = as_number(margin, "margin")
    retention_cost = as_number(retention_cost, "retention_cost")
    year = np.arange(1, years + 1)
    customers = size * retention ** (year - 1)
    with np.errstate(over="ignore"):  # refused below when too large
        profit = customers * (margin - retention_cost)
    with np.errstate(over="ignore"):  # a huge discount rate discounts later years to 0
        discounted = profit / (1 + discount_rate) ** (year - 1)
    if not np.isfinite(profit).all():
        raise CRMLabInputError(
            f"the cohort's profit is too large for a float (n_customers {size:g} x margin "
            f"{margin:g}). Fix: express margin in a larger currency unit (thousands, millions)."
        )
    return pd.DataFrame(
        {
            "year": year,
            "customers": customers,
            "profit": profit,
            "discounted_profit": discounted,
            "cumulative_discounted_profit": np.cumsum(discounted),
        }
    )


def retention_profit_table(retention_rates, **kwargs) -> pd.DataFrame:
    """:func:`cohort_profit` for several retention rates, stacked with a ``retention`` column."""
    rates = list(np.atleast_1d(retention_rates))
    if not rates:
        raise CRMLabInputError("retention_rates is empty. Fix: pass e.g. [0.6, 0.7, 0.8, 0.9].")
    frames = [cohort_profit(r, **kwargs).assign(retention=float(r)) for r in rates]
    return pd.concat(frames, ignore_index=True)[
        [
            "retention",
            "year",
            "customers",
            "profit",
            "discounted_profit",
            "cumulative_discounted_profit",
        ]
    ]


def simulate_cohort(
    retention: float,
    *,
    years: int = 10,
    n_customers: int = 1000,
    margin: float = 100.0,
    margin_sd: float = 30.0,
    random_state=None,
) -> pd.DataFrame:
    """One random history of a cohort: each customer leaves with probability 1 - retention.

    Survivors are drawn binomially each year and each active customer's yearly margin is drawn
    from a normal distribution (mean ``margin``, sd ``margin_sd``), so repeated runs show how far
    a real cohort can stray from the expected curve of :func:`cohort_profit`.
    """
    retention = check_probability(retention, "retention")
    years = _check_years(years)
    n_customers = as_whole_number(n_customers, "n_customers", minimum=1)
    margin = as_number(margin, "margin")
    margin_sd = check_positive(margin_sd, "margin_sd", allow_zero=True)
    rng = np.random.default_rng(random_state)
    active = np.empty(years, dtype=np.int64)
    profit = np.empty(years)
    alive = int(n_customers)
    for t in range(years):
        if t > 0:
            alive = int(rng.binomial(alive, retention))
        active[t] = alive
        profit[t] = rng.normal(margin, margin_sd, size=alive).sum() if alive else 0.0
    return pd.DataFrame({"year": np.arange(1, years + 1), "customers": active, "profit": profit})


def profit_multiple(retention_low: float, retention_high: float, **kwargs) -> float:
    """How many times more cumulative discounted profit the higher retention rate earns.

    Both cohorts are computed by :func:`cohort_profit` with the same other arguments.
    """
    low = cohort_profit(retention_low, **kwargs)["cumulative_discounted_profit"].iloc[-1]
    high = cohort_profit(retention_high, **kwargs)["cumulative_discounted_profit"].iloc[-1]
    if low <= 0:
        raise CRMLabInputError(
            "the lower retention rate earns no profit, so a multiple is undefined. Fix: check "
            "that margin exceeds retention_cost."
        )
    return float(high / low)


def replacement_cost(
    n_customers: int, retention: float, acquisition_cost: float, retention_cost: float
) -> pd.Series:
    """Yearly cost of keeping a customer base at ``n_customers``: retain vs replace.

    Every year ``(1 - retention) * n_customers`` customers leave and must be replaced at
    ``acquisition_cost`` each, while all ``n_customers`` cost ``retention_cost`` to serve.
    Returns the two costs and their sum.
    """
    retention = check_probability(retention, "retention")
    size = check_positive(n_customers, "n_customers", allow_zero=True)
    acquisition_cost = as_number(acquisition_cost, "acquisition_cost")
    retention_cost = as_number(retention_cost, "retention_cost")
    lost = (1 - retention) * size
    return pd.Series(
        {
            "customers_lost": lost,
            "acquisition_spend": lost * acquisition_cost,
            "retention_spend": size * retention_cost,
            "total": lost * acquisition_cost + size * retention_cost,
        }
    )


def referral_value(
    clv: float,
    referrals_per_customer: float,
    conversion_rate: float,
    generations: int | None = None,
) -> float:
    """Value that one customer's word of mouth (口碑) brings through the customers it recruits.

    Each customer recommends the firm to ``referrals_per_customer`` people, of whom a share
    ``conversion_rate`` become customers worth ``clv`` each. Referred customers refer in turn:
    with ``b = referrals_per_customer * conversion_rate`` new customers per customer (the
    referral multiplier of the notation sheet), ``g`` generations bring
    ``clv * (b + b**2 + ... + b**g)``. ``generations=None`` sums all generations,
    ``clv * b / (1 - b)``, which needs ``b < 1`` (otherwise the chain never ends).
    """
    conversion_rate = check_probability(conversion_rate, "conversion_rate")
    referrals = check_positive(referrals_per_customer, "referrals_per_customer", allow_zero=True)
    clv = as_number(clv, "clv")
    b = referrals * conversion_rate
    if generations is None:
        if b >= 1:
            raise CRMLabInputError(
                f"each customer recruits b = {b:g} new customers, so an endless chain of "
                "referrals has no finite value. Fix: pass generations= (e.g. 3) or a b below 1."
            )
        return float(clv * b / (1 - b))
    g = _check_years(generations, "generations")
    with np.errstate(over="ignore"):
        value = clv * float(np.sum(np.power(b, np.arange(1.0, g + 1))))
    if not np.isfinite(value):
        raise CRMLabInputError(
            f"with b = {b:g} new customers per customer, {g} generations of referrals bring more "
            "customers than a float can count. Fix: use fewer generations (e.g. 3) or check "
            "referrals_per_customer and conversion_rate."
        )
    return float(value)


def _purchase_days(transactions: pd.DataFrame, log_format: LogFormat) -> pd.Series:
    log_format["amount_col"] = None  # amounts are not read, so their problems do not matter
    return customer_totals(validate_transactions(transactions, **log_format))["purchase_days"]


def purchase_count_distribution(
    transactions: pd.DataFrame, **log_format: Unpack[LogFormat]
) -> pd.Series:
    """Share of customers by number of distinct purchase days (same-day orders merged).

    Index: number of purchase days (1, 2, ...); values: fraction of customers (sums to 1). The
    keyword arguments name the columns and say how to read the dates
    (:class:`crmlab.transactions.LogFormat`); amounts are not read.
    """
    days = _purchase_days(transactions, log_format)
    return days.value_counts(normalize=True).sort_index().rename_axis("purchase_days")


def one_time_buyer_share(transactions: pd.DataFrame, **log_format: Unpack[LogFormat]) -> float:
    """Fraction of customers who bought on exactly one day (a fraction 0..1, not a percentage).

    Keyword arguments as in :func:`purchase_count_distribution`.
    """
    days = _purchase_days(transactions, log_format)
    return float((days == 1).mean())


def repeat_purchase_ladder(
    transactions: pd.DataFrame,
    *,
    max_purchases: int = 10,
    **log_format: Unpack[LogFormat],
) -> pd.DataFrame:
    """How repeat buying decays: of the customers with at least k purchase days, how many reach k+1.

    Returns one row per k = 1..max_purchases with ``customers`` (at least k purchase days),
    ``share_of_all`` and ``next_step_rate`` (the share of them with at least k + 1). Other
    keyword arguments as in :func:`purchase_count_distribution`.
    """
    days = _purchase_days(transactions, log_format).to_numpy()
    max_purchases = as_whole_number(max_purchases, "max_purchases", minimum=1)
    k = np.arange(1, max_purchases + 1)
    at_least = np.array([(days >= i).sum() for i in k])
    reach_next = np.array([(days >= i + 1).sum() for i in k])
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(at_least > 0, reach_next / np.maximum(at_least, 1), np.nan)
    return pd.DataFrame(
        {
            "purchase_days": k,
            "customers": at_least,
            "share_of_all": at_least / len(days),
            "next_step_rate": rate,
        }
    )
