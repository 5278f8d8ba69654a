"""How the client authenticates: an API key (HTTP Basic) or an OAuth access token (Bearer).

The client asks its auth for an `Authorization` value before every attempt and, on a 401, calls
`refresh(sent)` once with the value it sent, so a token another worker already replaced is not
refreshed twice (checklist §13 items 1, 5 and 6).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import requests

from apps.integrations.lever.environments import LeverEnvironment
from apps.integrations.lever.errors import LeverAuthError
from apps.integrations.lever.oauth import TokenSet, refresh_tokens, utcnow

# Refresh this long before the access token expires, so a request never leaves with a dying token.
REFRESH_MARGIN = timedelta(minutes=5)


class LeverAuth(Protocol):
    can_refresh: bool

    def authorization(self) -> str:
        """Return the `Authorization` header value for the next request."""
        ...

    def refresh(self, sent_authorization: str) -> None:
        """Make the next `authorization()` differ from `sent_authorization`, which Lever rejected."""
        ...


class TokenSource(Protocol):
    def access_token(self) -> str:
        """Return a valid access token, refreshing it ahead of expiry."""
        ...

    def refresh(self, stale_token: str) -> str:
        """Refresh now unless someone already replaced `stale_token`; return the current token."""
        ...


class ApiKeyAuth:
    """HTTP Basic with the key as user name and an empty password; never Bearer (LEVER_API.md §2.1)."""

    can_refresh = False

    def __init__(self, api_key: str) -> None:
        if not api_key:
            raise LeverAuthError("The connection has no Lever API key.")
        self._header = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode("ascii")

    def authorization(self) -> str:
        return self._header

    def refresh(self, sent_authorization: str) -> None:
        raise LeverAuthError("Lever rejected the API key.", status=401)

    def __repr__(self) -> str:
        return "ApiKeyAuth(<redacted>)"


class OAuthAuth:
    """Bearer tokens from a TokenSource, which owns refreshing and storing them."""

    can_refresh = True

    def __init__(self, token_source: TokenSource) -> None:
        self.token_source = token_source

    def authorization(self) -> str:
        return f"Bearer {self.token_source.access_token()}"

    def refresh(self, sent_authorization: str) -> None:
        self.token_source.refresh(sent_authorization.removeprefix("Bearer "))

    def __repr__(self) -> str:
        return f"OAuthAuth({type(self.token_source).__name__})"


class InMemoryTokenSource:
    """A TokenSource holding its TokenSet in memory, serialised by a lock (tests, scripts, one process).

    `on_rotate` receives every new TokenSet, so the caller can persist the rotated refresh token.
    """

    def __init__(
        self,
        env: LeverEnvironment,
        client_id: str,
        client_secret: str,
        token_set: TokenSet,
        on_rotate: Callable[[TokenSet], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
        *,
        session: requests.Session | None = None,
        refresh_margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self.env = env
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_set = token_set
        self._on_rotate = on_rotate
        self._clock = clock
        self._session = session
        self._margin = refresh_margin
        self._lock = threading.Lock()

    @property
    def token_set(self) -> TokenSet:
        return self._token_set

    def access_token(self) -> str:
        with self._lock:
            if self._token_set.expires_within(self._margin, now=self._clock()):
                self._refresh_locked()
            return self._token_set.access_token

    def refresh(self, stale_token: str) -> str:
        with self._lock:
            if self._token_set.access_token == stale_token:
                self._refresh_locked()
            return self._token_set.access_token

    def _refresh_locked(self) -> None:
        self._token_set = refresh_tokens(
            self.env,
            client_id=self._client_id,
            client_secret=self._client_secret,
            refresh_token=self._token_set.refresh_token,
            session=self._session,
            clock=self._clock,
        )
        if self._on_rotate is not None:
            self._on_rotate(self._token_set)

    def __repr__(self) -> str:
        return "InMemoryTokenSource(<redacted>)"
