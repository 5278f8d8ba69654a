"""Webhook registrations and signed deliveries (LEVER_API.md §10), sent from a background thread.

Each delivery is ``POST <url>`` with ``{"id","event","triggeredAt","token","signature","data"}``;
the signature is the lowercase hex HMAC-SHA256 of ``token + str(triggeredAt)`` keyed with the
webhook's ``signatureToken`` (§10.3). Failures (anything but 2xx, redirects included) are retried
with a doubling delay; every attempt is recorded so tests can inspect it.
"""

from __future__ import annotations

import copy
import hashlib
import heapq
import hmac
import http.client
import itertools
import json
import logging
import secrets
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from apps.lever_sandbox.protocol import bad_request

log = logging.getLogger(__name__)

EVENTS = (
    "applicationCreated",
    "candidateHired",
    "candidateStageChange",
    "candidateArchiveChange",
    "candidateDeleted",
    "interviewCreated",
    "interviewUpdated",
    "interviewDeleted",
    "contactCreated",
    "contactUpdated",
)
ORIGIN_EVENTS = frozenset(
    {"applicationCreated", "candidateArchiveChange", "candidateHired", "candidateStageChange"}
)


def sign(signature_token: str, token: str, triggered_at: int) -> str:
    """Return Lever's signature: hex HMAC-SHA256(signature_token, token + str(triggered_at))."""
    message = f"{token}{int(triggered_at)}".encode()
    return hmac.new(signature_token.encode(), message, hashlib.sha256).hexdigest()


class Webhooks:
    """Hold registered webhooks and deliver events to them."""

    def __init__(self, retries: int = 5, backoff: float = 0.5, timeout: float = 3.0) -> None:
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self._hooks: dict[str, dict[str, Any]] = {}
        self._deliveries: dict[str, dict[str, Any]] = {}
        self._queue: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # ----------------------------------------------------------------------------------------------
    # Registry (the /webhooks endpoints)
    # ----------------------------------------------------------------------------------------------
    def register(self, body: dict[str, Any], now: int) -> dict[str, Any]:
        """Validate and store a webhook; return it with ``configuration.signatureToken``."""
        url, event = body.get("url"), body.get("event")
        if (
            not isinstance(url, str)
            or urlsplit(url).scheme not in ("http", "https")
            or not urlsplit(url).netloc
        ):
            raise bad_request("url must be an absolute http(s) URL")
        if event not in EVENTS:
            raise bad_request(f"event must be one of {', '.join(EVENTS)}")
        configuration = body.get("configuration") or {}
        if not isinstance(configuration, dict):
            raise bad_request("configuration must be an object")
        origins = ((configuration.get("conditions") or {}).get("origins")) or []
        if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
            raise bad_request("configuration.conditions.origins must be a list of origins")
        hook = {
            "id": str(uuid.uuid4()),
            "event": event,
            "url": url,
            "configuration": {"conditions": {"origins": origins}, "signatureToken": secrets.token_hex(24)},
            "createdAt": now,
            "updatedAt": now,
        }
        with self._cond:
            self._hooks[hook["id"]] = hook
        return copy.deepcopy(hook)

    def list(self) -> list[dict[str, Any]]:
        """Return registered webhooks (without their signing tokens), newest first."""
        with self._cond:
            hooks = copy.deepcopy(list(self._hooks.values()))
        for hook in hooks:
            hook["configuration"].pop("signatureToken", None)
        return sorted(hooks, key=lambda h: (-h["createdAt"], h["id"]))

    def delete(self, hook_id: str) -> bool:
        with self._cond:
            return self._hooks.pop(hook_id, None) is not None

    # ----------------------------------------------------------------------------------------------
    # Deliveries
    # ----------------------------------------------------------------------------------------------
    def publish(self, event: str, data: dict[str, Any], origin: str | None = None) -> list[str]:
        """Queue a signed delivery of ``event`` to every matching webhook; return the delivery ids."""
        with self._cond:
            hooks = [h for h in self._hooks.values() if h["event"] == event and _origin_ok(h, event, origin)]
            ids = []
            for hook in hooks:
                triggered = int(time.time() * 1000)
                token = secrets.token_hex(24)
                payload = {
                    "id": str(uuid.uuid4()),
                    "event": event,
                    "triggeredAt": triggered,
                    "token": token,
                    "signature": sign(hook["configuration"]["signatureToken"], token, triggered),
                    "data": copy.deepcopy(data),
                }
                delivery = {
                    "id": payload["id"],
                    "webhook": hook["id"],
                    "event": event,
                    "url": hook["url"],
                    "payload": payload,
                    "attempts": [],
                    "state": "pending",
                }
                self._deliveries[delivery["id"]] = delivery
                heapq.heappush(self._queue, (time.monotonic(), next(self._seq), delivery["id"]))
                ids.append(delivery["id"])
            if ids:
                self._ensure_thread()
                self._cond.notify_all()
        return ids

    def deliveries(self) -> list[dict[str, Any]]:
        """Return every delivery with its payload and attempts, oldest first."""
        with self._cond:
            return copy.deepcopy(list(self._deliveries.values()))

    def clear_deliveries(self) -> None:
        with self._cond:
            self._deliveries.clear()
            self._queue.clear()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=self.timeout + 1)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="lever-sandbox-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._queue or self._queue[0][0] > time.monotonic()):
                    self._cond.wait(timeout=(self._queue[0][0] - time.monotonic()) if self._queue else None)
                if self._stopping:
                    return
                _, _, delivery_id = heapq.heappop(self._queue)
                delivery = self._deliveries.get(delivery_id)
                if delivery is None:
                    continue
                url, body = delivery["url"], json.dumps(delivery["payload"]).encode()
            status, error = self._post(url, body)
            with self._cond:
                delivery["attempts"].append({"at": int(time.time() * 1000), "status": status, "error": error})
                if status is not None and 200 <= status < 300:
                    delivery["state"] = "delivered"
                elif len(delivery["attempts"]) > self.retries:
                    delivery["state"] = "failed"
                else:
                    delay = self.backoff * 2 ** (len(delivery["attempts"]) - 1)
                    heapq.heappush(self._queue, (time.monotonic() + delay, next(self._seq), delivery_id))

    def _post(self, url: str, body: bytes) -> tuple[int | None, str | None]:
        parts = urlsplit(url)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(parts.netloc, timeout=self.timeout)
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        try:
            connection.request(
                "POST", target, body, {"Content-Type": "application/json", "User-Agent": "Lever-Webhooks"}
            )
            response = connection.getresponse()
            response.read()
            return response.status, None
        except Exception as exc:  # any failure is a failed attempt, retried like Lever does
            log.info("Webhook delivery to %s failed: %s", url, exc)
            return None, f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()


def _origin_ok(hook: dict[str, Any], event: str, origin: str | None) -> bool:
    origins = hook["configuration"]["conditions"]["origins"]
    return not origins or event not in ORIGIN_EVENTS or origin in origins
