"""Helpers for connect/disconnect tests: drive the OAuth flow against a SandboxServer over loopback HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from django.urls import reverse

from apps.accounts.roles import Role
from tests.accounts.factories import MembershipFactory, UserFactory


def configure_sandbox_oauth(settings, sandbox) -> None:
    """Point the custom environment's OAuth client at the sandbox's, and lift our client-side limit."""
    settings.LEVER_CUSTOM_CLIENT_ID, settings.LEVER_CUSTOM_CLIENT_SECRET = sandbox.oauth_client
    settings.LEVER_RATE_LIMIT = 10_000.0  # the sandbox does not limit; keep tests quick
    settings.LEVER_RATE_BURST = 10_000


def staff_owner(email: str = "olga@acme.example", **kwargs):
    """Return a staff user who owns a fresh workspace (staff may use a custom base URL)."""
    user = UserFactory(email=email, is_staff=True, **kwargs)
    membership = MembershipFactory(user=user, role=Role.OWNER)
    return user, membership.workspace


def lever_super_admin(sandbox) -> dict:
    return next(u for u in sandbox.store.ds.users if u["accessRole"] == "super admin")


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def start_oauth(client, sandbox, *, admin_email: str, url: str | None = None) -> str:
    """Submit the credentials form for OAuth against the sandbox; return Lever's authorize URL."""
    response = client.post(
        url or reverse("integrations:lever-credentials"),
        {"admin_email": admin_email, "auth_type": "oauth", "environment": "custom", "base_url": sandbox.url},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def consent(authorize_url: str, decision: str = "accept") -> str:
    """Answer the sandbox's consent screen over HTTP; return where it sends the browser back to."""
    answer = requests.post(
        authorize_url.split("?")[0],
        data={**query(authorize_url), "decision": decision},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def token_calls(sandbox) -> int:
    return sandbox.request_counts()["other"].get("POST /oauth/token", 0)


def connect_with_oauth(client, sandbox, capture, *, admin_email: str, url: str | None = None):
    """Run the whole flow, with on-commit work (webhooks, first sync) executed; return the final response."""
    callback = consent(start_oauth(client, sandbox, admin_email=admin_email, url=url))
    with capture(execute=True):
        return client.get(callback)


def owner_connects_with_oauth(sandbox, capture):
    """A staff owner connects the sandbox with OAuth as its super admin; return (client, connection).

    The first full sync has run (on-commit work executed), so the mirror holds the sandbox's data.
    """
    from apps.integrations.models import Connection
    from tests.conftest import client_for

    user, workspace = staff_owner()
    client = client_for(user)
    connect_with_oauth(client, sandbox, capture, admin_email=lever_super_admin(sandbox)["email"])
    return client, Connection.objects.get(workspace=workspace)
