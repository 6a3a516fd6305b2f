"""Figures for lesson 3: RFM grid, segment shares, choice of k, segment profiles."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab.plotting._base import get_ax
from crmlab.validation import check_frame, require_columns

__all__ = ["plot_rfm_grid", "plot_segment_shares", "plot_silhouette", "plot_segment_profiles"]


def plot_rfm_grid(scores: pd.DataFrame, *, ax=None):
    """Heatmap of customers by R score (rows) and F score (columns), with counts.

    Parameters
    ----------
    scores : DataFrame
        :func:`crmlab.segmentation.rfm_scores` output.

    Returns
    -------
    matplotlib Axes
    """
    check_frame(scores, "scores")
    require_columns(scores, ["R", "F"], name="scores", hint="pass rfm_scores() output")
    bins = int(scores.attrs.get("bins", max(scores["R"].max(), scores["F"].max())))
    levels = np.arange(1, bins + 1)
    grid = pd.crosstab(scores["R"], scores["F"]).reindex(index=levels, columns=levels, fill_value=0)
    ax = get_ax(ax, figsize=(5.5, 4.6))
    im = ax.imshow(grid.to_numpy()[::-1], cmap="Blues", aspect="auto")
    for i, r in enumerate(levels[::-1]):
        for j, f in enumerate(levels):
            v = int(grid.loc[r, f])
            ax.text(j, i, f"{v:,}", ha="center", va="center", fontsize=8,
                    color="white" if v > grid.to_numpy().max() / 2 else "black")  # fmt: skip
    ax.set_xticks(range(bins), levels)
    ax.set_yticks(range(bins), levels[::-1])
    ax.set_xlabel("F score (5 = most purchase days)")
    ax.set_ylabel("R score (5 = bought most recently)")
    empty = [str(f) for f in levels if grid[f].sum() == 0]
    note = ""
    if empty:
        note = f"; F score{'s' if len(empty) > 1 else ''} {', '.join(empty)} empty (ties)"
    ax.set_title(f"Customers per RFM cell{note}")
    ax.figure.colorbar(im, ax=ax, label="customers")
    return ax


def plot_segment_shares(table: pd.DataFrame, *, label: str = "revenue", ax=None):
    """Each segment's share of customers next to its share of value.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlab.segmentation.strategy_table` (``customer_share``, ``revenue_share``) or
        :func:`crmlab.segmentation.profile_segments` with ``value_share``.

    Returns
    -------
    matplotlib Axes
    """
    check_frame(table, "table")
    vcol = "revenue_share" if "revenue_share" in table.columns else "value_share"
    require_columns(table, ["customer_share", vcol], name="table",
                    hint="pass strategy_table() or profile_segments(..., value_col=...)")  # fmt: skip
    ax = get_ax(ax, figsize=(6.4, 0.5 * len(table) + 1.8))
    pos = np.arange(len(table))
    ax.barh(pos - 0.2, table["customer_share"], height=0.4, color="#9ecae1", label="customers")
    ax.barh(pos + 0.2, table[vcol], height=0.4, color="#08519c", label=label)
    ax.set_yticks(pos, [str(i) for i in table.index])
    ax.invert_yaxis()
    ax.set_xlabel("share of all customers / of total " + label + " (fraction)")
    best = table[vcol].idxmax()
    ax.set_title(
        f"'{best}': {table.loc[best, 'customer_share']:.0%} of customers, "
        f"{table.loc[best, vcol]:.0%} of {label}"
    )
    ax.legend(frameon=False, loc="lower right")
    return ax


def plot_silhouette(result, *, ax=None):
    """Silhouette score per number of segments k, with the chosen k marked.

    Parameters
    ----------
    result : KMeansResult
        :func:`crmlab.segmentation.kmeans_segments` output.

    Returns
    -------
    matplotlib Axes
    """
    s = result.scores
    ax = get_ax(ax, figsize=(5.5, 3.8))
    ax.plot(s.index, s.to_numpy(), marker="o", color="#2166ac")
    if result.k in s.index:
        ax.plot([result.k], [s[result.k]], marker="o", ms=12, mfc="none", mec="#b2182b", mew=2)
    ax.set_xticks(list(s.index))
    ax.set_xlabel("number of segments k")
    ax.set_ylabel("mean silhouette score (-1 to 1)")
    ax.set_title(f"Silhouette is highest at k = {result.k} ({s.get(result.k, np.nan):.2f})")
    return ax


def plot_segment_profiles(profile: pd.DataFrame, columns: Sequence[str] | None = None, *, ax=None):
    """Heatmap of segment means relative to the overall mean (1 = average), annotated with means.

    Parameters
    ----------
    profile : DataFrame
        :func:`crmlab.segmentation.profile_segments` output.
    columns : sequence of str, optional
        Feature columns to show (default: all but ``customers``, ``customer_share``,
        ``value_share``).

    Returns
    -------
    matplotlib Axes
    """
    check_frame(profile, "profile")
    require_columns(profile, ["customers"], name="profile", hint="pass profile_segments() output")
    skip = {"customers", "customer_share", "value_share"}
    cols = list(columns) if columns is not None else [c for c in profile.columns if c not in skip]
    require_columns(profile, cols, name="profile")
    means = profile[cols]
    overall = (means.mul(profile["customers"], axis=0)).sum() / profile["customers"].sum()
    ratio = means / overall
    ax = get_ax(ax, figsize=(1.6 * len(cols) + 2.5, 0.6 * len(profile) + 1.8))
    im = ax.imshow(
        np.log2(np.clip(ratio.to_numpy(dtype=float), 1 / 8, 8)),
        cmap="RdBu_r",
        vmin=-3,
        vmax=3,
        aspect="auto",
    )
    for i in range(len(ratio)):
        for j in range(len(cols)):
            ax.text(j, i, f"{means.iloc[i, j]:,.1f}\n(x{ratio.iloc[i, j]:.2f})", ha="center",
                    va="center", fontsize=8)  # fmt: skip
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(ratio)), [f"{i} (n={n:,})" for i, n in profile["customers"].items()])
    ax.set_ylabel("segment")
    ax.figure.colorbar(im, ax=ax, label="log2(segment mean / overall mean)")
    ax.set_title("Segment means (and ratio to the average customer)")
    return ax
