"""Input checks shared by the customer-base models: one place that validates a summary frame.

A *summary frame* has one row per customer and the buy-till-you-die columns made by
:func:`crmlab.transactions.rfm_summary` (``frequency``, ``recency``, ``T``, ``monetary_value``,
...). Models call :func:`check_summary` at their public boundary and work on the arrays it
returns; :func:`collapse` merges identical rows into weights so that a likelihood is evaluated
once per distinct pattern.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import (
    as_numeric_column,
    check_frame,
    report_bad_rows,
    require_columns,
)

__all__ = ["check_summary", "collapse", "summary_time_unit"]

_HINT = (
    "build the frame with crmlab.transactions.rfm_summary(transactions, ...), or rename your "
    "columns to frequency / recency / T"
)


def summary_time_unit(
    data: pd.DataFrame,
    time_unit: str | None = None,
    *,
    default: str | None = None,
    name: str = "data",
    argument: str = "time_unit",
) -> str:
    """The time unit of a summary frame: stated in ``data.attrs`` or by the ``time_unit`` argument.

    ``rfm_summary`` records the unit in ``data.attrs["time_unit"]``, but a CSV round trip, most
    constructors and ``pd.concat`` of summaries with different attrs drop it. A frame whose unit
    is stated neither way is refused (never assumed to be in the model's unit), unless a
    ``default`` is given for data whose unit is only a label.

    Parameters
    ----------
    data : DataFrame
        The summary frame.
    time_unit : {"D", "W", "M", "Y"}, optional
        The unit stated by the caller; must agree with ``data.attrs["time_unit"]`` if both exist.
    default : str, optional
        Unit to use when neither states one (None: refuse).
    name, argument : str
        How the frame and the argument are called in error messages.

    Returns
    -------
    str
        One of "D", "W", "M", "Y".

    Raises
    ------
    CRMLabInputError
        If no unit is stated (and there is no ``default``), the two statements disagree, or the
        unit is unknown.
    """
    from crmlab.transactions import time_unit_days

    if default is None:
        check_frame(data, name)
    stated = data.attrs.get("time_unit") if isinstance(data, pd.DataFrame) else None
    if time_unit is not None:
        time_unit_days(time_unit)
        if stated is not None and stated != time_unit:
            raise CRMLabInputError(
                f"{argument}={time_unit!r} but {name} says its times are in {stated!r} "
                f"({name}.attrs['time_unit']). Fix: drop the {argument} argument, or rebuild the "
                f"summary with rfm_summary(..., time_unit={time_unit!r})."
            )
        return str(time_unit)
    if stated is None:
        if default is not None:
            return default
        raise CRMLabInputError(
            f"{name} does not say in which time unit its recency and T are measured "
            f"({name}.attrs['time_unit'] is missing: a CSV round trip, a hand-built frame or "
            "pd.concat of summaries with different units drops it), and a unit is never "
            f"assumed. Fix: pass {argument}='W' (or 'D', 'M', 'Y': the unit recency and T are "
            "in), or rebuild the summary with rfm_summary(..., time_unit=...)."
        )
    time_unit_days(stated)
    return str(stated)


def check_summary(
    data: pd.DataFrame,
    columns: Sequence[str] = ("frequency", "recency", "T"),
    *,
    weights_col: str | None = None,
    integer_times: bool = False,
    name: str = "data",
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Validate a summary frame and return its columns as float arrays, plus row weights.

    Only the rules that concern the requested ``columns`` are applied:

    - every column: present, numeric, no NaN or infinity;
    - ``frequency``: a whole number >= 0;
    - ``recency``: >= 0; ``recency <= T`` and ``recency == 0`` where ``frequency == 0`` when
      those columns are also requested;
    - ``T``: > 0;
    - ``monetary_value``: >= 0;
    - with ``integer_times=True`` (discrete-time models) ``recency`` and ``T`` are whole numbers.

    Parameters
    ----------
    data : DataFrame
        One row per customer (or per pattern, with ``weights_col``).
    columns : sequence of str
        The columns the caller needs.
    weights_col : str, optional
        Column holding how many customers each row stands for (positive numbers).
    integer_times : bool
        Require whole-number ``recency`` and ``T``.
    name : str
        Name used in error messages.

    Returns
    -------
    arrays : dict of str to ndarray
        ``{column: float array}`` in the order of ``columns``.
    weights : ndarray
        The weights (ones when ``weights_col`` is None).

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or a column holds text.
    CRMLabInputError
        If a column is missing or a value breaks a rule; the message names the column, the
        number of rows, the first offending value and a fix.
    """
    check_frame(data, name)
    needed = list(columns) + ([weights_col] if weights_col is not None else [])
    require_columns(data, needed, name=name, hint=_HINT)
    arrays: dict[str, pd.Series] = {}
    for col in columns:
        rule: dict = {}
        if col == "frequency":
            rule = {
                "min_value": 0.0,
                "integer": True,
                "fix_negative": "frequency counts repeat purchases and cannot be negative",
            }
        elif col == "recency":
            rule = {"min_value": 0.0, "integer": integer_times}
        elif col == "T":
            rule = {
                "min_value": 0.0,
                "min_inclusive": False,
                "integer": integer_times,
                "fix_negative": "T is the time from the first purchase to the end of the period "
                "and must be > 0; drop customers acquired on the last day or extend the period",
            }
        elif col == "monetary_value":
            rule = {"min_value": 0.0}
        arrays[col] = as_numeric_column(data, col, name=name, allow_bool=False, **rule)
    if "recency" in arrays and "T" in arrays:
        report_bad_rows(
            arrays["recency"].to_numpy() > arrays["T"].to_numpy() + 1e-9,
            arrays["recency"],
            column="recency",
            name=name,
            problem="are larger than T",
            fix="recency and T must be measured from the same first purchase in the same time "
            "unit; recompute them with rfm_summary",
        )
    if "recency" in arrays and "frequency" in arrays:
        report_bad_rows(
            (arrays["frequency"].to_numpy() == 0) & (arrays["recency"].to_numpy() != 0),
            arrays["recency"],
            column="recency",
            name=name,
            problem="are not 0 although frequency is 0",
            fix="a customer with no repeat purchase has recency 0; check that frequency counts "
            "repeat purchases (all purchases minus one)",
        )
    if weights_col is not None:
        w = as_numeric_column(
            data,
            weights_col,
            name=name,
            min_value=0.0,
            min_inclusive=False,
            fix_negative="weights count customers and must be > 0; drop rows with weight 0",
        ).to_numpy(dtype=float)
    else:
        w = np.ones(len(data))
    return {c: s.to_numpy(dtype=float) for c, s in arrays.items()}, w


def collapse(
    data: pd.DataFrame | Mapping[str, np.ndarray],
    columns: Sequence[str],
    weights: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Merge identical rows of ``columns`` into unique patterns with summed weights.

    Parameters
    ----------
    data : DataFrame or mapping of str to array
        The (already validated) columns.
    columns : sequence of str
        Columns that define a pattern.
    weights : ndarray, optional
        Weight of each input row (default 1).

    Returns
    -------
    unique : dict of str to ndarray
        One entry per distinct pattern (order unspecified).
    weights : ndarray
        Summed weight of each pattern; ``weights.sum()`` equals the input total.
    """
    cols = {c: np.asarray(data[c], dtype=float) for c in columns}
    n = len(next(iter(cols.values())))
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    # factorize each column, combine the codes into one integer key, factorize that
    key = np.zeros(n, dtype=np.int64)
    for v in cols.values():
        c, uniq = pd.factorize(v)
        if len(uniq) and key.max(initial=0) > (2**62) // max(len(uniq), 1):
            key, _ = pd.factorize(key)
        key = key * len(uniq) + c
    codes, uniq_keys = pd.factorize(key)  # numbered in order of first appearance
    n_groups = len(uniq_keys)
    running = np.maximum.accumulate(codes) if n else codes
    first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]]) if n else codes
    summed = np.bincount(codes, weights=w, minlength=n_groups)
    return {c: v[first] for c, v in cols.items()}, summed
