"""The DuckDB engine: the summary in an embedded database, multi-threaded and out of core.

Files are read through DuckDB's Python relation API (paths and column names are arguments,
never SQL text); settings are bound as parameters; table names are quoted by SQLGlot.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from crmlab.engines.memory import MemoryBudget
from crmlab.engines.sources import literal_paths
from crmlab.engines.sql import quote, quote_table
from crmlab.engines.summary import SQLBackend

if TYPE_CHECKING:
    import pyarrow as pa

    from crmlab.engines.sources import InputFiles

__all__ = ["DuckDBBackend"]


class DuckDBBackend(SQLBackend):
    """Run the summary in an embedded DuckDB database (multi-threaded, out of core).

    Parameters
    ----------
    connection : duckdb.DuckDBPyConnection, optional
        Use this connection (its settings are left alone); default a new in-memory database.
    memory_limit : str, optional
        DuckDB's own memory limit for a new connection, e.g. ``"4GB"``; default the engine's share
        of ``budget``. Beyond it DuckDB spills to ``temp_directory``.
    budget : MemoryBudget, optional
        The process's memory budget (:mod:`crmlab.engines.memory`); default
        ``CRMLAB_MEMORY_LIMIT``, else the smaller of half the machine's memory and 8 GB.
    temp_directory : str, optional
        Folder for spilled data (default: a fresh folder under the system temp folder).
    threads : int, optional
        Threads for a new connection (default: DuckDB's, all cores).
    """

    name = "duckdb"
    help = "embedded DuckDB (default): CSV / Parquet straight from disk, out of core"
    dialect = "duckdb"

    def __init__(
        self,
        connection: Any = None,
        *,
        memory_limit: str | None = None,
        temp_directory: str | None = None,
        threads: int | None = None,
        budget: MemoryBudget | None = None,
    ) -> None:
        import duckdb

        self.own_connection = connection is None
        if connection is None:
            connection = duckdb.connect()
            limit = memory_limit or (budget or MemoryBudget.resolve()).duckdb_setting
            connection.execute("SET memory_limit = ?", [str(limit)])
            self._tmp = temp_directory or tempfile.mkdtemp(prefix="crmlab-duckdb-")
            connection.execute("SET temp_directory = ?", [str(self._tmp)])
            connection.execute("SET preserve_insertion_order = false")
            # query_progress() for the progress bar; DuckDB itself prints nothing. In a Jupyter
            # kernel DuckDB refuses the setting without ipywidgets: the run then has no bar.
            try:
                connection.execute("SET enable_progress_bar_print = false")
                connection.execute("SET enable_progress_bar = true")
            except duckdb.Error:
                pass
            if threads:
                connection.execute(f"SET threads = {int(threads)}")
        self.con = connection
        self._links: Path | None = None

    @classmethod
    def open(
        cls,
        *,
        connection: Any = None,
        spark: Any = None,
        spark_master: str | None = None,
        budget: MemoryBudget | None = None,
    ) -> DuckDBBackend:
        """A backend on ``connection`` (default a new in-memory database within ``budget``)."""
        return cls(connection, budget=budget)

    # -- input ---------------------------------------------------------------------------------
    def read_files(
        self,
        files: InputFiles,
        *,
        text_columns: list[str],
        file_col: str,
        same_header: bool = False,
    ) -> None:
        """Expose ``files`` as ``crm_raw`` with each row's file name in ``file_col``.

        ``text_columns`` are read as text from CSV files (ids keep their leading zeros).
        ``same_header``: files checked to share one header are read without matching columns
        by name (which sniffs every file: minutes for hundreds of CSV files).
        """
        paths = literal_paths(files, self.links())
        if files.format == "parquet":
            relation = self.con.sql(  # paths and column name bound as parameters
                "SELECT * FROM read_parquet($paths, union_by_name = true, filename = $file_col)",
                params={"paths": paths, "file_col": file_col},
            )
        else:
            relation = self.con.read_csv(
                paths,
                header=True,
                union_by_name=not same_header,
                filename=file_col,
                dtype={c: "VARCHAR" for c in text_columns},
            )
            # parsed once into a (spillable) table: the checks and summary read it several times
            self.register("crm_raw_csv", relation)
            self.table("crm_raw", f"SELECT * FROM {quote('crm_raw_csv')}")
            return
        self.register("crm_raw", relation)

    def read_frame(self, frame: pd.DataFrame) -> None:
        """Expose a pandas frame as ``crm_raw``."""
        self.register("crm_raw", frame)

    def links(self) -> Path:
        """A folder of this backend for links to inputs whose names look like patterns."""
        if self._links is None:
            self._links = Path(tempfile.mkdtemp(prefix="crmlab-inputs-"))
        return self._links

    def read_table(self, relation: Any) -> None:
        """Expose a DuckDB relation, or the name of a table or view, as ``crm_raw``."""
        if isinstance(relation, str):
            self.view("crm_raw", f"SELECT * FROM {quote_table(relation)}")
        else:
            self.register("crm_raw", relation)

    def read_parquet(self, name: str, path: str | Path) -> None:
        """Expose a Parquet file, or a folder of Parquet parts (as Spark writes), as ``name``."""
        import pyarrow.dataset as ds

        path = Path(path)  # read by Arrow: a name such as 'run*x' is not a pattern
        parts = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        self.register(name, ds.dataset([str(p) for p in parts], format="parquet"))

    def has_tables(self) -> bool:
        """Whether names are looked up in the user's connection (one was given)."""
        return not self.own_connection

    def columns(self, name: str) -> list[str]:
        """Column names of a relation."""
        return list(self.con.sql(f"SELECT * FROM {quote(name)} LIMIT 0").columns)

    def holds_instants(self, name: str, column: str) -> bool:
        """Whether ``column`` of ``name`` is a ``TIMESTAMP WITH TIME ZONE`` (any precision)."""
        rows = self.con.sql(f"DESCRIBE SELECT * FROM {quote(name)}").fetchall()
        types = {row[0]: str(row[1]).upper() for row in rows}
        kind = types.get(column, "")
        return kind.startswith("TIMESTAMPTZ") or "WITH TIME ZONE" in kind

    # -- queries -------------------------------------------------------------------------------
    def register(self, name: str, frame: Any) -> None:
        """Make a pandas frame, Arrow table or DuckDB relation queryable as ``name``."""
        self.con.register(f"{name}__src", frame)
        self.view(name, f"SELECT * FROM {quote(name + '__src')}")

    def view(self, name: str, sql: str) -> None:
        """Define ``name`` as a view of ``sql`` (evaluated when used)."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(name)} AS {sql}")

    def table(self, name: str, sql: str) -> None:
        """Compute ``sql`` once and keep it as the table ``name``."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS {sql}")

    def frame(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and return the (small) result as a pandas frame."""
        return self.con.sql(sql).df()

    def arrow_batches(self, sql: str, rows: int = 1_000_000) -> Iterator[pa.RecordBatch]:
        """Run ``sql`` and yield its result as Arrow record batches of at most ``rows`` rows."""
        yield from self.con.sql(sql).to_arrow_reader(rows)

    def query_progress(self) -> float | None:
        """How far the running query is, in percent (DuckDB's estimate; ``None`` when idle)."""
        pct = float(self.con.query_progress())
        return pct if pct >= 0 else None

    # -- output --------------------------------------------------------------------------------
    def write_parquet(self, sql: str, path: Path) -> Path:
        """Write the result of ``sql`` to the Parquet file ``path``."""
        self.con.sql(sql).write_parquet(str(path))
        return path

    def close(self) -> None:
        """Close the connection if this backend opened it; remove its links to inputs."""
        if self.own_connection:
            self.con.close()
        if self._links is not None:
            import shutil

            shutil.rmtree(self._links, ignore_errors=True)
            self._links = None
