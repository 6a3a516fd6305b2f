"""Every figure a lesson shows. Each function takes a keyword-only ``ax=None`` and returns the Axes.

The one exception is :func:`plot_rfm_pairs`, a figure-level seaborn pair plot (a grid of Axes),
which returns the ``seaborn.PairGrid``. Where seaborn is the natural tool (distributions,
heatmaps, box plots by segment, pair plots) it is used, with its theme applied inside the plot
function only (:func:`crmlab.plotting._base.seaborn_style`).

Plot functions take results or frames (never reach into a model"s internals) and change no
global matplotlib state. They live in one module per topic and are imported on first use.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
