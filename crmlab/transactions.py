"""Transaction logs: validation, the buy-till-you-die RFM summary, calibration/holdout, cohorts.

A *transaction log* is a frame with one row per order: a customer id, a date and (usually) an
amount. :func:`rfm_summary` turns it into one row per customer, the input every customer-base
model in :mod:`crmlab.clv` expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict, Unpack, cast

import numpy as np
import pandas as pd

from crmlab.dates import as_datetime_column, as_day
from crmlab.errors import CRMLabInputError
from crmlab.validation import (
    as_id_column,
    as_numeric_column,
    check_frame,
    report_bad_rows,
    require_columns,
    sum_scale,
)

__all__ = [
    "TIME_UNITS",
    "LOG_FORMAT_DEFAULTS",
    "LogFormat",
    "full_log_format",
    "TransactionLog",
    "validate_transactions",
    "customer_totals",
    "refuse_orders_after",
    "summary_period",
    "rfm_summary",
    "log_summary",
    "time_unit_days",
]

#: Length of each supported time unit in days. A month is a twelfth of a Julian year
#: (365.25 / 12 = 30.4375 days), so twelve months make exactly one year.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}


def time_unit_days(time_unit: str) -> float:
    """Number of days in ``time_unit`` ("D", "W", "M" = 30.4375 days, "Y" = 365.25 days)."""
    try:
        return TIME_UNITS[time_unit]
    except (KeyError, TypeError):
        raise CRMLabInputError(
            f"time_unit must be one of {', '.join(map(repr, TIME_UNITS))} (day, week, month of "
            f"30.4375 days, year of 365.25 days), got {time_unit!r}."
        ) from None


class LogFormat(TypedDict, total=False):
    """How to read a transaction log: the keywords every function that reads one accepts.

    :func:`validate_transactions`, :func:`rfm_summary`, :func:`crmlab.segmentation.rfm_table`,
    :func:`crmlab.segmentation.rfm_scores`, :func:`crmlab.value.customer_metrics`,
    :func:`crmlab.clv.cohort_table`, :func:`crmlab.clv.historical_value`,
    :func:`crmlab.clv.tracking_table` and the purchase-day helpers of :mod:`crmlab.economics`
    take these as keyword arguments, with the defaults in :data:`LOG_FORMAT_DEFAULTS`:

    - ``customer_col`` (``"customer_id"``), ``date_col`` (``"date"``), ``amount_col``
      (``"amount"``; ``None`` when the log has no amounts): the column names;
    - ``date_format``: strftime format of text dates that are not ISO 8601, e.g. ``"%d/%m/%Y"``;
    - ``dayfirst``: ``True`` for day-before-month text dates, when no ``date_format`` is given;
      one format for the whole column is derived from the first date, never guessed row by row;
    - ``tz``: the time zone to convert zone-aware dates to before days are counted; required
      when the column mixes zones (without it a zone-aware column keeps its own zone).
    """

    customer_col: str
    date_col: str
    amount_col: str | None
    date_format: str | None
    dayfirst: bool | None
    tz: str | None


#: Defaults of the :class:`LogFormat` keywords.
LOG_FORMAT_DEFAULTS: LogFormat = {
    "customer_col": "customer_id",
    "date_col": "date",
    "amount_col": "amount",
    "date_format": None,
    "dayfirst": None,
    "tz": None,
}


def full_log_format(given: Mapping[str, object]) -> LogFormat:
    """The full :class:`LogFormat` for the keywords a caller received: defaults filled in.

    Raises
    ------
    TypeError
        On a keyword that is not a :class:`LogFormat` key (e.g. a misspelt ``customer``),
        listing the keywords that are.
    """
    unknown = [key for key in given if key not in LOG_FORMAT_DEFAULTS]
    if unknown:
        raise TypeError(
            f"unexpected keyword argument {unknown[0]!r}. Fix: name the columns and date format "
            f"with {', '.join(f'{key}=' for key in LOG_FORMAT_DEFAULTS)}; the function's help "
            "lists its other arguments."
        )
    return cast(LogFormat, {**LOG_FORMAT_DEFAULTS, **given})


@dataclass(frozen=True)
class TransactionLog:
    """A validated transaction log as plain arrays (one entry per input row).

    ``dates`` is the date column as written, for error messages that show a value as the user
    wrote it; ``customer_col``, ``date_col`` and ``amount_col`` are the column names read.
    """

    customer: pd.Series  # original ids
    day: np.ndarray  # datetime64[D]
    amount: np.ndarray | None  # float, or None when no amount column was given
    dates: pd.Series
    customer_col: str
    date_col: str
    amount_col: str | None

    def require_amount(self, function: str) -> np.ndarray:
        """The amounts, or a clear error if the log was read without an amount column."""
        if self.amount is None:
            raise CRMLabInputError(
                f"{function} needs an amount column, but amount_col=None. Fix: pass amount_col= "
                "naming the column of order amounts."
            )
        return self.amount


def validate_transactions(
    transactions: pd.DataFrame,
    *,
    allow_negative: bool = False,
    name: str = "transactions",
    **log_format: Unpack[LogFormat],
) -> TransactionLog:
    """Check a transaction log and return its columns as arrays, or raise a clear error.

    Raises on: not a DataFrame, empty, duplicated column names, missing columns, missing ids, ids
    of mixed types (numbers and text, True/False, decimals such as 1.0), missing or unparsable
    dates, text dates that are not ISO 8601 without ``date_format``/``dayfirst``, mixed time
    zones without ``tz``, non-numeric, boolean, complex or missing amounts, and negative amounts
    (returns) unless ``allow_negative=True``. Nothing is dropped or coerced silently.

    Ids are compared as written: ``"1"`` and ``"001"`` are two customers. Dates are read with
    one format per column (see :func:`crmlab.dates.as_datetime_column`); zone-aware dates give
    the purchase day in their own zone, or in ``tz`` when it is given.

    Parameters
    ----------
    transactions : DataFrame
        One row per order.
    allow_negative : bool
        Accept negative amounts (returns).
    name : str
        What to call the input in error messages.
    **log_format
        The :class:`LogFormat` keywords: column names and how to read the dates.
    """
    fmt = full_log_format(log_format)
    customer_col, date_col, amount_col = fmt["customer_col"], fmt["date_col"], fmt["amount_col"]
    check_frame(transactions, name)
    needed = [customer_col, date_col] + ([amount_col] if amount_col is not None else [])
    require_columns(
        transactions,
        needed,
        name=name,
        hint="pass customer_col=, date_col= and amount_col= naming your columns "
        "(amount_col=None if there is no amount)",
    )
    ids = as_id_column(transactions, customer_col, name=name)
    dates = as_datetime_column(
        transactions,
        date_col,
        name=name,
        date_format=fmt["date_format"],
        dayfirst=fmt["dayfirst"],
        tz=fmt["tz"],
    )
    amount = None
    if amount_col is not None:
        amount = as_numeric_column(
            transactions,
            amount_col,
            name=name,
            min_value=None if allow_negative else 0.0,
            fix_negative="these look like returns or refunds; net them against their orders, "
            "remove them, or pass allow_negative=True to keep them in the sums",
            allow_bool=False,
        ).to_numpy(dtype=float)
    day = dates.to_numpy().astype("datetime64[D]")
    return TransactionLog(
        customer=ids,
        day=day,
        amount=amount,
        dates=transactions[date_col],
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
    )


def summary_period(
    first_day: int, last_day: int, observation_end: object, calibration_end: object
) -> tuple[int, int | None]:
    """Observation end and calibration end as day numbers (days since 1970-01-01), checked.

    The one definition every engine uses: the observation ends on ``observation_end`` (default:
    the last order's day); the calibration period, when ``calibration_end`` is given, must end
    on or after the first order and before the observation end.

    Parameters
    ----------
    first_day, last_day : int
        The first and last order's day numbers.
    observation_end, calibration_end : date-like or None
        The arguments as the user gave them.

    Returns
    -------
    tuple
        ``(observation_end, calibration_end)``; the second is None without a calibration split.
    """
    obs = (
        last_day
        if observation_end is None
        else int(as_day(observation_end, "observation_end").astype(np.int64))
    )
    if calibration_end is None:
        return obs, None
    cal = int(as_day(calibration_end, "calibration_end").astype(np.int64))
    if not first_day <= cal < obs:
        raise CRMLabInputError(
            f"calibration_end {np.datetime64(cal, 'D')} is outside the data: it must fall on or "
            f"after the first order ({np.datetime64(first_day, 'D')}) and before "
            f"observation_end ({np.datetime64(obs, 'D')}). Fix: choose a date in between."
        )
    return obs, cal


def refuse_orders_after(log: TransactionLog, end: np.datetime64, *, argument: str) -> None:
    """Refuse orders dated after a cut-off day (``observation_end``, ``snapshot_date``, ``as_of``).

    Parameters
    ----------
    log : TransactionLog
        From :func:`validate_transactions`.
    end : numpy.datetime64
        The cut-off day.
    argument : str
        The name of the argument that set ``end``, for the message.

    Raises
    ------
    CRMLabInputError
        Naming how many orders fall after ``end``, the first of them as written and the fix.
    """
    column = f"df[{log.date_col!r}]"
    if not pd.api.types.is_datetime64_any_dtype(log.dates):  # text: compare days, not strings
        column = f"pd.to_datetime({column}, format=...)"
    report_bad_rows(
        log.day > end,
        log.dates,
        column=log.date_col,
        name="transactions",
        problem=f"are after {argument} {np.datetime64(end, 'D')}",
        fix=f"filter them out first, e.g. df[{column} <= {argument}], or move {argument} later",
    )


def customer_totals(log: TransactionLog, *, name: str = "transactions") -> pd.DataFrame:
    """Per customer: distinct purchase days, first and last purchase day, and revenue.

    The one definition of "purchases per customer" that :func:`crmlab.value.customer_metrics`,
    :func:`crmlab.segmentation.rfm_table` and the lesson-01 helpers in :mod:`crmlab.economics`
    share: several orders on one day are one purchase day.

    Parameters
    ----------
    log : TransactionLog
        From :func:`validate_transactions`.
    name : str
        Name of the input, for the error message only.

    Returns
    -------
    DataFrame
        Indexed by customer id (sorted): ``purchase_days`` (int), ``first_day`` and
        ``last_day`` (``datetime64[D]`` as pandas timestamps) and, when the log has amounts,
        ``revenue``.

    Raises
    ------
    CRMLabInputError
        If a customer's total is too large for a float (above 1.8e308).
    """
    frame = pd.DataFrame({"customer": log.customer.to_numpy(), "day": log.day})
    if log.amount is not None:
        frame["amount"] = log.amount
    grouped = frame.groupby("customer", sort=True)
    out = pd.DataFrame(
        {
            "purchase_days": grouped["day"].nunique().astype(np.int64),
            "first_day": grouped["day"].min(),
            "last_day": grouped["day"].max(),
        }
    )
    if log.amount is not None:
        revenue = grouped["amount"].sum()
        report_bad_rows(
            ~np.isfinite(revenue.to_numpy()),
            grouped["amount"].max(),
            column=log.amount_col or "amount",
            name=name,
            problem="are customers whose total spend is too large for a float (above 1.8e308)",
            fix="express the amounts in a larger currency unit, e.g. df[amount] / 1e6 (millions)",
        )
        out["revenue"] = revenue
    return out


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    observation_end=None,
    calibration_end=None,
    time_unit: str = "W",
    allow_negative: bool = False,
    **log_format: Unpack[LogFormat],
) -> pd.DataFrame:
    """Summarise a transaction log into one buy-till-you-die row per customer.

    Orders on the same day by the same customer are merged into one transaction (their amounts
    added), the convention of the BTYD literature. Times are measured in ``time_unit`` from each
    customer's first purchase day.

    Parameters
    ----------
    transactions : DataFrame
        One row per order.
    observation_end : date-like, optional
        End of the observation period (inclusive); default the last date in the log. Orders
        after it are an error (filter them out yourself, so that nothing is dropped unseen).
    calibration_end : date-like, optional
        If given, the summary describes the calibration period (up to and including this day)
        and holdout columns describe the days after it up to ``observation_end``.
    time_unit : {"D", "W", "M", "Y"}
        Unit of ``recency``, ``T`` and ``duration_holdout``: day, week (7 days), month
        (30.4375 days) or year (365.25 days).
    allow_negative : bool
        Accept negative amounts (returns); by default they raise an error.
    customer_col, date_col, amount_col : str, default "customer_id", "date", "amount"
        Column names; ``amount_col=None`` leaves out the monetary columns.
    date_format, dayfirst : optional
        How to read text dates that are not ISO 8601 (e.g. ``date_format="%d/%m/%Y"``); one
        format for the whole column, never guessed row by row.
    tz : str, optional
        Time zone to convert zone-aware dates to before days are counted; required when the
        column mixes zones. Without it a zone-aware column keeps its own zone.

    Returns
    -------
    DataFrame indexed by customer id (ids as written; sorted: numbers numerically, text
    lexicographically), with columns

    - ``frequency``: number of repeat purchase days (purchase days minus one);
    - ``recency``: time from the first to the last purchase day;
    - ``T``: time from the first purchase day to the end of the (calibration) period;
    - ``monetary_value``: mean value of the repeat purchase days, 0 when there are none;
    - with ``calibration_end``: ``frequency_holdout`` (purchase days after the calibration
      end), ``monetary_value_holdout`` (their mean value, 0 if none) and ``duration_holdout``.

    With ``calibration_end``, only customers whose first purchase falls in the calibration period
    are rows. ``result.attrs`` records ``time_unit``, ``unit_days``, the period ends and what was
    merged or left out (``merged_same_day_rows``, ``customers_first_after_calibration``).
    A CSV round trip or ``pd.concat`` of summaries with different attrs drops them; the models
    then refuse the frame until its unit is stated again (``fit(data, time_unit="W")``,
    ``expected_purchases(data, t, time_unit="W")``), since a unit is never assumed.

    Amounts are summed after division by a power of two when their plain sum would overflow, so
    ``monetary_value`` stays finite and exact for amounts up to the float maximum.

    Examples
    --------
    >>> tx = crmlab.datasets.load_cdnow(sample=True)                      # doctest: +SKIP
    >>> rfm_summary(tx, calibration_end="1997-09-30").frequency.sum()     # doctest: +SKIP
    2457
    """
    time_unit_days(time_unit)  # an unknown unit is refused before the log is read
    log = validate_transactions(transactions, allow_negative=allow_negative, **log_format)
    return log_summary(
        log, observation_end=observation_end, calibration_end=calibration_end, time_unit=time_unit
    )


def log_summary(
    log: TransactionLog, *, observation_end=None, calibration_end=None, time_unit: str = "W"
) -> pd.DataFrame:
    """:func:`rfm_summary` of a log already read by :func:`validate_transactions`.

    For engines that need the log's arrays as well as its summary, so that the dates are read
    once. The arguments and result are those of :func:`rfm_summary`.
    """
    unit = time_unit_days(time_unit)
    day = log.day.astype(np.int64)
    first_day, last_day = int(day.min()), int(day.max())

    obs_end, cal_end = summary_period(first_day, last_day, observation_end, calibration_end)
    refuse_orders_after(log, np.datetime64(obs_end, "D"), argument="observation_end")

    codes, uniques = _factorize_sorted(log.customer)
    n_cust = len(uniques)
    span = obs_end - first_day + 1
    day_off = day - first_day  # days since the first order in the log
    cal_off = (obs_end if cal_end is None else cal_end) - first_day
    first, last_cal, n_cal, n_hold, n_pairs = _purchase_days(codes, day_off, n_cust, span, cal_off)
    keep = first <= cal_off
    frequency = n_cal - 1
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last_cal - first) / unit,
            "T": (cal_off - first) / unit,
        },
        index=pd.Index(uniques, name=log.customer_col),
    )
    if log.amount is not None:
        # scale by a power of two (exact) so that sums of huge amounts cannot overflow
        scale = sum_scale(log.amount)
        amount = log.amount / scale
        row_in_cal = day_off <= cal_off
        on_first = day_off == first[codes]
        repeat_sum = np.bincount(
            codes, weights=np.where(row_in_cal & ~on_first, amount, 0.0), minlength=n_cust
        )
        out["monetary_value"] = (
            np.where(frequency > 0, repeat_sum / np.maximum(frequency, 1), 0.0) * scale
        )
    if cal_end is not None:
        out["frequency_holdout"] = n_hold
        if log.amount is not None:
            sum_hold = np.bincount(
                codes, weights=np.where(row_in_cal, 0.0, amount), minlength=n_cust
            )
            out["monetary_value_holdout"] = (
                np.where(n_hold > 0, sum_hold / np.maximum(n_hold, 1), 0.0) * scale
            )
        out["duration_holdout"] = (obs_end - cal_end) / unit
        out = out.loc[keep]
    merged = len(day) - n_pairs
    out.attrs.update(
        {
            "time_unit": time_unit,
            "unit_days": unit,
            "observation_end": str(np.datetime64(obs_end, "D")),
            "calibration_end": None if cal_end is None else str(np.datetime64(cal_end, "D")),
            "n_transactions": int(len(day)),
            "merged_same_day_rows": int(merged),
            "customers_first_after_calibration": int((~keep).sum()) if cal_end is not None else 0,
        }
    )
    return out


def _factorize_sorted(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..n-1 for ``ids``, numbered in sorted id order.

    Hashing first, then sorting the few unique ids rather than all rows.
    """
    codes, uniques = pd.factorize(ids.to_numpy())
    uniques = np.asarray(uniques)
    order = np.argsort(uniques, kind="stable")  # one id type (checked by as_id_column)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], uniques[order]


def _purchase_days(codes, day_off, n_cust, span, cal_off):
    """Per customer: first and last purchase day, and distinct purchase days.

    The last purchase day counts up to ``cal_off``; distinct purchase days are counted up to and
    after ``cal_off``; also returns the number of distinct (customer, day) pairs.

    Sorting a combined (customer, day) key puts each customer's days together in order; runs of
    equal keys are the same-day orders that get merged.
    """
    key = np.sort(codes * span + day_off)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    cust, day = key // span, key % span
    in_cal = day <= cal_off
    n_cal = np.bincount(cust[in_cal], minlength=n_cust)
    n_hold = np.bincount(cust[~in_cal], minlength=n_cust)
    first = day[np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])]
    last_cal = np.full(n_cust, -1, dtype=np.int64)
    np.maximum.at(last_cal, cust[in_cal], day[in_cal])
    n_pairs = int(n_cal.sum() + n_hold.sum())
    return first.astype(np.int64), last_cal.astype(np.int64), n_cal, n_hold, n_pairs
