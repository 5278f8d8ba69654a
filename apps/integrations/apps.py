from __future__ import annotations

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"
    verbose_name = "ATS integrations"

    def ready(self) -> None:
        from apps.integrations import log_redaction

        log_redaction.install()  # no webhook URL token, no query string (emails) in request logs
