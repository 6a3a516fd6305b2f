"""The small tables behind the report, computed from distinct patterns and engine queries.

Each function returns a small pandas frame whatever the size of the log: the inputs are the
distinct (frequency, recency, T) patterns with their counts, or aggregates the engine computes
(purchases per day, customers per first-purchase day, revenue by percentile).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.engines import sql as q
from crmlab.transactions import time_unit_days

__all__ = [
    "period_transactions",
    "calibration_holdout",
    "holdout_metrics",
    "tracking",
    "concentration",
]


def period_transactions(model, patterns: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Customers by number of repeat purchases in calibration: actual against the model.

    The expected count is ``sum_p n_p P(X(T_p) = x)`` over the patterns (the last row is
    "``max_frequency``+").
    """
    by_t = patterns.groupby("T", as_index=False)["n_customers"].sum()
    t = by_t["T"].to_numpy()
    n = by_t["n_customers"].to_numpy(dtype=float)
    xs = np.arange(max_frequency)
    probs = np.asarray(model.probability_purchases_new(t[:, None], xs[None, :]), dtype=float)
    expected = (n[:, None] * probs).sum(axis=0)
    expected = np.r_[expected, n.sum() - expected.sum()]
    freq = np.minimum(patterns["frequency"].to_numpy(), max_frequency)
    actual = np.bincount(
        freq, weights=patterns["n_customers"].to_numpy(dtype=float), minlength=max_frequency + 1
    )
    labels = [str(x) for x in xs] + [f"{max_frequency}+"]
    out = pd.DataFrame(
        {"frequency": labels, "actual": actual, "model": expected},
    ).set_index("frequency")
    out.attrs["time_unit"] = model.time_unit_
    return out


def calibration_holdout(
    scored: pd.DataFrame,
    max_frequency: int = 7,
    *,
    time_unit: str | None = None,
    duration_holdout: float | None = None,
) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency: actual against the model's expectation.

    ``time_unit`` and ``duration_holdout`` (the holdout's length in that unit), when given, are
    stamped in ``attrs`` for the figure.
    """
    freq = np.minimum(scored["frequency"].to_numpy(), max_frequency)
    n = scored["n_customers"].to_numpy(dtype=float)
    actual = np.bincount(freq, weights=scored["sum_frequency_holdout"], minlength=max_frequency + 1)
    model = np.bincount(freq, weights=n * scored["expected_holdout"], minlength=max_frequency + 1)
    count = np.bincount(freq, weights=n, minlength=max_frequency + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "n_customers": count.astype(np.int64),
                "actual": actual / count,
                "model": model / count,
            },
            index=pd.Index(
                [str(x) for x in range(max_frequency)] + [f"{max_frequency}+"],
                name="frequency",
            ),
        )
    if time_unit is not None:
        out.attrs.update({"time_unit": time_unit, "duration_holdout": duration_holdout})
    return out


def holdout_metrics(scored: pd.DataFrame) -> dict:
    """Population-level holdout accuracy of one model from its pattern scores.

    Returns the total actual and expected holdout purchases, their relative error, and the
    customer-weighted mean absolute error of the calibration-vs-holdout curve (mean holdout
    purchases per calibration frequency 0..7+), the number ``auto`` model choice uses.
    """
    n = scored["n_customers"].to_numpy(dtype=float)
    actual = float(scored["sum_frequency_holdout"].sum())
    expected = float((n * scored["expected_holdout"]).sum())
    curve = calibration_holdout(scored)
    weights = curve["n_customers"].to_numpy(dtype=float)
    gaps = np.abs(curve["actual"] - curve["model"]).to_numpy()
    ok = weights > 0
    return {
        "actual_holdout_purchases": actual,
        "expected_holdout_purchases": expected,
        "relative_error": (expected - actual) / actual if actual else float("nan"),
        "curve_mae": float(np.average(gaps[ok], weights=weights[ok])),
    }


def tracking(model, summary) -> pd.DataFrame:
    """Repeat purchases per period over calibration and holdout: actual against the model.

    Actual repeat purchases on a day are purchase days minus first purchases. Customers first
    buying after the calibration end are not in the model; their repeat purchases, if any, are
    counted in the actual line (``result.attrs["late_customers"]`` says how many there are).
    """
    unit = time_unit_days(summary.time_unit)
    daily = summary.query(q.daily_sql(summary.observation_day))
    firsts = summary.query(q.cohort_sizes_sql())
    start = int(summary.first_date.astype(np.int64))
    end = summary.observation_day
    n_periods = int(np.ceil((end - start + 1) / unit))
    per = lambda day: np.minimum(((day - start) // unit).astype(np.int64), n_periods - 1)  # noqa: E731
    actual = np.bincount(
        per(daily["day"].to_numpy()),
        weights=daily["purchase_days"].to_numpy(dtype=float),
        minlength=n_periods,
    ) - np.bincount(
        per(firsts["first_day"].to_numpy()),
        weights=firsts["n_customers"].to_numpy(dtype=float),
        minlength=n_periods,
    )
    cohorts = summary.query(q.first_days_sql())
    c_day = cohorts["first_day"].to_numpy(dtype=float)
    c_n = cohorts["n_customers"].to_numpy(dtype=float)
    edges = start + unit * np.arange(1, n_periods + 1) - 0.5  # end of each period, in days
    edges = np.minimum(edges, end + 0.5)
    age = np.maximum(edges[None, :] - (c_day[:, None] + 0.5), 0.0) / unit
    cum = (c_n[:, None] * model.expected_purchases_new(age)).sum(axis=0)
    expected = np.diff(np.r_[0.0, cum])
    period_start = np.datetime64(start, "D") + (unit * np.arange(n_periods)).astype(
        "timedelta64[D]"
    )
    out = pd.DataFrame(
        {"period_start": period_start, "actual": actual, "model": expected},
        index=pd.RangeIndex(n_periods, name="period"),
    )
    out["period_end"] = np.minimum(
        period_start + np.timedelta64(int(round(unit)) - 1, "D"), np.datetime64(end, "D")
    )
    out["holdout"] = out["period_start"] > np.datetime64(summary.calibration_end)
    if summary.has_holdout:
        out.attrs["calibration_end"] = str(summary.calibration_end)
    out.attrs["late_customers"] = summary.counts.get("customers_first_after_calibration", 0)
    out.attrs["time_unit"] = summary.time_unit
    return out


def concentration(summary) -> dict:
    """Value concentration of calibration revenue: Gini, top-20% share and a Lorenz curve."""
    g = summary.query(q.gini_sql("revenue_cal")).iloc[0]
    n, total, weighted = float(g["n"]), float(g["total"]), float(g["weighted"])
    gini = (2 * weighted) / (n * total) - (n + 1) / n if total > 0 else float("nan")
    tiles = summary.query(q.lorenz_sql("revenue_cal", 100))
    cum_customers = np.r_[0.0, tiles["n"].cumsum().to_numpy() / n]
    cum_revenue = np.r_[0.0, tiles["total"].cumsum().to_numpy() / total] if total > 0 else None
    lorenz = pd.DataFrame({"customer_share": cum_customers, "revenue_share": cum_revenue})
    top20 = 1.0 - float(np.interp(0.8, lorenz["customer_share"], lorenz["revenue_share"]))
    return {"gini": gini, "top20_share": top20, "lorenz": lorenz}
