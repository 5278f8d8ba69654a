"""Writes on connections. Everything that changes a Connection goes through here."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Case, When
from django.utils import timezone

from apps.accounts.models import Workspace
from apps.integrations.models import AuthType, Connection, ConnectionStatus, Environment, Provider


@transaction.atomic
def connection_store_api_key(*, connection: Connection, api_key: str) -> Connection:
    """Store an API key (encrypted) on the connection and switch it to API-key authentication.

    The key is validated against Lever when the connection is activated, not here.
    """
    connection.api_key = api_key.strip()
    connection.auth_type = AuthType.API_KEY
    connection.save(update_fields=["api_key", "auth_type", "updated_at"])
    return connection


@transaction.atomic
def connection_mark_needs_reauth(*, connection: Connection, reason: str) -> Connection:
    """Flag a connection whose grant Lever refused, so an admin is asked to reconnect it.

    Call it after the transaction that tried the refresh has ended (LeverReauthRequired rolls that
    one back). A connection that cannot move to needs_reauth (pending, disconnected) keeps its status
    and only records the error.
    """
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    fields = ["last_error", "last_error_at", "updated_at"]
    if locked.status == ConnectionStatus.NEEDS_REAUTH or locked.can_transition_to(
        ConnectionStatus.NEEDS_REAUTH
    ):
        locked.transition_to(ConnectionStatus.NEEDS_REAUTH, reason=reason)
        fields += ["status", "status_reason", "status_changed_at"]
    locked.last_error = reason
    locked.last_error_at = timezone.now()
    locked.save(update_fields=fields)
    if not locked.is_live:
        # Paused, not retried: its schedules go until a reconnect brings them back.
        from apps.integrations.schedules import ensure_schedules

        transaction.on_commit(ensure_schedules)
    return locked


class ConnectionCheckFailed(Exception):
    """Lever did not accept the credentials; the message says why in plain words."""


def connection_sync_enqueue(
    *, connection: Connection, kind: str, trigger: str, requested_by: Any = None
) -> None:
    """Queue a sync of `connection` for the worker, once the current transaction commits."""
    from django_q.tasks import async_task

    def enqueue() -> None:
        async_task("apps.integrations.tasks.sync_connection", connection.pk, str(kind), str(trigger))

    transaction.on_commit(enqueue)


def connection_connect_api_key(
    *,
    workspace: Workspace,
    api_key: str,
    environment: str,
    base_url: str = "",
    name: str = "",
    connected_by: Any = None,
    verify: bool = True,
) -> Connection:
    """Create or update the workspace's Lever API-key connection, check the key, and make it active.

    Reconnects a disconnected or needs-reauthorisation connection instead of creating a second one.
    Raises ConnectionCheckFailed (and leaves nothing active) when Lever refuses the key.
    """
    from apps.integrations.schedules import ensure_schedules

    if environment == Environment.CUSTOM and not base_url:
        raise ValueError("A custom environment needs a base URL.")
    connection = (
        Connection.objects.for_workspace(workspace)
        .filter(provider=Provider.LEVER)
        .order_by(Case(When(status=ConnectionStatus.DISCONNECTED, then=1), default=0), "-created_at")
        .first()
    ) or Connection(workspace=workspace, provider=Provider.LEVER)
    connection.name = name or connection.name or "Lever"
    connection.environment = environment
    connection.base_url = base_url if environment == Environment.CUSTOM else ""
    connection.auth_type = AuthType.API_KEY
    connection.api_key = api_key.strip()
    if verify and connection.pk is not None and connection.is_live:
        # A working connection keeps its stored key until the new one checks out: saving first would
        # swap a good key for a mistyped one, which the next sync would find refused.
        connection_check_credentials(connection=connection)
        verify = False
    if connection.pk is None or connection.status == ConnectionStatus.DISCONNECTED:
        # A disconnected connection stays disconnected until the key checks out.
        connection.save()
    else:
        connection.save(
            update_fields=["name", "environment", "base_url", "auth_type", "api_key", "updated_at"]
        )
    if verify:
        connection_check_credentials(connection=connection)
    if connection.status != ConnectionStatus.ACTIVE and connection.can_transition_to(ConnectionStatus.ACTIVE):
        connection.transition_to(ConnectionStatus.ACTIVE, reason="")
    connection.connected_at = timezone.now()
    connection.connected_by = connected_by
    connection.disconnected_at = None
    connection.save()
    ensure_schedules()
    from apps.integrations.outbox import wake_worker

    wake_worker(connection)  # write-backs that waited for re-authorisation go out now
    return connection


def connection_check_credentials(*, connection: Connection) -> None:
    """Make one cheap call with the stored credentials; raise ConnectionCheckFailed with Lever's reason."""
    from apps.integrations.credential_check import credentials_check

    result = credentials_check(connection)
    if not result.ok:
        raise ConnectionCheckFailed(result.message)


@transaction.atomic
def connection_disconnect(*, connection: Connection, by: Any = None, reason: str = "") -> Connection:
    """Stop all traffic with Lever, both ways, and keep every mirrored record.

    Unsent write-backs are cancelled (visible, with the reason), credentials are forgotten and the
    schedules removed. Reconnecting later reuses this connection and its mirror.
    """
    from apps.integrations.outbox import writeback_cancel_open
    from apps.integrations.schedules import ensure_schedules

    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    if locked.status != ConnectionStatus.DISCONNECTED:
        who = getattr(by, "email", "") or "an administrator"
        locked.transition_to(ConnectionStatus.DISCONNECTED, reason=reason or f"Disconnected by {who}.")
    locked.api_key = locked.access_token = locked.refresh_token = ""
    locked.access_token_expires_at = None
    locked.disconnected_at = timezone.now()
    locked.save()
    writeback_cancel_open(locked, reason="Lever was disconnected before this was sent.")
    transaction.on_commit(ensure_schedules)
    return locked
