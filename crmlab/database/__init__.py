"""The customer database (客户数据库) in SQL: an embedded DuckDB database and its queries.

Lesson 9 builds a customer database from raw logs: tables with keys, data-quality checks, the
customer-360 view, the RFM summary as one query, and window functions for purchase sequences,
cohorts and running totals. Every query is a readable SQL text in this package (a lesson shows
it, then runs it); the functions return pandas frames shaped like their pandas counterparts, so
the two can be compared number for number::

    from crmlab import database
    con = database.connect()
    database.load_transactions(con, crmlab.datasets.load_cdnow())
    database.rfm_summary(con, time_unit="D")   # equals crmlab.transactions.rfm_summary(tx, ...)
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
