"""API credentials: strict HTTP Basic for API keys, Bearer for OAuth access tokens (LEVER_API.md §2)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from apps.lever_sandbox.oauth import OAuth
from apps.lever_sandbox.protocol import ApiError, Request


@dataclass(frozen=True)
class Credential:
    kind: str  # "api_key" or "oauth"
    bucket: str  # rate-limit key: one bucket per API key, one per OAuth grant
    confidential: bool  # may see confidential postings, opportunities and requisitions


def authenticate(req: Request, api_keys: dict[str, bool], oauth: OAuth) -> Credential:
    """Return the request's credential or raise a 401 the way Lever words it."""
    header = req.headers.get("authorization", "").strip()
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if not header:
        raise ApiError(
            401, "No credentials: send your API key as the HTTP Basic username with an empty password"
        )
    if scheme.lower() == "basic":
        try:
            username, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(401, "Malformed Basic authorization header") from None
        if password:
            raise ApiError(
                401, "Invalid credentials: the password must be empty (the API key is the username)"
            )
        if username not in api_keys:
            raise ApiError(401, "Invalid API key")
        return Credential("api_key", f"key:{username}", api_keys[username])
    if scheme.lower() == "bearer":
        if value in api_keys:
            raise ApiError(401, "API keys must be sent with HTTP Basic authentication, not as a Bearer token")
        grant, reason = oauth.check(value)
        if grant is None:
            raise ApiError(401, reason)
        return Credential("oauth", f"oauth:{grant.id}", grant.confidential)
    raise ApiError(401, f"Unsupported authorization scheme {scheme!r}")
