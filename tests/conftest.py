"""Shared test setup: real data from the read-only mirror, never the internet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_MIRROR = ROOT.parent / "shared" / "data"
if "CRMLAB_DATA" not in os.environ and _MIRROR.is_dir():
    os.environ["CRMLAB_DATA"] = str(_MIRROR)
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def cdnow_sample():
    from crmlab.datasets import load_cdnow

    return load_cdnow(sample=True)


@pytest.fixture(scope="session")
def cdnow_master():
    from crmlab.datasets import load_cdnow

    return load_cdnow()
