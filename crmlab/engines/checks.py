"""Checks of a transaction log on an engine: each kind of bad row raises one clear error.

The counts come from one pass of :func:`crmlab.engines.sql.checks_sql`; the message names the
file, the column, how many rows, the first offending value and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crmlab.engines import sql as q
from crmlab.engines.sources import InputFiles
from crmlab.errors import CRMLabInputError

__all__ = [
    "FILE_COL",
    "where",
    "file_phrase",
    "require_columns",
    "raise_for_checks",
    "raise_for_offsets",
    "id_reading",
    "check_ids",
    "check_zone",
]

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


def raise_for_offsets(
    c: pd.Series, example: Callable[[], pd.Series], date_col: str, tz: str | None, where: str
) -> None:
    """Refuse text dates with several UTC offsets (without ``tz``) or with and without one.

    ``tz``: the zone text dates are converted to (None for instants and frames); text without
    offsets cannot be converted.

    A purchase day is the local day as written; with two offsets in one column there is no one
    local clock, so the user names the zone to convert to (as
    :func:`crmlab.dates.as_datetime_column` asks).
    """
    n, with_offset = int(c["n_rows"]), int(c["n_with_offset"] or 0)
    if with_offset == 0:
        if tz is not None:
            raise CRMLabInputError(
                f"{where}column {date_col!r} holds no zone-aware times, so tz={tz!r} cannot "
                "convert it. Fix: drop tz=, or store the dates as timestamps with a time zone "
                "(Parquet keeps them) or as text with UTC offsets (2024-03-31T10:00:00+08:00)."
            )
        return
    e = example()
    if with_offset < n:
        raise CRMLabInputError(
            f"{file_phrase(e['file'], where)}column {date_col!r}: {with_offset:,} of {n:,} rows "
            f"have a UTC offset and the others none (e.g. {e['first']!r} and {e['naive']!r}); "
            "the day of a date without an offset is unknown. Fix: give every date the same "
            "kind: all with an offset or all without."
        )
    if int(c["n_offsets"]) > 1 and tz is None:
        raise CRMLabInputError(
            f"{file_phrase(e['file'], where)}column {date_col!r}: dates carry "
            f"{int(c['n_offsets'])} different UTC offsets (e.g. {e['first']!r} and "
            f"{e['second']!r}), so there is no one local day to count. Fix: pass --tz / tz= "
            "with the zone to read every date in (e.g. 'Asia/Shanghai')."
        )


def id_reading(backend: Any, customer_col: str, normalize: bool) -> str:
    """How ``crm_tx`` reads the ids (:func:`crmlab.engines.sql.tx_sql`'s ``id_mode``).

    A float column of whole numbers (``17850.0``) is read as integers; a float column with
    fractions is refused; text ids are normalised when asked.
    """
    kind = backend.column_type("crm_raw", customer_col)
    if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
        bad = backend.frame(q.fractional_ids_sql(customer_col)).iloc[0]
        if int(bad["n"] or 0):
            raise CRMLabInputError(
                f"column {customer_col!r}: {int(bad['n']):,} customer ids are numbers with a "
                f"fraction (first: {bad['example']!r}); an id is a name, not a measure. Fix: "
                "store the ids as text or whole numbers."
            )
        return "integer"
    if kind in ("VARCHAR", "STRING") and normalize:
        return "normalize"
    return "as_is"


def check_ids(
    frame: Callable[[str], pd.DataFrame],
    customer_col: str,
    normalize: bool,
    id_mode: str,
    where: str,
) -> dict[str, int]:
    """Refuse ids that differ only by spaces, a trailing ``.0`` or letter case, or count them.

    ``frame(sql)`` runs a query on the engine. Returns ``ids_merged`` (spellings read as another
    id) and ``ids_from_whole_floats`` (1 when a float column was read as integers).
    """
    counts = {"ids_merged": 0, "ids_from_whole_floats": int(id_mode == "integer")}
    if id_mode == "integer":
        return counts
    found = frame(q.id_collisions_sql(customer_col))
    if found.empty:
        return counts
    n_keys, n_ids = int(found["n_keys"].iloc[0]), int(found["n_ids_total"].iloc[0])
    examples = "; ".join(
        f"{a!r} and {b!r}" for a, b in zip(found["first"], found["second"], strict=True)
    )
    if not normalize:
        raise CRMLabInputError(
            f"{where}column {customer_col!r}: {n_keys:,} customers are written in more than one "
            f"way ({n_ids:,} spellings that differ only by spaces, a trailing '.0' or letter "
            f"case, e.g. {examples}); they would be counted as different customers. Fix: clean "
            "the ids, or pass --normalize-ids (normalize_ids=True) to read them as one."
        )
    counts["ids_merged"] = n_ids - n_keys
    return counts


def check_zone(tz: str | None) -> None:
    """Refuse a ``tz`` that is not an IANA time zone name, before anything is read."""
    if tz is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CRMLabInputError(
            f"tz={tz!r} is not a time zone name. Fix: use an IANA name such as "
            "'Asia/Shanghai', 'Europe/Berlin' or 'UTC'."
        ) from None
