"""The Spark engine: the same SQL transpiled to Spark SQL, on a local session or a cluster.

Scores are computed on the executors (``mapInPandas``) and written by Spark as a folder of
Parquet parts, so no step collects the customers on the driver.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from crmlab.engines.backend import ScoreFunction
from crmlab.engines.sources import literal_paths
from crmlab.engines.sql import compile_sql
from crmlab.engines.summary import SQLBackend
from crmlab.errors import CRMLabInputError

if TYPE_CHECKING:
    import pyarrow as pa

    from crmlab.engines.memory import MemoryBudget
    from crmlab.engines.sources import InputFiles

__all__ = ["SparkBackend", "spark_session"]


def spark_session(master: str | None = None, *, driver_memory: str | None = None) -> Any:
    """The active Spark session, or a new one.

    With ``SPARK_REMOTE`` set (Spark Connect), an active session, or under ``spark-submit``
    (which sets the master), that session is used.
    Otherwise a session is started on ``master`` (default ``local[*]``) with the web UI off,
    few shuffle partitions, UTC as its time zone and this Python (``PYSPARK_PYTHON`` if set)
    for its workers; ``driver_memory`` (e.g. ``"2457m"``) sizes a new local session, where the
    driver runs every task. Its log level is ``CRMLAB_SPARK_LOG_LEVEL`` (default ``ERROR``:
    Spark's warnings, such as ``WindowExec``'s about windows without partitions, are not
    progress); any session gets :func:`quiet_window_warnings`.

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
        return quiet_window_warnings(active)
    builder = SparkSession.builder
    if os.environ.get("SPARK_REMOTE") and master is None:
        return builder.getOrCreate()
    # Python workers must run this Python (with crmlab, pandas and pyarrow installed)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master is None and "PYSPARK_GATEWAY_PORT" in os.environ:
        return quiet_window_warnings(builder.appName("crmlab").getOrCreate())  # spark-submit's
    master = master or "local[*]"
    if driver_memory and master.startswith("local"):
        builder = builder.config("spark.driver.memory", driver_memory)
    try:
        session = (
            builder.master(master)
            .appName("crmlab")
            .config("spark.log.level", os.environ.get("CRMLAB_SPARK_LOG_LEVEL", "ERROR"))
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
    return quiet_window_warnings(session)


def quiet_window_warnings(session: Any) -> Any:
    """Log only errors from Spark's ``WindowExec`` (its warning about windows without partitions).

    The summary's window over all customers (ranks for the Gini and the Lorenz curve) is meant
    to run in one partition; the warning would repeat at every run. Only that logger changes;
    on Spark Connect (no JVM here) nothing does. Returns ``session``.
    """
    try:
        jvm = session.sparkContext._jvm
        level = jvm.org.apache.logging.log4j.Level.ERROR
        jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
            "org.apache.spark.sql.execution.window.WindowExec", level
        )
    except Exception:  # noqa: BLE001, S110 - Spark Connect or another logging backend
        pass
    return session


class SparkBackend(SQLBackend):
    """Run the summary on Apache Spark (a local session, a cluster, or Spark Connect).

    Parameters
    ----------
    session : SparkSession, optional
        The session to use; default :func:`spark_session` (``master`` picks the cluster).
    master : str, optional
        Spark master URL for a new session, e.g. ``"spark://host:7077"`` or ``"local[4]"``.
    """

    name = "spark"
    help = "Apache Spark: a local session, a cluster (--spark-master) or Spark Connect"
    dialect = "spark"

    def __init__(
        self, session: Any = None, *, master: str | None = None, driver_memory: str | None = None
    ) -> None:
        self.spark = (
            quiet_window_warnings(session)
            if session is not None
            else spark_session(master, driver_memory=driver_memory)
        )
        self._cached: dict[str, Any] = {}
        self._links: Path | None = None

    @classmethod
    def open(
        cls,
        *,
        connection: Any = None,
        spark: Any = None,
        spark_master: str | None = None,
        budget: MemoryBudget | None = None,
    ) -> SparkBackend:
        """A backend on ``spark`` (default the active session, or a new one on ``spark_master``).

        A new local session's driver gets the engine's share of ``budget``.
        """
        memory = None if budget is None else budget.spark_setting
        return cls(spark, master=spark_master, driver_memory=memory)

    @classmethod
    def owns(cls, source: Any) -> bool:
        """A Spark DataFrame lives on Spark."""
        return type(source).__module__.startswith("pyspark")

    def read_files(
        self,
        files: InputFiles,
        *,
        text_columns: list[str],
        file_col: str,
        same_header: bool = False,
    ) -> None:
        """Expose ``files`` as ``crm_raw`` (CSV columns are read as text and cast in SQL)."""
        from pyspark.sql.functions import input_file_name

        if self._links is None:
            self._links = Path(tempfile.mkdtemp(prefix="crmlab-inputs-"))
        paths = literal_paths(files, self._links)
        reader = self.spark.read
        if files.format == "parquet":
            df = reader.option("mergeSchema", "true").parquet(*paths)
        else:
            # RFC 4180 quoting, as DuckDB and pandas read it: "" inside quotes is one "
            df = reader.option("header", "true").option("escape", '"').csv(paths)
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

    def arrow_batches(self, sql: str, rows: int = 1_000_000) -> Iterator[pa.RecordBatch]:
        """Run ``sql`` and yield its result as Arrow batches, one partition at a time on the driver."""
        import pyarrow as pa

        df = self.dataframe(sql)
        chunk: list[dict] = []
        for row in df.toLocalIterator():
            chunk.append(row.asDict())
            if len(chunk) >= rows:
                yield pa.RecordBatch.from_pylist(chunk)
                chunk = []
        if chunk:
            yield pa.RecordBatch.from_pylist(chunk)

    def write_parquet(self, sql: str, path: Path) -> Path:
        """Write the result of ``sql`` as a folder of Parquet parts at ``path`` (by the executors)."""
        self.dataframe(sql).write.mode("overwrite").parquet(str(path))
        return path

    def write_scores(
        self, score: ScoreFunction, path: Path, *, id_col: str, order: bool, rows: int = 500_000
    ) -> Path:
        """Score on the executors (``mapInPandas``) and let Spark write the Parquet parts.

        The pattern scores are broadcast to the executors; ``order`` is ignored (the parts are
        written in parallel).
        """
        from pyspark.sql.functions import broadcast

        customers = self.dataframe("SELECT * FROM crm_summary")
        scores = self.spark.table("crm_pattern_scores")
        joined = customers.join(broadcast(scores), ["frequency", "recency_days", "T_days"])
        schema = self.spark.createDataFrame(score(joined.limit(1).toPandas())).schema

        def fn(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for b in batches:
                yield score(b)

        joined.mapInPandas(fn, schema=schema).write.mode("overwrite").parquet(str(path))
        return path

    def close(self) -> None:
        """Release cached tables (the session stays up for reuse)."""
        for df in self._cached.values():
            df.unpersist()
        self._cached.clear()
        if self._links is not None:
            import shutil

            shutil.rmtree(self._links, ignore_errors=True)
            self._links = None
