"""What every sync step shares: the connection, its client, the mirror writer, progress and budget."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.utils import timezone

from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.events import ClientEvent, RequestEvent
from apps.integrations.lever.mapping import MappingError
from apps.integrations.lever.mapping.values import obj, ref_id
from apps.integrations.models import Connection, SyncRun
from apps.integrations.records import Record
from apps.integrations.sync_runs import sync_run_alive, sync_run_beat
from apps.integrations.upsert import MirrorWriter

logger = logging.getLogger(__name__)

BEAT_EVERY = 5.0  # seconds between heartbeats (checkpoint + stats) while work goes on


class Progress(Protocol):
    """Where a sync reports what it is doing (a progress bar on a terminal, or nothing)."""

    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, records: int = 1) -> None: ...

    def request(self) -> None: ...


class NoProgress:
    def phase(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, records: int = 1) -> None:
        pass

    def request(self) -> None:
        pass


class WorkContext(Protocol):
    """What the shared steps (children, deletions) need: a SyncContext in a run, or an EventContext."""

    connection: Connection
    client: LeverClient
    writer: MirrorWriter
    skipped_resources: set[str]

    def error(self, message: str) -> None: ...


@dataclass
class EventContext:
    """A WorkContext for one webhook event, without a SyncRun.

    A SyncRun row would claim the connection and make its scheduled syncs back off; an event touches
    one opportunity and must not block them. Notes (e.g. a list the credential may not read) are kept
    for the event's record.
    """

    connection: Connection
    client: LeverClient
    writer: MirrorWriter
    skipped_resources: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.notes.append(message[:500])


class Paused(Exception):
    """The run spent its time slice; its checkpoint is saved and a continuation will pick it up."""


@dataclass
class SyncContext:
    connection: Connection
    run: SyncRun
    client: LeverClient
    writer: MirrorWriter
    progress: Progress = field(default_factory=NoProgress)
    phase_name: str = ""
    requests_by_phase: Counter[str] = field(default_factory=Counter)
    skipped_resources: set[str] = field(default_factory=set)  # e.g. offers without offers:read
    deadline: float | None = None  # time.monotonic() after which the run pauses at its next beat
    _last_beat: float = 0.0
    _last_alive: float = 0.0  # a beat or a bare heartbeat (keep_alive)
    # What earlier workers of this run already counted (a resumed run adds to it).
    _base: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._base = {
            "stats": {k: dict(v) for k, v in self.run.stats.items()},
            "requests": self.run.requests_made,
            "waits": self.run.rate_limit_waits,
            "wait_seconds": self.run.rate_limit_wait_seconds,
        }

    @property
    def checkpoint(self) -> dict[str, Any]:
        return self.run.checkpoint

    @property
    def delta_from(self) -> datetime | None:
        """Lever changes after this instant are read by a delta (an operator's --since wins)."""
        override = self.run.checkpoint.get("since_override")
        return datetime.fromisoformat(override) if override else self.connection.opportunities_synced_through

    @property
    def since(self) -> datetime:
        """When this sync began, across resumes: children refreshed after it count as done."""
        stored = self.run.checkpoint.get("since")
        return datetime.fromisoformat(stored) if stored else self.run.started_at or timezone.now()

    def on_client_event(self, event: ClientEvent) -> None:
        if isinstance(event, RequestEvent):
            self.requests_by_phase[self.phase_name or "other"] += 1
            self.progress.request()
            self.keep_alive()

    def keep_alive(self) -> None:
        """Refresh the heartbeat between beats: a batch of children takes many requests before its
        beat, and a heartbeat older than SYNC_STALE_AFTER lets another worker take the run over."""
        now = time.monotonic()
        if now - self._last_alive >= BEAT_EVERY:
            self._last_alive = now
            sync_run_alive(self.run)

    def enter(self, phase: str, total: int | None = None) -> None:
        self.phase_name = phase
        self.checkpoint["phase"] = phase
        self.progress.phase(phase, total)
        self.beat(force=True)

    def complete(self, phase: str) -> None:
        done = self.checkpoint.setdefault("done", [])
        if phase not in done:
            done.append(phase)
        self.checkpoint.pop("offset", None)
        self.beat(force=True)

    def is_done(self, phase: str) -> bool:
        return phase in self.checkpoint.get("done", [])

    def error(self, message: str) -> None:
        self.run.errors = [*self.run.errors, {"phase": self.phase_name, "message": message[:500]}][-50:]

    def mapped(self, to_records: Callable[[Any], Any], items: Iterable[Any]) -> list[Record]:
        """Map each item; one Lever object we cannot identify is skipped and noted, not fatal."""
        records: list[Record] = []
        for item in items:
            try:
                result = to_records(item)
            except MappingError as exc:
                self.error(str(exc))
                continue
            except Exception as exc:
                # A mapping bug on one odd object must not fail the page, nor the run: skip it, say so.
                remote_id = ref_id(obj(item).get("id")) or "without an id"
                logger.exception("Could not map Lever object %s in sync #%s", remote_id, self.run.pk)
                self.error(f"Lever object {remote_id} could not be mapped ({type(exc).__name__}); skipped")
                continue
            records.extend(result if isinstance(result, list | tuple) else [result])
        return records

    def beat(self, *, force: bool = False) -> None:
        """Save stats, counters and the checkpoint every few seconds (always when forced)."""
        now = time.monotonic()
        if self.deadline is not None and now > self.deadline:
            self.deadline = None
            self.beat(force=True)
            raise Paused
        if not force and now - self._last_beat < BEAT_EVERY:
            return
        self._last_beat = self._last_alive = now
        self.run.stats = self.stats()
        sync_run_beat(
            self.run,
            checkpoint=self.checkpoint,
            requests_made=self._base["requests"] + sum(self.requests_by_phase.values()),
            rate_limit_waits=self._base["waits"] + self.client.rate_limit_waits,
            rate_limit_wait_seconds=round(
                self._base["wait_seconds"] + self.client.rate_limit_wait_seconds, 3
            ),
        )

    def stats(self) -> dict[str, dict[str, int]]:
        """Return counts per model (created, updated, unchanged, deleted…) and requests per phase."""
        merged: dict[str, Counter[str]] = {k: Counter(v) for k, v in self._base["stats"].items()}
        for label, counter in self.writer.stats.items():
            merged.setdefault(label, Counter()).update(counter)
        merged.setdefault("requests", Counter()).update(self.requests_by_phase)
        return {label: dict(counter) for label, counter in merged.items()}
