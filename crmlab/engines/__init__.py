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

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
