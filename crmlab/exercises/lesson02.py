"""Exercise set 2 · Who are our valuable customers? (CDNOW revenue and the B2B accounts).

Reference answers are computed with crmlab from the data the first time they are needed.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from crmlab.exercises._core import Mistake, Question, matches, scaled

__all__ = [
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "TOP_FRACTION",
    "ABC_CUTS",
    "SEED",
    "JUDGEMENTS",
    "SCORECARD",
]

TOP_FRACTION = 0.2  # share of customers called "top"
ABC_CUTS = (0.8, 0.95)  # cumulative revenue shares closing classes A and B
SEED = 0  # random_state of the B2B accounts
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


@lru_cache(maxsize=1)
def _tx() -> pd.DataFrame:
    import crmlab

    return crmlab.datasets.load_cdnow()


@lru_cache(maxsize=1)
def _revenue() -> pd.Series:
    return _tx().groupby("customer_id")["amount"].sum()


@lru_cache(maxsize=1)
def _accounts() -> pd.DataFrame:
    import crmlab

    return crmlab.datasets.simulate_b2b_accounts(300, random_state=SEED)


def _value():
    import crmlab.value

    return crmlab.value


def _prospective(lower: bool = True) -> int:
    spec = dict(SCORECARD)
    if not lower:
        spec["lower_is_better"] = []
    sc = _value().value_scorecard(_accounts(), **spec)
    m = _value().value_matrix(sc["current_value"], sc["potential_value"])
    return int((m["quadrant"] == "prospective").sum())


q1 = Question(
    "q1",
    "What share of CDNOW revenue (master file) do the top 20% of customers bring? "
    "Give a fraction between 0 and 1.",
    expected=lambda: _value().top_share(_revenue(), TOP_FRACTION),
    hints=[
        "First add up the revenue of each customer: tx.groupby('customer_id')['amount'].sum().",
        "Then value.top_share(revenue_per_customer, 0.2).",
    ],
    solution_code="revenue = tx.groupby('customer_id')['amount'].sum()\n"
    "answer = value.top_share(revenue, top_fraction)",
    mistakes=[
        Mistake(scaled(100), "that looks like a percentage: give a fraction (0.678, not 67.8)."),
        Mistake(
            matches(lambda: _value().top_share(_tx()["amount"], TOP_FRACTION)),
            "you ranked order lines, not customers: sum the revenue per customer first.",
        ),
    ],
)

q2 = Question(
    "q2",
    "What is the Gini coefficient of revenue per CDNOW customer?",
    expected=lambda: _value().gini(_revenue()),
    hints=["value.gini takes one value per customer.", "Sum per customer before computing it."],
    solution_code="answer = value.gini(tx.groupby('customer_id')['amount'].sum())",
    mistakes=[
        Mistake(
            matches(lambda: _value().gini(_tx()["amount"])),
            "this is the Gini of order lines; the question is about customers.",
        ),
        Mistake(scaled(100), "give the Gini as a number between 0 and 1, not a percentage."),
    ],
)

q3 = Question(
    "q3",
    "How many CDNOW customers are in class A of an ABC analysis with cuts (0.8, 0.95)? "
    "Give a count.",
    expected=lambda: int((_value().abc_classes(_revenue(), ABC_CUTS)["abc_class"] == "A").sum()),
    hints=[
        "value.abc_classes(revenue, cuts=(0.8, 0.95)) returns a column abc_class.",
        "Count the rows where abc_class == 'A'.",
    ],
    solution_code="abc = value.abc_classes(revenue, cuts=abc_cuts)\n"
    "answer = int((abc['abc_class'] == 'A').sum())",
    mistakes=[
        Mistake(
            matches(
                lambda: (_value().abc_classes(_revenue(), ABC_CUTS)["abc_class"] == "A").mean()
            ),
            "that is the share of customers in class A; the question asks for a count.",
        ),
        Mistake(
            matches(lambda: round(TOP_FRACTION * len(_revenue()))),
            "that is the top 20% of customers; class A is the group that brings 80% of revenue.",
        ),
    ],
    rtol=0,
    atol=0.5,
)


def _ahp_matrix():
    return _value().pairwise_matrix(JUDGEMENTS, labels=["revenue", "gross_profit", "growth"])


def _raw_eigenvector():
    a = _ahp_matrix().to_numpy()
    vals, vecs = np.linalg.eig(a)
    v = np.abs(vecs[:, np.argmax(vals.real)].real)
    return v / np.linalg.norm(v)


q4 = Question(
    "q4",
    "Build the AHP pairwise matrix from ex.JUDGEMENTS for ['revenue', 'gross_profit', 'growth'] "
    "and give the AHP weights as a Series (index = the three indicators).",
    expected=lambda: _value().ahp_weights(_ahp_matrix()).weights,
    hints=[
        "value.pairwise_matrix(ex.JUDGEMENTS, labels=[...]) builds the reciprocal matrix.",
        "value.ahp_weights(matrix).weights are the weights; they must add up to 1.",
    ],
    solution_code="matrix = value.pairwise_matrix(ex.JUDGEMENTS, labels=['revenue', "
    "'gross_profit', 'growth'])\nanswer = value.ahp_weights(matrix).weights",
    mistakes=[
        Mistake(
            matches(_raw_eigenvector),
            "these look like an unnormalised eigenvector: divide the weights by their sum.",
        ),
    ],
)

q5 = Question(
    "q5",
    "Score the B2B accounts (simulate_b2b_accounts(300, random_state=ex.SEED)) with "
    "value_scorecard(accounts, **ex.SCORECARD) and cut the value matrix at the median. "
    "How many accounts are prospective customers?",
    expected=_prospective,
    hints=[
        "ex.SCORECARD already holds current=, potential= and lower_is_better=.",
        "value.value_matrix(sc['current_value'], sc['potential_value']) gives a quadrant column.",
    ],
    solution_code="sc = value.value_scorecard(accounts, **ex.SCORECARD)\n"
    "m = value.value_matrix(sc['current_value'], sc['potential_value'])\n"
    "answer = int((m['quadrant'] == 'prospective').sum())",
    mistakes=[
        Mistake(
            matches(lambda: _prospective(lower=False)),
            "payment days, service cost and complaints are 'less is better': pass lower_is_better=.",
        ),
    ],
    rtol=0,
    atol=0.5,
)
