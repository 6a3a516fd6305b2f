"""Shared helpers for plot functions (no global state is changed)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

#: Plural words for time units, for axis labels ("D" -> "days").
UNIT_WORDS = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}


def unit_word(unit: object) -> str:
    """The plural word for a time unit (``"W"`` -> ``"weeks"``); ``"periods"`` when unstated."""
    if unit is None:
        return "periods"
    return UNIT_WORDS.get(str(unit), str(unit))


def get_ax(ax=None, figsize=(6.4, 4.0)):
    """Return ``ax`` or a new Axes on a new figure (pyplot imported only here)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax


def percent_with_errors(table: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """``table[col]`` in percent and its interval (``ci_low``, ``ci_high``) as error-bar lengths.

    The second array has two rows (below, above), as ``yerr=`` of ``bar``/``errorbar`` expects.
    """
    rate = table[col]
    err = 100 * np.vstack([rate - table["ci_low"], table["ci_high"] - rate])
    return 100 * rate.to_numpy(dtype=float), err


@contextlib.contextmanager
def seaborn_style(style: str = "whitegrid") -> Iterator[None]:
    """Apply a seaborn theme to the figures made inside the ``with`` block only.

    ``seaborn.axes_style`` and ``matplotlib.rc_context`` both restore every rcParam on exit, so
    calling a plot function leaves the caller's matplotlib settings as they were. The style
    applies to Axes created inside the block (an Axes passed in keeps its own look).
    """
    import matplotlib as mpl
    import seaborn as sns

    with mpl.rc_context(), sns.axes_style(style):
        yield
