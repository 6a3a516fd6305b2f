"""The header of every input file, checked before any data are read.

Reading 305 daily CSV files with ``union_by_name`` makes an engine sniff every file before the
first check can run (over a minute on the Online Retail export); a column that is missing from
one file then surfaced as an engine error. :func:`check_headers` reads only the first line of
each CSV file (the schema footer of each Parquet file), reports a missing column **by file** and,
for Parquet, a column whose type differs between files, and tells the engine whether all files
share one header (then they are read as one table without matching columns by name).
"""

from __future__ import annotations

import bz2
import csv
import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crmlab.engines.sources import InputFiles
from crmlab.errors import CRMLabInputError

__all__ = ["FileHeaders", "read_headers", "check_headers"]

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open}


@dataclass(frozen=True)
class FileHeaders:
    """Column names (and Parquet types) of each input file.

    Attributes
    ----------
    names : dict
        File path -> its column names, in order (None when the header could not be read here,
        e.g. a zstd-compressed CSV or a remote file: the engine then reads it by name).
    types : dict
        File path -> {column: type} for Parquet files (empty for CSV).
    """

    names: dict
    types: dict

    @property
    def columns(self) -> list[str]:
        """Every column name of any file, in first-seen order."""
        seen: dict[str, None] = {}
        for names in self.names.values():
            for n in names or ():
                seen.setdefault(n, None)
        return list(seen)

    @property
    def uniform(self) -> bool:
        """Whether every file was read here and has exactly the same header."""
        headers = list(self.names.values())
        return all(h is not None for h in headers) and all(h == headers[0] for h in headers)


def _csv_header(path: Path) -> list[str] | None:
    opener = _OPENERS.get(path.suffix.lower(), open)
    if path.suffix.lower() not in _OPENERS and path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return None
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:  # type: ignore[operator]
            line = fh.readline()
    except (OSError, UnicodeDecodeError):
        return None
    if not line.strip():
        return []
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    delimiter = max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","
    return [c.strip() for c in next(csv.reader([line], delimiter=delimiter))]


def read_headers(files: InputFiles) -> FileHeaders:
    """The header of every file (first CSV line, or Parquet schema), without reading the data."""
    names: dict = {}
    types: dict = {}
    for p in files.paths:
        if not isinstance(p, Path):  # remote: the engine lists and reads it
            names[p] = None
            continue
        if files.format == "parquet":
            import pyarrow.parquet as pq

            try:
                schema = pq.read_schema(p)
            except Exception as exc:  # pyarrow raises several kinds for a damaged footer
                raise CRMLabInputError(
                    f"file {p.name!r} is not a readable Parquet file ({exc}). Fix: rewrite or "
                    "remove it."
                ) from None
            names[p] = list(schema.names)
            types[p] = {f.name: str(f.type) for f in schema}
        else:
            names[p] = _csv_header(p)
    return FileHeaders(names, types)


def _files_phrase(paths: Sequence, total: int) -> str:
    shown = ", ".join(repr(Path(str(p)).name) for p in paths[:5])
    more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
    return f"{len(paths)} of {total} files ({shown}{more})"


def check_headers(headers: FileHeaders, needed: Sequence[str]) -> None:
    """Raise naming the files that lack a needed column, or where its Parquet type differs.

    Parameters
    ----------
    headers : FileHeaders
        From :func:`read_headers`.
    needed : sequence of str
        Columns every file must have (customer, date, amount and those the expressions read).
    """
    total = len(headers.names)
    for col in dict.fromkeys(needed):
        lacking = [
            p for p, names in headers.names.items() if names is not None and col not in names
        ]
        if lacking:
            example = headers.names[lacking[0]] or []
            close = [c for c in example if c.lower() == col.lower()]
            hint = f" (it has {close[0]!r}: names are case-sensitive)" if close else ""
            raise CRMLabInputError(
                f"column {col!r} is missing from {_files_phrase(lacking, total)}; "
                f"{Path(str(lacking[0])).name!r} has {', '.join(map(repr, example[:12]))}{hint}. "
                "Fix: name the column as the files do (--customer-col, --date-col, "
                "--amount-col / --amount-expr, --where), or leave those files out."
            )
        kinds: dict[str, list] = {}
        for p, t in headers.types.items():
            if col in t:
                kinds.setdefault(t[col], []).append(p)
        if len(kinds) > 1:
            (a, pa_), (b, pb) = sorted(kinds.items(), key=lambda kv: -len(kv[1]))[:2]
            raise CRMLabInputError(
                f"column {col!r} has type {a} in {_files_phrase(pa_, total)} but {b} in "
                f"{_files_phrase(pb, total)}. Fix: write every file with the same column types."
            )
