"""Exercise set 03: mistakes computed independently from the data get their hint."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab import segmentation
from crmlab.exercises import lesson03 as ex
from crmlab.transactions import rfm_summary


def _tx():
    return ex.load()["tx"]


def _scores(snapshot="1998-06-30", ties="min"):
    tx = _tx()
    return segmentation.rfm_scores(tx[tx["date"] <= snapshot], snapshot_date=snapshot, ties=ties)


def _champions(**kwargs):
    return int((_scores(**kwargs)["segment"] == "champions").sum())


def _champion_share(of="customers", **kwargs):
    scores = _scores(**kwargs)
    champ = scores["segment"] == "champions"
    if of == "customers":
        return champ.mean()
    return scores.loc[champ, "monetary"].sum() / scores["monetary"].sum()


def _purity(k):
    cards = ex.load()["cards"]
    feats = segmentation.rfm_scores(cards, customer_col="member_id", amount_col="spend")
    labels = segmentation.kmeans_segments(
        feats[["recency_days", "frequency", "monetary"]], k=k
    ).labels
    types = cards.groupby("member_id")["member_type"].first().reindex(labels.index)
    majority = types.groupby(labels).agg(lambda t: t.value_counts().iloc[0])
    return majority.sum() / len(labels)


@pytest.mark.parametrize(
    ("qid", "wrong", "phrase"),
    [
        ("q1", lambda ref: rfm_summary(_tx(), time_unit="D")["recency"].mean(), "BTYD recency"),
        ("q1", lambda ref: ref / 7, "weeks"),
        ("q2", lambda ref: _champions(), "default ties='min'"),
        ("q2", lambda ref: _champion_share(ties="first"), "share of champions"),
        ("q3", lambda ref: _champions(), "lesson's snapshot"),
        ("q3", lambda ref: _champions(snapshot="1997-12-31", ties="first"), "ties='first'"),
        ("q4", lambda ref: 100 * ref, "percentage"),
        ("q4", lambda ref: _champion_share(snapshot="1997-12-31"), "share of customers"),
        ("q4", lambda ref: _champion_share("revenue"), "lesson's snapshot"),
        ("q5", lambda ref: _purity(None), "silhouette"),
    ],
)
def test_mistakes_get_their_hint(qid, wrong, phrase):
    q = getattr(ex, qid)
    result = q.evaluate(wrong(q.reference()))
    assert result.status == "incorrect"
    assert phrase in result.message


def test_reference_values(cdnow_master):
    last = cdnow_master.groupby("customer_id")["date"].max()
    assert ex.q1.reference() == pytest.approx((pd.Timestamp("1998-06-30") - last).dt.days.mean())
    assert ex.q2.reference() > _champions()  # 'first' breaks the ties at the top of the grid
    early = cdnow_master[cdnow_master["date"] <= "1997-12-31"]
    assert ex.q3.reference() < early["customer_id"].nunique()
    assert ex.q4.reference() == pytest.approx(_champion_share("revenue", snapshot="1997-12-31"))
    assert ex.q5.reference() == pytest.approx(_purity(5))
    assert 0.5 < ex.q5.reference() < 1  # most, not all, members sit with their own type
