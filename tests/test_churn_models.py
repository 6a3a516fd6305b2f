"""Tests of crmlab.churn.models: churn pipelines, cross-validated evaluation, gains and calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import churn
from crmlab.churn import churn_pipeline, pipeline_steps
from crmlab.errors import CRMLabInputError


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
    assert table["churner_share"].tolist() == pytest.approx([0.5, 0.5, 0, 0.5, 0])
    assert "churn_rate" not in table  # a share of churners in one bin, not a per-period rate
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
# pipeline_steps
# --------------------------------------------------------------------------------------------
@pytest.fixture
def features() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "contract": pd.Categorical(["Month-to-month", "One year", "Two year"]),
            "payment": ["card", "check", "card"],
            "paperless": [True, False, True],
            "tenure": [1, 20, 50],
            "monthly_charges": [70.5, 55.0, 20.25],
        }
    )


@pytest.mark.parametrize(
    ("model", "method"),
    [("logistic", "LogisticRegression"), ("boosting", "HistGradientBoostingClassifier")],
)
def test_lists_each_step_with_the_columns_it_receives(features, model, method):
    table = pipeline_steps(churn_pipeline(model), features)
    assert list(table.index) == ["prepare/categories", "prepare/numbers", "model"]
    assert table.loc["prepare/categories", "method"] == "OneHotEncoder"
    assert table.loc["prepare/categories", "columns"] == "contract, payment, paperless"
    assert table.loc["prepare/categories", "n_columns"] == 3
    assert table.loc["prepare/numbers", "method"] == "StandardScaler"
    assert table.loc["prepare/numbers", "columns"] == "tenure, monthly_charges"
    assert table.loc["model", "method"] == method
    assert pd.isna(table.loc["model", "n_columns"])


def test_columns_follow_the_frame(features):
    table = pipeline_steps(churn_pipeline(), features[["tenure", "contract"]])
    assert table.loc["prepare/categories", "columns"] == "contract"
    assert table.loc["prepare/numbers", "columns"] == "tenure"


def test_describes_without_fitting(features):
    pipe = churn_pipeline()
    pipeline_steps(pipe, features)
    assert not hasattr(pipe.named_steps["model"], "coef_")


def test_bad_input_is_named(features):
    with pytest.raises(TypeError, match="Pipeline"):
        pipeline_steps("logistic", features)
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame"):
        pipeline_steps(churn_pipeline(), [1, 2, 3])
    with pytest.raises(CRMLabInputError, match="frame is empty"):
        pipeline_steps(churn_pipeline(), features.iloc[:0])
