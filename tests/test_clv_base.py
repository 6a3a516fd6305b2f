"""Tests for the shared pieces of crmlab.clv: _data (summary checks, collapse), _base, _fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv._base import BaseModel
from crmlab.clv._data import check_summary, collapse
from crmlab.clv._fit import fit_mle
from crmlab.errors import ConvergenceError, CRMLabInputError, NotFittedError


def _summary(**over):
    data = {
        "frequency": [0, 2, 5, 0],
        "recency": [0.0, 10.0, 20.5, 0.0],
        "T": [30.0, 30.0, 25.0, 1.0],
        "monetary_value": [0.0, 12.5, 40.0, 0.0],
    }
    data.update(over)
    return pd.DataFrame(data, index=pd.Index(list("abcd"), name="customer_id"))


class _Toy(BaseModel):
    _param_names = ("r", "alpha")


# ---------------------------------------------------------------------------------- _data
def test_check_summary_returns_float_arrays_and_unit_weights():
    arrays, w = check_summary(_summary())
    assert list(arrays) == ["frequency", "recency", "T"]
    assert all(v.dtype == float for v in arrays.values())
    np.testing.assert_array_equal(arrays["recency"], [0.0, 10.0, 20.5, 0.0])
    np.testing.assert_array_equal(w, np.ones(4))


def test_check_summary_reads_weights_column():
    frame = _summary(n=[3, 1, 2, 5])
    _, w = check_summary(frame, weights_col="n")
    np.testing.assert_array_equal(w, [3, 1, 2, 5])


def test_check_summary_only_checks_requested_columns():
    frame = _summary(recency=[5.0, 10.0, 20.5, 0.0])  # breaks recency == 0 when frequency == 0
    arrays, _ = check_summary(frame, ("frequency", "monetary_value"))
    assert set(arrays) == {"frequency", "monetary_value"}


@pytest.mark.parametrize(
    ("frame", "kwargs", "error", "match"),
    [
        ([1, 2, 3], {}, TypeError, "must be a pandas DataFrame"),
        (pd.DataFrame(columns=["frequency", "recency", "T"]), {}, CRMLabInputError, "empty"),
        (_summary().drop(columns="T"), {}, CRMLabInputError, "missing column.*'T'.*rfm_summary"),
        (_summary(frequency=["0", "2", "x", "0"]), {}, CRMLabInputError, "not numbers"),
        (_summary(frequency=[0, 2, np.nan, 0]), {}, CRMLabInputError, "missing \\(NaN\\)"),
        (_summary(frequency=[0, -2, 5, 0]), {}, CRMLabInputError, "'frequency'.*below 0"),
        (_summary(frequency=[0, 2.5, 5, 0]), {}, CRMLabInputError, "not whole numbers"),
        (_summary(recency=[0.0, -1.0, 20.5, 0.0]), {}, CRMLabInputError, "'recency'.*below 0"),
        (_summary(recency=[0.0, 31.0, 20.5, 0.0]), {}, CRMLabInputError, "larger than T"),
        (_summary(recency=[3.0, 10.0, 20.5, 0.0]), {}, CRMLabInputError, "frequency is 0"),
        (_summary(T=[30.0, 30.0, 25.0, 0.0]), {}, CRMLabInputError, "'T'.*at or below 0"),
        (_summary(T=[30.0, np.inf, 25.0, 1.0]), {}, CRMLabInputError, "infinite"),
        (
            _summary(),
            {"columns": ("frequency", "monetary_value"), "weights_col": "w"},
            CRMLabInputError,
            "missing column.*'w'",
        ),
        (_summary(w=[1, 0, 1, 1]), {"weights_col": "w"}, CRMLabInputError, "'w'.*must be > 0"),
        (_summary(), {"integer_times": True}, CRMLabInputError, "'recency'.*not whole"),
        (
            _summary(monetary_value=[0.0, -3.0, 1.0, 0.0]),
            {"columns": ("monetary_value",)},
            CRMLabInputError,
            "'monetary_value'.*below 0",
        ),
    ],
)
def test_check_summary_rejects_bad_input(frame, kwargs, error, match):
    with pytest.raises(error, match=match):
        check_summary(frame, **kwargs)


def test_error_names_first_offending_row():
    with pytest.raises(CRMLabInputError, match=r"1 of 4 rows.*row 'b', value 31\.0"):
        check_summary(_summary(recency=[0.0, 31.0, 20.5, 0.0]))


def test_collapse_merges_identical_rows_and_keeps_total_weight():
    rng = np.random.default_rng(3)
    n = 5_000
    data = {
        "frequency": rng.integers(0, 4, n).astype(float),
        "recency": rng.integers(0, 3, n).astype(float),
        "T": rng.integers(5, 7, n).astype(float),
    }
    weights = rng.uniform(0.5, 2.0, n)
    unique, w = collapse(data, ["frequency", "recency", "T"], weights)
    got = pd.DataFrame(unique)
    assert not got.duplicated().any()
    assert w.sum() == pytest.approx(weights.sum())
    expected = pd.DataFrame(data).assign(w=weights).groupby(["frequency", "recency", "T"])["w"]
    got_w = pd.Series(w, index=pd.MultiIndex.from_frame(got)).sort_index()
    np.testing.assert_allclose(got_w.to_numpy(), expected.sum().sort_index().to_numpy())


def test_collapse_of_distinct_rows_changes_nothing():
    frame = _summary()
    unique, w = collapse(frame, ["frequency", "recency", "T"])
    np.testing.assert_array_equal(w, np.ones(4))
    np.testing.assert_array_equal(np.sort(unique["T"]), np.sort(frame["T"].to_numpy()))


# ---------------------------------------------------------------------------------- _base
def test_unfitted_model_says_what_to_do():
    with pytest.raises(NotFittedError, match=r"call fit\(\) or from_params\(\) first"):
        _Toy().summary()
    with pytest.raises(ValueError, match="from_params\\(r=..., alpha=...\\)"):
        _Toy()._check_fitted()


def test_from_params_builds_a_usable_model():
    model = _Toy.from_params(r=0.5, alpha=2.0, time_unit="D")
    assert model.params_ == {"r": 0.5, "alpha": 2.0}
    assert model.time_unit_ == "D"
    assert model.n_customers_ == 0
    table = model.summary()
    assert list(table.index) == ["r", "alpha"]
    assert list(table.columns) == ["estimate", "std_error", "lower_95", "upper_95"]
    assert table.loc["alpha", "estimate"] == 2.0
    assert np.isnan(table.loc["r", "std_error"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"r": 1.0}, "missing alpha"),
        ({"r": 1.0, "alpha": 1.0, "beta": 2.0}, "unknown beta"),
        ({"r": -1.0, "alpha": 1.0}, "r must be greater than zero"),
        ({"r": float("nan"), "alpha": 1.0}, "r must be greater than zero"),
        ({"r": float("inf"), "alpha": 1.0}, "r must be a finite number"),
        ({"r": 1.0, "alpha": 1.0, "time_unit": "fortnight"}, "time_unit must be one of"),
    ],
)
def test_from_params_rejects_bad_parameters(kwargs, match):
    with pytest.raises(CRMLabInputError, match=match):
        _Toy.from_params(**kwargs)


def test_from_params_rejects_text():
    with pytest.raises(TypeError, match="alpha must be a number"):
        _Toy.from_params(r=1.0, alpha="big")


def test_repr_shows_state():
    assert repr(_Toy(penalizer=0.1)) == "_Toy(penalizer=0.1)"
    text = repr(_Toy.from_params(r=0.25, alpha=4.0))
    assert "r=0.25" in text and "alpha=4" in text and "from given parameters" in text


def test_summary_interval_contains_estimate():
    model = _Toy.from_params(r=0.5, alpha=2.0)
    model.standard_errors_ = {"r": 0.1, "alpha": 0.4}
    table = model.summary()
    assert (table["lower_95"] < table["estimate"]).all()
    assert (table["estimate"] < table["upper_95"]).all()
    assert table["lower_95"].gt(0).all()


# ----------------------------------------------------------------------------------- _fit
def test_fit_mle_finds_a_known_maximum_with_standard_errors():
    # Poisson counts: MLE of the rate is the mean; SE = sqrt(mean / n).
    counts = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], dtype=float)

    def nll(theta):
        lam = np.exp(theta[0])
        value = -(counts * np.log(lam) - lam).sum()
        grad = -np.array([(counts - lam).sum()])
        return value, grad

    res = fit_mle(nll, [1.0], ["lam"], jac=True)
    assert res.params["lam"] == pytest.approx(counts.mean(), rel=1e-6)
    assert res.standard_errors["lam"] == pytest.approx(
        np.sqrt(counts.mean() / len(counts)), rel=1e-4
    )


def test_fit_mle_raises_convergence_error_with_advice():
    def nll(theta):  # keeps decreasing as theta grows: no maximum
        return -theta[0], np.array([-1.0])

    with pytest.raises(ConvergenceError, match="penalizer"):
        fit_mle(nll, [1.0], ["x"], jac=True, model="Toy")


def test_fit_mle_rejects_non_finite_start():
    def nll(theta):
        return np.inf, np.zeros(1)

    with pytest.raises(ConvergenceError, match="not finite at the starting values"):
        fit_mle(nll, [1.0], ["x"], jac=True)
