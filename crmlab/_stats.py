"""Small statistics helpers shared by loyalty and internal: Wilson intervals, binary columns,
Likert frames, and regression tables with confidence intervals (statsmodels)."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

from crmlab._validation import (
    CRMLabInputError,
    as_numeric_column,
    check_probability,
    report_bad_rows,
    require_columns,
)


# --------------------------------------------------------------------------------------------
# Small shared helpers
# --------------------------------------------------------------------------------------------
def _wilson(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes out of n (vectorised)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def _binary_column(frame: pd.DataFrame, column: str, *, name: str, mask=None) -> pd.Series:
    """``frame[column]`` as float 0/1 (rows in ``mask`` only), raising on anything else."""
    sub = frame if mask is None else frame.loc[mask]
    values = as_numeric_column(sub, column, name=name)
    report_bad_rows(
        ~values.isin([0.0, 1.0]),
        sub[column],
        column=column,
        name=name,
        problem="are not 0 or 1",
        fix=f"code {column!r} as 1 (yes) and 0 (no)",
    )
    return values


def _likert_frame(
    frame: pd.DataFrame, columns: Sequence[str], scale: tuple[int, int], *, name: str
) -> pd.DataFrame:
    """The Likert item columns as floats, raising on text, NaN, fractions or out-of-scale answers."""
    lo, hi = _check_scale(scale)
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


def _check_scale(scale: tuple[int, int]) -> tuple[int, int]:
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


def _fit_table(y: pd.Series, X: pd.DataFrame, *, kind: str, level: float = 0.95) -> pd.DataFrame:
    """Shared statsmodels fit returning the coefficient table (used by crmlab.internal too)."""
    import statsmodels.api as sm

    check_probability(level, "level", open_interval=True)
    constant = X.columns[X.nunique() <= 1].tolist()
    if constant:
        raise CRMLabInputError(
            f"predictor(s) {constant} take a single value in these rows, so no effect can be "
            "estimated. Fix: drop them or use data where they vary."
        )
    design = sm.add_constant(X.astype(float), has_constant="add")
    if kind == "logit":
        fit = sm.Logit(y.astype(float), design).fit(disp=0, maxiter=200)
        r2 = float(fit.prsquared)
    else:
        fit = sm.OLS(y.astype(float), design).fit()
        r2 = float(fit.rsquared)
    ci = fit.conf_int(alpha=1 - level)
    table = pd.DataFrame(
        {
            "coef": fit.params,
            "se": fit.bse,
            "ci_low": ci[0],
            "ci_high": ci[1],
            "p_value": fit.pvalues,
        }
    )
    if kind == "logit":
        table["odds_ratio"] = np.exp(table["coef"])
        table["or_low"] = np.exp(table["ci_low"])
        table["or_high"] = np.exp(table["ci_high"])
    table.index.name = "term"
    table.attrs.update({"n": int(fit.nobs), "kind": kind, "r2": r2})
    return table
