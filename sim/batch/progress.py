"""A one-line progress bar on stderr: runs done, failed, rate and time left.

Drawn only on a terminal; silent when stderr is a file or a pipe (CI logs, `2> log`) and with
``--quiet``, so logs are not filled with carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24


class Progress:
    def __init__(self, total: int, already: int = 0, enabled: bool | None = None,
                 stream: TextIO | None = None, label: str = "sweep"):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.already, self.label = total, already, label
        self.ok = self.failed = 0
        self.start = time.monotonic()
        self._last_draw = 0.0

    def update(self, ok: int = 0, failed: int = 0) -> None:
        self.ok += ok
        self.failed += failed
        now = time.monotonic()
        if self.enabled and (now - self._last_draw > 0.1 or self.remaining == 0):
            self._last_draw = now
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()

    @property
    def remaining(self) -> int:
        return self.total - self.already - self.ok - self.failed

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.start, 1e-9)
        done = self.already + self.ok + self.failed
        rate = (self.ok + self.failed) / elapsed
        filled = int(WIDTH * done / self.total) if self.total else WIDTH
        eta = _clock(self.remaining / rate) if rate > 0 else "--:--"
        return (f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{self.total} runs"
                f"  {self.failed} failed  {rate:.1f} runs/s  {eta} left")

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + self.line() + "\x1b[K\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else \
        f"{rest // 60}:{rest % 60:02d}"
