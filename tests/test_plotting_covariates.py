"""Lesson 11's figures: rate ratios and expected purchases by group."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab.clv import rate_ratios
from crmlab.errors import CRMLabInputError
from crmlab.plotting import plot_expected_by_group, plot_rate_ratios


def _coefficients():
    index = pd.MultiIndex.from_tuples(
        [("purchase", "gender"), ("dropout", "channel")], names=["process", "covariate"]
    )
    return pd.DataFrame(
        {"estimate": [0.5, -0.2], "se": [0.1, 0.3], "z": [5.0, -0.67], "p_value": [0.0, 0.5]},
        index=index,
    )


def test_rate_ratios_are_exponentiated_coefficients_with_intervals():
    table = rate_ratios(_coefficients())
    np.testing.assert_allclose(table["rate_ratio"], np.exp([0.5, -0.2]))
    low = np.exp([0.5 - 1.959964 * 0.1, -0.2 - 1.959964 * 0.3])
    np.testing.assert_allclose(table["lower"], low, rtol=1e-6)
    assert (table["lower"] < table["rate_ratio"]).all() and (
        table["rate_ratio"] < table["upper"]
    ).all()
    with pytest.raises(CRMLabInputError, match="level"):
        rate_ratios(_coefficients(), level=95)


def test_plot_rate_ratios_draws_one_row_per_coefficient():
    ax = plot_rate_ratios(rate_ratios(_coefficients()))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["purchase · gender", "dropout · channel"]
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)
    with pytest.raises(CRMLabInputError, match="rate_ratios"):
        plot_rate_ratios(pd.DataFrame())


def test_plot_expected_by_group_shows_group_means():
    expected = pd.Series([1.0, 3.0, 2.0, 6.0])
    group = pd.Series(["a", "a", "b", "b"])
    ax = plot_expected_by_group(expected, group, observed=pd.Series([1.0, 1.0, 5.0, 5.0]))
    heights = [p.get_height() for p in ax.patches]
    assert heights == [2.0, 4.0]
    plt.close(ax.figure)
    with pytest.raises(CRMLabInputError, match="Series"):
        plot_expected_by_group([1.0], group)


def test_rate_ratio_axis_has_plain_ticks_and_the_level_in_the_title():
    ax = plot_rate_ratios(rate_ratios(_coefficients(), level=0.9), level=0.9)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "1" in ticks and not any("^" in t for t in ticks)
    assert "90% CI" in ax.get_title()
    plt.close(ax.figure)
    with pytest.raises(CRMLabInputError, match="level"):
        plot_rate_ratios(rate_ratios(_coefficients()), level=95)


def test_long_group_labels_are_wrapped():
    expected = pd.Series([1.0, 2.0])
    group = pd.Series(["female · online", "male · store"])
    ax = plot_expected_by_group(expected, group)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["female ·\nonline", "male ·\nstore"]
    plt.close(ax.figure)
