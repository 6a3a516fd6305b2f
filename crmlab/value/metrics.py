"""Single value metrics per customer (单一指标) and which customers each metric calls "top".

:func:`customer_metrics` turns a transaction log into revenue, purchase days, average order value
and first/last purchase per customer; :func:`top_by_metric` shows how far the top lists of
different metrics agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Unpack

import pandas as pd

from crmlab.transactions import LogFormat, customer_totals, validate_transactions
from crmlab.validation import as_numeric_column, check_frame, check_probability, require_columns
from crmlab.value.weights import normalise_indicators

__all__ = ["customer_metrics", "top_by_metric"]


# --------------------------------------------------------------------------------------------
# Single metrics per customer
# --------------------------------------------------------------------------------------------
def customer_metrics(
    transactions: pd.DataFrame,
    *,
    quantity_col: str | None = None,
    **log_format: Unpack[LogFormat],
) -> pd.DataFrame:
    """Single value metrics per customer from a transaction log.

    Orders by one customer on the same day count as one order (``orders`` = purchase days), as in
    :func:`crmlab.transactions.rfm_summary`; revenue sums every row, $0 rows included.

    Parameters
    ----------
    transactions : DataFrame
        One row per order.
    quantity_col : str, optional
        Name of a quantity column to add up per customer.
    **log_format
        Column names and how to read the dates (:class:`crmlab.transactions.LogFormat`).

    Returns
    -------
    DataFrame indexed by customer id (sorted) with ``revenue``, ``orders``, ``avg_order_value``
    (revenue / orders), ``first_purchase``, ``last_purchase`` and, if ``quantity_col`` is given,
    ``quantity``.
    """
    log = validate_transactions(transactions, **log_format)
    log.require_amount("customer_metrics")
    totals = customer_totals(log)
    out = pd.DataFrame({"revenue": totals["revenue"], "orders": totals["purchase_days"]})
    out["avg_order_value"] = out["revenue"] / out["orders"]
    out["first_purchase"] = pd.to_datetime(totals["first_day"])
    out["last_purchase"] = pd.to_datetime(totals["last_day"])
    if quantity_col is not None:
        require_columns(transactions, [quantity_col], name="transactions")
        quantity = as_numeric_column(
            transactions, quantity_col, name="transactions", min_value=0.0, allow_bool=False
        ).to_numpy()
        out["quantity"] = pd.Series(quantity).groupby(log.customer.to_numpy()).sum()
    out.index.name = log.customer_col
    return out


def top_by_metric(
    frame: pd.DataFrame, columns: Iterable[str], fraction: float = 0.2
) -> pd.DataFrame:
    """Which customers are "top" by each single metric, and how much the lists agree.

    Parameters
    ----------
    frame : DataFrame
        One row per customer.
    columns : iterable of str
        Metrics where more is better (revenue, profit, orders ...).
    fraction : float
        Share of customers called top under each metric (ties at the cut are all included).

    Returns
    -------
    DataFrame of booleans, one column per metric, plus ``n_metrics`` (on how many lists the
    customer is). ``result.attrs["overlap"]`` is the share of customers on every list among those
    on any list (1 = the metrics pick the same customers).
    """
    check_frame(frame, "frame")
    fraction = check_probability(fraction, "fraction", open_interval=True)
    columns = list(columns)
    normalise_indicators(frame, columns)  # validates names and numbers
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        cut = frame[col].quantile(1.0 - fraction, interpolation="higher")
        out[col] = frame[col] >= cut
    out["n_metrics"] = out[columns].sum(axis=1)
    any_list = (out["n_metrics"] > 0).sum()
    out.attrs["overlap"] = float((out["n_metrics"] == len(columns)).sum() / max(any_list, 1))
    return out
