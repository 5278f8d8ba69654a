"""Revoked in Lever → needs re-authorisation (paused, banner everywhere) → reconnect resumes a delta."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from apps.accounts.roles import Role
from apps.candidates.models import Application
from apps.integrations.lifecycle import connection_refresh_if_idle
from apps.integrations.models import (
    Connection,
    ConnectionStatus,
    SyncKind,
    SyncRun,
    WritebackKind,
    WritebackStatus,
)
from apps.integrations.outbox import writeback_enqueue
from apps.integrations.schedules import PREFIX
from apps.integrations.tasks import process_writebacks, sync_connection
from apps.lever_sandbox.server import SandboxServer
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conftest import client_for
from tests.integrations.connect_helpers import (
    configure_sandbox_oauth,
    connect_with_oauth,
    owner_connects_with_oauth,
    token_calls,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox():
    with SandboxServer(seed=7, opportunities=12, rate_limit=False) as server:
        yield server


@pytest.fixture(autouse=True)
def oauth_settings(settings, sandbox):
    configure_sandbox_oauth(settings, sandbox)


@pytest.fixture
def connected(sandbox, django_capture_on_commit_callbacks):
    """A workspace whose owner connected the sandbox with OAuth; the first full sync has run."""
    return owner_connects_with_oauth(sandbox, django_capture_on_commit_callbacks)


def expire_access_token(connection):
    Connection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )


def test_a_rotated_refresh_token_is_persisted(sandbox, connected):
    _, connection = connected
    before = connection.refresh_token
    expire_access_token(connection)
    assert sync_connection(connection.pk, SyncKind.DELTA).endswith("succeeded")
    connection.refresh_from_db()
    assert connection.refresh_token != before and connection.refresh_token.startswith("v1.")
    assert connection.refresh_token_issued_at > timezone.now() - timedelta(minutes=1)


def test_revocation_pauses_everything_shows_a_banner_and_reconnect_resumes_a_delta(
    sandbox, connected, django_capture_on_commit_callbacks
):
    client, connection = connected
    recruiter = UserFactory(email="rita@acme.example")
    MembershipFactory(workspace=connection.workspace, user=recruiter, role=Role.RECRUITER)
    synced_through = connection.opportunities_synced_through
    assert synced_through is not None

    # A Super Admin revokes Recruitdesk in Lever; the next sync meets a 401, then a refused refresh.
    sandbox.revoke_oauth()
    expire_access_token(connection)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = sync_connection(connection.pk, SyncKind.DELTA)
    assert outcome.endswith("failed")
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTH
    assert not Schedule.objects.filter(name__startswith=f"{PREFIX}connection:{connection.pk}:").exists()

    # Paused, no retry loop: neither syncs nor write-backs call Lever any more.
    application = Application.objects.for_connection(connection).alive().first()
    with django_capture_on_commit_callbacks(execute=False):
        action = writeback_enqueue(
            connection=connection,
            kind=WritebackKind.ADD_TAG,
            payload={"tag": "Back after reconnect"},
            application=application,
            candidate=application.candidate,
        )
    sandbox.reset_counts()
    assert sync_connection(connection.pk, SyncKind.DELTA).startswith("skipped")
    assert process_writebacks(connection.pk) == "nothing due"
    assert sandbox.request_counts()["total"] == 0 and token_calls(sandbox) == 0
    action.refresh_from_db()
    assert action.status == WritebackStatus.PENDING

    # The banner is on every page of the workspace: admins get Reconnect, others learn whom to ask.
    reconnect_url = reverse("integrations:connection-reconnect", args=[connection.pk])
    for url in (reverse("dashboard:index"), reverse("jobs:list"), reverse("candidates:list")):
        page = client.get(url).content.decode()
        assert "Lever needs to be re-authorised" in page and reconnect_url in page, url
    page = client_for(recruiter).get(reverse("jobs:list")).content.decode()
    assert "Lever needs to be re-authorised" in page and reconnect_url not in page
    assert "olga@acme.example" in page  # the owner to ask

    # Reconnect: the same Connection, a delta from the high-water mark, the paused write-back goes out.
    sandbox.restore_oauth()
    runs_before = SyncRun.objects.filter(connection=connection).count()
    response = connect_with_oauth(
        client,
        sandbox,
        django_capture_on_commit_callbacks,
        admin_email=connection.admin_email,
        url=reconnect_url,
    )
    assert response.status_code == 302
    assert Connection.objects.filter(workspace=connection.workspace).count() == 1
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE
    latest = SyncRun.objects.filter(connection=connection).order_by("-created_at").first()
    assert (latest.kind, latest.status) == (SyncKind.DELTA, "succeeded")
    assert SyncRun.objects.filter(connection=connection).count() == runs_before + 1  # history kept
    assert connection.opportunities_synced_through >= synced_through
    action.refresh_from_db()
    assert action.status == WritebackStatus.SUCCEEDED
    assert "Lever needs to be re-authorised" not in client.get(reverse("jobs:list")).content.decode()


def test_the_proactive_refresh_renews_an_idle_grant_only(sandbox, connected):
    _, connection = connected
    sandbox.reset_counts()
    assert connection_refresh_if_idle(connection=connection) is False
    assert token_calls(sandbox) == 0

    idle_since = timezone.now() - timedelta(days=31)
    Connection.objects.filter(pk=connection.pk).update(refresh_token_issued_at=idle_since)
    before = connection.refresh_token
    assert connection_refresh_if_idle(connection=connection) is True
    connection.refresh_from_db()
    assert token_calls(sandbox) == 1 and connection.refresh_token != before
    assert connection.refresh_token_issued_at > idle_since


def test_a_refused_proactive_refresh_asks_for_reauthorisation(sandbox, connected):
    _, connection = connected
    Connection.objects.filter(pk=connection.pk).update(
        refresh_token_issued_at=timezone.now() - timedelta(days=40)
    )
    sandbox.revoke_oauth()
    assert connection_refresh_if_idle(connection=connection) is False
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTH


def test_oauth_connections_get_the_daily_token_refresh_schedule(connected):
    _, connection = connected
    names = set(
        Schedule.objects.filter(name__startswith=f"{PREFIX}connection:{connection.pk}:").values_list(
            "name", flat=True
        )
    )
    assert f"{PREFIX}connection:{connection.pk}:token-refresh" in names
