"""Lever failures as typed exceptions, each flagged permanent (retrying cannot help) or retryable.

Classes are chosen by HTTP status only, never by Lever's `code` string: at least two spellings of
"not found" exist (LEVER_API.md §6).
"""

from __future__ import annotations

from typing import Any

import requests


class LeverError(Exception):
    """Base of every failure the Lever client raises."""

    permanent: bool = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        permanent: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        if permanent is not None:
            self.permanent = permanent

    @property
    def retryable(self) -> bool:
        return not self.permanent

    def __str__(self) -> str:
        return f"Lever {self.status}: {self.message}" if self.status else f"Lever: {self.message}"


class LeverAuthError(LeverError):
    """401: the credential is missing, invalid, expired or revoked."""


class LeverReauthRequired(LeverAuthError):
    """The token endpoint refused the grant (invalid_grant or another 4xx): an admin must reconnect."""


class LeverPermissionError(LeverError):
    """403: the credential is valid but lacks the permission (key scope, confidential access)."""


class LeverNotFound(LeverError):
    """404: unknown route or object (a deleted opportunity answers like this too)."""


class LeverValidationError(LeverError):
    """400 and other 4xx: Lever rejected the request as sent; Lever's message says why."""


class LeverUnprocessable(LeverValidationError):
    """422: Lever could not process the file it was asked to hand out; retrying will not help."""


class LeverRateLimited(LeverError):
    """429: the credential's request budget is spent for now."""

    permanent = False

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class LeverServerError(LeverError):
    """5xx: Lever failed or is in maintenance."""

    permanent = False


class LeverConnectionError(LeverError):
    """Lever could not be reached or did not answer in time (DNS, refused, reset, timeout)."""

    permanent = False


def error_body(response: requests.Response) -> tuple[str | None, str | None]:
    """Return Lever's (`code`, `message`) from an error body, tolerating non-JSON and Auth0 shapes."""
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    # The Data API answers {"code", "message"}; the OAuth token endpoint {"error", "error_description"}.
    code = body.get("code") or body.get("error")
    message = body.get("message") or body.get("error_description")
    return (str(code) if code else None), (str(message) if message else None)


def error_from_response(
    response: requests.Response, *, context: str, retry_after: float | None = None
) -> LeverError:
    """Build the typed error for a non-2xx `response`; `context` names the call, e.g. "GET /stages"."""
    status = response.status_code
    code, message = error_body(response)
    text = message or f"{context} answered HTTP {status} {response.reason or ''}".strip()
    if status == 401:
        return LeverAuthError(text, status=status, code=code)
    if status == 403:
        return LeverPermissionError(text, status=status, code=code)
    if status == 404:
        return LeverNotFound(text, status=status, code=code)
    if status == 422:
        return LeverUnprocessable(text, status=status, code=code)
    if status == 429:
        return LeverRateLimited(text, status=status, code=code, retry_after=retry_after)
    if 400 <= status < 500:
        return LeverValidationError(text, status=status, code=code)
    if status >= 500:
        return LeverServerError(text, status=status, code=code)
    return LeverError(f"{context} answered an unexpected HTTP {status}", status=status, code=code)
