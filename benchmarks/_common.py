"""What the benchmark scripts share: timing a call the same way in each.

The scripts run as ``python benchmarks/bench_x.py``, so this folder is on ``sys.path`` and they
import it as ``from _common import median_time``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def median_time(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Call ``fn`` ``repeat`` times; return the median wall time in seconds and the last result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out
