"""Shared helpers for plot functions (no global state is changed)."""

from __future__ import annotations


def get_ax(ax=None, figsize=(6.4, 4.0)):
    """Return ``ax`` or a new Axes on a new figure (pyplot imported only here)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax
