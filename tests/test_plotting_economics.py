from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from crmlab import economics, plotting


def test_retention_profit_plot_draws_one_line_per_rate():
    table = economics.retention_profit_table([0.6, 0.9], years=5)
    fig, ax = plt.subplots()
    assert plotting.plot_retention_profit(table, ax=ax) is ax
    assert len(ax.lines) == 2
    assert "90% retention earns" in ax.get_title()
    assert ax.get_xlabel() and "$" in ax.get_ylabel()
    plt.close(fig)


def test_purchase_distribution_folds_the_tail():
    dist = pd.Series({1: 0.5, 2: 0.3, 3: 0.1, 20: 0.1})
    ax = plotting.plot_purchase_distribution(dist, max_days=3)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["1", "2", "3", ">3"]
    assert [round(p.get_height(), 6) for p in ax.patches] == [50, 30, 10, 10]
    plt.close(ax.figure)


def test_repeat_ladder_plot_in_percent():
    ladder = pd.DataFrame({"purchase_days": [1, 2], "next_step_rate": [0.4, 0.7]})
    ax = plotting.plot_repeat_ladder(ladder)
    assert list(ax.lines[0].get_ydata()) == [40, 70]
    plt.close(ax.figure)


def test_simulated_cohorts_one_line_per_run_and_the_expectation():
    import matplotlib as mpl

    expected = economics.cohort_profit(0.8, years=6, n_customers=500, discount_rate=0)
    runs = pd.concat(
        {
            s: economics.simulate_cohort(0.8, years=6, n_customers=500, random_state=s)
            for s in range(4)
        },
        names=["run"],
    ).reset_index("run")
    rc = dict(mpl.rcParams)
    ax = plotting.plot_simulated_cohorts(runs, expected)
    assert len(ax.lines) == 4 + 2  # four runs, the expectation, the legend's stand-in
    assert ax.lines[4].get_ydata().tolist() == expected["customers"].tolist()
    last = runs[runs["year"] == 6]["customers"]
    assert f"simulated {last.min():,} to {last.max():,}" in ax.get_title()
    assert {k for k, v in mpl.rcParams.items() if rc.get(k) != v} == set()
    plt.close("all")
