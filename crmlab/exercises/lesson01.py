"""Exercise set 01: relationship marketing and the economics of retention (关系营销与客户保留的经济学).

Use in ``exercises/01_relationship_marketing.ipynb``::

    from crmlab.exercises import lesson01 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

Every reference answer is computed by :mod:`crmlab.economics` from the CDNOW log (the full
master file, 23,570 customers) or from the stated numbers, the first time it is needed.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from crmlab.exercises._core import Mistake, Question, matches, scaled

__all__ = ["q1", "q2", "q3", "q4", "q5"]


@cache
def _cdnow() -> pd.DataFrame:
    from crmlab.datasets import load_cdnow

    return load_cdnow()


def _economics():
    from crmlab import economics

    return economics


# --- wrong computations that students often make, on the same data ---------------------------
def _row_counts() -> pd.Series:
    """Orders per customer, counting rows (same-day orders not merged)."""
    return _cdnow().groupby("customer_id").size()


def _purchase_days() -> pd.Series:
    tx = _cdnow()
    return tx.drop_duplicates(["customer_id", "date"]).groupby("customer_id").size()


# --- q1 --------------------------------------------------------------------------------------
q1 = Question(
    qid="q1",
    prompt=(
        "What fraction of CDNOW customers bought on exactly one day (one-time buyers), "
        "with same-day orders merged? Give a fraction between 0 and 1."
    ),
    expected=lambda: _economics().one_time_buyer_share(_cdnow()),
    hints=(
        "A customer who placed two orders on the same day still bought on one day only: count "
        "distinct (customer_id, date) pairs per customer.",
        "`crmlab.economics.one_time_buyer_share(tx)` does it in one call; or count purchase "
        "days per customer and take the mean of `days == 1`.",
    ),
    solution_code="""\
from crmlab.datasets import load_cdnow
from crmlab.economics import one_time_buyer_share

tx = load_cdnow()
answer = one_time_buyer_share(tx)
# by hand: days = tx.drop_duplicates(["customer_id", "date"]).groupby("customer_id").size()
#          answer = (days == 1).mean()""",
    mistakes=(
        Mistake(scaled(100), "that looks like a percentage; give a fraction (0.51, not 51)."),
        Mistake(
            matches(lambda: float((_row_counts() == 1).mean())),
            "close, but you counted orders (rows), not purchase days: merge the orders a "
            "customer placed on the same day first.",
        ),
        Mistake(
            matches(lambda: float((_purchase_days() == 1).sum())),
            "that is the number of one-time buyers; divide by the number of customers.",
        ),
        Mistake(
            matches(lambda: float((_purchase_days() > 1).mean())),
            "that is the share of customers who came back (repeat buyers); the question asks "
            "for the others.",
        ),
    ),
)

# --- q2 --------------------------------------------------------------------------------------
q2 = Question(
    qid="q2",
    prompt=(
        "Of the CDNOW customers who came back at least once (2 or more purchase days), what "
        "fraction came back again (3 or more purchase days)?"
    ),
    expected=lambda: float(_economics().repeat_purchase_ladder(_cdnow()).next_step_rate.iloc[1]),
    hints=(
        "This is a conditional share: divide the number of customers with 3+ purchase days by "
        "the number with 2+, not by all customers.",
        "`repeat_purchase_ladder(tx)` has one row per k with `next_step_rate` = share of those "
        "with at least k purchase days who reach k + 1.",
    ),
    solution_code="""\
from crmlab.economics import repeat_purchase_ladder

ladder = repeat_purchase_ladder(tx)
answer = ladder.loc[ladder.purchase_days == 2, "next_step_rate"].item()
# by hand: (days >= 3).sum() / (days >= 2).sum()""",
    mistakes=(
        Mistake(scaled(100), "that looks like a percentage; give a fraction between 0 and 1."),
        Mistake(
            matches(lambda: float((_purchase_days() >= 3).mean())),
            "that is the share of *all* customers with 3+ purchase days; divide by those with "
            "2+ instead.",
        ),
        Mistake(
            matches(lambda: float((_row_counts() >= 3).sum() / (_row_counts() >= 2).sum())),
            "you counted orders (rows); merge same-day orders into one purchase day first.",
        ),
        Mistake(
            matches(lambda: float((_purchase_days() >= 2).mean())),
            "that is the share who came back at least once (2+ days); the question asks about "
            "the next step, from 2+ to 3+.",
        ),
    ),
)

# --- q3 --------------------------------------------------------------------------------------
_Q3 = {"retention": 0.8, "n_customers": 1000, "year": 6}
q3 = Question(
    qid="q3",
    prompt=(
        "A firm acquires 1,000 customers who all buy in year 1 and keeps 80% of its active "
        "customers each year. How many customers does it expect to have in year 6?"
    ),
    expected=lambda: float(
        _economics()
        .cohort_profit(_Q3["retention"], years=_Q3["year"], n_customers=_Q3["n_customers"])
        .customers.iloc[-1]
    ),
    hints=(
        "Year 1 has all 1,000 customers; each later year keeps 80% of the year before.",
        "From year 1 to year 6 there are 5 renewals: 1000 * 0.8 ** 5. Or read the `customers` "
        "column of `cohort_profit(0.8, years=6)`.",
    ),
    solution_code="""\
from crmlab.economics import cohort_profit

answer = cohort_profit(0.8, years=6, n_customers=1000).customers.iloc[-1]   # = 1000 * 0.8 ** 5""",
    mistakes=(
        Mistake(
            matches(lambda: 1000 * 0.8**6),
            "one renewal too many: year 1 already has all 1,000, so year 6 is 5 renewals later.",
        ),
        Mistake(
            matches(lambda: 1000 * 0.8**4),
            "one renewal too few: from year 1 to year 6 the cohort is renewed 5 times.",
        ),
        Mistake(
            matches(lambda: 1000 * 0.2**5),
            "0.2 is the churn rate (流失率), the share who *leave*; multiply by the retention "
            "rate (保留率) instead.",
        ),
        Mistake(scaled(1 / 1000), "that is the share still active; multiply by 1,000 customers."),
    ),
)

# --- q4 --------------------------------------------------------------------------------------
q4 = Question(
    qid="q4",
    prompt=(
        "With the lesson's defaults (10 years, 1,000 customers, margin 100 a year, discount "
        "rate 10%), how many times more cumulative discounted profit does a retention rate of "
        "90% earn than one of 80%?"
    ),
    expected=lambda: _economics().profit_multiple(0.8, 0.9),
    hints=(
        "Compute the cumulative discounted profit of both cohorts over 10 years and divide "
        "the higher-retention one by the lower.",
        "`profit_multiple(0.8, 0.9)` does exactly that with `cohort_profit`'s defaults.",
    ),
    solution_code="""\
from crmlab.economics import profit_multiple

answer = profit_multiple(0.8, 0.9)""",
    mistakes=(
        Mistake(
            matches(lambda: _economics().profit_multiple(0.8, 0.9, discount_rate=0.0)),
            "you left out discounting: profit in year t is worth 1 / 1.1 ** (t - 1) today.",
        ),
        Mistake(
            matches(lambda: 1 / _economics().profit_multiple(0.8, 0.9)),
            "upside down: divide the 90% cohort's profit by the 80% cohort's.",
        ),
        Mistake(
            matches(lambda: _economics().profit_multiple(0.8, 0.9) - 1),
            "that is the increase (multiple minus 1); give the multiple itself.",
        ),
        Mistake(
            matches(lambda: 100 * (_economics().profit_multiple(0.8, 0.9) - 1)),
            "that is the percentage increase; give the multiple (a ratio like 1.4).",
        ),
    ),
)

# --- q5 --------------------------------------------------------------------------------------
_Q5 = {"clv": 500.0, "referrals_per_customer": 4, "conversion_rate": 0.10}
q5 = Question(
    qid="q5",
    prompt=(
        "Each customer is worth a CLV of 500, recommends the firm to 4 people, and 10% of "
        "them become customers, who recommend it in turn. What is one customer's word of mouth "
        "(口碑) worth, summed over all generations of referrals (not counting the customer's own "
        "CLV)?"
    ),
    expected=lambda: _economics().referral_value(**_Q5),
    hints=(
        "Each customer brings k = 4 * 0.10 = 0.4 new customers; they bring 0.4 each in turn: "
        "k + k**2 + k**3 + ... customers in all.",
        "The sum of the series is k / (1 - k); or call `referral_value(500, 4, 0.10)`.",
    ),
    solution_code="""\
from crmlab.economics import referral_value

answer = referral_value(clv=500, referrals_per_customer=4, conversion_rate=0.10)""",
    mistakes=(
        Mistake(
            matches(lambda: 500 * 0.4),
            "that is the first generation only; referred customers refer too (sum k + k**2 + ...).",
        ),
        Mistake(
            matches(lambda: 500 / (1 - 0.4)),
            "that includes the customer's own CLV; count only the customers recruited by referral.",
        ),
        Mistake(
            matches(lambda: 500 * 4),
            "only 10% of the people recommended to become customers: use the conversion rate.",
        ),
    ),
)
