from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from apps.core import log_redaction

        log_redaction.install()  # no template context (resume text, CSRF token) in DEBUG logs
