"""Exercise set 01: relationship marketing and the economics of retention (关系营销与客户保留的经济学).

Use in ``exercises/01_relationship_marketing.ipynb``::

    from crmlab.exercises import lesson01 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

Every reference answer is computed by :mod:`crmlab.economics` from the CDNOW log (the full
master file, 23,570 customers) or from the numbers in :data:`SETTINGS`, the first time it is
needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from crmlab.exercises.questions import Mistake, Question, gave_percent

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use.
SETTINGS: dict[str, Any] = {
    "retention": 0.8,
    "n_customers": 1000,
    "year": 6,
    "clv": 500.0,
    "referrals_per_customer": 4,
    "conversion_rate": 0.10,
}


@cache
def load() -> dict[str, Any]:
    """The data of this set: the CDNOW log ``tx`` and purchase days / order rows per customer."""
    from crmlab.datasets import load_cdnow

    tx = load_cdnow()
    return {
        "tx": tx,
        "days": tx.drop_duplicates(["customer_id", "date"]).groupby("customer_id").size(),
        "rows": tx.groupby("customer_id").size(),
    }


def _economics():
    from crmlab import economics

    return economics


q1 = Question(
    qid="q1",
    title="One-time buyers (一次性购买者)",
    prompt=(
        "Relationship marketing (关系营销) starts from the observation that many customers never "
        "come back. What fraction of CDNOW customers bought on exactly **one day** (same-day "
        "orders merged)?"
    ),
    unit="a fraction between 0 and 1",
    expected=lambda: _economics().one_time_buyer_share(load()["tx"]),
    hints=(
        "A customer who placed two orders on the same day still bought on one day only: count "
        "distinct (customer_id, date) pairs per customer.",
        "`crmlab.economics.one_time_buyer_share(tx)` does it in one call; or count purchase "
        "days per customer and take the mean of `days == 1`.",
    ),
    solution_code="""\
answer = economics.one_time_buyer_share(tx)
# by hand: days = tx.drop_duplicates(["customer_id", "date"]).groupby("customer_id").size()
#          answer = (days == 1).mean()""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: float((load()["rows"] == 1).mean()),
            hint="close, but you counted orders (rows), not purchase days: merge the orders a "
            "customer placed on the same day first.",
        ),
        Mistake(
            value=lambda: int((load()["days"] == 1).sum()),
            hint="that is the number of one-time buyers; divide by the number of customers.",
        ),
        Mistake(
            value=lambda: float((load()["days"] > 1).mean()),
            hint="that is the share of customers who came back (repeat buyers); the question "
            "asks for the others.",
        ),
    ),
)

q2 = Question(
    qid="q2",
    title="Who comes back again?",
    prompt=(
        "A repeat customer (回头客) has bought on at least two days. Of the CDNOW customers with "
        "**2 or more** purchase days, what fraction have **3 or more**? (Compare it with your "
        "answer to question 1: is coming back once the hard step?)"
    ),
    unit="a fraction between 0 and 1",
    expected=lambda: float(
        _economics().repeat_purchase_ladder(load()["tx"]).next_step_rate.iloc[1]
    ),
    hints=(
        "This is a conditional share: divide the number of customers with 3+ purchase days by "
        "the number with 2+, not by all customers.",
        "`repeat_purchase_ladder(tx)` has one row per k with `next_step_rate` = share of those "
        "with at least k purchase days who reach k + 1.",
    ),
    solution_code="""\
ladder = economics.repeat_purchase_ladder(tx)
answer = ladder.loc[ladder.purchase_days == 2, "next_step_rate"].item()
# by hand: (days >= 3).sum() / (days >= 2).sum()""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: float((load()["days"] >= 3).mean()),
            hint="that is the share of *all* customers with 3+ purchase days; divide by those "
            "with 2+ instead.",
        ),
        Mistake(
            value=lambda: float((load()["rows"] >= 3).sum() / (load()["rows"] >= 2).sum()),
            hint="you counted orders (rows); merge same-day orders into one purchase day first.",
        ),
        Mistake(
            value=lambda: float((load()["days"] >= 2).mean()),
            hint="that is the share who came back at least once (2+ days); the question asks "
            "about the next step, from 2+ to 3+.",
        ),
    ),
)


def _left(retention: float, renewals: int) -> float:
    return SETTINGS["n_customers"] * retention**renewals


q3 = Question(
    qid="q3",
    title="Customers left after five years",
    prompt=(
        "A firm acquires 1,000 customers who all buy in year 1. Its retention rate (保留率), the "
        "share of active customers it keeps from one year to the next, is 80%, so its churn rate "
        "(流失率) is 20%. How many customers does it expect to still have in **year 6**? Use the "
        "timing of `economics.cohort_profit`."
    ),
    unit="a number of customers",
    expected=lambda: float(
        _economics()
        .cohort_profit(
            SETTINGS["retention"], years=SETTINGS["year"], n_customers=SETTINGS["n_customers"]
        )
        .customers.iloc[-1]
    ),
    hints=(
        "Year 1 has all 1,000 customers; each later year keeps 80% of the year before.",
        "From year 1 to year 6 there are 5 renewals: 1000 * 0.8 ** 5. Or read the `customers` "
        "column of `cohort_profit(0.8, years=6)`.",
    ),
    solution_code="""\
answer = economics.cohort_profit(0.8, years=6, n_customers=1000).customers.iloc[-1]
# = 1000 * 0.8 ** 5""",
    mistakes=(
        Mistake(
            value=lambda: _left(0.8, 6),
            hint="one renewal too many: year 1 already has all 1,000, so year 6 is 5 renewals "
            "later.",
        ),
        Mistake(
            value=lambda: _left(0.8, 4),
            hint="one renewal too few: from year 1 to year 6 the cohort is renewed 5 times.",
        ),
        Mistake(
            value=lambda: _left(0.2, 5),
            hint="0.2 is the churn rate (流失率), the share who *leave*; multiply by the "
            "retention rate (保留率) instead.",
        ),
        Mistake(
            factor=1 / 1000,
            hint="that is the share still active; multiply by 1,000 customers.",
        ),
    ),
)


def _multiple(**kwargs) -> float:
    return float(_economics().profit_multiple(0.8, 0.9, **kwargs))


q4 = Question(
    qid="q4",
    title="What ten points of customer retention (客户保留) are worth",
    prompt=(
        "With the lesson's defaults (10 years, 1,000 customers, a margin of 100 per customer "
        "and year, a discount rate (折现率) of 10%), how many times more **cumulative discounted "
        "profit** does a retention rate of 90% earn than one of 80%?"
    ),
    unit="a ratio",
    expected=_multiple,
    hints=(
        "Compute the cumulative discounted profit of both cohorts over 10 years and divide "
        "the higher-retention one by the lower.",
        "`profit_multiple(0.8, 0.9)` does exactly that with `cohort_profit`'s defaults.",
    ),
    solution_code="answer = economics.profit_multiple(0.8, 0.9)",
    mistakes=(
        Mistake(
            value=lambda: _multiple(discount_rate=0.0),
            hint="you left out discounting: profit in year t is worth 1 / 1.1 ** (t - 1) today.",
        ),
        Mistake(
            value=lambda: 1 / _multiple(),
            hint="upside down: divide the 90% cohort's profit by the 80% cohort's.",
        ),
        Mistake(
            value=lambda: _multiple() - 1,
            hint="that is the increase (multiple minus 1); give the multiple itself.",
        ),
        Mistake(
            value=lambda: 100 * (_multiple() - 1),
            hint="that is the percentage increase; give the multiple (a ratio like 1.4).",
        ),
    ),
)


def _referral(**changes) -> float:
    args = {k: SETTINGS[k] for k in ("clv", "referrals_per_customer", "conversion_rate")}
    return float(_economics().referral_value(**{**args, **changes}))


q5 = Question(
    qid="q5",
    title="The value of word of mouth (口碑 / 推荐)",
    prompt=(
        "Each customer has a customer lifetime value (CLV, 客户终生价值) of 500, recommends the "
        "firm to 4 people, and 10% of them become customers, who recommend it in turn. What is "
        "one customer's word of mouth worth, summed over all generations of referrals and "
        "**not** counting the customer's own CLV?"
    ),
    unit="in the same money unit as the CLV",
    expected=_referral,
    hints=(
        "Each customer brings k = 4 * 0.10 = 0.4 new customers; they bring 0.4 each in turn: "
        "k + k**2 + k**3 + ... customers in all.",
        "The sum of the series is k / (1 - k); or call `referral_value(500, 4, 0.10)`.",
    ),
    solution_code="""\
answer = economics.referral_value(clv=500, referrals_per_customer=4, conversion_rate=0.10)""",
    mistakes=(
        Mistake(
            value=lambda: 500 * 0.4,
            hint="that is the first generation only; referred customers refer too "
            "(sum k + k**2 + ...).",
        ),
        Mistake(
            value=lambda: 500 / (1 - 0.4),
            hint="that includes the customer's own CLV; count only the customers recruited by "
            "referral.",
        ),
        Mistake(
            value=lambda: 500 * 4,
            hint="only 10% of the people recommended to become customers: use the conversion rate.",
        ),
    ),
)
