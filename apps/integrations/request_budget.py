"""How many requests each connection sent to Lever today, for the health panel's budget line.

Every HTTP attempt of a connection's client passes its limiter, so a thin wrapper around the limiter
counts them in the shared cache (Redis or the file cache, both visible to web and worker processes).
The count is informational: a lost increment under a race is acceptable, a failing cache must never
fail a request.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.integrations.lever.transport import Limiter

logger = logging.getLogger(__name__)
SECONDS_A_DAY = 86_400


def _key(connection_id: int, day: date) -> str:
    return f"recruitdesk:lever-requests:{connection_id}:{day.isoformat()}"


def requests_count_add(connection_id: int, n: int = 1) -> None:
    key = _key(connection_id, timezone.now().date())
    try:
        cache.add(key, 0, timeout=2 * SECONDS_A_DAY)
        cache.incr(key, n)
    except Exception:  # noqa: BLE001 - counting is best effort; the request itself matters more
        logger.debug("could not count a Lever request for connection %s", connection_id)


def requests_used_today(connection_id: int) -> int:
    """Return the requests sent for `connection_id` since midnight UTC."""
    try:
        return int(cache.get(_key(connection_id, timezone.now().date()), 0))
    except Exception:  # noqa: BLE001 - an unreadable count shows as zero rather than breaking the page
        return 0


def daily_request_allowance() -> int:
    """Return the requests a credential may send in a day at the configured steady rate."""
    return int(getattr(settings, "LEVER_RATE_LIMIT", 10.0) * SECONDS_A_DAY)


class CountingLimiter:
    """A limiter that counts every request slot it hands out, delegating the waiting (if any)."""

    def __init__(self, inner: Limiter | None, connection_id: int) -> None:
        self.inner = inner
        self.connection_id = connection_id

    def acquire(self) -> float:
        waited = self.inner.acquire() if self.inner is not None else 0.0
        requests_count_add(self.connection_id)
        return waited

    def __repr__(self) -> str:
        return f"CountingLimiter({self.inner!r}, connection_id={self.connection_id})"
