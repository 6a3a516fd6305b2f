"""Kaplan-Meier retention curves with a log-rank test, and contractual cohorts for the sBG model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import (
    as_numeric_column,
    binary_column,
    check_frame,
    check_positive,
    check_probability,
    report_bad_rows,
)

__all__ = ["RetentionCurves", "retention_curves", "duration_frame", "period_retention"]


# --------------------------------------------------------------------------------------------
# Kaplan-Meier retention curves
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionCurves:
    """Kaplan-Meier retention curves by group and the log-rank test between them.

    Attributes
    ----------
    survival : DataFrame
        Tidy: one row per group and time with ``group``, ``time``, ``survival`` (share still a
        customer), ``ci_lower``, ``ci_upper``, ``at_risk`` and ``churned`` (events at that time).
    summary : DataFrame
        One row per group: ``customers``, ``churned``, ``churn_share`` (raw share that churned,
        ignoring censoring) and ``median_lifetime`` (time at which the curve reaches 0.5; ``inf``
        if it never does).
    statistic, p_value : float
        Log-rank test of "the groups share one retention curve" (NaN with a single group).
    degrees_of_freedom : int
        Number of groups minus one.
    """

    survival: pd.DataFrame
    summary: pd.DataFrame
    statistic: float
    p_value: float
    degrees_of_freedom: int
    duration_col: str = "tenure"
    group_col: str | None = "contract"

    def at(self, times: Sequence[float] | float) -> pd.DataFrame:
        """Survival at ``times`` (rows) for each group (columns), read off the step curves."""
        times = np.atleast_1d(np.asarray(times, dtype=float))
        out = {}
        for group, curve in self.survival.groupby("group", sort=False, observed=True):
            idx = np.searchsorted(curve["time"].to_numpy(), times, side="right") - 1
            values = curve["survival"].to_numpy()[np.clip(idx, 0, None)]
            out[group] = np.where(idx < 0, 1.0, values)
        return pd.DataFrame(out, index=pd.Index(times, name=self.duration_col))


def retention_curves(
    frame: pd.DataFrame,
    duration_col: str = "tenure",
    event_col: str = "churn",
    group_col: str | None = "contract",
    *,
    alpha: float = 0.05,
) -> RetentionCurves:
    r"""Kaplan-Meier retention (survival) curves per group and a log-rank test.

    The Kaplan-Meier estimate of the share still a customer after time :math:`t` is

    .. math:: \hat S(t) = \prod_{t_i \le t} \left(1 - \frac{d_i}{n_i}\right),

    with :math:`d_i` customers churning at :math:`t_i` out of :math:`n_i` still at risk. Customers
    who have not churned (event 0) are *censored*: they count in the risk set until their
    duration and are never treated as churners or as survivors beyond it.

    Parameters
    ----------
    frame : DataFrame
        One row per customer.
    duration_col : str
        Time observed (e.g. months of tenure), a number >= 0.
    event_col : str
        1 if the customer churned at the end of that time, 0 if still a customer (censored).
    group_col : str or None
        Column defining the curves to compare (e.g. contract type); None for one curve.
    alpha : float
        1 - confidence level of the pointwise bands.

    Returns
    -------
    RetentionCurves

    Raises
    ------
    CRMLabInputError
        Missing columns, NaN or negative durations, an event that is not 0/1, missing groups.

    Examples
    --------
    >>> curves = retention_curves(telco)                            # doctest: +SKIP
    >>> curves.at([12, 24])                                         # doctest: +SKIP
    """
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    cols = [duration_col, event_col] + ([group_col] if group_col is not None else [])
    frame = check_frame(frame, "frame", columns=cols)
    alpha = check_probability(alpha, "alpha", open_interval=True)
    durations = as_numeric_column(
        frame,
        duration_col,
        name="frame",
        min_value=0.0,
        fix_negative="durations count time since joining and cannot be negative; correct them",
    )
    events = binary_column(frame, event_col, name="frame").to_numpy(dtype=int)
    if group_col is None:
        groups = pd.Series("all", index=frame.index)
        order = ["all"]
    else:
        groups = frame[group_col]
        report_bad_rows(
            groups.isna(),
            groups,
            column=group_col,
            name="frame",
            problem="have no group",
            fix=f"fill or drop them, e.g. df.dropna(subset=[{group_col!r}])",
        )
        if isinstance(groups.dtype, pd.CategoricalDtype):
            order = [c for c in groups.cat.categories if (groups == c).any()]
        else:
            order = sorted(groups.unique(), key=str)

    pieces, rows = [], []
    for group in order:
        mask = (groups == group).to_numpy()
        kmf = KaplanMeierFitter(alpha=alpha).fit(durations[mask], events[mask])
        table = kmf.event_table
        ci = kmf.confidence_interval_survival_function_
        piece = pd.DataFrame(
            {
                "group": group,
                "time": kmf.survival_function_.index.to_numpy(dtype=float),
                "survival": kmf.survival_function_.iloc[:, 0].to_numpy(),
                "ci_lower": ci.iloc[:, 0].to_numpy(),
                "ci_upper": ci.iloc[:, 1].to_numpy(),
                "at_risk": table["at_risk"].to_numpy(dtype=int),
                "churned": table["observed"].to_numpy(dtype=int),
            }
        )
        pieces.append(piece)
        rows.append(
            {
                "group": group,
                "customers": int(mask.sum()),
                "churned": int(events[mask].sum()),
                "churn_share": float(events[mask].mean()),
                "median_lifetime": float(kmf.median_survival_time_),
            }
        )
    survival = pd.concat(pieces, ignore_index=True)
    summary = pd.DataFrame(rows).set_index("group")
    if len(order) > 1:
        test = multivariate_logrank_test(durations.to_numpy(), groups.astype(str), events)
        statistic, p_value = float(test.test_statistic), float(test.p_value)
    else:
        statistic, p_value = float("nan"), float("nan")
    return RetentionCurves(
        survival=survival,
        summary=summary,
        statistic=statistic,
        p_value=p_value,
        degrees_of_freedom=len(order) - 1,
        duration_col=duration_col,
        group_col=group_col,
    )


# --------------------------------------------------------------------------------------------
# contractual cohorts for the shifted-beta-geometric model
# --------------------------------------------------------------------------------------------
def duration_frame(
    frame: pd.DataFrame,
    duration_col: str = "tenure",
    event_col: str = "churn",
    *,
    censor_at: int | None = None,
) -> pd.DataFrame:
    """The ``duration`` / ``churned`` frame a shifted-beta-geometric model fits.

    Parameters
    ----------
    frame : DataFrame
        One row per customer.
    duration_col : str
        Whole periods observed, >= 1 (a customer with 0 periods has not yet faced a renewal
        and adds nothing to the likelihood: drop such rows first and say so).
    event_col : str
        1 if the customer left at the end of the last period, 0 if still active (censored).
    censor_at : int, optional
        End of a calibration window: customers observed longer are cut back to ``censor_at``
        periods and counted as still active then (what an analyst would have seen at that
        time). Use it to fit on the early periods and check the projection on the later ones.

    Returns
    -------
    DataFrame
        Columns ``duration`` (int) and ``churned`` (int 0/1), same index as ``frame``.

    Raises
    ------
    CRMLabInputError
        Missing columns, NaN, durations below 1 or not whole, events not 0/1.
    """
    frame = check_frame(frame, "frame", columns=[duration_col, event_col])
    durations = as_numeric_column(
        frame,
        duration_col,
        name="frame",
        min_value=1.0,
        integer=True,
        fix_negative=(
            f"a cohort model needs at least one whole period per customer; customers with "
            f"{duration_col} 0 carry no information, drop them with df[df[{duration_col!r}] >= 1]"
        ),
    )
    events = binary_column(frame, event_col, name="frame").to_numpy(dtype=int)
    out = pd.DataFrame(
        {"duration": durations.to_numpy(dtype=int), "churned": events}, index=frame.index
    )
    if censor_at is not None:
        if isinstance(censor_at, bool) or float(censor_at) % 1 != 0 or censor_at < 1:
            raise CRMLabInputError(
                f"censor_at must be a whole number of periods >= 1, got {censor_at!r}."
            )
        later = out["duration"] > censor_at
        out.loc[later, "duration"] = int(censor_at)
        out.loc[later, "churned"] = 0
    return out


def period_retention(data: pd.DataFrame, max_period: int | None = None) -> pd.DataFrame:
    """Observed period-by-period retention of a cohort with censoring.

    The retention rate in period :math:`t` is the share of customers active at the start of
    period :math:`t` who renew at its end, :math:`r_t = 1 - d_t / n_t`, where :math:`n_t` counts
    customers observed for at least :math:`t` periods and :math:`d_t` those who left at the end
    of period :math:`t`. Survival is the running product (Kaplan-Meier on whole periods).

    Parameters
    ----------
    data : DataFrame
        ``duration`` / ``churned`` columns, as made by :func:`duration_frame`.
    max_period : int, optional
        Last period to report (default: the longest duration).

    Returns
    -------
    DataFrame
        Indexed by ``period`` 1..max_period: ``at_risk``, ``churned``, ``retention_rate``
        (NaN where nobody is at risk) and ``survival``.
    """
    data = duration_frame(data, "duration", "churned")
    d = data["duration"].to_numpy()
    e = data["churned"].to_numpy()
    last = int(d.max()) if max_period is None else int(check_positive(max_period, "max_period"))
    periods = np.arange(1, last + 1)
    at_risk = (d[None, :] >= periods[:, None]).sum(axis=1)
    churned = np.bincount(d[e == 1], minlength=last + 1)[1 : last + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(at_risk > 0, 1.0 - churned / np.maximum(at_risk, 1), np.nan)
    survival = np.cumprod(np.where(np.isnan(rate), 1.0, rate))
    survival[np.cumsum(at_risk == 0) > 0] = np.nan
    return pd.DataFrame(
        {"at_risk": at_risk, "churned": churned, "retention_rate": rate, "survival": survival},
        index=pd.Index(periods, name="period"),
    )
