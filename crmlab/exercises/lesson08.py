"""Exercise set 08: internal marketing (notebook ``exercises/08_internal_marketing``).

Reference answers are computed with crmlab from the IBM HR attrition file and from the simulated
branch panel (seed ``SEED``); the notebook's parameters cell must use the same values.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from crmlab.exercises.mistakes import Mistake, gave_percent
from crmlab.exercises.questions import Precision, Question

__all__ = [
    "N_BRANCHES",
    "SAT_ITEMS",
    "SEED",
    "SETTINGS",
    "hr",
    "load",
    "panel",
    "q1",
    "q2",
    "q3",
    "q4",
]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {"seed": 3, "n_branches": 60, "few_employees": 5}
SEED, N_BRANCHES = SETTINGS["seed"], SETTINGS["n_branches"]
SAT_ITEMS = [
    "EnvironmentSatisfaction",
    "JobSatisfaction",
    "RelationshipSatisfaction",
    "WorkLifeBalance",
]


@cache
def load() -> dict[str, Any]:
    """The data of this set: the IBM HR file ``hr`` and the simulated branch ``chain``."""
    from crmlab.datasets import load_hr_attrition, simulate_service_profit_chain

    return {
        "hr": load_hr_attrition(),
        "chain": simulate_service_profit_chain(N_BRANCHES, random_state=SEED),
    }


def hr() -> pd.DataFrame:
    """The HR attrition data (do not modify it)."""
    return load()["hr"]


def chain():  # noqa: ANN201 - the simulator's (employees, branches) result
    """The simulated service-profit chain."""
    return load()["chain"]


@cache
def panel(employees_per_branch: int = 20) -> pd.DataFrame:
    """Branch-level panel of the simulated chain (threshold 70)."""
    from crmlab.datasets import simulate_service_profit_chain
    from crmlab.internal_marketing import branch_panel

    if employees_per_branch == 20:
        return branch_panel(*chain())
    few = simulate_service_profit_chain(N_BRANCHES, employees_per_branch, random_state=SEED)
    return branch_panel(*few)


def _im():
    from crmlab import internal_marketing

    return internal_marketing


# --- q1: the job role with the highest attrition ------------------------------------------------
def _by_role() -> pd.DataFrame:
    return _im().attrition_by_factor(hr(), "JobRole")


q1 = Question(
    qid="q1",
    title="The job role that loses most (员工流失率)",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=3),
    prompt=(
        "The lesson compares attrition between overtime and no overtime. Compare it across "
        "`JobRole` instead: what is the attrition rate (员工流失率) of the job role with the "
        "**highest** rate?"
    ),
    expected=lambda: float(_by_role()["rate"].max()),
    hints=[
        "im.attrition_by_factor(hr, 'JobRole') gives one row per role with a rate column.",
        "Take the largest rate (not the role with the most leavers).",
    ],
    hints_zh=(
        "im.attrition_by_factor(hr, 'JobRole') 每个岗位一行，其中有一列 rate。",
        "取最大的 rate（而不是离职人数最多的岗位）。",
    ),
    solution_code='answer = im.attrition_by_factor(hr, "JobRole")["rate"].max()',
    mistakes=[
        gave_percent(),
        Mistake(
            value=lambda: float(_by_role().sort_values("leavers")["rate"].iloc[-1]),
            hint="That is the rate of the role with the most leavers; a big role can have many "
            "leavers at a modest rate. Take the highest rate.",
            hint_zh="这是离职人数最多的岗位的比率；一个大岗位可能离职人数多但比率一般。请取最高的比率。",
        ),
        Mistake(
            value=lambda: float(_im().attrition_rate(hr())),
            hint="That is the overall attrition rate; compare the job roles.",
            hint_zh="这是总体的员工流失率（员工流失）；请比较各个岗位。",
        ),
    ],
)


# --- q2: the overtime odds ratio, adjusted for the job level -------------------------------------
def _overtime(predictors: tuple[str, ...] = ("OverTime", "JobLevel"), col: str = "odds_ratio"):
    return float(_im().attrition_model(hr(), list(predictors)).loc["OverTime=Yes", col])


q2 = Question(
    qid="q2",
    title="Overtime, at the same job level",
    unit="an odds ratio",
    precision=Precision(sig=3),
    prompt=(
        "Junior staff both work overtime and leave more often. Fit the lesson's attrition model "
        "with only two predictors, `OverTime` and `JobLevel`. What is the odds ratio of "
        "overtime once the job level is held fixed?"
    ),
    expected=_overtime,
    hints=[
        "im.attrition_model(hr, ['OverTime', 'JobLevel']) has one row per term.",
        "Read the odds_ratio of the row 'OverTime=Yes'.",
    ],
    hints_zh=(
        "im.attrition_model(hr, ['OverTime', 'JobLevel']) 每一项一行。",
        "读出 'OverTime=Yes' 那一行的 odds_ratio。",
    ),
    solution_code=(
        'model = im.attrition_model(hr, ["OverTime", "JobLevel"])\n'
        'answer = model.loc["OverTime=Yes", "odds_ratio"]'
    ),
    mistakes=[
        Mistake(
            value=lambda: _overtime(("OverTime",)),
            hint="That is the odds ratio without JobLevel in the model; add it to adjust for "
            "the job level.",
            hint_zh="这是模型中没有 JobLevel 时的优势比（odds ratio）；把它加进去以控制职级的影响。",
        ),
        Mistake(
            value=lambda: _overtime(col="coef"),
            hint="That is the coefficient (a change in log-odds); the odds ratio is exp(coef).",
            hint_zh="这是系数（对数几率的变化）；优势比是 exp(coef)。",
        ),
    ],
)


# --- q3: branch eNPS and customer satisfaction ---------------------------------------------------
def _corr(x: str = "enps", y: str = "customer_satisfaction") -> float:
    return float(panel()[x].corr(panel()[y]))


q3 = Question(
    qid="q3",
    title="Does a branch's eNPS (员工净推荐值) track its customers?",
    unit="a correlation between -1 and 1",
    precision=Precision(decimals=2),
    prompt=(
        "Build the branch panel of the simulated chain (`im.branch_panel(*chain)`). What is the "
        "correlation across branches between the branch **eNPS** and its **customer "
        "satisfaction**?"
    ),
    expected=_corr,
    hints=[
        "The panel has one row per branch with the columns enps and customer_satisfaction.",
        "panel['enps'].corr(panel['customer_satisfaction']).",
    ],
    hints_zh=(
        "panel 每个分店一行，有 enps 和 customer_satisfaction 两列。",
        "panel['enps'].corr(panel['customer_satisfaction'])。",
    ),
    solution_code=(
        "panel = im.branch_panel(*chain)\n"
        'answer = panel["enps"].corr(panel["customer_satisfaction"])'
    ),
    mistakes=[
        Mistake(
            value=lambda: _corr() ** 2,
            hint="That is r squared (the share of variance explained); give the correlation r.",
            hint_zh="这是 r 的平方（被解释的方差比例，决定系数）；请给出相关系数 r。",
        ),
        Mistake(
            value=lambda: _corr("employee_satisfaction"),
            hint="That correlates mean employee satisfaction, not eNPS, with customer "
            "satisfaction.",
            hint_zh="这是员工满意度（employee satisfaction）的平均值与客户满意度的相关，而不是员工净推荐值（eNPS）"
            "与客户满意度的相关。",
        ),
        Mistake(
            value=lambda: _corr(y="service_quality"),
            hint="That is eNPS against service quality; the question asks about customer "
            "satisfaction.",
            hint_zh="这是员工净推荐值与服务质量的相关；本题问的是客户满意度。",
        ),
    ],
)


# --- q4: the first link with few employees per branch -------------------------------------------
def _slope(employees_per_branch: int = SETTINGS["few_employees"], reverse: bool = False):
    link = ("employee_satisfaction", "service_quality")
    paths = _im().service_profit_chain_paths(
        panel(employees_per_branch), [link[::-1] if reverse else link]
    )
    return float(paths.loc[0, "slope"])


q4 = Question(
    qid="q4",
    title="The first link of the service-profit chain (服务利润链) with few employees surveyed",
    unit="points of service quality per point of employee satisfaction",
    precision=Precision(decimals=2),
    prompt=(
        "Simulate the chain again with the same seed and branches but only **5 employees "
        "surveyed per branch** (`simulate_service_profit_chain(ex.N_BRANCHES, 5, "
        "random_state=ex.SEED)`). What is the branch-level slope of service quality on "
        "employee satisfaction? Compare it with the planted 0.6: why is it smaller?"
    ),
    expected=_slope,
    hints=[
        "With 5 answers per branch, the branch mean of employee satisfaction is measured with "
        "much noise; noise in x flattens the fitted slope (regression dilution).",
        "im.service_profit_chain_paths(im.branch_panel(*few), "
        "[('employee_satisfaction', 'service_quality')]).loc[0, 'slope'].",
    ],
    hints_zh=(
        "每个分店只有 5 份回答时，员工满意度的分店均值测量噪声很大；x 中的噪声会使拟合的斜率变平（回归稀释）"
        "。",
        "im.service_profit_chain_paths(im.branch_panel(*few), [('employee_satisfaction', 'service_quality')]).loc[0, 'slope']。",
    ),
    solution_code=(
        "few = crmlab.datasets.simulate_service_profit_chain(ex.N_BRANCHES, 5, "
        "random_state=ex.SEED)\n"
        "paths = im.service_profit_chain_paths(\n"
        "    im.branch_panel(*few), [('employee_satisfaction', 'service_quality')]\n"
        ")\n"
        "answer = paths.loc[0, 'slope']"
    ),
    mistakes=[
        Mistake(
            value=lambda: _slope(20),
            hint="That is the slope with 20 employees per branch; simulate with 5.",
            hint_zh="这是每个分店 20 名员工时的斜率；请用 5 名员工模拟。",
        ),
        Mistake(
            value=lambda: 0.6,
            hint="0.6 is the planted slope; the question asks what the 5-employee survey "
            "estimates.",
            hint_zh="0.6 是模拟时设定的真实斜率；本题问的是 5 名员工的调查估计出的斜率。",
        ),
        Mistake(
            value=lambda: _slope(reverse=True),
            hint="You regressed employee satisfaction on service quality; x and y are swapped.",
            hint_zh="你用员工满意度对服务质量做了回归；x 和 y 弄反了。",
        ),
    ],
)
