"""One place, one style for the errors crmlab raises at its public boundary.

Every message follows the same pattern so that a student can act on it:

    <what>: <column> — <how many> of <total> rows <problem> (first: row <label>, value <value>).
    Fix: <what to do>.

Analysis modules call these helpers instead of writing their own ``raise`` lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError

__all__ = [
    "check_frame",
    "require_columns",
    "report_bad_rows",
    "as_numeric_column",
    "as_datetime_column",
    "check_probability",
    "check_positive",
    "as_1d_array",
    "as_day",
    "binary_column",
    "check_scale",
    "likert_frame",
]


def _fmt_value(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = str(value)
    if isinstance(value, float) and np.isnan(value):
        return "NaN"
    if value is None or value is pd.NaT:
        return "missing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_frame(obj: Any, name: str = "data", *, allow_empty: bool = False) -> pd.DataFrame:
    """Return ``obj`` if it is a non-empty DataFrame, else raise a TypeError/ValueError with advice."""
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame, got {type(obj).__name__}. "
            "Fix: build one with pd.DataFrame(...) or load it with pd.read_csv(...)."
        )
    if not allow_empty and len(obj) == 0:
        raise CRMLabInputError(
            f"{name} is empty (0 rows). Fix: check the filter or the file you loaded."
        )
    return obj


def require_columns(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    name: str = "data",
    hint: str | None = None,
) -> None:
    """Raise if any of ``columns`` is missing from ``frame``, listing what is there."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(repr(c) for c in list(frame.columns)[:12])
        more = " ..." if frame.shape[1] > 12 else ""
        fix = hint or "rename your columns or pass the *_col arguments naming them"
        raise CRMLabInputError(
            f"{name} is missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"it has {have}{more}. Fix: {fix}."
        )


def report_bad_rows(
    mask: np.ndarray | pd.Series,
    values: pd.Series,
    *,
    column: str,
    problem: str,
    fix: str,
    name: str = "data",
    error: type[Exception] = CRMLabInputError,
) -> None:
    """Raise ``error`` naming the column, the count, the first offending value and the fix."""
    mask = np.asarray(mask, dtype=bool)
    n_bad = int(mask.sum())
    if n_bad == 0:
        return
    pos = int(np.flatnonzero(mask)[0])
    label = values.index[pos] if isinstance(values, pd.Series) else pos
    first = values.iloc[pos] if isinstance(values, pd.Series) else values[pos]
    raise error(
        f"{name}: column {column!r} — {n_bad:,} of {len(mask):,} rows {problem} "
        f"(first: row {label!r}, value {_fmt_value(first)}). Fix: {fix}."
    )


def as_numeric_column(
    frame: pd.DataFrame,
    column: str,
    *,
    name: str = "data",
    allow_missing: bool = False,
    min_value: float | None = None,
    min_inclusive: bool = True,
    integer: bool = False,
    fix_negative: str | None = None,
) -> pd.Series:
    """Return ``frame[column]`` as float, raising clearly on text, NaN, or values below ``min_value``.

    Text that cannot be read as a number is an error (never coerced silently).
    """
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        values = raw.astype(float)
    elif pd.api.types.is_numeric_dtype(raw):
        values = raw.astype(float)
    else:
        values = pd.to_numeric(raw, errors="coerce")
        unreadable = values.isna() & raw.notna()
        report_bad_rows(
            unreadable,
            raw,
            column=column,
            name=name,
            problem="are not numbers",
            fix=f"clean the column first, e.g. pd.to_numeric(df[{column!r}].str.replace(',', ''))",
            error=TypeError if unreadable.all() else CRMLabInputError,
        )
        values = values.astype(float)
    if not allow_missing:
        report_bad_rows(
            values.isna(),
            raw,
            column=column,
            name=name,
            problem="are missing (NaN)",
            fix=f"fill or drop them yourself, e.g. df.dropna(subset=[{column!r}])",
        )
    if not np.isfinite(values.dropna()).all():
        report_bad_rows(
            np.isinf(values.to_numpy()),
            raw,
            column=column,
            name=name,
            problem="are infinite",
            fix="replace them with real values",
        )
    if min_value is not None:
        below = (values < min_value) if min_inclusive else (values <= min_value)
        word = "below" if min_inclusive else "at or below"
        report_bad_rows(
            below.fillna(False),
            raw,
            column=column,
            name=name,
            problem=f"are {word} {min_value:g}",
            fix=fix_negative or f"remove or correct those rows (they must be >= {min_value:g})",
        )
    if integer:
        frac = (values % 1 != 0) & values.notna()
        report_bad_rows(
            frac,
            raw,
            column=column,
            name=name,
            problem="are not whole numbers",
            fix="counts must be integers; round or correct them",
        )
    return values


def as_datetime_column(frame: pd.DataFrame, column: str, *, name: str = "data") -> pd.Series:
    """Return ``frame[column]`` as datetime64, raising on missing or unparsable dates."""
    raw = frame[column]
    report_bad_rows(
        raw.isna(),
        raw,
        column=column,
        name=name,
        problem="have no date",
        fix=f"fill or drop them, e.g. df.dropna(subset=[{column!r}])",
    )
    if pd.api.types.is_datetime64_any_dtype(raw):
        out = raw
    else:
        if pd.api.types.is_numeric_dtype(raw):
            raise TypeError(
                f"{name}: column {column!r} holds numbers (first value {_fmt_value(raw.iloc[0])}), "
                "not dates. Fix: convert it, e.g. pd.to_datetime(df[col].astype(str), "
                "format='%Y%m%d')."
            )
        out = pd.to_datetime(raw, errors="coerce", format="mixed")
        report_bad_rows(
            out.isna(),
            raw,
            column=column,
            name=name,
            problem="cannot be read as dates",
            fix=f"convert the column yourself with pd.to_datetime(df[{column!r}], format=...)",
        )
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out


def check_probability(value: float, name: str, *, open_interval: bool = False) -> float:
    """Return ``value`` as float if it is a probability (0..1), else raise with advice."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number between 0 and 1, got {value!r}.") from None
    lo_ok = v > 0 if open_interval else v >= 0
    hi_ok = v < 1 if open_interval else v <= 1
    if not (lo_ok and hi_ok) or np.isnan(v):
        hint = " It looks like a percentage: divide by 100." if 1 < v <= 100 else ""
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise CRMLabInputError(f"{name} must be {bounds}, got {value!r}.{hint}")
    return v


def check_positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float if it is positive (or zero when allowed), else raise."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}.") from None
    if np.isnan(v) or (v < 0 if allow_zero else v <= 0):
        need = "zero or more" if allow_zero else "greater than zero"
        raise CRMLabInputError(f"{name} must be {need}, got {value!r}.")
    return v


def as_1d_array(
    values: Sequence[float] | np.ndarray | pd.Series,
    name: str = "values",
    *,
    allow_negative: bool = False,
    allow_empty: bool = False,
) -> np.ndarray:
    """Return ``values`` as a 1-D float array, raising on NaN, text, negative values or emptiness."""
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{name} must be one column (a Series or array), got a DataFrame.")
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if series.ndim != 1:
        raise TypeError(f"{name} must be one-dimensional.")
    if len(series) == 0 and not allow_empty:
        raise CRMLabInputError(f"{name} is empty. Fix: pass at least one value.")
    frame = series.rename(name).to_frame()
    out = as_numeric_column(
        frame,
        name,
        name=name,
        min_value=None if allow_negative else 0.0,
        fix_negative="this measure needs non-negative values; remove refunds or shift the scale",
    )
    return out.to_numpy(dtype=float)


def binary_column(frame: pd.DataFrame, column: str, *, name: str, mask=None) -> pd.Series:
    """``frame[column]`` as a float 0/1 Series (rows in ``mask`` only), raising on anything else."""
    sub = frame if mask is None else frame.loc[mask]
    values = as_numeric_column(sub, column, name=name)
    report_bad_rows(
        ~values.isin([0.0, 1.0]),
        sub[column],
        column=column,
        name=name,
        problem="are not 0 or 1",
        fix=f"code {column!r} as 1 (yes) and 0 (no), e.g. (df[{column!r}] == 'Yes').astype(int)",
    )
    return values


def check_scale(scale: tuple[int, int]) -> tuple[int, int]:
    """``scale`` as a pair of ints ``(lowest, highest)``, raising unless highest > lowest."""
    try:
        lo, hi = (int(scale[0]), int(scale[1]))
    except (TypeError, ValueError, IndexError):
        raise TypeError(
            f"scale must be a pair (lowest, highest), e.g. (1, 5); got {scale!r}."
        ) from None
    if hi <= lo:
        raise CRMLabInputError(
            f"scale must be (lowest, highest) with highest > lowest; got {scale!r}."
        )
    return lo, hi


def likert_frame(
    frame: pd.DataFrame, columns: Sequence[str], scale: tuple[int, int], *, name: str
) -> pd.DataFrame:
    """The Likert item columns as floats, raising on text, NaN, fractions or out-of-scale answers."""
    lo, hi = check_scale(scale)
    require_columns(frame, columns, name=name)
    out = {}
    for col in columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            raise TypeError(
                f"{name}: column {col!r} holds category labels, not numbers. "
                f"Fix: convert ordered ratings first with crmlab.loyalty.likert_codes(df, [{col!r}])."
            )
        values = as_numeric_column(frame, col, name=name, integer=True)
        report_bad_rows(
            (values < lo) | (values > hi),
            frame[col],
            column=col,
            name=name,
            problem=f"are outside the {lo}-{hi} answer scale",
            fix=f"correct the coding, or pass scale=(lo, hi) if the items use another range (now {lo}-{hi})",
        )
        out[col] = values
    return pd.DataFrame(out, index=frame.index)


def as_day(value, what: str) -> np.datetime64:
    """One date argument (``observation_end``, ``as_of``, ...) as a ``datetime64[D]`` day."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise CRMLabInputError(
            f"{what} must be a date such as '1997-09-30', got {value!r}."
        ) from None
    if ts is pd.NaT:
        raise CRMLabInputError(f"{what} must be a date such as '1997-09-30', got {value!r}.")
    return np.datetime64(ts.tz_localize(None) if ts.tzinfo else ts, "D")
