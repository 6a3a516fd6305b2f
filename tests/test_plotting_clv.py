"""CLV figures: assert what is drawn, on the Agg backend; every figure is closed."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from crmlab import plotting
from crmlab.clv import ShiftedBetaGeometric
from crmlab.clv import evaluation as ev
from crmlab.errors import CRMLabInputError

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


pytestmark = pytest.mark.usefixtures("close_figures")


def test_discovered_through_crmlab_plotting():
    from crmlab.plotting import clv as clv_figures

    for name in clv_figures.__all__:  # each figure is called by name in the tests below
        assert name in dir(plotting)
        assert callable(getattr(plotting, name))
        assert getattr(plotting, name) is getattr(clv_figures, name)


def test_period_transactions(bg_cdnow, cdnow_summary):
    table = ev.period_transactions_table(bg_cdnow, cdnow_summary)
    ax = plotting.plot_period_transactions(table)
    bars = ax.patches
    assert len(bars) == 2 * len(table)
    heights = np.array([b.get_height() for b in bars])
    np.testing.assert_allclose(heights[: len(table)], table["actual"])
    np.testing.assert_allclose(heights[len(table) :], table["model"])
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "7+"
    assert "customers" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["actual", "model"]


def test_calibration_holdout(bg_cdnow, cdnow_summary):
    table = ev.conditional_expectation_table(bg_cdnow, cdnow_summary)
    ax = plotting.plot_calibration_holdout(table)
    actual, model = ax.lines
    np.testing.assert_allclose(actual.get_ydata(), table["actual"])
    np.testing.assert_allclose(model.get_ydata(), table["model"])
    assert "39 weeks" in ax.get_ylabel()
    assert "calibration" in ax.get_xlabel()


def test_frequency_recency_matrix(bg_cdnow, cdnow_summary):
    matrix = ev.frequency_recency_matrix(bg_cdnow, cdnow_summary)
    fig, ax = plt.subplots()
    out = plotting.plot_frequency_recency_matrix(matrix, ax=ax)
    assert out is ax
    image = ax.images[0]
    assert image.get_array().shape == matrix.shape
    assert image.get_array().mask[1:, 0].all()  # impossible cells are left blank
    assert "weeks" in ax.get_xlabel() and "frequency" in ax.get_ylabel()
    assert len(fig.axes) == 2  # the heat map and its colour bar
    assert "expected purchases in the next week" in fig.axes[1].get_ylabel()


def test_probability_alive_matrix(bg_cdnow, cdnow_summary):
    matrix = ev.probability_alive_matrix(bg_cdnow, cdnow_summary)
    ax = plotting.plot_probability_alive_matrix(matrix)
    assert ax.images[0].get_clim() == (0.0, 1.0)
    assert "Probability alive" in ax.get_title()


def test_tracking_plots(bg_cdnow, cdnow_sample):
    table = ev.tracking_table(bg_cdnow, cdnow_sample, calibration_end="1997-09-30")
    ax = plotting.plot_cumulative_transactions(table)
    actual, model, divider = ax.lines
    np.testing.assert_allclose(actual.get_ydata(), table["actual_cumulative"])
    np.testing.assert_allclose(model.get_ydata(), table["model_cumulative"])
    assert divider.get_label() == "end of calibration"
    assert "cumulative repeat transactions" in ax.get_ylabel()
    ax2 = plotting.plot_incremental_transactions(table)
    np.testing.assert_allclose(ax2.lines[0].get_ydata(), table["actual"])
    assert "per week" in ax2.get_ylabel()


def test_retention_curves():
    model = ShiftedBetaGeometric().fit(HIGH_END[:8])
    table = ev.retention_table(model, HIGH_END)
    ax = plotting.plot_retention_curves(table)
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["actual", "sBG fitted", "sBG projected", "end of calibration"]
    fitted, projected = ax.lines[1], ax.lines[2]
    np.testing.assert_allclose(fitted.get_xdata(), np.arange(8))
    np.testing.assert_allclose(projected.get_xdata(), np.arange(7, 13))
    np.testing.assert_allclose(projected.get_ydata(), model.survival(range(7, 13)))
    assert "years" in ax.get_xlabel()
    ax2 = plotting.plot_retention_curves(table, kind="retention")
    assert "retention rate" in ax2.get_ylabel()
    with pytest.raises(ValueError, match="kind must be 'survival' or 'retention'"):
        plotting.plot_retention_curves(table, kind="churn")


def test_wrong_table_is_a_clear_error(bg_cdnow, cdnow_summary):
    table = ev.period_transactions_table(bg_cdnow, cdnow_summary)
    with pytest.raises(CRMLabInputError, match="missing column.*'period_end'.*tracking_table"):
        plotting.plot_cumulative_transactions(table)


def test_no_global_state_changed(bg_cdnow, cdnow_summary):
    before = dict(matplotlib.rcParams)
    n_figs = len(plt.get_fignums())
    fig, ax = plt.subplots()
    plotting.plot_period_transactions(ev.period_transactions_table(bg_cdnow, cdnow_summary), ax=ax)
    assert len(plt.get_fignums()) == n_figs + 1  # drew on the given axes, no new figure
    assert dict(matplotlib.rcParams) == before
