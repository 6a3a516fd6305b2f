"""Customer lifetime value (客户终生价值) by formula: no model fitting, just arithmetic.

Four ideas from the classic CRM texts, each a small pure function:

- :func:`coca_cola_value`: years of consumption x units per period x price, minus the costs of
  winning and serving the customer (the "Coca-Cola" back-of-the-envelope CLV);
- :func:`simple_clv`: the margin-retention-discount formula, finite or infinite horizon,
  vectorised so that a whole sensitivity grid is one call (see :func:`clv_sensitivity`);
- :func:`customer_equity`: the value of the customer base, the sum of CLV over customers
  (or count x CLV over segments);
- :func:`historical_value`: what each customer has already brought in, compounded to today.

:func:`clv_drivers` shows how the drivers of CLV (purchase frequency, margin per purchase through
cross-buying, duration of the relationship, referrals) move the result.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TypeAlias, Unpack

import numpy as np
import pandas as pd

from crmlab.dates import as_day
from crmlab.errors import CRMLabInputError
from crmlab.transactions import (
    LogFormat,
    refuse_orders_after,
    time_unit_days,
    validate_transactions,
)
from crmlab.validation import (
    as_1d_array,
    as_float_array,
    check_positive,
    check_probability,
)

__all__ = [
    "coca_cola_value",
    "simple_clv",
    "clv_sensitivity",
    "per_period_rate",
    "clv_drivers",
    "customer_equity",
    "historical_value",
]

ArrayLike: TypeAlias = float | Sequence[float] | np.ndarray


def _rate_array(value: ArrayLike, name: str, *, upper_one: bool = True) -> np.ndarray:
    """``value`` as a float array; raise (with the percentage hint) on the first bad entry."""
    arr = as_float_array(value, name)
    flat = arr.ravel()
    bad = ~np.isfinite(flat) | (flat < 0) | ((flat > 1) if upper_one else False)
    if bad.any():
        first = float(flat[np.flatnonzero(bad)[0]])
        where = (
            f" ({int(bad.sum())} of {flat.size} values are out of range)" if flat.size > 1 else ""
        )
        try:
            check_probability(first, name)
        except CRMLabInputError as exc:
            raise CRMLabInputError(f"{exc}{where}") from None
    return arr


def _nonneg_array(value: ArrayLike, name: str, fix: str) -> np.ndarray:
    arr = as_float_array(value, name)
    flat = arr.ravel()
    bad = ~np.isfinite(flat) | (flat < 0)
    if bad.any():
        first = float(flat[np.flatnonzero(bad)[0]])
        raise CRMLabInputError(
            f"{name} must be zero or more, got {first!r}"
            + (f" ({int(bad.sum())} of {flat.size} values)" if flat.size > 1 else "")
            + f". Fix: {fix}."
        )
    return arr


def _refuse_overflow(values, what: str, inputs: str) -> None:
    """Raise when a result is beyond the float range (the inputs were finite)."""
    bad = ~np.isfinite(np.asarray(values, dtype=float))
    if bad.any():
        raise CRMLabInputError(
            f"{what} is too large for a float (above 1.8e308) for {int(bad.sum()):,} of "
            f"{bad.size:,} values. Fix: express {inputs} in a larger currency unit, e.g. "
            "thousands or millions."
        )


def _scalar_or_array(arr: np.ndarray):
    return float(arr) if arr.ndim == 0 else arr


def coca_cola_value(
    years: float,
    units_per_period: float,
    price: float,
    *,
    periods_per_year: float = 1.0,
    advertising_cost: float = 0.0,
    selling_cost: float = 0.0,
    discount_rate: float = 0.0,
) -> pd.Series:
    """The "Coca-Cola" lifetime value: consumption years x units x price, minus costs.

    The expected customer value (预计客户价值) is what a customer would spend over the years they
    consume the product, if they never switch to a competitor; the customer lifetime value is
    that minus the advertising and selling costs spent on the customer.

    Parameters
    ----------
    years : float
        Years of consumption (e.g. 60 for a drinker from age 5 to 65). Fractions allowed.
    units_per_period : float
        Units bought per period (e.g. 1 bottle a day).
    price : float
        Price per unit (e.g. 0.50 dollars). Use a margin per unit instead for a profit view.
    periods_per_year : float, default 1
        Periods in a year (365 when ``units_per_period`` is per day, 52 per week, 12 per month).
    advertising_cost, selling_cost : float, default 0
        Total advertising and selling cost spent on this customer over the whole relationship,
        in today's money (they are subtracted as given, not discounted).
    discount_rate : float, default 0
        Yearly discount rate (0.10 for 10%). With 0 the value is the plain product; otherwise each
        year's spending is counted at the end of that year and discounted by ``(1 + d) ** -k``
        for year ``k`` (an annuity, ``annual * (1 - (1 + d) ** -years) / d``).

    Returns
    -------
    pandas.Series
        ``yearly_spend``, ``expected_value`` (预计客户价值), ``advertising_cost``, ``selling_cost``
        and ``clv`` (= expected value - advertising - selling), named ``"coca_cola_value"``.

    Examples
    --------
    >>> coca_cola_value(60, 1, 0.5, periods_per_year=365)["expected_value"]
    10950.0
    """
    years = check_positive(years, "years", allow_zero=True)
    units = check_positive(units_per_period, "units_per_period", allow_zero=True)
    price = check_positive(price, "price", allow_zero=True)
    periods = check_positive(periods_per_year, "periods_per_year")
    advertising = check_positive(advertising_cost, "advertising_cost", allow_zero=True)
    selling = check_positive(selling_cost, "selling_cost", allow_zero=True)
    d = float(_rate_array(discount_rate, "discount_rate"))
    yearly = units * periods * price
    if d == 0:
        expected = yearly * years
    else:
        expected = yearly * (1 - (1 + d) ** -years) / d
    return pd.Series(
        {
            "yearly_spend": yearly,
            "expected_value": expected,
            "advertising_cost": advertising,
            "selling_cost": selling,
            "clv": expected - advertising - selling,
        },
        name="coca_cola_value",
    )


def simple_clv(
    margin: ArrayLike,
    retention: ArrayLike,
    discount_rate: ArrayLike,
    horizon: int | None = None,
    acquisition_cost: ArrayLike = 0.0,
) -> float | np.ndarray:
    r"""Retention-based customer lifetime value, finite or infinite horizon.

    Timing convention: the customer has just been acquired (t = 0, no margin yet). In each
    following period ``t = 1, 2, ...`` the customer is still there with probability ``r ** t``
    and then pays the margin ``m`` at the end of that period, discounted by ``(1 + d) ** t``:

    .. math:: CLV_H = \sum_{t=1}^{H} \frac{m\, r^t}{(1+d)^t} - AC, \qquad
              CLV_\infty = \frac{m\, r}{1 + d - r} - AC.

    If instead the first margin is earned right away (at t = 0), add ``m`` to the result (the
    infinite-horizon value becomes ``m (1 + d) / (1 + d - r)``).

    Margin, retention and discount rate must refer to the same period: a yearly discount rate with
    monthly retention is the classic mistake (convert with :func:`per_period_rate`).

    Parameters
    ----------
    margin : float or array
        Margin per period of a retained customer (money, >= 0).
    retention : float or array
        Share of customers kept from one period to the next, between 0 and 1 (0.8, not 80).
    discount_rate : float or array
        Discount rate per period, between 0 and 1 (0.10, not 10).
    horizon : int, optional
        Number of periods to sum over; ``None`` gives the infinite horizon.
    acquisition_cost : float or array, default 0
        Cost of winning the customer, paid at t = 0 and subtracted.

    Returns
    -------
    float or numpy.ndarray
        A float when every input is a scalar, otherwise the broadcast array, so that
        ``simple_clv(m, r[:, None], d[None, :])`` is a whole retention x discount grid.

    Raises
    ------
    CRMLabInputError
        On a negative margin or cost, a retention or discount rate outside 0..1 (with a hint when it
        looks like a percentage), a horizon that is not a whole number >= 0, or an infinite horizon
        with ``retention >= 1 + discount_rate`` (the sum never converges).

    Examples
    --------
    >>> round(simple_clv(100, 0.8, 0.1), 2)
    266.67
    >>> round(simple_clv(100, 0.8, 0.1, horizon=1), 2)
    72.73
    """
    m = _nonneg_array(
        margin,
        "margin",
        "margins are money per period, e.g. 50.0; a loss-making customer is a separate analysis",
    )
    r = _rate_array(retention, "retention")
    d = _rate_array(discount_rate, "discount_rate")
    ac = _nonneg_array(acquisition_cost, "acquisition_cost", "give the cost as a positive amount")
    try:
        m, r, d, ac = np.broadcast_arrays(m, r, d, ac)
    except ValueError:
        raise CRMLabInputError(
            f"margin, retention, discount_rate and acquisition_cost have shapes {np.shape(margin)}, "
            f"{np.shape(retention)}, {np.shape(discount_rate)}, {np.shape(acquisition_cost)} that "
            "cannot be combined. Fix: pass scalars, equal-length arrays, or a column and a row, "
            "e.g. retention[:, None] and discount_rate[None, :]."
        ) from None
    q = r / (1 + d)  # one period's survival-and-discount factor
    if horizon is None:
        bad = r >= 1 + d
        if bad.any():
            raise CRMLabInputError(
                "with an infinite horizon, retention must be below 1 + discount_rate, got "
                f"retention {r[bad].flat[0]!r} and discount_rate {d[bad].flat[0]!r}: a customer "
                "who never leaves and is never discounted is worth an infinite amount. Fix: give "
                "a finite horizon= or a positive discount_rate."
            )
        with np.errstate(over="ignore"):  # refused below when too large
            value = m * r / (1 + d - r)
    else:
        if isinstance(horizon, bool) or not np.isscalar(horizon):
            raise TypeError(f"horizon must be a whole number of periods or None, got {horizon!r}.")
        h = check_positive(horizon, "horizon", allow_zero=True)
        if h != int(h):
            raise CRMLabInputError(
                f"horizon must be a whole number of periods, got {horizon!r}. Fix: round it, or "
                "express it in a shorter period (months instead of years)."
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            geometric = np.where(q == 1, h, q * (1 - q**h) / np.where(q == 1, 1.0, 1 - q))
        with np.errstate(over="ignore"):
            value = m * geometric
    with np.errstate(over="ignore", invalid="ignore"):
        value = value - ac
    _refuse_overflow(value, "simple_clv", "margin and acquisition_cost")
    return _scalar_or_array(value)


def per_period_rate(rate: float, periods_per_year: float = 12) -> float:
    """Convert a yearly rate into the equivalent rate per shorter period.

    ``(1 + rate) ** (1 / periods_per_year) - 1``: 10% a year is about 0.797% a month. Use it for
    discount rates; for retention use ``retention ** (1 / periods_per_year)``.
    """
    r = float(_rate_array(rate, "rate"))
    n = check_positive(periods_per_year, "periods_per_year")
    return (1 + r) ** (1 / n) - 1


def clv_sensitivity(
    margin: float,
    retention: Sequence[float] | np.ndarray,
    discount_rate: Sequence[float] | np.ndarray,
    horizon: int | None = None,
    acquisition_cost: float = 0.0,
) -> pd.DataFrame:
    """CLV over a grid of retention rates (rows) and discount rates (columns), one call.

    Parameters are those of :func:`simple_clv`; ``retention`` and ``discount_rate`` are 1-D
    sequences. With an infinite horizon every retention must be below 1 + every discount rate.

    Returns
    -------
    DataFrame indexed by ``retention`` with one column per ``discount_rate``; ``attrs`` records
    the margin and horizon.
    """
    r = _rate_array(retention, "retention").ravel()
    d = _rate_array(discount_rate, "discount_rate").ravel()
    if r.size == 0 or d.size == 0:
        raise CRMLabInputError("retention and discount_rate need at least one value each.")
    grid = simple_clv(margin, r[:, None], d[None, :], horizon, acquisition_cost)
    out = pd.DataFrame(
        np.asarray(grid, dtype=float).reshape(r.size, d.size),
        index=pd.Index(r, name="retention"),
        columns=pd.Index(d, name="discount_rate"),
    )
    out.attrs.update({"margin": float(margin), "horizon": horizon})
    return out


def clv_drivers(
    purchases_per_period: float,
    margin_per_purchase: float,
    retention: float,
    discount_rate: float,
    *,
    referrals: float = 0.0,
    change: float = 0.10,
    horizon: int | None = None,
) -> pd.DataFrame:
    """How each driver of CLV moves it: a base case and one row per driver improved by ``change``.

    Margin per period is ``purchases_per_period x margin_per_purchase``; a customer also brings
    ``referrals`` new customers over the relationship, each assumed worth the same CLV (one
    generation only), so the total is ``CLV x (1 + referrals)``.

    Rows (each changes one driver, the others stay at the base):

    - ``frequency``: purchases per period x (1 + change): the customer buys more often;
    - ``cross-buying``: margin per purchase x (1 + change): the customer adds items from other
      product lines (or better ones, up-selling) to the purchases they already make;
    - ``duration``: expected relationship length ``1 / (1 - r)`` x (1 + change), i.e. churn
      ``1 - r`` divided by (1 + change);
    - ``referrals``: referred customers per customer x (1 + change), so that every driver
      improves by the same ``change`` (a base of 0 referrals stays 0).

    ``frequency`` and ``cross-buying`` change different inputs but give the same CLV: the
    formula sees only their product, the margin per period.

    Returns
    -------
    DataFrame indexed by ``driver`` with ``purchases_per_period``, ``margin_per_purchase``,
    ``margin_per_period`` (their product), ``retention``, ``referrals``, ``clv`` and
    ``change_pct`` (percent change of CLV against the base).
    """
    f = check_positive(purchases_per_period, "purchases_per_period", allow_zero=True)
    mpp = check_positive(margin_per_purchase, "margin_per_purchase", allow_zero=True)
    r = check_probability(retention, "retention")
    d = check_probability(discount_rate, "discount_rate")
    k = check_positive(referrals, "referrals", allow_zero=True)
    c = check_positive(change, "change")
    if c > 1:
        check_probability(c, "change")
    churn = 1 - r
    rows = {
        "base": (f, mpp, r, k),
        "frequency": (f * (1 + c), mpp, r, k),
        "cross-buying": (f, mpp * (1 + c), r, k),
        "duration": (f, mpp, 1 - churn / (1 + c), k),
        "referrals": (f, mpp, r, k * (1 + c)),
    }
    columns = ["purchases_per_period", "margin_per_purchase", "retention", "referrals"]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame.insert(
        2, "margin_per_period", frame["purchases_per_period"] * frame["margin_per_purchase"]
    )
    frame.index.name = "driver"
    frame["clv"] = [
        simple_clv(m, rr, d, horizon) * (1 + kk)
        for m, rr, kk in frame[["margin_per_period", "retention", "referrals"]].to_numpy()
    ]
    base = frame.loc["base", "clv"]
    frame["change_pct"] = 100 * (frame["clv"] / base - 1) if base > 0 else np.nan
    return frame


def customer_equity(
    clv: ArrayLike | pd.Series,
    counts: ArrayLike | pd.Series | None = None,
) -> float:
    """Customer equity (客户资产): the value of the whole customer base.

    Parameters
    ----------
    clv : array or Series
        CLV of each customer, or of each segment's typical customer when ``counts`` is given.
        Negative values (loss-making customers) are allowed and reduce the equity.
    counts : array or Series, optional
        Number of customers in each segment (same length and order as ``clv``; a Series is
        aligned on the index). Without it, each ``clv`` entry is one customer.

    Returns
    -------
    float
        ``sum(clv)`` or ``sum(counts x clv)``.
    """
    values = as_1d_array(clv, "clv", allow_negative=True)
    if counts is None:
        return float(values.sum())
    if isinstance(clv, pd.Series) and isinstance(counts, pd.Series):
        if set(clv.index) != set(counts.index):
            missing = sorted(set(clv.index) ^ set(counts.index), key=str)[:5]
            raise CRMLabInputError(
                f"clv and counts name different segments (e.g. {missing}). Fix: give both the "
                "same index, one entry per segment."
            )
        counts = counts.reindex(clv.index)
    n = as_1d_array(counts, "counts")
    if len(n) != len(values):
        raise CRMLabInputError(
            f"clv has {len(values)} entries but counts has {len(n)}. Fix: one count per segment."
        )
    return float((n * values).sum())


def historical_value(
    transactions: pd.DataFrame,
    *,
    as_of=None,
    rate: float = 0.0,
    time_unit: str = "Y",
    margin_rate: float | None = None,
    allow_negative: bool = False,
    margin: float | None = None,
    **log_format: Unpack[LogFormat],
) -> pd.Series:
    """Historical value (历史价值): what each customer has brought in up to ``as_of``.

    Each order's amount is multiplied by the margin rate ``margin_rate`` (毛利率, the notation
    sheet's mu) and compounded forward to ``as_of`` at ``rate`` per ``time_unit``:
    ``amount x margin_rate x (1 + rate) ** (age of the order)``, so money earned long ago counts
    more (it could have been invested). ``rate=0`` gives the plain sum.

    Parameters
    ----------
    transactions : DataFrame
        One row per order (same-day orders need no merging: only sums are taken).
    as_of : date-like, optional
        The "today" of the calculation; default the last order date. Orders after it are an error
        (filter them yourself so that nothing is dropped unseen).
    rate : float, default 0
        Compounding rate per ``time_unit`` (0.10 for 10% a year).
    time_unit : {"D", "W", "M", "Y"}, default "Y"
        Unit of ``rate``.
    margin_rate : float, optional
        Margin rate: the share of revenue that is gross profit, a fraction (0.25 for 25%).
        Default 1, which keeps revenue.
    allow_negative : bool
        Accept negative amounts (returns).
    margin : float, optional
        Deprecated name of ``margin_rate`` (it takes a rate, while the course's *margin* is an
        amount of money); still accepted with a ``FutureWarning``. Passing both is an error.
    **log_format
        Column names and how to read the dates (:class:`crmlab.transactions.LogFormat`).

    Returns
    -------
    Series ``historical_value`` indexed by customer (sorted); ``attrs`` records ``as_of``,
    ``rate``, ``time_unit`` and ``margin_rate``.
    """
    if margin is not None:
        if margin_rate is not None:
            raise CRMLabInputError(
                f"historical_value got both margin={margin!r} and margin_rate={margin_rate!r}. "
                "Fix: pass only margin_rate= (margin= is its old, deprecated name)."
            )
        warnings.warn(
            "historical_value(margin=...) is deprecated: the argument is a margin rate (a share "
            "of revenue), so it is now called margin_rate=. Fix: write "
            f"historical_value(..., margin_rate={margin!r}).",
            FutureWarning,
            stacklevel=2,
        )
        margin_rate = margin
    log = validate_transactions(transactions, allow_negative=allow_negative, **log_format)
    amount = log.require_amount("historical_value")
    unit = time_unit_days(time_unit)
    g = float(_rate_array(rate, "rate"))
    mg = check_probability(1.0 if margin_rate is None else margin_rate, "margin_rate")
    end = log.day.max() if as_of is None else as_day(as_of, "as_of")
    refuse_orders_after(log, end, argument="as_of")
    age = (end - log.day).astype(np.int64) / unit
    value = amount * mg * (1 + g) ** age
    out = (
        pd.Series(value, index=pd.Index(log.customer.to_numpy(), name=log.customer_col))
        .groupby(level=0, sort=True)
        .sum()
        .rename("historical_value")
    )
    _refuse_overflow(out.to_numpy(), "historical_value", "the amounts")
    out.attrs.update({"as_of": str(end), "rate": g, "time_unit": time_unit, "margin_rate": mg})
    return out
