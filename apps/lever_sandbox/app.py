"""The sandbox as a plain WSGI application, plus the Python control API tests and commands drive.

``Sandbox(...)`` is callable as ``app(environ, start_response)`` under any WSGI server; the
bundled threaded server (``server.SandboxServer``) adds one thing a generic server cannot do:
the ``drop_rate`` fault, which closes the connection without answering.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from apps.lever_sandbox import simulate, writes
from apps.lever_sandbox.auth import authenticate
from apps.lever_sandbox.faults import Counters, FaultConfig, Faults, TokenBucket
from apps.lever_sandbox.generate.dataset import OppRow, Progress
from apps.lever_sandbox.oauth import OAuth
from apps.lever_sandbox.protocol import ApiError, Request, Response, error_response
from apps.lever_sandbox.routes import match
from apps.lever_sandbox.store import Store
from apps.lever_sandbox.webhooks import Webhooks

log = logging.getLogger(__name__)
LOOPBACK = ("127.", "::1", "::ffff:127.")
REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class DropConnection(Exception):
    """Raised by the app to make the bundled server close the socket without a response."""


class Sandbox:
    """A Lever v1 API over a seeded dataset, with switches for rate limits, faults and OAuth revocation."""

    def __init__(
        self,
        seed: int = 42,
        opportunities: int = 200,
        api_key: str | None = None,
        rate_limit: bool = True,
        token_lifetime: float = 3600,
        *,
        confidential_access: bool = True,
        oauth_clients: dict[str, str] | None = None,
        rate: float = 10.0,
        burst: int = 20,
        webhook_retries: int = 5,
        webhook_backoff: float = 0.5,
        webhook_timeout: float = 3.0,
        progress: Progress | None = None,
    ) -> None:
        self.seed = seed
        self.store = Store(seed, opportunities, progress)
        digest = hashlib.sha256(f"lever-sandbox:{seed}".encode()).hexdigest()
        self.api_key = api_key or f"sbx_{digest[:36]}"
        self.api_keys: dict[str, bool] = {self.api_key: confidential_access}
        self.oauth_client = (f"sandbox-client-{digest[36:48]}", f"sandbox-secret-{digest[12:44]}")
        super_admin = next(u["id"] for u in self.store.ds.users if u["accessRole"] == "super admin")
        self.oauth = OAuth(
            {self.oauth_client[0]: self.oauth_client[1], **(oauth_clients or {})},
            token_lifetime,
            digest.encode(),
            str(uuid.UUID(digest[:32])),
            super_admin,
        )
        self.rate_limit = rate_limit
        self.bucket = TokenBucket(rate, burst)
        self.faults = Faults(seed)
        self.counters = Counters()
        self.webhooks = Webhooks(webhook_retries, webhook_backoff, webhook_timeout)
        self.store.emit = self.webhooks.publish

    # ----------------------------------------------------------------------------------------------
    # WSGI
    # ----------------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self.handle(Request.from_environ(environ))
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {REASONS.get(response.status, 'Unknown')}", headers)
        return [response.body]

    def handle(self, req: Request) -> Response:
        """Route one request through counting, faults, auth and rate limiting to its handler."""
        route, params, path_known = match(req.method, req.path)
        api = route.kind == "api" if route else req.path.startswith("/v1")
        label = route.label if route else f"{req.method} (unmatched)"
        self.counters.record(label, api)
        if route is None:
            status = 405 if path_known else 404
            return self._finish(
                error_response(ApiError(status, f"No route for {req.method} {req.path}")), api
            )
        req.params, req.pattern = params, route.pattern
        if not api:
            if route.kind == "control" and not req.remote.startswith(LOOPBACK):
                return error_response(ApiError(403, "The sandbox controls answer loopback clients only"))
            return self._call(route.handler, req)
        fault = self.faults.roll()
        delay = self.faults.delay()
        if delay:
            time.sleep(delay)
        if fault == "drop":
            raise DropConnection
        if fault == "error":
            status = self.faults.error_status()
            return self._finish(
                error_response(ApiError(status, "Injected fault: the sandbox failed on purpose"))
            )
        try:
            req.credential = authenticate(req, self.api_keys, self.oauth)
        except ApiError as err:
            return self._finish(error_response(err))
        if self.faults.throttled() or (self.rate_limit and not self.bucket.allow(req.credential.bucket)):
            return self._finish(
                error_response(ApiError(429, "Rate limit exceeded: slow down and retry later"))
            )
        response = self._call(route.handler, req)
        # Only JSON bodies: a cut file download would come with a Content-Length it does not match,
        # which the HTTP client refuses by itself (urllib3 enforces the length).
        if fault == "truncate" and response.body and response.is_json:
            response.body = response.body[: len(response.body) // 2]
        return self._finish(response)

    def _call(self, handler: Callable[[Sandbox, Request], Response], req: Request) -> Response:
        try:
            return handler(self, req)
        except ApiError as err:
            return error_response(err)
        except Exception:
            log.exception("Sandbox handler failed for %s %s", req.method, req.path)
            return error_response(ApiError(500, "Internal sandbox error (see the server log)"))

    def _finish(self, response: Response, api: bool = True) -> Response:
        if api:
            self.counters.record_status(response.status)
        return response

    # ----------------------------------------------------------------------------------------------
    # Controls (also over HTTP under /_sandbox, see control.py)
    # ----------------------------------------------------------------------------------------------
    def set_rate_limit(self, enabled: bool) -> None:
        """Switch the 10 req/s (burst 20) limiter on or off; switching resets every bucket."""
        self.rate_limit = bool(enabled)
        self.bucket.reset()

    def set_faults(self, **faults: float) -> None:
        """Set every fault at once (unset ones go back to their defaults: no faults)."""
        self.faults.set(**{**asdict(FaultConfig()), **faults})

    def set_confidential_access(self, allowed: bool, api_key: str | None = None) -> None:
        """Grant or withdraw confidential access for an API key (the default key when omitted)."""
        self.api_keys[api_key or self.api_key] = bool(allowed)

    def add_api_key(self, key: str, confidential_access: bool = True) -> None:
        self.api_keys[key] = confidential_access

    def set_token_lifetime(self, seconds: float) -> None:
        self.oauth.token_lifetime = float(seconds)

    def revoke_oauth(self) -> None:
        self.oauth.revoke()

    def restore_oauth(self) -> None:
        self.oauth.restore()

    def request_counts(self) -> dict[str, Any]:
        """Return API request counts per endpoint pattern, the total, statuses and arrival timestamps."""
        return self.counters.snapshot()

    def reset_counts(self) -> None:
        self.counters.reset()

    def deliveries(self) -> list[dict[str, Any]]:
        """Return every webhook delivery (payload, attempts, state), oldest first."""
        return self.webhooks.deliveries()

    def config(self) -> dict[str, Any]:
        return {
            "rate_limit": self.rate_limit,
            **asdict(self.faults.config),
            "confidential_access": self.api_keys[self.api_key],
            "token_lifetime": self.oauth.token_lifetime,
            "oauth_revoked": self.oauth.revoked,
            "oauth_auto_approve": self.oauth.auto_approve,
        }

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change switches by name (as ``POST /_sandbox/config`` does) and return them all."""
        fault_names = tuple(asdict(FaultConfig()))
        unknown = set(changes) - {
            *fault_names,
            "rate_limit",
            "confidential_access",
            "token_lifetime",
            "oauth_auto_approve",
        }
        if unknown:
            raise TypeError(f"Unknown setting(s): {', '.join(sorted(unknown))}")
        self.faults.set(**{k: v for k, v in changes.items() if k in fault_names})
        if "rate_limit" in changes:
            self.set_rate_limit(changes["rate_limit"])
        if "confidential_access" in changes:
            self.set_confidential_access(changes["confidential_access"])
        if "token_lifetime" in changes:
            self.set_token_lifetime(changes["token_lifetime"])
        if "oauth_auto_approve" in changes:
            self.oauth.auto_approve = bool(changes["oauth_auto_approve"])
        return self.config()

    def oauth_info(self, base: str) -> dict[str, Any]:
        return {
            "oauth": {
                "clientId": self.oauth_client[0],
                "clientSecret": self.oauth_client[1],
                "authorizeUrl": f"{base}/oauth/authorize",
                "tokenUrl": f"{base}/oauth/token",
            }
        }

    def dataset_summary(self) -> dict[str, int]:
        """Return how many of each top-level resource the dataset holds right now."""
        ds = self.store.ds
        return {
            "users": len(ds.users),
            "stages": len(ds.stages),
            "archiveReasons": len(ds.archive_reasons),
            "postings": len(ds.postings),
            "requisitions": len(ds.requisitions),
            "contacts": len(ds.contacts),
            "opportunities": sum(1 for r in ds.rows if r.deleted_at is None),
            "deletedOpportunities": sum(1 for r in ds.rows if r.deleted_at is not None),
        }

    def _row(self, opportunity_id: str) -> OppRow:
        row = self.store.row(opportunity_id)
        if row is None:
            raise KeyError(opportunity_id)
        return row

    def simulate_stage_change(self, opportunity_id: str, stage_id: str) -> dict[str, Any]:
        """Move an opportunity as a recruiter would in Lever (``candidateStageChange`` webhook)."""
        return writes.change_stage(self.store, self._row(opportunity_id), stage_id, self.store.ds.admins[0])

    def simulate_archive(self, opportunity_id: str, reason_id: str | None) -> dict[str, Any]:
        """Archive (``None`` unarchives); hired-type reasons also send ``candidateHired``."""
        return writes.change_archived(
            self.store, self._row(opportunity_id), {"reason": reason_id}, self.store.ds.admins[0]
        )

    def simulate_delete(self, opportunity_id: str) -> dict[str, Any]:
        """Delete an opportunity (``candidateDeleted``); it then only shows in ``/opportunities/deleted``."""
        row = self._row(opportunity_id)
        simulate.delete_opportunity(self.store, row)
        return {"id": row.id, "deletedAt": row.deleted_at, "deletedBy": row.deleted_by}

    def simulate_new_application(
        self, posting_id: str | None = None, name: str | None = None, email: str | None = None
    ) -> dict[str, Any]:
        """Add an applicant to a posting (``applicationCreated``); a known email reuses that contact."""
        return simulate.simulate_application(self.store, posting_id, name, email)

    def simulate_interview(
        self, opportunity_id: str, action: str = "created", interview_id: str | None = None
    ) -> dict[str, Any]:
        """Schedule (``created``), move (``updated``) or cancel (``deleted``) an interview, with its webhook."""
        return simulate.interview_event(self.store, self._row(opportunity_id), action, interview_id)
