"""Exercise set 8: internal marketing (notebook ``exercises/08_internal_marketing``).

Reference answers are computed with crmlab from the IBM HR attrition file and from the simulated
branch panel (seed ``SEED``); the notebook's parameters cell must use the same values.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from crmlab.exercises._core import Mistake, Question, matches, negated, scaled

__all__ = ["SEED", "N_BRANCHES", "q1", "q2", "q3", "q4", "q5", "hr", "panel"]

SEED = 3
N_BRANCHES = 60
SAT_ITEMS = [
    "EnvironmentSatisfaction",
    "JobSatisfaction",
    "RelationshipSatisfaction",
    "WorkLifeBalance",
]


@cache
def hr() -> pd.DataFrame:
    """The HR attrition data (do not modify it)."""
    from crmlab.datasets import load_hr_attrition

    return load_hr_attrition()


@cache
def chain():
    from crmlab.datasets import simulate_service_profit_chain

    return simulate_service_profit_chain(N_BRANCHES, random_state=SEED)


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
    prompt="Overall attrition rate of the HR data, as a fraction.",
    expected=_rate,
    hints=["The share of rows with Attrition == 1: im.attrition_rate(hr)."],
    solution_code="answer = im.attrition_rate(hr)",
    mistakes=[
        Mistake(scaled(100), "That is a percentage; give a fraction (e.g. 0.2, not 20)."),
        Mistake(
            matches(lambda: float(hr()["Attrition"].sum())),
            "That is the number of leavers; divide by all employees.",
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
    prompt="Attrition rate among employees who work overtime (OverTime == 'Yes'), as a fraction.",
    expected=_overtime_rate,
    hints=["im.attrition_by_factor(hr, 'OverTime') gives the rate per level."],
    solution_code='answer = im.attrition_by_factor(hr, "OverTime").loc["Yes", "rate"]',
    mistakes=[
        Mistake(
            matches(_share_of_leavers_overtime),
            "That is the share of leavers who work overtime; we want the share of overtime workers who left.",
        ),
        Mistake(scaled(100), "That is a percentage; give a fraction."),
    ],
)


def _alpha():
    from crmlab.loyalty import cronbach_alpha, likert_codes

    return cronbach_alpha(likert_codes(hr(), SAT_ITEMS))


q3 = Question(
    qid="q3",
    prompt="Cronbach's alpha of the four satisfaction ratings (Environment, Job, Relationship, WorkLifeBalance).",
    expected=_alpha,
    hints=[
        "Turn the labels into 1..4 codes with ly.likert_codes(hr, items), then ly.cronbach_alpha.",
        "Expect a surprise: these four items barely correlate.",
    ],
    solution_code=(
        "items = ly.likert_codes(hr, ['EnvironmentSatisfaction', 'JobSatisfaction', "
        "'RelationshipSatisfaction', 'WorkLifeBalance'])\nanswer = ly.cronbach_alpha(items)"
    ),
    atol=1e-4,
)


def _enps():
    from crmlab.internal_marketing import enps

    return enps(chain().employees["recommend"])


q4 = Question(
    qid="q4",
    prompt="Company-wide eNPS of the simulated employees' `recommend` answers, in points.",
    expected=_enps,
    hints=["Same formula as NPS: 100 * (share 9-10 - share 0-6). im.enps(...)."],
    solution_code='answer = im.enps(chain.employees["recommend"])',
    mistakes=[
        Mistake(scaled(0.01), "That is a fraction; eNPS is reported in points (x 100)."),
        Mistake(negated(), "Wrong sign: promoters minus detractors."),
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
    prompt=(
        "Branch-level slope of service quality on employee satisfaction (points of service "
        "quality per point of employee satisfaction)."
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
            matches(_reverse_slope),
            "You regressed employee satisfaction on service quality; x and y are swapped.",
        ),
    ],
)
