"""Add a candidate in Recruitdesk (the form, or a CSV row) and export them to Lever without duplicates.

The person exists locally at once (remote_id None), with a local application to the chosen job so
they show in its pipeline as "not in Lever yet". Whether and when they go to Lever:

- `export=True` (the Export to ATS button, or an import that asks for it): now;
- `export=False`: not now; the button does it later;
- `export=None`: per the job's ATS sync trigger (apps.jobs.models.JobExportSettings); a lead (no
  job) waits for the button.

Every export first looks for the person in the mirror by normalised email and LinkedIn profile: a
match queues nothing and is shown as "duplicate found" with who and why, offering "add to this job
instead" or "skip". Otherwise a CREATE_CANDIDATE write-back is queued; its worker checks Lever by
email before creating (apps/integrations/lever/writeback/people.py) and never makes a second person.
The export lifecycle lives in sourcing_export.py; this module is the API the CSV import calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.candidates.actions import applications_rescore, pipeline_stages
from apps.candidates.models import (
    Application,
    Attachment,
    AttachmentKind,
    Candidate,
    CandidateExport,
    ExportCause,
    Origin,
)
from apps.candidates.signals import candidate_added
from apps.candidates.sourcing_checks import RESUME_TYPES, check_resume, clean_person, resume_name
from apps.candidates.sourcing_duplicates import DuplicateMatch, NewCandidate, duplicates_in_workspace
from apps.candidates.sourcing_export import candidate_export, export_add_to_job, export_skip, exports_settle
from apps.candidates.sourcing_triggers import (
    BUTTON_ONLY,
    NO_EXPORT_TRIGGERS,
    export_settings_for,
    export_triggers_after_contact_change,
    export_triggers_after_scoring,
    export_triggers_on_add,
    trigger_description,
)
from apps.candidates.text_extraction import extract
from apps.integrations.models import AtsUser, WritebackSource
from apps.jobs.models import Job, JobStage, Stage

__all__ = [
    "AddResult",
    "DuplicateMatch",
    "NewCandidate",
    "candidate_add",
    "candidate_export",
    "duplicates_in_workspace",
    "export_add_to_job",
    "export_skip",
    "export_triggers_after_contact_change",
    "export_triggers_after_scoring",
    "exports_settle",
]


@dataclass(frozen=True)
class AddResult:
    """What `candidate_add` did: the local rows, the export (None when none is due yet), who matched."""

    candidate: Candidate
    application: Application | None
    export: CandidateExport | None
    duplicates: list[DuplicateMatch] = field(default_factory=list)
    # When nothing was exported: when they will be, e.g. "only with the Export to ATS button".
    waiting_for: str = ""


# -- adding ---------------------------------------------------------------------------------------------


def _check_placement(
    workspace: Any, job: Job | None, stage: Stage | None, sourced_by: AtsUser | None, errors: dict
) -> None:
    workspace_id = getattr(workspace, "pk", workspace)
    if job is not None and (job.workspace_id != workspace_id or job.remote_deleted_at is not None):
        errors.setdefault("job", []).append("Choose a job of this workspace.")
    if stage is not None:
        if job is None:
            errors.setdefault("stage", []).append("Choose the job this stage belongs to.")
        elif not JobStage.objects.alive().filter(job=job, stage=stage).exists():
            errors.setdefault("stage", []).append(f"{stage} is not a stage of {job}'s pipeline.")
    if sourced_by is not None and (
        sourced_by.workspace_id != workspace_id
        or sourced_by.remote_deleted_at is not None
        or sourced_by.deactivated_at is not None
    ):
        errors.setdefault("sourced_by", []).append("Choose an active Lever user of this workspace.")


def _store_resume(candidate: Candidate, application: Application | None, resume: Any, kind: str) -> None:
    resume.seek(0)
    content = resume.read()
    name = resume_name(getattr(resume, "name", ""), kind)
    read = extract(content, extension=kind, content_type=RESUME_TYPES[kind])
    if read.refused:
        # A PDF that would cost too much to read (a decompression bomb) is refused, not kept without its
        # text: candidate_add is atomic, so the person is not created either and the form says why.
        raise ValidationError({"resume": [f"The resume cannot be read safely: {read.refused}."]})
    now = timezone.now()
    attachment = Attachment(
        workspace_id=candidate.workspace_id,
        candidate=candidate,
        application=application,
        kind=AttachmentKind.RESUME,
        name=name,
        content_type=RESUME_TYPES[kind],
        extension=kind,
        size=len(content),
        uploaded_at=now,
        extracted_text=read.text,
        text_extracted_at=now,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()


@transaction.atomic
def candidate_add(
    *,
    workspace: Any,
    new: NewCandidate,
    requested_by: Any,
    sourced_by: AtsUser | None = None,
    job: Job | None = None,
    stage: Stage | None = None,
    resume: Any = None,
    source: str = WritebackSource.UI,
    export: bool | None = None,
) -> AddResult:
    """Create the person locally (+ an application to `job`, + the resume) and export them if due.

    Raises ValidationError with messages per field (name, emails, phones, linkedin_url, links, city,
    state, country, current_title, current_company, source, tags, job, stage, sourced_by, resume).
    """
    errors: dict[str, list[str]] = {}
    try:
        person = clean_person(new)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _check_placement(workspace, job, stage, sourced_by, errors)
    kind = ""
    if resume is not None:
        try:
            kind = check_resume(resume)
        except ValidationError as exc:
            errors.setdefault("resume", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    duplicates = duplicates_in_workspace(workspace, new)
    now = timezone.now()
    candidate = Candidate.objects.create(
        workspace_id=getattr(workspace, "pk", workspace),
        name=person.name,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.emails[0] if person.emails else "",
        emails=person.emails,
        phones=person.phones,
        links=[*person.links, *([person.linkedin_url] if person.linkedin_url else [])],
        linkedin_url=person.linkedin_url,
        location=person.location,
        headline=" at ".join(x for x in (person.current_title, person.current_company) if x),
        current_title=person.current_title,
        current_company=person.current_company,
        sourcing={
            "source": person.source,
            "tags": person.tags,
            "sourced_by": sourced_by.pk if sourced_by else None,
            "added_by": getattr(requested_by, "pk", None),
            "via": source,
            **({NO_EXPORT_TRIGGERS: True} if export is False else {}),
        },
    )
    application = None
    if job is not None:
        # On the job's board from the start: without a chosen stage, in its first one.
        stage = stage or next(iter(pipeline_stages(job)), None)
        application = Application.objects.create(
            workspace_id=candidate.workspace_id,
            candidate=candidate,
            job=job,
            current_stage=stage,
            stage_entered_at=now if stage else None,
            origin=Origin.SOURCED,
            sources=[person.source] if person.source else [],
            sourced_by=sourced_by,
            applied_at=now,
        )
    if resume is not None:
        _store_resume(candidate, application, resume, kind)
    record, waiting = None, ""
    if export is True:
        record = candidate_export(
            candidate=candidate,
            application=application,
            trigger=ExportCause.MANUAL,
            requested_by=requested_by,
            source=source,
        )
    elif export is None and application is not None:
        record = export_triggers_on_add(candidate, application, requested_by=requested_by)
    if record is None:
        waiting = _waiting_for(job, export)
    if application is not None:
        applications_rescore([application])  # a fit score for the page, and for the tier trigger
    candidate_added.send(
        sender=Candidate, candidate=candidate, application=application, requested_by=requested_by
    )
    return AddResult(candidate, application, record, duplicates, waiting)


def _waiting_for(job: Job | None, export: bool | None) -> str:
    if export is False or job is None:
        return BUTTON_ONLY
    return trigger_description(export_settings_for(job))
