"""Scoring at scale: each distinct (frequency, recency, T) pattern once, then customers in chunks.

A transaction model's predictions depend on a customer only through the pattern
``(frequency, recency, T)``, so :func:`pattern_scores` evaluates them once per distinct pattern
(8,685 patterns for CDNOW's 23,570 customers; under a million for 30 million customers). The
spend model depends on ``(frequency, monetary_value)``, a cheap closed form evaluated per
customer in :func:`score_batch`, which the engines apply to chunks of customers (Arrow batches
on DuckDB, ``mapInPandas`` on Spark) joined to the pattern scores.

Intervals are for the *expected* value (parameter uncertainty), by the delta method on the log
scale: the gradient of each pattern's log discounted expected transactions with respect to the
log-parameters (finite differences) and of each customer's log expected spend, combined with
the estimates' covariance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlab.research.uncertainty import Z90, discounted_transactions, log_params, model_at
from crmlab.segmentation import name_segments
from crmlab.transactions import time_unit_days

__all__ = [
    "ScoringContext",
    "pattern_scores",
    "score_batch",
    "output_columns",
    "output_names",
    "monthly_rate",
]

_STEP = 1e-4  # relative step of the finite differences on the log-parameters
#: Up to this many patterns the gradient of log DET is exact (the whole discounted horizon per
#: parameter); beyond it, the gradient of log E[X(horizon)] stands in for it (12 times cheaper).
EXACT_GRADIENT_PATTERNS = 100_000


def monthly_rate(yearly: float) -> float:
    """Monthly discount rate equivalent to a yearly one: ``(1 + y) ** (1 / 12) - 1``."""
    return float((1.0 + yearly) ** (1.0 / 12.0) - 1.0)


def pattern_scores(
    model,
    patterns: pd.DataFrame,
    *,
    time_unit: str,
    horizon_months: int,
    monthly_discount: float,
    duration_holdout: float | None = None,
    covariance_log: np.ndarray | None = None,
) -> pd.DataFrame:
    """Predictions for each distinct pattern.

    Parameters
    ----------
    model : fitted transaction model
        BetaGeo, ModifiedBetaGeo or ParetoNBD.
    patterns : DataFrame
        ``frequency``, ``recency``, ``T`` (in ``time_unit``), plus the key columns.
    time_unit : str
        Unit of ``recency`` and ``T`` in ``patterns`` (checked against the model's).
    horizon_months : int
        CLV horizon in months (30.4375 days).
    monthly_discount : float
        Discount rate per month.
    duration_holdout : float, optional
        Length of the holdout in the model's time unit (adds ``expected_holdout``).
    covariance_log : ndarray, optional
        Covariance of the model's log-parameters (adds ``det_log_var``).

    Returns
    -------
    DataFrame
        ``patterns`` with ``p_alive``, ``expected_purchases`` (over the horizon), ``det``
        (discounted expected transactions), ``expected_holdout``, and with ``covariance_log``
        ``det_grad_k`` (derivative of ``log det`` by the k-th log-parameter; beyond
        :data:`EXACT_GRADIENT_PATTERNS` patterns that of ``log expected_purchases``), ``det_log_var`` and
        ``hold_grad_k`` (derivative of ``expected_holdout``).
    """
    frame = patterns[["frequency", "recency", "T"]]
    unit = time_unit
    out = patterns.copy()
    t_horizon = horizon_months * time_unit_days("M") / time_unit_days(model.time_unit_)

    def det_of(m: Any) -> np.ndarray:
        return discounted_transactions(m, frame, horizon_months, monthly_discount, time_unit=unit)

    out["p_alive"] = model.probability_alive(frame, time_unit=unit).to_numpy()
    out["expected_purchases"] = model.expected_purchases(
        frame, t_horizon, time_unit=unit
    ).to_numpy()
    det = det_of(model)
    out["det"] = det
    if duration_holdout is not None and duration_holdout > 0:
        out["expected_holdout"] = model.expected_purchases(
            frame, duration_holdout, time_unit=unit
        ).to_numpy()
    if covariance_log is not None:
        exact = len(frame) <= EXACT_GRADIENT_PATTERNS
        theta = log_params(model)
        grads = []
        for k in range(len(theta)):
            shifted = theta.copy()
            shifted[k] += _STEP
            alt = model_at(model, shifted)
            with np.errstate(divide="ignore", invalid="ignore"):
                if exact:
                    det_k = det_of(alt)
                    grads.append((np.log(det_k) - np.log(det)) / _STEP)
                else:  # the discount factors barely change log-derivatives over the horizon
                    e_k = alt.expected_purchases(frame, t_horizon, time_unit=unit).to_numpy()
                    grads.append(
                        (np.log(e_k) - np.log(out["expected_purchases"].to_numpy())) / _STEP
                    )
            if "expected_holdout" in out:
                hold_k = alt.expected_purchases(frame, duration_holdout, time_unit=unit).to_numpy()
                out[f"hold_grad_{k}"] = (hold_k - out["expected_holdout"].to_numpy()) / _STEP
        g = np.nan_to_num(np.column_stack(grads))
        for k in range(g.shape[1]):
            out[f"det_grad_{k}"] = g[:, k]
        out["det_log_var"] = np.maximum(np.einsum("ij,jk,ik->i", g, covariance_log, g), 0.0)
    return out


@dataclass
class ScoringContext:
    """What :func:`score_batch` needs, small and picklable (sent to Spark executors).

    Attributes
    ----------
    spend_params : dict
        Gamma-Gamma ``p``, ``q``, ``gamma``.
    spend_covariance_log : ndarray
        Covariance of the Gamma-Gamma log-parameters.
    margin : float
        Share of revenue that is profit.
    customer_col : str
        Name of the id column in the output.
    has_holdout : bool
        Whether holdout columns are written.
    rfm_cuts : dict
        Quintile cuts (20/40/60/80%) of ``days_since_last``, ``frequency`` and ``revenue_cal``.
    """

    spend_params: dict
    spend_covariance_log: np.ndarray
    margin: float
    customer_col: str
    has_holdout: bool
    rfm_cuts: dict = field(default_factory=dict)


#: Score columns of ``customers.parquet`` after the id, by their internal names.
def _internal_columns(has_holdout: bool) -> list[str]:
    cols = ["frequency", "recency", "T", "monetary_value"]
    if has_holdout:
        cols += ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]
    return cols + [
        "revenue_cal",
        "segment",
        "p_alive",
        "expected_purchases",
        "expected_spend",
        "clv",
        "clv_low",
        "clv_high",
    ]


def output_names(customer_col: str, has_holdout: bool) -> dict[str, str]:
    """Written name of each score column: its own, or ``crm_``-prefixed when the id has it.

    The id column keeps the input's name; a score column whose name equals it (letter case
    ignored, as SQL does) is renamed, so ``customers.parquet`` never has two columns of one
    name. ``model.json`` records this mapping as ``output_columns``.
    """
    taken = {customer_col.lower()}
    names = {}
    for col in _internal_columns(has_holdout):
        new = col
        while new.lower() in taken:
            new = "crm_" + new
        names[col] = new
        taken.add(new.lower())
    return names


def output_columns(ctx: ScoringContext) -> list[str]:
    """Columns of ``customers.parquet``, in order (the id first, under its own name)."""
    return [ctx.customer_col, *output_names(ctx.customer_col, ctx.has_holdout).values()]


def _spend(params: dict, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Gamma-Gamma ``E(M | x, m) = p (gamma + x m) / (p x + q - 1)`` (population mean at x = 0)."""
    p, q, g = params["p"], params["q"], params["gamma"]
    return p * (g + x * m) / (p * x + q - 1.0)


def _scores(values: np.ndarray, cuts, higher_is_better: bool) -> np.ndarray:
    cuts = np.asarray(cuts, dtype=float)
    if higher_is_better:
        return 1 + (values[:, None] > cuts[None, :]).sum(axis=1)
    return 1 + (values[:, None] < cuts[None, :]).sum(axis=1)


def score_batch(batch: pd.DataFrame, ctx: ScoringContext) -> pd.DataFrame:
    """Score a chunk of customers already joined to their pattern's scores.

    ``batch`` has the summary columns plus ``p_alive``, ``expected_purchases``, ``det`` and
    ``det_log_var`` of each customer's pattern, and ``customer`` (left out of the result when
    the caller passes the ids through on its own). Repeat buyers whose mean spend is not positive
    (possible with returns) get the population mean spend, as customers without repeat
    purchases do.
    """
    x = batch["frequency"].to_numpy(dtype=float)
    m = batch["monetary_value"].to_numpy(dtype=float)
    x_spend = np.where(m > 0, x, 0.0)
    spend = _spend(ctx.spend_params, x_spend, m)
    theta = np.log([ctx.spend_params[k] for k in ("p", "q", "gamma")])
    grads = []
    for k in range(3):
        shifted = theta.copy()
        shifted[k] += _STEP
        params = dict(zip(("p", "q", "gamma"), np.exp(shifted), strict=True))
        grads.append((np.log(_spend(params, x_spend, m)) - np.log(spend)) / _STEP)
    g = np.column_stack(grads)
    var = np.einsum("ij,jk,ik->i", g, ctx.spend_covariance_log, g)
    var = var + batch["det_log_var"].to_numpy(dtype=float)
    det = batch["det"].to_numpy(dtype=float)
    clv = ctx.margin * spend * det
    half = Z90 * np.sqrt(np.maximum(var, 0.0))
    out = pd.DataFrame(index=pd.RangeIndex(len(batch)))
    names = output_names(ctx.customer_col, ctx.has_holdout)
    for col in names:
        if col in batch.columns:
            out[col] = batch[col].to_numpy()
    out["expected_spend"] = spend
    out["clv"] = clv
    out["clv_low"] = clv * np.exp(-half)
    out["clv_high"] = clv * np.exp(half)
    cuts = ctx.rfm_cuts
    if cuts:
        r = _scores(batch["days_since_last"].to_numpy(dtype=float), cuts["days_since_last"], False)
        f = _scores(batch["frequency"].to_numpy(dtype=float), cuts["frequency"], True)
        mm = _scores(batch["revenue_cal"].to_numpy(dtype=float), cuts["revenue_cal"], True)
        out["segment"] = name_segments(r, f, mm)
    else:
        out["segment"] = "unclassified"
    out = out[list(names)].rename(columns=names)
    if "customer" in batch.columns:
        out.insert(0, ctx.customer_col, batch["customer"].to_numpy())
    return out
