"""The small base class every customer-base model in :mod:`crmlab.clv` shares.

It holds the hyper-parameter (``penalizer``), the fitted-state check, ``from_params`` (a model
from published or assumed parameters, no fitting), ``summary()`` and ``__repr__``. Subclasses set
the class attribute ``_param_names`` (the literature's names, in order) and fill the fitted
attributes ``params_``, ``standard_errors_``, ``log_likelihood_``, ``time_unit_`` and
``n_customers_`` in ``fit`` (``_store_fit`` does it from an :class:`~crmlab.clv._fit.MLEResult`).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from crmlab.clv._data import check_summary, collapse, time_unit_of
from crmlab.clv._fit import fit_mle
from crmlab.errors import ConvergenceError, CRMLabInputError, NotFittedError
from crmlab.transactions import time_unit_days
from crmlab.validation import check_positive

__all__ = ["BaseModel"]


class BaseModel:
    """Base class: hyper-parameters, fitted-state checks, ``from_params``, ``summary``.

    Parameters
    ----------
    penalizer : float, default 0.0
        Strength of an L2 penalty on the log-parameters during fitting (0 = plain maximum
        likelihood). A small value such as 0.001 helps when the optimum sits at a boundary.
    """

    _param_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

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
        self.time_unit_ = time_unit
        self.n_customers_ = int(n_customers)

    @classmethod
    def from_params(cls, time_unit: str = "W", **params: float):
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
            With ``params_`` set; ``log_likelihood_`` and ``standard_errors_`` are NaN and
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
        model.time_unit_ = time_unit
        model.n_customers_ = 0
        return model

    def _check_time_unit(self, data: pd.DataFrame) -> None:
        """Raise if ``data`` says it is in another time unit than the model's parameters."""
        unit = data.attrs.get("time_unit") if isinstance(data, pd.DataFrame) else None
        if unit is not None and unit != self.time_unit_:
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
    parameters), ``_nll_grad(theta, x, tx, T, w)`` (total negative log-likelihood of the
    log-parameters and its gradient) and ``_start(x, tx, T, w)`` (starting values).
    """

    _columns: ClassVar[tuple[str, str, str]] = ("frequency", "recency", "T")

    def fit(self, data: pd.DataFrame, *, weights_col: str | None = None):
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        data : DataFrame
            A summary frame from :func:`crmlab.transactions.rfm_summary` with ``frequency``,
            ``recency`` and ``T`` (its time unit is ``data.attrs["time_unit"]``, default "W").
        weights_col : str, optional
            Column giving how many customers each row stands for.

        Returns
        -------
        self

        Raises
        ------
        CRMLabInputError
            If the summary frame is invalid (the message says which column and how to fix it).
        ConvergenceError
            If the likelihood cannot be maximised (the message suggests remedies).
        """
        penalizer = self._checked_penalizer()
        arrays, w = check_summary(data, self._columns, weights_col=weights_col)
        time_unit = time_unit_of(data)
        time_unit_days(time_unit)
        if _worth_collapsing(arrays):
            arrays, w = collapse(arrays, self._columns, w)
        x, tx, T = (arrays[c] for c in self._columns)
        start, hess_inv0 = self._start(x, tx, T, w), None
        if len(w) > 2 * _SUBSAMPLE:
            # warm start: fit every k-th distinct row (weights scaled up), then polish on all
            keep = np.arange(0, len(w), len(w) // _SUBSAMPLE)
            xs, txs, Ts = x[keep], tx[keep], T[keep]
            ws = w[keep] * (w.sum() / w[keep].sum())
            sub_cache = self._prepare(xs, txs, Ts, ws)
            try:
                sub = fit_mle(
                    lambda theta: self._nll_grad(theta, xs, txs, Ts, ws, sub_cache),
                    start,
                    self._param_names,
                    jac=True,
                    penalizer=penalizer,
                    model=type(self).__name__,
                    start_curvature=True,
                )
                start, hess_inv0 = list(sub.params.values()), sub.covariance_log
            except ConvergenceError:
                pass
        cache = self._prepare(x, tx, T, w)
        result = fit_mle(
            lambda theta: self._nll_grad(theta, x, tx, T, w, cache),
            start,
            self._param_names,
            jac=True,
            penalizer=penalizer,
            model=type(self).__name__,
            hess_inv0=hess_inv0,
            start_curvature=True,
        )
        self._store_fit(result, time_unit=time_unit, n_customers=int(round(w.sum())))
        return self

    def _prepare(self, x, tx, T, w):
        """Data-only quantities reused by every likelihood evaluation during a fit."""
        ux, inv = np.unique(x, return_inverse=True)
        return ux, inv.reshape(-1)

    def _arrays(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._check_fitted()
        self._check_time_unit(data)
        arrays, _ = check_summary(data, self._columns)
        return tuple(arrays[c] for c in self._columns)  # type: ignore[return-value]

    def log_likelihood_individual(self, data: pd.DataFrame) -> pd.Series:
        """Each customer's log-likelihood at the model's parameters (in the data's time unit).

        Parameters
        ----------
        data : DataFrame
            Summary frame with ``frequency``, ``recency`` and ``T``.

        Returns
        -------
        Series
            Indexed like ``data``; its sum is the total log-likelihood.
        """
        x, tx, T = self._arrays(data)
        ll = self._loglik(self._param_array(), x, tx, T)
        return pd.Series(ll, index=data.index, name="log_likelihood")

    @staticmethod
    def _check_t(t: float, name: str = "t") -> float:
        return check_positive(t, name, allow_zero=True)

    @staticmethod
    def _new_grid(t, n=None):
        t_arr = np.asarray(t, dtype=float)
        if np.any(~np.isfinite(t_arr)) or np.any(t_arr < 0):
            raise CRMLabInputError(
                f"t must hold finite times >= 0, got {t!r}. Fix: pass a duration in the "
                "model's time unit, e.g. t=52 for a year in weeks."
            )
        if n is None:
            return t_arr
        n_arr = np.asarray(n, dtype=float)
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


_SUBSAMPLE = 20_000  # distinct rows in the warm-start fit of large data sets


def _worth_collapsing(arrays: dict[str, np.ndarray], probe: int = 20_000) -> bool:
    """Collapse identical rows when a probe of the first rows shows many repeats."""
    n = len(next(iter(arrays.values())))
    if n < 2_000:
        return True
    sample = pd.DataFrame({k: v[:probe] for k, v in arrays.items()})
    return sample.duplicated().mean() > 0.3
