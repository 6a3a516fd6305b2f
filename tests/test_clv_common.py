"""Checks every maximum-likelihood model in crmlab.clv must pass (as scikit-learn's estimator checks).

Each model is described once in ``SPECS`` (its class, a published parameter set, and the data it is
fitted on); every check below runs on all six. Model-specific golden values, gradients and
parameter recovery stay in ``tests/test_clv_<model>.py``.
"""

from __future__ import annotations

import inspect
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    GGomNBD,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
)
from crmlab.clv._base import BaseModel
from crmlab.datasets import load_donations
from crmlab.errors import ConvergenceError, CRMLabInputError, NotFittedError

from conftest import rfm_frame


@dataclass(frozen=True)
class Spec:
    model: type[BaseModel]
    params: dict[str, float]
    data: str  # "cdnow", "donations", "survivors" or "ggom" (simulated, GGOM_TRUTH)
    weights: bool = True  # fit(weights_col=...) applies (survivor counts already count)

    def fit(self, data: Any, **kwargs: Any) -> BaseModel:
        return self.model().fit(data, **{**_kwargs(self), **kwargs})


_HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]  # Fader & Hardie (2007), high-end segment
# GGom/NBD's maximum on CDNOW is its Pareto/NBD limit (b -> 0, no proper maximum), so its common
# checks fit data simulated with a clearly ageing drop-out risk (seeded; true values stated).
GGOM_TRUTH = dict(r=0.8, alpha=5.0, b=0.1, s=1.0, beta=5.0)
SPECS = {
    "BetaGeo": Spec(BetaGeo, dict(r=0.243, alpha=4.414, a=0.793, b=2.426), "cdnow"),
    "ModifiedBetaGeo": Spec(ModifiedBetaGeo, dict(r=0.525, alpha=6.183, a=0.891, b=1.614), "cdnow"),
    "ParetoNBD": Spec(ParetoNBD, dict(r=0.553, alpha=10.58, s=0.606, beta=11.67), "cdnow"),
    "GammaGamma": Spec(GammaGamma, dict(p=6.25, q=3.74, gamma=15.44), "cdnow"),
    "BetaGeoBetaBinom": Spec(
        BetaGeoBetaBinom, dict(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783), "donations"
    ),
    "ShiftedBetaGeometric": Spec(
        ShiftedBetaGeometric, dict(alpha=0.668, beta=3.806), "survivors", weights=False
    ),
    "GGomNBD": Spec(GGomNBD, GGOM_TRUTH, "ggom"),
}
COUNTING = ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD", "GGomNBD"]


@pytest.fixture(scope="module")
def datasets(cdnow_summary) -> dict[str, Any]:
    return {
        "cdnow": cdnow_summary,
        "donations": load_donations(),
        "survivors": _HIGH_END,
        "ggom": GGomNBD.from_params(**GGOM_TRUTH).simulate(1_500, 52.0, random_state=1),
    }


@pytest.fixture(scope="module")
def fitted(datasets) -> dict[str, BaseModel]:
    return {name: s.fit(datasets[s.data]) for name, s in SPECS.items()}


names = pytest.mark.parametrize("name", list(SPECS))


def _kwargs(spec: Spec) -> dict[str, str]:
    return {"weights_col": "weights"} if spec.data == "donations" else {}


@names
def test_init_stores_hyper_parameters_only(name):
    model = SPECS[name].model(penalizer=0.5)
    hyper = set(inspect.signature(SPECS[name].model.__init__).parameters) - {"self"}
    assert set(vars(model)) == hyper and model.penalizer == 0.5
    assert repr(model) == f"{SPECS[name].model.__name__}(penalizer=0.5)"


@names
def test_fit_returns_self_and_sets_fitted_attributes(name, datasets):
    spec = SPECS[name]
    model = spec.model()
    assert model.fit(datasets[spec.data], **_kwargs(spec)) is model
    assert list(model.params_) == list(spec.model._param_names)
    assert all(np.isfinite(v) and v > 0 for v in model.params_.values())
    assert all(np.isfinite(v) and v > 0 for v in model.standard_errors_.values())
    assert np.isfinite(model.log_likelihood_) and model.n_customers_ > 0
    assert isinstance(model.time_unit_, str)
    assert "fitted on" in repr(model)


@names
def test_unfitted_model_says_what_to_do(name):
    with pytest.raises(NotFittedError, match=r"call fit\(\) or from_params\(\) first"):
        SPECS[name].model().summary()


@names
def test_from_params_reproduces_the_fitted_likelihood(name, fitted, datasets):
    spec, model = SPECS[name], fitted[name]
    again = spec.model.from_params(time_unit=model.time_unit_, **model.params_)
    data = datasets[spec.data]
    if spec.data == "survivors":
        data = pd.DataFrame(
            {"duration": np.r_[np.arange(1, 8), 7], "churned": np.r_[np.ones(7), 0]}
        )
        counts = [*(-np.diff(_HIGH_END)).tolist(), _HIGH_END[-1]]
        ll = again.log_likelihood_individual(data).to_numpy() @ np.array(counts)
    elif spec.data == "donations":
        ll = again.log_likelihood_individual(data).to_numpy() @ data["weights"].to_numpy()
    else:
        ll = again.log_likelihood_individual(data).sum()
    assert ll == pytest.approx(model.log_likelihood_, rel=1e-8)


@names
def test_summary_lists_every_parameter_with_an_interval(name, fitted):
    table = fitted[name].summary()
    assert list(table.index) == list(SPECS[name].model._param_names)
    assert (table["lower_95"] < table["estimate"]).all()
    assert (table["estimate"] < table["upper_95"]).all()
    assert table.attrs["n_customers"] == fitted[name].n_customers_


@names
@pytest.mark.parametrize("penalizer", [-1.0, float("nan")])
def test_bad_penalizer_is_refused(name, penalizer, datasets):
    spec = SPECS[name]
    with pytest.raises(CRMLabInputError, match="penalizer"):
        spec.model(penalizer=penalizer).fit(datasets[spec.data], **_kwargs(spec))


@names
def test_from_params_needs_exactly_the_literature_names(name):
    spec = SPECS[name]
    with pytest.raises(CRMLabInputError, match="needs exactly the parameters"):
        spec.model.from_params(**{**spec.params, "extra": 1.0})
    first = spec.model._param_names[0]
    with pytest.raises(CRMLabInputError, match=first):
        spec.model.from_params(**{**spec.params, first: -1.0})


@pytest.mark.parametrize("name", [n for n, s in SPECS.items() if s.weights])
def test_weights_give_the_same_fit_as_repeated_rows(name, datasets, fitted):
    spec = SPECS[name]
    data = datasets[spec.data]
    if spec.data == "donations":
        expanded = data.loc[data.index.repeat(data["weights"])].drop(columns="weights")
        weighted, plain = fitted[name], spec.model().fit(expanded.reset_index(drop=True))
    else:
        cols = [c for c in ("frequency", "recency", "T", "monetary_value") if c in data]
        counts = data.groupby(cols).size().rename("n").reset_index()
        counts.attrs = dict(data.attrs)
        weighted, plain = spec.model().fit(counts, weights_col="n"), fitted[name]
    assert weighted.n_customers_ == plain.n_customers_
    assert weighted.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-8)
    for k, v in plain.params_.items():
        assert weighted.params_[k] == pytest.approx(v, rel=1e-4), k


@pytest.mark.parametrize("name", [n for n, s in SPECS.items() if s.data != "survivors"])
def test_a_time_unit_given_twice_must_agree(name, datasets):
    spec = SPECS[name]
    data = datasets[spec.data]
    stated = data.copy()
    stated.attrs["time_unit"] = "W"
    with pytest.raises(CRMLabInputError, match="time_unit='D'.*'W'"):
        spec.fit(stated, time_unit="D")
    assert spec.fit(stated, time_unit="W").time_unit_ == "W"


# ------------------------------------------------------------------ the three counting models
counting = pytest.mark.parametrize("name", COUNTING)


_EXTREME_PARAMS = {
    "BetaGeo": [dict(r=5.0, alpha=0.01, a=3.0, b=0.2), dict(r=0.01, alpha=500.0, a=0.1, b=50.0)],
    "ModifiedBetaGeo": [
        dict(r=5.0, alpha=0.01, a=3.0, b=0.2),
        dict(r=0.01, alpha=500.0, a=0.1, b=50.0),
    ],
    "ParetoNBD": [
        dict(r=5.0, alpha=0.5, s=3.0, beta=20.0),
        dict(r=0.05, alpha=100.0, s=0.1, beta=1.0),
        dict(r=1.0, alpha=1.0, s=1.0, beta=1.0),
    ],
    "GGomNBD": [
        dict(r=5.0, alpha=0.5, b=0.5, s=3.0, beta=20.0),
        dict(r=0.05, alpha=100.0, b=1e-6, s=0.6, beta=1e-5),
        dict(r=1.0, alpha=1.0, b=1.0, s=1.0, beta=1.0),
    ],
}


@counting
def test_no_nan_or_inf_for_extreme_customers(name):
    rows = []
    for x, T in itertools.product([0, 1, 10, 100, 1_000, 10_000], [0.5, 39.0, 1_000.0, 10_000.0]):
        for frac in [0.0] if x == 0 else [1e-6, 0.5, 1.0]:
            rows.append((x, frac * T, T))
    data = rfm_frame(*zip(*rows, strict=True))
    for params in [SPECS[name].params, *_EXTREME_PARAMS[name]]:
        model = SPECS[name].model.from_params(**params)
        assert np.isfinite(model.log_likelihood_individual(data)).all(), params
        assert model.probability_alive(data).between(0, 1).all(), params
        for t in (1.0, 52.0, 10_000.0):
            ce = model.expected_purchases(data, t)
            assert np.isfinite(ce).all() and (ce >= 0).all(), (params, t)


@counting
def test_simulate_matches_the_model_and_is_reproducible(name):
    model = SPECS[name].model.from_params(**SPECS[name].params)
    sim = model.simulate(200_000, 39.0, random_state=3)
    assert sim.attrs["time_unit"] == "W"
    assert (sim["recency"] <= sim["T"]).all()
    assert (sim.loc[sim["frequency"] == 0, "recency"] == 0).all()
    se = sim["frequency"].std() / np.sqrt(len(sim))
    assert abs(sim["frequency"].mean() - model.expected_purchases_new(39.0)) < 4 * se
    assert (sim["frequency"] == 0).mean() == pytest.approx(
        model.probability_purchases_new(39.0, 0), abs=0.005
    )
    pd.testing.assert_frame_equal(
        model.simulate(50, 39.0, random_state=1), model.simulate(50, 39.0, random_state=1)
    )


@counting
def test_absurd_data_raise_convergence_error_with_advice(name):
    data = rfm_frame([0] * 50, [0.0] * 50, [10.0] * 50)  # nobody ever buys again: no maximum
    with pytest.raises(ConvergenceError, match="penalizer"):
        SPECS[name].model().fit(data)


@counting
def test_expected_purchases_grow_with_the_horizon(name, fitted, datasets):
    model, data = fitted[name], datasets["cdnow"]
    ce = [model.expected_purchases(data, t).to_numpy() for t in (10, 52, 104)]
    assert (ce[0] <= ce[1]).all() and (ce[1] <= ce[2]).all()
    assert (ce[0] < ce[2]).any()


_GRADIENT_PARAMS = {
    "BetaGeo": [(0.24, 4.4, 0.79, 2.4), (2.0, 0.5, 3.0, 0.4), (0.05, 40.0, 0.2, 10.0)],
    "ModifiedBetaGeo": [(0.5, 6.2, 0.9, 1.6), (3.0, 0.3, 5.0, 0.5), (0.05, 50.0, 0.1, 9.0)],
    "ParetoNBD": [
        (0.55, 10.6, 0.6, 11.7),
        (0.55, 14.0, 0.6, 9.0),
        (0.5, 8.0, 0.5, 8.0),
        (2.0, 1.0, 0.1, 40.0),
    ],
    "GGomNBD": [
        (0.55, 10.6, 0.01, 0.6, 0.2),
        (2.0, 1.0, 0.3, 0.1, 40.0),
        (0.5, 8.0, 1e-4, 0.6, 1e-3),
    ],
}


@pytest.mark.parametrize(
    ("name", "params"), [(n, p) for n, ps in _GRADIENT_PARAMS.items() for p in ps]
)
def test_analytic_gradient_and_total_match_the_likelihood(name, params, datasets):
    """The fit's objective: its gradient equals finite differences, its value the pure likelihood."""
    data = datasets["cdnow"]
    x, tx, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    w = np.ones(len(x))
    model = SPECS[name].model()
    theta = np.log(params)
    value, grad = model._nll_grad(theta, x, tx, T, w)
    h = 1e-6
    numeric = [
        (model._nll_grad(theta + e, x, tx, T, w)[0] - model._nll_grad(theta - e, x, tx, T, w)[0])
        / (2 * h)
        for e in np.eye(len(params)) * h
    ]
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-3)
    assert -value == pytest.approx(model._loglik(params, x, tx, T).sum(), rel=1e-12)


@names
def test_covariance_matches_the_standard_errors(name, fitted):
    model = fitted[name]
    cov = model.covariance_
    assert list(cov.index) == list(cov.columns) == list(SPECS[name].model._param_names)
    np.testing.assert_allclose(cov.to_numpy(), cov.to_numpy().T, rtol=1e-12)
    se = pd.Series(model.standard_errors_)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), se[cov.index], rtol=1e-9)
    assert np.linalg.eigvalsh(cov.to_numpy()).min() > 0
    unfitted = SPECS[name].model.from_params(**model.params_)
    assert unfitted.covariance_.isna().all().all()
