"""crmlab: the helper package of a Jupyter workbook on customer relationship management.

Submodules are imported on first use, so ``import crmlab`` is fast and changes no global state::

    import crmlab
    tx = crmlab.datasets.load_cdnow(sample=True)
    summary = crmlab.transactions.rfm_summary(tx, calibration_end="1997-09-30")
"""

from __future__ import annotations

from importlib import metadata as _metadata
from typing import TYPE_CHECKING

import lazy_loader as lazy

try:  # the version is written once, in pyproject.toml, and read from the installed metadata
    __version__ = _metadata.version("crmlab")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from crmlab import churn as churn
    from crmlab import clv as clv
    from crmlab import database as database
    from crmlab import datasets as datasets
    from crmlab import economics as economics
    from crmlab import engines as engines
    from crmlab import errors as errors
    from crmlab import exercises as exercises
    from crmlab import glossary as glossary
    from crmlab import inference as inference
    from crmlab import internal_marketing as internal_marketing
    from crmlab import loyalty as loyalty
    from crmlab import plotting as plotting
    from crmlab import research as research
    from crmlab import runner as runner
    from crmlab import segmentation as segmentation
    from crmlab import transactions as transactions
    from crmlab import validation as validation
    from crmlab import value as value
    from crmlab.research import analyze as analyze

__getattr__, __dir__, _names = lazy.attach(
    __name__,
    submodules=[
        "churn",
        "clv",
        "database",
        "datasets",
        "economics",
        "engines",
        "errors",
        "exercises",
        "glossary",
        "inference",
        "internal_marketing",
        "loyalty",
        "plotting",
        "research",
        "runner",
        "segmentation",
        "transactions",
        "validation",
        "value",
    ],
    submod_attrs={"research": ["analyze"]},
)
__all__ = [*_names, "__version__"]
