"""Pure, tolerant readers for Lever payloads: envelopes, epoch-millisecond timestamps, archive state.

Lever's docs and its real responses disagree in places (LEVER_API.md §3): wrappers may be doubled or
missing, timestamps may be numbers or numeric strings. Everything here accepts all of those and turns
garbage into None instead of raising.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def unwrap(payload: Any) -> Any:
    """Return the content of Lever's `data` envelope, unwrapping a doubled `{"data": {"data": …}}`."""
    if isinstance(payload, dict) and "data" in payload:
        payload = payload["data"]
        if isinstance(payload, dict) and set(payload) == {"data"}:
            payload = payload["data"]
    return payload


def _number(value: Any) -> float | int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def parse_ms(value: Any) -> datetime | None:
    """Return the aware UTC datetime for epoch milliseconds given as int, float or numeric string."""
    number = _number(value)
    if number is None:
        return None
    try:
        return EPOCH + timedelta(milliseconds=number)
    except OverflowError:
        return None


def parse_int(value: Any) -> int | None:
    """Return an int from an int or numeric string (Lever sends `files.size` as a string), else None."""
    number = _number(value)
    if number is None or (isinstance(number, float) and not number.is_integer()):
        return None
    return int(number)


def to_ms(value: datetime | int | float) -> int:
    """Return epoch milliseconds for a datetime (naive ones are taken as UTC) or pass a number through."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return (aware - EPOCH) // timedelta(milliseconds=1)
    return int(value)


def parse_archived(opportunity: dict[str, Any]) -> tuple[str | None, datetime | None]:
    """Return (archive reason id, archived at) of an opportunity; (None, None) when it is not archived.

    Real responses carry `archived: null | {reason, archivedAt}`; the docs' examples still show the
    legacy top-level `archiveReason`/`archivedAt`, which are read when the object says nothing.
    """
    archived = opportunity.get("archived")
    if isinstance(archived, dict):
        reason = _reason_id(archived.get("reason"))
        archived_at = parse_ms(archived.get("archivedAt"))
        if reason or archived_at:
            return reason, archived_at
    return _reason_id(opportunity.get("archiveReason")), parse_ms(opportunity.get("archivedAt"))


def _reason_id(value: Any) -> str | None:
    if isinstance(value, dict):  # an expanded reason object
        value = value.get("id")
    return str(value) if value else None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the seconds a `Retry-After` header asks for (delta-seconds or HTTP-date), never negative."""
    if not value:
        return None
    text = value.strip()
    number = _number(text)
    if number is not None:
        return max(0.0, float(number))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
