"""The transaction summary on an engine: :class:`TransactionSummary` and the SQL that builds it.

:func:`sql_summary` reads a transaction log on a backend (files, a frame, a table), checks it,
and builds the buy-till-you-die summary as the table ``crm_summary`` with the SQL of
:mod:`crmlab.engines.sql`. The result stays on the engine; small things (distinct patterns,
counts, curves) come back as pandas frames, and :meth:`TransactionSummary.frame` collects the
whole table when it fits in memory. :func:`crmlab.engines.summarize` picks the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.dates import column_date_format
from crmlab.engines import sql as q
from crmlab.engines.backend import Backend
from crmlab.engines.checks import (
    FILE_COL,
    check_ids,
    file_phrase,
    id_reading,
    raise_for_checks,
    raise_for_offsets,
    require_columns,
    where,
)
from crmlab.engines.headers import check_headers, read_headers
from crmlab.engines.preparation import netting_counts, parse_options, prepare_input
from crmlab.engines.sources import (
    InputFiles,
    parquet_zone,
    probe_files,
    refuse_duplicate_columns,
    resolve_files,
)
from crmlab.errors import CRMLabInputError
from crmlab.transactions import summary_period, time_unit_days

__all__ = [
    "SUMMARY_COLUMNS",
    "SQLBackend",
    "SummaryRequest",
    "TransactionSummary",
    "input_kind",
    "sql_summary",
]

#: Columns of the summary, in order (the first seven are those of ``rfm_summary``).
SUMMARY_COLUMNS = (
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "frequency_holdout",
    "monetary_value_holdout",
    "duration_holdout",
    "revenue_cal",
    "first_day",
    "days_since_last",
    "recency_days",
    "T_days",
)


@dataclass(frozen=True)
class SummaryRequest:
    """What to summarise and how: the :class:`~crmlab.transactions.LogFormat` keywords and period.

    Attributes
    ----------
    customer_col, date_col, amount_col : str
        The input's column names (``amount_col=None``: no amounts).
    date_format, dayfirst, tz
        How to read the dates, as every reader of an order log does.
    calibration_end, observation_end : date-like or None
        The period, as the user gave it.
    time_unit : str
        Unit of ``recency`` and ``T``.
    returns : {"refuse", "net"}
        Negative amounts are an error, or netted per customer and day (a day whose net amount
        is not positive is not a purchase).
    amount_expr, where : str or None
        Amount of a row and which rows to keep, as expressions over the input's columns
        (:mod:`crmlab.engines.preparation`).
    drop_missing_customers : bool
        Remove rows without a customer id (counted) instead of refusing them.
    normalize_ids : bool
        Read ids that differ only by surrounding spaces, a trailing ``.0`` or letter case as
        one customer (otherwise such ids are refused); either way counted in ``counts``.
    """

    customer_col: str
    date_col: str
    amount_col: str | None = None
    date_format: str | None = None
    dayfirst: bool | None = None
    tz: str | None = None
    calibration_end: Any = None
    observation_end: Any = None
    time_unit: str = "W"
    returns: str = "refuse"
    amount_expr: str | None = None
    where: str | None = None
    drop_missing_customers: bool = False
    normalize_ids: bool = False

    @property
    def net_returns(self) -> bool:
        """Whether negative amounts are netted per customer and day (``returns="net"``)."""
        return self.returns == "net"

    def log_format(self) -> dict[str, Any]:
        """The :class:`~crmlab.transactions.LogFormat` keywords of this request."""
        return {
            "customer_col": self.customer_col,
            "date_col": self.date_col,
            "amount_col": self.amount_col,
            "date_format": self.date_format,
            "dayfirst": self.dayfirst,
            "tz": self.tz,
        }

    def periods(self, first_day: int, last_day: int) -> tuple[int, int]:
        """``(observation end, calibration end)`` day numbers; without a split, both the same."""
        obs, cal = summary_period(first_day, last_day, self.observation_end, self.calibration_end)
        return obs, obs if cal is None else cal


@dataclass
class TransactionSummary:
    """A transaction log summarised on an engine (the table ``crm_summary`` lives there).

    Attributes
    ----------
    backend : Backend
        Where ``crm_summary`` (one row per customer) and ``crm_tx`` (the orders) live.
    engine : str
        The backend's name in :data:`crmlab.engines.ENGINES`.
    customer_col : str
        Name of the customer id column in the input (the summary's index name).
    time_unit : str
        Unit of ``recency``/``T`` (its length in days is :attr:`unit_days`).
    first_date, calibration_end, observation_end : numpy.datetime64
        First order day, end of the calibration period (equal to ``observation_end`` without a
        holdout) and end of the observation period.
    has_holdout : bool
        Whether a calibration end before the observation end was given.
    counts : dict
        ``n_rows``, ``n_customers_in_log``, ``n_customers`` (rows of the summary),
        ``merged_same_day_rows``, ``customers_first_after_calibration``,
        ``negative_amount_rows``, ``n_purchase_days``.
    """

    backend: Backend
    engine: str
    customer_col: str
    time_unit: str
    first_date: np.datetime64
    calibration_end: np.datetime64
    observation_end: np.datetime64
    has_holdout: bool
    counts: dict = field(default_factory=dict)

    @property
    def unit_days(self) -> float:
        """Length of :attr:`time_unit` in days."""
        return time_unit_days(self.time_unit)

    @property
    def calibration_day(self) -> int:
        """Calibration end as whole days since 1970-01-01."""
        return int(self.calibration_end.astype(np.int64))

    @property
    def observation_day(self) -> int:
        """Observation end as whole days since 1970-01-01."""
        return int(self.observation_end.astype(np.int64))

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Collect the summary as a pandas frame indexed by customer id, sorted by id.

        Without a holdout the holdout columns are left out, as in ``rfm_summary``. Use only when
        the customers fit in memory; large results are better scored in chunks.
        """
        cols = list(columns or self.columns)
        select = ", ".join(["customer", *[q.quote(c) for c in cols]])
        out = self.backend.frame(f"SELECT {select} FROM crm_summary")
        out = out.set_index("customer").sort_index()
        out.index.name = self.customer_col
        out.attrs.update(self.attrs)
        return out

    @property
    def columns(self) -> list[str]:
        """Summary columns available (holdout columns only with a holdout)."""
        holdout = {"frequency_holdout", "monetary_value_holdout", "duration_holdout"}
        return [c for c in SUMMARY_COLUMNS if self.has_holdout or c not in holdout]

    @property
    def attrs(self) -> dict:
        """Metadata in the form ``rfm_summary`` puts in ``frame.attrs``."""
        return {
            "time_unit": self.time_unit,
            "unit_days": self.unit_days,
            "observation_end": str(self.observation_end),
            "calibration_end": str(self.calibration_end) if self.has_holdout else None,
            "n_transactions": self.counts.get("n_rows"),
            "merged_same_day_rows": self.counts.get("merged_same_day_rows"),
            "customers_first_after_calibration": self.counts.get(
                "customers_first_after_calibration"
            ),
            "engine": self.engine,
        }

    def query(self, sql: str) -> pd.DataFrame:
        """Run a query (DuckDB dialect) on the engine and return the small result."""
        return self.backend.frame(sql)

    def patterns(self) -> pd.DataFrame:
        """Distinct (frequency, recency, T) patterns with ``n_customers`` (and holdout sums)."""
        out = self.backend.frame(q.patterns_sql())
        out = out.sort_values(["frequency", "recency_days", "T_days"], ignore_index=True)
        out["frequency"] = out["frequency"].astype(np.int64)
        out["n_customers"] = out["n_customers"].astype(np.int64)
        out.attrs["time_unit"] = self.time_unit
        return out

    def spend_patterns(self) -> pd.DataFrame:
        """Distinct (frequency, monetary_value) pairs of repeat buyers with ``n_customers``."""
        out = self.backend.frame(q.spend_patterns_sql())
        out = out.sort_values(["frequency", "monetary_value"], ignore_index=True)
        out.attrs["time_unit"] = self.time_unit
        return out

    @classmethod
    def of(
        cls,
        backend: Backend,
        request: SummaryRequest,
        first_day: int,
        cal: int,
        obs: int,
        counts: dict[str, int],
    ) -> TransactionSummary:
        """The summary every engine returns (day numbers as dates)."""
        return cls(
            backend=backend,
            engine=backend.name,
            customer_col=request.customer_col,
            time_unit=request.time_unit,
            first_date=np.datetime64(first_day, "D"),
            calibration_end=np.datetime64(cal, "D"),
            observation_end=np.datetime64(obs, "D"),
            has_holdout=cal < obs,
            counts=counts,
        )


class SQLBackend(Backend):
    """A backend whose summary is the one SQL of :mod:`crmlab.engines.sql` (:func:`sql_summary`)."""

    def summarize(self, source: Any, request: SummaryRequest) -> TransactionSummary:
        """Read ``source``, check it and build the summary tables with the engines' SQL."""
        return sql_summary(self, source, request)


def input_kind(source: Any, tables: bool = False) -> str:
    """``"frame"``, ``"relation"`` (DuckDB), ``"engine"`` (e.g. Spark), ``"table"`` or ``"files"``.

    A string is a table name when ``tables`` (the backend looks names up in a connection the
    user gave) and no such file exists.
    """
    if isinstance(source, pd.DataFrame):
        return "frame"
    mod = type(source).__module__
    if mod.startswith("duckdb"):
        return "relation"
    if mod.startswith("pyspark"):
        return "engine"
    if isinstance(source, str) and tables and not Path(source).exists():
        return "table"
    return "files"


def sql_summary(backend: Backend, source: Any, request: SummaryRequest) -> TransactionSummary:
    """Read ``source`` on ``backend``, check it and build the summary with the SQL of the engines.

    Builds ``crm_raw`` (the input), ``crm_tx`` (one row per order), ``crm_customers`` and
    ``crm_summary`` on the backend. Raises :class:`~crmlab.errors.CRMLabInputError` for bad
    input, naming the file, the column, how many rows, the first offending value and the fix.
    """
    r = request
    files: InputFiles | None = None
    file_col: str | None = None
    kind = input_kind(source, backend.has_tables())
    if kind == "files":
        files = resolve_files(source)
        file_col = FILE_COL
        while file_col in probe_files(files):  # the input's own column keeps its name
            file_col = "_" + file_col
        if backend.dialect == "duckdb" and not isinstance(files.paths[0], Path):
            raise CRMLabInputError(
                f"remote input {files.paths[0]!r} needs engine='spark' (--engine spark); DuckDB "
                "and pandas read local files. Fix: use Spark, or copy the files here."
            )
        headers = read_headers(files)
        check_headers(headers, needed_columns(r, headers.columns))
        # ids keep their leading zeros; dates are parsed in SQL with one format, never sniffed
        _engine_errors(
            lambda: backend.read_files(
                files,
                text_columns=[r.customer_col, r.date_col],
                file_col=file_col,
                same_header=headers.uniform,
            ),
            where(files),
        )
    elif kind == "frame":
        refuse_duplicate_columns([str(c) for c in source.columns], "the input")
        backend.read_frame(_wall_clock(source, r.date_col, r.tz))
    else:
        backend.read_table(source)
    here = where(files)
    if kind != "files":
        refuse_duplicate_columns(backend.columns("crm_raw"), "the input")
    columns = backend.columns("crm_raw")
    require_columns(columns, r.customer_col, r.date_col, r.amount_col, here)
    file_col = file_col if files else None
    amount_sql, prepared = prepare_input(backend, r, [c for c in columns if c != file_col])
    converted = kind == "frame" and isinstance(
        source[r.date_col].dtype if r.date_col in source.columns else None, pd.DatetimeTZDtype
    )  # a frame's zone-aware column reached the engine as wall-clock time already
    date_format, zone, tz_text = _date_reading(backend, r, files, converted)
    id_mode = id_reading(backend, r.customer_col, r.normalize_ids)
    backend.view(
        "crm_tx",
        q.tx_sql(
            r.customer_col,
            r.date_col,
            r.amount_col,
            date_format,
            file_col,
            zone,
            tz=tz_text,
            id_mode=id_mode,
            amount_sql=amount_sql,
        ),
    )
    checks = _first_pass(backend, here)
    raise_for_checks(
        checks,
        lambda problem: backend.frame(q.example_sql(problem)).iloc[0],
        r.customer_col,
        r.date_col,
        r.amount_col if amount_sql is None else r.amount_expr,
        date_format,
        r.net_returns,
        here,
    )
    raise_for_offsets(
        checks, lambda: backend.frame(q.offset_examples_sql()).iloc[0], r.date_col, tz_text, here
    )
    id_counts = check_ids(
        lambda sql: backend.frame(sql), r.customer_col, r.normalize_ids, id_mode, here
    )
    first_day, last_day = int(checks["first_day"]), int(checks["last_day"])
    obs, cal = r.periods(first_day, last_day)
    if obs < last_day:
        after = backend.frame(q.after_sql(obs)).iloc[0]
        n, total = int(after["n_after"]), int(checks["n_rows"])
        raise CRMLabInputError(
            f"{file_phrase(after['file_after'], here)}column {r.date_col!r}: {n:,} of {total:,} "
            f"rows are after observation_end {np.datetime64(obs, 'D')} (latest: "
            f"{after['example_after']!r}). Fix: filter them out first, or move observation_end "
            "later."
        )
    if r.net_returns:
        prepared.update(netting_counts(backend))
    backend.table("crm_customers", q.customers_sql(cal, net=r.net_returns))
    backend.table("crm_summary", q.summary_sql(cal, obs, time_unit_days(r.time_unit)))
    totals = backend.frame(q.customer_totals_sql()).iloc[0]
    counts = {
        "n_rows": int(checks["n_rows"]),
        "n_customers_in_log": int(totals["n_customers_in_log"]),
        "n_customers": int(totals["n_customers_in_log"]) - int(totals["first_after"]),
        "n_purchase_days": int(totals["n_purchase_days"]),
        "merged_same_day_rows": int(totals["n_rows"]) - int(totals["n_purchase_days"]),
        "customers_first_after_calibration": int(totals["first_after"]),
        "negative_amount_rows": int(checks["n_negative_amount"]),
        **prepared,
        **id_counts,
    }
    return TransactionSummary.of(backend, r, first_day, cal, obs, counts)


def needed_columns(r: SummaryRequest, columns: list[str]) -> list[str]:
    """Columns every input file must have: customer, date, amount and those the expressions read."""
    amount, where_ = parse_options(r, columns)
    needed = [r.customer_col, r.date_col] + ([r.amount_col] if r.amount_col else [])
    for e in (amount, where_):
        needed += list(e.columns) if e is not None else []
    return needed


def _first_pass(backend: Backend, here: str) -> pd.Series:
    """The checks query, the first that reads every row (engine failures as clear errors)."""
    return _engine_errors(lambda: backend.frame(q.checks_sql()).iloc[0], here)


def _engine_errors(step: Any, here: str) -> Any:
    """Run ``step()``; an engine failure reading the input becomes a clear error.

    A file the engine cannot read (a value that does not fit the column's type) becomes a
    :class:`~crmlab.errors.CRMLabInputError` instead of an engine traceback.
    """
    try:
        return step()
    except CRMLabInputError:
        raise
    except Exception as exc:  # DuckDB's and Spark's error classes differ
        text = " ".join(str(exc).split())[:300]
        if "utf-8" in text.lower() or "CSV Error" in text:
            raise CRMLabInputError(
                f"{here}the input cannot be read as CSV text ({text[:240]}). Fix: save it as "
                "UTF-8 (e.g. iconv -f latin1 -t utf-8 old.csv > new.csv) with one header line "
                "and the same number of fields on every line."
            ) from None
        raise CRMLabInputError(
            f"{here}the engine could not read the input ({type(exc).__name__}: {text}). Fix: check "
            "the file it names; every file must have the same columns with the same kinds of "
            "values."
        ) from None


def _date_reading(
    backend: Backend, r: SummaryRequest, files: InputFiles | None, converted: bool
) -> tuple[str | None, str | None, str | None]:
    """The strftime format text dates are read with, the zone instants are read in, and ``tz``.

    As :func:`crmlab.dates.as_datetime_column`: one format for the column (``date_format``, or
    derived from one date, the smallest text, and ``dayfirst``); instants on the wall clock of
    ``tz``, else of their own zone (a Parquet column's, from its schema), else UTC; text with
    UTC offsets on the wall clock as written, or of ``tz`` when given (the third value).
    ``converted``: a pandas frame's zone-aware column was converted to wall-clock time (in
    ``tz``) before it reached the engine.
    """
    if backend.holds_instants("crm_raw", r.date_col):
        if r.date_format is not None:
            return r.date_format, None, None
        return None, r.tz or (parquet_zone(files, r.date_col) if files else "UTC"), None
    tz_text = r.tz if not converted else None
    if tz_text is not None and (r.date_format is not None or r.dayfirst is not None):
        raise CRMLabInputError(
            f"column {r.date_col!r} holds no zone-aware times, so tz={r.tz!r} cannot convert "
            "it. Fix: drop tz=, or store the dates as timestamps with a time zone (Parquet "
            "keeps them) or as ISO text with UTC offsets (2024-03-31T10:00:00+08:00)."
        )
    fmt = r.date_format
    if fmt is None and r.dayfirst is not None:
        # rows have no order on an engine: the format is derived from the smallest text
        first = backend.frame(
            f"SELECT MIN(CAST({q.quote(r.date_col)} AS VARCHAR)) AS d FROM crm_raw"
        ).dropna()
        if len(first):
            fmt = column_date_format(
                str(first["d"].iloc[0]), r.date_col, name="transactions", dayfirst=r.dayfirst
            )
    return fmt, None, tz_text


def _wall_clock(frame: pd.DataFrame, date_col: str, tz: str | None) -> pd.DataFrame:
    """``frame`` with a zone-aware date column replaced by its wall-clock time (in ``tz`` if given).

    An engine would otherwise count days in its session's zone (UTC), while
    :func:`crmlab.transactions.rfm_summary` counts them where the customer is.
    """
    if date_col in frame.columns and isinstance(frame[date_col].dtype, pd.DatetimeTZDtype):
        dates = frame[date_col] if tz is None else frame[date_col].dt.tz_convert(tz)
        return frame.assign(**{date_col: dates.dt.tz_localize(None)})
    return frame
