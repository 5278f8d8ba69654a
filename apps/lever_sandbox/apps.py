from __future__ import annotations

from django.apps import AppConfig


class LeverSandboxConfig(AppConfig):
    name = "apps.lever_sandbox"
    label = "lever_sandbox"
    verbose_name = "Lever sandbox server"
