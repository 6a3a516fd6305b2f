"""Figures for lesson 6: retention curves, the sBG fit, churn-model quality and offer targeting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.plotting._base import get_ax
from crmlab.validation import as_1d_array, check_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_kaplan_meier",
    "plot_retention_rates",
    "plot_survival_projection",
    "plot_roc_curves",
    "plot_calibration",
    "plot_gains",
    "plot_retention_plan",
]


def _format_p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def plot_kaplan_meier(
    curves, *, ax=None, ci: bool = True, unit: str = "months", title=None
) -> Axes:
    """Kaplan-Meier retention curves per group, with confidence bands and the log-rank p-value.

    Parameters
    ----------
    curves : crmlab.churn.RetentionCurves
        Output of :func:`crmlab.churn.retention_curves`.
    ci : bool
        Shade the pointwise confidence bands.
    unit : str
        Time unit for the x-axis label.
    """
    survival = getattr(curves, "survival", None)
    if not isinstance(survival, pd.DataFrame):
        raise TypeError(
            "curves must be the result of crmlab.churn.retention_curves(...), got "
            f"{type(curves).__name__}."
        )
    ax = get_ax(ax)
    for group, curve in survival.groupby("group", sort=False, observed=True):
        line = ax.step(curve["time"], curve["survival"], where="post", label=str(group))[0]
        if ci:
            ax.fill_between(
                curve["time"],
                curve["ci_lower"],
                curve["ci_upper"],
                step="post",
                alpha=0.2,
                color=line.get_color(),
                linewidth=0,
            )
    ax.set_xlabel(f"Tenure ({unit})")
    ax.set_ylabel("Share still a customer")
    ax.set_ylim(0, 1.02)
    ax.legend(title=curves.group_col or None)
    if title is None:
        title = "Retention differs by group"
        if np.isfinite(curves.p_value):
            title += (
                f" (log-rank chi2 = {curves.statistic:,.0f}, df = {curves.degrees_of_freedom},"
                f" {_format_p(curves.p_value)})"
            )
    ax.set_title(title, fontsize=10)
    return ax


def plot_retention_rates(
    observed: pd.DataFrame,
    fitted: Any | None = None,
    *,
    ax=None,
    min_at_risk: int = 30,
    unit: str = "month",
    title: str | None = None,
) -> Axes:
    """Observed period-by-period retention rate (dots) and a model's (line).

    Parameters
    ----------
    observed : DataFrame
        Output of :func:`crmlab.churn.period_retention` (index ``period``).
    fitted : array-like, optional
        A model's retention rate for the same periods, e.g. ``sbg.retention_rate(periods)``.
    min_at_risk : int
        Hide observed rates resting on fewer customers at risk (they are noise).
    """
    check_frame(observed, "observed", columns=["retention_rate", "at_risk"])
    ax = get_ax(ax)
    periods = observed.index.to_numpy(dtype=float)
    shown = observed["at_risk"].to_numpy() >= min_at_risk
    ax.plot(
        periods[shown],
        observed["retention_rate"].to_numpy()[shown],
        "o",
        markersize=3,
        label=f"observed (>= {min_at_risk} at risk)",
    )
    if fitted is not None:
        fit = as_1d_array(fitted, "fitted")
        if len(fit) != len(periods):
            raise CRMLabInputError(
                f"fitted has {len(fit)} values but observed has {len(periods)} periods. Fix: "
                "evaluate the model at observed.index."
            )
        ax.plot(periods, fit, "-", label="sBG model")
    ax.set_xlabel(f"Period ({unit} of tenure)")
    ax.set_ylabel(f"Retention rate (share renewing that {unit})")
    ax.legend()
    ax.set_title(title or "Retention rate by period", fontsize=10)
    return ax


def plot_survival_projection(
    observed: pd.DataFrame,
    projections: Mapping[str, Any],
    *,
    calibration_end: float | None = None,
    ax=None,
    unit: str = "months",
    title: str | None = None,
) -> Axes:
    """Observed survival against one or more projected survival curves.

    Parameters
    ----------
    observed : DataFrame
        Output of :func:`crmlab.churn.period_retention` (its ``survival`` column).
    projections : mapping of str to array-like
        Name -> survival at periods 0, 1, 2, ... (e.g. ``sbg.survival(range(0, 97))``).
    calibration_end : float, optional
        Last period used for fitting; the region after it is shaded as "projection".
    """
    check_frame(observed, "observed", columns=["survival"])
    if not isinstance(projections, Mapping) or not projections:
        raise TypeError("projections must be a dict such as {'sBG': sbg.survival(range(97))}.")
    ax = get_ax(ax)
    periods = np.r_[0.0, observed.index.to_numpy(dtype=float)]
    ax.step(periods, np.r_[1.0, observed["survival"].to_numpy()], where="post", label="observed")
    for name, values in projections.items():
        values = as_1d_array(values, f"projections[{name!r}]")
        ax.plot(np.arange(len(values)), values, "--", label=str(name))
    if calibration_end is not None:
        right = max(periods.max(), *(len(v) - 1 for v in projections.values()))
        ax.axvspan(calibration_end, right, color="grey", alpha=0.12, label="projection period")
    ax.set_xlabel(f"Tenure ({unit})")
    ax.set_ylabel("Share still a customer")
    ax.set_ylim(0, 1.02)
    ax.legend()
    ax.set_title(title or "Observed and projected survival", fontsize=10)
    return ax


def _results_parts(results) -> tuple[pd.Series, pd.DataFrame]:
    y = getattr(results, "y", None)
    probs = getattr(results, "probabilities", None)
    if not isinstance(y, pd.Series) or not isinstance(probs, pd.DataFrame):
        raise TypeError(
            "results must be the output of crmlab.churn.evaluate_churn_models(...), got "
            f"{type(results).__name__}."
        )
    return y, probs


def _model_curves(results, ax, curve, guides, texts: tuple[str, str, str], figsize=(6.4, 4.0)):
    """The churn-model charts: one line per model of ``results``, dotted guides, then labels.

    ``curve(y, p, name)`` returns the positional and keyword arguments of ``ax.plot`` for the
    model with out-of-fold probabilities ``p``; ``guides(y)`` the (x, y, colour, label) of each
    dotted reference line; ``texts`` the x label, the y label and the legend's place.
    """
    y, probs = _results_parts(results)
    ax = get_ax(ax, figsize=figsize)
    for name in probs.columns:
        args, kwargs = curve(y, probs[name], name)
        ax.plot(*args, **kwargs)
    for xs, ys, colour, label in guides(y):
        ax.plot(xs, ys, ":", color=colour, label=label)
    ax.set_xlabel(texts[0])
    ax.set_ylabel(texts[1])
    ax.legend(loc=texts[2])
    return ax


def plot_roc_curves(results, *, ax=None, title: str | None = None) -> Axes:
    """ROC curve of each model's out-of-fold probabilities, with its AUC in the legend."""
    from sklearn.metrics import roc_auc_score, roc_curve

    def curve(y, p, name):
        fpr, tpr, _ = roc_curve(y, p)
        return (fpr, tpr), {"label": f"{name} (AUC {roc_auc_score(y, p):.3f})"}

    texts = ("False positive rate (stayers flagged)", "True positive rate (churners caught)")
    random = ([0, 1], [0, 1], "grey", "random (AUC 0.5)")
    ax = _model_curves(results, ax, curve, lambda y: [random], (*texts, "lower right"), (5.0, 4.5))
    ax.set_title(title or "ROC curves (out-of-fold)", fontsize=10)
    return ax


def plot_calibration(results, *, n_bins: int = 10, ax=None, title: str | None = None) -> Axes:
    """Calibration curve: mean predicted churn probability vs observed churn rate per bin."""
    from crmlab.churn import calibration_table

    def curve(y, p, name):
        table = calibration_table(y, p, n_bins=n_bins)
        return (table["mean_predicted"], table["observed_rate"], "o-"), {"ms": 4, "label": name}

    texts = ("Mean predicted churn probability", "Observed churn rate", "upper left")
    perfect = ([0, 1], [0, 1], "grey", "perfect calibration")
    ax = _model_curves(results, ax, curve, lambda y: [perfect], texts, (5.0, 4.5))
    ax.set_title(title or "Calibration (out-of-fold, deciles of probability)", fontsize=10)
    return ax


def plot_gains(results, *, n_bins: int = 10, ax=None, title: str | None = None) -> Axes:
    """Cumulative gains chart: share of churners found vs share of customers contacted."""
    from crmlab.churn import gains_table

    def curve(y, p, name):
        table = gains_table(y, p, n_bins=n_bins)
        xs, ys = np.r_[0, table["customer_share"]], np.r_[0, table["gain"]]
        return (xs, ys, "o-"), {"ms": 3, "label": name}

    def guides(y):
        return [
            ([0, y.mean(), 1], [0, 1, 1], "black", "perfect model"),
            ([0, 1], [0, 1], "grey", "random order"),
        ]

    share = "Share of customers contacted (highest risk first)", "Share of all churners reached"
    ax = _model_curves(results, ax, curve, guides, (*share, "lower right"))
    ax.set_title(title or "Cumulative gains", fontsize=10)
    return ax


def plot_retention_plan(
    plans: Mapping[str, Any] | Any, *, ax=None, beyond: float = 3.0, title: str | None = None
) -> Axes:
    """Cumulative expected saved value against cumulative offer cost, for one or more rankings.

    Parameters
    ----------
    plans : RetentionPlan or mapping of str to RetentionPlan
        Output(s) of :func:`crmlab.churn.retention_targets`; the chosen customers are drawn
        solid, the rest of the ranking thin, and the budget as a vertical line.
    beyond : float
        Draw the ranking up to ``beyond`` times the budget (all of it when the budget is 0).
    """
    if not isinstance(plans, Mapping):
        plans = {"plan": plans}
    ax = get_ax(ax)
    budget = None
    for name, plan in plans.items():
        table = getattr(plan, "table", None)
        if not isinstance(table, pd.DataFrame):
            raise TypeError(
                "plans must be results of crmlab.churn.retention_targets(...), got "
                f"{type(plan).__name__}."
            )
        cost = np.r_[0.0, table["offer_cost"].cumsum().to_numpy()]
        saved = np.r_[0.0, table["expected_saved"].cumsum().to_numpy()]
        n = int(table["contact"].sum())
        budget = float(plan.summary["budget"])
        if budget > 0:
            keep = cost <= beyond * budget
            cost, saved = cost[keep], saved[keep]
        line = ax.plot(cost, saved, linewidth=0.8, alpha=0.6)[0]
        ax.plot(cost[: n + 1], saved[: n + 1], color=line.get_color(), linewidth=2.5, label=name)
    if budget is not None:
        ax.axvline(budget, color="grey", linestyle=":", label=f"budget ${budget:,.0f}")
    from matplotlib.ticker import StrMethodFormatter

    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel("Cumulative offer cost ($)")
    ax.set_ylabel("Cumulative expected saved value ($)")
    ax.legend(loc="lower right")
    ax.set_title(title or "Expected saved value of a retention campaign", fontsize=10)
    return ax
