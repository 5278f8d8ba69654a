"""Keep the template context out of django.template's DEBUG records.

When a template names a variable the context lacks, Django logs "Exception while resolving variable"
at DEBUG with the VariableDoesNotExist attached, and that exception's message is the repr of the
whole context: candidate profiles (resume quotes in the score explanation), the CSRF token, the
request. With LOG_LEVEL=DEBUG all of it would reach the logs. The one-line message (variable and
template) stays; the exception with the context is dropped.

Attached to the logger in `CoreConfig.ready()`, not through LOGGING, so it holds whatever logging
configuration and level an operator chooses.
"""

from __future__ import annotations

import logging

from django.template.base import VariableDoesNotExist


class TemplateContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], VariableDoesNotExist):
            record.exc_info, record.exc_text = None, None
        return True


def install() -> None:
    logger = logging.getLogger("django.template")
    if not any(isinstance(f, TemplateContextFilter) for f in logger.filters):
        logger.addFilter(TemplateContextFilter())
