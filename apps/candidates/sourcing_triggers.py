"""Export triggers: a job's ATS sync setting, and the events that fire it for people added in Recruitdesk.

- "contact information found": an email or a phone exists when the person is added, or later;
- "added to the job's pipeline": their local application to the job is created;
- "the fit score reaches tier X": scoring calls `export_triggers_after_scoring` after each chunk.

Each fires once per candidate and job (CandidateExport.key) and only for people created after the
trigger was chosen (JobExportSettings.trigger_set_at): nothing fires retroactively.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import Membership
from apps.candidates.models import Application, Candidate, CandidateExport, ExportCause, ExportStatus
from apps.candidates.sourcing_export import candidate_export, exports_of, exports_settle
from apps.integrations.models import WritebackSource
from apps.jobs.models import ExportTrigger, Job, JobExportSettings

logger = logging.getLogger(__name__)
# Set in Candidate.sourcing for people added with "never export": no trigger fires for them, ever.
NO_EXPORT_TRIGGERS = "no_export_triggers"

TIER_RANK = {"tier_1": 1, "tier_2": 2, "tier_3": 3, "not_a_match": 4}  # lower is better
TIER_LABELS = {"tier_1": "Tier 1", "tier_2": "Tier 2", "tier_3": "Tier 3"}
# A later trigger leaves these alone: the person is on the way, in Lever, or a recruiter decided.
SETTLED_OR_UNDERWAY = (
    ExportStatus.PENDING,
    ExportStatus.EXPORTED,
    ExportStatus.DUPLICATE,
    ExportStatus.SKIPPED,
)


# -- job settings ---------------------------------------------------------------------------------------


def export_settings_for(job: Job) -> JobExportSettings | None:
    try:
        return job.export_settings
    except JobExportSettings.DoesNotExist:
        return None


def job_export_settings_update(*, job: Job, trigger: str, tier: str, by: Any) -> JobExportSettings:
    """Save a job's ATS sync trigger. A new trigger or tier restarts the clock: nothing fires retroactively."""
    if trigger not in ExportTrigger.values:
        raise ValidationError({"trigger": ["Choose when candidates are exported."]})
    tier = tier if trigger == ExportTrigger.TIER_REACHED else ""
    if trigger == ExportTrigger.TIER_REACHED and tier not in TIER_LABELS:
        raise ValidationError({"tier": ["Choose the tier that exports a candidate."]})
    settings = export_settings_for(job) or JobExportSettings(workspace_id=job.workspace_id, job=job)
    if settings.pk is None or (settings.trigger, settings.tier) != (trigger, tier):
        settings.trigger_set_at = timezone.now() if trigger != ExportTrigger.NEVER else None
    settings.trigger, settings.tier = trigger, tier
    settings.updated_by = by if getattr(by, "pk", None) else None
    settings.save()
    job.export_settings = settings
    return settings


BUTTON_ONLY = "only with the Export to ATS button"


def trigger_description(settings: JobExportSettings | None) -> str:
    """Say when a candidate added to the job is exported, to follow "exported", e.g.
    "when their fit score reaches Tier 1 or better"."""
    if settings is None or settings.trigger == ExportTrigger.NEVER:
        return BUTTON_ONLY
    if settings.trigger == ExportTrigger.CONTACT_FOUND:
        return "once they have contact information (an email or a phone)"
    if settings.trigger == ExportTrigger.ADDED_TO_PIPELINE:
        return "when added to the job's pipeline"
    return f"when their fit score reaches {TIER_LABELS.get(settings.tier, 'the chosen tier')} or better"


# -- triggers ---------------------------------------------------------------------------------------------


def has_contact(candidate: Candidate) -> bool:
    return bool(candidate.email or candidate.emails or candidate.phones)


def _adder(candidate: Candidate) -> Any:
    """The member who added the person, while they still belong to the workspace (Lever attributes to them)."""
    pk = (candidate.sourcing or {}).get("added_by")
    membership = (
        Membership.objects.filter(workspace_id=candidate.workspace_id, user_id=pk)
        .select_related("user")
        .first()
        if pk
        else None
    )
    return membership.user if membership is not None else None


def _fire(
    candidate: Candidate, application: Application, cause: str, *, requested_by: Any = None
) -> CandidateExport | None:
    if (candidate.sourcing or {}).get(NO_EXPORT_TRIGGERS):
        return None  # added with "never export": only the Export to ATS button sends them
    job = application.job
    settings = export_settings_for(job) if job is not None else None
    if settings is None or settings.trigger != cause or not settings.applies_to(candidate):
        return None
    if candidate.remote_id is not None or application.remote_id is not None or application.is_deleted:
        return None
    exports_settle(exports_of(candidate, job).filter(status=ExportStatus.PENDING))
    if exports_of(candidate, job).filter(status__in=SETTLED_OR_UNDERWAY).exists():
        return None
    return candidate_export(
        candidate=candidate,
        application=application,
        trigger=cause,
        requested_by=requested_by or _adder(candidate),
        source=WritebackSource.EXPORT_TRIGGER,
    )


def export_triggers_on_add(
    candidate: Candidate, application: Application, *, requested_by: Any = None
) -> CandidateExport | None:
    """Fire the job's trigger for a person just added to it: "added to the pipeline" or "contact found"."""
    if has_contact(candidate):
        fired = _fire(candidate, application, ExportCause.CONTACT_FOUND, requested_by=requested_by)
        if fired is not None:
            return fired
    return _fire(candidate, application, ExportCause.ADDED_TO_PIPELINE, requested_by=requested_by)


def export_triggers_after_contact_change(
    candidate: Candidate, *, requested_by: Any = None
) -> list[CandidateExport]:
    """Fire "contact information found" for a local person who now has an email or a phone."""
    if candidate.remote_id is not None or not has_contact(candidate):
        return []
    applications = Application.objects.filter(candidate=candidate, remote_id__isnull=True).alive()
    fired = [
        _fire(candidate, application, ExportCause.CONTACT_FOUND, requested_by=requested_by)
        for application in applications.exclude(job=None).select_related("job")
    ]
    return [export for export in fired if export is not None]


def export_triggers_after_scoring(scores: Iterable[Any]) -> int:
    """Fire "score reaches tier X" for local applications whose new score is that tier or better.

    Called by apps.scoring.services after each scored chunk; a failure here never stops scoring.
    """
    tiers = {score.application_id: score.tier for score in scores}
    if not tiers:
        return 0
    applications = (
        Application.objects.filter(
            pk__in=list(tiers), remote_id__isnull=True, candidate__remote_id__isnull=True
        )
        .alive()
        .filter(job__export_settings__trigger=ExportTrigger.TIER_REACHED)
        .select_related("candidate", "job__export_settings")
    )
    fired = 0
    for application in applications:
        wanted = TIER_RANK.get(application.job.export_settings.tier, 0)
        if TIER_RANK.get(tiers[application.pk], 99) > wanted:
            continue
        try:
            fired += _fire(application.candidate, application, ExportCause.TIER_REACHED) is not None
        except Exception:  # one person's export must not stop a scoring run
            logger.exception("Export trigger failed for application %s", application.pk)
    return fired
