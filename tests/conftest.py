"""Shared test setup: real data from the read-only mirror, never the internet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def make_question(expected: object = 1.0, **kwargs):
    """A toy exercise question expecting ``expected`` (qid ``q1``, title "t", prompt "p")."""
    from crmlab.exercises.questions import Question

    fields = {"qid": "q1", "title": "t", "prompt": "p", **kwargs}
    return Question(expected=lambda: expected, **fields)


_MIRROR = ROOT.parent / "shared" / "data"
if "CRMLAB_DATA" not in os.environ and _MIRROR.is_dir():
    os.environ["CRMLAB_DATA"] = str(_MIRROR)
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # every test draws off screen (what the plotting tests once each set)

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


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_sample):
    """The CDNOW sample as an RFM summary, calibration to 1997-09-30, weeks (as published)."""
    from crmlab.transactions import rfm_summary

    return rfm_summary(cdnow_sample, calibration_end="1997-09-30")


@pytest.fixture(scope="session")
def bg_cdnow():
    """BG/NBD at its estimates on the CDNOW sample, weeks (Fader, Hardie & Lee 2005; LL -9582.43)."""
    from crmlab.clv import BetaGeo

    return BetaGeo.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4262, time_unit="W")


def rfm_frame(x, tx, T):
    """A hand-built summary (frequency, recency, T) in weeks; it states its unit, none is assumed."""
    import pandas as pd

    out = pd.DataFrame({"frequency": x, "recency": tx, "T": T})
    out.attrs["time_unit"] = "W"
    return out


def assert_fits_repeat_histogram(model, summary, n_max: int):
    """Expected against observed customers with 0-3 repeat purchases, within 15% (FHL 2005, Fig. 3).

    Returns the expected and observed counts of 0 to ``n_max - 1`` repeat purchases.
    """
    import numpy as np

    T, counts = np.unique(summary["T"].to_numpy(), return_counts=True)
    expected = counts @ model.probability_purchases_new(T[:, None], np.arange(n_max)[None, :])
    observed = np.bincount(summary["frequency"], minlength=n_max)
    for k in range(4):
        assert expected[k] == pytest.approx(observed[k], rel=0.15), k
    return expected, observed


def assert_purchase_distribution(model, t: float, n_max: int, *, sum_abs: float, mean_rel: float):
    """A new customer's P(X(t) = n) for n below ``n_max`` sums to 1 and has the mean E[X(t)]."""
    import numpy as np

    n = np.arange(0, n_max)
    probs = model.probability_purchases_new(t, n)
    assert probs.sum() == pytest.approx(1.0, abs=sum_abs)
    assert (probs * n).sum() == pytest.approx(model.expected_purchases_new(t), rel=mean_rel)


def assert_recovers(params: dict, fit, n_sets: int = 20) -> None:
    """Each true parameter lies within 3 standard errors of its estimate in 90% of the data sets.

    ``fit(seed)`` returns the model fitted to simulated data set ``seed`` (0 to ``n_sets - 1``).
    """
    hits = dict.fromkeys(params, 0)
    for seed in range(n_sets):
        model = fit(seed)
        for k, v in params.items():
            hits[k] += abs(model.params_[k] - v) < 3 * model.standard_errors_[k]
    assert all(h >= 0.9 * n_sets for h in hits.values()), hits


@pytest.fixture
def close_figures():
    """Close every matplotlib figure a test opened (use with ``pytest.mark.usefixtures``)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


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
            (result,) = run_notebooks([path], out, jobs=1, progress=False, timeout=180)
            _EXECUTED[path] = result
        return _EXECUTED[path]

    return run


def requires_sandbox():
    """Skip marker for tests that grade (every submission runs in a bubblewrap sandbox)."""
    from crmlab.exercises.isolation import sandbox_problem

    problem = sandbox_problem()
    return pytest.mark.skipif(
        problem is not None,
        reason=f"{problem}: grading needs bubblewrap (Debian/Ubuntu: apt-get install "
        "bubblewrap; .ci/run installs it)",
    )
