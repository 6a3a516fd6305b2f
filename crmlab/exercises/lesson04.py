"""Exercise set 04: customer lifetime value, from formula to cohort (客户终生价值).

Use in ``exercises/04_clv_formulas.ipynb``::

    from crmlab.exercises import lesson04 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

Reference answers come from :mod:`crmlab.clv` (formulas and cohort tables), computed from the
stated numbers or from the CDNOW master log (23,570 customers) the first time they are needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from crmlab.exercises.mistakes import Mistake, gave_percent
from crmlab.exercises.questions import Precision, Question
from crmlab.exercises.written import WrittenQuestion

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5", "q6"]

#: The numbers the questions use (``data_sample`` is the notebook's parameter).
SETTINGS: dict[str, Any] = {
    "data_sample": False,
    "cola": {
        "years": 40,
        "units_per_week": 2,
        "price": 0.80,
        "advertising": 400.0,
        "selling": 600.0,
    },
    "subscriber": {"margin": 20.0, "retention": 0.90, "yearly_discount": 0.12},
    "finite": {
        "margin": 100.0,
        "retention": 0.75,
        "discount": 0.10,
        "horizon": 5,
        "acquisition": 40.0,
    },
}
Q1, Q2, Q3 = SETTINGS["cola"], SETTINGS["subscriber"], SETTINGS["finite"]


@cache
def load() -> dict[str, Any]:
    """The data of this set: the CDNOW master log ``tx``."""
    from crmlab.datasets import load_cdnow

    return {"tx": load_cdnow(sample=SETTINGS["data_sample"])}


def _cdnow() -> pd.DataFrame:
    return load()["tx"]


def _formulas():
    from crmlab.clv import formulas

    return formulas


def _cohorts():
    from crmlab.clv import cohorts

    return cohorts


# --- q1: the Coca-Cola estimate ---------------------------------------------------------------


def _cola(**changes) -> float:
    args = {**Q1, **changes}
    out = _formulas().coca_cola_value(
        args["years"],
        args["units_per_week"],
        args["price"],
        periods_per_year=args.get("periods_per_year", 52),
        advertising_cost=args["advertising"],
        selling_cost=args["selling"],
    )
    return float(out["clv"])


q1 = Question(
    qid="q1",
    title="Coca-Cola: one customer's lifetime value",
    unit="dollars",
    prompt=(
        "A customer drinks 2 cans a week for 40 years at $0.80 a can; the firm spends $400 on "
        "advertising and $600 on selling to this customer over the whole relationship. What is "
        "the customer's lifetime value by the Coca-Cola formula (no discounting)?"
    ),
    expected=lambda: _cola(),
    hints=(
        "Expected customer value = years x units per period x periods per year x price; a year "
        "has 52 weeks.",
        "Then subtract both costs: CLV = expected value - advertising - selling. The "
        "lesson's `coca_cola_value` does it in one call: look at its keywords with "
        "`help(coca_cola_value)`.",
    ),
    hints_zh=(
        "预计客户价值（expected customer value）= 年数 x 每期购买量 x 每年期数 x 价格；一年有 52 周。",
        "然后减去两项成本：CLV = 预计客户价值 - 广告成本 - 销售成本。"
        "课程中的 `coca_cola_value` 一次完成这些计算：用 `help(coca_cola_value)` 查看它的关键字参数。",
    ),
    solution_code="""\
from crmlab.clv import coca_cola_value

answer = coca_cola_value(40, 2, 0.80, periods_per_year=52,
                         advertising_cost=400, selling_cost=600)["clv"]
# by hand: 40 * 2 * 52 * 0.80 - 400 - 600""",
    mistakes=(
        Mistake(
            value=lambda: _cola(advertising=0.0, selling=0.0),
            hint="that is the expected customer value; the lifetime value subtracts the advertising "
            "and selling costs.",
            hint_zh="这是预计客户价值；客户终生价值还要减去广告成本和销售成本。",
        ),
        Mistake(
            value=lambda: _cola(selling=0.0),
            hint="you subtracted the advertising cost but not the selling cost.",
            hint_zh="你减去了广告成本，但没有减去销售成本。",
        ),
        Mistake(
            value=lambda: _cola(advertising=0.0),
            hint="you subtracted the selling cost but not the advertising cost.",
            hint_zh="你减去了销售成本，但没有减去广告成本。",
        ),
        Mistake(
            value=lambda: _cola(periods_per_year=1),
            hint="the 2 cans are per week: multiply by 52 weeks a year.",
            hint_zh="2 罐是每周的量：请乘以每年 52 周。",
        ),
        Mistake(
            value=lambda: _cola(periods_per_year=48),
            hint="a year has 52 weeks, not 4 x 12 = 48.",
            hint_zh="一年有 52 周，而不是 4 x 12 = 48 周。",
        ),
    ),
)

# --- q2: monthly retention, yearly discount rate -----------------------------------------------


def _q2(discount: float) -> float:
    return float(_formulas().simple_clv(Q2["margin"], Q2["retention"], discount))


q2 = Question(
    qid="q2",
    title="Monthly retention, yearly discount rate",
    unit="dollars",
    precision=Precision(sig=4),
    prompt=(
        "A subscriber brings a margin of $20 a month and is kept from one month to the next with "
        "probability 0.90. The firm discounts at 12% a year. What is the infinite-horizon CLV "
        "(margin paid at the end of each month the subscriber stays, as in the course's CLV "
        "timing convention, notebooks/00_notation.md; no acquisition cost)?"
    ),
    expected=lambda: _q2(_formulas().per_period_rate(Q2["yearly_discount"], 12)),
    hints=(
        "Margin, retention and discount rate must all be per month. The 12% is per year.",
        "A yearly rate d becomes a monthly rate (1 + d) ** (1/12) - 1 "
        "(`per_period_rate(0.12, 12)`); then use m r / (1 + d - r).",
    ),
    hints_zh=(
        "毛利额、保留率和折现率都必须按月计。12% 是年利率。",
        "年利率 d 换算成月利率是 (1 + d) ** (1/12) - 1（`per_period_rate(0.12, 12)`）"
        "；然后用 m r / (1 + d - r)。",
    ),
    solution_code="""\
from crmlab.clv import simple_clv
from crmlab.clv.formulas import per_period_rate

monthly_discount = per_period_rate(0.12, 12)
answer = simple_clv(20, 0.90, monthly_discount)""",
    mistakes=(
        Mistake(
            value=lambda: _q2(Q2["yearly_discount"]),
            hint="you used the yearly discount rate with monthly retention and margin; convert it to a "
            "monthly rate first.",
            hint_zh="你把年折现率和按月的保留率、毛利额放在一起用了；请先把它换算成月折现率。",
        ),
        Mistake(
            value=lambda: _q2(Q2["yearly_discount"] / 12),
            hint="close: dividing the yearly rate by 12 is an approximation. Compound instead: "
            "(1 + 0.12) ** (1/12) - 1.",
            hint_zh="接近了：把年利率除以 12 只是近似。请按复利换算：(1 + 0.12) ** (1/12) - 1。",
            credit=0.5,  # the right method with a declared approximation: half the points
        ),
        Mistake(
            value=lambda: _q2(0.0),
            hint="that is the undiscounted value; discount each month's margin.",
            hint_zh="这是未折现的价值；请对每个月的毛利额折现。",
        ),
        Mistake(
            value=lambda: _q2(_formulas().per_period_rate(0.12, 12)) + Q2["margin"],
            hint="you also counted a margin at time 0; the question pays the margin at the end of each "
            "month the subscriber stays.",
            hint_zh="你在时点 0 也算了一笔毛利额；本题的毛利额在订阅者留下的每个月的月末才获得。",
        ),
    ),
)

# --- q3: finite horizon and acquisition cost ----------------------------------------------------


def _q3(**changes) -> float:
    a = {**Q3, **changes}
    return float(
        _formulas().simple_clv(
            a["margin"], a["retention"], a["discount"], a["horizon"], a["acquisition"]
        )
    )


def _q3_margin_at_start() -> float:
    t = np.arange(Q3["horizon"])
    value = Q3["margin"] * (Q3["retention"] / (1 + Q3["discount"])) ** t
    return float(value.sum() - Q3["acquisition"])


q3 = Question(
    qid="q3",
    title="Five years, net of the acquisition cost",
    unit="dollars",
    prompt=(
        "A new customer costs $40 to acquire, then brings $100 of margin at the end of each "
        "year they stay; yearly retention is 0.75 and the discount rate 10% a year. What is "
        "the CLV over the first 5 years, net of the acquisition cost (the course's CLV timing "
        "convention, as in lesson 4)?"
    ),
    expected=lambda: _q3(),
    hints=(
        "Sum over t = 1..5 of 100 * 0.75**t / 1.10**t, then subtract 40.",
        "`simple_clv(100, 0.75, 0.10, horizon=5, acquisition_cost=40)`.",
    ),
    hints_zh=(
        "对 t = 1..5 求 100 * 0.75**t / 1.10**t 的和，再减去 40。",
        "也可以直接调用 `simple_clv(100, 0.75, 0.10, horizon=5, acquisition_cost=40)`。",
    ),
    solution_code="""\
from crmlab.clv import simple_clv

answer = simple_clv(100, 0.75, 0.10, horizon=5, acquisition_cost=40)
# by hand: sum(100 * 0.75**t / 1.10**t for t in range(1, 6)) - 40""",
    mistakes=(
        Mistake(
            value=lambda: _q3(acquisition=0.0),
            hint="subtract the $40 acquisition cost.",
            hint_zh="请减去 40 美元的获取成本（acquisition cost）。",
        ),
        Mistake(
            value=lambda: _q3(discount=0.0),
            hint="that sum is undiscounted; divide year t's margin by 1.10 ** t.",
            hint_zh="这个和没有折现；请把第 t 年的毛利额除以 1.10 ** t。",
        ),
        Mistake(
            value=lambda: _q3(horizon=None),
            hint="that is the infinite-horizon value; the question stops after 5 years.",
            hint_zh="这是无限期的价值；本题只算到第 5 年。",
        ),
        Mistake(
            value=_q3_margin_at_start,
            hint="you counted years t = 0..4 (margin right away); the margin comes at the end of each "
            "year the customer stays, t = 1..5.",
            hint_zh="你算的是 t = 0..4 年（立即获得毛利额）；毛利额在客户留下的每一年的年末获得，"
            "即 t = 1..5。",
        ),
    ),
)


# --- q4: cohort retention from the data -----------------------------------------------------------
def _first_row(values: str, period: str = "Q") -> pd.Series:
    table = _cohorts().cohort_table(_cdnow(), period, values)
    return table.loc[pd.Period("1997-01", period)]


def _orders_share() -> float:
    tx = _cdnow()
    quarter = tx["date"].dt.to_period("Q")
    first = quarter.groupby(tx["customer_id"]).transform("min")
    q1 = pd.Period("1997Q1", "Q")
    age1 = (first == q1) & (quarter == q1 + 1)
    return float(age1.sum() / tx.loc[first == q1, "customer_id"].nunique())


q4 = Question(
    qid="q4",
    title="Quarterly cohort retention (同期群留存)",
    unit="a fraction between 0 and 1",
    prompt=(
        "The lesson's cohort table is monthly. Build it by **quarter** instead: what fraction of "
        "the 1997 Q1 cohort (customers whose first purchase was in January-March 1997) bought "
        "something in the following quarter (age 1)?"
    ),
    expected=lambda: float(_first_row("retention")[1]),
    rounding_credit=0.5,  # the right table read, rounded too far: half the points
    hints=(
        "Count each customer once per quarter, however many orders they placed.",
        "`cohort_table(tx, period='Q', values='retention')` has one row per cohort and one "
        "column per age; read the 1997Q1 row at age 1.",
    ),
    hints_zh=(
        "每位客户每个季度只算一次，不论他下了多少笔订单。",
        "`cohort_table(tx, period='Q', values='retention')` 每个同期群（cohort）"
        "一行、每个年龄一列；读 1997Q1 那一行、年龄 1 的值。",
    ),
    solution_code="""\
import pandas as pd
from crmlab.clv import cohort_table
from crmlab.datasets import load_cdnow

tx = load_cdnow()
table = cohort_table(tx, period="Q", values="retention")
answer = table.loc[pd.Period("1997Q1", "Q"), 1]""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: float(_first_row("retention", "M")[1]),
            hint="that is the monthly table (January cohort, age 1 = February); use period='Q'.",
            hint_zh="这是按月的表（1 月的同期群，年龄 1 = 2 月）；请用 period='Q'。",
        ),
        Mistake(
            value=lambda: float(_first_row("customers")[1]),
            hint="that is the number of customers; divide by the size of the 1997 Q1 cohort.",
            hint_zh="这是客户人数；请除以 1997 年第 1 季度同期群的规模。",
        ),
        Mistake(
            value=_orders_share,
            hint="you counted orders, not customers: a customer with two orders that quarter "
            "counts once.",
            hint_zh="你数的是订单，不是客户：一位客户在该季度下了两笔订单也只算一次。",
        ),
        Mistake(
            value=lambda: float(_first_row("retention")[2]),
            hint="that is age 2; age 1 is the quarter right after the first-purchase quarter "
            "(1997 Q2).",
            hint_zh="这是年龄 2；年龄 1 是首次购买季度之后紧接着的那个季度（1997 年第 2 季度）。",
        ),
    ),
)


# --- q5: historical value ----------------------------------------------------------------------
def _hv(**kwargs) -> float:
    args = {"rate": 0.10, "time_unit": "Y", "margin_rate": 0.30, "as_of": "1998-06-30", **kwargs}
    return float(_formulas().historical_value(_cdnow(), **args).mean())


q5 = Question(
    qid="q5",
    title="Historical value (历史价值)",
    unit="dollars per customer",
    points=2.0,
    prompt=(
        "Take a margin rate (毛利率) of 30%, so that the profit of an order is 30% of its amount, "
        "and compound every CDNOW order to 1998-06-30 at 10% a year. What is the mean historical "
        "value (profit, compounded) per customer?"
    ),
    expected=lambda: _hv(),
    hints=(
        "Each order counts amount x 0.30 x 1.10 ** (its age in years on 1998-06-30); sum per "
        "customer, then average over customers.",
        "`historical_value(tx, rate=0.10, time_unit='Y', margin_rate=0.30, as_of='1998-06-30').mean()`.",
    ),
    hints_zh=(
        "每笔订单计为 amount x 0.30 x 1.10 ** (到 1998-06-30 时它的年龄，"
        "以年计)；按客户求和，再对客户取平均。",
        "一次算完：`historical_value(tx, rate=0.10, time_unit='Y', margin_rate=0.30, as_of='1998-06-30').mean()`。",
    ),
    solution_code="""\
from crmlab.clv import historical_value
from crmlab.datasets import load_cdnow

tx = load_cdnow()
hv = historical_value(tx, rate=0.10, time_unit="Y", margin_rate=0.30, as_of="1998-06-30")
answer = hv.mean()""",
    mistakes=(
        Mistake(
            value=lambda: _hv(margin_rate=1.0),
            hint="that is compounded revenue; multiply by the 30% margin rate.",
            hint_zh="这是按复利计算的收入；请乘以 30% 的毛利率（margin rate）。",
        ),
        Mistake(
            value=lambda: _hv(rate=0.0),
            hint="you did not compound the older orders.",
            hint_zh="你没有对较早的订单按复利计算。",
        ),
        Mistake(
            value=lambda: _hv(time_unit="M"),
            hint="10% is a yearly rate: measure the ages of orders in years (time_unit='Y'), not months.",
            hint_zh="10% 是年利率：订单的年龄要以年计（time_unit='Y'），而不是以月计。",
        ),
        Mistake(
            value=lambda: float(_cdnow()["amount"].mul(0.30).mean()),
            hint="that is the mean per order; sum the orders of each customer first, then average over "
            "customers (and compound).",
            hint_zh="这是每笔订单的平均值；请先对每位客户的订单求和，再对客户取平均（并按复利计算）"
            "。",
        ),
    ),
)


# --- q6: why (a written answer) ----------------------------------------------------------------
q6 = WrittenQuestion(
    qid="q6",
    title="Why quarterly retention is higher",
    prompt=(
        "Why is the quarterly retention of question 4 higher than the monthly retention of the "
        "lesson's cohort table (January 1997 cohort, age 1)? Answer in two or three sentences."
    ),
    hints=(
        "Compare what a customer must do to count as retained: buy again within one month, or "
        "within one quarter.",
    ),
    hints_zh=("比较客户要怎样才算被保留：一个月内再次购买，还是一个季度内再次购买。",),
    solution_code="""\
A quarter is three times as long as a month, so a customer has three months, not one, to buy
again and count as retained; CDNOW's customers buy rarely, so many return within a quarter but
not within the very next month. The cohort is also larger (January to March first buyers), and
each customer counts once per quarter however many orders they place.""",
    guidance="Full marks: a longer window (3 months vs 1) gives infrequent buyers more time to "
    "return. Half: only 'more customers' or 'more orders' without the window.",
)
