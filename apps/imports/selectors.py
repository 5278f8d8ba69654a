from __future__ import annotations

from typing import Any

from apps.imports.models import CandidateImport
from apps.jobs.models import ExportTrigger, JobExportSettings

# Triggers that export a person the moment they are added to the job (the tier one waits for a score).
FIRES_ON_ADD = (ExportTrigger.CONTACT_FOUND, ExportTrigger.ADDED_TO_PIPELINE)


def preview_jobs(candidate_import: CandidateImport) -> list[dict[str, Any]]:
    """The jobs the valid rows go on, how many each, and what the job's export trigger will do."""
    jobs = (candidate_import.preview or {}).get("jobs", [])
    settings = {
        s.job_id: s
        for s in JobExportSettings.objects.filter(
            workspace_id=candidate_import.workspace_id, job_id__in=[job_id for job_id, _, _ in jobs]
        )
    }
    result = []
    for job_id, name, count in jobs:
        trigger = settings.get(job_id)
        result.append(
            {
                "id": job_id,
                "name": name,
                "count": count,
                "trigger": trigger.get_trigger_display() if trigger else ExportTrigger.NEVER.label,
                "fires_on_add": bool(trigger and trigger.trigger in FIRES_ON_ADD),
            }
        )
    return result
