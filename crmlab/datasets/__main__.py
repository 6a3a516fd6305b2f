"""``python -m crmlab.datasets``: download (if needed) and verify every registered file."""

from __future__ import annotations

import sys

from crmlab.datasets.registry import REGISTRY, data_home, fetch
from crmlab.errors import DatasetError


def main() -> int:
    """Fetch and verify every registered file; return 0 if all are present and valid."""
    print(f"data folder: {data_home()}")
    failed = 0
    for name in sorted(REGISTRY):
        try:
            path = fetch(name, progress=sys.stderr.isatty())
            print(f"  ok   {name:<14} {path}")
        except DatasetError as exc:
            failed += 1
            print(f"  FAIL {name:<14} {exc}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
