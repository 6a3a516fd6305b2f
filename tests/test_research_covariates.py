"""``crmlab analyze --covariates``: the join, its refusals, and CLVTools' apparel numbers."""

from __future__ import annotations

import json

import pytest

from crmlab.cli import main
from crmlab.clv import ParetoNBD
from crmlab.datasets import load_apparel_covariates, load_apparel_transactions
from crmlab.errors import CRMLabInputError
from crmlab.research import analyze
from crmlab.research.covariates import CovariateOptions, read_covariates
from crmlab.transactions import rfm_summary


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("apparel")
    load_apparel_transactions().to_csv(folder / "orders.csv", index=False)
    load_apparel_covariates().to_csv(folder / "customers.csv", index=False)
    return folder


def _args(folder, *extra):
    return [
        "analyze", str(folder / "orders.csv"), "--customer-col", "customer_id",
        "--date-col", "date", "--amount-col", "amount", "--calibration-end", "2006-12-31",
        "--model", "paretonbd", "--no-report", "--quiet", "--out", str(folder / "out"), *extra,
    ]  # fmt: skip


@pytest.mark.slow
def test_cli_reproduces_the_apparel_covariate_fit(files):
    code = main(
        _args(
            files,
            "--covariates", str(files / "customers.csv"), "--covariate-id-col", "customer_id",
            "--purchase-covariates", "gender,channel", "--dropout-covariates", "gender,channel",
        )
    )  # fmt: skip
    assert code == 0
    info = json.loads((files / "out" / "model.json").read_text())
    summary = rfm_summary(load_apparel_transactions(), calibration_end="2006-12-31")
    data = summary.join(load_apparel_covariates().set_index("customer_id"))
    data.attrs = summary.attrs
    cols = ["gender", "channel"]
    direct = ParetoNBD().fit(data, purchase_covariates=cols, dropout_covariates=cols)
    got = {(r["process"], r["covariate"]): r for r in info["models"]["paretonbd"]["coefficients"]}
    for (process, covariate), row in direct.coefficients_.iterrows():
        assert got[(process, covariate)]["estimate"] == pytest.approx(row["estimate"], rel=1e-5)
        assert got[(process, covariate)]["se"] == pytest.approx(row["se"], rel=1e-3)
    cov = info["covariates"]
    assert cov["log_likelihood"]["with"] == pytest.approx(direct.log_likelihood_, rel=1e-9)
    assert cov["lr_test"]["df"] == 4 and cov["lr_test"]["p_value"] < 1e-6
    assert cov["join"]["customers_without_covariates"] == 0
    assert (files / "out" / cov["figure"]).exists()


def test_too_many_customers_without_covariates_is_refused(files, tmp_path):
    half = load_apparel_covariates().iloc[::2]
    half.to_csv(tmp_path / "half.csv", index=False)
    summary = rfm_summary(load_apparel_transactions(), calibration_end="2006-12-31")
    with pytest.raises(
        CRMLabInputError, match=r"300 of 600 customers .* more than the accepted 5%"
    ):
        analyze(
            load_apparel_transactions(), customer_col="customer_id", date_col="date",
            amount_col="amount", calibration_end="2006-12-31", model="paretonbd", quiet=True,
            covariates=CovariateOptions(str(tmp_path / "half.csv"), "customer_id", ["gender"]),
        )  # fmt: skip
    assert len(summary) == 600


def test_bad_covariate_options_exit_2(files, tmp_path, capsys):
    assert main(_args(files, "--purchase-covariates", "gender")) == 2
    assert "without --covariates FILE" in capsys.readouterr().err
    dup = load_apparel_covariates()
    dup = dup._append(dup.iloc[0])
    dup.to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(CRMLabInputError, match="more than once"):
        read_covariates(tmp_path / "dup.csv", "customer_id")
    with pytest.raises(CRMLabInputError, match="--covariate-id-col"):
        read_covariates(tmp_path / "dup.csv", "id")
