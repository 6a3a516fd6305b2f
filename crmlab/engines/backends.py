"""Where the SQL of :mod:`crmlab.engines.sql` runs: an embedded DuckDB or a Spark session.

A backend knows how to expose the input as the relation ``crm_raw``, run a query, keep a result
as a named table, and hand small results back as pandas frames. Everything else (what the
queries compute) lives in :mod:`crmlab.engines.sql`, written once.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import pandas as pd

from crmlab.engines.sources import InputFiles
from crmlab.engines.sql import compile_sql
from crmlab.errors import CRMLabInputError

__all__ = ["DuckDBBackend", "SparkBackend", "spark_session"]


class DuckDBBackend:
    """Run the summary in an embedded DuckDB database (multi-threaded, out of core).

    Parameters
    ----------
    connection : duckdb.DuckDBPyConnection, optional
        Use this connection (its settings are left alone); default a new in-memory database.
    memory_limit : str, optional
        DuckDB's memory limit for a new connection, e.g. ``"4GB"``; default ``CRMLAB_MEMORY_LIMIT``
        or half of the machine's memory. Beyond it DuckDB spills to ``temp_directory``.
    temp_directory : str, optional
        Folder for spilled data (default: a fresh folder under the system temp folder).
    threads : int, optional
        Threads for a new connection (default: DuckDB's, all cores).
    """

    dialect = "duckdb"
    name = "duckdb"

    def __init__(
        self,
        connection: Any = None,
        *,
        memory_limit: str | None = None,
        temp_directory: str | None = None,
        threads: int | None = None,
    ) -> None:
        import duckdb

        self.own_connection = connection is None
        if connection is None:
            connection = duckdb.connect()
            limit = memory_limit or os.environ.get("CRMLAB_MEMORY_LIMIT") or _half_memory()
            if limit:
                connection.execute(f"SET memory_limit = '{limit}'")
            self._tmp = temp_directory or tempfile.mkdtemp(prefix="crmlab-duckdb-")
            connection.execute(f"SET temp_directory = '{self._tmp}'")
            connection.execute("SET preserve_insertion_order = false")
            if threads:
                connection.execute(f"SET threads = {int(threads)}")
        self.con = connection

    # -- input ---------------------------------------------------------------------------------
    def read_files(self, files: InputFiles, *, text_columns: list[str], file_col: str) -> None:
        """Expose ``files`` as ``crm_raw`` with each row's file name in ``file_col``.

        ``text_columns`` are read as text from CSV files (ids keep their leading zeros).
        """
        paths = "[" + ", ".join(_sql_str(p) for p in files.paths) + "]"
        if files.format == "parquet":
            query = (
                f"SELECT * FROM read_parquet({paths}, union_by_name = true, "
                f"filename = {_sql_str(file_col)})"
            )
        else:
            types = ", ".join(f"{_sql_str(c)}: 'VARCHAR'" for c in text_columns)
            query = (
                f"SELECT * FROM read_csv({paths}, header = true, union_by_name = true, "
                f"filename = {_sql_str(file_col)}, types = {{{types}}})"
            )
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW crm_raw AS {query}")

    def read_frame(self, frame: pd.DataFrame) -> None:
        """Expose a pandas frame as ``crm_raw``."""
        self.register("crm_raw", frame)

    def read_table(self, relation: Any) -> None:
        """Expose a DuckDB relation, or the name of a table or view, as ``crm_raw``."""
        if isinstance(relation, str):
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW crm_raw AS SELECT * FROM {relation}")
        else:
            self.register("crm_raw", relation)

    def columns(self, name: str) -> list[str]:
        """Column names of a relation."""
        return list(self.con.sql(f"SELECT * FROM {name} LIMIT 0").columns)

    def holds_instants(self, name: str, column: str) -> bool:
        """Whether ``column`` of ``name`` is a ``TIMESTAMP WITH TIME ZONE`` (any precision)."""
        rows = self.con.sql(f"DESCRIBE SELECT * FROM {name}").fetchall()
        types = {row[0]: str(row[1]).upper() for row in rows}
        kind = types.get(column, "")
        return kind.startswith("TIMESTAMPTZ") or "WITH TIME ZONE" in kind

    # -- queries -------------------------------------------------------------------------------
    def register(self, name: str, frame: Any) -> None:
        """Make a pandas frame, Arrow table or DuckDB relation queryable as ``name``."""
        self.con.register(f"{name}__src", frame)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}__src")

    def view(self, name: str, sql: str) -> None:
        """Define ``name`` as a view of ``sql`` (evaluated when used)."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def table(self, name: str, sql: str) -> None:
        """Compute ``sql`` once and keep it as the table ``name``."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def frame(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and return the (small) result as a pandas frame."""
        return self.con.sql(sql).df()

    def arrow_batches(self, sql: str, rows: int = 1_000_000) -> Iterator[Any]:
        """Run ``sql`` and yield its result as Arrow record batches of at most ``rows`` rows."""
        yield from self.con.sql(sql).to_arrow_reader(rows)

    def close(self) -> None:
        """Close the connection if this backend opened it."""
        if self.own_connection:
            self.con.close()


def _sql_str(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _half_memory() -> str | None:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    return f"{max(1, int(total / 2**30 / 2))}GB"


def spark_session(master: str | None = None) -> Any:
    """The active Spark session, or a new one.

    With ``SPARK_REMOTE`` set (Spark Connect), an active session, or under ``spark-submit``
    (which sets the master), that session is used.
    Otherwise a session is started on ``master`` (default ``local[*]``) with the web UI off,
    few shuffle partitions, UTC as its time zone and this Python (``PYSPARK_PYTHON`` if set)
    for its workers.

    Raises
    ------
    CRMLabInputError
        If PySpark is not installed or Java is missing, with how to install them.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise CRMLabInputError(
            "engine='spark' needs PySpark. Fix: pip install 'crmlab[spark]' (and Java 17, e.g. "
            "apt-get install openjdk-17-jre-headless)."
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    builder = SparkSession.builder
    if os.environ.get("SPARK_REMOTE") and master is None:
        return builder.getOrCreate()
    # Python workers must run this Python (with crmlab, pandas and pyarrow installed)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master is None and "PYSPARK_GATEWAY_PORT" in os.environ:
        return builder.appName("crmlab").getOrCreate()  # under spark-submit: its master
    try:
        return (
            builder.master(master or "local[*]")
            .appName("crmlab")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get("CRMLAB_SPARK_PARTITIONS", "8"))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
    except Exception as exc:  # Java missing or failing to start
        raise CRMLabInputError(
            f"could not start Spark ({type(exc).__name__}: {str(exc)[:200]}). Fix: install Java "
            "17 (apt-get install openjdk-17-jre-headless) and set JAVA_HOME, or pass "
            "--spark-master URL / SPARK_REMOTE to use an existing cluster."
        ) from None


class SparkBackend:
    """Run the summary on Apache Spark (a local session, a cluster, or Spark Connect).

    Parameters
    ----------
    session : SparkSession, optional
        The session to use; default :func:`spark_session` (``master`` picks the cluster).
    master : str, optional
        Spark master URL for a new session, e.g. ``"spark://host:7077"`` or ``"local[4]"``.
    """

    dialect = "spark"
    name = "spark"

    def __init__(self, session: Any = None, *, master: str | None = None) -> None:
        self.spark = session if session is not None else spark_session(master)
        self._cached: dict[str, Any] = {}

    def read_files(self, files: InputFiles, *, text_columns: list[str], file_col: str) -> None:
        """Expose ``files`` as ``crm_raw`` (CSV columns are read as text and cast in SQL)."""
        from pyspark.sql.functions import input_file_name

        paths = [str(p) for p in files.paths]
        reader = self.spark.read
        if files.format == "parquet":
            df = reader.option("mergeSchema", "true").parquet(*paths)
        else:
            df = reader.option("header", "true").csv(paths)
        df.withColumn(file_col, input_file_name()).createOrReplaceTempView("crm_raw")

    def read_frame(self, frame: pd.DataFrame) -> None:
        """Expose a pandas frame as ``crm_raw``."""
        self.spark.createDataFrame(frame).createOrReplaceTempView("crm_raw")

    def read_table(self, relation: Any) -> None:
        """Expose a Spark DataFrame, or the name of a table, as ``crm_raw``."""
        df = self.spark.table(relation) if isinstance(relation, str) else relation
        df.createOrReplaceTempView("crm_raw")

    def columns(self, name: str) -> list[str]:
        """Column names of a relation."""
        return list(self.spark.table(name).columns)

    def holds_instants(self, name: str, column: str) -> bool:
        """Whether ``column`` of ``name`` is a Spark ``TimestampType`` (instants, not wall clock)."""
        from pyspark.sql.types import TimestampType

        fields = {f.name: f.dataType for f in self.spark.table(name).schema.fields}
        return isinstance(fields.get(column), TimestampType)

    def register(self, name: str, frame: Any) -> None:
        """Make a pandas frame queryable as ``name``."""
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def dataframe(self, sql: str) -> Any:
        """The Spark DataFrame of ``sql`` (DuckDB dialect, transpiled)."""
        return self.spark.sql(compile_sql(sql, "spark"))

    def view(self, name: str, sql: str) -> None:
        """Define ``name`` as a view of ``sql``."""
        self.dataframe(sql).createOrReplaceTempView(name)

    def table(self, name: str, sql: str) -> None:
        """Compute ``sql`` once (cached, spilling to disk) and keep it as ``name``."""
        from pyspark import StorageLevel

        old = self._cached.pop(name, None)
        df = self.dataframe(sql).persist(StorageLevel.MEMORY_AND_DISK)
        df.createOrReplaceTempView(name)
        self._cached[name] = df
        if old is not None:
            old.unpersist()

    def frame(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and return the (small) result as a pandas frame."""
        return self.dataframe(sql).toPandas()

    def close(self) -> None:
        """Release cached tables (the session stays up for reuse)."""
        for df in self._cached.values():
            df.unpersist()
        self._cached.clear()
