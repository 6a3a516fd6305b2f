from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab import plotting
from crmlab.errors import CRMLabInputError


def test_interpurchase_histogram_bins_by_week_and_marks_the_median():
    gaps = [np.nan, 1, 3, 8, 10, 30, 400]  # a first purchase has no gap
    fig, ax = plt.subplots()
    assert plotting.plot_interpurchase_times(gaps, ax=ax, max_days=70) is ax
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == 5 and heights[:2] == [2, 2]  # 400 is beyond max_days
    assert "1 longer gaps not shown" in ax.get_title()
    assert ax.lines[0].get_xdata()[0] == pytest.approx(9.0)  # median of all six gaps
    assert "days" in ax.get_xlabel()
    plt.close(fig)
    with pytest.raises(CRMLabInputError, match="only once"):
        plotting.plot_interpurchase_times([np.nan, np.nan])


def test_group_rates_bars_in_percent_with_truth_markers():
    rates = pd.Series({"web": 0.4, "marketplace": 0.1, "app": 0.5})
    ax = plotting.plot_group_rates(rates, truth={"web": 0.55, "marketplace": 0.25, "app": 0.7})
    assert [round(p.get_width()) for p in ax.patches] == [10, 40, 50]  # sorted, in percent
    assert [t.get_text() for t in ax.get_yticklabels()] == ["marketplace", "web", "app"]
    offsets = ax.collections[0].get_offsets()
    assert list(np.round(offsets[:, 0])) == [25, 55, 70]
    plt.close(ax.figure)
    with pytest.raises(CRMLabInputError, match="Series"):
        plotting.plot_group_rates({"a": 0.1})
