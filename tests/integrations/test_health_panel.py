"""The connection health panel: tokens, scopes, last syncs, budget, webhooks, outbox, Test connection, progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.integrations.models import Connection, ConnectionStatus, SyncStatus
from apps.lever_sandbox.server import SandboxServer
from tests.conftest import client_for
from tests.integrations.connect_helpers import (
    configure_sandbox_oauth,
    owner_connects_with_oauth,
)
from tests.integrations.factories import AtsUserFactory, SyncRunFactory, WritebackActionFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=9, opportunities=10, rate_limit=False) as server:
        yield server


@pytest.fixture(autouse=True)
def oauth_settings(settings, sandbox):
    configure_sandbox_oauth(settings, sandbox)
    cache.clear()
    yield
    sandbox.restore_oauth()


@pytest.fixture
def connected(sandbox, django_capture_on_commit_callbacks):
    return owner_connects_with_oauth(sandbox, django_capture_on_commit_callbacks)


def detail(client, connection) -> str:
    return client.get(reverse("integrations:connection-detail", args=[connection.pk])).content.decode()


def test_the_panel_shows_tokens_scopes_syncs_budget_webhooks_and_outbox(connected):
    client, connection = connected
    WritebackActionFactory(connection=connection, status="failed")
    WritebackActionFactory(connection=connection, status="pending")
    page = detail(client, connection)
    assert "Tokens last refreshed" in page and "Unused for 90 days" in page and "One-year limit" in page
    assert "refreshes it after 30 idle days" in page
    assert "All granted" in page and "Confidential access</dt><dd>Yes" in page
    assert "Last sync per resource" in page and "Candidates" in page
    assert "Next scheduled run" in page and "connection:" in page
    used = int(page.split("Requests today</dt><dd>")[1].split(" ")[0])
    assert used > 0  # the first sync's requests were counted
    assert connection.webhook_token in page and "candidateStageChange" in page
    assert "Pending</dt><dd>1" in page and "Failed</dt><dd>1" in page
    for secret in (connection.access_token, connection.refresh_token):
        assert secret not in page


def test_missing_scopes_and_missing_confidential_access_are_named(connected):
    client, connection = connected
    connection.scopes = [s for s in connection.scopes if s != "confidential:access:admin"]
    connection.save()
    page = detail(client, connection)
    assert "1 missing" in page and "<code>confidential:access:admin</code>" in page
    assert "confidential jobs and candidates are missing" in page


def test_an_api_key_connection_says_keys_do_not_expire_and_hides_the_key(cast):
    page = detail(client_for(cast.admin), cast.connection)
    assert "API keys do not expire" in page and "Unknown: press Test connection" in page
    assert cast.connection.api_key not in page


def test_test_connection_answers_inline_and_a_revoked_grant_asks_for_reauthorisation(sandbox, connected):
    client, connection = connected
    url = reverse("integrations:connection-test", args=[connection.pk])
    fragment = client.post(url, headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<div id="test-result"') and "the credentials work" in fragment

    sandbox.revoke_oauth()
    Connection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(url, headers=HTMX)
    assert response["HX-Refresh"] == "true"  # the whole page changes: banner, Reconnect button
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTH
    page = detail(client, connection)
    assert "no longer accepts" in page and "Lever needs to be re-authorised" in page
    assert reverse("integrations:connection-reconnect", args=[connection.pk]) in page


def test_progress_polls_while_a_run_is_going_and_stops_when_it_is_done(cast):
    url = reverse("integrations:connection-progress", args=[cast.connection.pk])
    run = SyncRunFactory(
        connection=cast.connection,
        status=SyncStatus.RUNNING,
        started_at=timezone.now(),
        checkpoint={"phase": "opportunities", "done": ["users", "stages"]},
        stats={"candidates.Candidate": {"created": 40, "unchanged": 2}, "requests": {"users": 1}},
        requests_made=17,
    )
    running = client_for(cast.recruiter).get(url, headers=HTMX)
    body = running.content.decode()
    assert running.status_code == 200 and 'hx-trigger="every 2s"' in body
    assert "Candidates and applications" in body and "42 records" in body and "17 requests" in body
    assert "estimating time left" in body

    run.status, run.finished_at = SyncStatus.SUCCEEDED, timezone.now()
    run.save()
    done = client_for(cast.recruiter).get(url, headers=HTMX)
    assert done.status_code == 286 and "hx-trigger" not in done.content.decode()
    assert "Full sync succeeded" in done.content.decode()


def test_progress_gives_an_eta_under_the_rate_limit_once_children_are_fetched(settings, cast):
    settings.LEVER_RATE_LIMIT = 10.0
    from tests.candidates.factories import ApplicationFactory

    for _ in range(5):
        ApplicationFactory(connection=cast.connection)
    SyncRunFactory(
        connection=cast.connection,
        status=SyncStatus.RUNNING,
        started_at=timezone.now(),
        checkpoint={"phase": "children_active", "done": ["users", "opportunities", "deleted"]},
    )
    body = (
        client_for(cast.admin)
        .get(reverse("integrations:connection-progress", args=[cast.connection.pk]))
        .content
    )
    assert "left at the rate limit" in body.decode()


def test_admins_pick_the_writeback_user_among_this_connections_lever_users(cast):
    mine = AtsUserFactory(connection=cast.connection, name="Lena Lever")
    theirs = AtsUserFactory(connection=cast.other_connection)
    url = reverse("integrations:connection-writeback-user", args=[cast.connection.pk])
    page = detail(client_for(cast.admin), cast.connection)
    assert "Lena Lever" in page and str(theirs) not in page
    client_for(cast.admin).post(url, {"writeback_user": theirs.pk})
    cast.connection.refresh_from_db()
    assert cast.connection.writeback_user is None
    client_for(cast.admin).post(url, {"writeback_user": mine.pk})
    cast.connection.refresh_from_db()
    assert cast.connection.writeback_user == mine
    assert client_for(cast.recruiter).post(url, {"writeback_user": mine.pk}).status_code == 403
