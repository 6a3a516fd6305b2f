"""Customer lifetime value from a transaction model and a spend model, discounted period by period.

``CLV_i = margin * spend_i * sum_{k=1}^{H} (E_i[X(k)] - E_i[X(k-1)]) / (1 + d)^k``

where ``E_i[X(k)]`` is the transaction model's conditional expected number of purchases of
customer ``i`` in the next ``k`` CLV periods, ``spend_i`` the spend model's expected value per
purchase, ``H`` the horizon and ``d`` the discount rate per period. Purchases made during period
``k`` are discounted as if paid at its end (the convention of lifetimes and of most textbooks).

Time units are explicit: ``horizon`` and ``discount_rate`` are in ``time_unit`` (months by
default, a month being 30.4375 days), and each period boundary ``k`` is converted to the
transaction model's own time unit before the model is asked (12 months = 52.18 weeks = 365.25
days). There are no hidden 30-day steps.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from crmlab.clv._data import summary_time_unit
from crmlab.errors import CRMLabInputError
from crmlab.transactions import time_unit_days
from crmlab.validation import as_1d_array, as_whole_number, check_frame, check_positive

__all__ = ["customer_lifetime_value", "discount_factors"]


def discount_factors(horizon: int, discount_rate: float) -> np.ndarray:
    """End-of-period discount factors ``1 / (1 + d)^k`` for ``k = 1..horizon``."""
    k = np.arange(1, int(horizon) + 1, dtype=float)
    return np.exp(-k * np.log1p(discount_rate))


def _spend(spend_model, data: pd.DataFrame) -> np.ndarray:
    if isinstance(spend_model, numbers.Real) and not isinstance(spend_model, bool):
        value = check_positive(
            spend_model, "spend_model (a constant spend per purchase)", allow_zero=True
        )
        return np.full(len(data), value)
    if isinstance(spend_model, pd.Series):
        for what, index in (("spend_model", spend_model.index), ("data", data.index)):
            dup = index.duplicated()
            if dup.any():
                raise CRMLabInputError(
                    f"{what} has {int(dup.sum()):,} duplicated customer id(s) in its index "
                    f"(first: {index[dup].tolist()[0]!r}), so a spend cannot be matched to one customer. "
                    f"Fix: keep one row per customer, e.g. {what}[~{what}.index.duplicated()], "
                    "or pass gg.expected_spend(data)."
                )
        if not spend_model.index.equals(data.index):
            missing = data.index.difference(spend_model.index)
            if len(missing):
                raise CRMLabInputError(
                    f"spend_model is a Series that lacks {len(missing):,} of the customers in "
                    f"data (first: {missing[0]!r}). Fix: pass a Series indexed like data, e.g. "
                    "gg.expected_spend(data)."
                )
            spend_model = spend_model.reindex(data.index)
        if not pd.api.types.is_numeric_dtype(spend_model) or pd.api.types.is_bool_dtype(
            spend_model
        ):
            as_1d_array(spend_model.dropna(), "spend_model", allow_bool=False, allow_negative=True)
        values = spend_model.to_numpy(dtype=float)
    elif hasattr(spend_model, "expected_spend"):
        values = spend_model.expected_spend(data).to_numpy(dtype=float)
    else:
        raise TypeError(
            "spend_model must be a fitted spend model with expected_spend(data) (e.g. "
            "GammaGamma().fit(summary)), a Series of expected spend per purchase indexed like "
            f"data, or one number; got {type(spend_model).__name__}."
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise CRMLabInputError(
            f"expected spend is missing, infinite or negative for {int(bad.sum()):,} customers "
            f"(first: {data.index[pos]!r}, value {values[pos]!r}). Fix: check monetary_value for "
            "those customers."
        )
    return values


def customer_lifetime_value(
    transaction_model,
    spend_model,
    data: pd.DataFrame,
    horizon: int = 12,
    discount_rate: float = 0.01,
    time_unit: str = "M",
    margin: float = 1.0,
    data_time_unit: str | None = None,
) -> pd.Series:
    """Discounted expected value of each customer's purchases over the next ``horizon`` periods.

    Parameters
    ----------
    transaction_model : fitted model
        Any model with ``expected_purchases(data, t)`` (conditional, in its own time unit
        ``time_unit_``): :class:`~crmlab.clv.BetaGeo`, :class:`~crmlab.clv.ParetoNBD`,
        :class:`~crmlab.clv.BetaGeoBetaBinom` (whole periods only: use ``time_unit`` equal to
        its period), ...
    spend_model : fitted spend model, Series or float
        A model with ``expected_spend(data)`` (e.g. :class:`~crmlab.clv.GammaGamma`), a Series of
        expected spend per purchase indexed like ``data``, or one number for everybody.
    data : DataFrame
        The summary frame the models were fitted on (or one like it).
    horizon : int, default 12
        Number of periods to value, in ``time_unit``.
    discount_rate : float, default 0.01
        Discount rate per period of ``time_unit`` (0.01 = 1% a month, about 12.7% a year).
    time_unit : {"D", "W", "M", "Y"}, default "M"
        Unit of ``horizon`` and ``discount_rate`` (month = 30.4375 days).
    margin : float, default 1.0
        Share of revenue that is profit (0.3 = 30% margin); 1 values revenue.
    data_time_unit : {"D", "W", "M", "Y"}, optional
        Unit of ``recency`` and ``T`` in ``data`` when ``data.attrs["time_unit"]`` does not state
        it (after a CSV round trip, for example). A unit is never assumed.

    Returns
    -------
    Series
        Named ``clv``, indexed like ``data``, in the currency of the spend.

    Examples
    --------
    >>> clv = customer_lifetime_value(bgf, gg, summary, horizon=12, discount_rate=0.01)  # doctest: +SKIP
    """
    check_frame(data, "data")
    try:
        horizon = as_whole_number(horizon, "horizon", minimum=1)
    except CRMLabInputError:
        raise CRMLabInputError(
            f"horizon must be a whole number of periods >= 1, got {horizon!r}. Fix: e.g. "
            "horizon=12 with time_unit='M' for one year."
        ) from None
    time_unit_days(time_unit)
    rate = check_positive(discount_rate, "discount_rate", allow_zero=True)
    if rate >= 1:
        raise CRMLabInputError(
            f"discount_rate is per period and must be below 1, got {discount_rate!r}. Fix: write "
            "10% as 0.10; for an annual rate with monthly periods use (1 + annual)**(1/12) - 1."
        )
    margin = check_positive(margin, "margin", allow_zero=True)
    if margin > 1:
        raise CRMLabInputError(
            f"margin is the share of revenue that is profit, between 0 and 1, got {margin!r}. "
            "Fix: write a 30% margin as 0.3."
        )
    if not hasattr(transaction_model, "expected_purchases"):
        raise TypeError(
            "transaction_model must be a fitted transaction model with expected_purchases(data, "
            f"t), e.g. BetaGeo().fit(summary); got {type(transaction_model).__name__}."
        )
    model_unit = getattr(transaction_model, "time_unit_", None)
    if model_unit is None:
        raise CRMLabInputError(
            "transaction_model has no time_unit_: fit it first (or build it with from_params)."
        )
    step = time_unit_days(time_unit) / time_unit_days(model_unit)
    if getattr(transaction_model, "_needs_time_unit", False) or data_time_unit is not None:
        unit = summary_time_unit(data, data_time_unit, argument="data_time_unit")
        if data.attrs.get("time_unit") != unit:
            data = data.copy(deep=False)
            data.attrs["time_unit"] = unit
    spend = _spend(spend_model, data)

    cumulative = np.zeros(len(data))
    total = np.zeros(len(data))
    factors = discount_factors(horizon, rate)
    for k in range(1, horizon + 1):
        t = k * step
        if abs(t - round(t)) < 1e-9:
            t = float(round(t))
        expected = transaction_model.expected_purchases(data, t).to_numpy(dtype=float)
        total += (expected - cumulative) * factors[k - 1]
        cumulative = expected
    value = margin * spend * total
    if not np.all(np.isfinite(value)):
        pos = int(np.flatnonzero(~np.isfinite(value))[0])
        raise CRMLabInputError(
            f"the lifetime value is not finite for {int((~np.isfinite(value)).sum()):,} "
            f"customers (first: {data.index[pos]!r}). Fix: check that customer's frequency, "
            "recency and T, and the models' parameters."
        )
    out = pd.Series(value, index=data.index, name="clv")
    out.attrs.update(
        {
            "horizon": horizon,
            "time_unit": time_unit,
            "discount_rate": rate,
            "margin": margin,
            "model_time_unit": model_unit,
            "model_units_per_period": step,
        }
    )
    return out
