"""Writes on connections. Everything that changes a Connection goes through here."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.integrations.models import AuthType, Connection, ConnectionStatus


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
    return locked
