"""Tests for crmlab.churn: expectations derived by hand on small inputs, or cited."""

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


# --------------------------------------------------------------------------------------------
# churn classifiers
# --------------------------------------------------------------------------------------------
def _synthetic(n=600, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    plan = rng.choice(["basic", "plus"], size=n)
    logit = 2.5 * x + np.where(plan == "plus", -1.0, 0.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame(
        {"churn": y, "x": x, "plan": pd.Categorical(plan), "noise": rng.normal(size=n)}
    )


def test_churn_pipeline_steps_and_fit():
    from threadpoolctl import threadpool_limits

    frame = _synthetic()
    for model, cls in [("logistic", "LogisticRegression"), ("boosting", "HistGradient")]:
        pipe = churn.churn_pipeline(model)
        assert list(pipe.named_steps) == ["prepare", "model"]
        assert type(pipe.named_steps["model"]).__name__.startswith(cls)
        with threadpool_limits(1):
            pipe.fit(frame[["x", "plan"]], frame["churn"])
        prob = pipe.predict_proba(frame[["x", "plan"]])
        assert prob.shape == (len(frame), 2)
        # one-hot encoding: two plan levels plus the number column
        assert pipe.named_steps["prepare"].transform(frame[["x", "plan"]]).shape[1] == 3
    with pytest.raises(CRMLabInputError, match="model must be one of"):
        churn.churn_pipeline("forest")


def test_evaluate_churn_models_signal_and_noise():
    frame = _synthetic()
    res = churn.evaluate_churn_models(frame, features=["x", "plan"], cv=3)
    assert set(res.scores["model"]) == {"logistic", "boosting"}
    assert len(res.scores) == 6
    assert res.probabilities.index.equals(frame.index)
    assert ((res.probabilities >= 0) & (res.probabilities <= 1)).all().all()
    assert res.summary.loc["logistic", "oof_roc_auc"] > 0.8
    noise = churn.evaluate_churn_models(frame, features=["noise"], models=["logistic"], cv=3)
    assert 0.35 < noise.summary.loc["logistic", "oof_roc_auc"] < 0.65
    again = churn.evaluate_churn_models(frame, features=["x", "plan"], cv=3)
    pd.testing.assert_frame_equal(res.probabilities, again.probabilities)


@pytest.mark.parametrize(
    ("change", "kwargs", "match"),
    [
        (lambda f: f.assign(x=f["x"].where(f.index != 4)), {}, "'x'.*missing.*leave 'x' out"),
        (lambda f: f.assign(churn=f["churn"] * 2), {}, "churn.*not 0 or 1"),
        (lambda f: f.assign(churn=0), {}, "only 0s"),
        (lambda f: f, {"features": ["x", "churn"]}, "target 'churn' is among the features"),
        (lambda f: f, {"cv": 1}, "cv must be"),
        (lambda f: f, {"models": ["forest"]}, "model must be one of"),
        (lambda f: f, {"features": ["age"]}, "missing column.*'age'"),
    ],
)
def test_evaluate_churn_models_bad_input(change, kwargs, match):
    kwargs = {"features": ["x", "plan"], **kwargs}
    with pytest.raises(CRMLabInputError, match=match):
        churn.evaluate_churn_models(change(_synthetic(60)), cv=kwargs.pop("cv", 3), **kwargs)


def test_gains_table_by_hand():
    y = [1, 0, 1, 0, 0, 0, 1, 0, 0, 0]
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    table = churn.gains_table(y, scores, n_bins=5)
    assert table["customers"].tolist() == [2] * 5
    assert table["churners"].tolist() == [1, 1, 0, 1, 0]
    assert table["gain"].tolist() == pytest.approx([1 / 3, 2 / 3, 2 / 3, 1, 1])
    assert table["lift"].tolist() == pytest.approx([0.5 / 0.3, 0.5 / 0.3, 0, 0.5 / 0.3, 0])
    assert table["cumulative_lift"].iloc[1] == pytest.approx((2 / 3) / 0.4)
    shuffled = np.random.default_rng(0).permutation(10)
    again = churn.gains_table(np.asarray(y)[shuffled], np.asarray(scores)[shuffled], n_bins=5)
    pd.testing.assert_frame_equal(table, again)


@pytest.mark.parametrize(
    ("y", "scores", "n_bins", "match"),
    [
        ([1, 0, 1], [0.1, 0.2], 2, "y_true has 3 values but scores has 2"),
        ([1, 0, 2], [0.1, 0.2, 0.3], 2, "not 0 or 1"),
        ([1, 0, 1], [0.1, np.nan, 0.3], 2, "missing \\(NaN\\)"),
        ([1, 0, 1], [0.1, 0.2, 0.3], 0, "n_bins must be"),
        ([1, 0, 1], [0.1, 0.2, 0.3], 4, "more than the 3 customers"),
        ([0, 0, 0], [0.1, 0.2, 0.3], 2, "no churners"),
    ],
)
def test_gains_table_bad_input(y, scores, n_bins, match):
    with pytest.raises(CRMLabInputError, match=match):
        churn.gains_table(y, scores, n_bins=n_bins)


def test_calibration_table_on_calibrated_probabilities():
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 1, 20_000)
    y = (rng.random(p.size) < p).astype(int)
    table = churn.calibration_table(y, p, n_bins=5)
    assert len(table) == 5
    assert table["observed_rate"].to_numpy() == pytest.approx(table["mean_predicted"], abs=0.03)
    with pytest.raises(CRMLabInputError, match="above 1.*not percentages"):
        churn.calibration_table(y[:3], [10, 50, 90])
    with pytest.raises(CRMLabInputError, match="strategy"):
        churn.calibration_table(y, p, strategy="kmeans")


# --------------------------------------------------------------------------------------------
# retention targets
# --------------------------------------------------------------------------------------------
def _customers():
    # saved = p * s * v = [25, 45, 50, 75]; per dollar at cost 10: [2.5, 4.5, 5.0, 7.5]
    return pd.DataFrame(
        {"p": [0.5, 0.9, 0.1, 0.5], "v": [100.0, 100.0, 1000.0, 300.0]}, index=list("abcd")
    )


def test_retention_targets_by_hand():
    plan = churn.retention_targets(
        _customers(), "p", "v", budget=25, offer_cost=10, success_rate=0.5
    )
    assert plan.table.index.tolist() == ["d", "c", "b", "a"]
    assert plan.table["contact"].tolist() == [True, True, False, False]
    s = plan.summary
    assert s["contacted"] == 2 and s["cost"] == 20
    assert s["expected_saved"] == pytest.approx(125.0)
    assert s["roi"] == pytest.approx((125 - 20) / 20)
    assert s["expected_churners_reached"] == pytest.approx(0.6)
    assert s["share_of_expected_loss"] == pytest.approx((150 + 100) / (50 + 90 + 100 + 150))


def test_retention_targets_profitability_rankings_and_arrays():
    frame = _customers()
    # at cost 60 only customer d (75 saved) covers its offer
    plan = churn.retention_targets(frame, "p", "v", budget=1000, offer_cost=60, success_rate=0.5)
    assert plan.table.index[plan.table["contact"]].tolist() == ["d"]
    everyone = churn.retention_targets(
        frame, "p", "v", budget=1000, offer_cost=60, success_rate=0.5, only_profitable=False
    )
    assert everyone.summary["contacted"] == 4
    assert everyone.summary["roi"] < 0
    by_risk = churn.retention_targets(
        frame, frame["p"].to_numpy(), frame["v"].to_numpy(), 20, 10, 0.5, rank_by="churn_prob"
    )
    assert by_risk.table.index.tolist() == ["b", "a", "d", "c"]
    assert by_risk.summary["expected_saved"] == pytest.approx(45 + 25)
    nothing = churn.retention_targets(frame, "p", "v", budget=0, offer_cost=10, success_rate=0.5)
    assert nothing.summary["contacted"] == 0 and np.isnan(nothing.summary["roi"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"churn_prob": [50, 90, 10, 50]}, CRMLabInputError, "above 1.*divide percentages"),
        ({"value": [100, -1, 1, 1]}, CRMLabInputError, "below 0"),
        ({"budget": -5}, CRMLabInputError, "budget must be zero or more"),
        ({"success_rate": 30}, CRMLabInputError, "percentage: divide by 100"),
        ({"offer_cost": 0}, CRMLabInputError, "offer_cost.*zero"),
        ({"value": [1.0, 2.0]}, CRMLabInputError, "value has 2 values but frame has 4"),
        ({"value": "clv"}, CRMLabInputError, "missing column.*'clv'"),
        ({"rank_by": "age"}, CRMLabInputError, "rank_by must be one of"),
        ({"churn_prob": [0.1, np.nan, 0.2, 0.3]}, CRMLabInputError, "missing \\(NaN\\)"),
    ],
)
def test_retention_targets_bad_input(kwargs, error, match):
    args = {"churn_prob": "p", "value": "v", "budget": 100, "offer_cost": 10, "success_rate": 0.3}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        churn.retention_targets(_customers(), **args)


@pytest.fixture(scope="module")
def telco():
    from crmlab.datasets import load_telco_churn

    return load_telco_churn()
