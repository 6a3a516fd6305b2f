"""Tests for crmlab.value and crmlab._weights: expected values derived by hand on tiny inputs."""

import numpy as np
import pandas as pd
import pytest

from crmlab import value
from crmlab.errors import CRMLabInputError


# --- concentration ---------------------------------------------------------------------------
def test_top_share_by_hand():
    # sorted desc: 60, 30, 10, 0 -> top 1 of 4 = 0.6, top 2 = 0.9
    assert value.top_share([10, 0, 30, 60], 0.25) == pytest.approx(0.6)
    assert value.top_share([10, 0, 30, 60], 0.5) == pytest.approx(0.9)
    # 0.375 * 4 = 1.5 customers: halfway between 0.6 and 0.9
    assert value.top_share([10, 0, 30, 60], 0.375) == pytest.approx(0.75)
    assert value.top_share([5, 5, 5, 5], 0.2) == pytest.approx(0.2)


def test_gini_by_hand():
    assert value.gini([1, 1, 1, 1]) == pytest.approx(0.0)
    assert value.gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n - 1) / n
    # [1, 2, 3]: 2 * (1 + 4 + 9) / (3 * 6) - 4 / 3 = 28/18 - 24/18 = 2/9
    assert value.gini([3, 1, 2]) == pytest.approx(2 / 9)


def test_gini_equals_one_minus_twice_lorenz_area():
    x = np.random.default_rng(1).lognormal(size=200)
    curve = value.lorenz_curve(x)
    area = np.trapezoid(curve["value_share"], curve["customer_share"])
    assert value.gini(x) == pytest.approx(1 - 2 * area)


def test_lorenz_curve_points():
    curve = value.lorenz_curve([3, 1])
    assert curve["customer_share"].tolist() == [0.0, 0.5, 1.0]
    assert curve["value_share"].tolist() == pytest.approx([0.0, 0.25, 1.0])


@pytest.mark.parametrize("func", [value.gini, value.top_share, value.lorenz_curve])
def test_concentration_bad_input(func):
    with pytest.raises(CRMLabInputError, match="NaN"):
        func([1.0, np.nan, 2.0])
    with pytest.raises(CRMLabInputError, match="below 0"):
        func([1.0, -2.0, 3.0])
    with pytest.raises(CRMLabInputError, match="all zero"):
        func([0.0, 0.0])
    with pytest.raises(CRMLabInputError, match="empty"):
        func([])


def test_top_share_percentage_hint():
    with pytest.raises(CRMLabInputError, match="percentage"):
        value.top_share([1, 2, 3], 20)


def test_concentration_table():
    t = value.concentration_table([10, 0, 30, 60], fractions=(0.25, 0.5))
    assert t["value_share"].tolist() == pytest.approx([0.6, 0.9])
    assert t["customers"].tolist() == [1, 2]


def test_abc_classes_by_hand():
    s = pd.Series([50, 30, 10, 5, 5, 0], index=list("abcdef"))
    out = value.abc_classes(s, cuts=(0.8, 0.95))
    # before-shares: a 0, b .5, c .8, d .9, e .95, f 1.0
    assert out["abc_class"].astype(str).tolist() == ["A", "A", "B", "B", "C", "C"]
    assert out.loc["a", "rank"] == 1 and out.loc["f", "rank"] == 6
    assert out.loc["b", "cumulative_share"] == pytest.approx(0.8)


def test_abc_ties_keep_input_order_and_zero_is_c():
    out = value.abc_classes([1, 1, 0], cuts=(0.4, 0.9))
    assert out["abc_class"].astype(str).tolist() == ["A", "B", "C"]


def test_abc_bad_cuts():
    with pytest.raises(CRMLabInputError, match="increase"):
        value.abc_classes([1, 2, 3], cuts=(0.95, 0.8))
    with pytest.raises(CRMLabInputError, match="two shares"):
        value.abc_classes([1, 2, 3], cuts=(0.8,))


def test_customer_metrics_merges_same_day():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-05", "2020-01-02"]),
            "amount": [10.0, 5.0, 0.0, 7.0],
            "quantity": [1, 2, 1, 1],
        }
    )
    m = value.customer_metrics(tx, quantity_col="quantity")
    assert m.loc["a", "revenue"] == 15 and m.loc["a", "orders"] == 2
    assert m.loc["a", "avg_order_value"] == pytest.approx(7.5)
    assert m.loc["a", "quantity"] == 4
    assert m.loc["b", "last_purchase"] == pd.Timestamp("2020-01-02")


def test_top_by_metric_overlap():
    f = pd.DataFrame({"x": [1, 2, 3, 4], "y": [4, 3, 2, 1]})
    t = value.top_by_metric(f, ["x", "y"], 0.25)
    assert t["x"].tolist() == [False, False, False, True]
    assert t["y"].tolist() == [True, False, False, False]
    assert t.attrs["overlap"] == 0.0


def test_cdnow_reference_figures(cdnow_revenue):
    # Published reference (shared/data/README.md): top 20% bring 67.8%, Gini 0.635.
    assert value.top_share(cdnow_revenue, 0.2) == pytest.approx(0.678, abs=5e-4)
    assert value.gini(cdnow_revenue) == pytest.approx(0.635, abs=5e-4)


@pytest.fixture(scope="module")
def cdnow_revenue():
    import crmlab

    tx = crmlab.datasets.load_cdnow()
    return tx.groupby("customer_id")["amount"].sum()


# --- weights ----------------------------------------------------------------------------------
def test_normalise_indicators_direction():
    f = pd.DataFrame({"rev": [0.0, 5.0, 10.0], "days": [30, 60, 90]})
    z = value.normalise_indicators(f, lower_is_better=["days"])
    assert z["rev"].tolist() == [0.0, 0.5, 1.0]
    assert z["days"].tolist() == [1.0, 0.5, 0.0]


def test_entropy_weights_by_hand():
    # a: z = [0, 1] -> p = [0, 1] -> e = 0 -> d = 1
    # b: z = [0, .5, 1]? use 3 rows: a = [0, 0, 1], b = [0, 1, 1]
    f = pd.DataFrame({"a": [0.0, 0.0, 1.0], "b": [0.0, 1.0, 1.0]})
    # a: p = [0, 0, 1], e = 0, d = 1; b: p = [0, .5, .5], e = ln2 / ln3, d = 1 - ln2/ln3
    da, db = 1.0, 1 - np.log(2) / np.log(3)
    w = value.entropy_weights(f)
    assert w["a"] == pytest.approx(da / (da + db))
    assert w["b"] == pytest.approx(db / (da + db))
    assert w.sum() == pytest.approx(1.0)


def test_entropy_weights_bad_input():
    with pytest.raises(CRMLabInputError, match="same value"):
        value.entropy_weights(pd.DataFrame({"a": [1, 2], "b": [3, 3]}))
    with pytest.raises(CRMLabInputError, match="NaN"):
        value.entropy_weights(pd.DataFrame({"a": [1, np.nan, 2]}))
    with pytest.raises(CRMLabInputError, match="missing column"):
        value.entropy_weights(pd.DataFrame({"a": [1, 2]}), ["zzz"])
    with pytest.raises(CRMLabInputError, match="lower_is_better names"):
        value.entropy_weights(pd.DataFrame({"a": [1, 2]}), lower_is_better=["b"])


def test_ahp_consistent_matrix():
    # weights 0.6, 0.3, 0.1 -> a_ij = w_i / w_j, perfectly consistent
    w = np.array([0.6, 0.3, 0.1])
    res = value.ahp_weights(w[:, None] / w[None, :], labels=["x", "y", "z"])
    assert res.weights.to_numpy() == pytest.approx(w)
    assert res.lambda_max == pytest.approx(3.0)
    assert res.cr == pytest.approx(0.0, abs=1e-9)
    assert res.consistent


def test_pairwise_matrix_builds_reciprocals():
    m = value.pairwise_matrix({("a", "b"): 2, ("a", "c"): 4, ("b", "c"): 2})
    assert m.loc["b", "a"] == pytest.approx(0.5)
    assert m.loc["c", "c"] == 1.0
    assert value.ahp_weights(m).weights.to_numpy() == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    with pytest.raises(CRMLabInputError, match="no judgement"):
        value.pairwise_matrix({("a", "b"): 2, ("a", "c"): 4})


def test_ahp_inconsistent_matrix_is_reported():
    # a > b (5), b > c (5) but c > a (5): circular
    m = value.pairwise_matrix({("a", "b"): 5, ("b", "c"): 5, ("c", "a"): 5})
    with pytest.raises(CRMLabInputError, match=r"inconsistent: consistency ratio CR = \d"):
        value.ahp_weights(m)
    res = value.ahp_weights(m, max_cr=None)
    assert res.cr > 0.1 and not res.consistent
    assert res.worst_pair is not None


def test_ahp_bad_matrices():
    with pytest.raises(CRMLabInputError, match="not reciprocal"):
        value.ahp_weights([[1, 2], [2, 1]])
    with pytest.raises(CRMLabInputError, match="square"):
        value.ahp_weights([[1, 2, 3], [0.5, 1, 2]])
    with pytest.raises(CRMLabInputError, match="positive"):
        value.ahp_weights([[1, np.nan], [1, 1]])
    with pytest.raises(CRMLabInputError, match="diagonal"):
        value.ahp_weights([[2, 1], [1, 2]])


# --- pyramid, scorecard, matrix, key accounts ----------------------------------------------------
@pytest.fixture
def accounts():
    return pd.DataFrame(
        {"rev": [100.0, 50.0, 0.0, 25.0], "days": [30, 90, 60, 30]}, index=list("abcd")
    )


def test_value_pyramid_by_hand(accounts):
    p = value.value_pyramid(
        accounts,
        {"rev": 0.5, "days": 0.5},
        tiers={"top": 0.25, "rest": 0.75},
        lower_is_better=["days"],
    )
    # z rev = [1, .5, 0, .25], z days = [1, 0, .5, 1] -> scores 100, 25, 25, 62.5
    assert p["score"].tolist() == pytest.approx([100, 25, 25, 62.5])
    assert p["tier"].astype(str).tolist() == ["top", "rest", "rest", "rest"]
    assert p["rank"].tolist() == [1, 3, 4, 2]  # tie b, c keeps input order


def test_value_pyramid_accepts_ahp_result(accounts):
    res = value.ahp_weights([[1, 3], [1 / 3, 1]], labels=["rev", "days"])
    p = value.value_pyramid(accounts, res, lower_is_better=["days"])
    assert p.attrs["weights"]["rev"] == pytest.approx(0.75)


def test_value_pyramid_bad_weights_and_tiers(accounts):
    with pytest.raises(CRMLabInputError, match="add up to 1, they add up to 1.5"):
        value.value_pyramid(accounts, {"rev": 1.0, "days": 0.5})
    with pytest.raises(CRMLabInputError, match="percentages"):
        value.value_pyramid(accounts, {"rev": 60, "days": 40})
    with pytest.raises(CRMLabInputError, match="unknown column.*'profit'"):
        value.value_pyramid(accounts, {"profit": 1.0})
    with pytest.raises(CRMLabInputError, match="lower_is_better"):
        value.value_pyramid(accounts, {"rev": 1.2, "days": -0.2})
    with pytest.raises(CRMLabInputError, match="tier shares must add up to 1"):
        value.value_pyramid(accounts, {"rev": 1.0}, tiers={"a": 0.5, "b": 0.2})


def test_value_scorecard_by_hand(accounts):
    f = accounts.assign(growth=[0.0, 0.1, 0.2, 0.0], cost=[1.0, 2.0, 3.0, 1.0])
    sc = value.value_scorecard(
        f,
        current={"financial": ["rev"], "sales": {"days": 1.0}},
        potential={"customer": ["growth"], "service": ["cost"]},
        weights={"financial": 0.4, "sales": 0.1, "customer": 0.3, "service": 0.2},
        lower_is_better=["days", "cost"],
    )
    # account b: F = 50, S = 0, C = 50, V = 50
    assert sc.loc["b", "current_value"] == pytest.approx((0.4 * 50 + 0.1 * 0) / 0.5)
    assert sc.loc["b", "potential_value"] == pytest.approx(50)
    assert sc.loc["b", "total_score"] == pytest.approx(0.4 * 50 + 0.3 * 50 + 0.2 * 50)


def test_value_scorecard_errors(accounts):
    with pytest.raises(CRMLabInputError, match="both the 'financial' and the 'sales'"):
        value.value_scorecard(
            accounts,
            current={"financial": ["rev"], "sales": ["rev"]},
            potential={"customer": ["days"], "service": ["days"]},
        )
    with pytest.raises(CRMLabInputError, match="exactly the parts"):
        value.value_scorecard(accounts, current={"money": ["rev"]}, potential={})
    with pytest.raises(CRMLabInputError, match="part weights name unknown"):
        value.value_scorecard(
            accounts.assign(g=[1, 2, 3, 4], h=[4, 3, 2, 1]),
            current={"financial": ["rev"], "sales": ["days"]},
            potential={"customer": ["g"], "service": ["h"]},
            weights={"financial": 0.5, "potential": 0.5},
        )


def test_value_matrix_quadrants():
    m = value.value_matrix([1, 1, 9, 9], [1, 9, 1, 9])
    assert m["quadrant"].astype(str).tolist() == [
        "ordinary",
        "prospective",
        "repeat-purchase",
        "loyal",
    ]
    assert m.attrs["cuts"] == {"current": 5.0, "potential": 5.0}
    assert m["action"].str.len().min() > 10
    # a value equal to the cut is low
    m2 = value.value_matrix([1, 2, 3], [1, 2, 3], split=(2, 2))
    assert m2["quadrant"].astype(str).tolist() == ["ordinary", "ordinary", "loyal"]


def test_value_matrix_bad_input():
    with pytest.raises(CRMLabInputError, match="current has 3 values but potential has 2"):
        value.value_matrix([1, 2, 3], [1, 2])
    with pytest.raises(CRMLabInputError, match="NaN"):
        value.value_matrix([1, np.nan], [1, 2])
    with pytest.raises(CRMLabInputError, match="split must be"):
        value.value_matrix([1, 2], [1, 2], split="mode")
    with pytest.raises(CRMLabInputError, match="different customers"):
        value.value_matrix(pd.Series([1, 2], index=["a", "b"]), pd.Series([1, 2], index=["a", "c"]))


def test_value_matrix_aligns_series_by_index():
    c = pd.Series([1.0, 9.0], index=["a", "b"])
    p = pd.Series([9.0, 1.0], index=["b", "a"])
    m = value.value_matrix(c, p, split=(5, 5))
    assert m.loc["b", "quadrant"] == "loyal" and m.loc["a", "quadrant"] == "ordinary"


def test_key_accounts():
    f = pd.DataFrame(
        {
            "total_score": [10.0, 90.0, 50.0, 70.0],
            "current_value": [1.0, 9.0, 2.0, 3.0],
            "potential_value": [1.0, 9.6, 9.0, 2.0],
        },
        index=list("abcd"),
    )
    k = value.key_accounts(f, n=2)
    assert k.index.tolist() == ["b", "d"]
    assert k.loc["b", "reason"] == "high current and potential value"
    # the label is the value-matrix cell, cut at the same medians as value_matrix()
    cells = value.value_matrix(f["current_value"], f["potential_value"])
    assert k["quadrant"].tolist() == cells.loc[["b", "d"], "quadrant"].tolist()
    assert k.loc["d", "reason"] == "high current value"  # current 3 > 2.5, potential 2 < 5.5
    means = value.key_accounts(f, n=4, split="mean")  # potential mean 5.4: c (9) is high
    assert means.loc["c", "reason"] == "high potential value"
    with pytest.raises(CRMLabInputError, match="from 1 to 4"):
        value.key_accounts(f, n=5)
    with pytest.raises(CRMLabInputError, match="missing column"):
        value.key_accounts(f.drop(columns="total_score"))


# ---------------------------------------------------------------- extreme values stay exact
def test_concentration_of_huge_values_is_finite_and_right():
    x = [1e308, 1e308, 1.0]
    assert value.gini(x) == pytest.approx(1 / 3)
    assert value.top_share(x, 1 / 3) == pytest.approx(0.5)
    abc = value.abc_classes(x, cuts=(0.5, 0.9))
    assert list(abc["abc_class"]) == ["A", "B", "C"]
    assert abc["cumulative_share"].tolist() == pytest.approx([0.5, 1.0, 1.0])
    curve = value.lorenz_curve(x)
    assert np.isfinite(curve.to_numpy()).all() and curve["value_share"].iloc[-1] == 1.0


def test_normalising_a_huge_range_and_cutting_at_a_huge_mean():
    z = value.normalise_indicators(pd.DataFrame({"growth": [1e308, -1e308, 0.0]}))
    assert z["growth"].tolist() == pytest.approx([1.0, 0.0, 0.5])
    m = value.value_matrix([1.5e308, 1.5e308, 0.0], [1.0, 2.0, 3.0], split="mean")
    assert m.attrs["cuts"]["current"] == pytest.approx(1e308)
    assert list(m["quadrant"]) == ["repeat-purchase", "repeat-purchase", "prospective"]
