"""Property-based tests of rfm_summary against a deliberately naive reference.

The reference below loops over customers and days in plain Python, the way one would compute a
buy-till-you-die summary by hand. Hypothesis draws small random logs with the awkward cases
that matter: several orders on one day (same-day merge), orders at any time of day, purchases
exactly on the calibration end (inclusive) and on the observation end, one-order customers,
customers who first buy after the calibration end, returns (negative amounts, when allowed),
ids as numbers or as text (compared as written), and every time unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab.transactions import rfm_summary

UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}
START = pd.Timestamp("2021-03-01")


def naive_rfm(tx, time_unit, observation_end, calibration_end):
    """One customer at a time, one day at a time: the textbook definitions, nothing clever."""
    unit = UNIT_DAYS[time_unit]
    end = calibration_end if calibration_end is not None else observation_end
    rows = {}
    for customer in sorted(set(tx["customer_id"])):
        mine = tx[tx["customer_id"] == customer]
        spend_by_day = {}
        for when, amount in zip(mine["date"], mine["amount"], strict=True):
            day = pd.Timestamp(when).normalize()
            spend_by_day[day] = spend_by_day.get(day, 0.0) + amount
        days = sorted(spend_by_day)
        first = days[0]
        if first > end:
            continue  # first purchase after the calibration period: not a row
        before = [d for d in days if d <= end]
        after = [d for d in days if d > end]
        repeat = before[1:]
        row = {
            "frequency": len(repeat),
            "recency": (before[-1] - first).days / unit,
            "T": (end - first).days / unit,
            "monetary_value": sum(spend_by_day[d] for d in repeat) / len(repeat) if repeat else 0.0,
        }
        if calibration_end is not None:
            row["frequency_holdout"] = len(after)
            row["monetary_value_holdout"] = (
                sum(spend_by_day[d] for d in after) / len(after) if after else 0.0
            )
            row["duration_holdout"] = (observation_end - calibration_end).days / unit
        rows[customer] = row
    return pd.DataFrame.from_dict(rows, orient="index")


@st.composite
def logs(draw):
    """A small random transaction log and the arguments to summarise it with."""
    n_customers = draw(st.integers(1, 6))
    n_rows = draw(st.integers(1, 24))
    allow_negative = draw(st.booleans())
    customers = draw(st.lists(st.integers(0, n_customers - 1), min_size=n_rows, max_size=n_rows))
    days = draw(st.lists(st.integers(0, 30), min_size=n_rows, max_size=n_rows))
    hours = draw(st.lists(st.integers(0, 23), min_size=n_rows, max_size=n_rows))
    amount = st.one_of(
        st.sampled_from([0.0, 1.5, 10.0, 99.99]),
        st.floats(-500.0 if allow_negative else 0.0, 500.0, allow_nan=False),
    )
    amounts = draw(st.lists(amount, min_size=n_rows, max_size=n_rows))
    text_ids = draw(st.booleans())
    ids = [str(c * 7) if text_ids else c * 7 for c in customers]  # "14" < "7" as text
    tx = pd.DataFrame(
        {
            "customer_id": ids,
            "date": [
                START + pd.Timedelta(days=d, hours=h) for d, h in zip(days, hours, strict=True)
            ],
            "amount": amounts,
        }
    )
    last = max(days)
    observation_end = START + pd.Timedelta(days=last + draw(st.integers(0, 3)))
    # calibration ends on a purchase day (a tie at the boundary) or not at all
    candidates = sorted(
        {
            START + pd.Timedelta(days=d)
            for d in days
            if START + pd.Timedelta(days=d) < observation_end
        }
    )
    calibration_end = (
        draw(st.one_of(st.none(), st.sampled_from(candidates))) if candidates else None
    )
    time_unit = draw(st.sampled_from(sorted(UNIT_DAYS)))
    return tx, time_unit, observation_end, calibration_end, allow_negative


@settings(max_examples=40)
@given(logs())
def test_rfm_summary_agrees_with_a_naive_loop(case):
    tx, time_unit, observation_end, calibration_end, allow_negative = case
    got = rfm_summary(
        tx,
        time_unit=time_unit,
        observation_end=observation_end,
        calibration_end=calibration_end,
        allow_negative=allow_negative,
    )
    want = naive_rfm(tx, time_unit, observation_end, calibration_end)
    assert list(got.index) == list(want.index)  # ids as written, in sorted order
    assert list(got.columns) == list(want.columns)
    scale = max(1.0, float(np.abs(tx["amount"]).sum()))
    for col in got.columns:
        np.testing.assert_allclose(
            got[col].to_numpy(dtype=float),
            want[col].to_numpy(dtype=float),
            rtol=1e-9,
            atol=1e-12 * scale,
            err_msg=col,
        )
    assert got["frequency"].dtype.kind == "i"
    pairs = {
        (c, pd.Timestamp(d).normalize()) for c, d in zip(tx["customer_id"], tx["date"], strict=True)
    }
    assert got.attrs["time_unit"] == time_unit
    assert got.attrs["merged_same_day_rows"] == len(tx) - len(pairs)
    assert got.attrs["customers_first_after_calibration"] == tx["customer_id"].nunique() - len(got)


@settings(max_examples=20)
@given(logs(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(case, rnd):
    tx, time_unit, observation_end, calibration_end, allow_negative = case
    order = list(range(len(tx)))
    rnd.shuffle(order)
    kwargs = {
        "time_unit": time_unit,
        "observation_end": observation_end,
        "calibration_end": calibration_end,
        "allow_negative": allow_negative,
    }
    a = rfm_summary(tx, **kwargs)
    b = rfm_summary(tx.iloc[order], **kwargs)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("scale", [1e300, 1e307])
def test_huge_amounts_give_finite_exact_means(scale):
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "date": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-01"]),
            "amount": [scale, 1.7e308, 1.7e308, 1.0],
        }
    )
    got = rfm_summary(tx, time_unit="D")
    assert np.isfinite(got["monetary_value"]).all()
    assert got.loc[1, "monetary_value"] == pytest.approx(1.7e308)
