"""Webhook registration and signed deliveries to a real local receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.lever_sandbox.server import SandboxServer
from apps.lever_sandbox.webhooks import sign
from tests.lever_sandbox.conftest import session_for, wait_for


class Receiver:
    """A tiny HTTP server that records POSTed JSON and answers the statuses it is told to."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"body": json.loads(body), "headers": dict(self.headers)})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/lever"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    instance = Receiver()
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=9, opportunities=150, rate_limit=False, webhook_backoff=0.02) as server:
        yield server


def test_signature_matches_the_lever_api_md_test_vector():
    key = "73311aed32110cc40e00c672c2e03e1a42fa28a4fabde089"
    token = "be58f711f349c7780e4579cd7c63341ac6f881e4dccc3154"
    expected = "c3f3a10173019b66802eb72685e954b840a7b256ff7c332fe5ae3307a27d44d5"
    assert sign(key, token, 1431454330072) == expected


def _register(api, sandbox, url, event, origins=None):
    body = {"url": url, "event": event}
    if origins is not None:
        body["configuration"] = {"conditions": {"origins": origins}}
    response = api.post(f"{sandbox.api_url}/webhooks", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_stage_change_is_delivered_with_a_verifiable_signature(sandbox, receiver):
    with session_for(sandbox) as api:
        hook = _register(api, sandbox, receiver.url, "candidateStageChange")
        signing_key = hook["configuration"]["signatureToken"]
        listed = api.get(f"{sandbox.api_url}/webhooks").json()["data"]
        assert hook["id"] in {h["id"] for h in listed}
        assert all("signatureToken" not in h["configuration"] for h in listed)
        opp = api.get(f"{sandbox.api_url}/opportunities", params={"archived": "false", "limit": 1}).json()[
            "data"
        ][0]
        api.put(f"{sandbox.api_url}/opportunities/{opp['id']}/stage", json={"stage": "offer"})
        assert wait_for(lambda: receiver.received)
        delivery = receiver.received[0]
        body = delivery["body"]
        assert delivery["headers"]["User-Agent"] == "Lever-Webhooks"
        assert set(body) == {"id", "event", "triggeredAt", "token", "signature", "data"}
        assert body["event"] == "candidateStageChange" and isinstance(body["triggeredAt"], int)
        message = (body["token"] + str(body["triggeredAt"])).encode()
        expected = hmac.new(signing_key.encode(), message, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(expected, body["signature"])
        assert body["data"] == {
            "opportunityId": opp["id"],
            "candidateId": opp["id"],
            "contactId": opp["contact"],
            "fromStageId": opp["stage"],
            "toStageId": "offer",
        }
        assert api.delete(f"{sandbox.api_url}/webhooks/{hook['id']}").status_code == 204
        assert api.delete(f"{sandbox.api_url}/webhooks/{hook['id']}").status_code == 404


def test_origin_conditions_filter_deliveries(sandbox, receiver):
    with session_for(sandbox) as api:
        hook = _register(api, sandbox, receiver.url, "candidateArchiveChange", origins=["university"])
        opps = api.get(f"{sandbox.api_url}/opportunities", params={"archived": "false"}).json()["data"]
        outside = next(o for o in opps if o["origin"] != "university")
        inside = next(o for o in opps if o["origin"] == "university")
        reason = api.get(f"{sandbox.api_url}/archive_reasons").json()["data"][-2]["id"]
        sandbox.simulate_archive(outside["id"], reason)
        sandbox.simulate_archive(inside["id"], reason)
        assert wait_for(lambda: receiver.received)
        mine = [d for d in sandbox.deliveries() if d["webhook"] == hook["id"]]
        assert [d["payload"]["data"]["opportunityId"] for d in mine] == [inside["id"]]
        data = receiver.received[0]["body"]["data"]
        assert data["fromArchived"] is None and data["toArchived"]["reason"] == reason
        api.delete(f"{sandbox.api_url}/webhooks/{hook['id']}")


def test_failed_deliveries_are_retried_until_they_succeed(sandbox, receiver):
    receiver.statuses = [500, 302]
    with session_for(sandbox) as api:
        hook = _register(api, sandbox, receiver.url, "applicationCreated")
    created = sandbox.simulate_new_application()

    def delivered():
        return [d for d in sandbox.deliveries() if d["webhook"] == hook["id"] and d["state"] == "delivered"]

    done = wait_for(delivered)
    assert done and [a["status"] for a in done[0]["attempts"]] == [500, 302, 200]
    assert len(receiver.received) == 3
    assert {r["body"]["id"] for r in receiver.received} == {done[0]["id"]}
    assert receiver.received[-1]["body"]["data"]["opportunityId"] == created["id"]
    with session_for(sandbox) as api:
        api.delete(f"{sandbox.api_url}/webhooks/{hook['id']}")


def test_interview_and_delete_events_carry_ids(sandbox, receiver):
    with session_for(sandbox) as api:
        hooks = [_register(api, sandbox, receiver.url, e) for e in ("interviewCreated", "candidateDeleted")]
        opp = api.get(f"{sandbox.api_url}/opportunities", params={"limit": 1}).json()["data"][0]
        interview = sandbox.simulate_interview(opp["id"], "created")
        interviews = api.get(f"{sandbox.api_url}/opportunities/{opp['id']}/interviews").json()["data"]
        assert interview["id"] in {i["id"] for i in interviews}
        sandbox.simulate_delete(opp["id"])
    assert wait_for(lambda: len(receiver.received) >= 2)
    events = {r["body"]["event"]: r["body"]["data"] for r in receiver.received}
    assert events["interviewCreated"]["interviewId"] == interview["id"]
    assert events["interviewCreated"]["opportunityId"] == opp["id"]
    assert events["candidateDeleted"]["opportunityId"] == opp["id"]
    with session_for(sandbox) as api:
        for hook in hooks:
            api.delete(f"{sandbox.api_url}/webhooks/{hook['id']}")


def test_webhook_registration_is_validated(sandbox):
    with session_for(sandbox) as api:
        assert (
            api.post(
                f"{sandbox.api_url}/webhooks", json={"url": "ftp://x", "event": "candidateHired"}
            ).status_code
            == 400
        )
        bad_event = api.post(
            f"{sandbox.api_url}/webhooks", json={"url": "https://x.example", "event": "postingCreated"}
        )
        assert bad_event.status_code == 400
