"""Switches that make the sandbox behave like a busy production API: rate limits, faults, counters."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any


class TokenBucket:
    """Lever's limiter: per credential, ``rate`` requests/s sustained with bursts up to ``burst``."""

    def __init__(self, rate: float = 10.0, burst: int = 20) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[
            str, tuple[float, float]
        ] = {}  # key -> (tokens, time of last refill on the monotonic clock)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Take one token for ``key``; False means answer 429."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            return allowed

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


@dataclass
class FaultConfig:
    error_rate: float = 0.0  # share of API requests answered 500/503
    latency: float = 0.0  # seconds added before each API response
    drop_rate: float = 0.0  # share of connections closed without any response
    truncate_rate: float = 0.0  # share of JSON bodies cut in half (status 200, invalid JSON)
    spike_rate: float = 0.0  # share of API requests delayed by ``spike_latency`` on top of ``latency``
    spike_latency: float = 2.0  # seconds of one latency spike
    throttle_rate: float = 0.0  # share of API requests that start a burst of 429s
    throttle_burst: float = 5  # consecutive API requests answered 429 in one burst


RATES = ("error_rate", "drop_rate", "truncate_rate", "spike_rate", "throttle_rate")


class Faults:
    """Decide, per API request, which injected fault (if any) it gets; seeded for reproducible runs."""

    def __init__(self, seed: int = 0) -> None:
        self.config = FaultConfig()
        self._lock = threading.Lock()
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Start the fault sequence over: the same requests in the same order get the same faults."""
        with self._lock:
            self._rng = random.Random(f"faults:{seed}")
            self._throttled = 0  # requests left in the current 429 burst

    def set(self, **changes: float) -> FaultConfig:
        """Change some settings; unknown names raise ``TypeError`` and rates must lie in [0, 1]."""
        with self._lock:
            merged = {**asdict(self.config), **{k: float(v) for k, v in changes.items()}}
            config = FaultConfig(**merged)
            for name in RATES:
                if not 0.0 <= getattr(config, name) <= 1.0:
                    raise ValueError(f"{name} must be between 0 and 1")
            for name in ("latency", "spike_latency", "throttle_burst"):
                if getattr(config, name) < 0:
                    raise ValueError(f"{name} must not be negative")
            self.config = config
            if not config.throttle_rate:
                self._throttled = 0
            return config

    def roll(self) -> str | None:
        """Return ``"drop"``, ``"error"``, ``"truncate"`` or ``None`` for the next request."""
        with self._lock:
            c = self.config
            for name, rate in (("drop", c.drop_rate), ("error", c.error_rate), ("truncate", c.truncate_rate)):
                if rate and self._rng.random() < rate:
                    return name
            return None

    def delay(self) -> float:
        """Return the seconds to wait before answering the next request (steady latency plus any spike)."""
        with self._lock:
            c = self.config
            spike = c.spike_latency if c.spike_rate and self._rng.random() < c.spike_rate else 0.0
            return c.latency + spike

    def throttled(self) -> bool:
        """True when the next request falls in a burst of 429s (Lever's limiter on a busy account)."""
        with self._lock:
            if (
                self._throttled == 0
                and self.config.throttle_rate
                and self._rng.random() < self.config.throttle_rate
            ):
                self._throttled = int(self.config.throttle_burst)
            if self._throttled > 0:
                self._throttled -= 1
                return True
            return False

    def error_status(self) -> int:
        with self._lock:
            return self._rng.choice((500, 503))


class Counters:
    """Count requests per endpoint pattern (API and other traffic apart) with arrival times."""

    def __init__(self, keep: int = 200_000) -> None:
        self._lock = threading.Lock()
        self._keep = keep
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.api: dict[str, int] = {}
            self.other: dict[str, int] = {}
            self.statuses: dict[str, int] = {}
            self.times: deque[float] = deque(maxlen=self._keep)

    def record(self, pattern: str, api: bool) -> None:
        with self._lock:
            bucket = self.api if api else self.other
            bucket[pattern] = bucket.get(pattern, 0) + 1
            if api:
                self.times.append(time.time())

    def record_status(self, status: int) -> None:
        with self._lock:
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def snapshot(self) -> dict[str, Any]:
        """Return counts per pattern, the API total, status counts and arrival times (epoch seconds)."""
        with self._lock:
            times = list(self.times)
            return {
                "total": sum(self.api.values()),
                "endpoints": dict(sorted(self.api.items())),
                "statuses": dict(sorted(self.statuses.items())),
                "other": dict(sorted(self.other.items())),
                "max_per_second": max_in_window(times, 1.0),
                "timestamps": times,
            }


def max_in_window(times: list[float], window: float) -> int:
    """Return the largest number of ``times`` inside any half-open window of ``window`` seconds."""
    best, start = 0, 0
    ordered = sorted(times)
    for end, t in enumerate(ordered):
        while t - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best
