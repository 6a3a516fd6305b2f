"""Figures of lesson 11: covariate effects as rate ratios, expectations by customer group."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from crmlab.errors import CRMLabInputError
from crmlab.plotting._base import get_ax

__all__ = ["plot_rate_ratios", "plot_expected_by_group"]


def plot_rate_ratios(table: pd.DataFrame, *, level: float = 0.95, ax=None) -> Axes:
    """Forest plot of rate ratios with their intervals, one row per (process, covariate).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`crmlab.clv.rate_ratios` (``rate_ratio``, ``lower``, ``upper``).
    level : float, default 0.95
        The confidence level the table was made with (``rate_ratios(..., level=)``), for the
        title.
    """
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise CRMLabInputError("table must be the non-empty output of crmlab.clv.rate_ratios.")
    if not 0 < level < 1:
        raise CRMLabInputError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}.")
    labels = [" · ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in table.index]
    ax = get_ax(ax, figsize=(6.4, 0.4 * len(table) + 1.5))
    y = np.arange(len(table))[::-1]
    rr = table["rate_ratio"].to_numpy(float)
    err = np.vstack([rr - table["lower"].to_numpy(float), table["upper"].to_numpy(float) - rr])
    ax.errorbar(rr, y, xerr=err, fmt="o", color="tab:blue", ecolor="#555555", capsize=3)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xscale("log")
    # plain ticks at a few round ratios in the drawn range instead of crowded powers of ten
    low, high = ax.get_xlim()
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if low <= t <= high]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel("rate ratio per unit of the covariate (log scale; 1 = no effect)")
    ax.set_title(f"Covariate effects on the purchase and drop-out rates ({level:.0%} CI)")
    return ax


def plot_expected_by_group(
    expected: pd.Series, group: pd.Series, *, observed: pd.Series | None = None, ax=None
) -> Axes:
    """Mean expected purchases per customer group (bars), optionally beside what happened.

    Parameters
    ----------
    expected : Series
        Expected purchases per customer (e.g. ``model.expected_purchases(data, t)``).
    group : Series
        Each customer's group label, indexed like ``expected``.
    observed : Series, optional
        Actual purchases in the same period (e.g. ``frequency_holdout``), drawn as markers.
    """
    if not isinstance(expected, pd.Series) or not isinstance(group, pd.Series):
        raise CRMLabInputError("expected and group must be pandas Series indexed by customer.")
    means = expected.groupby(group).mean()
    ax = get_ax(ax)
    x = np.arange(len(means))
    ax.bar(x, means.to_numpy(), color="tab:blue", alpha=0.85, label="model")
    if observed is not None:
        obs = observed.groupby(group).mean().reindex(means.index)
        ax.scatter(x, obs.to_numpy(), color="black", marker="D", zorder=3, label="observed")
        ax.legend(fontsize="small")
    ax.set_xticks(x)
    # wrap long group labels ("female · online") onto two lines so that neighbours do not touch
    ax.set_xticklabels([textwrap.fill(str(v), width=10) for v in means.index])
    ax.set_ylabel("purchases per customer")
    ax.set_title("Expected purchases by customer group")
    return ax
