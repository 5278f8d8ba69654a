"""POST /webhooks/lever/<token>/: every verdict, its status code, what is stored, what is queued."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.urls import reverse

from apps.integrations.lever.webhooks import signature
from apps.integrations.models import ConnectionStatus, WebhookEvent, WebhookStatus
from apps.integrations.webhooks import connection_add_signing_token
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

SIGNING_TOKEN = "signing-token-of-the-test-webhook-0123456789abcdef"


@pytest.fixture
def connection():
    connection = ConnectionFactory(status=ConnectionStatus.ACTIVE)
    connection_add_signing_token(connection=connection, token=SIGNING_TOKEN)
    return connection


def delivery(event="candidateStageChange", key=SIGNING_TOKEN, token=None, triggered_at=None, **changes):
    token = token or f"tok{time.monotonic_ns()}"
    triggered_at = triggered_at if triggered_at is not None else int(time.time() * 1000)
    body = {
        "event": event,
        "triggeredAt": triggered_at,
        "token": token,
        "signature": signature(key, token, triggered_at),
        "data": {"opportunityId": "opp-1", "toStageId": "stage-2"},
    }
    body.update(changes)
    return body


def post(client, connection, body, **extra):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    url = reverse("lever-webhook", args=[connection.webhook_token])
    return client.post(url, raw, content_type="application/json", **extra)


def only_event(connection):
    (event,) = WebhookEvent.objects.filter(connection=connection)
    return event


def test_a_signed_fresh_delivery_is_stored_and_queued(client, connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = post(client, connection, delivery())
    assert response.status_code == 200
    event = only_event(connection)
    assert (event.status, event.signature_valid, event.event) == (
        WebhookStatus.RECEIVED,
        True,
        "candidateStageChange",
    )
    assert event.triggered_at is not None
    assert len(queued) == 1  # processing happens in the worker, not in the request


def test_a_replayed_token_is_answered_200_and_not_processed_again(
    client, connection, django_capture_on_commit_callbacks
):
    body = delivery()
    post(client, connection, body)
    with django_capture_on_commit_callbacks() as queued:
        response = post(client, connection, body)
    assert response.status_code == 200 and response.json() == {"result": "duplicate"}
    assert WebhookEvent.objects.filter(connection=connection).count() == 1
    assert queued == []


def test_a_rerun_with_a_new_token_is_held_once(client, connection, django_capture_on_commit_callbacks):
    triggered_at = int(time.time() * 1000)
    post(client, connection, delivery(triggered_at=triggered_at))
    with django_capture_on_commit_callbacks() as queued:
        response = post(client, connection, delivery(triggered_at=triggered_at))  # same event, new token
    assert response.json() == {"result": "duplicate"}
    assert WebhookEvent.objects.filter(connection=connection).count() == 1 and queued == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda: delivery(key="a-forged-signing-token"), id="forged"),
        pytest.param(lambda: delivery(signature=""), id="unsigned"),
        pytest.param(lambda: {k: v for k, v in delivery().items() if k != "signature"}, id="no-signature"),
    ],
)
def test_bad_signatures_are_refused_and_stored_as_rejected(
    client, connection, body, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = post(client, connection, body())
    assert response.status_code == 403
    event = only_event(connection)
    assert (event.status, event.signature_valid) == (WebhookStatus.REJECTED, False)
    assert queued == []


def test_a_stale_delivery_is_refused(client, connection, settings):
    settings.LEVER_WEBHOOK_MAX_AGE = 60
    response = post(client, connection, delivery(triggered_at=int(time.time() * 1000) - 120_000))
    assert response.status_code == 403
    event = only_event(connection)
    assert event.status == WebhookStatus.REJECTED and "window" in event.error


def test_a_delivery_without_any_stored_signing_token_is_refused(client):
    connection = ConnectionFactory(status=ConnectionStatus.ACTIVE)
    response = post(client, connection, delivery())
    assert response.status_code == 403
    assert "No signing token" in only_event(connection).error


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_a_400(client, connection, raw):
    response = post(client, connection, raw)
    assert response.status_code == 400
    assert only_event(connection).status == WebhookStatus.REJECTED


@pytest.mark.parametrize(
    "body",
    [["a", "list"], {"event": "candidateStageChange"}, {"event": 3, "data": {}}, {"data": {"x": 1}}],
)
def test_a_body_of_the_wrong_shape_is_a_400(client, connection, body):
    assert post(client, connection, body).status_code == 400


def test_a_test_ping_is_acknowledged_and_ignored(client, connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = post(client, connection, {"event": "candidateStageChange", "data": {}})
    assert response.status_code == 200
    assert only_event(connection).status == WebhookStatus.IGNORED and queued == []


def test_an_unknown_event_is_acknowledged_and_ignored(client, connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = post(client, connection, delivery(event="postingCreated"))
    assert response.status_code == 200 and response.json() == {"result": "ignored"}
    assert only_event(connection).status == WebhookStatus.IGNORED and queued == []


def test_an_unknown_connection_token_is_a_404(client):
    response = client.post("/webhooks/lever/not-a-token/", b"{}", content_type="application/json")
    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()


def test_a_disconnected_connection_stores_nothing(client, connection):
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save()
    assert post(client, connection, delivery()).status_code == 410
    assert not WebhookEvent.objects.exists()


def test_a_body_declared_over_1mb_is_refused_before_it_is_read(client, connection):
    # The test client would fail loudly if the view read more than the 2 bytes really sent.
    response = post(client, connection, b"{}", CONTENT_LENGTH="5000000")
    assert response.status_code == 413
    assert not WebhookEvent.objects.exists()


def test_a_body_over_1mb_is_refused(client, connection):
    body = delivery(padding="x" * 1_000_001)
    assert post(client, connection, body).status_code == 413


def test_only_post_is_allowed(client, connection):
    url = reverse("lever-webhook", args=[connection.webhook_token])
    assert client.get(url).status_code == 405


def test_nothing_secret_reaches_the_log(client, connection, caplog):
    caplog.set_level(logging.DEBUG)
    body = delivery(key="forged")
    for payload in (delivery(), body, b"{broken"):
        post(client, connection, payload)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert connection.webhook_token not in logged
    assert body["token"] not in logged and body["signature"] not in logged
    assert "opp-1" not in logged  # no body content
