"""Tests of crmlab.inference: Wilson intervals and regression tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.errors import CRMLabInputError
from crmlab.inference import fit_table, wilson_interval


def test_wilson_interval_hand_computed():
    lo, hi = wilson_interval(np.array([5]), np.array([10]))
    # Wilson 95% for 5/10: 0.2366 .. 0.7634
    assert lo[0] == pytest.approx(0.2366, abs=1e-4)
    assert hi[0] == pytest.approx(0.7634, abs=1e-4)


def test_wilson_interval_stays_inside_0_1_at_the_edges():
    lo, hi = wilson_interval(np.array([0, 10]), np.array([10, 10]))
    assert lo[0] == pytest.approx(0.0, abs=1e-12) and 0 < hi[0] < 0.35
    assert 0.65 < lo[1] < 1 and hi[1] == pytest.approx(1.0, abs=1e-12)


def test_fit_table_recovers_an_ols_slope_and_refuses_a_constant_predictor():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = pd.Series(1.0 + 2.0 * x + rng.normal(scale=0.1, size=400))
    table = fit_table(y, pd.DataFrame({"x": x}), kind="ols")
    assert table.loc["x", "ci_low"] < 2.0 < table.loc["x", "ci_high"]
    assert table.attrs["n"] == 400 and table.attrs["r2"] > 0.99
    with pytest.raises(CRMLabInputError, match="single value"):
        fit_table(y, pd.DataFrame({"x": x, "c": 1.0}), kind="ols")
