"""Model diagnostics: holdout report and the tables behind the standard BTYD figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, BetaGeoBetaBinom, ShiftedBetaGeometric, calibration_holdout_report
from crmlab.clv import evaluation as ev
from crmlab.datasets import load_donations
from crmlab.errors import CRMLabInputError
from crmlab.transactions import rfm_summary


@pytest.fixture(scope="module")
def summary(cdnow_sample):
    return rfm_summary(cdnow_sample, calibration_end="1997-09-30")


@pytest.fixture(scope="module")
def bg():
    # BG/NBD on the CDNOW sample, weeks (Fader, Hardie & Lee 2005; data README: LL -9582.43)
    return BetaGeo.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4262, time_unit="W")


def test_holdout_report(bg, summary):
    report = calibration_holdout_report(bg, summary)
    table = report.customers
    assert table.index.equals(summary.index)
    np.testing.assert_array_equal(table["actual"], summary["frequency_holdout"])
    np.testing.assert_allclose(table["predicted"], bg.expected_purchases(summary, 39.0))
    np.testing.assert_allclose(table["error"], table["predicted"] - table["actual"])
    m = report.metrics
    assert m["actual_total"] == summary["frequency_holdout"].sum()
    assert m["predicted_total"] == pytest.approx(table["predicted"].sum())
    assert m["total_error_pct"] == pytest.approx(
        100 * (m["predicted_total"] - m["actual_total"]) / m["actual_total"]
    )
    assert m["rmse"] >= m["mae"] > 0
    assert 0.5 < m["correlation"] < 1  # the model ranks customers well
    assert "holdout purchases" in repr(report)


def test_holdout_report_with_several_holdout_lengths(bg, summary):
    mixed = summary.copy()
    mixed.loc[mixed.index[:10], "duration_holdout"] = 20.0
    report = calibration_holdout_report(bg, mixed)
    np.testing.assert_allclose(
        report.customers["predicted"].iloc[:10], bg.expected_purchases(mixed.iloc[:10], 20.0)
    )


def test_holdout_report_needs_holdout_columns(bg, cdnow_sample):
    plain = rfm_summary(cdnow_sample)
    with pytest.raises(CRMLabInputError, match="frequency_holdout.*calibration_end"):
        calibration_holdout_report(bg, plain)


def test_period_transactions_table(bg, summary):
    table = ev.period_transactions_table(bg, summary, max_frequency=7)
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["actual"].sum() == len(summary)
    assert table["model"].sum() == pytest.approx(len(summary))
    assert table.loc["0", "actual"] == (summary.frequency == 0).sum() == 1411
    # the model's one-time buyers: sum of P(X(T_i) = 0)
    manual = bg.probability_purchases_new(summary["T"].to_numpy(), 0).sum()
    assert table.loc["0", "model"] == pytest.approx(manual)
    assert abs(table.loc["0", "model"] - 1411) < 30


def test_period_transactions_table_discrete():
    donations = load_donations()
    people = donations.loc[donations.index.repeat(donations["weights"])]
    model = BetaGeoBetaBinom.from_params(
        alpha=1.204, beta=0.750, gamma=0.657, delta=2.783, time_unit="Y"
    )
    table = ev.period_transactions_table(model, people, max_frequency=6)
    # Hardie's BG/BB spreadsheet, In-Sample Fit: 3454.9 with none and 1253.1 with six
    assert table.loc["0", "model"] == pytest.approx(3454.9, abs=1)
    assert table.loc["6+", "model"] == pytest.approx(1253.1, abs=1)
    assert table.loc["0", "actual"] == 3464


def test_conditional_expectation_table(bg, summary):
    table = ev.conditional_expectation_table(bg, summary, max_frequency=5)
    assert list(table.index) == ["0", "1", "2", "3", "4", "5+"]
    assert table["n_customers"].sum() == len(summary)
    ones = summary.frequency == 1
    assert table.loc["1", "actual"] == pytest.approx(summary.loc[ones, "frequency_holdout"].mean())
    assert table.loc["1", "model"] == pytest.approx(
        bg.expected_purchases(summary[ones], 39.0).mean()
    )
    assert table["model"].is_monotonic_increasing
    assert table.attrs["duration_holdout"] == 39.0


def test_frequency_recency_matrix(bg, summary):
    matrix = ev.frequency_recency_matrix(bg, summary, t=4)
    assert matrix.index.max() == summary.frequency.max()
    assert matrix.attrs["T"] == np.ceil(summary["T"].max())
    assert matrix.loc[0].nunique() == 1  # recency is irrelevant without repeat purchases
    assert matrix.loc[1:, 0.0].isna().all()  # repeat purchases at recency 0 are impossible
    # check one cell against the model directly
    cell = pd.DataFrame({"frequency": [3], "recency": [20.0], "T": [matrix.attrs["T"]]})
    cell.attrs["time_unit"] = "W"
    assert matrix.loc[3, 20.0] == pytest.approx(bg.expected_purchases(cell, 4).iloc[0])
    # more recent buyers are expected to buy more
    assert (np.diff(matrix.loc[5, 1.0:].to_numpy()) > 0).all()


def test_probability_alive_matrix(bg):
    matrix = ev.probability_alive_matrix(bg, max_frequency=10, max_recency=39)
    assert matrix.shape == (11, 40)
    values = matrix.to_numpy()
    assert np.nanmin(values) >= 0 and np.nanmax(values) <= 1
    assert (matrix.loc[0] == 1).all()  # BG/NBD: no repeat purchase, no chance to drop out
    with pytest.raises(CRMLabInputError, match="max_frequency and max_recency"):
        ev.probability_alive_matrix(bg)


def test_matrices_discrete():
    donations = load_donations()
    model = BetaGeoBetaBinom.from_params(
        alpha=1.204, beta=0.750, gamma=0.657, delta=2.783, time_unit="Y"
    )
    pa = ev.probability_alive_matrix(model, donations)
    assert pa.shape == (7, 7)
    assert np.isnan(pa.loc[3, 2.0])  # more donations than opportunities
    # Fader, Hardie & Shang (2010) Table 6
    assert pa.loc[2, 4.0] == pytest.approx(0.59, abs=0.005)
    assert pa.loc[6, 6.0] == pytest.approx(0.93, abs=0.005)


def test_tracking_table(bg, cdnow_sample, summary):
    table = ev.tracking_table(bg, cdnow_sample, calibration_end="1997-09-30")
    assert table.index[0] == 1 and len(table) == 78
    assert table["period_end"].iloc[0] == pd.Timestamp("1997-01-08")
    total_repeat = summary["frequency"].sum() + summary["frequency_holdout"].sum()
    assert table["actual"].sum() == total_repeat == table["actual_cumulative"].iloc[-1]
    np.testing.assert_allclose(table["model"].cumsum(), table["model_cumulative"])
    assert (table["model"] >= 0).all()
    # the model's cumulative total at the end equals the sum of each customer's E[X(age)]
    end = pd.Timestamp("1997-01-01") + pd.Timedelta(days=78 * 7)
    firsts = cdnow_sample.groupby("customer_id")["date"].min()
    ages = (end - firsts).dt.days.to_numpy() / 7
    assert table["model_cumulative"].iloc[-1] == pytest.approx(
        bg.expected_purchases_new(ages).sum()
    )
    assert table.attrs["calibration_end"] == pd.Timestamp("1997-09-30")
    assert abs(table["model_cumulative"].iloc[-1] / total_repeat - 1) < 0.1


def test_tracking_table_in_months(bg, cdnow_sample):
    weeks = ev.tracking_table(bg, cdnow_sample)
    months = ev.tracking_table(bg, cdnow_sample, time_unit="M")
    assert months["actual"].sum() == weeks["actual"].sum()
    assert len(months) == 18


def test_retention_table():
    survivors = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]
    model = ShiftedBetaGeometric().fit(survivors[:8])
    table = ev.retention_table(model, survivors)
    assert list(table.index) == list(range(13))
    assert table["calibration"].sum() == 8
    np.testing.assert_allclose(table["actual_survival"], np.array(survivors) / 1000)
    np.testing.assert_allclose(table["model_survival"], model.survival(range(13)))
    assert np.isnan(table.loc[0, "actual_retention"])
    assert table.loc[8, "actual_retention"] == pytest.approx(468 / 491)
    # default: the model's own survivors
    own = ev.retention_table(model)
    assert len(own) == 8 and own["actual_survival"].notna().all()
    longer = ev.retention_table(model, n_periods=20)
    assert longer["actual_survival"].isna().sum() == 13


def test_holdout_report_discrete_model():
    donations = load_donations().assign(frequency_holdout=1, duration_holdout=5)
    model = BetaGeoBetaBinom.from_params(
        alpha=1.204, beta=0.750, gamma=0.657, delta=2.783, time_unit="Y"
    )
    report = calibration_holdout_report(model, donations)
    np.testing.assert_allclose(
        report.customers["predicted"], model.expected_purchases(donations, 5)
    )
    assert report.metrics["actual_total"] == len(donations)
