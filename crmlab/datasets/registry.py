"""Registry of the real public files crmlab uses, and ``fetch`` to get a verified local copy.

Files are never shipped with crmlab. ``fetch(name)`` looks in the data folder first (environment
variable ``CRMLAB_DATA``, otherwise a per-user cache folder), checks the sha256 of what it finds,
and downloads from the public URL with :mod:`pooch` only when there is no local copy.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from crmlab.errors import DatasetError

__all__ = ["REGISTRY", "DatasetError", "data_home", "fetch", "describe"]


@dataclass(frozen=True)
class RemoteFile:
    name: str
    filename: str
    url: str
    sha256: str
    description: str
    licence: str


_LIFETIMES = (
    "https://raw.githubusercontent.com/CamDavidsonPilon/lifetimes/master/lifetimes/datasets/"
)
_RDATASETS = "https://vincentarelbundock.github.io/Rdatasets/csv/modeldata/"

REGISTRY: dict[str, RemoteFile] = {
    f.name: f
    for f in [
        RemoteFile(
            "cdnow_master",
            "cdnow_master.txt",
            _LIFETIMES + "CDNOW_master.txt",
            "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef",
            "69,659 CD purchases by the 23,570 customers who first bought at CDNOW in Q1 1997, "
            "followed to 1998-06-30 (Fader & Hardie 2001).",
            "Released by its authors for research and teaching; redistributed in MIT-licensed "
            "lifetimes.",
        ),
        RemoteFile(
            "cdnow_sample",
            "cdnow_sample.txt",
            _LIFETIMES + "CDNOW_sample.txt",
            "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a",
            "The 1/10 CDNOW sample used in the BG/NBD papers: 6,919 purchases by 2,357 customers.",
            "As cdnow_master.",
        ),
        RemoteFile(
            "donations",
            "lifetimes_donations.csv",
            _LIFETIMES + "donations.csv",
            "82c25f26a201ff047e1cd5fe3d7967a45db92a025ecedee72ff8940e50104544",
            "22 repeat-donation patterns of 11,104 donors over 6 annual opportunities "
            "(Fader, Hardie & Shang 2010), the BG/BB example.",
            "As cdnow_master.",
        ),
        RemoteFile(
            "hr_attrition",
            "modeldata_attrition.csv",
            _RDATASETS + "attrition.csv",
            "22db7ee590589479392aeb9f44b9e11ea8d9c2458cc0fd942e8c233d95393d4b",
            "1,470 employees of a fictional firm (IBM HR analytics sample, cleaned in R modeldata).",
            "IBM sample data, redistributed in MIT-licensed modeldata.",
        ),
        RemoteFile(
            "telco_churn",
            "modeldata_wa_churn.csv",
            _RDATASETS + "wa_churn.csv",
            "720b67923e990d9c6ea5b6fa07c0ff15552d7f5bd79d48843fd5c7505a8e71a6",
            "7,043 telco subscribers with tenure, contract, charges and a churn flag "
            "(IBM Watson Analytics sample, cleaned in R modeldata).",
            "IBM sample data, redistributed in MIT-licensed modeldata.",
        ),
    ]
}


def data_home() -> Path:
    """The folder crmlab reads data files from and downloads them into.

    ``CRMLAB_DATA`` if set (a mirror or a pre-filled cache: a folder holding the registry's file
    names), otherwise the per-user cache folder of the operating system (``~/.cache/crmlab`` on
    Linux).
    """
    env = os.environ.get("CRMLAB_DATA")
    if env:
        return Path(env).expanduser().resolve()
    import pooch

    return Path(pooch.os_cache("crmlab"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(name: str) -> RemoteFile:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise KeyError(f"unknown dataset {name!r}; known datasets: {known}.") from None


def fetch(name: str, *, progress: bool = False) -> Path:
    """Return the local path of dataset ``name``, downloading and verifying it if needed.

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY` (``"cdnow_master"``, ``"cdnow_sample"``, ``"donations"``,
        ``"hr_attrition"``, ``"telco_churn"``).
    progress : bool
        Show a download progress bar.

    Raises
    ------
    DatasetError
        If the local copy's sha256 differs from the registry (the message gives both hashes and
        the fix), or if the file is absent and cannot be downloaded (the message says which file
        to put where).
    """
    entry = _entry(name)
    folder = data_home()
    path = folder / entry.filename
    if folder.exists() and not folder.is_dir():
        raise DatasetError(
            f"the data folder {folder} is a file, not a folder"
            + (" (from CRMLAB_DATA)" if os.environ.get("CRMLAB_DATA") else "")
            + f". Fix: point CRMLAB_DATA at the folder that holds {entry.filename}, not at a file."
        )
    if path.is_dir():
        raise DatasetError(
            f"{path} is a folder, but the dataset {name!r} is the single file {entry.filename}. "
            f"Fix: move the real file out of that folder to {path} (or remove the folder so "
            f"that fetch({name!r}) can download {entry.url})."
        )
    if path.exists():
        actual = _sha256(path)
        if actual != entry.sha256:
            raise DatasetError(
                f"{path} does not match the published file: sha256 {actual} but expected "
                f"{entry.sha256}. It is corrupted or a different version, so it is not used. "
                f"Fix: delete it and call fetch({name!r}) again to download {entry.url}, or put "
                "the right file there."
            )
        return path
    import pooch

    try:
        folder.mkdir(parents=True, exist_ok=True)
        pooch.retrieve(
            entry.url,
            known_hash=f"sha256:{entry.sha256}",
            fname=entry.filename,
            path=folder,
            progressbar=progress,
        )
    except ValueError as exc:  # pooch: the downloaded file's hash does not match
        raise DatasetError(
            f"the download of {entry.filename} from {entry.url} does not match the published "
            f"file (expected sha256 {entry.sha256}; {exc}). It was not kept. Fix: try again "
            f"later, or put a verified copy at {path}."
        ) from exc
    except Exception as exc:  # offline, DNS failure, HTTP error, read-only folder ...
        raise DatasetError(
            f"{entry.filename} is not in {folder} and could not be downloaded from "
            f"{entry.url} ({type(exc).__name__}: {exc}). Fix: put the file {entry.filename} "
            f"(sha256 {entry.sha256}) in {folder}, or set the environment variable CRMLAB_DATA "
            "to a folder that holds it."
        ) from exc
    return path


def describe(name: str | None = None) -> str:
    """A human-readable description of one dataset (or all), with URL, sha256 and licence."""
    names = [name] if name else sorted(REGISTRY)
    parts = []
    for n in names:
        e = _entry(n)
        parts.append(
            f"{e.name}: {e.description}\n  file {e.filename}\n  url {e.url}\n"
            f"  sha256 {e.sha256}\n  licence {e.licence}"
        )
    return "\n".join(parts)
