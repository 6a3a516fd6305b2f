"""Customer summaries written in SQL: the classic RFM table, the BTYD summary, the customer 360.

Each query is a readable SQL text (a module constant that a lesson can show) and a function that
runs it on a DuckDB connection. The RFM queries read the table ``transactions`` (columns
``customer_id``, ``date``, ``amount``, as :func:`crmlab.database.load_transactions` makes it)
and give exactly the numbers of :func:`crmlab.segmentation.rfm_table` and
:func:`crmlab.transactions.rfm_summary`. The customer 360 reads the cleaned views of a CRM extract
made by :func:`crmlab.database.clean_extract`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.database.connection import SQL, _day, run
from crmlab.engines.sql import summary_query
from crmlab.engines.summary import SUMMARY_COLUMNS
from crmlab.errors import CRMLabInputError
from crmlab.transactions import time_unit_days

__all__ = [
    "RFM_TABLE_SQL",
    "RFM_SUMMARY_SQL",
    "CUSTOMER_360_SQL",
    "rfm_table",
    "rfm_summary",
    "customer_360",
]

RFM_TABLE_SQL = SQL("""
-- Classic marketing RFM per customer, counted at a snapshot day (lesson 3).
SELECT
    customer_id,
    $snapshot_date - MAX(date)  AS recency_days,  -- days since the last purchase
    COUNT(DISTINCT date)        AS frequency,     -- purchase days, the first one included
    SUM(amount)                 AS monetary       -- total spend
FROM transactions
GROUP BY customer_id
ORDER BY customer_id
""")

#: The buy-till-you-die summary of lesson 5: the one SQL every crmlab engine runs
#: (:func:`crmlab.engines.sql.summary_query`), here over the table ``transactions``. Its
#: parameters are day numbers (``$calibration_end``, ``$observation_end``: days since
#: 1970-01-01) and the unit's length in days (``$unit_days``).
RFM_SUMMARY_SQL = SQL(summary_query("transactions"))

CUSTOMER_360_SQL = SQL("""
-- One row per customer with everything the firm knows about them (the customer 360).
CREATE OR REPLACE VIEW customer_360 AS
WITH order_values AS (        -- each order: its value and the product on its first line
    SELECT o.order_id, o.customer_id, o.order_date,
           COALESCE(SUM(l.quantity * l.unit_price), 0) AS amount,
           arg_min(l.product, l.line_no)               AS product
    FROM orders_clean o
    LEFT JOIN lines_clean l ON l.order_id = o.order_id
    GROUP BY o.order_id, o.customer_id, o.order_date
),
buying AS (                   -- each customer's orders, summed up
    SELECT customer_id,
           COUNT(*)                                   AS orders,
           COUNT(DISTINCT order_date)                 AS purchase_days,
           MIN(order_date)                            AS first_order,
           MAX(order_date)                            AS last_order,
           SUM(amount)                                AS revenue,
           arg_min(product, (order_date, order_id))   AS first_product,
           arg_max(product, (order_date, order_id))   AS last_product
    FROM order_values
    GROUP BY customer_id
),
service AS (                  -- service contacts, booked to the surviving customer record
    SELECT m.customer_key AS customer_id,
           COUNT(*)                                   AS contacts,
           COUNT(*) FILTER (WHERE reason = 'complaint')     AS complaints,
           COUNT(*) FILTER (WHERE NOT resolved)             AS unresolved
    FROM contacts k
    JOIN customer_map m ON m.customer_id = k.customer_id
    GROUP BY m.customer_key
)
SELECT
    c.customer_id, c.channel, c.region, c.tier, c.signup_date,
    getvariable('extract_date') - c.signup_date AS tenure_days,
    COALESCE(b.orders, 0)                  AS orders,
    COALESCE(b.purchase_days, 0)           AS purchase_days,
    b.first_order, b.last_order,
    getvariable('extract_date') - b.last_order  AS recency_days,
    COALESCE(b.revenue, 0)                 AS revenue,
    b.first_product, b.last_product,
    COALESCE(s.contacts, 0)                AS contacts,
    COALESCE(s.complaints, 0)              AS complaints,
    COALESCE(s.unresolved, 0)              AS unresolved
FROM customers_clean c
LEFT JOIN buying  b ON b.customer_id = c.customer_id
LEFT JOIN service s ON s.customer_id = c.customer_id
ORDER BY c.customer_id
""")


def _log_facts(con, table: str = "transactions") -> dict:
    row = con.execute(
        f"""SELECT COUNT(*), MIN(date), MAX(date),
                   COUNT(*) FILTER (WHERE customer_id IS NULL), COUNT(*) FILTER (WHERE date IS NULL),
                   COUNT(*) FILTER (WHERE amount IS NULL), COUNT(*) FILTER (WHERE amount < 0),
                   MIN(amount)
            FROM {table}"""
    ).fetchall()[0]
    keys = ["rows", "first", "last", "null_ids", "null_dates", "null_amounts", "negative", "min"]
    return dict(zip(keys, row, strict=True))


def _check_log(facts: dict, allow_negative: bool) -> None:
    if facts["rows"] == 0:
        raise CRMLabInputError("the table transactions is empty. Fix: load a transaction log.")
    for key, column in (("null_ids", "customer_id"), ("null_dates", "date")):
        if facts[key]:
            raise CRMLabInputError(
                f"transactions: {facts[key]} of {facts['rows']} rows have no {column}. Fix: "
                f"find them with SELECT * FROM transactions WHERE {column} IS NULL, then "
                "repair or delete them."
            )
    if facts["null_amounts"]:
        raise CRMLabInputError(
            f"transactions: {facts['null_amounts']} of {facts['rows']} rows have no amount. "
            "Fix: repair or delete them (SELECT * FROM transactions WHERE amount IS NULL)."
        )
    if facts["negative"] and not allow_negative:
        raise CRMLabInputError(
            f"transactions: {facts['negative']} of {facts['rows']} rows have a negative amount "
            f"(the smallest is {facts['min']}). These look like returns or refunds: net them "
            "against their orders, delete them, or pass allow_negative=True to keep them."
        )


def rfm_table(con, *, snapshot_date=None) -> pd.DataFrame:
    """Classic RFM per customer from the table ``transactions``, by :data:`RFM_TABLE_SQL`.

    Same columns and numbers as :func:`crmlab.segmentation.rfm_table`: ``recency_days`` (days
    from the last purchase to ``snapshot_date``, default the last day in the table),
    ``frequency`` (distinct purchase days) and ``monetary`` (total spend), indexed by
    ``customer_id``. Missing values and negative amounts are errors, as there.
    """
    facts = _log_facts(con)
    _check_log(facts, allow_negative=False)  # as segmentation.rfm_table
    snap = facts["last"] if snapshot_date is None else _day(snapshot_date, "snapshot_date")
    if facts["last"] > snap:
        raise CRMLabInputError(
            f"transactions has orders after snapshot_date {snap} (the last is on "
            f"{facts['last']}). Fix: choose a later snapshot_date or delete those orders."
        )
    out = run(con, RFM_TABLE_SQL, snapshot_date=snap).set_index("customer_id")
    out.attrs["snapshot_date"] = str(snap)
    return out


def rfm_summary(
    con,
    *,
    observation_end=None,
    calibration_end=None,
    time_unit: str = "W",
    allow_negative: bool = False,
) -> pd.DataFrame:
    """The buy-till-you-die summary of the table ``transactions``, by :data:`RFM_SUMMARY_SQL`.

    Same arguments, columns, rows and ``attrs`` as :func:`crmlab.transactions.rfm_summary`
    (same-day orders merged; times in ``time_unit`` from each customer's first purchase day;
    with ``calibration_end``, holdout columns and only the customers who bought by then).
    Rows after ``observation_end``, missing values and (unless ``allow_negative``) negative
    amounts are errors, as there.
    """
    unit = time_unit_days(time_unit)
    facts = _log_facts(con)
    _check_log(facts, allow_negative)
    obs = facts["last"] if observation_end is None else _day(observation_end, "observation_end")
    if facts["last"] > obs:
        late = con.execute("SELECT COUNT(*) FROM transactions WHERE date > ?", [obs]).fetchall()[0]
        raise CRMLabInputError(
            f"transactions: {late[0]} rows are after observation_end {obs} (the last is on "
            f"{facts['last']}). Fix: delete them first or move observation_end later."
        )
    cal = obs if calibration_end is None else _day(calibration_end, "calibration_end")
    if calibration_end is not None and not facts["first"] <= cal < obs:
        raise CRMLabInputError(
            f"calibration_end {cal} is outside the data: it must fall on or after the first "
            f"order ({facts['first']}) and before observation_end ({obs}). Fix: choose a date "
            "in between."
        )
    out = run(
        con,
        RFM_SUMMARY_SQL,
        observation_end=_day_number(obs),
        calibration_end=_day_number(cal),
        unit_days=unit,
    )
    out = out.rename(columns={"customer": "customer_id"}).set_index("customer_id")
    out = out[_RFM_COLUMNS]
    out["frequency"] = out["frequency"].astype("int64")
    if calibration_end is None:
        out = out.drop(columns=["frequency_holdout", "monetary_value_holdout", "duration_holdout"])
    else:
        out["frequency_holdout"] = out["frequency_holdout"].astype("int64")
    counts = con.execute(
        """SELECT (SELECT COUNT(*) FROM (SELECT DISTINCT customer_id, date FROM transactions)),
                  (SELECT COUNT(DISTINCT customer_id) FROM transactions)"""
    ).fetchall()[0]
    out.attrs.update(
        {
            "time_unit": time_unit,
            "unit_days": unit,
            "observation_end": str(obs),
            "calibration_end": None if calibration_end is None else str(cal),
            "n_transactions": int(facts["rows"]),
            "merged_same_day_rows": int(facts["rows"] - counts[0]),
            "customers_first_after_calibration": int(counts[1] - len(out)),
        }
    )
    return out


#: The columns of :func:`crmlab.transactions.rfm_summary` (the SQL adds the day counts).
_RFM_COLUMNS = list(SUMMARY_COLUMNS[:7])


def _day_number(day: Any) -> int:
    """A ``datetime.date`` (or date-like) as days since 1970-01-01."""
    return int(np.datetime64(day, "D").astype(np.int64))


def customer_360(con) -> pd.DataFrame:
    """Create the view ``customer_360`` of a cleaned CRM extract and return it.

    Runs :data:`CUSTOMER_360_SQL` on the views of :func:`crmlab.database.clean_extract` (which
    also sets the extract date). One row per customer (duplicate records merged): channel,
    region, tier, sign-up date, tenure in days at the extract date, orders, purchase days,
    first and last order, recency in days, revenue, first and last product, and service
    contacts, complaints and unresolved contacts. Later SQL can read the view by name.
    """
    views = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'"
        ).fetchall()
    }
    missing = {"customers_clean", "orders_clean", "lines_clean", "customer_map"} - views
    if missing:
        raise CRMLabInputError(
            f"the views {sorted(missing)} do not exist. Fix: run "
            "crmlab.database.clean_extract(con, extract_date=...) first."
        )
    con.execute(CUSTOMER_360_SQL).fetchall()
    return run(con, "SELECT * FROM customer_360 ORDER BY customer_id").set_index("customer_id")
