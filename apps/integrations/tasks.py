"""django-q2 entry points: ids in, one service call. Dotted paths are stored in schedules: keep them."""

from __future__ import annotations

from django.conf import settings

from apps.integrations.models import Connection, SyncStatus


def sync_connection(connection_id: int, kind: str, trigger: str = "schedule") -> str:
    """Run one time slice of a sync; a run that spent its slice is continued by a new task."""
    from django_q.tasks import async_task

    from apps.integrations.lever.sync.runner import run_sync
    from apps.integrations.sync_runs import SyncUnavailable

    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "skipped: the connection no longer exists"
    # Stop well inside the worker's timeout, so the checkpoint is saved by us, not lost to a kill.
    time_slice = settings.Q_CLUSTER["timeout"] * 0.8
    try:
        run = run_sync(connection, kind=kind, trigger=trigger, time_budget=time_slice)
    except SyncUnavailable as exc:
        return f"skipped: {exc}"
    if run.status == SyncStatus.QUEUED:
        async_task("apps.integrations.tasks.sync_connection", connection_id, run.kind, trigger)
    return f"sync #{run.pk}: {run.status}"


def process_writebacks(connection_id: int) -> str:
    """Send the due write-backs of one connection (woken on enqueue, and every minute for retries)."""
    from apps.integrations.outbox import writeback_process

    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "skipped: the connection no longer exists"
    outcomes = writeback_process(connection, time_budget=settings.Q_CLUSTER["timeout"] * 0.8)
    return ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "nothing due"
