"""Provenance of an analysis: the crmlab version and the exact inputs (for model.json)."""

from __future__ import annotations

from crmlab.engines.sources import source_manifest

__all__ = ["manifest", "version"]


#: What was analysed: each file's path, size and sha256, or a frame's rows and hash.
manifest = source_manifest


def version() -> str:
    """The installed crmlab version ("unknown" in a source tree never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crmlab")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"
