"""Property-based tests of every customer-base model's predictions.

For random parameters and random valid customer histories, what theory guarantees must hold:
predictions are finite and non-negative, P(alive) lies in [0, 1], expected purchases do not
decrease as the horizon grows, a new customer's expected purchases start at 0, survival falls
from 1, and a Gamma-Gamma expected spend lies between the population mean and the customer's
own mean (it is a weighted average of the two).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import clv

positive = st.floats(0.05, 20.0, allow_nan=False, allow_infinity=False)
HORIZONS = np.array([0.0, 0.5, 1.0, 4.0, 13.0, 52.0, 520.0])


def _customers(draw, customer, columns) -> pd.DataFrame:
    """One to six customers, each drawn by ``customer(draw)`` as a row of ``columns``."""
    return pd.DataFrame([customer(draw) for _ in range(draw(st.integers(1, 6)))], columns=columns)


def _continuous_customer(draw):
    T = draw(st.floats(0.1, 200.0))
    x = draw(st.integers(0, 60))
    recency = 0.0 if x == 0 else draw(st.floats(0.0, 1.0)) * T
    return x, recency, T


@st.composite
def continuous_histories(draw):
    """frequency, recency, T of a few customers (recency <= T, recency 0 when frequency 0)."""
    frame = _customers(draw, _continuous_customer, ["frequency", "recency", "T"])
    frame.attrs["time_unit"] = "W"
    return frame


@pytest.mark.parametrize(
    ("model_class", "names"),
    [
        (clv.BetaGeo, ("r", "alpha", "a", "b")),
        (clv.ModifiedBetaGeo, ("r", "alpha", "a", "b")),
        (clv.ParetoNBD, ("r", "alpha", "s", "beta")),
    ],
)
@settings(max_examples=20)
@given(params=st.tuples(positive, positive, positive, positive), data=continuous_histories())
def test_continuous_time_predictions(model_class, names, params, data):
    model = model_class.from_params(**dict(zip(names, params, strict=True)))
    alive = model.probability_alive(data).to_numpy()
    assert np.all(np.isfinite(alive))
    assert np.all((alive >= 0) & (alive <= 1 + 1e-12))
    paths = np.column_stack([model.expected_purchases(data, t).to_numpy() for t in HORIZONS])
    assert np.all(np.isfinite(paths))
    assert np.all(paths >= 0)
    assert np.all(paths[:, 0] == pytest.approx(0.0, abs=1e-12))
    assert np.all(np.diff(paths, axis=1) >= -1e-9 * np.maximum(1.0, paths[:, 1:]))
    new = model.expected_purchases_new(HORIZONS)
    assert np.all(np.isfinite(new)) and np.all(new >= 0) and new[0] == pytest.approx(0.0)
    assert np.all(np.diff(new) >= -1e-9 * np.maximum(1.0, new[1:]))


def _discrete_customer(draw):
    n = draw(st.integers(1, 12))
    x = draw(st.integers(0, n))
    tx = 0 if x == 0 else draw(st.integers(x, n))
    return x, tx, n


@st.composite
def discrete_histories(draw):
    """frequency x <= recency tx <= periods n, tx = 0 when x = 0 (BG/BB)."""
    return _customers(draw, _discrete_customer, ["frequency", "recency", "periods"])


@settings(max_examples=25)
@given(params=st.tuples(positive, positive, positive, positive), data=discrete_histories())
def test_bgbb_predictions(params, data):
    model = clv.BetaGeoBetaBinom.from_params(
        time_unit="Y", **dict(zip(("alpha", "beta", "gamma", "delta"), params, strict=True))
    )
    for ahead in (0, 1, 5):
        alive = model.probability_alive(data, periods_ahead=ahead).to_numpy()
        assert np.all(np.isfinite(alive)) and np.all((alive >= 0) & (alive <= 1 + 1e-12))
    paths = np.column_stack([model.expected_purchases(data, t).to_numpy() for t in range(8)])
    assert np.all(np.isfinite(paths)) and np.all(paths >= 0)
    assert np.all(paths[:, 0] == 0)
    assert np.all(np.diff(paths, axis=1) >= -1e-12)
    # one opportunity holds at most one transaction
    assert np.all(np.diff(paths, axis=1) <= 1 + 1e-12)


@settings(max_examples=25)
@given(alpha=positive, beta=positive)
def test_sbg_survival_and_retention(alpha, beta):
    model = clv.ShiftedBetaGeometric.from_params(alpha=alpha, beta=beta)
    t = np.arange(0, 25)
    s = model.survival(t)
    assert s[0] == pytest.approx(1.0)
    assert np.all(np.isfinite(s)) and np.all(s >= 0) and np.all(np.diff(s) <= 1e-15)
    r = model.retention_rate(t[1:])
    assert np.all((r >= 0) & (r <= 1))
    assert np.all(np.diff(r) >= -1e-12)  # retention rises with tenure (sorting effect)
    derl = model.derl(0.1, renewals=np.arange(5))
    # expected discounted future payments: between 0 and paying forever, (1 + d) / d
    assert np.all(np.isfinite(derl)) and np.all((derl >= 0) & (derl <= 11.0 + 1e-9))
    assert np.all(np.diff(derl) >= -1e-9)  # the longer a customer has stayed, the more is left


@settings(max_examples=25)
@given(
    p=positive,
    q=st.floats(1.2, 20.0),
    gamma=positive,
    rows=st.lists(
        st.tuples(st.integers(0, 50), st.floats(0.01, 1e4, allow_nan=False)), min_size=1, max_size=6
    ),
)
def test_gamma_gamma_expected_spend_is_a_weighted_average(p, q, gamma, rows):
    model = clv.GammaGamma.from_params(p=p, q=q, gamma=gamma)
    data = pd.DataFrame(
        [(x, m if x > 0 else 0.0) for x, m in rows], columns=["frequency", "monetary_value"]
    )
    spend = model.expected_spend(data).to_numpy()
    assert np.all(np.isfinite(spend)) and np.all(spend > 0)
    population = model.population_mean_spend
    own = np.where(data["frequency"] > 0, data["monetary_value"], population)
    lo, hi = np.minimum(population, own), np.maximum(population, own)
    assert np.all(spend >= lo * (1 - 1e-9)) and np.all(spend <= hi * (1 + 1e-9))
