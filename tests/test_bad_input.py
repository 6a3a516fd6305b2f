"""One case per class of bad input: refused with the right exception and a message to act on.

Each case states the exception type and the pieces the message must contain: the column or
argument at fault, the first offending value, and the fix. These are the classes of input that
once gave a silently wrong number or an unhelpful failure (issue 11).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, GammaGamma, customer_lifetime_value, simple_clv
from crmlab.datasets import DatasetError
from crmlab.economics import cohort_profit
from crmlab.errors import CRMLabInputError
from crmlab.segmentation import kmeans_segments, quantile_scores, rfm_scores
from crmlab.transactions import rfm_summary
from crmlab.value import check_weights, customer_metrics, gini

BG = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
GG = GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)


def _tx(**columns):
    base = {
        "customer_id": [1, 1, 2],
        "date": pd.to_datetime(["2020-01-01", "2020-01-20", "2020-01-05"]),
        "amount": [10.0, 20.0, 5.0],
    }
    base.update(columns)
    return pd.DataFrame(base)


def _summary(unit="W"):
    return rfm_summary(_tx(), time_unit=unit)


def _csv_round_trip(frame):
    buffer = io.StringIO()
    frame.to_csv(buffer)
    buffer.seek(0)
    return pd.read_csv(buffer, index_col=0)


def _duplicated_columns():
    frame = _tx()
    frame.columns = ["customer_id", "amount", "amount"]
    return frame


def _dataset_folder(tmp_path, monkeypatch):
    from crmlab.datasets import fetch
    from crmlab.datasets.registry import REGISTRY

    monkeypatch.setenv("CRMLAB_DATA", str(tmp_path))
    (tmp_path / REGISTRY["cdnow_sample"].filename).mkdir()
    return fetch("cdnow_sample")


def _spend_with_duplicated_ids():
    summary = _summary()
    spend = pd.Series([10.0, 12.0], index=[1, 1])
    return customer_lifetime_value(BG, spend, summary)


# (id, call, exception, pieces the message must contain: what, first value, fix)
CASES = [
    # ---- silently wrong numbers before -----------------------------------------------------
    (
        "ambiguous text dates",
        lambda: rfm_summary(_tx(date=["01/02/2020", "13/02/2020", "04.03.2020"])),
        CRMLabInputError,
        ["'date'", "'01/02/2020'", "Fix: pass date_format='%d/%m/%Y'", "dayfirst"],
    ),
    (
        "dates in two formats",
        lambda: rfm_summary(
            _tx(date=["01/02/2020", "13/02/2020", "04.03.2020"]), date_format="%d/%m/%Y"
        ),
        CRMLabInputError,
        ["'date'", "'04.03.2020'", "row 2", "one format only"],
    ),
    (
        "dayfirst contradicted by the first date",
        lambda: rfm_summary(_tx(date=["13/02/2020", "01/02/2020", "02/02/2020"]), dayfirst=False),
        CRMLabInputError,
        ["'date'", "'13/02/2020'", "dayfirst=False", "Fix: pass the format"],
    ),
    (
        "mixed time zones",
        lambda: rfm_summary(
            _tx(date=["2020-01-01T23:30+08:00", "2020-01-20T10:00+08:00", "2020-01-05T23:30+01:00"])
        ),
        CRMLabInputError,
        ["'date'", "'2020-01-05T23:30+01:00'", "row 2", "tz="],
    ),
    (
        "dates with and without a zone",
        lambda: rfm_summary(_tx(date=["2020-01-01", "2020-01-20T10:00+08:00", "2020-01-05"])),
        CRMLabInputError,
        ["'date'", "'2020-01-20T10:00+08:00'", "Fix: give every date the same kind"],
    ),
    (
        "tz for dates without a zone",
        lambda: rfm_summary(_tx(), tz="Asia/Shanghai"),
        CRMLabInputError,
        ["'date'", "tz='Asia/Shanghai'", "Fix: drop tz=", "tz_localize"],
    ),
    (
        "summary without a time unit",
        lambda: BetaGeo().fit(_summary().iloc[:, :3].copy().pipe(lambda f: f.attrs.clear() or f)),
        CRMLabInputError,
        ["attrs['time_unit'] is missing", "never assumed", "Fix: pass time_unit='W'"],
    ),
    (
        "CSV round trip loses the unit",
        lambda: BG.expected_purchases(_csv_round_trip(_summary("D")), 52),
        CRMLabInputError,
        ["data does not say", "time_unit", "Fix: pass time_unit="],
    ),
    (
        "summaries in different units concatenated",
        lambda: BG.probability_alive(pd.concat([_summary("W"), _summary("D")])),
        CRMLabInputError,
        ["pd.concat", "Fix: pass time_unit="],
    ),
    (
        "unit argument contradicts the data",
        lambda: BG.expected_purchases(_summary("D"), 52, time_unit="W"),
        CRMLabInputError,
        ["time_unit='W'", "'D'", "Fix: drop the time_unit argument"],
    ),
    (
        "CLV on a summary without a unit",
        lambda: customer_lifetime_value(BG, 10.0, _csv_round_trip(_summary("W"))),
        CRMLabInputError,
        ["data_time_unit", "Fix: pass data_time_unit='W'"],
    ),
    (
        "ids mixing numbers and text",
        lambda: rfm_summary(_tx(customer_id=[1, "1", "001"])),
        TypeError,
        ["'customer_id'", "'1'", "row 1", "Fix: make every id the same type"],
    ),
    (
        "ids holding True/False",
        lambda: rfm_summary(_tx(customer_id=[1, 1.0, True])),
        TypeError,
        ["'customer_id'", "1.0", "Fix: make every id the same type"],
    ),
    (
        "decimal ids",
        lambda: rfm_summary(_tx(customer_id=[1.0, 1.0, 2.0])),
        TypeError,
        ["'customer_id'", "1.0", "Fix: use whole numbers", "dtype="],
    ),
    (
        "booleans as amounts",
        lambda: rfm_summary(_tx(amount=[True, False, True])),
        TypeError,
        ["'amount'", "True", "Fix:"],
    ),
    (
        "complex amounts",
        lambda: rfm_summary(_tx(amount=np.array([1 + 0j, 2 + 1j, 3 + 0j]))),
        TypeError,
        ["'amount'", "(1+0j)", "Fix: pass real numbers"],
    ),
    (
        "numbers written as text",
        lambda: rfm_summary(_tx(amount=["10.0", "20.0", "5.0"])),
        CRMLabInputError,
        ["'amount'", "'10.0'", "Fix: convert the column yourself", "pd.to_numeric"],
    ),
    (
        "revenue beyond the float range",
        lambda: customer_metrics(_tx(amount=[1e308, 1e308, 1.0])),
        CRMLabInputError,
        ["'amount'", "1e+308", "too large for a float", "Fix: express the amounts"],
    ),
    (
        "booleans as customer values",
        lambda: gini([True, False, True]),
        TypeError,
        ["'values'", "True", "Fix:"],
    ),
    (
        "RFM scores when everyone bought on the snapshot day",
        lambda: rfm_scores(_tx(date=pd.to_datetime(["2020-01-05"] * 3))),
        CRMLabInputError,
        ["recency_days", "(0)", "snapshot day", "Fix:"],
    ),
    (
        "RFM scores for one customer",
        lambda: rfm_scores(_tx().iloc[:1]),
        CRMLabInputError,
        ["only one customer", "recency_days", "Fix:"],
    ),
    (
        "k-means on identical rows",
        lambda: kmeans_segments(pd.DataFrame({"a": [1.0] * 10, "b": [2.0] * 10})),
        CRMLabInputError,
        ["10 rows", "1 distinct", "Fix:"],
    ),
    (
        "expected purchases over an infinite horizon",
        lambda: BG.expected_purchases(_summary(), float("inf")),
        CRMLabInputError,
        ["t must be a finite number", "inf", "Fix:"],
    ),
    (
        "Gamma-Gamma on identical spends",
        lambda: GammaGamma().fit(
            pd.DataFrame({"frequency": [1, 2, 3, 4], "monetary_value": [25.0] * 4})
        ),
        CRMLabInputError,
        ["monetary_value", "(25)", "Fix:", "customer_lifetime_value(model, 25, summary)"],
    ),
    (
        "CLV beyond the float range",
        lambda: simple_clv(1e308, 0.9, 0.01),
        CRMLabInputError,
        ["simple_clv", "too large for a float", "Fix: express margin"],
    ),
    (
        "a date pandas cannot hold",
        lambda: rfm_summary(_tx(date=["1000-01-01", "2020-01-02", "2020-01-05"])),
        CRMLabInputError,
        ["'date'", "'1000-01-01'", "outside the range", "Fix: correct that date"],
    ),
    # ---- unhelpful failures before -----------------------------------------------------------
    (
        "duplicated column names",
        lambda: rfm_summary(_duplicated_columns(), date_col="customer_id"),
        CRMLabInputError,
        ["'amount'", "duplicated column", "Fix: rename or drop the copies"],
    ),
    (
        "integer observation_end",
        lambda: rfm_summary(_tx(), observation_end=20200131),
        TypeError,
        ["observation_end", "20200131", "nanoseconds", "Fix: pass observation_end='1997-09-30'"],
    ),
    (
        "observation_end as non-ISO text",
        lambda: rfm_summary(_tx(), observation_end="31/01/2020"),
        CRMLabInputError,
        ["observation_end", "'31/01/2020'", "Fix: write it as ISO"],
    ),
    (
        "infinite penalizer",
        lambda: BetaGeo(penalizer=float("inf")).fit(_summary()),
        CRMLabInputError,
        ["penalizer", "inf", "Fix: pass a finite value"],
    ),
    (
        "penalizer as text",
        lambda: BetaGeo(penalizer="0.001").fit(_summary()),
        TypeError,
        ["penalizer", "'0.001'", "Fix: pass a number"],
    ),
    (
        "horizon as text",
        lambda: BG.expected_purchases(_summary(), "52"),
        TypeError,
        ["t must be a number", "'52'", "Fix: pass a number"],
    ),
    (
        "horizon array as text",
        lambda: BG.expected_purchases_new(["52"]),
        TypeError,
        ["t must be", "'52'", "Fix: pass numbers"],
    ),
    (
        "rate as text",
        lambda: simple_clv(100, "0.8", 0.1),
        TypeError,
        ["retention", "'0.8'", "Fix: pass numbers"],
    ),
    (
        "years as text",
        lambda: cohort_profit(0.8, years="10"),
        TypeError,
        ["years", "'10'", "Fix: pass a number"],
    ),
    (
        "weights as text",
        lambda: check_weights({"a": "0.5", "b": 0.5}, ["a", "b"]),
        TypeError,
        ["weights['a']", "'0.5'", "Fix: pass a number"],
    ),
    (
        "spend Series with duplicated ids",
        _spend_with_duplicated_ids,
        CRMLabInputError,
        ["spend_model", "duplicated customer id", "(first: 1)", "Fix: keep one row per customer"],
    ),
    (
        "Gini of a 2-D array",
        lambda: gini(np.ones((3, 2))),
        TypeError,
        ["values", "(3, 2)", "Fix: pass one column"],
    ),
    (
        "text in quantile_scores",
        lambda: quantile_scores(["high", "low", "mid"]),
        TypeError,
        ["'values'", "'high'", "Fix: convert the column yourself"],
    ),
    (
        "k outside what the customers allow",
        lambda: kmeans_segments(
            pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 1, 5, 3, 3]}), k_range=range(2, 9)
        ),
        CRMLabInputError,
        ["k must be", "got 5", "Fix: pass k_range=range(2, 5)"],
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "pieces"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_refused_with_an_actionable_message(call, error, pieces):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for piece in pieces:
        assert piece in message, f"{piece!r} not in: {message}"


def test_a_folder_where_the_data_file_should_be(tmp_path, monkeypatch):
    with pytest.raises(DatasetError) as info:
        _dataset_folder(tmp_path, monkeypatch)
    message = str(info.value)
    assert "cdnow_sample" in message and "is a folder" in message and "Fix: move" in message


def test_a_unit_stated_by_argument_gives_the_numbers_of_the_original_summary():
    summary = _summary("W")
    loaded = _csv_round_trip(summary)
    want = BG.expected_purchases(summary, 52)
    np.testing.assert_allclose(BG.expected_purchases(loaded, 52, time_unit="W"), want)
    np.testing.assert_allclose(
        BG.probability_alive(loaded, time_unit="W"), BG.probability_alive(summary)
    )
    clv = customer_lifetime_value(BG, 10.0, loaded, data_time_unit="W")
    np.testing.assert_allclose(clv, customer_lifetime_value(BG, 10.0, summary))
    simulated = BG.simulate(300, 52.0, random_state=1)
    simulated.attrs.clear()
    with pytest.raises(CRMLabInputError, match="never assumed"):
        BetaGeo().fit(simulated)
    assert BetaGeo().fit(simulated, time_unit="W").time_unit_ == "W"
