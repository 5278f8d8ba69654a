"""The write-back outbox: enqueue, preview, approve, and process actions against Lever.

Nothing in a web request talks to Lever: services enqueue a WritebackAction and a worker sends it.
Guarantees (issue 5): one idempotency key per action (a duplicate submission returns the first);
actions on one target go out in order; a worker claims an action with a conditional UPDATE and a
lease, so a killed worker's action is taken over and, because it may have reached Lever, checked
with the handler's `already_applied` before being sent again; retryable errors back off, permanent
ones park the action as failed with Lever's message until a person retries it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from apps.accounts.models import WritebackApproval
from apps.integrations.lever.errors import LeverAuthError, LeverError, LeverRateLimited
from apps.integrations.lever.writeback import HANDLERS
from apps.integrations.lever.writeback.base import WritebackRefused
from apps.integrations.models import (
    AtsUser,
    ChangeSource,
    Connection,
    WritebackAction,
    WritebackSource,
    WritebackStatus,
)
from apps.integrations.models.outbox import OPEN_WRITEBACK_STATUSES
from apps.integrations.upsert import MirrorWriter

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claimed action whose worker went silent this long is taken over (WRITEBACK_LEASE, default 5 minutes).
LEASE = timedelta(seconds=getattr(settings, "WRITEBACK_LEASE", 300))
BULK_THRESHOLD = 10  # a batch larger than this needs approval under the "bulk" setting
PROCESS_TASK = "apps.integrations.tasks.process_writebacks"


# -- enqueue --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WritebackBatch:
    """One bulk action of a person: its actions share an id and a label, and are approved together."""

    label: str
    size: int
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def enqueue_options(self) -> dict[str, Any]:
        return {"batch_id": self.id, "batch_label": self.label[:255], "batch_size": self.size}


def batch_options(batch: WritebackBatch | None) -> dict[str, Any]:
    return batch.enqueue_options() if batch is not None else {}


def perform_as_for(connection: Connection, user: Any) -> str:
    """Return the Lever user to act as: the requester's own (same email), else the connection's default."""
    email = getattr(user, "email", "")
    if email:
        own = (
            AtsUser.objects.for_connection(connection)
            .alive()
            .filter(email__iexact=email, deactivated_at__isnull=True)
            .values_list("remote_id", flat=True)
            .first()
        )
        if own:
            return own
    return connection.writeback_user.remote_id if connection.writeback_user_id else ""


def target_key_of(*, application: Any = None, candidate: Any = None, job: Any = None) -> str:
    """Return the key that orders actions on one thing (e.g. "application:12"); "" when there is none."""
    for name, obj in (("application", application), ("candidate", candidate), ("job", job)):
        if obj is not None:
            return f"{name}:{obj.pk}"
    return ""


def writeback_enqueue(
    *,
    connection: Connection,
    kind: str,
    payload: dict[str, Any],
    application: Any = None,
    candidate: Any = None,
    job: Any = None,
    requested_by: Any = None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    batch_id: uuid.UUID | None = None,
    batch_label: str = "",
    batch_size: int = 1,
    file: Any = None,
    target_key: str | None = None,
) -> WritebackAction:
    """Create an action (or return the existing one with this idempotency key) and wake the worker."""
    key = idempotency_key or f"{kind}:{uuid.uuid4().hex}"
    existing = WritebackAction.objects.filter(
        workspace_id=connection.workspace_id, idempotency_key=key
    ).first()
    if existing is not None:
        return existing
    needs_approval = _needs_approval(connection, batch_size)
    action = WritebackAction(
        workspace_id=connection.workspace_id,
        connection=connection,
        kind=kind,
        payload=payload,
        application=application,
        candidate=candidate or getattr(application, "candidate", None),
        job=job,
        requested_by=requested_by if getattr(requested_by, "pk", None) else None,
        source=source,
        idempotency_key=key,
        perform_as_remote_id=perform_as_for(connection, requested_by),
        target_key=target_key or target_key_of(application=application, candidate=candidate, job=job),
        batch_id=batch_id,
        batch_label=batch_label,
        status=WritebackStatus.AWAITING_APPROVAL if needs_approval else WritebackStatus.PENDING,
    )
    if file is not None:
        action.file.save(getattr(file, "name", "upload"), file, save=False)
    try:
        with transaction.atomic():
            action.save()
    except IntegrityError:  # the same key arrived twice at once: the first one wins
        return WritebackAction.objects.get(workspace_id=connection.workspace_id, idempotency_key=key)
    if action.status == WritebackStatus.PENDING:
        wake_worker(connection)
    return action


def _needs_approval(connection: Connection, batch_size: int) -> bool:
    mode = connection.workspace.writeback_approval
    return mode == WritebackApproval.ALL or (mode == WritebackApproval.BULK and batch_size > BULK_THRESHOLD)


# Inside `waking_once()`, wake_worker collects connections here instead of queueing a task per action.
_collected_wakes: ContextVar[set[int] | None] = ContextVar("collected_wakes", default=None)


def _queue_worker(connection_pk: int) -> None:
    from django_q.tasks import async_task

    async_task(PROCESS_TASK, connection_pk)


def wake_worker(connection: Connection) -> None:
    """Queue the connection's outbox worker once the transaction commits."""
    collected = _collected_wakes.get()
    if collected is not None:
        collected.add(connection.pk)
        return
    transaction.on_commit(partial(_queue_worker, connection.pk))


@contextmanager
def waking_once() -> Iterator[None]:
    """Wake each connection's worker once for everything enqueued inside (a bulk action of 500 rows
    queues one worker run, not 500). Nothing is queued when the block raises."""
    if _collected_wakes.get() is not None:  # nested: the outer block wakes
        yield
        return
    collected: set[int] = set()
    token = _collected_wakes.set(collected)
    try:
        yield
    finally:
        _collected_wakes.reset(token)
    for connection_pk in sorted(collected):
        transaction.on_commit(partial(_queue_worker, connection_pk))


# -- preview, approval, retry, cancel --------------------------------------------------------------------


def writeback_preview(action: WritebackAction) -> dict[str, Any]:
    """Return what processing would send (calls, perform_as, duplicate check) without sending anything."""
    handler = HANDLERS[action.kind]
    preview: dict[str, Any] = {"kind": action.get_kind_display(), "perform_as": action.perform_as_remote_id}
    try:
        preview["calls"] = [call.describe() for call in handler.plan(action)]
    except (WritebackRefused, ValueError, KeyError) as exc:
        preview["refused"] = str(exc)
    preview["dedupe"] = handler.dedupe(action)
    return preview


def writeback_batch_summary(actions: list[WritebackAction]) -> dict[str, Any]:
    """Summarise a batch for approval: what, how many, and the calls of the first as an example."""
    kinds = Counter(action.get_kind_display() for action in actions)
    return {
        "label": actions[0].batch_label if actions else "",
        "count": len(actions),
        "kinds": dict(kinds),
        "example": writeback_preview(actions[0]) if actions else None,
    }


def writeback_approve(actions: list[WritebackAction], *, by: Any) -> int:
    pks = [a.pk for a in actions]
    approved = WritebackAction.objects.filter(pk__in=pks, status=WritebackStatus.AWAITING_APPROVAL).update(
        status=WritebackStatus.PENDING, approved_by=by, approved_at=timezone.now(), status_reason=""
    )
    for connection in {a.connection for a in actions}:
        wake_worker(connection)
    return approved


def writeback_discard(
    actions: list[WritebackAction], *, by: Any, reason: str = "Discarded before sending."
) -> int:
    return WritebackAction.objects.filter(
        pk__in=[a.pk for a in actions],
        status__in=(WritebackStatus.AWAITING_APPROVAL, WritebackStatus.PENDING),
    ).update(status=WritebackStatus.CANCELLED, status_reason=reason, completed_at=timezone.now())


def writeback_retry(action: WritebackAction, *, by: Any = None) -> bool:
    """Put a failed or cancelled action back in the queue (a person decided it should go out)."""
    updated = WritebackAction.objects.filter(
        pk=action.pk, status__in=(WritebackStatus.FAILED, WritebackStatus.CANCELLED)
    ).update(status=WritebackStatus.PENDING, next_attempt_at=None, status_reason="", completed_at=None)
    if updated:
        wake_worker(action.connection)
    return bool(updated)


def writeback_cancel_open(connection: Connection, *, reason: str) -> int:
    """Cancel everything not yet sent (disconnect); running actions finish their one call."""
    return WritebackAction.objects.filter(
        connection=connection, status__in=(WritebackStatus.AWAITING_APPROVAL, WritebackStatus.PENDING)
    ).update(status=WritebackStatus.CANCELLED, status_reason=reason, completed_at=timezone.now())


# -- processing --------------------------------------------------------------------------------------------


def claim_next(connection: Connection) -> WritebackAction | None:
    """Take the oldest due action whose target has no earlier open action; None when none is due."""
    now = timezone.now()
    earlier_open = WritebackAction.objects.filter(
        connection=connection,
        target_key=OuterRef("target_key"),
        status__in=OPEN_WRITEBACK_STATUSES,
        pk__lt=OuterRef("pk"),
    ).exclude(target_key="")
    due = (
        WritebackAction.objects.filter(connection=connection, status=WritebackStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exclude(Exists(earlier_open))
        .order_by("pk")
    )
    for pk in due.values_list("pk", flat=True)[:5]:
        claimed = WritebackAction.objects.filter(pk=pk, status=WritebackStatus.PENDING).update(
            status=WritebackStatus.RUNNING, claimed_at=now, attempts=F("attempts") + 1
        )
        if claimed == 1:
            return WritebackAction.objects.select_related(
                "application", "candidate", "job", "connection"
            ).get(pk=pk)
    return None


def release_stale_leases(connection: Connection) -> int:
    """Give back actions whose worker died mid-call; they may have reached Lever, so mark them uncertain."""
    return WritebackAction.objects.filter(
        connection=connection, status=WritebackStatus.RUNNING, claimed_at__lt=timezone.now() - LEASE
    ).update(status=WritebackStatus.PENDING, uncertain=True, status_reason="The worker stopped mid-send.")


def writeback_process(
    connection: Connection,
    *,
    time_budget: float = 60.0,
    client: Any = None,
    client_options: dict | None = None,
) -> Counter[str]:
    """Send due actions of `connection` until none is due or the time budget is spent."""
    from apps.integrations.lever.credentials import lever_client_for

    outcomes: Counter[str] = Counter()
    connection.refresh_from_db()
    if not connection.is_live:
        return outcomes  # disconnected or awaiting re-authorisation: nothing leaves, nothing is lost
    release_stale_leases(connection)
    own_client = client is None
    client = client or lever_client_for(connection, **(client_options or {}))
    writer = MirrorWriter(connection, source=ChangeSource.WRITEBACK)
    deadline = time.monotonic() + time_budget
    try:
        while time.monotonic() < deadline:
            action = claim_next(connection)
            if action is None:
                break
            outcome = process_one(action, client, writer)
            outcomes[outcome] += 1
            if outcome == "reauth":
                break
    finally:
        if own_client:
            client.close()
    return outcomes


def process_one(action: WritebackAction, client: Any, writer: MirrorWriter) -> str:
    """Send one claimed action; return succeeded, retry, failed or reauth."""
    from apps.integrations.services import connection_mark_needs_reauth

    handler = HANDLERS[action.kind]
    calls = None  # planned calls, once planned (None: it failed before anything was sent)
    try:
        answer = handler.already_applied(action, client) if action.uncertain else None
        if answer is None:
            calls = handler.plan(action)
            action.request = {"calls": [call.describe() for call in calls]}
            answer = handler.execute(action, client)
    except (WritebackRefused, ValueError, KeyError) as exc:
        return _finish(action, WritebackStatus.FAILED, reason=str(exc))
    except LeverAuthError as exc:
        _requeue(
            action, reason="Waiting for Lever to be re-authorised.", uncertain=action.uncertain, delay=None
        )
        connection_mark_needs_reauth(
            connection=action.connection, reason=f"Lever refused the credentials: {exc.message}"
        )
        return "reauth"
    except LeverError as exc:
        if exc.retryable and action.attempts < MAX_ATTEMPTS:
            # A failed create may still have landed: the next attempt checks Lever before sending.
            ambiguous = (
                calls is not None
                and not isinstance(exc, LeverRateLimited)
                and not all(c.idempotent for c in calls)
            )
            _requeue(
                action,
                reason=f"Lever: {exc.message}",
                uncertain=action.uncertain or ambiguous,
                delay=_backoff(action.attempts, getattr(exc, "retry_after", None)),
            )
            return "retry"
        return _finish(action, WritebackStatus.FAILED, reason=exc.message)
    writer.writeback_action_id = action.pk
    try:
        handler.reflect(action, answer, writer)
    except Exception:  # Lever has the change; the next sync mirrors it if this did not
        logger.exception("write-back #%s succeeded but could not be mirrored", action.pk)
    finally:
        writer.writeback_action_id = None
    return _finish(action, WritebackStatus.SUCCEEDED, response=answer if isinstance(answer, dict) else {})


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    seconds = retry_after if retry_after else min(600, 5 * 2 ** (attempts - 1))
    return timedelta(seconds=seconds)


def _requeue(action: WritebackAction, *, reason: str, uncertain: bool, delay: timedelta | None) -> None:
    WritebackAction.objects.filter(pk=action.pk).update(
        status=WritebackStatus.PENDING,
        status_reason=reason,
        uncertain=uncertain,
        claimed_at=None,
        next_attempt_at=timezone.now() + delay if delay else None,
        request=action.request,
        last_error=reason,
    )


def _finish(action: WritebackAction, status: str, *, reason: str = "", response: dict | None = None) -> str:
    WritebackAction.objects.filter(pk=action.pk).update(
        status=status,
        status_reason=reason,
        last_error=reason if status == WritebackStatus.FAILED else "",
        response=response or {},
        request=action.request,
        completed_at=timezone.now(),
        claimed_at=None,
        uncertain=False,
    )
    return str(status)
