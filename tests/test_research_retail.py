"""The whole Online Retail export in one call, prepared inside the tool (slow: 305 files)."""

from __future__ import annotations

import json

import pytest
from test_preparation import WHERE, retail_folder

from crmlab.research import analyze

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(retail_folder() is None, reason="Online Retail files not in CRMLAB_DATA"),
]


def test_retail_in_one_call_is_not_ok_and_has_an_equity_interval(tmp_path):
    result = analyze(
        retail_folder(), customer_col="CustomerID", date_col="InvoiceDate",
        amount_col=None, amount_expr="Quantity * UnitPrice", where=WHERE,
        drop_missing_customers=True, calibration_end="2011-09-30", currency="GBP",
        out=tmp_path, quiet=True, report=False,
    )  # fmt: skip
    info = json.loads((tmp_path / "model.json").read_text())
    counts = info["counts"]
    assert counts["rows_read"] == 541_909
    assert counts["rows_removed_missing_customer"] > 100_000
    assert counts["rows_removed_by_where"] > 0
    checks = result.trust.set_index("check")["verdict"]
    assert checks["parameters identified"] != "ok"
    assert checks["precision of the estimates"] != "ok"
    eq = info["equity"]
    assert eq["uncertainty"]["used"] == "bootstrap" and eq["uncertainty"]["note"]
    assert eq["low"] < eq["estimate"] < eq["high"]
    assert result.customers[["clv_low", "clv_high"]].notna().all().all()
