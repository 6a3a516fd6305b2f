"""Preparing a real export inside the tool: amount expression, row filter, missing ids, returns.

Real order logs rarely arrive as (customer, date, amount): the amount is ``Quantity *
UnitPrice``, some lines are not sales, some have no customer id, cancellations carry negative
quantities. :func:`prepare_input` applies the user's options on the engine, written once in SQL
(:mod:`crmlab.engines.sql`; SQLGlot transpiles it for Spark), and counts every row each option
removes, so the report can say so:

``where``
    A condition over the input's columns (:func:`~crmlab.engines.expressions.parse_expression`);
    rows where it is false or NULL are removed (``rows_removed_by_where``).
``drop_missing_customers``
    Rows without a customer id are removed (``rows_removed_missing_customer``) instead of
    refused.
``amount_expr``
    The amount of each row, an arithmetic expression over the columns.
``returns``
    ``"refuse"`` (negative amounts are an error) or ``"net"``: amounts are netted per customer
    and day, and a day whose net amount is not positive is not a purchase (counted by
    :func:`netting_counts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crmlab.engines.expressions import RowExpression, parse_expression
from crmlab.engines.sql import quote
from crmlab.errors import CRMLabInputError

if TYPE_CHECKING:
    from crmlab.engines.backend import Backend
    from crmlab.engines.summary import SummaryRequest

__all__ = ["RETURNS", "returns_option", "parse_options", "prepare_input", "netting_counts"]

#: What ``returns=`` / ``--returns`` accepts.
RETURNS = ("refuse", "net")


def returns_option(returns: str, allow_returns: bool = False) -> str:
    """``returns`` if it is one of :data:`RETURNS`, else a clear error.

    ``allow_returns=True`` (the deprecated option) means ``"net"``, with a warning: keeping
    negative amounts in the sums without netting counted cancellation-only days as purchases.
    """
    if allow_returns:
        import warnings

        warnings.warn(
            "allow_returns / --allow-returns is deprecated: it now means returns='net' "
            "(--returns net), which nets amounts per customer and day.",
            FutureWarning,
            stacklevel=3,
        )
        returns = "net"
    if returns not in RETURNS:
        raise CRMLabInputError(
            f"returns must be one of {', '.join(RETURNS)}, got {returns!r}. Fix: 'refuse' stops "
            "at negative amounts; 'net' nets them per customer and day."
        )
    return returns


def parse_options(
    r: SummaryRequest, columns: Sequence[str]
) -> tuple[RowExpression | None, RowExpression | None]:
    """The checked ``amount_expr`` and ``where`` of a request (None when not given)."""
    if r.amount_expr is not None and r.amount_col is not None:
        raise CRMLabInputError(
            f"give the amount either as a column (amount_col={r.amount_col!r}) or as an "
            f"expression (amount_expr={r.amount_expr!r}), not both. Fix: drop one of them."
        )
    amount = (
        None
        if r.amount_expr is None
        else parse_expression(r.amount_expr, columns, option="--amount-expr", condition=False)
    )
    where = (
        None
        if r.where is None
        else parse_expression(r.where, columns, option="--where", condition=True)
    )
    return amount, where


def prepare_input(
    backend: Backend, r: SummaryRequest, columns: Sequence[str]
) -> tuple[str | None, dict]:
    """Build ``crm_input`` from ``crm_raw`` on ``backend`` with the request's options.

    Returns
    -------
    amount_sql : str or None
        The checked amount expression as SQL (None: use ``amount_col``).
    counts : dict
        ``rows_read``, ``rows_removed_by_where``, ``rows_removed_missing_customer``.
    """
    amount, where = parse_options(r, columns)
    where_sql = None if where is None else where.sql
    drop = r.customer_col if r.drop_missing_customers else None
    backend.view("crm_input", input_sql(where_sql, drop))
    _probe(backend, [e for e in (amount, where) if e is not None])
    counts = {k: int(v) for k, v in backend.frame(removed_sql(where_sql, drop)).iloc[0].items()}
    return (None if amount is None else amount.sql), counts


def _probe(backend: Backend, expressions: list[RowExpression]) -> None:
    """Let the engine type-check the expressions on no rows; its complaint becomes a clear error."""
    if not expressions:
        return
    items = ", ".join(f"{e.sql} AS x{i}" for i, e in enumerate(expressions))
    try:
        backend.frame(f"SELECT {items} FROM crm_input LIMIT 0")
    except Exception as exc:  # the engines' own error classes (DuckDB, Spark) differ
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        texts = " and ".join(repr(e.text) for e in expressions)
        raise CRMLabInputError(
            f"expression {texts} cannot be computed on the input's columns ({first}). Fix: "
            "CAST text columns to numbers, e.g. CAST(Quantity AS DOUBLE) * UnitPrice."
        ) from None


def netting_counts(backend: Backend) -> dict:
    """With ``returns="net"``: ``return_rows``, ``days_not_positive``, ``customers_without_purchase``."""
    row = backend.frame(netting_sql()).iloc[0]
    return {k: int(v) for k, v in row.items()}


# -- the SQL of the preparation (on crm_raw / crm_tx; identifiers quoted with SQLGlot) --------
def input_sql(where_sql: str | None, customer_col: str | None) -> str:
    """``crm_raw`` restricted to the rows ``--where`` keeps and those with a customer id.

    A row whose condition is NULL is dropped; ``customer_col`` (``--drop-missing-customers``)
    also drops rows without an id.
    """
    conds = []
    if where_sql is not None:
        conds.append(f"COALESCE(({where_sql}), FALSE)")
    if customer_col is not None:
        conds.append(f"{quote(customer_col)} IS NOT NULL")
    return "SELECT * FROM crm_raw" + (f" WHERE {' AND '.join(conds)}" if conds else "")


def removed_sql(where_sql: str | None, customer_col: str | None) -> str:
    """One pass over ``crm_raw``: rows read, rows ``--where`` removes, rows without an id it keeps."""
    kept = f"COALESCE(({where_sql}), FALSE)" if where_sql is not None else "TRUE"
    missing = f"{quote(customer_col)} IS NULL" if customer_col is not None else "FALSE"
    return (
        f"SELECT COUNT(*) AS rows_read, COUNT_IF(NOT {kept}) AS rows_removed_by_where, "
        f"COUNT_IF({kept} AND {missing}) AS rows_removed_missing_customer FROM crm_raw"
    )


def netting_sql() -> str:
    """``--returns net`` counts: negative rows, non-positive days, customers left without a day.

    A customer-day whose net amount is not positive is not a purchase.
    """
    return """
WITH d AS (SELECT customer, day, SUM(amount) AS amount FROM crm_tx GROUP BY customer, day),
c AS (SELECT customer, MAX(amount) AS best FROM d GROUP BY customer)
SELECT (SELECT COUNT_IF(amount < 0) FROM crm_tx) AS return_rows,
  (SELECT COUNT_IF(amount <= 0) FROM d) AS days_not_positive,
  (SELECT COUNT_IF(best <= 0) FROM c) AS customers_without_purchase
"""
