"""Model diagnostics: holdout report and the tables behind the standard BTYD figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeoBetaBinom, ShiftedBetaGeometric, calibration_holdout_report
from crmlab.clv import evaluation as ev
from crmlab.datasets import load_donations
from crmlab.errors import CRMLabInputError
from crmlab.transactions import rfm_summary


def test_holdout_report(bg_cdnow, cdnow_summary):
    report = calibration_holdout_report(bg_cdnow, cdnow_summary)
    table = report.customers
    assert table.index.equals(cdnow_summary.index)
    np.testing.assert_array_equal(table["actual"], cdnow_summary["frequency_holdout"])
    np.testing.assert_allclose(table["predicted"], bg_cdnow.expected_purchases(cdnow_summary, 39.0))
    np.testing.assert_allclose(table["error"], table["predicted"] - table["actual"])
    m = report.metrics
    assert m["actual_total"] == cdnow_summary["frequency_holdout"].sum()
    assert m["predicted_total"] == pytest.approx(table["predicted"].sum())
    assert m["total_error_pct"] == pytest.approx(
        100 * (m["predicted_total"] - m["actual_total"]) / m["actual_total"]
    )
    assert m["rmse"] >= m["mae"] > 0
    assert 0.5 < m["correlation"] < 1  # the model ranks customers well
    assert "holdout purchases" in repr(report)


def test_holdout_report_with_several_holdout_lengths(bg_cdnow, cdnow_summary):
    mixed = cdnow_summary.copy()
    mixed.loc[mixed.index[:10], "duration_holdout"] = 20.0
    report = calibration_holdout_report(bg_cdnow, mixed)
    np.testing.assert_allclose(
        report.customers["predicted"].iloc[:10], bg_cdnow.expected_purchases(mixed.iloc[:10], 20.0)
    )


def test_holdout_report_needs_holdout_columns(bg_cdnow, cdnow_sample):
    plain = rfm_summary(cdnow_sample)
    with pytest.raises(CRMLabInputError, match="frequency_holdout.*calibration_end"):
        calibration_holdout_report(bg_cdnow, plain)


def test_period_transactions_table(bg_cdnow, cdnow_summary):
    table = ev.period_transactions_table(bg_cdnow, cdnow_summary, max_frequency=7)
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["actual"].sum() == len(cdnow_summary)
    assert table["model"].sum() == pytest.approx(len(cdnow_summary))
    assert table.loc["0", "actual"] == (cdnow_summary.frequency == 0).sum() == 1411
    # the model's one-time buyers: sum of P(X(T_i) = 0)
    manual = bg_cdnow.probability_purchases_new(cdnow_summary["T"].to_numpy(), 0).sum()
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


def test_conditional_expectation_table(bg_cdnow, cdnow_summary):
    table = ev.conditional_expectation_table(bg_cdnow, cdnow_summary, max_frequency=5)
    assert list(table.index) == ["0", "1", "2", "3", "4", "5+"]
    assert table["n_customers"].sum() == len(cdnow_summary)
    ones = cdnow_summary.frequency == 1
    assert table.loc["1", "actual"] == pytest.approx(
        cdnow_summary.loc[ones, "frequency_holdout"].mean()
    )
    assert table.loc["1", "model"] == pytest.approx(
        bg_cdnow.expected_purchases(cdnow_summary[ones], 39.0).mean()
    )
    assert table["model"].is_monotonic_increasing
    assert table.attrs["duration_holdout"] == 39.0


def test_frequency_recency_matrix(bg_cdnow, cdnow_summary):
    matrix = ev.frequency_recency_matrix(bg_cdnow, cdnow_summary, t=4)
    assert matrix.index.max() == cdnow_summary.frequency.max()
    assert matrix.attrs["T"] == np.ceil(cdnow_summary["T"].max())
    assert matrix.loc[0].nunique() == 1  # recency is irrelevant without repeat purchases
    assert matrix.loc[1:, 0.0].isna().all()  # repeat purchases at recency 0 are impossible
    # check one cell against the model directly
    cell = pd.DataFrame({"frequency": [3], "recency": [20.0], "T": [matrix.attrs["T"]]})
    cell.attrs["time_unit"] = "W"
    assert matrix.loc[3, 20.0] == pytest.approx(bg_cdnow.expected_purchases(cell, 4).iloc[0])
    # more recent buyers are expected to buy more
    assert (np.diff(matrix.loc[5, 1.0:].to_numpy()) > 0).all()


def test_probability_alive_matrix(bg_cdnow):
    matrix = ev.probability_alive_matrix(bg_cdnow, max_frequency=10, max_recency=39)
    assert matrix.shape == (11, 40)
    values = matrix.to_numpy()
    assert np.nanmin(values) >= 0 and np.nanmax(values) <= 1
    assert (matrix.loc[0] == 1).all()  # BG/NBD: no repeat purchase, no chance to drop out
    with pytest.raises(CRMLabInputError, match="max_frequency and max_recency"):
        ev.probability_alive_matrix(bg_cdnow)


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


def test_tracking_table(bg_cdnow, cdnow_sample, cdnow_summary):
    table = ev.tracking_table(bg_cdnow, cdnow_sample, calibration_end="1997-09-30")
    assert table.index[0] == 1 and len(table) == 78
    assert table["period_end"].iloc[0] == pd.Timestamp("1997-01-08")
    total_repeat = cdnow_summary["frequency"].sum() + cdnow_summary["frequency_holdout"].sum()
    assert table["actual"].sum() == total_repeat == table["actual_cumulative"].iloc[-1]
    np.testing.assert_allclose(table["model"].cumsum(), table["model_cumulative"])
    assert (table["model"] >= 0).all()
    # the model's cumulative total at the end equals the sum of each customer's E[X(age)]
    end = pd.Timestamp("1997-01-01") + pd.Timedelta(days=78 * 7)
    firsts = cdnow_sample.groupby("customer_id")["date"].min()
    ages = (end - firsts).dt.days.to_numpy() / 7
    assert table["model_cumulative"].iloc[-1] == pytest.approx(
        bg_cdnow.expected_purchases_new(ages).sum()
    )
    assert table.attrs["calibration_end"] == pd.Timestamp("1997-09-30")
    assert abs(table["model_cumulative"].iloc[-1] / total_repeat - 1) < 0.1


def test_tracking_table_in_months(bg_cdnow, cdnow_sample):
    weeks = ev.tracking_table(bg_cdnow, cdnow_sample)
    months = ev.tracking_table(bg_cdnow, cdnow_sample, time_unit="M")
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
