"""The engines: one summary definition, the same numbers on DuckDB and pandas (Spark: see
test_engines_spark.py), read from frames and files, with clear errors for bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crmlab.engines import compile_sql, resolve_files, summarize
from crmlab.engines.summary import SUMMARY_COLUMNS
from crmlab.errors import CRMLabInputError
from crmlab.transactions import rfm_summary

CDNOW = {"customer_col": "customer_id", "date_col": "date", "amount_col": "amount"}
EXACT = ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
MONEY = ["monetary_value", "monetary_value_holdout", "revenue_cal"]


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Identical ids and integer/time columns; money equal up to float summation order."""
    assert a.index.equals(b.index)
    for col in a.columns:
        if col in MONEY:
            np.testing.assert_allclose(a[col], b[col], rtol=1e-12, atol=1e-9, err_msg=col)
        else:
            assert np.array_equal(a[col].to_numpy(), b[col].to_numpy()), col


@pytest.mark.parametrize("calibration_end", [None, "1997-09-30"])
def test_duckdb_equals_rfm_summary_on_cdnow(cdnow_master, calibration_end):
    ref = rfm_summary(cdnow_master, calibration_end=calibration_end, time_unit="W")
    duck = summarize(cdnow_master, calibration_end=calibration_end, **CDNOW)
    pand = summarize(cdnow_master, calibration_end=calibration_end, engine="pandas", **CDNOW)
    d, p = duck.frame(), pand.frame()
    assert_same(d[ref.columns], ref)
    assert_same(d, p)
    assert duck.counts == pand.counts
    assert duck.counts["merged_same_day_rows"] == ref.attrs["merged_same_day_rows"] == 2068
    patterns = duck.patterns()
    assert patterns["n_customers"].sum() == len(ref) == 23_570
    assert len(patterns) == (8_685 if calibration_end else 11_104)
    pd.testing.assert_frame_equal(patterns, pand.patterns(), rtol=1e-12, check_dtype=False)


def test_summary_columns_and_attrs(cdnow_sample):
    s = summarize(cdnow_sample, calibration_end="1997-09-30", time_unit="D", **CDNOW)
    frame = s.frame()
    assert list(frame.columns) == list(SUMMARY_COLUMNS)
    assert frame.attrs["time_unit"] == "D" and frame.attrs["engine"] == "duckdb"
    assert (frame["T_days"] == frame["T"]).all()
    assert s.has_holdout and str(s.calibration_end) == "1997-09-30"
    no_split = summarize(cdnow_sample, **CDNOW).frame()
    assert "frequency_holdout" not in no_split.columns


def test_files_with_text_dates_equal_the_frame(tmp_path, cdnow_sample):
    tx = cdnow_sample.assign(day=cdnow_sample["date"].dt.strftime("%d/%m/%Y"))
    tx = tx.drop(columns="date").rename(columns={"customer_id": "client", "amount": "net"})
    half = len(tx) // 2
    tx.iloc[:half].to_parquet(tmp_path / "a.parquet")
    tx.iloc[half:].to_parquet(tmp_path / "b.parquet")
    (tmp_path / "csv").mkdir()
    tx.iloc[:half].to_csv(tmp_path / "csv" / "a.csv", index=False)
    tx.iloc[half:].to_csv(tmp_path / "csv" / "b.csv.gz", index=False)
    cols = {"customer_col": "client", "date_col": "day", "amount_col": "net"}
    opts = {"date_format": "%d/%m/%Y", "calibration_end": "1997-09-30", **cols}
    ref = summarize(cdnow_sample, calibration_end="1997-09-30", **CDNOW).frame()
    from_parquet = summarize(str(tmp_path / "*.parquet"), **opts).frame()
    from_csv = summarize(tmp_path / "csv", **opts).frame()  # ids stay text: "00001"
    from_pandas = summarize(tmp_path / "csv", engine="pandas", **opts).frame()
    ref.index.name = "client"
    for got in (from_parquet, from_csv, from_pandas):
        assert_same(got, ref)


def test_resolve_files_refuses_mixed_and_unknown(tmp_path):
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "b.parquet").write_bytes(b"")
    with pytest.raises(CRMLabInputError, match="mix CSV"):
        resolve_files(tmp_path)
    (tmp_path / "c.xlsx").write_bytes(b"")
    with pytest.raises(CRMLabInputError, match="neither CSV"):
        resolve_files(tmp_path / "c.xlsx")
    with pytest.raises(CRMLabInputError, match="matches no file"):
        resolve_files(tmp_path / "nothing*.csv")


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_bad_input_names_column_count_and_example(engine):
    tx = pd.DataFrame(
        {"c": ["a", "b", "a", "c"], "d": ["2024-01-02", "2024-13-40", "2024-01-05", "x"]}
    )
    with pytest.raises(CRMLabInputError, match=r"'d'.*2 of 4 rows.*(2024-13-40|x)"):
        summarize(tx.assign(a=1.0), customer_col="c", date_col="d", amount_col="a", engine=engine)
    good = tx.assign(d=["2024-01-02"] * 4, a=[1.0, -2.0, 3.0, 4.0])
    with pytest.raises(CRMLabInputError, match=r"'a'.*1 of 4 rows.*-2\.0.*--returns net"):
        summarize(good, customer_col="c", date_col="d", amount_col="a", engine=engine)
    with pytest.raises(CRMLabInputError, match="missing column"):
        summarize(good, customer_col="client", date_col="d", amount_col="a", engine=engine)


def test_bad_rows_in_files_name_the_file(tmp_path):
    pd.DataFrame({"c": ["a"], "d": ["01.02.2024"], "a": [1.0]}).to_csv(tmp_path / "ok.csv")
    pd.DataFrame({"c": ["b"], "d": ["2024-02-01"], "a": [2.0]}).to_csv(tmp_path / "bad.csv")
    with pytest.raises(CRMLabInputError, match=r"file 'bad\.csv'.*'d'.*1 of 2 rows"):
        summarize(tmp_path, customer_col="c", date_col="d", amount_col="a", date_format="%d.%m.%Y")


def test_orders_after_observation_end_and_calibration_outside(cdnow_sample):
    with pytest.raises(CRMLabInputError, match="after observation_end"):
        summarize(cdnow_sample, observation_end="1998-01-01", **CDNOW)
    with pytest.raises(CRMLabInputError, match="outside the data"):
        summarize(cdnow_sample, calibration_end="1999-01-01", **CDNOW)


def test_spark_sql_is_transpiled():
    from crmlab.engines import sql

    text = compile_sql(sql.tx_sql("k", "d", "a", "%d.%m.%Y"), "spark")
    assert "TRY_TO_TIMESTAMP(CAST(`d` AS STRING), 'dd.MM.yyyy')" in text
    assert "MIN_BY" in compile_sql(sql.customers_sql(10), "spark")


@st.composite
def logs(draw):
    n = draw(st.integers(1, 40))
    customers = draw(
        st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=n, max_size=n)
    )
    days = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    amounts = draw(st.lists(st.integers(-500, 5000).map(lambda c: c / 100), min_size=n, max_size=n))
    tx = pd.DataFrame(
        {
            "c": customers,
            "d": np.datetime64("2024-01-01") + np.array(days, dtype="timedelta64[D]"),
            "a": amounts,
        }
    )
    first, last = min(days), max(days)
    cal = draw(st.one_of(st.none(), st.integers(first, max(first, last - 1))))
    if cal is not None and cal >= last:
        cal = None
    unit = draw(st.sampled_from(["D", "W", "M"]))
    return tx, None if cal is None else np.datetime64("2024-01-01") + cal, unit


@pytest.fixture(scope="module")
def connection():
    import duckdb

    con = duckdb.connect()
    yield con
    con.close()


@pytest.mark.slow
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=logs())
def test_duckdb_agrees_with_rfm_summary_on_random_logs(connection, case):
    """Same-day duplicates, one-order customers, returns and boundary days: identical summaries.

    With ``returns="net"`` a customer-day whose amounts add up to zero or less is not a
    purchase: the reference is ``rfm_summary`` of the rows of the other days.
    """
    tx, cal, unit = case
    net = tx.groupby(["c", "d"])["a"].transform("sum")
    kept = tx[net > 0]
    last = tx["d"].max()
    assume(len(kept) and (cal is None or kept["d"].min() <= cal))
    opts = {"customer_col": "c", "date_col": "d", "amount_col": "a", "returns": "net"}
    ref = rfm_summary(
        kept, customer_col="c", date_col="d", amount_col="a", calibration_end=cal,
        observation_end=last, time_unit=unit, allow_negative=True,
    )  # fmt: skip
    duck = summarize(
        tx, calibration_end=cal, observation_end=last, time_unit=unit, connection=connection,
        **opts,
    )  # fmt: skip
    d = duck.frame()
    assert_same(d[ref.columns], ref)
    assert duck.counts["merged_same_day_rows"] == ref.attrs["merged_same_day_rows"]
    assert duck.counts["customers_first_after_calibration"] == len(set(kept["c"])) - len(ref)
    assert duck.counts["days_not_positive"] == int((tx.groupby(["c", "d"])["a"].sum() <= 0).sum())


_OFFSETS = ["+08:00", "-05:00", "Z", "+0530", "+14:00", "-11:00", "+00:00"]


@st.composite
def offset_logs(draw):
    """Text dates with UTC offsets, times near midnight; one offset, or several and a zone."""
    n = draw(st.integers(1, 25))
    customers = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    clock = draw(
        st.lists(
            st.sampled_from(["00:00:00", "00:00:01", "00:30", "12:00", "23:30:00", "23:59:59"]),
            min_size=n,
            max_size=n,
        )
    )
    mixed = draw(st.booleans())
    pool = st.sampled_from(_OFFSETS)
    offsets = draw(st.lists(pool, min_size=n, max_size=n)) if mixed else [draw(pool)] * n
    dates = [
        f"{np.datetime64('2024-02-27') + d}T{t}{o}"
        for d, t, o in zip(days, clock, offsets, strict=True)
    ]
    tz = draw(st.sampled_from(["Asia/Shanghai", "America/New_York", "UTC"])) if mixed else None
    tx = pd.DataFrame({"c": customers, "d": dates, "a": [1.0] * n})
    same = {"Z": "+00:00", "+0530": "+05:30"}
    return tx, tz, len({same.get(o, o) for o in offsets})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=offset_logs())
def test_engines_count_the_written_local_day_of_offset_text(case):
    """Offsets and times near midnight: DuckDB, pandas and rfm_summary count the same days.

    One offset: the day as written; several: refused without ``tz``, converted with it.
    """
    tx, tz, n_offsets = case
    opts = {"customer_col": "c", "date_col": "d", "amount_col": "a", "time_unit": "D", "tz": tz}
    ref = rfm_summary(tx, **opts)
    for engine in ("duckdb", "pandas"):
        assert_same(summarize(tx, engine=engine, **opts).frame()[ref.columns], ref)
    if n_offsets > 1:
        for engine in ("duckdb", "pandas"):
            with pytest.raises(CRMLabInputError, match="offset|zone"):
                summarize(tx, engine=engine, **{**opts, "tz": None})


def test_duckdb_table_name_and_relation_sources():
    import duckdb

    from crmlab.datasets import FIRM_EXPORT, simulate_firm_export

    con = duckdb.connect()
    orders = simulate_firm_export(200, random_state=1)
    con.register("orders_frame", orders)
    con.execute("CREATE TABLE orders AS SELECT * FROM orders_frame")
    opts = {k: FIRM_EXPORT[k] for k in ("customer_col", "date_col", "amount_col", "date_format")}
    by_name = summarize("orders", connection=con, **opts).frame()
    by_relation = summarize(con.sql("SELECT * FROM orders"), connection=con, **opts).frame()
    from_frame = summarize(orders, **opts).frame()
    assert_same(by_name, from_frame)
    assert_same(by_relation, from_frame)
    assert len(from_frame) == 200


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "UTC"])
def test_zone_aware_dates_give_the_same_days_on_every_engine(tmp_path, zone):
    """Orders near midnight: the purchase day is the customer's, not the engine's zone's."""
    clock = ["2020-01-01 00:30", "2020-01-01 23:30", "2020-01-03 00:10", "2020-01-05 23:50"]
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "a"],
            "date": pd.to_datetime(clock).tz_localize(zone),
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    ref = rfm_summary(tx, calibration_end="2020-01-02", time_unit="D")
    assert ref.loc["a", "frequency"] == 0 and ref.loc["a", "frequency_holdout"] == 1
    tx.to_parquet(tmp_path / "orders.parquet")
    for source in (tx, str(tmp_path / "orders.parquet")):
        for engine in ("duckdb", "pandas"):
            got = summarize(
                source, calibration_end="2020-01-02", time_unit="D", engine=engine, **CDNOW
            ).frame()
            assert_same(got[ref.columns], ref)


def test_dayfirst_and_tz_reach_every_engine(tmp_path, cdnow_sample):
    """``dayfirst`` and ``tz`` are read as every reader of an order log reads them."""
    text = cdnow_sample.assign(date=cdnow_sample["date"].dt.strftime("%d/%m/%Y"))
    text.to_csv(tmp_path / "orders.csv", index=False)
    ref = rfm_summary(cdnow_sample, calibration_end="1997-09-30")
    for engine in ("duckdb", "pandas"):
        got = summarize(
            tmp_path / "orders.csv",
            calibration_end="1997-09-30",
            dayfirst=True,
            engine=engine,
            **CDNOW,
        ).frame()
        assert_same(got[ref.columns], ref.rename_axis("customer_id"))
        with pytest.raises(CRMLabInputError, match="not ISO 8601|not dates"):
            summarize(tmp_path / "orders.csv", engine=engine, **CDNOW)
    # the same instants, read on the wall clock of another zone: days move
    clock = ["2020-01-01 20:30", "2020-01-02 12:00", "2020-01-04 01:00"]
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a"],
            "date": pd.to_datetime(clock).tz_localize("UTC"),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    tx.to_parquet(tmp_path / "orders.parquet")
    shanghai = rfm_summary(tx, time_unit="D", tz="Asia/Shanghai")
    assert shanghai.loc["a", "T"] == 2  # 2 and 4 January in Shanghai, not 1 and 4
    for source in (tx, str(tmp_path / "orders.parquet")):
        for engine in ("duckdb", "pandas"):
            got = summarize(source, time_unit="D", tz="Asia/Shanghai", engine=engine, **CDNOW)
            assert_same(got.frame()[shanghai.columns], shanghai)
    with pytest.raises(CRMLabInputError, match="no zone-aware times"):
        summarize(tmp_path / "orders.csv", dayfirst=True, tz="Asia/Shanghai", **CDNOW)


def test_lesson_09_shows_the_sql_the_engines_run():
    """One BTYD summary in SQL: ``database.RFM_SUMMARY_SQL`` is built from the engines' text."""
    from crmlab.database.summaries import RFM_SUMMARY_SQL
    from crmlab.engines import sql

    for part in (sql.DAYS_SQL, sql.CUSTOMERS_SQL, sql.SUMMARY_SQL):
        assert part.strip().splitlines()[-1] in RFM_SUMMARY_SQL
    assert RFM_SUMMARY_SQL == sql.summary_query("transactions")
    bound = sql.summary_sql(100, 120, 7.0)
    assert "$" not in bound and "CAST(100 - first_day AS DOUBLE) / 7.0 AS T" in bound
    with pytest.raises(TypeError, match="must be a number"):
        sql.bind(sql.SUMMARY_SQL, calibration_end="1; DROP TABLE x")


def test_a_new_engine_is_one_class_and_one_registry_entry(monkeypatch, cdnow_sample, capsys):
    """A toy backend: a subclass and an ENGINES entry reach summarize and the CLI help."""
    from crmlab.cli import main
    from crmlab.engines import ENGINES, Backend, DuckDBBackend

    class ToyBackend(DuckDBBackend):
        name = "toy"
        help = "a toy engine made by this test"

    monkeypatch.setitem(ENGINES, ToyBackend.name, ToyBackend)
    toy = summarize(cdnow_sample, engine="toy", **CDNOW)
    assert toy.engine == "toy" and isinstance(toy.backend, ToyBackend)
    assert_same(toy.frame(), summarize(cdnow_sample, **CDNOW).frame())
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "{duckdb,spark,pandas,toy}" in help_text
    assert "toy: a toy engine made by this test" in help_text
    monkeypatch.delitem(ENGINES, "toy")
    with pytest.raises(CRMLabInputError, match="engine must be one of duckdb, spark, pandas"):
        summarize(cdnow_sample, engine="toy", **CDNOW)

    class Incomplete(Backend):  # an engine without the interface's methods cannot be made
        name = "incomplete"
        help = "lacks the methods every engine has"

    with pytest.raises(TypeError, match="abstract methods.*arrow_batches"):
        Incomplete()
