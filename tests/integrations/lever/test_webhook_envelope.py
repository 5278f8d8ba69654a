"""Lever webhook envelopes at the edge: the §10.3 signature, parsing, dedupe keys, staleness. No DB."""

from __future__ import annotations

import pytest

from apps.integrations.lever.webhooks import (
    MalformedDelivery,
    dedupe_key,
    is_stale,
    parse_envelope,
    signature,
    verify,
)

# LEVER_API.md §10.3 test vector.
SIGNING_TOKEN = "73311aed32110cc40e00c672c2e03e1a42fa28a4fabde089"
TOKEN = "be58f711f349c7780e4579cd7c63341ac6f881e4dccc3154"
TRIGGERED_AT = 1431454330072
EXPECTED = "c3f3a10173019b66802eb72685e954b840a7b256ff7c332fe5ae3307a27d44d5"


def body(**changes):
    return {
        "event": "candidateStageChange",
        "triggeredAt": TRIGGERED_AT,
        "token": TOKEN,
        "signature": EXPECTED,
        "data": {"opportunityId": "opp-1", "contactId": "contact-1", "toStageId": "s2"},
        **changes,
    }


def test_signature_matches_the_documented_test_vector():
    assert signature(SIGNING_TOKEN, TOKEN, TRIGGERED_AT) == EXPECTED


def test_verify_accepts_the_test_vector_among_other_tokens():
    assert verify(body(), ["some-older-token", SIGNING_TOKEN])


def test_verify_accepts_triggered_at_sent_as_an_integral_float_or_digits():
    # The message uses the integer digits; "1431454330072.0" would sign differently.
    assert verify(body(triggeredAt=1431454330072.0), [SIGNING_TOKEN])
    assert verify(body(triggeredAt="1431454330072"), [SIGNING_TOKEN])


@pytest.mark.parametrize(
    "changes",
    [
        {"signature": "0" * 64},  # forged
        {"signature": ""},  # unsigned
        {"token": TOKEN[:-1] + "5"},  # signature of another delivery
        {"triggeredAt": TRIGGERED_AT + 1},
        {"triggeredAt": 1431454330072.5},
        {"triggeredAt": True},
    ],
)
def test_verify_rejects_anything_but_the_exact_signature(changes):
    assert not verify(body(**changes), [SIGNING_TOKEN])


def test_verify_rejects_when_no_token_is_known():
    assert not verify(body(), [])


def test_parse_envelope_reads_a_delivery():
    envelope = parse_envelope(body(id="evt-9"))
    assert (envelope.event, envelope.token, envelope.triggered_at, envelope.id) == (
        "candidateStageChange",
        TOKEN,
        TRIGGERED_AT,
        "evt-9",
    )
    assert not envelope.is_ping and envelope.spec is not None


def test_a_test_ping_needs_no_token():
    envelope = parse_envelope({"event": "candidateStageChange", "data": {}})
    assert envelope.is_ping


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "text",
        {"data": {"opportunityId": "x"}},  # no event
        {"event": "candidateStageChange", "data": "x"},
        {"event": "x" * 65, "data": {}},
        body(token=None),
        body(token="t" * 129),
        body(triggeredAt="yesterday"),
        {k: v for k, v in body().items() if k != "triggeredAt"},
        {k: v for k, v in body().items() if k != "token"},
        body(signature=123),
        body(id=["a"]),
    ],
)
def test_parse_envelope_rejects_wrong_shapes(payload):
    with pytest.raises(MalformedDelivery):
        parse_envelope(payload)


def test_dedupe_key_is_the_same_for_a_rerun_of_one_event():
    first = parse_envelope(body())
    rerun = parse_envelope(body(token="another-random-token", signature="x"))  # Lever's "Rerun"
    other = parse_envelope(body(data={"opportunityId": "opp-2"}))
    assert dedupe_key(first) == dedupe_key(rerun) != dedupe_key(other)
    assert dedupe_key(parse_envelope(body(id="evt-1"))) == "id:evt-1"


def test_is_stale_in_both_directions():
    now = TRIGGERED_AT + 60_000
    assert not is_stale(TRIGGERED_AT, now_ms=now, max_age_seconds=300)
    assert is_stale(TRIGGERED_AT, now_ms=now, max_age_seconds=30)
    assert is_stale(now + 600_000, now_ms=now, max_age_seconds=300)  # from the future
