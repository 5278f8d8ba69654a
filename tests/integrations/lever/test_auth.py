"""API-key Basic auth (checklist §13 item 1) and the in-memory OAuth token source."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta

import pytest

from apps.integrations.lever.auth import ApiKeyAuth, InMemoryTokenSource, OAuthAuth
from apps.integrations.lever.environments import PRODUCTION
from apps.integrations.lever.errors import LeverAuthError
from apps.integrations.lever.oauth import TokenSet
from tests.integrations.lever.conftest import API, API_KEY, lever_fixture

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def token_set(access: str = "access-old", *, expires_in: timedelta = timedelta(hours=1)) -> TokenSet:
    return TokenSet(access_token=access, refresh_token="refresh-old", expires_at=NOW + expires_in)


def test_basic_header_is_the_key_with_an_empty_password(client, rsps):
    rsps.get(f"{API}/stages", json=lever_fixture("stages"))
    list(client.iter_stages())
    header = rsps.calls[0].request.headers["Authorization"]
    assert header == "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
    assert base64.b64decode(header.removeprefix("Basic ")) == f"{API_KEY}:".encode()
    assert "Bearer" not in str(rsps.calls[0].request.headers)


def test_api_key_auth_keeps_the_key_out_of_its_repr_and_refuses_an_empty_key():
    assert API_KEY not in repr(ApiKeyAuth(API_KEY))
    with pytest.raises(LeverAuthError):
        ApiKeyAuth("")


def test_oauth_auth_sends_a_bearer_token():
    source = InMemoryTokenSource(PRODUCTION, "cid", "secret", token_set("tok-1"), clock=lambda: NOW)
    assert OAuthAuth(source).authorization() == "Bearer tok-1"


def test_token_source_refreshes_five_minutes_before_expiry(rsps):
    rsps.post(PRODUCTION.token_url, json=lever_fixture("token_refresh"))
    rotated = []
    source = InMemoryTokenSource(
        PRODUCTION, "cid", "secret", token_set(expires_in=timedelta(minutes=4)), rotated.append, lambda: NOW
    )
    assert source.access_token() == "eyJ-access-token-rotated"
    assert [t.refresh_token for t in rotated] == ["v1.refresh-token-rotated"]
    assert source.token_set.expires_at == NOW + timedelta(hours=1)


def test_token_source_keeps_a_token_with_more_than_five_minutes_left(rsps):
    source = InMemoryTokenSource(
        PRODUCTION, "cid", "secret", token_set(expires_in=timedelta(minutes=6)), clock=lambda: NOW
    )
    assert source.access_token() == "access-old"
    assert len(rsps.calls) == 0


def test_refresh_of_an_already_replaced_token_does_not_call_lever(rsps):
    source = InMemoryTokenSource(PRODUCTION, "cid", "secret", token_set("access-new"), clock=lambda: NOW)
    assert source.refresh("access-old") == "access-new"
    assert len(rsps.calls) == 0


def test_concurrent_refreshes_of_one_stale_token_call_lever_once(rsps):
    rsps.post(PRODUCTION.token_url, json=lever_fixture("token_refresh"))
    source = InMemoryTokenSource(PRODUCTION, "cid", "secret", token_set("access-old"), clock=lambda: NOW)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(source.refresh("access-old"))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["eyJ-access-token-rotated"] * 4
    assert len(rsps.calls) == 1
