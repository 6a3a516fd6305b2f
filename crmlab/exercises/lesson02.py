"""Exercise set 02: who are our valuable customers? (客户价值练习).

Use in ``exercises/02_customer_value.ipynb``: ``from crmlab.exercises import lesson02 as ex``.
Reference answers are computed with :mod:`crmlab.value` from the CDNOW master log and from the
simulated B2B accounts (``SETTINGS["seed"]``) the first time they are needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from crmlab.exercises.mistakes import Mistake, gave_percent
from crmlab.exercises.questions import Precision, Question

__all__ = ["JUDGEMENTS", "SCORECARD", "SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {
    "top_fraction": 0.1,  # share of customers called "top" (the lesson's is 0.2)
    "abc_cuts": (0.7, 0.9),  # cumulative revenue shares closing classes A and B (lesson: 0.8, 0.95)
    "seed": 0,  # random_state of the B2B accounts
    "n_accounts": 300,
}
#: Pairwise judgements for q4 (Saaty scale): profit vs revenue 3, profit vs growth 5, ...
JUDGEMENTS = {
    ("gross_profit", "revenue"): 3,
    ("gross_profit", "growth"): 5,
    ("revenue", "growth"): 2,
}
SCORECARD = dict(
    current={"financial": ["revenue", "gross_profit", "payment_days"], "sales": ["order_count"]},
    potential={"customer": ["growth", "strategic_fit"], "service": ["service_cost", "complaints"]},
    lower_is_better=["payment_days", "service_cost", "complaints"],
)
_LABELS = ["revenue", "gross_profit", "growth"]


@cache
def load() -> dict[str, Any]:
    """The data of this set: CDNOW log ``tx``, its customer ``metrics``, B2B ``accounts``."""
    import crmlab

    tx = crmlab.datasets.load_cdnow()
    metrics = crmlab.value.customer_metrics(tx, quantity_col="quantity")
    accounts = crmlab.datasets.simulate_b2b_accounts(
        SETTINGS["n_accounts"], random_state=SETTINGS["seed"]
    )
    return {"tx": tx, "metrics": metrics, "revenue": metrics["revenue"], "accounts": accounts}


def _value():
    import crmlab.value

    return crmlab.value


def _class_a(share: bool = False, cuts: tuple = SETTINGS["abc_cuts"]) -> float:
    a = _value().abc_classes(load()["revenue"], cuts)["abc_class"] == "A"
    return float(a.mean()) if share else int(a.sum())


def _top_share(metric: str = "orders", fraction: float = SETTINGS["top_fraction"]) -> float:
    return float(_value().top_share(load()["metrics"][metric], fraction))


def _gini(metric: str = "orders") -> float:
    return float(_value().gini(load()["metrics"][metric]))


def _ahp_matrix():
    return _value().pairwise_matrix(JUDGEMENTS, labels=_LABELS)


def _raw_eigenvector():
    import pandas as pd

    a = _ahp_matrix().to_numpy()
    vals, vecs = np.linalg.eig(a)
    v = np.abs(vecs[:, np.argmax(vals.real)].real)
    return pd.Series(v / np.linalg.norm(v), index=_LABELS)


def _prospective(lower: bool = True) -> int:
    spec = dict(SCORECARD)
    if not lower:
        spec["lower_is_better"] = []
    sc = _value().value_scorecard(load()["accounts"], **spec)
    m = _value().value_matrix(sc["current_value"], sc["potential_value"])
    return int((m["quadrant"] == "prospective").sum())


q1 = Question(
    qid="q1",
    title="The top 10% of frequent buyers (帕累托法则)",
    prompt=(
        "The lesson measures concentration on revenue. Do the same for buying frequency: what "
        "share of all orders (purchase days, `orders`) do the top **10%** of customers, ranked "
        "by their own number of orders, place?"
    ),
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    expected=_top_share,
    hints=(
        "`value.customer_metrics(tx, quantity_col='quantity')` has one row per customer with an "
        "`orders` column (same-day orders count once).",
        "Then `value.top_share(metrics['orders'], 0.1)`.",
    ),
    hints_zh=(
        "`value.customer_metrics(tx, quantity_col='quantity')` 每位客户一行，"
        "其中有 `orders` 列（同一天的订单只算一次）。",
        "然后用 `value.top_share(metrics['orders'], 0.1)`。",
    ),
    solution_code='answer = value.top_share(metrics["orders"], top_fraction)',
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: _top_share("revenue"),
            hint="that is the top 10%'s share of revenue; the question asks about orders.",
            hint_zh="这是前 10% 客户占收入的份额；本题问的是订单（order）。",
        ),
        Mistake(
            value=lambda: _top_share(fraction=0.2),
            hint="that is the top 20%; the question asks for the top 10%.",
            hint_zh="这是前 20% 的客户；本题问的是前 10%。",
        ),
        Mistake(
            value=lambda: float(
                _value().top_share(load()["tx"].groupby("customer_id").size(), 0.1)
            ),
            hint="you counted rows of the log (every order); `orders` counts purchase days, so "
            "the orders a customer placed on the same day count once.",
            hint_zh="你数的是日志的行数（每一笔订单）；`orders` 数的是购买日，所以客户同一天下的多笔订单只算一次。",
        ),
    ),
)

q2 = Question(
    qid="q2",
    title="How unequal is the number of orders? (基尼系数)",
    prompt=(
        "The lesson gives the Gini coefficient of revenue per customer. What is the Gini "
        "coefficient of the number of **orders** per customer? Is buying often as concentrated "
        "as spending?"
    ),
    unit="a number between 0 and 1",
    precision=Precision(decimals=2),
    expected=_gini,
    hints=(
        "`customer_metrics` has an `orders` column, one value per customer.",
        "The lesson measures inequality with the Gini coefficient; `crmlab.value` has a "
        "function of that name that takes one column.",
    ),
    hints_zh=(
        "`customer_metrics` 有一列 `orders`，每位客户一个值。",
        "课程用基尼系数（Gini coefficient）衡量不平等；`crmlab.value` 中有同名函数，"
        "它接受一列数据。",
    ),
    solution_code='answer = value.gini(metrics["orders"])',
    mistakes=(
        Mistake(
            value=lambda: _gini("revenue"),
            hint="that is the Gini of revenue (the lesson's number); the question asks about "
            "orders.",
            hint_zh="这是收入的基尼系数（课程中的数字）；本题问的是订单。",
        ),
        gave_percent(),
    ),
)

q3 = Question(
    qid="q3",
    title="Class A with stricter cuts (ABC分析)",
    prompt=(
        "Redo the lesson's ABC analysis of revenue per customer with cuts **(0.7, 0.9)**: class "
        "A brings the first 70% of revenue. How many customers are in class A?"
    ),
    unit="a count of customers",
    precision=Precision(decimals=0),
    expected=_class_a,
    hints=(
        "value.abc_classes(revenue, cuts=(0.7, 0.9)) returns a column abc_class.",
        "Count the rows where abc_class == 'A'.",
    ),
    hints_zh=(
        "value.abc_classes(revenue, cuts=(0.7, 0.9)) 返回一列 abc_class。",
        "数一数 abc_class == 'A' 的行数。",
    ),
    solution_code=(
        'answer = int((value.abc_classes(metrics["revenue"], cuts=abc_cuts)["abc_class"] == "A")'
        ".sum())"
    ),
    mistakes=(
        Mistake(
            value=lambda: _class_a(cuts=(0.8, 0.95)),
            hint="that is class A with the lesson's cuts (0.8, 0.95); use (0.7, 0.9).",
            hint_zh="这是用课程的分界点 (0.8, 0.95) 得到的 A 类；请用 (0.7, 0.9)。",
        ),
        Mistake(
            value=lambda: _class_a(share=True),
            hint="that is the share of customers in class A; the question asks for a count.",
            hint_zh="这是 A 类客户占全部客户的比例；本题问的是人数。",
        ),
        Mistake(
            value=lambda: round(0.7 * len(load()["revenue"])),
            hint="that is 70% of the customers; class A is the group that brings 70% of revenue.",
            hint_zh="这是 70% 的客户数；A 类是带来 70% 收入的那一组客户（ABC分类法）。",
        ),
    ),
)

q4 = Question(
    qid="q4",
    title="AHP weights (层次分析法)",
    prompt=(
        "Build the AHP pairwise matrix from `ex.JUDGEMENTS` for "
        "`['revenue', 'gross_profit', 'growth']` and give the weights as a Series (index = the "
        "three indicators)."
    ),
    unit="a Series of three weights adding up to 1",
    precision=Precision(decimals=3),
    expected=lambda: _value().ahp_weights(_ahp_matrix()).weights,
    hints=(
        "value.pairwise_matrix(ex.JUDGEMENTS, labels=[...]) builds the reciprocal matrix.",
        "value.ahp_weights(matrix).weights are the weights; they must add up to 1.",
    ),
    hints_zh=(
        "value.pairwise_matrix(ex.JUDGEMENTS, labels=[...]) 构造互反的判断矩阵（pairwise comparison matrix）。",
        "value.ahp_weights(matrix).weights 就是权重；它们之和必须为 1。",
    ),
    solution_code="""\
matrix = value.pairwise_matrix(ex.JUDGEMENTS, labels=["revenue", "gross_profit", "growth"])
answer = value.ahp_weights(matrix).weights""",
    mistakes=(
        Mistake(
            value=_raw_eigenvector,
            hint="these look like an unnormalised eigenvector: divide the weights by their sum.",
            hint_zh="这看起来是未归一化的特征向量（eigenvector）：请用各权重除以它们的总和。",
        ),
    ),
)

q5 = Question(
    qid="q5",
    title="Prospective customers in the value matrix (客户价值矩阵)",
    prompt=(
        "Score the accounts with `value.value_scorecard(accounts, **ex.SCORECARD)` and cut the "
        "value matrix at the median. How many accounts are prospective customers (期望的客户)?"
    ),
    unit="a count of accounts",
    precision=Precision(decimals=0),
    expected=_prospective,
    hints=(
        "ex.SCORECARD already holds current=, potential= and lower_is_better=.",
        "value.value_matrix(sc['current_value'], sc['potential_value']) gives a quadrant column.",
    ),
    hints_zh=(
        "ex.SCORECARD 已经包含 current=、potential= 和 lower_is_better=。",
        "value.value_matrix(sc['current_value'], sc['potential_value']) 给出一列象限（quadrant）。",
    ),
    solution_code="""\
sc = value.value_scorecard(accounts, **ex.SCORECARD)
m = value.value_matrix(sc["current_value"], sc["potential_value"])
answer = int((m["quadrant"] == "prospective").sum())""",
    mistakes=(
        Mistake(
            value=lambda: _prospective(lower=False),
            hint="payment days, service cost and complaints are 'less is better': pass "
            "lower_is_better=.",
            hint_zh="回款天数、服务成本和投诉次数都是“越少越好”：请传入 lower_is_better=。",
        ),
    ),
)
