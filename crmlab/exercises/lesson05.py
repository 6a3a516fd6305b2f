"""Exercise set 05: probabilistic CLV for non-contractual customers (概率型客户终生价值).

Use in ``exercises/05_probabilistic_clv.ipynb``::

    from crmlab.exercises import lesson05 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

Reference answers are computed with :mod:`crmlab.clv` on the CDNOW sample (2,357 customers),
calibration period to 1997-09-30, times in weeks, the first time they are needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from crmlab.exercises.mistakes import Mistake, gave_fraction, gave_percent, wrong_sign
from crmlab.exercises.questions import Precision, Question

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {
    "calibration_end": "1997-09-30",
    "time_unit": "W",
    "late_calibration_end": "1997-12-31",  # q5: a later end of calibration
    "horizon_months": 24,  # q4: the lesson values 12 months
    "customer": {"frequency": 2, "monetary_value": 20.0},  # q3: one customer's history
}


@cache
def load() -> dict[str, Any]:
    """The data of this set: the CDNOW sample ``tx`` and its calibration/holdout ``summary``."""
    from crmlab.datasets import load_cdnow
    from crmlab.transactions import rfm_summary

    tx = load_cdnow(sample=True)
    summary = rfm_summary(
        tx, calibration_end=SETTINGS["calibration_end"], time_unit=SETTINGS["time_unit"]
    )
    return {"tx": tx, "summary": summary}


def _tx() -> pd.DataFrame:
    return load()["tx"]


def _summary(calibration_end: str | None = None) -> pd.DataFrame:
    if calibration_end is None:
        return load()["summary"]
    from crmlab.transactions import rfm_summary

    return rfm_summary(_tx(), calibration_end=calibration_end, time_unit=SETTINGS["time_unit"])


@cache
def _bgnbd(calibration_end: str | None = None):
    from crmlab.clv import BetaGeo

    return BetaGeo().fit(_summary(calibration_end))


@cache
def _pareto():
    from crmlab.clv import ParetoNBD

    return ParetoNBD().fit(_summary())


@cache
def _gamma_gamma():
    from crmlab.clv import GammaGamma

    return GammaGamma().fit(_summary())


def _scalar(x) -> float:
    return float(np.asarray(x, dtype=float).ravel()[0])


# --- q1: expected purchases of a new customer ---------------------------------------------------
q1 = Question(
    qid="q1",
    title="Expected purchases of a new customer (BG/NBD)",
    unit="repeat purchases",
    prompt=(
        "Fit BG/NBD to the CDNOW sample (calibration to 1997-09-30, times in weeks). How many "
        "repeat purchases does it expect from a newly acquired customer in their first year "
        "(52 weeks)?"
    ),
    expected=lambda: _scalar(_bgnbd().expected_purchases_new(52)),
    hints=(
        "Build the summary with rfm_summary(tx, calibration_end='1997-09-30', time_unit='W') and "
        "fit BetaGeo() to it.",
        "For a customer with no history use expected_purchases_new(t), with t in the model's "
        "time unit: one year is 52 weeks.",
    ),
    hints_zh=(
        "用 rfm_summary(tx, calibration_end='1997-09-30', time_unit='W') 构建汇总表，"
        "并对它拟合 BetaGeo()。",
        "对没有历史记录的客户用 expected_purchases_new(t)，t 以模型的时间单位计：一年是 52 周。",
    ),
    solution_code="""\
from crmlab.clv import BetaGeo
from crmlab.datasets import load_cdnow
from crmlab.transactions import rfm_summary

tx = load_cdnow(sample=True)
summary = rfm_summary(tx, calibration_end="1997-09-30", time_unit="W")
bgnbd = BetaGeo().fit(summary)
answer = float(bgnbd.expected_purchases_new(52))""",
    mistakes=(
        Mistake(
            value=lambda: _scalar(_bgnbd().expected_purchases_new(12)),
            hint="the model counts time in weeks, so t=12 is 12 weeks; a year is 52 weeks.",
            hint_zh="模型以周计时，所以 t=12 是 12 周；一年是 52 周。",
        ),
        Mistake(
            value=lambda: _scalar(_bgnbd().expected_purchases_new(1)),
            hint="t=1 is one week; a year is 52 weeks.",
            hint_zh="t=1 是一周；一年是 52 周。",
        ),
        Mistake(
            value=lambda: _scalar(_pareto().expected_purchases_new(52)),
            hint="that is the Pareto/NBD answer; the question asks for BG/NBD (BetaGeo).",
            hint_zh="这是帕累托/负二项分布模型（Pareto/NBD）的答案；本题问的是贝塔几何/负二项分布模型（BG/NBD，"
            "BetaGeo）。",
        ),
        Mistake(
            value=lambda: _scalar(_bgnbd().expected_purchases_new(52)) + 1,
            hint="the model counts repeat purchases only; do not add the first purchase.",
            hint_zh="模型只计算重复购买（repeat purchase）；不要加上第一次购买。",
        ),
    ),
)


# --- q2: P(alive) among repeat buyers ------------------------------------------------------------
def _alive_share(repeaters_only: bool = True) -> float:
    s = _summary()
    if repeaters_only:
        s = s[s["frequency"] > 0]
    return float((_bgnbd().probability_alive(s) > 0.5).mean())


q2 = Question(
    qid="q2",
    title="Who is still alive? (存活概率)",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    prompt=(
        "With the same BG/NBD fit: among the repeat buyers (frequency > 0), what fraction has a "
        "probability of being alive above 0.5 at the end of calibration?"
    ),
    expected=lambda: _alive_share(),
    hints=(
        "probability_alive(data) returns one value per row of data; keep the rows with "
        "frequency > 0 first.",
        "One-time buyers are left out on purpose: BG/NBD gives them P(alive) = 1 by construction.",
    ),
    hints_zh=(
        "probability_alive(data) 对 data 的每一行返回一个值；先只保留 frequency > 0 的行。",
        "一次性购买者是有意排除的：按模型的构造，BG/NBD 给他们的 P(alive) = 1。",
    ),
    solution_code="""\
repeaters = summary[summary.frequency > 0]
answer = (bgnbd.probability_alive(repeaters) > 0.5).mean()""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: _alive_share(repeaters_only=False),
            hint="you included the one-time buyers, whom BG/NBD always calls alive; keep only "
            "frequency > 0.",
            hint_zh="你把一次性购买者也算进去了，而 BG/NBD 总是认为他们仍然存活；只保留 frequency > 0 的客户。",
        ),
        Mistake(
            value=lambda: int(
                (_bgnbd().probability_alive(_summary()[_summary().frequency > 0]) > 0.5).sum()
            ),
            hint="that is a count of customers; divide by the number of repeat buyers.",
            hint_zh="这是客户人数；请除以有重复购买的客户数。",
        ),
    ),
)


# --- q3: expected spend of one customer -------------------------------------------------------
def _spend(x: float | None = None, m: float | None = None) -> float:
    """Gamma-Gamma expected spend: w m + (1 - w) population mean, w = p x / (p x + q - 1)."""
    gg = _gamma_gamma()
    x = SETTINGS["customer"]["frequency"] if x is None else x
    m = SETTINGS["customer"]["monetary_value"] if m is None else m
    p, q = gg.params_["p"], gg.params_["q"]
    w = p * x / (p * x + q - 1)
    return float(w * m + (1 - w) * gg.population_mean_spend)


q3 = Question(
    qid="q3",
    title="Expected spend of one customer (Gamma-Gamma)",
    unit="dollars per purchase",
    prompt=(
        "Fit the Gamma-Gamma model to the same summary. A customer has made **2 repeat "
        "purchases** that averaged **$20**. What spend per purchase does the model expect from "
        "them in the future?"
    ),
    expected=_spend,
    hints=(
        "The model blends the customer's own average m with the population mean: "
        "w * m + (1 - w) * population_mean_spend.",
        "The weight is w = p * x / (p * x + q - 1), with x = 2 repeat purchases and p, q from "
        "gamma_gamma.params_ (the lesson prints w for x = 1, 5, 20).",
    ),
    hints_zh=(
        "模型把客户自己的平均消费 m 与总体均值加权混合：w * m + (1 - w) * population_mean_spend。",
        "权重是 w = p * x / (p * x + q - 1)，其中 x = 2 次重复购买，"
        "p、q 取自 gamma_gamma.params_（课程打印了 x = 1、"
        "5、20 时的 w）。",
    ),
    solution_code="""\
from crmlab.clv import GammaGamma

gamma_gamma = GammaGamma().fit(summary)
p, q = gamma_gamma.params_["p"], gamma_gamma.params_["q"]
w = p * 2 / (p * 2 + q - 1)
answer = w * 20 + (1 - w) * gamma_gamma.population_mean_spend""",
    mistakes=(
        Mistake(
            value=lambda: 20.0,
            hint="that is the customer's own average; with only 2 purchases the model pulls it "
            "towards the population mean.",
            hint_zh="这是客户自己的平均消费；只有 2 次购买时，模型会把它拉向总体均值。",
        ),
        Mistake(
            value=lambda: float(_gamma_gamma().population_mean_spend),
            hint="that is the population mean, the answer for a customer with no repeat "
            "purchase; this one has 2.",
            hint_zh="这是总体均值，也就是没有重复购买的客户的答案；这位客户有 2 次。",
        ),
        Mistake(
            value=lambda: _spend(x=3),
            hint="x counts repeat purchases only: x = 2, not 3.",
            hint_zh="x 只计算重复购买：x = 2，而不是 3。",
        ),
        Mistake(
            value=lambda: (20.0 + float(_gamma_gamma().population_mean_spend)) / 2,
            hint="you gave both averages equal weight; the weight on the customer's own average "
            "is w = p x / (p x + q - 1).",
            hint_zh="你给两个平均值相同的权重；客户自己平均值的权重是 w = p x / (p x + q - 1)。",
        ),
    ),
)


# --- q4: customer equity from per-customer CLV -------------------------------------------------
def _equity(discount_rate=None, margin=0.30, horizon=SETTINGS["horizon_months"], time_unit="M"):
    from crmlab.clv import customer_lifetime_value
    from crmlab.clv.formulas import per_period_rate

    rate = per_period_rate(0.10, 12) if discount_rate is None else discount_rate
    clv = customer_lifetime_value(
        _bgnbd(),
        _gamma_gamma(),
        _summary(),
        horizon=horizon,
        discount_rate=rate,
        time_unit=time_unit,
        margin=margin,
    )
    return float(clv.sum())


q4 = Question(
    qid="q4",
    title="Customer equity (客户资产) over two years",
    unit="dollars",
    prompt=(
        "The lesson values the next 12 months. Value the next **24 months** instead: combine "
        "the BG/NBD and Gamma-Gamma fits into each customer's CLV at a 30% margin and a 10% "
        "yearly discount rate. What is the customer equity of the sample (the sum of the CLVs)?"
    ),
    expected=lambda: _equity(),
    hints=(
        "customer_lifetime_value(bgnbd, gamma_gamma, summary, horizon=24, time_unit='M', ...) "
        "values 24 months; its discount_rate is per month.",
        "Convert the yearly rate: per_period_rate(0.10, 12). Then sum the Series "
        "(or customer_equity(clv)).",
    ),
    hints_zh=(
        "customer_lifetime_value(bgnbd, gamma_gamma, summary, horizon=24, time_unit='M', ...) 计算 24 个月的价值；"
        "它的 discount_rate 是按月的。",
        "换算年利率：per_period_rate(0.10, 12)。然后对这个 Series 求和（或用 customer_equity(clv)）"
        "。",
    ),
    solution_code="""\
from crmlab.clv import customer_equity, customer_lifetime_value
from crmlab.clv.formulas import per_period_rate

clv = customer_lifetime_value(bgnbd, gamma_gamma, summary, horizon=24,
                              discount_rate=per_period_rate(0.10, 12), time_unit="M",
                              margin=0.30)
answer = customer_equity(clv)""",
    mistakes=(
        Mistake(
            value=lambda: _equity(horizon=12),
            hint="that is the 12-month equity of the lesson; value 24 months (horizon=24).",
            hint_zh="这是课程中 12 个月的客户资产（customer equity）；请计算 24 个月（horizon=24）。",
        ),
        Mistake(
            value=lambda: _equity(discount_rate=0.10),
            hint="you used the yearly discount rate as a monthly one; convert it with "
            "per_period_rate(0.10, 12).",
            hint_zh="你把年折现率当成月折现率用了；请用 per_period_rate(0.10, 12) 换算。",
        ),
        Mistake(
            value=lambda: _equity(margin=1.0),
            hint="that is revenue; multiply by the 30% margin (margin=0.30).",
            hint_zh="这是收入；请乘以 30% 的毛利率（margin=0.30）。",
        ),
        Mistake(
            value=lambda: _equity(time_unit="W"),
            hint="horizon=24 with time_unit='W' is 24 weeks; the question asks for 24 months "
            "(time_unit='M').",
            hint_zh="horizon=24 配合 time_unit='W' 是 24 周；本题问的是 24 个月（time_unit='M'）。",
        ),
    ),
)


# --- q5: holdout accuracy -----------------------------------------------------------------------
def _error_pct(calibration_end: str | None = SETTINGS["late_calibration_end"]) -> float:
    from crmlab.clv import calibration_holdout_report

    summary = _summary(calibration_end)
    report = calibration_holdout_report(_bgnbd(calibration_end), summary)
    return float(report.metrics["total_error_pct"])


q5 = Question(
    qid="q5",
    title="Holdout accuracy with a longer calibration",
    unit="percent",
    precision=Precision(decimals=2),
    prompt=(
        "The lesson calibrates BG/NBD to 1997-09-30 and finds it misses the holdout total. "
        "Calibrate to **1997-12-31** instead (rebuild the summary, refit, the holdout is the "
        "rest of the log): by how many percent does BG/NBD now miss the total number of repeat "
        "purchases in the holdout? Give (predicted - actual) / actual x 100, negative if it "
        "predicts too few."
    ),
    expected=_error_pct,
    hints=(
        "rfm_summary(tx, calibration_end='1997-12-31', time_unit='W'), then BetaGeo().fit(...) "
        "on that summary.",
        "calibration_holdout_report(model, summary).metrics['total_error_pct'].",
    ),
    hints_zh=(
        "rfm_summary(tx, calibration_end='1997-12-31', time_unit='W')，"
        "然后在这个汇总表上 BetaGeo().fit(...)。",
        "calibration_holdout_report(model, summary).metrics['total_error_pct']。",
    ),
    solution_code="""\
from crmlab.clv import calibration_holdout_report

late = rfm_summary(tx, calibration_end="1997-12-31", time_unit="W")
late_fit = BetaGeo().fit(late)
answer = calibration_holdout_report(late_fit, late).metrics["total_error_pct"]""",
    mistakes=(
        Mistake(
            value=lambda: _error_pct(None),
            hint="that is the error with the lesson's calibration end 1997-09-30; rebuild the "
            "summary with calibration_end='1997-12-31' and refit.",
            hint_zh="这是课程中校准期（calibration period）截止于 1997-09-30 时的误差；请用 calibration_end='1997-12-31' 重建汇总表并重新拟合。",
        ),
        wrong_sign(
            "predicted minus actual, so too few predicted is negative",
            "预测值减去实际值，因此预测偏少时为负数",
        ),
        gave_fraction(),
    ),
)
