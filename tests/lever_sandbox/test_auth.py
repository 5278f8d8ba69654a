"""Strict API-key auth and the OAuth authorization-code flow with rotation, expiry and revocation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from apps.lever_sandbox.server import SandboxServer

REDIRECT = "https://app.example/integrations/lever/callback"


@pytest.fixture(scope="module")
def server():
    with SandboxServer(seed=5, opportunities=150, rate_limit=False) as sandbox:
        yield sandbox


def _authorize(server, decision="accept", state="xyz", scope="offline_access opportunities:read:admin"):
    client_id, _ = server.oauth_client
    params = {
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": state,
        "audience": f"{server.api_url}/",
        "scope": scope,
        "prompt": "consent",
    }
    page = requests.get(f"{server.url}/oauth/authorize", params=params, timeout=5)
    assert page.status_code == 200 and "Accept" in page.text and "Deny" in page.text
    answer = requests.post(
        f"{server.url}/oauth/authorize",
        data={**params, "decision": decision},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _token(server, **fields):
    client_id, secret = server.oauth_client
    return requests.post(
        f"{server.url}/oauth/token",
        data={"client_id": client_id, "client_secret": secret, **fields},
        timeout=5,
    )


def _exchange(server, code):
    return _token(server, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)


def _stages(server, token):
    return requests.get(f"{server.api_url}/stages", headers={"Authorization": f"Bearer {token}"}, timeout=5)


@pytest.mark.parametrize(
    ("auth", "headers"),
    [
        (("wrong-key", ""), {}),
        (("KEY", "not-empty"), {}),
        (None, {"Authorization": "Bearer KEY"}),
        (None, {}),
        (None, {"Authorization": "Basic !!!"}),
    ],
    ids=["wrong key", "non-empty password", "bearer api key", "no credentials", "malformed basic"],
)
def test_api_key_auth_is_strict_http_basic(server, auth, headers):
    if auth and auth[0] == "KEY":
        auth = (server.api_key, auth[1])
    headers = {k: v.replace("KEY", server.api_key) for k, v in headers.items()}
    response = requests.get(f"{server.api_url}/stages", auth=auth, headers=headers, timeout=5)
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message"}
    assert requests.get(f"{server.api_url}/stages", auth=(server.api_key, ""), timeout=5).status_code == 200


def test_authorization_code_exchange_refresh_rotation_and_single_use_code(server):
    answer = _authorize(server, state="s-123")
    assert answer["state"] == "s-123" and answer["code"]
    tokens = _exchange(server, answer["code"])
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "offline_access opportunities:read:admin" and body["refresh_token"]
    assert _stages(server, body["access_token"]).status_code == 200
    reused = _exchange(server, answer["code"])
    assert reused.status_code == 403 and reused.json()["error"] == "invalid_grant"

    refreshed = _token(server, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != body["refresh_token"] and new["access_token"] != body["access_token"]
    assert _stages(server, new["access_token"]).status_code == 200
    stale = _token(server, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert stale.status_code == 403 and stale.json()["error"] == "invalid_grant"
    json_refresh = requests.post(
        f"{server.url}/oauth/token",
        timeout=5,
        json={
            "grant_type": "refresh_token",
            "client_id": server.oauth_client[0],
            "client_secret": server.oauth_client[1],
            "refresh_token": new["refresh_token"],
        },
    )
    assert json_refresh.status_code == 200


def test_token_endpoint_checks_client_and_redirect_uri(server):
    code = _authorize(server)["code"]
    wrong_secret = requests.post(
        f"{server.url}/oauth/token",
        timeout=5,
        data={
            "grant_type": "authorization_code",
            "client_id": server.oauth_client[0],
            "client_secret": "nope",
            "code": code,
            "redirect_uri": REDIRECT,
        },
    )
    assert wrong_secret.status_code == 401
    mismatch = _token(server, grant_type="authorization_code", code=code, redirect_uri=REDIRECT + "/other")
    assert mismatch.status_code == 403 and mismatch.json()["error"] == "invalid_grant"


def test_deny_redirects_with_access_denied(server):
    answer = _authorize(server, decision="deny", state="s-9")
    assert answer["error"] == "access_denied" and answer["state"] == "s-9" and "error_description" in answer
    assert "code" not in answer


def test_access_tokens_expire_after_the_configured_lifetime(server):
    server.set_token_lifetime(0)
    try:
        expired = _exchange(server, _authorize(server)["code"]).json()
        assert expired["expires_in"] == 0
        assert _stages(server, expired["access_token"]).status_code == 401
    finally:
        server.set_token_lifetime(3600)


def test_confidential_access_follows_the_oauth_scope(server):
    narrow = _exchange(server, _authorize(server)["code"]).json()["access_token"]
    wide = _exchange(
        server, _authorize(server, scope="offline_access confidential:access:admin")["code"]
    ).json()
    url = f"{server.api_url}/opportunities"
    assert (
        requests.get(
            url, params={"confidentiality": "all"}, timeout=5, headers={"Authorization": f"Bearer {narrow}"}
        ).status_code
        == 403
    )
    assert (
        requests.get(
            url,
            params={"confidentiality": "all"},
            timeout=5,
            headers={"Authorization": f"Bearer {wide['access_token']}"},
        ).status_code
        == 200
    )


def test_revocation_fails_the_token_endpoint_and_oauth_api_calls():
    with SandboxServer(seed=6, opportunities=20, rate_limit=False) as server:
        tokens = _exchange(server, _authorize(server)["code"]).json()
        assert _stages(server, tokens["access_token"]).status_code == 200
        server.revoke_oauth()
        assert _stages(server, tokens["access_token"]).status_code == 401
        refused = _token(server, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        assert refused.status_code == 403
        assert refused.json()["error"] == "invalid_grant" and refused.json()["error_description"]
        assert (
            requests.get(f"{server.api_url}/stages", auth=(server.api_key, ""), timeout=5).status_code == 200
        )
        server.restore_oauth()
        assert (
            _token(server, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).status_code
            == 403
        )
        fresh = _exchange(server, _authorize(server)["code"])
        assert fresh.status_code == 200 and _stages(server, fresh.json()["access_token"]).status_code == 200
