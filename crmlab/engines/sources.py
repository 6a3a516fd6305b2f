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

__all__ = [
    "InputFiles",
    "resolve_files",
    "source_manifest",
    "file_manifest",
    "parquet_zone",
    "sha256_of",
    "literal_paths",
    "probe_files",
    "refuse_duplicate_columns",
]

#: Characters DuckDB or Spark (Hadoop) read as a pattern or a separator in a path.
_PATTERN_CHARS = frozenset("*?[]{}\\,:")

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

    A path that exists is read as that file (or folder), whatever characters it holds
    (``"sales [2023].csv"`` is that file); only an argument that is not an existing path is
    expanded as a pattern. To match a literal ``*``, ``?`` or ``[`` in a pattern, wrap it in
    brackets: ``"sales [[]2023].csv"``.

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


def source_manifest(source: object) -> list[dict]:
    """What ``model.json`` records of an input: each file read, or a fingerprint of a frame.

    Paths, globs and folders give one :func:`file_manifest` record per file read; a pandas
    frame gives its row count and the sha256 of its rows; anything else its type.
    """
    import pandas as pd

    if isinstance(source, str | Path | list | tuple):
        return file_manifest(resolve_files(source))
    if isinstance(source, pd.DataFrame):
        rows = pd.util.hash_pandas_object(source, index=False).to_numpy().tobytes()
        digest = hashlib.sha256(rows).hexdigest()
        return [{"path": "<pandas DataFrame>", "rows": len(source), "sha256": digest}]
    return [{"path": f"<{type(source).__name__}>"}]


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


def literal_paths(files: InputFiles, folder: Path) -> list[str]:
    """Paths an engine can read as they are: names holding pattern characters are linked.

    DuckDB and Spark expand ``*``, ``?``, ``[...]`` and ``{...}`` in every path they are given,
    so ``"sales [2023].csv"`` would read ``"sales 2.csv"``. Such a file is given to the engine
    as a symbolic link in ``folder`` (same extension, pattern characters replaced by ``_``).
    """
    out = []
    for i, p in enumerate(files.paths):
        text = str(p)
        if not isinstance(p, Path) or not (_PATTERN_CHARS & set(text)):
            out.append(text)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        name = "".join("_" if ch in _PATTERN_CHARS else ch for ch in p.name)
        link = folder / f"{i:04d}_{name}"
        if not link.exists():
            link.symlink_to(p)
        out.append(str(link))
    return out


#: Leading bytes of files that are not CSV text: (kind, the name's ending that fits, advice).
_MAGIC = {
    b"\x1f\x8b": ("gzip", ".gz", ".csv.gz"),
    b"(\xb5/\xfd": ("zstd", ".zst", ".csv.zst"),
    b"BZh": ("bzip2", ".bz2", ".csv.bz2"),
    b"PK\x03\x04": ("zip", "\0", ".zip (unzip it)"),
    b"PAR1": ("Parquet", "\0", ".parquet"),
}


def _csv_head(path: Path, size: int = 1 << 16) -> bytes:
    """The first ``size`` bytes of a CSV file's text (decompressed when its name says so)."""
    import bz2
    import gzip

    name = path.name.lower()
    if name.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.read(size)
    if name.endswith(".bz2"):
        with bz2.open(path, "rb") as fh:
            return fh.read(size)
    if name.endswith(".zst"):
        return b""  # left to DuckDB
    with open(path, "rb") as fh:
        return fh.read(size)


def refuse_duplicate_columns(names: Sequence[str], where: str) -> None:
    """Refuse an input whose header names a column twice (which one would be read?)."""
    seen: set[str] = set()
    twice = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if twice:
        raise CRMLabInputError(
            f"{where} names the column(s) {', '.join(map(repr, dict.fromkeys(twice)))} more "
            "than once; crmlab would not know which one to read. Fix: rename one of them."
        )


def probe_files(files: InputFiles) -> set[str]:
    """Refuse, with the file and the fix, inputs the engines would fail on with a traceback.

    Each local CSV file must be non-empty UTF-8 text (not compressed bytes under a ``.csv``
    name) and each file's header must name every column once. Returns the column names seen.
    """
    import csv

    seen: set[str] = set()
    for p in files.paths:
        if not isinstance(p, Path):
            continue
        where = f"input file {str(p)!r}"
        if p.stat().st_size == 0:
            raise CRMLabInputError(
                f"{where} is empty (0 bytes). Fix: export the orders again, or leave it out."
            )
        if files.format == "parquet":
            import pyarrow.parquet as pq

            try:
                names = pq.read_schema(p).names
            except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same advice
                raise CRMLabInputError(
                    f"{where} is not a readable Parquet file ({type(exc).__name__}: "
                    f"{str(exc)[:120]}). Fix: write it again, or check the extension."
                ) from None
            refuse_duplicate_columns(names, where)
            seen.update(names)
            continue
        with open(p, "rb") as fh:
            magic = fh.read(4)
        for sig, (kind, fits, ext) in _MAGIC.items():
            if magic.startswith(sig) and not p.name.lower().endswith(fits):
                raise CRMLabInputError(
                    f"{where} holds {kind} bytes, not CSV text. Fix: name it with its real "
                    f"extension {ext}, or decompress it first."
                )
        try:
            head = _csv_head(p)
        except OSError as exc:
            raise CRMLabInputError(
                f"{where} cannot be decompressed ({exc}). Fix: check the file, or its extension."
            ) from None
        if not head:
            continue
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not a character cut at the end of the block
                line = head[: exc.start].count(b"\n") + 1
                raise CRMLabInputError(
                    f"{where} is not UTF-8 text (byte 0x{head[exc.start]:02x} on line {line}; "
                    "Latin-1 or Windows-1252?). Fix: save it as UTF-8, e.g. "
                    "iconv -f latin1 -t utf-8 old.csv > new.csv."
                ) from None
            text = head[: exc.start].decode("utf-8")
        first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
        if not first:
            raise CRMLabInputError(f"{where} has no header line. Fix: export it with a header.")
        try:
            dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
            names = next(csv.reader([first], dialect))
        except csv.Error:
            names = next(csv.reader([first]))
        refuse_duplicate_columns([n.strip() for n in names], where)
        seen.update(n.strip() for n in names)
    return seen
