"""Checks of ``analyze``'s options, each refused with a clear message and the fix."""

from __future__ import annotations

import math

from crmlab.errors import CRMLabInputError
from crmlab.research.result import MAX_HORIZON_MONTHS, MODELS

__all__ = ["check_options", "check_uncertainty"]


def check_options(margin, yearly_discount_rate, horizon_months, model) -> None:
    """Refuse a margin outside [0, 1], a rate outside [0, 1), a bad horizon or model name."""
    if not 0 <= float(margin) <= 1:
        raise CRMLabInputError(
            f"margin is the share of revenue that is profit, between 0 and 1, got {margin!r}. "
            "Fix: write a 30% margin as 0.3."
        )
    if not 0 <= float(yearly_discount_rate) < 1:
        raise CRMLabInputError(
            f"yearly_discount_rate must be in [0, 1), got {yearly_discount_rate!r}. Fix: write "
            "10% a year as 0.10."
        )
    if (
        not isinstance(horizon_months, int | float)
        or not math.isfinite(horizon_months)
        or int(horizon_months) != horizon_months
        or not 1 <= horizon_months <= MAX_HORIZON_MONTHS
    ):
        raise CRMLabInputError(
            f"horizon_months (--horizon-months) must be a whole number from 1 to "
            f"{MAX_HORIZON_MONTHS}, got {horizon_months!r}: the models extrapolate one period's "
            "purchases, so decades ahead are not a forecast, and the time to score grows with "
            "the horizon. Fix: e.g. 12 for one year, 60 for five."
        )
    if model not in (*MODELS, "auto"):
        raise CRMLabInputError(
            f"model must be one of {', '.join(MODELS)} or 'auto', got {model!r}."
        )


def check_uncertainty(uncertainty: str, samples: int, language: str) -> None:
    """Refuse an unknown uncertainty method, a bad number of bootstrap samples or language."""
    if uncertainty not in ("delta", "bootstrap"):
        raise CRMLabInputError(
            f"uncertainty must be 'delta' or 'bootstrap', got {uncertainty!r}. Fix: 'delta' uses "
            "the covariance of the estimates; 'bootstrap' refits on resampled customers."
        )
    if int(samples) != samples or not 20 <= samples <= 100_000:
        raise CRMLabInputError(
            f"bootstrap_samples must be a whole number from 20 to 100,000, got {samples!r}. "
            "Fix: 200 (the default) is enough for a 90% interval."
        )
    if language not in ("en", "zh"):
        raise CRMLabInputError(f"language must be 'en' or 'zh', got {language!r}.")
