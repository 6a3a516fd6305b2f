"""Tests of crmlab.loyalty.behaviour: repurchase by loyalty and the regression table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import loyalty as ly
from crmlab.errors import CRMLabInputError


@pytest.fixture(scope="module")
def survey():
    from crmlab.datasets import simulate_loyalty_survey

    return simulate_loyalty_survey(800, random_state=0)


# ---- behaviour -------------------------------------------------------------------------------------
def test_repurchase_by_loyalty(survey):
    data = survey.join(ly.loyalty_index(survey).scores)
    table = ly.repurchase_by_loyalty(data)
    assert table["n"].sum() == len(survey)
    assert table["repurchase_rate"].iloc[-1] > table["repurchase_rate"].iloc[0] + 0.3
    assert (table["ci_low"] <= table["repurchase_rate"]).all()
    g1 = data.nsmallest(160, "loyalty_index", keep="first")
    assert table.loc["G1", "n"] == 160
    assert table.loc["G1", "score_max"] == pytest.approx(g1["loyalty_index"].max())
    with pytest.raises(CRMLabInputError, match="not 0 or 1"):
        ly.repurchase_by_loyalty(data.assign(repurchased=data["repurchased"] * 2))


def test_regression_table_matches_planted_direction(survey):
    data = survey.join(ly.loyalty_index(survey).scores)
    t = ly.regression_table(data, "repurchased", ["loyalty_index"])
    assert t.loc["loyalty_index", "odds_ratio"] > 1
    assert t.loc["loyalty_index", "or_low"] == pytest.approx(
        np.exp(t.loc["loyalty_index", "ci_low"])
    )
    ols = ly.regression_table(
        pd.DataFrame({"x": [0.0, 1, 2, 3], "y": [1.0, 3, 5, 7]}), "y", ["x"], kind="ols"
    )
    assert ols.loc["x", "coef"] == pytest.approx(2.0)
    assert ols.loc["const", "coef"] == pytest.approx(1.0)
    with pytest.raises(CRMLabInputError, match="single value"):
        ly.regression_table(data.assign(k=1.0), "repurchased", ["k"])
    with pytest.raises(CRMLabInputError, match="kind"):
        ly.regression_table(data, "repurchased", ["loyalty_index"], kind="probit")
