"""SyncRun lifecycle: claim (one run per connection), heartbeat with checkpoint, resume, finish.

A run is claimed by inserting it as "running": the partial unique index on (connection) where
status = running lets exactly one insert win. A run whose worker died keeps status "running" but
stops beating; the next claim finds its heartbeat stale and takes it over with a conditional UPDATE
(only one claimer can match the old heartbeat), so it resumes from its checkpoint instead of being
left "running" forever. Runs that no live worker holds (a stale heartbeat, or a paused run whose
continuation task was lost) are found by `sync_runs_to_resume` for the minute-by-minute resume task.
Each claim records the worker (host:pid) that holds the run, so operators see where it runs.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from apps.integrations.alerts import forget_alerts
from apps.integrations.models import Connection, ConnectionStatus, SyncKind, SyncRun, SyncStatus, SyncTrigger
from apps.integrations.models.connection import LIVE_STATUSES

# A live worker beats at least every page (seconds apart, minutes when rate-limited on children of a
# big opportunity); a run silent for this long is dead. Kept far below the django-q2 task timeout.
STALE_AFTER = timedelta(seconds=getattr(settings, "SYNC_STALE_AFTER", 300))
# A failed full sync younger than this hands its checkpoint to the next full sync.
RESUME_FAILED_WITHIN = timedelta(hours=24)


class SyncUnavailable(Exception):
    """The connection cannot sync now (another run is alive, or it is not connected)."""


def worker_name() -> str:
    """This process as an operator finds it: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def sync_run_claim(
    *,
    connection: Connection,
    kind: str,
    trigger: str = SyncTrigger.SCHEDULE,
    requested_by: Any = None,
    resume_only: bool = False,
) -> SyncRun:
    """Return a running SyncRun this worker now owns: a dead one resumed, a paused one, or a new one.

    With `resume_only` nothing new starts: a continuation whose run another worker already finished
    must not begin a second full sync. Raises SyncUnavailable when a live run already holds the
    connection, when the connection is not live, or (resume_only) when there is nothing to resume.
    """
    connection.refresh_from_db(fields=["status"])
    if not connection.is_live:
        raise SyncUnavailable(f"The connection is {connection.get_status_display().lower()}.")
    now = timezone.now()
    running = SyncRun.objects.filter(connection=connection, status=SyncStatus.RUNNING).first()
    if running is not None:
        if running.heartbeat_at and running.heartbeat_at > now - STALE_AFTER:
            raise SyncUnavailable(f"Sync #{running.pk} is already running.")
        taken = SyncRun.objects.filter(
            pk=running.pk, status=SyncStatus.RUNNING, heartbeat_at=running.heartbeat_at
        )
        if taken.update(heartbeat_at=now, resumes=F("resumes") + 1, worker=worker_name()) != 1:
            raise SyncUnavailable(f"Another worker resumed sync #{running.pk} first.")
        running.refresh_from_db()
        _set_connection_status(connection, ConnectionStatus.SYNCING)
        return running
    paused = (
        SyncRun.objects.filter(connection=connection, status=SyncStatus.QUEUED).order_by("created_at").first()
    )
    if paused is not None:
        # A run that spent its time slice continues before anything new starts.
        try:
            with transaction.atomic():
                taken = SyncRun.objects.filter(pk=paused.pk, status=SyncStatus.QUEUED).update(
                    status=SyncStatus.RUNNING, heartbeat_at=now, worker=worker_name()
                )
        except IntegrityError as exc:
            raise SyncUnavailable("Another worker took the connection at the same moment.") from exc
        if taken != 1:
            raise SyncUnavailable(f"Another worker continued sync #{paused.pk} first.")
        forget_alerts(paused.workspace_id)  # an update() sends no signal: the sync strip must show
        paused.refresh_from_db()
        _set_connection_status(connection, ConnectionStatus.SYNCING)
        return paused
    if resume_only:
        raise SyncUnavailable("Nothing to resume: the run finished or another worker continued it.")
    checkpoint, stats = _inherited_checkpoint(connection, kind)
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                workspace_id=connection.workspace_id,
                connection=connection,
                kind=kind,
                trigger=trigger,
                requested_by=requested_by,
                status=SyncStatus.RUNNING,
                started_at=now,
                heartbeat_at=now,
                checkpoint=checkpoint,
                stats=stats,
                worker=worker_name(),
            )
    except IntegrityError as exc:
        raise SyncUnavailable("Another worker started a sync of this connection at the same moment.") from exc
    _set_connection_status(connection, ConnectionStatus.SYNCING)
    return run


def sync_runs_to_resume() -> QuerySet[SyncRun]:
    """Runs of live connections that no live worker holds.

    Running ones whose heartbeat went stale (their worker died), and paused ones whose continuation
    has not started for as long (its task was lost: the Redis broker has no delivery receipts, and a
    worker killed between pausing and queueing leaves none).
    """
    return SyncRun.objects.filter(
        status__in=(SyncStatus.RUNNING, SyncStatus.QUEUED),
        heartbeat_at__lt=timezone.now() - STALE_AFTER,
        connection__status__in=LIVE_STATUSES,
    ).order_by("pk")


def _inherited_checkpoint(connection: Connection, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Let a new full sync continue where a recently failed one stopped."""
    if kind != SyncKind.FULL:
        return {}, {}
    last = SyncRun.objects.filter(connection=connection, kind=SyncKind.FULL).order_by("-created_at").first()
    if (
        last
        and last.status == SyncStatus.FAILED
        and last.checkpoint
        and last.created_at > timezone.now() - RESUME_FAILED_WITHIN
    ):
        return {**last.checkpoint, "resumed_from": last.pk}, last.stats
    return {}, {}


def sync_run_beat(run: SyncRun, *, checkpoint: dict[str, Any] | None = None, **counters: Any) -> None:
    """Record progress: stats, request counters and where to resume; proves the worker is alive."""
    run.heartbeat_at = timezone.now()
    fields = [
        "heartbeat_at",
        "stats",
        "requests_made",
        "rate_limit_waits",
        "rate_limit_wait_seconds",
        "errors",
    ]
    if checkpoint is not None:
        run.checkpoint = checkpoint
        fields.append("checkpoint")
    for name, value in counters.items():
        setattr(run, name, value)
    SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(
        **{name: getattr(run, name) for name in fields}
    )


def sync_run_alive(run: SyncRun) -> None:
    """Only prove the worker alive (between beats, which also save stats and the checkpoint)."""
    run.heartbeat_at = timezone.now()
    SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(heartbeat_at=run.heartbeat_at)


def sync_run_pause(run: SyncRun) -> None:
    """Put a run that spent its time slice back in the queue, checkpoint kept, to be continued."""
    SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(
        status=SyncStatus.QUEUED, heartbeat_at=timezone.now(), checkpoint=run.checkpoint, stats=run.stats
    )
    run.status = SyncStatus.QUEUED
    forget_alerts(run.workspace_id)  # an update() sends no signal: the sync strip must go


def sync_run_finish(run: SyncRun, *, status: str, error: str = "") -> None:
    """Close the run and put the connection back to active (unless it needs re-authorisation now)."""
    now = timezone.now()
    run.status, run.error, run.finished_at, run.heartbeat_at = status, error[:5000], now, now
    run.save(
        update_fields=[
            "status",
            "error",
            "finished_at",
            "heartbeat_at",
            "stats",
            "checkpoint",
            "requests_made",
            "rate_limit_waits",
            "rate_limit_wait_seconds",
            "errors",
        ]
    )
    connection = Connection.objects.get(pk=run.connection_id)
    fields = []
    if status == SyncStatus.SUCCEEDED:
        connection.last_synced_at = now
        fields.append("last_synced_at")
    elif error:
        connection.last_error, connection.last_error_at = error[:2000], now
        fields += ["last_error", "last_error_at"]
    if connection.status == ConnectionStatus.SYNCING:
        connection.transition_to(ConnectionStatus.ACTIVE)
        fields += ["status", "status_reason", "status_changed_at"]
    if fields:
        connection.save(update_fields=[*fields, "updated_at"])


def _set_connection_status(connection: Connection, status: str) -> None:
    connection.refresh_from_db(fields=["status", "status_reason", "status_changed_at"])
    if connection.status != status and connection.can_transition_to(status):
        connection.transition_to(status)
        connection.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
