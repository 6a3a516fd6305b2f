"""Exercise set 07: loyalty, satisfaction and points programmes (notebook ``exercises/07_loyalty``).

Reference answers are computed with crmlab from the simulated survey (``N`` respondents, seed
``SEED``); the notebook's parameters cell must use the same values.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from crmlab.exercises.mistakes import Mistake, gave_fraction, gave_percent, wrong_sign
from crmlab.exercises.questions import Precision, Question

__all__ = [
    "FAST_DAYS",
    "GOLD",
    "INIT_ITEMS",
    "N",
    "RES_ITEMS",
    "SEED",
    "SETTINGS",
    "load",
    "q1",
    "q2",
    "q3",
    "q4",
]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {"n_respondents": 800, "seed": 7, "fast_days": 1.0}
N, SEED, FAST_DAYS = SETTINGS["n_respondents"], SETTINGS["seed"], SETTINGS["fast_days"]
RES_ITEMS = ["res_1", "res_2", "res_3r"]
INIT_ITEMS = ["init_1", "init_2", "init_3r"]
GOLD = {"members": 250, "spend": 400.0, "margin_rate": 0.25, "earn_rate": 2.0, "uplift": 0.06}
POINT_VALUE, REDEMPTION = 0.01, 0.7


@cache
def load() -> dict[str, Any]:
    """The data of this set: the simulated loyalty ``survey`` (do not modify it)."""
    from crmlab.datasets import simulate_loyalty_survey

    return {"survey": simulate_loyalty_survey(N, random_state=SEED)}


def survey() -> pd.DataFrame:
    """The simulated survey every question uses."""
    return load()["survey"]


def _nps(complained: int | None = 1) -> float:
    from crmlab.loyalty import nps

    s = survey()
    rows = s if complained is None else s[s["complained"] == complained]
    return float(nps(rows["nps_score"]))


def _promoter_share_points() -> float:
    s = survey()
    return 100 * float((s.loc[s["complained"] == 1, "nps_score"] >= 9).mean())


q1 = Question(
    qid="q1",
    title="The NPS (净推荐值) of complainants",
    unit="points between -100 and 100",
    precision=Precision(decimals=1),
    prompt=(
        "The lesson computes the NPS of the whole survey. What is the NPS of the customers who "
        "**complained** (`complained == 1`)? How far below everyone else's is it?"
    ),
    expected=_nps,
    hints=[
        "Keep the rows with complained == 1 first, then compute the NPS of their nps_score.",
        "ly.nps(survey.loc[survey['complained'] == 1, 'nps_score']).",
    ],
    hints_zh=(
        "先只保留 complained == 1 的行，再计算他们 nps_score 的净推荐值（NPS）。",
        "ly.nps(survey.loc[survey['complained'] == 1, 'nps_score'])。",
    ),
    solution_code='answer = ly.nps(survey.loc[survey["complained"] == 1, "nps_score"])',
    mistakes=[
        gave_fraction("points (-100..100)", "分数（-100..100）"),
        Mistake(
            value=lambda: _nps(None),
            hint="That is the NPS of all respondents; keep only those who complained.",
            hint_zh="这是全部受访者的净推荐值；请只保留投诉过的人。",
        ),
        Mistake(
            value=lambda: _nps(0),
            hint="That is the NPS of those who did not complain; keep complained == 1.",
            hint_zh="这是没有投诉的人的净推荐值；请保留 complained == 1。",
        ),
        Mistake(
            value=_promoter_share_points,
            hint="That is only the complainants' share of promoters; subtract the detractors.",
            hint_zh="这只是投诉者中推荐者（promoter）的比例；还要减去贬损者（detractor）的比例。",
        ),
    ],
)


def _alpha(items: list[str] = INIT_ITEMS, reverse: bool = True) -> float:
    from crmlab.loyalty import cronbach_alpha, reverse_code

    frame = survey()[items]
    flipped = [c for c in items if c.endswith("r")]
    return float(cronbach_alpha(reverse_code(frame, flipped) if reverse else frame))


q2 = Question(
    qid="q2",
    title="Cronbach's alpha (克朗巴哈系数) of the initiative items",
    unit="a coefficient (at most 1)",
    precision=Precision(decimals=2),
    prompt=(
        "The lesson reverses `res_3r` and computes the alpha of the resistance items. Do the "
        "same for the **initiative** items `init_1`, `init_2`, `init_3r` (1-5 scale): which "
        "item must be flipped, and what is Cronbach's alpha (克朗巴哈系数) then?"
    ),
    expected=_alpha,
    hints=[
        "The item ending in r is reverse-coded: agreeing means less loyalty. Flip it first "
        "(x -> 6 - x).",
        "ly.cronbach_alpha(ly.reverse_code(items, ['init_3r']))",
    ],
    hints_zh=(
        "以 r 结尾的题项是反向计分题（reverse-coded item）：同意表示忠诚度更低。先把它反转（x -> 6 - x）。",
        "ly.cronbach_alpha(ly.reverse_code(items, ['init_3r']))",
    ),
    solution_code=(
        'items = ly.reverse_code(survey[["init_1", "init_2", "init_3r"]], ["init_3r"])\n'
        "answer = ly.cronbach_alpha(items)"
    ),
    mistakes=[
        Mistake(
            value=lambda: _alpha(reverse=False),
            hint="That is alpha with init_3r not reversed: reverse-coded items must be flipped "
            "first.",
            hint_zh="这是没有反转 init_3r 时的 alpha：反向计分题必须先反转。",
        ),
    ],
)


def _paradox_diff(fast_days: float = FAST_DAYS) -> float:
    from crmlab.loyalty import recovery_paradox

    return float(recovery_paradox(survey(), fast_days=fast_days)["difference"])


q3 = Question(
    qid="q3",
    title="The service recovery paradox (服务补救) with a stricter 'fast'",
    unit="a fraction (a difference of two rates)",
    prompt=(
        "Service recovery (服务补救): the repurchase rate of complainants whose problem was "
        "resolved within `fast_days` days, minus that of customers who never complained. The "
        "lesson calls a fix within 2 days fast; call only a fix within **1 day** fast. What is "
        "the difference now? (Look at how many complainants remain in the fast group.)"
    ),
    expected=_paradox_diff,
    hints=[
        "The lesson's `ly.recovery_paradox` compares the two groups; its `fast_days` "
        "argument sets what counts as a fast fix, and it returns the difference and n_fast.",
        "Fast-fixed complainants first, non-complainants second; give a fraction, not percent.",
    ],
    hints_zh=(
        "课程中的 `ly.recovery_paradox` 比较这两组；它的 `fast_days` 参数规定怎样算快速解决，"
        "它返回差值和 n_fast。",
        "快速解决的投诉者在前，未投诉者在后；请给出小数，而不是百分数。",
    ),
    solution_code='answer = ly.recovery_paradox(survey, fast_days=1.0)["difference"]',
    mistakes=[
        Mistake(
            value=lambda: _paradox_diff(2.0),
            hint="That is the difference with fast_days=2 (the lesson's); use fast_days=1.",
            hint_zh="这是 fast_days=2（课程中的设置）时的差值；请用 fast_days=1。",
        ),
        gave_percent(),
        wrong_sign(
            "fast-resolved complainants minus non-complainants", "快速解决的投诉者减去未投诉者"
        ),
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
    return extra * g["margin_rate"] - extra * g["earn_rate"] * REDEMPTION * POINT_VALUE


q4 = Question(
    qid="q4",
    title="A points programme (积分计划)",
    unit="money units per year",
    prompt=(
        "A Gold tier has 250 members who spend 400 a year at a margin rate (毛利率) of 25% and earn 2 points per "
        "unit spent. A point is worth 0.01 and 70% of points are redeemed. The programme lifts "
        "their spend by 6%. What is the tier's net gain per year (extra margin minus points "
        "cost)?"
    ),
    expected=_gold_net,
    hints=[
        "Points are earned on all spending, baseline plus the extra: cost = S (1+u) e ρ v (ρ the redemption rate).",
        "Build a one-row DataFrame and call ly.points_programme_economics(...).",
    ],
    hints_zh=(
        "积分按全部消费获得，即基准消费加上增加的消费：成本 = S (1+u) e ρ v（ρ 为积分兑换率）。",
        "构造一个只有一行的 DataFrame，然后调用 ly.points_programme_economics(...)。",
    ),
    solution_code=(
        "tiers = pd.DataFrame([{'members': 250, 'spend': 400.0, 'margin_rate': 0.25, "
        "'earn_rate': 2.0, 'uplift': 0.06}], index=['Gold'])\n"
        "econ = ly.points_programme_economics(tiers, point_value=0.01, redemption_rate=0.7)\n"
        "answer = econ.loc['Gold', 'net_gain']"
    ),
    mistakes=[
        Mistake(
            value=lambda: _gold_net(redemption=1.0),
            hint="You charged every point; only the redeemed share (70%) costs money.",
            hint_zh="你把每一个积分都算成了成本；只有被兑换的部分（70%）才花钱。",
        ),
        Mistake(
            value=_gold_net_extra_only,
            hint="Points are paid on all spending, not only on the extra spend the programme brings.",
            hint_zh="积分按全部消费发放，而不只是按积分计划带来的额外消费。",
        ),
        wrong_sign("net gain = extra margin - points cost", "净收益 = 增加的毛利额 - 积分成本"),
    ],
)
