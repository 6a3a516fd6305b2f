"""The one lazy-loading helper: a package's public names are imported on first use.

``import crmlab`` stays fast and light (no pandas, numpy or matplotlib) because each package's
``__init__`` calls :func:`attach` instead of importing its submodules. Editors and type checkers
still resolve the names through the ``if TYPE_CHECKING:`` imports each ``__init__`` keeps.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(
    package: str,
    *,
    submodules: Iterable[str] = (),
    attributes: Mapping[str, Iterable[str]] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Return ``__getattr__``, ``__dir__`` and ``__all__`` for a package that loads lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    submodules : iterable of str
        Submodules reachable as attributes (``crmlab.clv`` from ``crmlab``).
    attributes : mapping of str to iterable of str
        For each submodule, the names it provides (``{"bgnbd": ["BetaGeo"]}``).
    """
    subs = set(submodules)
    where = {name: mod for mod, names in (attributes or {}).items() for name in names}
    names = sorted(subs | set(where))

    def __getattr__(name: str) -> Any:
        if name in subs:
            return importlib.import_module(f"{package}.{name}")
        if name in where:
            return getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__, list(names)
