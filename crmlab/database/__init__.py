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

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from crmlab.database import connection as connection
    from crmlab.database import quality as quality
    from crmlab.database import summaries as summaries
    from crmlab.database import windows as windows
    from crmlab.database.connection import SQL as SQL
    from crmlab.database.connection import connect as connect
    from crmlab.database.connection import explain as explain
    from crmlab.database.connection import load_crm_extract as load_crm_extract
    from crmlab.database.connection import load_transactions as load_transactions
    from crmlab.database.connection import run as run
    from crmlab.database.connection import table_overview as table_overview
    from crmlab.database.quality import EXTRACT_CHECKS as EXTRACT_CHECKS
    from crmlab.database.quality import TRANSACTION_CHECKS as TRANSACTION_CHECKS
    from crmlab.database.quality import Check as Check
    from crmlab.database.quality import check_rows as check_rows
    from crmlab.database.quality import clean_extract as clean_extract
    from crmlab.database.quality import run_checks as run_checks
    from crmlab.database.summaries import customer_360 as customer_360
    from crmlab.database.summaries import rfm_summary as rfm_summary
    from crmlab.database.summaries import rfm_table as rfm_table
    from crmlab.database.windows import cohort_table as cohort_table
    from crmlab.database.windows import nth_purchase as nth_purchase
    from crmlab.database.windows import purchase_sequence as purchase_sequence
    from crmlab.database.windows import running_revenue as running_revenue

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["connection", "quality", "summaries", "windows"],
    submod_attrs={
        "connection": [
            "SQL",
            "connect",
            "explain",
            "load_crm_extract",
            "load_transactions",
            "run",
            "table_overview",
        ],
        "quality": [
            "Check",
            "EXTRACT_CHECKS",
            "TRANSACTION_CHECKS",
            "check_rows",
            "clean_extract",
            "run_checks",
        ],
        "summaries": ["customer_360", "rfm_summary", "rfm_table"],
        "windows": ["cohort_table", "nth_purchase", "purchase_sequence", "running_revenue"],
    },
)
