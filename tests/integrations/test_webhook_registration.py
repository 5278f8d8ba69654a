"""Registering and removing our webhooks through Lever's /webhooks API, and the health-panel figures."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import responses
from django.db import connection as db
from django.db import connections as db_connections
from django.utils import timezone

from apps.integrations.lever.environments import PRODUCTION
from apps.integrations.lever.webhooks import EVENTS, signature
from apps.integrations.models import Connection, ConnectionStatus, Environment, LeverWebhook, WebhookStatus
from apps.integrations.webhook_registration import (
    register_webhooks,
    unregister_webhooks,
    webhook_stats,
    webhook_url,
)
from apps.integrations.webhooks import connection_signing_tokens, verify
from apps.lever_sandbox.server import SandboxServer
from tests.integrations.factories import ConnectionFactory, WebhookEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sandbox():
    # No data needed: only the /webhooks endpoints are used.
    with SandboxServer(seed=2, opportunities=1, rate_limit=False, webhook_retries=0) as server:
        yield server


@pytest.fixture
def connection(sandbox, settings):
    settings.SITE_URL = "https://recruitdesk.example"
    return ConnectionFactory(
        status=ConnectionStatus.ACTIVE,
        environment=Environment.CUSTOM,
        base_url=sandbox.url,
        api_key=sandbox.api_key,
    )


def at_sandbox(sandbox, connection):
    return [hook for hook in sandbox.webhooks.list() if hook["url"] == webhook_url(connection)]


def test_webhook_url_is_absolute_and_carries_the_connection_token(connection):
    assert (
        webhook_url(connection) == f"https://recruitdesk.example/webhooks/lever/{connection.webhook_token}/"
    )


def test_register_creates_each_event_once(sandbox, connection):
    first = register_webhooks(connection)
    second = register_webhooks(connection)

    assert first.error == second.error == ""
    assert sorted(first.registered) == sorted(second.registered) == sorted(EVENTS)
    assert sorted(hook["event"] for hook in at_sandbox(sandbox, connection)) == sorted(EVENTS)
    assert LeverWebhook.objects.filter(connection=connection).count() == len(EVENTS)
    assert any("Super Admin" in step for step in first.manual_steps)


def test_a_registration_in_progress_elsewhere_is_not_doubled(sandbox, connection):
    held = timezone.now() + timedelta(minutes=1)
    Connection.objects.filter(pk=connection.pk).update(webhooks_registering_until=held)

    result = register_webhooks(connection)

    assert "Another registration" in result.error and result.manual_steps
    assert at_sandbox(sandbox, connection) == [] and not LeverWebhook.objects.exists()
    connection.refresh_from_db()
    assert connection.webhooks_registering_until == held  # the other holder's lease is left alone


def test_a_dead_holders_lease_expires_and_every_run_releases_its_own(sandbox, connection):
    Connection.objects.filter(pk=connection.pk).update(webhooks_registering_until=timezone.now())
    assert register_webhooks(connection).error == ""
    connection.refresh_from_db()
    assert connection.webhooks_registering_until is None
    Connection.objects.filter(pk=connection.pk).update(api_key="not-the-key")  # Lever refuses: released too
    connection.refresh_from_db()
    assert "refused" in register_webhooks(connection).error
    connection.refresh_from_db()
    assert connection.webhooks_registering_until is None


@pytest.mark.django_db(transaction=True)
def test_two_registrations_at_once_create_each_webhook_once(sandbox, connection):
    if db.vendor == "sqlite":
        # The test database is SQLite in memory, whose shared cache answers a second writer "table is
        # locked" at once instead of waiting as a file database does. CI repeats the suite on PostgreSQL.
        pytest.skip("threads writing at once need PostgreSQL here (in-memory SQLite has no busy wait)")
    sandbox.set_faults(latency=0.2)  # both would list Lever's webhooks before either creates one
    start = threading.Barrier(2)
    results = []

    def register() -> None:
        start.wait()
        try:
            results.append(register_webhooks(Connection.objects.get(pk=connection.pk)))
        except Exception as exc:  # noqa: BLE001 - shown by the assertion below
            results.append(exc)
        finally:
            db_connections.close_all()

    try:
        threads = [threading.Thread(target=register) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sandbox.set_faults()
    assert sorted(hook["event"] for hook in at_sandbox(sandbox, connection)) == sorted(EVENTS)
    assert LeverWebhook.objects.filter(connection=connection).count() == len(EVENTS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(bool(r.error) for r in results) == [False, True], results


def test_signing_tokens_are_stored_encrypted_and_verify_real_deliveries(sandbox, connection):
    register_webhooks(connection)
    connection.refresh_from_db()
    tokens = connection_signing_tokens(connection)
    assert len(tokens) == len(EVENTS)
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT webhook_signing_tokens FROM integrations_connection WHERE id = %s", [connection.pk]
        )
        stored = cursor.fetchone()[0]
    assert all(token not in stored for token in tokens)
    # The sandbox signs with the token it handed out for the webhook.
    body = {"token": "delivery-token", "triggeredAt": 1700000000000}
    secret = sandbox.webhooks._hooks[at_sandbox(sandbox, connection)[0]["id"]]["configuration"]
    body["signature"] = signature(secret["signatureToken"], body["token"], body["triggeredAt"])
    assert verify(body, tokens)


def test_a_webhook_deleted_in_lever_is_registered_again(sandbox, connection):
    register_webhooks(connection)
    gone = LeverWebhook.objects.filter(connection=connection, event="candidateHired").get()
    sandbox.webhooks.delete(gone.remote_id)

    result = register_webhooks(connection)

    assert "candidateHired" in result.registered
    assert [h["event"] for h in at_sandbox(sandbox, connection)].count("candidateHired") == 1
    assert not LeverWebhook.objects.filter(pk=gone.pk).exists()
    assert len(connection_signing_tokens(connection)) == len(EVENTS)  # the old token went with it


def test_unregister_deletes_ours_at_lever_and_forgets_their_tokens(sandbox, connection):
    register_webhooks(connection)

    assert unregister_webhooks(connection) == len(EVENTS)

    assert at_sandbox(sandbox, connection) == []
    assert not LeverWebhook.objects.filter(connection=connection).exists()
    connection.refresh_from_db()
    assert connection_signing_tokens(connection) == []


def test_unregister_with_a_dead_credential_forgets_locally(sandbox, connection):
    register_webhooks(connection)
    connection.api_key = "revoked-key"
    connection.save()

    assert unregister_webhooks(connection) == len(EVENTS)
    assert not LeverWebhook.objects.filter(connection=connection).exists()


def test_unregister_tolerates_webhooks_lever_already_deleted(sandbox, connection):
    register_webhooks(connection)
    for hook in at_sandbox(sandbox, connection):
        sandbox.webhooks.delete(hook["id"])
    assert unregister_webhooks(connection) == len(EVENTS)


@responses.activate
def test_a_credential_without_webhook_permission_gets_manual_steps(settings):
    settings.SITE_URL = "https://recruitdesk.example"
    connection = ConnectionFactory(status=ConnectionStatus.ACTIVE, environment=Environment.PRODUCTION)
    responses.get(
        f"{PRODUCTION.api_base}/webhooks",
        json={"code": "Forbidden", "message": "Missing scope webhooks:read:admin"},
        status=403,
    )

    result = register_webhooks(connection)

    assert result.registered == []
    assert "may not manage webhooks" in result.error
    steps = "\n".join(result.manual_steps)
    assert "Settings → Integrations and API → Webhooks" in steps
    assert "Super Admin" in steps and webhook_url(connection) in steps
    assert "signing token" in steps
    assert not LeverWebhook.objects.exists()


@responses.activate
def test_a_refused_create_stops_with_what_is_left_as_manual_steps(settings):
    settings.SITE_URL = "http://localhost:8000"
    connection = ConnectionFactory(status=ConnectionStatus.ACTIVE, environment=Environment.PRODUCTION)
    responses.get(f"{PRODUCTION.api_base}/webhooks", json={"data": [], "hasNext": False})
    responses.post(
        f"{PRODUCTION.api_base}/webhooks",
        json={"code": "BadRequest", "message": "url must be https"},
        status=400,
    )

    result = register_webhooks(connection)

    assert result.registered == [] and "url must be https" in result.error
    assert any("https" in step for step in result.manual_steps)


def test_a_connection_that_is_not_live_is_not_registered(connection):
    connection.status = ConnectionStatus.NEEDS_REAUTH
    connection.save()
    result = register_webhooks(connection)
    assert result.error and result.manual_steps and result.registered == []


def test_webhook_stats_counts_the_last_day(sandbox, connection):
    register_webhooks(connection)
    for status in (
        WebhookStatus.PROCESSED,
        WebhookStatus.FAILED,
        WebhookStatus.REJECTED,
        WebhookStatus.REJECTED,
    ):
        WebhookEventFactory(connection=connection, status=status)
    WebhookEventFactory(status=WebhookStatus.FAILED)  # another connection's

    stats = webhook_stats(connection)

    assert (stats["received_24h"], stats["failed_24h"], stats["rejected_24h"]) == (4, 1, 2)
    assert stats["last_received_at"] is not None
    assert stats["url"] == webhook_url(connection)
    assert stats["registered_events"] == sorted(EVENTS)
