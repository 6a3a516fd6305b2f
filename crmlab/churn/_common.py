"""Input checks shared by the churn modules."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import (
    as_1d_array,
    as_numeric_column,
    check_positive,
    report_bad_rows,
    require_columns,
)


# --------------------------------------------------------------------------------------------
# input checks shared by the functions below
# --------------------------------------------------------------------------------------------
def _binary_array(values: Any, name: str) -> np.ndarray:
    arr = as_1d_array(values, name)
    bad = ~np.isin(arr, (0.0, 1.0))
    report_bad_rows(
        bad,
        pd.Series(arr),
        column=name,
        name=name,
        problem="are not 0 or 1",
        fix="pass the true outcome coded 0/1 (1 = churned)",
    )
    return arr.astype(int)


def _same_length(a: np.ndarray, b: np.ndarray, names: tuple[str, str]) -> None:
    if len(a) != len(b):
        raise CRMLabInputError(
            f"{names[0]} has {len(a):,} values but {names[1]} has {len(b):,}. "
            "Fix: pass one value per customer in both, in the same order."
        )


def _column_or_array(frame: pd.DataFrame, values: Any, name: str) -> np.ndarray:
    """A column name of ``frame`` or one value per row, as a float array (no NaN, >= 0)."""
    if isinstance(values, str):
        require_columns(frame, [values], name="frame")
        out = as_numeric_column(frame, values, name="frame", min_value=0.0)
        return out.to_numpy(dtype=float)
    if np.isscalar(values):
        return np.full(len(frame), check_positive(values, name, allow_zero=True))
    arr = as_1d_array(values, name)
    _same_length(arr, np.empty(len(frame)), (name, "frame"))
    return arr
