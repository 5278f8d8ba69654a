"""Staff replay inbox events from the admin and from `manage.py lever_webhooks`; both queue the same task."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import responses
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.integrations.lever.environments import PRODUCTION
from apps.integrations.lever.webhooks import signature
from apps.integrations.models import ConnectionStatus, WebhookEvent, WebhookStatus
from apps.integrations.webhooks import connection_add_signing_token, connection_signing_tokens
from tests.integrations.factories import ConnectionFactory, WebhookEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def processed(monkeypatch):
    """Record the events the queued task processes (django-q2 runs tasks inline in tests)."""
    calls = []
    monkeypatch.setattr(
        "apps.integrations.webhook_processing.webhook_event_process", lambda event_id: calls.append(event_id)
    )
    return calls


@pytest.fixture
def connection():
    return ConnectionFactory(status=ConnectionStatus.ACTIVE)


def failed_event(connection, **fields):
    return WebhookEventFactory(
        connection=connection, status=WebhookStatus.FAILED, signature_valid=True, attempts=3, **fields
    )


def run(*args):
    out = io.StringIO()
    call_command("lever_webhooks", *args, stdout=out)
    return out.getvalue()


def test_admin_replays_selected_events(
    staff_client, connection, processed, django_capture_on_commit_callbacks
):
    event = failed_event(connection, error="Lever 503")
    ping = WebhookEventFactory(connection=connection, payload={"event": "x", "data": {}}, status="ignored")
    url = reverse("admin:integrations_webhookevent_changelist")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"action": "replay", "_selected_action": [event.pk, ping.pk]})

    assert response.status_code == 302
    assert processed == [event.pk]
    event.refresh_from_db()
    assert (event.status, event.attempts, event.error) == (WebhookStatus.RECEIVED, 0, "")
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Queued 1 event(s)" in message and "Refused 1" in message


def test_admin_shows_the_inbox_and_registered_webhooks_read_only(staff_client, connection):
    event = failed_event(connection)
    page = staff_client.get(reverse("admin:integrations_webhookevent_change", args=[event.pk]))
    assert page.status_code == 200 and "opportunityId" in page.content.decode()
    changelist = staff_client.get(reverse("admin:integrations_leverwebhook_changelist"))
    assert changelist.status_code == 200
    assert (
        staff_client.post(reverse("admin:integrations_webhookevent_change", args=[event.pk])).status_code
        == 403
    )


def test_command_replays_events_by_id(connection, processed, django_capture_on_commit_callbacks):
    first, second = failed_event(connection), failed_event(connection)
    with django_capture_on_commit_callbacks(execute=True):
        output = run("replay", "--event", str(first.pk), str(second.pk))
    assert "Queued 2" in output
    assert sorted(processed) == sorted([first.pk, second.pk])


def test_command_replays_a_time_range(connection, processed, django_capture_on_commit_callbacks):
    old, recent = failed_event(connection), failed_event(connection)
    WebhookEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        output = run("replay", "--connection", str(connection.pk), "--since", since)
    assert "Queued 1" in output and processed == [recent.pk]


def test_a_replay_verifies_again_an_event_rejected_before_its_token_was_stored(
    connection, processed, django_capture_on_commit_callbacks
):
    body = {
        "event": "candidateHired",
        "triggeredAt": 1700000000000,
        "token": "t1",
        "data": {"opportunityId": "o"},
    }
    body["signature"] = signature("token-set-up-by-hand", "t1", 1700000000000)
    event = WebhookEventFactory(connection=connection, payload=body, status=WebhookStatus.REJECTED)
    with django_capture_on_commit_callbacks(execute=True):
        assert "refused 1" in run("replay", "--event", str(event.pk))
        connection_add_signing_token(connection=connection, token="token-set-up-by-hand")
        assert "Queued 1" in run("replay", "--event", str(event.pk))
    assert processed == [event.pk]


@pytest.mark.parametrize(
    "args",
    [
        ["replay"],
        ["replay", "--event", "999999"],
        ["replay", "--connection", "1"],
        ["replay", "--event", "1", "--connection", "1", "--since", "2026-01-01"],
        ["replay", "--connection", "999999", "--since", "2026-01-01"],
        ["replay", "--connection", "1", "--since", "last tuesday"],
        ["list", "--connection", "999999"],
    ],
)
def test_command_refuses_bad_arguments(args):
    with pytest.raises(CommandError):
        run(*args)


def test_command_lists_url_registrations_and_recent_events(connection, settings):
    settings.SITE_URL = "https://recruitdesk.example"
    failed_event(connection, error="Lever 503")
    output = run("list", "--connection", str(connection.pk))
    assert f"https://recruitdesk.example/webhooks/lever/{connection.webhook_token}/" in output
    assert "candidateStageChange" in output and "failed" in output and "Lever 503" in output


@responses.activate
def test_command_register_fails_loudly_without_permission(connection):
    responses.get(f"{PRODUCTION.api_base}/webhooks", json={"message": "no"}, status=403)
    out = io.StringIO()
    with pytest.raises(CommandError, match="may not manage webhooks"):
        call_command("lever_webhooks", "register", "--connection", str(connection.pk), stdout=out)
    assert "Super Admin" in out.getvalue()


def test_command_unregister_with_nothing_registered(connection):
    assert "Removed 0" in run("unregister", "--connection", str(connection.pk))


def test_command_stores_a_signing_token_from_stdin(connection, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("copied-from-lever\n"))
    assert "Stored" in run("signing-token", "--connection", str(connection.pk))
    connection.refresh_from_db()
    assert connection_signing_tokens(connection) == ["copied-from-lever"]


def test_a_replay_leaves_an_event_being_processed_alone_unless_its_worker_died(
    connection, processed, django_capture_on_commit_callbacks
):
    busy, stuck = failed_event(connection), failed_event(connection)
    WebhookEvent.objects.filter(pk__in=[busy.pk, stuck.pk]).update(status=WebhookStatus.PROCESSING)
    WebhookEvent.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        output = run("replay", "--event", str(busy.pk), str(stuck.pk))
    assert "Queued 1" in output and "refused 1" in output
    assert processed == [stuck.pk]
