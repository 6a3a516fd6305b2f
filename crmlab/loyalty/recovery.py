"""Complaint handling and service recovery."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.inference import wilson_interval
from crmlab.validation import (
    as_numeric_column,
    binary_column,
    check_frame,
    check_positive,
    check_probability,
    require_columns,
)

__all__ = ["complaint_groups", "service_recovery_summary", "recovery_paradox"]

# --------------------------------------------------------------------------------------------
# Complaints and service recovery
# --------------------------------------------------------------------------------------------
RECOVERY_GROUPS = ["no complaint", "resolved fast", "resolved slowly", "not resolved"]


def complaint_groups(
    data: pd.DataFrame,
    *,
    complained: str = "complained",
    resolved: str = "resolved",
    days: str = "resolution_days",
    fast_days: float = 2.0,
) -> pd.Series:
    """Label each customer: no complaint, resolved fast (within ``fast_days``), slowly, or not.

    ``resolved`` is read only for complainants and ``days`` only for resolved complaints; there
    they must be present (NaN elsewhere is expected and fine).

    Returns
    -------
    pandas.Series
        Ordered categorical with the levels of ``RECOVERY_GROUPS``, same index as ``data``.
    """
    data = check_frame(data)
    require_columns(data, [complained, resolved, days])
    fast_days = check_positive(fast_days, "fast_days", allow_zero=True)
    c = binary_column(data, complained, name="data").to_numpy() == 1
    r = np.zeros(len(data), dtype=bool)
    r[c] = binary_column(data, resolved, name="data (complainants)", mask=c).to_numpy() == 1
    d = np.full(len(data), np.nan)
    d[r] = as_numeric_column(data.loc[r], days, name="data (resolved complaints)", min_value=0.0)
    labels = np.select(
        [~c, r & (d <= fast_days), r], RECOVERY_GROUPS[:3], default=RECOVERY_GROUPS[3]
    )
    return pd.Series(
        pd.Categorical(labels, categories=RECOVERY_GROUPS, ordered=True),
        index=data.index,
        name="recovery_group",
    )


def service_recovery_summary(
    data: pd.DataFrame,
    outcome: str = "repurchased",
    *,
    satisfaction: str | None = "recovery_satisfaction",
    fast_days: float = 2.0,
    **columns: str,
) -> pd.DataFrame:
    """Repurchase by complaint-handling outcome (服务补救): who complained, how it was handled.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer.
    outcome : str
        0/1 column: bought again in the follow-up period.
    satisfaction : str or None
        Complainants' satisfaction with how the complaint was handled (mean shown per group).
    fast_days : float
        A resolved complaint counts as fast when ``resolution_days <= fast_days``.
    **columns
        ``complained``, ``resolved``, ``days`` column names, as in :func:`complaint_groups`.

    Returns
    -------
    pandas.DataFrame
        Per group: ``n``, ``share`` (of all customers), ``repurchase_rate`` with Wilson
        ``ci_low``/``ci_high``, and ``mean_recovery_satisfaction`` (if given).
    """
    groups = complaint_groups(data, fast_days=fast_days, **columns)
    require_columns(data, [outcome])
    y = binary_column(data, outcome, name="data")
    frame = pd.DataFrame({"group": groups, "y": y})
    if satisfaction:
        require_columns(data, [satisfaction])
        comp = groups != "no complaint"
        frame["sat"] = np.nan
        frame.loc[comp, "sat"] = as_numeric_column(
            data.loc[comp], satisfaction, name="data (complainants)"
        )
    g = frame.groupby("group", observed=False)
    out = pd.DataFrame({"n": g.size()})
    out["share"] = out["n"] / len(frame)
    out["repurchase_rate"] = g["y"].mean()
    out["ci_low"], out["ci_high"] = wilson_interval(g["y"].sum().to_numpy(), out["n"].to_numpy())
    if satisfaction:
        out["mean_recovery_satisfaction"] = g["sat"].mean()
    return out


def recovery_paradox(
    data: pd.DataFrame,
    outcome: str = "repurchased",
    *,
    fast_days: float = 2.0,
    level: float = 0.95,
    **columns: str,
) -> pd.Series:
    r"""Do complainants whose problem was fixed fast repurchase *more* than non-complainants?

    The "service recovery paradox" claims they do. This compares the two repurchase rates
    (raw, not adjusted for anything) with a Wald interval for the difference

    .. math:: \Delta = p_\text{fast} - p_\text{none}, \quad
              \Delta \pm z\sqrt{\tfrac{p_f(1-p_f)}{n_f} + \tfrac{p_n(1-p_n)}{n_n}}

    Returns
    -------
    pandas.Series
        ``rate_fast``, ``n_fast``, ``rate_none``, ``n_none``, ``difference`` (a fraction),
        ``ci_low``, ``ci_high``, ``p_value`` (two-sided z test) and ``paradox`` (True only if
        the whole interval lies above 0).
    """
    level = check_probability(level, "level", open_interval=True)
    groups = complaint_groups(data, fast_days=fast_days, **columns)
    require_columns(data, [outcome])
    y = binary_column(data, outcome, name="data")
    fast, none = y[groups == "resolved fast"], y[groups == "no complaint"]
    if len(fast) < 2 or len(none) < 2:
        raise CRMLabInputError(
            f"too few customers to compare: {len(fast)} resolved fast, {len(none)} without a "
            "complaint. Fix: use more data or a larger fast_days."
        )
    pf, pn = fast.mean(), none.mean()
    diff = pf - pn
    se = np.sqrt(pf * (1 - pf) / len(fast) + pn * (1 - pn) / len(none))
    z = NormalDist().inv_cdf(0.5 + level / 2)
    pooled = y[(groups == "resolved fast") | (groups == "no complaint")].mean()
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / len(fast) + 1 / len(none)))
    p_value = float(2 * (1 - NormalDist().cdf(abs(diff) / se0))) if se0 > 0 else 1.0
    return pd.Series(
        {
            "rate_fast": float(pf),
            "n_fast": len(fast),
            "rate_none": float(pn),
            "n_none": len(none),
            "difference": float(diff),
            "ci_low": float(diff - z * se),
            "ci_high": float(diff + z * se),
            "p_value": p_value,
            "paradox": bool(diff - z * se > 0),
        },
        dtype=object,
    )
