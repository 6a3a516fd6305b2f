"""Figures for customer-base models: model fit diagnostics, model surfaces, retention curves.

Every function draws a table made by :mod:`crmlab.clv.evaluation` (never a model), takes
``ax=None`` and returns the Axes. matplotlib is imported only through
:func:`crmlab.plotting._base.get_ax`; no global state (rcParams, style, current figure) is
changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.plotting._base import get_ax, unit_word
from crmlab.validation import check_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_period_transactions",
    "plot_calibration_holdout",
    "plot_frequency_recency_matrix",
    "plot_probability_alive_matrix",
    "plot_cumulative_transactions",
    "plot_incremental_transactions",
    "plot_retention_curves",
]

_ACTUAL = {"color": "black", "label": "actual"}
_MODEL = {"color": "tab:blue", "linestyle": "--", "label": "model"}


def _unit(table: pd.DataFrame) -> str:
    return unit_word(table.attrs.get("time_unit"))


def _table_ax(table: pd.DataFrame, columns: list[str], maker: str, ax) -> Axes:
    """Check ``table`` (made by ``crmlab.clv.evaluation.<maker>``); return ``ax`` or a new Axes."""
    check_frame(table, "table", columns=columns, hint=f"use crmlab.clv.evaluation.{maker}")
    return get_ax(ax)


def plot_period_transactions(table: pd.DataFrame, *, ax=None) -> Axes:
    """Bar chart: customers by number of repeat purchases in calibration, actual vs model.

    ``table`` is the output of :func:`crmlab.clv.evaluation.period_transactions_table`.
    """
    ax = _table_ax(table, ["actual", "model"], "period_transactions_table", ax)
    x = np.arange(len(table))
    width = 0.4
    ax.bar(x - width / 2, table["actual"], width, color="0.3", label="actual")
    ax.bar(x + width / 2, table["model"], width, color="tab:blue", label="model")
    ax.set_xticks(x)
    ax.set_xticklabels([str(i) for i in table.index])
    ax.set_xlabel("repeat purchases in calibration period")
    ax.set_ylabel("customers (count)")
    ax.set_title("Repeat purchases per customer: actual vs model")
    ax.legend()
    return ax


def plot_calibration_holdout(table: pd.DataFrame, *, ax=None) -> Axes:
    """Mean holdout purchases by calibration frequency, actual vs model.

    ``table`` is the output of :func:`crmlab.clv.evaluation.conditional_expectation_table`.
    """
    ax = _table_ax(table, ["actual", "model"], "conditional_expectation_table", ax)
    x = np.arange(len(table))
    ax.plot(x, table["actual"], marker="o", **_ACTUAL)
    ax.plot(x, table["model"], marker="s", **_MODEL)
    ax.set_xticks(x)
    ax.set_xticklabels([str(i) for i in table.index])
    duration = table.attrs.get("duration_holdout")
    span = f" ({duration:g} {_unit(table)})" if duration is not None else ""
    ax.set_xlabel("repeat purchases in calibration period")
    ax.set_ylabel(f"mean purchases in holdout period{span}")
    ax.set_title("Conditional expectation: calibration vs holdout")
    ax.legend()
    return ax


def _heatmap(matrix: pd.DataFrame, ax, label: str, title: str, vmin=None, vmax=None):
    check_frame(matrix, "matrix")
    ax = get_ax(ax)
    values = np.ma.masked_invalid(matrix.to_numpy(dtype=float))
    image = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
    rec = np.asarray(matrix.columns, dtype=float)
    freq = np.asarray(matrix.index)
    step_r = max(1, len(rec) // 10)
    step_f = max(1, len(freq) // 10)
    ax.set_xticks(np.arange(0, len(rec), step_r))
    ax.set_xticklabels([f"{v:g}" for v in rec[::step_r]])
    ax.set_yticks(np.arange(0, len(freq), step_f))
    ax.set_yticklabels([str(v) for v in freq[::step_f]])
    ax.set_xlabel(f"recency: time of last purchase ({_unit(matrix)})")
    ax.set_ylabel("frequency: repeat purchases")
    T = matrix.attrs.get("T")
    ax.set_title(title + (f"\n(customers observed for T = {T:g} {_unit(matrix)})" if T else ""))
    colorbar = ax.figure.colorbar(image, ax=ax)
    colorbar.set_label(label)
    return ax


def plot_frequency_recency_matrix(matrix: pd.DataFrame, *, ax=None) -> Axes:
    """Heat map of expected purchases over (frequency, recency).

    ``matrix`` is the output of :func:`crmlab.clv.evaluation.frequency_recency_matrix`.
    """
    t = matrix.attrs.get("t", 1)
    unit = _unit(matrix)
    span = f"next {unit.rstrip('s')}" if t == 1 else f"next {t:g} {unit}"
    label = f"expected purchases in the {span}"
    return _heatmap(matrix, ax, label, "Expected purchases by frequency and recency")


def plot_probability_alive_matrix(matrix: pd.DataFrame, *, ax=None) -> Axes:
    """Heat map of the probability of being alive over (frequency, recency).

    ``matrix`` is the output of :func:`crmlab.clv.evaluation.probability_alive_matrix`.
    """
    return _heatmap(
        matrix, ax, "probability alive", "Probability alive by frequency and recency", 0.0, 1.0
    )


def _tracking(table, ax, actual_col, model_col, ylabel, title):
    ax = _table_ax(table, ["period_end", actual_col, model_col], "tracking_table", ax)
    ax.plot(table["period_end"], table[actual_col], **_ACTUAL)
    ax.plot(table["period_end"], table[model_col], **_MODEL)
    cal = table.attrs.get("calibration_end")
    if cal is not None:
        ax.axvline(pd.Timestamp(cal), color="0.5", linestyle=":", label="end of calibration")
    ax.set_xlabel("date (period end)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    return ax


def plot_cumulative_transactions(table: pd.DataFrame, *, ax=None) -> Axes:
    """Cumulative repeat transactions over time, actual vs model.

    ``table`` is the output of :func:`crmlab.clv.evaluation.tracking_table`.
    """
    return _tracking(
        table,
        ax,
        "actual_cumulative",
        "model_cumulative",
        "cumulative repeat transactions (count)",
        "Tracking cumulative repeat transactions",
    )


def plot_incremental_transactions(table: pd.DataFrame, *, ax=None) -> Axes:
    """Repeat transactions per period over time, actual vs model.

    ``table`` is the output of :func:`crmlab.clv.evaluation.tracking_table`.
    """
    unit = _unit(table).rstrip("s")
    return _tracking(
        table,
        ax,
        "actual",
        "model",
        f"repeat transactions per {unit} (count)",
        f"Tracking repeat transactions per {unit}",
    )


def plot_retention_curves(table: pd.DataFrame, kind: str = "survival", *, ax=None) -> Axes:
    """Survival or retention curve of the sBG model: actual, fitted (calibration) and projected.

    Parameters
    ----------
    table : DataFrame
        From :func:`crmlab.clv.evaluation.retention_table`.
    kind : {"survival", "retention"}
        Share of the cohort still active, or the period-to-period retention rate.
    """
    if kind not in ("survival", "retention"):
        raise ValueError(f"kind must be 'survival' or 'retention', got {kind!r}.")
    actual_col, model_col = f"actual_{kind}", f"model_{kind}"
    ax = _table_ax(table, [actual_col, model_col, "calibration"], "retention_table", ax)
    t = np.asarray(table.index, dtype=float)
    cal = table["calibration"].to_numpy(dtype=bool)
    model = table[model_col].to_numpy(dtype=float)
    ax.plot(t, table[actual_col], marker="o", **_ACTUAL)
    ax.plot(t[cal], model[cal], color="tab:blue", label="sBG fitted")
    if (~cal).any():
        last = np.flatnonzero(cal)[-1] if cal.any() else 0
        proj = np.r_[last, np.flatnonzero(~cal)]
        ax.plot(t[proj], model[proj], color="tab:blue", linestyle="--", label="sBG projected")
        ax.axvline(t[last], color="0.5", linestyle=":", label="end of calibration")
    unit = _unit(table)
    ax.set_xlabel(f"time since acquisition ({unit})")
    if kind == "survival":
        ax.set_ylabel("share of cohort still active")
        ax.set_ylim(0, 1.02)
        ax.set_title("Survival: actual vs sBG")
    else:
        ax.set_ylabel("retention rate (share renewing)")
        ax.set_title("Retention rate: actual vs sBG")
    ax.legend()
    return ax
