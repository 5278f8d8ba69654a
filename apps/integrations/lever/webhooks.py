"""Lever webhooks at the edge, pure: the events, the envelope, the signature, the dedupe key.

Nothing here touches the database or the network. A delivery is `POST`ed as JSON (LEVER_API.md §10.2):

    {"id"?, "event", "triggeredAt" (epoch ms), "token" (random), "signature" (hex), "data": {ids…}}

The signature covers `token + str(triggeredAt)`, not the body (§10.3): HMAC-SHA256 keyed with the
webhook's signature token, lower-case hex. Payloads carry ids only; the receiver never trusts them for
content and re-fetches the objects they name (§13 item 32).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# What each event does for us. Lever has no posting, note, feedback, offer or user events (§10.1).
OPPORTUNITY = "opportunity"  # re-fetch the opportunity, then all of its children
INTERVIEWS = "interviews"  # re-fetch the opportunity, then its interviews only
CONTACT = "contact"  # re-fetch every opportunity of the person (contact fields live on them)


@dataclass(frozen=True)
class EventSpec:
    label: str  # as Lever's settings page names the webhook
    meaning: str
    action: str


EVENTS: dict[str, EventSpec] = {
    "applicationCreated": EventSpec(
        "Application created", "Someone applied, was added or referred: a new opportunity.", OPPORTUNITY
    ),
    "candidateStageChange": EventSpec(
        "Candidate stage change", "An opportunity moved to another pipeline stage.", OPPORTUNITY
    ),
    "candidateArchiveChange": EventSpec(
        "Candidate archive state change",
        "An opportunity was archived, unarchived, or its archive reason changed.",
        OPPORTUNITY,
    ),
    "candidateHired": EventSpec(
        "Candidate hired", "An opportunity was archived with a hired-type reason.", OPPORTUNITY
    ),
    "candidateDeleted": EventSpec(
        "Candidate deleted",
        "An opportunity was deleted; its re-fetch answers 404 and its personal data is wiped here.",
        OPPORTUNITY,
    ),
    "interviewCreated": EventSpec(
        "Interview created (Beta)", "An interview was scheduled on an opportunity.", INTERVIEWS
    ),
    "interviewUpdated": EventSpec(
        "Interview updated (Beta)", "An interview was rescheduled or edited.", INTERVIEWS
    ),
    "interviewDeleted": EventSpec("Interview deleted (Beta)", "An interview was cancelled.", INTERVIEWS),
    "contactCreated": EventSpec("Contact created", "A new person (contact) exists in Lever.", CONTACT),
    "contactUpdated": EventSpec(
        "Contact updated", "A person's name, emails, phones, links or location changed.", CONTACT
    ),
}

MAX_TOKEN_LENGTH = 128  # Lever's are 48 characters; anything far longer is not Lever
MAX_EVENT_LENGTH = 64


class MalformedDelivery(ValueError):
    """The body is not a Lever delivery; the message says which field is wrong."""


@dataclass(frozen=True)
class Envelope:
    """A delivery whose fields have the right types (not yet verified)."""

    event: str
    data: dict[str, Any]
    token: str
    triggered_at: int | None  # epoch ms; None only on test pings
    signature: str
    id: str

    @property
    def is_ping(self) -> bool:
        """Return whether this is the test ping Lever's settings page sends (`data == {}`)."""
        return not self.data

    @property
    def spec(self) -> EventSpec | None:
        return EVENTS.get(self.event)


def signature(signing_token: str, token: str, triggered_at: int) -> str:
    """Return Lever's signature: lower-case hex HMAC-SHA256(signing_token, token + str(triggered_at))."""
    message = f"{token}{int(triggered_at)}".encode()
    return hmac.new(signing_token.encode(), message, hashlib.sha256).hexdigest()


def verify(body: dict[str, Any], signing_tokens: Iterable[str]) -> bool:
    """Return whether the body's `signature` matches any of the tokens (constant-time compare).

    Uses the raw JSON values of `token` and `triggeredAt`; a missing or mistyped field fails.
    """
    token, sent = body.get("token"), body.get("signature")
    triggered_at = milliseconds(body.get("triggeredAt"))
    if not isinstance(token, str) or not token or not isinstance(sent, str) or triggered_at is None:
        return False
    sent_bytes = sent.strip().lower().encode()
    matched = False
    for key in signing_tokens:
        # Every key is tried (no early exit) so timing does not tell which one matched.
        if key and hmac.compare_digest(signature(key, token, triggered_at).encode(), sent_bytes):
            matched = True
    return matched


# The epoch milliseconds a datetime can hold (years 1 to 9999): beyond them a delivery is malformed.
EARLIEST_MS = -62_135_596_800_000
LATEST_MS = 253_402_300_799_999


def milliseconds(value: Any) -> int | None:
    """Return `triggeredAt` as integer ms from an int, an integral float or a string of digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # A float rendering (1431454330072.0) would sign differently: only its integer value counts.
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_envelope(body: Any) -> Envelope:
    """Check a decoded body field by field and return its Envelope, or raise MalformedDelivery.

    Test pings (`data == {}`) need only `event` and `data`; every other delivery also needs `token`
    and `triggeredAt`. `signature` is type-checked here and verified by the caller, so an unsigned
    delivery is parsed and then rejected as unsigned, not as malformed.
    """
    if not isinstance(body, dict):
        raise MalformedDelivery("The body is not a JSON object.")
    event = body.get("event")
    if not isinstance(event, str) or not event.strip():
        raise MalformedDelivery("event is missing or not a string.")
    if len(event) > MAX_EVENT_LENGTH:
        raise MalformedDelivery("event is too long to be a Lever event.")
    data = body.get("data")
    if not isinstance(data, dict):
        raise MalformedDelivery("data is missing or not an object.")
    token = body.get("token", "")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedDelivery("token is not a string of at most 128 characters.")
    raw_triggered = body.get("triggeredAt")
    triggered_at = milliseconds(raw_triggered)
    if raw_triggered is not None and triggered_at is None:
        raise MalformedDelivery("triggeredAt is not an integer of epoch milliseconds.")
    if triggered_at is not None and not EARLIEST_MS <= triggered_at <= LATEST_MS:
        raise MalformedDelivery("triggeredAt is outside the calendar (years 1 to 9999).")
    if data and not token:
        raise MalformedDelivery("token is missing.")
    if data and triggered_at is None:
        raise MalformedDelivery("triggeredAt is missing.")
    sent = body.get("signature", "")
    if not isinstance(sent, str):
        raise MalformedDelivery("signature is not a string.")
    delivery_id = body.get("id", "")
    if not isinstance(delivery_id, str | int) or isinstance(delivery_id, bool):
        raise MalformedDelivery("id is not a string.")
    return Envelope(
        event=event.strip(),
        data=data,
        token=token,
        triggered_at=triggered_at,
        signature=sent,
        id=str(delivery_id),
    )


def data_ids(data: dict[str, Any]) -> dict[str, str]:
    """Return the `…Id` fields of a payload's data (opportunityId, contactId, interviewId…)."""
    return {
        key: str(value)
        for key, value in sorted(data.items())
        if key.endswith("Id") and isinstance(value, str | int) and not isinstance(value, bool)
    }


def dedupe_key(envelope: Envelope) -> str:
    """Return what makes a delivery the same event: Lever's `id`, else event + data ids + triggeredAt.

    Retries and manual reruns repeat a delivery (§10.4); this key lets the inbox hold it once.
    """
    if envelope.id:
        key = f"id:{envelope.id}"
    else:
        ids = ",".join(f"{name}={value}" for name, value in data_ids(envelope.data).items())
        key = f"{envelope.event}:{ids}:{envelope.triggered_at}"
    if len(key) > 255:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def is_stale(triggered_at: int, *, now_ms: int, max_age_seconds: int) -> bool:
    """Return whether `triggered_at` lies further than the allowed age from now (either direction).

    Clock skew aside, a delivery from the future is as suspect as an old one.
    """
    return abs(now_ms - triggered_at) > max_age_seconds * 1000
