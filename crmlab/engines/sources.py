"""Where a transaction log comes from: files, globs and folders of CSV / Parquet, or a frame.

:func:`resolve_files` turns what a user typed (one or more paths, globs or folders) into a sorted
list of files of one format, and :func:`file_manifest` records each file's size and sha256 so
that a report can say exactly which data it describes.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crmlab.errors import CRMLabInputError

__all__ = ["InputFiles", "resolve_files", "file_manifest", "parquet_zone", "sha256_of"]

_PARQUET = (".parquet", ".parq", ".pq")
_CSV = (".csv", ".csv.gz", ".csv.zst", ".csv.bz2", ".txt", ".txt.gz", ".tsv", ".tsv.gz")


@dataclass(frozen=True)
class InputFiles:
    """A resolved list of input files, all of one ``format`` ("parquet" or "csv")."""

    paths: tuple  # Path objects, or URL strings (hdfs://, s3a://) for Spark
    format: str


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(_PARQUET):
        return "parquet"
    if name.endswith(_CSV):
        return "csv"
    return None


def resolve_files(source: str | Path | Sequence[str | Path]) -> InputFiles:
    """Expand paths, globs and folders into the list of CSV or Parquet files they name.

    Parameters
    ----------
    source : str, Path or sequence of them
        A file, a glob such as ``"orders/*.parquet"``, or a folder (every CSV / Parquet file in
        it, recursively).

    Returns
    -------
    InputFiles
        The files, sorted, and their common format.

    Raises
    ------
    CRMLabInputError
        If nothing matches, a file has an unknown extension, or CSV and Parquet are mixed.
    """
    items = [source] if isinstance(source, str | Path) else list(source)
    if not items:
        raise CRMLabInputError("no input given. Fix: name a file, a glob or a folder of orders.")
    remote = [str(i) for i in items if "://" in str(i)]
    if remote:  # hdfs://, s3a://, ...: left to the engine (Spark) to list and read
        remote_kinds = {_kind(Path(r.rstrip("/*"))) or _kind(Path(r)) for r in remote}
        kind = next(iter(remote_kinds)) if len(remote_kinds) == 1 else None
        if kind is None or len(remote) != len(items):
            raise CRMLabInputError(
                f"remote inputs {remote[:2]} must all be CSV or all Parquet, named with their "
                "extension (e.g. 'hdfs:///orders/*.parquet'), and not mixed with local files."
            )
        return InputFiles(paths=tuple(remote), format=kind)
    found: list[Path] = []
    for item in items:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p))
            if not inside:
                raise CRMLabInputError(
                    f"folder {text!r} holds no CSV or Parquet files. Fix: point at the folder "
                    "that holds the order files (.csv, .csv.gz, .parquet)."
                )
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not matches:
                raise CRMLabInputError(
                    f"input {text!r} is not a file or folder and matches no file. Fix: check "
                    "the path (quote globs such as 'orders/*.parquet' so the shell passes them on)."
                )
            found.extend(matches)
    kinds: dict[str, Path] = {}
    for p in found:
        kind = _kind(p)
        if kind is None:
            raise CRMLabInputError(
                f"input file {str(p)!r} is neither CSV ({', '.join(_CSV)}) nor Parquet "
                f"({', '.join(_PARQUET)}). Fix: convert it, or give it the right extension."
            )
        kinds.setdefault(kind, p)
    if len(kinds) > 1:
        raise CRMLabInputError(
            f"inputs mix CSV ({str(kinds['csv'])!r}) and Parquet ({str(kinds['parquet'])!r}) "
            "files. Fix: analyse one format at a time, or convert the CSV files to Parquet."
        )
    unique = tuple(dict.fromkeys(p.resolve() for p in found))
    return InputFiles(paths=tuple(sorted(unique)), format=next(iter(kinds)))


def sha256_of(path: str | Path, chunk: int = 1 << 20) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_manifest(files: InputFiles) -> list[dict]:
    """One record per file: ``path``, ``bytes`` and ``sha256`` (remote inputs: ``path`` only)."""
    return [
        {"path": str(p), "bytes": p.stat().st_size, "sha256": sha256_of(p)}
        if isinstance(p, Path)
        else {"path": str(p)}
        for p in files.paths
    ]


def parquet_zone(files: InputFiles, column: str) -> str:
    """The time zone a Parquet date column was written in, from its first file's schema.

    Parquet keeps zone-aware timestamps as instants and the zone in the Arrow schema
    (``timestamp[ns, tz=Asia/Shanghai]``); pandas reads the zone back, DuckDB does not. This is
    the zone whose wall clock gives the purchase day, as pandas and
    :func:`crmlab.transactions.rfm_summary` read it; ``"UTC"`` when the schema names none.
    """
    import pyarrow.parquet as pq

    first = files.paths[0]
    if files.format != "parquet" or not isinstance(first, Path):
        return "UTC"
    schema = pq.read_schema(first)
    if column not in schema.names:
        return "UTC"
    return getattr(schema.field(column).type, "tz", None) or "UTC"
