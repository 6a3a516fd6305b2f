"""The one small base every maximum-likelihood model in :mod:`crmlab.clv` is built on.

:class:`BaseModel` owns ``fit`` (penalizer check, time unit, maximisation, standard errors,
storing the fitted attributes), ``from_params`` (a model from published or assumed parameters),
``summary()`` and ``__repr__``. A model file then holds only what is its own, as lifelines'
parametric fitters do:

- ``_param_names``: the literature's parameter names, in order;
- ``_problem(data, weights_col=..., **options)``: reads and checks the data and returns a
  :class:`LikelihoodProblem` (the negative log-likelihood of the log-parameters with its
  gradient, starting values, how many customers the data stand for);
- the likelihood as a pure function beside the class, and the predictions.

:class:`_CountingModel` adds what the three continuous-time transaction models share (reading
``frequency``/``recency``/``T``, collapsing identical rows, a warm start on large data, the
``simulate`` frame).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, TypeAlias

import numpy as np
import pandas as pd

from crmlab.clv._data import check_summary, collapse, summary_time_unit
from crmlab.clv._fit import fit_mle
from crmlab.errors import ConvergenceError, CRMLabInputError, NotFittedError
from crmlab.inference import covariance_from_log
from crmlab.transactions import time_unit_days
from crmlab.validation import as_float_array, check_positive

__all__ = ["BaseModel", "LikelihoodProblem"]

#: What ``random_state`` arguments accept: a seed, a NumPy Generator, or None (fresh entropy).
RandomState: TypeAlias = int | np.random.Generator | None

#: Distinct rows in the warm-start fit of large data sets (see :class:`_CountingModel`).
_SUBSAMPLE = 20_000


@dataclass
class LikelihoodProblem:
    """What :meth:`BaseModel.fit` needs from a model and its data.

    Attributes
    ----------
    neg_log_likelihood : callable
        Function of the log-parameters returning ``(total negative log-likelihood, gradient)``.
    start : sequence of float
        Starting values of the natural (positive) parameters.
    n_customers : float
        How many customers the data stand for (the sum of the row weights).
    fitted : dict
        Further fitted attributes the model sets (e.g. ``{"n_excluded_": 3}``).
    warm_start : callable, optional
        Given the penalizer, returns better starting values and a covariance guess (or None),
        e.g. from a fit on a subsample; a failure there is ignored.
    start_curvature : bool
        Start BFGS from the Hessian at the starting values.
    """

    neg_log_likelihood: Callable[[np.ndarray], tuple[float, np.ndarray]]
    start: Sequence[float]
    n_customers: float
    fitted: dict[str, Any] = field(default_factory=dict)
    warm_start: Callable[[float], tuple[Sequence[float], np.ndarray | None]] | None = None
    start_curvature: bool = False


class BaseModel:
    """Base class: hyper-parameters, ``fit``, fitted-state checks, ``from_params``, ``summary``.

    The rule for arguments: what shapes the estimate is a hyper-parameter of ``__init__``
    (``penalizer``); what says how to read the data is a keyword-only argument of ``fit``. Every
    model's ``fit(data, *, weights_col=None, time_unit=None)`` takes the same two: the column that
    counts how many customers a row stands for, and the time unit of the data when the frame does
    not carry it in ``data.attrs["time_unit"]`` (a unit given both ways must agree). A model adds
    a data option of its own only where its data need one (``GammaGamma.fit``'s
    ``exclude_nonpositive``), and documents it in its ``fit``.

    Parameters
    ----------
    penalizer : float, default 0.0
        Strength of an L2 penalty on the log-parameters during fitting (0 = plain maximum
        likelihood). A small value such as 0.001 helps when the optimum sits at a boundary.

    Attributes
    ----------
    params_ : dict
        The estimates by their literature names.
    standard_errors_ : dict
        Their standard errors, from the Hessian of the log-likelihood.
    covariance_ : DataFrame
        Covariance of the estimates (delta method from the log-parameters' inverse Hessian);
        its diagonal is ``standard_errors_`` squared. NaN for ``from_params`` models.
    log_likelihood_ : float
        Total log-likelihood at the estimates (higher is better).
    time_unit_ : str
        Time unit of the data the model was fitted on.
    n_customers_ : int
        How many customers the fit used.
    """

    _param_names: ClassVar[tuple[str, ...]] = ()
    #: Time unit assumed when neither the data nor ``fit(time_unit=...)`` states one, for models
    #: whose unit is only a label (discrete periods, spend).
    _default_time_unit: ClassVar[str] = "W"
    #: True for models whose data hold durations (recency, T): their unit is never assumed.
    _needs_time_unit: ClassVar[bool] = False
    #: What to try when a fit fails, in the terms of the model's data (None: the transaction
    #: models' advice about time units and recency <= T).
    _fit_advice: ClassVar[str | None] = None
    #: Name used in error messages.
    _label: ClassVar[str] = ""

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    # -- fitting -------------------------------------------------------------------------------
    def fit(
        self,
        data: Any,
        *,
        weights_col: str | None = None,
        time_unit: str | None = None,
        initial_params: dict[str, float] | None = None,
    ) -> Self:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        data : DataFrame
            The model's input frame (see the model's documentation for its columns).
        weights_col : str, optional
            Column giving how many customers each row stands for.
        time_unit : {"D", "W", "M", "Y"}, optional
            Time unit of ``data`` when ``data.attrs`` does not state it.
        initial_params : dict, optional
            Starting values of the parameters (e.g. an estimate on similar data, as the
            bootstrap refits start from the estimate); default the model's own start.

        Returns
        -------
        self

        Raises
        ------
        CRMLabInputError
            If the data are invalid (the message says which column and how to fix it).
        ConvergenceError
            If the likelihood cannot be maximised (the message suggests remedies).
        """
        return self._fit(
            data, weights_col=weights_col, time_unit=time_unit, initial_params=initial_params
        )

    def _fit(
        self,
        data: Any,
        *,
        weights_col: str | None,
        time_unit: str | None,
        initial_params: dict[str, float] | None = None,
        **options: Any,
    ) -> Self:
        """The fit itself; ``options`` are a model's own data options (``GammaGamma``)."""
        penalizer = self._checked_penalizer()
        unit = self._fit_time_unit(data, time_unit)
        problem = self._problem(data, weights_col=weights_col, **options)
        start: Sequence[float] = list(problem.start)
        hess_inv0: np.ndarray | None = None
        if initial_params is not None:
            start = [float(initial_params[n]) for n in self._param_names]
        elif problem.warm_start is not None:
            try:
                start, hess_inv0 = problem.warm_start(penalizer)
            except ConvergenceError:
                pass
        with np.errstate(all="ignore"):
            result = fit_mle(
                problem.neg_log_likelihood,
                start,
                self._param_names,
                jac=True,
                penalizer=penalizer,
                model=self._label or type(self).__name__,
                hess_inv0=hess_inv0,
                start_curvature=problem.start_curvature,
                advice=self._fit_advice,
            )
        self._store_fit(result, time_unit=unit, n_customers=int(round(problem.n_customers)))
        for name, value in problem.fitted.items():
            setattr(self, name, value)
        return self

    def _problem(self, data: Any, *, weights_col: str | None = None) -> LikelihoodProblem:
        raise NotImplementedError

    def _fit_time_unit(self, data: Any, time_unit: str | None) -> str:
        default = None if self._needs_time_unit else self._default_time_unit
        return summary_time_unit(data, time_unit, default=default)

    # -- state ---------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} has no parameters yet: call fit() or from_params() "
                f"first, e.g. {type(self).__name__}().fit(summary) or "
                f"{type(self).__name__}.from_params("
                + ", ".join(f"{n}=..." for n in self._param_names)
                + ")."
            )

    def _checked_penalizer(self) -> float:
        return check_positive(self.penalizer, "penalizer", allow_zero=True)

    def _param_array(self) -> np.ndarray:
        self._check_fitted()
        return np.array([self.params_[n] for n in self._param_names], dtype=float)

    def _store_fit(self, result: Any, *, time_unit: str, n_customers: int) -> None:
        """Copy an :class:`~crmlab.clv._fit.MLEResult` into the fitted attributes."""
        self.params_ = dict(result.params)
        self.log_likelihood_ = float(result.log_likelihood)
        self.standard_errors_ = dict(result.standard_errors)
        self.covariance_ = covariance_from_log(self.params_, result.covariance_log)
        self.time_unit_ = time_unit
        self.n_customers_ = int(n_customers)

    @classmethod
    def from_params(cls, time_unit: str = "W", **params: float) -> Self:
        """Build a usable model from known parameters, without fitting.

        Parameters
        ----------
        time_unit : str, default "W"
            Time unit the parameters refer to ("D", "W", "M" or "Y").
        **params : float
            Every parameter by its literature name (see ``_param_names``), all positive.

        Returns
        -------
        model
            With ``params_`` set; ``log_likelihood_``, ``standard_errors_`` and ``covariance_``
            are NaN and
            ``n_customers_`` is 0.

        Examples
        --------
        >>> BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)  # doctest: +SKIP
        """
        names = cls._param_names
        missing = [n for n in names if n not in params]
        extra = [n for n in params if n not in names]
        if missing or extra:
            got = ", ".join(sorted(params)) or "nothing"
            raise CRMLabInputError(
                f"{cls.__name__}.from_params needs exactly the parameters "
                f"{', '.join(names)}; got {got}"
                + (f" (missing {', '.join(missing)})" if missing else "")
                + (f" (unknown {', '.join(extra)})" if extra else "")
                + ". Fix: pass each one by name, e.g. "
                + ", ".join(f"{n}=1.0" for n in names)
                + "."
            )
        for n in names:
            v = check_positive(params[n], n)
            if not math.isfinite(v):
                raise CRMLabInputError(f"{n} must be a finite number, got {params[n]!r}.")
        time_unit_days(time_unit)  # raises on an unknown unit
        model = cls()
        model.params_ = {n: float(params[n]) for n in names}
        model.log_likelihood_ = float("nan")
        model.standard_errors_ = {n: float("nan") for n in names}
        model.covariance_ = pd.DataFrame(np.nan, index=list(names), columns=list(names))
        model.time_unit_ = time_unit
        model.n_customers_ = 0
        return model

    def _check_time_unit(self, data: pd.DataFrame, time_unit: str | None = None) -> None:
        """Raise if ``data`` is in another unit than the model, or states none (duration models)."""
        default = None if self._needs_time_unit else self.time_unit_
        unit = summary_time_unit(data, time_unit, default=default)
        if unit != self.time_unit_:
            raise CRMLabInputError(
                f"data is measured in time unit {unit!r} but the {type(self).__name__} was "
                f"fitted in {self.time_unit_!r}. Fix: rebuild the summary with "
                f"rfm_summary(..., time_unit={self.time_unit_!r}) or refit the model on this data."
            )

    # -- reporting -----------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Estimates and standard errors, one row per parameter.

        Returns
        -------
        DataFrame
            Index: parameter names; columns ``estimate``, ``std_error``, ``lower_95``,
            ``upper_95`` (normal approximation on the log scale, so bounds stay positive).
        """
        self._check_fitted()
        est = pd.Series(self.params_, dtype=float)
        se = pd.Series(self.standard_errors_, dtype=float).reindex(est.index)
        se_log = se / est
        out = pd.DataFrame(
            {
                "estimate": est,
                "std_error": se,
                "lower_95": est * np.exp(-1.959964 * se_log),
                "upper_95": est * np.exp(1.959964 * se_log),
            }
        )
        out.index.name = "parameter"
        out.attrs.update(
            {
                "log_likelihood": self.log_likelihood_,
                "n_customers": self.n_customers_,
                "time_unit": self.time_unit_,
            }
        )
        return out

    def __repr__(self) -> str:
        head = f"{type(self).__name__}(penalizer={self.penalizer!r})"
        if not hasattr(self, "params_"):
            return head
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        how = (
            f"fitted on {self.n_customers_:,} customers"
            if self.n_customers_
            else "from given parameters"
        )
        return f"<{head}: {params}; {how}; time unit {self.time_unit_!r}>"


class _CountingModel(BaseModel):
    """Shared plumbing of the continuous-time transaction models (BG/NBD, MBG/NBD, Pareto/NBD).

    Subclasses provide ``_loglik(params, x, tx, T)`` (per-row log-likelihood, natural
    parameters), ``_nll_grad(theta, x, tx, T, w, cache)`` (total negative log-likelihood of the
    log-parameters and its gradient), ``_start(x, tx, T, w)`` (starting values) and
    ``_draw(params, T, rng)`` (simulated ``frequency`` and ``recency`` for ``simulate``),
    ``_expected(params, t, x, tx, T)`` and ``_alive(params, x, tx, T)`` (the predictions).
    """

    _columns: ClassVar[tuple[str, str, str]] = ("frequency", "recency", "T")
    _needs_time_unit: ClassVar[bool] = True

    # -- what each counting model provides (see the class docstring) ----------------------------
    def _loglik(self, params, x, tx, T) -> np.ndarray:
        raise NotImplementedError

    def _nll_grad(self, theta, x, tx, T, w, cache=None) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    def _start(self, x, tx, T, w) -> list[float]:
        raise NotImplementedError

    def _draw(self, params, T, rng) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _expected(self, params, t, x, tx, T) -> np.ndarray:
        raise NotImplementedError

    def _alive(self, params, x, tx, T) -> np.ndarray:
        raise NotImplementedError

    # -- shared plumbing -------------------------------------------------------------------------

    def _problem(self, data: pd.DataFrame, *, weights_col: str | None = None) -> LikelihoodProblem:
        arrays, w = check_summary(data, self._columns, weights_col=weights_col)
        if _worth_collapsing(arrays):
            arrays, w = collapse(arrays, self._columns, w)
        x, tx, T = (arrays[c] for c in self._columns)
        cache = self._prepare(x, tx, T, w)
        warm = None
        if len(w) > 2 * _SUBSAMPLE:
            warm = lambda penalizer: self._warm_start(x, tx, T, w, penalizer)  # noqa: E731
        return LikelihoodProblem(
            neg_log_likelihood=lambda theta: self._nll_grad(theta, x, tx, T, w, cache),
            start=self._start(x, tx, T, w),
            n_customers=float(w.sum()),
            warm_start=warm,
            start_curvature=True,
        )

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
        x, tx, T = self._arrays(data, time_unit)
        out = self._expected(tuple(self._param_array()), t, x, tx, T)
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
        x, tx, T = self._arrays(data, time_unit)
        out = self._alive(tuple(self._param_array()), x, tx, T)
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
        x, tx, T = self._arrays(data, time_unit)
        ll = self._loglik(self._param_array(), x, tx, T)
        return pd.Series(ll, index=data.index, name="log_likelihood")

    @staticmethod
    def _check_t(t: float, name: str = "t") -> float:
        return check_positive(t, name, allow_zero=True)

    @staticmethod
    def _new_grid(t, n=None):
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
    """Collapse identical rows when a probe of the first rows shows many repeats."""
    n = len(next(iter(arrays.values())))
    if n < 2_000:
        return True
    sample = pd.DataFrame({k: v[:probe] for k, v in arrays.items()})
    return sample.duplicated().mean() > 0.3
