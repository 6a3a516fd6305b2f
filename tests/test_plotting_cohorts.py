"""Lesson-4 figures: assert what is drawn, on the Agg backend; every figure is closed."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab import plotting
from crmlab.clv import coca_cola_value, cohort_table, simple_clv
from crmlab.clv.formulas import clv_drivers, clv_sensitivity
from crmlab.errors import CRMLabInputError

pytestmark = pytest.mark.usefixtures("close_figures")


@pytest.fixture(scope="module")
def retention(cdnow_sample):
    return cohort_table(cdnow_sample, "M", "retention")


def test_discovered_through_crmlab_plotting():
    assert plotting.plot_cohort_heatmap.__module__ == "crmlab.plotting.cohorts"
    assert "plot_clv_sensitivity" in dir(plotting)
    # no name clash with the sBG retention plot in plotting/clv.py
    assert plotting.plot_cohort_retention.__module__ == "crmlab.plotting.cohorts"


def test_cohort_heatmap(retention):
    ax = plotting.plot_cohort_heatmap(retention, max_age=6)
    mesh = ax.collections[0]  # seaborn's heatmap draws one QuadMesh
    assert mesh.get_array().shape == (3, 7)
    labels = [t.get_text() for t in ax.texts]
    assert labels[0] == "100%"  # age 0 retention
    assert len(labels) == 21
    assert "months" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1997-01", "1997-02", "1997-03"]


def test_cohort_heatmap_leaves_unobservable_cells_blank(retention):
    ax = plotting.plot_cohort_heatmap(retention)
    data = ax.collections[0].get_array()
    assert data.mask[2, -1] and not data.mask[0, -1]
    assert len(ax.texts) == int(np.isfinite(retention.to_numpy()).sum())


def test_retention_curves(retention):
    ax = plotting.plot_cohort_retention(retention)
    assert len(ax.lines) == 3
    y = ax.lines[0].get_ydata()
    assert y[0] == pytest.approx(100)
    assert y[1] < 20
    assert ax.get_legend() is not None


def test_retention_curves_rejects_revenue(cdnow_sample):
    revenue = cohort_table(cdnow_sample, "M", "revenue")
    with pytest.raises(CRMLabInputError, match="needs a retention table"):
        plotting.plot_cohort_retention(revenue)


def test_clv_sensitivity_heatmap():
    grid = clv_sensitivity(100, [0.5, 0.7, 0.9], [0.05, 0.1])
    fig, ax = plt.subplots()
    out = plotting.plot_clv_sensitivity(grid, ax=ax)
    assert out is ax
    np.testing.assert_allclose(ax.images[0].get_array(), grid.to_numpy())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["50%", "70%", "90%"]
    assert ax.texts[-1].get_text() == f"{simple_clv(100, 0.9, 0.1):,.0f}"


def test_clv_convergence():
    ax = plotting.plot_clv_convergence(100, 0.8, 0.1, max_horizon=25)
    line, limit = ax.lines[0], ax.lines[1]
    assert len(line.get_xdata()) == 25
    assert line.get_ydata()[-1] == pytest.approx(simple_clv(100, 0.8, 0.1), rel=0.01)
    assert limit.get_ydata()[0] == pytest.approx(simple_clv(100, 0.8, 0.1))


def test_coca_cola_waterfall():
    value = coca_cola_value(
        60, 1, 0.5, periods_per_year=365, advertising_cost=1000, selling_cost=500
    )
    ax = plotting.plot_coca_cola(value)
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([10950, 1000, 500, 9450])
    assert ax.patches[2].get_y() == pytest.approx(9450)  # the selling bar ends at the CLV


def test_coca_cola_needs_its_series():
    with pytest.raises(CRMLabInputError, match="coca_cola_value"):
        plotting.plot_coca_cola(pd.Series({"clv": 1.0}))


def test_clv_drivers_bars():
    drivers = clv_drivers(2, 15, 0.75, 0.1, referrals=0.2)
    ax = plotting.plot_clv_drivers(drivers)
    assert len(ax.patches) == 4  # base is not drawn
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths[-1] == pytest.approx(drivers["change_pct"].max())
