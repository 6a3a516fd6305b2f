"""The one engine interface: what every backend of :data:`crmlab.engines.ENGINES` does.

A backend exposes the input as the relation ``crm_raw``, runs the SQL of
:mod:`crmlab.engines.sql` (written once in DuckDB's dialect; a backend with another
``dialect`` gets it transpiled by SQLGlot), keeps results as named tables, hands small results
back as pandas frames and large ones as Arrow record batches, writes Parquet, and runs the scoring
join (customers joined to their pattern's scores, scored chunk by chunk, written to Parquet).

A new engine is one subclass of :class:`Backend` and one entry in
:data:`crmlab.engines.ENGINES`; ``summarize``, ``analyze``, the ``crmlab analyze --engine``
choices and their help text all read that registry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

    from crmlab.engines.memory import MemoryBudget
    from crmlab.engines.sources import InputFiles
    from crmlab.engines.summary import SummaryRequest, TransactionSummary

__all__ = ["Backend", "ScoreFunction"]

#: Scores a chunk of customers joined to their pattern's scores (see
#: :func:`crmlab.research.scoring.score_batch`); a ``customer`` column, when the chunk has one,
#: comes back first under the output's id name.
ScoreFunction = Callable[[pd.DataFrame], pd.DataFrame]


class Backend(ABC):
    """Base class of the engines: one backend holds one session's relations.

    Subclasses set :attr:`name`, :attr:`help` and :attr:`dialect` and implement the abstract
    methods; :meth:`write_scores` (Arrow batches scored and appended to one Parquet file) works
    for any backend that does, and may be replaced by a faster one. Engines that run the one
    SQL summary derive from :class:`crmlab.engines.summary.SQLBackend`.
    """

    #: The name users pass as ``engine=`` / ``--engine``.
    name: ClassVar[str]
    #: One line for the CLI help and the docs.
    help: ClassVar[str]
    #: The SQL dialect queries are compiled to (:func:`crmlab.engines.sql.compile_sql`).
    dialect: ClassVar[str] = "duckdb"

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    @abstractmethod
    def open(
        cls,
        *,
        connection: Any = None,
        spark: Any = None,
        spark_master: str | None = None,
        budget: MemoryBudget | None = None,
    ) -> Backend:
        """A backend for one summary; a backend uses the options meant for it and ignores others.

        ``budget`` is the run's memory budget (:mod:`crmlab.engines.memory`); an engine that
        starts its own database or session gives it the engine's share.
        """

    @classmethod
    def owns(cls, source: Any) -> bool:
        """Whether ``source`` lives on this engine (a Spark DataFrame lives on Spark)."""
        return False

    # -- the summary ---------------------------------------------------------------------------
    @abstractmethod
    def summarize(self, source: Any, request: SummaryRequest) -> TransactionSummary:
        """Read ``source``, check it and build ``crm_tx``, ``crm_customers`` and ``crm_summary``.

        Engines that run the SQL of :mod:`crmlab.engines.sql` inherit it from
        :class:`crmlab.engines.summary.SQLBackend`.
        """

    # -- input ---------------------------------------------------------------------------------
    @abstractmethod
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
        ``same_header``: every file was checked to have the same header
        (:mod:`crmlab.engines.headers`), so columns need not be matched by name.
        """

    @abstractmethod
    def read_frame(self, frame: pd.DataFrame) -> None:
        """Expose a pandas frame as ``crm_raw``."""

    @abstractmethod
    def read_table(self, relation: Any) -> None:
        """Expose a relation of this engine, or the name of one of its tables, as ``crm_raw``."""

    def has_tables(self) -> bool:
        """Whether a string source may name a table of this backend (a connection the user gave)."""
        return False

    @abstractmethod
    def columns(self, name: str) -> list[str]:
        """Column names of a relation."""

    @abstractmethod
    def holds_instants(self, name: str, column: str) -> bool:
        """Whether ``column`` of ``name`` holds zone-aware instants rather than wall-clock times."""

    def column_type(self, name: str, column: str) -> str:
        """The SQL type of ``column`` of ``name``, upper case (``"DOUBLE"``, ``"VARCHAR"``)."""
        from crmlab.engines.sql import quote

        out = self.frame(f"SELECT TYPEOF({quote(column)}) AS t FROM {quote(name)} LIMIT 1")
        return str(out["t"].iloc[0]).upper() if len(out) else ""

    # -- queries -------------------------------------------------------------------------------
    @abstractmethod
    def register(self, name: str, frame: Any) -> None:
        """Make a pandas frame queryable as ``name``."""

    @abstractmethod
    def view(self, name: str, sql: str) -> None:
        """Define ``name`` as a view of ``sql`` (evaluated when used)."""

    @abstractmethod
    def table(self, name: str, sql: str) -> None:
        """Compute ``sql`` once and keep it as the table ``name``."""

    @abstractmethod
    def frame(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and return the (small) result as a pandas frame."""

    @abstractmethod
    def arrow_batches(self, sql: str, rows: int = 1_000_000) -> Iterator[pa.RecordBatch]:
        """Run ``sql`` and yield its result as Arrow record batches of at most ``rows`` rows."""

    def query_progress(self) -> float | None:
        """How far the running query is, in percent (``None``: this engine does not say)."""
        return None

    # -- output --------------------------------------------------------------------------------
    @abstractmethod
    def write_parquet(self, sql: str, path: Path) -> Path:
        """Write the result of ``sql`` to Parquet at ``path`` (a file or a folder of parts)."""

    def write_scores(
        self, score: ScoreFunction, path: Path, *, id_col: str, order: bool, rows: int = 500_000
    ) -> Path:
        """Run the scoring join, score it chunk by chunk with ``score`` and write ``path``.

        The join is :func:`crmlab.engines.sql.scoring_sql` (``crm_summary`` with
        ``crm_pattern_scores``). Ids pass through as Arrow, never as Python strings, and come
        first under the name ``id_col``; ``order`` sorts by id.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        from crmlab.engines.sql import scoring_sql

        writer = None
        try:
            for batch in self.arrow_batches(scoring_sql(order), rows):
                ids = batch.column(batch.schema.get_field_index("customer"))
                rest = pa.Table.from_batches([batch]).drop_columns(["customer"]).to_pandas()
                table = pa.Table.from_pandas(score(rest), preserve_index=False)
                table = table.add_column(0, id_col, ids)
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
        return path

    def close(self) -> None:  # noqa: B027 - engines without resources keep this
        """Release what this backend opened (connections, cached tables)."""
