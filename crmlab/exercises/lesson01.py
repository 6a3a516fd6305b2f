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

from crmlab.exercises.mistakes import Mistake, gave_percent
from crmlab.exercises.questions import Question

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use.
SETTINGS: dict[str, Any] = {
    "retention": 0.8,
    "n_customers": 1000,
    "year": 6,
    "years": 20,
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


def _revenue_share(of: str = "days") -> float:
    """Share of revenue from customers with one purchase day (or one order row)."""
    counts = load()[of]
    revenue = load()["tx"].groupby("customer_id")["amount"].sum()
    return float(revenue[counts == 1].sum() / revenue.sum())


q1 = Question(
    qid="q1",
    title="What one-time buyers (一次性购买者) are worth",
    prompt=(
        "The lesson shows that about half of the CDNOW customers bought on one day only (same-day "
        "orders merged). What fraction of CDNOW **revenue** did these one-time buyers bring?"
    ),
    unit="a fraction between 0 and 1",
    expected=_revenue_share,
    hints=(
        "Count distinct purchase days per customer: "
        "`tx.drop_duplicates(['customer_id', 'date']).groupby('customer_id').size()`.",
        "Sum `amount` per customer, then divide the revenue of the customers with one purchase "
        "day by the total revenue.",
    ),
    hints_zh=(
        "统计每位客户不同的购买日数：`tx.drop_duplicates(['customer_id', 'date']).groupby('customer_id').size()`。",
        "按客户汇总 `amount`，再用只有一个购买日的客户的收入除以总收入。",
    ),
    solution_code="""\
days = tx.drop_duplicates(["customer_id", "date"]).groupby("customer_id").size()
revenue = tx.groupby("customer_id")["amount"].sum()
answer = revenue[days == 1].sum() / revenue.sum()""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: float(_economics().one_time_buyer_share(load()["tx"])),
            hint="that is the share of *customers* who bought once; the question asks for their "
            "share of revenue.",
            hint_zh="这是一次性购买者占*客户*的比例；本题问的是他们占收入的比例。",
        ),
        Mistake(
            value=lambda: _revenue_share(of="rows"),
            hint="close, but you counted orders (rows), not purchase days: a customer with two "
            "orders on the same day is still a one-time buyer.",
            hint_zh="接近了，但你数的是订单（行），不是购买日：同一天下了两笔订单的客户仍然是一次性购买者（one-time buyer）"
            "。",
        ),
        Mistake(
            value=lambda: 1 - _revenue_share(),
            hint="that is the repeat buyers' share of revenue; the question asks for the others.",
            hint_zh="这是回头客（repeat customer）占收入的比例；本题问的是其余客户。",
        ),
    ),
)


def _ladder_share(reach: int = 5, among: int = 2) -> float:
    customers = _economics().repeat_purchase_ladder(load()["tx"]).set_index("purchase_days")
    return float(customers.at[reach, "customers"] / customers.at[among, "customers"])


q2 = Question(
    qid="q2",
    title="Up the repeat-purchase ladder",
    prompt=(
        "A repeat customer (回头客) has bought on at least two days. Of the CDNOW customers with "
        "**2 or more** purchase days, what fraction reach **5 or more**? (The lesson's ladder "
        "gives the rate of each single step; this question climbs three steps.)"
    ),
    unit="a fraction between 0 and 1",
    expected=_ladder_share,
    hints=(
        "`repeat_purchase_ladder(tx)` has a row per k with `customers` = how many have at least "
        "k purchase days.",
        "Divide the customers with 5+ days by those with 2+, or multiply the `next_step_rate` of "
        "k = 2, 3 and 4.",
    ),
    hints_zh=(
        "`repeat_purchase_ladder(tx)` 每个 k 一行，其中 `customers` 是至少有 k 个购买日的客户数。",
        "用有 5 个及以上购买日的客户数除以有 2 个及以上的客户数，或者把 k = 2、"
        "3、4 的 `next_step_rate` 相乘。",
    ),
    solution_code="""\
ladder = economics.repeat_purchase_ladder(tx).set_index("purchase_days")
answer = ladder.at[5, "customers"] / ladder.at[2, "customers"]""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: _ladder_share(among=1),
            hint="that is the share of *all* customers with 5+ purchase days; divide by those "
            "with 2+ instead.",
            hint_zh="这是*全部*客户中有 5 个及以上购买日的比例；应当除以有 2 个及以上购买日的客户数。",
        ),
        Mistake(
            value=lambda: _ladder_share(reach=3),
            hint="that is one step (2+ to 3+); the question climbs to 5+ purchase days.",
            hint_zh="这只是一级台阶（从 2+ 到 3+）；本题要一直爬到 5 个及以上购买日。",
        ),
        Mistake(
            value=lambda: _ladder_share(reach=4),
            hint="that stops at 4+ purchase days; the question asks for 5 or more.",
            hint_zh="这停在了 4 个及以上购买日；本题问的是 5 个及以上。",
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
    hints_zh=(
        "第 1 年拥有全部 1,000 位客户；之后每年保留上一年的 80%。",
        "从第 1 年到第 6 年共续约 5 次：1000 * 0.8 ** 5。"
        "也可以读 `cohort_profit(0.8, years=6)` 的 `customers` 列。",
    ),
    solution_code="""\
answer = economics.cohort_profit(0.8, years=6, n_customers=1000).customers.iloc[-1]
# = 1000 * 0.8 ** 5""",
    mistakes=(
        Mistake(
            value=lambda: _left(0.8, 6),
            hint="one renewal too many: year 1 already has all 1,000, so year 6 is 5 renewals "
            "later.",
            hint_zh="多算了一次续约：第 1 年已经有全部 1,000 位客户，所以第 6 年是 5 次续约之后。",
        ),
        Mistake(
            value=lambda: _left(0.8, 4),
            hint="one renewal too few: from year 1 to year 6 the cohort is renewed 5 times.",
            hint_zh="少算了一次续约：从第 1 年到第 6 年，这批客户续约 5 次。",
        ),
        Mistake(
            value=lambda: _left(0.2, 5),
            hint="0.2 is the churn rate (流失率), the share who *leave*; multiply by the "
            "retention rate (保留率) instead.",
            hint_zh="0.2 是流失率（churn rate），即*离开*的比例；应当乘以保留率（retention rate）"
            "。",
        ),
        Mistake(
            factor=1 / 1000,
            hint="that is the share still active; multiply by 1,000 customers.",
            hint_zh="这是仍然活跃的客户比例；请再乘以 1,000 位客户。",
        ),
    ),
)


def _multiple(**kwargs) -> float:
    args = {"years": SETTINGS["years"], **kwargs}
    return float(_economics().profit_multiple(0.8, 0.9, **args))


q4 = Question(
    qid="q4",
    title="Ten points of customer retention (客户保留) over a longer relationship",
    prompt=(
        "The lesson compares retention rates of 80% and 90% over 10 years. Follow the cohorts "
        "for **20 years** instead (1,000 customers, a margin of 100 per customer and year, a "
        "discount rate (折现率) of 10%): how many times more **cumulative discounted profit** "
        "does 90% earn than 80%?"
    ),
    unit="a ratio",
    expected=_multiple,
    hints=(
        "Compute the cumulative discounted profit of both cohorts over 20 years and divide "
        "the higher-retention one by the lower.",
        "The lesson's `economics.profit_multiple` does this division; it takes the two "
        "retention rates and a keyword for the number of years.",
    ),
    hints_zh=(
        "分别计算两批客户 20 年的累计折现利润，再用保留率高的一批除以低的一批。",
        "课程中的 `economics.profit_multiple` 就做这个除法；"
        "它接受两个保留率（retention rate），以及一个表示年数的关键字参数。",
    ),
    solution_code="answer = economics.profit_multiple(0.8, 0.9, years=20)",
    mistakes=(
        Mistake(
            value=lambda: _multiple(years=10),
            hint="that is the lesson's 10-year multiple; follow the cohorts for 20 years.",
            hint_zh="这是课程中 10 年的倍数；请跟踪这批客户 20 年。",
        ),
        Mistake(
            value=lambda: _multiple(discount_rate=0.0),
            hint="you left out discounting: profit in year t is worth 1 / 1.1 ** (t - 1) today.",
            hint_zh="你漏掉了折现：第 t 年的利润折合到今天值 1 / 1.1 ** (t - 1)。",
        ),
        Mistake(
            value=lambda: 1 / _multiple(),
            hint="upside down: divide the 90% cohort's profit by the 80% cohort's.",
            hint_zh="除反了：应当用保留率 90% 那批客户的利润除以 80% 那批的利润。",
        ),
        Mistake(
            value=lambda: _multiple() - 1,
            hint="that is the increase (multiple minus 1); give the multiple itself.",
            hint_zh="这是增加的部分（倍数减 1）；请给出倍数本身。",
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
        "Each customer brings b = 4 * 0.10 = 0.4 new customers; they bring 0.4 each in turn: "
        "b + b**2 + b**3 + ... customers in all.",
        "The sum of the series is b / (1 - b); or call `referral_value(500, 4, 0.10)`.",
    ),
    hints_zh=(
        "每位客户带来 b = 4 * 0.10 = 0.4 位新客户；新客户又各自带来 0.4 位："
        "总共 b + b**2 + b**3 + ... 位客户。",
        "这个级数的和是 b / (1 - b)；也可以调用 `referral_value(500, 4, 0.10)`。",
    ),
    solution_code="""\
answer = economics.referral_value(clv=500, referrals_per_customer=4, conversion_rate=0.10)""",
    mistakes=(
        Mistake(
            value=lambda: 500 * 0.4,
            hint="that is the first generation only; referred customers refer too "
            "(sum b + b**2 + ...).",
            hint_zh="这只算了第一代；被推荐来的客户也会继续推荐（求和 b + b**2 + ...）。",
        ),
        Mistake(
            value=lambda: 500 / (1 - 0.4),
            hint="that includes the customer's own CLV; count only the customers recruited by "
            "referral.",
            hint_zh="这包含了客户自己的客户终生价值（CLV）；只计算通过推荐（口碑 / 推荐）"
            "获得的客户。",
        ),
        Mistake(
            value=lambda: 500 * 4,
            hint="only 10% of the people recommended to become customers: use the conversion rate.",
            hint_zh="被推荐的人中只有 10% 会成为客户：请用转化率。",
        ),
    ),
)
