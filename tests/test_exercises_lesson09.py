"""Exercise set 09: references agree with independent computations; SQL mistakes get their hint."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab import database
from crmlab.exercises import lesson09 as ex


@pytest.fixture(scope="module")
def con():
    data = ex.load()
    con = database.connect(threads=1)
    database.load_crm_extract(con, data["extract"])
    database.clean_extract(con, extract_date=data["extract"].extract_date)
    database.customer_360(con)
    database.load_transactions(con, data["tx"])
    yield con
    con.close()


def _hint(q, answer):
    result = q.evaluate(answer)
    assert result.status == "incorrect", result
    return result.message


def test_q1_reference_from_the_lesson_sql(con):
    """The lesson's channel query (with counts) gives the pandas reference."""
    sql = """SELECT channel, SUM(CASE WHEN purchase_days >= 2 THEN 1 ELSE 0 END) AS n
             FROM customer_360 GROUP BY channel"""
    by_sql = database.run(con, sql).set_index("channel")["n"]
    assert ex.q1.evaluate(by_sql).status == "correct"
    assert set(ex.q1.reference().index) == {"store", "web", "app", "marketplace"}
    everyone = database.run(con, "SELECT channel, COUNT(*) AS n FROM customer_360 GROUP BY 1")
    assert "every customer" in _hint(ex.q1, everyone.set_index("channel")["n"])
    raw = """
        SELECT c.channel, COUNT(*) AS n FROM customers c
        JOIN (SELECT customer_id FROM orders GROUP BY customer_id
              HAVING COUNT(DISTINCT order_date) >= 2) r ON r.customer_id = c.customer_id
        GROUP BY c.channel"""
    assert "raw tables" in _hint(ex.q1, database.run(con, raw).set_index("channel")["n"])


def test_q2_orphan_revenue_matches_the_lesson_check(con):
    orphans = database.check_rows(con, "orphan orders", database.EXTRACT_CHECKS)
    assert len(orphans) == ex.load()["extract"].planted["orphan_orders"]
    lines = ex.load()["extract"].order_lines
    mine = lines[lines["order_id"].isin(orphans["order_id"])]
    assert ex.q2.reference() == pytest.approx((mine["quantity"] * mine["unit_price"]).sum())
    assert "number of orphan orders" in _hint(ex.q2, len(orphans))
    assert "unit prices" in _hint(ex.q2, mine["unit_price"].sum())
    lost = database.check_rows(con, "orphan order lines", database.EXTRACT_CHECKS)
    assert "orphan order *lines*" in _hint(ex.q2, (lost["quantity"] * lost["unit_price"]).sum())


def test_q3_equals_the_sql_cohort_table(con):
    table = database.cohort_table(con, "M", "retention")
    feb = pd.Period("1997-02", "M")
    assert ex.q3.reference() == pytest.approx(table.loc[feb, 3])
    assert "age 2" in _hint(ex.q3, table.loc[feb, 2])
    assert "percentage" in _hint(ex.q3, 100 * table.loc[feb, 3])
    counts = database.cohort_table(con, "M", "customers")
    assert "number of customers" in _hint(ex.q3, counts.loc[feb, 3])


def test_q4_equals_the_lesson_nth_purchase_table(con):
    nth = database.nth_purchase(con, max_n=2)
    assert ex.q4.reference() == pytest.approx(nth.loc[2, "median_days_since_previous"])
    seq = database.purchase_sequence(con)
    assert "all gaps" in _hint(ex.q4, seq["days_since_previous"].median())
    second = seq.loc[seq["purchase_number"] == 2, "days_since_previous"]
    assert "mean" in _hint(ex.q4, second.mean())


def test_q5_is_positive_though_complaints_have_no_effect():
    c = ex.load()["customer_360"]
    repeat = c["purchase_days"] >= 2
    complained = c["complaints"] >= 1
    diff = repeat[complained].mean() - repeat[~complained].mean()
    assert ex.q5.reference() == pytest.approx(diff)
    assert ex.q5.reference() > 0.2  # contacts come with orders: association, not effect
    assert "reversed" in _hint(ex.q5, -diff)
    assert "ratio" in _hint(ex.q5, repeat[complained].mean() / repeat[~complained].mean())
