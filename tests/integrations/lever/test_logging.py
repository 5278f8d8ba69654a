"""Log lines name method, path, status, duration and attempt, and never a secret or an email."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta

import pytest
import requests

from apps.integrations.lever.auth import ApiKeyAuth, InMemoryTokenSource, OAuthAuth
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.environments import PRODUCTION
from apps.integrations.lever.errors import LeverError
from apps.integrations.lever.oauth import TokenSet
from tests.integrations.lever.conftest import API, lever_fixture

API_KEY = "SECRET-api-key-9f8e7d"
EMAIL = "jane.doe@example.com"


def test_no_key_token_or_email_reaches_the_logs(rsps, sleeps, caplog):
    caplog.set_level(logging.DEBUG, logger="apps.integrations.lever")
    key_client = LeverClient(PRODUCTION, ApiKeyAuth(API_KEY), sleep=sleeps)
    rsps.get(f"{API}/users", status=503)
    rsps.get(f"{API}/users", json=lever_fixture("users_page1"))
    rsps.get(f"{API}/opportunities", status=403, json=lever_fixture("error_forbidden"))
    rsps.post(f"{API}/opportunities/o1/notes", body=requests.ReadTimeout(f"timeout {EMAIL}"))
    assert key_client.find_user_by_email(EMAIL)["email"] == EMAIL
    with pytest.raises(LeverError):
        list(key_client.iter_opportunities(email=EMAIL))
    with pytest.raises(LeverError) as network:
        key_client.create_note("o1", f"Talked to {EMAIL}")

    tokens = TokenSet("SECRET-access-old", "SECRET-refresh-old", datetime.now(UTC) + timedelta(hours=1))
    source = InMemoryTokenSource(PRODUCTION, "cid", "SECRET-client-secret", tokens)
    oauth_client = LeverClient(PRODUCTION, OAuthAuth(source), sleep=sleeps)
    rsps.get(f"{API}/stages", status=401, json=lever_fixture("error_unauthorized"))
    rsps.post(
        PRODUCTION.token_url,
        json={"access_token": "SECRET-access-new", "refresh_token": "SECRET-refresh-new", "expires_in": 3600},
    )
    rsps.get(f"{API}/stages", json=lever_fixture("stages"))
    list(oauth_client.iter_stages())

    logged = caplog.text
    assert "lever GET /users -> 503" in logged
    assert "lever GET /users -> 200" in logged and "(attempt 2)" in logged
    assert "lever GET /opportunities -> 403" in logged
    assert "lever oauth refresh_token -> 200" in logged
    basic = base64.b64encode(f"{API_KEY}:".encode()).decode()
    for secret in (API_KEY, basic, "SECRET", EMAIL, "jane.doe", "Authorization", "Bearer", "?"):
        assert secret not in logged, secret
    # Error messages can end up on screen: they carry no query string either.
    assert EMAIL not in str(network.value)
