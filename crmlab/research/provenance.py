"""Provenance of an analysis: the crmlab version and the exact inputs (for model.json)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["manifest", "version"]


def manifest(source) -> list[dict] | str:
    """What was analysed: each file's path, size and sha256, or a frame's rows and hash."""
    from crmlab.engines.sources import file_manifest, resolve_files

    if isinstance(source, str | Path | list | tuple):
        return file_manifest(resolve_files(source))
    if isinstance(source, pd.DataFrame):
        digest = pd.util.hash_pandas_object(source, index=False).to_numpy()
        import hashlib

        return [
            {
                "path": "<pandas DataFrame>",
                "rows": len(source),
                "sha256": hashlib.sha256(digest.tobytes()).hexdigest(),
            }
        ]
    return [{"path": f"<{type(source).__name__}>"}]


def version() -> str:
    """The installed crmlab version ("unknown" in a source tree never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crmlab")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"
