"""Exercise set 08: internal marketing (notebook ``exercises/08_internal_marketing``).

Reference answers are computed with crmlab from the IBM HR attrition file and from the simulated
branch panel (seed ``SEED``); the notebook's parameters cell must use the same values.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from crmlab.exercises.questions import Mistake, Precision, Question, gave_fraction, gave_percent

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
    "q5",
]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {"seed": 3, "n_branches": 60}
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
def panel() -> pd.DataFrame:
    """Branch-level panel of the simulated chain (threshold 70)."""
    from crmlab.internal_marketing import branch_panel

    return branch_panel(*chain())


def _rate():
    from crmlab.internal_marketing import attrition_rate

    return attrition_rate(hr())


q1 = Question(
    qid="q1",
    title="Employee attrition (员工流失率)",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    prompt="The overall employee attrition rate (员工流失率) of the HR data.",
    expected=_rate,
    hints=["The share of rows with Attrition == 1: im.attrition_rate(hr)."],
    solution_code="answer = im.attrition_rate(hr)",
    mistakes=[
        gave_percent(),
        Mistake(
            value=lambda: float(hr()["Attrition"].sum()),
            hint="That is the number of leavers; divide by all employees.",
        ),
    ],
)


def _overtime_rate():
    from crmlab.internal_marketing import attrition_by_factor

    return float(attrition_by_factor(hr(), "OverTime").loc["Yes", "rate"])


def _share_of_leavers_overtime():
    h = hr()
    return float((h.loc[h["Attrition"] == 1, "OverTime"] == "Yes").mean())


q2 = Question(
    qid="q2",
    title="Attrition of overtime workers",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    prompt='The attrition rate among employees who work overtime (`OverTime == "Yes"`).',
    expected=_overtime_rate,
    hints=["im.attrition_by_factor(hr, 'OverTime') gives the rate per level."],
    solution_code='answer = im.attrition_by_factor(hr, "OverTime").loc["Yes", "rate"]',
    mistakes=[
        Mistake(
            value=_share_of_leavers_overtime,
            hint="That is the share of leavers who work overtime; we want the share of overtime workers who left.",
        ),
        gave_percent(),
    ],
)


def _alpha():
    from crmlab.loyalty import cronbach_alpha, likert_codes

    return cronbach_alpha(likert_codes(hr(), SAT_ITEMS))


q3 = Question(
    qid="q3",
    title="Do the satisfaction items form a scale?",
    unit="a coefficient (at most 1)",
    precision=Precision(decimals=2),
    prompt=(
        "Cronbach's alpha of the four satisfaction ratings `EnvironmentSatisfaction`, "
        "`JobSatisfaction`, `RelationshipSatisfaction`, `WorkLifeBalance` (codes 1..4). What "
        "does the value tell you?"
    ),
    expected=_alpha,
    hints=[
        "Turn the labels into 1..4 codes with ly.likert_codes(hr, items), then ly.cronbach_alpha.",
        "Expect a surprise: these four items barely correlate.",
    ],
    solution_code=(
        "items = ly.likert_codes(hr, ['EnvironmentSatisfaction', 'JobSatisfaction', "
        "'RelationshipSatisfaction', 'WorkLifeBalance'])\nanswer = ly.cronbach_alpha(items)"
    ),
)


def _enps():
    from crmlab.internal_marketing import enps

    return enps(chain().employees["recommend"])


q4 = Question(
    qid="q4",
    title="Employee NPS (员工净推荐值)",
    unit="points between -100 and 100",
    precision=Precision(decimals=1),
    prompt="The company-wide eNPS (员工净推荐值) of the simulated employees' `recommend` answers.",
    expected=_enps,
    hints=["Same formula as NPS: 100 * (share 9-10 - share 0-6). im.enps(...)."],
    solution_code='answer = im.enps(chain.employees["recommend"])',
    mistakes=[
        gave_fraction("points (-100..100)"),
        Mistake(factor=-1.0, hint="Wrong sign: promoters minus detractors."),
    ],
)


def _slope():
    from crmlab.internal_marketing import service_profit_chain_paths

    paths = service_profit_chain_paths(panel(), [("employee_satisfaction", "service_quality")])
    return float(paths.loc[0, "slope"])


def _reverse_slope():
    from crmlab.internal_marketing import service_profit_chain_paths

    paths = service_profit_chain_paths(panel(), [("service_quality", "employee_satisfaction")])
    return float(paths.loc[0, "slope"])


q5 = Question(
    qid="q5",
    title="The service-profit chain (服务利润链)",
    unit="points of service quality per point of employee satisfaction",
    precision=Precision(decimals=2),
    prompt=(
        "Service-profit chain (服务利润链): the branch-level slope of service quality on "
        "employee satisfaction."
    ),
    expected=_slope,
    hints=[
        "Build the panel with im.branch_panel(*chain), then im.service_profit_chain_paths.",
        "x = employee_satisfaction, y = service_quality.",
    ],
    solution_code=(
        "panel = im.branch_panel(*chain)\n"
        "paths = im.service_profit_chain_paths(panel, [('employee_satisfaction', 'service_quality')])\n"
        "answer = paths.loc[0, 'slope']"
    ),
    mistakes=[
        Mistake(
            value=_reverse_slope,
            hint="You regressed employee satisfaction on service quality; x and y are swapped.",
        ),
    ],
)
