"""Figures for lesson 9: what the customer database shows (gaps between purchases, groups)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.plotting._base import get_ax
from crmlab.validation import as_1d_array

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = ["plot_interpurchase_times", "plot_group_rates"]


def plot_interpurchase_times(
    gaps,
    *,
    ax=None,
    max_days: int | None = None,
    bin_days: int = 7,
    title: str | None = None,
) -> Axes:
    """Histogram of the days between a customer's consecutive purchase days.

    Parameters
    ----------
    gaps : array-like
        Days since the previous purchase (missing values, i.e. first purchases, are left out
        and their number is not needed).
    max_days : int, optional
        Show gaps up to this many days (default: all); longer ones are counted in the title.
    bin_days : int
        Width of a bar in days (7: one bar per week).
    """
    values = pd.Series(np.asarray(gaps, dtype=float)).dropna()
    if values.empty:
        raise CRMLabInputError("gaps has no values: every customer bought only once.")
    values = pd.Series(as_1d_array(values, "gaps"))
    top = float(values.max()) if max_days is None else float(max_days)
    ax = get_ax(ax)
    edges = np.arange(0, top + bin_days, bin_days)
    shown = values[values <= top]
    ax.hist(shown, bins=list(edges), color="tab:blue", alpha=0.85)
    median = float(values.median())
    ax.axvline(median, color="black", ls="--", lw=1)
    ax.annotate(
        f"median {median:.0f} days",
        xy=(median, ax.get_ylim()[1] * 0.9),
        xytext=(6, 0),
        textcoords="offset points",
        fontsize="small",
    )
    ax.set_xlabel("days since the previous purchase day")
    ax.set_ylabel(f"repeat purchases (per {bin_days}-day bin)")
    longer = int((values > top).sum())
    extra = f" ({longer:,} longer gaps not shown)" if longer else ""
    ax.set_title(title or f"Gaps between purchases{extra}")
    return ax


def plot_group_rates(
    rates: pd.Series,
    *,
    truth: Mapping[str, float] | pd.Series | None = None,
    ax=None,
    xlabel: str = "share of customers",
    title: str | None = None,
) -> Axes:
    """Horizontal bars of a rate per group, e.g. the share of repeat buyers per channel.

    When the data are simulated, ``truth`` adds a marker for the true value of each group.

    Parameters
    ----------
    rates : Series
        Index: the groups; values: fractions between 0 and 1.
    truth : mapping or Series, optional
        The true value per group (drawn as a black marker).
    """
    if not isinstance(rates, pd.Series) or rates.empty:
        raise CRMLabInputError("rates must be a non-empty pandas Series indexed by group.")
    values = pd.Series(as_1d_array(rates, "rates"), index=rates.index).sort_values()
    ax = get_ax(ax)
    y = np.arange(len(values))
    ax.barh(y, values.to_numpy() * 100, color="tab:blue", alpha=0.85, label="observed")
    if truth is not None:
        t = pd.Series(dict(truth)).reindex(values.index).to_numpy(dtype=float)
        ax.scatter(t * 100, y, color="black", marker="D", zorder=3, label="true")
        ax.legend(fontsize="small", loc="lower right")
    for yi, v in zip(y, values.to_numpy(), strict=True):
        inside = v >= 0.1  # the value inside the end of its bar, so no marker covers it
        ax.text(
            v * 100 + (-1 if inside else 1),
            float(yi),
            f"{v:.0%}",
            va="center",
            ha="right" if inside else "left",
            color="white" if inside else "black",
            fontsize="small",
        )
    ax.set_yticks(y, [str(i) for i in values.index])
    ax.set_xlabel(f"{xlabel} (%)")
    ax.set_xlim(0, 100)
    if title:
        ax.set_title(title)
    return ax
