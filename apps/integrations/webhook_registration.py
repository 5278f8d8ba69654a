"""Lever webhooks of a connection: register them through Lever's API, remove them, summarise deliveries.

Registration creates one webhook per event we handle with `POST /webhooks` (LEVER_API.md §10.5) and
keeps each answer's signing token encrypted on the connection, plus a LeverWebhook row (fingerprint
only) so the same event is never registered twice. When the credential may not manage webhooks, the
result carries the steps an admin follows in Lever's settings instead. Either way a Lever Super Admin
must switch the webhook groups on before Lever delivers anything (§10.5).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.credentials import lever_client_for
from apps.integrations.lever.errors import LeverAuthError, LeverError, LeverPermissionError
from apps.integrations.lever.webhooks import EVENTS
from apps.integrations.models import Connection, LeverWebhook, WebhookEvent, WebhookStatus
from apps.integrations.webhooks import (
    connection_add_signing_token,
    connection_remove_signing_tokens,
    token_fingerprint,
)

logger = logging.getLogger(__name__)

WANTED_EVENTS = tuple(EVENTS)  # every event we handle, with no origin conditions: all origins
# Longer than a registration takes (one list and a create per event, at Lever's 10 requests/s).
REGISTRATION_LEASE = timedelta(minutes=2)


@dataclass
class RegistrationResult:
    registered: list[str] = field(default_factory=list)  # event names Lever will deliver to us
    manual_steps: list[str] = field(default_factory=list)  # what an admin still has to do in Lever
    error: str = ""  # why registration stopped, in plain words ("" when it did not)


def webhook_url(connection: Connection) -> str:
    """Return the absolute URL Lever delivers this connection's events to."""
    return settings.SITE_URL + reverse("lever-webhook", args=[connection.webhook_token])


def register_webhooks(connection: Connection) -> RegistrationResult:
    """Make sure Lever has one webhook per event we handle, pointing at this connection's URL.

    Idempotent: webhooks registered earlier are re-used, ones deleted in Lever or pointing at an old
    URL are replaced. Never raises for Lever's answers: a missing permission or any other failure
    comes back as `error` plus `manual_steps`.
    """
    url = webhook_url(connection)
    result = RegistrationResult()
    if not connection.is_live:
        result.error = "The connection is not active, so Recruitdesk cannot register webhooks in Lever."
        result.manual_steps = manual_steps(url)
        return result
    if not _take_registration_lease(connection):
        result.error = (
            "Another registration of this connection's webhooks is running; check again in a minute."
        )
        result.manual_steps = manual_steps(url)
        return result
    try:
        with lever_client_for(connection) as client:
            _register(connection, client, url, result)
    except LeverPermissionError as exc:
        result.error = f"The Lever credential may not manage webhooks ({exc.message})."
    except LeverAuthError as exc:
        result.error = f"Lever refused the credentials ({exc.message})."
    except LeverError as exc:
        result.error = f"Lever did not register the webhooks: {exc.message}"
    finally:
        _release_registration_lease(connection)
    if result.error:
        logger.info("Webhook registration for connection %s stopped: %s", connection.pk, result.error)
        missing = [event for event in WANTED_EVENTS if event not in result.registered]
        result.manual_steps = [*result.manual_steps, *manual_steps(url, missing)]
    else:
        result.manual_steps = [*result.manual_steps, super_admin_step(result.registered), *_https_step(url)]
    return result


def _take_registration_lease(connection: Connection) -> bool:
    """Claim this connection's registration (one conditional update), or say another process holds it.

    Two registrations at once (the connect flow and `lever_webhooks register`, say) would both find no
    webhook and both create one per event: Lever would then deliver every event twice. The lease
    expires by itself should its holder die.
    """
    now = timezone.now()
    return bool(
        Connection.objects.filter(pk=connection.pk)
        .filter(Q(webhooks_registering_until__isnull=True) | Q(webhooks_registering_until__lt=now))
        .update(webhooks_registering_until=now + REGISTRATION_LEASE)
    )


def _release_registration_lease(connection: Connection) -> None:
    Connection.objects.filter(pk=connection.pk).update(webhooks_registering_until=None)


def _register(connection: Connection, client: LeverClient, url: str, result: RegistrationResult) -> None:
    at_lever = {item.get("id"): item for item in client.iter_webhooks()}
    present: set[str] = set()
    for hook in LeverWebhook.objects.filter(connection=connection):
        if hook.remote_id not in at_lever:
            _forget(connection, hook)  # someone deleted it in Lever
        elif hook.url != url:
            client.delete_webhook(hook.remote_id)  # SITE_URL changed: replace it
            _forget(connection, hook)
        else:
            present.add(hook.event)
    # A webhook for our URL that we hold no row for (set up by hand, or rows lost in a restore): never
    # register a second one; its signing token has to be stored by hand.
    foreign = {
        item.get("event")
        for item in at_lever.values()
        if item.get("url") == url and item.get("event") not in present
    }
    for event in WANTED_EVENTS:
        if event in present or event in foreign:
            result.registered.append(event)
            continue
        created = client.create_webhook(url, event)
        if not created.get("id"):
            raise LeverError(f"Lever's answer to creating the {event} webhook carried no id.")
        token = _signing_token(created)
        if token:
            connection_add_signing_token(connection=connection, token=token)
        LeverWebhook.objects.create(
            workspace_id=connection.workspace_id,
            connection=connection,
            remote_id=str(created["id"]),
            event=event,
            url=url,
            token_fingerprint=token_fingerprint(token) if token else "",
        )
        result.registered.append(event)
    if foreign & set(WANTED_EVENTS):
        result.manual_steps.append(
            "Lever already had webhooks for this URL that Recruitdesk did not create "
            f"({', '.join(sorted(foreign))}). Copy the signing token from Lever's webhook settings page "
            f"and store it (staff: manage.py lever_webhooks signing-token --connection {connection.pk})."
        )


def _signing_token(created: dict[str, Any]) -> str:
    # §10.5: the answer carries configuration.signatureToken. Whether it is per webhook or the
    # account's one echoed back is [U]; keeping every token we are given covers both.
    configuration = created.get("configuration") if isinstance(created.get("configuration"), dict) else {}
    token = configuration.get("signatureToken")
    return token.strip() if isinstance(token, str) else ""


def unregister_webhooks(connection: Connection) -> int:
    """Delete in Lever the webhooks Recruitdesk created for this connection; return how many are gone.

    A webhook Lever no longer has counts as deleted. A dead credential (revoked, refused, or already
    deleted locally) cannot delete anything: the webhooks are then only forgotten here, and Lever's
    deliveries to the disconnected connection fail until someone deletes them in Lever. A webhook
    Lever failed to delete for a passing reason (5xx, network) is kept, so a later call can retry.
    """
    hooks = list(LeverWebhook.objects.filter(connection=connection))
    if not hooks:
        return 0
    client = _client_or_none(connection)
    removed = 0
    try:
        for hook in hooks:
            if client is not None:
                try:
                    client.delete_webhook(hook.remote_id)  # a 404 counts as deleted
                except (LeverAuthError, LeverPermissionError) as exc:
                    logger.info("Connection %s cannot delete webhooks in Lever: %s", connection.pk, exc)
                    client.close()
                    client = None
                except LeverError as exc:
                    logger.warning("Webhook %s of connection %s kept: %s", hook.pk, connection.pk, exc)
                    continue
            _forget(connection, hook)
            removed += 1
    finally:
        if client is not None:
            client.close()
    return removed


def _client_or_none(connection: Connection) -> LeverClient | None:
    if not connection.has_credentials:
        return None
    try:
        return lever_client_for(connection)
    except Exception as exc:  # e.g. OAuth settings removed: nothing can reach Lever any more
        logger.info("No Lever client for connection %s: %s", connection.pk, exc)
        return None


def _forget(connection: Connection, hook: LeverWebhook) -> None:
    """Delete our row of a webhook, and its signing token unless another of our webhooks shares it."""
    fingerprint = hook.token_fingerprint
    hook.delete()
    if (
        fingerprint
        and not LeverWebhook.objects.filter(connection=connection, token_fingerprint=fingerprint).exists()
    ):
        connection_remove_signing_tokens(connection=connection, fingerprints=[fingerprint])


# -- what the admin reads --------------------------------------------------------------------------


def manual_steps(url: str, events: list[str] | tuple[str, ...] = WANTED_EVENTS) -> list[str]:
    """Return the steps to set the webhooks up by hand in Lever's settings, in plain words."""
    labels = ", ".join(EVENTS[event].label for event in events)
    return [
        "In Lever, open Settings → Integrations and API → Webhooks (you need to be a Lever Super Admin).",
        f"Switch on each of these webhooks and give every one this URL: {url}",
        f"Webhooks to switch on: {labels}.",
        "On the same page, generate a signing token (Lever signs deliveries only when one exists), copy "
        "it and hand it to your Recruitdesk staff to store; deliveries without a valid signature are "
        "refused.",
        *_https_step(url),
    ]


def super_admin_step(events: list[str]) -> str:
    labels = ", ".join(EVENTS[event].label for event in events if event in EVENTS)
    return (
        "A Lever Super Admin must switch webhooks on in Settings → Integrations and API → Webhooks "
        f"({labels}); Lever sends nothing until they are on."
    )


def _https_step(url: str) -> list[str]:
    if url.startswith("https://"):
        return []
    # §10.4: Lever delivers only over HTTPS with a CA-signed certificate (the sandbox does not care).
    return [
        "Lever delivers only to https addresses with a certificate from a public authority: set "
        "SITE_URL to this site's public https address (a tunnel such as ngrok works for a trial)."
    ]


def webhook_stats(connection: Connection) -> dict[str, Any]:
    """Return the health panel's webhook figures: URL, deliveries in the last 24 h, what is registered."""
    events = WebhookEvent.objects.filter(connection=connection)
    recent = events.filter(created_at__gte=timezone.now() - timedelta(hours=24)).aggregate(
        received=Count("pk"),
        failed=Count("pk", filter=Q(status=WebhookStatus.FAILED)),
        rejected=Count("pk", filter=Q(status=WebhookStatus.REJECTED)),
    )
    return {
        "url": webhook_url(connection),
        "received_24h": recent["received"],
        "failed_24h": recent["failed"],
        "rejected_24h": recent["rejected"],
        "last_received_at": events.order_by("-created_at").values_list("created_at", flat=True).first(),
        "registered_events": sorted(
            LeverWebhook.objects.filter(connection=connection).values_list("event", flat=True)
        ),
    }
