"""Exercise set 03: mistakes computed independently from the data get their hint."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab import segmentation
from crmlab.exercises import lesson03 as ex
from crmlab.transactions import rfm_summary


def _tx():
    return ex.load()["tx"]


def _champions_first(ref):
    first = segmentation.rfm_scores(_tx(), snapshot_date="1998-06-30", ties="first")
    return int((first["segment"] == "champions").sum())


def _champion_share(ref):
    scores = segmentation.rfm_scores(_tx(), snapshot_date="1998-06-30")
    return (scores["segment"] == "champions").mean()


@pytest.mark.parametrize(
    ("qid", "wrong", "phrase"),
    [
        ("q1", lambda ref: rfm_summary(_tx(), time_unit="D")["recency"].mean(), "BTYD recency"),
        ("q1", lambda ref: ref / 7, "weeks"),
        ("q2", lambda ref: 100 * ref, "percentage"),
        ("q2", lambda ref: (_tx().groupby("customer_id").size() == 1).mean(), "order line"),
        ("q3", _champions_first, "ties='first'"),
        ("q3", _champion_share, "share of champions"),
        ("q4", lambda ref: 100 * ref, "percentage"),
        ("q4", _champion_share, "share of customers"),
        ("q5", lambda ref: 5, "five types are planted"),
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
    days = cdnow_master.drop_duplicates(["customer_id", "date"]).groupby("customer_id").size()
    assert ex.q2.reference() == pytest.approx((days == 1).mean())
