r"""The files of a submissions folder: which are graded, which are skipped and why.

:func:`collect` walks the folder (and its subfolders, as Moodle downloads one folder per
student) without following symbolic links. Every ``.ipynb`` file (any case) becomes a
:class:`Submission`: a regular file is read once, through a descriptor opened without following
links, and its bytes are what the sandbox runs; a symbolic link, a device, a pipe or a folder
with a notebook's name becomes a submission that is not run ("not a regular file"), and nothing
of its target is read or shown. Every other entry is listed in :class:`Skipped` with the reason.
File names are handled as bytes and shown with undecodable bytes escaped (``M\xfcller.ipynb``).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crmlab.exercises.students import Identity, identify

__all__ = ["MAX_NOTEBOOK_BYTES", "Skipped", "Submission", "collect", "shown"]

MAX_NOTEBOOK_BYTES = 20 * 2**20
_STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T_ ](\d{2})[-:h](\d{2})")


def shown(name: str | bytes | os.PathLike) -> str:
    r"""A file name as text that can always be printed: undecodable bytes as ``\xNN``."""
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    return raw.decode("utf-8", errors="backslashreplace")


@dataclass
class Submission:
    """One notebook of the folder.

    Attributes
    ----------
    file : str
        Its path relative to the folder, printable (see :func:`shown`).
    data : bytes or None
        Its content; None when it is not run (``note`` says why).
    note : str
        Why it is not run ("" when it is).
    sha256 : str
        Digest of ``data`` ("" when not read).
    identity : Identity
        Who handed it in (see :mod:`crmlab.exercises.students`).
    submitted : datetime or None
        When: a time in the file name (``2026-12-20T23-59``), else the file's modification time
        (what an LMS download keeps), local time.
    """

    file: str
    data: bytes | None
    note: str
    sha256: str
    identity: Identity
    submitted: datetime | None


@dataclass(frozen=True)
class Skipped:
    """An entry of the folder that is not a notebook, and why it is not graded."""

    file: str
    reason: str


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _read(path: Path) -> tuple[bytes | None, str, float | None]:
    """(bytes, "", mtime) of a regular file, or (None, why, None); never follows a link."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return None, f"could not be read ({type(exc).__name__})", None
    if not stat.S_ISREG(info.st_mode):
        return None, f"not a regular file ({_kind(info.st_mode)}); nothing of it was read", None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return None, f"could not be opened ({type(exc).__name__})", None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped since the lstat
            return None, "not a regular file; nothing of it was read", None
        if info.st_size > MAX_NOTEBOOK_BYTES:
            return None, f"file larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB; not run", None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_NOTEBOOK_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_NOTEBOOK_BYTES:
        return None, f"file larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB; not run", None
    return data, "", info.st_mtime


def _valid(data: bytes) -> str:
    """Empty text for a notebook nbformat can read, else why it cannot be read."""
    import nbformat

    try:
        nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # not UTF-8, not JSON, not a notebook: nothing to run
        first = (str(exc).strip().splitlines() or [""])[0][:80]
        return f"not a valid notebook ({type(exc).__name__}: {first})"
    return ""


def _submitted(name: str, mtime: float | None) -> datetime | None:
    if m := _STAMP.search(name):
        try:
            year, month, day, hour, minute = (int(g) for g in m.groups())
            return datetime(year, month, day, hour, minute)
        except ValueError:
            pass
    return datetime.fromtimestamp(mtime) if mtime is not None else None


def _skip_reason(name: str) -> str:
    lower = name.lower()
    if lower.endswith((".zip", ".tar", ".tar.gz", ".tgz", ".7z", ".rar")):
        return "an archive: unpack it into the folder and grade again"
    if lower.endswith(".ipynb_checkpoints"):
        return "Jupyter's checkpoint folder"
    return "not a notebook (only .ipynb files are graded)"


def collect(folder: str | os.PathLike) -> tuple[list[Submission], list[Skipped]]:
    """Every notebook of ``folder`` (sorted by relative path) and every entry skipped.

    Raises
    ------
    FileNotFoundError
        No such folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"no folder {root}; pass the folder that holds the submissions.")
    found: list[Submission] = []
    skipped: list[Skipped] = []
    for here, dirs, files in os.walk(root, followlinks=False):
        base = Path(here)
        keep = []
        for d in sorted(dirs):
            rel = shown((base / d).relative_to(root))
            if d == ".ipynb_checkpoints" or (base / d).is_symlink():
                why = (
                    _skip_reason(d)
                    if d == ".ipynb_checkpoints"
                    else "a symbolic link to a folder; not followed"
                )
                skipped.append(Skipped(rel, why))
            else:
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            path = base / name
            rel = shown(path.relative_to(root))
            if not name.lower().endswith(".ipynb"):
                skipped.append(Skipped(rel, _skip_reason(name)))
                continue
            data, note, mtime = _read(path)
            if data is not None:
                note = _valid(data)
            digest = hashlib.sha256(data).hexdigest() if data is not None else ""
            found.append(
                Submission(
                    file=rel,
                    data=data if not note else None,
                    note=note,
                    sha256=digest,
                    identity=identify(rel),
                    submitted=_submitted(rel, mtime),
                )
            )
    found.sort(key=lambda s: s.file)
    skipped.sort(key=lambda s: s.file)
    return found, skipped
