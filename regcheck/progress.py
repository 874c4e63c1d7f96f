"""The progress bar of a scan on a terminal: rows and % of bytes while reading, then rules done / total.

Nothing is drawn under ``--quiet`` or when the output is not a terminal (a cron job, a pipe): the
command line passes ``show=False`` and every method is a no-op. The bar is transient (it is gone
when the scan ends, leaving the summary). Callbacks may come from the threads that parse columns
and run rules (regcheck/threads.py): rich's Progress takes its own lock, the counters here take one.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn


def input_bytes(paths: Sequence[str | os.PathLike[str]]) -> int:
    """Bytes on disk of the files (unreadable or remote ones count 0)."""
    total = 0
    for p in paths:
        with contextlib.suppress(OSError, ValueError):
            total += os.stat(p).st_size
    return total


def progress_bar(console: Console, show: bool) -> Progress:
    """description · bar · percent · detail (rows, or done/total) · time; drawn only when ``show``."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not show,
    )


class ScanProgress:
    """Reading (bytes of the input, rows of the files done), then the rules (done / total)."""

    def __init__(self, console: Console, show: bool) -> None:
        self.show = show
        self.bar = progress_bar(console, show)
        self._lock = threading.Lock()
        self._rows = 0
        self._rules = (0, 0)
        self._read: TaskID | None = None
        self._run: TaskID | None = None

    def __enter__(self) -> ScanProgress:
        if self.show:
            self.bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.show:
            self.bar.stop()

    def reading(self, total_bytes: int, label: str = "读取 reading") -> None:
        if self.show:
            self._read = self.bar.add_task(label, total=max(total_bytes, 1), detail="0 行 rows")

    def read(self, nbytes: int, rows: int = 0) -> None:
        """``nbytes`` more of the input read; ``rows`` more rows (credited when a file is done)."""
        if self._read is None:
            return
        with self._lock:
            self._rows += rows
            detail = f"{self._rows:,} 行 rows"
        self.bar.update(self._read, advance=nbytes, detail=detail)

    def rules(self, total: int) -> None:
        if not self.show:
            return
        if self._read is not None:  # whatever was not credited (a footer, unread columns) is read now
            self.bar.update(self._read, completed=self.bar.tasks[self._read].total)
        self._rules = (0, total)
        self._run = self.bar.add_task("规则 rules", total=max(total, 1), detail=f"0/{total} 规则 rules")

    def rule_done(self) -> None:
        if self._run is None:
            return
        with self._lock:
            done, total = self._rules[0] + 1, self._rules[1]
            self._rules = (done, total)
        self.bar.update(self._run, advance=1, detail=f"{done}/{total} 规则 rules")


__all__ = ["ScanProgress", "input_bytes", "progress_bar"]
