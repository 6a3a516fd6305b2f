"""``analyze`` end to end: outputs, per-pattern scoring equals per-customer model calls, recovery
of the simulated firm's true parameters, and the ``crmlab analyze`` command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, GammaGamma, customer_lifetime_value
from crmlab.datasets import FIRM_EXPORT, simulate_firm_export
from crmlab.engines.sources import sha256_of
from crmlab.research import analyze, load_result
from crmlab.research.scoring import monthly_rate

FIRM = {k: FIRM_EXPORT[k] for k in ("customer_col", "date_col", "amount_col", "date_format")}
CUSTOMER_COLUMNS = [
    "kundennr", "frequency", "recency", "T", "monetary_value", "frequency_holdout",
    "monetary_value_holdout", "duration_holdout", "revenue_cal", "segment", "p_alive",
    "expected_purchases", "expected_spend", "clv", "clv_low", "clv_high",
]  # fmt: skip


@pytest.fixture(scope="module")
def firm(tmp_path_factory):
    folder = tmp_path_factory.mktemp("firm")
    files = simulate_firm_export(4000, path=folder / "export", random_state=7)
    result = analyze(
        folder / "export",
        calibration_end="2024-03-31",
        margin=0.3,
        out=folder / "out",
        report=False,
        quiet=True,
        **FIRM,
    )
    return files, result


def test_generator_is_seeded_and_documented():
    a = simulate_firm_export(200, random_state=1)
    b = simulate_firm_export(200, random_state=1)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["kundennr", "bestelldatum", "umsatz_eur", "filiale"]
    assert a["bestelldatum"].str.fullmatch(r"\d\d\.\d\d\.\d{4}").all()
    assert a["kundennr"].nunique() == 200 and (a["umsatz_eur"] > 0).all()


def test_outputs_and_model_json(firm):
    files, result = firm
    customers = result.customers
    assert list(customers.columns) == CUSTOMER_COLUMNS
    assert customers["kundennr"].is_unique and len(customers) == 4000
    assert customers["kundennr"].str.startswith("K").all()
    assert (customers["clv_low"] <= customers["clv"]).all()
    assert (customers["clv"] <= customers["clv_high"]).all()
    info = json.loads((result.out / "model.json").read_text())
    assert info["engine"] == "duckdb" and info["crmlab_version"]
    assert [f["sha256"] for f in info["inputs"]] == [sha256_of(p) for p in sorted(files)]
    assert info["columns"] == {
        "customer": "kundennr",
        "date": "bestelldatum",
        "amount": "umsatz_eur",
    }
    counts = info["counts"]
    assert counts["n_customers"] == 4000 and counts["merged_same_day_rows"] > 0
    assert counts["n_rows"] == sum(len(pd.read_parquet(p)) for p in files)
    for key in ("params", "standard_errors", "log_likelihood"):
        assert key in info["models"]["bgnbd"] and key in info["spend_model"]
    assert set(info["holdout_metrics"]["bgnbd"]) >= {"mae", "rmse", "relative_error"}
    equity = info["equity"]
    assert equity["low"] < equity["estimate"] < equity["high"]
    assert equity["method"] == "delta method on the log scale"
    # customer equity computed per pattern equals the sum of the customers' CLV
    assert customers["clv"].sum() == pytest.approx(equity["estimate"], rel=1e-9)


def test_true_parameters_are_recovered(firm):
    _, result = firm
    for name, model in (("bgnbd", result.models["bgnbd"]), ("gamma_gamma", result.models["spend"])):
        for key, truth in FIRM_EXPORT[name].items():
            est, se = model.params_[key], model.standard_errors_[key]
            assert abs(est - truth) < 3.5 * se, (key, est, truth, se)
    assert abs(result.metrics["bgnbd"]["relative_error"]) < 0.1
    assert set(result.trust["verdict"]) == {"ok"}


def test_pattern_scores_equal_direct_model_calls(firm):
    """Scoring each distinct pattern once and joining back equals scoring every customer."""
    _, result = firm
    summary = result.summary.frame()
    summary.index = summary.index.astype(str)
    bg = BetaGeo().fit(summary)
    assert bg.params_ == pytest.approx(result.model.params_, rel=1e-6)
    got = result.customers.set_index("kundennr").loc[summary.index]
    model = result.model
    np.testing.assert_allclose(got["p_alive"], model.probability_alive(summary), rtol=1e-12)
    months = 12 * 365.25 / 12 / 7
    np.testing.assert_allclose(
        got["expected_purchases"], model.expected_purchases(summary, months), rtol=1e-12
    )
    repeat = summary[summary["frequency"] > 0]
    gg = GammaGamma().fit(repeat)
    assert gg.params_ == pytest.approx(result.models["spend"].params_, rel=1e-5)
    clv = customer_lifetime_value(
        model, result.models["spend"], summary, horizon=12, discount_rate=monthly_rate(0.10),
        margin=0.3,
    )  # fmt: skip
    np.testing.assert_allclose(got["clv"], clv, rtol=1e-10)


def test_load_result_reads_back(firm):
    _, result = firm
    again = load_result(result.out)
    assert again.model_name == result.model_name
    assert again.model.params_ == pytest.approx(result.model.params_)
    for name in (result.model_name, "spend"):  # the models whose covariance model.json keeps
        cov = result.models[name].covariance_
        np.testing.assert_allclose(again.models[name].covariance_.loc[cov.index, cov.columns], cov)
    pd.testing.assert_frame_equal(
        again.tables["period_transactions"], result.tables["period_transactions"]
    )
    nested = ("uncertainty",)
    assert again.equity["uncertainty"] == result.equity["uncertainty"]
    flat = {k: v for k, v in result.equity.items() if k not in nested}
    assert {k: v for k, v in again.equity.items() if k not in nested} == pytest.approx(flat)


def test_auto_model_on_cdnow_says_why(cdnow_master):
    result = analyze(
        cdnow_master, customer_col="customer_id", date_col="date", amount_col="amount",
        calibration_end="1997-09-30", model="auto", quiet=True, n_draws=0,
    )  # fmt: skip
    assert set(result.metrics) == {"bgnbd", "mbgnbd", "paretonbd"}
    best = min(result.metrics, key=lambda n: result.metrics[n]["curve_mae"])
    assert result.model_name == best and "holdout" in result.info["chosen_because"]
    # lifetimes' published master-log BG/NBD estimate (calibration to 1997-09-30)
    assert result.models["bgnbd"].params_["r"] == pytest.approx(0.2516, abs=5e-4)
    assert result.info["counts"]["repeaters"] == 9451


def test_returns_need_allow_returns_and_are_counted():
    tx = simulate_firm_export(600, random_state=2)
    tx.loc[tx.index[:5], "umsatz_eur"] *= -1
    opts = {"calibration_end": "2024-03-31", "quiet": True, "report": False, **FIRM}
    with pytest.raises(Exception, match="5 of .* rows are negative"):
        analyze(tx, **opts)
    result = analyze(tx, allow_returns=True, n_draws=50, **opts)
    assert result.info["counts"]["negative_amount_rows"] == 5
    equity = result.equity
    assert equity["method"] == "parametric bootstrap, 50 draws"
    assert equity["low"] < equity["estimate"] < equity["high"]
    low, high = equity["expected_holdout_low"], equity["expected_holdout_high"]
    assert low < equity["expected_holdout_purchases"] < high
