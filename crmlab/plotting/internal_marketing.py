"""Figures for lesson 8: attrition by factor, odds ratios, retention curve, the chain's links."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.plotting._base import get_ax, percent_with_errors

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_attrition_by_factor",
    "plot_odds_ratios",
    "plot_tenure_retention",
    "plot_chain_link",
]


def plot_attrition_by_factor(table: pd.DataFrame, *, ax=None) -> Axes:
    """Attrition rate per level with 95% intervals, counts under the labels and the overall rate.

    ``table`` is the output of :func:`crmlab.internal_marketing.attrition_by_factor`.
    """
    ax = get_ax(ax)
    labels = [f"{lvl}\n(n={n})" for lvl, n in zip(table.index.astype(str), table["n"], strict=True)]
    rate, err = percent_with_errors(table, "rate")
    ax.bar(labels, rate, yerr=err, capsize=4, color="#2c7fb8")
    overall = table.attrs.get("overall_rate")
    if overall is not None:
        ax.axhline(100 * overall, color="#c0392b", linestyle="--", label=f"all staff {overall:.1%}")
        ax.legend()
    name = table.index.name or "factor"
    ax.set_xlabel(name)
    ax.set_ylabel("left the company (%)")
    ax.set_title(f"Attrition by {name}: {rate.min():.0f}% to {rate.max():.0f}%")
    return ax


def plot_odds_ratios(table: pd.DataFrame, *, ax=None) -> Axes:
    """Forest plot of odds ratios with intervals on a log axis (intercept left out).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`crmlab.internal_marketing.attrition_model` (``odds_ratio``, ``or_low``, ``or_high``).
    """
    t = table.drop(index="const", errors="ignore").sort_values("odds_ratio")
    ax = get_ax(ax, figsize=(6.4, 0.35 * len(t) + 1.5))
    y = np.arange(len(t))
    err = np.vstack([t["odds_ratio"] - t["or_low"], t["or_high"] - t["odds_ratio"]])
    colours = np.where(t["or_low"] > 1, "#c0392b", np.where(t["or_high"] < 1, "#27ae60", "#7f8c8d"))
    ax.errorbar(t["odds_ratio"], y, xerr=err, fmt="none", ecolor="#555555", capsize=3)
    ax.scatter(t["odds_ratio"], y, c=list(colours), zorder=3)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, NullFormatter

    lo, hi = float(t["or_low"].min()), float(t["or_high"].max())
    ticks = [v for v in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if lo / 1.5 <= v <= hi * 1.5]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels([f"{v:g}" for v in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y)
    ax.set_yticklabels(t.index.astype(str))
    ax.set_xlabel("odds ratio of leaving (log scale; 1 = no association)")
    ax.set_title("Red raises, green lowers the odds of leaving (95% CI)")
    return ax


def plot_tenure_retention(curve: pd.DataFrame, *, ax=None) -> Axes:
    """Step curves of the share still employed by years at the company, with CI bands.

    ``curve`` is the output of :func:`crmlab.internal_marketing.tenure_retention_curve`.
    """
    ax = get_ax(ax)
    for name, g in curve.groupby("group", sort=False):
        line = ax.step(g["time"], 100 * g["retention"], where="post", label=str(name))[0]
        ax.fill_between(
            g["time"], 100 * g["ci_low"], 100 * g["ci_high"], step="post", alpha=0.2,
            color=line.get_color(),
        )  # fmt: skip
    ax.set_xlabel("years at the company")
    ax.set_ylabel("still employed (%)")
    ax.set_ylim(0, 101)
    first = curve.groupby("group", sort=False)
    at5 = [
        f"{name}: {100 * g.loc[g['time'] <= 5, 'retention'].iloc[-1]:.0f}%"
        for name, g in first
        if (g["time"] <= 5).any()
    ]
    ax.set_title("Still employed after 5 years - " + ", ".join(at5))
    if curve["group"].nunique() > 1:
        ax.legend(title=curve.attrs.get("by") or "group")
    return ax


def plot_chain_link(
    panel: pd.DataFrame,
    x: str,
    y: str,
    *,
    claim: tuple[float, float] | None = None,
    ax=None,
) -> Axes:
    """Scatter of one chain link across branches with its OLS line (and an optional claim point).

    Parameters
    ----------
    panel : pandas.DataFrame
        Output of :func:`crmlab.internal_marketing.branch_panel`.
    x, y : str
        Columns for the axes.
    claim : (float, float), optional
        A claimed point, e.g. ``(0.85, 0.95)``, drawn as a red star.
    """
    ax = get_ax(ax)
    xs = panel[x].to_numpy(dtype=float)
    ys = panel[y].to_numpy(dtype=float)
    slope, intercept = np.polyfit(xs, ys, 1)
    ax.scatter(xs, ys, s=18, alpha=0.7, color="#2c7fb8", label="branches")
    lo, hi = xs.min(), xs.max()
    if claim is not None:
        lo, hi = min(lo, claim[0]), max(hi, claim[0])
    grid = np.linspace(lo, hi, 50)
    ax.plot(grid, intercept + slope * grid, color="black", label=f"fitted slope {slope:.2f}")
    if claim is not None:
        ax.plot(*claim, marker="*", markersize=16, color="#c0392b", linestyle="none", label="claim")
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(y.replace("_", " "))
    ax.set_title(f"{y.replace('_', ' ')} vs {x.replace('_', ' ')}: slope {slope:.2f}")
    ax.legend()
    return ax
