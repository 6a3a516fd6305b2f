"""Checks of a transaction log on an engine: each kind of bad row raises one clear error.

The counts come from one pass of :func:`crmlab.engines.sql.checks_sql`; the message names the
file, the column, how many rows, the first offending value and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crmlab.engines.sources import InputFiles
from crmlab.errors import CRMLabInputError

__all__ = ["FILE_COL", "where", "file_phrase", "require_columns", "raise_for_checks"]

#: Column holding each row's source file (files only).
FILE_COL = "crm_source_file"


def where(files: InputFiles | None) -> str:
    """``"file 'x.csv': "`` or ``"3 files: "`` to start a message (empty for other inputs)."""
    if files is None:
        return ""
    if len(files.paths) == 1:
        return f"file {Path(str(files.paths[0])).name!r}: "
    return f"{len(files.paths)} files: "


def file_phrase(file: Any, where: str) -> str:
    """The file a bad row came from, else ``where``."""
    if isinstance(file, str) and file:
        return f"file {Path(file).name!r}: "
    return where


def require_columns(
    columns: Sequence[str], customer_col: str, date_col: str, amount_col: str | None, where: str
) -> None:
    """Raise naming the missing columns and the columns the input has."""
    needed = [customer_col, date_col] + ([amount_col] if amount_col else [])
    missing = [c for c in needed if c not in columns]
    if missing:
        shown = ", ".join(map(repr, [c for c in columns if c != FILE_COL][:12]))
        raise CRMLabInputError(
            f"{where}missing column(s) {', '.join(map(repr, missing))}; the input has {shown}. "
            "Fix: name your columns with --customer-col, --date-col and --amount-col "
            "(customer_col=, date_col=, amount_col= in Python)."
        )


def raise_for_checks(
    c: pd.Series,
    example: Callable[[str], pd.Series],
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    date_format: str | None,
    net_returns: bool,
    where: str,
) -> None:
    """Raise for the first kind of bad row found; ``example(kind)`` gives its value and file."""
    n = int(c["n_rows"])
    if n == 0:
        raise CRMLabInputError(f"{where}the input has no rows. Fix: check the file or filter.")
    if c["n_missing_customer"]:
        e = example("missing_customer")
        raise CRMLabInputError(
            f"{file_phrase(e['file'], where)}column {customer_col!r}: "
            f"{int(c['n_missing_customer']):,} of {n:,} rows have no customer id (e.g. the order "
            f"dated {e['example']!r}). Fix: pass --drop-missing-customers "
            "(drop_missing_customers=True) to remove and count them, or fill them first."
        )
    if c["n_bad_date"]:
        e = example("bad_date")
        how = (
            f"do not match date_format {date_format!r}"
            if date_format
            else "are not dates (ISO text such as 2024-03-31, or a date/timestamp column)"
        )
        fix = (
            "correct the format (strftime codes, e.g. '%d.%m.%Y' for 31.03.2024)"
            if date_format
            else "pass --date-format / date_format= with the strftime format of your dates, "
            "e.g. '%d/%m/%Y'"
        )
        raise CRMLabInputError(
            f"{file_phrase(e['file'], where)}column {date_col!r}: "
            f"{int(c['n_bad_date']):,} of {n:,} rows are missing or {how} (first: "
            f"{e['example']!r}). Fix: {fix}, or remove those rows."
        )
    if amount_col is not None and c["n_bad_amount"]:
        e = example("bad_amount")
        raise CRMLabInputError(
            f"{file_phrase(e['file'], where)}column {amount_col!r}: "
            f"{int(c['n_bad_amount']):,} of {n:,} rows are missing, infinite or not numbers "
            f"(first: {e['example']!r}). Fix: clean the amounts (a decimal point, "
            "no currency signs), or remove those rows."
        )
    if amount_col is not None and c["n_negative_amount"] and not net_returns:
        e = example("negative_amount")
        raise CRMLabInputError(
            f"{file_phrase(e['file'], where)}column {amount_col!r}: "
            f"{int(c['n_negative_amount']):,} of {n:,} rows are negative (first: "
            f"{float(e['example'])!r}); these look like returns or refunds. Fix: "
            "remove them with --where, or pass --returns net (returns='net') to net them "
            "per customer and day (a day whose net amount is not positive is then not a "
            "purchase)."
        )
