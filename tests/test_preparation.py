"""Preparation inside the tool: amount expression, row filter, missing ids, netted returns,
and the header check of every file -- the same counts and summary on every engine, equal to an
independent pandas computation of the same definitions (also on a sample of Online Retail)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets.registry import data_home
from crmlab.engines import summarize
from crmlab.errors import CRMLabInputError

WHERE = (
    "Quantity > 0 AND UnitPrice > 0 AND NOT StartsWith(InvoiceNo, 'C') "
    "AND StockCode NOT IN ('POST', 'M', 'AMAZONFEE', 'BANK CHARGES', 'D', 'DOT', 'CRUK', 'PADS')"
)
NET_WHERE = "UnitPrice > 0 AND StockCode NOT IN ('POST', 'M', 'D')"
OPTIONS = {
    "customer_col": "CustomerID",
    "date_col": "InvoiceDate",
    "amount_expr": "Quantity * UnitPrice",
    "drop_missing_customers": True,
    "time_unit": "W",
}


def retail_folder() -> Path | None:
    """The Online Retail day files: ``CRMLAB_DATA/online_retail`` (the dataset is registered by
    another change; until then the tests read the mirror folder directly)."""
    folder = data_home() / "online_retail"
    return folder if folder.is_dir() else None


def independent_summary(raw: pd.DataFrame, where, net: bool, cal: str) -> pd.DataFrame:
    """The same definitions written directly in pandas, one customer at a time."""
    rows = raw[where(raw) & raw["CustomerID"].notna()].copy()
    rows["amount"] = rows["Quantity"] * rows["UnitPrice"]
    rows["day"] = pd.to_datetime(rows["InvoiceDate"]).dt.normalize()
    days = rows.groupby(["CustomerID", "day"])["amount"].sum().reset_index()
    if net:
        days = days[days["amount"] > 0]
    cal_day = pd.Timestamp(cal)
    out = {}
    for cid, d in days.groupby("CustomerID"):
        d = d.sort_values("day")
        c = d[d["day"] <= cal_day]
        if c.empty:
            continue
        first = c["day"].iloc[0]
        x = len(c) - 1
        out[cid] = {
            "frequency": x,
            "recency": (c["day"].iloc[-1] - first).days / 7,
            "T": (cal_day - first).days / 7,
            "monetary_value": c["amount"].iloc[1:].mean() if x else 0.0,
            "frequency_holdout": int((d["day"] > cal_day).sum()),
        }
    return pd.DataFrame.from_dict(out, orient="index").sort_index()


def toy_orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "InvoiceNo": ["1", "1", "2", "C3", "4", "5", "6", "7", "8", "9"],
            "StockCode": ["A", "POST", "A", "A", "B", "A", "A", "A", "A", "B"],
            "Quantity": [2, 1, 1, -2, 3, 1, 4, 1, 5, -5],
            "InvoiceDate": [
                "2024-01-01 09:00", "2024-01-01 09:00", "2024-01-10 10:00", "2024-01-10 12:00",
                "2024-01-03 08:00", "2024-02-01 08:00", "2024-01-05 08:00", "2024-03-01 08:00",
                "2024-01-07 08:00", "2024-01-07 09:00",
            ],
            "UnitPrice": [5.0, 3.0, 5.0, 5.0, 2.0, 1.0, 1.0, 1.0, 2.0, 2.0],
            "CustomerID": ["a", "a", "a", "a", "b", "b", None, "c", "c", "c"],
        }
    )  # fmt: skip


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_options_are_counted_and_equal_an_independent_computation(engine):
    raw = toy_orders()
    s = summarize(raw, where=NET_WHERE, returns="net", engine=engine, **OPTIONS)
    c = s.counts
    assert c["rows_read"] == 10 and c["rows_removed_by_where"] == 1
    assert c["rows_removed_missing_customer"] == 1 and c["return_rows"] == 2
    # a's 10 January nets to 0 and c's 7 January to 0: not purchases
    assert c["days_not_positive"] == 2 and c["customers_without_purchase"] == 0
    want = independent_summary(
        raw,
        lambda r: r["UnitPrice"].gt(0) & ~r["StockCode"].isin(["POST", "M", "D"]),
        True,
        "2024-03-01",
    )
    got = s.frame()
    pd.testing.assert_frame_equal(
        got[want.columns[:4]], want[want.columns[:4]], check_names=False, check_dtype=False
    )


def test_refuse_names_the_new_options():
    raw = toy_orders()
    with pytest.raises(CRMLabInputError, match="--drop-missing-customers"):
        summarize(raw, **{**OPTIONS, "drop_missing_customers": False}, where=WHERE)
    with pytest.raises(CRMLabInputError, match="--returns net"):
        summarize(raw, where="UnitPrice > 0", **OPTIONS)
    with pytest.raises(CRMLabInputError, match="not both"):
        summarize(raw, amount_col="Quantity", **OPTIONS)
    with pytest.warns(FutureWarning, match="deprecated"):
        s = summarize(raw, where="UnitPrice > 0", allow_returns=True, **OPTIONS)
    assert s.counts["days_not_positive"] == 2


def _folder(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "days"
    folder.mkdir()
    raw = toy_orders()
    for i in range(n):
        raw.to_csv(folder / f"day{i:03d}.csv", index=False)
    return folder


def test_a_missing_column_is_reported_by_file_before_reading(tmp_path):
    folder = _folder(tmp_path, 40)
    broken = toy_orders().rename(columns={"CustomerID": "Customer ID"})
    broken.to_csv(folder / "day017.csv", index=False)
    with pytest.raises(CRMLabInputError) as info:
        summarize(folder, where=WHERE, **OPTIONS)
    text = str(info.value)
    assert "column 'CustomerID' is missing from 1 of 40 files ('day017.csv')" in text
    assert "'Customer ID'" in text and "Fix:" in text
    toy_orders().to_csv(folder / "day017.csv", index=False)
    with pytest.raises(CRMLabInputError, match="'Price'.* is missing from 40 of 40 files"):
        summarize(folder, **{**OPTIONS, "amount_expr": None}, amount_col="Price")


def test_parquet_types_that_differ_between_files_are_reported(tmp_path):
    raw = toy_orders().dropna()
    raw.to_parquet(tmp_path / "a.parquet")
    raw.assign(Quantity=raw["Quantity"].astype(str)).to_parquet(tmp_path / "b.parquet")
    with pytest.raises(CRMLabInputError, match=r"column 'Quantity' has type int64 in 1 of 2 files"):
        summarize(tmp_path, where="UnitPrice > 0", **OPTIONS)


@pytest.mark.skipif(retail_folder() is None, reason="Online Retail files not in CRMLAB_DATA")
@pytest.mark.parametrize("returns", ["refuse", "net"])
def test_retail_sample_equals_pandas_for_every_customer(tmp_path, returns):
    """Ten day files of the real export, prepared by the tool and by hand in pandas."""
    files = sorted(retail_folder().glob("*.csv"))[:10]
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    where = WHERE if returns == "refuse" else NET_WHERE
    t0 = time.perf_counter()
    s = summarize(tmp_path, where=where, returns=returns, calibration_end="2010-12-09", **OPTIONS)
    assert time.perf_counter() - t0 < 60
    raw = pd.concat([pd.read_csv(f, dtype={"CustomerID": str, "InvoiceNo": str}) for f in files])
    if returns == "refuse":
        keep = lambda r: (  # noqa: E731
            r["Quantity"].gt(0) & r["UnitPrice"].gt(0) & ~r["InvoiceNo"].str.startswith("C")
            & ~r["StockCode"].isin(["POST", "M", "AMAZONFEE", "BANK CHARGES", "D", "DOT", "CRUK", "PADS"])
        )  # fmt: skip
    else:
        keep = lambda r: r["UnitPrice"].gt(0) & ~r["StockCode"].isin(["POST", "M", "D"])  # noqa: E731
    want = independent_summary(raw, keep, returns == "net", "2010-12-09")
    got = s.frame()
    assert len(got) == len(want) > 100
    np.testing.assert_array_equal(got.index.to_numpy(), want.index.to_numpy())
    for col in want.columns:
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-9)
    assert s.counts["rows_read"] == len(raw)
    assert s.counts["rows_removed_missing_customer"] == int(
        (keep(raw) & raw["CustomerID"].isna()).sum()
    )


def test_a_value_of_another_type_in_a_later_file_is_a_clear_error(tmp_path):
    """Files read as one table (same header): the bad value is reported with its file."""
    good = pd.DataFrame({"c": ["x", "y"], "d": ["2024-01-01", "2024-01-02"], "q": [1, 2]})
    good.to_csv(tmp_path / "a.csv", index=False)
    good.assign(q=["1", "oops"]).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(CRMLabInputError, match=r"file 'b.csv'.*'oops'.*Fix:"):
        summarize(tmp_path, customer_col="c", date_col="d", amount_col="q")
