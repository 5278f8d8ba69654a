"""The shared token bucket: 10 req/s sustained, bursts of 20, on the database and on Redis."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings

from apps.integrations.models import RateLimitBucket
from apps.integrations.ratelimit import (
    DatabaseBucketBackend,
    RateLimiter,
    RedisBucketBackend,
    rate_limiter_for,
    redis_client,
    refill_and_take,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


class FakeTime:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        assert len(self.sleeps) < 1000, "acquire() is spinning"


def limiter(key: str, backend, fake: FakeTime, **kwargs) -> RateLimiter:
    return RateLimiter(key, backend=backend, sleep=fake.sleep, clock=fake.clock, **kwargs)


def assert_burst_then_steady_rate(bucket: RateLimiter, fake: FakeTime) -> None:
    start = fake.now
    assert [bucket.acquire() for _ in range(20)] == [0.0] * 20
    assert fake.now == start  # the burst went out without waiting
    waits = [bucket.acquire() for _ in range(10)]
    assert waits == pytest.approx([0.1] * 10, abs=1e-6)
    assert fake.now - start == pytest.approx(1.0, abs=1e-6)  # 30 requests in 1 s: 20 burst + 10 at 10/s


def test_refill_and_take_arithmetic():
    assert refill_and_take(5.0, 100.0, rate=10, burst=20, now=100.0) == (4.0, 100.0, 0.0)
    assert refill_and_take(0.0, 100.0, rate=10, burst=20, now=100.05) == pytest.approx((0.5, 100.05, 0.05))
    assert refill_and_take(0.0, 100.0, rate=10, burst=20, now=1000.0) == (19.0, 1000.0, 0.0)  # capped
    # A clock that steps back neither refills nor rewinds the bucket.
    assert refill_and_take(3.0, 100.0, rate=10, burst=20, now=90.0) == (2.0, 100.0, 0.0)


def test_limiter_rejects_nonsense():
    with pytest.raises(ValueError):
        RateLimiter("k", rate=0)
    with pytest.raises(ValueError):
        RateLimiter("k", burst=0)


# -- database backend --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_database_bucket_allows_a_burst_of_20_then_10_per_second():
    fake = FakeTime()
    assert_burst_then_steady_rate(limiter("ratelimit-test:1", DatabaseBucketBackend(), fake), fake)
    bucket = RateLimitBucket.objects.get(key="ratelimit-test:1")
    assert bucket.tokens == pytest.approx(0, abs=1e-6)
    assert bucket.updated_at == pytest.approx(fake.now)


@pytest.mark.django_db
def test_database_bucket_refills_while_idle_but_never_beyond_the_burst():
    fake = FakeTime()
    bucket = limiter("ratelimit-test:2", DatabaseBucketBackend(), fake)
    for _ in range(20):
        bucket.acquire()
    fake.now += 60
    assert [bucket.acquire() for _ in range(20)] == [0.0] * 20
    assert bucket.acquire() == pytest.approx(0.1)


@pytest.mark.django_db
def test_limiters_on_one_key_share_the_bucket_and_other_keys_do_not():
    fake = FakeTime()
    first = limiter("ratelimit-test:3", DatabaseBucketBackend(), fake)
    second = limiter("ratelimit-test:3", DatabaseBucketBackend(), fake)
    other = limiter("ratelimit-test:4", DatabaseBucketBackend(), fake)
    for _ in range(15):
        first.acquire()
    assert [second.acquire() for _ in range(5)] == [0.0] * 5
    assert second.acquire() == pytest.approx(0.1)
    assert other.acquire() == 0.0
    # Keys of their own: a bucket of a real connection key left by another test must not count here.
    assert RateLimitBucket.objects.filter(key__startswith="ratelimit-test:").count() == 2


@pytest.mark.django_db
def test_rate_and_burst_are_configurable():
    fake = FakeTime()
    bucket = limiter("ratelimit-test:5", DatabaseBucketBackend(), fake, rate=2, burst=3)
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire() == pytest.approx(0.5)


@pytest.mark.django_db
@override_settings(REDIS_URL="", LEVER_RATE_LIMIT=4.0, LEVER_RATE_BURST=8)
def test_rate_limiter_for_uses_the_database_without_redis():
    bucket = rate_limiter_for("ratelimit-test:6")
    assert isinstance(bucket.backend, DatabaseBucketBackend)
    assert (bucket.rate, bucket.burst) == (4.0, 8)


# -- Redis backend -----------------------------------------------------------------------------------


@pytest.fixture
def redis_key():
    client = redis_client(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:  # any failure to talk to Redis means "not available here"
        pytest.skip(f"no Redis answering at {REDIS_URL} ({type(exc).__name__}); start redis-server to run")
    key = f"test:{uuid.uuid4().hex}"
    backend = RedisBucketBackend(client)
    yield key, backend
    client.delete(backend.prefix + key)


def test_redis_bucket_allows_a_burst_of_20_then_10_per_second(redis_key):
    key, backend = redis_key
    fake = FakeTime()
    assert_burst_then_steady_rate(limiter(key, backend, fake), fake)
    ttl = backend.client.ttl(backend.prefix + key)
    assert 0 < ttl <= 62  # idle buckets expire once they would be full again


def test_redis_bucket_is_shared_by_limiters_on_one_key(redis_key):
    key, backend = redis_key
    fake = FakeTime()
    first = limiter(key, backend, fake)
    second = limiter(key, RedisBucketBackend(backend.client), fake)
    for _ in range(20):
        first.acquire()
    assert second.acquire() == pytest.approx(0.1)


def test_rate_limiter_for_uses_redis_when_configured(redis_key):
    with override_settings(REDIS_URL=REDIS_URL):
        bucket = rate_limiter_for(redis_key[0])
    assert isinstance(bucket.backend, RedisBucketBackend)
    assert bucket.acquire() == 0.0
