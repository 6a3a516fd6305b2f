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

from crmlab.exercises.questions import Mistake, Precision, Question, gave_fraction, gave_percent

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {"calibration_end": "1997-09-30", "time_unit": "W"}


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


def _summary() -> pd.DataFrame:
    return load()["summary"]


@cache
def _bgnbd():
    from crmlab.clv import BetaGeo

    return BetaGeo().fit(_summary())


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
        ),
        Mistake(
            value=lambda: _scalar(_bgnbd().expected_purchases_new(1)),
            hint="t=1 is one week; a year is 52 weeks.",
        ),
        Mistake(
            value=lambda: _scalar(_pareto().expected_purchases_new(52)),
            hint="that is the Pareto/NBD answer; the question asks for BG/NBD (BetaGeo).",
        ),
        Mistake(
            value=lambda: _scalar(_bgnbd().expected_purchases_new(52)) + 1,
            hint="the model counts repeat purchases only; do not add the first purchase.",
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
    solution_code="""\
repeaters = summary[summary.frequency > 0]
answer = (bgnbd.probability_alive(repeaters) > 0.5).mean()""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: _alive_share(repeaters_only=False),
            hint="you included the one-time buyers, whom BG/NBD always calls alive; keep only "
            "frequency > 0.",
        ),
        Mistake(
            value=lambda: int(
                (_bgnbd().probability_alive(_summary()[_summary().frequency > 0]) > 0.5).sum()
            ),
            hint="that is a count of customers; divide by the number of repeat buyers.",
        ),
    ),
)

# --- q3: expected spend of a customer without repeat purchases ------------------------------------
q3 = Question(
    qid="q3",
    title="Spend of a customer without repeat purchases (Gamma-Gamma)",
    unit="dollars per purchase",
    prompt=(
        "Fit the Gamma-Gamma model to the same summary. What mean spend per purchase (dollars) "
        "does it expect for a customer who has made no repeat purchase yet?"
    ),
    expected=lambda: float(_gamma_gamma().population_mean_spend),
    hints=(
        "Without repeat purchases the model has only the population to go on: the expected "
        "spend is the population mean p * gamma / (q - 1).",
        "GammaGamma().fit(summary).population_mean_spend, or expected_spend() of any "
        "customer with frequency 0.",
    ),
    solution_code="""\
from crmlab.clv import GammaGamma

gamma_gamma = GammaGamma().fit(summary)
answer = gamma_gamma.population_mean_spend""",
    mistakes=(
        Mistake(
            value=lambda: float(_summary()["monetary_value"].mean()),
            hint="you averaged monetary_value over all customers, including the zeros of one-time "
            "buyers; the model's population mean is p * gamma / (q - 1).",
        ),
        Mistake(
            value=lambda: float(_summary().query("frequency > 0")["monetary_value"].mean()),
            hint="that is the observed average of repeat buyers; the question asks for the fitted "
            "model's population mean.",
        ),
        Mistake(
            value=lambda: float(_tx()["amount"].mean()),
            hint="that is the mean order value in the raw log (same-day orders not merged, first "
            "purchases included); use the fitted model.",
        ),
    ),
)


# --- q4: customer equity from per-customer CLV -------------------------------------------------
def _equity(discount_rate=None, margin=0.30, horizon=12, time_unit="M") -> float:
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
    title="Customer equity (客户资产)",
    unit="dollars",
    prompt=(
        "Combine the BG/NBD and Gamma-Gamma fits into each customer's CLV for the next 12 months "
        "at a 30% margin and a 10% yearly discount rate. What is the customer equity of the "
        "sample (the sum of the CLVs)?"
    ),
    expected=lambda: _equity(),
    hints=(
        "customer_lifetime_value(bgnbd, gamma_gamma, summary, horizon=12, time_unit='M', ...) "
        "values 12 months; its discount_rate is per month.",
        "Convert the yearly rate: per_period_rate(0.10, 12). Then sum the Series "
        "(or customer_equity(clv)).",
    ),
    solution_code="""\
from crmlab.clv import customer_equity, customer_lifetime_value
from crmlab.clv.formulas import per_period_rate

clv = customer_lifetime_value(bgnbd, gamma_gamma, summary, horizon=12,
                              discount_rate=per_period_rate(0.10, 12), time_unit="M",
                              margin=0.30)
answer = customer_equity(clv)""",
    mistakes=(
        Mistake(
            value=lambda: _equity(discount_rate=0.10),
            hint="you used the yearly discount rate as a monthly one; convert it with "
            "per_period_rate(0.10, 12).",
        ),
        Mistake(
            value=lambda: _equity(discount_rate=0.0),
            hint="that is undiscounted; discount each month at the monthly equivalent of 10% a year.",
        ),
        Mistake(
            value=lambda: _equity(margin=1.0),
            hint="that is revenue; multiply by the 30% margin (margin=0.30).",
        ),
        Mistake(
            value=lambda: _equity(time_unit="W"),
            hint="horizon=12 with time_unit='W' is 12 weeks; the question asks for 12 months "
            "(time_unit='M').",
        ),
    ),
)


# --- q5: holdout accuracy -----------------------------------------------------------------------
def _holdout(model) -> pd.Series:
    from crmlab.clv import calibration_holdout_report

    return calibration_holdout_report(model, _summary()).metrics


def _error_by_predicted() -> float:
    m = _holdout(_bgnbd())
    return float(100 * (m["predicted_total"] - m["actual_total"]) / m["predicted_total"])


q5 = Question(
    qid="q5",
    title="Holdout accuracy",
    unit="percent",
    precision=Precision(decimals=1),
    prompt=(
        "By how many percent does BG/NBD miss the total number of repeat purchases in the "
        "39-week holdout period? Give (predicted - actual) / actual x 100, negative if it "
        "predicts too few."
    ),
    expected=lambda: float(_holdout(_bgnbd())["total_error_pct"]),
    hints=(
        "calibration_holdout_report(bgnbd, summary).metrics has predicted_total, actual_total "
        "and total_error_pct.",
        "The holdout purchases are in summary.frequency_holdout.",
    ),
    solution_code="""\
from crmlab.clv import calibration_holdout_report

report = calibration_holdout_report(bgnbd, summary)
answer = report.metrics["total_error_pct"]""",
    mistakes=(
        Mistake(
            factor=-1.0,
            hint="wrong sign: predicted minus actual, so too few predicted is negative.",
        ),
        gave_fraction(),
        Mistake(
            value=lambda: float(_holdout(_pareto())["total_error_pct"]),
            hint="that is the Pareto/NBD error; the question asks about BG/NBD.",
        ),
        Mistake(
            value=_error_by_predicted,
            hint="divide by the actual total, not the predicted one.",
        ),
    ),
)
