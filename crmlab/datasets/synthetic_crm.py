"""A synthetic CRM extract for lesson 9: customers, orders, order lines and service contacts.

A shop's CRM system is exported as four related tables, the raw material of a customer database
(客户数据库). The generator plants two kinds of known structure so that a student can check
whether their SQL finds it:

- **true effects** (:data:`CRM_CHANNELS`, :data:`CRM_TIERS`): the sign-up channel sets the chance
  that a customer ever buys again (customers won on a marketplace rarely do), the membership tier
  sets how often repeat buyers order, and the region has no effect at all;
- **data-quality problems** (:data:`CRM_PROBLEMS`) with exact counts: duplicate customer records,
  duplicated order rows, orphan orders and order lines, orders dated before the recorded sign-up
  or in the future, and negative prices.

Randomness comes only from ``np.random.default_rng(random_state)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import as_whole_number

__all__ = [
    "CRM_CHANNELS",
    "CRM_TIERS",
    "CRM_REGIONS",
    "CRM_PRODUCTS",
    "CRM_PROBLEMS",
    "CRMExtract",
    "simulate_crm_extract",
]

#: Sign-up channels: share of new customers and ``repeat``, the probability that a customer is a
#: repeat buyer at all (otherwise the first order is the only one). The marketplace brings
#: one-off bargain hunters.
CRM_CHANNELS: dict[str, dict[str, float]] = {
    "store": dict(share=0.35, repeat=0.60),
    "web": dict(share=0.25, repeat=0.55),
    "app": dict(share=0.20, repeat=0.70),
    "marketplace": dict(share=0.20, repeat=0.25),
}

#: Membership tiers (recorded at sign-up): share of customers and ``rate``, the mean number of
#: orders per year of a repeat buyer while active.
CRM_TIERS: dict[str, dict[str, float]] = {
    "basic": dict(share=0.60, rate=3.0),
    "silver": dict(share=0.30, rate=5.0),
    "gold": dict(share=0.10, rate=9.0),
}

#: Regions: uniform, and without any effect on buying (a placebo column).
CRM_REGIONS: tuple[str, ...] = ("north", "east", "south", "west")

#: Product categories and their median unit price (CNY).
CRM_PRODUCTS: dict[str, float] = {
    "tea": 68.0,
    "snacks": 25.0,
    "skin care": 120.0,
    "kitchen": 85.0,
    "books": 45.0,
    "toys": 60.0,
}

#: Planted data-quality problems and how many of each :func:`simulate_crm_extract` makes.
CRM_PROBLEMS: dict[str, int] = {
    "duplicate_customers": 30,  # a second customer record, same e-mail in capitals
    "duplicate_order_rows": 40,  # an order row exported twice (same order_id)
    "orphan_orders": 25,  # orders (with their lines) of customer ids that do not exist
    "orphan_order_lines": 15,  # lines whose order_id does not exist
    "signup_after_first_order": 20,  # customers whose recorded sign-up is after their first order
    "future_orders": 10,  # orders dated in 2042 (a typed year)
    "negative_prices": 12,  # order lines with the sign of the unit price flipped
}

_PROCESS: dict[str, Any] = dict(
    signup_start="2023-01-01",
    signup_days=546,  # sign-ups from 2023-01-01 to 2024-06-29
    extract_date="2024-12-31",  # the day the extract was taken (last valid day)
    rate_shape=2.0,  # Gamma heterogeneity of each repeat buyer's rate (mean 1)
    lifetime_years=2.0,  # mean of the exponential active lifetime of a repeat buyer
    extra_lines=0.8,  # lines per order = 1 + Poisson(0.8)
    extra_quantity=0.3,  # quantity per line = 1 + Poisson(0.3)
    price_log_sd=0.3,
    contacts_per_order=0.2,
    contact_channels={"phone": 0.3, "chat": 0.5, "email": 0.2},
    contact_reasons={"question": 0.55, "complaint": 0.25, "return": 0.20},
    resolved=0.85,
    future_year=2042,
)


@dataclass(frozen=True)
class CRMExtract:
    """The four tables of a CRM extract and what was planted in them.

    Attributes
    ----------
    customers, orders, order_lines, contacts : DataFrame
        The tables as a CRM system would export them (see :func:`simulate_crm_extract`).
    extract_date : str
        The day the extract was taken; no real order can be later.
    true_parameters : dict
        Channels, tiers, regions, products and the generating process.
    planted : dict
        How many of each data-quality problem were planted (:data:`CRM_PROBLEMS`), plus
        ``orders_before_signup``: the orders that fall before a wrong sign-up date.
    """

    customers: pd.DataFrame
    orders: pd.DataFrame
    order_lines: pd.DataFrame
    contacts: pd.DataFrame
    extract_date: str
    true_parameters: dict = field(repr=False)
    planted: dict = field(repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four tables by name, in the order they are usually loaded."""
        return {
            "customers": self.customers,
            "orders": self.orders,
            "order_lines": self.order_lines,
            "contacts": self.contacts,
        }


def _choice(rng: np.random.Generator, spec: dict, n: int, key: str = "share") -> np.ndarray:
    names = list(spec)
    p = np.array([v[key] if isinstance(v, dict) else v for v in spec.values()], dtype=float)
    return np.asarray(names, dtype=object)[rng.choice(len(names), size=n, p=p / p.sum())]


def simulate_crm_extract(n_customers: int = 5000, *, random_state: int | None = 0) -> CRMExtract:
    """Simulate a shop's CRM extract: customers, orders, order lines and service contacts.

    Generating process (true parameters in :data:`CRM_CHANNELS`, :data:`CRM_TIERS`,
    :data:`CRM_PRODUCTS` and ``result.true_parameters``). Each customer signs up on a day uniform
    over 2023-01-01 .. 2024-06-29, with a channel, a membership tier and a region drawn with the
    stated shares, and places a first order that day. With the channel's ``repeat`` probability
    the customer is a repeat buyer: further orders then arrive as a Poisson process with the
    tier's yearly ``rate`` times a Gamma(2, 1/2) multiplier (mean 1), for an exponential active
    lifetime (mean 2 years) cut at the extract date 2024-12-31. Each order has 1 + Poisson(0.8)
    lines; each line a product category (uniform), a quantity 1 + Poisson(0.3) and a unit price
    log-normal around the category's median (log-sd 0.3), in CNY. Service contacts: Poisson(0.2
    per order) per customer, dated uniformly between sign-up and the extract date, with a
    channel (phone / chat / email), a reason (question / complaint / return) and ``resolved``
    (probability 0.85); contacts do not affect buying. The region affects nothing.

    Then the data-quality problems of :data:`CRM_PROBLEMS` are planted, each on its own
    customers or orders: duplicate customer records (a second ``customer_id`` with the same
    e-mail in capitals, taking over the customer's later orders), order rows exported twice,
    orphan orders (with lines) and orphan lines, customers whose recorded sign-up date is later
    than their first order, orders dated in 2042, and lines with a negative unit price.
    ``result.planted`` holds the counts.

    Parameters
    ----------
    n_customers : int
        Number of real customers before duplicates are planted (at least 1000).
    random_state : int or None
        Seed for ``np.random.default_rng``.

    Returns
    -------
    CRMExtract
        ``customers`` (customer_id, email, signup_date, channel, region, tier), ``orders``
        (order_id, customer_id, order_date), ``order_lines`` (order_id, line_no, product,
        quantity, unit_price), ``contacts`` (contact_id, customer_id, contact_date, channel,
        reason, resolved), the extract date, the true parameters and the planted counts.
    """
    n_customers = as_whole_number(n_customers, "n_customers")
    if n_customers < 1000:
        raise CRMLabInputError(
            f"n_customers must be at least 1000 (the planted problems need room), got "
            f"{n_customers}. Fix: pass n_customers=1000 or more."
        )
    rng = np.random.default_rng(random_state)
    p = _PROCESS
    n = int(n_customers)
    start = np.datetime64(p["signup_start"], "D")
    end = np.datetime64(p["extract_date"], "D")
    horizon = int((end - start).astype(int))

    # --- customers -------------------------------------------------------------------------
    channel = _choice(rng, CRM_CHANNELS, n)
    tier = _choice(rng, CRM_TIERS, n)
    region = np.asarray(CRM_REGIONS, dtype=object)[rng.integers(0, len(CRM_REGIONS), n)]
    signup = rng.integers(0, p["signup_days"], n)
    repeat_p = np.array([CRM_CHANNELS[c]["repeat"] for c in channel])
    rate = np.array([CRM_TIERS[t]["rate"] for t in tier])
    repeater = rng.random(n) < repeat_p
    lifetime = rng.exponential(p["lifetime_years"] * 365.25, n)
    stop = np.minimum(signup + lifetime, horizon)
    mult = rng.gamma(p["rate_shape"], 1.0 / p["rate_shape"], n)
    extra = np.where(repeater, rng.poisson(rate * mult * (stop - signup) / 365.25), 0)

    # --- orders (first order on the sign-up day) -------------------------------------------
    cust = np.repeat(np.arange(n), 1 + extra)
    day = rng.uniform(signup[cust], stop[cust] + 1).astype(np.int64)
    is_first = np.r_[True, cust[1:] != cust[:-1]]
    day[is_first] = signup[cust[is_first]]
    day = np.minimum(day, horizon)
    order = np.lexsort((day, cust))
    cust, day = cust[order], day[order]
    is_first = np.r_[True, cust[1:] != cust[:-1]]
    n_orders = len(cust)

    # --- lines -----------------------------------------------------------------------------
    lines_per = 1 + rng.poisson(p["extra_lines"], n_orders)
    line_order = np.repeat(np.arange(n_orders), lines_per)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(lines_per) - lines_per, lines_per)
    products = np.asarray(list(CRM_PRODUCTS), dtype=object)
    product = products[rng.integers(0, len(products), len(line_order))]
    median = np.array([CRM_PRODUCTS[x] for x in product])
    price = np.round(median * np.exp(rng.normal(0.0, p["price_log_sd"], len(product))), 2)
    quantity = 1 + rng.poisson(p["extra_quantity"], len(product))

    # --- contacts --------------------------------------------------------------------------
    orders_per_customer = np.bincount(cust, minlength=n)
    n_contacts = rng.poisson(p["contacts_per_order"] * orders_per_customer)
    c_cust = np.repeat(np.arange(n), n_contacts)
    c_day = rng.integers(signup[c_cust], horizon + 1)
    c_sort = np.lexsort((c_day, c_cust))
    c_cust, c_day = c_cust[c_sort], c_day[c_sort]

    # --- plant the data-quality problems, each on its own customers -------------------------
    k = dict(CRM_PROBLEMS)
    customer_ids = 100001 + np.arange(n)
    n_per = np.bincount(cust, minlength=n)
    many = rng.permutation(np.flatnonzero(n_per >= 3))
    if len(many) < k["duplicate_customers"] + k["signup_after_first_order"] + k["future_orders"]:
        raise CRMLabInputError(  # pragma: no cover - only for tiny n_customers
            "too few repeat buyers to plant the data-quality problems; raise n_customers."
        )
    dup_c = many[: k["duplicate_customers"]]
    late_c = many[len(dup_c) : len(dup_c) + k["signup_after_first_order"]]
    fut_c = many[len(dup_c) + len(late_c) :][: k["future_orders"]]
    order_cust_id = customer_ids[cust].copy()
    signup_recorded = signup.copy()

    # duplicate customer records: a new id, created at the customer's middle order, which
    # takes over that order and the later ones
    dup_rows, dup_ids = [], 100001 + n + np.arange(len(dup_c))
    for new_id, c in zip(dup_ids, dup_c, strict=True):
        idx = np.flatnonzero(cust == c)
        moved = idx[len(idx) // 2 :]
        order_cust_id[moved] = new_id
        dup_rows.append((new_id, c, int(day[moved[0]])))
    # recorded sign-up after the first order: the sign-up date is typed 1-90 days too late
    # (but never after the customer's last order)
    last_day = np.zeros(n, dtype=np.int64)
    np.maximum.at(last_day, cust, day)
    shift = rng.integers(1, 91, len(late_c))
    signup_recorded[late_c] = np.minimum(signup[late_c] + shift, last_day[late_c])
    signup_recorded[late_c] = np.maximum(signup_recorded[late_c], signup[late_c] + 1)
    before = (day < signup_recorded[cust]) & np.isin(cust, late_c)
    # orders in the future: the year of one later order of each chosen customer typed as 2042
    future_order = np.array([np.flatnonzero(cust == c)[-1] for c in fut_c])

    order_dates = start + day.astype("timedelta64[D]")
    fut_dates = pd.DatetimeIndex(order_dates[future_order].astype("datetime64[ns]"))
    order_dates[future_order] = np.array(
        [np.datetime64(d.replace(year=p["future_year"]).date(), "D") for d in fut_dates]
    )
    order_ids = 500001 + np.arange(n_orders)
    orders = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": order_cust_id,
            "order_date": order_dates.astype("datetime64[ns]"),
        }
    )
    lines = pd.DataFrame(
        {
            "order_id": order_ids[line_order],
            "line_no": line_no + 1,
            "product": product.astype(str),
            "quantity": quantity.astype(np.int64),
            "unit_price": price,
        }
    )
    # negative prices on lines of orders that carry no other problem
    clean_orders = np.flatnonzero(~np.isin(cust, np.r_[dup_c, late_c, fut_c]))
    neg_lines = rng.choice(
        np.flatnonzero(np.isin(line_order, clean_orders)), k["negative_prices"], replace=False
    )
    lines.loc[neg_lines, "unit_price"] *= -1
    # orphan orders (customer ids that were deleted) with one line each
    orphan_days = rng.integers(0, horizon + 1, k["orphan_orders"])
    orphan_ids = 500001 + n_orders + np.arange(k["orphan_orders"])
    orphans = pd.DataFrame(
        {
            "order_id": orphan_ids,
            "customer_id": 90001 + rng.permutation(9000)[: k["orphan_orders"]],
            "order_date": (start + orphan_days.astype("timedelta64[D]")).astype("datetime64[ns]"),
        }
    )
    orphan_lines = pd.DataFrame(
        {
            "order_id": orphan_ids,
            "line_no": 1,
            "product": products[rng.integers(0, len(products), k["orphan_orders"])].astype(str),
            "quantity": 1,
            "unit_price": np.round(rng.uniform(20, 150, k["orphan_orders"]), 2),
        }
    )
    # orphan lines: order ids that were never exported
    lost = pd.DataFrame(
        {
            "order_id": 400001 + rng.permutation(90000)[: k["orphan_order_lines"]],
            "line_no": 1,
            "product": products[rng.integers(0, len(products), k["orphan_order_lines"])].astype(
                str
            ),
            "quantity": 1,
            "unit_price": np.round(rng.uniform(20, 150, k["orphan_order_lines"]), 2),
        }
    )
    # order rows exported twice (orders without other problems)
    twice = rng.choice(
        np.setdiff1d(clean_orders, line_order[neg_lines]), k["duplicate_order_rows"], replace=False
    )
    orders = pd.concat([orders, orphans, orders.iloc[np.sort(twice)]], ignore_index=True)
    orders = orders.sort_values(["order_date", "order_id"], kind="stable", ignore_index=True)
    lines = pd.concat([lines, orphan_lines, lost], ignore_index=True)
    lines = lines.sort_values(["order_id", "line_no"], kind="stable", ignore_index=True)

    emails = np.array([f"customer{i}@example.com" for i in customer_ids], dtype=object)
    customers = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "email": emails,
            "signup_date": (start + signup_recorded.astype("timedelta64[D]")).astype(
                "datetime64[ns]"
            ),
            "channel": channel.astype(str),
            "region": region.astype(str),
            "tier": tier.astype(str),
        }
    )
    dups = pd.DataFrame(
        {
            "customer_id": [r[0] for r in dup_rows],
            "email": [str(emails[r[1]]).upper() for r in dup_rows],
            "signup_date": [(start + np.timedelta64(r[2], "D")) for r in dup_rows],
            "channel": _choice(rng, CRM_CHANNELS, len(dup_rows)).astype(str),
            "region": region[dup_c].astype(str),
            "tier": tier[dup_c].astype(str),
        }
    )
    dups["signup_date"] = dups["signup_date"].astype("datetime64[ns]")
    customers = pd.concat([customers, dups], ignore_index=True)

    # service contacts of customers with a wrong sign-up date start at the recorded date
    c_day = np.maximum(c_day, np.minimum(signup_recorded[c_cust], horizon))
    contacts = pd.DataFrame(
        {
            "contact_id": 700001 + np.arange(len(c_cust)),
            "customer_id": customer_ids[c_cust],
            "contact_date": (start + c_day.astype("timedelta64[D]")).astype("datetime64[ns]"),
            "channel": _choice(rng, p["contact_channels"], len(c_cust)).astype(str),
            "reason": _choice(rng, p["contact_reasons"], len(c_cust)).astype(str),
            "resolved": rng.random(len(c_cust)) < p["resolved"],
        }
    )
    # quantities of the orphan orders' lines and the orphan lines, drawn last so that the
    # rest of the extract does not depend on them
    n_orphan_lines = k["orphan_orders"] + k["orphan_order_lines"]
    extra_q = rng.poisson(p["extra_quantity"], n_orphan_lines)
    orphan_rows = lines["order_id"].isin(np.r_[orphan_ids, lost["order_id"].to_numpy()])
    lines.loc[orphan_rows, "quantity"] = 1 + extra_q[: int(orphan_rows.sum())]
    planted = {**k, "orders_before_signup": int(before.sum())}
    truth = {
        "channels": CRM_CHANNELS,
        "tiers": CRM_TIERS,
        "regions": CRM_REGIONS,
        "products": CRM_PRODUCTS,
        "process": dict(p),
        "n_customers": n,
        "random_state": random_state,
    }
    return CRMExtract(
        customers=customers,
        orders=orders,
        order_lines=lines,
        contacts=contacts,
        extract_date=str(end),
        true_parameters=truth,
        planted=planted,
    )
