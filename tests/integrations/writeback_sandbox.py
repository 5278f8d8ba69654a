"""Helpers for write-back tests against the Lever sandbox; each test module wraps them in its fixtures."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import WritebackApproval
from apps.integrations.lever.auth import ApiKeyAuth
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.environments import environment_for
from apps.integrations.lever.sync.runner import run_sync
from apps.integrations.models import (
    AtsUser,
    ConnectionStatus,
    Environment,
    SyncKind,
    WritebackAction,
    WritebackStatus,
)
from apps.integrations.outbox import writeback_process
from apps.lever_sandbox.server import SandboxServer
from tests.accounts.factories import WorkspaceFactory
from tests.integrations.factories import ConnectionFactory

FAST = {"limiter": None, "backoff_base": 0.01, "backoff_cap": 0.05}


def small_sandbox():
    """Yield a running sandbox of 30 opportunities without rate limiting (for a module-scoped fixture)."""
    with SandboxServer(seed=3, opportunities=30, rate_limit=False) as server:
        yield server


def synced_connection(sandbox):
    """Return an active connection to `sandbox`, fully synced, writing back as a super admin."""
    workspace = WorkspaceFactory(writeback_approval=WritebackApproval.NONE)
    connection = ConnectionFactory(
        workspace=workspace,
        environment=Environment.CUSTOM,
        base_url=sandbox.url,
        api_key=sandbox.api_key,
        status=ConnectionStatus.ACTIVE,
    )
    run_sync(connection, kind=SyncKind.FULL, client_options=FAST)
    connection.refresh_from_db()
    connection.writeback_user = (
        AtsUser.objects.for_connection(connection)
        .filter(deactivated_at__isnull=True, access_role="super admin")
        .first()
    )
    connection.save()
    return connection


def process(connection):
    return writeback_process(connection, client_options=FAST)


@contextmanager
def lever(sandbox):
    """Read the sandbox's state back through our own client."""
    with LeverClient(environment_for("custom", sandbox.url), ApiKeyAuth(sandbox.api_key)) as client:
        yield client


def opportunities_by_email(sandbox, email):
    with lever(sandbox) as client:
        return list(client.iter_opportunities(email=email))


def posts(sandbox, pattern="POST /v1/opportunities"):
    return sandbox.request_counts()["endpoints"].get(pattern, 0)


def as_if_the_worker_died(action):
    """Put a finished action back as running with an expired lease: the next run must check, not resend."""
    WritebackAction.objects.filter(pk=action.pk).update(
        status=WritebackStatus.RUNNING, completed_at=None, claimed_at=timezone.now() - timedelta(minutes=10)
    )


def succeeded(action):
    action.refresh_from_db()
    assert action.status == WritebackStatus.SUCCEEDED, (action.status, action.last_error)
    return action
