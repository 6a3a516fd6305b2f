"""Exercise set 10: the research pipeline's answers agree with the lower-level public API."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.clv import BetaGeo, GammaGamma, customer_lifetime_value
from crmlab.exercises import lesson10 as ex
from crmlab.research import MODELS
from crmlab.transactions import rfm_summary

pytestmark = pytest.mark.slow  # each analysis run takes a few seconds


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    frame = pd.concat([pd.read_parquet(f) for f in ex.load()["files"]], ignore_index=True)
    frame["date"] = pd.to_datetime(frame["bestelldatum"], format="%d.%m.%Y")
    return frame


def _summary(frame: pd.DataFrame, calibration_end: str) -> pd.DataFrame:
    return rfm_summary(
        frame,
        customer_col="kundennr",
        date_col="date",
        amount_col="umsatz_eur",
        calibration_end=calibration_end,
        time_unit="W",
    )


def _hint(q, answer):
    result = q.evaluate(answer)
    assert result.status == "incorrect", result
    return result.message


def test_q1_and_q5_equal_rfm_summary_and_the_models(export):
    """Holdout error and customer equity recomputed with rfm_summary, BetaGeo and GammaGamma."""
    summary = _summary(export, ex.SETTINGS["calibration_end"])
    bg = BetaGeo().fit(summary)
    expected = bg.expected_purchases(summary, summary["duration_holdout"].iloc[0]).sum()
    actual = summary["frequency_holdout"].sum()
    assert ex.q1.reference() == pytest.approx((expected - actual) / actual, rel=1e-4)
    assert "divide it by the actual" in _hint(ex.q1, expected - actual)
    assert "not by the forecast" in _hint(ex.q1, (expected - actual) / expected)
    gg = GammaGamma().fit(summary.loc[summary["frequency"] > 0])
    clv = customer_lifetime_value(
        bg, gg, summary, horizon=12, discount_rate=1.1 ** (1 / 12) - 1, time_unit="M", margin=0.3
    )
    assert ex.q5.reference() == pytest.approx(clv.sum(), rel=1e-4)
    assert "expected revenue" in _hint(ex.q5, clv.sum() / 0.3)
    assert "mean per customer" in _hint(ex.q5, clv.mean())


def test_q3_and_q4_short_calibration_has_too_few_repeat_buyers(export):
    summary = _summary(export, ex.SETTINGS["short_calibration_end"])
    repeaters = int((summary["frequency"] > 0).sum())
    assert ex.q4.reference() == repeaters < 200  # below the trust check's floor
    # analyze leaves out customers whose first purchase is on the calibration end (T = 0)
    scored = int((summary["T"] > 0).sum())
    assert scored == ex._counts("short")["n_scored"] < len(summary)
    assert "every customer in the calibration" in _hint(ex.q4, scored)
    trust = ex._run("short").trust.set_index("check")
    assert trust.loc["repeat buyers", "verdict"] == "do not trust"
    assert ex.q3.reference() >= 1
    assert ex._verdicts("export") == 0  # the longer calibration is usable
    assert "caution" in _hint(ex.q3, (trust["verdict"] != "ok").sum())


def test_q2_keeps_the_model_with_the_best_holdout_curve():
    result = ex._run("cdnow")
    assert result.model_name in MODELS and set(result.metrics) == set(MODELS)
    best = min(result.metrics, key=lambda n: result.metrics[n]["curve_mae"])
    assert result.model_name == best
    mae = result.metrics[best]["mae"]
    assert ex.q2.reference() == pytest.approx(mae) and 0 < mae < 2
    assert "root mean squared" in _hint(ex.q2, result.metrics[best]["rmse"])
