"""Figures for lesson 2: concentration of value, weights, the pyramid and the value matrix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.plotting._base import get_ax
from crmlab.validation import check_frame, require_columns

__all__ = ["plot_lorenz", "plot_pareto", "plot_weights", "plot_pyramid", "plot_value_matrix"]

_QUADRANT_COLORS = {
    "loyal": "#1b7837",
    "repeat-purchase": "#2166ac",
    "prospective": "#e08214",
    "ordinary": "#8c8c8c",
}


def plot_lorenz(values, *, mark: float = 0.2, label: str = "revenue", ax=None):
    """Lorenz curve of customer value with the line of equality and the top-``mark`` share.

    Parameters
    ----------
    values : array-like
        One non-negative value per customer.
    mark : float
        Share of top customers to mark (0.2 marks the 80/20 claim).
    label : str
        What the values are, used in the axis label and title.

    Returns
    -------
    matplotlib Axes
    """
    from crmlab.value import gini, lorenz_curve, top_share

    curve = lorenz_curve(values)
    g, share = gini(values), top_share(values, mark)
    ax = get_ax(ax, figsize=(5.5, 5.0))
    ax.plot(curve["customer_share"], curve["value_share"], color="#2166ac", lw=2,
            label="Lorenz curve")  # fmt: skip
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect equality")
    x0, y0 = 1 - mark, 1 - share
    ax.plot([x0, x0], [0, y0], color="#b2182b", lw=1)
    ax.plot([0, x0], [y0, y0], color="#b2182b", lw=1)
    ax.annotate(
        f"top {mark:.0%} of customers\nbring {share:.1%} of {label}",
        xy=(x0, y0), xytext=(0.05, 0.6), textcoords="axes fraction",
        arrowprops={"arrowstyle": "->", "color": "#b2182b"}, color="#b2182b",
    )  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("share of customers, smallest first (fraction)")
    ax.set_ylabel(f"cumulative share of {label} (fraction)")
    ax.set_title(f"Top {mark:.0%} bring {share:.0%} of {label}; Gini = {g:.3f}")
    ax.legend(loc="upper left", frameon=False)
    return ax


def plot_pareto(
    values, *, cuts: tuple[float, float] = (0.8, 0.95), label: str = "revenue", ax=None
):
    """Pareto curve (largest customers first) with the ABC classes shaded.

    Returns
    -------
    matplotlib Axes
    """
    from crmlab.value import abc_classes

    abc = abc_classes(values, cuts).sort_values("rank")
    n = len(abc)
    x = np.r_[0.0, np.arange(1, n + 1) / n]
    y = np.r_[0.0, abc["cumulative_share"].to_numpy()]
    ax = get_ax(ax, figsize=(6.4, 4.2))
    colors = {"A": "#1b7837", "B": "#e08214", "C": "#bdbdbd"}
    start = 0.0
    for cls in ("A", "B", "C"):
        count = int((abc["abc_class"] == cls).sum())
        end = start + count / n
        if count:
            ax.axvspan(start, end, color=colors[cls], alpha=0.2, lw=0)
            ax.text((start + end) / 2, 0.05, f"{cls}\n{count / n:.0%}", ha="center",
                    color=colors[cls], fontweight="bold")  # fmt: skip
        start = end
    ax.plot(x, y, color="black", lw=2)
    for c in cuts:
        ax.axhline(c, color="grey", ls=":", lw=1)
    share_a = float((abc["abc_class"] == "A").mean())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("share of customers, largest first (fraction)")
    ax.set_ylabel(f"cumulative share of {label} (fraction)")
    ax.set_title(f"{share_a:.0%} of customers (class A) bring {cuts[0]:.0%} of {label}")
    return ax


def plot_weights(weights: Mapping[str, pd.Series] | pd.DataFrame, *, ax=None):
    """Compare indicator weights from several methods as grouped horizontal bars.

    Parameters
    ----------
    weights : dict of Series or DataFrame
        Method name -> weights per indicator (e.g. ``{"entropy": w1, "AHP": w2}``).

    Returns
    -------
    matplotlib Axes
    """
    frame = pd.DataFrame(dict(weights)) if isinstance(weights, Mapping) else weights
    check_frame(frame, "weights")
    frame = frame.fillna(0.0)
    ax = get_ax(ax, figsize=(6.4, 0.6 * len(frame) + 1.5))
    h = 0.8 / frame.shape[1]
    pos = np.arange(len(frame))
    for i, col in enumerate(frame.columns):
        ax.barh(pos + i * h, frame[col], height=h, label=str(col))
    ax.set_yticks(pos + h * (frame.shape[1] - 1) / 2, frame.index)
    ax.invert_yaxis()
    ax.set_xlabel("weight (fraction of the composite score)")
    top = {c: frame[c].idxmax() for c in frame.columns}
    ax.set_title("Heaviest indicator: " + ", ".join(f"{v} ({k})" for k, v in top.items()))
    ax.legend(frameon=False)
    return ax


def plot_pyramid(pyramid: pd.DataFrame, values=None, *, label: str = "revenue", ax=None):
    """The customer value pyramid: one centred bar per tier, width = share of customers.

    Parameters
    ----------
    pyramid : DataFrame
        :func:`crmlab.value.value_pyramid` output (needs a ``tier`` column).
    values : array-like, optional
        A value per customer (same order as ``pyramid``); each tier is then annotated with its
        share of the total.

    Returns
    -------
    matplotlib Axes
    """
    check_frame(pyramid, "pyramid")
    require_columns(pyramid, ["tier"], name="pyramid", hint="pass value_pyramid() output")
    tiers = list(pyramid["tier"].cat.categories)
    counts = pyramid["tier"].value_counts().reindex(tiers, fill_value=0)
    share = counts / counts.sum()
    vshare = None
    if values is not None:
        v = np.asarray(values, dtype=float)
        if len(v) != len(pyramid):
            raise CRMLabInputError(
                f"values has {len(v)} entries but the pyramid has {len(pyramid)} customers."
            )
        vshare = pd.Series(v).groupby(pyramid["tier"].to_numpy()).sum().reindex(tiers) / v.sum()
    ax = get_ax(ax, figsize=(6.4, 4.0))
    palette = ["#6a51a3", "#d4a017", "#7f7f7f", "#4d4d4d", "#bdbdbd", "#969696"]
    y = np.arange(len(tiers))[::-1]
    ax.barh(y, share.to_numpy(), left=-share.to_numpy() / 2, color=palette[: len(tiers)],
            height=0.85)  # fmt: skip
    for yi, tier in zip(y, tiers, strict=True):
        text = f"{share[tier]:.0%} of customers"
        if vshare is not None:
            text += f", {vshare[tier]:.0%} of {label}"
        ax.text(share[tier] / 2 + 0.02, yi, text, ha="left", va="center", fontsize=9)
    ax.set_yticks(y, tiers)
    ax.set_xlim(-0.3, 1.0)
    ax.set_xlabel("share of customers (bar width, fraction)")
    if vshare is not None:
        ax.set_title(f"Top tier ({share.iloc[0]:.0%} of customers) brings "
                     f"{vshare.iloc[0]:.0%} of {label}")  # fmt: skip
    else:
        ax.set_title("Customer value pyramid: tiers by composite score")
    ax.set_xticks([])
    return ax


def plot_value_matrix(matrix: pd.DataFrame, *, highlight: Sequence | None = None, ax=None):
    """Current against potential value, coloured by quadrant, with the cut lines.

    Parameters
    ----------
    matrix : DataFrame
        :func:`crmlab.value.value_matrix` output.
    highlight : sequence of index labels, optional
        Customers to circle and label (e.g. the key accounts).

    Returns
    -------
    matplotlib Axes
    """
    check_frame(matrix, "matrix")
    require_columns(matrix, ["current", "potential", "quadrant"], name="matrix",
                    hint="pass value_matrix() output")  # fmt: skip
    ax = get_ax(ax, figsize=(6.4, 5.0))
    counts = matrix["quadrant"].value_counts()
    for q, color in _QUADRANT_COLORS.items():
        part = matrix[matrix["quadrant"] == q]
        ax.scatter(part["current"], part["potential"], s=14, color=color, alpha=0.7,
                   label=f"{q} ({counts.get(q, 0)})")  # fmt: skip
    cuts = matrix.attrs.get("cuts")
    if cuts:
        ax.axvline(cuts["current"], color="black", lw=0.8, ls="--")
        ax.axhline(cuts["potential"], color="black", lw=0.8, ls="--")
    if highlight is not None:
        sel = matrix.loc[list(highlight)]
        ax.scatter(sel["current"], sel["potential"], s=80, facecolors="none",
                   edgecolors="black", lw=1.2)  # fmt: skip
        for name, row in sel.iterrows():
            ax.annotate(str(name), (row["current"], row["potential"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")  # fmt: skip
    ax.set_xlabel("current value score (0-100)")
    ax.set_ylabel("potential value score (0-100)")
    n_loyal = int(counts.get("loyal", 0))
    ax.set_title(f"{n_loyal} of {len(matrix)} customers are high on both current and potential")
    ax.legend(fontsize=8, frameon=False, loc="best")
    return ax
