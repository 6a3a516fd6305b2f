"""Figures for lesson 3: RFM grid, segment shares, choice of k, segment profiles."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.plotting._base import get_ax, seaborn_style
from crmlab.validation import check_frame, require_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from seaborn import PairGrid

__all__ = [
    "plot_rfm_grid",
    "plot_segment_shares",
    "plot_silhouette",
    "plot_segment_profiles",
    "plot_segment_features",
    "plot_rfm_pairs",
]

_LOG_DEFAULT = ("frequency", "monetary")


def plot_rfm_grid(scores: pd.DataFrame, *, ax=None) -> Axes:
    """Heatmap of customers by R score (rows) and F score (columns), with counts.

    ``scores`` is the output of :func:`crmlab.segmentation.rfm_scores`.
    """
    check_frame(scores, "scores", columns=["R", "F"], hint="pass rfm_scores() output")
    bins = int(scores.attrs.get("bins", max(scores["R"].max(), scores["F"].max())))
    levels = np.arange(1, bins + 1)
    grid = pd.crosstab(scores["R"], scores["F"]).reindex(index=levels, columns=levels, fill_value=0)
    import seaborn as sns

    with seaborn_style("white"):
        ax = get_ax(ax, figsize=(5.5, 4.6))
        sns.heatmap(
            grid.iloc[::-1],  # R = 5 (most recent) at the top
            ax=ax,
            cmap="Blues",
            annot=True,
            fmt=",d",
            annot_kws={"fontsize": 8},
            cbar_kws={"label": "customers"},
        )
        ax.tick_params(axis="y", rotation=0)
        ax.set_xlabel("F score (5 = most purchase days)")
        ax.set_ylabel("R score (5 = bought most recently)")
    empty = [str(f) for f in levels if grid[f].sum() == 0]
    note = ""
    if empty:
        note = f"; F score{'s' if len(empty) > 1 else ''} {', '.join(empty)} empty (ties)"
    ax.set_title(f"Customers per RFM cell{note}")
    return ax


def plot_segment_shares(table: pd.DataFrame, *, label: str = "revenue", ax=None) -> Axes:
    """Each segment's share of customers next to its share of value.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlab.segmentation.strategy_table` (``customer_share``, ``revenue_share``) or
        :func:`crmlab.segmentation.profile_segments` with ``value_share``.
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


def plot_silhouette(result, *, ax=None) -> Axes:
    """Silhouette score per number of segments k, with the chosen k marked.

    ``result`` is the output of :func:`crmlab.segmentation.kmeans_segments`.
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


def plot_segment_profiles(
    profile: pd.DataFrame, columns: Sequence[str] | None = None, *, ax=None
) -> Axes:
    """Heatmap of segment means relative to the overall mean (1 = average), annotated with means.

    Parameters
    ----------
    profile : DataFrame
        :func:`crmlab.segmentation.profile_segments` output.
    columns : sequence of str, optional
        Feature columns to show (default: all but ``customers``, ``customer_share``,
        ``value_share``).
    """
    check_frame(profile, "profile", columns=["customers"], hint="pass profile_segments() output")
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


def _feature_frame(features: pd.DataFrame, labels, columns, log) -> tuple[pd.DataFrame, list[str]]:
    """Features (log1p where asked) with a ``segment`` column; errors name what is wrong."""
    check_frame(features, "features")
    cols = list(columns) if columns is not None else list(features.columns)
    require_columns(features, cols, name="features")
    data = features[cols].astype(float).copy()
    for c in cols:
        if c in log:
            if (data[c] < 0).any():
                bad = data.loc[data[c] < 0, c]
                raise CRMLabInputError(
                    f"features[{c!r}] has {len(bad)} negative value(s) (first: {bad.iloc[0]!r} "
                    f"for {bad.index[0]!r}), which log(1 + x) cannot take. Fix: leave {c!r} out "
                    "of log= or clean the column."
                )
            data[c] = np.log1p(data[c])
    if labels is not None:
        seg = pd.Series(labels)
        if len(seg) != len(data):
            raise CRMLabInputError(
                f"labels has {len(seg)} entries but features has {len(data)} rows. "
                "Fix: pass one segment label per customer (e.g. kmeans_segments(...).labels)."
            )
        data["segment"] = seg.to_numpy()
    return data, cols


def plot_segment_features(
    features: pd.DataFrame,
    labels,
    columns: Sequence[str] | None = None,
    *,
    log: Sequence[str] = _LOG_DEFAULT,
    ax=None,
) -> Axes:
    """Box plots of each feature per segment (seaborn, ``hue`` = segment), on a common scale.

    Each feature is shown as k-means sees it: ``log(1 + x)`` for the columns in ``log``, then
    standardised to mean 0 and standard deviation 1 over all customers, so that days, counts
    and dollars share one axis. A box spans the middle half of a segment's customers.

    Parameters
    ----------
    features : DataFrame
        One row per customer, e.g. ``rfm_scores(...)[["recency_days", "frequency", "monetary"]]``.
    labels : array-like
        The segment of each customer, in the order of ``features``.
    columns : sequence of str, optional
        Features to show (default: all columns of ``features``).
    log : sequence of str
        Columns to log-transform first (long right tails).
    """
    import seaborn as sns

    data, cols = _feature_frame(features, labels, columns, log)
    z = (data[cols] - data[cols].mean()) / data[cols].std(ddof=0).replace(0, 1)
    order = [str(v) for v in sorted(data["segment"].unique())]
    long = z.assign(segment=data["segment"].astype(str)).melt(
        id_vars="segment", var_name="feature", value_name="z"
    )
    names = [f"log(1 + {c})" if c in log else c for c in cols]
    long["feature"] = long["feature"].map(dict(zip(cols, names, strict=True)))
    with seaborn_style("whitegrid"):
        ax = get_ax(ax, figsize=(1.9 * len(cols) + 3, 4.2))
        with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib 3.11's deprecated `vert`
            warnings.filterwarnings("ignore", message=".*vert: bool", category=DeprecationWarning)
            sns.boxplot(data=long, x="feature", y="z", hue="segment", hue_order=order, fliersize=1,
                        linewidth=0.8, palette="deep", ax=ax)  # fmt: skip
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xlabel("")
        ax.set_ylabel("standardised value (0 = average customer)")
        sns.move_legend(ax, "upper left", bbox_to_anchor=(1.0, 1.0), title="segment", frameon=False)
    ax.set_title("How the segments differ on each feature")
    return ax


def plot_rfm_pairs(
    features: pd.DataFrame,
    labels=None,
    columns: Sequence[str] | None = None,
    *,
    log: Sequence[str] = _LOG_DEFAULT,
    sample: int | None = 2000,
    random_state: int | None = 0,
    height: float = 2.2,
) -> PairGrid:
    """Pair plot of RFM features (seaborn ``pairplot``), coloured by segment.

    Every pair of features as a scatter plot, and each feature's distribution on the diagonal,
    per segment. This is a figure-level plot (a grid of Axes), so it takes no ``ax`` and returns
    the ``seaborn.PairGrid``; its Axes are ``grid.axes``.

    Parameters
    ----------
    features : DataFrame
        One row per customer, e.g. ``rfm_scores(...)[["recency_days", "frequency", "monetary"]]``.
    labels : array-like, optional
        Segment of each customer (``hue``); None draws one colour.
    columns : sequence of str, optional
        Features to show (default: all columns).
    log : sequence of str
        Columns shown as ``log(1 + x)`` (long right tails).
    sample : int or None
        Draw this many customers at random (points overlap beyond a few thousand); None: all.
        The title says how many are shown.
    random_state : int or None
        Seed of the sample.
    height : float
        Height of each panel in inches.

    Returns
    -------
    seaborn.PairGrid
    """
    import seaborn as sns

    data, cols = _feature_frame(features, labels, columns, log)
    data = data.rename(columns={c: f"log(1 + {c})" for c in cols if c in log})
    n = len(data)
    if sample is not None and n > sample:
        data = data.sample(int(sample), random_state=random_state)
    hue, order = None, None
    if labels is not None:
        order = [str(v) for v in sorted(data["segment"].unique())]
        data["segment"] = data["segment"].astype(str)
        hue = "segment"
    with seaborn_style("ticks"):
        grid = sns.pairplot(data, hue=hue, hue_order=order, height=height, corner=True,
                            plot_kws={"s": 8, "alpha": 0.5, "linewidth": 0},
                            diag_kws={"common_norm": False})  # fmt: skip
        grid.figure.suptitle(f"RFM features of {len(data):,} of {n:,} customers", y=1.02)
    return grid
