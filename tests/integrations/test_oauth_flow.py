"""The OAuth flow against the sandbox's authorize and token endpoints over real loopback HTTP."""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.urls import reverse

from apps.integrations.catalog import catalog_entry
from apps.integrations.lever.oauth import DEFAULT_SCOPES
from apps.integrations.models import AuthType, Connection, ConnectionStatus, LeverWebhook, SyncKind, SyncRun
from apps.integrations.oauth_state import SESSION_KEY
from apps.lever_sandbox import oauth as sandbox_oauth
from apps.lever_sandbox.server import SandboxServer
from tests.conftest import client_for
from tests.integrations.connect_helpers import (
    configure_sandbox_oauth,
    consent,
    lever_super_admin,
    query,
    staff_owner,
    start_oauth,
    token_calls,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=5, opportunities=12, rate_limit=False) as server:
        yield server


@pytest.fixture(autouse=True)
def oauth_settings(settings, sandbox):
    configure_sandbox_oauth(settings, sandbox)
    sandbox.reset_counts()


@pytest.fixture
def owner():
    return staff_owner()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_the_authorize_url_carries_state_audience_scopes_and_offline_access(sandbox, owner):
    user, _ = owner
    client = client_for(user)
    url = start_oauth(client, sandbox, admin_email=user.email)
    params = query(url)
    assert url.startswith(f"{sandbox.url}/oauth/authorize?")
    assert params["client_id"] == sandbox.oauth_client[0]
    assert params["response_type"] == "code" and params["audience"] == f"{sandbox.url}/v1/"
    assert params["redirect_uri"] == "http://testserver/integrations/lever/callback/"
    assert params["state"] == client.session[SESSION_KEY]["state"] and len(params["state"]) >= 32
    scopes = params["scope"].split()
    assert "offline_access" in scopes and set(scopes) == set(catalog_entry("lever").required_scopes)
    # The catalog asks for exactly the documented minimal set (LEVER_API.md §2.4).
    assert set(scopes) == set(DEFAULT_SCOPES)


def test_accept_connects_stores_tokens_encrypted_registers_webhooks_and_syncs(
    sandbox, owner, django_capture_on_commit_callbacks
):
    user, workspace = owner
    client = client_for(user)
    admin = lever_super_admin(sandbox)
    callback = consent(start_oauth(client, sandbox, admin_email=admin["email"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(callback)
    assert response.status_code == 302 and response["Location"] == "/integrations/?tab=mine"
    connection = Connection.objects.get(workspace=workspace)
    assert connection.status == ConnectionStatus.ACTIVE and connection.auth_type == AuthType.OAUTH
    assert connection.admin_email == admin["email"] and connection.connected_by == user
    assert "confidential:access:admin" in connection.scopes and connection.refresh_token.startswith("v1.")
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM integrations_connection WHERE id = %s", [connection.pk]
        )
        stored = cursor.fetchone()
    assert connection.access_token not in stored[0] and connection.refresh_token not in stored[1]
    assert LeverWebhook.objects.filter(connection=connection).exists()
    first = SyncRun.objects.get(connection=connection)
    assert (first.kind, first.status, first.trigger) == (SyncKind.FULL, "succeeded", "connect")
    # The write-back user defaults to the Lever user with the connecting admin's email.
    assert connection.writeback_user.email == admin["email"]
    assert token_calls(sandbox) == 1

    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Lever is connected" in messages_of(page) and "Active" in body
    assert connection.access_token not in body and connection.refresh_token not in body


def test_deny_ends_with_a_clear_message_and_no_token_call(sandbox, owner):
    user, workspace = owner
    client = client_for(user)
    callback = consent(start_oauth(client, sandbox, admin_email=user.email), decision="deny")
    assert query(callback)["error"] == "access_denied"
    response = client.get(callback, follow=True)
    assert "Deny was chosen" in messages_of(response)
    assert token_calls(sandbox) == 0
    assert not Connection.objects.filter(workspace=workspace).exists()


def test_a_wrong_state_is_refused_without_a_token_call(sandbox, owner):
    user, workspace = owner
    client = client_for(user)
    callback = consent(start_oauth(client, sandbox, admin_email=user.email))
    forged = callback.replace(f"state={query(callback)['state']}", "state=forged-by-someone-else")
    response = client.get(forged, follow=True)
    assert "does not match" in messages_of(response)
    assert token_calls(sandbox) == 0
    assert not Connection.objects.filter(workspace=workspace).exists()


def test_a_missing_state_and_a_replayed_callback_are_refused(
    sandbox, owner, django_capture_on_commit_callbacks
):
    user, _ = owner
    client = client_for(user)
    callback = consent(start_oauth(client, sandbox, admin_email=user.email))
    no_state = client.get(
        reverse("integrations:lever-callback"), {"code": query(callback)["code"]}, follow=True
    )
    assert "does not match" in messages_of(no_state) or "not started here" in messages_of(no_state)
    assert token_calls(sandbox) == 0

    callback = consent(start_oauth(client, sandbox, admin_email=user.email))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(callback)
    replay = client.get(callback, follow=True)  # the state is single use
    assert "already used" in messages_of(replay)
    assert token_calls(sandbox) == 1


def test_an_expired_state_is_refused_without_a_token_call(sandbox, owner):
    user, _ = owner
    client = client_for(user)
    callback = consent(start_oauth(client, sandbox, admin_email=user.email))
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "issued_at": session[SESSION_KEY]["issued_at"] - 3600}
    session.save()
    response = client.get(callback, follow=True)
    assert "expired" in messages_of(response)
    assert token_calls(sandbox) == 0


def test_an_expired_code_is_reported_and_nothing_is_connected(sandbox, owner, monkeypatch):
    user, workspace = owner
    client = client_for(user)
    monkeypatch.setattr(sandbox_oauth, "CODE_LIFETIME", -1.0)  # every code is born expired
    callback = consent(start_oauth(client, sandbox, admin_email=user.email))
    response = client.get(callback, follow=True)
    assert "Lever refused the sign-in" in messages_of(response)
    assert token_calls(sandbox) == 1  # the exchange was tried once, and refused
    assert not Connection.objects.filter(workspace=workspace, status=ConnectionStatus.ACTIVE).exists()


def test_the_callback_is_for_owners_and_admins_only(cast):
    response = client_for(cast.recruiter).get(
        reverse("integrations:lever-callback"), {"code": "x", "state": "y"}
    )
    assert response.status_code == 403
