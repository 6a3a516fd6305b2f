"""How well does a customer-base model fit? Tables behind the standard diagnostic figures.

Each function takes a fitted model and data and returns a plain DataFrame (or a small report);
:mod:`crmlab.plotting.clv` draws them. The models are used only through their public prediction
methods (``expected_purchases``, ``probability_alive``, ``expected_purchases_new``,
``probability_purchases_new``, ``survival``, ``retention_rate``).

- :func:`calibration_holdout_report`: per-customer predicted vs actual holdout purchases.
- :func:`period_transactions_table`: customers by number of repeat purchases in calibration,
  actual vs model.
- :func:`conditional_expectation_table`: mean holdout purchases by calibration frequency.
- :func:`frequency_recency_matrix`, :func:`probability_alive_matrix`: model surfaces over
  (frequency, recency).
- :func:`tracking_table`: weekly and cumulative repeat transactions from a transaction log.
- :func:`retention_table`: sBG survival and retention, actual vs fitted vs projected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Unpack

import numpy as np
import pandas as pd

from crmlab.clv._data import check_summary
from crmlab.errors import CRMLabInputError
from crmlab.transactions import LogFormat, time_unit_days, validate_transactions
from crmlab.validation import check_frame, require_columns

__all__ = [
    "HoldoutReport",
    "calibration_holdout_report",
    "period_transactions_table",
    "conditional_expectation_table",
    "frequency_recency_matrix",
    "probability_alive_matrix",
    "tracking_table",
    "retention_table",
]


def _exposure(model) -> str:
    """Name of the column holding a customer's observation length for ``model``."""
    return getattr(model, "exposure_column", "T")


def _bucket_labels(max_frequency: int) -> list[str]:
    return [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]


def _check_max(value, name: str) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or value < 1:
        raise CRMLabInputError(f"{name} must be a whole number >= 1, got {value!r}.")
    return int(value)


@dataclass(frozen=True)
class HoldoutReport:
    """Predicted vs actual purchases in the holdout period.

    Attributes
    ----------
    customers : DataFrame
        One row per customer: ``frequency`` (calibration), ``actual`` (holdout purchases),
        ``predicted`` (the model's conditional expectation for the holdout length) and
        ``error`` (predicted - actual).
    metrics : Series
        ``n_customers``, ``actual_total``, ``predicted_total``, ``total_error_pct``
        (100 * (predicted - actual) / actual), ``mae``, ``rmse`` and ``correlation``.
    """

    customers: pd.DataFrame
    metrics: pd.Series

    def __repr__(self) -> str:
        m = self.metrics
        return (
            f"HoldoutReport({int(m['n_customers']):,} customers: actual {m['actual_total']:,.0f} "
            f"vs predicted {m['predicted_total']:,.1f} holdout purchases "
            f"({m['total_error_pct']:+.1f}%); MAE {m['mae']:.3f}, RMSE {m['rmse']:.3f}, "
            f"correlation {m['correlation']:.3f})"
        )


def calibration_holdout_report(model, summary: pd.DataFrame) -> HoldoutReport:
    """Compare a transaction model's holdout predictions with what customers actually did.

    Parameters
    ----------
    model : fitted transaction model
        Fitted on the calibration columns of ``summary``.
    summary : DataFrame
        From :func:`crmlab.transactions.rfm_summary` with ``calibration_end``: calibration
        columns plus ``frequency_holdout`` and ``duration_holdout`` (in the model's time unit).

    Returns
    -------
    HoldoutReport
        Per-customer table and aggregate error measures.
    """
    check_frame(summary, "summary")
    require_columns(
        summary,
        ["frequency_holdout", "duration_holdout"],
        name="summary",
        hint="build it with rfm_summary(transactions, calibration_end=...)",
    )
    arrays, _ = check_summary(summary, ("frequency_holdout", "duration_holdout"), name="summary")
    actual = arrays["frequency_holdout"]
    duration = arrays["duration_holdout"]
    predicted = np.empty(len(summary))
    for value in np.unique(duration):  # usually one holdout length for everybody
        rows = duration == value
        part = summary.loc[rows] if not rows.all() else summary
        predicted[rows] = model.expected_purchases(part, float(value)).to_numpy(dtype=float)
    customers = pd.DataFrame(
        {
            "frequency": summary["frequency"].to_numpy(),
            "actual": actual,
            "predicted": predicted,
            "error": predicted - actual,
        },
        index=summary.index,
    )
    err = customers["error"]
    actual_total = float(actual.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = float(np.corrcoef(actual, predicted)[0, 1]) if len(actual) > 1 else np.nan
    metrics = pd.Series(
        {
            "n_customers": float(len(summary)),
            "actual_total": actual_total,
            "predicted_total": float(predicted.sum()),
            "total_error_pct": 100.0 * (predicted.sum() - actual_total) / actual_total
            if actual_total > 0
            else np.nan,
            "mae": float(err.abs().mean()),
            "rmse": float(np.sqrt((err**2).mean())),
            "correlation": corr,
        },
        name="holdout",
    )
    return HoldoutReport(customers=customers, metrics=metrics)


def period_transactions_table(model, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Customers by number of repeat purchases in calibration: actual vs model.

    The model's count for ``k`` purchases is ``sum_i P(X(T_i) = k)`` over the customers' own
    observation lengths ``T_i`` (``probability_purchases_new``); the last row collects
    ``max_frequency`` or more.

    Returns
    -------
    DataFrame
        Index ``repeat_purchases`` (labels "0", "1", ..., "7+"), columns ``actual`` and
        ``model`` (numbers of customers).
    """
    max_frequency = _check_max(max_frequency, "max_frequency")
    exposure = _exposure(model)
    arrays, _ = check_summary(summary, ("frequency", exposure), name="summary")
    freq, T = arrays["frequency"], arrays[exposure]
    actual = np.bincount(
        np.minimum(freq, max_frequency).astype(np.int64), minlength=max_frequency + 1
    )
    uniq, counts = np.unique(T, return_counts=True)
    ks = np.arange(max_frequency)
    probs = np.asarray(model.probability_purchases_new(uniq[:, None], ks[None, :]), dtype=float)
    expected = counts @ probs
    expected = np.r_[expected, len(freq) - expected.sum()]
    out = pd.DataFrame(
        {"actual": actual.astype(float), "model": expected},
        index=pd.Index(_bucket_labels(max_frequency), name="repeat_purchases"),
    )
    out.attrs["time_unit"] = getattr(model, "time_unit_", None)
    return out


def conditional_expectation_table(
    model, summary: pd.DataFrame, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency, actual vs predicted.

    Returns
    -------
    DataFrame
        Index ``frequency`` (labels "0" .. "7+"), columns ``n_customers``, ``actual`` and
        ``model`` (mean holdout purchases per customer). ``attrs["duration_holdout"]`` holds
        the holdout length.
    """
    max_frequency = _check_max(max_frequency, "max_frequency")
    report = calibration_holdout_report(model, summary)
    table = report.customers
    bucket = np.minimum(table["frequency"].to_numpy(), max_frequency).astype(np.int64)
    labels = np.array(_bucket_labels(max_frequency))
    grouped = table.groupby(labels[bucket], sort=False)
    out = pd.DataFrame(
        {
            "n_customers": grouped.size(),
            "actual": grouped["actual"].mean(),
            "model": grouped["predicted"].mean(),
        }
    ).reindex(labels)
    out.index.name = "frequency"
    out["n_customers"] = out["n_customers"].fillna(0).astype(np.int64)
    out.attrs["duration_holdout"] = float(summary["duration_holdout"].iloc[0])
    out.attrs["time_unit"] = getattr(model, "time_unit_", None)
    return out


def _grid(model, summary, max_frequency, max_recency, T):
    exposure = _exposure(model)
    if summary is not None:
        arrays, _ = check_summary(summary, ("frequency", exposure), name="summary")
        max_frequency = max_frequency or int(arrays["frequency"].max())
        max_recency = max_recency or float(np.ceil(arrays[exposure].max()))
    if max_frequency is None or max_recency is None:
        raise CRMLabInputError(
            "pass the summary frame the model was fitted on, or both max_frequency and "
            "max_recency, to set the grid. Fix: e.g. frequency_recency_matrix(model, summary)."
        )
    max_frequency = _check_max(max_frequency, "max_frequency")
    max_recency = _check_max(int(np.ceil(max_recency)), "max_recency")
    T = float(max_recency if T is None else T)
    freq = np.arange(max_frequency + 1)
    rec = np.arange(max_recency + 1, dtype=float)
    rec = rec[rec <= T]
    ff, rr = np.meshgrid(freq, rec, indexing="ij")
    valid = (ff == 0) | (rr > 0)
    if exposure == "periods":  # discrete time: at most one purchase per opportunity
        valid &= ff <= rr
    # a customer without repeat purchases has recency 0, whatever the column
    grid = pd.DataFrame(
        {
            "frequency": ff[valid],
            "recency": np.where(ff[valid] == 0, 0.0, rr[valid]),
            exposure: T,
        }
    )
    grid.attrs["time_unit"] = getattr(model, "time_unit_", None)
    return grid, valid, freq, rec, T


def _matrix(values, valid, freq, rec, T, model, what):
    full = np.full(valid.shape, np.nan)
    full[valid] = values
    out = pd.DataFrame(
        full,
        index=pd.Index(freq, name="frequency"),
        columns=pd.Index(rec, name="recency"),
    )
    out.attrs.update({"T": T, "time_unit": getattr(model, "time_unit_", None), "what": what})
    return out


def frequency_recency_matrix(
    model,
    summary: pd.DataFrame | None = None,
    *,
    t: float = 1.0,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    T: float | None = None,
) -> pd.DataFrame:
    """Expected purchases in the next ``t`` periods over a grid of (frequency, recency).

    Every cell is a hypothetical customer observed for ``T`` (default: the grid's largest
    recency, i.e. the longest observation in ``summary``). Impossible cells (repeat purchases
    at recency 0; in discrete time, more purchases than opportunities) are NaN; for
    ``frequency == 0`` recency does not matter, so that row repeats one value.

    Returns
    -------
    DataFrame
        Index ``frequency``, columns ``recency``; ``attrs`` hold ``T``, ``t`` and the time unit.
    """
    grid, valid, freq, rec, T = _grid(model, summary, max_frequency, max_recency, T)
    values = model.expected_purchases(grid, t).to_numpy(dtype=float)
    out = _matrix(values, valid, freq, rec, T, model, f"expected purchases in the next {t:g}")
    out.attrs["t"] = t
    return out


def probability_alive_matrix(
    model,
    summary: pd.DataFrame | None = None,
    *,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    T: float | None = None,
) -> pd.DataFrame:
    """Probability of being alive over a grid of (frequency, recency).

    See :func:`frequency_recency_matrix` for the grid.

    Note that BG/NBD says P(alive) = 1 for customers without repeat purchases (they cannot
    have dropped out yet), which is why the ``frequency == 0`` row is 1 there.
    """
    grid, valid, freq, rec, T = _grid(model, summary, max_frequency, max_recency, T)
    values = model.probability_alive(grid).to_numpy(dtype=float)
    return _matrix(values, valid, freq, rec, T, model, "probability alive")


def tracking_table(
    model,
    transactions: pd.DataFrame,
    *,
    calibration_end=None,
    time_unit: str | None = None,
    **log_format: Unpack[LogFormat],
) -> pd.DataFrame:
    """Repeat transactions per period and cumulated, actual vs model, from a transaction log.

    Every customer enters on their first purchase day; same-day orders count once (as in
    :func:`~crmlab.transactions.rfm_summary`). The model's cumulative repeat transactions at
    the end of period ``k`` are ``sum_i E[X(age_i)]`` with ``age_i`` the time since customer
    ``i``'s first purchase (``expected_purchases_new``).

    Parameters
    ----------
    model : fitted transaction model
    transactions : DataFrame
        The whole log (calibration and holdout).
    calibration_end : date-like, optional
        Recorded in ``attrs`` for the plot's dividing line.
    time_unit : {"D", "W", "M", "Y"}, optional
        Length of a period in the table; default the model's time unit.
    **log_format
        Column names and how to read the dates (:class:`crmlab.transactions.LogFormat`);
        amounts are not read.

    Returns
    -------
    DataFrame
        Index ``period`` (1, 2, ...), columns ``period_end`` (date), ``actual``, ``model``,
        ``actual_cumulative`` and ``model_cumulative``.
    """
    log_format["amount_col"] = None  # amounts are not read, so their problems do not matter
    log = validate_transactions(transactions, **log_format)
    model_unit = getattr(model, "time_unit_", None)
    if model_unit is None:
        raise CRMLabInputError("model has no time_unit_: fit it first.")
    unit = time_unit_days(time_unit or model_unit)
    model_days = time_unit_days(model_unit)
    days = pd.DataFrame({"c": pd.factorize(log.customer)[0], "d": log.day.astype(np.int64)})
    days = days.drop_duplicates()
    day0 = int(days["d"].min())
    days["d"] -= day0
    first = days.groupby("c")["d"].transform("min")
    repeat_days = days.loc[days["d"] > first, "d"].to_numpy()
    last = int(days["d"].max())
    n_periods = int(np.ceil(last / unit)) if last > 0 else 1
    ends = np.arange(1, n_periods + 1) * unit
    # repeat purchase on day d falls in period k when (k-1)*unit < d <= k*unit
    period_of = np.ceil(repeat_days / unit - 1e-9).astype(np.int64)
    actual = np.bincount(period_of, minlength=n_periods + 1)[1 : n_periods + 1].astype(float)
    first_days, counts = np.unique(days.groupby("c")["d"].min().to_numpy(), return_counts=True)
    ages = np.clip(ends[:, None] - first_days[None, :], 0.0, None) / model_days
    expected = np.asarray(model.expected_purchases_new(ages), dtype=float) @ counts
    model_cum = expected
    out = pd.DataFrame(
        {
            "period_end": pd.to_datetime(
                np.datetime64(day0, "D") + np.floor(ends).astype("timedelta64[D]")
            ),
            "actual": actual,
            "model": np.diff(np.r_[0.0, model_cum]),
            "actual_cumulative": np.cumsum(actual),
            "model_cumulative": model_cum,
        },
        index=pd.RangeIndex(1, n_periods + 1, name="period"),
    )
    out.attrs.update(
        {
            "time_unit": time_unit or model_unit,
            "calibration_end": None if calibration_end is None else pd.Timestamp(calibration_end),
            "n_customers": int(counts.sum()),
        }
    )
    return out


def retention_table(model, survivors=None, n_periods: int | None = None) -> pd.DataFrame:
    """Survival and retention by period: actual, fitted and projected.

    Fitted values cover the calibration window, projected values the periods after it.

    Parameters
    ----------
    model : fitted ShiftedBetaGeometric
    survivors : sequence of int, optional
        Observed survivors at ``t = 0..`` (may run past the fitted window, to judge the
        projection); default ``model.survivors_``.
    n_periods : int, optional
        Last period to tabulate; default the longer of the data and the fitted window.

    Returns
    -------
    DataFrame
        Index ``t`` (0..n_periods), columns ``actual_survival``, ``model_survival``,
        ``actual_retention``, ``model_retention`` (NaN at t = 0) and ``calibration`` (True
        inside the fitted window).
    """
    if survivors is None:
        survivors = getattr(model, "survivors_", None)
    if survivors is None:
        actual = np.array([])
    else:
        actual = np.asarray(survivors, dtype=float)
        if actual.ndim != 1 or len(actual) < 1 or not np.isfinite(actual).all() or actual[0] <= 0:
            raise CRMLabInputError(
                "survivors must be counts at t = 0, 1, ... starting with the cohort size (> 0)."
            )
    fitted_window = getattr(model, "n_periods_", None)
    if n_periods is None:
        n_periods = max(len(actual) - 1, fitted_window or 0)
    n_periods = _check_max(n_periods, "n_periods")
    t = np.arange(n_periods + 1)
    actual_surv = np.full(n_periods + 1, np.nan)
    m = min(len(actual), n_periods + 1)
    if m:
        actual_surv[:m] = actual[:m] / actual[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        actual_ret = np.r_[np.nan, actual_surv[1:] / actual_surv[:-1]]
    out = pd.DataFrame(
        {
            "actual_survival": actual_surv,
            "model_survival": model.survival(t),
            "actual_retention": actual_ret,
            "model_retention": np.r_[np.nan, model.retention_rate(t[1:])],
            "calibration": t <= (fitted_window if fitted_window is not None else n_periods),
        },
        index=pd.Index(t, name="t"),
    )
    out.attrs["time_unit"] = getattr(model, "time_unit_", None)
    return out
