"""Synthetic data for lessons 2 and 3: B2B accounts and a membership-card log.

Both generators plant a known structure (stated in ``TRUE_*`` below, in the docstrings and in
``result.attrs["true_parameters"]``) so that a student can check whether an analysis finds it.
Randomness comes only through ``random_state``, as in every generator of :mod:`crmlab.datasets`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import as_whole_number

__all__ = [
    "TRUE_B2B_TYPES",
    "TRUE_MEMBER_TYPES",
    "simulate_b2b_accounts",
    "simulate_membership_cards",
]

#: Account types of :func:`simulate_b2b_accounts`: share of accounts (key accounts are a fixed
#: count, see ``n_key``) and the mean of each indicator. Revenue is a log-normal multiplier of the
#: base level; the other indicators are normal around these means (then clipped and rounded).
TRUE_B2B_TYPES: dict[str, dict[str, float]] = {
    #           share  revenue x  margin  pay days growth years fit  coop  complaints cost x
    "key": dict(share=0.0, rev_mult=12.0, margin=0.22, payment_days=60, growth=0.05,
                years=9, fit=4.4, coop=4.0, complaints=1.0, cost_mult=0.6),
    "rising": dict(share=0.12, rev_mult=0.8, margin=0.30, payment_days=38, growth=0.35,
                   years=2, fit=4.0, coop=4.5, complaints=0.8, cost_mult=1.0),
    "regular": dict(share=0.58, rev_mult=1.0, margin=0.27, payment_days=45, growth=0.03,
                    years=6, fit=3.0, coop=3.0, complaints=1.0, cost_mult=1.0),
    "marginal": dict(share=0.30, rev_mult=0.35, margin=0.17, payment_days=78, growth=-0.06,
                     years=5, fit=2.0, coop=2.0, complaints=3.0, cost_mult=1.8),
}  # fmt: skip

_B2B_BASE = dict(
    log_revenue_mean=np.log(150.0),  # median regular account: 150 thousand CNY a year
    log_revenue_sd=1.0,
    key_log_sd=0.3,
    margin_sd=0.04,
    payment_days_sd=12.0,
    growth_sd=0.08,
    fit_sd=0.6,
    coop_sd=0.6,
    service_cost_fixed=8.0,  # thousand CNY a year per account
    service_cost_rate=0.03,  # plus 3% of revenue
    orders_per_sqrt_revenue=1.2,  # mean orders = 2 + 1.2 * sqrt(revenue)
)

_INDUSTRIES = ["machinery", "automotive", "electronics", "construction", "chemicals"]


def simulate_b2b_accounts(
    n_accounts: int = 300, *, n_key: int = 8, random_state: int | None = 0
) -> pd.DataFrame:
    """A year of accounts of a small industrial supplier (synthetic, seeded).

    The firm sells components to a few hundred business customers. A handful of large **key
    accounts** bring a large share of revenue (80/20-like concentration), a group of small but
    fast-growing **rising** accounts carry the potential, most accounts are **regular**, and
    **marginal** accounts are small, pay late, complain and cost a lot to serve.

    Generating process (per account, types drawn with the shares in :data:`TRUE_B2B_TYPES`;
    exactly ``n_key`` key accounts):

    - ``revenue`` = exp(N(log 150, 1.0)) x type multiplier (key: x exp(N(log 12, 0.3)));
    - ``gross_margin`` ~ N(type mean, 0.04) clipped to 0.05..0.50; ``gross_profit`` = revenue x margin;
    - ``order_count`` ~ Poisson(2 + 1.2 sqrt(revenue));
    - ``payment_days`` ~ N(type mean, 12) rounded, clipped to 10..150;
    - ``growth`` ~ N(type mean, 0.08); ``years_as_customer`` ~ 1 + Poisson(type mean - 1);
    - ``strategic_fit``, ``cooperation_potential`` ~ N(type mean, 0.6) rounded to 1..5;
    - ``complaints`` ~ Poisson(type mean);
    - ``service_cost`` = (8 + 0.03 revenue) x type multiplier x exp(N(0, 0.2)).

    Parameters
    ----------
    n_accounts : int
        Number of accounts (at least 20).
    n_key : int
        Number of planted key accounts (0 .. n_accounts / 4).
    random_state : int or None
        Seed for ``np.random.default_rng``.

    Returns
    -------
    DataFrame indexed by ``account_id`` ("A001" ...) with ``industry``, ``revenue`` (thousand CNY
    per year), ``gross_margin`` (fraction), ``gross_profit`` (thousand CNY), ``order_count``,
    ``payment_days`` (days until paid; less is better), ``growth`` (revenue growth last year,
    fraction), ``years_as_customer``, ``strategic_fit`` and ``cooperation_potential`` (1-5, the
    account manager's rating), ``complaints`` (count last year; less is better),
    ``service_cost`` (thousand CNY; less is better) and ``true_type`` (the planted type, for
    checking an analysis; a real table would not have it). ``attrs["true_parameters"]`` holds
    the parameters.
    """
    n = as_whole_number(n_accounts, "n_accounts", minimum=20)
    n_key = as_whole_number(n_key, "n_key", minimum=0)
    if n_key > n // 4:
        raise CRMLabInputError(f"n_key must be at most n_accounts / 4 = {n // 4}, got {n_key}.")
    rng = np.random.default_rng(random_state)
    b = _B2B_BASE
    others = [t for t in TRUE_B2B_TYPES if t != "key"]
    shares = np.array([TRUE_B2B_TYPES[t]["share"] for t in others])
    types = np.r_[
        np.repeat("key", n_key), rng.choice(others, size=n - n_key, p=shares / shares.sum())
    ]
    types = types[rng.permutation(n)]
    par = {k: np.array([TRUE_B2B_TYPES[t][k] for t in types]) for k in TRUE_B2B_TYPES["key"]}

    log_rev = rng.normal(b["log_revenue_mean"], b["log_revenue_sd"], n) + np.log(par["rev_mult"])
    is_key = types == "key"
    log_rev[is_key] = (
        b["log_revenue_mean"] + np.log(TRUE_B2B_TYPES["key"]["rev_mult"])
        + rng.normal(0, b["key_log_sd"], is_key.sum())
    )  # fmt: skip
    revenue = np.round(np.exp(log_rev), 1)
    margin = np.clip(rng.normal(par["margin"], b["margin_sd"]), 0.05, 0.5).round(3)
    out = pd.DataFrame(
        {
            "industry": pd.Categorical(rng.choice(_INDUSTRIES, n), categories=_INDUSTRIES),
            "revenue": revenue,
            "gross_margin": margin,
            "gross_profit": np.round(revenue * margin, 1),
            "order_count": rng.poisson(2 + b["orders_per_sqrt_revenue"] * np.sqrt(revenue)),
            "payment_days": np.clip(
                np.round(rng.normal(par["payment_days"], b["payment_days_sd"])), 10, 150
            ).astype(np.int64),
            "growth": rng.normal(par["growth"], b["growth_sd"]).round(3),
            "years_as_customer": 1 + rng.poisson(par["years"] - 1),
            "strategic_fit": np.clip(np.round(rng.normal(par["fit"], b["fit_sd"])), 1, 5).astype(
                np.int64
            ),
            "cooperation_potential": np.clip(
                np.round(rng.normal(par["coop"], b["coop_sd"])), 1, 5
            ).astype(np.int64),
            "complaints": rng.poisson(par["complaints"]),
            "service_cost": np.round(
                (b["service_cost_fixed"] + b["service_cost_rate"] * revenue)
                * par["cost_mult"]
                * np.exp(rng.normal(0, 0.2, n)),
                1,
            ),
            "true_type": pd.Categorical(types, categories=list(TRUE_B2B_TYPES)),
        },
        index=pd.Index([f"A{i:03d}" for i in range(1, n + 1)], name="account_id"),
    )
    out.attrs["true_parameters"] = {
        "types": TRUE_B2B_TYPES,
        "base": dict(_B2B_BASE),
        "n_key": n_key,
        "random_state": random_state,
    }
    return out


#: Member types of :func:`simulate_membership_cards`: share of members, visits per year while
#: active, median spend per visit (CNY), probability of redeeming when 500 points are available,
#: and ``lapse``: whether the member stops visiting at a random day in the first half-year.
TRUE_MEMBER_TYPES: dict[str, dict[str, float]] = {
    "loyal regular": dict(share=0.20, visits=24.0, spend=260.0, redeem=0.5, lapse=0),
    "bargain hunter": dict(share=0.25, visits=36.0, spend=70.0, redeem=0.95, lapse=0),
    "big spender": dict(share=0.15, visits=5.0, spend=650.0, redeem=0.2, lapse=0),
    "lapsed": dict(share=0.25, visits=18.0, spend=150.0, redeem=0.6, lapse=1),
    "one-off": dict(share=0.15, visits=0.0, spend=120.0, redeem=0.0, lapse=0),
}

_CARD = dict(
    start="2023-01-01",
    end="2023-12-31",
    join_window_days=120,  # members join in the first 120 days
    spend_log_sd=0.5,
    points_per_cny=1.0,
    redeem_block=500,  # points are redeemed 500 at a time (worth 25 CNY)
)


def simulate_membership_cards(
    n_members: int = 2000, *, random_state: int | None = 0
) -> pd.DataFrame:
    """A year of a retail chain's membership-card log (synthetic, seeded).

    Each row is one visit paid with a membership card (会员卡): the member, the day, the amount
    spent, the points earned (1 per yuan) and the points redeemed. Five member types are planted
    (:data:`TRUE_MEMBER_TYPES`): loyal regulars, bargain hunters (frequent small baskets, redeem
    almost always), big spenders (rare large baskets), lapsed members (active, then gone) and
    one-off members (one visit when they signed up).

    Generating process per member: a type with the stated shares; a join day uniform over the
    first 120 days of 2023 (a visit on that day); while active, further visits as a Poisson
    process with the type's yearly rate (lapsed members stop at a day uniform between the join
    day and 2023-06-30); spend per visit log-normal with the type's median and log-sd 0.5,
    rounded to 0.1 CNY; points earned = floor(spend); at each visit, if the balance before it is
    at least 500 points, 500 are redeemed with the type's probability.

    Parameters
    ----------
    n_members : int
        Number of members (at least 10).
    random_state : int or None
        Seed for ``np.random.default_rng``.

    Returns
    -------
    DataFrame, one row per visit sorted by member and date, with ``member_id`` ("M0001" ...),
    ``date``, ``spend`` (CNY), ``points_earned``, ``points_redeemed`` and ``member_type`` (the
    planted type, for checking a segmentation). ``attrs["true_parameters"]`` holds the parameters.
    """
    n = as_whole_number(n_members, "n_members", minimum=10)
    rng = np.random.default_rng(random_state)
    c = _CARD
    names = list(TRUE_MEMBER_TYPES)
    par = pd.DataFrame(TRUE_MEMBER_TYPES).T
    types = rng.choice(names, size=n, p=par["share"].to_numpy(dtype=float))
    p = par.loc[types].reset_index(drop=True)
    start, end = pd.Timestamp(c["start"]), pd.Timestamp(c["end"])
    horizon = (end - start).days
    join = rng.integers(0, c["join_window_days"], n)
    half = (pd.Timestamp("2023-06-30") - start).days
    stop = np.where(p["lapse"] == 1, rng.uniform(join, half), horizon).astype(float)
    active_years = (stop - join) / 365.0
    extra = rng.poisson(p["visits"].to_numpy(dtype=float) * active_years)
    member = np.repeat(np.arange(n), 1 + extra)
    first = np.r_[0, np.cumsum(1 + extra)[:-1]]
    day = rng.uniform(join[member], stop[member] + 1).astype(np.int64)
    day[first] = join
    day = np.minimum(day, horizon)
    order = np.lexsort((day, member))
    member, day = member[order], day[order]
    median_spend = p["spend"].to_numpy(dtype=float)[member]
    spend = np.round(median_spend * np.exp(rng.normal(0, c["spend_log_sd"], len(member))), 1)
    earned = np.floor(spend * c["points_per_cny"]).astype(np.int64)
    u = rng.uniform(size=len(member))
    redeem_p = p["redeem"].to_numpy(dtype=float)[member]
    redeemed = np.zeros(len(member), dtype=np.int64)
    block = int(c["redeem_block"])  # type: ignore[call-overload]
    balance, prev = 0, -1
    for i in range(len(member)):
        if member[i] != prev:
            balance, prev = 0, member[i]
        if balance >= block and u[i] < redeem_p[i]:
            redeemed[i] = block
            balance -= block
        balance += earned[i]
    out = pd.DataFrame(
        {
            "member_id": np.array([f"M{i + 1:04d}" for i in range(n)])[member],
            "date": start + pd.to_timedelta(day, unit="D"),
            "spend": spend,
            "points_earned": earned,
            "points_redeemed": redeemed,
            "member_type": pd.Categorical(np.asarray(types)[member], categories=names),
        }
    )
    out.attrs["true_parameters"] = {
        "types": TRUE_MEMBER_TYPES,
        "card": dict(_CARD),
        "random_state": random_state,
    }
    return out
