"""Loyalty and satisfaction: NPS, reliability, loyalty index, recovery, points programmes.

NPS, scale reliability, the five-factor loyalty index, service recovery and the economics of a
tiered points programme.

The five-factor view of loyalty (客户忠诚度) measures it through overall satisfaction, the
customer"s initiative to keep the relationship, repurchase intention, willingness to recommend
and resistance to switching. Each factor is asked with a few Likert items; :func:`loyalty_index`
averages them (reversing reverse-coded items first), reports Cronbach"s alpha per factor and
combines the factors into one 0-100 index.

All functions are pure: they validate their input (errors say how to fix it), never drop rows
silently and return pandas objects.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
