from __future__ import annotations

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"
    verbose_name = "ATS integrations"

    def ready(self) -> None:
        from apps.integrations import alerts, log_redaction

        log_redaction.install()
        alerts.connect_receivers()  # the banner and sync strip every page keeps in the cache  # no webhook URL token, no query string (emails) in request logs
