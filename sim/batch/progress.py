"""Progress of a sweep on stderr: a tqdm bar on a terminal, plain lines elsewhere.

- On a terminal: a tqdm bar (runs done, failed, rate, time left).
- Not on a terminal (a SLURM log, ``2> log``, CI): one plain line every ``every`` seconds
  (30 by default) and a last one at the end, so a log shows the sweep moving without
  carriage-return clutter.
- ``--quiet``: nothing.

The time left is estimated only from runs finished *after the first one came back*: the first
completions carry the workers' start-up (imports, a process pool, a Dask cluster), so a rate
measured from the start says "38:16 left" at 1 of 300 and means nothing. Until a full round of
runs (one per worker) has come back after the first, the estimate reads "estimating".
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24


class Progress:
    def __init__(self, total: int, already: int = 0, enabled: bool | None = None,
                 stream: TextIO | None = None, label: str = "sweep", every: float = 30.0,
                 workers: int = 1):
        self.stream = stream or sys.stderr
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        # enabled: None = automatic (bar on a terminal, lines elsewhere), False = quiet,
        # True = draw the bar even when the stream is not a terminal (tests)
        self.mode = "off" if enabled is False else "bar" if (enabled or tty) else "lines"
        self.total, self.already, self.label = total, already, label
        self.every, self.workers = every, max(1, workers)
        self.ok = self.failed = 0
        self.start = time.monotonic()
        self._first: tuple[float, int] | None = None   # (time, done) at the first completion
        self._last_line = self.start
        self._bar = None
        if self.mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=already, file=self.stream, unit="run",
                             desc=label, dynamic_ncols=True, leave=True, mininterval=0.2,
                             bar_format="{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                        "runs [{elapsed}{postfix}]")
            self._bar.set_postfix_str(self._tail(self.start), refresh=False)
        elif self.mode == "lines":
            self._write(f"{label}: {total} runs, {already} already stored; a line every "
                        f"{every:.0f} s")

    @property
    def done(self) -> int:
        return self.already + self.ok + self.failed

    @property
    def remaining(self) -> int:
        return self.total - self.done

    def update(self, ok: int = 0, failed: int = 0) -> None:
        now = time.monotonic()
        if self._first is None and (ok or failed):
            self._first = (now, self.ok + self.failed)
        self.ok += ok
        self.failed += failed
        if self._bar is not None:
            self._bar.set_postfix_str(self._tail(now), refresh=False)
            self._bar.update(ok + failed)
        elif self.mode == "lines" and now - self._last_line >= self.every:
            self._last_line = now
            self._write(self.line(now))

    def tick(self) -> None:
        """Called while waiting: a plain line is due every ``every`` seconds, also when no
        run has finished since the last one (a long run, a slow start)."""
        now = time.monotonic()
        if self.mode == "lines" and now - self._last_line >= self.every:
            self._last_line = now
            self._write(self.line(now))

    def rate(self, now: float | None = None) -> float | None:
        """Runs per second since the first completion, once a round of runs has come back."""
        if self._first is None:
            return None
        now = now or time.monotonic()
        t0, n0 = self._first
        n = self.ok + self.failed - n0
        if n < self.workers or now - t0 <= 0:
            return None
        return n / (now - t0)

    def _tail(self, now: float) -> str:
        rate = self.rate(now)
        eta = _clock(self.remaining / rate) if rate else "estimating"
        speed = f"{rate:.2f} runs/s" if rate else "-- runs/s"
        return f"{self.failed} failed, {speed}, {eta}{' left' if rate else ''}"

    def line(self, now: float | None = None) -> str:
        now = now or time.monotonic()
        filled = int(WIDTH * self.done / self.total) if self.total else WIDTH
        return (f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total} "
                f"runs, elapsed {_clock(now - self.start)}, {self._tail(now)}")

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(self._tail(time.monotonic()), refresh=True)
            self._bar.close()
        elif self.mode == "lines":
            self._write(self.line())


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else \
        f"{rest // 60}:{rest % 60:02d}"
