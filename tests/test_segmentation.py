"""Tests for crmlab.segmentation: RFM scores with ties, named segments, k-means, profiles."""

import numpy as np
import pandas as pd
import pytest

from crmlab import segmentation as sg
from crmlab.errors import CRMLabInputError


@pytest.fixture
def tx():
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                ["2020-01-01", "2020-01-01", "2020-01-08", "2020-01-02", "2020-01-03", "2020-01-10"]
            ),
            "amount": [10.0, 5.0, 20.0, 7.0, 1.0, 2.0],
        }
    )


def test_rfm_table_by_hand(tx):
    t = sg.rfm_table(tx)  # snapshot = last day, 2020-01-10
    assert t.loc["a"].tolist() == [2, 2, 35.0]  # same-day orders merged, first purchase counts
    assert t.loc["b"].tolist() == [8, 1, 7.0]
    assert t.loc["c"].tolist() == [0, 2, 3.0]
    t2 = sg.rfm_table(tx, snapshot_date="2020-01-20")
    assert t2.loc["c", "recency_days"] == 10


def test_rfm_table_orders_after_snapshot(tx):
    with pytest.raises(CRMLabInputError, match="after snapshot_date"):
        sg.rfm_table(tx, snapshot_date="2020-01-05")


def test_quantile_scores_min_rule_keeps_ties_equal():
    # 6 ones, then 2, 3, 3, 4: shares below: 0, .6, .7, .7, .9
    x = [1, 1, 1, 1, 1, 1, 2, 3, 3, 4]
    s = sg.quantile_scores(x, 5)
    assert s.tolist() == [1] * 6 + [4, 4, 4, 5]
    # pd.qcut cannot do this
    with pytest.raises(ValueError):
        pd.qcut(x, 5, labels=False)


def test_quantile_scores_first_rule_equal_sizes_and_direction():
    s = sg.quantile_scores([1, 1, 1, 1, 1, 2, 2, 2, 2, 2], 5, ties="first")
    assert np.bincount(s).tolist() == [0, 2, 2, 2, 2, 2]
    assert sg.quantile_scores([10, 20, 30, 40, 50], 5, higher_is_better=False).tolist() == [
        5,
        4,
        3,
        2,
        1,
    ]


def test_quantile_scores_bad_input():
    with pytest.raises(CRMLabInputError, match="ties must be"):
        sg.quantile_scores([1, 2], ties="average")
    with pytest.raises(CRMLabInputError, match="NaN"):
        sg.quantile_scores([1, np.nan])
    with pytest.raises(CRMLabInputError, match="bins"):
        sg.quantile_scores([1, 2], bins=1)


def test_name_segments_rules():
    r = [5, 3, 5, 1, 3, 2, 1, 5]
    f = [5, 3, 1, 4, 1, 2, 1, 4]
    m = [5, 1, 1, 5, 1, 1, 1, 1]
    assert sg.name_segments(r, f, m).tolist() == [
        "champions",
        "loyal",
        "new",
        "at risk",
        "needs attention",
        "hibernating",
        "lost",
        "loyal",
    ]


def test_every_score_combination_gets_a_segment():
    grid = np.array(np.meshgrid(*[np.arange(1, 6)] * 3)).reshape(3, -1)
    assert "unclassified" not in sg.name_segments(*grid)


def test_rfm_scores_from_log_and_from_table(tx):
    s = sg.rfm_scores(tx)
    assert {"R", "F", "M", "rfm_cell", "rfm_score", "segment"} <= set(s.columns)
    # c is the most recent of 3: 2 of 3 worse -> 1 + floor(5 * 2/3) = 4; b the least -> 1
    assert s.loc["c", "R"] == 4 and s.loc["b", "R"] == 1
    assert s.loc["a", "rfm_cell"] == f"{s.loc['a', 'R']}{s.loc['a', 'F']}{s.loc['a', 'M']}"
    table = sg.rfm_table(tx)
    pd.testing.assert_frame_equal(sg.rfm_scores(table)[["R", "F", "M"]], s[["R", "F", "M"]])
    assert "segment" not in sg.rfm_scores(tx, bins=3).columns


def test_rfm_scores_refuses_btyd_summary(tx):
    from crmlab.transactions import rfm_summary

    with pytest.raises(CRMLabInputError, match="buy-till-you-die summary"):
        sg.rfm_scores(rfm_summary(tx))


def test_rfm_scores_bad_table():
    with pytest.raises(CRMLabInputError, match="below 0"):
        sg.rfm_scores(
            pd.DataFrame({"recency_days": [1, 2], "frequency": [1, 2], "monetary": [-1, 2]})
        )
    with pytest.raises(CRMLabInputError, match="missing column"):
        sg.rfm_scores(pd.DataFrame({"recency_days": [1, 2]}))


def test_strategy_table(tx):
    t = sg.strategy_table(sg.rfm_scores(tx))
    assert t["customers"].sum() == 3
    assert t["customer_share"].sum() == pytest.approx(1.0)
    assert t["revenue_share"].sum() == pytest.approx(1.0)
    assert t.loc["lost", "action"].startswith("let go")


def test_score_ranges_by_hand():
    """Ten customers: F with heavy ties skips scores, M ranges read back from the raw values."""
    table = pd.DataFrame(
        {
            "recency_days": np.arange(10) * 10,
            "frequency": [1] * 6 + [2, 2, 3, 9],
            "monetary": np.arange(1.0, 11.0) * 1000,
        }
    )
    s = sg.rfm_scores(table)
    ranges = sg.score_ranges(s)
    assert list(ranges.index) == [1, 2, 3, 4, 5]
    # six one-time buyers share F = 1; the two-day buyers have 6 of 10 below -> 1 + 3 = 4
    assert ranges["frequency"].tolist() == ["1", "(empty)", "(empty)", "2", "3 to 9"]
    assert ranges.loc[1, "monetary"] == "1,000.00 to 2,000.00"
    assert ranges.loc[5, "recency_days"] == "0 to 10"  # most recent = best score
    for score, text in ranges["frequency"].items():
        values = s.loc[s["F"] == score, "frequency"]
        assert (text == "(empty)") == values.empty
    with pytest.raises(CRMLabInputError, match="missing column"):
        sg.score_ranges(table)


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal([0, 0], 0.3, size=(n, 2))
    b = rng.normal([6, 6], 0.3, size=(n // 2, 2))
    return pd.DataFrame(np.r_[a, b], columns=["x", "y"])


def test_kmeans_finds_planted_two_groups():
    f = _blobs()
    res = sg.kmeans_segments(f, k_range=range(2, 5), log_columns=[], random_state=0)
    assert res.k == 2
    assert res.labels.iloc[:60].nunique() == 1 and res.labels.iloc[60:].nunique() == 1
    assert (res.labels.iloc[:60] == 0).all()  # 0 = largest segment
    assert list(res.scores.index) == [2, 3, 4] and res.scores.idxmax() == 2
    assert res.centers.loc[1, "x"] == pytest.approx(6, abs=0.2)
    assert (res.pipeline.predict(f) >= 0).all()


def test_kmeans_reproducible_and_fixed_k():
    f = _blobs(seed=3)
    r1 = sg.kmeans_segments(f, k=3, log_columns=[], random_state=1)
    r2 = sg.kmeans_segments(f, k=3, log_columns=[], random_state=1)
    assert r1.k == 3 and list(r1.scores.index) == [3]
    pd.testing.assert_series_equal(r1.labels, r2.labels)


def test_kmeans_auto_log_columns():
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"money": rng.lognormal(3, 1.5, 200), "days": rng.uniform(0, 100, 200)})
    res = sg.kmeans_segments(f, k=2)
    log_step = res.pipeline.named_steps["log"]
    assert log_step.transformers_[0][2] == ["money"]


def test_kmeans_bad_input():
    f = _blobs()
    with pytest.raises(CRMLabInputError, match="k must be a whole number from 2"):
        sg.kmeans_segments(f, k=1)
    with pytest.raises(CRMLabInputError, match="NaN"):
        sg.kmeans_segments(f.assign(x=np.nan), k=2)
    with pytest.raises(CRMLabInputError, match="log1p"):
        sg.kmeans_segments(f.assign(x=-1.0), k=2, log_columns=["x"])
    with pytest.raises(CRMLabInputError, match="empty"):
        sg.kmeans_segments(f, k_range=[])


def test_profile_segments_by_hand():
    f = pd.DataFrame({"m": [1.0, 3.0, 10.0, 0.0]}, index=list("abcd"))
    p = sg.profile_segments(f, [0, 0, 1, 1], value_col="m")
    assert p["customers"].tolist() == [2, 2]
    assert p["m"].tolist() == [2.0, 5.0]
    assert p["value_share"].tolist() == pytest.approx([4 / 14, 10 / 14])
    with pytest.raises(CRMLabInputError, match="labels has 3 values but frame has 4"):
        sg.profile_segments(f, [0, 1, 1])
    with pytest.raises(CRMLabInputError, match="do not match"):
        sg.profile_segments(f, pd.Series([0, 1, 1, 0], index=list("wxyz")))


def test_cdnow_scores_survive_ties():
    import crmlab

    s = sg.rfm_scores(crmlab.datasets.load_cdnow(sample=True))
    # Every one-time buyer has the same F score, the lowest.
    assert s.loc[s["frequency"] == 1, "F"].eq(1).all()
    assert s["R"].between(1, 5).all() and s["segment"].notna().all()


def test_kmeans_default_k_range_fits_a_small_customer_base():
    features = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 5], "b": [2.0, 1, 5, 3, 3, 3]})
    result = sg.kmeans_segments(features)
    # 6 customers but 5 distinct rows: k from 2 to 5
    assert list(result.scores.index) == [2, 3, 4, 5]
    assert np.isfinite(result.scores).all()
    assert result.labels.nunique() == result.k


def test_rfm_scores_refuse_a_frequency_everyone_shares():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "date": pd.to_datetime(["2020-01-01", "2020-01-03", "2020-01-05", "2020-01-09"]),
            "amount": [5.0, 5.0, 5.0, 5.0],
        }
    )
    with pytest.raises(CRMLabInputError, match="same frequency"):
        sg.rfm_scores(tx)
