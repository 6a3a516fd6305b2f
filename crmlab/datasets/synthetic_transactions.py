"""A seeded generator of large transaction logs, for benchmarks and scaling tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.validation import as_whole_number

__all__ = ["simulate_transaction_log"]


def simulate_transaction_log(
    n_transactions: int = 1_000_000,
    *,
    n_customers: int | None = None,
    start: str = "2020-01-01",
    days: int = 730,
    mean_amount: float = 35.0,
    random_state=None,
) -> pd.DataFrame:
    """Simulate a transaction log of ``n_transactions`` rows (customer_id, date, amount).

    Generating process (true parameters): ``n_customers`` (default ``n_transactions // 10``)
    customers with integer ids 0..n-1; each row picks its customer with probability proportional
    to a Gamma(shape=0.5, scale=1) activity weight, so purchase counts are heavily skewed as in
    real retail data; dates are uniform over ``days`` days from ``start``; amounts are Gamma with
    shape 2 and mean ``mean_amount``, rounded to cents. Rows are in random order and include
    same-day repeats, like a raw log. Randomness only through ``random_state``.
    """
    n_transactions = as_whole_number(n_transactions, "n_transactions", minimum=1)
    n_cust = (
        max(1, n_transactions // 10)
        if n_customers is None
        else as_whole_number(n_customers, "n_customers", minimum=1)
    )
    rng = np.random.default_rng(random_state)
    weights = rng.gamma(0.5, 1.0, size=n_cust)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    customer = np.searchsorted(cdf, rng.random(n_transactions))
    customer = np.minimum(customer, n_cust - 1)
    base = np.datetime64(start, "D")
    date = base + rng.integers(0, days, size=n_transactions).astype("timedelta64[D]")
    amount = np.round(rng.gamma(2.0, mean_amount / 2.0, size=n_transactions), 2)
    return pd.DataFrame(
        {
            "customer_id": customer.astype(np.int64),
            "date": date.astype("datetime64[ns]"),
            "amount": amount,
        }
    )
