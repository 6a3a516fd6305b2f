"""The Spark engine (local mode) gives the same summary and scores as DuckDB.

Needs Java 17 and the ``spark`` extra (``pip install -e '.[spark]'``; ``.ci/run`` installs Java
with ``apt-get install openjdk-17-jre-headless``); without them these tests are skipped.
"""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pandas as pd
import pytest
from test_engines import CDNOW, assert_same

from crmlab.engines import summarize

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

if shutil.which("java") is None:
    pytest.skip(
        "Java is missing: install Java 17 (apt-get install openjdk-17-jre-headless) to run "
        "the Spark tests",
        allow_module_level=True,
    )
pyspark = pytest.importorskip(
    "pyspark", reason="PySpark is missing: pip install -e '.[spark]' to run the Spark tests"
)


@pytest.fixture(scope="session")
def spark():
    import os

    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers need crmlab's Python
    session = (
        SparkSession.builder.master("local[2]")
        .appName("crmlab-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("calibration_end", [None, "1997-09-30"])
def test_spark_equals_duckdb_on_cdnow(spark, cdnow_master, calibration_end):
    duck = summarize(cdnow_master, calibration_end=calibration_end, **CDNOW)
    sp = summarize(
        cdnow_master, calibration_end=calibration_end, engine="spark", spark=spark, **CDNOW
    )
    assert_same(sp.frame(), duck.frame())
    assert sp.counts == duck.counts
    pd.testing.assert_frame_equal(sp.patterns(), duck.patterns(), rtol=1e-12, check_dtype=False)


def test_spark_dataframe_source_and_edge_cases(spark):
    """Same-day duplicates, returns, one-order customers and orders on the calibration end."""
    tx = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b", "c", "c", "d", "d", "e"],
            "d": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01",
                    "2024-01-10",
                    "2024-01-03",
                    "2024-01-05",
                    "2024-01-20",
                    "2024-01-10",
                    "2024-01-11",
                    "2024-01-15",
                ]
            ),  # fmt: skip
            "a": [10.0, 5.5, -3.25, 7.0, 1.0, 2.0, 3.0, 4.0, 9.99],
        }
    )
    opts = {"customer_col": "c", "date_col": "d", "amount_col": "a", "allow_returns": True}
    for cal in (None, "2024-01-10"):
        duck = summarize(tx, calibration_end=cal, time_unit="D", **opts)
        sp = summarize(spark.createDataFrame(tx), calibration_end=cal, time_unit="D", **opts)
        assert sp.engine == "spark"
        assert_same(sp.frame(), duck.frame())
        assert sp.counts == duck.counts


def test_analyze_on_spark_scores_like_duckdb(spark, tmp_path):
    from crmlab.datasets import FIRM_EXPORT, simulate_firm_export
    from crmlab.research import analyze

    files = simulate_firm_export(800, path=tmp_path / "in", random_state=5)
    opts = {k: FIRM_EXPORT[k] for k in ("customer_col", "date_col", "amount_col", "date_format")}
    common = {"calibration_end": "2024-03-31", "quiet": True, "report": False, **opts}
    duck = analyze(files, out=tmp_path / "duck", **common)
    sp = analyze(files, out=tmp_path / "spark", engine="spark", spark=spark, **common)
    assert (tmp_path / "spark" / "customers.parquet").is_dir()  # written by Spark, in parts
    a = duck.customers.set_index("kundennr").sort_index()
    b = pd.read_parquet(tmp_path / "spark" / "customers.parquet").set_index("kundennr").sort_index()
    assert a.index.equals(b.index) and list(a.columns) == list(b.columns)
    for col in a.columns:
        if col == "segment":
            assert (a[col] == b[col]).all()
        else:  # interval ends: numerical Hessian, sensitive to float summation order; the
            # spend model is fitted on sums whose order differs between engines (~4e-9)
            rtol = {"clv_low": 1e-4, "clv_high": 1e-4, "expected_spend": 1e-7, "clv": 1e-7}
            rtol = rtol.get(col, 1e-9)
            np.testing.assert_allclose(a[col], b[col], rtol=rtol, err_msg=col)
    assert sp.model.params_ == pytest.approx(duck.model.params_, rel=1e-9)
    assert sp.equity["estimate"] == pytest.approx(duck.equity["estimate"], rel=1e-7)


def test_spark_reads_zone_aware_parquet_days_like_pandas(spark, tmp_path):
    """Orders near midnight in Shanghai: the purchase day is the customer's on every engine."""
    clock = ["2020-01-01 00:30", "2020-01-01 23:30", "2020-01-03 00:10", "2020-01-05 23:50"]
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "a"],
            "date": pd.to_datetime(clock).tz_localize("Asia/Shanghai"),
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    path = tmp_path / "orders.parquet"
    tx.to_parquet(path, coerce_timestamps="us")  # Spark reads microsecond timestamps
    opts = {"calibration_end": "2020-01-02", "time_unit": "D", **CDNOW}
    ref = summarize(tx, engine="pandas", **opts).frame()
    for source in (tx, str(path)):
        got = summarize(source, engine="spark", spark=spark, **opts).frame()
        assert_same(got, ref)


def test_spark_streams_arrow_batches_and_writes_parquet_like_duckdb(spark, cdnow_sample, tmp_path):
    """The interface's ``arrow_batches`` and ``write_parquet`` give DuckDB's rows on Spark."""
    import pyarrow as pa

    duck = summarize(cdnow_sample, engine="duckdb", **CDNOW)
    sp = summarize(cdnow_sample, engine="spark", spark=spark, **CDNOW)
    sql = "SELECT customer, frequency, T_days FROM crm_summary"
    batches = list(sp.backend.arrow_batches(sql, rows=1000))
    assert len(batches) == -(-duck.counts["n_customers"] // 1000)  # chunks of at most 1000
    got = pa.Table.from_batches(batches).to_pandas().sort_values("customer", ignore_index=True)
    ref = duck.backend.frame(sql).sort_values("customer", ignore_index=True)
    pd.testing.assert_frame_equal(got, ref, check_dtype=False)
    sp.backend.write_parquet(sql, tmp_path / "spark.parquet")
    written = pd.read_parquet(tmp_path / "spark.parquet").sort_values("customer", ignore_index=True)
    pd.testing.assert_frame_equal(written, ref, check_dtype=False)


def test_spark_reads_hostile_names_offsets_and_ids_like_duckdb(spark, tmp_path):
    """Issue #21 on Spark: an injection column name, a file name that looks like a pattern,
    text dates with one UTC offset near midnight, ids that differ by spaces / '.0' / case."""
    from crmlab.errors import CRMLabInputError

    name = """frequency" FROM c; COPY (SELECT 'x') TO 'pwned.txt'; SELECT "frequency"""
    dates = ["2023-07-14T00:30:00+08:00", "2023-07-14T23:30:00+08:00", "2023-07-16T00:10+08:00"]
    tx = pd.DataFrame({name: ["a", "a", "b"], "d": dates, "x": [1.0, 2.0, 3.0]})
    path = tmp_path / "sales [2023].csv"
    tx.to_csv(path, index=False)
    tx.head(1).to_csv(tmp_path / "sales 2.csv", index=False)  # what the pattern would match
    opts = {"customer_col": name, "date_col": "d", "amount_col": "x", "time_unit": "D"}
    ref = summarize(path, **opts).frame()
    assert ref.loc["a", "frequency"] == 0 and ref.loc["a", "T"] == 2  # 14 and 16 July as written
    assert_same(summarize(path, engine="spark", spark=spark, **opts).frame(), ref)
    ids = tx.assign(**{name: ["17850", "17850.0", "K1"]})
    ids.to_csv(tmp_path / "ids.csv", index=False)
    with pytest.raises(CRMLabInputError, match="more than one way"):
        summarize(tmp_path / "ids.csv", engine="spark", spark=spark, **opts)
    merged = summarize(
        tmp_path / "ids.csv", engine="spark", spark=spark, normalize_ids=True, **opts
    ).frame()
    assert sorted(merged.index) == ["17850", "K1"]
    assert not list(tmp_path.rglob("pwned.txt"))


def test_preparation_options_on_spark_equal_duckdb(spark):
    """--amount-expr, --where, --drop-missing-customers and --returns net: the same SQL,
    transpiled by SQLGlot, gives Spark the same counts and summary as DuckDB."""
    from test_preparation import NET_WHERE, OPTIONS, toy_orders

    tx = toy_orders()
    opts = {**OPTIONS, "where": NET_WHERE, "returns": "net", "calibration_end": "2024-01-20"}
    duck = summarize(tx, **opts)
    sp = summarize(spark.createDataFrame(tx), **opts)
    assert sp.engine == "spark"
    assert_same(sp.frame(), duck.frame())
    assert sp.counts == duck.counts


def test_window_warnings_are_quiet_on_a_given_session(spark):
    """WindowExec's logger is set to ERROR on a session the user gives."""
    from crmlab.engines.spark_backend import SparkBackend

    jvm = spark.sparkContext._jvm
    manager = jvm.org.apache.logging.log4j.LogManager
    name = "org.apache.spark.sql.execution.window.WindowExec"
    jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
        name, jvm.org.apache.logging.log4j.Level.WARN
    )
    assert str(manager.getLogger(name).getLevel()) == "WARN"
    SparkBackend.open(spark=spark)
    assert str(manager.getLogger(name).getLevel()) == "ERROR"
