"""django-q2 entry points: ids in, one service call. Dotted paths are stored in schedules: keep them."""

from __future__ import annotations

from django.conf import settings

from apps.integrations.models import Connection, SyncStatus

SCORING_TASK = "apps.scoring.tasks.scoring_after_sync"
SYNC_TASK = "apps.integrations.tasks.sync_connection"


def sync_connection(
    connection_id: int, kind: str, trigger: str = "schedule", resume_only: bool = False
) -> str:
    """Run one time slice of a sync; a run that spent its slice is continued by a new task.

    `resume_only` (continuations and the resume task) only continues a paused or dead run, so a
    continuation that arrives after another worker finished the run does not start a second sync.
    """
    from django_q.tasks import async_task

    from apps.integrations.lever.sync.runner import run_sync
    from apps.integrations.sync_runs import SyncUnavailable

    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "skipped: the connection no longer exists"
    # Stop well inside the worker's timeout, so the checkpoint is saved by us, not lost to a kill.
    time_slice = settings.Q_CLUSTER["timeout"] * 0.8
    try:
        run = run_sync(
            connection, kind=kind, trigger=trigger, time_budget=time_slice, resume_only=resume_only
        )
    except SyncUnavailable as exc:
        return f"skipped: {exc}"
    if run.status == SyncStatus.QUEUED:
        async_task(SYNC_TASK, connection_id, run.kind, trigger, True, task_name=f"continue sync #{run.pk}")
    # After every slice, not only the last: a first sync's active pipelines are ranked while the
    # archived history is still coming in. Scoring skips what did not change.
    score_changes(connection_id)
    return f"sync #{run.pk} on {run.worker}: {run.status}"


def resume_stale_syncs() -> str:
    """Queue the continuation of every sync run no live worker holds (every minute, see schedules.py).

    A worker killed mid-run leaves its run "running" with a heartbeat that stops; once the heartbeat
    is SYNC_STALE_AFTER old, the run resumes from its checkpoint in whichever worker takes this task.
    """
    from django_q.tasks import async_task

    from apps.integrations.sync_runs import sync_runs_to_resume

    runs = list(sync_runs_to_resume().values_list("pk", "connection_id", "kind", "trigger"))
    for pk, connection_id, kind, trigger in runs:
        async_task(SYNC_TASK, connection_id, kind, trigger, True, task_name=f"resume sync #{pk}")
    return ", ".join(f"resumed sync #{pk}" for pk, *_ in runs) or "nothing to resume"


def score_changes(connection_id: int) -> None:
    """Queue the scoring of what a sync or a webhook changed (one pass per connection at a time)."""
    from django_q.tasks import async_task

    async_task(SCORING_TASK, connection_id)


def process_writebacks(connection_id: int) -> str:
    """Send the due write-backs of one connection (woken on enqueue, and every minute for retries)."""
    from apps.integrations.outbox import writeback_process

    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "skipped: the connection no longer exists"
    outcomes = writeback_process(connection, time_budget=settings.Q_CLUSTER["timeout"] * 0.8)
    return ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "nothing due"


def sync_after_connect(connection_id: int, kind: str) -> str:
    """Run the first slice of the sync a (re)connection starts, then default the write-back user.

    The users phase comes first, so after one slice the connecting admin's Lever user is mirrored.
    """
    from apps.integrations.lifecycle import connection_writeback_user_default

    outcome = sync_connection(connection_id, kind, "connect")
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is not None:
        connection_writeback_user_default(connection=connection)
    return outcome


def refresh_idle_token(connection_id: int) -> str:
    """Refresh an OAuth grant idle for a month, so Lever's 90-day inactivity expiry never ends it."""
    from apps.integrations.lifecycle import connection_refresh_if_idle

    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "skipped: the connection no longer exists"
    return "refreshed" if connection_refresh_if_idle(connection=connection) else "not needed"


def process_webhook_event(event_id: int) -> str:
    """Process one Lever webhook event from the inbox (queued on receipt, on replay and for retries)."""
    from apps.integrations.models import WebhookEvent, WebhookStatus
    from apps.integrations.webhook_processing import webhook_event_process

    outcome = webhook_event_process(event_id)
    event = WebhookEvent.objects.filter(pk=event_id, status=WebhookStatus.PROCESSED).first()
    if event is not None:
        score_changes(event.connection_id)
    return outcome
