"""Data-quality checks (数据质量) in SQL, and cleaning that reports every row it touches.

A check is a query that returns one row per offending record, with a sentence on what the
problem means and what to do about it. :func:`run_checks` counts the rows of each check;
:func:`check_rows` shows them. :func:`clean_extract` builds cleaned views of a CRM extract and
returns how many rows each cleaning step removed or changed, so nothing disappears unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from crmlab.database.connection import SQL, _day, run
from crmlab.errors import CRMLabInputError

__all__ = [
    "Check",
    "TRANSACTION_CHECKS",
    "EXTRACT_CHECKS",
    "CLEAN_EXTRACT_SQL",
    "run_checks",
    "check_rows",
    "clean_extract",
]


@dataclass(frozen=True)
class Check:
    """One data-quality check: a query returning one row per offending record."""

    name: str
    sql: SQL
    problem: str
    action: str


#: Checks of a transaction log (table ``transactions``: customer_id, date, amount, ...).
TRANSACTION_CHECKS: tuple[Check, ...] = (
    Check(
        "exact duplicate rows",
        SQL("""
SELECT * FROM transactions
EXCEPT ALL                             -- take away one copy of every distinct row:
SELECT DISTINCT * FROM transactions    -- what is left are the extra copies
"""),
        "the same row more than once: a double export or two identical orders",
        "ask the source; without an order id, keep them (two equal orders are possible)",
    ),
    Check(
        "same-day repeat orders",
        SQL("""
SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY customer_id, date) AS nth_that_day
    FROM transactions
) WHERE nth_that_day > 1
"""),
        "a customer ordered more than once on one day",
        "count them as one purchase occasion (the buy-till-you-die convention)",
    ),
    Check(
        "zero amounts",
        SQL("SELECT * FROM transactions WHERE amount = 0"),
        "an order worth nothing: a free item, a voucher or an entry error",
        "keep them for counts of orders; they do not change sums",
    ),
    Check(
        "negative amounts",
        SQL("SELECT * FROM transactions WHERE amount < 0"),
        "returns or refunds booked as orders",
        "net them against their orders, or the summaries will refuse them",
    ),
    Check(
        "missing values",
        SQL("""
SELECT * FROM transactions
WHERE customer_id IS NULL OR date IS NULL OR amount IS NULL
"""),
        "an order without a customer, a day or an amount cannot be used",
        "repair from the source; never fill in a guess",
    ),
)

#: Checks of a CRM extract (tables customers, orders, order_lines; ``$extract_date``).
EXTRACT_CHECKS: tuple[Check, ...] = (
    Check(
        "duplicate customers",
        SQL("""
SELECT * FROM (
    SELECT customer_id, email, signup_date,
           ROW_NUMBER() OVER (PARTITION BY lower(email)
                              ORDER BY signup_date, customer_id) AS record
    FROM customers
) WHERE record > 1        -- later records of an e-mail that is already known
"""),
        "one person under two customer ids, so their history is split in two",
        "merge them: map every record to the first one with the same e-mail",
    ),
    Check(
        "duplicate order rows",
        SQL("""
SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id) AS copy
    FROM orders
) WHERE copy > 1          -- the key order_id must be unique
"""),
        "an order exported twice; a join with its lines would count its revenue twice",
        "keep one row per order_id",
    ),
    Check(
        "orphan orders",
        SQL("""
SELECT o.*
FROM orders o
LEFT JOIN customers c ON c.customer_id = o.customer_id
WHERE c.customer_id IS NULL   -- no customer with this id
"""),
        "orders of customer ids that are not in the customer table",
        "keep them out of customer tables, report their count and revenue to the source",
    ),
    Check(
        "orphan order lines",
        SQL("""
SELECT l.*
FROM order_lines l
LEFT JOIN (SELECT DISTINCT order_id FROM orders) o ON o.order_id = l.order_id
WHERE o.order_id IS NULL
"""),
        "lines of orders that are not in the order table",
        "leave them out; nobody can say whose they are",
    ),
    Check(
        "orders before sign-up",
        SQL("""
SELECT o.*, c.signup_date
FROM orders o
JOIN customers c ON c.customer_id = o.customer_id
WHERE o.order_date < c.signup_date
"""),
        "an order dated before the customer signed up: the sign-up date is wrong",
        "keep the orders; take the first order as the start of the relationship",
    ),
    Check(
        "orders in the future",
        SQL("SELECT * FROM orders WHERE order_date > $extract_date"),
        "an order dated after the extract was taken cannot have happened (a typed year?)",
        "leave them out until the source corrects the date",
    ),
    Check(
        "negative prices or quantities",
        SQL("SELECT * FROM order_lines WHERE unit_price < 0 OR quantity <= 0"),
        "a line with a negative price or no quantity: an entry error or a hidden return",
        "leave the line out and report it; do not flip the sign by guessing",
    ),
)

CLEAN_EXTRACT_SQL = SQL("""
-- every customer record -> the record that survives (the first one with the same e-mail)
CREATE OR REPLACE VIEW customer_map AS
SELECT customer_id,
       FIRST_VALUE(customer_id) OVER (PARTITION BY lower(email)
                                      ORDER BY signup_date, customer_id) AS customer_key
FROM customers;

-- orders: one row per order_id, booked to the surviving record, known customers only,
-- nothing after the extract date (a variable set before these statements run)
CREATE OR REPLACE VIEW orders_clean AS
SELECT DISTINCT o.order_id, m.customer_key AS customer_id, o.order_date
FROM orders o
JOIN customer_map m ON m.customer_id = o.customer_id      -- drops the orphan orders
WHERE o.order_date <= getvariable('extract_date');

-- lines of the clean orders, without negative prices or empty quantities
CREATE OR REPLACE VIEW lines_clean AS
SELECT l.*
FROM order_lines l
WHERE l.order_id IN (SELECT order_id FROM orders_clean)
  AND l.unit_price >= 0 AND l.quantity > 0;

-- one row per person, and a sign-up date after the first order becomes that order's date
CREATE OR REPLACE VIEW customers_clean AS
SELECT c.customer_id, c.email,
       LEAST(c.signup_date, f.first_order) AS signup_date,
       c.channel, c.region, c.tier
FROM customers c
LEFT JOIN (SELECT customer_id, MIN(order_date) AS first_order
           FROM orders_clean GROUP BY customer_id) f ON f.customer_id = c.customer_id
WHERE c.customer_id IN (SELECT customer_key FROM customer_map);
""")


def _params(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if f"${k}" in sql}


def run_checks(con, checks: tuple[Check, ...] = TRANSACTION_CHECKS, **params: Any) -> pd.DataFrame:
    """Run each check and count its offending rows.

    Parameters
    ----------
    checks : tuple of Check
        :data:`TRANSACTION_CHECKS` (default) or :data:`EXTRACT_CHECKS`.
    **params
        Values for ``$name`` parameters, e.g. ``extract_date="2024-12-31"``.

    Returns
    -------
    DataFrame indexed by check name with ``rows`` (offending rows), ``problem`` and ``action``.
    """
    rows = []
    for check in checks:
        needed = {p for p in ("extract_date",) if f"${p}" in check.sql}
        missing = needed - set(params)
        if missing:
            raise CRMLabInputError(
                f"check {check.name!r} needs {sorted(missing)}; pass e.g. extract_date='2024-12-31'."
            )
        n = con.execute(
            f"SELECT COUNT(*) FROM ({check.sql})", _params(check.sql, params)
        ).fetchall()[0][0]
        rows.append(
            {"check": check.name, "rows": int(n), "problem": check.problem, "action": check.action}
        )
    return pd.DataFrame(rows).set_index("check")


def check_rows(
    con, name: str, checks: tuple[Check, ...] = TRANSACTION_CHECKS, **params: Any
) -> pd.DataFrame:
    """The offending rows of the check called ``name``."""
    found = [c for c in checks if c.name == name]
    if not found:
        names = ", ".join(repr(c.name) for c in checks)
        raise CRMLabInputError(f"no check called {name!r}; the checks are {names}.")
    return run(con, found[0].sql, **params)


def clean_extract(con, *, extract_date) -> pd.DataFrame:
    """Create the cleaned views of a CRM extract and report what each step did.

    Runs :data:`CLEAN_EXTRACT_SQL`, which creates ``customer_map``, ``orders_clean``,
    ``lines_clean`` and ``customers_clean``. Returns one row per step with the number of rows
    it affected, so that every removed or changed row is accounted for.
    """
    day = _day(extract_date, "extract_date")
    con.execute(f"SET VARIABLE extract_date = DATE '{day.isoformat()}'").fetchall()
    for statement in CLEAN_EXTRACT_SQL.split(";"):
        if statement.strip():
            con.execute(statement).fetchall()
    q = lambda sql: int(con.execute(sql, _params(sql, {"extract_date": day})).fetchall()[0][0])  # noqa: E731
    report = {
        "customer records merged into another": q(
            "SELECT COUNT(*) FROM customer_map WHERE customer_id <> customer_key"
        ),
        "duplicate order rows removed": q("SELECT COUNT(*) - COUNT(DISTINCT order_id) FROM orders"),
        "orphan orders left out": q(
            "SELECT COUNT(*) FROM orders WHERE customer_id NOT IN "
            "(SELECT customer_id FROM customers)"
        ),
        "future orders left out": q(
            "SELECT COUNT(DISTINCT order_id) FROM orders WHERE order_date > $extract_date"
        ),
        "order lines with a negative price or no quantity left out": q(
            "SELECT COUNT(*) FROM order_lines WHERE order_id IN (SELECT order_id FROM "
            "orders_clean) AND NOT (unit_price >= 0 AND quantity > 0)"
        ),
        "order lines of orders left out or unknown": q(
            "SELECT COUNT(*) FROM order_lines WHERE order_id NOT IN "
            "(SELECT order_id FROM orders_clean)"
        ),
        "sign-up dates moved to the first order": q(
            "SELECT COUNT(*) FROM customers c JOIN customers_clean k USING (customer_id) "
            "WHERE k.signup_date < c.signup_date"
        ),
    }
    return pd.DataFrame({"rows": report}).rename_axis("cleaning step")
