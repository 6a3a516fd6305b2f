"""Customer lifetime value: formulas, and one file per customer-base model.

Models (hyper-parameters in ``__init__``, ``fit(data) -> self``, fitted values end in ``_``):
``BetaGeo`` (BG/NBD), ``ModifiedBetaGeo`` (MBG/NBD), ``ParetoNBD``, ``GammaGamma`` (spend),
``BetaGeoBetaBinom`` (BG/BB, discrete time) and ``ShiftedBetaGeometric`` (sBG, contractual).
Names are imported on first use so that ``import crmlab.clv`` stays light.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
