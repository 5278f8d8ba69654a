"""Connect, reconnect and disconnect a workspace's Lever account (DESIGN.md §6), end to end.

`services.py` holds the single-step writes on a Connection; the workflows here chain them with what
surrounds a (re)connection: storing OAuth tokens, registering webhooks, starting the first sync or
a delta, waking paused write-backs, and on disconnect deleting our webhooks at Lever first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, When
from django.utils import timezone

from apps.accounts.models import Workspace
from apps.integrations import services
from apps.integrations.credential_check import CredentialCheck, credentials_check
from apps.integrations.lever.oauth import TokenSet, token_claims
from apps.integrations.models import (
    AtsUser,
    AuthType,
    Connection,
    ConnectionStatus,
    Environment,
    Provider,
    SyncKind,
)
from apps.integrations.webhook_registration import unregister_webhooks

logger = logging.getLogger(__name__)

# Lever expires a refresh token unused for 90 days (LEVER_API.md §2.3); refreshing one idle this
# long keeps it alive with two months to spare.
REFRESH_WHEN_IDLE = timedelta(days=30)


@dataclass
class ConnectOutcome:
    connection: Connection
    reconnected: bool
    sync_kind: str
    webhooks_registered: list[str] = field(default_factory=list)
    webhook_manual_steps: list[str] = field(default_factory=list)
    webhook_error: str = ""


@dataclass
class DisconnectOutcome:
    connection: Connection
    webhooks_deleted: int
    webhook_error: str = ""


def connection_for_connect(workspace: Workspace, *, connection_id: int | None = None) -> Connection:
    """Return the Lever connection a (re)connection should reuse, or a new unsaved one.

    A workspace has at most one open Lever connection, and reconnecting must keep the mirror, so an
    open connection wins, then the one being reconnected, then the newest disconnected one.
    """
    lever = Connection.objects.for_workspace(workspace).filter(provider=Provider.LEVER)
    chosen = lever.exclude(status=ConnectionStatus.DISCONNECTED).first()
    if chosen is None and connection_id is not None:
        chosen = lever.filter(pk=connection_id).first()
    if chosen is None:
        chosen = lever.order_by(
            Case(When(status=ConnectionStatus.DISCONNECTED, then=1), default=0), "-created_at"
        ).first()
    return chosen or Connection(workspace=workspace, provider=Provider.LEVER, name="Lever")


def connection_connect_oauth(
    *,
    workspace: Workspace,
    token_set: TokenSet,
    environment: str,
    base_url: str,
    admin_email: str,
    connected_by: Any,
    connection_id: int | None = None,
) -> ConnectOutcome:
    """Store a fresh OAuth grant (encrypted), activate the connection and start syncing."""
    with transaction.atomic():
        connection = connection_for_connect(workspace, connection_id=connection_id)
        reconnected = connection.connected_at is not None
        now = timezone.now()
        connection.auth_type = AuthType.OAUTH
        connection.environment = environment
        connection.base_url = base_url if environment == Environment.CUSTOM else ""
        connection.admin_email = admin_email
        connection.api_key = ""
        connection.access_token = token_set.access_token
        connection.refresh_token = token_set.refresh_token
        connection.access_token_expires_at = token_set.expires_at
        connection.refresh_token_issued_at = now
        connection.scopes = token_set.scope.split()
        account = token_claims(token_set.access_token).get("https://oauth.lever.co/accountId")
        connection.remote_account_id = str(account or connection.remote_account_id)
        _activate(connection, connected_by=connected_by, now=now)
    return _after_connect(connection, reconnected=reconnected)


def connection_connect_api_key_and_sync(
    *,
    workspace: Workspace,
    api_key: str,
    environment: str,
    base_url: str,
    admin_email: str,
    connected_by: Any,
) -> ConnectOutcome:
    """Check and store an API key, activate the connection and start syncing.

    Raises services.ConnectionCheckFailed (nothing activated) when Lever refuses the key.
    """
    before = connection_for_connect(workspace)
    reconnected = before.connected_at is not None
    connection = services.connection_connect_api_key(
        workspace=workspace,
        api_key=api_key,
        environment=environment,
        base_url=base_url,
        name=before.name,
        connected_by=connected_by,
    )
    connection.admin_email = admin_email
    connection.access_token = connection.refresh_token = ""
    connection.access_token_expires_at = connection.refresh_token_issued_at = None
    connection.scopes = []
    connection.save()
    return _after_connect(connection, reconnected=reconnected)


def _activate(connection: Connection, *, connected_by: Any, now: Any) -> None:
    from apps.integrations.outbox import wake_worker
    from apps.integrations.schedules import ensure_schedules

    if not connection.is_live:
        connection.transition_to(ConnectionStatus.ACTIVE, reason="")
    connection.connected_at = now
    connection.connected_by = connected_by
    connection.disconnected_at = None
    connection.last_error = ""
    connection.last_error_at = None
    connection.save()
    transaction.on_commit(ensure_schedules)
    wake_worker(connection)  # write-backs that waited for re-authorisation go out now


def _after_connect(connection: Connection, *, reconnected: bool) -> ConnectOutcome:
    """Register webhooks and start the first sync (or, on reconnect, a delta from the high-water mark)."""
    kind = SyncKind.DELTA if connection.opportunities_synced_through else SyncKind.FULL
    outcome = ConnectOutcome(connection=connection, reconnected=reconnected, sync_kind=kind)
    _register_webhooks(outcome)

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task("apps.integrations.tasks.sync_after_connect", connection.pk, str(kind))

    transaction.on_commit(enqueue)
    return outcome


def _register_webhooks(outcome: ConnectOutcome) -> None:
    try:
        from apps.integrations.webhook_registration import register_webhooks

        result = register_webhooks(outcome.connection)
    except Exception as exc:  # noqa: BLE001 - a webhook problem must not undo a working connection
        logger.exception("registering webhooks for connection %s failed", outcome.connection.pk)
        outcome.webhook_error = f"Webhooks could not be registered ({type(exc).__name__})."
        return
    outcome.webhooks_registered = list(result.registered)
    outcome.webhook_manual_steps = list(result.manual_steps)
    outcome.webhook_error = result.error


def connection_disconnect_everywhere(*, connection: Connection, by: Any = None) -> DisconnectOutcome:
    """Delete our webhooks at Lever while the credentials still work, then disconnect.

    Lever documents no token revocation endpoint (LEVER_API.md §2.3: a Super Admin revokes the app
    under Settings → Integrations and API → Authorized Apps), so tokens are deleted here only and
    the page tells the admin where to revoke the grant in Lever.
    """
    deleted, error = 0, ""
    # Also when re-authorisation is needed: the credential may still delete them (an expired access
    # token), and if not, our rows and signing tokens are forgotten here all the same.
    try:
        deleted = unregister_webhooks(connection)
    except Exception as exc:  # noqa: BLE001 - disconnecting must succeed even if Lever is down
        logger.exception("deleting webhooks of connection %s failed", connection.pk)
        error = f"Some webhooks could not be deleted in Lever ({type(exc).__name__}); remove them there."
    connection = services.connection_disconnect(connection=connection, by=by)
    return DisconnectOutcome(connection=connection, webhooks_deleted=deleted, webhook_error=error)


def connection_writeback_user_set(*, connection: Connection, user: AtsUser) -> Connection:
    if user.connection_id != connection.pk:
        raise ValueError("That Lever user belongs to another connection.")
    connection.writeback_user = user
    connection.save(update_fields=["writeback_user", "updated_at"])
    return connection


def writeback_user_suggestion(connection: Connection) -> AtsUser | None:
    """Return the active Lever user whose email is the connecting admin's, if the mirror has one."""
    emails = [e for e in (connection.admin_email, getattr(connection.connected_by, "email", "")) if e]
    users = AtsUser.objects.for_connection(connection).alive().filter(deactivated_at__isnull=True)
    for email in emails:
        match = users.filter(email__iexact=email).first()
        if match is not None:
            return match
    return None


def connection_writeback_user_default(*, connection: Connection) -> AtsUser | None:
    """Pick the connecting admin's Lever user for write-backs when nobody chose one yet."""
    if connection.writeback_user_id:
        return connection.writeback_user
    suggestion = writeback_user_suggestion(connection)
    if suggestion is not None:
        connection_writeback_user_set(connection=connection, user=suggestion)
    return suggestion


def connection_refresh_if_idle(*, connection: Connection, idle_for: timedelta = REFRESH_WHEN_IDLE) -> bool:
    """Refresh an OAuth grant nobody used for `idle_for`, so Lever's 90-day inactivity never ends it.

    Return True when a refresh happened. A refused refresh marks the connection for re-authorisation.
    """
    from apps.integrations.lever.credentials import ConnectionTokenSource, oauth_client_for
    from apps.integrations.lever.errors import LeverReauthRequired

    connection.refresh_from_db()
    if connection.auth_type != AuthType.OAUTH or not connection.is_live or not connection.refresh_token:
        return False
    last_used = connection.refresh_token_issued_at or connection.connected_at
    if last_used is not None and last_used > timezone.now() - idle_for:
        return False
    client = oauth_client_for(connection.environment)
    source = ConnectionTokenSource(
        connection.pk, client_id=client.client_id, client_secret=client.client_secret
    )
    try:
        source.refresh(connection.access_token)  # the current token counts as stale: refresh now
    except LeverReauthRequired as exc:
        services.connection_mark_needs_reauth(
            connection=connection, reason=f"Lever refused to renew the authorisation: {exc.message}"
        )
        return False
    return True


def connection_test(*, connection: Connection) -> CredentialCheck:
    """Check the credentials with one cheap call; a refused grant flags the connection for re-authorisation."""
    result = credentials_check(connection)
    if result.auth_refused and connection.is_live:
        services.connection_mark_needs_reauth(connection=connection, reason=result.message)
    return result
