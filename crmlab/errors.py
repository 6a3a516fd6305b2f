"""The exceptions crmlab raises at its public boundary, in one public module.

Catch these in your own code::

    from crmlab.errors import CRMLabInputError
    try:
        summary = rfm_summary(tx)
    except CRMLabInputError as err:
        print(err)  # names the column, how many rows, the first offending value and the fix

This module imports nothing from crmlab, so any module may import it.
"""

from __future__ import annotations

__all__ = [
    "CRMLabInputError",
    "ConvergenceError",
    "DatasetError",
    "NotFittedError",
]


class CRMLabInputError(ValueError):
    """Input data cannot be used as given; the message says what is wrong and how to fix it."""


class ConvergenceError(RuntimeError):
    """A likelihood could not be maximised; the message says what to try."""


class DatasetError(RuntimeError):
    """A dataset could not be provided (missing offline, or its checksum does not match)."""


class NotFittedError(ValueError, AttributeError):
    """A model was used before it had parameters; call ``fit()`` or ``from_params()`` first."""
