"""Tests of crmlab.churn.survival: Kaplan-Meier curves, log-rank test, duration frames, period retention."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import churn
from crmlab.errors import CRMLabInputError


# --------------------------------------------------------------------------------------------
# Kaplan-Meier retention curves
# --------------------------------------------------------------------------------------------
def _tiny():
    # by hand: t=1 n=5 d=1 -> 0.8; t=2 n=4 d=1 -> 0.6; t=3 n=2 d=1 -> 0.3; t=4 n=1 d=0 -> 0.3
    return pd.DataFrame({"tenure": [1, 2, 2, 3, 4], "churn": [1, 1, 0, 1, 0]})


def test_kaplan_meier_matches_hand_computation():
    curves = churn.retention_curves(_tiny(), group_col=None)
    curve = curves.survival.set_index("time")["survival"]
    assert curve.loc[[1.0, 2.0, 3.0, 4.0]].tolist() == pytest.approx([0.8, 0.6, 0.3, 0.3])
    assert curves.at([0, 1.5, 3, 10])["all"].tolist() == pytest.approx([1.0, 0.8, 0.3, 0.3])
    assert curves.summary.loc["all", "median_lifetime"] == 3.0
    assert curves.summary.loc["all", "churned"] == 3
    assert np.isnan(curves.p_value) and curves.degrees_of_freedom == 0
    at_risk = curves.survival.set_index("time")["at_risk"]
    assert at_risk.loc[[1.0, 2.0, 3.0, 4.0]].tolist() == [5, 4, 2, 1]


def _logrank_two_groups(d, e, g):
    """Independent two-group log-rank chi-square (Mantel-Haenszel)."""
    o_minus_e, var = 0.0, 0.0
    for t in np.unique(d[e == 1]):
        at_risk = d >= t
        n, n1 = at_risk.sum(), (at_risk & (g == 1)).sum()
        dt, d1 = ((d == t) & (e == 1)).sum(), ((d == t) & (e == 1) & (g == 1)).sum()
        o_minus_e += d1 - dt * n1 / n
        if n > 1:
            var += dt * (n1 / n) * (1 - n1 / n) * (n - dt) / (n - 1)
    return o_minus_e**2 / var


def test_logrank_statistic_matches_independent_computation():
    rng = np.random.default_rng(1)
    d = np.r_[rng.integers(1, 20, 60), rng.integers(1, 30, 60)]
    e = rng.integers(0, 2, 120)
    g = np.r_[np.zeros(60, int), np.ones(60, int)]
    frame = pd.DataFrame({"tenure": d, "churn": e, "plan": np.where(g == 1, "b", "a")})
    curves = churn.retention_curves(frame, group_col="plan")
    assert curves.statistic == pytest.approx(_logrank_two_groups(d, e, g), rel=1e-8)
    assert curves.degrees_of_freedom == 1
    assert list(curves.summary.index) == ["a", "b"]


def test_identical_groups_give_statistic_zero():
    base = _tiny()
    frame = pd.concat([base.assign(g="x"), base.assign(g="y")], ignore_index=True)
    curves = churn.retention_curves(frame, group_col="g")
    assert curves.statistic == pytest.approx(0.0, abs=1e-12)
    assert curves.p_value == pytest.approx(1.0)


def test_categorical_order_kept_and_empty_levels_skipped():
    frame = _tiny().assign(
        c=pd.Categorical(["z", "a", "z", "a", "a"], categories=["z", "m", "a"], ordered=True)
    )
    curves = churn.retention_curves(frame, group_col="c")
    assert list(curves.summary.index) == ["z", "a"]
    assert list(curves.at([1]).columns) == ["z", "a"]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda f: f.drop(columns="churn"), "missing column.*'churn'"),
        (lambda f: f.assign(tenure=[1.0, np.nan, 2, 3, 4]), "tenure.*missing \\(NaN\\)"),
        (lambda f: f.assign(tenure=[1, -2, 2, 3, 4]), "tenure.*below 0"),
        (lambda f: f.assign(churn=[1, 2, 0, 1, 0]), "churn.*not 0 or 1"),
        (lambda f: f.assign(contract=["a", None, "b", "a", "b"]), "contract.*no group"),
    ],
)
def test_retention_curves_bad_input(change, match):
    frame = change(_tiny().assign(contract=["a", "b", "b", "a", "b"]))
    with pytest.raises(CRMLabInputError, match=match):
        churn.retention_curves(frame)


def test_retention_curves_needs_a_frame():
    with pytest.raises(TypeError, match="DataFrame"):
        churn.retention_curves([1, 2, 3])


def test_telco_overall_churn_share(telco):
    # reference: shared/data/README.md, "Telco churn 26.54%"
    curves = churn.retention_curves(telco)
    share = curves.summary["churned"].sum() / curves.summary["customers"].sum()
    assert share == pytest.approx(0.2654, abs=5e-5)
    assert curves.summary["customers"].sum() == 7043
    assert curves.p_value < 1e-10  # three contract types with very different churn shares


# --------------------------------------------------------------------------------------------
# cohort data for the sBG model
# --------------------------------------------------------------------------------------------
def test_duration_frame_and_censoring_window():
    frame = pd.DataFrame({"tenure": [1, 3, 5, 6], "churn": [1, 0, 1, 1]}, index=[10, 11, 12, 13])
    out = churn.duration_frame(frame)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out["duration"].tolist() == [1, 3, 5, 6]
    cut = churn.duration_frame(frame, censor_at=4)
    assert cut["duration"].tolist() == [1, 3, 4, 4]
    assert cut["churned"].tolist() == [1, 0, 0, 0]


@pytest.mark.parametrize(
    ("frame", "kwargs", "match"),
    [
        (pd.DataFrame({"tenure": [0, 2], "churn": [0, 1]}), {}, "below 1.*drop them"),
        (pd.DataFrame({"tenure": [1.5, 2], "churn": [0, 1]}), {}, "not whole numbers"),
        (pd.DataFrame({"tenure": [1, 2], "churn": [0, 3]}), {}, "not 0 or 1"),
        (pd.DataFrame({"months": [1, 2], "churn": [0, 1]}), {}, "missing column.*'tenure'"),
        (pd.DataFrame({"tenure": [1, 2], "churn": [0, 1]}), {"censor_at": 0}, "censor_at"),
    ],
)
def test_duration_frame_bad_input(frame, kwargs, match):
    with pytest.raises(CRMLabInputError, match=match):
        churn.duration_frame(frame, **kwargs)


def test_period_retention_by_hand():
    data = pd.DataFrame({"duration": [1, 1, 2, 3, 3], "churned": [1, 0, 1, 0, 1]})
    table = churn.period_retention(data)
    assert table["at_risk"].tolist() == [5, 3, 2]
    assert table["churned"].tolist() == [1, 1, 1]
    assert table["retention_rate"].tolist() == pytest.approx([0.8, 2 / 3, 0.5])
    assert table["survival"].tolist() == pytest.approx([0.8, 0.8 * 2 / 3, 0.8 * 2 / 3 * 0.5])
    longer = churn.period_retention(data, max_period=5)
    assert longer["at_risk"].tolist()[3:] == [0, 0]
    assert longer["retention_rate"].iloc[3:].isna().all()


def test_period_retention_equals_kaplan_meier():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"duration": rng.integers(1, 12, 300), "churned": rng.integers(0, 2, 300)})
    table = churn.period_retention(data)
    km = churn.retention_curves(data, "duration", "churned", None).at(table.index)["all"]
    assert table["survival"].to_numpy() == pytest.approx(km.to_numpy())


def test_heterogeneous_cohort_shows_rising_retention():
    # Beta-geometric cohort: theta ~ Beta(a, b); theory r_t = (b + t - 1) / (a + b + t - 1).
    a, b, n = 1.0, 3.0, 40_000
    rng = np.random.default_rng(7)
    life = rng.geometric(rng.beta(a, b, n))
    data = pd.DataFrame({"duration": np.minimum(life, 8), "churned": (life <= 8).astype(int)})
    rates = churn.period_retention(data)["retention_rate"].to_numpy()
    t = np.arange(1, 9)
    assert rates == pytest.approx((b + t - 1) / (a + b + t - 1), abs=0.015)
    assert np.all(np.diff(rates) > 0)


@pytest.fixture(scope="module")
def telco():
    from crmlab.datasets import load_telco_churn

    return load_telco_churn()
