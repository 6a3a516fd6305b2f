"""pipeline_steps: a readable table of what a churn pipeline does to which columns."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.churn import churn_pipeline, pipeline_steps
from crmlab.errors import CRMLabInputError


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
