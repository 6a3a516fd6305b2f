"""Plots of lessons 7 and 8: what is drawn matches the data (Agg backend, figures closed)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab import internal_marketing as it
from crmlab import loyalty as ly
from crmlab import plotting

pytestmark = pytest.mark.usefixtures("close_figures")


@pytest.fixture(scope="module")
def survey():
    from crmlab.datasets import simulate_loyalty_survey

    return simulate_loyalty_survey(400, random_state=0)


def test_discovered():
    for name in (
        "plot_nps_distribution",
        "plot_points_economics",
        "plot_odds_ratios",
        "plot_chain_link",
    ):
        assert callable(getattr(plotting, name))


def test_nps_distribution_bars():
    scores = [10, 9, 8, 7, 6, 0, 0, 0]
    ax = plotting.plot_nps_distribution(scores)
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 11
    assert heights[0] == pytest.approx(37.5)  # 3 of 8 answered 0
    assert heights[9] == pytest.approx(12.5)
    assert "-25.0" in ax.get_title()  # 2/8 promoters - 4/8 detractors = -25 points
    red, green = ax.patches[0].get_facecolor(), ax.patches[10].get_facecolor()
    assert red != green


def test_factor_reliability_uses_given_axes(survey):
    fig, ax = plt.subplots()
    alpha = ly.loyalty_index(survey).alpha
    out = plotting.plot_factor_reliability(alpha, ax=ax)
    assert out is ax
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx(sorted(alpha))
    assert f"{int((alpha >= 0.7).sum())} of 5" in ax.get_title()


def test_repurchase_and_recovery_plots(survey):
    data = survey.join(ly.loyalty_index(survey).scores)
    table = ly.repurchase_by_loyalty(data)
    ax = plotting.plot_repurchase_by_loyalty(table)
    x, y = ax.lines[0].get_data()
    assert np.allclose(y, 100 * table["repurchase_rate"])
    rec = ly.service_recovery_summary(survey)
    ax = plotting.plot_service_recovery(rec)
    assert [p.get_height() for p in ax.patches] == pytest.approx(list(100 * rec["repurchase_rate"]))
    assert "(n=" in ax.get_xticklabels()[0].get_text()


def test_points_economics_plot():
    tiers = pd.DataFrame(
        {"members": [10, 5], "spend": [100.0, 1000.0], "margin_rate": [0.05, 0.3],
         "earn_rate": [5.0, 1.0], "uplift": [0.01, 0.1]},
        index=["Silver", "Gold"],
    )  # fmt: skip
    econ = ly.points_programme_economics(tiers, point_value=0.01, redemption_rate=1.0)
    ax = plotting.plot_points_economics(econ)
    assert len(ax.patches) == 4  # two tiers x (margin, cost); the total row is left out
    assert ax.patches[2].get_height() == pytest.approx(econ.loc["Silver", "points_cost"] / 1000)
    assert "Silver" in ax.get_title() and "Gold" not in ax.get_title()


@pytest.fixture(scope="module")
def hr():
    from crmlab.datasets import load_hr_attrition

    return load_hr_attrition()


def test_attrition_plots(hr):
    t = it.attrition_by_factor(hr, "OverTime")
    ax = plotting.plot_attrition_by_factor(t)
    assert [p.get_height() for p in ax.patches] == pytest.approx(list(100 * t["rate"]))
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(16.12, abs=0.01)
    m = it.attrition_model(hr, ["OverTime", "JobSatisfaction"])
    ax = plotting.plot_odds_ratios(m)
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["JobSatisfaction", "OverTime=Yes"]


def test_tenure_retention_plot(hr):
    curve = it.tenure_retention_curve(hr, by="OverTime")
    ax = plotting.plot_tenure_retention(curve)
    assert len(ax.lines) == 2
    assert ax.get_legend() is not None
    x, y = ax.lines[0].get_data()
    assert y[0] == pytest.approx(
        100 * curve[curve["group"] == curve["group"].iloc[0]]["retention"].iloc[0]
    )


def test_chain_link_plot():
    from crmlab.datasets import simulate_service_profit_chain

    panel = it.branch_panel(*simulate_service_profit_chain(20, 5, 20, random_state=0))
    ax = plotting.plot_chain_link(
        panel, "employee_satisfied_share", "customer_satisfied_share", claim=(0.85, 0.95)
    )
    fitted = ax.lines[0]
    slope = np.polyfit(panel["employee_satisfied_share"], panel["customer_satisfied_share"], 1)[0]
    gx, gy = fitted.get_data()
    assert (gy[-1] - gy[0]) / (gx[-1] - gx[0]) == pytest.approx(slope)
    assert gx.max() >= 0.85
    star = ax.lines[1].get_data()
    assert (star[0][0], star[1][0]) == (0.85, 0.95)
