"""Figures for lesson 7: NPS, reliability, loyalty and repurchase, service recovery, points."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.plotting._base import get_ax, percent_with_errors

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_nps_distribution",
    "plot_factor_reliability",
    "plot_repurchase_by_loyalty",
    "plot_service_recovery",
    "plot_points_economics",
]

_GROUP_COLOURS = {"detractor": "#c0392b", "passive": "#95a5a6", "promoter": "#27ae60"}


def plot_nps_distribution(scores, *, ax=None) -> Axes:
    """Bar chart of 0-10 answers coloured as detractors, passives and promoters, NPS in the title.

    Parameters
    ----------
    scores : array-like of int
        Answers 0..10 (validated by :func:`crmlab.loyalty.nps_breakdown`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from crmlab.loyalty import nps_breakdown

    summary = nps_breakdown(scores)
    values = np.asarray(scores, dtype=float)
    counts = np.array([(values == k).sum() for k in range(11)])
    colours = [
        _GROUP_COLOURS["detractor"] if k <= 6 else _GROUP_COLOURS["passive"] if k <= 8
        else _GROUP_COLOURS["promoter"]
        for k in range(11)
    ]  # fmt: skip
    ax = get_ax(ax)
    ax.bar(range(11), 100 * counts / counts.sum(), color=colours)
    ax.set_xticks(range(11))
    ax.set_xlabel("answer to 'how likely are you to recommend us?' (0-10)")
    ax.set_ylabel("respondents (%)")
    ax.set_title(
        f"NPS = {summary['nps_points']:+.1f} points: {summary['promoters']:.0%} promoters "
        f"- {summary['detractors']:.0%} detractors"
    )
    return ax


def plot_factor_reliability(alpha: pd.Series, threshold: float = 0.7, *, ax=None) -> Axes:
    """Horizontal bars of Cronbach's alpha per factor with a reference line at ``threshold``.

    Parameters
    ----------
    alpha : pandas.Series
        Alpha per factor (e.g. ``loyalty_index(...).alpha``).
    threshold : float
        The usual "acceptable" level, drawn as a dashed line.
    ax : matplotlib Axes, optional
    """
    alpha = pd.Series(alpha, dtype=float)
    ax = get_ax(ax)
    colours = ["#2c7fb8" if a >= threshold else "#fdae61" for a in alpha]
    ax.barh(alpha.index.astype(str), alpha.to_numpy(), color=colours)
    ax.axvline(threshold, color="black", linestyle="--", linewidth=1, label=f"{threshold:g}")
    ax.set_xlim(min(0.0, float(alpha.min()) - 0.05), 1.0)
    ax.set_xlabel("Cronbach's alpha")
    ax.invert_yaxis()
    n_ok = int((alpha >= threshold).sum())
    ax.set_title(f"{n_ok} of {len(alpha)} factors reach alpha {threshold:g}")
    ax.legend(loc="lower right")
    return ax


def plot_repurchase_by_loyalty(table: pd.DataFrame, *, ax=None) -> Axes:
    """Repurchase rate (with its interval) per loyalty group.

    ``table`` is the output of :func:`crmlab.loyalty.repurchase_by_loyalty`.
    """
    ax = get_ax(ax)
    x = table["score_mean"].to_numpy(dtype=float)
    rate, err = percent_with_errors(table, "repurchase_rate")
    ax.errorbar(x, rate, yerr=err, marker="o", capsize=4, color="#2c7fb8")
    ax.set_xlabel("mean loyalty index of the group (0-100)")
    ax.set_ylabel("bought again within 12 months (%)")
    ax.set_title(f"Repurchase rises from {rate[0]:.0f}% to {rate[-1]:.0f}% across loyalty groups")
    return ax


def plot_service_recovery(table: pd.DataFrame, *, ax=None) -> Axes:
    """Repurchase rate by complaint outcome, from :func:`crmlab.loyalty.service_recovery_summary`."""
    ax = get_ax(ax)
    labels = [f"{g}\n(n={n})" for g, n in zip(table.index.astype(str), table["n"], strict=True)]
    rate, err = percent_with_errors(table, "repurchase_rate")
    colours = ["#7f8c8d", "#27ae60", "#f39c12", "#c0392b"][: len(table)]
    ax.bar(labels, rate, yerr=err, capsize=4, color=colours)
    ax.set_ylabel("bought again within 12 months (%)")
    ax.set_ylim(0, 100)
    best = table["repurchase_rate"].idxmax()
    worst = table["repurchase_rate"].idxmin()
    ax.set_title(f"Highest repurchase: {best}; lowest: {worst}")
    return ax


def plot_points_economics(economics: pd.DataFrame, *, ax=None) -> Axes:
    """Per tier: incremental margin vs points cost (and net gain).

    ``economics`` is the output of :func:`crmlab.loyalty.points_programme_economics` (its
    ``total`` row is left out).
    """
    econ = economics.drop(index="total", errors="ignore")
    ax = get_ax(ax)
    x = np.arange(len(econ))
    w = 0.38
    ax.bar(x - w / 2, econ["incremental_margin"] / 1000, w, label="extra margin", color="#27ae60")
    ax.bar(x + w / 2, econ["points_cost"] / 1000, w, label="cost of points", color="#c0392b")
    ax.plot(x, econ["net_gain"] / 1000, "kD", label="net gain")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(econ.index.astype(str))
    ax.set_ylabel("per year (thousand currency units)")
    losing = [str(t) for t, v in econ["net_gain"].items() if v < 0]
    ax.set_title(
        "Every tier pays for its points"
        if not losing
        else f"Points cost more than they bring in: {', '.join(losing)}"
    )
    ax.legend()
    return ax
