"""Connect to the Lever sandbox (API key or OAuth) and run the sync engine quickly, for sync tests."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from apps.integrations.lever import oauth
from apps.integrations.lever.environments import environment_for
from apps.integrations.lever.sync.runner import run_sync
from apps.integrations.models import AuthType, Connection, ConnectionStatus, Environment, SyncKind, SyncRun
from apps.lever_sandbox.server import SandboxServer
from tests.accounts.factories import WorkspaceFactory
from tests.integrations.factories import ConnectionFactory

# No shared limiter and short backoffs: the sandbox runs without its rate limit in these tests.
FAST = {"limiter": None, "backoff_base": 0.01, "backoff_cap": 0.05}


def connect(server: SandboxServer, **extra) -> Connection:
    """An active API-key connection of a new workspace to ``server``."""
    return ConnectionFactory(
        workspace=WorkspaceFactory(),
        environment=Environment.CUSTOM,
        base_url=server.url,
        api_key=server.api_key,
        status=ConnectionStatus.ACTIVE,
        **extra,
    )


def sync(connection: Connection, kind: str = SyncKind.FULL, **options) -> SyncRun:
    """Run one sync to its end (or its stop) and return the run, both refreshed from the database."""
    run = run_sync(
        connection, kind=kind, client_options={**FAST, **options.pop("client_options", {})}, **options
    )
    run.refresh_from_db()
    connection.refresh_from_db()
    return run


def authorize(server: SandboxServer, state: str = "s1") -> str:
    """Accept the sandbox's consent screen and return the authorisation code."""
    client_id, _ = server.oauth_client
    url = oauth.authorize_url(
        environment_for("custom", server.url),
        client_id=client_id,
        redirect_uri="https://rd.example/cb",
        state=state,
        scopes=oauth.DEFAULT_SCOPES,
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(
        f"{server.url}/oauth/authorize", data={**query, "decision": "accept"}, allow_redirects=False
    )
    location = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert location["state"] == [state]
    return location["code"][0]


def oauth_tokens(server: SandboxServer) -> oauth.TokenSet:
    """Authorise our OAuth client at the sandbox and exchange the code for tokens."""
    client_id, client_secret = server.oauth_client
    return oauth.exchange_code(
        environment_for("custom", server.url),
        client_id=client_id,
        client_secret=client_secret,
        code=authorize(server),
        redirect_uri="https://rd.example/cb",
    )


def oauth_connect(server: SandboxServer, settings) -> Connection:
    """An active OAuth connection of a new workspace to ``server`` (settings get the client's credentials)."""
    settings.LEVER_CLIENT_ID, settings.LEVER_CLIENT_SECRET = server.oauth_client
    tokens = oauth_tokens(server)
    return ConnectionFactory(
        workspace=WorkspaceFactory(),
        environment=Environment.CUSTOM,
        base_url=server.url,
        auth_type=AuthType.OAUTH,
        api_key="",
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        access_token_expires_at=tokens.expires_at,
        status=ConnectionStatus.ACTIVE,
    )
