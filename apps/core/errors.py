"""The server-error view: a database outage is a 503 the user can wait out, anything else a 500.

Django calls `handler500` inside its `except` block, so `sys.exc_info()` still holds the error. Neither
page may touch the database (no request context, no context processors): it may be the thing that is
down. With the database back, Django's connection health checks reconnect on the next request.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(exc: BaseException | None) -> bool:
    """True for a lost or refused database connection (not for a bad query, which is a bug)."""
    return isinstance(exc, UNAVAILABLE)


def server_error(request: HttpRequest) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):
        if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
            # htmx swaps nothing on a 5xx; the page's own error handling shows the message.
            body = "Recruitdesk cannot reach its database right now. Try again in a moment."
            response = HttpResponse(body, status=503, content_type="text/plain; charset=utf-8")
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(render_to_string("500.html"))
