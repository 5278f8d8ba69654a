from __future__ import annotations

from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "apps.automation"
    label = "automation"
    verbose_name = "Workflow automation"

    def ready(self) -> None:
        # The mirror, scoring and sourcing announce what happened; automation turns it into events.
        from apps.automation import events
        from apps.candidates.models import Application
        from apps.candidates.signals import candidate_added
        from apps.integrations.signals import records_changed
        from apps.scoring.signals import scores_changed

        # Only applications' changes make events: other models' batches never reach the handler.
        records_changed.connect(
            events.on_records_changed, sender=Application, dispatch_uid="automation-records"
        )
        scores_changed.connect(events.on_scores_changed, dispatch_uid="automation-scores")
        candidate_added.connect(events.on_candidate_added, dispatch_uid="automation-candidates")
