"""Exercise set 06: customer retention and churn (客户保留与客户流失).

Use in ``exercises/06_retention_churn.ipynb``::

    from crmlab.exercises import lesson06 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

Reference answers come from :mod:`crmlab.churn` and :class:`crmlab.clv.ShiftedBetaGeometric`,
computed on the telco churn file (7,043 subscribers) the first time they are needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from crmlab.exercises.mistakes import Mistake, gave_percent
from crmlab.exercises.questions import Precision, Question

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {
    "contract": "One year",  # q1: the contract type whose Kaplan-Meier retention is asked
    "months": 60,
    "renewal_period": 24,
    "top_share": 0.2,
    "cv_folds": 5,
    "random_state": 0,
    "horizon_months": 24,  # q5: months of revenue at stake (the lesson uses 12)
    "budget": 10_000.0,
    "offer_cost": 50.0,
    "success_rate": 0.25,
}


@cache
def load() -> dict[str, Any]:
    """The data of this set: the telco churn file ``telco`` (7,043 subscribers)."""
    from crmlab.datasets import load_telco_churn

    return {"telco": load_telco_churn()}


def _telco() -> pd.DataFrame:
    return load()["telco"]


def _churn():
    from crmlab import churn

    return churn


# --- q1: Kaplan-Meier retention of one-year contracts ------------------------------------------
def _contract(name: str = SETTINGS["contract"]) -> pd.DataFrame:
    telco = _telco()
    return telco[telco["contract"] == name]


def _km_at(months: int = SETTINGS["months"], contract: str = SETTINGS["contract"]) -> float:
    curves = _churn().retention_curves(_telco(), "tenure", "churn", "contract")
    return float(curves.at([months])[contract].iloc[0])


def _naive_retention(censored_survive: bool) -> float:
    """Share still there at ``months`` if the censored short tenures are survivors, or lost."""
    rows, months = _contract(), SETTINGS["months"]
    if censored_survive:
        return float(1.0 - ((rows["churn"] == 1) & (rows["tenure"] <= months)).mean())
    return float((rows["tenure"] > months).mean())


q1 = Question(
    qid="q1",
    title="Kaplan-Meier retention of one-year contracts after 5 years",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    prompt=(
        "The lesson reads the Kaplan-Meier curves at 12, 24, 48 and 72 months. What share of "
        "**one-year** contract customers is still a customer after **60 months** of tenure?"
    ),
    expected=_km_at,
    hints=(
        "Customers with churn 0 are censored: use a survival estimate, not a simple share.",
        "`churn.retention_curves(telco, 'tenure', 'churn', 'contract').at([60])` gives one "
        "column per contract type.",
    ),
    hints_zh=(
        "churn 为 0 的客户是删失（censoring）数据：请用生存估计，而不是简单的比例。",
        "`churn.retention_curves(telco, 'tenure', 'churn', 'contract').at([60])` 对每种合同类型给出一列。",
    ),
    solution_code="""\
curves = churn.retention_curves(telco, "tenure", "churn", "contract")
answer = curves.at([60])["One year"].iloc[0]
""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: 1.0 - _km_at(),
            hint="that is the share who left by month 60; the question asks for those still there.",
            hint_zh="这是到第 60 个月已经离开的比例；本题问的是仍然留下的比例。",
        ),
        Mistake(
            value=lambda: _km_at(contract="Month-to-month"),
            hint="that is the month-to-month column; the question asks about one-year contracts.",
            hint_zh="这是按月合同（month-to-month）那一列；本题问的是一年期合同。",
        ),
        Mistake(
            value=lambda: _naive_retention(censored_survive=False),
            hint="you counted customers with tenure <= 60 who are still active as lost; they are "
            "censored (we do not know their future). Use the Kaplan-Meier estimate.",
            hint_zh="你把 tenure <= 60 且仍然活跃的客户算作流失了；他们是删失数据（我们不知道他们以后会怎样）"
            "。请用 Kaplan-Meier 估计。",
        ),
        Mistake(
            value=lambda: _naive_retention(censored_survive=True),
            hint="you counted every short-tenure customer who is still active as a 60-month "
            "survivor; they are censored, not survivors. Use the Kaplan-Meier estimate.",
            hint_zh="你把每一位 tenure 较短但仍然活跃的客户都算作存活了 60 个月；"
            "他们是删失数据，不是存活者。请用 Kaplan-Meier 估计。",
        ),
    ),
)


# --- q2: the sBG median lifetime -----------------------------------------------------------------
def _sbg_median(below: bool = True) -> int:
    """First month whose sBG survival is below one half (or the last one at or above it)."""
    survival = _sbg().survival(range(0, 600))
    first = int(np.argmax(survival < 0.5))
    return first if below else first - 1


def _km_median() -> float:
    curves = _churn().retention_curves(_telco(), "tenure", "churn", "contract")
    return float(curves.summary.loc["Month-to-month", "median_lifetime"])


q2 = Question(
    qid="q2",
    title="The median lifetime by the sBG model",
    unit="months",
    precision=Precision(decimals=0),
    prompt=(
        "Fit the shifted-beta-geometric model to month-to-month customers with tenure >= 1 "
        "(duration = tenure, churned = churn), as in the lesson. In which month does the "
        "model's survival curve first fall **below 0.5**: the sBG median lifetime? Compare it "
        "with the Kaplan-Meier median of the lesson."
    ),
    expected=_sbg_median,
    hints=(
        "`sbg.survival(range(0, 100))` gives the share still active after each month "
        "(month 0 is 1).",
        "Find the first month t with survival(t) < 0.5, e.g. "
        "`int(np.argmax(sbg.survival(months) < 0.5))`.",
    ),
    hints_zh=(
        "`sbg.survival(range(0, 100))` 给出每个月之后仍然活跃的比例（第 0 个月为 1）。",
        "找出第一个使 survival(t) < 0.5 的月份 t，例如 `int(np.argmax(sbg.survival(months) < 0.5))`。",
    ),
    solution_code="""\
import numpy as np

rows = telco[(telco["contract"] == "Month-to-month") & (telco["tenure"] >= 1)]
sbg = ShiftedBetaGeometric().fit(churn.duration_frame(rows, "tenure", "churn"))
answer = int(np.argmax(sbg.survival(range(0, 100)) < 0.5))
""",
    mistakes=(
        Mistake(
            value=_km_median,
            hint="that is the Kaplan-Meier median of the lesson's table; the question asks when "
            "the fitted sBG survival falls below 0.5.",
            hint_zh="这是课程表格中的 Kaplan-Meier 中位数；本题问的是拟合的 sBG 生存曲线（survival curve）"
            "何时降到 0.5 以下。",
        ),
        Mistake(
            value=lambda: _sbg_median(below=False),
            hint="one month early: that is the last month with survival still at or above 0.5.",
            hint_zh="早了一个月：这是生存率仍然不低于 0.5 的最后一个月。",
        ),
    ),
)


# --- q3: sBG retention rate --------------------------------------------------------------------
@cache
def _sbg():
    from crmlab.clv import ShiftedBetaGeometric

    m = _contract("Month-to-month")
    cohort = _churn().duration_frame(m[m["tenure"] >= 1], "tenure", "churn")
    return ShiftedBetaGeometric().fit(cohort)


def _sbg_rate() -> float:
    return float(_sbg().retention_rate(SETTINGS["renewal_period"]))


q3 = Question(
    qid="q3",
    title="The sBG retention rate of month 24",
    unit="a fraction between 0 and 1",
    prompt=(
        "With the sBG fit of question 2: what retention rate does the model give for month 24, "
        "i.e. the share of customers active after month 23 who stay through month 24? (The "
        "lesson prints months 1, 3, 6, 12 and 36.)"
    ),
    expected=_sbg_rate,
    hints=(
        "The retention rate of month t is the conditional share: of those active after month "
        "t - 1, who stay through month t. It differs from survival(t).",
        "For the sBG model, r_t = (beta + t - 1) / (alpha + beta + t - 1); the fitted model "
        "computes it for you with its `retention_rate` method.",
    ),
    hints_zh=(
        "第 t 个月的保留率是一个条件比例：在第 t - 1 个月之后仍然活跃的客户中，"
        "有多少留到了第 t 个月末。它与 survival(t) 不同。",
        "对 sBG 模型（移位贝塔几何模型），r_t = (beta + t - 1) / (alpha + beta + t - 1)；"
        "拟合好的模型用它的 `retention_rate` 方法替你计算。",
    ),
    solution_code="answer = float(sbg.retention_rate(24))",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: 1.0 - _sbg_rate(),
            hint="that is the churn rate in month 24 among those still active; retention is 1 - x.",
            hint_zh="这是第 24 个月仍然活跃的客户中的流失率（churn rate）；保留率是 1 - x。",
        ),
        Mistake(
            value=lambda: float(_sbg().survival(SETTINGS["renewal_period"])),
            hint="that is the share of the whole cohort still active after 24 months (survival), not "
            "the rate at which month-24 customers renew.",
            hint_zh="这是整个客户群在 24 个月之后仍然活跃的比例（生存率），不是第 24 个月的客户续约的比率。",
        ),
    ),
)


# --- q4: cumulative lift of a model without tenure ---------------------------------------------
def _features(drop: tuple[str, ...] = ()) -> list[str]:
    skip = ("churn", "total_charges", *drop)
    return [c for c in _telco().columns if c not in skip]


@cache
def _logistic(drop: tuple[str, ...] = ()):
    return _churn().evaluate_churn_models(
        _telco(),
        features=_features(drop),
        models=["logistic"],
        cv=SETTINGS["cv_folds"],
        random_state=SETTINGS["random_state"],
    )


def _gains(drop: tuple[str, ...] = ("tenure",)) -> pd.DataFrame:
    res = _logistic(drop)
    return _churn().gains_table(res.y, res.probabilities["logistic"], n_bins=10)


q4 = Question(
    qid="q4",
    title="Cumulative lift of a churn model without tenure",
    unit="a lift (a ratio)",
    precision=Precision(decimals=2),
    prompt=(
        "The lesson refits the logistic churn pipeline without `tenure` and compares the AUC. "
        "Cross-validate that model (5 stratified folds, random_state=0, all columns except "
        "churn, total_charges and tenure as features). Ranking customers by its out-of-fold "
        "probability, what is the **cumulative lift** of the riskiest **30%**?"
    ),
    expected=lambda: float(_gains().loc[3, "cumulative_lift"]),
    hints=(
        "`churn.evaluate_churn_models(telco, features=..., models=['logistic'], cv=5, "
        "random_state=0)` returns out-of-fold probabilities in `.probabilities`.",
        "`churn.gains_table(res.y, res.probabilities['logistic'], n_bins=10)`: the top 30% is "
        "decile 3, and `cumulative_lift` = gain / 0.3.",
    ),
    hints_zh=(
        "`churn.evaluate_churn_models(telco, features=..., models=['logistic'], cv=5, random_state=0)` 在 `.probabilities` 中返回交叉验证的样本外概率。",
        "`churn.gains_table(res.y, res.probabilities['logistic'], n_bins=10)`："
        "前 30% 是第 3 个十分位组，`cumulative_lift` = 增益 / 0.3。",
    ),
    solution_code="""\
features = [c for c in telco.columns if c not in ("churn", "total_charges", "tenure")]
res = churn.evaluate_churn_models(telco, features=features, models=["logistic"], cv=5,
                                  random_state=0)
gains = churn.gains_table(res.y, res.probabilities["logistic"], n_bins=10)
answer = gains.loc[3, "cumulative_lift"]
""",
    mistakes=(
        Mistake(
            value=lambda: float(_gains().loc[3, "gain"]),
            hint="that is the cumulative gain (share of churners caught); the lift divides it "
            "by the 30% of customers contacted.",
            hint_zh="这是累积增益（cumulative gains，即抓到的流失客户的比例）；提升度（lift）要再除以被联系的 30% 客户。",
        ),
        Mistake(
            value=lambda: float(_gains(drop=()).loc[3, "cumulative_lift"]),
            hint="that is the model with tenure; leave tenure out of the features.",
            hint_zh="这是包含 tenure 的模型；请把 tenure 从特征中去掉。",
        ),
        Mistake(
            value=lambda: float(_gains().loc[3, "churner_share"] / _telco()["churn"].mean()),
            hint="that is the lift of the third decile alone; the cumulative lift takes deciles "
            "1-3 together.",
            hint_zh="这只是第三个十分位组的提升度；累积提升度要把第 1-3 个十分位组合在一起算。",
        ),
    ),
)


# --- q5: retention budget ---------------------------------------------------------------------
def _plan(**changes):
    s = {**SETTINGS, **changes}
    telco = _telco()
    return _churn().retention_targets(
        telco,
        _logistic().probabilities["logistic"],
        telco["monthly_charges"] * s["horizon_months"],
        budget=s["budget"],
        offer_cost=s["offer_cost"],
        success_rate=s["success_rate"],
    )


def _saved() -> float:
    return float(_plan().summary["expected_saved"])


q5 = Question(
    qid="q5",
    title="What a retention budget saves over two years",
    unit="dollars",
    prompt=(
        "The lesson puts 12 months of charges at stake when a customer leaves. Put **24 "
        "months** at stake instead: with the out-of-fold probabilities of the logistic pipeline "
        "**with** tenure (all columns except churn and total_charges, 5 folds, random_state=0), "
        "value = monthly_charges x 24, a budget of $10,000, offers costing $50 each and a "
        "success rate of 0.25: how much revenue does the `retention_targets` plan expect to "
        "save (before subtracting the cost of the offers), in dollars?"
    ),
    expected=_saved,
    hints=(
        "`churn.retention_targets(telco, probabilities, telco['monthly_charges'] * 24, "
        "budget=10000, offer_cost=50, success_rate=0.25)` returns a plan; its `.summary` has "
        "the totals.",
        "Expected saved value = sum over contacted customers of success_rate x P(churn) x value.",
    ),
    hints_zh=(
        "`churn.retention_targets(telco, probabilities, telco['monthly_charges'] * 24, budget=10000, offer_cost=50, success_rate=0.25)` 返回一个方案；"
        "它的 `.summary` 中有合计数。",
        "预期挽回的价值 = 对被联系的客户求和：success_rate x P(churn) x 价值。",
    ),
    solution_code="""\
features = [c for c in telco.columns if c not in ("churn", "total_charges")]
with_tenure = churn.evaluate_churn_models(telco, features=features, models=["logistic"], cv=5,
                                          random_state=0)
plan = churn.retention_targets(telco, with_tenure.probabilities["logistic"],
                               telco["monthly_charges"] * 24, budget=10_000, offer_cost=50,
                               success_rate=0.25)
answer = plan.summary["expected_saved"]
""",
    mistakes=(
        Mistake(
            value=lambda: float(_plan(horizon_months=12).summary["expected_saved"]),
            hint="that puts 12 months of charges at stake; the question values 24 months.",
            hint_zh="这把 12 个月的费用当作风险中的价值；本题按 24 个月计算价值。",
        ),
        Mistake(
            value=lambda: float(_plan().summary["net_saved"]),
            hint="that is the net saving (after the offers' cost); the question asks for the "
            "saving before costs.",
            hint_zh="这是净节省（扣除挽留优惠的成本之后）；本题问的是扣除成本之前的节省。",
        ),
        Mistake(
            factor=1.0 / SETTINGS["success_rate"],
            hint="that is the expected loss of the contacted customers; only a share (the "
            "success rate, 0.25) of would-be churners is actually kept.",
            hint_zh="这是被联系客户的期望损失（expected loss）；可能流失的客户中只有一部分（成功率 0.25）"
            "真正被留住。",
        ),
    ),
)
