"""What the continuous-time transaction models share: :class:`_CountingModel`.

BG/NBD, MBG/NBD, Pareto/NBD and GGom/NBD read ``frequency``/``recency``/``T``, take static
covariates (:mod:`crmlab.clv.covariates`), collapse identical rows, start large fits from a
subsample, and simulate summary frames the same way; this module holds that plumbing on top
of :class:`crmlab.clv._base.BaseModel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from crmlab.clv._base import BaseModel, LikelihoodProblem
from crmlab.clv._data import check_summary, collapse
from crmlab.clv._fit import fit_mle
from crmlab.clv.covariate_model import CovariateModel
from crmlab.clv.covariates import CovariateSpec, covariate_matrices, covariate_spec
from crmlab.errors import CRMLabInputError
from crmlab.validation import as_float_array, check_positive

__all__: list[str] = []

#: Distinct rows in the warm-start fit of large data sets (see :class:`_CountingModel`).
_SUBSAMPLE = 20_000


class _CountingModel(CovariateModel, BaseModel):
    """Shared plumbing of the continuous-time transaction models (BG/NBD, MBG/NBD, Pareto/NBD).

    Subclasses provide ``_loglik(params, x, tx, T)`` (per-row log-likelihood, natural
    parameters), ``_nll_grad(theta, x, tx, T, w, cache)`` (total negative log-likelihood of the
    log-parameters and its gradient), ``_start(x, tx, T, w)`` (starting values) and
    ``_draw(params, T, rng)`` (simulated ``frequency`` and ``recency`` for ``simulate``),
    ``_expected(params, t, x, tx, T)`` and ``_alive(params, x, tx, T)`` (the predictions).
    """

    _columns: ClassVar[tuple[str, str, str]] = ("frequency", "recency", "T")
    _needs_time_unit: ClassVar[bool] = True

    def __init__(
        self, penalizer: float = 0.0, covariate_penalty: tuple[float, float] | None = None
    ) -> None:
        self.penalizer = penalizer
        self.covariate_penalty = covariate_penalty

    def fit(
        self,
        data: Any,
        *,
        weights_col: str | None = None,
        time_unit: str | None = None,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
        shared_covariates: Sequence[str] | None = None,
        initial_params: dict[str, float] | None = None,
    ) -> Self:
        """Fit the model by maximum likelihood, optionally with static covariates.

        Parameters
        ----------
        data : DataFrame
            Summary frame with ``frequency``, ``recency``, ``T`` (and the covariate columns).
        weights_col : str, optional
            Column giving how many customers each row stands for.
        time_unit : {"D", "W", "M", "Y"}, optional
            Time unit of ``data`` when ``data.attrs`` does not state it.
        purchase_covariates, dropout_covariates : list of str, optional
            Numeric columns of ``data`` that shift each customer's purchase and drop-out rate
            (see :mod:`crmlab.clv.covariates`; ``covariate_penalty`` in ``__init__`` adds
            CLVTools' L2 penalty).
        shared_covariates : list of str, optional
            Covariates in both lists that get one coefficient for both processes.
        initial_params : dict, optional
            Starting values of the model's own parameters (e.g. an estimate on similar data,
            as the bootstrap refits start from the estimate); default the model's own start.

        Returns
        -------
        self
            With ``coefficients_`` (empty without covariates) and ``covariates_``.
        """
        spec = covariate_spec(purchase_covariates, dropout_covariates, shared_covariates)
        self._check_covariate_support(spec)
        self._fit(
            data,
            weights_col=weights_col,
            time_unit=time_unit,
            initial_params=initial_params,
            covariates=spec,
        )
        self._store_coefficients(spec, *self._free_fit)
        return self

    # -- what each counting model provides (see the class docstring) ----------------------------
    def _loglik(self, params, x, tx, T) -> np.ndarray:
        raise NotImplementedError

    def _nll_grad(self, theta, x, tx, T, w, cache=None) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    def _start(self, x, tx, T, w) -> list[float]:
        raise NotImplementedError

    #: ``(theta, x, tx, T, w, cache) -> Hessian`` of ``_nll_grad``'s total, where a model has
    #: one analytically (else the fit differences the gradient).
    _nll_hess: Any = None

    def _draw(self, params, T, rng) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _expected(self, params, t, x, tx, T) -> np.ndarray:
        raise NotImplementedError

    def _alive(self, params, x, tx, T) -> np.ndarray:
        raise NotImplementedError

    # -- shared plumbing -------------------------------------------------------------------------

    def _problem(
        self,
        data: pd.DataFrame,
        *,
        weights_col: str | None = None,
        covariates: CovariateSpec | None = None,
    ) -> LikelihoodProblem:
        arrays, w = check_summary(data, self._columns, weights_col=weights_col)
        if covariates is not None:
            return self._covariate_problem(data, arrays, w, covariates)
        if _worth_collapsing(arrays):
            arrays, w = collapse(arrays, self._columns, w)
        x, tx, T = (arrays[c] for c in self._columns)
        cache = self._prepare(x, tx, T, w)
        warm = None
        if len(w) > 2 * _SUBSAMPLE:
            warm = lambda penalizer: self._warm_start(x, tx, T, w, penalizer)  # noqa: E731
        hess = self._nll_hess
        return LikelihoodProblem(
            neg_log_likelihood=lambda theta: self._nll_grad(theta, x, tx, T, w, cache),
            start=self._start(x, tx, T, w),
            n_customers=float(w.sum()),
            warm_start=warm,
            start_curvature=True,
            hessian=None if hess is None else lambda theta: hess(theta, x, tx, T, w, cache),
        )

    def _covariate_problem(self, data, arrays, w, spec: CovariateSpec) -> LikelihoodProblem:
        from crmlab.clv.covariates import covariate_groups, grouped_objective

        zp, zd = covariate_matrices(data, spec, fitting=True)
        groups = covariate_groups(zp, zd)
        objective = grouped_objective(
            lambda th, x, tx, T, w, c: self._nll_grad(th, x, tx, T, w, c),
            self._prepare,
            arrays,
            w,
            groups,
            self._links(),
        )
        x, tx, T = (arrays[c] for c in self._columns)
        start = [*self._start(x, tx, T, w), *self._covariate_start(spec)]

        def pooled(penalizer: float):
            """Start from the model without covariates (coefficients 0): fewer iterations."""
            ux, uw = collapse(arrays, self._columns, w)
            px, ptx, pT = (ux[c] for c in self._columns)
            cache = self._prepare(px, ptx, pT, uw)
            fit = fit_mle(
                lambda theta: self._nll_grad(theta, px, ptx, pT, uw, cache),
                start[: len(self._param_names)],
                self._param_names,
                jac=True,
                penalizer=penalizer,
                model=type(self).__name__,
                start_curvature=True,
            )
            return [*fit.params.values(), *start[len(self._param_names) :]], None

        return LikelihoodProblem(
            neg_log_likelihood=objective,
            start=start,
            n_customers=float(w.sum()),
            start_curvature=True,
            warm_start=None if getattr(self, "_warm", None) else pooled,
            free_names=spec.labels(),
            free_penalties=self._covariate_penalties(spec, float(w.sum())),
        )

    def _param_array(self) -> np.ndarray:
        self._check_fitted()
        self._refuse_population_level()
        return super()._param_array()

    def _warm_start(self, x, tx, T, w, penalizer: float):
        """Fit every k-th distinct row (weights scaled up) to start the fit on all rows."""
        keep = np.arange(0, len(w), len(w) // _SUBSAMPLE)
        xs, txs, Ts = x[keep], tx[keep], T[keep]
        ws = w[keep] * (w.sum() / w[keep].sum())
        cache = self._prepare(xs, txs, Ts, ws)
        sub = fit_mle(
            lambda theta: self._nll_grad(theta, xs, txs, Ts, ws, cache),
            self._start(x, tx, T, w),
            self._param_names,
            jac=True,
            penalizer=penalizer,
            model=type(self).__name__,
            start_curvature=True,
        )
        return list(sub.params.values()), sub.covariance_log

    def expected_purchases(
        self, data: pd.DataFrame, t: float, *, time_unit: str | None = None
    ) -> pd.Series:
        """Expected number of purchases in the next ``t`` periods, given each customer's history.

        Parameters
        ----------
        data : DataFrame
            Summary frame with ``frequency``, ``recency``, ``T``.
        t : float
            Length of the future period, in the model's time unit (finite, >= 0).
        time_unit : {"D", "W", "M", "Y"}, optional
            Unit of ``recency`` and ``T`` when ``data.attrs`` does not state it; it must be the
            model's ``time_unit_`` (a unit is never assumed).

        Returns
        -------
        Series
            E[purchases in (T, T+t] | frequency, recency, T], indexed like ``data``.
        """
        t = self._check_t(t)
        arrays = self._arrays(data, time_unit)
        out = self._per_customer(data, arrays, lambda p, *a: self._expected(p, t, *a))
        return pd.Series(out, index=data.index, name="expected_purchases")

    def probability_alive(self, data: pd.DataFrame, *, time_unit: str | None = None) -> pd.Series:
        """Probability that each customer is still active at the end of their observation.

        Parameters
        ----------
        data : DataFrame
            Summary frame with ``frequency``, ``recency``, ``T``.
        time_unit : {"D", "W", "M", "Y"}, optional
            Unit of ``recency`` and ``T`` when ``data.attrs`` does not state it.

        Returns
        -------
        Series
            P(alive | frequency, recency, T), indexed like ``data`` (BG/NBD: 1 for customers
            without repeat purchases, by the model's assumption).
        """
        arrays = self._arrays(data, time_unit)
        out = self._per_customer(data, arrays, self._alive)
        return pd.Series(out, index=data.index, name="probability_alive")

    def simulate(self, n_customers: int, T, random_state=None) -> pd.DataFrame:
        """Draw a summary frame (frequency, recency, T) of customers from the model.

        Parameters
        ----------
        n_customers : int
            How many customers to draw.
        T : float or array_like
            Observation length of every customer (one number or one per customer).
        random_state : int or numpy Generator, optional
            Seed or generator; the only source of randomness.

        Returns
        -------
        DataFrame
            Columns ``frequency``, ``recency``, ``T``; ``attrs["time_unit"]`` is the model's.
        """
        self._check_fitted()
        T_arr = self._simulation_T(n_customers, T)
        rng = np.random.default_rng(random_state)
        x, tx = self._draw(tuple(self._param_array()), T_arr, rng)
        return self._simulated_frame(x, tx, T_arr, self.time_unit_)

    def _prepare(self, x, tx, T, w):
        """Data-only quantities reused by every likelihood evaluation during a fit."""
        ux, inv = np.unique(x, return_inverse=True)
        return ux, inv.reshape(-1)

    def _arrays(
        self, data: pd.DataFrame, time_unit: str | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._check_fitted()
        arrays, _ = check_summary(data, self._columns)
        self._check_time_unit(data, time_unit)
        return tuple(arrays[c] for c in self._columns)  # type: ignore[return-value]

    def log_likelihood_individual(
        self, data: pd.DataFrame, *, time_unit: str | None = None
    ) -> pd.Series:
        """Each customer's log-likelihood at the model's parameters (in the data's time unit).

        Parameters
        ----------
        data : DataFrame
            Summary frame with ``frequency``, ``recency`` and ``T``.
        time_unit : {"D", "W", "M", "Y"}, optional
            Unit of ``recency`` and ``T`` when ``data.attrs`` does not state it.

        Returns
        -------
        Series
            Indexed like ``data``; its sum is the total log-likelihood.
        """
        arrays = self._arrays(data, time_unit)
        ll = self._per_customer(data, arrays, self._loglik)
        return pd.Series(ll, index=data.index, name="log_likelihood")

    @staticmethod
    def _check_t(t: float, name: str = "t") -> float:
        return check_positive(t, name, allow_zero=True)

    def _new_grid(self, t, n=None):
        """Check that the model is fitted, then ``t`` (and ``n``) as float arrays, broadcast."""
        self._check_fitted()
        t_arr = as_float_array(t, "t")
        if np.any(~np.isfinite(t_arr)) or np.any(t_arr < 0):
            raise CRMLabInputError(
                f"t must hold finite times >= 0, got {t!r}. Fix: pass a duration in the "
                "model's time unit, e.g. t=52 for a year in weeks."
            )
        if n is None:
            return t_arr
        n_arr = as_float_array(n, "n")
        if np.any(~np.isfinite(n_arr)) or np.any(n_arr < 0) or np.any(n_arr % 1 != 0):
            raise CRMLabInputError(
                f"n must hold whole numbers >= 0 (numbers of repeat purchases), got {n!r}."
            )
        return np.broadcast_arrays(t_arr, n_arr)

    @staticmethod
    def _simulation_T(n_customers: int, T) -> np.ndarray:
        n = int(n_customers)
        if n != n_customers or n < 1:
            raise CRMLabInputError(f"n_customers must be a whole number >= 1, got {n_customers!r}.")
        T_arr = np.asarray(T, dtype=float)
        if T_arr.ndim == 0:
            T_arr = np.full(n, float(T_arr))
        if T_arr.shape != (n,):
            raise CRMLabInputError(
                f"T must be one number or an array of n_customers={n} numbers, got shape "
                f"{T_arr.shape}. Fix: pass T=39.0 or an array with one T per customer."
            )
        if np.any(~np.isfinite(T_arr)) or np.any(T_arr <= 0):
            raise CRMLabInputError("T must be finite and > 0 for every simulated customer.")
        return T_arr

    @staticmethod
    def _simulated_frame(x, tx, T, time_unit: str) -> pd.DataFrame:
        out = pd.DataFrame(
            {"frequency": x.astype(np.int64), "recency": tx, "T": T},
            index=pd.RangeIndex(len(x), name="customer_id"),
        )
        out.attrs["time_unit"] = time_unit
        return out


def _worth_collapsing(arrays: dict[str, np.ndarray], probe: int = 20_000) -> bool:
    """Collapse identical rows when a probe of the first rows shows many repeats.

    Up to twice the probe's size the probe would cost about as much as collapsing: collapse.
    """
    n = len(next(iter(arrays.values())))
    if n <= 2 * probe:
        return True
    key = np.zeros(min(n, probe), dtype=np.int64)
    for v in arrays.values():  # one integer per distinct row (at most probe**3 < 2**63)
        codes, uniq = pd.factorize(v[:probe])
        key = key * len(uniq) + codes
    return 1.0 - len(pd.unique(key)) / len(key) > 0.3  # the share of repeated rows
