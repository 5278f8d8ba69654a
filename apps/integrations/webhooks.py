"""The webhook inbox: receive a delivery (verify, store, enqueue), process it later, replay it on demand.

Receiving is quick and never talks to Lever: every delivery to a connection that is not disconnected
becomes a WebhookEvent with its verdict, and only verified, fresh, first-seen events are queued. Processing
(`webhook_event_process`, run by the worker) re-fetches what the event names and records the outcome.
Replays put events back in the queue; an event whose signature could not be checked when it arrived
(no signing token stored yet) is verified again first, with the tokens known now.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.integrations.lever.webhooks import (
    Envelope,
    MalformedDelivery,
    dedupe_key,
    is_stale,
    parse_envelope,
    verify,
)
from apps.integrations.models import Connection, ConnectionStatus, WebhookEvent, WebhookStatus
from apps.integrations.webhook_processing import CLAIM_LEASE, PROCESS_TASK, webhook_event_process

__all__ = [
    "Receipt",
    "Verdict",
    "connection_add_signing_token",
    "connection_remove_signing_tokens",
    "connection_signing_tokens",
    "token_fingerprint",
    "webhook_event_enqueue",
    "webhook_event_process",
    "webhook_events_replay",
    "webhook_events_replay_range",
    "webhook_receive",
]

logger = logging.getLogger(__name__)

MAX_SIGNING_TOKENS = 50  # newest first; older ones belong to webhooks long replaced
MAX_STORED_RAW = 10_000  # characters of an unparseable body kept for staff to look at


class Verdict:
    ACCEPTED = "accepted"  # stored and queued
    DUPLICATE = "duplicate"  # a retry, rerun or replay of something already in the inbox
    PING = "ping"  # Lever's settings-page test (data == {}): stored as ignored
    IGNORED = "ignored"  # signed and fresh, but an event Recruitdesk does not handle: stored as ignored
    REJECTED = "rejected"  # unsigned, forged or stale: stored as rejected, never processed
    MALFORMED = "malformed"  # not a Lever delivery: stored as rejected
    GONE = "gone"  # the connection was disconnected: nothing stored


@dataclass(frozen=True)
class Receipt:
    verdict: str
    reason: str = ""
    event_id: int | None = None


# -- signing tokens ------------------------------------------------------------------------------------


def connection_signing_tokens(connection: Connection) -> list[str]:
    """Return the connection's webhook signing tokens, newest first (a bare stored token counts too)."""
    raw = connection.webhook_signing_tokens
    if not raw:
        return []
    try:
        tokens = json.loads(raw)
    except ValueError:
        tokens = [raw]
    if isinstance(tokens, str):
        tokens = [tokens]
    return [token for token in tokens if isinstance(token, str) and token] if isinstance(tokens, list) else []


def token_fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def connection_add_signing_token(*, connection: Connection, token: str) -> bool:
    """Store a signing token (encrypted) as the connection's newest; return False if it was known."""
    token = token.strip()
    if not token:
        raise ValueError("The signing token is empty.")
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    known = connection_signing_tokens(locked)
    _save_tokens(connection, locked, [token, *(t for t in known if t != token)])
    return token not in known


@transaction.atomic
def connection_remove_signing_tokens(*, connection: Connection, fingerprints: Iterable[str]) -> None:
    """Forget the signing tokens with these fingerprints (their webhooks were deleted)."""
    drop = set(fingerprints)
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    known = connection_signing_tokens(locked)
    _save_tokens(connection, locked, [t for t in known if token_fingerprint(t) not in drop])


def _save_tokens(connection: Connection, locked: Connection, tokens: list[str]) -> None:
    locked.webhook_signing_tokens = json.dumps(tokens[:MAX_SIGNING_TOKENS]) if tokens else ""
    locked.save(update_fields=["webhook_signing_tokens", "updated_at"])
    connection.webhook_signing_tokens = locked.webhook_signing_tokens


# -- receiving -----------------------------------------------------------------------------------------


def webhook_receive(*, connection: Connection, raw: bytes, now: datetime | None = None) -> Receipt:
    """Judge one delivery to `connection`, store it with its verdict, and queue it when it is sound."""
    if connection.status == ConnectionStatus.DISCONNECTED:
        return _log(connection, "", Receipt(Verdict.GONE, "This connection is disconnected."))
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return _malformed(connection, raw, None, "The body is not JSON.")
    if "\\u0000" in json.dumps(body):
        # PostgreSQL cannot store NUL in text or jsonb; Lever never sends it.
        return _malformed(connection, raw, None, "The body contains NUL characters.")
    try:
        envelope = parse_envelope(body)
    except MalformedDelivery as exc:
        return _malformed(connection, raw, body, str(exc))
    tokens = connection_signing_tokens(connection)
    signed = verify(body, tokens)
    if envelope.is_ping:
        event = _store(
            connection,
            envelope,
            body,
            WebhookStatus.IGNORED,
            signed,
            f"ping:{uuid.uuid4().hex}",
            "Test ping.",
        )
        return _log(connection, envelope.event, Receipt(Verdict.PING, "Test ping received.", event.pk))
    if not signed:
        reason = (
            "The delivery is not signed."
            if not envelope.signature
            else "No signing token is stored for this connection."
            if not tokens
            else "The signature does not match."
        )
        return _reject(connection, envelope, body, False, reason)
    now_ms = int((now or timezone.now()).timestamp() * 1000)
    # Lever retries a failed delivery five times at undocumented intervals, and whether a retry keeps
    # the first triggeredAt is undocumented too [U]. A retry refused as stale stays in the inbox, and
    # staff can replay it.
    max_age = settings.LEVER_WEBHOOK_MAX_AGE
    if envelope.triggered_at is None or is_stale(
        envelope.triggered_at, now_ms=now_ms, max_age_seconds=max_age
    ):
        return _reject(connection, envelope, body, True, "triggeredAt is outside the accepted window.")
    seen = WebhookEvent.objects.filter(
        connection=connection, delivery_token=envelope.token, signature_valid=True
    )
    if seen.exists():
        return _log(connection, envelope.event, Receipt(Verdict.DUPLICATE, "This token was seen before."))
    known = envelope.spec is not None
    status, note = (
        (WebhookStatus.RECEIVED, "") if known else (WebhookStatus.IGNORED, "Not an event we handle.")
    )
    try:
        with transaction.atomic():
            event = _store(connection, envelope, body, status, True, dedupe_key(envelope), note)
    except IntegrityError:
        return _log(connection, envelope.event, Receipt(Verdict.DUPLICATE, "This event is in the inbox."))
    if not known:
        return _log(connection, envelope.event, Receipt(Verdict.IGNORED, note, event.pk))
    webhook_event_enqueue(event)
    return _log(connection, envelope.event, Receipt(Verdict.ACCEPTED, "Queued.", event.pk))


def _store(
    connection: Connection,
    envelope: Envelope,
    body: dict[str, Any],
    status: str,
    signature_valid: bool,
    key: str,
    error: str,
) -> WebhookEvent:
    triggered = (
        datetime.fromtimestamp(envelope.triggered_at / 1000, tz=UTC)
        if envelope.triggered_at is not None
        else None
    )
    return WebhookEvent.objects.create(
        workspace_id=connection.workspace_id,
        connection=connection,
        event=envelope.event,
        delivery_token=envelope.token,
        triggered_at=triggered,
        dedupe_key=key,
        signature_valid=signature_valid,
        status=status,
        payload=body,
        error=error,
    )


def _reject(
    connection: Connection, envelope: Envelope, body: dict[str, Any], signature_valid: bool, reason: str
) -> Receipt:
    # Rejected rows never hold a real dedupe key: a later genuine delivery of the event must get in.
    event = _store(
        connection,
        envelope,
        body,
        WebhookStatus.REJECTED,
        signature_valid,
        f"rejected:{uuid.uuid4().hex}",
        reason,
    )
    return _log(connection, envelope.event, Receipt(Verdict.REJECTED, reason, event.pk))


def _malformed(connection: Connection, raw: bytes, body: Any, reason: str) -> Receipt:
    name = body.get("event") if isinstance(body, dict) else None
    event = WebhookEvent.objects.create(
        workspace_id=connection.workspace_id,
        connection=connection,
        event=name[:64].replace("\x00", "") if isinstance(name, str) else "",
        dedupe_key=f"rejected:{uuid.uuid4().hex}",
        status=WebhookStatus.REJECTED,
        # NUL becomes U+FFFD: PostgreSQL cannot store it, and the raw text is only kept for reading.
        payload={"raw": raw[:MAX_STORED_RAW].decode("utf-8", errors="replace").replace("\x00", "\ufffd")},
        error=f"Malformed: {reason}",
    )
    return _log(connection, "", Receipt(Verdict.MALFORMED, reason, event.pk))


def _log(connection: Connection, event: str, receipt: Receipt) -> Receipt:
    # Never the body or the tokens: event name, connection and verdict are enough to follow a delivery.
    logger.info(
        "Lever webhook %r for connection %s: %s %s", event, connection.pk, receipt.verdict, receipt.reason
    )
    return receipt


# -- queueing and replays ------------------------------------------------------------------------------


def webhook_event_enqueue(event: WebhookEvent) -> None:
    """Queue the processing of `event` for the worker, once the current transaction commits."""
    from django_q.tasks import async_task

    event_id = event.pk
    transaction.on_commit(lambda: async_task(PROCESS_TASK, event_id))


def webhook_events_replay(events: Iterable[WebhookEvent]) -> tuple[int, int]:
    """Put events back in the queue; return (queued, refused).

    Refused: test pings, unparseable bodies, events a worker is processing right now (a claim older
    than CLAIM_LEASE belongs to a dead worker and may be replayed), and events whose signature does
    not verify even with today's tokens. Replaying is safe: processing
    re-fetches current state, so an unchanged object changes nothing. A replayed event gets a fresh
    set of automatic retries.
    """
    queued = refused = 0
    tokens: dict[int, list[str]] = {}
    busy_since = timezone.now() - CLAIM_LEASE
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        if not isinstance(payload.get("data"), dict) or not payload["data"]:
            refused += 1
            continue
        if event.status == WebhookStatus.PROCESSING and event.updated_at >= busy_since:
            refused += 1
            continue
        if not event.signature_valid:
            if event.connection_id not in tokens:
                tokens[event.connection_id] = connection_signing_tokens(event.connection)
            if not verify(payload, tokens[event.connection_id]):
                refused += 1
                continue
        updated = (
            WebhookEvent.objects.filter(pk=event.pk)
            .exclude(status=WebhookStatus.PROCESSING, updated_at__gte=busy_since)
            .update(
                status=WebhookStatus.RECEIVED,
                signature_valid=True,
                error="",
                processed_at=None,
                attempts=0,
                next_attempt_at=None,
                updated_at=timezone.now(),
            )
        )
        if not updated:  # a worker claimed it since we looked
            refused += 1
            continue
        webhook_event_enqueue(event)
        queued += 1
    return queued, refused


def webhook_events_replay_range(
    *, connection: Connection, since: datetime, until: datetime | None = None
) -> tuple[int, int]:
    """Replay the connection's events received from `since` (to `until`); return (queued, refused)."""
    events = WebhookEvent.objects.filter(connection=connection, created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lte=until)
    return webhook_events_replay(events.select_related("connection").order_by("created_at"))
