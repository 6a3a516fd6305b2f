"""Research: the whole CLV analysis of a raw order log in one call, :func:`analyze`.

``analyze`` (and the ``crmlab analyze`` command, and the lesson-10 research template, which all
run the same code) reads the orders on an engine (:mod:`crmlab.engines`), fits the
buy-till-you-die models on distinct patterns, scores every customer with intervals, checks how
far the models can be trusted and writes ``customers.parquet``, ``model.json`` and
``report.html``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from crmlab.research import command as command
    from crmlab.research import outputs as outputs
    from crmlab.research import pipeline as pipeline
    from crmlab.research import result as result
    from crmlab.research import scoring as scoring
    from crmlab.research import tables as tables
    from crmlab.research import trust as trust
    from crmlab.research import uncertainty as uncertainty
    from crmlab.research.outputs import load_result as load_result
    from crmlab.research.outputs import render_report as render_report
    from crmlab.research.pipeline import MODELS as MODELS
    from crmlab.research.pipeline import AnalysisResult as AnalysisResult
    from crmlab.research.pipeline import analyze as analyze
    from crmlab.research.trust import VERDICTS as VERDICTS

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=[
        "command",
        "outputs",
        "pipeline",
        "result",
        "scoring",
        "tables",
        "trust",
        "uncertainty",
    ],
    submod_attrs={
        "outputs": ["load_result", "render_report"],
        "pipeline": ["AnalysisResult", "MODELS", "analyze"],
        "trust": ["VERDICTS"],
    },
)
