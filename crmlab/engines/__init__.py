"""Engines: the transaction summary defined once (SQL, compiled with SQLGlot) and run where the data are.

- **DuckDB** (embedded, the default): straight from CSV / Parquet files, multi-threaded and out
  of core, without loading the orders into pandas.
- **Spark**: the same SQL transpiled to Spark SQL, on a local session or a cluster.
- **pandas**: :func:`crmlab.transactions.rfm_summary`, for small data and teaching.

Every engine is a :class:`Backend` (:mod:`crmlab.engines.backend`) registered by name in
:data:`ENGINES`. :func:`summarize` returns a :class:`TransactionSummary`; its
:meth:`~TransactionSummary.patterns` groups customers into distinct (frequency, recency, T)
patterns with counts, so that models fit and score once per pattern, and the backend"s
``write_scores`` scores the customers in chunks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from crmlab.engines import backend as backend
    from crmlab.engines import checks as checks
    from crmlab.engines import duckdb_backend as duckdb_backend
    from crmlab.engines import pandas_backend as pandas_backend
    from crmlab.engines import registry as registry
    from crmlab.engines import sources as sources
    from crmlab.engines import spark_backend as spark_backend
    from crmlab.engines import sql as sql
    from crmlab.engines import summary as summary
    from crmlab.engines.backend import Backend as Backend
    from crmlab.engines.duckdb_backend import DuckDBBackend as DuckDBBackend
    from crmlab.engines.pandas_backend import PandasBackend as PandasBackend
    from crmlab.engines.registry import ENGINES as ENGINES
    from crmlab.engines.registry import summarize as summarize
    from crmlab.engines.sources import resolve_files as resolve_files
    from crmlab.engines.spark_backend import SparkBackend as SparkBackend
    from crmlab.engines.spark_backend import spark_session as spark_session
    from crmlab.engines.sql import compile_sql as compile_sql
    from crmlab.engines.summary import SQLBackend as SQLBackend
    from crmlab.engines.summary import TransactionSummary as TransactionSummary

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=[
        "backend",
        "checks",
        "duckdb_backend",
        "pandas_backend",
        "registry",
        "sources",
        "spark_backend",
        "sql",
        "summary",
    ],
    submod_attrs={
        "backend": ["Backend"],
        "duckdb_backend": ["DuckDBBackend"],
        "pandas_backend": ["PandasBackend"],
        "registry": ["ENGINES", "summarize"],
        "sources": ["resolve_files"],
        "spark_backend": ["SparkBackend", "spark_session"],
        "sql": ["compile_sql"],
        "summary": ["SQLBackend", "TransactionSummary"],
    },
)
