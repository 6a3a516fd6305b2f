"""Research: the whole CLV analysis of a raw order log in one call, :func:`analyze`.

``analyze`` (and the ``crmlab analyze`` command, and the lesson-10 research template, which all
run the same code) reads the orders on an engine (:mod:`crmlab.engines`), fits the
buy-till-you-die models on distinct patterns, scores every customer with intervals, checks how
far the models can be trusted and writes ``customers.parquet``, ``model.json`` and
``report.html``.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
