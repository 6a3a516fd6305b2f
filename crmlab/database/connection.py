"""An embedded DuckDB customer database: connect, load tables, run and show SQL.

DuckDB runs inside the Python process (no server to install); a connection holds tables, and
SQL queries on them return pandas frames. The loaders here put a transaction log or a CRM extract
into tables with fixed column names, so that the queries in :mod:`crmlab.database.summaries`,
:mod:`crmlab.database.windows` and :mod:`crmlab.database.quality` work on any source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from crmlab.dates import as_day
from crmlab.engines.sql import quote
from crmlab.errors import CRMLabInputError
from crmlab.validation import check_frame, require_columns

if TYPE_CHECKING:
    from crmlab.datasets import CRMExtract

__all__ = [
    "SQL",
    "connect",
    "load_transactions",
    "load_crm_extract",
    "run",
    "explain",
    "table_overview",
]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SQL(str):
    """A SQL text that a notebook shows highlighted (it is still a plain ``str``)."""

    def _repr_markdown_(self) -> str:
        return f"```sql\n{self.strip()}\n```"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(self.strip())


def connect(
    *, threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open a new in-memory DuckDB database.

    Parameters
    ----------
    threads : int, optional
        Worker threads for queries (DuckDB's default: all cores).
    memory_limit : str, optional
        For example ``"2GB"``; beyond it DuckDB spills to temporary files.

    Returns
    -------
    duckdb.DuckDBPyConnection
    """
    con = duckdb.connect(":memory:")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}").fetchall()
    if memory_limit is not None:
        con.execute("SET memory_limit = ?", [str(memory_limit)]).fetchall()
    return con


def _table_name(name: str) -> str:
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise CRMLabInputError(
            f"table must be a plain SQL name (letters, digits, underscores), got {name!r}."
        )
    return name


def _create_from_frame(con, table: str, frame: pd.DataFrame, select: str) -> int:
    view = f"_incoming_{table}"
    con.register(view, frame)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {select} FROM {view}").fetchall()
    finally:
        con.unregister(view)
    return int(con.execute(f"SELECT COUNT(*) FROM {table}").fetchall()[0][0])


def load_transactions(
    con,
    transactions: pd.DataFrame,
    *,
    table: str = "transactions",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> int:
    """Load a transaction log into the table ``table`` (replacing it), as it is.

    The three key columns are renamed ``customer_id``, ``date`` (a SQL ``DATE``: the day of the
    order) and ``amount`` (``DOUBLE``); other columns are kept. No row is cleaned or dropped:
    the data-quality checks of :mod:`crmlab.database.quality` are meant to find the problems.

    Returns
    -------
    int
        The number of rows loaded.
    """
    check_frame(
        transactions,
        "transactions",
        columns=[customer_col, date_col, amount_col],
        hint="pass customer_col=, date_col= and amount_col= naming your columns",
    )
    dates = transactions[date_col]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise CRMLabInputError(
            f"transactions[{date_col!r}] holds {dates.dtype} values, not dates (first value: "
            f"{dates.iloc[0]!r}). Fix: parse them first, e.g. "
            f"df[{date_col!r}] = pd.to_datetime(df[{date_col!r}], format='%Y-%m-%d')."
        )
    frame = transactions
    others = [c for c in frame.columns if c not in (customer_col, date_col, amount_col)]
    select = ", ".join(
        [
            f"{quote(customer_col)} AS customer_id",
            f"CAST({quote(date_col)} AS DATE) AS date",
            f"CAST({quote(amount_col)} AS DOUBLE) AS amount",
            *(quote(c) for c in others),
        ]
    )
    return _create_from_frame(con, _table_name(table), frame, select)


#: Column types of the CRM extract tables (what a schema would declare).
CRM_SCHEMA: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "BIGINT",
        "email": "VARCHAR",
        "signup_date": "DATE",
        "channel": "VARCHAR",
        "region": "VARCHAR",
        "tier": "VARCHAR",
    },
    "orders": {"order_id": "BIGINT", "customer_id": "BIGINT", "order_date": "DATE"},
    "order_lines": {
        "order_id": "BIGINT",
        "line_no": "INTEGER",
        "product": "VARCHAR",
        "quantity": "INTEGER",
        "unit_price": "DOUBLE",
    },
    "contacts": {
        "contact_id": "BIGINT",
        "customer_id": "BIGINT",
        "contact_date": "DATE",
        "channel": "VARCHAR",
        "reason": "VARCHAR",
        "resolved": "BOOLEAN",
    },
}


def load_crm_extract(con, extract: CRMExtract | Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Load the four tables of a CRM extract (customers, orders, order_lines, contacts).

    Each table gets the column types of :data:`CRM_SCHEMA`; rows are loaded as they are, with
    no key constraints, because an extract from flat files may break them (that is what the
    data-quality checks find). Returns the number of rows of each table.
    """
    tables = extract if isinstance(extract, Mapping) else extract.tables()
    counts = {}
    for name, columns in CRM_SCHEMA.items():
        if name not in tables:
            raise CRMLabInputError(
                f"the extract has no {name!r} table; it needs {', '.join(CRM_SCHEMA)}."
            )
        frame = tables[name]
        require_columns(frame, list(columns), name=name)
        select = ", ".join(f"CAST({quote(c)} AS {t}) AS {quote(c)}" for c, t in columns.items())
        counts[name] = _create_from_frame(con, name, frame, select)
    return pd.DataFrame({"rows": counts}).rename_axis("table")


def _day(value: Any, what: str) -> dt.date:
    """``value`` as a date (read as :func:`crmlab.dates.as_day` reads it), for SQL parameters."""
    return as_day(value, what).item()


def run(con, sql: str, **params: Any) -> pd.DataFrame:
    """Run ``sql`` with named parameters (``$name`` in the text) and return a DataFrame."""
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used}).df()


def explain(con, sql: str, **params: Any) -> str:
    """The physical plan DuckDB chooses for ``sql`` (the text of ``EXPLAIN``)."""
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
    rows = con.execute("EXPLAIN " + sql, {k: v for k, v in params.items() if k in used})
    return "\n".join(str(r[1]) for r in rows.fetchall())


def table_overview(con) -> pd.DataFrame:
    """One row per table: its number of rows and its columns with their SQL types."""
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    rows = []
    for (name,) in tables:
        cols = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [name],
        ).fetchall()
        n = con.execute(f"SELECT COUNT(*) FROM {quote(name)}").fetchall()[0][0]
        rows.append(
            {
                "table": name,
                "rows": int(n),
                "columns": ", ".join(f"{c} {t.lower()}" for c, t in cols),
            }
        )
    return pd.DataFrame(rows).set_index("table")
