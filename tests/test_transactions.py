"""rfm_summary: published reference figures, an independent pandas computation, every bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.errors import CRMLabInputError
from crmlab.transactions import (
    LOG_FORMAT_DEFAULTS,
    TIME_UNITS,
    LogFormat,
    full_log_format,
    rfm_summary,
    time_unit_days,
    validate_transactions,
)


def _reference_summary(tx: pd.DataFrame, cal_end: str, obs_end: str, unit: float) -> pd.DataFrame:
    """A slow, obvious pandas version of the same summary, to compare against."""
    daily = tx.groupby(["customer_id", "date"], as_index=False)["amount"].sum()
    cal = daily[daily["date"] <= cal_end]
    first = cal.groupby("customer_id")["date"].min()
    rows = []
    for cid, first_day in first.items():
        c = cal[cal["customer_id"] == cid].sort_values("date")
        h = daily[(daily["customer_id"] == cid) & (daily["date"] > cal_end)]
        rows.append(
            {
                "customer_id": cid,
                "frequency": len(c) - 1,
                "recency": (c["date"].max() - first_day).days / unit,
                "T": (pd.Timestamp(cal_end) - first_day).days / unit,
                "monetary_value": c["amount"].iloc[1:].mean() if len(c) > 1 else 0.0,
                "frequency_holdout": len(h),
                "monetary_value_holdout": h["amount"].mean() if len(h) else 0.0,
                "duration_holdout": (pd.Timestamp(obs_end) - pd.Timestamp(cal_end)).days / unit,
            }
        )
    return pd.DataFrame(rows).set_index("customer_id")


def test_cdnow_sample_reference_figures(cdnow_sample):
    # Reference figures: shared/data/README.md; Fader, Hardie & Lee (2005) use these data.
    s = rfm_summary(cdnow_sample, calibration_end="1997-09-30", time_unit="W")
    assert len(s) == 2_357
    assert (s["frequency"] > 0).sum() == 946
    assert s["frequency"].sum() == 2_457
    first = cdnow_sample.groupby("customer_id")["date"].min()
    jan1 = first[first == pd.Timestamp("1997-01-01")].index
    assert len(jan1) > 0
    np.testing.assert_allclose(s.loc[jan1, "T"], 272 / 7)
    assert s.attrs["time_unit"] == "W" and s.attrs["unit_days"] == 7.0
    assert s.attrs["calibration_end"] == "1997-09-30"
    assert s.attrs["observation_end"] == "1998-06-30"
    assert (s["duration_holdout"] == 273 / 7).all()


def test_matches_an_independent_pandas_computation(cdnow_sample):
    some = cdnow_sample[
        cdnow_sample["customer_id"].isin(cdnow_sample["customer_id"].unique()[:150])
    ]
    ours = rfm_summary(some, calibration_end="1997-09-30", observation_end="1998-06-30")
    ref = _reference_summary(some, "1997-09-30", "1998-06-30", 7.0)
    pd.testing.assert_frame_equal(ours, ref.loc[ours.index], check_dtype=False, check_names=False)


def test_master_reference_figures(cdnow_master):
    # shared/notes/clv-libraries.md: 9,451 repeaters, 24,337 repeat transactions, 19,684 holdout
    s = rfm_summary(cdnow_master, calibration_end="1997-09-30")
    assert len(s) == 23_570
    assert (s["frequency"] > 0).sum() == 9_451
    assert s["frequency"].sum() == 24_337
    assert s["frequency_holdout"].sum() == 19_684
    assert s.attrs["merged_same_day_rows"] > 0


def test_same_day_orders_are_merged_and_reported():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-15", "2020-01-08"]),
            "amount": [10.0, 5.0, 20.0, 7.0],
        }
    )
    s = rfm_summary(tx, observation_end="2020-01-29", time_unit="D")
    assert s.loc["a", "frequency"] == 1  # two orders on day 1 are one purchase
    assert s.loc["a", "recency"] == 14 and s.loc["a", "T"] == 28
    assert s.loc["a", "monetary_value"] == 20.0  # repeat days only
    assert s.loc["b", "monetary_value"] == 0.0 and s.loc["b", "T"] == 21
    assert s.attrs["merged_same_day_rows"] == 1
    assert "frequency_holdout" not in s.columns


def test_time_units_scale_times():
    tx = pd.DataFrame(
        {"customer_id": [1, 1], "date": ["2020-01-01", "2020-03-01"], "amount": [1.0, 2.0]}
    )
    days = rfm_summary(tx, time_unit="D", observation_end="2020-12-31")
    for unit, length in TIME_UNITS.items():
        s = rfm_summary(tx, time_unit=unit, observation_end="2020-12-31")
        np.testing.assert_allclose(s["T"] * length, days["T"])
        np.testing.assert_allclose(s["recency"] * length, days["recency"])
    assert time_unit_days("M") == pytest.approx(30.4375)


def test_customers_first_buying_after_calibration_are_counted():
    tx = pd.DataFrame(
        {"customer_id": ["a", "b"], "date": ["2020-01-01", "2020-02-01"], "amount": [1.0, 1.0]}
    )
    s = rfm_summary(tx, calibration_end="2020-01-15")
    assert list(s.index) == ["a"]
    assert s.attrs["customers_first_after_calibration"] == 1


def test_amount_col_none_gives_no_money_columns():
    tx = pd.DataFrame({"customer_id": ["a", "a"], "date": ["2020-01-01", "2020-01-09"]})
    s = rfm_summary(tx, amount_col=None, calibration_end="2020-01-05")
    assert "monetary_value" not in s.columns and "monetary_value_holdout" not in s.columns
    assert s.loc["a", "frequency_holdout"] == 1


def test_negative_amounts_allowed_when_asked():
    tx = pd.DataFrame(
        {"customer_id": ["a", "a"], "date": ["2020-01-01", "2020-01-09"], "amount": [5.0, -2.0]}
    )
    s = rfm_summary(tx, allow_negative=True, time_unit="D")
    assert s.loc["a", "monetary_value"] == -2.0


def test_custom_column_names():
    tx = pd.DataFrame({"cid": ["x", "x"], "when": ["2021-05-01", "2021-05-03"], "eur": [1.0, 3.0]})
    s = rfm_summary(tx, customer_col="cid", date_col="when", amount_col="eur", time_unit="D")
    assert s.index.name == "cid" and s.loc["x", "monetary_value"] == 3.0


# --- bad input: every case names the column, the count, the first value and a fix ----------
GOOD = {
    "customer_id": ["a", "a", "b"],
    "date": ["2020-01-01", "2020-01-05", "2020-01-03"],
    "amount": [1.0, 2.0, 3.0],
}


def _tx(**changes) -> pd.DataFrame:
    return pd.DataFrame({**GOOD, **changes})


def _refused(error: type[Exception], match: str, **changes) -> None:
    """rfm_summary refuses the good log with ``changes`` made: ``error``, message matching ``match``."""
    with pytest.raises(error, match=match):
        rfm_summary(_tx(**changes))


def test_not_a_dataframe():
    with pytest.raises(TypeError, match="must be a pandas DataFrame, got list"):
        rfm_summary([1, 2, 3])


def test_empty_frame():
    with pytest.raises(ValueError, match="empty"):
        rfm_summary(_tx().iloc[:0])


def test_missing_column_lists_what_is_there():
    with pytest.raises(
        ValueError, match=r"missing column\(s\) 'amount'.*'customer_id'.*amount_col="
    ):
        rfm_summary(_tx().drop(columns="amount"))


def test_missing_ids():
    _refused(
        ValueError,
        r"'customer_id' — 1 of 3 rows have no customer id \(first: row 1",
        customer_id=["a", None, "b"],
    )


def test_missing_dates():
    _refused(
        ValueError,
        r"'date' — 1 of 3 rows have no date \(first: row 2",
        date=["2020-01-01", "2020-01-05", None],
    )


def test_unparsable_dates():
    _refused(
        ValueError,
        r"1 of 3 rows cannot be read as dates.*'2020-13-45'.*pd.to_datetime",
        date=["2020-01-01", "2020-13-45", "2020-01-03"],
    )


def test_numeric_dates_are_a_type_error_with_a_fix():
    _refused(TypeError, "holds numbers.*format='%Y%m%d'", date=[20200101, 20200105, 20200103])


def test_non_numeric_amounts():
    _refused(
        ValueError, r"'amount' — 1 of 3 rows are not numbers.*'12,50'", amount=[1.0, "12,50", 3]
    )


def test_numbers_written_as_text_are_not_read_silently():
    _refused(
        ValueError,
        r"3 of 3 rows are not numbers \(text\).*'1.0'.*to_numeric",
        amount=["1.0", "12.50", "3"],
    )


def test_all_text_amounts_is_a_type_error():
    _refused(TypeError, "are not numbers", amount=["one", "two", "three"])


def test_missing_amounts():
    _refused(ValueError, r"'amount' — 1 of 3 rows are missing \(NaN\)", amount=[1.0, np.nan, 3.0])


def test_negative_amounts_explain_the_option():
    _refused(
        ValueError,
        r"1 of 3 rows are below 0 \(first: row 1, value -2.0\).*allow_negative=True",
        amount=[1.0, -2.0, 3.0],
    )


def test_dates_after_observation_end():
    with pytest.raises(ValueError, match=r"1 of 3 rows are after observation_end 2020-01-04"):
        rfm_summary(_tx(), observation_end="2020-01-04")


@pytest.mark.parametrize("cal_end", ["2019-12-31", "2020-01-05", "2020-02-01"])
def test_calibration_end_outside_the_data(cal_end):
    with pytest.raises(ValueError, match="calibration_end .* is outside the data"):
        rfm_summary(_tx(), calibration_end=cal_end)


def test_bad_calibration_date_text():
    with pytest.raises(ValueError, match="must be a date"):
        rfm_summary(_tx(), calibration_end="not a date")


def test_unknown_time_unit():
    with pytest.raises(ValueError, match="time_unit must be one of.*got 'weeks'"):
        rfm_summary(_tx(), time_unit="weeks")


def test_input_is_not_modified():
    tx = _tx()
    before = tx.copy()
    rfm_summary(tx)
    pd.testing.assert_frame_equal(tx, before)


# ---------------------------------------------------------------- dates, zones and ids as written
@pytest.mark.parametrize(
    ("dates", "kwargs", "recency_days"),
    [
        (["01/02/2020", "13/02/2020", "03/03/2020"], {"date_format": "%d/%m/%Y"}, 12),
        (["01/02/2020", "13/02/2020", "03/03/2020"], {"dayfirst": True}, 12),
        (["01/02/2020", "02/13/2020", "03/03/2020"], {"dayfirst": False}, 42),
        (["2020-01-31", "2020-02-12T23:59", "2020-03-02"], {}, 12),
    ],
)
def test_text_dates_read_with_one_format(dates, kwargs, recency_days):
    # customer 1 buys on dates[0] and dates[1], customer 2 on dates[2]
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": dates, "amount": [1.0, 2.0, 3.0]})
    got = rfm_summary(tx, time_unit="D", **kwargs)
    assert got.loc[1, "recency"] == recency_days


def test_zone_aware_dates_keep_their_own_day_or_convert_to_tz():
    # 07:30 on 2 January in Shanghai is 23:30 on 1 January in UTC
    stamps = ["2020-01-01T23:30+08:00", "2020-01-02T07:30+08:00", "2020-01-03T12:00+08:00"]
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": stamps, "amount": [1.0, 2.0, 3.0]})
    local = rfm_summary(tx, time_unit="D")
    assert local.loc[1, "frequency"] == 1  # 1 and 2 January, Shanghai time
    utc = rfm_summary(tx, time_unit="D", tz="UTC")
    assert utc.loc[1, "frequency"] == 0  # both on 1 January in UTC: merged
    assert utc.attrs["merged_same_day_rows"] == 1


def test_mixed_zones_are_converted_when_tz_is_given():
    stamps = [
        pd.Timestamp("2020-01-01 23:30", tz="Asia/Shanghai"),
        pd.Timestamp("2020-01-01 16:00", tz="UTC"),  # = 2 January 00:00 in Shanghai
        pd.Timestamp("2020-01-03 12:00", tz="UTC"),
    ]
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": stamps, "amount": [1.0, 2.0, 3.0]})
    got = rfm_summary(tx, time_unit="D", tz="Asia/Shanghai")
    assert got.loc[1, "frequency"] == 1 and got.loc[1, "recency"] == 1.0


def test_text_ids_are_compared_as_written_and_sorted_as_text():
    tx = pd.DataFrame(
        {
            "customer_id": ["1", "001", "9", "10", "1"],
            "date": pd.to_datetime(
                ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04", "2020-01-05"]
            ),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    got = rfm_summary(tx)
    assert list(got.index) == ["001", "1", "10", "9"]
    assert got.loc["1", "frequency"] == 1 and got.loc["001", "frequency"] == 0


# ---- the LogFormat keywords: one set, read the same way by every function ------------------
def _readers(bg_cdnow) -> dict:
    """Every public function that reads a log with the LogFormat keywords, ready to call."""
    from crmlab import clv, economics, segmentation, value

    return {
        "validate_transactions": lambda tx, **kw: validate_transactions(tx, **kw).customer,
        "rfm_summary": lambda tx, **kw: rfm_summary(tx, calibration_end="1997-06-30", **kw),
        "rfm_table": lambda tx, **kw: segmentation.rfm_table(tx, **kw),
        "rfm_scores": lambda tx, **kw: segmentation.rfm_scores(tx, **kw),
        "customer_metrics": lambda tx, **kw: value.customer_metrics(tx, **kw),
        "cohort_table": lambda tx, **kw: clv.cohort_table(tx, "M", "revenue", **kw),
        "historical_value": lambda tx, **kw: clv.historical_value(tx, rate=0.1, **kw),
        "tracking_table": lambda tx, **kw: clv.tracking_table(bg_cdnow, tx, **kw),
        "purchase_count_distribution": economics.purchase_count_distribution,
        "one_time_buyer_share": economics.one_time_buyer_share,
        "repeat_purchase_ladder": economics.repeat_purchase_ladder,
    }


def test_every_log_reader_is_in_the_consistency_tests(bg_cdnow):
    import ast
    from pathlib import Path

    import crmlab

    found = set()
    for path in Path(crmlab.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                kwarg = node.args.kwarg
                if kwarg is not None and "LogFormat" in ast.unparse(kwarg.annotation or kwarg):
                    found.add(node.name)
    assert found == set(_readers(bg_cdnow))


def _renamed(tx: pd.DataFrame) -> pd.DataFrame:
    """The same log with other column names and day-first text dates."""
    return pd.DataFrame(
        {
            "client": tx["customer_id"],
            "day": pd.to_datetime(tx["date"]).dt.strftime("%d/%m/%Y"),
            "spend": tx["amount"],
        }
    )


@pytest.mark.parametrize("reader", sorted(_readers(None)))
def test_log_readers_read_names_and_date_formats_the_same_way(reader, cdnow_sample, bg_cdnow):
    call = _readers(bg_cdnow)[reader]
    plain = call(cdnow_sample)
    renamed = _renamed(cdnow_sample)
    options = {"customer_col": "client", "date_col": "day", "amount_col": "spend"}
    for how in ({"date_format": "%d/%m/%Y"}, {"dayfirst": True}):
        got = call(renamed, **options, **how)
        if isinstance(plain, pd.DataFrame):
            pd.testing.assert_frame_equal(got, plain, check_names=False)
        elif isinstance(plain, pd.Series):
            pd.testing.assert_series_equal(got, plain, check_names=False)
        else:
            assert got == plain
    with pytest.raises(CRMLabInputError, match="'day'.*Fix"):
        call(renamed, **options)  # day-first text is never guessed


@pytest.mark.parametrize("reader", sorted(_readers(None)))
def test_log_readers_refuse_a_misspelt_keyword_and_list_the_right_ones(reader, cdnow_sample):
    call = _readers(None)[reader]
    with pytest.raises(TypeError, match=r"'customer'.*customer_col=, date_col=, amount_col="):
        call(cdnow_sample, customer="customer_id")


def test_log_format_defaults_are_filled_in():
    assert full_log_format({"date_col": "day"}) == {**LOG_FORMAT_DEFAULTS, "date_col": "day"}
    assert set(LOG_FORMAT_DEFAULTS) == set(LogFormat.__annotations__)


def test_cut_off_errors_show_the_date_as_written():
    tx = _renamed(_tx())
    expected = r"'day'.*after observation_end.*'05/01/2020'.*df\[pd.to_datetime\(df\['day'\]"
    with pytest.raises(CRMLabInputError, match=expected):  # a text column is never compared as text
        rfm_summary(
            tx,
            customer_col="client",
            date_col="day",
            amount_col="spend",
            dayfirst=True,
            observation_end="2020-01-03",
        )
