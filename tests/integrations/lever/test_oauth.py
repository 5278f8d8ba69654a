"""Environments and the OAuth flow: authorize URL (checklist §13 items 1–2), code exchange, refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from apps.integrations.lever import oauth
from apps.integrations.lever.environments import PRODUCTION, SANDBOX, LeverEnvironment, environment_for
from apps.integrations.lever.errors import (
    LeverConnectionError,
    LeverRateLimited,
    LeverReauthRequired,
    LeverServerError,
)
from tests.integrations.lever.conftest import lever_fixture

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def authorize_params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


# -- environments ------------------------------------------------------------------------------------


def test_production_and_sandbox_use_their_own_hosts_and_audiences():
    assert PRODUCTION.api_base == "https://api.lever.co/v1"
    assert PRODUCTION.token_url == "https://auth.lever.co/oauth/token"
    assert PRODUCTION.audience == "https://api.lever.co/v1/"
    assert SANDBOX.api_base == "https://api.sandbox.lever.co/v1"
    assert SANDBOX.authorize_url == "https://sandbox-lever.auth0.com/authorize"
    assert SANDBOX.token_url == "https://sandbox-lever.auth0.com/oauth/token"
    assert SANDBOX.audience == "https://api.sandbox.lever.co/v1/"
    assert SANDBOX.web_app_url == "https://hire.sandbox.lever.co"


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:8765", "http://127.0.0.1:8765/", "http://127.0.0.1:8765/v1"]
)
def test_custom_environment_serves_api_and_oauth_under_the_base_url(base):
    env = LeverEnvironment.custom(base)
    assert env == LeverEnvironment(
        api_base="http://127.0.0.1:8765/v1",
        authorize_url="http://127.0.0.1:8765/oauth/authorize",
        token_url="http://127.0.0.1:8765/oauth/token",
        audience="http://127.0.0.1:8765/v1/",
        web_app_url="http://127.0.0.1:8765",
    )


def test_environment_for_maps_connection_environment_names():
    assert environment_for("production") is PRODUCTION
    assert environment_for("sandbox", "ignored") is SANDBOX
    assert environment_for("custom", "http://localhost:9000").api_base == "http://localhost:9000/v1"
    with pytest.raises(ValueError):
        environment_for("custom", "")
    with pytest.raises(ValueError):
        environment_for("staging")


# -- authorize URL -----------------------------------------------------------------------------------


def test_production_authorize_url_carries_every_required_parameter():
    url = oauth.authorize_url(
        PRODUCTION, client_id="cid-123", redirect_uri="https://rd.example.com/cb", state="st-xyz"
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://auth.lever.co/authorize"
    params = authorize_params(url)
    assert params["client_id"] == ["cid-123"]
    assert params["redirect_uri"] == ["https://rd.example.com/cb"]
    assert params["response_type"] == ["code"]
    assert params["state"] == ["st-xyz"]
    assert params["audience"] == ["https://api.lever.co/v1/"]
    assert params["prompt"] == ["consent"]
    scopes = params["scope"][0].split(" ")
    assert scopes == list(oauth.DEFAULT_SCOPES)
    assert "offline_access" in scopes and "confidential:access:admin" in scopes
    # Space-separated, encoded as %20 on the wire.
    assert "scope=offline_access%20opportunities%3Awrite%3Aadmin" in parts.query


def test_sandbox_authorize_url_goes_to_the_auth0_tenant_with_the_sandbox_audience():
    url = oauth.authorize_url(SANDBOX, client_id="c", redirect_uri="https://rd.example.com/cb", state="s")
    assert url.startswith("https://sandbox-lever.auth0.com/authorize?")
    assert authorize_params(url)["audience"] == ["https://api.sandbox.lever.co/v1/"]


def test_authorize_url_always_asks_for_offline_access():
    url = oauth.authorize_url(
        PRODUCTION, client_id="c", redirect_uri="https://x/cb", state="s", scopes=["stages:read:admin"]
    )
    assert authorize_params(url)["scope"] == ["offline_access stages:read:admin"]


def test_default_scopes_are_the_minimal_set_of_the_reference():
    assert len(oauth.DEFAULT_SCOPES) == 22
    assert all(s == "offline_access" or s.endswith(":admin") for s in oauth.DEFAULT_SCOPES)
    assert "contact:read:admin" in oauth.DEFAULT_SCOPES  # singular, not contacts


# -- token endpoint ----------------------------------------------------------------------------------


def test_exchange_code_posts_the_form_to_the_environments_token_url(rsps):
    rsps.post(
        SANDBOX.token_url,
        json=lever_fixture("token_exchange"),
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "client_id": "cid",
                    "client_secret": "csecret",
                    "code": "the-code",
                    "redirect_uri": "https://rd.example.com/cb",
                }
            )
        ],
    )
    tokens = oauth.exchange_code(
        SANDBOX,
        client_id="cid",
        client_secret="csecret",
        code="the-code",
        redirect_uri="https://rd.example.com/cb",
        clock=clock,
    )
    assert tokens.access_token == "eyJ-access-token-from-code"
    assert tokens.refresh_token == "v1.refresh-token-one"
    assert tokens.expires_at == NOW + timedelta(seconds=3600)
    assert tokens.scope == "offline_access opportunities:read:admin"
    assert "token" not in repr(tokens).replace("TokenSet", "")


def test_refresh_returns_the_rotated_refresh_token(rsps):
    rsps.post(
        PRODUCTION.token_url,
        json=lever_fixture("token_refresh"),
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "client_id": "cid",
                    "client_secret": "csecret",
                    "refresh_token": "v1.old",
                }
            )
        ],
    )
    tokens = oauth.refresh_tokens(
        PRODUCTION, client_id="cid", client_secret="csecret", refresh_token="v1.old", clock=clock
    )
    assert tokens.refresh_token == "v1.refresh-token-rotated"
    assert tokens.access_token == "eyJ-access-token-rotated"


def test_invalid_grant_requires_reauthorisation_and_is_called_once(rsps):
    rsps.post(PRODUCTION.token_url, status=403, json=lever_fixture("token_invalid_grant"))
    with pytest.raises(LeverReauthRequired) as excinfo:
        oauth.refresh_tokens(PRODUCTION, client_id="c", client_secret="s", refresh_token="v1.dead")
    assert excinfo.value.permanent and not excinfo.value.retryable
    assert excinfo.value.code == "invalid_grant"
    assert excinfo.value.message == "Unknown or invalid refresh token."
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("status", [400, 401])
def test_any_client_error_from_the_token_endpoint_requires_reauthorisation(rsps, status):
    rsps.post(PRODUCTION.token_url, status=status, body="<html>nope</html>")
    with pytest.raises(LeverReauthRequired):
        oauth.refresh_tokens(PRODUCTION, client_id="c", client_secret="s", refresh_token="v1.x")


def test_token_endpoint_failures_that_may_pass_are_retryable(rsps):
    rsps.post(PRODUCTION.token_url, status=503, body="down")
    rsps.post(PRODUCTION.token_url, status=429, headers={"Retry-After": "3"})
    rsps.post(PRODUCTION.token_url, body=requests.ConnectTimeout("slow"))
    kwargs = {"client_id": "c", "client_secret": "s", "refresh_token": "v1.x"}
    with pytest.raises(LeverServerError) as server:
        oauth.refresh_tokens(PRODUCTION, **kwargs)
    with pytest.raises(LeverRateLimited) as limited:
        oauth.refresh_tokens(PRODUCTION, **kwargs)
    with pytest.raises(LeverConnectionError) as network:
        oauth.refresh_tokens(PRODUCTION, **kwargs)
    assert server.value.retryable and limited.value.retryable and network.value.retryable
    assert limited.value.retry_after == 3.0


def test_refresh_without_a_refresh_token_never_calls_lever():
    with responses.RequestsMock() as rsps:
        with pytest.raises(LeverReauthRequired):
            oauth.refresh_tokens(PRODUCTION, client_id="c", client_secret="s", refresh_token="")
        assert len(rsps.calls) == 0
