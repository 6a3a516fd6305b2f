"""One place, one style for the errors crmlab raises at its public boundary.

Every message follows the same pattern so that a student can act on it:

    <what>: <column> — <how many> of <total> rows <problem> (first: row <label>, value <value>).
    Fix: <what to do>.

Analysis modules call these helpers instead of writing their own ``raise`` lines.
"""

from __future__ import annotations

import decimal
import numbers
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
    "check_probability",
    "check_positive",
    "as_1d_array",
    "as_number",
    "as_float_array",
    "as_whole_number",
    "as_id_column",
    "present_column",
    "sum_scale",
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


def _number_kind(value: Any) -> str:
    """Classify one cell of an object column: number, bool, missing, text or other."""
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, str | bytes):
        return "text"
    if value is None or value is pd.NA or value is pd.NaT:
        return "missing"
    if isinstance(value, numbers.Real | decimal.Decimal):
        return "missing" if value != value else "number"
    return "other"


def _wrong_type(
    raw: pd.Series, column: str, name: str, problem: str, fix: str, bad: Any = None
) -> None:
    """Raise a TypeError naming the rows in ``bad`` (default: every row) and the fix."""
    bad = np.ones(len(raw), dtype=bool) if bad is None else np.asarray(bad, dtype=bool)
    report_bad_rows(bad, raw, column=column, name=name, problem=problem, fix=fix, error=TypeError)


def _refuse_bool(raw: pd.Series, column: str, name: str) -> None:
    fix = f"pass the amounts themselves; to count a yes/no flag use df[{column!r}].astype(int)"
    _wrong_type(raw, column, name, "are True/False, not numbers", fix)


def check_frame(
    obj: Any,
    name: str = "data",
    *,
    allow_empty: bool = False,
    columns: Iterable[str] | None = None,
    hint: str | None = None,
) -> pd.DataFrame:
    """Return ``obj`` if it is a non-empty DataFrame, else raise a TypeError/ValueError with advice.

    With ``columns``, also require those columns (see :func:`require_columns`; ``hint`` is its
    fix).
    """
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame, got {type(obj).__name__}. "
            "Fix: build one with pd.DataFrame(...) or load it with pd.read_csv(...)."
        )
    if not allow_empty and len(obj) == 0:
        raise CRMLabInputError(
            f"{name} is empty (0 rows). Fix: check the filter or the file you loaded."
        )
    dup = obj.columns.duplicated()
    if dup.any():
        first = obj.columns[dup][0]
        raise CRMLabInputError(
            f"{name} has {int(dup.sum())} duplicated column name(s) (first: {first!r}), so "
            f"{name}[{first!r}] is not one column. Fix: rename or drop the copies, e.g. "
            f"{name}.loc[:, ~{name}.columns.duplicated()]."
        )
    if columns is not None:
        require_columns(obj, columns, name=name, hint=hint)
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
    allow_bool: bool = True,
) -> pd.Series:
    """Return ``frame[column]`` as float, raising clearly on text, NaN, or values below ``min_value``.

    Text is an error, even text that looks like a number (``"12.5"``): nothing is coerced
    silently. Complex numbers are an error. Booleans are read as 0/1 only with
    ``allow_bool=True`` (the default, for yes/no columns); amounts pass ``allow_bool=False``.
    """
    raw = frame[column]
    if isinstance(raw, pd.DataFrame):  # duplicated column name
        check_frame(frame, name)
    if isinstance(raw.dtype, pd.CategoricalDtype):
        raw = raw.astype(object)
    if pd.api.types.is_bool_dtype(raw):
        if not allow_bool:
            _refuse_bool(raw, column, name)
        values = raw.astype(float)
    elif pd.api.types.is_complex_dtype(raw):
        _wrong_type(
            raw,
            column,
            name,
            "are complex numbers",
            "pass real numbers, e.g. the real part np.real(x) if the imaginary part is 0",
        )
        raise AssertionError  # pragma: no cover - report_bad_rows raised
    elif pd.api.types.is_numeric_dtype(raw):
        values = raw.astype(float)
    else:
        obj = raw.astype(object)
        if pd.api.types.infer_dtype(obj, skipna=True) in (
            "integer",
            "floating",
            "mixed-integer-float",
        ):
            return _finish_numeric(
                pd.to_numeric(obj).astype(float), raw, column, name, allow_missing, min_value,
                min_inclusive, integer, fix_negative,
            )  # fmt: skip
        kind = obj.map(_number_kind)
        is_text = (kind == "text").to_numpy()
        report_bad_rows(
            is_text,
            raw,
            column=column,
            name=name,
            problem="are not numbers (text)",
            fix=f"convert the column yourself, e.g. pd.to_numeric(df[{column!r}].str.replace(',', '')) "
            "(text is never read as a number silently)",
            error=TypeError
            if is_text.all() and pd.to_numeric(obj, errors="coerce").isna().all()
            else CRMLabInputError,
        )
        if not allow_bool:
            fix = "pass numbers; a yes/no flag is not an amount"
            _wrong_type(raw, column, name, "are True/False, not numbers", fix, kind == "bool")
        fix = f"clean the column first so that it holds only numbers, e.g. pd.to_numeric(df[{column!r}])"
        _wrong_type(raw, column, name, "are not real numbers", fix, kind == "other")
        values = pd.Series(
            [np.nan if k == "missing" else float(v) for v, k in zip(obj, kind, strict=True)],
            index=raw.index,
            dtype=float,
        )
    return _finish_numeric(
        values, raw, column, name, allow_missing, min_value, min_inclusive, integer, fix_negative
    )


def _finish_numeric(
    values, raw, column, name, allow_missing, min_value, min_inclusive, integer, fix_negative
) -> pd.Series:
    """The checks shared by every numeric column: missing, infinite, below minimum, fractions.

    The masks are computed on the NumPy array (pandas' per-operation overhead dominated fits
    of a few milliseconds); NaN compares as False, so it is only ever reported as missing.
    """
    arr = values.to_numpy(dtype=float)
    missing = np.isnan(arr)
    if not allow_missing:
        report_bad_rows(
            missing,
            raw,
            column=column,
            name=name,
            problem="are missing (NaN)",
            fix=f"fill or drop them yourself, e.g. df.dropna(subset=[{column!r}])",
        )
    report_bad_rows(
        np.isinf(arr),
        raw,
        column=column,
        name=name,
        problem="are infinite",
        fix="replace them with real values",
    )
    if min_value is not None:
        with np.errstate(invalid="ignore"):
            below = (arr < min_value) if min_inclusive else (arr <= min_value)
        word = "below" if min_inclusive else "at or below"
        report_bad_rows(
            below,
            raw,
            column=column,
            name=name,
            problem=f"are {word} {min_value:g}",
            fix=fix_negative or f"remove or correct those rows (they must be >= {min_value:g})",
        )
    if integer:
        with np.errstate(invalid="ignore"):
            frac = (arr % 1 != 0) & ~missing
        report_bad_rows(
            frac,
            raw,
            column=column,
            name=name,
            problem="are not whole numbers",
            fix="counts must be integers; round or correct them",
        )
    return values


def as_number(value: Any, name: str, *, allow_inf: bool = False, allow_nan: bool = False) -> float:
    """One numeric argument as a float; text, booleans, complex numbers and NaN are refused.

    ``"0.001"`` is refused rather than read as 0.001: a number written as text usually means the
    value came from the wrong place. Infinity is refused unless ``allow_inf=True``.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, numbers.Real | decimal.Decimal | np.ndarray
    ):
        kind = "text" if isinstance(value, str | bytes) else type(value).__name__
        hint = (
            f", e.g. float({value!r}) if that text is the value you mean" if kind == "text" else ""
        )
        raise TypeError(
            f"{name} must be a number, got {value!r} ({kind}). Fix: pass a number{hint} "
            "(text is never read as a number silently)."
        )
    if isinstance(value, np.ndarray):
        if value.ndim != 0 or not np.issubdtype(value.dtype, np.number) or np.iscomplexobj(value):
            raise TypeError(f"{name} must be one real number, got {value!r}.")
    v = float(value)
    if np.isnan(v) and not allow_nan:
        raise CRMLabInputError(f"{name} must be a number, got NaN. Fix: pass a real value.")
    if np.isinf(v) and not allow_inf:
        raise CRMLabInputError(
            f"{name} must be a finite number, got {value!r}. Fix: pass a finite value."
        )
    return v


def as_float_array(value: Any, name: str) -> np.ndarray:
    """A number or array argument (``t``, rates, durations) as a float array.

    Text (``"52"``), True/False and complex numbers are refused with a TypeError naming
    ``name``; range checks are left to the caller.
    """
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        arr = np.asarray(value, dtype=object)
    if arr.dtype.kind not in "iuf":
        first = arr.flat[0] if arr.size else value
        raise TypeError(
            f"{name} must be a number or an array of numbers, got {value!r} (first: "
            f"{_fmt_value(first)}, a {type(first).__name__}). Fix: pass numbers such as 52 or "
            "0.1, not text or True/False (text is never read as a number silently)."
        )
    return arr.astype(float)


def as_whole_number(value: Any, name: str, *, minimum: int | None = None) -> int:
    """One whole-number argument (a count, a horizon, a number of years) as an int."""
    v = as_number(value, name)
    if not v.is_integer():
        raise CRMLabInputError(f"{name} must be a whole number, got {value!r}. Fix: round it.")
    if minimum is not None and v < minimum:
        raise CRMLabInputError(
            f"{name} must be a whole number of at least {minimum}, got {value!r}."
        )
    return int(v)


def check_probability(value: Any, name: str, *, open_interval: bool = False) -> float:
    """Return ``value`` as float if it is a probability (0..1), else raise with advice."""
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, numbers.Real | decimal.Decimal | np.ndarray
    ):
        raise TypeError(
            f"{name} must be a number between 0 and 1, got {value!r}. Fix: pass the number "
            "itself, not text or True/False."
        )
    v = as_number(value, name, allow_inf=True)
    lo_ok = v > 0 if open_interval else v >= 0
    hi_ok = v < 1 if open_interval else v <= 1
    if not (lo_ok and hi_ok):
        hint = " It looks like a percentage: divide by 100." if 1 < v <= 100 else ""
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise CRMLabInputError(f"{name} must be {bounds}, got {value!r}.{hint}")
    return v


def check_positive(
    value: Any, name: str, *, allow_zero: bool = False, allow_inf: bool = False
) -> float:
    """Return ``value`` as float if it is positive (or zero when allowed), else raise.

    Text (``"0.001"``), booleans, NaN and infinity (unless ``allow_inf=True``) are refused.
    """
    v = as_number(value, name, allow_inf=allow_inf, allow_nan=True)
    if np.isnan(v) or (v < 0 if allow_zero else v <= 0):
        need = "zero or more" if allow_zero else "greater than zero"
        raise CRMLabInputError(f"{name} must be {need}, got {value!r}.")
    return v


def sum_scale(values: np.ndarray) -> float:
    """A power of two to divide ``values`` by so that their sum cannot overflow (1.0 if it can't).

    Dividing by a power of two is exact, so ``(values / s).sum() * s`` equals the plain sum
    whenever the plain sum is finite, and stays finite (as a ratio or mean) when it is not.
    """
    x = np.abs(np.asarray(values, dtype=float))
    with np.errstate(over="ignore"):
        if x.size == 0 or np.isfinite(x.sum()):
            return 1.0
    # a power of two no larger than the largest value: every scaled value is < 2, so the
    # scaled sum is below 2 * len(values)
    return float(np.ldexp(1.0, int(np.frexp(x.max())[1]) - 1))


def present_column(frame: pd.DataFrame, column: str, *, name: str, what: str) -> pd.Series:
    """``frame[column]``, refusing a duplicated column name and rows where ``what`` is missing."""
    raw = frame[column]
    if isinstance(raw, pd.DataFrame):
        check_frame(frame, name)  # raises: the column name is duplicated
    report_bad_rows(
        raw.isna(),
        raw,
        column=column,
        name=name,
        problem=f"have no {what}",
        fix=f"fill or drop them first, e.g. df.dropna(subset=[{column!r}])",
    )
    return raw


def as_id_column(frame: pd.DataFrame, column: str, *, name: str = "data") -> pd.Series:
    """Return the customer-id column unchanged after checking its ids can be compared as written.

    Ids must all be whole numbers or all be text, with no missing value. Text is compared as
    written (``"1"`` and ``"001"`` are two customers); a column mixing numbers and text, holding
    True/False, or holding decimal numbers (``1.0``) is refused, since how those compare is a guess.
    """
    ids = present_column(frame, column, name=name, what="customer id")
    values = ids.astype(object) if isinstance(ids.dtype, pd.CategoricalDtype) else ids
    fix_type = (
        f"make every id the same type, e.g. df[{column!r}] = df[{column!r}].astype(str) "
        "(then 1 and '1' are one customer)"
    )
    if pd.api.types.is_bool_dtype(values):
        _refuse_bool(values, column, name)
    if pd.api.types.is_float_dtype(values) or pd.api.types.is_complex_dtype(values):
        fix = (
            f"use whole numbers, df[{column!r}].astype('int64'), or read the file with "
            f"dtype={{{column!r}: str}} so that ids stay as written"
        )
        _wrong_type(ids, column, name, "are decimal numbers, not ids", fix)
    if (
        pd.api.types.is_integer_dtype(values)
        or pd.api.types.is_string_dtype(values)
        and (pd.api.types.infer_dtype(values, skipna=False) == "string")
    ):
        return ids
    kind = values.astype(object).map(_id_kind).to_numpy()
    first = kind[0]
    want = {"number": "whole numbers", "text": "text"}
    if first in want:
        bad = kind != first
        problem = f"are not {want[first]} like the first id (ids are compared as written)"
    else:
        bad = np.isin(kind, ["bool", "other"])
        problem = "are neither whole numbers nor text"
    report_bad_rows(
        bad, ids, column=column, name=name, problem=problem, fix=fix_type, error=TypeError
    )
    return ids


def _id_kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, str):
        return "text"
    if isinstance(value, numbers.Integral):
        return "number"
    return "other"


def as_1d_array(
    values: Sequence[float] | np.ndarray | pd.Series,
    name: str = "values",
    *,
    allow_negative: bool = False,
    allow_empty: bool = False,
    allow_bool: bool = True,
) -> np.ndarray:
    """Return ``values`` as a 1-D float array, raising on NaN, text, negative values or emptiness.

    2-D input, complex numbers and (with ``allow_bool=False``) True/False are refused too.
    """
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{name} must be one column (a Series or array), got a DataFrame.")
    if isinstance(values, str | bytes) or np.ndim(values) != 1:
        shape = np.shape(values) if not isinstance(values, str | bytes) else "text"
        raise TypeError(
            f"{name} must be one-dimensional (one value per customer), got shape {shape}. "
            f"Fix: pass one column, e.g. {name}[:, 0], or flatten it with np.ravel({name}) if "
            "every cell is a customer."
        )
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if len(series) == 0 and not allow_empty:
        raise CRMLabInputError(f"{name} is empty. Fix: pass at least one value.")
    frame = series.rename(name).to_frame()
    out = as_numeric_column(
        frame,
        name,
        name=name,
        min_value=None if allow_negative else 0.0,
        fix_negative="this measure needs non-negative values; remove refunds or shift the scale",
        allow_bool=allow_bool,
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
