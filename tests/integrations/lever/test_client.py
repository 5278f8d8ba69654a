"""LeverClient's HTTP behaviour: retries, backoff, Retry-After, idempotency, 401 refresh, errors."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from apps.integrations.lever.auth import ApiKeyAuth, InMemoryTokenSource, OAuthAuth
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.environments import PRODUCTION
from apps.integrations.lever.errors import (
    LeverAuthError,
    LeverConnectionError,
    LeverError,
    LeverNotFound,
    LeverPermissionError,
    LeverRateLimited,
    LeverServerError,
    LeverValidationError,
)
from apps.integrations.lever.events import RateLimitWaitEvent, RequestEvent, RetryEvent
from apps.integrations.lever.oauth import TokenSet
from tests.integrations.lever.conftest import API, lever_fixture

OPPORTUNITY = "2087af84-f146-4535-9368-2309e33e049f"
STAGES = f"{API}/stages"
NOTES = f"{API}/opportunities/{OPPORTUNITY}/notes"


class UpperBound(random.Random):
    """Makes full jitter deterministic: always the top of the window."""

    def uniform(self, a: float, b: float) -> float:
        return b


def refused() -> requests.ConnectionError:
    return requests.ConnectionError(MaxRetryError(None, STAGES, NewConnectionError(None, "refused")))


# -- retries -----------------------------------------------------------------------------------------


def test_429_with_retry_after_waits_exactly_that_long(client, rsps, sleeps, events):
    rsps.get(STAGES, status=429, headers={"Retry-After": "7"})
    rsps.get(STAGES, json=lever_fixture("stages"))
    assert [s["id"] for s in client.iter_stages()][0] == "lead-new"
    assert sleeps == [7.0]
    assert [e for e in events if isinstance(e, RetryEvent)] == [
        RetryEvent(method="GET", path="/stages", reason="HTTP 429", delay=7.0, attempt=1)
    ]


def test_retry_after_is_capped(client, rsps, sleeps):
    rsps.get(STAGES, status=429, headers={"Retry-After": "3600"})
    rsps.get(STAGES, json=lever_fixture("stages"))
    list(client.iter_stages())
    assert sleeps == [120.0]


def test_429_without_retry_after_backs_off_exponentially_with_jitter(client, rsps, sleeps):
    for _ in range(4):
        rsps.get(STAGES, status=429)
    rsps.get(STAGES, json=lever_fixture("stages"))
    list(client.iter_stages())
    assert len(sleeps) == 4
    for retry, delay in enumerate(sleeps):
        assert 0 <= delay <= 2**retry
    assert len(set(sleeps)) > 1  # jittered, not a fixed schedule


def test_backoff_doubles_up_to_the_cap(rsps, sleeps):
    client = LeverClient(
        PRODUCTION,
        client_auth(),
        sleep=sleeps,
        rng=UpperBound(),
        max_attempts=6,
        backoff_base=1.0,
        backoff_cap=5.0,
    )
    for _ in range(5):
        rsps.get(STAGES, status=503)
    rsps.get(STAGES, json=lever_fixture("stages"))
    list(client.iter_stages())
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_server_errors_are_retried_until_success(client, rsps, sleeps):
    rsps.get(STAGES, status=502, body="Bad gateway")
    rsps.get(STAGES, status=503, json={"code": "ServiceUnavailable", "message": "maintenance"})
    rsps.get(STAGES, json=lever_fixture("stages"))
    assert len(list(client.iter_stages())) == 2
    assert len(rsps.calls) == 3 and len(sleeps) == 2


def test_exhausted_retries_raise_the_typed_retryable_error(client, rsps, sleeps):
    for _ in range(5):
        rsps.get(STAGES, status=503, json={"code": "ServiceUnavailable", "message": "maintenance"})
    with pytest.raises(LeverServerError) as excinfo:
        list(client.iter_stages())
    assert excinfo.value.retryable and excinfo.value.status == 503
    assert excinfo.value.message == "maintenance"
    assert len(rsps.calls) == 5 and len(sleeps) == 4


def test_exhausted_rate_limit_retries_carry_retry_after(client, rsps):
    for _ in range(5):
        rsps.get(STAGES, status=429, headers={"Retry-After": "2"})
    with pytest.raises(LeverRateLimited) as excinfo:
        list(client.iter_stages())
    assert excinfo.value.retry_after == 2.0 and excinfo.value.retryable


def test_read_timeouts_become_connection_errors_after_the_last_attempt(client, rsps, sleeps):
    for _ in range(5):
        rsps.get(STAGES, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(LeverConnectionError) as excinfo:
        list(client.iter_stages())
    assert excinfo.value.retryable and excinfo.value.status is None
    assert len(rsps.calls) == 5


def test_a_connect_timeout_is_retried(client, rsps):
    rsps.get(STAGES, body=requests.ConnectTimeout("connect timed out"))
    rsps.get(STAGES, json=lever_fixture("stages"))
    assert len(list(client.iter_stages())) == 2


def test_client_errors_are_not_retried(client, rsps, sleeps):
    rsps.get(STAGES, status=400, json=lever_fixture("error_bad_request"))
    with pytest.raises(LeverValidationError) as excinfo:
        list(client.iter_stages())
    assert excinfo.value.permanent
    assert excinfo.value.message.startswith("Invalid uploaded_at_start")
    assert sleeps == []


# -- idempotency -------------------------------------------------------------------------------------


def test_a_create_is_not_retried_on_503(client, rsps, sleeps):
    rsps.post(NOTES, status=503)
    with pytest.raises(LeverServerError):
        client.create_note(OPPORTUNITY, "Strong fit")
    assert len(rsps.calls) == 1 and sleeps == []


def test_a_create_is_retried_on_429(client, rsps):
    rsps.post(NOTES, status=429, headers={"Retry-After": "1"})
    rsps.post(NOTES, json=lever_fixture("note_create_real"))
    assert client.create_note(OPPORTUNITY, "Strong fit") == "26b6397a-c2a3-4e90-85e2-5a4f9b8f11c3"
    assert len(rsps.calls) == 2


def test_a_create_is_not_retried_after_a_read_timeout(client, rsps):
    rsps.post(NOTES, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(LeverConnectionError):
        client.create_note(OPPORTUNITY, "Strong fit")
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("failure", [requests.ConnectTimeout("slow"), refused()], ids=["timeout", "refused"])
def test_a_create_is_retried_when_the_connection_never_opened(client, rsps, failure):
    rsps.post(NOTES, body=failure)
    rsps.post(NOTES, json=lever_fixture("note_create_real"))
    assert client.create_note(OPPORTUNITY, "Strong fit")
    assert len(rsps.calls) == 2


def test_a_stage_change_is_idempotent_and_retried_on_503(client, rsps):
    url = f"{API}/opportunities/{OPPORTUNITY}/stage"
    rsps.put(url, status=503)
    rsps.put(url, json=lever_fixture("stage_change"))
    assert client.change_stage(OPPORTUNITY, "fe763d80-e612-4787-98bc-686679c6ac9b")["id"] == OPPORTUNITY
    assert len(rsps.calls) == 2


# -- authentication ----------------------------------------------------------------------------------


def client_auth():
    return ApiKeyAuth("k")


def oauth_client(sleeps, rotated, *, access="access-old"):
    tokens = TokenSet(
        access_token=access,
        refresh_token="refresh-old",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    source = InMemoryTokenSource(PRODUCTION, "cid", "secret", tokens, rotated.append)
    return LeverClient(PRODUCTION, OAuthAuth(source), sleep=sleeps)


def test_a_401_refreshes_once_and_the_retry_succeeds(rsps, sleeps):
    rotated = []
    client = oauth_client(sleeps, rotated)
    rsps.get(STAGES, status=401, json=lever_fixture("error_unauthorized"))
    rsps.post(PRODUCTION.token_url, json=lever_fixture("token_refresh"))
    rsps.get(STAGES, json=lever_fixture("stages"))
    assert len(list(client.iter_stages())) == 2
    api_calls = [c for c in rsps.calls if c.request.url.startswith(API)]
    assert api_calls[0].request.headers["Authorization"] == "Bearer access-old"
    assert api_calls[1].request.headers["Authorization"] == "Bearer eyJ-access-token-rotated"
    assert [t.refresh_token for t in rotated] == ["v1.refresh-token-rotated"]
    assert sleeps == []


def test_a_second_401_is_final(rsps, sleeps):
    client = oauth_client(sleeps, [])
    rsps.get(STAGES, status=401, json=lever_fixture("error_unauthorized"))
    rsps.post(PRODUCTION.token_url, json=lever_fixture("token_refresh"))
    rsps.get(STAGES, status=401, json=lever_fixture("error_unauthorized"))
    with pytest.raises(LeverAuthError) as excinfo:
        list(client.iter_stages())
    assert excinfo.value.status == 401 and excinfo.value.permanent
    assert len(rsps.calls) == 3  # two API calls, one refresh


def test_a_401_with_an_api_key_is_final_at_once(client, rsps):
    rsps.get(STAGES, status=401, json=lever_fixture("error_unauthorized"))
    with pytest.raises(LeverAuthError):
        list(client.iter_stages())
    assert len(rsps.calls) == 1


# -- errors and bodies -------------------------------------------------------------------------------


def test_403_keeps_levers_message(client, rsps):
    rsps.get(f"{API}/opportunities", status=403, json=lever_fixture("error_forbidden"))
    with pytest.raises(LeverPermissionError) as excinfo:
        list(client.iter_opportunities())
    assert excinfo.value.message == lever_fixture("error_forbidden")["message"]
    assert excinfo.value.code == "Forbidden" and excinfo.value.permanent


def test_404_is_not_found_whatever_the_code_says(client, rsps):
    rsps.get(f"{API}/users/u1", status=404, json={"code": "NotFoundError", "message": "gone"})
    with pytest.raises(LeverNotFound):
        client.get_user("u1")


def test_a_non_json_error_body_still_gives_a_typed_error(client, rsps):
    rsps.get(f"{API}/users/u1", status=418, body="<html>teapot</html>", content_type="text/html")
    with pytest.raises(LeverValidationError) as excinfo:
        client.get_user("u1")
    assert excinfo.value.message == "GET /users/u1 answered HTTP 418 I'm a Teapot"
    assert excinfo.value.code is None


def test_204_returns_none_without_parsing(client, rsps):
    rsps.delete(f"{API}/webhooks/w1", status=204)
    assert client.delete_webhook("w1") is None


def test_a_non_json_success_body_is_an_error(client, rsps):
    rsps.get(f"{API}/users/u1", body="<html>proxy login</html>", content_type="text/html")
    with pytest.raises(LeverError, match="not JSON"):
        client.get_user("u1")


def test_redirects_keep_auth_on_the_same_host_only(client, rsps):
    rsps.get(STAGES, status=301, headers={"Location": f"{API}/stages-moved"})
    rsps.get(f"{API}/stages-moved", json=lever_fixture("stages"))
    download = f"{API}/opportunities/o1/files/f1/download"
    rsps.get(download, status=302, headers={"Location": "https://files.example.net/f1.pdf"})
    rsps.get("https://files.example.net/f1.pdf", body=b"%PDF-1.4", content_type="application/pdf")
    assert len(list(client.iter_stages())) == 2
    assert client.download_file("o1", "f1") == b"%PDF-1.4"
    assert "Authorization" in rsps.calls[1].request.headers
    assert "Authorization" not in rsps.calls[3].request.headers


# -- limiter, events, counters -----------------------------------------------------------------------


class CountingLimiter:
    def __init__(self, waits):
        self.waits = list(waits)
        self.calls = 0

    def acquire(self) -> float:
        self.calls += 1
        return self.waits.pop(0) if self.waits else 0.0


def test_the_limiter_is_asked_before_every_attempt(rsps, sleeps):
    limiter = CountingLimiter([0.25, 0.0, 0.5])
    events = []
    client = LeverClient(PRODUCTION, client_auth(), limiter=limiter, sleep=sleeps, on_event=events.append)
    rsps.get(STAGES, status=500)
    rsps.get(STAGES, status=500)
    rsps.get(STAGES, json=lever_fixture("stages"))
    list(client.iter_stages())
    assert limiter.calls == 3
    assert client.requests_made == 3
    assert client.rate_limit_waits == 2 and client.rate_limit_wait_seconds == 0.75
    assert [e.seconds for e in events if isinstance(e, RateLimitWaitEvent)] == [0.25, 0.5]
    requests_seen = [e for e in events if isinstance(e, RequestEvent)]
    assert [(e.method, e.path, e.status, e.attempt) for e in requests_seen] == [
        ("GET", "/stages", 500, 1),
        ("GET", "/stages", 500, 2),
        ("GET", "/stages", 200, 3),
    ]
    assert all(e.duration >= 0 for e in requests_seen)


def test_every_request_has_a_timeout(rsps):
    seen = []

    class RecordingSession(requests.Session):
        def request(self, *args, **kwargs):
            seen.append(kwargs.get("timeout"))
            return super().request(*args, **kwargs)

    client = LeverClient(PRODUCTION, client_auth(), session=RecordingSession(), timeout=(3, 9))
    rsps.get(STAGES, json=lever_fixture("stages"))
    list(client.iter_stages())
    assert seen == [(3, 9)]


def test_the_session_does_no_retries_of_its_own(client):
    adapter = client.session.get_adapter(API)
    assert adapter.max_retries.total == 0
