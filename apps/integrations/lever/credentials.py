"""Lever credentials of a stored Connection: its OAuth token source and a ready LeverClient.

This is the one module of the Lever package that reads our models; the client itself knows none.
OAuth refresh tokens rotate (LEVER_API.md §2.3), so a refresh runs inside a transaction holding the
connection's row lock and stores the new access token, the rotated refresh token and the expiry in
that same transaction: concurrent workers refresh one at a time and never lose the newest token
(checklist §13 item 5). The token endpoint is called while the lock is held; its timeout bounds that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from apps.integrations.lever import oauth
from apps.integrations.lever.auth import REFRESH_MARGIN, ApiKeyAuth, LeverAuth, OAuthAuth
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.environments import LeverEnvironment, environment_for
from apps.integrations.models import AuthType, Connection
from apps.integrations.ratelimit import rate_limiter_for


def connection_environment(connection: Connection) -> LeverEnvironment:
    """Return the Lever environment (hosts, token URL, audience) a connection belongs to."""
    return environment_for(connection.environment, connection.base_url)


def rate_limit_key(connection: Connection) -> str:
    return f"lever:connection:{connection.pk}"


@dataclass(frozen=True)
class OAuthClient:
    """Recruitdesk's OAuth app in one Lever environment (Lever registers it; see README)."""

    client_id: str
    client_secret: str = field(repr=False)

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


# Lever issues separate apps for production and its sandbox (LEVER_API.md §1), and the built-in
# sandbox prints its own; each environment may name its own client and falls back to the main one.
_CLIENT_SETTINGS = {"sandbox": "LEVER_SANDBOX_CLIENT", "custom": "LEVER_CUSTOM_CLIENT"}


def oauth_client_for(environment: str) -> OAuthClient:
    """Return the OAuth client id and secret configured for a `Connection.environment`."""
    prefix = _CLIENT_SETTINGS.get(environment, "")
    client_id = getattr(settings, f"{prefix}_ID", "") if prefix else ""
    if client_id:
        return OAuthClient(client_id, getattr(settings, f"{prefix}_SECRET", ""))
    return OAuthClient(settings.LEVER_CLIENT_ID, settings.LEVER_CLIENT_SECRET)


class ConnectionTokenSource:
    """The TokenSource of an OAuth connection, backed by its encrypted row.

    The current token is kept in memory until it is within `refresh_margin` of expiry, so requests
    do not read the database each time.
    """

    def __init__(
        self,
        connection_id: int,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = timezone.now,
        refresh_margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self.connection_id = connection_id
        self._client_id = client_id if client_id is not None else settings.LEVER_CLIENT_ID
        self._client_secret = client_secret if client_secret is not None else settings.LEVER_CLIENT_SECRET
        if not self._client_id or not self._client_secret:
            raise ImproperlyConfigured("OAuth connections need LEVER_CLIENT_ID and LEVER_CLIENT_SECRET.")
        self._session = session
        self._clock = clock
        self._margin = refresh_margin
        self._token = ""
        self._expires_at: datetime | None = None
        self._issued_at: datetime | None = None  # when the token was issued (its lifetime sets the margin)

    def _fresh(self, token: str, expires_at: datetime | None, issued_at: datetime | None) -> bool:
        # An unknown expiry counts as fresh: a 401 will then trigger the refresh.
        if not token:
            return False
        if expires_at is None:
            return True
        margin = self._margin
        if issued_at is not None and expires_at > issued_at:
            # A token that lives less than the margin (an account whose tokens last a minute) would be
            # refreshed before every request: refresh a quarter of its life ahead instead.
            margin = min(margin, (expires_at - issued_at) / 4)
        return expires_at - margin > self._clock()

    def _keep(self, connection: Connection) -> None:
        self._token = connection.access_token
        self._expires_at = connection.access_token_expires_at
        self._issued_at = connection.refresh_token_issued_at

    def access_token(self) -> str:
        if self._fresh(self._token, self._expires_at, self._issued_at):
            return self._token
        connection = Connection.objects.only(
            "access_token", "access_token_expires_at", "refresh_token_issued_at"
        ).get(pk=self.connection_id)
        if self._fresh(
            connection.access_token, connection.access_token_expires_at, connection.refresh_token_issued_at
        ):
            self._keep(connection)
            return self._token
        return self.refresh(connection.access_token)

    def refresh(self, stale_token: str) -> str:
        """Refresh under the row lock unless another worker already replaced `stale_token`.

        LeverReauthRequired (the grant is dead) propagates after the transaction rolled back;
        marking the connection is the caller's job (`services.connection_mark_needs_reauth`).
        """
        with transaction.atomic():
            connection = Connection.objects.select_for_update().get(pk=self.connection_id)
            if connection.access_token and connection.access_token != stale_token:
                self._keep(connection)
                return self._token
            token_set = oauth.refresh_tokens(
                connection_environment(connection),
                client_id=self._client_id,
                client_secret=self._client_secret,
                refresh_token=connection.refresh_token,
                session=self._session,
                clock=self._clock,
            )
            connection.access_token = token_set.access_token
            connection.refresh_token = token_set.refresh_token
            connection.access_token_expires_at = token_set.expires_at
            connection.refresh_token_issued_at = self._clock()
            fields = ["access_token", "refresh_token", "access_token_expires_at", "refresh_token_issued_at"]
            if token_set.scope:
                connection.scopes = token_set.scope.split()
                fields.append("scopes")
            connection.save(update_fields=[*fields, "updated_at"])
        self._keep(connection)
        return self._token

    def __repr__(self) -> str:
        return f"ConnectionTokenSource(connection_id={self.connection_id})"


def connection_auth(connection: Connection) -> LeverAuth:
    """Return the client auth for a connection: OAuth tokens or its API key."""
    if connection.auth_type == AuthType.OAUTH:
        client = oauth_client_for(connection.environment)
        return OAuthAuth(
            ConnectionTokenSource(
                connection.pk, client_id=client.client_id, client_secret=client.client_secret
            )
        )
    return ApiKeyAuth(connection.api_key)


def lever_client_for(connection: Connection, **kwargs: Any) -> LeverClient:
    """Return a LeverClient for a stored connection, sharing the connection's rate-limit bucket."""
    from apps.integrations.request_budget import CountingLimiter

    limiter = kwargs["limiter"] if "limiter" in kwargs else rate_limiter_for(rate_limit_key(connection))
    # Counted even without a limiter (tests, scripts), so the health panel's budget line is true.
    kwargs["limiter"] = CountingLimiter(limiter, connection.pk)
    return LeverClient(connection_environment(connection), connection_auth(connection), **kwargs)
