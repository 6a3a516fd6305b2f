"""Engines: the transaction summary defined once (SQL, compiled with SQLGlot) and run where the data are.

- **DuckDB** (embedded, the default): straight from CSV / Parquet files, multi-threaded and out
  of core, without loading the orders into pandas.
- **Spark**: the same SQL transpiled to Spark SQL, on a local session or a cluster.
- **pandas**: :func:`crmlab.transactions.rfm_summary`, for small data and teaching.

:func:`summarize` returns a :class:`TransactionSummary`; its :meth:`~TransactionSummary.patterns`
groups customers into distinct (frequency, recency, T) patterns with counts, so that models fit
and score once per pattern; :mod:`crmlab.research.scoring` scores the customers in chunks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmlab._lazy import attach

if TYPE_CHECKING:
    from crmlab.engines.backends import DuckDBBackend as DuckDBBackend
    from crmlab.engines.backends import SparkBackend as SparkBackend
    from crmlab.engines.backends import spark_session as spark_session
    from crmlab.engines.sources import resolve_files as resolve_files
    from crmlab.engines.sql import compile_sql as compile_sql
    from crmlab.engines.summary import ENGINES as ENGINES
    from crmlab.engines.summary import TransactionSummary as TransactionSummary
    from crmlab.engines.summary import summarize as summarize

__getattr__, __dir__, __all__ = attach(
    __name__,
    submodules=["backends", "sources", "sql", "summary"],
    attributes={
        "backends": ["DuckDBBackend", "SparkBackend", "spark_session"],
        "sources": ["resolve_files"],
        "sql": ["compile_sql"],
        "summary": ["ENGINES", "TransactionSummary", "summarize"],
    },
)
