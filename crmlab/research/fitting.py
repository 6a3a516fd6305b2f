"""Stage 3 of ``analyze``: fit the transaction model(s) and Gamma-Gamma, and pick one.

The models are fitted on the weighted distinct (frequency, recency, T) patterns; with a holdout
each model's holdout accuracy is measured, and ``model="auto"`` keeps the one
:func:`crmlab.research.selection.choose_model` picks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from crmlab.clv import GammaGamma
from crmlab.engines.summary import TransactionSummary
from crmlab.errors import ConvergenceError, CRMLabInputError
from crmlab.research import tables
from crmlab.research.result import MODELS
from crmlab.research.selection import choose_model

__all__ = ["Fits", "fit_models"]


def _fit(cls, data: pd.DataFrame, *, time_unit: str):
    try:
        return cls().fit(data, weights_col="n_customers", time_unit=time_unit)
    except ConvergenceError:
        return cls(penalizer=0.001).fit(data, weights_col="n_customers", time_unit=time_unit)


@dataclass
class Fits:
    """What :func:`fit_models` found: the fitted models, the chosen one and why."""

    models: dict
    spend: Any
    spend_data: pd.DataFrame
    chosen: str
    why: str
    metrics: dict | None
    duration: float | None

    @property
    def model(self) -> Any:
        """The chosen transaction model."""
        return self.models[self.chosen]


def fit_models(
    summary: TransactionSummary, patterns: pd.DataFrame, model: str, counts: dict
) -> Fits:
    """Stage 3: fit the transaction model(s) and Gamma-Gamma on weighted patterns; pick one.

    With a holdout each model's holdout accuracy is measured and ``model="auto"`` keeps the one
    with the smallest calibration-vs-holdout error; without one, the highest log-likelihood.
    """
    unit = summary.time_unit
    names = list(MODELS) if model == "auto" else [model]
    fitted = {n: _fit(MODELS[n], patterns, time_unit=unit) for n in names}
    spend_patterns = summary.spend_patterns()
    positive = spend_patterns["monetary_value"] > 0
    counts["repeaters_nonpositive_spend"] = int(spend_patterns.loc[~positive, "n_customers"].sum())
    spend_data = spend_patterns.loc[positive].reset_index(drop=True)
    gg = _fit(GammaGamma, spend_data, time_unit=unit)
    try:
        gg.population_mean_spend  # noqa: B018 - raises when q <= 1
    except ValueError as exc:
        raise CRMLabInputError(str(exc)) from None
    duration = (
        (summary.observation_day - summary.calibration_day) / summary.unit_days
        if summary.has_holdout
        else None
    )
    metrics = None
    if duration is not None:
        frame = patterns[["frequency", "recency", "T"]]
        metrics = {
            n: tables.holdout_metrics(
                patterns.assign(
                    expected_holdout=m.expected_purchases(frame, duration, time_unit=unit)
                )
            )
            for n, m in fitted.items()
        }
    if model == "auto":
        chosen, why = choose_model(fitted, metrics)
    else:
        chosen, why = model, "chosen by the user"
    return Fits(fitted, gg, spend_data, chosen, why, metrics, duration)
