"""How loyalty relates to later behaviour: repurchase by loyalty level and regressions."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.inference import fit_table, wilson_interval
from crmlab.validation import (
    as_numeric_column,
    binary_column,
    check_frame,
    require_columns,
)

__all__ = ["repurchase_by_loyalty", "regression_table"]


# --------------------------------------------------------------------------------------------
# Loyalty and behaviour
# --------------------------------------------------------------------------------------------
def repurchase_by_loyalty(
    data: pd.DataFrame,
    score: str = "loyalty_index",
    outcome: str = "repurchased",
    *,
    spend: str | None = "spend",
    n_groups: int = 5,
) -> pd.DataFrame:
    """Repurchase rate (with a 95% Wilson interval) and mean spend by loyalty-score group.

    Respondents are split into ``n_groups`` equal-sized groups by ``score`` (quintiles by default).

    Returns
    -------
    pandas.DataFrame
        One row per group (``G1`` lowest score): ``score_min``, ``score_max``, ``score_mean``,
        ``n``, ``repurchase_rate``, ``ci_low``, ``ci_high`` and ``mean_spend`` (if ``spend``).
    """
    data = check_frame(data)
    cols = [score, outcome] + ([spend] if spend else [])
    require_columns(data, cols)
    s = as_numeric_column(data, score)
    y = binary_column(data, outcome, name="data")
    n_groups = int(n_groups)
    if n_groups < 2 or n_groups > len(data) // 2:
        raise CRMLabInputError(
            f"n_groups must be between 2 and n/2 = {len(data) // 2}; got {n_groups}."
        )
    ranks = s.rank(method="first")
    group = pd.qcut(ranks, n_groups, labels=[f"G{i + 1}" for i in range(n_groups)])
    frame = pd.DataFrame({"score": s, "y": y, "group": group})
    if spend:
        frame["spend"] = as_numeric_column(data, spend, min_value=0.0)
    g = frame.groupby("group", observed=True)
    out = pd.DataFrame(
        {
            "score_min": g["score"].min(),
            "score_max": g["score"].max(),
            "score_mean": g["score"].mean(),
            "n": g.size(),
            "repurchase_rate": g["y"].mean(),
        }
    )
    out["ci_low"], out["ci_high"] = wilson_interval(g["y"].sum().to_numpy(), out["n"].to_numpy())
    if spend:
        out["mean_spend"] = g["spend"].mean()
    out.index.name = "group"
    return out


def regression_table(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    *,
    kind: str = "logit",
    level: float = 0.95,
) -> pd.DataFrame:
    """Fit a logistic (``kind="logit"``) or linear (``"ols"``) regression with statsmodels.

    Predictors must be numeric columns (make dummies yourself, or use
    :func:`crmlab.internal_marketing.attrition_model`, which does). An intercept is added.

    Returns
    -------
    pandas.DataFrame
        One row per term: ``coef``, ``se``, ``ci_low``, ``ci_high``, ``p_value``; for logit also
        ``odds_ratio``, ``or_low``, ``or_high`` (exp of the coefficient and its CI). The frame's
        ``attrs`` hold ``n``, ``kind`` and ``r2`` (McFadden's pseudo-R² for logit).
    """
    data = check_frame(data)
    predictors = list(predictors)
    if not predictors:
        raise CRMLabInputError("predictors is empty. Fix: name at least one column.")
    require_columns(data, [outcome, *predictors])
    if kind not in ("logit", "ols"):
        raise CRMLabInputError(f"kind must be 'logit' or 'ols'; got {kind!r}.")
    X = pd.DataFrame({c: as_numeric_column(data, c) for c in predictors}, index=data.index)
    if kind == "logit":
        y = binary_column(data, outcome, name="data")
    else:
        y = as_numeric_column(data, outcome)
    return fit_table(y, X, kind=kind, level=level)
