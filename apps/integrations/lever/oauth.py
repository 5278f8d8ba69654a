"""Lever's OAuth 2.0 authorization-code flow: the authorize URL, code exchange and token refresh.

Reference: LEVER_API.md §2.2–2.4. Refresh tokens rotate: every refresh answer carries a new refresh
token that must replace the stored one. A 4xx from the token endpoint means the grant is dead, so it
raises LeverReauthRequired and is never retried (checklist §13 item 6).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests

from apps.integrations.lever.environments import LeverEnvironment
from apps.integrations.lever.errors import (
    LeverConnectionError,
    LeverError,
    LeverRateLimited,
    LeverReauthRequired,
    LeverServerError,
    error_body,
)
from apps.integrations.lever.parsing import parse_retry_after

logger = logging.getLogger(__name__)

# LEVER_API.md §2.4: the minimal set for a read mirror plus the write-backs of §9 (22 scopes; Lever
# reportedly caps apps at 20, so trimming may be needed when the app is registered).
DEFAULT_SCOPES: tuple[str, ...] = (
    "offline_access",
    "opportunities:write:admin",
    "applications:read:admin",
    "stages:read:admin",
    "archive_reasons:read:admin",
    "tags:read:admin",
    "sources:read:admin",
    "users:read:admin",
    "postings:write:admin",
    "requisitions:read:admin",
    "notes:write:admin",
    "feedback:read:admin",
    "interviews:read:admin",
    "panels:read:admin",
    "offers:read:admin",
    "resumes:read:admin",
    "files:write:admin",
    "forms:read:admin",
    "referrals:read:admin",
    "contact:read:admin",
    "webhooks:write:admin",
    "confidential:access:admin",
)

# Lever documents 3600 s; used only when a token answer leaves `expires_in` out.
DEFAULT_EXPIRES_IN = 3600
TOKEN_TIMEOUT = (5, 20)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    scope: str = ""

    def expires_within(self, margin: timedelta, *, now: datetime) -> bool:
        return self.expires_at - margin <= now


def authorize_url(
    env: LeverEnvironment,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    scopes: Iterable[str] = DEFAULT_SCOPES,
) -> str:
    """Return the URL that sends a Lever super admin to the consent screen (checklist §13 item 2)."""
    wanted = list(dict.fromkeys(scopes))
    if "offline_access" not in wanted:  # without it Lever issues no refresh token
        wanted.insert(0, "offline_access")
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": state,
        "audience": env.audience,
        "scope": " ".join(wanted),
        "prompt": "consent",
    }
    return f"{env.authorize_url}?{urlencode(params, quote_via=quote)}"


def exchange_code(
    env: LeverEnvironment,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    session: requests.Session | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> TokenSet:
    """Exchange an authorization code for tokens at the environment's token URL."""
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "redirect_uri": redirect_uri,
    }
    return _token_request(env, form, session=session, clock=clock)


def refresh_tokens(
    env: LeverEnvironment,
    *,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    session: requests.Session | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> TokenSet:
    """Trade a refresh token for a new access token and the rotated refresh token."""
    if not refresh_token:
        raise LeverReauthRequired("There is no refresh token to use; the connection must be re-authorised.")
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    return _token_request(env, form, session=session, clock=clock, previous_refresh_token=refresh_token)


def _token_request(
    env: LeverEnvironment,
    form: dict[str, str],
    *,
    session: requests.Session | None,
    clock: Callable[[], datetime],
    previous_refresh_token: str = "",
) -> TokenSet:
    grant = form["grant_type"]
    started = time.monotonic()
    sender: Any = session or requests
    try:
        response = sender.post(
            env.token_url, data=form, headers={"Accept": "application/json"}, timeout=TOKEN_TIMEOUT
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        logger.warning("lever oauth %s failed: %s", grant, type(exc).__name__)
        raise LeverConnectionError(f"Could not reach Lever's token endpoint ({type(exc).__name__}).") from exc
    status = response.status_code
    logger.info("lever oauth %s -> %s in %dms", grant, status, (time.monotonic() - started) * 1000)
    if status == 429:
        raise LeverRateLimited(
            "Lever's token endpoint is rate limiting us.",
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if 400 <= status < 500:
        code, message = error_body(response)
        raise LeverReauthRequired(
            message or f"Lever's token endpoint refused the {grant} grant (HTTP {status}).",
            status=status,
            code=code,
        )
    if status >= 500:
        code, message = error_body(response)
        raise LeverServerError(message or f"Lever's token endpoint failed (HTTP {status}).", status=status)
    if not 200 <= status < 300:
        raise LeverError(f"Lever's token endpoint answered an unexpected HTTP {status}.", status=status)
    return _token_set(response, clock=clock, previous_refresh_token=previous_refresh_token)


def _token_set(
    response: requests.Response, *, clock: Callable[[], datetime], previous_refresh_token: str
) -> TokenSet:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("access_token"):
        raise LeverServerError(
            "Lever's token endpoint answered without an access token.", status=response.status_code
        )
    try:
        expires_in = int(body.get("expires_in") or DEFAULT_EXPIRES_IN)
    except (TypeError, ValueError):
        expires_in = DEFAULT_EXPIRES_IN
    return TokenSet(
        access_token=str(body["access_token"]),
        # Lever rotates refresh tokens; should an answer ever omit one, the old token stays valid.
        refresh_token=str(body.get("refresh_token") or previous_refresh_token),
        expires_at=clock() + timedelta(seconds=expires_in),
        scope=str(body.get("scope") or ""),
    )


def token_claims(access_token: str) -> dict[str, Any]:
    """Return the claims of a JWT access token, decoded but NOT verified: for display only.

    Lever's tokens carry the account and user ids (LEVER_API.md §2.3); never base an access decision
    on them. A token that is not a JWT gives an empty dict.
    """
    try:
        payload = access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}
