"""The output folder of ``analyze``: crmlab only writes where it may, and a run is complete or absent.

:class:`OutputFolder` guards ``--out``:

- it must be a new folder, an empty one, or one crmlab wrote before (recognised by
  :data:`MANIFEST`, the list of files crmlab wrote there); a folder holding other files is
  refused, naming them, unless ``overwrite=True``;
- it may not be empty text, a file, an input folder or inside one, nor hold an input file;
- everything is written into a temporary folder beside it, and the folder is swapped in by
  renames at the end (:meth:`OutputFolder.commit`), so a run interrupted at any point leaves the
  previous output or none, never a mix; files of an earlier run that this run does not write
  disappear with it. The manifest lists whatever the run wrote (walked at the end, figures and
  tables included).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crmlab.engines.sources import resolve_files
from crmlab.errors import CRMLabInputError

__all__ = ["MANIFEST", "OutputFolder", "written_files", "local_inputs"]

#: The file naming everything crmlab wrote into an output folder (paths relative to it).
MANIFEST = "crmlab-manifest.json"
_SHOWN = 5


def written_files(folder: Path) -> list[str]:
    """Every file under ``folder`` (relative POSIX paths, sorted), the manifest left out."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.name != MANIFEST
    )


def _manifest_files(folder: Path) -> set[str] | None:
    """Files a manifest in ``folder`` lists, or None when there is no readable manifest."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


class OutputFolder:
    """An output folder crmlab owns (see the module docstring).

    Parameters
    ----------
    out : str or Path
        The folder the user named.
    inputs : sequence of Path
        Local input files and folders (the output may not be, or be inside, one of them).
    overwrite : bool
        Write into a folder holding files crmlab did not write, replacing those of the same
        names as crmlab's outputs (other files are left alone).
    """

    def __init__(self, out: str | Path, *, inputs: Sequence[Path] = (), overwrite: bool = False):
        self.out = out
        self.inputs = list(inputs)
        self.overwrite = overwrite
        self.work: Path | None = None

    # -- before the run --------------------------------------------------------------------
    def check(self) -> Path:
        """Refuse an output folder crmlab may not write; return it (absolute)."""
        text = str(self.out)
        if not text.strip():
            raise CRMLabInputError(
                "--out is empty; crmlab would write into the current folder. Fix: name a new "
                "folder, e.g. --out results."
            )
        out = Path(os.path.abspath(os.path.expanduser(text)))
        if out.exists() and not out.is_dir():
            raise CRMLabInputError(
                f"--out {text!r} names a file, not a folder. Fix: name a new folder for the "
                "outputs (crmlab never replaces a file it did not write)."
            )
        for item in self.inputs:
            item = item.resolve()
            if item.is_dir() and (out == item or item in out.parents):
                raise CRMLabInputError(
                    f"--out {text!r} is the input folder {str(item)!r} or inside it, so the "
                    "outputs would be read as orders next time. Fix: write them elsewhere, "
                    "e.g. next to the input folder."
                )
            if item.is_file() and out in item.parents:
                raise CRMLabInputError(
                    f"--out {text!r} holds the input file {str(item)!r}. Fix: write the "
                    "outputs into a folder of their own."
                )
        if out.is_dir():
            foreign = self._foreign(out)
            if foreign and not self.overwrite:
                shown = ", ".join(map(repr, foreign[:_SHOWN]))
                more = f" and {len(foreign) - _SHOWN:,} more" if len(foreign) > _SHOWN else ""
                raise CRMLabInputError(
                    f"--out {text!r} holds files crmlab did not write ({shown}{more}); crmlab "
                    "never replaces or deletes them. Fix: name a new folder, or pass "
                    "--overwrite (overwrite=True) to replace those of the same names as the "
                    "outputs."
                )
        self.out = out
        return out

    @staticmethod
    def _foreign(out: Path) -> list[str]:
        owned = _manifest_files(out) or set()
        return [f for f in written_files(out) if f not in owned]

    def open(self) -> Path:
        """Create the temporary folder beside the output folder and return it."""
        out = self.check() if not isinstance(self.out, Path) else self.out
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.work = Path(tempfile.mkdtemp(prefix=f".{out.name}.crmlab-tmp-", dir=out.parent))
        except OSError as exc:
            raise CRMLabInputError(
                f"--out {str(out)!r} cannot be created ({exc.strerror or exc}). Fix: name a "
                "folder in a place you can write to."
            ) from None
        return self.work

    # -- after the run ---------------------------------------------------------------------
    def commit(self) -> Path:
        """Write the manifest and put the new output in place; return the output folder."""
        if self.work is None or not isinstance(self.out, Path):
            raise RuntimeError("OutputFolder.commit() before open()")
        work, out = self.work, self.out
        files = written_files(work)
        (work / MANIFEST).write_text(
            json.dumps({"crmlab_output": 1, "files": files}, indent=1), encoding="utf-8"
        )
        if out.is_dir() and self._foreign(out):  # only with overwrite: merge file by file
            self._merge(work, out, files)
        elif out.is_dir():
            trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.crmlab-old-", dir=out.parent))
            os.rename(out, trash / "old")
            os.rename(work, out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.rename(work, out)
        self.work = None
        return out

    @staticmethod
    def _merge(work: Path, out: Path, files: list[str]) -> None:
        """Move the new files over, drop the old run's files it did not write, then the manifest."""
        old = _manifest_files(out) or set()
        (out / MANIFEST).unlink(missing_ok=True)
        for rel in files:
            dest = out / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.is_dir() and not dest.is_symlink():
                shutil.rmtree(dest)
            os.replace(work / rel, dest)
        for rel in old - set(files):
            (out / rel).unlink(missing_ok=True)
        os.replace(work / MANIFEST, out / MANIFEST)
        shutil.rmtree(work, ignore_errors=True)

    def discard(self) -> None:
        """Remove the temporary folder of a failed run (the output folder is untouched)."""
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
            self.work = None


def local_inputs(source: Any) -> list[Path]:
    """The local files and folders a source names (for the output folder's checks)."""
    if not isinstance(source, str | Path | list | tuple):
        return []
    items = [source] if isinstance(source, str | Path) else list(source)
    paths = [Path(str(i)) for i in items if "://" not in str(i) and Path(str(i)).exists()]
    try:
        files = resolve_files(source)
    except CRMLabInputError:
        return paths
    return paths + [p for p in files.paths if isinstance(p, Path)]
