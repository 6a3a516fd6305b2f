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

try:  # property-based tests: the same examples every run, no time limit per example, no cache
    from hypothesis import HealthCheck
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # pragma: no cover - hypothesis is in the dev extra
    pass
else:
    _hypothesis_settings.register_profile(
        "crmlab",
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    _hypothesis_settings.load_profile("crmlab")


@pytest.fixture(scope="session")
def cdnow_sample():
    from crmlab.datasets import load_cdnow

    return load_cdnow(sample=True)


@pytest.fixture(scope="session")
def cdnow_master():
    from crmlab.datasets import load_cdnow

    return load_cdnow()


#: Every lesson notebook; new lessons (09, 10, ...) are picked up automatically.
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: One parameter per lesson, all tests of a lesson in one xdist group (``--dist loadgroup``), so
#: that the lesson is executed once per test run and its tests share the executed copy.
LESSON_PARAMS = [
    pytest.param(p, id=p.stem, marks=pytest.mark.xdist_group(f"lesson-{p.stem}")) for p in LESSONS
]
_EXECUTED: dict = {}


@pytest.fixture(scope="session")
def executed_lesson(tmp_path_factory):
    """Return ``run(path) -> NotebookResult``: the lesson executed once per test process (cached)."""
    from crmlab.runner import run_notebooks

    def run(path):
        if path not in _EXECUTED:
            out = tmp_path_factory.mktemp(f"executed-{path.stem}")
            (result,) = run_notebooks([path], out, jobs=1, html=False, progress=False, timeout=180)
            _EXECUTED[path] = result
        return _EXECUTED[path]

    return run
