"""lever_connect, lever_sync, the sync task and the admin actions, against the sandbox."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.integrations.models import Connection, ConnectionStatus, Environment, SyncRun, SyncStatus
from apps.integrations.tasks import sync_connection
from apps.lever_sandbox.server import SandboxServer
from tests.accounts.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=1, opportunities=15, rate_limit=False) as server:
        yield server


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    settings.LEVER_RATE_LIMIT = 10_000.0  # the sandbox above does not limit; keep tests quick
    settings.LEVER_RATE_BURST = 10_000


def connect(sandbox, workspace, *extra):
    out, err = StringIO(), StringIO()
    call_command(
        "lever_connect",
        "--workspace",
        workspace.slug,
        "--api-key",
        sandbox.api_key,
        "--base-url",
        sandbox.url,
        *extra,
        stdout=out,
        stderr=err,
    )
    return Connection.objects.get(pk=int(out.getvalue().strip())), err.getvalue()


def test_lever_connect_checks_the_key_and_activates(sandbox):
    workspace = WorkspaceFactory()
    connection, message = connect(sandbox, workspace)
    assert (connection.status, connection.environment, connection.base_url) == (
        ConnectionStatus.ACTIVE,
        Environment.CUSTOM,
        sandbox.url,
    )
    assert connection.api_key == sandbox.api_key
    assert "is Active" in message
    again, _ = connect(sandbox, workspace)  # idempotent: the same connection, updated
    assert again.pk == connection.pk


def test_lever_connect_refuses_a_bad_key_in_plain_words(sandbox):
    workspace = WorkspaceFactory()
    with pytest.raises(CommandError, match="Lever rejected the credentials"):
        call_command(
            "lever_connect",
            "--workspace",
            workspace.slug,
            "--api-key",
            "wrong",
            "--base-url",
            sandbox.url,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not Connection.objects.filter(workspace=workspace, status=ConnectionStatus.ACTIVE).exists()


def test_lever_connect_needs_a_known_workspace():
    with pytest.raises(CommandError, match="No workspace"):
        call_command("lever_connect", "--workspace", "nope", "--api-key", "k", stdout=StringIO())


def test_lever_sync_runs_and_prints_a_summary(sandbox):
    connection, _ = connect(sandbox, WorkspaceFactory())
    out, err = StringIO(), StringIO()
    call_command("lever_sync", "--connection", str(connection.pk), "--full", stdout=out, stderr=err)
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncStatus.SUCCEEDED
    summary = out.getvalue()
    assert f"Full sync #{run.pk}: succeeded" in summary
    assert "candidates.Application" in summary and f"{run.requests_made} requests" in summary
    # Not a TTY: one plain line per phase instead of a redrawn bar.
    assert "opportunities:" in err.getvalue() and "\r" not in err.getvalue()


def test_lever_sync_one_resource_and_since(sandbox):
    connection, _ = connect(sandbox, WorkspaceFactory())
    call_command(
        "lever_sync",
        "--connection",
        str(connection.pk),
        "--full",
        "--resource",
        "users",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    run = SyncRun.objects.get(connection=connection)
    assert set(run.stats) == {"integrations.AtsUser", "requests"}
    connection.refresh_from_db()
    assert connection.opportunities_synced_through is None  # a partial run moves no high-water mark
    with pytest.raises(CommandError, match="not an ISO"):
        call_command(
            "lever_sync", "--connection", str(connection.pk), "--since", "yesterday", stdout=StringIO()
        )


def test_lever_sync_reports_a_busy_connection(sandbox):
    connection, _ = connect(sandbox, WorkspaceFactory())
    from django.utils import timezone

    SyncRun.objects.create(
        workspace=connection.workspace,
        connection=connection,
        kind="full",
        status="running",
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("lever_sync", "--connection", str(connection.pk), stdout=StringIO(), stderr=err)
    assert "already running" in err.getvalue()


def test_the_sync_task_runs_one_slice_and_skips_a_busy_connection(sandbox):
    connection, _ = connect(sandbox, WorkspaceFactory())
    assert sync_connection(connection.pk, "full").endswith(": succeeded")
    assert sync_connection(999_999, "delta") == "skipped: the connection no longer exists"
    connection.status = ConnectionStatus.NEEDS_REAUTH
    connection.save()
    assert sync_connection(connection.pk, "delta").startswith(
        "skipped: The connection is needs re-authorisation"
    )


def test_admin_actions_queue_syncs(sandbox, staff_client, django_capture_on_commit_callbacks):
    connection, _ = connect(sandbox, WorkspaceFactory())
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs tasks inline in tests
        response = staff_client.post(
            reverse("admin:integrations_connection_changelist"),
            {"action": "sync_full", "_selected_action": [connection.pk]},
            follow=True,
        )
    assert "Queued a full sync of 1 connection(s)." in response.content.decode()
    assert SyncRun.objects.get(connection=connection).status == SyncStatus.SUCCEEDED
