"""Hostile deliveries to POST /webhooks/lever/<token>/: each one gets a clear answer and nothing is processed.

test_webhook_receiver.py covers the verdicts one by one (forged, unsigned, replayed, stale, not JSON,
wrong shape, unknown event, unknown token, disconnected, over 1 MB). This module adds the cases it
leaves out, then a property over random bodies and headers: the status is always one Lever can act
on, never a 500, and only a delivery whose signature verifies is ever queued for processing.
"""

from __future__ import annotations

import itertools
import json
import time

import pytest
from django.urls import reverse
from hypothesis import event as note_outcome
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.integrations.lever.webhooks import EVENTS, milliseconds, signature, verify
from apps.integrations.models import ConnectionStatus, WebhookEvent, WebhookStatus
from apps.integrations.webhook_views import MAX_BODY_BYTES
from apps.integrations.webhooks import connection_add_signing_token
from tests.hypothesis_profiles import WEBHOOK_EXAMPLES
from tests.integrations.factories import ConnectionFactory
from tests.integrations.test_webhook_receiver import SIGNING_TOKEN, delivery, only_event, post

pytestmark = pytest.mark.django_db

ALLOWED = {200, 202, 204, 400, 403, 404, 410, 413}
# The epoch-millisecond range a datetime can hold (years 1 to 9999).
EARLIEST_MS = -62_135_596_800_000
LATEST_MS = 253_402_300_799_999


@pytest.fixture
def connection():
    connection = ConnectionFactory(status=ConnectionStatus.ACTIVE)
    connection_add_signing_token(connection=connection, token=SIGNING_TOKEN)
    return connection


# -- the cases test_webhook_receiver.py leaves out ---------------------------------------------------------


def test_a_delivery_from_the_future_is_refused_like_a_stale_one(client, connection, settings):
    settings.LEVER_WEBHOOK_MAX_AGE = 60
    response = post(client, connection, delivery(triggered_at=int(time.time() * 1000) + 120_000))
    assert response.status_code == 403
    assert "window" in only_event(connection).error


def test_a_replayed_signature_with_a_moved_timestamp_is_a_forgery(
    client, connection, django_capture_on_commit_callbacks
):
    # An attacker who captured an old delivery cannot refresh its triggeredAt: the signature covers it.
    captured = delivery(triggered_at=int(time.time() * 1000) - 3_600_000)
    with django_capture_on_commit_callbacks() as queued:
        response = post(client, connection, {**captured, "triggeredAt": int(time.time() * 1000)})
    assert response.status_code == 403 and queued == []
    event = only_event(connection)
    assert (event.status, event.signature_valid) == (WebhookStatus.REJECTED, False)


def test_a_signature_for_another_connection_is_refused_at_this_url(
    client, connection, django_capture_on_commit_callbacks
):
    other = ConnectionFactory(status=ConnectionStatus.ACTIVE)
    connection_add_signing_token(connection=other, token="the-other-connections-signing-token")
    with django_capture_on_commit_callbacks() as queued:
        response = post(client, other, delivery())  # signed for `connection`, sent to `other`
    assert response.status_code == 403 and queued == []
    assert only_event(other).status == WebhookStatus.REJECTED
    assert not WebhookEvent.objects.filter(connection=connection).exists()


def test_an_unknown_event_with_a_forged_signature_is_refused_not_ignored(client, connection):
    response = post(client, connection, delivery(event="postingCreated", key="forged"))
    assert response.status_code == 403
    assert only_event(connection).status == WebhookStatus.REJECTED


def test_a_numeric_string_timestamp_signs_like_the_number(client, connection):
    triggered_at = int(time.time() * 1000)
    response = post(client, connection, delivery(triggered_at=triggered_at, triggeredAt=str(triggered_at)))
    assert response.status_code == 200 and response.json() == {"result": "accepted"}


@pytest.mark.parametrize(
    "triggered_at",
    [
        pytest.param(1.5, id="fraction"),
        pytest.param("soon", id="word"),
        pytest.param(True, id="bool"),
        pytest.param([1], id="list"),
        pytest.param({"ms": 1}, id="object"),
        pytest.param(-1, id="before-1970"),
        pytest.param(EARLIEST_MS, id="year-1"),
        pytest.param(LATEST_MS, id="year-9999"),
    ],
)
def test_a_timestamp_of_the_wrong_type_or_range_is_refused(client, connection, triggered_at):
    response = post(client, connection, delivery(triggeredAt=triggered_at))
    assert response.status_code in (400, 403)
    assert only_event(connection).status == WebhookStatus.REJECTED


# Found by this module, not fixed here (apps/integrations/webhooks.py is not this change's file):
# A triggeredAt outside years 1–9999 cannot become a datetime: refused as malformed, never a 500
# (which Lever, or an attacker, would retry forever).
@pytest.mark.parametrize(
    "triggered_at",
    [
        pytest.param(LATEST_MS + 1, id="year-10000"),
        pytest.param(10**30, id="10e30"),
        pytest.param(str(10**30), id="10e30-string"),
        pytest.param(EARLIEST_MS - 1, id="year-0"),
        pytest.param(float(LATEST_MS + 1), id="year-10000-float"),
    ],
)
def test_a_timestamp_beyond_the_calendar_is_refused_not_a_500(client, connection, triggered_at):
    ms = int(triggered_at)
    for body in (
        delivery(key="forged", triggered_at=ms, triggeredAt=triggered_at),
        delivery(triggered_at=ms, triggeredAt=triggered_at),
        {"event": "candidateStageChange", "triggeredAt": triggered_at, "data": {}},  # a test ping
    ):
        assert post(client, connection, body).status_code in (400, 403)


def test_a_body_of_exactly_1mb_is_still_heard(client, connection):
    body = delivery()
    raw = json.dumps(body).encode()
    raw = raw[:-1] + b', "padding": "' + b"x" * (MAX_BODY_BYTES - len(raw) - 15) + b'"}'
    assert len(raw) == MAX_BODY_BYTES
    response = post(client, connection, raw)
    assert response.status_code == 200 and response.json() == {"result": "accepted"}


def test_a_body_1mb_long_without_a_declared_length_is_refused(client, connection):
    raw = b'{"event": "' + b"x" * MAX_BODY_BYTES + b'"}'
    url = reverse("lever-webhook", args=[connection.webhook_token])
    response = client.generic("POST", url, raw, content_type="application/json", CONTENT_LENGTH="")
    assert response.status_code in (400, 413)
    assert not WebhookEvent.objects.filter(status=WebhookStatus.RECEIVED).exists()


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested-too-deep"),
        pytest.param(b'{"event": "candidateStageChange", "data": NaN}', id="nan"),
        pytest.param(b"\xef\xbb\xbf{}", id="bom"),
        pytest.param(b"null", id="null"),
        pytest.param(b'"a string"', id="string"),
        pytest.param(b"\x00" * 64, id="nul-bytes"),
    ],
)
def test_bodies_that_are_not_deliveries_are_a_400(client, connection, raw):
    response = post(client, connection, raw)
    assert response.status_code == 400
    assert only_event(connection).status == WebhookStatus.REJECTED


def test_an_overlong_event_name_or_token_is_a_400(client, connection):
    assert post(client, connection, delivery(event="x" * 65)).status_code == 400
    assert post(client, connection, delivery(token="t" * 129)).status_code == 400


# -- the property ------------------------------------------------------------------------------------------

_json_leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_json = st.recursive(
    _json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_events = st.sampled_from(sorted(EVENTS)) | st.sampled_from(["postingCreated", "", " ", "x" * 65]) | st.text()
_tokens = st.text(min_size=1, max_size=40) | st.just("") | st.none() | st.integers() | st.just("t" * 129)


_nonces = itertools.count()


@st.composite
def _envelopes(draw):
    """A body shaped like a delivery: sound but for its signature, or with fields missing or wrong."""
    now = int(time.time() * 1000)
    mangled = draw(st.booleans())

    def _often(right, wrong):
        return st.one_of(right, right, right, wrong) if mangled else right

    body = {
        "event": draw(_often(st.sampled_from(sorted(EVENTS)), _events)),
        "triggeredAt": draw(
            _often(
                st.integers(-2_000_000, 2_000_000).map(lambda skew: now + skew),
                st.integers(EARLIEST_MS, LATEST_MS)
                | st.integers(EARLIEST_MS, LATEST_MS).map(str)
                | _json_leaves,
            )
        ),
        "token": draw(_often(st.text(st.characters(codec="ascii"), min_size=1, max_size=48), _tokens)),
        "data": draw(
            _often(st.fixed_dictionaries({"opportunityId": st.text(max_size=12)}), st.just({}) | _json)
        ),
    }
    if not mangled:  # a fresh token and time, or nearly every sound delivery is a duplicate of the last
        body["token"] += f"-{next(_nonces)}"
        body["triggeredAt"] += next(_nonces)
    ms = milliseconds(body["triggeredAt"])
    how = draw(st.sampled_from(["valid", "valid", "forged", "random" if mangled else "valid", "missing"]))
    if how in ("valid", "forged") and isinstance(body["token"], str) and ms is not None:
        key = SIGNING_TOKEN if how == "valid" else draw(st.text(min_size=1, max_size=30))
        body["signature"] = signature(key, body["token"], milliseconds(body["triggeredAt"]))
        if draw(st.booleans()):
            body["signature"] = body["signature"].upper()
    elif how != "missing":
        body["signature"] = draw(_json_leaves)
    if draw(st.booleans()):
        body["id"] = draw(_often(st.text(min_size=1, max_size=20), _json_leaves))
    if mangled:
        for key in draw(st.lists(st.sampled_from(sorted(body)), max_size=2)):
            body.pop(key, None)
    return body


def _encode(value) -> bytes:
    return json.dumps(value).encode() if not isinstance(value, bytes) else value


_bodies = st.one_of(
    _envelopes().map(_encode),
    _envelopes().map(_encode),
    _envelopes().map(_encode),
    _json.map(_encode),
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
)
_headers = st.just({}) | st.fixed_dictionaries(
    {},
    optional={
        "content_type": st.sampled_from(
            ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
        ),
        "CONTENT_LENGTH": st.sampled_from(["", "-1", "abc", "0", "1", str(MAX_BODY_BYTES + 1), "99999999"]),
        "HTTP_X_LEVER_SIGNATURE": st.text(max_size=20).filter(lambda s: "\n" not in s and "\r" not in s),
        "HTTP_CONTENT_ENCODING": st.sampled_from(["gzip", "identity"]),
    },
)


@settings(max_examples=WEBHOOK_EXAMPLES)
@given(raw=_bodies, headers=_headers, right_url=st.sampled_from([True, True, True, False]))
def test_random_deliveries_never_fail_and_only_verified_ones_are_queued(
    client, connection, django_capture_on_commit_callbacks, raw, headers, right_url
):
    headers = dict(headers)
    content_type = headers.pop("content_type", "application/json")
    declared = headers.get("CONTENT_LENGTH")
    if declared is not None and declared.isdigit() and len(raw) < int(declared) <= MAX_BODY_BYTES:
        # A declared length longer than the body only makes Django's test client refuse the read;
        # a real server hands the view a short stream. Those two cases are the 0 and 1 above.
        headers.pop("CONTENT_LENGTH")
    token = connection.webhook_token if right_url else "no-such-connection-token"
    before = set(WebhookEvent.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks() as queued:
        response = client.generic(
            "POST", reverse("lever-webhook", args=[token]), raw, content_type=content_type, **headers
        )

    assert response.status_code in ALLOWED, (response.status_code, response.content)
    note_outcome(
        f"{response.status_code} {response.json().get('result', '')}"
    )  # --hypothesis-show-statistics
    new = list(WebhookEvent.objects.exclude(pk__in=before))
    if not right_url:
        assert response.status_code == 404 and new == []
    received = [event for event in new if event.status == WebhookStatus.RECEIVED]
    for event in received:
        assert event.signature_valid and verify(event.payload, [SIGNING_TOKEN])
        assert event.event in EVENTS
    assert len(queued) == len(received) <= 1
    if received:
        assert response.status_code == 200 and response.json() == {"result": "accepted"}
    for event in new:
        if event.signature_valid:
            assert verify(event.payload, [SIGNING_TOKEN])
