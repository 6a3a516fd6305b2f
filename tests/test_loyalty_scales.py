"""Tests of crmlab.loyalty.scales: NPS, Cronbach's alpha, reverse coding, the loyalty index."""

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


# ---- NPS ---------------------------------------------------------------------------------------
def test_nps_hand_computed():
    # 2 promoters (9, 10), 2 passives (7, 8), 2 detractors (6, 0): 100 * (2/6 - 2/6) = 0
    assert ly.nps([10, 9, 8, 7, 6, 0]) == 0.0
    # 3 promoters, 1 detractor out of 5: 100 * (0.6 - 0.2) = 40 points
    assert ly.nps([9, 9, 10, 8, 3]) == pytest.approx(40.0)
    assert ly.nps([0, 6]) == -100.0
    b = ly.nps_breakdown(np.array([9, 9, 10, 8, 3]))
    assert b["promoters"] == pytest.approx(0.6)
    assert b["passives"] == pytest.approx(0.2)
    assert b["detractors"] == pytest.approx(0.2)
    assert b["nps_points"] == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("scores", "match"),
    [
        ([9, 11, 3], "above 10"),
        ([9, np.nan], "missing"),
        ([9, -1], "below 0"),
        ([9, 7.5], "whole numbers"),
        ([], "empty"),
    ],
)
def test_nps_bad_input(scores, match):
    with pytest.raises(CRMLabInputError, match=match):
        ly.nps(scores)


def test_nps_text_is_type_error():
    with pytest.raises(TypeError, match="not numbers"):
        ly.nps(["nine", "ten"])


# ---- alpha ---------------------------------------------------------------------------------------
def test_cronbach_alpha_hand_computed():
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4]})
    # var(a)=5/3, var(b)=4/3; total [3,4,7,8] has var 17/3 -> 2 * (1 - 3 / (17/3)) = 16/17
    assert ly.cronbach_alpha(items) == pytest.approx(16 / 17)
    # var a = b = 5/3, c = 1/3; total [6,6,7,7] var 1/3 -> 1.5 * (1 - (11/3) / (1/3)) = -15
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 3, 2, 1], "c": [1, 1, 2, 2]})
    assert ly.cronbach_alpha(items) == pytest.approx(-15.0)
    identical = pd.DataFrame({"a": [1, 2, 3, 5], "b": [1, 2, 3, 5], "c": [1, 2, 3, 5]})
    assert ly.cronbach_alpha(identical) == pytest.approx(1.0)
    with pytest.raises(CRMLabInputError, match="sum score"):
        ly.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 3, 2, 1]}))


def test_unreversed_item_lowers_alpha(survey):
    items = survey[["res_1", "res_2", "res_3r"]]
    raw = ly.cronbach_alpha(items)
    fixed = ly.cronbach_alpha(ly.reverse_code(items, ["res_3r"]))
    assert raw < 0 < fixed
    table = ly.reliability_table(items)
    assert table["item_total_r"].idxmin() == "res_3r"
    assert table.loc["res_3r", "item_total_r"] < 0
    assert table.loc["res_3r", "alpha_if_deleted"] > fixed - 0.2


def test_reverse_code_hand_computed():
    out = ly.reverse_code(pd.DataFrame({"x": [1, 2, 7], "y": [3, 3, 3]}), ["x"], scale=(1, 7))
    assert out["x"].tolist() == [7, 6, 1]
    assert out["y"].tolist() == [3, 3, 3]


def test_alpha_bad_input():
    with pytest.raises(CRMLabInputError, match="at least 2 items"):
        ly.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(CRMLabInputError, match="missing"):
        ly.cronbach_alpha(pd.DataFrame({"a": [1, 2, np.nan], "b": [1, 2, 3]}))
    with pytest.raises(CRMLabInputError, match="outside the 1-5"):
        ly.cronbach_alpha(pd.DataFrame({"a": [1, 2, 6], "b": [1, 2, 3]}), scale=(1, 5))
    with pytest.raises(CRMLabInputError, match="variance 0"):
        ly.cronbach_alpha(pd.DataFrame({"a": [3, 3, 3], "b": [1, 2, 3]}))
    with pytest.raises(TypeError, match="likert_codes"):
        ly.cronbach_alpha(pd.DataFrame({"a": pd.Categorical(["Low", "High"]), "b": [1, 2]}))
    with pytest.raises(TypeError, match="DataFrame"):
        ly.cronbach_alpha([[1, 2], [2, 3]])


def test_likert_codes():
    cat = pd.Categorical(
        ["Low", "High", "Medium"], categories=["Low", "Medium", "High"], ordered=True
    )
    out = ly.likert_codes(pd.DataFrame({"s": cat}), ["s"])
    assert out["s"].tolist() == [1, 3, 2]
    with pytest.raises(TypeError, match="ordered categorical"):
        ly.likert_codes(pd.DataFrame({"s": [1, 2]}), ["s"])


# ---- loyalty index -------------------------------------------------------------------------------
def test_loyalty_index_hand_computed():
    survey = pd.DataFrame({"a1": [5, 1], "a2": [4, 2], "b1": [2, 4], "b2r": [1, 5]})
    res = ly.loyalty_index(
        survey, {"A": ["a1", "a2"], "B": ["b1", "b2r"]}, reverse=["b2r"], scale=(1, 5)
    )
    # row 0: A = 4.5, B = (2 + 5) / 2 = 3.5 -> mean 4.0 -> 100 * (4 - 1) / 4 = 75
    assert res.scores.loc[0, "A"] == pytest.approx(4.5)
    assert res.scores.loc[0, "B"] == pytest.approx(3.5)
    assert res.scores.loc[0, "loyalty_index"] == pytest.approx(75.0)
    weighted = ly.loyalty_index(
        survey, {"A": ["a1", "a2"], "B": ["b1", "b2r"]}, reverse=["b2r"], weights={"A": 3, "B": 1}
    )
    # 0.75 * 4.5 + 0.25 * 3.5 = 4.25 -> 81.25
    assert weighted.scores.loc[0, "loyalty_index"] == pytest.approx(81.25)


def test_loyalty_index_on_survey(survey):
    res = ly.loyalty_index(survey)
    assert list(res.alpha.index) == list(ly.DEFAULT_FACTORS)
    assert (res.alpha > 0.55).all() and (res.alpha < 0.9).all()
    assert res.scores["loyalty_index"].between(0, 100).all()
    assert np.corrcoef(res.scores["loyalty_index"], survey["true_loyalty"])[0, 1] > 0.8
    assert res.reversed == ly.DEFAULT_REVERSED
    # forgetting to reverse lowers the two factors' alpha
    raw = ly.loyalty_index(survey, reverse=())
    assert (raw.alpha[["initiative", "resistance"]] < res.alpha[["initiative", "resistance"]]).all()


def test_loyalty_index_bad_input(survey):
    with pytest.raises(CRMLabInputError, match="at least 2 items"):
        ly.loyalty_index(survey, {"satisfaction": ["sat_1"]})
    with pytest.raises(CRMLabInputError, match="missing column"):
        ly.loyalty_index(survey.drop(columns="rec_2"))
    with pytest.raises(CRMLabInputError, match="outside the 1-5"):
        ly.loyalty_index(survey.assign(sat_1=survey["sat_1"].replace(5, 7)))
    with pytest.raises(CRMLabInputError, match="missing"):
        ly.loyalty_index(
            survey.assign(sat_2=survey["sat_2"].astype(float).where(survey.index != 3))
        )
    with pytest.raises(CRMLabInputError, match="belong to no factor"):
        ly.loyalty_index(survey, {"s": ["sat_1", "sat_2"]}, reverse=["res_3r"])
    with pytest.raises(CRMLabInputError, match="highest > lowest"):
        ly.loyalty_index(survey, scale=(5, 1))
