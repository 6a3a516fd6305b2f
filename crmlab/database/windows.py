"""Window-function queries on the table ``transactions``: sequences, cohorts, running totals.

A window function (窗口函数) computes a value for each row from the rows around it, such as the
previous purchase of the same customer or the sum of everything before this month, without
collapsing the rows the way ``GROUP BY`` does. ``OVER (PARTITION BY customer_id ORDER BY day)``
says which rows: the same customer's, in date order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.database.connection import SQL, run
from crmlab.database.summaries import _check_log, _log_facts
from crmlab.errors import CRMLabInputError

__all__ = [
    "PURCHASE_SEQUENCE_SQL",
    "NTH_PURCHASE_SQL",
    "COHORT_SQL",
    "RUNNING_REVENUE_SQL",
    "COHORT_PARTS",
    "purchase_sequence",
    "nth_purchase",
    "cohort_table",
    "running_revenue",
]

PURCHASE_SEQUENCE_SQL = SQL("""
-- Every purchase day of every customer, numbered, with the gap to the previous one.
WITH days AS (                -- same-day orders merged into one purchase day
    SELECT customer_id, date AS day, SUM(amount) AS amount
    FROM transactions
    GROUP BY customer_id, date
)
SELECT
    customer_id, day, amount,
    ROW_NUMBER() OVER w      AS purchase_number,     -- 1 = first purchase
    day - LAG(day) OVER w    AS days_since_previous, -- NULL for the first purchase
    SUM(amount) OVER w       AS running_spend        -- spend so far, this day included
FROM days
WINDOW w AS (PARTITION BY customer_id ORDER BY day)
ORDER BY customer_id, day
""")

NTH_PURCHASE_SQL = SQL("""
-- How many customers reach their n-th purchase day, what they spend and how long they wait.
WITH days AS (
    SELECT customer_id, date AS day, SUM(amount) AS amount
    FROM transactions
    GROUP BY customer_id, date
),
numbered AS (
    SELECT customer_id, day, amount,
           ROW_NUMBER() OVER w   AS purchase_number,
           day - LAG(day) OVER w AS days_since_previous
    FROM days
    WINDOW w AS (PARTITION BY customer_id ORDER BY day)
)
SELECT
    purchase_number,
    COUNT(*)                      AS customers,
    AVG(amount)                   AS mean_amount,
    MEDIAN(days_since_previous)   AS median_days_since_previous
FROM numbered
WHERE purchase_number <= $max_n
GROUP BY purchase_number
ORDER BY purchase_number
""")

COHORT_SQL = SQL("""
-- Cohort retention: the share of each first-purchase cohort that buys again at each age.
WITH active AS (              -- one row per customer and period in which they bought
    SELECT DISTINCT customer_id, CAST(date_trunc($part, date) AS DATE) AS period
    FROM transactions
),
cohorts AS (                  -- a customer's cohort is the period of their first purchase
    SELECT customer_id, period,
           MIN(period) OVER (PARTITION BY customer_id) AS cohort
    FROM active
),
counts AS (
    SELECT cohort, date_diff($part, cohort, period) AS age, COUNT(*) AS customers
    FROM cohorts
    GROUP BY cohort, age
)
SELECT
    cohort, age, customers,
    -- everyone in a cohort is active at age 0, so that count is the cohort size
    customers / FIRST_VALUE(customers) OVER (PARTITION BY cohort ORDER BY age) AS retention
FROM counts
ORDER BY cohort, age
""")

RUNNING_REVENUE_SQL = SQL("""
-- Revenue per month and the running total, with the share of all revenue reached so far.
WITH monthly AS (
    SELECT CAST(date_trunc('month', date) AS DATE) AS month,
           SUM(amount)                  AS revenue,
           COUNT(DISTINCT customer_id)  AS buyers
    FROM transactions
    GROUP BY month
)
SELECT
    month, buyers, revenue,
    SUM(revenue) OVER (ORDER BY month)                       AS running_revenue,
    SUM(revenue) OVER (ORDER BY month) / SUM(revenue) OVER () AS share_of_total
FROM monthly
ORDER BY month
""")

#: Cohort periods (pandas codes, as in :func:`crmlab.clv.cohort_table`) and DuckDB date parts.
COHORT_PARTS: dict[str, str] = {
    "D": "day",
    "W": "week",
    "M": "month",
    "Q": "quarter",
    "Y": "year",
}


def purchase_sequence(con) -> pd.DataFrame:
    """Each customer's purchase days in order, by :data:`PURCHASE_SEQUENCE_SQL`.

    Columns: ``customer_id``, ``day``, ``amount`` (the day's orders added up),
    ``purchase_number`` (1, 2, ...), ``days_since_previous`` (NaN for the first purchase) and
    ``running_spend``.
    """
    _check_log(_log_facts(con), allow_negative=True)
    out = run(con, PURCHASE_SEQUENCE_SQL)
    out["days_since_previous"] = out["days_since_previous"].astype(float)
    return out


def nth_purchase(con, *, max_n: int = 10) -> pd.DataFrame:
    """Customers, mean spend and waiting time per purchase number, by :data:`NTH_PURCHASE_SQL`.

    One row per purchase number 1..``max_n``: the customers who got there, their mean spend
    that day and the median days since the previous purchase.
    """
    if isinstance(max_n, bool) or not isinstance(max_n, (int, np.integer)) or max_n < 1:
        raise CRMLabInputError(f"max_n must be a whole number of at least 1, got {max_n!r}.")
    _check_log(_log_facts(con), allow_negative=True)
    return run(con, NTH_PURCHASE_SQL, max_n=int(max_n)).set_index("purchase_number")


def cohort_table(con, period: str = "M", values: str = "retention") -> pd.DataFrame:
    """Cohort x age table from :data:`COHORT_SQL`, shaped like :func:`crmlab.clv.cohort_table`.

    Parameters
    ----------
    period : {"D", "W", "M", "Q", "Y"}
        Length of a cohort and of one step of age (weeks run Monday to Sunday).
    values : {"retention", "customers"}
        Share of the cohort active at each age, or the number of active customers.

    Returns
    -------
    DataFrame indexed by ``cohort`` (a PeriodIndex) with integer ``age`` columns. Ages the data
    cannot show yet are NaN; observable ages without buyers are 0. ``attrs`` has ``period``,
    ``values``, ``cohort_size`` and ``last_period``, as in the pandas version.
    """
    if period not in COHORT_PARTS:
        raise CRMLabInputError(
            f"period must be one of {', '.join(map(repr, COHORT_PARTS))}; got {period!r}."
        )
    if values not in ("retention", "customers"):
        raise CRMLabInputError(f"values must be 'retention' or 'customers'; got {values!r}.")
    facts = _log_facts(con)
    _check_log(facts, allow_negative=True)
    long = run(con, COHORT_SQL, part=COHORT_PARTS[period])
    cohorts = pd.PeriodIndex(pd.DatetimeIndex(long["cohort"]), freq=period)
    long["cohort"] = cohorts.asi8
    table = long.pivot(index="cohort", columns="age", values=values)
    last_period = pd.PeriodIndex([pd.Timestamp(facts["last"])], freq=period)
    last = int(last_period.asi8[0])
    n_age = last - int(table.index.to_numpy().min()) + 1
    table = table.reindex(columns=range(n_age)).fillna(0.0).astype(float)
    observable = (table.index.to_numpy()[:, None] + np.arange(n_age)[None, :]) <= last
    table = table.where(observable)
    index = pd.PeriodIndex.from_ordinals(table.index.to_numpy(), freq=period)
    table.index = index.rename("cohort")
    table.columns = pd.Index(range(n_age), name="age")
    size = long.loc[long["age"] == 0].set_index("cohort")["customers"]
    table.attrs.update(
        {
            "period": period,
            "values": values,
            "cohort_size": dict(zip(index, size.reindex(index.asi8).tolist(), strict=True)),
            "last_period": str(last_period[0]),
        }
    )
    return table


def running_revenue(con) -> pd.DataFrame:
    """Monthly buyers and revenue with the running total, by :data:`RUNNING_REVENUE_SQL`.

    ``share_of_total`` is the running total as a share of all revenue in the table.
    """
    _check_log(_log_facts(con), allow_negative=True)
    return run(con, RUNNING_REVENUE_SQL).set_index("month")
