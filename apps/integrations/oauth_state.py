"""The OAuth `state`: a single-use, expiring token bound to the browser session that started the flow.

The callback accepts a code only when its `state` matches the one this session issued and the
authorisation began less than STATE_LIFETIME ago (LEVER_API.md §13 item 3). Whatever the outcome,
the pending authorisation is removed from the session, so a state can never be used twice.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass

from django.contrib.sessions.backends.base import SessionBase
from django.utils.crypto import constant_time_compare

SESSION_KEY = "integrations_lever_oauth"
STATE_LIFETIME = 10 * 60  # seconds; Lever's consent screen takes a minute, not an hour


class OAuthStateError(Exception):
    """The callback cannot be trusted; the message says why in plain words."""


@dataclass(frozen=True)
class PendingAuthorization:
    """What the credentials form decided, kept in the session until Lever sends the admin back."""

    state: str
    workspace_id: int
    environment: str
    base_url: str
    admin_email: str
    redirect_uri: str
    connection_id: int | None  # set when reconnecting an existing connection
    issued_at: float


def oauth_state_issue(
    session: SessionBase,
    *,
    workspace_id: int,
    environment: str,
    base_url: str,
    admin_email: str,
    redirect_uri: str,
    connection_id: int | None = None,
) -> str:
    """Remember a new pending authorisation in `session` and return its state."""
    pending = PendingAuthorization(
        state=secrets.token_urlsafe(32),
        workspace_id=workspace_id,
        environment=environment,
        base_url=base_url,
        admin_email=admin_email,
        redirect_uri=redirect_uri,
        connection_id=connection_id,
        issued_at=time.time(),
    )
    session[SESSION_KEY] = asdict(pending)
    return pending.state


def oauth_state_consume(
    session: SessionBase, state: str, *, workspace_id: int | None, now: float | None = None
) -> PendingAuthorization:
    """Return the pending authorisation `state` belongs to and forget it; raise OAuthStateError if none."""
    stored = session.pop(SESSION_KEY, None)
    if not stored:
        raise OAuthStateError(
            "This sign-in to Lever was not started here, or it was already used. Start again from Integrations."
        )
    pending = PendingAuthorization(**stored)
    if not state or not constant_time_compare(state, pending.state):
        raise OAuthStateError(
            "Lever sent back a sign-in that does not match the one started here, so it was ignored. "
            "Start again from Integrations."
        )
    if (now if now is not None else time.time()) - pending.issued_at > STATE_LIFETIME:
        raise OAuthStateError(
            "The sign-in to Lever took longer than 10 minutes and expired. Please start again."
        )
    if workspace_id != pending.workspace_id:
        raise OAuthStateError(
            "You switched workspace while signing in to Lever. Switch back and start again from Integrations."
        )
    return pending
