"""What ``analyze`` produces and reads back: :class:`AnalysisResult` and the model registry.

Shared by :mod:`crmlab.research.pipeline` (which fills a result) and
:mod:`crmlab.research.outputs` (which writes one and loads it back), so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crmlab.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from crmlab.engines.summary import TransactionSummary

__all__ = ["MODELS", "MAX_HORIZON_MONTHS", "AnalysisResult"]

#: Transaction models ``analyze`` can fit, by name.
MODELS = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "paretonbd": ParetoNBD}

#: Longest CLV horizon ``analyze`` accepts (20 years): the models extrapolate one period's
#: behaviour, and the cost of scoring grows with the horizon.
MAX_HORIZON_MONTHS = 240


@dataclass
class AnalysisResult:
    """What :func:`analyze` found.

    Attributes
    ----------
    summary : TransactionSummary or None
        The summary on its engine (None for a result loaded from disk).
    models : dict
        Fitted transaction models by name (``"bgnbd"``, ...) and ``"spend"`` (Gamma-Gamma).
    model_name : str
        The transaction model used for the scores.
    metrics : dict or None
        Holdout accuracy by model name (None without a calibration split).
    equity : dict
        Customer equity (sum of CLV) with its 90% interval and how it was computed.
    tables : dict of DataFrame
        The report's tables (period transactions, calibration vs holdout, tracking, Lorenz,
        segments, value matrix, CLV distribution, top customers, parameters).
    trust : DataFrame
        The trust checks with verdicts.
    info : dict
        Everything written to ``model.json``.
    out : Path
        Folder holding ``customers.parquet`` and ``model.json`` (and ``report.html``).
    report_path : Path or None
        The report, when one was rendered.
    """

    summary: TransactionSummary | None
    models: dict
    model_name: str
    metrics: dict | None
    equity: dict
    tables: dict
    trust: pd.DataFrame
    info: dict
    out: Path
    report_path: Path | None = None
    _customers: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def model(self) -> Any:
        """The chosen transaction model."""
        return self.models[self.model_name]

    @property
    def customers(self) -> pd.DataFrame:
        """Per-customer scores (read from ``customers.parquet`` on first use)."""
        if self._customers is None:
            self._customers = pd.read_parquet(self.out / "customers.parquet")
        return self._customers
