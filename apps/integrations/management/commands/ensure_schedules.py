from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.integrations.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Make django-q2's schedules match apps/integrations/schedules.py (idempotent; run on deploy)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = ensure_schedules()
        self.stdout.write(", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
