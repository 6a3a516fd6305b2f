"""Datasets: the real public files (fetched, verified, cached) and seeded synthetic generators.

Real files are never shipped: :func:`fetch` downloads them once from their public URL, checks
the sha256 and caches them (``CRMLAB_DATA`` names a mirror or cache folder). ``load_*`` return
tidy frames; ``simulate_*`` generate documented synthetic data from stated true parameters,
with randomness only through ``random_state``.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
