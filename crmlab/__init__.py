"""crmlab: the helper package of a Jupyter workbook on customer relationship management.

Submodules are imported on first use, so ``import crmlab`` is fast and changes no global state::

    import crmlab
    tx = crmlab.datasets.load_cdnow(sample=True)
    summary = crmlab.transactions.rfm_summary(tx, calibration_end="1997-09-30")
"""

from importlib import metadata as _metadata

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
__all__ += ["__version__"]

try:  # the version is written once, in pyproject.toml, and read from the installed metadata
    __version__ = _metadata.version("crmlab")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
