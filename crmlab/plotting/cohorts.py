"""Figures for lesson 4: cohort tables, CLV formulas and their sensitivity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.plotting._base import get_ax, seaborn_style, unit_word
from crmlab.validation import check_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_cohort_heatmap",
    "plot_cohort_retention",
    "plot_clv_sensitivity",
    "plot_clv_convergence",
    "plot_coca_cola",
    "plot_clv_drivers",
]


def _age_label(table: pd.DataFrame) -> str:
    word = unit_word(table.attrs.get("period"))
    return f"Age ({word} since first purchase)"


def _annotate(ax, data: np.ndarray, fmt: str, threshold: float, dark_high: bool = True) -> None:
    """Write each finite value in its cell, white on dark cells and black on light ones."""
    for (i, j), v in np.ndenumerate(data):
        if np.isfinite(v):
            dark = v > threshold if dark_high else v < threshold
            colour = "white" if dark else "black"
            ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=7, color=colour)


def plot_cohort_heatmap(
    table: pd.DataFrame,
    *,
    ax=None,
    fmt: str | None = None,
    annotate: bool = True,
    max_age: int | None = None,
    title: str | None = None,
    cmap: str = "Blues",
) -> Axes:
    """Heatmap of a cohort table (seaborn): rows are cohorts, columns their age.

    NaN cells (ages a cohort has not reached yet) are left blank, not shown as zero.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`crmlab.clv.cohort_table`.
    fmt : str, optional
        Number format for the cell labels; default ``".0%"`` for retention, ``",.0f"`` otherwise.
    annotate : bool
        Write the value in each cell.
    max_age : int, optional
        Show ages 0..max_age only.
    """
    check_frame(table, "table")
    shown = table if max_age is None else table.loc[:, : int(max_age)]
    data = shown.to_numpy(dtype=float)
    values = table.attrs.get("values", "")
    if fmt is None:
        fmt = ".0%" if values == "retention" else ",.0f"
    # age 0 retention is 1 by definition; scale colours on later ages so they stay readable
    later = data[:, 1:][np.isfinite(data[:, 1:])] if data.shape[1] > 1 else data[np.isfinite(data)]
    vmax = float(later.max()) if values == "retention" and later.size else None
    label = {
        "retention": "share of cohort buying",
        "customers": "customers buying",
        "revenue": "revenue",
        "revenue_per_customer": "revenue per cohort member",
    }
    frame = pd.DataFrame(
        data, index=[str(i) for i in shown.index], columns=[str(c) for c in shown.columns]
    )
    import seaborn as sns

    with seaborn_style("white"):
        # cells large enough for 9-point labels ("15%") when the book shrinks the figure
        ax = get_ax(ax, figsize=(max(6.4, 0.5 * data.shape[1] + 2), 0.7 * data.shape[0] + 1.6))
        # NaN cells (ages a cohort has not reached yet) are masked: blank, not zero
        sns.heatmap(
            frame,
            ax=ax,
            cmap=cmap,
            vmin=0,
            vmax=vmax,
            annot=annotate,
            fmt=fmt,
            annot_kws={"fontsize": 9},
            cbar_kws={"label": label.get(values, values)},
        )
        if values == "retention":  # the colour bar in percent, like the cell labels
            from matplotlib.ticker import PercentFormatter

            ax.collections[0].colorbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.tick_params(axis="y", rotation=0)
        ax.set_xlabel(_age_label(table))
        ax.set_ylabel("Cohort (period of first purchase)")
    ax.set_title(title or f"Cohort table: {label.get(values, values)}")
    return ax


def plot_cohort_retention(table: pd.DataFrame, *, ax=None, title: str | None = None) -> Axes:
    """One retention curve per cohort (share of the cohort buying at each age), in percent."""
    check_frame(table, "table")
    if table.attrs.get("values") not in (None, "retention"):
        raise CRMLabInputError(
            f"plot_cohort_retention needs a retention table, got values={table.attrs['values']!r}. "
            "Fix: cohort_table(tx, period, values='retention')."
        )
    ax = get_ax(ax)
    for cohort, row in table.iterrows():
        ax.plot(row.index, 100 * row.to_numpy(dtype=float), marker="o", ms=3, label=str(cohort))
    ax.set_xlabel(_age_label(table))
    ax.set_ylabel("Customers buying (% of cohort)")
    ax.set_ylim(0, 105)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(title="Cohort", fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(title or "Retention by cohort")
    return ax


def plot_clv_sensitivity(
    grid: pd.DataFrame, *, ax=None, fmt: str = ",.0f", title: str | None = None
) -> Axes:
    """Heatmap of CLV over retention (rows) x discount rate (columns).

    ``grid`` is the output of :func:`crmlab.clv.formulas.clv_sensitivity`.
    """
    check_frame(grid, "grid")
    data = grid.to_numpy(dtype=float)
    ax = get_ax(ax, figsize=(max(6.4, 0.8 * data.shape[1] + 2.5), 0.4 * data.shape[0] + 2))
    image = ax.imshow(data, aspect="auto", cmap="viridis", origin="lower")
    low, high = float(np.nanmin(data)), float(np.nanmax(data))
    _annotate(ax, data, fmt, low + 0.6 * (high - low), dark_high=False)
    ax.set_xticks(range(data.shape[1]), [f"{d:.0%}" for d in grid.columns])
    ax.set_yticks(range(data.shape[0]), [f"{r:.0%}" for r in grid.index])
    ax.set_xlabel("Discount rate per period")
    ax.set_ylabel("Retention rate per period")
    ax.figure.colorbar(image, ax=ax, label="CLV (money)")
    ax.set_title(title or "CLV by retention and discount rate")
    return ax


def plot_clv_convergence(
    margin: float,
    retention: float,
    discount_rate: float,
    max_horizon: int = 30,
    *,
    ax=None,
    title: str | None = None,
) -> Axes:
    """Finite-horizon CLV for horizons 1..max_horizon against the infinite-horizon limit."""
    from crmlab.clv.formulas import simple_clv

    horizons = np.arange(1, int(max_horizon) + 1)
    finite = [simple_clv(margin, retention, discount_rate, horizon=int(h)) for h in horizons]
    limit = simple_clv(margin, retention, discount_rate)
    ax = get_ax(ax)
    ax.plot(horizons, finite, marker="o", ms=3, label="sum over the first H periods")
    ax.axhline(limit, color="black", ls="--", label=f"infinite horizon: {limit:,.0f}")
    ax.set_xlabel("Horizon H (periods)")
    ax.set_ylabel("CLV (money)")
    ax.set_ylim(0, limit * 1.1 if limit > 0 else None)
    ax.legend()
    ax.grid(alpha=0.3)
    ax.set_title(title or "Finite-horizon CLV approaches the closed form")
    return ax


def plot_coca_cola(value: pd.Series, *, ax=None, title: str | None = None) -> Axes:
    """Waterfall of the Coca-Cola formula: expected value, minus advertising and selling, = CLV.

    ``value`` is the output of :func:`crmlab.clv.coca_cola_value`.
    """
    needed = ["expected_value", "advertising_cost", "selling_cost", "clv"]
    if not isinstance(value, pd.Series) or not set(needed) <= set(value.index):
        raise CRMLabInputError(
            "plot_coca_cola needs the Series returned by crmlab.clv.coca_cola_value(...)."
        )
    ev, adv, sell, clv = (float(value[k]) for k in needed)
    ax = get_ax(ax)
    labels = ["expected value", "- advertising", "- selling", "CLV"]
    bottoms = [0, ev - adv, ev - adv - sell, 0]
    heights = [ev, adv, sell, clv]
    colours = ["tab:blue", "tab:red", "tab:red", "tab:green"]
    bars = ax.bar(labels, heights, bottom=bottoms, color=colours)
    for bar, h in zip(bars, heights, strict=True):
        ax.annotate(
            f"{h:,.0f}",
            (bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_ylabel("Value per customer (money)")
    ax.set_title(title or "From expected customer value to CLV")
    return ax


def plot_clv_drivers(drivers: pd.DataFrame, *, ax=None, title: str | None = None) -> Axes:
    """Horizontal bars: percent change of CLV when each driver improves (from ``clv_drivers``)."""
    check_frame(drivers, "drivers")
    if "change_pct" not in drivers.columns:
        raise CRMLabInputError("plot_clv_drivers needs the frame returned by clv_drivers(...).")
    shown = drivers.drop(index="base", errors="ignore")["change_pct"].sort_values()
    ax = get_ax(ax)
    ax.barh(shown.index.astype(str), shown.to_numpy(), color="tab:purple")
    for i, v in enumerate(shown.to_numpy()):
        ax.annotate(
            f"{v:+.1f}%", (v, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
        )
    ax.set_xlabel("Change in CLV (%)")
    ax.set_ylabel("Driver improved")
    ax.set_title(title or "Which driver moves CLV most")
    return ax
