"""Rate limiting, fault injection, request counters and the HTTP control endpoints."""

from __future__ import annotations

import pytest
import requests

from apps.lever_sandbox.faults import max_in_window
from apps.lever_sandbox.server import SandboxServer
from tests.lever_sandbox.conftest import session_for


@pytest.fixture
def server():
    with SandboxServer(seed=3, opportunities=30) as sandbox:
        yield sandbox


def test_rate_limit_answers_429_after_the_burst_and_can_be_switched_off(server):
    with session_for(server) as api:
        statuses = [api.get(f"{server.api_url}/stages") for _ in range(40)]
        limited = [r for r in statuses if r.status_code == 429]
        assert limited and statuses[0].status_code == 200
        assert sum(r.status_code == 200 for r in statuses) >= 20
        assert all("Retry-After" not in r.headers for r in limited)
        assert limited[0].json()["code"] == "TooManyRequests"
        server.set_rate_limit(False)
        assert all(api.get(f"{server.api_url}/stages").status_code == 200 for _ in range(40))


def test_rate_limit_buckets_are_per_credential(server):
    server.add_api_key("second-key")
    with session_for(server) as first, session_for(server, "second-key") as second:
        for _ in range(30):
            first.get(f"{server.api_url}/stages")
        assert second.get(f"{server.api_url}/stages").status_code == 200


def test_error_rate_one_answers_5xx(server):
    server.set_faults(error_rate=1.0)
    with session_for(server) as api:
        responses = [api.get(f"{server.api_url}/stages") for _ in range(5)]
    assert {r.status_code for r in responses} <= {500, 503}
    assert responses[0].json()["code"] in ("InternalServerError", "ServiceUnavailable")


def test_drop_rate_one_closes_the_connection_without_a_response(server):
    server.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.api_url}/stages", auth=(server.api_key, ""), timeout=5)
    server.set_faults()
    assert requests.get(f"{server.api_url}/stages", auth=(server.api_key, ""), timeout=5).status_code == 200


def test_truncate_rate_one_returns_invalid_json(server):
    server.set_faults(truncate_rate=1.0)
    response = requests.get(f"{server.api_url}/stages", auth=(server.api_key, ""), timeout=5)
    assert response.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_request_counters_per_endpoint_pattern(server):
    server.set_rate_limit(False)
    server.reset_counts()
    with session_for(server) as api:
        opp = api.get(f"{server.api_url}/opportunities").json()["data"][0]
        for _ in range(3):
            api.get(f"{server.api_url}/opportunities/{opp['id']}/notes")
        api.get(f"{server.url}/_sandbox/stats")
        requests.post(f"{server.url}/oauth/token", data={}, timeout=5)
    counts = server.request_counts()
    assert counts["endpoints"] == {"GET /v1/opportunities": 1, "GET /v1/opportunities/:id/notes": 3}
    assert counts["total"] == 4 and counts["statuses"] == {"200": 4}
    assert counts["other"] == {"GET /_sandbox/stats": 1, "POST /oauth/token": 1}
    assert len(counts["timestamps"]) == 4 and 1 <= counts["max_per_second"] <= 4
    server.reset_counts()
    assert server.request_counts()["total"] == 0


def test_max_in_window_counts_the_busiest_second():
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.2, 3.0], 1.0) == 4
    assert max_in_window([], 1.0) == 0


def test_http_control_endpoints_drive_the_same_switches(server):
    control = f"{server.url}/_sandbox"
    overview = requests.get(control, timeout=5).json()
    assert overview["apiKey"] == server.api_key and overview["oauth"]["clientId"] == server.oauth_client[0]
    config = requests.post(f"{control}/config", json={"rate_limit": False, "latency": 0.0}, timeout=5).json()
    assert config["rate_limit"] is False and server.rate_limit is False
    assert requests.post(f"{control}/config", json={"error_rate": 2}, timeout=5).status_code == 400
    assert requests.post(f"{control}/config", json={"bogus": 1}, timeout=5).status_code == 400
    assert requests.post(f"{control}/revoke", timeout=5).json()["oauth_revoked"] is True
    assert requests.post(f"{control}/restore", timeout=5).json()["oauth_revoked"] is False
    with session_for(server) as api:
        opp = api.get(f"{server.api_url}/opportunities").json()["data"][0]
    moved = requests.post(
        f"{control}/simulate/stage-change", json={"opportunityId": opp["id"], "stageId": "offer"}, timeout=5
    )
    assert moved.json()["data"]["stage"] == "offer"
    missing = requests.post(f"{control}/simulate/delete", json={"opportunityId": "nope"}, timeout=5)
    assert missing.status_code == 404
    stats = requests.get(f"{control}/stats", timeout=5).json()
    assert stats["endpoints"]["GET /v1/opportunities"] == 1 and "timestamps" not in stats
    assert requests.get(f"{control}/deliveries", timeout=5).json() == {"data": []}
    requests.post(f"{control}/stats/reset", timeout=5)
    assert requests.get(f"{control}/stats", timeout=5).json()["total"] == 0


def test_throttle_rate_one_answers_bursts_of_429_then_lets_requests_through(server):
    server.set_rate_limit(False)
    server.set_faults(throttle_rate=1.0, throttle_burst=3)
    with session_for(server) as api:
        statuses = [api.get(f"{server.api_url}/stages").status_code for _ in range(6)]
        assert statuses == [429] * 6  # every request starts a new burst at rate 1
        server.set_faults(throttle_rate=0.5, throttle_burst=4)
        statuses = [api.get(f"{server.api_url}/stages").status_code for _ in range(60)]
    assert 200 in statuses and 429 in statuses
    runs = "".join("x" if s == 429 else "." for s in statuses).split(".")[:-1]  # the last may be cut off
    assert all(len(run) % 4 == 0 for run in runs if run)  # 429s come in bursts of 4 (or back-to-back bursts)


def test_spike_rate_one_delays_each_request_by_the_spike(server):
    server.set_faults(spike_rate=1.0, spike_latency=0.3)
    with session_for(server) as api:
        response = api.get(f"{server.api_url}/stages")
    assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.3
    config = server.config()
    assert config["spike_rate"] == 1.0 and config["spike_latency"] == 0.3
    with pytest.raises(ValueError):
        server.set_faults(spike_latency=-1)
