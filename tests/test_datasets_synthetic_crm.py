"""The synthetic CRM extract: seeded, its planted problems countable, its true effects visible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import CRMExtract, simulate_crm_extract
from crmlab.datasets.synthetic_crm import CRM_CHANNELS, CRM_PROBLEMS
from crmlab.errors import CRMLabInputError


@pytest.fixture(scope="module")
def extract() -> CRMExtract:
    return simulate_crm_extract(3000, random_state=11)


def test_tables_columns_and_seed(extract):
    tables = extract.tables()
    assert list(tables) == ["customers", "orders", "order_lines", "contacts"]
    assert list(extract.customers.columns) == [
        "customer_id",
        "email",
        "signup_date",
        "channel",
        "region",
        "tier",
    ]
    assert list(extract.orders.columns) == ["order_id", "customer_id", "order_date"]
    again = simulate_crm_extract(3000, random_state=11)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, again.tables()[name])
    other = simulate_crm_extract(3000, random_state=12)
    assert not extract.orders.equals(other.orders)
    assert set(extract.customers["channel"]) == set(CRM_CHANNELS)


def test_planted_problems_have_the_stated_counts(extract):
    c, o, lines = extract.customers, extract.orders, extract.order_lines
    planted = extract.planted
    assert c["email"].str.lower().duplicated().sum() == planted["duplicate_customers"]
    assert o["order_id"].duplicated().sum() == planted["duplicate_order_rows"]
    assert o.duplicated().sum() == planted["duplicate_order_rows"]  # whole rows, not just ids
    assert (~o["customer_id"].isin(c["customer_id"])).sum() == planted["orphan_orders"]
    assert (~lines["order_id"].isin(o["order_id"])).sum() == planted["orphan_order_lines"]
    assert (o["order_date"] > extract.extract_date).sum() == planted["future_orders"]
    assert (lines["unit_price"] < 0).sum() == planted["negative_prices"]
    joined = o.drop_duplicates().merge(c, on="customer_id")
    early = joined["order_date"] < joined["signup_date"]
    assert early.sum() == planted["orders_before_signup"] > 0
    assert joined.loc[early, "customer_id"].nunique() == planted["signup_after_first_order"]
    assert {k: planted[k] for k in CRM_PROBLEMS} == CRM_PROBLEMS


def test_clean_part_is_consistent(extract):
    c, o = extract.customers, extract.orders
    known = o[o["customer_id"].isin(c["customer_id"]) & (o["order_date"] <= "2024-12-31")]
    assert known["order_date"].min() >= pd.Timestamp("2023-01-01")
    assert extract.order_lines["quantity"].min() >= 1
    assert extract.contacts["contact_date"].max() <= pd.Timestamp(extract.extract_date)
    k = extract.contacts.merge(c, on="customer_id")
    assert (k["contact_date"] >= k["signup_date"]).all()


def test_true_effects_show_in_a_large_extract():
    ex = simulate_crm_extract(20000, random_state=5)
    c = ex.customers.drop_duplicates("email")
    n = ex.orders.drop_duplicates().groupby("customer_id").size()
    data = c.set_index("customer_id").join(n.rename("orders")).fillna({"orders": 0})
    repeat = (data["orders"] > 1).groupby(data["channel"]).mean()
    # repeat share rises with the true repeat probability; the marketplace is far below
    truth = pd.Series({k: v["repeat"] for k, v in CRM_CHANNELS.items()})
    assert list(repeat.sort_values().index) == list(truth.sort_values().index)
    assert repeat["marketplace"] < 0.5 * repeat.drop("marketplace").min()
    # the region is a placebo
    by_region = (data["orders"] > 1).groupby(data["region"]).mean()
    assert by_region.max() - by_region.min() < 0.04
    rate = data.loc[data["orders"] > 1].groupby("tier")["orders"].mean()
    assert rate["basic"] < rate["silver"] < rate["gold"]


def test_bad_arguments():
    with pytest.raises(CRMLabInputError, match="at least 1000"):
        simulate_crm_extract(50)
    with pytest.raises(CRMLabInputError, match="n_customers must be a whole number.*Fix"):
        simulate_crm_extract(2000.5)
    assert np.issubdtype(simulate_crm_extract(1000).orders["order_id"].dtype, np.integer)
