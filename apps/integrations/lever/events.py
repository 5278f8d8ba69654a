"""Small records the client hands to its `on_event` callback, so a sync run can count its requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class RequestEvent:
    """One HTTP attempt; `status` is None when no answer came back (network error, timeout)."""

    kind: ClassVar[str] = "request"
    method: str
    path: str
    status: int | None
    duration: float
    attempt: int


@dataclass(frozen=True)
class RateLimitWaitEvent:
    """The shared limiter held an attempt back for `seconds`."""

    kind: ClassVar[str] = "rate_limit_wait"
    seconds: float


@dataclass(frozen=True)
class RetryEvent:
    """An attempt failed and the client sleeps `delay` seconds before the next one."""

    kind: ClassVar[str] = "retry"
    method: str
    path: str
    reason: str
    delay: float
    attempt: int


ClientEvent = RequestEvent | RateLimitWaitEvent | RetryEvent
