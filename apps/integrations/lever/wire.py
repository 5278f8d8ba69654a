"""How values go onto and come off the wire: query encoding, path segments, bodies, network failures.

Pure helpers for LeverTransport, kept apart so the retry loop stays readable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from apps.integrations.lever.errors import LeverConnectionError, LeverError
from apps.integrations.lever.parsing import to_ms

Params = Mapping[str, Any] | list[tuple[str, Any]]


def query(params: Params | None) -> list[tuple[str, str]]:
    """Return `params` as Lever expects them: lists repeated, booleans lower-case, datetimes in ms."""
    items = params.items() if isinstance(params, Mapping) else (params or [])
    out: list[tuple[str, str]] = []
    for key, value in items:
        if isinstance(value, set | frozenset):
            value = sorted(value)  # a stable query string: tests and logs compare them
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                out.append((key, "true" if item else "false"))
            elif isinstance(item, datetime):
                out.append((key, str(to_ms(item))))
            else:
                out.append((key, str(item)))
    return out


def segment(value: str) -> str:
    """Return an id quoted for use as one path segment (ids are opaque: slugs like `lead-new` exist)."""
    text = str(value)
    if not text:
        raise ValueError("A Lever id must not be empty.")
    return quote(text, safe="")


def network_error(exc: requests.RequestException, context: str) -> tuple[LeverError, bool]:
    """Return the typed error for a request that got no answer, and whether it may have been sent.

    Only failures while connecting (connect timeout, refused, DNS) prove nothing reached Lever. The
    message names the exception type only: requests' own text contains the URL and its query.
    """
    name = type(exc).__name__
    if isinstance(exc, requests.ConnectTimeout) or _failed_to_connect(exc):
        return LeverConnectionError(f"Could not connect to Lever for {context} ({name})."), False
    if isinstance(
        exc,
        requests.ConnectionError
        | requests.Timeout
        | requests.exceptions.ChunkedEncodingError
        | requests.exceptions.ContentDecodingError,
    ):
        return LeverConnectionError(f"Lever did not answer {context} ({name})."), True
    return LeverError(f"{context} could not be sent ({name})."), True


def _failed_to_connect(exc: requests.RequestException) -> bool:
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.exceptions.SSLError):
        return False
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


def decode(response: requests.Response, context: str, *, raw: bool) -> Any:
    if raw:
        return response.content
    if response.status_code == 204 or not response.content.strip():
        return None
    try:
        body = response.content
        if b"\x00" in body or b"\\u0000" in body:
            # PostgreSQL keeps no NUL character in text or jsonb: Lever text holding one (pasted from
            # a PDF, say) is kept without it, on every database alike.
            return without_nul(json.loads(body.replace(b"\x00", b"")))
        return response.json()
    except ValueError as exc:
        raise LeverError(
            f"{context} answered HTTP {response.status_code} with a body that is not JSON.",
            status=response.status_code,
            permanent=False,
        ) from exc


def without_nul(value: Any) -> Any:
    """Return `value` (decoded JSON) with every NUL character removed from its strings and keys."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


def page_items(payload: Any) -> list[Any]:
    items = payload.get("data") if isinstance(payload, dict) else payload
    if isinstance(items, dict) and isinstance(items.get("data"), list):
        items = items["data"]
    return items if isinstance(items, list) else []
