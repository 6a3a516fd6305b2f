"""Cohort tables (同期群分析): customers grouped by the period of their first purchase.

A cohort is everyone whose first purchase fell in the same period (month, by default); the age of
an order is the number of whole periods between the cohort's period and the order's period. A
cohort table has one row per cohort and one column per age, so reading along a row follows one
group of customers through time, and reading down a column compares groups at the same age.
"""

from __future__ import annotations

from typing import Unpack

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.transactions import LogFormat, validate_transactions

__all__ = ["cohort_table", "COHORT_PERIODS", "COHORT_VALUES"]

#: Supported periods: pandas period codes and what they mean.
COHORT_PERIODS: dict[str, str] = {
    "D": "day",
    "W": "week (Monday to Sunday)",
    "M": "calendar month",
    "Q": "calendar quarter",
    "Y": "calendar year",
}
_ALIASES = {
    "day": "D", "daily": "D", "week": "W", "weekly": "W", "month": "M", "monthly": "M",
    "ms": "M", "me": "M", "quarter": "Q", "quarterly": "Q", "year": "Y", "yearly": "Y",
    "a": "Y", "annual": "Y",
}  # fmt: skip

#: What a cohort table can hold.
COHORT_VALUES = ("customers", "retention", "revenue", "revenue_per_customer")


def _check_period(period: str) -> str:
    if isinstance(period, str) and period in COHORT_PERIODS:
        return period
    options = ", ".join(f"{k!r} ({v})" for k, v in COHORT_PERIODS.items())
    guess = _ALIASES.get(str(period).strip().lower()) if isinstance(period, str) else None
    did_you = f" Did you mean period={guess!r}?" if guess else ""
    raise CRMLabInputError(f"period must be one of {options}; got {period!r}.{did_you}")


def cohort_table(
    transactions: pd.DataFrame,
    period: str = "M",
    values: str = "customers",
    *,
    allow_negative: bool = False,
    **log_format: Unpack[LogFormat],
) -> pd.DataFrame:
    """Cohort x age table of active customers, retention or revenue.

    Parameters
    ----------
    transactions : DataFrame
        One row per order (several orders in one period count the customer once).
    period : {"D", "W", "M", "Q", "Y"}, default "M"
        Length of a cohort and of one step of age.
    values : {"customers", "retention", "revenue", "revenue_per_customer"}
        - ``customers``: number of the cohort's customers who bought at that age;
        - ``retention``: that number divided by the cohort size (1.0 at age 0, by definition);
        - ``revenue``: sum of the cohort's order amounts at that age;
        - ``revenue_per_customer``: revenue divided by the cohort size (all its customers, not
          just the active ones).
    allow_negative : bool
        Accept negative amounts (returns).
    **log_format
        Column names and how to read the dates (:class:`crmlab.transactions.LogFormat`);
        ``amount_col`` may be None for ``customers`` and ``retention``.

    Returns
    -------
    DataFrame indexed by ``cohort`` (a PeriodIndex) with integer columns ``age`` 0, 1, ...
    An age that the data cannot show yet (the cohort's period plus the age falls after the last
    order's period) is NaN, not 0. ``attrs`` holds ``period``, ``values``, ``cohort_size``
    (Series) and ``last_period``. The last period may be partly observed if the log ends
    mid-period.

    Raises
    ------
    CRMLabInputError
        On an unknown ``period`` or ``values``, or a revenue table without ``amount_col``; and
        everything :func:`crmlab.transactions.validate_transactions` rejects.

    Examples
    --------
    >>> tx = crmlab.datasets.load_cdnow()                                  # doctest: +SKIP
    >>> cohort_table(tx, "M", "retention").iloc[:, 1].round(3).tolist()    # doctest: +SKIP
    [0.147, 0.155, 0.142]
    """
    period = _check_period(period)
    if values not in COHORT_VALUES:
        raise CRMLabInputError(
            f"values must be one of {', '.join(map(repr, COHORT_VALUES))}; got {values!r}."
        )
    needs_amount = values in ("revenue", "revenue_per_customer")
    if not needs_amount:
        log_format["amount_col"] = None  # amounts are not read, so their problems do not matter
    log = validate_transactions(transactions, allow_negative=allow_negative, **log_format)
    if needs_amount:
        log.require_amount(f"cohort_table(values={values!r})")
    periods = pd.PeriodIndex(pd.DatetimeIndex(log.day), freq=period)
    ordinal = periods.asi8
    codes, _ = pd.factorize(log.customer)
    first = np.full(codes.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes, ordinal)
    cohort = first[codes]
    age = ordinal - cohort
    frame = pd.DataFrame({"cohort": cohort, "age": age, "customer": codes})
    if needs_amount:
        frame["amount"] = log.amount
        table = frame.pivot_table(
            index="cohort", columns="age", values="amount", aggfunc="sum", fill_value=0.0
        )
    else:
        active = frame.drop_duplicates(["cohort", "age", "customer"])
        table = active.groupby(["cohort", "age"]).size().unstack("age", fill_value=0)
    size = pd.Series(first).value_counts().sort_index()
    last = int(ordinal.max())
    n_age = last - int(cohort.min()) + 1
    table = table.reindex(index=size.index, columns=range(n_age), fill_value=0).astype(float)
    observable = (table.index.to_numpy()[:, None] + np.arange(n_age)[None, :]) <= last
    table = table.where(observable)
    if needs_amount and np.isinf(table.to_numpy()).any():
        raise CRMLabInputError(
            "a cohort's revenue is too large for a float (above 1.8e308). Fix: express the "
            "amounts in a larger currency unit, e.g. df[amount] / 1e6 (millions)."
        )
    if values in ("retention", "revenue_per_customer"):
        table = table.div(size.to_numpy(), axis=0)
    index = pd.PeriodIndex.from_ordinals(table.index.to_numpy(), freq=period)
    table.index = index.rename("cohort")
    table.columns = pd.Index(range(n_age), name="age")
    table.attrs.update(
        {
            "period": period,
            "values": values,
            "cohort_size": dict(zip(index, size.to_numpy().tolist(), strict=True)),
            "last_period": str(pd.PeriodIndex.from_ordinals([last], freq=period)[0]),
        }
    )
    return table
