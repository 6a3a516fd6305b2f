"""Figures for lesson 1: the economics of retention and the repeat-purchase structure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from crmlab.plotting._base import get_ax, seaborn_style
from crmlab.validation import check_frame, require_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = [
    "plot_retention_profit",
    "plot_purchase_distribution",
    "plot_repeat_ladder",
    "plot_simulated_cohorts",
]


def plot_retention_profit(
    table: pd.DataFrame, *, column: str = "cumulative_discounted_profit", ax=None
) -> Axes:
    """One line per retention rate: ``column`` by year, from :func:`retention_profit_table`."""
    ax = get_ax(ax)
    for rate, part in table.groupby("retention"):
        ax.plot(part["year"], part[column], marker="o", ms=3, label=f"{rate:.0%} retention")
    ax.set_xlabel("year since acquisition")
    ax.set_ylabel(column.replace("_", " ") + " ($)")
    ax.legend(title="retention rate", fontsize="small")
    final = table.groupby("retention")[column].last()
    ax.set_title(
        f"{final.index.max():.0%} retention earns {final.iloc[-1] / final.iloc[0]:.1f}x "
        f"the profit of {final.index.min():.0%}"
    )
    ax.grid(alpha=0.3)
    return ax


def plot_purchase_distribution(distribution: pd.Series, *, max_days: int = 15, ax=None) -> Axes:
    """Bars: share of customers by number of purchase days (from purchase_count_distribution)."""
    ax = get_ax(ax)
    shown = distribution[distribution.index <= max_days]
    tail = distribution[distribution.index > max_days].sum()
    labels = [str(i) for i in shown.index] + ([f">{max_days}"] if tail > 0 else [])
    values = list(shown.to_numpy()) + ([tail] if tail > 0 else [])
    ax.bar(labels, [v * 100 for v in values], color="tab:blue")
    ax.set_xlabel("number of purchase days per customer")
    ax.set_ylabel("share of customers (%)")
    ax.set_title(f"{distribution.get(1, 0):.0%} of customers bought only once")
    return ax


def plot_repeat_ladder(ladder: pd.DataFrame, *, ax=None) -> Axes:
    """Line: of customers with at least k purchase days, the share who come back once more."""
    ax = get_ax(ax)
    ax.plot(ladder["purchase_days"], ladder["next_step_rate"] * 100, marker="o")
    ax.set_xlabel("purchase days so far (k)")
    ax.set_ylabel("share who buy on another day (%)")
    ax.set_ylim(0, 100)
    ax.set_title("The first repeat purchase is the hardest step")
    ax.grid(alpha=0.3)
    return ax


def plot_simulated_cohorts(runs: pd.DataFrame, expected: pd.DataFrame, *, ax=None) -> Axes:
    """Active customers per year of several simulated cohorts (thin lines) and the expectation.

    Parameters
    ----------
    runs : DataFrame
        Columns ``run``, ``year`` and ``customers``: several :func:`crmlab.economics.simulate_cohort`
        histories stacked, e.g. ``pd.concat({s: simulate_cohort(...) for s in range(10)},
        names=["run"]).reset_index("run")``.
    expected : DataFrame
        Columns ``year`` and ``customers``: :func:`crmlab.economics.cohort_profit` with the same
        retention rate and cohort size.
    """
    import seaborn as sns

    check_frame(
        runs,
        "runs",
        columns=["run", "year", "customers"],
        hint="stack simulate_cohort() results with a 'run' column",
    )
    require_columns(expected, ["year", "customers"], name="expected", hint="pass cohort_profit()")
    n_runs = runs["run"].nunique()
    with seaborn_style("whitegrid"):
        ax = get_ax(ax, figsize=(6.4, 4.0))
        sns.lineplot(data=runs, x="year", y="customers", units="run", estimator=None,
                     color="tab:blue", alpha=0.35, lw=1, ax=ax)  # fmt: skip
        ax.plot(expected["year"], expected["customers"], color="black", lw=2, label="expected")
        ax.plot([], [], color="tab:blue", alpha=0.6, lw=1, label=f"simulated cohorts ({n_runs})")
        ax.legend(frameon=False)
        ax.set_xlabel("year since acquisition")
        ax.set_ylabel("active customers")
    last = runs[runs["year"] == runs["year"].max()]["customers"]
    ax.set_title(
        f"Year {int(runs['year'].max())}: expected {float(expected['customers'].iloc[-1]):,.0f} "
        f"customers, simulated {int(last.min()):,} to {int(last.max()):,}"
    )
    return ax
