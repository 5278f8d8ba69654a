"""Writes on connections. Everything that changes a Connection goes through here."""

from __future__ import annotations

from django.db import transaction

from apps.integrations.models import AuthType, Connection


@transaction.atomic
def connection_store_api_key(*, connection: Connection, api_key: str) -> Connection:
    """Store an API key (encrypted) on the connection and switch it to API-key authentication.

    The key is validated against Lever when the connection is activated, not here.
    """
    connection.api_key = api_key.strip()
    connection.auth_type = AuthType.API_KEY
    connection.save(update_fields=["api_key", "auth_type", "updated_at"])
    return connection
