"""The memory budget of a run: ``--memory-limit`` parsed, checked and shared out.

One number bounds the whole process. The engine gets most of it (DuckDB's ``memory_limit``,
beyond which it spills to disk; a local Spark session's driver memory); the rest is the Python
side's: the chunks of customers scored in pandas are sized from it, so the process's peak
resident memory stays near the budget whatever the number of customers.

The default is the smaller of half the machine's memory and 8 GB; ``CRMLAB_MEMORY_LIMIT`` in the
environment replaces that default (an explicit ``memory_limit=`` replaces both).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass

from crmlab.errors import CRMLabInputError

__all__ = [
    "MemoryBudget",
    "default_memory_limit",
    "format_bytes",
    "parse_memory_limit",
    "peak_rss_bytes",
]

#: Environment variable giving the default budget (e.g. ``4GB``).
ENV_VAR = "CRMLAB_MEMORY_LIMIT"
#: The smallest budget accepted: the interpreter with pandas, Arrow and DuckDB loaded needs it.
MIN_BYTES = 512 * 2**20
#: Upper end of the default budget.
DEFAULT_CAP = 8 * 10**9
#: Share of the budget given to the engine; the rest is Python's (interpreter, chunks, tables).
ENGINE_SHARE = 0.6
#: Python memory one customer row of a scoring chunk takes, with its copies (measured bound).
BYTES_PER_SCORED_ROW = 2_000

_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "K": 2**10,
    "M": 2**20,
    "G": 2**30,
    "T": 2**40,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*$")


def parse_memory_limit(value: str | int | float, *, name: str = "memory_limit") -> int:
    """The budget ``value`` in bytes: ``"4GB"``, ``"4 GiB"``, ``"512MB"``, ``"6g"`` or bytes.

    ``KB``/``MB``/``GB``/``TB`` are powers of 1000 (as DuckDB reads them); ``KiB``..``TiB`` and
    the one-letter ``K``/``M``/``G``/``T`` (as Java reads them) are powers of 1024.

    Raises
    ------
    CRMLabInputError
        For text that is not a size, a unit not listed above, or less than 512 MiB; the message
        names ``name``, the value and the fix.
    """
    fix = f"Fix: write the budget as a number and a unit, e.g. {name}='4GB' (--memory-limit 4GB)."
    if isinstance(value, bool):
        raise CRMLabInputError(f"{name} must be a size such as '4GB', got {value!r}. {fix}")
    if isinstance(value, int | float):
        number, unit = float(value), ""
    else:
        match = _PATTERN.match(str(value))
        if match is None:
            raise CRMLabInputError(f"{name} must be a size such as '4GB', got {value!r}. {fix}")
        number, unit = float(match.group(1)), match.group(2).upper()
        if unit not in _UNITS:
            raise CRMLabInputError(
                f"{name} {value!r}: unknown unit {match.group(2)!r} (use B, KB, MB, GB, TB, or "
                f"KiB, MiB, GiB, TiB). {fix}"
            )
    size = int(number * _UNITS[unit])
    if not size >= MIN_BYTES:  # also refuses NaN
        raise CRMLabInputError(
            f"{name} {value!r} is {format_bytes(size)}, below the {format_bytes(MIN_BYTES)} the "
            f"process needs with pandas, Arrow and the engine loaded. {fix}"
        )
    return size


def total_memory() -> int | None:
    """The machine's physical memory in bytes (``None`` where the platform does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_limit() -> int:
    """The smaller of half the machine's memory and 8 GB (8 GB where the total is unknown)."""
    total = total_memory()
    return DEFAULT_CAP if total is None else max(MIN_BYTES, min(total // 2, DEFAULT_CAP))


def format_bytes(size: float) -> str:
    """``size`` bytes for people: ``"4.0 GB"``, ``"512 MB"`` (powers of 1000)."""
    if size >= 10**9:
        return f"{size / 10**9:.1f} GB"
    return f"{size / 10**6:.0f} MB"


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (``ru_maxrss``; 0 where unavailable)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # kB on Linux, bytes on macOS


@dataclass(frozen=True)
class MemoryBudget:
    """A run's memory budget and how it is shared between the engine and Python.

    Parameters
    ----------
    total : int
        The whole process's budget in bytes.
    source : str
        Where it came from: ``"memory_limit"``, ``"CRMLAB_MEMORY_LIMIT"`` or ``"default"``.
    """

    total: int
    source: str

    @classmethod
    def resolve(cls, value: str | int | float | None = None) -> MemoryBudget:
        """The budget ``value``, else ``CRMLAB_MEMORY_LIMIT``, else :func:`default_memory_limit`."""
        if value is not None:
            return cls(parse_memory_limit(value), "memory_limit")
        env = os.environ.get(ENV_VAR)
        if env:
            return cls(parse_memory_limit(env, name=ENV_VAR), ENV_VAR)
        return cls(default_memory_limit(), "default")

    @property
    def engine_bytes(self) -> int:
        """The engine's share (DuckDB's ``memory_limit``, Spark's local driver memory)."""
        return int(self.total * ENGINE_SHARE)

    @property
    def duckdb_setting(self) -> str:
        """The engine's share as DuckDB reads it, e.g. ``"2457MiB"``."""
        return f"{self.engine_bytes // 2**20}MiB"

    @property
    def spark_setting(self) -> str:
        """The engine's share as Spark reads it, e.g. ``"2457m"``."""
        return f"{self.engine_bytes // 2**20}m"

    @property
    def chunk_rows(self) -> int:
        """Customers per scoring chunk: a fifth of Python's share, 50,000 to 1,000,000 rows."""
        python_share = self.total - self.engine_bytes
        return int(min(1_000_000, max(50_000, python_share // 5 // BYTES_PER_SCORED_ROW)))

    def to_dict(self) -> dict:
        """What ``model.json`` records under ``memory``."""
        return {
            "limit_bytes": self.total,
            "limit": format_bytes(self.total),
            "source": self.source,
            "engine_bytes": self.engine_bytes,
            "chunk_rows": self.chunk_rows,
        }

    def describe(self) -> str:
        """One line for the progress output."""
        return (
            f"memory limit {format_bytes(self.total)} ({self.source}): engine "
            f"{format_bytes(self.engine_bytes)}, scoring in chunks of {self.chunk_rows:,} customers"
        )
