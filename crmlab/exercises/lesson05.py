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

import numpy as np
import pandas as pd

from crmlab.exercises._core import Mistake, Question, matches, scaled

__all__ = ["q1", "q2", "q3", "q4", "q5"]

CALIBRATION_END = "1997-09-30"


@cache
def _tx() -> pd.DataFrame:
    from crmlab.datasets import load_cdnow

    return load_cdnow(sample=True)


@cache
def _summary(time_unit: str = "W") -> pd.DataFrame:
    from crmlab.transactions import rfm_summary

    return rfm_summary(_tx(), calibration_end=CALIBRATION_END, time_unit=time_unit)


@cache
def _bgnbd(time_unit: str = "W"):
    from crmlab.clv import BetaGeo

    return BetaGeo().fit(_summary(time_unit))


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
            matches(lambda: _scalar(_bgnbd().expected_purchases_new(12))),
            "the model counts time in weeks, so t=12 is 12 weeks; a year is 52 weeks.",
        ),
        Mistake(
            matches(lambda: _scalar(_bgnbd().expected_purchases_new(1))),
            "t=1 is one week; a year is 52 weeks.",
        ),
        Mistake(
            matches(lambda: _scalar(_pareto().expected_purchases_new(52))),
            "that is the Pareto/NBD answer; the question asks for BG/NBD (BetaGeo).",
        ),
        Mistake(
            matches(lambda: _scalar(_bgnbd().expected_purchases_new(52)) + 1),
            "the model counts repeat purchases only; do not add the first purchase.",
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
    prompt=(
        "With the same BG/NBD fit: among the repeat buyers (frequency > 0), what fraction has a "
        "probability of being alive above 0.5 at the end of calibration? Give a fraction."
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
        Mistake(scaled(100), "that looks like a percentage; give a fraction between 0 and 1."),
        Mistake(
            matches(lambda: _alive_share(repeaters_only=False)),
            "you included the one-time buyers, whom BG/NBD always calls alive; keep only "
            "frequency > 0.",
        ),
        Mistake(
            matches(
                lambda: float(
                    (_bgnbd().probability_alive(_summary()[_summary().frequency > 0]) > 0.5).sum()
                )
            ),
            "that is a count of customers; divide by the number of repeat buyers.",
        ),
    ),
)

# --- q3: expected spend of a customer without repeat purchases ------------------------------------
q3 = Question(
    qid="q3",
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
            matches(lambda: float(_summary()["monetary_value"].mean())),
            "you averaged monetary_value over all customers, including the zeros of one-time "
            "buyers; the model's population mean is p * gamma / (q - 1).",
        ),
        Mistake(
            matches(lambda: float(_summary().query("frequency > 0")["monetary_value"].mean())),
            "that is the observed average of repeat buyers; the question asks for the fitted "
            "model's population mean.",
        ),
        Mistake(
            matches(lambda: float(_tx()["amount"].mean())),
            "that is the mean order value in the raw log (same-day orders not merged, first "
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
    prompt=(
        "Combine the BG/NBD and Gamma-Gamma fits into each customer's CLV for the next 12 months "
        "at a 30% margin and a 10% yearly discount rate. What is the customer equity of the "
        "sample (the sum of the CLVs), in dollars?"
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
            matches(lambda: _equity(discount_rate=0.10)),
            "you used the yearly discount rate as a monthly one; convert it with "
            "per_period_rate(0.10, 12).",
        ),
        Mistake(
            matches(lambda: _equity(discount_rate=0.0)),
            "that is undiscounted; discount each month at the monthly equivalent of 10% a year.",
        ),
        Mistake(
            matches(lambda: _equity(margin=1.0)),
            "that is revenue; multiply by the 30% margin (margin=0.30).",
        ),
        Mistake(
            matches(lambda: _equity(time_unit="W")),
            "horizon=12 with time_unit='W' is 12 weeks; the question asks for 12 months "
            "(time_unit='M').",
        ),
    ),
)


# --- q5: holdout accuracy -----------------------------------------------------------------------
def _holdout(model) -> pd.Series:
    from crmlab.clv import calibration_holdout_report

    return calibration_holdout_report(model, _summary()).metrics


q5 = Question(
    qid="q5",
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
    rtol=1e-3,
    atol=1e-3,
    mistakes=(
        Mistake(
            scaled(-1.0),
            "wrong sign: predicted minus actual, so too few predicted is negative.",
        ),
        Mistake(scaled(0.01), "give percent (-12.1), not a fraction (-0.121)."),
        Mistake(
            matches(lambda: float(_holdout(_pareto())["total_error_pct"])),
            "that is the Pareto/NBD error; the question asks about BG/NBD.",
        ),
        Mistake(
            matches(
                lambda: float(
                    100
                    * (_holdout(_bgnbd())["predicted_total"] - _holdout(_bgnbd())["actual_total"])
                    / _holdout(_bgnbd())["predicted_total"]
                )
            ),
            "divide by the actual total, not the predicted one.",
        ),
    ),
)
