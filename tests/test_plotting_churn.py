"""Tests for crmlab.plotting.churn: what is drawn, and friendly errors (Agg backend)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab import churn, plotting
from crmlab.errors import CRMLabInputError

pytestmark = pytest.mark.usefixtures("close_figures")


@pytest.fixture(scope="module")
def cohort():
    rng = np.random.default_rng(0)
    life = rng.geometric(rng.beta(1.0, 4.0, 800))
    return pd.DataFrame({"duration": np.minimum(life, 12), "churned": (life <= 12).astype(int)})


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    y = (rng.random(200) < 1 / (1 + np.exp(-2 * x))).astype(int)
    frame = pd.DataFrame({"churn": y, "x": x})
    return churn.evaluate_churn_models(frame, features=["x"], cv=3)


def test_plot_kaplan_meier_draws_one_step_curve_per_group():
    frame = pd.DataFrame(
        {"tenure": [1, 2, 3, 4, 5, 6], "churn": [1, 0, 1, 1, 0, 1], "g": list("aabbab")}
    )
    curves = churn.retention_curves(frame, group_col="g")
    ax = plotting.plot_kaplan_meier(curves)
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    assert len(ax.collections) == 2  # confidence bands
    assert "log-rank" in ax.get_title() and "df = 1" in ax.get_title()
    assert ax.get_ylabel() == "Share still a customer"
    ax2 = plotting.plot_kaplan_meier(curves, ci=False, title="mine")
    assert len(ax2.collections) == 0 and ax2.get_title() == "mine"
    with pytest.raises(TypeError, match="retention_curves"):
        plotting.plot_kaplan_meier(frame)


def test_plot_retention_rates_hides_thin_periods_and_checks_lengths(cohort):
    observed = churn.period_retention(cohort)
    fitted = np.linspace(0.8, 0.95, len(observed))
    ax = plotting.plot_retention_rates(observed, fitted, min_at_risk=100)
    dots, line = ax.get_lines()
    assert len(dots.get_xdata()) == int((observed["at_risk"] >= 100).sum())
    assert np.allclose(line.get_ydata(), fitted)
    with pytest.raises(CRMLabInputError, match="fitted has 3 values"):
        plotting.plot_retention_rates(observed, [0.9, 0.9, 0.9])
    with pytest.raises(CRMLabInputError, match="missing column"):
        plotting.plot_retention_rates(observed.drop(columns="at_risk"))


def test_plot_survival_projection_draws_observed_and_projections(cohort):
    observed = churn.period_retention(cohort)
    proj = {"model": 0.9 ** np.arange(25)}
    ax = plotting.plot_survival_projection(observed, proj, calibration_end=6)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["observed", "model"]
    assert len(ax.get_lines()[1].get_xdata()) == 25
    assert len(ax.patches) == 1  # the shaded projection period
    with pytest.raises(TypeError, match="dict"):
        plotting.plot_survival_projection(observed, [0.9, 0.8])


def test_plot_roc_calibration_gains(results):
    ax = plotting.plot_roc_curves(results)
    labels = [line.get_label() for line in ax.get_lines()]
    auc = results.summary.loc["logistic", "oof_roc_auc"]
    assert labels[0] == f"logistic (AUC {auc:.3f})" and labels[-1].startswith("random")
    ax = plotting.plot_calibration(results, n_bins=4)
    assert len(ax.get_lines()[0].get_xdata()) == 4
    ax = plotting.plot_gains(results, n_bins=5)
    gain = ax.get_lines()[0]
    assert gain.get_xdata()[0] == 0 and gain.get_ydata()[-1] == pytest.approx(1.0)
    assert len(gain.get_xdata()) == 6
    for fn in (plotting.plot_roc_curves, plotting.plot_calibration, plotting.plot_gains):
        with pytest.raises(TypeError, match="evaluate_churn_models"):
            fn(pd.DataFrame({"a": [1]}))


def test_plot_retention_plan_marks_budget_and_chosen_part():
    frame = pd.DataFrame({"p": np.linspace(0.1, 0.9, 20), "v": np.full(20, 500.0)})
    plan = churn.retention_targets(frame, "p", "v", budget=50, offer_cost=10, success_rate=0.5)
    ax = plotting.plot_retention_plan({"risk x value": plan}, beyond=2)
    lines = ax.get_lines()
    full, chosen, budget = lines
    assert len(full.get_xdata()) == 11  # costs 0..100 = 2 x budget
    assert len(chosen.get_xdata()) == 6 and chosen.get_label() == "risk x value"
    assert budget.get_xdata()[0] == 50
    assert chosen.get_ydata()[-1] == pytest.approx(plan.summary["expected_saved"])
    with pytest.raises(TypeError, match="retention_targets"):
        plotting.plot_retention_plan({"x": frame})


def test_plots_draw_on_a_given_axes(results):
    _, ax = plt.subplots()
    assert plotting.plot_gains(results, ax=ax) is ax
