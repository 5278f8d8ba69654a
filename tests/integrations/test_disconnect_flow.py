"""Disconnect: a confirmation that says exactly what happens; data kept; not one call to Lever afterwards."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse
from django_q.models import Schedule

from apps.candidates.models import Application, Candidate
from apps.integrations.models import (
    ConnectionStatus,
    LeverWebhook,
    WritebackAction,
    WritebackKind,
    WritebackStatus,
)
from apps.integrations.outbox import writeback_enqueue
from apps.integrations.schedules import PREFIX
from apps.integrations.tasks import process_writebacks, refresh_idle_token, sync_connection
from apps.jobs.models import Job
from apps.lever_sandbox.server import SandboxServer
from tests.integrations.connect_helpers import (
    configure_sandbox_oauth,
    owner_connects_with_oauth,
    token_calls,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox():
    with SandboxServer(seed=8, opportunities=12, rate_limit=False) as server:
        yield server


@pytest.fixture(autouse=True)
def oauth_settings(settings, sandbox):
    configure_sandbox_oauth(settings, sandbox)


@pytest.fixture
def connected(sandbox, django_capture_on_commit_callbacks):
    client, connection = owner_connects_with_oauth(sandbox, django_capture_on_commit_callbacks)
    application = Application.objects.for_connection(connection).alive().first()
    with django_capture_on_commit_callbacks(execute=False):  # stays pending: no worker runs
        pending = writeback_enqueue(
            connection=connection,
            kind=WritebackKind.ADD_NOTE,
            payload={"text": "Strong SQL"},
            application=application,
            candidate=application.candidate,
        )
    return client, connection, pending


def webhooks_at_lever(sandbox) -> list:
    answer = requests.get(f"{sandbox.url}/v1/webhooks", auth=(sandbox.api_key, ""))
    return answer.json()["data"]


def test_the_confirmation_says_exactly_what_will_happen(sandbox, connected):
    client, connection, _ = connected
    registered = LeverWebhook.objects.filter(connection=connection).count()
    assert registered > 0
    page = client.get(reverse("integrations:connection-disconnect", args=[connection.pk])).content.decode()
    assert "1 pending write-back</strong> is cancelled" in page
    assert f"the {registered} webhooks Recruitdesk registered are deleted in Lever" in page
    assert "OAuth tokens are deleted here" in page and "Authorized Apps" in page
    jobs = Job.objects.for_connection(connection).alive().count()
    assert f"{jobs} jobs" in page and "remain browsable" in page
    assert connection.access_token not in page and connection.refresh_token not in page


def test_disconnect_keeps_data_and_stops_both_directions(
    sandbox, connected, django_capture_on_commit_callbacks
):
    client, connection, pending = connected
    candidates = Candidate.objects.for_connection(connection).count()
    assert webhooks_at_lever(sandbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("integrations:connection-disconnect", args=[connection.pk]), follow=True
        )
    page = response.content.decode()
    assert "Lever is disconnected. 1 pending write-back(s) were cancelled" in page
    assert "No longer syncing" in page

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert not connection.access_token and not connection.refresh_token and not connection.has_credentials
    pending.refresh_from_db()
    assert pending.status == WritebackStatus.CANCELLED
    assert not LeverWebhook.objects.filter(connection=connection).exists()
    assert webhooks_at_lever(sandbox) == []
    assert not Schedule.objects.filter(name__startswith=f"{PREFIX}connection:{connection.pk}:").exists()
    # Every mirrored record stays, and stays browsable.
    assert Candidate.objects.for_connection(connection).count() == candidates
    candidate = Candidate.objects.for_connection(connection).first()
    assert client.get(reverse("candidates:detail", args=[candidate.pk])).status_code == 200

    # Nothing talks to Lever any more: the sandbox counts zero calls, API and token endpoint alike.
    sandbox.reset_counts()
    with django_capture_on_commit_callbacks(execute=True):
        writeback_enqueue(
            connection=connection,
            kind=WritebackKind.ADD_TAG,
            payload={"tag": "After disconnect"},
            application=pending.application,
            candidate=pending.candidate,
        )
        assert sync_connection(connection.pk, "delta").startswith("skipped")
        assert sync_connection(connection.pk, "full").startswith("skipped")
        assert process_writebacks(connection.pk) == "nothing due"
        assert refresh_idle_token(connection.pk) == "not needed"
        assert client.post(reverse("integrations:connection-test", args=[connection.pk])).status_code == 302
    counts = sandbox.request_counts()
    assert counts["total"] == 0 and token_calls(sandbox) == 0, counts
    assert not WritebackAction.objects.filter(
        connection=connection, status=WritebackStatus.SUCCEEDED
    ).exists()


def test_disconnecting_twice_is_harmless(connected):
    client, connection, _ = connected
    url = reverse("integrations:connection-disconnect", args=[connection.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "already disconnected" in response.content.decode()
