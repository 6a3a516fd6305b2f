"""Progress of ``analyze`` at scale: one line per stage, a bar for the long ones.

Each finished stage prints one line to standard error: the time since the start, the stage's
own time, the rows it handled and the process's peak resident memory so far (``ru_maxrss``)::

    [   41.2 s] summary       38.9 s  1,000,000 rows  peak RSS 1.9 GB  engine duckdb

A stage that runs longer than :data:`BAR_AFTER` seconds also shows a bar (tqdm) where its size
is known: the summary's query on DuckDB (DuckDB's own estimate of how far the query is) and the
scoring (customers scored of those to score). ``quiet=True`` prints nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from crmlab.engines.memory import format_bytes, peak_rss_bytes

__all__ = ["BAR_AFTER", "Progress"]

#: Seconds a stage runs before its bar appears (short runs print their lines only).
BAR_AFTER = 3.0


class Progress:
    """Stage lines and bars of one run.

    Parameters
    ----------
    quiet : bool
        Print nothing.
    stream : file, optional
        Where to print (default standard error).
    bar_after : float
        Seconds before a bar appears.
    """

    def __init__(
        self, quiet: bool = False, *, stream: IO[str] | None = None, bar_after: float = BAR_AFTER
    ) -> None:
        self.quiet = quiet
        self.stream = stream
        self.bar_after = bar_after
        self.t0 = self.mark = time.perf_counter()
        self.stages: list[dict] = []
        self._running: list[Callable[[], None]] = []

    def _print(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream or sys.stderr, flush=True)

    def note(self, text: str) -> None:
        """Print a line that is not a stage (the memory budget, the output folder)."""
        self._print(f"[{time.perf_counter() - self.t0:7.1f} s] {text}")

    def stage(self, name: str, rows: int | None = None, detail: str = "") -> dict:
        """Record that stage ``name`` finished, having handled ``rows``; print its line.

        Returns the stage's record (``stage``, ``seconds``, ``rows``, ``peak_rss_bytes``), which
        is also kept in :attr:`stages`.
        """
        now = time.perf_counter()
        peak_rss = peak_rss_bytes()
        record: dict = {
            "stage": name,
            "seconds": round(now - self.mark, 3),
            "rows": rows,
            "peak_rss_bytes": peak_rss,
        }
        self.mark = now
        self.stages.append(record)
        counted = f"{rows:>13,} rows" if rows is not None else " " * 18
        peak = format_bytes(peak_rss) if peak_rss else "n/a"
        self._print(
            f"[{now - self.t0:7.1f} s] {name:<13} {record['seconds']:7.1f} s {counted}  "
            f"peak RSS {peak}{'  ' + detail if detail else ''}"
        )
        return record

    @contextmanager
    def bar(self, desc: str, total: int, unit: str = "rows") -> Iterator[Callable[[float], object]]:
        """A bar of ``total`` items, shown after :attr:`bar_after` seconds; yields ``update(n)``."""
        from tqdm import tqdm

        with tqdm(
            total=total,
            desc=desc,
            unit=unit,
            unit_scale=True,
            delay=self.bar_after,
            disable=self.quiet,
            file=self.stream or sys.stderr,
            leave=False,
        ) as pbar:
            yield pbar.update

    def polled(self, desc: str, poll: Callable[[], float | None]) -> Callable[[], None]:
        """Start a percentage bar fed by ``poll()`` (0-100, ``None``: unknown); returns ``stop``.

        For work that reports its own progress (a DuckDB query): ``poll`` is asked every half
        second in a thread; the bar appears after :attr:`bar_after` seconds. :meth:`close`
        stops every bar still running (after an error).
        """
        stop = threading.Event()
        if self.quiet:
            return stop.set

        def watch() -> None:
            with self.bar(desc, 100, unit="%") as update:
                done = 0.0
                while not stop.wait(0.5):
                    try:
                        pct = poll()
                    except Exception:  # noqa: BLE001 - a progress estimate must never fail a run
                        pct = None
                    if pct is not None and pct > done:
                        update(min(pct, 100.0) - done)
                        done = min(pct, 100.0)

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()

        def finish() -> None:
            stop.set()
            thread.join()

        self._running.append(finish)
        return finish

    def close(self) -> None:
        """Stop the bars still running."""
        while self._running:
            self._running.pop()()
