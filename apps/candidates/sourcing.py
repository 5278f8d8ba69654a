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

Until they are in Lever, their details (name, contact, links, location, work, source) can be corrected
here (`candidate_update_local`) with the same checks; once an export is on its way or done, Lever is
where they are edited, and the sync brings the change back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.contenttypes.models import ContentType
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
    ExportStatus,
    Origin,
)
from apps.candidates.signals import candidate_added
from apps.candidates.sourcing_checks import (
    RESUME_TYPES,
    CleanPerson,
    check_resume,
    clean_person,
    resume_name,
)
from apps.candidates.sourcing_duplicates import DuplicateMatch, NewCandidate, duplicates_in_workspace
from apps.candidates.sourcing_export import candidate_export, export_add_to_job, export_skip, exports_settle
from apps.candidates.sourcing_triggers import (
    BUTTON_ONLY,
    NO_EXPORT_TRIGGERS,
    export_settings_for,
    export_triggers_after_contact_change,
    export_triggers_after_scoring,
    export_triggers_on_add,
    has_contact,
    trigger_description,
)
from apps.candidates.text_extraction import extract
from apps.integrations.models import AtsUser, ChangeKind, ChangeSource, RecordChange, WritebackSource
from apps.jobs.models import Job, JobStage, Stage

__all__ = [
    "AddResult",
    "DuplicateMatch",
    "NewCandidate",
    "candidate_add",
    "candidate_export",
    "candidate_update_local",
    "duplicates_in_workspace",
    "export_add_to_job",
    "export_skip",
    "export_triggers_after_contact_change",
    "export_triggers_after_scoring",
    "exports_settle",
    "local_edit_refusal",
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


def _person_fields(person: CleanPerson) -> dict[str, Any]:
    """The Candidate fields a checked person sets, when added and when edited.

    The primary email is the first one; the LinkedIn profile is also among the links, as Lever keeps it.
    """
    return {
        "name": person.name,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.emails[0] if person.emails else "",
        "emails": person.emails,
        "phones": person.phones,
        "links": [*person.links, *([person.linkedin_url] if person.linkedin_url else [])],
        "linkedin_url": person.linkedin_url,
        "location": person.location,
        "headline": " at ".join(x for x in (person.current_title, person.current_company) if x),
        "current_title": person.current_title,
        "current_company": person.current_company,
    }


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
        **_person_fields(person),
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


# -- editing ----------------------------------------------------------------------------------------------

IN_LEVER = "They are in Lever: edit them there; the next sync brings the change."
EXPORTED = "They were exported to Lever: edit them there; the next sync brings the change."
EXPORT_UNDERWAY = (
    "Their export to Lever is under way (queued, or waiting for an admin's approval): once it is done,"
    " edit them in Lever; if it fails, here."
)
# Exports that took the person's details with them: a pending one's write-back carries the details it
# was queued with (the worker may create them at any moment), an exported one made them a Lever
# person. A duplicate found, a failed or a skipped export sent nothing: the details can be corrected
# (a mistyped email that matched someone else, or that Lever refused) and exported again.
EXPORTS_THAT_LOCK = (ExportStatus.PENDING, ExportStatus.EXPORTED)


def local_edit_refusal(candidate: Candidate) -> str:
    """Say why the person's details cannot be edited in Recruitdesk; "" when they can.

    Pending exports are settled first: one whose write-back failed (or was refused) no longer locks.
    """
    if candidate.remote_id is not None:
        return IN_LEVER
    if candidate.is_anonymized:
        return "They were anonymised: their personal data is no longer kept."
    if candidate.remote_deleted_at is not None:
        return "They were deleted: their details can no longer be edited."
    exports = CandidateExport.objects.filter(candidate_id=candidate.pk, status__in=EXPORTS_THAT_LOCK)
    statuses = {export.status for export in exports_settle(exports.select_related("action"))}
    if ExportStatus.EXPORTED in statuses:
        return EXPORTED
    if ExportStatus.PENDING in statuses:
        return EXPORT_UNDERWAY
    return ""


@transaction.atomic
def candidate_update_local(*, candidate: Candidate, new: NewCandidate, requested_by: Any) -> Candidate:
    """Correct the details of a person added in Recruitdesk who is not in Lever yet; return the row.

    `new` is checked as `candidate_add` checks it (ValidationError with messages per field); a person
    in Lever, anonymised, deleted, or whose export is under way or done is refused with a
    ValidationError without a field (code "locked"). Only the person fields change (and the source,
    also on their local applications that took it from the person); tags, placement and files stay.
    The export's duplicate check reads the row, so it sees the corrected emails and LinkedIn profile.
    A real change sets `changed_at` and rescores their applications; a first email or phone fires
    their jobs' "contact information found" trigger, as adding them with one would have.
    """
    current = Candidate.objects.select_for_update().filter(pk=candidate.pk).first()
    if current is None:  # merged into the Lever person meanwhile
        raise ValidationError(IN_LEVER, code="locked")
    refusal = local_edit_refusal(current)
    if refusal:
        raise ValidationError(refusal, code="locked")
    if not (new.first_name or new.last_name) and " ".join(new.name.split()) == current.name:
        # The form has a full name only: first and last names (from a CSV) stay while it is unchanged.
        new = replace(new, first_name=current.first_name, last_name=current.last_name)
    person = clean_person(new)
    fields = _person_fields(person)
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    before = {name: getattr(current, name) for name in changed}
    sourcing = dict(current.sourcing or {})
    old_source = sourcing.get("source") or ""
    if not changed and old_source == person.source:
        return current
    had_contact = has_contact(current)
    now = timezone.now()
    for name in changed:
        setattr(current, name, fields[name])
    sourcing["source"] = person.source
    current.sourcing = sourcing
    if changed:
        current.changed_at = now  # the scorer's "changed since last checked", as after a sync
    current.save(update_fields=[*changed, "sourcing", "changed_at", "updated_at"])
    _record_edit(current, before, old_source, person.source)
    local = Application.objects.filter(candidate=current, remote_id__isnull=True)
    if old_source != person.source:
        took_it = [old_source] if old_source else []
        pks = [a.pk for a in local.only("pk", "sources") if a.sources == took_it]
        local.filter(pk__in=pks).update(sources=[person.source] if person.source else [], updated_at=now)
    if changed:
        applications_rescore(local.alive().exclude(job=None).only("pk"))
        if not had_contact and has_contact(current):
            export_triggers_after_contact_change(current, requested_by=requested_by)
    return current


def _record_edit(candidate: Candidate, before: dict[str, Any], old_source: str, new_source: str) -> None:
    """Keep the edit as a RecordChange (old → new per field), so the profile's timeline shows it."""
    fields = {name: [value, getattr(candidate, name)] for name, value in before.items()}
    if old_source != new_source:
        fields["source"] = [old_source, new_source]
    RecordChange.objects.create(
        workspace_id=candidate.workspace_id,
        connection=None,
        content_type=ContentType.objects.get_for_model(Candidate),
        object_id=candidate.pk,
        kind=ChangeKind.UPDATED,
        source=ChangeSource.EDIT,
        fields=fields,
    )
