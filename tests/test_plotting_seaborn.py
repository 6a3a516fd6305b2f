"""Plot functions built on seaborn, and promises every plot function keeps (keyword-only ``ax``,
returns the Axes, leaves matplotlib's global settings as they were)."""

import inspect

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab import plotting
from crmlab.errors import CRMLabInputError

#: Figure-level plots (a grid of Axes) that cannot draw into one given Axes.
FIGURE_LEVEL = {"plot_rfm_pairs"}


pytestmark = pytest.mark.usefixtures("close_figures")


@pytest.fixture
def features():
    rng = np.random.default_rng(0)
    n = 300
    seg = np.repeat([0, 1, 2], [150, 100, 50])
    frame = pd.DataFrame(
        {
            "recency_days": np.where(seg == 2, rng.uniform(0, 60, n), rng.uniform(200, 540, n)),
            "frequency": np.where(seg == 2, rng.integers(5, 30, n), rng.integers(1, 3, n)),
            "monetary": np.where(seg == 0, rng.gamma(2, 10, n), rng.gamma(2, 100, n)),
        },
        index=[f"c{i:03d}" for i in range(n)],
    )
    return frame, pd.Series(seg, index=frame.index)


@pytest.mark.parametrize("name", [n for n in plotting.__all__ if n not in FIGURE_LEVEL])
def test_every_plot_function_takes_keyword_only_ax(name):
    parameters = inspect.signature(getattr(plotting, name)).parameters
    assert "ax" in parameters, f"{name} has no ax parameter"
    assert parameters["ax"].kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: ax not keyword-only"
    assert parameters["ax"].default is None


def test_value_distribution_marks_median_and_mean_and_reports_zeros():
    values = np.r_[np.zeros(3), np.geomspace(1, 1000, 97)]
    rc = dict(matplotlib.rcParams)
    ax = plotting.plot_value_distribution(values, label="revenue")
    assert ax.get_xscale() == "log"
    assert sum(p.get_height() for p in ax.patches) == 97  # the three zeros cannot be shown...
    assert "3 customers with 0 not shown" in ax.get_title()  # ...and the title says so
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"median ${np.median(values):,.2f}", f"mean ${values.mean():,.2f}"]
    assert ax.lines[0].get_xdata()[0] == pytest.approx(np.median(values))
    assert {k for k, v in matplotlib.rcParams.items() if rc.get(k) != v} == set()


def test_value_distribution_hue_and_given_ax():
    values = np.geomspace(1, 1000, 60)
    fig, ax = plt.subplots()
    out = plotting.plot_value_distribution(values, hue=np.repeat(["A", "B", "C"], 20), ax=ax)
    assert out is ax
    assert sum(p.get_height() for p in ax.patches) == 60
    with pytest.raises(CRMLabInputError, match="hue has 2 entries but values has 60"):
        plotting.plot_value_distribution(values, hue=["A", "B"])


def test_segment_features_boxes_per_segment_on_a_common_scale(features):
    frame, seg = features
    rc = dict(matplotlib.rcParams)
    ax = plotting.plot_segment_features(frame, seg)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["recency_days", "log(1 + frequency)", "log(1 + monetary)"]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["0", "1", "2"]
    assert len(ax.patches) >= 9  # one box per feature and segment
    assert {k for k, v in matplotlib.rcParams.items() if rc.get(k) != v} == set()
    with pytest.raises(CRMLabInputError, match="labels has 3 entries but features has 300"):
        plotting.plot_segment_features(frame, [0, 1, 2])


def test_segment_features_refuses_negative_logs(features):
    frame, seg = features
    frame = frame.assign(monetary=frame["monetary"] - 1000)
    with pytest.raises(CRMLabInputError, match=r"features\['monetary'\] has 300 negative"):
        plotting.plot_segment_features(frame, seg)


def test_rfm_pairs_is_a_sampled_pair_grid(features):
    frame, seg = features
    rc = dict(matplotlib.rcParams)
    grid = plotting.plot_rfm_pairs(frame, seg, sample=120, random_state=1)
    assert grid.axes.shape == (3, 3)
    assert grid.axes[0, 1] is None  # corner=True: the upper triangle is left out
    scatter = grid.axes[1, 0].collections
    assert sum(len(c.get_offsets()) for c in scatter) == 120
    assert "120 of 300 customers" in grid.figure._suptitle.get_text()
    assert grid.axes[2, 0].get_ylabel() == "log(1 + monetary)"
    assert {k for k, v in matplotlib.rcParams.items() if rc.get(k) != v} == set()


def test_heatmaps_leave_rcparams_unchanged():
    from crmlab import segmentation

    tx = pd.DataFrame(
        {
            "customer_id": list("aabcdd"),
            "date": pd.to_datetime(
                ["2020-01-01", "2020-02-01", "2020-01-02", "2020-01-03", "2020-01-04", "2020-02-02"]
            ),
            "amount": [1.0, 2, 3, 4, 5, 6],
        }
    )
    rc = dict(matplotlib.rcParams)
    ax = plotting.plot_rfm_grid(segmentation.rfm_scores(tx))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "4", "3", "2", "1"]
    assert {k for k, v in matplotlib.rcParams.items() if rc.get(k) != v} == set()
