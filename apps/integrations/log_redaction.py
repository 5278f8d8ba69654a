"""Keep secrets and candidate data out of the request logs written around our code.

- `/webhooks/lever/<token>/` holds the connection's unguessable token (anyone who has it may post
  deliveries, which then only the signature stops). The receiver marks its own answers as logged, so
  django.request never writes the path, but request logs written around the view do: runserver's
  django.server access line (`make run`), gunicorn's access log when an operator turns it on, and
  django.request for anything that escapes the view. Those lines show `/webhooks/lever/…/`.
- urllib3 logs every request the Lever client sends at DEBUG with its query string, which can hold a
  candidate's email (`/opportunities?email=…`, the duplicate check before a create). Our transport
  logs the path only; urllib3's line loses the query (`?…`) too.

The filters are attached to the loggers themselves in `IntegrationsConfig.ready()`, not through
LOGGING, so they hold whatever logging configuration and level an operator chooses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

WEBHOOK_PATH = re.compile(r"(/webhooks/[A-Za-z0-9_-]+/)[^/\s\"'?#]+")
REQUEST_LOGGERS = ("django.server", "django.request", "gunicorn.access")
# urllib3.connectionpool: '%s://%s:%s "%s %s %s" %s %s' (scheme, host, port, method, url, version, …)
REQUEST_LINE_QUERY = re.compile(r'("[A-Z]+ [^"?\s]*)\?[^"\s]*')
HTTP_CLIENT_LOGGERS = ("urllib3.connectionpool",)


def redact_webhook_tokens(text: str) -> str:
    return WEBHOOK_PATH.sub(r"\1…", text)


def redact_query_strings(text: str) -> str:
    return REQUEST_LINE_QUERY.sub(r"\1?…", text)


class _RewriteFilter(logging.Filter):
    rewrite: Callable[[str], str]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is someone else's problem; never drop it here
            return True
        redacted = type(self).rewrite(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class WebhookTokenFilter(_RewriteFilter):
    rewrite = staticmethod(redact_webhook_tokens)


class QueryStringFilter(_RewriteFilter):
    rewrite = staticmethod(redact_query_strings)


def install() -> None:
    for names, kind in ((REQUEST_LOGGERS, WebhookTokenFilter), (HTTP_CLIENT_LOGGERS, QueryStringFilter)):
        for name in names:
            logger = logging.getLogger(name)
            if not any(isinstance(f, kind) for f in logger.filters):
                logger.addFilter(kind())
