"""Figures for lesson 2: concentration of value, weights, the pyramid and the value matrix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.plotting._base import get_ax, seaborn_style
from crmlab.validation import check_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = [
    "plot_value_distribution",
    "plot_lorenz",
    "plot_pareto",
    "plot_weights",
    "plot_pyramid",
    "plot_value_matrix",
]

_QUADRANT_COLORS = {
    "loyal": "#1b7837",
    "repeat-purchase": "#2166ac",
    "prospective": "#e08214",
    "ordinary": "#8c8c8c",
}


def plot_value_distribution(
    values, *, hue=None, label: str = "revenue", unit: str = "$", bins: int = 40, ax=None
) -> Axes:
    """Histogram of customer value on a log axis (seaborn), with the median and the mean marked.

    Value per customer is strongly right-skewed, so the x axis is logarithmic. Customers whose
    value is 0 cannot be shown on a log axis; the title says how many were left out.

    Parameters
    ----------
    values : array-like or Series
        One non-negative value per customer.
    hue : array-like, optional
        A group per customer (e.g. the ABC class or a segment): one coloured, stacked histogram
        per group.
    label, unit : str
        What the values are and their unit, for the axis label.
    bins : int
        Number of bins (equal width on the log axis).
    """
    import seaborn as sns

    from crmlab.validation import as_1d_array

    x = as_1d_array(values, "values", allow_bool=False)
    positive = x > 0
    frame = pd.DataFrame({label: x})
    group = "group"
    if hue is not None:
        groups = pd.Series(hue)
        group = str(groups.name) if groups.name is not None else group
        if len(groups) != len(x):
            raise CRMLabInputError(
                f"hue has {len(groups)} entries but values has {len(x)}. "
                "Fix: pass one group per customer, in the same order as values."
            )
        frame[group] = groups.array  # a categorical hue keeps its order (A, B, C)
    shown = frame[positive]
    median, mean = float(np.median(x)), float(x.mean())
    with seaborn_style("whitegrid"):
        ax = get_ax(ax, figsize=(6.4, 4.0))
        sns.histplot(
            data=shown, x=label, hue=group if hue is not None else None, bins=bins,
            log_scale=True, multiple="stack" if hue is not None else "layer",
            color="#4393c3", edgecolor="white", linewidth=0.4, ax=ax,
        )  # fmt: skip
        ax.axvline(median, color="black", lw=1.2, ls="--", label=f"median {unit}{median:,.2f}")
        ax.axvline(mean, color="#b2182b", lw=1.2, label=f"mean {unit}{mean:,.2f}")
        handles, names = ax.get_legend_handles_labels()
        legend = ax.get_legend()
        if legend is not None:  # seaborn's hue legend: keep it, beside the legend of the lines
            sns.move_legend(ax, "upper left", frameon=False, fontsize=8)
            ax.add_artist(ax.get_legend())
        ax.legend(handles, names, loc="upper right", frameon=False, fontsize=8)
        ax.set_xlabel(f"{label} per customer ({unit}, log scale)")
        ax.set_ylabel("customers")
    left_out = int((~positive).sum())
    note = f"; {left_out:,} customers with 0 not shown" if left_out else ""
    ax.set_title(f"A few customers bring far more than the typical one{note}", fontsize=10)
    return ax


def plot_lorenz(values, *, mark: float = 0.2, label: str = "revenue", ax=None) -> Axes:
    """Lorenz curve of customer value with the line of equality and the top-``mark`` share.

    Parameters
    ----------
    values : array-like
        One non-negative value per customer.
    mark : float
        Share of top customers to mark (0.2 marks the 80/20 claim).
    label : str
        What the values are, used in the axis label and title.
    """
    from crmlab.value import gini, lorenz_curve, top_share

    curve = lorenz_curve(values)
    g, share = gini(values), top_share(values, mark)
    ax = get_ax(ax, figsize=(5.5, 5.0))
    ax.plot(curve["customer_share"], curve["value_share"], color="#2166ac", lw=2,
            label="Lorenz curve")  # fmt: skip
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect equality")
    # The guide reads the same number as its label: the bottom (1 - mark) of the customers end
    # at height 1 - share; the bracket above it, up to 1, is the top customers' share.
    x0, y0 = 1 - mark, 1 - share
    red = "#b2182b"
    ax.plot([x0, x0], [0, y0], color=red, lw=1, ls=":")
    ax.plot([0, x0], [y0, y0], color=red, lw=1, ls=":")
    ax.annotate("", xy=(x0, 1), xytext=(x0, y0),
                arrowprops={"arrowstyle": "<->", "color": red, "lw": 1.5})  # fmt: skip
    ax.plot([x0, 1], [1, 1], color=red, lw=1, ls=":")
    ax.text(x0 - 0.02, (1 + y0) / 2, f"top {mark:.0%} of customers:\n{share:.1%} of {label}",
            ha="right", va="center", color=red)  # fmt: skip
    ax.text(0.02, y0 + 0.02, f"bottom {1 - mark:.0%} of customers: {1 - share:.1%}",
            ha="left", va="bottom", color=red, fontsize=9)  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("share of customers, smallest first (fraction)")
    ax.set_ylabel(f"cumulative share of {label} (fraction)")
    ax.set_title(f"Top {mark:.0%} bring {share:.1%} of {label}; Gini = {g:.3f}")
    ax.legend(loc="lower right", frameon=False)
    return ax


def plot_pareto(
    values, *, cuts: tuple[float, float] = (0.8, 0.95), label: str = "revenue", ax=None
) -> Axes:
    """Pareto curve (largest customers first) with the ABC classes shaded."""
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


def plot_weights(weights: Mapping[str, pd.Series] | pd.DataFrame, *, ax=None) -> Axes:
    """Compare indicator weights from several methods as grouped horizontal bars.

    Parameters
    ----------
    weights : dict of Series or DataFrame
        Method name -> weights per indicator (e.g. ``{"entropy": w1, "AHP": w2}``).
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


def plot_pyramid(pyramid: pd.DataFrame, values=None, *, label: str = "revenue", ax=None) -> Axes:
    """The customer value pyramid: one centred bar per tier, width = share of customers.

    Parameters
    ----------
    pyramid : DataFrame
        :func:`crmlab.value.value_pyramid` output (needs a ``tier`` column).
    values : array-like, optional
        A value per customer (same order as ``pyramid``); each tier is then annotated with its
        share of the total.
    """
    check_frame(pyramid, "pyramid", columns=["tier"], hint="pass value_pyramid() output")
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


def plot_value_matrix(matrix: pd.DataFrame, *, highlight: Sequence | None = None, ax=None) -> Axes:
    """Current against potential value, coloured by quadrant, with the cut lines.

    Parameters
    ----------
    matrix : DataFrame
        :func:`crmlab.value.value_matrix` output.
    highlight : sequence of index labels, optional
        Customers to circle and label (e.g. the key accounts).
    """
    check_frame(
        matrix,
        "matrix",
        columns=["current", "potential", "quadrant"],
        hint="pass value_matrix() output",
    )
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
        _label_right(ax, sel, matrix)
    ax.set_xlabel("current value score (0-100)")
    ax.set_ylabel("potential value score (0-100)")
    n_loyal = int(counts.get("loyal", 0))
    ax.set_title(f"{n_loyal} of {len(matrix)} customers are high on both current and potential")
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    return ax


def _label_right(ax, sel: pd.DataFrame, matrix: pd.DataFrame) -> None:
    """Label the circled points in a column right of the data, spaced so no two labels overlap.

    Points and label slots are paired so that the leader lines are as short as possible in
    total (an assignment problem); a shortest pairing never has two crossing lines, because
    swapping the ends of two crossing lines would make them shorter.
    """
    from scipy.optimize import linear_sum_assignment

    x_lo, x_hi = float(matrix["current"].min()), float(matrix["current"].max())
    y_lo, y_hi = float(matrix["potential"].min()), float(matrix["potential"].max())
    width, height = max(x_hi - x_lo, 1e-9), max(y_hi - y_lo, 1e-9)
    gap = 0.05 * height
    order = sel.sort_values("potential")
    ys: list[float] = []
    for y in order["potential"]:
        ys.append(max(float(y), ys[-1] + gap) if ys else float(y))
    overflow = ys[-1] - (y_hi + 0.02 * height)
    if overflow > 0:  # the column ran off the top: move it down, keeping the spacing
        ys = [y - overflow for y in ys]
    x_text = x_hi + 0.08 * width
    # distances in axis-fraction units, so that both axes count alike
    px = (order["current"].to_numpy(dtype=float) - x_lo) / width
    py = (order["potential"].to_numpy(dtype=float) - y_lo) / height
    sy = (np.asarray(ys) - y_lo) / height
    cost = np.hypot(px[:, None] - (x_text - x_lo) / width, py[:, None] - sy[None, :])
    _, slot = linear_sum_assignment(cost)
    for (name, row), y_text in zip(order.iterrows(), np.asarray(ys)[slot], strict=True):
        ax.annotate(str(name), xy=(row["current"], row["potential"]), xytext=(x_text, y_text),
                    textcoords="data", fontsize=8, va="center",
                    arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.5})  # fmt: skip
    ax.set_xlim(right=x_text + 0.12 * width)
