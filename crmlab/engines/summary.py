"""The transaction summary on any engine: :func:`summarize` and its :class:`TransactionSummary`.

``summarize`` reads a transaction log (files, a frame, a DuckDB table or a Spark DataFrame),
checks it, and builds the buy-till-you-die summary as the table ``crm_summary`` on the chosen
engine — DuckDB (default), Spark, or pandas (:func:`crmlab.transactions.rfm_summary`, for small
data and teaching). The result stays on the engine; small things (distinct patterns, counts,
curves) come back as pandas frames, and :meth:`TransactionSummary.frame` collects the whole
table when it fits in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.dates import as_datetime_column
from crmlab.engines import sql as q
from crmlab.engines.backends import DuckDBBackend, SparkBackend
from crmlab.engines.sources import InputFiles, parquet_zone, resolve_files
from crmlab.errors import CRMLabInputError
from crmlab.transactions import rfm_summary, summary_period, time_unit_days
from crmlab.validation import report_bad_rows

__all__ = ["ENGINES", "SUMMARY_COLUMNS", "TransactionSummary", "summarize"]

#: The engines :func:`summarize` accepts.
ENGINES = ("duckdb", "spark", "pandas")

#: Columns of the summary, in order (the first eight are those of ``rfm_summary``).
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

_FILE_COL = "crm_source_file"


@dataclass
class TransactionSummary:
    """A transaction log summarised on an engine (the table ``crm_summary`` lives there).

    Attributes
    ----------
    backend : DuckDBBackend or SparkBackend
        Where ``crm_summary`` (one row per customer) and ``crm_tx`` (the orders) live.
    engine : str
        "duckdb", "spark" or "pandas".
    customer_col : str
        Name of the customer id column in the input (the summary's index name).
    time_unit, unit_days : str, float
        Unit of ``recency``/``T`` and its length in days.
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

    backend: Any
    engine: str
    customer_col: str
    time_unit: str
    unit_days: float
    first_date: np.datetime64
    calibration_end: np.datetime64
    observation_end: np.datetime64
    has_holdout: bool
    counts: dict = field(default_factory=dict)

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


def _backend(engine: str, connection: Any, spark: Any, spark_master: str | None) -> Any:
    if engine == "spark":
        return SparkBackend(spark, master=spark_master)
    return DuckDBBackend(connection)


def _input_kind(source: Any, connection: Any) -> str:
    if isinstance(source, pd.DataFrame):
        return "frame"
    mod = type(source).__module__
    if mod.startswith("pyspark"):
        return "spark"
    if mod.startswith("duckdb"):
        return "relation"
    if isinstance(source, str) and connection is not None and not Path(source).exists():
        return "table"
    return "files"


def summarize(
    source: Any,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None = None,
    date_format: str | None = None,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    allow_returns: bool = False,
    engine: str = "duckdb",
    connection: Any = None,
    spark: Any = None,
    spark_master: str | None = None,
) -> TransactionSummary:
    """Summarise a transaction log into one buy-till-you-die row per customer, on an engine.

    The numbers are those of :func:`crmlab.transactions.rfm_summary` (same-day orders merged,
    times in ``time_unit`` from each customer's first purchase day) on every engine. Zone-aware
    dates give the purchase day on the wall clock of their own zone, as there: a pandas column's
    zone, or a Parquet column's zone from its schema; instants in a database table, which keep
    no zone, are read in UTC.

    Parameters
    ----------
    source : path, glob, folder, list of them, DataFrame, DuckDB relation, table name or Spark DataFrame
        The orders: CSV (also compressed) or Parquet files, a pandas frame, a DuckDB relation or
        the name of a table in ``connection``, or a Spark DataFrame (then ``engine="spark"``).
    customer_col, date_col, amount_col : str
        The input's column names (``amount_col=None``: no amounts, monetary columns are 0).
    date_format : str, optional
        strftime format of text dates, e.g. ``"%d.%m.%Y"``; default: ISO dates or native dates.
    calibration_end, observation_end : date-like, optional
        As in ``rfm_summary``: the holdout runs from the day after ``calibration_end`` to
        ``observation_end`` (default the last order day).
    time_unit : {"D", "W", "M", "Y"}
        Unit of ``recency`` and ``T``.
    allow_returns : bool
        Accept negative amounts (returns); by default they are an error.
    engine : {"duckdb", "spark", "pandas"}
        Where the summary is computed.
    connection : duckdb.DuckDBPyConnection, optional
        DuckDB connection to use (and to look table names up in).
    spark : SparkSession, optional
        Spark session to use with ``engine="spark"``.
    spark_master : str, optional
        Master URL for a new Spark session.

    Returns
    -------
    TransactionSummary

    Raises
    ------
    CRMLabInputError
        For bad input: the message names the file, the column, how many rows, an offending
        value and the fix.
    """
    if engine not in ENGINES:
        raise CRMLabInputError(
            f"engine must be one of {', '.join(ENGINES)}, got {engine!r}. Fix: use 'duckdb' "
            "(default), 'spark' for a cluster, or 'pandas' for small data."
        )
    unit = time_unit_days(time_unit)
    kind = _input_kind(source, connection)
    if kind == "spark" and engine != "spark":
        engine = "spark"
    if engine == "pandas":
        columns = (customer_col, date_col, amount_col)
        period = (calibration_end, observation_end, time_unit)
        return _summarize_pandas(source, kind, columns, date_format, period, allow_returns)
    backend = _backend(
        engine, connection, spark if kind != "spark" else _session_of(source), spark_master
    )
    files: InputFiles | None = None
    if kind == "files":
        files = resolve_files(source)
        if engine != "spark" and not isinstance(files.paths[0], Path):
            raise CRMLabInputError(
                f"remote input {files.paths[0]!r} needs engine='spark' (--engine spark); DuckDB "
                "and pandas read local files. Fix: use Spark, or copy the files here."
            )
        text = [customer_col] + ([date_col] if date_format else [])
        backend.read_files(files, text_columns=text, file_col=_FILE_COL)
    elif kind == "frame":
        backend.read_frame(_wall_clock(source, date_col))
    else:
        backend.read_table(source)
    where = _where(files)
    columns = backend.columns("crm_raw")
    _require(columns, customer_col, date_col, amount_col, where)
    zone = None
    if date_format is None and backend.holds_instants("crm_raw", date_col):
        zone = parquet_zone(files, date_col) if files else "UTC"
    file_col = _FILE_COL if files else None
    backend.view(
        "crm_tx", q.tx_sql(customer_col, date_col, amount_col, date_format, file_col, zone)
    )
    checks = backend.frame(q.checks_sql()).iloc[0]
    _raise_for_checks(
        checks,
        lambda problem: backend.frame(q.example_sql(problem)).iloc[0],
        customer_col,
        date_col,
        amount_col,
        date_format,
        allow_returns,
        where,
    )
    first_day, last_day = int(checks["first_day"]), int(checks["last_day"])
    obs, cal = _periods(first_day, last_day, observation_end, calibration_end)
    if obs < last_day:
        after = backend.frame(q.after_sql(obs)).iloc[0]
        n, total = int(after["n_after"]), int(checks["n_rows"])
        raise CRMLabInputError(
            f"{_file_phrase(after['file_after'], where)}column {date_col!r}: {n:,} of {total:,} "
            f"rows are after observation_end {np.datetime64(obs, 'D')} (latest: "
            f"{after['example_after']!r}). Fix: filter them out first, or move observation_end "
            "later."
        )
    backend.table("crm_customers", q.customers_sql(cal))
    backend.table("crm_summary", q.summary_sql(cal, obs, unit))
    totals = backend.frame(
        "SELECT COUNT(*) AS n_customers_in_log, SUM(n_rows) AS n_rows, "
        "SUM(n_days_cal + n_days_holdout) AS n_purchase_days, "
        "COUNT_IF(n_days_cal = 0) AS first_after FROM crm_customers"
    ).iloc[0]
    counts = {
        "n_rows": int(checks["n_rows"]),
        "n_customers_in_log": int(totals["n_customers_in_log"]),
        "n_customers": int(totals["n_customers_in_log"]) - int(totals["first_after"]),
        "n_purchase_days": int(totals["n_purchase_days"]),
        "merged_same_day_rows": int(totals["n_rows"]) - int(totals["n_purchase_days"]),
        "customers_first_after_calibration": int(totals["first_after"]),
        "negative_amount_rows": int(checks["n_negative_amount"]),
    }
    return _result(backend, engine, customer_col, time_unit, unit, first_day, cal, obs, counts)


def _result(
    backend: Any,
    engine: str,
    customer_col: str,
    time_unit: str,
    unit: float,
    first_day: int,
    cal: int,
    obs: int,
    counts: dict[str, int],
) -> TransactionSummary:
    """The :class:`TransactionSummary` every engine returns (day numbers as dates)."""
    return TransactionSummary(
        backend=backend,
        engine=engine,
        customer_col=customer_col,
        time_unit=time_unit,
        unit_days=unit,
        first_date=np.datetime64(first_day, "D"),
        calibration_end=np.datetime64(cal, "D"),
        observation_end=np.datetime64(obs, "D"),
        has_holdout=cal < obs,
        counts=counts,
    )


def _session_of(df: Any) -> Any:
    return getattr(df, "sparkSession", None)


def _where(files: InputFiles | None) -> str:
    if files is None:
        return ""
    if len(files.paths) == 1:
        return f"file {Path(str(files.paths[0])).name!r}: "
    return f"{len(files.paths)} files: "


def _file_phrase(file: Any, where: str) -> str:
    if isinstance(file, str) and file:
        return f"file {Path(file).name!r}: "
    return where


def _require(columns, customer_col, date_col, amount_col, where) -> None:
    needed = [customer_col, date_col] + ([amount_col] if amount_col else [])
    missing = [c for c in needed if c not in columns]
    if missing:
        shown = ", ".join(map(repr, [c for c in columns if c != _FILE_COL][:12]))
        raise CRMLabInputError(
            f"{where}missing column(s) {', '.join(map(repr, missing))}; the input has {shown}. "
            "Fix: name your columns with --customer-col, --date-col and --amount-col "
            "(customer_col=, date_col=, amount_col= in Python)."
        )


def _raise_for_checks(
    c, example, customer_col, date_col, amount_col, date_format, allow_returns, where
) -> None:
    """Raise for the first kind of bad row found; ``example(kind)`` gives its value and file."""
    n = int(c["n_rows"])
    if n == 0:
        raise CRMLabInputError(f"{where}the input has no rows. Fix: check the file or filter.")
    if c["n_missing_customer"]:
        e = example("missing_customer")
        raise CRMLabInputError(
            f"{_file_phrase(e['file'], where)}column {customer_col!r}: "
            f"{int(c['n_missing_customer']):,} of {n:,} rows have no customer id (e.g. the order "
            f"dated {e['example']!r}). Fix: drop or fill them first."
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
            f"{_file_phrase(e['file'], where)}column {date_col!r}: "
            f"{int(c['n_bad_date']):,} of {n:,} rows are missing or {how} (first: "
            f"{e['example']!r}). Fix: {fix}, or remove those rows."
        )
    if amount_col is not None and c["n_bad_amount"]:
        e = example("bad_amount")
        raise CRMLabInputError(
            f"{_file_phrase(e['file'], where)}column {amount_col!r}: "
            f"{int(c['n_bad_amount']):,} of {n:,} rows are missing, infinite or not numbers "
            f"(first: {e['example']!r}). Fix: clean the amounts (a decimal point, "
            "no currency signs), or remove those rows."
        )
    if amount_col is not None and c["n_negative_amount"] and not allow_returns:
        e = example("negative_amount")
        raise CRMLabInputError(
            f"{_file_phrase(e['file'], where)}column {amount_col!r}: "
            f"{int(c['n_negative_amount']):,} of {n:,} rows are negative (first: "
            f"{float(e['example'])!r}); these look like returns or refunds. Fix: "
            "net them against their orders, remove them, or pass --allow-returns "
            "(allow_returns=True) to keep them in the sums."
        )


def _periods(first_day: int, last_day: int, observation_end, calibration_end) -> tuple[int, int]:
    """``(observation end, calibration end)`` day numbers; without a split, both the same."""
    obs, cal = summary_period(first_day, last_day, observation_end, calibration_end)
    return obs, obs if cal is None else cal


# -- the pandas engine ------------------------------------------------------------------------
def _read_pandas(source: Any, kind: str, customer_col: str) -> pd.DataFrame:
    if kind == "frame":
        return source
    if kind != "files":
        raise CRMLabInputError(
            "engine='pandas' reads files or a pandas frame. Fix: use engine='duckdb' for a DuckDB "
            "table or engine='spark' for a Spark DataFrame."
        )
    files = resolve_files(source)
    if files.format == "parquet":
        return pd.concat([pd.read_parquet(p) for p in files.paths], ignore_index=True)
    return pd.concat(
        [pd.read_csv(p, dtype={customer_col: str}) for p in files.paths], ignore_index=True
    )


def _wall_clock(frame: pd.DataFrame, date_col: str) -> pd.DataFrame:
    """``frame`` with a zone-aware date column replaced by its wall-clock time in that zone.

    An engine would otherwise count days in its session's zone (UTC), while
    :func:`crmlab.transactions.rfm_summary` counts them where the customer is.
    """
    if date_col in frame.columns and isinstance(frame[date_col].dtype, pd.DatetimeTZDtype):
        return frame.assign(**{date_col: frame[date_col].dt.tz_localize(None)})
    return frame


def _summarize_pandas(
    source: Any,
    kind: str,
    columns: tuple[str, str, str | None],
    date_format: str | None,
    period: tuple[Any, Any, str],
    allow_returns: bool,
) -> TransactionSummary:
    """The pandas engine: ``rfm_summary`` for the summary, DuckDB for the small queries after.

    ``columns`` are the customer, date and amount columns; ``period`` is ``calibration_end``,
    ``observation_end`` and ``time_unit``, as :func:`summarize` received them.
    """
    customer_col, date_col, amount_col = columns
    calibration_end, observation_end, time_unit = period
    raw = _read_pandas(source, kind, customer_col)
    _require(list(raw.columns), customer_col, date_col, amount_col, "")
    tx = raw
    if date_format is not None:
        text = raw[date_col]
        parsed = pd.to_datetime(text, format=date_format, errors="coerce")
        report_bad_rows(
            parsed.isna().to_numpy(),
            text,
            column=date_col,
            name="transactions",
            problem=f"are missing or do not match date_format {date_format!r}",
            fix="correct the format (strftime codes, e.g. '%d.%m.%Y'), or remove those rows",
        )
        tx = raw.assign(**{date_col: parsed})
    summary = rfm_summary(
        tx,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        observation_end=observation_end,
        calibration_end=calibration_end,
        time_unit=time_unit,
        allow_negative=allow_returns,
    )
    unit = time_unit_days(time_unit)
    # the days rfm_summary used (zone-aware dates: the day in their own zone)
    dates = as_datetime_column(tx, date_col, name="transactions")
    day = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    first_day, last_day = int(day.min()), int(day.max())
    obs, cal = _periods(first_day, last_day, observation_end, calibration_end)
    amount = np.zeros(len(tx)) if amount_col is None else tx[amount_col].to_numpy(dtype=float)
    orders = pd.DataFrame({"customer": tx[customer_col].to_numpy(), "day": day, "amount": amount})
    revenue = orders[orders["day"] <= cal].groupby("customer")["amount"].sum()
    out = summary.copy()
    if amount_col is None:
        out["monetary_value"] = 0.0
        if calibration_end is not None:
            out["monetary_value_holdout"] = 0.0
    if calibration_end is None:
        out["frequency_holdout"] = 0
        out["monetary_value_holdout"] = 0.0
        out["duration_holdout"] = 0.0
    out["revenue_cal"] = revenue.reindex(out.index).to_numpy()
    out["T_days"] = np.rint(out["T"].to_numpy() * unit).astype(np.int64)
    out["recency_days"] = np.rint(out["recency"].to_numpy() * unit).astype(np.int64)
    out["first_day"] = cal - out["T_days"]
    out["days_since_last"] = out["T_days"] - out["recency_days"]
    out = out[list(SUMMARY_COLUMNS)].rename_axis("customer").reset_index()
    backend = DuckDBBackend()
    backend.register("crm_summary", out)
    backend.register("crm_tx", orders)
    firsts = orders.groupby("customer", as_index=False)["day"].min()
    backend.register("crm_customers", firsts.rename(columns={"day": "first_day"}))
    n_days = int(orders.groupby(["customer", "day"]).ngroups)
    counts = {
        "n_rows": len(tx),
        "n_customers_in_log": int(orders["customer"].nunique()),
        "n_customers": len(out),
        "n_purchase_days": n_days,
        "merged_same_day_rows": int(summary.attrs["merged_same_day_rows"]),
        "customers_first_after_calibration": int(
            summary.attrs["customers_first_after_calibration"]
        ),
        "negative_amount_rows": int((amount < 0).sum()),
    }
    return _result(backend, "pandas", customer_col, time_unit, unit, first_day, cal, obs, counts)
