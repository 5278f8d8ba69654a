"""The export of a candidate added in Recruitdesk: start it (button or trigger), settle it, resolve a duplicate.

An export first checks the mirror (sourcing_duplicates): a match is recorded as "duplicate found" and
nothing is queued. Otherwise it queues a CREATE_CANDIDATE write-back, whose worker also checks Lever
by email and never creates a second person; `exports_settle` reads the finished action back: created
(exported), found instead of created (duplicate found, with who and why), or failed with Lever's
message. Each trigger fires once per candidate and job (a unique `key`), and only for people created
after the trigger was chosen (JobExportSettings.applies_to).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.candidates.identity import normalize_email, normalize_linkedin_url, normalized_emails
from apps.candidates.lever_create import (
    application_create_in_lever,
    candidate_connect_to_lever,
    candidate_create_in_lever,
)
from apps.candidates.models import (
    Application,
    Attachment,
    AttachmentKind,
    Candidate,
    CandidateExport,
    ExportCause,
    ExportStatus,
)
from apps.candidates.sourcing_duplicates import DuplicateMatch, duplicates_in_workspace, new_candidate_of
from apps.integrations.models import (
    AtsUser,
    WritebackAction,
    WritebackKind,
    WritebackSource,
    WritebackStatus,
)
from apps.integrations.models.outbox import OPEN_WRITEBACK_STATUSES
from apps.jobs.models import Job

# -- starting an export -----------------------------------------------------------------------------------


def _local_application(candidate: Candidate, job: Job | None) -> Application | None:
    """The person's local application to `job`; without a job, their newest local application to any."""
    local = Application.objects.filter(candidate=candidate, remote_id__isnull=True).alive().exclude(job=None)
    return (local.filter(job=job) if job is not None else local).order_by("-pk").first()


def candidate_export(
    *,
    candidate: Candidate,
    trigger: str = ExportCause.MANUAL,
    application: Application | None = None,
    job: Job | None = None,
    requested_by: Any,
    source: str = WritebackSource.UI,
    token: str = "",
) -> CandidateExport:
    """Export a person not yet in Lever: to `application`'s job (or `job`, or their newest local
    application's), else as a lead.

    Returns the export: "duplicate found" when the mirror knows the person (nothing queued), else
    pending on a CREATE_CANDIDATE write-back (or failed, with why it could not be queued). A trigger's
    export exists once per candidate and job; the same `token` (a form's) is the same button press.
    """
    if candidate.remote_id is not None:
        raise ValidationError(f"{candidate} is already in Lever.", code="in_lever")
    if application is None:
        application = _local_application(candidate, job)
    elif application.candidate_id != candidate.pk or application.remote_id is not None:
        raise ValidationError(
            "Choose an application of this person that is not in Lever yet.", code="invalid"
        )
    job = application.job if application is not None else job
    underway = exports_of(candidate, job).filter(status=ExportStatus.PENDING).first()
    if underway is not None:
        _settle_one(underway)
        if underway.status == ExportStatus.PENDING:  # one export at a time per person and job
            return underway
    target = job.pk if job is not None else "lead"
    if trigger == ExportCause.MANUAL:
        key = f"manual:{candidate.pk}:{target}:{token or uuid.uuid4().hex}"[:255]
    else:
        key = f"{trigger}:{candidate.pk}:{target}"
    record = CandidateExport(
        workspace_id=candidate.workspace_id,
        candidate=candidate,
        job=job,
        application=application,
        trigger=trigger,
        key=key,
        source=source,
        requested_by=requested_by if getattr(requested_by, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # this trigger already fired, or this press was already handled
        return CandidateExport.objects.get(workspace_id=candidate.workspace_id, key=key)
    matches = duplicates_in_workspace(candidate.workspace_id, new_candidate_of(candidate), exclude=candidate)
    if matches:
        _mark_duplicate(record, matches[0])
    else:
        _queue(record, application, requested_by)
    return record


def exports_of(candidate: Candidate, job: Job | None) -> Any:
    exports = CandidateExport.objects.filter(candidate=candidate).select_related("action")
    return exports.filter(job=job) if job is not None else exports.filter(job__isnull=True)


def _mark_duplicate(record: CandidateExport, match: DuplicateMatch) -> None:
    where = "is already in Lever" if match.in_lever else "was added in Recruitdesk and is not in Lever yet"
    record.status = ExportStatus.DUPLICATE
    record.matched_candidate = match.candidate
    record.matched_contact_id = match.remote_contact_id
    record.matched_name = match.name[:255]
    record.match_reason = match.reason[:600]
    record.message = f"Not exported: {match.name or 'someone'} {where} ({match.reason})."
    record.finished_at = timezone.now()
    record.save()


def _sourced_by(candidate: Candidate, application: Application | None) -> AtsUser | None:
    pk = (candidate.sourcing or {}).get("sourced_by") or (application.sourced_by_id if application else None)
    if not pk:
        return None
    # Someone deactivated since cannot be "sourced by" in Lever: the export goes without them.
    return AtsUser.objects.filter(pk=pk, deactivated_at__isnull=True, remote_deleted_at__isnull=True).first()


def _resume(candidate: Candidate) -> Attachment | None:
    return (
        Attachment.objects.filter(candidate=candidate, remote_id__isnull=True, kind=AttachmentKind.RESUME)
        .exclude(file="")
        .order_by("-pk")
        .first()
    )


def _queue(record: CandidateExport, application: Application | None, requested_by: Any) -> None:
    candidate = record.candidate
    sourcing = candidate.sourcing or {}
    data = {
        "sources": [sourcing["source"]] if sourcing.get("source") else [],
        "tags": list(sourcing.get("tags") or []),
    }
    resume = _resume(candidate)
    handle = File(resume.file.open("rb"), name=resume.name) if resume is not None else None
    try:
        action = candidate_create_in_lever(
            requested_by=requested_by,
            candidate=candidate,
            data=data,
            job=record.job,
            stage=application.current_stage if application is not None else None,
            sourced_by=_sourced_by(candidate, application),
            resume=handle,
            source=record.source,
            idempotency_key=f"export:{record.pk}",
        )
    except ValidationError as exc:
        record.status = ExportStatus.FAILED
        record.message = " ".join(exc.messages)
        record.finished_at = timezone.now()
    else:
        record.action = action
        record.message = (
            "Waiting for an admin's approval before it goes to Lever."
            if action.status == WritebackStatus.AWAITING_APPROVAL
            else "Queued for Lever."
        )
    finally:
        if handle is not None:
            handle.close()
    record.save()


# -- settling ---------------------------------------------------------------------------------------------


def exports_settle(exports: Iterable[CandidateExport]) -> list[CandidateExport]:
    """Bring pending exports up to date with their finished write-backs (in place); return them.

    Cheap when nothing needs settling (profiles and lists call it on every view): only a pending
    export with an action is looked at, and an action its query already loaded is not asked again.
    """
    rows = list(exports)
    for export in rows:
        if export.status == ExportStatus.PENDING and export.action_id is not None:
            _settle_one(export)
    return rows


def _settle_one(export: CandidateExport) -> bool:
    """Settle one export if its action finished; return True (the export is up to date)."""
    if export.status != ExportStatus.PENDING or export.action_id is None:
        return True
    if "action" in export._state.fields_cache:  # loaded with the export (select_related): as fresh
        action = export.action
    else:
        action = WritebackAction.objects.filter(pk=export.action_id).first()
    if action is None or action.status in OPEN_WRITEBACK_STATUSES:
        return True
    export.refresh_from_db()  # a merge may have moved it to the person Lever already had
    values: dict[str, Any] = {"finished_at": action.completed_at or timezone.now()}
    if action.status == WritebackStatus.SUCCEEDED:
        values.update(_succeeded(export, action))
        _retire_local_application(export)
    elif action.status == WritebackStatus.FAILED:
        values.update(status=ExportStatus.FAILED, message=action.last_error or action.status_reason)
    else:
        values.update(status=ExportStatus.FAILED, message=f"Cancelled: {action.status_reason}".rstrip(": "))
    if CandidateExport.objects.filter(pk=export.pk, status=ExportStatus.PENDING).update(**values):
        for name, value in values.items():
            setattr(export, name, value)
    else:
        export.refresh_from_db()
    return True


def _succeeded(export: CandidateExport, action: WritebackAction) -> dict[str, Any]:
    response = action.response or {}
    job_name = export.job.name if export.job_id else ""
    if action.kind != WritebackKind.CREATE_CANDIDATE:  # "add to this job instead" went through
        return {
            "status": ExportStatus.EXPORTED,
            "message": f"Added to {job_name or 'the job'} on {export.matched_name}'s existing Lever profile.",
        }
    if not response.get("matched_by"):
        return {"status": ExportStatus.EXPORTED, "message": "Created in Lever."}
    person = Candidate.objects.filter(pk=export.candidate_id).first()
    reason = _worker_reason(action, response, person)
    where = "Lever" if response.get("found_in") == "lever" else "Recruitdesk's copy of Lever"
    if response.get("deduped"):
        outcome = "they already had this application, so nothing new was created"
    elif export.job_id:
        outcome = f"{job_name} was added to their existing profile; no second person was created"
    else:
        outcome = "no second person was created"
    return {
        "status": ExportStatus.DUPLICATE,
        "matched_candidate": person,
        "matched_contact_id": str(response.get("contact") or "")[:255],
        "matched_name": (person.name if person else "")[:255],
        "match_reason": reason,
        "message": f"{where} already had this person ({reason}): {outcome}.",
    }


def _worker_reason(action: WritebackAction, response: dict[str, Any], person: Candidate | None) -> str:
    """Say why the worker took the person for one Lever already had, like the mirror check does."""
    payload = action.payload or {}
    if response.get("matched_by") == "linkedin":
        return f"same LinkedIn profile {normalize_linkedin_url(payload.get('linkedin_url'))}"
    sent = normalized_emails(payload.get("emails") or [])
    theirs = {normalize_email(e) for e in [person.email, *(person.emails or [])]} if person else set()
    looked_up = [
        normalize_email(call.get("params", {}).get("email"))
        for call in (action.request or {}).get("calls", [])
        if isinstance(call, dict) and isinstance(call.get("params"), dict) and call["params"].get("email")
    ]
    email = next((e for e in sent if e in theirs), "") or (looked_up[-1] if looked_up else "")
    return f"same email {email or (sent[0] if sent else '')}".strip()


def _retire_local_application(export: CandidateExport) -> None:
    """Fold the local application into the one Lever made for the same job, once the mirror has it."""
    local = Application.objects.filter(pk=export.application_id, remote_id__isnull=True).first()
    if local is None:
        return
    mirrored = (
        Application.objects.filter(candidate_id=local.candidate_id, job_id=local.job_id)
        .exclude(remote_id=None)
        .alive()
        .order_by("-pk")
        .first()
    )
    if mirrored is None:
        return
    with transaction.atomic():
        for relation in Application._meta.related_objects:
            if relation.one_to_many:
                relation.related_model._base_manager.filter(**{relation.field.name: local}).update(
                    **{relation.field.name: mirrored}
                )
        local.delete()
    export.application = mirrored


# -- resolving a duplicate --------------------------------------------------------------------------------


def export_add_to_job(*, export: CandidateExport, requested_by: Any) -> CandidateExport:
    """Add the person the export duplicates to its job (a new opportunity on their Lever contact).

    The local row is then folded into that person (their resume and exports move to them).
    """
    _settle_one(export)
    if not export.can_resolve:
        raise ValidationError("Only a duplicate found before export can be added to the job instead.")
    match = export.matched_candidate
    assert match is not None
    if export.job is None:
        raise ValidationError(f"This was a lead, so there is no job to add {match} to.", code="no_job")
    if match.remote_id is None or match.connection is None:
        raise ValidationError(f"{match} is not in Lever yet: export them first, or skip this one.")
    local = export.candidate
    stage = export.application.current_stage if export.application is not None else None
    with transaction.atomic():
        action = application_create_in_lever(
            candidate=match,
            job=export.job,
            stage=stage,
            requested_by=requested_by,
            idempotency_key=f"export-add:{export.pk}",
        )
        if export.application is not None and export.application.remote_id is None:
            # The worker takes any application of the person to the job for "already on this job", so
            # the local one goes now (its resume stays with the person); Lever's arrives with the answer.
            Attachment.objects.filter(application=export.application).update(application=None)
            export.application.delete()
        if local.remote_id is None and local.pk != match.pk:
            candidate_connect_to_lever(
                candidate=local, connection=match.connection, contact_id=match.remote_id
            )
        CandidateExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.PENDING,
            action=action,
            message=f"Adding to {export.job} on {match}'s existing Lever profile.",
            finished_at=None,
        )
    export.refresh_from_db()
    return export


def export_skip(*, export: CandidateExport, by: Any) -> CandidateExport:
    """Leave a duplicate out of Lever: nothing is sent, and later triggers leave the person alone."""
    _settle_one(export)
    if not export.can_resolve:
        raise ValidationError("Only a duplicate found before export can be skipped.")
    who = getattr(by, "email", "") or "a recruiter"
    export.status = ExportStatus.SKIPPED
    export.message = f"Skipped by {who}: not sent to Lever ({export.match_reason})."
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "message", "finished_at", "updated_at"])
    return export
