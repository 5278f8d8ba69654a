"""Process one inbox event in the worker: re-fetch what it names from Lever and write it to the mirror.

A payload only tells us *which* object changed; its fields and its arrival order are never trusted
(LEVER_API.md §10.4, §13 item 32). Opportunity events re-read the opportunity and all its children,
interview events the opportunity with its interviews and feedback, contact events every opportunity
of the person. A 404 means the opportunity was deleted: it is forgotten exactly as the sync does.

Work runs in an EventContext, not a SyncRun, so scheduled syncs of the connection are never blocked.
Each event is claimed with a conditional UPDATE before any work, so a task delivered twice (or a
retry racing a replay) processes it once. Retryable Lever failures are retried a bounded number of
times through one-off django-q2 schedules; an auth failure flags the connection for re-authorisation
and leaves the event failed, to be replayed after reconnecting.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from apps.candidates.models import Application
from apps.integrations.lever import mapping
from apps.integrations.lever.credentials import lever_client_for
from apps.integrations.lever.errors import LeverAuthError, LeverError, LeverNotFound, LeverPermissionError
from apps.integrations.lever.mapping.values import MappingError, ref_id
from apps.integrations.lever.sync.children import refresh_children
from apps.integrations.lever.sync.context import EventContext
from apps.integrations.lever.sync.opportunities import (
    APPLICATION,
    forget_applications,
    hired_reason_ids,
    wipe_newly_anonymised,
)
from apps.integrations.lever.webhooks import CONTACT, EVENTS, INTERVIEWS, OPPORTUNITY
from apps.integrations.models import ChangeSource, WebhookEvent, WebhookStatus
from apps.integrations.upsert import MirrorWriter
from apps.jobs.models import Stage

logger = logging.getLogger(__name__)

PROCESS_TASK = "apps.integrations.tasks.process_webhook_event"
MAX_ATTEMPTS = 5  # the first run and four automatic retries; replays start a fresh count
# A claim older than this belongs to a worker that died; django-q2 re-delivers its task after
# Q_CLUSTER["retry"] (longer than this), and the re-delivered task may then take the event over.
CLAIM_LEASE = timedelta(minutes=10)
INTERVIEW_CHILDREN = ("interviews", "feedback")  # feedback hangs off interviews; one more request


class Skip(Exception):
    """The event cannot lead to any work (nothing to fetch); the message says why."""


def webhook_event_process(event_id: int) -> str:
    """Process one WebhookEvent (the worker's entry point); return a one-line outcome for the task log."""
    event = _claim(event_id)
    if event is None:
        return "skipped: not waiting to be processed (done already, or another worker has it)"
    connection = event.connection
    spec = EVENTS.get(event.event)
    data = event.payload.get("data") if isinstance(event.payload, dict) else None
    if spec is None:
        return _finish(event, WebhookStatus.IGNORED, "Recruitdesk does not handle this event.")
    if not isinstance(data, dict) or not data:
        return _finish(event, WebhookStatus.IGNORED, "Test ping: nothing to fetch.")
    if not connection.is_live:
        return _finish(
            event, WebhookStatus.IGNORED, f"The connection is {connection.get_status_display().lower()}."
        )
    try:
        with lever_client_for(connection) as client:
            writer = MirrorWriter(connection, source=ChangeSource.WEBHOOK, webhook_event_id=event.pk)
            ctx = EventContext(connection=connection, client=client, writer=writer)
            HANDLERS[spec.action](ctx, data)
    except Skip as exc:
        return _finish(event, WebhookStatus.IGNORED, str(exc))
    except LeverAuthError as exc:
        from apps.integrations.services import connection_mark_needs_reauth

        reason = f"Lever refused the credentials: {exc.message}"
        connection_mark_needs_reauth(connection=connection, reason=reason)
        # No automatic retry: nothing changes until an admin reconnects. Staff replay it then.
        return _finish(event, WebhookStatus.FAILED, f"{reason} Replay this event after reconnecting.")
    except LeverError as exc:
        if exc.retryable:
            return _retry_or_fail(event, str(exc), getattr(exc, "retry_after", None))
        return _finish(event, WebhookStatus.FAILED, str(exc))
    except MappingError as exc:
        return _finish(event, WebhookStatus.FAILED, f"Lever's answer could not be read: {exc}")
    except Exception as exc:
        # A bug or an outage of our own: retried like a Lever failure, and raised so django-q2 logs it.
        _retry_or_fail(event, f"{type(exc).__name__}: {exc}", None)
        raise
    return _finish(event, WebhookStatus.PROCESSED, "; ".join(ctx.notes))


# -- what each kind of event fetches ---------------------------------------------------------------


def _process_opportunity(ctx: EventContext, data: dict[str, Any]) -> None:
    _refresh_opportunity(ctx, _opportunity_id(data), children=None)


def _process_interviews(ctx: EventContext, data: dict[str, Any]) -> None:
    _refresh_opportunity(ctx, _opportunity_id(data), children=INTERVIEW_CHILDREN)


def _process_contact(ctx: EventContext, data: dict[str, Any]) -> None:
    """Re-read every opportunity of the person: name, emails, phones and links live on them."""
    contact_id = _id(data, "contactId")
    if contact_id is None:
        raise Skip("The payload names no contact.")
    opportunities = list(ctx.client.iter_opportunities(contact_id=contact_id))
    for raw in opportunities:
        _ensure_stage_known(ctx, raw)
    _write_opportunities(ctx, opportunities)
    if not opportunities:
        ctx.error("Lever lists no opportunity for this contact yet; nothing to mirror.")


HANDLERS = {OPPORTUNITY: _process_opportunity, INTERVIEWS: _process_interviews, CONTACT: _process_contact}


def _refresh_opportunity(ctx: EventContext, opportunity_id: str, *, children: Collection[str] | None) -> None:
    """Write the opportunity as Lever has it now, then its children (`None`: every kind)."""
    try:
        # Same expand and mapping as the sync's opportunity listing (sync/opportunities.py).
        raw = ctx.client.get_opportunity(opportunity_id)
    except LeverNotFound:
        _forget(ctx, opportunity_id)
        return
    _ensure_stage_known(ctx, raw)
    written = _write_opportunities(ctx, [raw])
    application_pk = written.get(opportunity_id)
    if application_pk is None:
        ctx.error("The opportunity could not be written (see the mapping notes); children skipped.")
        return
    contact_id = ref_id(raw.get("contact")) or ""
    refresh_children(ctx, [(application_pk, opportunity_id, contact_id)], kinds=children)


def _write_opportunities(ctx: EventContext, opportunities: list[dict[str, Any]]) -> dict[str, int]:
    """Map and write opportunities; return application primary keys by opportunity id.

    A copy older than the mirror's (a concurrent event or sync wrote a newer one after our GET) is
    not written: arrival order means nothing, Lever's updatedAt does.
    """
    hired = hired_reason_ids(ctx)
    pairs = [mapping.map_opportunity(raw, hired_reason_ids=hired) for raw in opportunities]
    mirrored = {
        remote_id: (pk, updated_at)
        for remote_id, pk, updated_at in Application.objects.for_connection(ctx.connection)
        .filter(remote_id__in=[application.remote_id for _, application in pairs])
        .values_list("remote_id", "pk", "remote_updated_at")
    }
    fresh = []
    for candidate, application in pairs:
        _, mirrored_at = mirrored.get(application.remote_id, (None, None))
        fetched_at = application.fields.get("remote_updated_at")
        if mirrored_at and fetched_at and fetched_at < mirrored_at:
            ctx.error(f"Opportunity {application.remote_id}: the mirror holds a newer copy; kept it.")
            continue
        fresh += [candidate, application]
    results = ctx.writer.write(fresh)
    wipe_newly_anonymised(ctx, results)
    written = results.get(APPLICATION)
    return {**{rid: pk for rid, (pk, _) in mirrored.items()}, **(written.pks if written else {})}


def _forget(ctx: EventContext, opportunity_id: str) -> None:
    """Lever answers 404: the opportunity was deleted. Mark it and wipe personal data as the sync does."""
    gone = ctx.writer.mark_deleted(APPLICATION, [opportunity_id])
    forget_applications(ctx, gone, reason="Lever answered 404 for the opportunity")
    if not gone:
        ctx.error("Lever no longer has this opportunity, and the mirror held no live copy of it.")


def _ensure_stage_known(ctx: EventContext, raw: dict[str, Any]) -> None:
    """Re-read the stage list when the opportunity sits in a stage the mirror has not seen (§13 item 21).

    Postings, tags and users new since the last sync are left to the next delta (at most 10 minutes):
    their references resolve then, because the mirror's content hash covers how references resolved.
    """
    stage_id = ref_id(raw.get("stage"))
    if not stage_id or Stage.objects.for_connection(ctx.connection).filter(remote_id=stage_id).exists():
        return
    try:
        ctx.writer.write(mapping.map_stages(list(ctx.client.iter_stages())))
    except LeverPermissionError as exc:
        ctx.error(f"stages: {exc.message}")


def _opportunity_id(data: dict[str, Any]) -> str:
    # `candidateId` is the pre-2017 name of the opportunity id and still sent alongside it (§10.2);
    # used only when `opportunityId` is missing. [U]: LEVER_API.md documents no payload without it.
    opportunity_id = _id(data, "opportunityId") or _id(data, "candidateId")
    if opportunity_id is None:
        raise Skip("The payload names no opportunity.")
    return opportunity_id


def _id(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return (
        str(value) if isinstance(value, str | int) and not isinstance(value, bool) and value != "" else None
    )


# -- claiming and finishing ------------------------------------------------------------------------


def _claim(event_id: int) -> WebhookEvent | None:
    """Take the event for this worker, or return None when it is not waiting to be processed.

    The conditional UPDATE is the row lock: the database changes the row only if its status still
    allows it (PostgreSQL re-checks the condition after waiting on a concurrent writer), so two tasks
    for one event cannot both win. Waiting: received, a failed one whose retry is due, or one whose
    worker died (its claim is older than CLAIM_LEASE).
    """
    now = timezone.now()
    waiting = (
        Q(status=WebhookStatus.RECEIVED)
        | Q(status=WebhookStatus.FAILED, next_attempt_at__lte=now + timedelta(seconds=5))
        | Q(status=WebhookStatus.PROCESSING, updated_at__lt=now - CLAIM_LEASE)
    )
    claimed = WebhookEvent.objects.filter(waiting, pk=event_id).update(
        status=WebhookStatus.PROCESSING, attempts=F("attempts") + 1, next_attempt_at=None, updated_at=now
    )
    if claimed != 1:
        return None
    return WebhookEvent.objects.select_related("connection").get(pk=event_id)


def _finish(event: WebhookEvent, status: str, note: str, next_attempt_at: datetime | None = None) -> str:
    now = timezone.now()
    WebhookEvent.objects.filter(pk=event.pk, status=WebhookStatus.PROCESSING).update(
        status=status,
        error=note[:2000],
        processed_at=now if status != WebhookStatus.FAILED else None,
        next_attempt_at=next_attempt_at,
        updated_at=now,
    )
    logger.info("Lever webhook event %s (%s): %s", event.pk, event.event, status)
    return f"{status}: {note}" if note else status


def _retry_or_fail(event: WebhookEvent, error: str, retry_after: float | None) -> str:
    """Fail the event; schedule another attempt with a growing delay while attempts remain."""
    if event.attempts >= MAX_ATTEMPTS:
        return _finish(event, WebhookStatus.FAILED, f"{error} (gave up after {event.attempts} attempts)")
    delay = max(retry_after or 0, min(3600, 60 * 4 ** (event.attempts - 1)))  # 1, 4, 16, 60, 60 minutes
    retry_at = timezone.now() + timedelta(seconds=delay)
    outcome = _finish(event, WebhookStatus.FAILED, f"{error} (attempt {event.attempts}; retrying)", retry_at)
    _schedule(event.pk, retry_at)
    return outcome


def _schedule(event_id: int, when: datetime) -> None:
    from django_q.models import Schedule
    from django_q.tasks import schedule

    # ONCE schedules are deleted by django-q2 after they ran; a name would have to be unique.
    schedule(PROCESS_TASK, event_id, schedule_type=Schedule.ONCE, next_run=when, repeats=-1)
