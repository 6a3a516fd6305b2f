"""The pandas engine: the summary by :func:`crmlab.transactions.rfm_summary`, for small data.

The teaching implementation (numpy arrays in memory) computes the summary; DuckDB then runs the
small queries of :mod:`crmlab.engines.sql` (patterns, curves, the scoring join) on those pandas
frames in place. Days are counted once, in whole days, and divided by the unit as the SQL
engines divide them, so the three engines agree bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.engines.checks import check_ids, id_reading, require_columns
from crmlab.engines.duckdb_backend import DuckDBBackend
from crmlab.engines.memory import MemoryBudget
from crmlab.engines.preparation import prepare_input
from crmlab.engines.sources import probe_files, refuse_duplicate_columns, resolve_files
from crmlab.engines.sql import normalized_id_sql, quote
from crmlab.engines.summary import (
    SUMMARY_COLUMNS,
    SummaryRequest,
    TransactionSummary,
    input_kind,
)
from crmlab.errors import CRMLabInputError
from crmlab.transactions import (
    TransactionLog,
    log_summary,
    time_unit_days,
    validate_transactions,
)

__all__ = ["PandasBackend"]


class PandasBackend(DuckDBBackend):
    """The summary computed in pandas (:func:`~crmlab.transactions.rfm_summary`).

    Reads CSV / Parquet files or a pandas frame, with the full
    :class:`~crmlab.transactions.LogFormat` keywords (``date_format``, ``dayfirst``, ``tz``).
    """

    name = "pandas"
    help = "pandas (rfm_summary in memory): small data and teaching"

    @classmethod
    def open(
        cls,
        *,
        connection: Any = None,
        spark: Any = None,
        spark_master: str | None = None,
        budget: MemoryBudget | None = None,
    ) -> PandasBackend:
        """A backend with its own in-memory DuckDB database for the queries after the summary."""
        return cls(budget=budget)

    def summarize(self, source: Any, request: SummaryRequest) -> TransactionSummary:
        """Read ``source`` into pandas and summarise it with ``rfm_summary``, counting in days."""
        r = request
        raw = _read(source, r.customer_col)
        refuse_duplicate_columns(list(raw.columns), "the input")
        require_columns(list(raw.columns), r.customer_col, r.date_col, r.amount_col, "")
        raw, fmt, prepared = self._prepare(raw, r)
        raw, id_counts = self._ids(raw, r)
        try:
            log = validate_transactions(raw, allow_negative=r.net_returns, **fmt)
        except CRMLabInputError as exc:
            if "below 0" not in str(exc):
                raise
            raise CRMLabInputError(
                f"{exc} With summarize / analyze: remove them with --where, or pass --returns "
                "net (returns='net') to net them per customer and day."
            ) from None
        n_rows = len(log.day)
        if r.net_returns:
            log, netted = _net(log)
            prepared.update(netted)
        day = log.day.astype(np.int64)
        obs, cal = r.periods(int(day.min()), int(day.max()))
        in_days = log_summary(
            log,
            observation_end=r.observation_end,
            calibration_end=r.calibration_end,
            time_unit="D",
        )
        unit = time_unit_days(r.time_unit)
        amount = np.zeros(len(day)) if log.amount is None else log.amount
        orders = pd.DataFrame({"customer": log.customer.to_numpy(), "day": day, "amount": amount})
        revenue = orders[orders["day"] <= cal].groupby("customer")["amount"].sum()
        recency_days = in_days["recency"].to_numpy().astype(np.int64)
        t_days = in_days["T"].to_numpy().astype(np.int64)
        holdout = r.calibration_end is not None

        def column(name: str, default: float, kept: bool = True) -> Any:
            return in_days[name].to_numpy() if kept and name in in_days else default

        out = pd.DataFrame(
            {
                "customer": in_days.index.to_numpy(),
                "frequency": in_days["frequency"].to_numpy(),
                "recency": recency_days / unit,
                "T": t_days / unit,
                "monetary_value": column("monetary_value", 0.0),
                "frequency_holdout": column("frequency_holdout", 0, holdout),
                "monetary_value_holdout": column("monetary_value_holdout", 0.0, holdout),
                "duration_holdout": (obs - cal) / unit,
                "revenue_cal": revenue.reindex(in_days.index).to_numpy(),
                "first_day": cal - t_days,
                "days_since_last": t_days - recency_days,
                "recency_days": recency_days,
                "T_days": t_days,
            },
            columns=["customer", *SUMMARY_COLUMNS],
        )
        self.register("crm_summary", out)
        self.register("crm_tx", orders)
        firsts = orders.groupby("customer", as_index=False)["day"].min()
        self.register("crm_customers", firsts.rename(columns={"day": "first_day"}))
        counts = {
            "n_rows": n_rows,
            "n_customers_in_log": int(orders["customer"].nunique()),
            "n_customers": len(out),
            "n_purchase_days": int(orders.groupby(["customer", "day"]).ngroups),
            "merged_same_day_rows": int(in_days.attrs["merged_same_day_rows"]),
            "customers_first_after_calibration": int(
                in_days.attrs["customers_first_after_calibration"]
            ),
            "negative_amount_rows": int(prepared.get("return_rows", (amount < 0).sum())),
            **prepared,
            **id_counts,
        }
        return TransactionSummary.of(self, r, int(day.min()), cal, obs, counts)

    def _ids(self, raw: pd.DataFrame, r: SummaryRequest) -> tuple[pd.DataFrame, dict]:
        """The ids checked (and read) as the SQL engines read them (:func:`check_ids`)."""
        col = r.customer_col
        self.register("crm_raw", raw[[col]])
        mode = id_reading(self, col, r.normalize_ids)
        counts = check_ids(self.frame, col, r.normalize_ids, mode, "")
        if mode == "integer" and raw[col].notna().all():
            raw = raw.assign(**{col: raw[col].astype(np.int64)})
        elif mode == "normalize":
            c = quote(col)
            pairs = self.frame(
                f"SELECT DISTINCT {c} AS raw, {normalized_id_sql(c)} AS id FROM crm_raw"
            )
            mapping = dict(zip(pairs["raw"], pairs["id"], strict=True))
            raw = raw.assign(**{col: raw[col].map(mapping)})
        return raw, counts

    def _prepare(
        self, raw: pd.DataFrame, r: SummaryRequest
    ) -> tuple[pd.DataFrame, dict[str, Any], dict[str, int]]:
        """Apply ``where``, ``drop_missing_customers`` and ``amount_expr`` with the SQL engines' SQL.

        Returns the prepared frame, the log-format keywords to read it with and the counts.
        """
        fmt = r.log_format()
        self.read_frame(raw)
        amount_sql, counts = prepare_input(self, r, [str(c) for c in raw.columns])
        if amount_sql is None and r.where is None and not r.drop_missing_customers:
            return raw, fmt, counts
        select = "*" if amount_sql is None else f"*, {amount_sql} AS {quote(str(r.amount_expr))}"
        prepared = self.frame(f"SELECT {select} FROM crm_input")
        if amount_sql is not None:
            fmt["amount_col"] = r.amount_expr
        return prepared, fmt, counts


def _net(log: TransactionLog) -> tuple[TransactionLog, dict[str, int]]:
    """Amounts netted per customer and day; days whose net amount is not positive dropped."""
    amount = log.require_amount("returns='net'")
    frame = pd.DataFrame({"customer": log.customer.to_numpy(), "day": log.day, "amount": amount})
    days = frame.groupby(["customer", "day"], sort=False)
    net = days["amount"].transform("sum").to_numpy()
    keep = net > 0
    per_day = days["amount"].sum()
    best = per_day.groupby(level="customer").max()
    counts = {
        "return_rows": int((amount < 0).sum()),
        "days_not_positive": int((per_day <= 0).sum()),
        "customers_without_purchase": int((best <= 0).sum()),
    }
    kept = TransactionLog(
        customer=log.customer[keep].reset_index(drop=True),
        day=log.day[keep],
        amount=amount[keep],
        dates=log.dates[keep].reset_index(drop=True),
        customer_col=log.customer_col,
        date_col=log.date_col,
        amount_col=log.amount_col,
    )
    return kept, counts


def _read(source: Any, customer_col: str) -> pd.DataFrame:
    kind = input_kind(source)
    if kind == "frame":
        return source
    if kind != "files":
        raise CRMLabInputError(
            "engine='pandas' reads files or a pandas frame. Fix: use engine='duckdb' for a DuckDB "
            "table or engine='spark' for a Spark DataFrame."
        )
    files = resolve_files(source)
    probe_files(files)
    if files.format == "parquet":
        return pd.concat([pd.read_parquet(p) for p in files.paths], ignore_index=True)
    frames = []
    for p in files.paths:
        try:
            frames.append(pd.read_csv(p, dtype={customer_col: str}))
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise CRMLabInputError(
                f"input file {str(p)!r} cannot be read as CSV text ({type(exc).__name__}: "
                f"{str(exc)[:160]}). Fix: save it as UTF-8 (e.g. iconv -f latin1 -t utf-8 "
                "old.csv > new.csv) with one header line and the same number of fields on "
                "every line."
            ) from None
    return pd.concat(frames, ignore_index=True)
