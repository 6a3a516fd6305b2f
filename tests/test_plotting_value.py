"""Plot tests for lessons 2 and 3 (Agg backend): assert what is drawn."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from crmlab import plotting, segmentation, value
from crmlab.errors import CRMLabInputError

pytestmark = pytest.mark.usefixtures("close_figures")


def test_plot_lorenz():
    ax = plotting.plot_lorenz([10, 0, 30, 60], mark=0.25)
    curve = ax.lines[0]
    assert curve.get_ydata().tolist() == pytest.approx([0, 0, 0.1, 0.4, 1.0])
    assert "60.0%" in ax.get_title() and "Gini" in ax.get_title()
    assert "fraction" in ax.get_xlabel()
    # the label and the guide show the same numbers: the top 25% bring 60.0%, which is the gap
    # from the guide at 0.4 (the bottom 75% bring 40.0%) up to 1
    texts = [t.get_text() for t in ax.texts]
    assert "top 25% of customers:\n60.0% of revenue" in texts
    assert "bottom 75% of customers: 40.0%" in texts
    horizontal = [ln for ln in ax.lines[2:] if len(set(ln.get_ydata())) == 1]
    assert sorted({ln.get_ydata()[0] for ln in horizontal}) == pytest.approx([0.4, 1.0])
    (arrow,) = [c for c in ax.get_children() if type(c).__name__ == "Annotation"]
    assert arrow.xy == pytest.approx((0.75, 1.0)) and arrow.xyann == pytest.approx((0.75, 0.4))


def test_plot_pareto_and_given_ax():
    fig, ax = plt.subplots()
    out = plotting.plot_pareto([50, 30, 10, 5, 5, 0], cuts=(0.8, 0.95), ax=ax)
    assert out is ax
    texts = [t.get_text() for t in ax.texts]
    assert "A\n33%" in texts and "C\n33%" in texts
    assert ax.lines[0].get_ydata()[-1] == pytest.approx(1.0)


def test_plot_weights_bars():
    w1 = pd.Series({"a": 0.7, "b": 0.3})
    w2 = pd.Series({"a": 0.4, "b": 0.6})
    ax = plotting.plot_weights({"entropy": w1, "AHP": w2})
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx([0.3, 0.4, 0.6, 0.7])
    assert "a (entropy)" in ax.get_title() and "b (AHP)" in ax.get_title()


def test_plot_pyramid_widths_and_labels():
    f = pd.DataFrame({"x": np.arange(20.0)})
    pyr = value.value_pyramid(f, {"x": 1.0})
    ax = plotting.plot_pyramid(pyr, f["x"])
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([0.05, 0.15, 0.30, 0.50])
    # top tier = the largest value, 19 of 190
    assert "10% of revenue" in ax.get_title()
    with pytest.raises(CRMLabInputError, match="values has 3 entries"):
        plotting.plot_pyramid(pyr, [1, 2, 3])


def test_plot_value_matrix():
    m = value.value_matrix([1, 1, 9, 9], [1, 9, 1, 9])
    ax = plotting.plot_value_matrix(m, highlight=[3])
    offsets = [c.get_offsets() for c in ax.collections]
    assert sum(len(o) for o in offsets[:4]) == 4 and len(offsets[4]) == 1
    assert ax.get_title().startswith("1 of 4")
    assert "current value" in ax.get_xlabel()


def test_plot_value_matrix_labels_do_not_overlap():
    rng = np.random.default_rng(1)
    current, potential = rng.uniform(0, 100, 60), rng.uniform(0, 100, 60)
    current[:8], potential[:8] = 90 + np.arange(8) * 0.1, 80 + np.arange(8) * 0.2  # a tight clump
    m = value.value_matrix(current, potential)
    ax = plotting.plot_value_matrix(m, highlight=list(range(8)))
    labels = [t for t in ax.texts if t.get_text() in {str(i) for i in range(8)}]
    assert len(labels) == 8
    ax.figure.canvas.draw()
    boxes = [Text.get_window_extent(t) for t in labels]  # the text alone, not its leader line
    overlaps = [(i, j) for i in range(8) for j in range(i) if boxes[i].overlaps(boxes[j])]
    assert not overlaps
    assert all(t.get_position()[0] > current.max() for t in labels)  # right of the points


def _cross(p1, p2, q1, q2) -> bool:
    """Do the segments p1-p2 and q1-q2 cross (strictly)?"""

    def side(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    return side(p1, p2, q1) * side(p1, p2, q2) < 0 and side(q1, q2, p1) * side(q1, q2, p2) < 0


def test_plot_value_matrix_leader_lines_do_not_cross():
    # the lesson-2 layout that crossed: labels sorted by height, points far apart left to right
    current = np.r_[82, 80, 82, 75, 78, 69, 56, 45, np.linspace(5, 60, 40)]
    potential = np.r_[76, 73, 62, 68, 61, 67, 75, 80, np.linspace(20, 90, 40)]
    m = value.value_matrix(current, potential)
    ax = plotting.plot_value_matrix(m, highlight=list(range(8)))
    lines = [(t.xy, t.xyann) for t in ax.texts if t.get_text() in {str(i) for i in range(8)}]
    assert len(lines) == 8
    crossing = [(i, j) for i in range(8) for j in range(i) if _cross(*lines[i], *lines[j])]
    assert not crossing


def test_plot_rfm_grid_and_segment_shares():
    tx = pd.DataFrame(
        {
            "customer_id": list("aabcdd"),
            "date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-01-02", "2020-01-03",
                                    "2020-01-04", "2020-02-02"]),
            "amount": [1.0, 2, 3, 4, 5, 6],
        }
    )  # fmt: skip
    s = segmentation.rfm_scores(tx)
    ax = plotting.plot_rfm_grid(s)
    counts = [int(t.get_text().replace(",", "")) for t in ax.texts]
    assert sum(counts) == 4 and len(counts) == 25
    t = segmentation.strategy_table(s)
    ax2 = plotting.plot_segment_shares(t)
    assert len(ax2.patches) == 2 * len(t)
    assert sum(p.get_width() for p in ax2.patches) == pytest.approx(2.0)


def test_plot_silhouette_and_profiles():
    rng = np.random.default_rng(0)
    f = pd.DataFrame(np.r_[rng.normal(0, 0.2, (30, 2)), rng.normal(5, 0.2, (15, 2))],
                     columns=["x", "y"])  # fmt: skip
    res = segmentation.kmeans_segments(f, k_range=[2, 3], log_columns=[])
    ax = plotting.plot_silhouette(res)
    assert ax.lines[0].get_xdata().tolist() == [2, 3]
    assert "k = 2" in ax.get_title()
    prof = segmentation.profile_segments(f, res.labels)
    ax2 = plotting.plot_segment_profiles(prof)
    assert len(ax2.texts) == 4
    assert [t.get_text() for t in ax2.get_xticklabels()] == ["x", "y"]
