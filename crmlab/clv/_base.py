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

:class:`crmlab.clv._counting._CountingModel` adds what the continuous-time transaction models
share (reading ``frequency``/``recency``/``T``, covariates, collapsing identical rows, a warm
start on large data, the ``simulate`` frame).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, TypeAlias

import numpy as np
import pandas as pd

from crmlab.clv._data import summary_time_unit
from crmlab.clv._fit import fit_mle
from crmlab.clv.covariate_model import CovariateModel
from crmlab.errors import ConvergenceError, CRMLabInputError, NotFittedError
from crmlab.inference import covariance_from_log
from crmlab.transactions import time_unit_days
from crmlab.validation import check_positive

__all__ = ["BaseModel", "LikelihoodProblem"]

#: What ``random_state`` arguments accept: a seed, a NumPy Generator, or None (fresh entropy).
RandomState: TypeAlias = int | np.random.Generator | None


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
    hessian : callable, optional
        Analytic Hessian of ``neg_log_likelihood`` (else differences of the gradient).
    """

    neg_log_likelihood: Callable[[np.ndarray], tuple[float, np.ndarray]]
    start: Sequence[float]
    n_customers: float
    fitted: dict[str, Any] = field(default_factory=dict)
    warm_start: Callable[[float], tuple[Sequence[float], np.ndarray | None]] | None = None
    start_curvature: bool = False
    #: Names and L2 weights of unconstrained parameters after the model's own (covariate
    #: coefficients); ``start`` then ends with their starting values.
    free_names: Sequence[str] = ()
    free_penalties: Sequence[float] = ()
    hessian: Callable[[np.ndarray], np.ndarray] | None = None


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
    n_parameters_ : int
        How many parameters were estimated (with any covariate coefficients).
    aic_, bic_ : float
        Akaike's and Schwarz's information criteria, ``-2 LL + 2 k`` and ``-2 LL + k ln n``
        (lower is better; NaN for ``from_params`` models).
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
            k = len(self._param_names)  # covariate coefficients keep the problem's start
            start = [float(initial_params[n]) for n in self._param_names] + list(start[k:])
        elif problem.warm_start is not None:
            try:
                start, hess_inv0 = problem.warm_start(penalizer)
            except ConvergenceError:
                pass
        n_free = len(problem.free_names)
        penalties = None
        if n_free:
            penalties = [penalizer] * len(self._param_names) + list(problem.free_penalties)
        with np.errstate(all="ignore"):
            result = fit_mle(
                problem.neg_log_likelihood,
                start,
                (*self._param_names, *problem.free_names),
                jac=True,
                penalizer=penalizer,
                n_free=n_free,
                penalties=penalties,
                model=self._label or type(self).__name__,
                hess_inv0=hess_inv0,
                start_curvature=problem.start_curvature,
                advice=self._fit_advice,
                hessian=problem.hessian,
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
        """Copy an :class:`~crmlab.clv._fit.MLEResult` into the fitted attributes.

        Parameters beyond ``_param_names`` (covariate coefficients) are kept in ``_free_fit``
        for the model to store in its own form.
        """
        own = self._param_names
        k = len(own)
        self.params_ = {n: float(result.params[n]) for n in own}
        self.log_likelihood_ = float(result.log_likelihood)
        self.standard_errors_ = {n: float(result.standard_errors[n]) for n in own}
        cov = np.asarray(result.covariance_log, dtype=float)
        self.covariance_ = covariance_from_log(self.params_, cov[:k, :k])
        self.time_unit_ = time_unit
        self.n_customers_ = int(n_customers)
        free = [n for n in result.params if n not in own]
        self._free_fit = (free, result.params, result.standard_errors)
        self._n_estimated = len(result.params)

    @property
    def n_parameters_(self) -> int:
        """How many parameters were estimated (the model's own and any covariate coefficients)."""
        self._check_fitted()
        return int(getattr(self, "_n_estimated", len(self.params_)))

    @property
    def aic_(self) -> float:
        """Akaike's information criterion ``-2 LL + 2 k`` (lower is better)."""
        self._check_fitted()
        return float(-2 * self.log_likelihood_ + 2 * self.n_parameters_)

    @property
    def bic_(self) -> float:
        """Schwarz's Bayesian information criterion ``-2 LL + k ln(n customers)``."""
        self._check_fitted()
        n = self.n_customers_ if self.n_customers_ > 0 else float("nan")
        return float(-2 * self.log_likelihood_ + self.n_parameters_ * np.log(n))

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
        if isinstance(model, CovariateModel):
            model._store_coefficients(None, [], {}, {})
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
        coefs = getattr(self, "coefficients_", None)
        if coefs is not None and len(coefs):
            # covariate coefficients: "purchase:gender", normal-approximation bounds
            rows = pd.DataFrame(
                {
                    "estimate": coefs["estimate"].to_numpy(),
                    "std_error": coefs["se"].to_numpy(),
                    "lower_95": (coefs["estimate"] - 1.959964 * coefs["se"]).to_numpy(),
                    "upper_95": (coefs["estimate"] + 1.959964 * coefs["se"]).to_numpy(),
                },
                index=pd.Index([f"{p}:{c}" for p, c in coefs.index], name="parameter"),
            )
            out = pd.concat([out, rows])
        out.attrs.update(
            {
                "log_likelihood": self.log_likelihood_,
                "n_customers": self.n_customers_,
                "time_unit": self.time_unit_,
                "aic": self.aic_,
                "bic": self.bic_,
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
