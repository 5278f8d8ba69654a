"""The HTTP core under LeverClient: one requests.Session, the shared rate limiter, our retries, logging.

Retries are ours, not urllib3's, because whether a failed write may be repeated depends on the call:
every request says whether it is idempotent. Reads and idempotent writes are retried on 429, 500,
502, 503, 504 and network errors; non-idempotent writes (creates) only on 429 and on connection
failures that happened before the request left, because Lever has no idempotency key and a repeated
create makes a duplicate (LEVER_API.md §9.1).

Log lines carry method, path (never the query string: it can hold emails), status, duration and
attempt. Tokens, keys, headers and bodies are never logged.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter

from apps.integrations.lever.auth import LeverAuth
from apps.integrations.lever.environments import LeverEnvironment
from apps.integrations.lever.errors import LeverError, LeverValidationError, error_from_response
from apps.integrations.lever.events import ClientEvent, RateLimitWaitEvent, RequestEvent, RetryEvent
from apps.integrations.lever.parsing import parse_retry_after
from apps.integrations.lever.wire import Params, decode, network_error, page_items, query

logger = logging.getLogger(__name__)

RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
PAGE_SIZE = 100  # Lever's maximum (LEVER_API.md §4)
MAX_PAGINATION_RESTARTS = 3
USER_AGENT = "Recruitdesk/0.1 (Lever mirror; python-requests)"


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_offset: str | None  # the token for the next page; None on the last one


class Limiter(Protocol):
    def acquire(self) -> float:
        """Block until a request may go out; return the seconds waited."""
        ...


class LeverTransport:
    def __init__(
        self,
        env: LeverEnvironment,
        auth: LeverAuth,
        *,
        limiter: Limiter | None = None,
        timeout: tuple[float, float] = (5, 30),
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        retry_after_cap: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        on_event: Callable[[ClientEvent], None] | None = None,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1.")
        self.env = env
        self.auth = auth
        self.limiter = limiter
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self.sleep = sleep
        self.on_event = on_event
        self.rng = rng or random.Random()
        self._owns_session = session is None
        self.session = session or self._new_session()
        self.requests_made = 0
        self.retries = 0
        self.rate_limit_waits = 0
        self.rate_limit_wait_seconds = 0.0

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        # max_retries=0: urllib3 must not retry behind our back (a retried POST could duplicate).
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=10, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        return session

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> LeverTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- one call, with retries ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Params | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        raw: bool = False,
    ) -> Any:
        """Send one API call and return its decoded JSON (None for 204/empty, bytes when `raw`)."""
        url = self.env.api_base + path
        context = f"{method} {path}"
        encoded = query(params)
        retries = 0
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            self._throttle()
            authorization = self.auth.authorization()
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=encoded,
                    json=json,
                    data=data,
                    files=files,
                    headers={"Authorization": authorization},
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                self._record(method, path, None, started, attempt)
                error, sent = network_error(exc, context)
                if error.retryable and (idempotent or not sent) and retries < self.max_attempts - 1:
                    retries += 1
                    self._wait_before_retry(method, path, type(exc).__name__, None, retries, attempt)
                    continue
                raise error from exc

            status = response.status_code
            self._record(method, path, status, started, attempt)
            if 200 <= status < 300:
                try:
                    return decode(response, context, raw=raw)
                except LeverError as exc:
                    # A body cut off in transit: asking again is safe for reads and idempotent writes.
                    if idempotent and retries < self.max_attempts - 1:
                        retries += 1
                        self._wait_before_retry(method, path, "invalid JSON body", None, retries, attempt)
                        continue
                    raise exc
            if status == 401 and self.auth.can_refresh and not refreshed:
                response.close()
                refreshed = True  # one refresh per call; a second 401 is final
                self.auth.refresh(authorization)
                continue

            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            error = error_from_response(response, context=context, retry_after=retry_after)
            response.close()
            may_retry = status == 429 or (status in RETRYABLE_SERVER_STATUSES and idempotent)
            if may_retry and retries < self.max_attempts - 1:
                retries += 1
                self._wait_before_retry(method, path, f"HTTP {status}", retry_after, retries, attempt)
                continue
            raise error

    def get(self, path: str, params: Params | None = None) -> Any:
        return self.request("GET", path, params=params, idempotent=True)

    def paginate(self, path: str, params: Params | None = None) -> Iterator[dict[str, Any]]:
        """Yield every item of a list endpoint, following `next` tokens until `hasNext` is false.

        When a rejected offset token makes `pages` restart the listing, ids already yielded by this
        generator are skipped, so callers see each object once.
        """
        seen: set[str] = set()
        for page in self.pages(path, params):
            for item in page.items:
                item_id = item.get("id") if isinstance(item, dict) else None
                if item_id is not None:
                    if item_id in seen:
                        continue
                    seen.add(item_id)
                yield item

    def pages(self, path: str, params: Params | None = None, *, offset: str | None = None) -> Iterator[Page]:
        """Yield the pages of a list endpoint, starting at `offset` (a `next_offset` of an earlier page).

        The token goes back exactly as received, through the normal query encoder (checklist §13
        item 8), so a sync can store it as its checkpoint and resume there. A token Lever no longer
        accepts ("Invalid offset token", §4 and §11.4) restarts the listing from the first page.
        """
        base = query(params)
        restarts = 0
        while True:
            page_params = [*base, ("limit", str(PAGE_SIZE))]
            if offset is not None:
                page_params.append(("offset", offset))
            try:
                payload = self.get(path, page_params)
            except LeverValidationError as exc:
                if offset is None or exc.status != 400 or "invalid offset token" not in exc.message.lower():
                    raise
                restarts += 1
                if restarts > MAX_PAGINATION_RESTARTS:
                    raise
                logger.warning("lever GET %s: offset token rejected, restarting the listing", path)
                offset = None
                continue
            next_token = payload.get("next") if isinstance(payload, dict) and payload.get("hasNext") else None
            if isinstance(payload, dict) and payload.get("hasNext") and not next_token:
                logger.warning("lever GET %s: hasNext without a next token, stopping", path)
            yield Page(items=page_items(payload), next_offset=str(next_token) if next_token else None)
            if not next_token:
                return
            offset = str(next_token)

    # -- helpers --------------------------------------------------------------------------------------

    def _throttle(self) -> None:
        if self.limiter is None:
            return
        waited = self.limiter.acquire()
        if waited > 0:
            self.rate_limit_waits += 1
            self.rate_limit_wait_seconds += waited
            self._emit(RateLimitWaitEvent(seconds=waited))

    def _record(self, method: str, path: str, status: int | None, started: float, attempt: int) -> None:
        duration = time.monotonic() - started
        self.requests_made += 1
        # Throttling, server errors and lost connections are worth a warning; other 4xx answers are
        # handled by the caller (a resumes 404 means "none"), so they are informational.
        if status is None or status == 429 or status >= 500:
            level = logging.WARNING
        else:
            level = logging.DEBUG if status < 400 else logging.INFO
        logger.log(
            level,
            "lever %s %s -> %s in %dms (attempt %d)",
            method,
            path,
            status if status is not None else "no response",
            duration * 1000,
            attempt,
        )
        self._emit(RequestEvent(method=method, path=path, status=status, duration=duration, attempt=attempt))

    def _wait_before_retry(
        self, method: str, path: str, reason: str, retry_after: float | None, retry: int, attempt: int
    ) -> None:
        if retry_after is not None:
            delay = min(retry_after, self.retry_after_cap)
        else:
            # Full jitter: spreads the retries of many workers instead of having them collide again.
            delay = self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (retry - 1)))
        self.retries += 1
        logger.info("lever %s %s: %s, retrying in %.2fs", method, path, reason, delay)
        self._emit(RetryEvent(method=method, path=path, reason=reason, delay=delay, attempt=attempt))
        self.sleep(delay)

    def _emit(self, event: ClientEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)
