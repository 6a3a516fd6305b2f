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

__all__ = [
    "REGISTRY",
    "DatasetError",
    "data_home",
    "fetch",
    "fetch_online_retail",
    "describe",
]


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
#: CLVTools 0.12.1 (GPL-3), the release whose vignette and tests publish the apparel estimates.
_CLVTOOLS = (
    "https://raw.githubusercontent.com/bachmannpatrick/CLVTools/"
    "1b06356b0ec07640b532c666aff29e2a3b8393fa/data/"
)
#: The UCI Online Retail log as daily files, from the book "Spark: The Definitive Guide".
_ONLINE_RETAIL = (
    "https://raw.githubusercontent.com/databricks/Spark-The-Definitive-Guide/"
    "4ba5601eb9b9aed1d01ab79775e3af228216ff6f/data/retail-data/by-day/"
)
_CLVTOOLS_LICENCE = "GPL-3 (example data of the R package CLVTools 0.12.1)."
_ONLINE_RETAIL_LICENCE = (
    "CC BY 4.0 (UCI Machine Learning Repository dataset 352, Chen, Sain & Guo 2012); split "
    "files from the Apache-2.0 repository of the book Spark: The Definitive Guide."
)
#: Prefix of the registry names of the Online Retail day files (one entry per file).
ONLINE_RETAIL_PREFIX = "online_retail/"


def _online_retail_files() -> list[RemoteFile]:
    """One registry entry per day file, with the sums shipped in ``online_retail.sha256``."""
    sums = Path(__file__).with_name("online_retail.sha256").read_text().split("\n")
    out = []
    for line in sums:
        if not line.strip():
            continue
        digest, filename = line.split()
        day = filename.removesuffix(".csv")
        out.append(
            RemoteFile(
                ONLINE_RETAIL_PREFIX + day,
                ONLINE_RETAIL_PREFIX + filename,
                _ONLINE_RETAIL + filename,
                digest,
                f"UCI Online Retail order lines of {day} (one of 305 daily files).",
                _ONLINE_RETAIL_LICENCE,
            )
        )
    return out


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
        RemoteFile(
            "apparel_transactions",
            "clvtools/apparelTrans.rda",
            _CLVTOOLS + "apparelTrans.rda",
            "8264912207ad56a831c1d591bc27db43921b2e2612e113b1976cb0ea2550cad4",
            "3,187 transactions (Id, Date, Price) of 600 customers of an apparel retailer, "
            "2005-2010, all first buying on 2005-01-02 (CLVTools' example data, R .rda).",
            _CLVTOOLS_LICENCE,
        ),
        RemoteFile(
            "apparel_static_covariates",
            "clvtools/apparelStaticCov.rda",
            _CLVTOOLS + "apparelStaticCov.rda",
            "13b5366b0e59ea1b6e292179d0703be02e2dce7ccec7b2ec0d24c7a690a12cd4",
            "One row per apparel customer: Gender (0 male, 1 female), Channel (0 online, "
            "1 offline).",
            _CLVTOOLS_LICENCE,
        ),
        RemoteFile(
            "apparel_dynamic_covariates",
            "clvtools/apparelDynCov.rda",
            _CLVTOOLS + "apparelDynCov.rda",
            "87543e3c5826a0c0e0ff34867e4429e82c069b7c0c1528c47222927adef8fc87",
            "Weekly time-varying covariates of the apparel customers (High.Season, Gender, "
            "Channel), 187,800 rows.",
            _CLVTOOLS_LICENCE,
        ),
        RemoteFile(
            "apparel_dynamic_covariates_future",
            "clvtools/apparelDynCovFuture.rda",
            _CLVTOOLS + "apparelDynCovFuture.rda",
            "f37640d9b097972a10fcba077fcdec918989d12ce3a9be3896b1b87c46256f89",
            "The apparel covariates for 2011-01-02 to 2012-10-14 (for prediction).",
            _CLVTOOLS_LICENCE,
        ),
        *_online_retail_files(),
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
        names = sorted(n for n in REGISTRY if not n.startswith(ONLINE_RETAIL_PREFIX))
        known = ", ".join(names) + f", {ONLINE_RETAIL_PREFIX}YYYY-MM-DD (305 day files)"
        raise KeyError(f"unknown dataset {name!r}; known datasets: {known}.") from None


def fetch(name: str, *, progress: bool = False) -> Path:
    """Return the local path of dataset ``name``, downloading and verifying it if needed.

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY` (``"cdnow_master"``, ``"cdnow_sample"``, ``"donations"``,
        ``"hr_attrition"``, ``"telco_churn"``, ``"apparel_transactions"``,
        ``"apparel_static_covariates"``, ... and one ``"online_retail/YYYY-MM-DD"`` per day
        file of the Online Retail log; :func:`fetch_online_retail` fetches them all).
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
        path.parent.mkdir(parents=True, exist_ok=True)
        pooch.retrieve(
            entry.url,
            known_hash=f"sha256:{entry.sha256}",
            fname=path.name,
            path=path.parent,
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


def fetch_online_retail(*, progress: bool = False) -> list[Path]:
    """Fetch and verify the 305 daily files of the UCI Online Retail log.

    Parameters
    ----------
    progress : bool
        Show a download progress bar for each file that is downloaded.

    Returns
    -------
    list of Path
        The local files, in date order.

    Raises
    ------
    DatasetError
        As :func:`fetch`, for the first file that is missing and cannot be downloaded, or whose
        sha256 differs.
    """
    names = sorted(n for n in REGISTRY if n.startswith(ONLINE_RETAIL_PREFIX))
    return [fetch(n, progress=progress) for n in names]


def describe(name: str | None = None) -> str:
    """A human-readable description of one dataset (or all), with URL, sha256 and licence.

    Without a name, the 305 Online Retail day files are summarised in one entry.
    """
    if name:
        names = [name]
    else:
        names = sorted(n for n in REGISTRY if not n.startswith(ONLINE_RETAIL_PREFIX))
    parts = []
    for n in names:
        e = _entry(n)
        parts.append(
            f"{e.name}: {e.description}\n  file {e.filename}\n  url {e.url}\n"
            f"  sha256 {e.sha256}\n  licence {e.licence}"
        )
    if not name:
        days = sorted(n for n in REGISTRY if n.startswith(ONLINE_RETAIL_PREFIX))
        parts.append(
            f"online_retail: the UCI Online Retail log of a UK gift retailer, 2010-12-01 to "
            f"2011-12-09, as {len(days)} daily files ({days[0]} .. {days[-1]}), each with its "
            f"own sha256; load_online_retail() reads them all.\n  url {_ONLINE_RETAIL}FILE\n"
            f"  licence {_ONLINE_RETAIL_LICENCE}"
        )
    return "\n".join(parts)
