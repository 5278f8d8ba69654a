"""One cheap call that tells whether a connection's credentials work, in words an admin understands.

Listing one posting with `confidentiality=all` proves the credential is accepted, may read postings
and has confidential access, which the mirror needs (LEVER_API.md §2.6). Only when Lever refuses
with a 403 does a second call find out whether confidential access or the permission itself is
missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.integrations.models import AuthType, Connection

PROBE = "/postings"


@dataclass(frozen=True)
class CredentialCheck:
    ok: bool
    message: str
    confidential_access: bool | None = None  # None: could not tell
    auth_refused: bool = False  # the credential itself was refused (401, dead refresh token)


def credentials_check(connection: Connection) -> CredentialCheck:
    """Call Lever once (twice after a 403) with the connection's stored credentials."""
    from apps.integrations.lever.credentials import lever_client_for
    from apps.integrations.lever.errors import LeverAuthError, LeverError, LeverPermissionError

    if not connection.has_credentials:
        return CredentialCheck(
            False, "No credentials are stored for this connection. Reconnect it.", None, True
        )
    try:
        with lever_client_for(connection, max_attempts=2) as client:
            try:
                client.get(PROBE, {"limit": 1, "confidentiality": "all"})
                return CredentialCheck(True, "Lever answered: the credentials work.", True)
            except LeverPermissionError as denied:
                return _explain_denial(client, connection, denied)
    except LeverAuthError as exc:
        return CredentialCheck(False, _refused_message(connection, exc.message), None, True)
    except LeverError as exc:
        return CredentialCheck(False, f"Lever could not be reached to check the credentials: {exc}.")


def _explain_denial(client: object, connection: Connection, denied: Exception) -> CredentialCheck:
    from apps.integrations.lever.errors import LeverPermissionError

    try:
        client.get(PROBE, {"limit": 1})  # type: ignore[attr-defined]
    except LeverPermissionError as exc:
        return CredentialCheck(
            False,
            "The credentials are valid but may not read postings, which Recruitdesk needs "
            f"(Lever said: {exc.message}). {_how_to_fix(connection)}",
            None,
        )
    return CredentialCheck(
        False,
        "The credentials are valid but have no access to confidential postings and candidates, "
        f"so the mirror would be incomplete. {_how_to_fix(connection, confidential=True)}",
        False,
    )


def _how_to_fix(connection: Connection, *, confidential: bool = False) -> str:
    if connection.auth_type == AuthType.OAUTH:
        return "Reconnect and accept every permission on Lever's consent screen."
    if confidential:
        # LEVER_API.md §2.1: confidential access can only be granted when a key is created.
        return "Lever grants confidential access only when a key is created: create a new key with it ticked."
    return "Edit the key in Lever (Settings → Integrations and API → API Credentials) and allow it."


def _refused_message(connection: Connection, detail: str) -> str:
    if connection.auth_type == AuthType.OAUTH:
        return (
            "Lever no longer accepts Recruitdesk's authorisation (it was revoked or has expired: "
            f"{detail}). Reconnect to authorise again."
        )
    return f"Lever rejected the credentials ({detail}). Check that the API key was copied completely and is still active."
