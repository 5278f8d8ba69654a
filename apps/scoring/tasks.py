"""Background entry points for scoring (django-q2 stores these dotted paths: keep them stable).

- `scoring_after_sync(connection_id)`: after each sync and each webhook; scores what changed.
- `score_job_task(job_id)`: after a scoring profile edit.
- `rescore_outdated()`: after an engine upgrade; one chunk per task, re-enqueued until done.
- `writeback_catch_up_task(workspace_id)`: when a workspace turns write-back on.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from django.core.cache import cache
from django.db import transaction

from apps.integrations.models import Connection
from apps.jobs.models import Job
from apps.scoring import services, writeback

logger = logging.getLogger(__name__)

SCORE_JOB_TASK = "apps.scoring.tasks.score_job_task"
RESCORE_OUTDATED_TASK = "apps.scoring.tasks.rescore_outdated"
WRITEBACK_CATCH_UP_TASK = "apps.scoring.tasks.writeback_catch_up_task"
LOCK_SECONDS = 30 * 60  # longer than any scoring pass; a crashed worker's lock expires on its own
OUTDATED_LOCK = "scoring:rescore-outdated"


def enqueue_on_commit(task: str, *args: Any) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(task, *args))


def scoring_after_sync(connection_id: int) -> dict[str, int]:
    """Score the connection's applications whose inputs changed; called after every sync and webhook.

    One pass per connection at a time. A call that arrives during a pass asks it to go round once
    more instead of waiting, so a burst of webhooks costs one or two passes, not one each.
    """
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return {}
    lock, again = f"scoring:connection:{connection_id}", f"scoring:connection:{connection_id}:again"
    if not cache.add(lock, 1, LOCK_SECONDS):
        cache.set(again, 1, LOCK_SECONDS)
        return {}
    summary = services.ScoringSummary()
    try:
        while True:
            cache.delete(again)
            summary.add(services.score_changed(connection))
            if not cache.get(again):
                break
    finally:
        cache.delete(lock)
    if services.outdated_applications([connection.workspace_id]).exists():
        start_rescore_outdated()
    logger.info("Scoring after sync of connection %s: %s", connection_id, asdict(summary))
    return asdict(summary)


def score_job_task(job_id: int, force: bool = False) -> dict[str, int]:
    job = Job.objects.filter(pk=job_id).first()
    return asdict(services.score_job(job, force=force)) if job else {}


def start_rescore_outdated() -> None:
    """Start the background rescoring after an engine upgrade, unless it is already running."""
    if cache.add(OUTDATED_LOCK, 1, LOCK_SECONDS):
        enqueue_on_commit(RESCORE_OUTDATED_TASK)


def rescore_outdated() -> dict[str, int]:
    """Rescore one chunk of scores from an older engine version and queue the next chunk."""
    summary, more = services.score_outdated_chunk()
    if more and summary.scored:  # a chunk that only failed would loop forever: the next sync restarts it
        cache.set(OUTDATED_LOCK, 1, LOCK_SECONDS)
        enqueue_on_commit(RESCORE_OUTDATED_TASK)
    else:
        cache.delete(OUTDATED_LOCK)
    return asdict(summary)


def writeback_catch_up_task(workspace_id: int) -> int:
    return writeback.writeback_catch_up(workspace_id)
