"""Sync progress for a terminal: a live line with records, requests and an ETA under the rate limit.

On a TTY the line is redrawn in place; otherwise (logs, CI) one plain line per phase is printed.
"""

from __future__ import annotations

import time
from typing import TextIO

from django.conf import settings


class TerminalProgress:
    def __init__(self, stream: TextIO, *, rate: float | None = None, width: int = 28) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.rate = rate or getattr(settings, "LEVER_RATE_LIMIT", 10.0)
        self.width = width
        self.name = ""
        self.total: int | None = None
        self.records = 0
        self.requests = 0
        self.phase_requests = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def phase(self, name: str, total: int | None = None) -> None:
        if self.name:
            self._finish_line()
        self.name, self.total, self.records, self.phase_requests = name, total, 0, 0
        self.started = time.monotonic()
        self._draw(force=True)

    def advance(self, records: int = 1) -> None:
        self.records += records
        self._draw()

    def request(self) -> None:
        self.requests += 1
        self.phase_requests += 1
        self._draw()

    def close(self) -> None:
        if self.name:
            self._finish_line()
            self.name = ""

    def line(self) -> str:
        """Return the current status, e.g. 'children_active [#####-----] 120/400 · 842 req · ETA 3m12s'."""
        parts = [self.name.replace("_", " ")]
        if self.total:
            done = min(self.records, self.total)
            filled = int(self.width * done / self.total)
            parts.append(f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total}")
        else:
            parts.append(f"{self.records} records")
        parts.append(f"{self.phase_requests} req")
        eta = self.eta()
        if eta is not None:
            parts.append(f"ETA {_duration(eta)}")
        return " · ".join(parts)

    def eta(self) -> float | None:
        """Seconds left in this phase if requests per record stay as so far, at the rate limit."""
        if not self.total or not self.records:
            return None
        per_record = self.phase_requests / self.records
        return (self.total - min(self.records, self.total)) * per_record / self.rate

    def _draw(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.tty or (not force and now - self._drawn < 0.2):
            return
        self._drawn = now
        self.stream.write("\r\033[K" + self.line())
        self.stream.flush()

    def _finish_line(self) -> None:
        elapsed = _duration(time.monotonic() - self.started)
        summary = f"{self.name.replace('_', ' ')}: {self.records} records, {self.phase_requests} requests, {elapsed}"
        self.stream.write(("\r\033[K" if self.tty else "") + summary + "\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
