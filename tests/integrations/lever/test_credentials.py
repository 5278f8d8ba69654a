"""Stored connections: the row-locked token source (checklist §13 items 5–6) and lever_client_for."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as db
from django.test import override_settings
from django.utils import timezone

from apps.integrations.lever.credentials import ConnectionTokenSource, lever_client_for
from apps.integrations.lever.environments import SANDBOX
from apps.integrations.lever.errors import LeverAuthError, LeverReauthRequired
from apps.integrations.models import AuthType, Connection, Environment, RateLimitBucket
from tests.integrations.factories import ConnectionFactory
from tests.integrations.lever.conftest import lever_fixture, query_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("lever_settings"),
]


@pytest.fixture
def lever_settings(settings):
    settings.LEVER_CLIENT_ID = "cid"
    settings.LEVER_CLIENT_SECRET = "csecret"


def oauth_connection(*, expires_in=timedelta(hours=1), **kwargs):
    defaults = {
        "auth_type": AuthType.OAUTH,
        "environment": Environment.SANDBOX,
        "api_key": "",
        "access_token": "access-old",
        "refresh_token": "refresh-old",
        "access_token_expires_at": timezone.now() + expires_in,
    }
    return ConnectionFactory(**{**defaults, **kwargs})


def stored_ciphertext(connection: Connection, column: str) -> str:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM integrations_connection WHERE id = %s", [connection.pk])
        return cursor.fetchone()[0]


def test_refresh_persists_the_rotated_tokens_encrypted(rsps):
    connection = oauth_connection()
    rsps.post(SANDBOX.token_url, json=lever_fixture("token_refresh"))
    before = timezone.now()
    assert ConnectionTokenSource(connection.pk).refresh("access-old") == "eyJ-access-token-rotated"
    connection.refresh_from_db()
    assert connection.refresh_token == "v1.refresh-token-rotated"
    assert connection.access_token == "eyJ-access-token-rotated"
    assert connection.access_token_expires_at >= before + timedelta(seconds=3600)
    assert connection.refresh_token_issued_at >= before
    assert connection.scopes == ["offline_access", "opportunities:write:admin"]
    ciphertext = stored_ciphertext(connection, "refresh_token")
    assert ciphertext and "v1.refresh-token-rotated" not in ciphertext
    assert "refresh_token=refresh-old" in rsps.calls[0].request.body


def test_a_token_another_worker_already_replaced_is_not_refreshed_again(rsps):
    connection = oauth_connection(access_token="access-new")
    assert ConnectionTokenSource(connection.pk).refresh("access-old") == "access-new"
    assert len(rsps.calls) == 0
    connection.refresh_from_db()
    assert connection.refresh_token == "refresh-old"


def test_invalid_grant_raises_once_and_leaves_the_row_alone(rsps):
    connection = oauth_connection()
    rsps.post(SANDBOX.token_url, status=403, json=lever_fixture("token_invalid_grant"))
    source = ConnectionTokenSource(connection.pk)
    with pytest.raises(LeverReauthRequired):
        source.refresh("access-old")
    assert len(rsps.calls) == 1
    connection.refresh_from_db()
    assert (connection.access_token, connection.refresh_token) == ("access-old", "refresh-old")


def test_access_token_refreshes_ahead_of_expiry(rsps):
    connection = oauth_connection(expires_in=timedelta(minutes=4))
    rsps.post(SANDBOX.token_url, json=lever_fixture("token_refresh"))
    assert ConnectionTokenSource(connection.pk).access_token() == "eyJ-access-token-rotated"
    connection.refresh_from_db()
    assert connection.refresh_token == "v1.refresh-token-rotated"


def test_a_fresh_token_is_served_from_memory(rsps, django_assert_num_queries):
    connection = oauth_connection()
    source = ConnectionTokenSource(connection.pk)
    assert source.access_token() == "access-old"
    with django_assert_num_queries(0):
        assert source.access_token() == "access-old"
    assert len(rsps.calls) == 0


def test_oauth_needs_the_client_credentials(settings):
    settings.LEVER_CLIENT_SECRET = ""
    with pytest.raises(ImproperlyConfigured):
        ConnectionTokenSource(oauth_connection().pk)


def test_client_for_an_api_key_connection_uses_basic_auth_and_the_shared_bucket(rsps):
    connection = ConnectionFactory(
        api_key="key-123", environment=Environment.CUSTOM, base_url="http://127.0.0.1:8765"
    )
    rsps.get("http://127.0.0.1:8765/v1/stages", json=lever_fixture("stages"))
    with override_settings(REDIS_URL=""):
        client = lever_client_for(connection, sleep=lambda seconds: None)
    assert len(list(client.iter_stages())) == 2
    assert rsps.calls[0].request.headers["Authorization"] == "Basic " + base64.b64encode(b"key-123:").decode()
    bucket = RateLimitBucket.objects.get(key=f"lever:connection:{connection.pk}")
    assert bucket.tokens == pytest.approx(19, abs=0.01)


def test_client_for_an_api_key_connection_without_a_key_fails_clearly():
    with pytest.raises(LeverAuthError, match="no Lever API key"):
        lever_client_for(ConnectionFactory(api_key=""))


def test_client_for_an_oauth_connection_refreshes_on_401_and_stores_the_rotation(rsps):
    connection = oauth_connection()
    rsps.get(f"{SANDBOX.api_base}/users/u1", status=401, json=lever_fixture("error_unauthorized"))
    rsps.post(SANDBOX.token_url, json=lever_fixture("token_refresh"))
    rsps.get(f"{SANDBOX.api_base}/users/u1", json={"data": {"id": "u1"}})
    with override_settings(REDIS_URL=""):
        client = lever_client_for(connection, sleep=lambda seconds: None)
    assert client.get_user("u1") == {"id": "u1"}
    assert rsps.calls[2].request.headers["Authorization"] == "Bearer eyJ-access-token-rotated"
    assert query_of(rsps.calls[2]) == ""
    connection.refresh_from_db()
    assert connection.refresh_token == "v1.refresh-token-rotated"


def test_a_token_that_lives_a_minute_is_not_refreshed_before_every_request(rsps):
    # Lever's tokens live an hour; an account may shorten that. The 5-minute margin would then refresh
    # on every request, rotating the refresh token each time: the margin shrinks to a quarter of the life.
    issued = timezone.now()
    connection = oauth_connection(expires_in=timedelta(seconds=60), refresh_token_issued_at=issued)
    clock = {"now": issued + timedelta(seconds=10)}
    source = ConnectionTokenSource(connection.pk, clock=lambda: clock["now"])
    assert source.access_token() == "access-old"
    clock["now"] = issued + timedelta(seconds=44)
    assert source.access_token() == "access-old"
    assert len(rsps.calls) == 0
    rsps.post(SANDBOX.token_url, json=lever_fixture("token_refresh"))
    clock["now"] = issued + timedelta(seconds=46)  # within 15 s of expiry: refreshed ahead of it
    assert source.access_token() == "eyJ-access-token-rotated"
    assert len(rsps.calls) == 1
