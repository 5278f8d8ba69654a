"""The Lever webhook receiver: `POST /webhooks/lever/<token>/`, answered in milliseconds.

The view only reads the body within a size cap and maps the inbox's verdict to a status; judging,
storing and queueing happen in `webhooks.webhook_receive`. Lever counts any 2xx as delivered and
retries anything else, 3xx included (LEVER_API.md §10.4).

The path holds the connection's secret token, so no response here goes through Django's request
logging (which would write the path to the log): each one is marked as logged already, and no
exception escapes the view. Access logs around it (runserver, gunicorn) are redacted by
`log_redaction.WebhookTokenFilter`.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.core.errors import database_unavailable
from apps.integrations.models import Connection, Provider
from apps.integrations.webhooks import Verdict, webhook_receive

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Lever's deliveries carry ids only, a few hundred bytes

STATUS_BY_VERDICT = {
    Verdict.ACCEPTED: 200,
    Verdict.DUPLICATE: 200,  # Lever retries until it gets a 2xx; it has been heard
    Verdict.PING: 200,
    Verdict.IGNORED: 200,
    Verdict.REJECTED: 403,
    Verdict.MALFORMED: 400,
    Verdict.GONE: 410,
}


@csrf_exempt  # Lever cannot send a CSRF token; the signature in the body authenticates it
def lever_webhook_receive(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        return _quiet(HttpResponseNotAllowed(["POST"]))
    try:
        return _receive(request, token)
    except Exception as exc:
        # Nothing may escape: django.request would log the path, token included (and mail it to
        # ADMINS with the request). Logged here without it; Lever retries the delivery later. A lost
        # database is a 503, as on every other page.
        logger.exception("A Lever webhook delivery could not be received")
        unavailable = database_unavailable(exc)
        return _answer(503 if unavailable else 500, "unavailable" if unavailable else "error")


def _receive(request: HttpRequest, token: str) -> HttpResponse:
    connection = Connection.objects.filter(webhook_token=token, provider=Provider.LEVER).first()
    if connection is None:
        return _answer(404, "unknown")
    # Refuse an oversized body from its declared length, before reading any of it; then cap the read
    # itself, in case the declared length is missing or wrong.
    if _declared_length(request) > MAX_BODY_BYTES:
        return _answer(413, "too large")
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return _answer(413, "too large")
    try:
        receipt = webhook_receive(connection=connection, raw=raw)
    except Exception:
        # Logged here without the path; Lever retries the delivery later.
        logger.exception("Lever webhook for connection %s could not be stored", connection.pk)
        return _answer(500, "error")
    return _answer(STATUS_BY_VERDICT[receipt.verdict], receipt.verdict)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _answer(status: int, result: str) -> HttpResponse:
    # Lever ignores the body; a word helps whoever tests the URL by hand.
    return _quiet(JsonResponse({"result": result}, status=status))


def _quiet(response: HttpResponse) -> HttpResponse:
    response._has_been_logged = True  # type: ignore[attr-defined]  # keeps the token out of django.request
    return response
