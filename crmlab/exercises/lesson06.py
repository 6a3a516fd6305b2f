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

import pandas as pd

from crmlab.exercises.questions import Mistake, Precision, Question, gave_percent

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {
    "months": 12,
    "renewal_period": 24,
    "top_share": 0.2,
    "cv_folds": 5,
    "random_state": 0,
    "horizon_months": 12,
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


def _m2m() -> pd.DataFrame:
    telco = _telco()
    return telco[telco["contract"] == "Month-to-month"]


def _churn():
    from crmlab import churn

    return churn


# --- q1: churn share ------------------------------------------------------------------------
def _churn_share() -> float:
    return float(_telco()["churn"].mean())


q1 = Question(
    qid="q1",
    title="Churn share (流失率)",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    prompt="What share of the 7,043 telco customers churned?",
    expected=_churn_share,
    hints=(
        "`churn` is 1 for customers who left and 0 for the others, so its mean is the share.",
        "`telco['churn'].mean()`",
    ),
    solution_code="""\
from crmlab.datasets import load_telco_churn

telco = load_telco_churn()
answer = telco["churn"].mean()
""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: 1.0 - _churn_share(),
            hint="that is the share who stayed (retention); the question asks for churn, 1 - x.",
        ),
    ),
)


# --- q2: Kaplan-Meier retention at 12 months --------------------------------------------------
def _km_at(months: int) -> float:
    curves = _churn().retention_curves(_telco(), "tenure", "churn", "contract")
    return float(curves.at([months])["Month-to-month"].iloc[0])


def _censored_as_churned() -> float:
    return float((_m2m()["tenure"] > SETTINGS["months"]).mean())


def _censored_as_survivors() -> float:
    m = _m2m()
    return float(1.0 - ((m["churn"] == 1) & (m["tenure"] <= SETTINGS["months"])).mean())


q2 = Question(
    qid="q2",
    title="Kaplan-Meier retention after 12 months",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    prompt=(
        "Using the Kaplan-Meier estimate by contract type, what share of month-to-month "
        "customers is still a customer after 12 months of tenure?"
    ),
    expected=lambda: _km_at(SETTINGS["months"]),
    hints=(
        "Customers with churn 0 are censored: use a survival estimate, not a simple share.",
        "`churn.retention_curves(telco, 'tenure', 'churn', 'contract').at([12])` gives one "
        "column per contract type.",
    ),
    solution_code="""\
from crmlab import churn
from crmlab.datasets import load_telco_churn

telco = load_telco_churn()
curves = churn.retention_curves(telco, "tenure", "churn", "contract")
answer = curves.at([12])["Month-to-month"].iloc[0]
""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: 1.0 - _km_at(SETTINGS["months"]),
            hint="that is the share who left by month 12; the question asks for those still there.",
        ),
        Mistake(
            value=_censored_as_churned,
            hint="you counted customers with tenure <= 12 who are still active as lost; they are "
            "censored (we do not know their future). Use the Kaplan-Meier estimate.",
        ),
        Mistake(
            value=_censored_as_survivors,
            hint="you counted every short-tenure customer who is still active as a 12-month survivor; "
            "they are censored, not survivors. Use the Kaplan-Meier estimate.",
        ),
    ),
)


# --- q3: sBG retention rate --------------------------------------------------------------------
@cache
def _sbg():
    from crmlab.clv import ShiftedBetaGeometric

    m = _m2m()
    cohort = _churn().duration_frame(m[m["tenure"] >= 1], "tenure", "churn")
    return ShiftedBetaGeometric().fit(cohort)


def _sbg_rate() -> float:
    return float(_sbg().retention_rate(SETTINGS["renewal_period"]))


q3 = Question(
    qid="q3",
    title="The sBG retention rate of month 24",
    unit="a fraction between 0 and 1",
    prompt=(
        "Fit the shifted-beta-geometric model to month-to-month customers with tenure >= 1 "
        "(duration = tenure, churned = churn). What retention rate does the model give for "
        "month 24, i.e. the share of customers active after month 23 who stay through month 24?"
    ),
    expected=_sbg_rate,
    hints=(
        "Build the cohort with `churn.duration_frame(rows, 'tenure', 'churn')` and fit "
        "`ShiftedBetaGeometric().fit(cohort)`.",
        "The retention rate is `sbg.retention_rate(24)` = (beta + 23) / (alpha + beta + 23).",
    ),
    solution_code="""\
from crmlab import churn
from crmlab.clv import ShiftedBetaGeometric
from crmlab.datasets import load_telco_churn

telco = load_telco_churn()
rows = telco[(telco["contract"] == "Month-to-month") & (telco["tenure"] >= 1)]
sbg = ShiftedBetaGeometric().fit(churn.duration_frame(rows, "tenure", "churn"))
answer = float(sbg.retention_rate(24))
""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: 1.0 - _sbg_rate(),
            hint="that is the churn rate in month 24 among those still active; retention is 1 - x.",
        ),
        Mistake(
            value=lambda: float(_sbg().survival(SETTINGS["renewal_period"])),
            hint="that is the share of the whole cohort still active after 24 months (survival), not "
            "the rate at which month-24 customers renew.",
        ),
    ),
)


# --- q4: cumulative gains ----------------------------------------------------------------------
@cache
def _logistic():
    telco = _telco()
    features = [c for c in telco.columns if c not in ("churn", "total_charges")]
    return _churn().evaluate_churn_models(
        telco,
        features=features,
        models=["logistic"],
        cv=SETTINGS["cv_folds"],
        random_state=SETTINGS["random_state"],
    )


def _gains() -> pd.DataFrame:
    res = _logistic()
    return _churn().gains_table(res.y, res.probabilities["logistic"], n_bins=10)


def _gain_top20() -> float:
    return float(_gains().loc[2, "gain"])


q4 = Question(
    qid="q4",
    title="Cumulative gains of a churn model",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    prompt=(
        "Cross-validate the logistic churn pipeline (5 stratified folds, random_state=0, all "
        "columns except churn and total_charges as features). Ranking customers by their "
        "out-of-fold probability, what share of all churners is among the riskiest 20% of "
        "customers (the cumulative gain)?"
    ),
    expected=_gain_top20,
    hints=(
        "`churn.evaluate_churn_models(telco, features=..., models=['logistic'], cv=5, "
        "random_state=0)` returns out-of-fold probabilities in `.probabilities`.",
        "`churn.gains_table(res.y, res.probabilities['logistic'])` has one row per decile; the "
        "`gain` column is cumulative, and the top 20% is decile 2.",
    ),
    solution_code="""\
from crmlab import churn
from crmlab.datasets import load_telco_churn

telco = load_telco_churn()
features = [c for c in telco.columns if c not in ("churn", "total_charges")]
res = churn.evaluate_churn_models(telco, features=features, models=["logistic"], cv=5,
                                  random_state=0)
gains = churn.gains_table(res.y, res.probabilities["logistic"], n_bins=10)
answer = gains.loc[2, "gain"]
""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: float(_gains().loc[2, "churners"] / _gains()["churners"].sum()),
            hint="that is the share of churners in the second decile alone; the gain is cumulative "
            "(deciles 1 and 2 together).",
        ),
        Mistake(
            value=lambda: float(_gains().loc[2, "cumulative_lift"]),
            hint="that is the lift (gain divided by 20%); the question asks for the gain itself.",
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
    title="What a retention budget saves",
    unit="dollars",
    prompt=(
        "With the logistic out-of-fold probabilities of q4, value = monthly_charges x 12, a "
        "budget of $10,000, offers costing $50 each and a success rate of 0.25: how much revenue "
        "does the `retention_targets` plan expect to save (before subtracting the cost of the "
        "offers), in dollars?"
    ),
    expected=_saved,
    hints=(
        "`churn.retention_targets(telco, probabilities, value, budget=10000, offer_cost=50, "
        "success_rate=0.25)` returns a plan; its `.summary` has the totals.",
        "Expected saved value = sum over contacted customers of success_rate x P(churn) x value.",
    ),
    solution_code="""\
from crmlab import churn
from crmlab.datasets import load_telco_churn

telco = load_telco_churn()
features = [c for c in telco.columns if c not in ("churn", "total_charges")]
res = churn.evaluate_churn_models(telco, features=features, models=["logistic"], cv=5,
                                  random_state=0)
plan = churn.retention_targets(telco, res.probabilities["logistic"],
                               telco["monthly_charges"] * 12, budget=10_000, offer_cost=50,
                               success_rate=0.25)
answer = plan.summary["expected_saved"]
""",
    mistakes=(
        Mistake(
            value=lambda: float(_plan().summary["net_saved"]),
            hint="that is the net saving (after the offers' cost); the question asks for the saving "
            "before costs.",
        ),
        Mistake(
            factor=1.0 / SETTINGS["success_rate"],
            hint="that is the expected loss of the contacted customers; only a share (the success "
            "rate, 0.25) of would-be churners is actually kept.",
        ),
    ),
)
