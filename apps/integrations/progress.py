"""Sync progress: a live terminal line, and the same facts for the web page (`run_progress`).

Both show records, requests and an ETA under the rate limit. On a TTY the line is redrawn in place;
otherwise (logs, CI) one plain line per phase is printed. The web page polls `sync_progress`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TextIO

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.integrations.models import Connection, SyncKind, SyncRun, SyncStatus


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


# -- the same progress for the web page (htmx polls it) ---------------------------------------------------

PHASE_LABELS = {
    "users": "Users",
    "stages": "Stages",
    "archive_reasons": "Archive reasons",
    "tags": "Tags",
    "sources": "Sources",
    "requisitions": "Requisitions",
    "postings": "Jobs",
    "opportunities": "Candidates and applications",
    "deleted": "Deleted candidates",
    "children_active": "Notes, interviews, offers and files of active applications",
    "children_changed": "Notes, interviews, offers and files of changed applications",
    "children_history": "Notes, interviews, offers and files of archived applications",
    "apply_forms": "Screening questions",
    "sweep": "Notes and interviews of active applications",
}
# Lists per application in the children phases (notes, interviews, offers, resumes, files, feedback).
CHILD_REQUESTS_PER_APPLICATION = 6
# How long after connecting the page waits for the first run to appear before it stops asking.
FIRST_RUN_WAIT = timedelta(minutes=5)


@dataclass(frozen=True)
class RunProgress:
    run_id: int
    kind: str
    status: str
    finished: bool
    phase: str
    phase_label: str
    phases_done: int
    phases_total: int
    records: int
    requests: int
    eta_seconds: float | None
    error: str

    @property
    def percent(self) -> int:
        return int(100 * self.phases_done / self.phases_total) if self.phases_total else 0

    @property
    def eta(self) -> str:
        return _duration(self.eta_seconds) if self.eta_seconds is not None else ""


def run_progress(run: SyncRun) -> RunProgress:
    """Return what a SyncRun has done and roughly how long the rest takes at the rate limit."""
    from apps.integrations.lever.sync.runner import DELTA_PHASES, FULL_PHASES

    phases = {SyncKind.FULL: FULL_PHASES, SyncKind.DELTA: DELTA_PHASES}.get(run.kind, ("sweep",))
    done = [phase for phase in run.checkpoint.get("done", []) if phase in phases]
    phase = run.checkpoint.get("phase", "") if not run.is_finished else ""
    records = sum(n for label, counts in run.stats.items() if label != "requests" for n in counts.values())
    return RunProgress(
        run_id=run.pk,
        kind=run.get_kind_display(),
        status=run.status,
        finished=run.is_finished,
        phase=phase,
        phase_label=PHASE_LABELS.get(phase, phase.replace("_", " ").capitalize()),
        phases_done=len(phases) if run.status == SyncStatus.SUCCEEDED else len(done),
        phases_total=len(phases),
        records=records,
        requests=run.requests_made,
        eta_seconds=None if run.is_finished else _eta(run, [p for p in phases if p not in done]),
        error=run.error,
    )


def _eta(run: SyncRun, remaining: list[str]) -> float | None:
    """Estimate the seconds left from the requests the remaining phases need, at the rate limit."""
    from apps.candidates.models import Application, Outcome
    from apps.jobs.models import Job

    if "opportunities" in remaining:
        return None  # how many candidates Lever holds is unknown until the listing is through
    since = run.checkpoint.get("since") or run.started_at
    applications = Application.objects.for_connection(run.connection).alive()
    stale = applications.filter(Q(children_synced_at__isnull=True) | Q(children_synced_at__lt=since))
    per_phase = {
        "children_active": lambda: stale.filter(outcome=Outcome.ACTIVE).count(),
        "children_history": lambda: stale.exclude(outcome=Outcome.ACTIVE).count(),
        "children_changed": lambda: stale.filter(changed_at__gte=since).count(),
    }
    requests = 0.0
    for phase in remaining:
        if phase in per_phase:
            requests += per_phase[phase]() * CHILD_REQUESTS_PER_APPLICATION
        elif phase == "apply_forms":
            requests += Job.objects.for_connection(run.connection).alive().count()
        else:
            requests += 1  # reference lists and deletions: a page or two each
    rate = getattr(settings, "LEVER_RATE_LIMIT", 10.0)
    return requests / rate


def sync_progress(connection: Connection) -> RunProgress | None:
    """Return the progress of the connection's current sync, else of its last one; None if none ran."""
    run = (
        SyncRun.objects.filter(connection=connection, kind__in=(SyncKind.FULL, SyncKind.DELTA))
        .select_related("connection")
        .order_by("-created_at")
        .first()
    )
    return run_progress(run) if run is not None else None


def keeps_polling(connection: Connection, progress: RunProgress | None) -> bool:
    """Whether the page should ask again: a run is going on, or a live connection's first one is due."""
    if progress is None:
        # Only a connection made moments ago waits for its first run; others may never have one queued.
        recent = connection.connected_at and connection.connected_at > timezone.now() - FIRST_RUN_WAIT
        return bool(connection.is_live and recent)
    return not progress.finished
