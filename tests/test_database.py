"""The lesson-09 SQL gives the same numbers as the pandas functions, on real CDNOW data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import database as db
from crmlab import segmentation, transactions
from crmlab.clv import cohort_table
from crmlab.datasets import simulate_crm_extract, simulate_transaction_log
from crmlab.errors import CRMLabInputError


@pytest.fixture(scope="module")
def cdnow_db(cdnow_master):
    con = db.connect(threads=1)
    assert db.load_transactions(con, cdnow_master) == len(cdnow_master)
    yield con
    con.close()


@pytest.fixture(scope="module")
def extract_db():
    ex = simulate_crm_extract(2000, random_state=4)
    con = db.connect(threads=1)
    db.load_crm_extract(con, ex)
    yield ex, con
    con.close()


@pytest.mark.parametrize(
    ("time_unit", "calibration_end"), [("D", None), ("W", "1997-09-30"), ("M", "1998-01-31")]
)
def test_sql_rfm_summary_equals_rfm_summary(cdnow_db, cdnow_master, time_unit, calibration_end):
    sql = db.rfm_summary(cdnow_db, time_unit=time_unit, calibration_end=calibration_end)
    pandas = transactions.rfm_summary(
        cdnow_master, time_unit=time_unit, calibration_end=calibration_end
    )
    pd.testing.assert_frame_equal(sql, pandas, check_exact=False, rtol=1e-10)
    assert sql.attrs == pandas.attrs
    assert sql["frequency"].sum() > 10_000


def test_sql_rfm_summary_on_generated_logs_with_returns():
    for seed in range(3):
        log = simulate_transaction_log(3000, n_customers=400, days=200, random_state=seed)
        log.loc[log.index[::97], "amount"] *= -1  # a few returns
        con = db.connect(threads=1)
        db.load_transactions(con, log)
        with pytest.raises(CRMLabInputError, match="negative amount"):
            db.rfm_summary(con)
        kw = dict(time_unit="W", calibration_end="2020-05-01", observation_end="2020-07-31")
        sql = db.rfm_summary(con, allow_negative=True, **kw)
        pandas = transactions.rfm_summary(log, allow_negative=True, **kw)
        pd.testing.assert_frame_equal(sql, pandas, check_exact=False, rtol=1e-10)
        assert sql.attrs == pandas.attrs


def test_sql_rfm_table_equals_lesson_3(cdnow_db, cdnow_master):
    for snapshot in (None, "1998-12-31"):
        sql = db.rfm_table(cdnow_db, snapshot_date=snapshot)
        pandas = segmentation.rfm_table(cdnow_master, snapshot_date=snapshot)
        pd.testing.assert_frame_equal(sql, pandas, check_exact=False, rtol=1e-10)
        assert sql.attrs == pandas.attrs


@pytest.mark.parametrize(("period", "values"), [("M", "retention"), ("W", "customers")])
def test_sql_cohort_table_equals_cohort_table(cdnow_db, cdnow_master, period, values):
    sql = db.cohort_table(cdnow_db, period, values)
    pandas = cohort_table(cdnow_master, period, values)
    pd.testing.assert_frame_equal(sql, pandas, check_exact=False, rtol=1e-12)
    assert sql.attrs == pandas.attrs
    assert sql.isna().to_numpy().sum() > 0  # unobservable cells stay empty


def test_purchase_sequence_and_nth_purchase(cdnow_db, cdnow_master):
    seq = db.purchase_sequence(cdnow_db)
    days = cdnow_master.groupby(["customer_id", "date"], as_index=False)["amount"].sum()
    assert len(seq) == len(days)
    gaps = days.groupby("customer_id")["date"].diff().dt.days.to_numpy(dtype=float)
    np.testing.assert_array_equal(seq["days_since_previous"].to_numpy(), gaps)
    running = days.groupby("customer_id")["amount"].cumsum().to_numpy()
    np.testing.assert_allclose(seq["running_spend"].to_numpy(), running, rtol=1e-10)
    nth = db.nth_purchase(cdnow_db, max_n=5)
    reach = segmentation.rfm_table(cdnow_master)["frequency"]
    assert nth["customers"].tolist() == [int((reach >= n).sum()) for n in range(1, 6)]
    second = seq.loc[seq["purchase_number"] == 2, "days_since_previous"].median()
    assert nth.loc[2, "median_days_since_previous"] == second


def test_running_revenue(cdnow_db, cdnow_master):
    run = db.running_revenue(cdnow_db)
    monthly = cdnow_master.groupby(cdnow_master["date"].dt.to_period("M"))["amount"].sum()
    np.testing.assert_allclose(run["revenue"].to_numpy(), monthly.to_numpy(), rtol=1e-10)
    assert run["running_revenue"].iloc[-1] == pytest.approx(cdnow_master["amount"].sum())
    assert run["share_of_total"].iloc[-1] == pytest.approx(1.0)
    assert run["running_revenue"].is_monotonic_increasing


def test_transaction_checks_count_the_quirks(cdnow_db, cdnow_master):
    counts = db.run_checks(cdnow_db)["rows"]
    tx = cdnow_master
    assert counts["exact duplicate rows"] == tx.duplicated().sum() > 0
    assert counts["same-day repeat orders"] == tx.duplicated(["customer_id", "date"]).sum()
    assert counts["zero amounts"] == (tx["amount"] == 0).sum() > 0
    assert counts["negative amounts"] == 0 and counts["missing values"] == 0
    rows = db.check_rows(cdnow_db, "zero amounts")
    assert len(rows) == counts["zero amounts"] and (rows["amount"] == 0).all()
    with pytest.raises(CRMLabInputError, match="no check called"):
        db.check_rows(cdnow_db, "typo")


def test_extract_checks_find_what_was_planted(extract_db):
    ex, con = extract_db
    counts = db.run_checks(con, db.EXTRACT_CHECKS, extract_date=ex.extract_date)["rows"]
    p = ex.planted
    assert counts.to_dict() == {
        "duplicate customers": p["duplicate_customers"],
        "duplicate order rows": p["duplicate_order_rows"],
        "orphan orders": p["orphan_orders"],
        "orphan order lines": p["orphan_order_lines"],
        "orders before sign-up": p["orders_before_signup"],
        "orders in the future": p["future_orders"],
        "negative prices or quantities": p["negative_prices"],
    }
    with pytest.raises(CRMLabInputError, match="extract_date"):
        db.run_checks(con, db.EXTRACT_CHECKS)


def _pandas_customer_revenue(ex) -> pd.Series:
    """The customer-360 revenue computed independently in pandas."""
    c = ex.customers.sort_values(["signup_date", "customer_id"])
    key = c.groupby(c["email"].str.lower())["customer_id"].transform("first")
    mapping = pd.Series(key.to_numpy(), index=c["customer_id"])
    o = ex.orders.drop_duplicates()
    o = o[o["customer_id"].isin(mapping.index) & (o["order_date"] <= ex.extract_date)]
    o = o.assign(customer_id=o["customer_id"].map(mapping))
    lines = ex.order_lines[(ex.order_lines["unit_price"] >= 0)]
    value = (lines["quantity"] * lines["unit_price"]).groupby(lines["order_id"]).sum()
    o = o.assign(amount=o["order_id"].map(value).fillna(0.0))
    return o.groupby("customer_id")["amount"].sum()


def test_load_crm_extract_from_a_mapping(extract_db):
    ex, _ = extract_db
    con = db.connect()
    counts = db.load_crm_extract(con, dict(ex.tables()))["rows"]
    assert counts.to_dict() == {name: len(frame) for name, frame in ex.tables().items()}
    with pytest.raises(CRMLabInputError, match="no 'orders' table"):
        db.load_crm_extract(con, {"customers": ex.customers})
    con.close()


def test_clean_extract_and_customer_360(extract_db):
    ex, con = extract_db
    with pytest.raises(CRMLabInputError, match="clean_extract"):
        db.customer_360(db.connect())
    report = db.clean_extract(con, extract_date=ex.extract_date)["rows"]
    p = ex.planted
    assert report["customer records merged into another"] == p["duplicate_customers"]
    assert report["duplicate order rows removed"] == p["duplicate_order_rows"]
    assert report["orphan orders left out"] == p["orphan_orders"]
    assert report["future orders left out"] == p["future_orders"]
    assert report["sign-up dates moved to the first order"] == p["signup_after_first_order"]
    c360 = db.customer_360(con)
    pd.testing.assert_frame_equal(
        db.run(con, "SELECT * FROM customer_360 ORDER BY customer_id").set_index("customer_id"),
        c360,
    )
    assert c360.index.is_unique and len(c360) == len(ex.customers) - p["duplicate_customers"]
    revenue = _pandas_customer_revenue(ex)
    np.testing.assert_allclose(
        c360["revenue"].reindex(revenue.index).to_numpy(), revenue.to_numpy(), rtol=1e-10
    )
    assert (c360["orders"] >= 1).all()  # every customer placed a first order
    assert (c360["first_order"] >= c360["signup_date"]).all()
    assert c360["contacts"].sum() == len(ex.contacts)
    complaints = (ex.contacts["reason"] == "complaint").sum()
    assert c360["complaints"].sum() == complaints


def test_load_and_argument_errors(cdnow_master):
    con = db.connect()
    text_dates = cdnow_master.head().assign(date=lambda d: d["date"].dt.strftime("%Y%m%d"))
    with pytest.raises(CRMLabInputError, match="not dates"):
        db.load_transactions(con, text_dates)
    with pytest.raises(CRMLabInputError, match="plain SQL name"):
        db.load_transactions(con, cdnow_master.head(), table="x; DROP TABLE y")
    db.load_transactions(con, cdnow_master.head(50))
    with pytest.raises(CRMLabInputError, match="after observation_end"):
        db.rfm_summary(con, observation_end="1997-01-01")
    with pytest.raises(CRMLabInputError, match="outside the data"):
        db.rfm_summary(con, calibration_end="1990-01-01")
    with pytest.raises(CRMLabInputError, match="time_unit"):
        db.rfm_summary(con, time_unit="fortnight")
    with pytest.raises(CRMLabInputError, match="period"):
        db.cohort_table(con, "month")
    with pytest.raises(CRMLabInputError, match="max_n"):
        db.nth_purchase(con, max_n=0)
    returns = cdnow_master.head(50).assign(amount=lambda d: d["amount"].where(d.index != 3, -5.0))
    db.load_transactions(con, returns)
    with pytest.raises(CRMLabInputError, match="1 of 50 rows have a negative amount"):
        db.rfm_table(con)
    missing = cdnow_master.head(50).assign(date=lambda d: d["date"].where(d.index != 7))
    db.load_transactions(con, missing)
    for query in (db.cohort_table, db.purchase_sequence, db.nth_purchase, db.running_revenue):
        with pytest.raises(CRMLabInputError, match="1 of 50 rows have no date"):
            query(con)
    db.load_transactions(con, cdnow_master.head(50))
    plan = db.explain(con, db.summaries.RFM_SUMMARY_SQL, **_rfm_params())
    assert "AGGREGATE" in plan.upper()
    overview = db.table_overview(con)
    assert overview.loc["transactions", "rows"] == 50


def _rfm_params() -> dict:
    import datetime as dt

    day = (dt.date(1997, 3, 1) - dt.date(1970, 1, 1)).days  # the SQL takes day numbers
    return {"observation_end": day, "calibration_end": day, "unit_days": 7.0}


def test_load_transactions_quotes_every_column_name(tmp_path):
    """Column names are quoted identifiers: a name holding quotes, a semicolon or SQL is data."""
    name = """note" FROM x; COPY (SELECT 'x') TO 'pwned.txt'; SELECT "note"""
    log = pd.DataFrame(
        {
            'client "id"': ["a", "b"],
            "day": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "value": [1.0, 2.0],
            name: ["x", "y"],
        }
    )
    con = db.connect()
    n = db.load_transactions(
        con, log, customer_col='client "id"', date_col="day", amount_col="value"
    )
    assert n == 2
    got = db.run(con, "SELECT * FROM transactions ORDER BY customer_id")
    assert list(got["customer_id"]) == ["a", "b"] and list(got[name]) == ["x", "y"]
    assert not list(tmp_path.rglob("pwned.txt"))
    assert list(db.table_overview(con).index) == ["transactions"]
