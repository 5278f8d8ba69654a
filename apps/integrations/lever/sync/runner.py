"""Run one sync of a Lever connection: claim it, walk the phases in priority order, finish it.

Priorities on a first (full) sync: reference data, then every opportunity (people and their
applications appear in the pipelines within minutes), then the children and resume text of ACTIVE
applications (what scoring needs), screening questions, and only then archived history. Until that
last phase is done the connection's `history_synced_at` is empty, which the UI shows as
"history still syncing".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.candidates.models import Application, Outcome
from apps.integrations.lever.credentials import lever_client_for
from apps.integrations.lever.errors import LeverAuthError, LeverError
from apps.integrations.lever.sync.children import refresh_children, sync_children
from apps.integrations.lever.sync.context import NoProgress, Paused, Progress, SyncContext
from apps.integrations.lever.sync.opportunities import listing_started_at, sync_deleted, sync_opportunities
from apps.integrations.lever.sync.reference import sync_apply_forms, sync_reference
from apps.integrations.models import Connection, SyncKind, SyncRun, SyncStatus, SyncTrigger
from apps.integrations.services import connection_mark_needs_reauth
from apps.integrations.sync_runs import sync_run_claim, sync_run_finish, sync_run_pause
from apps.integrations.tasks import score_changes
from apps.integrations.upsert import MirrorWriter

logger = logging.getLogger(__name__)

SWEEPS_PER_DAY = 48  # the sweep schedule runs every 30 minutes (schedules.py)
FULL_PHASES = (
    "users",
    "stages",
    "archive_reasons",
    "tags",
    "sources",
    "requisitions",
    "postings",
    "opportunities",
    "deleted",
    "children_active",
    "apply_forms",
    "children_history",
)
DELTA_PHASES = (
    "users",
    "stages",
    "archive_reasons",
    "tags",
    "sources",
    "requisitions",
    "postings",
    "opportunities",
    "deleted",
    "children_changed",
    "apply_forms",
)


def run_sync(
    connection: Connection,
    *,
    kind: str,
    trigger: str = SyncTrigger.SCHEDULE,
    requested_by: object = None,
    since: datetime | None = None,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    time_budget: float | None = None,
    client_options: dict[str, object] | None = None,
    resume_only: bool = False,
) -> SyncRun:
    """Sync `connection` and return its run (succeeded, failed, or queued when the budget ran out).

    With `resume_only`, only continue a paused run or one whose worker died; never start a new one.
    Raises SyncUnavailable when another run holds the connection, it is not connected, or (resume_only)
    there is nothing to resume.
    """
    if kind == SyncKind.DELTA and connection.opportunities_synced_through is None and since is None:
        kind = SyncKind.FULL  # nothing mirrored yet: a delta would have no starting point
    run = sync_run_claim(
        connection=connection, kind=kind, trigger=trigger, requested_by=requested_by, resume_only=resume_only
    )
    checkpoint = run.checkpoint
    checkpoint.setdefault("since", run.started_at.isoformat())
    if since is not None:
        checkpoint.setdefault("since_override", since.isoformat())
    if only:
        phases = FULL_PHASES if run.kind == SyncKind.FULL else DELTA_PHASES
        checkpoint.setdefault("done", [phase for phase in phases if phase not in set(only)])
        checkpoint["partial"] = True

    client = lever_client_for(connection, **(client_options or {}))
    writer = MirrorWriter(connection, source=run.kind, sync_run_id=run.pk)
    ctx = SyncContext(
        connection=connection, run=run, client=client, writer=writer, progress=progress or NoProgress()
    )
    client.on_event = ctx.on_client_event
    if time_budget is not None:
        ctx.deadline = time.monotonic() + time_budget
    try:
        PHASES[run.kind](ctx)
    except Paused:
        sync_run_pause(run)
        logger.info("sync #%s paused at %s; a continuation will resume it", run.pk, checkpoint.get("phase"))
    except LeverAuthError as exc:
        ctx.beat(force=True)
        sync_run_finish(run, status=SyncStatus.FAILED, error=f"Lever refused the credentials: {exc.message}")
        connection_mark_needs_reauth(
            connection=connection, reason=f"Lever refused the credentials: {exc.message}"
        )
    except LeverError as exc:
        ctx.beat(force=True)
        sync_run_finish(run, status=SyncStatus.FAILED, error=str(exc))
    except Exception as exc:
        ctx.beat(force=True)
        sync_run_finish(run, status=SyncStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    else:
        ctx.beat(force=True)
        _advance_high_water_marks(ctx)
        sync_run_finish(run, status=SyncStatus.SUCCEEDED)
    finally:
        client.close()
    return run


def _full(ctx: SyncContext) -> None:
    sync_reference(ctx, delta=False)
    sync_opportunities(ctx, delta=False)
    sync_deleted(ctx, delta=False)
    applications = Application.objects.for_connection(ctx.connection).alive()
    sync_children(ctx, "children_active", applications.filter(outcome=Outcome.ACTIVE))
    # Active pipelines and their resumes are in: rank them now, not after the archived history.
    transaction.on_commit(lambda: score_changes(ctx.connection.pk))
    sync_apply_forms(ctx, only_changed=False)
    sync_children(ctx, "children_history", applications.exclude(outcome=Outcome.ACTIVE))


def _delta(ctx: SyncContext) -> None:
    sync_reference(ctx, delta=True)
    sync_opportunities(ctx, delta=True)
    sync_deleted(ctx, delta=True)
    changed = Application.objects.for_connection(ctx.connection).alive().filter(changed_at__gte=ctx.since)
    sync_children(ctx, "children_changed", changed)
    sync_apply_forms(ctx, only_changed=True)


def _sweep(ctx: SyncContext) -> None:
    """Refresh children of the least recently refreshed active applications within today's budget."""
    if ctx.connection.sweep_daily_requests == 0:
        ctx.complete("sweep")  # the workspace switched the sweep off
        return
    budget = max(10, ctx.connection.sweep_daily_requests // SWEEPS_PER_DAY)
    start = ctx.client.requests_made
    # About six requests per application; take a few extra in case some have no children.
    queue = list(
        Application.objects.for_connection(ctx.connection)
        .alive()
        .filter(outcome=Outcome.ACTIVE)
        .order_by(F("children_synced_at").asc(nulls_first=True), "pk")
        .values_list("pk", "remote_id", "candidate__remote_id")[: budget // 6 + 5]
    )
    ctx.enter("sweep", total=len(queue))
    for application in queue:
        if ctx.client.requests_made - start >= budget:
            break
        refresh_children(ctx, [application])
        ctx.progress.advance()
        ctx.beat()
    ctx.complete("sweep")


PHASES = {SyncKind.FULL: _full, SyncKind.DELTA: _delta, SyncKind.SWEEP: _sweep}


def _advance_high_water_marks(ctx: SyncContext) -> None:
    """Move the delta starting points forward to when this run's listings began (never backwards)."""
    connection = ctx.connection
    connection.refresh_from_db()
    checkpoint = ctx.checkpoint
    fields: list[str] = []
    if not checkpoint.get("partial"):
        listed = listing_started_at(ctx, "listing_started_at")
        deleted = listing_started_at(ctx, "deletions_started_at")
        if (
            listed
            and "since_override" not in checkpoint
            and (
                connection.opportunities_synced_through is None
                or listed > connection.opportunities_synced_through
            )
        ):
            connection.opportunities_synced_through = listed
            fields.append("opportunities_synced_through")
        if deleted and (
            connection.deletions_synced_through is None or deleted > connection.deletions_synced_through
        ):
            connection.deletions_synced_through = deleted
            fields.append("deletions_synced_through")
        if ctx.run.kind == SyncKind.FULL and connection.history_synced_at is None:
            connection.history_synced_at = timezone.now()
            fields.append("history_synced_at")
    if fields:
        connection.save(update_fields=[*fields, "updated_at"])
