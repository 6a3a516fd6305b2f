"""Exercise set 7: loyalty, satisfaction and points programmes (notebook ``exercises/07_loyalty``).

Reference answers are computed with crmlab from the simulated survey (``N`` respondents, seed
``SEED``); the notebook's parameters cell must use the same values.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from crmlab.exercises._core import Mistake, Question, matches, negated, scaled

__all__ = ["N", "SEED", "FAST_DAYS", "q1", "q2", "q3", "q4", "survey"]

N = 800
SEED = 7
FAST_DAYS = 2.0
RES_ITEMS = ["res_1", "res_2", "res_3r"]
GOLD = {"members": 250, "spend": 400.0, "margin": 0.25, "earn_rate": 2.0, "uplift": 0.06}
POINT_VALUE, REDEMPTION = 0.01, 0.7


@cache
def survey() -> pd.DataFrame:
    """The simulated survey every question uses (a fresh copy is not needed: do not modify it)."""
    from crmlab.datasets import simulate_loyalty_survey

    return simulate_loyalty_survey(N, random_state=SEED)


def _nps():
    from crmlab.loyalty import nps

    return nps(survey()["nps_score"])


def _promoter_share_points():
    return 100 * float((survey()["nps_score"] >= 9).mean())


def _nps_7_to_10():
    s = survey()["nps_score"]
    return 100 * float((s >= 7).mean() - (s <= 6).mean())


q1 = Question(
    qid="q1",
    prompt="What is the NPS of the survey's `nps_score` answers, in points (-100..100)?",
    expected=_nps,
    hints=[
        "Promoters answer 9-10, detractors 0-6; passives (7-8) only count in the denominator.",
        "NPS = 100 * (share of promoters - share of detractors); crmlab.loyalty.nps does it.",
    ],
    solution_code='answer = ly.nps(survey["nps_score"])',
    mistakes=[
        Mistake(scaled(0.01), "That is the NPS as a fraction; NPS is reported in points (x 100)."),
        Mistake(
            matches(_promoter_share_points),
            "That is only the share of promoters; subtract the detractors.",
        ),
        Mistake(
            matches(_nps_7_to_10), "7 and 8 are passives, not promoters: promoters answer 9 or 10."
        ),
        Mistake(negated(), "Wrong sign: promoters minus detractors, not the other way round."),
    ],
)


def _alpha_res():
    from crmlab.loyalty import cronbach_alpha, reverse_code

    return cronbach_alpha(reverse_code(survey()[RES_ITEMS], ["res_3r"]))


def _alpha_res_unreversed():
    from crmlab.loyalty import cronbach_alpha

    return cronbach_alpha(survey()[RES_ITEMS])


q2 = Question(
    qid="q2",
    prompt="Cronbach's alpha of the three 'resistance to switching' items res_1, res_2, res_3r (1-5 scale).",
    expected=_alpha_res,
    hints=[
        "res_3r is reverse-coded: agreeing means less loyalty. Flip it first (x -> 6 - x).",
        "ly.cronbach_alpha(ly.reverse_code(items, ['res_3r']))",
    ],
    solution_code=(
        'items = ly.reverse_code(survey[["res_1", "res_2", "res_3r"]], ["res_3r"])\n'
        "answer = ly.cronbach_alpha(items)"
    ),
    mistakes=[
        Mistake(
            matches(_alpha_res_unreversed),
            "That is alpha with res_3r not reversed: reverse-coded items must be flipped first.",
        ),
    ],
)


def _paradox_diff():
    from crmlab.loyalty import recovery_paradox

    return float(recovery_paradox(survey(), fast_days=FAST_DAYS)["difference"])


q3 = Question(
    qid="q3",
    prompt=(
        "Repurchase rate of complainants resolved within 2 days minus that of customers who did "
        "not complain, as a fraction (e.g. 0.05)."
    ),
    expected=_paradox_diff,
    hints=[
        "ly.recovery_paradox(survey, fast_days=2) returns the difference.",
        "Fast-fixed complainants first, non-complainants second; give a fraction, not percent.",
    ],
    solution_code='answer = ly.recovery_paradox(survey, fast_days=2.0)["difference"]',
    mistakes=[
        Mistake(
            scaled(100), "That looks like percentage points; give the difference as a fraction."
        ),
        Mistake(negated(), "Wrong sign: fast-resolved complainants minus non-complainants."),
    ],
)


def _gold_table(**changes) -> pd.DataFrame:
    return pd.DataFrame([{**GOLD, **changes}], index=["Gold"])


def _gold_net(redemption=REDEMPTION):
    from crmlab.loyalty import points_programme_economics

    e = points_programme_economics(
        _gold_table(), point_value=POINT_VALUE, redemption_rate=redemption
    )
    return float(e.loc["Gold", "net_gain"])


def _gold_net_extra_only():
    g = GOLD
    extra = g["members"] * g["spend"] * g["uplift"]
    return extra * g["margin"] - extra * g["earn_rate"] * REDEMPTION * POINT_VALUE


q4 = Question(
    qid="q4",
    prompt=(
        "Gold tier: 250 members spending 400 a year at a 25% margin, earning 2 points per unit; "
        "points worth 0.01, 70% redeemed; the programme lifts spend by 6%. Net gain per year?"
    ),
    expected=_gold_net,
    hints=[
        "Points are earned on all spending, baseline plus the extra: cost = S (1+u) e r v.",
        "Build a one-row DataFrame and call ly.points_programme_economics(...).",
    ],
    solution_code=(
        "tiers = pd.DataFrame([{'members': 250, 'spend': 400.0, 'margin': 0.25, "
        "'earn_rate': 2.0, 'uplift': 0.06}], index=['Gold'])\n"
        "econ = ly.points_programme_economics(tiers, point_value=0.01, redemption_rate=0.7)\n"
        "answer = econ.loc['Gold', 'net_gain']"
    ),
    mistakes=[
        Mistake(
            matches(lambda: _gold_net(redemption=1.0)),
            "You charged every point; only the redeemed share (70%) costs money.",
        ),
        Mistake(
            matches(_gold_net_extra_only),
            "Points are paid on all spending, not only on the extra spend the programme brings.",
        ),
        Mistake(negated(), "Wrong sign: net gain = extra margin - points cost."),
    ],
)
