"""A token bucket per credential, shared by every worker process (checklist §13 item 10).

Lever allows about 10 requests/s per credential with bursts of 20 (LEVER_API.md §5). Each process
asks the shared bucket before every request: a token is taken at once while the bucket holds one;
otherwise the caller sleeps until the next token is due, then asks again.

Two backends keep the bucket: the database (a `RateLimitBucket` row, locked for one short transaction
per request) and, when `REDIS_URL` is set, Redis (one atomic Lua script). Both use the caller's clock:
hosts sharing a bucket must keep their clocks in sync (NTP), and a clock that steps back never refills.

Do not call the client inside a long transaction: the database backend's row lock then lives as long
as the caller's transaction and serialises every process on that credential.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.integrations.models import RateLimitBucket

DEFAULT_RATE = 10.0
DEFAULT_BURST = 20
# Epoch seconds near 1.75e9 are only exact to ~2.4e-7 s, so a refill that should give exactly one
# token can give 0.999998; counting that as a whole token (0.1 ms early at 10/s) keeps acquire() from
# spinning on waits too small to move the clock.
EPSILON = 1e-3


class BucketBackend(Protocol):
    def take(self, key: str, *, rate: float, burst: float, now: float) -> float:
        """Take one token and return 0, or return the seconds until one is due (taking nothing)."""
        ...


def refill_and_take(
    tokens: float, updated_at: float, *, rate: float, burst: float, now: float
) -> tuple[float, float, float]:
    """Return (tokens, updated_at, wait) after refilling for the time elapsed and taking one token."""
    elapsed = max(0.0, now - updated_at)
    tokens = min(float(burst), tokens + elapsed * rate)
    updated_at = max(updated_at, now)
    if tokens >= 1 - EPSILON:
        return max(0.0, tokens - 1), updated_at, 0.0
    return tokens, updated_at, (1 - tokens) / rate


class DatabaseBucketBackend:
    """Buckets as rows; `select_for_update` (PostgreSQL) or an IMMEDIATE transaction (SQLite) serialises."""

    def take(self, key: str, *, rate: float, burst: float, now: float) -> float:
        try:
            return self._take(key, rate=rate, burst=burst, now=now)
        except IntegrityError:
            # Two processes created the row at once and this one lost; the row exists now.
            return self._take(key, rate=rate, burst=burst, now=now)

    def _take(self, key: str, *, rate: float, burst: float, now: float) -> float:
        with transaction.atomic():
            bucket, _ = RateLimitBucket.objects.select_for_update().get_or_create(
                key=key, defaults={"tokens": float(burst), "updated_at": now}
            )
            tokens, updated_at, wait = refill_and_take(
                bucket.tokens, bucket.updated_at, rate=rate, burst=burst, now=now
            )
            RateLimitBucket.objects.filter(pk=bucket.pk).update(tokens=tokens, updated_at=updated_at)
        return wait


# KEYS[1] bucket; ARGV rate, burst, now. Same arithmetic as refill_and_take, atomic inside Redis.
# Numbers go back as strings: Redis would truncate a Lua float reply to an integer.
TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated_at')
local tokens = tonumber(state[1])
local updated_at = tonumber(state[2])
if tokens == nil or updated_at == nil then
  tokens = burst
  updated_at = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated_at) * rate)
updated_at = math.max(updated_at, now)
local wait = 0
if tokens >= 1 - 1e-3 then
  tokens = math.max(0, tokens - 1)
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'updated_at', string.format('%.17g', updated_at))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return string.format('%.17g', wait)
"""


class RedisBucketBackend:
    """Buckets as Redis hashes under `prefix`; idle buckets expire once they would be full again."""

    def __init__(self, client: Any, *, prefix: str = "recruitdesk:ratelimit:") -> None:
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(TOKEN_BUCKET_LUA)

    def take(self, key: str, *, rate: float, burst: float, now: float) -> float:
        result = self._script(
            keys=[self.prefix + key], args=[repr(float(rate)), repr(float(burst)), repr(now)]
        )
        return float(result)


class RateLimiter:
    """Hand out request slots for one credential: `acquire()` before every HTTP attempt."""

    def __init__(
        self,
        key: str,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        backend: BucketBackend | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("A rate limiter needs rate > 0 and burst >= 1.")
        self.key = key
        self.rate = float(rate)
        self.burst = burst
        self.backend = backend or DatabaseBucketBackend()
        self.sleep = sleep
        self.clock = clock

    def acquire(self) -> float:
        """Block until a token is taken; return the seconds spent waiting."""
        waited = 0.0
        while True:
            wait = self.backend.take(self.key, rate=self.rate, burst=self.burst, now=self.clock())
            if wait <= 0:
                return waited
            self.sleep(wait)
            waited += wait

    def __repr__(self) -> str:
        return (
            f"RateLimiter({self.key!r}, rate={self.rate}, burst={self.burst}, {type(self.backend).__name__})"
        )


@cache
def redis_client(url: str) -> Any:
    """Return a Redis client for `url`, one per process so its connection pool is reused."""
    import redis  # an optional extra: only needed when REDIS_URL is set

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def rate_limiter_for(key: str, **kwargs: Any) -> RateLimiter:
    """Return the limiter for `key` on the configured backend: Redis when REDIS_URL is set, else the DB."""
    kwargs.setdefault("rate", getattr(settings, "LEVER_RATE_LIMIT", DEFAULT_RATE))
    kwargs.setdefault("burst", getattr(settings, "LEVER_RATE_BURST", DEFAULT_BURST))
    if "backend" not in kwargs:
        url = getattr(settings, "REDIS_URL", "")
        kwargs["backend"] = RedisBucketBackend(redis_client(url)) if url else DatabaseBucketBackend()
    return RateLimiter(key, **kwargs)
