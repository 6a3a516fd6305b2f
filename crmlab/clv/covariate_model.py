"""The covariate side of a transaction model: :class:`CovariateModel`, a mixin of every model.

It turns fitted coefficients into each customer's parameters for the per-customer predictions,
refuses population-level questions that have no single answer once customers differ, and builds
known-truth models for simulation (``with_coefficients``, ``simulate_customers``). The
parametrisation and the likelihood are in :mod:`crmlab.clv.covariates`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from crmlab.clv.covariates import (
    PROCESSES,
    CovariateGroups,
    CovariateSpec,
    coefficient_table,
    covariate_groups,
    covariate_matrices,
    covariate_spec,
    empty_coefficients,
    group_log_params,
)
from crmlab.errors import CRMLabInputError

__all__ = ["CovariateModel"]


class CovariateModel:
    """What a transaction model needs to take static covariates (a mixin of ``_CountingModel``).

    A model declares ``_covariate_links``: for each process, the log-parameters its linear
    predictor enters and with which sign (Pareto/NBD ``{"purchase": {"alpha": -1},
    "dropout": {"beta": -1}}``). The fitted model keeps ``covariates_`` (the
    :class:`CovariateSpec`, None without covariates) and ``coefficients_``; its per-customer
    predictions then read each customer's covariates from the frame they are given.
    """

    _param_names: ClassVar[tuple[str, ...]]
    _covariate_links: ClassVar[dict[str, dict[str, float]]] = {}
    params_: dict[str, float]
    covariates_: CovariateSpec | None

    def _links(self) -> np.ndarray:
        links = np.zeros((2, len(self._param_names)))
        for i, process in enumerate(PROCESSES):
            for param, sign in self._covariate_links.get(process, {}).items():
                links[i, self._param_names.index(param)] = sign
        return links

    def _check_covariate_support(self, spec: CovariateSpec | None) -> None:
        if spec is None:
            return
        for process, own in (("purchase", spec.purchase), ("dropout", spec.dropout)):
            if own and process not in self._covariate_links:
                raise CRMLabInputError(
                    f"{type(self).__name__} has no {process} covariates. Fix: leave out "
                    f"{process}_covariates."
                )

    def _covariate_start(self, spec: CovariateSpec) -> list[float]:
        return [0.0] * len(spec.free)

    def _covariate_penalties(self, spec: CovariateSpec, n_customers: float) -> list[float]:
        """CLVTools' ``reg.lambdas`` on the total log-likelihood: ``n * lambda`` per process."""
        lam = getattr(self, "covariate_penalty", None) or (0.0, 0.0)
        if (
            len(lam) != 2
            or not all(isinstance(v, int | float) for v in lam)
            or not all(np.isfinite(v) and v >= 0 for v in lam)
        ):
            raise CRMLabInputError(
                f"covariate_penalty must be two numbers >= 0 (purchase, dropout), got {lam!r}. "
                "Fix: e.g. covariate_penalty=(0.1, 0.1), or None for no penalty."
            )
        return list(
            n_customers * (lam[0] * spec.loadings("purchase") + lam[1] * spec.loadings("dropout"))
        )

    def _store_coefficients(self, spec: CovariateSpec | None, names, values, ses) -> None:
        self.covariates_ = spec
        if spec is None:
            self.coefficients_ = empty_coefficients()
            self._coef = np.zeros(0)
            return
        self._coef = np.array([values[n] for n in names], dtype=float)
        se = np.array([ses[n] for n in names], dtype=float)
        self.coefficients_ = coefficient_table(spec, self._coef, se)

    def _group_params(self, data: pd.DataFrame) -> tuple[CovariateGroups, np.ndarray]:
        """Each customer's covariate group and the natural parameters of every group."""
        assert self.covariates_ is not None
        zp, zd = covariate_matrices(data, self.covariates_, name="data")
        groups = covariate_groups(zp, zd)
        base = np.log([self.params_[n] for n in self._param_names])
        return groups, np.exp(group_log_params(base, self._coef, groups, self._links()))

    def _per_customer(self, data: pd.DataFrame, arrays, fn) -> np.ndarray:
        """``fn(params, *arrays)`` with each customer's own parameters (one call per group)."""
        if getattr(self, "covariates_", None) is None:
            params = tuple(self.params_[n] for n in self._param_names)
            return fn(params, *arrays)
        groups, params = self._group_params(data)
        out = np.empty(len(arrays[0]))
        for g, p in enumerate(params):
            rows = groups.codes == g
            out[rows] = fn(tuple(p), *(a[rows] for a in arrays))
        return out

    def _refuse_population_level(self) -> None:
        spec = getattr(self, "covariates_", None)
        if spec is not None:
            cols = ", ".join(f"{c!r}: ..." for c in spec.columns)
            raise CRMLabInputError(
                f"this {type(self).__name__} was fitted with covariates, so there is no single "
                "customer population: the answer depends on the covariates. Fix: ask for one "
                f"profile, e.g. model.at_covariates({{{cols}}}).expected_purchases_new(52), or "
                "use the per-customer methods with a frame that holds the covariates."
            )

    def at_covariates(self, values: Mapping[str, float]) -> Any:
        """The model of customers with given covariate values (a model without covariates).

        Parameters
        ----------
        values : mapping of str to float
            A value for every covariate the model was fitted with.

        Returns
        -------
        model
            Of the same class, built with ``from_params`` from that profile's parameters, for
            the population-level methods (``expected_purchases_new``, ``simulate``, ...).
        """
        if getattr(self, "covariates_", None) is None:
            raise CRMLabInputError(
                f"this {type(self).__name__} has no covariates. Fix: use the model itself."
            )
        frame = pd.DataFrame([dict(values)])
        _, params = self._group_params(frame)
        return type(self).from_params(  # type: ignore[attr-defined]
            time_unit=self.time_unit_,  # type: ignore[attr-defined]
            **dict(zip(self._param_names, params[0], strict=True)),
        )

    def with_coefficients(
        self,
        *,
        purchase: Mapping[str, float] | None = None,
        dropout: Mapping[str, float] | None = None,
    ) -> Self:
        """A copy of this model with known covariate coefficients (e.g. to simulate from).

        Parameters
        ----------
        purchase, dropout : mapping of str to float, optional
            Coefficient of each covariate in each process (CLVTools' parametrisation, see
            :mod:`crmlab.clv.covariates`).

        Returns
        -------
        model
            Of the same class with ``covariates_`` and ``coefficients_`` set (standard errors
            NaN); its per-customer methods and :meth:`simulate_customers` read the covariates
            from the frame they are given.
        """
        self._check_fitted()  # type: ignore[attr-defined]
        if getattr(self, "covariates_", None) is not None:
            raise CRMLabInputError("this model already has covariates; start from from_params.")
        purchase, dropout = dict(purchase or {}), dict(dropout or {})
        spec = covariate_spec(list(purchase), list(dropout))
        if spec is None:
            raise CRMLabInputError("give at least one coefficient, e.g. purchase={'gender': 0.3}.")
        self._check_covariate_support(spec)
        model = type(self).from_params(  # type: ignore[attr-defined]
            time_unit=self.time_unit_,  # type: ignore[attr-defined]
            **self.params_,
        )
        names = spec.labels()
        values = {
            f"{p}:{c}": v
            for p, d in (("purchase", purchase), ("dropout", dropout))
            for c, v in d.items()
        }
        model._store_coefficients(spec, names, values, dict.fromkeys(names, float("nan")))
        return model

    def simulate_customers(
        self, covariates: pd.DataFrame, T: Any, random_state: Any = None
    ) -> pd.DataFrame:
        """Draw each customer's summary row given their covariates.

        Parameters
        ----------
        covariates : DataFrame
            One row per customer with every covariate column of the model.
        T : float or array_like
            Observation length of every customer (one number or one per row).
        random_state : int or numpy Generator, optional
            Seed or generator; the only source of randomness.

        Returns
        -------
        DataFrame
            ``frequency``, ``recency``, ``T`` and the covariate columns, indexed like
            ``covariates``; ``attrs["time_unit"]`` is the model's.
        """
        if getattr(self, "covariates_", None) is None:
            raise CRMLabInputError(
                "this model has no covariates. Fix: use simulate(n_customers, T), or add "
                "coefficients with with_coefficients(purchase={...}, dropout={...})."
            )
        T_arr = self._simulation_T(len(covariates), T)  # type: ignore[attr-defined]
        rng = np.random.default_rng(random_state)
        groups, params = self._group_params(covariates)
        x = np.zeros(len(T_arr))
        tx = np.zeros(len(T_arr))
        for g, p in enumerate(params):
            rows = groups.codes == g
            x[rows], tx[rows] = self._draw(tuple(p), T_arr[rows], rng)  # type: ignore[attr-defined]
        out = pd.DataFrame(
            {"frequency": x.astype(np.int64), "recency": tx, "T": T_arr}, index=covariates.index
        )
        out = out.join(covariates[self.covariates_.columns])  # type: ignore[union-attr]
        out.attrs["time_unit"] = self.time_unit_  # type: ignore[attr-defined]
        return out
