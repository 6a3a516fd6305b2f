"""Reading dates without guessing: one format per column, time zones kept or converted on request.

A text date such as ``01/02/2020`` means 1 February in most of the world and January 2 in the
United States; pandas' "mixed" parsing decides row by row, so one column can end up read both
ways. Here a column is read with ONE format: ISO 8601 text and real datetimes as they are, other
text only with ``date_format=`` (or an explicit ``dayfirst=``). Zone-aware times keep the
wall-clock time of their own zone, because a purchase day is a day where the customer is.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import warnings

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import _fmt_value, present_column, report_bad_rows

__all__ = ["as_datetime_column", "as_day", "column_date_format"]


def as_datetime_column(
    frame: pd.DataFrame,
    column: str,
    *,
    name: str = "data",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    tz: str | None = None,
) -> pd.Series:
    """Return ``frame[column]`` as naive datetime64 in local time, never guessing per row.

    - datetime columns are taken as they are;
    - ISO 8601 text (``"2020-02-01"``, ``"2020-02-01T10:30+08:00"``) is read as it is;
    - other text needs ``date_format`` (``"%d/%m/%Y"``) or an explicit ``dayfirst``, from which
      one format is derived from the first value; every row must fit that one format, otherwise
      the first row that does not is named;
    - zone-aware dates keep the wall-clock time of their own zone (a purchase day is a day where
      the customer is) when the column has one zone; mixed zones are refused unless ``tz`` names
      the zone to convert every date to.

    Raises
    ------
    TypeError
        If the column holds numbers or booleans rather than dates.
    CRMLabInputError
        On missing dates, text that fits no single format, non-ISO text without a format, or
        mixed time zones without ``tz``.
    """
    raw = present_column(frame, column, name=name, what="date")
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise TypeError(f"dayfirst must be True, False or None, got {dayfirst!r}.")
    if isinstance(raw.dtype, pd.CategoricalDtype):
        raw = raw.astype(object)
    if pd.api.types.is_datetime64_any_dtype(raw):
        return _local_time(raw, column, name, tz)
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        raise TypeError(
            f"{name}: column {column!r} holds numbers (first value {_fmt_value(raw.iloc[0])}), "
            "not dates. Fix: convert it, e.g. pd.to_datetime(df[col].astype(str), "
            "format='%Y%m%d')."
        )
    obj = raw.astype(object)
    is_text: np.ndarray
    if pd.api.types.infer_dtype(obj, skipna=False) == "string":
        is_text = np.ones(len(obj), dtype=bool)
    else:
        is_text = obj.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if not is_text.any():  # date/datetime/Timestamp objects
        report_bad_rows(
            ~obj.map(lambda v: isinstance(v, _dt.date | np.datetime64)).to_numpy(dtype=bool),
            raw,
            column=column,
            name=name,
            problem="are neither dates nor text",
            fix=f"convert the column yourself with pd.to_datetime(df[{column!r}], format=...)",
            error=TypeError,
        )
        return _local_time(_parse_dates(obj, None, column, name, tz), column, name, tz)
    report_bad_rows(
        ~is_text,
        raw,
        column=column,
        name=name,
        problem="are not text although other rows are",
        fix="make the column one type: all text dates or all datetimes",
        error=TypeError,
    )
    fmt = _date_format_for(obj, column, name, date_format, dayfirst)
    return _local_time(_parse_dates(obj, fmt, column, name, tz), column, name, tz)


_ISO = "ISO8601"
#: A text date with a UTC offset: group 1 is the wall-clock time as written, group 4 the offset
#: (``Z``, ``+08``, ``+0800`` or ``+08:00``). Dates without a time never match (``2024-03-14``).
OFFSET_RE = r"^(.*[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?) ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"


def column_date_format(
    first: str, column: str, *, dayfirst: bool | None, name: str = "data"
) -> str | None:
    """The one strftime format of a text date column, derived as :func:`as_datetime_column` does.

    ``None`` for ISO 8601 text; otherwise the format derived from the date ``first`` and
    ``dayfirst`` (an error naming the choices when ``dayfirst`` is None). Engines that parse
    dates in SQL use it to read a column with the format pandas would use.
    """
    fmt = _date_format_for(pd.Series([first], dtype=object), column, name, None, dayfirst)
    return None if fmt == _ISO else fmt


def _date_format_for(obj: pd.Series, column: str, name: str, date_format, dayfirst) -> str:
    """One format for a whole text column: ``date_format``, ISO 8601, or derived from ``dayfirst``."""
    if date_format is not None:
        if not isinstance(date_format, str):
            raise TypeError(
                f"date_format must be a string such as '%d/%m/%Y', got {date_format!r}."
            )
        return date_format
    first = obj.iloc[0]
    if not pd.isna(pd.to_datetime(pd.Index([first]), format=_ISO, errors="coerce")[0]):
        return _ISO
    try:
        np.datetime64(first)
    except ValueError:
        pass
    else:  # ISO, but outside what pandas can hold
        raise CRMLabInputError(
            f"{name}: column {column!r} — the date {_fmt_value(first)} (row {obj.index[0]!r}) is "
            f"outside the range pandas can hold ({pd.Timestamp.min.year} to "
            f"{pd.Timestamp.max.year}). Fix: correct that date; it is probably a typo."
        )
    from pandas.tseries.api import guess_datetime_format

    with warnings.catch_warnings():  # pandas warns when a guess contradicts dayfirst
        warnings.simplefilter("ignore")
        guesses = {df: guess_datetime_format(first, dayfirst=df) for df in (True, False)}
    if dayfirst is None:
        day, month = guesses[True], guesses[False]
        options = (
            f"date_format={day!r} if the day comes first, or date_format={month!r} if the "
            "month comes first"
            if day and month and day != month
            else f"date_format={(day or month)!r}"
            if (day or month)
            else "date_format='...' (the strftime format of your dates)"
        )
        raise CRMLabInputError(
            f"{name}: column {column!r} holds text dates that are not ISO 8601 (first: row "
            f"{obj.index[0]!r}, value {_fmt_value(first)}); crmlab does not guess a format row "
            f"by row (01/02/2020 could be 1 February or January 2). Fix: pass {options}, or "
            "dayfirst=True/False (rfm_summary, rfm_scores, customer_metrics, cohort_table take "
            "them); or convert "
            f"the column first, df[{column!r}] = pd.to_datetime(df[{column!r}], format=...)."
        )
    fmt = guesses[dayfirst]
    if fmt is None or (
        "%d" in fmt and "%m" in fmt and (fmt.index("%d") < fmt.index("%m")) != dayfirst
    ):
        raise CRMLabInputError(
            f"{name}: column {column!r} — the first date {_fmt_value(first)} (row "
            f"{obj.index[0]!r}) cannot be read with dayfirst={dayfirst}. Fix: pass the format "
            "itself, e.g. date_format='%d/%m/%Y'."
        )
    return fmt


def _parse_dates(obj: pd.Series, fmt: str | None, column: str, name: str, tz) -> pd.Series:
    """Parse each distinct value once with one format; refuse misfits and mixed time zones."""
    codes, uniques = pd.factorize(obj)
    uniq = pd.Index(uniques, dtype=object)
    if fmt == _ISO and len(uniq):  # text with and without UTC offsets: a day is unknown
        offset = np.asarray(uniq.astype(str).str.match(OFFSET_RE), dtype=bool)
        mixed = np.where(codes >= 0, offset[codes] != offset[0], False)
        report_bad_rows(
            mixed,
            obj,
            column=column,
            name=name,
            problem="have no UTC offset while other rows have one"
            if offset[0]
            else "have a UTC offset while other rows have none",
            fix="give every date the same kind: all with an offset or all without",
        )
    if fmt is None:  # date / datetime / Timestamp objects
        stamps = [pd.Timestamp(v) for v in uniq]
        if len({str(t.tz) for t in stamps}) == 1:
            parsed = pd.DatetimeIndex(stamps)
        else:
            parsed = pd.Index(stamps, dtype=object)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = pd.to_datetime(uniq, errors="coerce", format=fmt)
            except (ValueError, TypeError):  # several time zones, in newer pandas
                parsed = pd.Index(
                    [pd.to_datetime(v, errors="coerce", format=fmt) for v in uniq], dtype=object
                )
    if isinstance(parsed, pd.DatetimeIndex):
        bad = np.asarray(parsed.isna())
        zones = None
    else:  # objects: several time zones (or naive and aware together)
        bad = np.array([v is pd.NaT or pd.isna(v) for v in parsed])
        zones = [None if pd.isna(v) else str(pd.Timestamp(v).tz) for v in parsed]
    shown = "ISO 8601" if fmt == _ISO else repr(fmt) if fmt else "a date"
    report_bad_rows(
        bad[codes],
        obj,
        column=column,
        name=name,
        problem=f"cannot be read as dates in the format {shown} of the column"
        if fmt
        else "cannot be read as dates",
        fix=f"correct those rows, or convert the column yourself with "
        f"pd.to_datetime(df[{column!r}], format=...); a column is read with one format only",
    )
    if zones is not None:
        kinds = np.array(["naive" if z == "None" else z for z in zones], dtype=object)[codes]
        naive = kinds == "naive"
        if naive.any() and not naive.all():
            report_bad_rows(
                naive != naive[0],
                obj,
                column=column,
                name=name,
                problem="have no time zone while other rows have one"
                if not naive[0]
                else "have a time zone while other rows have none",
                fix="give every date the same kind: all with a zone or all without",
            )
        if tz is None:
            other = kinds != kinds[0]
            report_bad_rows(
                other,
                obj,
                column=column,
                name=name,
                problem=f"are in another time zone than the first row ({kinds[0]})",
                fix="pass tz='Asia/Shanghai' (or another zone) to convert every date to one zone "
                "before days are counted, or convert the column yourself with "
                f"pd.to_datetime(df[{column!r}], utc=True).dt.tz_convert(zone)",
            )
        parsed = pd.DatetimeIndex([pd.Timestamp(v).tz_convert(tz) for v in parsed])
    return pd.Series(parsed[codes], index=obj.index)


def _local_time(values: pd.Series, column: str, name: str, tz) -> pd.Series:
    """Naive local wall-clock times: own zone kept, or converted to ``tz`` when given."""
    own = getattr(values.dt, "tz", None)
    if tz is not None:
        if own is None:
            raise CRMLabInputError(
                f"{name}: column {column!r} has no time zone, so tz={tz!r} cannot convert it. "
                f"Fix: drop tz=, or state the zone the dates are in first with "
                f"df[{column!r}].dt.tz_localize(zone)."
            )
        values = values.dt.tz_convert(tz)
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values


def as_day(value, what: str) -> np.datetime64:
    """One date argument (``observation_end``, ``as_of``, ...) as a ``datetime64[D]`` day.

    Accepts a date, datetime, Timestamp, ``np.datetime64`` or ISO 8601 text (``"1997-09-30"``).
    Numbers are refused (pandas would read 19970930 as nanoseconds after 1970-01-01), and so is
    other text (``"30/09/1997"`` is ambiguous). A zone-aware time gives the day in its own zone.
    """
    example = "such as '1997-09-30' or pd.Timestamp('1997-09-30')"
    if isinstance(value, bool | np.bool_ | numbers.Number):
        raise TypeError(
            f"{what} must be a date {example}, got the number {value!r} (a number would be read "
            f"as nanoseconds after 1970-01-01). Fix: pass {what}='1997-09-30'."
        )
    if isinstance(value, str):
        ts = pd.to_datetime(pd.Index([value]), format="ISO8601", errors="coerce")[0]
        if ts is pd.NaT or pd.isna(ts):
            raise CRMLabInputError(
                f"{what} must be a date {example}, got {value!r}. Fix: write it as ISO "
                f"'YYYY-MM-DD', or pass pd.to_datetime({value!r}, format=...)."
            )
    else:
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError):
            raise CRMLabInputError(f"{what} must be a date {example}, got {value!r}.") from None
        if ts is pd.NaT or pd.isna(ts):
            raise CRMLabInputError(f"{what} must be a date {example}, got {value!r}.")
    return np.datetime64(ts.tz_localize(None) if ts.tzinfo else ts, "D")
