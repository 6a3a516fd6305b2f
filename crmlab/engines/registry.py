"""The engines by name (:data:`ENGINES`) and :func:`summarize`, which runs the summary on one.

A new engine is a :class:`~crmlab.engines.backend.Backend` subclass and one entry here:
``summarize``, ``analyze(engine=...)`` and the ``crmlab analyze --engine`` choices and help
all read :data:`ENGINES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crmlab.engines.backend import Backend
from crmlab.engines.checks import check_zone
from crmlab.engines.duckdb_backend import DuckDBBackend
from crmlab.engines.memory import MemoryBudget
from crmlab.engines.pandas_backend import PandasBackend
from crmlab.engines.preparation import returns_option
from crmlab.engines.spark_backend import SparkBackend
from crmlab.engines.summary import SummaryRequest, TransactionSummary
from crmlab.errors import CRMLabInputError
from crmlab.transactions import time_unit_days

__all__ = ["ENGINES", "engine_help", "open_backend", "summarize"]

#: The engines, by the name ``engine=`` / ``--engine`` takes; the first is the default.
ENGINES: dict[str, type[Backend]] = {
    DuckDBBackend.name: DuckDBBackend,
    SparkBackend.name: SparkBackend,
    PandasBackend.name: PandasBackend,
}


def engine_help() -> str:
    """One line per engine, ``name: help`` (for the CLI and the docs)."""
    return "; ".join(f"{name}: {cls.help}" for name, cls in ENGINES.items())


def open_backend(
    engine: str,
    source: Any = None,
    *,
    connection: Any = None,
    spark: Any = None,
    spark_master: str | None = None,
    budget: MemoryBudget | None = None,
) -> Backend:
    """The backend for ``engine``, or for the engine ``source`` lives on (a Spark DataFrame).

    Raises
    ------
    CRMLabInputError
        For an engine name not in :data:`ENGINES`, listing those that are.
    """
    owner = next((cls for cls in ENGINES.values() if cls.owns(source)), None)
    if owner is not None:
        session = getattr(source, "sparkSession", None)
        return owner.open(
            connection=connection, spark=spark or session, spark_master=spark_master, budget=budget
        )
    if engine not in ENGINES:
        raise CRMLabInputError(
            f"engine must be one of {', '.join(ENGINES)}, got {engine!r}. Fix: {engine_help()}."
        )
    return ENGINES[engine].open(
        connection=connection, spark=spark, spark_master=spark_master, budget=budget
    )


def summarize(
    source: Any,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    tz: str | None = None,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    returns: str = "refuse",
    amount_expr: str | None = None,
    where: str | None = None,
    drop_missing_customers: bool = False,
    allow_returns: bool = False,
    normalize_ids: bool = False,
    engine: str = "duckdb",
    connection: Any = None,
    spark: Any = None,
    spark_master: str | None = None,
    memory_limit: str | int | None = None,
    on_open: Callable[[Backend], Any] | None = None,
) -> TransactionSummary:
    """Summarise a transaction log into one buy-till-you-die row per customer, on an engine.

    The numbers are those of :func:`crmlab.transactions.rfm_summary` (same-day orders merged,
    times in ``time_unit`` from each customer's first purchase day) on every engine. Zone-aware
    dates give the purchase day on the wall clock of their own zone, as there (or of ``tz``): a
    pandas column's zone, or a Parquet column's zone from its schema; instants in a database
    table, which keep no zone, are read in UTC.

    Parameters
    ----------
    source : path, glob, folder, list of them, DataFrame, DuckDB relation, table name or Spark DataFrame
        The orders: CSV (also compressed) or Parquet files, a pandas frame, a DuckDB relation or
        the name of a table in ``connection``, or a Spark DataFrame (then ``engine="spark"``).
    customer_col, date_col, amount_col : str
        The input's column names (``amount_col=None``: no amounts, monetary columns are 0).
    date_format : str, optional
        strftime format of text dates, e.g. ``"%d.%m.%Y"``; default: ISO dates or native dates.
    dayfirst : bool, optional
        For text dates that are not ISO 8601 without ``date_format``: one format for the whole
        column is derived from the first date (see :class:`~crmlab.transactions.LogFormat`).
    tz : str, optional
        Time zone to convert zone-aware dates to before days are counted.
    calibration_end, observation_end : date-like, optional
        As in ``rfm_summary``: the holdout runs from the day after ``calibration_end`` to
        ``observation_end`` (default the last order day).
    time_unit : {"D", "W", "M", "Y"}
        Unit of ``recency`` and ``T``.
    returns : {"refuse", "net"}
        ``"refuse"`` (default): negative amounts are an error; ``"net"``: amounts are netted
        per customer and day and a day whose net amount is not positive is not a purchase.
    amount_expr : str, optional
        The amount of a row as an expression over the input's columns, e.g.
        ``"Quantity * UnitPrice"`` (instead of ``amount_col``; see
        :mod:`crmlab.engines.expressions` for what is allowed).
    where : str, optional
        A condition over the input's columns; only rows where it is true are used.
    drop_missing_customers : bool
        Remove (and count) rows without a customer id instead of refusing them.
    allow_returns : bool
        Deprecated alias of ``returns="net"``.
    normalize_ids : bool
        Read ids that differ only by surrounding spaces, a trailing ``.0`` or letter case as
        one customer (by default they are an error); counted in ``counts["ids_merged"]``.
    engine : str
        A name in :data:`ENGINES` ("duckdb", "spark", "pandas").
    connection : duckdb.DuckDBPyConnection, optional
        DuckDB connection to use (and to look table names up in).
    spark : SparkSession, optional
        Spark session to use with ``engine="spark"``.
    spark_master : str, optional
        Master URL for a new Spark session.
    memory_limit : str or int, optional
        The process's memory budget, e.g. ``"4GB"`` (:mod:`crmlab.engines.memory`): the engine
        gets its share; default ``CRMLAB_MEMORY_LIMIT``, else the smaller of half the RAM and
        8 GB.
    on_open : callable, optional
        Called with the engine's backend before the input is read (to watch its progress).

    Returns
    -------
    TransactionSummary

    Raises
    ------
    CRMLabInputError
        For bad input: the message names the file, the column, how many rows, an offending
        value and the fix.
    """
    time_unit_days(time_unit)  # an unknown unit is refused before anything is read
    check_zone(tz)
    returns = returns_option(returns, allow_returns)
    request = SummaryRequest(
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        date_format=date_format,
        dayfirst=dayfirst,
        tz=tz,
        calibration_end=calibration_end,
        observation_end=observation_end,
        time_unit=time_unit,
        returns=returns,
        amount_expr=amount_expr,
        where=where,
        drop_missing_customers=bool(drop_missing_customers),
        normalize_ids=normalize_ids,
    )
    budget = MemoryBudget.resolve(memory_limit)
    backend = open_backend(
        engine,
        source,
        connection=connection,
        spark=spark,
        spark_master=spark_master,
        budget=budget,
    )
    if on_open is not None:
        on_open(backend)
    return backend.summarize(source, request)
